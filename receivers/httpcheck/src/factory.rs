//! The receiver's factory: type `http_check` (deprecated alias
//! `httpcheck`), metrics only, Alpha.

use std::sync::Arc;

use otelcol_component::{
    Component, ComponentConfig, Consumers, CreateError, Factory, Metrics, ReceiverFactory, Settings, Signal,
    StabilityLevel,
};

use crate::config::HttpCheckConfig;
use crate::receiver::HttpCheckReceiver;
use crate::scraper::Scraper;

/// The component type name used in config (Go's current name, since v0.150).
pub const TYPE: &str = "http_check";

/// The name Go used before v0.150, still accepted with a deprecation warning.
pub const DEPRECATED_TYPE: &str = "httpcheck";

/// Stability of the metrics signal, as Go's `metadata.yaml` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Alpha;

/// Creates [`HttpCheckReceiver`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct HttpCheckReceiverFactory;

impl Factory for HttpCheckReceiverFactory {
    type Config = HttpCheckConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &[DEPRECATED_TYPE]
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ReceiverFactory for HttpCheckReceiverFactory {
    /// Metrics only, at [`STABILITY`].
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Metrics).then_some(STABILITY)
    }

    /// Builds the receiver (no I/O: TLS files and authenticators are read
    /// at start).
    fn create(
        &self,
        set: &Settings,
        cfg: &HttpCheckConfig,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        let metrics = next
            .take::<Metrics>()
            .ok_or(CreateError::SignalNotSupported(Signal::Metrics))?;
        cfg.validate()?;
        for (i, t) in cfg.targets.iter().enumerate() {
            if t.client.force_attempt_http2 {
                tracing::warn!(
                    id = %set.id,
                    "targets::{i}::force_attempt_http2 is not applied: this build checks over HTTP/1.1"
                );
            }
        }
        let user_agent = format!("{}/{}", set.build_info.command, set.build_info.version);
        let scraper = Scraper::new(
            cfg,
            &user_agent,
            otelcol_component::build::unix_nanos_now(),
            &set.build_info.version,
        )
        .map_err(CreateError::Other)?;
        tracing::debug!(id = %set.id, targets = cfg.targets.len(), "created http_check receiver");
        Ok(Arc::new(HttpCheckReceiver::new(
            set.id.clone(),
            cfg.collection_interval,
            cfg.initial_delay,
            scraper,
            metrics,
            &set.telemetry.meter,
        )))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use otelcol_component::Kind;
    use otelcol_componenttest::{NopConsumer, nop_settings};

    #[test]
    fn metadata_matches_go() {
        let f = HttpCheckReceiverFactory;
        assert_eq!(f.type_name(), "http_check");
        assert_eq!(f.deprecated_aliases(), ["httpcheck"]);
        assert_eq!(f.stability(Signal::Metrics), Some(StabilityLevel::Alpha));
        assert_eq!(f.stability(Signal::Traces), None);
        assert_eq!(f.stability(Signal::Logs), None);
        assert!(f.module().starts_with("otelcol-receiver-httpcheck "));
    }

    #[test]
    fn create_needs_a_metrics_consumer_and_a_valid_config() {
        let f = HttpCheckReceiverFactory;
        let set = nop_settings(TYPE, Kind::Receiver);
        let cfg: HttpCheckConfig =
            otelcol_componenttest::parse_config("targets: [{endpoint: 'http://127.0.0.1:1/'}]").unwrap();
        assert!(matches!(
            f.create(&set, &cfg, Consumers::default()),
            Err(CreateError::SignalNotSupported(Signal::Metrics))
        ));
        let mut next = Consumers::default();
        next.set::<Metrics>(NopConsumer::new());
        assert!(f.create(&set, &cfg, next.clone()).is_ok());
        assert!(matches!(
            f.create(&set, &HttpCheckConfig::default(), next),
            Err(CreateError::Config(_))
        ));
    }
}
