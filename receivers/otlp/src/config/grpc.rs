//! `protocols::grpc`: Go's `configgrpc.ServerConfig` with the receiver's defaults.

use std::ops::{Deref, DerefMut};

use otelcol_component::ConfigError;
use otelcol_configgrpc::ServerConfig;
use serde::{Deserialize, Deserializer, Serialize};

/// Default gRPC listen endpoint.
pub const DEFAULT_GRPC_ENDPOINT: &str = "localhost:4317";
/// Default `read_buffer_size` of the OTLP receiver (512 KiB).
pub const DEFAULT_READ_BUFFER_SIZE: usize = 512 * 1024;

/// The OTLP/gRPC server: the shared gRPC server settings
/// (`otelcol_configgrpc::ServerConfig`, reached through `Deref`) with the
/// receiver's defaults, `endpoint: localhost:4317` and `read_buffer_size: 524288`.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(transparent)]
pub struct GrpcServerConfig {
    /// The server settings.
    pub server: ServerConfig,
}

impl Default for GrpcServerConfig {
    fn default() -> Self {
        GrpcServerConfig {
            server: ServerConfig {
                endpoint: DEFAULT_GRPC_ENDPOINT.to_string(),
                read_buffer_size: DEFAULT_READ_BUFFER_SIZE,
                ..ServerConfig::default()
            },
        }
    }
}

impl GrpcServerConfig {
    /// The receiver's defaults listening on `endpoint`.
    pub fn with_endpoint(endpoint: impl Into<String>) -> Self {
        let mut cfg = GrpcServerConfig::default();
        cfg.server.endpoint = endpoint.into();
        cfg
    }

    pub(crate) fn validate(&self, prefix: &str) -> Result<(), ConfigError> {
        self.server.validate_authenticated(prefix)
    }

    /// Keys this build accepts but does not apply, when set to non-defaults.
    pub(crate) fn unapplied_keys(&self) -> Vec<&'static str> {
        self.server.unapplied_keys(&GrpcServerConfig::default().server)
    }
}

impl Deref for GrpcServerConfig {
    type Target = ServerConfig;
    fn deref(&self) -> &ServerConfig {
        &self.server
    }
}

impl DerefMut for GrpcServerConfig {
    fn deref_mut(&mut self) -> &mut ServerConfig {
        &mut self.server
    }
}

impl<'de> Deserialize<'de> for GrpcServerConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        otelcol_confighttp::deserialize_over(d, GrpcServerConfig::default().server)
            .map(|server| GrpcServerConfig { server })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn receiver_defaults_under_the_shared_settings() {
        let cfg: GrpcServerConfig = serde_yaml::from_str("max_recv_msg_size_mib: 2").unwrap();
        assert_eq!(cfg.endpoint, DEFAULT_GRPC_ENDPOINT);
        assert_eq!(cfg.read_buffer_size, DEFAULT_READ_BUFFER_SIZE);
        assert_eq!(cfg.max_recv_msg_size(), 2 * 1024 * 1024);
        assert!(cfg.unapplied_keys().is_empty());
        let cfg: GrpcServerConfig = serde_yaml::from_str("read_buffer_size: 1").unwrap();
        assert_eq!(cfg.unapplied_keys(), ["read_buffer_size"]);
        assert_eq!(
            GrpcServerConfig::with_endpoint("127.0.0.1:0").endpoint,
            "127.0.0.1:0"
        );
    }
}
