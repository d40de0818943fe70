//! The `memory` exporter: keeps what it receives, for the program (and its
//! tests) to look at.

use std::sync::{Arc, Mutex, MutexGuard};

use otelcol_component::{
    Component, ComponentConfig, ConsumeError, Consumer, CreateError, Exporter, ExporterFactory, Factory,
    Payload, Settings, SharedConsumer, Signal, StabilityLevel, Traces, async_trait,
};
use serde::{Deserialize, Serialize};

/// The component type name used in config.
pub(crate) const TYPE: &str = "memory";

/// Config of the `memory` exporter: it has no settings.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemoryConfig {}

impl ComponentConfig for MemoryConfig {}

/// The spans the `memory` exporter received. Cloning shares the store.
#[derive(Clone, Debug, Default)]
pub struct MemoryStore {
    traces: Arc<Mutex<Vec<Traces>>>,
}

impl MemoryStore {
    /// An empty store and the exporter factory writing into it.
    pub fn new() -> (MemoryStore, MemoryExporterFactory) {
        let store = MemoryStore::default();
        (store.clone(), MemoryExporterFactory { store })
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Traces>> {
        self.traces.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Every payload received, in order.
    pub fn traces(&self) -> Vec<Traces> {
        self.lock().clone()
    }

    /// Number of spans received.
    pub fn span_count(&self) -> usize {
        self.lock().iter().map(Payload::item_count).sum()
    }
}

/// Creates the `memory` exporter; bound to one [`MemoryStore`].
#[derive(Debug)]
pub struct MemoryExporterFactory {
    store: MemoryStore,
}

impl Factory for MemoryExporterFactory {
    type Config = MemoryConfig;

    fn type_name(&self) -> &'static str {
        TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ExporterFactory for MemoryExporterFactory {
    fn stability(&self, signal: Signal) -> Option<StabilityLevel> {
        (signal == Signal::Traces).then_some(StabilityLevel::Development)
    }

    fn create(
        &self,
        _set: &Settings,
        _cfg: &MemoryConfig,
        _signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        Ok(Arc::new(MemoryExporter {
            store: self.store.clone(),
        }))
    }
}

#[derive(Debug)]
struct MemoryExporter {
    store: MemoryStore,
}

impl Component for MemoryExporter {}

#[async_trait]
impl Consumer<Traces> for MemoryExporter {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        self.store.lock().push(data);
        Ok(())
    }
}

impl Exporter for MemoryExporter {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        Some(self)
    }
}
