//! The `servicegraph` connector's config, with Go's keys and defaults.

use std::time::Duration;

use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// Go's default latency bounds, in seconds.
pub(crate) const DEFAULT_BUCKETS_S: [f64; 16] = [
    0.002, 0.004, 0.006, 0.008, 0.01, 0.05, 0.1, 0.2, 0.4, 0.8, 1.0, 1.4, 2.0, 5.0, 10.0, 15.0,
];

/// Go's default `virtual_node_peer_attributes`.
pub(crate) const DEFAULT_PEER_ATTRIBUTES: [&str; 3] = ["peer.service", "db.name", "db.system"];

/// Go's default `database_name_attributes`.
pub(crate) const DEFAULT_DATABASE_NAME_ATTRIBUTES: [&str; 1] = ["db.name"];

/// A duration as config accepts it (`2ms`, `1.5s`, Go's notation): a
/// latency bucket bound or the flush interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Bucket(#[serde(with = "otelcol_component::duration")] pub Duration);

/// `store`: where a span waits for the other side of its request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreConfig {
    /// Edges waiting at most; a span that would add one more while the
    /// oldest has not expired is dropped (and counted).
    pub max_items: usize,
    /// How long an edge waits for its other side.
    #[serde(with = "otelcol_component::duration")]
    pub ttl: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            max_items: 1000,
            ttl: Duration::from_secs(2),
        }
    }
}

/// Config of the `servicegraph` connector.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServiceGraphConfig {
    /// Deprecated in Go (the pipeline names the exporter); accepted, no effect.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub metrics_exporter: String,
    /// Latency histogram bounds (Go's defaults: 2ms … 15s).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latency_histogram_buckets: Option<Vec<Bucket>>,
    /// Above 0: exponential latency histograms of at most this many buckets
    /// instead of explicit bounds.
    pub exponential_histogram_max_size: i32,
    /// Span or resource attributes added as `client_<name>` / `server_<name>`.
    pub dimensions: Vec<String>,
    /// The pairing store.
    pub store: StoreConfig,
    /// How often series not updated for 15 minutes are dropped.
    #[serde(with = "otelcol_component::duration")]
    pub cache_loop: Duration,
    /// How often expired edges leave the store.
    #[serde(with = "otelcol_component::duration")]
    pub store_expiration_loop: Duration,
    /// The client span attributes that name a virtual server node, first
    /// found wins (Go's default `[peer.service, db.name, db.system]`; empty:
    /// no virtual nodes).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub virtual_node_peer_attributes: Option<Vec<String>>,
    /// Adds `virtual_node: client|server` to virtual-node edges.
    pub virtual_node_extra_label: bool,
    /// How often metrics are emitted (Go's default 60 s; 0: after every batch of spans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_flush_interval: Option<Bucket>,
    /// Subtracted from the data points' timestamps.
    #[serde(with = "otelcol_component::duration")]
    pub metrics_timestamp_offset: Duration,
    /// Deprecated in Go: one database name attribute (use `database_name_attributes`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub database_name_attribute: String,
    /// Client span attributes naming a database (first found wins; Go's default `[db.name]`).
    pub database_name_attributes: Vec<String>,
}

impl Default for ServiceGraphConfig {
    fn default() -> Self {
        ServiceGraphConfig {
            metrics_exporter: String::new(),
            latency_histogram_buckets: None,
            exponential_histogram_max_size: 0,
            dimensions: Vec::new(),
            store: StoreConfig::default(),
            cache_loop: Duration::from_secs(60),
            store_expiration_loop: Duration::from_secs(2),
            virtual_node_peer_attributes: None,
            virtual_node_extra_label: false,
            metrics_flush_interval: None,
            metrics_timestamp_offset: Duration::ZERO,
            database_name_attribute: String::new(),
            database_name_attributes: Vec::new(),
        }
    }
}

impl ServiceGraphConfig {
    /// The explicit bounds in seconds, or `None` for exponential histograms.
    pub(crate) fn bounds(&self) -> Option<Vec<f64>> {
        if self.exponential_histogram_max_size > 0 {
            return None;
        }
        Some(match &self.latency_histogram_buckets {
            Some(b) => b.iter().map(|b| b.0.as_secs_f64()).collect(),
            None => DEFAULT_BUCKETS_S.to_vec(),
        })
    }

