//! The client authenticator: computes the headers of one request.

use std::fmt;

use otelcol_component::auth::{AuthError, ClientAuthenticator};
use otelcol_component::redact::REDACTED;
use otelcol_component::{RequestContext, async_trait};

use crate::config::{Action, Config};

/// Where a header's value comes from.
#[derive(Clone, PartialEq, Eq)]
enum Source {
    /// `value`.
    Static(String),
    /// `from_context`, with `default_value`.
    Context { key: String, default: String },
    /// `from_attribute`, with `default_value`.
    Attribute { key: String, default: String },
    /// `action: delete` without a source.
    None,
}

impl fmt::Debug for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Static(_) => write!(f, "Static({REDACTED})"),
            Source::Context { key, .. } => write!(f, "Context({key:?})"),
            Source::Attribute { key, .. } => write!(f, "Attribute({key:?})"),
            Source::None => f.write_str("None"),
        }
    }
}

impl Source {
    /// The value for a request (Go's `Source.Get`).
    fn get(&self, ctx: &RequestContext) -> Result<String, String> {
        match self {
            Source::Static(v) => Ok(v.clone()),
            Source::None => Ok(String::new()),
            Source::Context { key, default } => {
                let values = ctx.client().map(|c| c.metadata_values(key)).unwrap_or(&[]);
                match values {
                    [] => Ok(default.clone()),
                    [one] => Ok(one.clone()),
                    many => Err(format!(
                        "{} source keys found in the context, can't determine which one to use",
                        many.len()
                    )),
                }
            }
            Source::Attribute { key, default } => {
                let values = ctx
                    .client()
                    .and_then(|c| c.auth.as_deref())
                    .map(|a| a.attribute(key))
                    .unwrap_or(&[]);
                match values {
                    [] => Ok(default.clone()),
                    [one] => Ok(one.clone()),
                    many => serde_json::to_string(many).map_err(|e| e.to_string()),
                }
            }
        }
    }
}

/// One configured header.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Header {
    /// Lower-cased name.
    key: String,
    action: Action,
    source: Source,
}

/// Sets the configured headers on each request, in order. `Debug` shows
/// no values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeadersSetter {
    headers: Vec<Header>,
}

impl HeadersSetter {
    /// The setter for a validated config; entries without `action` are
    /// upserts (Go logs a warning for them; so does the extension).
    pub fn new(cfg: &Config) -> Self {
        let headers = cfg
            .headers
            .iter()
            .map(|h| {
                let default = h.default_value.clone().unwrap_or_default();
                let source = if let Some(v) = &h.value {
                    Source::Static(v.clone())
                } else if let Some(k) = &h.from_attribute {
                    Source::Attribute {
                        key: k.clone(),
                        default,
                    }
                } else if let Some(k) = &h.from_context {
                    Source::Context {
                        key: k.clone(),
                        default,
                    }
                } else {
                    Source::None
                };
                Header {
                    key: h.key.as_deref().unwrap_or_default().to_ascii_lowercase(),
                    action: h.action.unwrap_or(Action::Upsert),
                    source,
                }
            })
            .collect();
        HeadersSetter { headers }
    }
}

/// Applies one action to the headers built so far (Go's
/// `ApplyOnMetadata`: presence decides insert and update).
fn apply(out: &mut Vec<(String, String)>, key: &str, action: Action, value: String) {
    let pos = out.iter().position(|(k, _)| k == key);
    match (action, pos) {
        (Action::Insert, None) | (Action::Upsert, None) => out.push((key.to_string(), value)),
        (Action::Update, Some(i)) | (Action::Upsert, Some(i)) => out[i].1 = value,
        (Action::Delete, Some(i)) => {
            out.remove(i);
        }
        (Action::Insert, Some(_)) | (Action::Update, None) | (Action::Delete, None) => {}
    }
}

#[async_trait]
impl ClientAuthenticator for HeadersSetter {
    async fn headers(&self, ctx: &RequestContext) -> Result<Vec<(String, String)>, AuthError> {
        let mut out: Vec<(String, String)> = Vec::with_capacity(self.headers.len());
        for h in &self.headers {
            let value = h
                .source
                .get(ctx)
                .map_err(|e| AuthError::Unauthenticated(format!("failed to determine the source: {e}")))?;
            apply(&mut out, &h.key, h.action, value);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::collections::BTreeMap;

    use otelcol_component::{AuthData, ClientInfo};

    use super::*;

    fn setter(yaml: &str) -> HeadersSetter {
        let cfg: Config = serde_yaml::from_str(yaml).unwrap();
        HeadersSetter::new(&cfg)
    }

    fn ctx(md: &[(&str, &[&str])], auth: Option<AuthData>) -> RequestContext {
        let md: BTreeMap<String, Vec<String>> = md
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect();
        let mut info = ClientInfo::new(None, md);
        if let Some(a) = auth {
            info = info.with_auth(a);
        }
        RequestContext::new(info)
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[tokio::test]
    async fn values_from_config_context_and_attributes() {
        let s = setter(
            "headers:\n- {key: X-Scope-OrgID, action: insert, from_context: tenant}\n\
             - {key: User, from_attribute: username}\n- {key: Static, action: upsert, value: v}\n\
             - {key: Sub, from_context: auth.subject}",
        );
        let auth = AuthData::default()
            .with("username", vec!["alice".into()])
            .with("subject", vec!["sub-1".into()]);
        let c = ctx(&[("Tenant", &["acme"])], Some(auth));
        let h = s.headers(&c).await.unwrap();
        assert_eq!(
            h,
            pairs(&[
                ("x-scope-orgid", "acme"),
                ("user", "alice"),
                ("static", "v"),
                ("sub", "sub-1")
            ])
        );
    }

    #[tokio::test]
    async fn missing_values_use_the_default() {
        let s = setter(
            "headers:\n- {key: t, from_context: tenant, default_value: anon}\n\
             - {key: u, from_attribute: username}",
        );
        let h = s.headers(&RequestContext::default()).await.unwrap();
        assert_eq!(h, pairs(&[("t", "anon"), ("u", "")]));
    }

    #[tokio::test]
    async fn several_context_values_are_an_error() {
        let s = setter("headers: [{key: t, from_context: tenant}]");
        let err = s
            .headers(&ctx(&[("tenant", &["a", "b"])], None))
            .await
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "failed to determine the source: 2 source keys found in the context, can't determine which one to use"
        );
    }

    #[tokio::test]
    async fn a_multi_valued_attribute_is_sent_as_json() {
        let s = setter("headers: [{key: g, from_attribute: membership}]");
        let auth = AuthData::default().with("membership", vec!["a".into(), "b\"c".into()]);
        let h = s.headers(&ctx(&[], Some(auth))).await.unwrap();
        assert_eq!(h, pairs(&[("g", r#"["a","b\"c"]"#)]));
    }

    #[tokio::test]
    async fn actions_apply_in_order() {
        let s = setter(
            "headers:\n- {key: a, action: update, value: '1'}\n- {key: a, action: insert, value: '2'}\n\
             - {key: A, action: insert, value: '3'}\n- {key: b, action: upsert, value: '4'}\n\
             - {key: b, action: update, value: '5'}\n- {key: c, value: '6'}\n- {key: C, action: delete}",
        );
        let h = s.headers(&RequestContext::default()).await.unwrap();
        assert_eq!(h, pairs(&[("a", "2"), ("b", "5")]));
    }

    #[test]
    fn debug_shows_no_values() {
        let s = setter("headers: [{key: k, value: hush-hush}]");
        assert!(!format!("{s:?}").contains("hush-hush"));
    }
}
