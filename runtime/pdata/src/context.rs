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
    /// What the receiver's authenticator established about the sender, when
    /// the receiver has `auth` (Go's `client.Info.Auth`).
    pub auth: Option<Arc<AuthData>>,
}

/// The identity an authenticator established (Go `client.AuthData`): named
/// attributes such as `subject`, `membership` (groups) or `raw` (the
/// credential as sent, which authenticators leave out unless asked).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthData {
    attributes: BTreeMap<String, Vec<String>>,
}

impl AuthData {
    /// Auth data with these attributes.
    pub fn new(attributes: BTreeMap<String, Vec<String>>) -> Self {
        AuthData { attributes }
    }

    /// Sets one attribute (replacing its values).
    pub fn with(mut self, name: &str, values: Vec<String>) -> Self {
        self.attributes.insert(name.to_string(), values);
        self
    }

    /// The values of an attribute (empty when absent).
    pub fn attribute(&self, name: &str) -> &[String] {
        self.attributes.get(name).map(Vec::as_slice).unwrap_or(&[])
    }

    /// Every attribute name.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.attributes.keys().map(String::as_str)
    }
}

impl ClientInfo {
    /// Client info with an address and request metadata (keys are lower-cased).
    pub fn new(address: Option<SocketAddr>, metadata: BTreeMap<String, Vec<String>>) -> Self {
        let metadata = metadata
            .into_iter()
            .map(|(k, v)| (k.to_ascii_lowercase(), v))
            .collect();
        ClientInfo {
            address,
            metadata,
            auth: None,
        }
    }

    /// Client info with only an address.
    pub fn with_address(address: Option<SocketAddr>) -> Self {
        ClientInfo {
            address,
            metadata: BTreeMap::new(),
            auth: None,
        }
    }

    /// The same client with `auth` set.
    pub fn with_auth(mut self, auth: AuthData) -> Self {
        self.auth = Some(Arc::new(auth));
        self
    }

    /// All values of a metadata key (case-insensitive); `auth.<name>` reads
    /// the authenticator's attribute `<name>` (as Go's `client.Info` lookups
    /// of `auth.*` keys do).
    pub fn metadata_values(&self, key: &str) -> &[String] {
        if let Some(name) = key.strip_prefix("auth.") {
            if let Some(values) = self
                .auth
                .as_ref()
                .map(|a| a.attribute(name))
                .filter(|v| !v.is_empty())
            {
                return values;
            }
        }
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

/// The values a [`MetadataPartition`] found in one request's client
/// metadata, in key order (empty when the partition has no keys).
pub type PartitionKey = Vec<Vec<String>>;

/// Partitioning by client metadata, as the batch processor's
/// `metadata_keys` and the exporters' `sending_queue::batch::partition`
/// do it: requests with the same values of the keys go together, and what
/// they are sent on with carries those keys and values only — never another
/// sender's address, headers or auth data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetadataPartition {
    /// Lower-cased and sorted.
    keys: Vec<String>,
}

impl MetadataPartition {
    /// A partition by `keys` (case-insensitive; order does not matter).
    pub fn new<S: AsRef<str>>(keys: &[S]) -> Self {
        let mut keys: Vec<String> = keys.iter().map(|k| k.as_ref().to_ascii_lowercase()).collect();
        keys.sort();
        keys.dedup();
        MetadataPartition { keys }
    }

    /// The keys, lower-cased and sorted.
    pub fn keys(&self) -> &[String] {
        &self.keys
    }

    /// True without keys: everything is one partition.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The partition of a request with context `ctx`.
    pub fn key_for(&self, ctx: &RequestContext) -> PartitionKey {
        if self.keys.is_empty() {
            return Vec::new();
        }
        let client = ctx.client();
        self.keys
            .iter()
            .map(|k| client.map(|c| c.metadata_values(k).to_vec()).unwrap_or_default())
            .collect()
    }

    /// The context to send a partition's data on: client metadata holding
    /// only the keys and values of `key` (an empty context without keys).
    pub fn context_for(&self, key: &PartitionKey) -> RequestContext {
        if self.keys.is_empty() {
            return RequestContext::default();
        }
        let mut info = ClientInfo::with_address(None);
        for (k, values) in self.keys.iter().zip(key) {
            if !values.is_empty() {
                info.metadata.insert(k.clone(), values.clone());
            }
        }
        RequestContext::new(info)
    }
}

#[cfg(test)]
mod partition_tests {
    use super::*;

    #[test]
    fn auth_attributes_read_as_auth_keys_and_survive_a_partition() {
        let info = ClientInfo::with_address(None)
            .with_auth(AuthData::default().with("subject", vec!["alice".into()]));
        assert_eq!(info.metadata_values("auth.subject"), ["alice"]);
        assert!(info.metadata_values("auth.membership").is_empty());
        let p = MetadataPartition::new(&["auth.subject"]);
        let key = p.key_for(&RequestContext::new(info));
        assert_eq!(key, vec![vec!["alice".to_string()]]);
        let ctx = p.context_for(&key);
        assert_eq!(ctx.client().unwrap().metadata_values("auth.subject"), ["alice"]);
    }

    #[test]
    fn a_partition_keeps_only_its_keys() {
        let p = MetadataPartition::new(&["X-Tenant", "region"]);
        assert_eq!(p.keys(), ["region", "x-tenant"]);
        let mut md = BTreeMap::new();
        md.insert("X-Tenant".to_string(), vec!["acme".to_string()]);
        md.insert("authorization".to_string(), vec!["secret".to_string()]);
        let ctx = RequestContext::new(ClientInfo::new("127.0.0.1:9".parse().ok(), md));
        let key = p.key_for(&ctx);
        assert_eq!(key, vec![Vec::<String>::new(), vec!["acme".to_string()]]);
        let out = p.context_for(&key);
        let info = out.client().expect("metadata");
        assert_eq!(info.address, None);
        assert_eq!(info.metadata_values("x-tenant"), ["acme"]);
        assert!(info.metadata_values("authorization").is_empty());
        assert!(info.metadata_values("region").is_empty());

        let none = MetadataPartition::default();
        assert!(none.key_for(&ctx).is_empty());
        assert_eq!(none.context_for(&Vec::new()), RequestContext::default());
    }
}
