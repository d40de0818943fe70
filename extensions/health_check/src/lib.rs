//! # otelcol-extension-healthcheck
//!
//! The `health_check` extension, as the Go collector's contrib
//! `healthcheckextension`: an HTTP endpoint (default
//! `localhost:13133`, path `/`) for liveness and readiness probes.
//!
//! - before the pipelines are ready and after shutdown begins: **503**
//!   `{"status":"Server not available","upSince":"0001-01-01T00:00:00Z","uptime":""}`;
//! - while ready: **200** `{"status":"Server available","upSince":"<RFC 3339>","uptime":"<Go duration>"}`;
//! - `response_body: {healthy, unhealthy}` replaces those bodies;
//! - with `exporter_failure: {enabled: true, duration: 5m}` (otelcol-rs only)
//!   the answer turns 503 while an exporter has reported errors, with no `Ok`
//!   since, for at least `duration`; the body names the failing exporters.
//!
//! ```
//! use otelcol_component::{ComponentConfig, ExtensionFactory, Factory};
//! let f = otelcol_extension_healthcheck::factory();
//! assert_eq!(f.type_name(), "health_check");
//! assert!(f.default_config().validate().is_ok());
//! ```

mod config;
mod extension;
mod factory;
mod health;

pub use config::{
    CheckCollectorPipelineConfig, Config, DEFAULT_ENDPOINT, DEFAULT_EXPORTER_FAILURE_DURATION,
    DEFAULT_EXPORTER_FAILURE_THRESHOLD, DEFAULT_PATH, DEFAULT_PIPELINE_INTERVAL, ExporterFailureConfig,
    ResponseBodyConfig,
};
pub use extension::HealthCheckExtension;
pub use factory::{HealthCheckFactory, STABILITY, TYPE};

/// The factory to register with the runtime.
pub fn factory() -> HealthCheckFactory {
    HealthCheckFactory
}
