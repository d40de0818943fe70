//! The `basicauth` extension's config: Go's keys, defaults and checks.

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Go's message when neither side (or an empty `htpasswd`) is configured.
pub(crate) const ERR_NO_CREDENTIAL_SOURCE: &str = "no credential source provided";
/// Go's message when both sides are configured.
pub(crate) const ERR_MULTIPLE_AUTHENTICATORS: &str =
    "only one of `htpasswd` or `client_auth` can be specified";

/// Config of the `basicauth` extension (Go `basicauthextension.Config`).
/// Exactly one of `htpasswd` (server side) and `client_auth` (client side).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Server side: where the accepted users come from. Default absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub htpasswd: Option<HtpasswdSettings>,
    /// Client side: the credentials sent. Default absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_auth: Option<ClientAuthSettings>,
}

/// `htpasswd`: the users a server accepts, from a file and/or inline
/// content; an inline entry wins over a file entry for the same user.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HtpasswdSettings {
    /// Path to an htpasswd file, read at start. Default empty (none).
    pub file: String,
    /// htpasswd content written in the config. Default empty (none).
    pub inline: String,
}

/// `client_auth`: the user name and password sent by exporters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClientAuthSettings {
    /// User name; must not contain `:`. Default empty.
    pub username: String,
    /// Password (a secret: never shown by `Debug`). Default empty.
    pub password: Password,
}

/// A password (Go `configopaque.String`): the shared secret string type,
/// never shown by `Debug` or `Display`.
pub use otelcol_component::redact::Secret as Password;

impl ComponentConfig for Config {
    /// Go's `Config.Validate`, plus the check Go makes when creating the
    /// server (an `htpasswd` with neither `file` nor `inline`).
    fn validate(&self) -> Result<(), ConfigError> {
        match (&self.htpasswd, &self.client_auth) {
            (Some(_), Some(_)) => Err(ConfigError::new(ERR_MULTIPLE_AUTHENTICATORS)),
            (None, None) => Err(ConfigError::new(ERR_NO_CREDENTIAL_SOURCE)),
            (Some(h), None) if h.file.is_empty() && h.inline.is_empty() => {
                Err(ConfigError::at("htpasswd", ERR_NO_CREDENTIAL_SOURCE))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use otelcol_component::redact::REDACTED;

    fn parse(yaml: &str) -> Config {
        serde_yaml::from_str(yaml).unwrap()
    }

    #[test]
    fn exactly_one_side() {
        let err = Config::default().validate().unwrap_err();
        assert_eq!(err.to_string(), "no credential source provided");
        let both = parse("htpasswd: {inline: 'a:b'}\nclient_auth: {username: a, password: b}");
        assert_eq!(
            both.validate().unwrap_err().to_string(),
            "only one of `htpasswd` or `client_auth` can be specified"
        );
        let empty = parse("htpasswd: {}");
        assert_eq!(
            empty.validate().unwrap_err().to_string(),
            "htpasswd: no credential source provided"
        );
        parse("htpasswd: {file: /x}").validate().unwrap();
        parse("client_auth: {username: a}").validate().unwrap();
    }

    #[test]
    fn the_password_never_shows_in_debug() {
        let cfg = parse("client_auth: {username: alice, password: s3cr3t-pw}");
        let dbg = format!("{cfg:?}");
        assert!(!dbg.contains("s3cr3t-pw"), "{dbg}");
        assert!(dbg.contains("alice") && dbg.contains(REDACTED), "{dbg}");
        assert_eq!(cfg.client_auth.as_ref().unwrap().password.to_string(), REDACTED);
        assert_eq!(cfg.client_auth.unwrap().password.expose(), "s3cr3t-pw");
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(serde_yaml::from_str::<Config>("htpasswd: {path: x}").is_err());
        assert!(serde_yaml::from_str::<Config>("client_auth: {user: x}").is_err());
    }
}
