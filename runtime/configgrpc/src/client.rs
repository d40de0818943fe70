//! Blocks of a gRPC client (Go `configgrpc.ClientConfig`) that are not shared
//! with HTTP clients.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Default `keepalive::time` when a client `keepalive` block is given.
pub const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(10);
/// Default `keepalive::timeout` when a client `keepalive` block is given.
pub const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(10);

/// `keepalive` of a client: HTTP/2 pings on the connection (Go
/// `configgrpc.KeepaliveClientConfig`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KeepaliveClientConfig {
    /// Ping after this long without activity. Default: 10s.
    #[serde(with = "otelcol_component::duration")]
    pub time: Duration,
    /// Close the connection if a ping is not answered within this. Default: 10s.
    #[serde(with = "otelcol_component::duration")]
    pub timeout: Duration,
    /// Ping even when no call is active. Default: false.
    pub permit_without_stream: bool,
}

impl Default for KeepaliveClientConfig {
    fn default() -> Self {
        KeepaliveClientConfig {
            time: DEFAULT_KEEPALIVE_TIME,
            timeout: DEFAULT_KEEPALIVE_TIMEOUT,
            permit_without_stream: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_keepalive_defaults_and_keys() {
        let k: KeepaliveClientConfig = serde_yaml::from_str("{}").unwrap();
        assert_eq!(k, KeepaliveClientConfig::default());
        assert_eq!(k.time, Duration::from_secs(10));
        let k: KeepaliveClientConfig =
            serde_yaml::from_str("time: 30s\npermit_without_stream: true").unwrap();
        assert_eq!(
            (k.time, k.timeout, k.permit_without_stream),
            (Duration::from_secs(30), Duration::from_secs(10), true)
        );
        assert!(serde_yaml::from_str::<KeepaliveClientConfig>("tme: 1s").is_err());
    }
}
