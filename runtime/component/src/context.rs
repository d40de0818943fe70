//! Request context: who sent a payload, carried from the receiver to the exporter.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

/// Information about the client that sent a request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ClientInfo {
    /// The peer address of the connection, when known.
    pub address: Option<SocketAddr>,
    /// Request headers or gRPC metadata (lower-case keys), kept only when the
    /// receiver has `include_metadata: true`.
    pub metadata: BTreeMap<String, Vec<String>>,
}

impl ClientInfo {
    /// Client info with an address and request metadata (keys are lower-cased).
    pub fn new(address: Option<SocketAddr>, metadata: BTreeMap<String, Vec<String>>) -> Self {
        let metadata = metadata
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        ClientInfo { address, metadata }
    }

    /// Client info with only an address.
    pub fn with_address(address: Option<SocketAddr>) -> Self {
        ClientInfo {
            address,
            metadata: BTreeMap::new(),
        }
    }

    /// All values of a metadata key (case-insensitive).
    pub fn metadata_values(&self, key: &str) -> &[String] {
        self.metadata
            .get(&key.to_ascii_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// The context a payload travels with. Cheap to clone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    client: Option<Arc<ClientInfo>>,
}

impl RequestContext {
    /// A context carrying client information.
    pub fn new(client: ClientInfo) -> Self {
        RequestContext {
            client: Some(Arc::new(client)),
        }
    }

    /// The client information, if the receiver recorded any.
    pub fn client(&self) -> Option<&ClientInfo> {
        self.client.as_deref()
    }
}
