//! The `nop` exporter: a consumer of every signal that drops what it is given.

use std::sync::Arc;

use otelcol_component::{
    Component, ConsumeError, Consumer, Exporter, Logs, Metrics, SharedConsumer, Traces, async_trait,
};

/// Accepts every payload and drops it. Starting and shutting down do nothing.
#[derive(Debug, Default)]
pub struct NopExporter;

impl Component for NopExporter {}

impl Exporter for NopExporter {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        Some(self)
    }
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self)
    }
    fn logs(self: Arc<Self>) -> Option<SharedConsumer<Logs>> {
        Some(self)
    }
}

#[async_trait]
impl Consumer<Traces> for NopExporter {
    async fn consume(&self, _data: Traces) -> Result<(), ConsumeError> {
        Ok(())
    }
}

#[async_trait]
impl Consumer<Metrics> for NopExporter {
    async fn consume(&self, _data: Metrics) -> Result<(), ConsumeError> {
        Ok(())
    }
}

#[async_trait]
impl Consumer<Logs> for NopExporter {
    async fn consume(&self, _data: Logs) -> Result<(), ConsumeError> {
        Ok(())
    }
}