    /// `virtual_node_peer_attributes` with Go's default.
    pub(crate) fn peer_attributes(&self) -> Vec<String> {
        match &self.virtual_node_peer_attributes {
            Some(a) => a.clone(),
            None => DEFAULT_PEER_ATTRIBUTES.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// The database name attributes: the list, else the deprecated single
    /// key, else Go's default.
    pub(crate) fn database_attributes(&self) -> Vec<String> {
        if !self.database_name_attributes.is_empty() {
            self.database_name_attributes.clone()
        } else if !self.database_name_attribute.is_empty() {
            vec![self.database_name_attribute.clone()]
        } else {
            DEFAULT_DATABASE_NAME_ATTRIBUTES
                .iter()
                .map(|s| s.to_string())
                .collect()
        }
    }

    /// The flush interval (zero: after every batch).
    pub(crate) fn flush_interval(&self) -> Duration {
        self.metrics_flush_interval
            .map_or(Duration::from_secs(60), |d| d.0)
    }
}

impl ComponentConfig for ServiceGraphConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        // Go's two checks, with Go's words.
        if self.latency_histogram_buckets.is_none() && self.exponential_histogram_max_size < 0 {
            return Err(ConfigError::at(
                "exponential_histogram_max_size",
                "`exponential_histogram_max_size` can not be negative",
            ));
        }
        if self.latency_histogram_buckets.is_some() && self.exponential_histogram_max_size > 0 {
            return Err(ConfigError::new(
                "use either `latency_histogram_buckets` or `exponential_histogram_max_size`",
            ));
        }
        if let Some(b) = &self.latency_histogram_buckets {
            if b.windows(2).any(|w| w[0].0 >= w[1].0) {
                return Err(ConfigError::at(
                    "latency_histogram_buckets",
                    "buckets must be in increasing order",
                ));
            }
        }
        if self.store.max_items == 0 {
            return Err(ConfigError::at(
                "store::max_items",
                "must be positive: no edge could wait for its other side",
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn defaults_are_gos() {
        let c: ServiceGraphConfig = parse_config("").unwrap();
        assert_eq!(
            c.store,
            StoreConfig {
                max_items: 1000,
                ttl: Duration::from_secs(2)
            }
        );
        assert_eq!(c.cache_loop, Duration::from_secs(60));
        assert_eq!(c.store_expiration_loop, Duration::from_secs(2));
        assert_eq!(c.flush_interval(), Duration::from_secs(60));
        assert_eq!(c.bounds(), Some(DEFAULT_BUCKETS_S.to_vec()));
        assert_eq!(c.peer_attributes(), ["peer.service", "db.name", "db.system"]);
        assert_eq!(c.database_attributes(), ["db.name"]);
    }

    #[test]
    fn keys_of_gos_readme_parse() {
        let c: ServiceGraphConfig = parse_config(
            "latency_histogram_buckets: [1ms, 100ms, 1s]\ndimensions: [dimension-1, dimension-2]\n\
             store: {ttl: 1s, max_items: 10}\nmetrics_flush_interval: 0s\nvirtual_node_peer_attributes: []\n\
             database_name_attribute: db.namespace\nmetrics_exporter: prometheus",
        )
        .unwrap();
        assert_eq!(c.bounds(), Some(vec![0.001, 0.1, 1.0]));
        assert_eq!(c.store.max_items, 10);
        assert_eq!(c.flush_interval(), Duration::ZERO);
        assert!(c.peer_attributes().is_empty());
        assert_eq!(c.database_attributes(), ["db.namespace"]);
        let c: ServiceGraphConfig = parse_config("exponential_histogram_max_size: 80").unwrap();
        assert_eq!(c.bounds(), None);
    }

    #[test]
    fn errors_are_gos() {
        let e = parse_config::<ServiceGraphConfig>("exponential_histogram_max_size: -1").unwrap_err();
        assert!(
            e.contains("`exponential_histogram_max_size` can not be negative"),
            "{e}"
        );
        let e = parse_config::<ServiceGraphConfig>(
            "exponential_histogram_max_size: 10\nlatency_histogram_buckets: [1s]",
        )
        .unwrap_err();
        assert!(
            e.contains("use either `latency_histogram_buckets` or `exponential_histogram_max_size`"),
            "{e}"
        );
        let e = parse_config::<ServiceGraphConfig>("store: {ttl: 1s, max_itemz: 3}").unwrap_err();
        assert!(e.contains("max_itemz"), "{e}");
    }
}
