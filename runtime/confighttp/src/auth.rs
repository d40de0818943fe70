//! `auth` and `middlewares` (Go `configauth.Config`, `confighttp.AuthConfig`,
//! `configmiddleware.Config`), shared by servers and clients, and the
//! refusals of this build, which has no authenticator or middleware
//! extensions yet.

use otelcol_component::{ComponentId, ConfigError};
use otelcol_configtls::TlsServerConfig;
use serde::{Deserialize, Serialize};

/// `auth`: the authenticator extension that checks (server) or adds
/// (client) credentials. Accepted by the parser so that Go configs load;
/// refused by this build when validated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Id of the authenticator extension (`basicauth/server`, `bearertokenauth`). Required.
    pub authenticator: ComponentId,
    /// HTTP servers only: query parameters passed to the authenticator. Default empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_params: Vec<String>,
}

impl AuthConfig {
    /// Refuses client authentication (not in this build yet), naming `auth::authenticator`.
    pub fn refuse_client(auth: &Option<AuthConfig>) -> Result<(), ConfigError> {
        match auth {
            Some(a) => Err(ConfigError::at(
                "auth::authenticator",
                format!(
                    "client authenticators are not supported by this build yet (coming soon); cannot use {:?}",
                    a.authenticator.to_string()
                ),
            )),
            None => Ok(()),
        }
    }
}

/// One entry of `middlewares`: a middleware extension by id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MiddlewareConfig {
    /// Id of the middleware extension. Required.
    pub id: ComponentId,
}

/// Checks a server's `tls` and refuses its `auth` and `middlewares`, for a
/// server that does not authenticate (yet); errors name `<prefix>::tls` and
/// so on.
pub fn check_server_security(
    prefix: &str,
    tls: &Option<TlsServerConfig>,
    auth: &Option<AuthConfig>,
    middlewares: &[MiddlewareConfig],
) -> Result<(), ConfigError> {
    check_server_security_with(prefix, tls, auth, middlewares, false)
}

/// As [`check_server_security`], for a server that applies `auth` (the
/// authenticator is looked up at start): only an empty id is refused.
pub fn check_authenticated_server_security(
    prefix: &str,
    tls: &Option<TlsServerConfig>,
    auth: &Option<AuthConfig>,
    middlewares: &[MiddlewareConfig],
) -> Result<(), ConfigError> {
    check_server_security_with(prefix, tls, auth, middlewares, true)
}

fn check_server_security_with(
    prefix: &str,
    tls: &Option<TlsServerConfig>,
    auth: &Option<AuthConfig>,
    middlewares: &[MiddlewareConfig],
    auth_applied: bool,
) -> Result<(), ConfigError> {
    if let Some(tls) = tls {
        tls.validate()
            .map_err(|e| e.into_config_error(&format!("{prefix}::tls")))?;
    }
    if let Some(auth) = auth.as_ref().filter(|_| !auth_applied) {
        return Err(ConfigError::at(
            format!("{prefix}::auth"),
            format!(
                "auth (authenticator {:?}) is not supported yet by this build",
                auth.authenticator.to_string()
            ),
        ));
    }
    if !middlewares.is_empty() {
        return Err(ConfigError::at(
            format!("{prefix}::middlewares"),
            "middlewares are not supported yet by this build",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_auth_is_refused_with_its_id() {
        let a: AuthConfig = serde_yaml::from_str("authenticator: bearertokenauth").unwrap();
        let e = AuthConfig::refuse_client(&Some(a)).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("auth::authenticator"));
        assert!(e.message.contains("bearertokenauth"));
        assert!(AuthConfig::refuse_client(&None).is_ok());
    }

    #[test]
    fn server_auth_and_middlewares_are_refused_under_the_prefix() {
        let a: AuthConfig =
            serde_yaml::from_str("authenticator: basicauth/server\nrequest_params: [token]").unwrap();
        assert_eq!(a.request_params, ["token"]);
        let e = check_server_security("protocols::http", &None, &Some(a), &[]).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("protocols::http::auth"));
        assert!(e.message.contains("\"basicauth/server\""), "{e}");
        let m: Vec<MiddlewareConfig> = serde_yaml::from_str("- id: m").unwrap();
        let e = check_server_security("p", &None, &None, &m).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("p::middlewares"));
        assert!(check_server_security("p", &None, &None, &[]).is_ok());
        assert!(serde_yaml::from_str::<AuthConfig>("authenticator: a\nbogus: 1").is_err());
    }
}
