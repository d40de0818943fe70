//! The `memory_limiter` processor's factory.

use std::sync::Arc;

use otelcol_component::{
    CreateError, Factory, Payload, Processor, ProcessorFactory, Settings, SharedConsumer, Signal,
    StabilityLevel,
};

use crate::config::MemoryLimiterConfig;
use crate::memory::{MemorySource, ProcMemory};
use crate::processor::MemoryLimiterProcessor;
use crate::registry::Registry;

/// The component type name used in config.
pub const TYPE: &str = "memory_limiter";

/// Stability of traces, metrics and logs, as Go declares them.
pub const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`MemoryLimiterProcessor`]s. Instances created for the same id
/// (one per pipeline) share one limiter, kept in this factory (as Go's
/// factory does); a distribution holds one factory, so the sharing is
/// process-wide there.
#[derive(Clone, Debug)]
pub struct MemoryLimiterProcessorFactory {
    source: Arc<dyn MemorySource>,
    registry: Arc<Registry>,
}

impl Default for MemoryLimiterProcessorFactory {
    fn default() -> Self {
        Self::with_memory_source(Arc::new(ProcMemory::new()))
    }
}

impl MemoryLimiterProcessorFactory {
    /// A factory measuring with `/proc` and the cgroup files.
    pub fn new() -> Self {
        Self::default()
    }

    /// A factory measuring with `source` (tests, or an embedder with its own
    /// accounting).
    pub fn with_memory_source(source: Arc<dyn MemorySource>) -> Self {
        MemoryLimiterProcessorFactory {
            source,
            registry: Arc::default(),
        }
    }

    fn build<T: Payload>(
        &self,
        set: &Settings,
        cfg: &MemoryLimiterConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        let limiter = self
            .registry
            .get_or_create(&set.id, cfg, &self.source)
            .map_err(|e| {
                CreateError::Other(format!(
                    "failed to get total memory, use fixed memory settings (limit_mib): {e}"
                ))
            })?;
        Ok(Arc::new(MemoryLimiterProcessor::new_with_meter(
            limiter,
            next,
            &set.telemetry.meter,
        )))
    }
}

impl Factory for MemoryLimiterProcessorFactory {
    type Config = MemoryLimiterConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ProcessorFactory for MemoryLimiterProcessorFactory {
    /// Every signal, at [`STABILITY`].
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(STABILITY)
    }

    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &MemoryLimiterConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        self.build(set, cfg, next)
    }
}
