//! The `request` context's grammar, as Go's: `request["key"] == "value"` or
//! `request["key"] != "value"`, matched against the client metadata the
//! receiver kept (`include_metadata: true`; keys are case-insensitive).

use otelcol_component::RequestContext;

/// A parsed `request[...]` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RequestCondition {
    key: String,
    value: String,
    negate: bool,
}

/// Reads a `"..."` string literal at the start of `s` (with `\"` and `\\`
/// escapes); returns it and the rest.
fn quoted(s: &str) -> Option<(String, &str)> {
    let rest = s.strip_prefix('"')?;
    let mut out = String::new();
    let mut chars = rest.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((out, &rest[i + 1..])),
            '\\' => out.push(chars.next()?.1),
            c => out.push(c),
        }
    }
    None
}

impl RequestCondition {
    /// Parses `request["key"] == "value"` (or `!=`).
    pub(crate) fn parse(src: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "invalid request condition {src:?}: expected request[\"key\"] == \"value\" or request[\"key\"] != \"value\""
            )
        };
        let rest = src.trim().strip_prefix("request[").ok_or_else(bad)?;
        let (key, rest) = quoted(rest.trim_start()).ok_or_else(bad)?;
        let rest = rest.trim_start().strip_prefix(']').ok_or_else(bad)?.trim_start();
        let (negate, rest) = if let Some(r) = rest.strip_prefix("==") {
            (false, r)
        } else if let Some(r) = rest.strip_prefix("!=") {
            (true, r)
        } else {
            return Err(bad());
        };
        let (value, rest) = quoted(rest.trim_start()).ok_or_else(bad)?;
        if !rest.trim().is_empty() || key.is_empty() {
            return Err(bad());
        }
        Ok(RequestCondition { key, value, negate })
    }

    /// Whether a payload with this request context matches: `==` when any
    /// value of the key equals `value`, `!=` when none does (an absent key
    /// included).
    pub(crate) fn matches(&self, ctx: &RequestContext) -> bool {
        let found = ctx
            .client()
            .is_some_and(|c| c.metadata_values(&self.key).contains(&self.value));
        found != self.negate
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use otelcol_component::ClientInfo;

    use super::*;

    fn ctx(tenant: Option<&str>) -> RequestContext {
        let mut md = BTreeMap::new();
        if let Some(t) = tenant {
            md.insert("X-Tenant".to_string(), vec![t.to_string()]);
        }
        RequestContext::new(ClientInfo::new(None, md))
    }

    #[test]
    fn equality_and_inequality_on_metadata() {
        let eq = RequestCondition::parse(r#"request["X-Tenant"] == "acme""#).unwrap();
        assert!(eq.matches(&ctx(Some("acme"))));
        assert!(!eq.matches(&ctx(Some("ecorp"))));
        assert!(!eq.matches(&ctx(None)));
        assert!(!eq.matches(&RequestContext::default()));
        let ne = RequestCondition::parse(r#" request[ "x-tenant" ] != "acme" "#).unwrap();
        assert!(!ne.matches(&ctx(Some("acme"))));
        assert!(ne.matches(&ctx(Some("ecorp"))));
        assert!(ne.matches(&ctx(None)));
    }

    #[test]
    fn anything_else_is_refused_with_the_grammar() {
        for bad in [
            r#"attributes["x"] == "y""#,
            r#"request["x"] < "y""#,
            r#"request["x"] == "y" and true"#,
            r#"request[x] == "y""#,
            r#"request["x"] == "unterminated"#,
            r#"request[""] == "y""#,
        ] {
            let e = RequestCondition::parse(bad).unwrap_err();
            assert!(e.contains("expected request[\"key\"] == \"value\""), "{bad}: {e}");
        }
    }
}
