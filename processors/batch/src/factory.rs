//! The `batch` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::config::BatchConfig;
use crate::processor::BatchProcessor;

/// The component type name used in config.
pub const TYPE: &str = "batch";

/// Stability of every signal, as the Go collector's `batchprocessor` declares it.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`BatchProcessor`]s for traces, metrics and logs.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchProcessorFactory;

impl Factory for BatchProcessorFactory {
    type Config = BatchConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for BatchProcessorFactory {
    /// Every signal, at [`STABILITY`].
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &BatchConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        Ok(Arc::new(BatchProcessor::new(set, cfg, next)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::ComponentConfig;
    use otelcol_componenttest::check_processor_lifecycle;

    #[test]
    fn declares_type_and_stability() {
        let f = BatchProcessorFactory;
        assert_eq!(f.type_name(), "batch");
        assert!(f.deprecated_aliases().is_empty());
        for s in Signal::ALL {
            assert_eq!(f.stability(s), Some(StabilityLevel::Beta));
        }
        assert!(f.module().starts_with("otelcol-processor-batch "));
        assert_eq!(f.default_config(), BatchConfig::default());
        assert_eq!(f.default_config().validate(), Ok(()));
    }

    #[tokio::test]
    async fn lifecycle_for_all_signals() {
        let f = BatchProcessorFactory;
        check_processor_lifecycle(&f, &f.default_config()).await.unwrap();
        let immediate = BatchConfig {
            timeout: std::time::Duration::ZERO,
            ..BatchConfig::default()
        };
        check_processor_lifecycle(&f, &immediate).await.unwrap();
    }
}
