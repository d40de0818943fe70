//! The receiver's factory: type `file_log` (deprecated alias `filelog`),
//! logs only, Beta.

use std::sync::Arc;

use otelcol_component::{
    Component, ComponentConfig, Consumers, CreateError, Factory, Logs, ReceiverFactory, Settings, Signal,
    StabilityLevel,
};

use crate::config::FileLogConfig;
use crate::receiver::FileLogReceiver;

/// The component type name used in config (Go's current name).
pub const TYPE: &str = "file_log";

/// The name Go used before, still accepted with a deprecation warning.
pub const DEPRECATED_TYPE: &str = "filelog";

/// Stability of the logs signal, as Go's `metadata.yaml` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`FileLogReceiver`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct FileLogReceiverFactory;

impl Factory for FileLogReceiverFactory {
    type Config = FileLogConfig;

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

impl ReceiverFactory for FileLogReceiverFactory {
    /// Logs only, at [`STABILITY`].
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Logs).then_some(STABILITY)
    }

    /// Builds the receiver (no I/O: files, time zones and the storage are
    /// opened at start).
    fn create(
        &self,
        set: &Settings,
        cfg: &FileLogConfig,
        mut next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        let logs = next
            .take::<Logs>()
            .ok_or(CreateError::SignalNotSupported(Signal::Logs))?;
        cfg.validate()?;
        tracing::debug!(id = %set.id, include = ?cfg.include, "created file_log receiver");
        Ok(Arc::new(FileLogReceiver::new(
            set.id.clone(),
            cfg.clone(),
            logs,
            &set.telemetry.meter,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::Kind;
    use otelcol_componenttest::{NopConsumer, nop_settings, parse_config};

    #[test]
    fn metadata_matches_go() {
        let f = FileLogReceiverFactory;
        assert_eq!(f.type_name(), "file_log");
        assert_eq!(f.deprecated_aliases(), ["filelog"]);
        assert_eq!(f.stability(Signal::Logs), Some(StabilityLevel::Beta));
        assert_eq!(f.stability(Signal::Traces), None);
        assert_eq!(f.stability(Signal::Metrics), None);
        assert!(f.module().starts_with("otelcol-receiver-filelog "));
    }

    #[test]
    fn create_needs_a_logs_consumer_and_a_valid_config() {
        let f = FileLogReceiverFactory;
        let set = nop_settings(TYPE, Kind::Receiver);
        let cfg: FileLogConfig = parse_config("include: [/nonexistent/*.log]").unwrap();
        assert!(matches!(
            f.create(&set, &cfg, Consumers::default()),
            Err(CreateError::SignalNotSupported(Signal::Logs))
        ));
        let mut next = Consumers::default();
        next.set::<Logs>(NopConsumer::new());
        assert!(f.create(&set, &cfg, next.clone()).is_ok());
        assert!(f.create(&set, &FileLogConfig::default(), next).is_err());
    }
}
