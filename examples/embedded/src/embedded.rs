//! Starting and stopping the runtime inside the program.

use std::sync::Arc;

use otelcol_component::BuildInfo;
use otelcol_service::service::Service;
use otelcol_service::{Collector, CollectorError, ConfigSource, Factories};

use crate::inprocess::InProcessHandle;

/// The runtime running in-process: a started [`Service`] and the handle that feeds it.
#[derive(Debug)]
pub struct EmbeddedCollector {
    service: Service,
    handle: InProcessHandle,
}

impl EmbeddedCollector {
    /// Validates `config` (collector YAML) against `factories`, builds and
    /// starts the pipelines. `handle` is the one whose factory is among
    /// `factories`. The collector's own metrics endpoint is not served.
    pub async fn start(
        config: &str,
        factories: Factories,
        handle: InProcessHandle,
    ) -> Result<Self, CollectorError> {
        let build_info = BuildInfo {
            command: env!("CARGO_PKG_NAME").into(),
            description: "otelcol-rs embedded in an axum service".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        };
        let service = Collector::new(Arc::new(factories), build_info)
            .with_sources(vec![ConfigSource::Inline {
                name: "embedded config".into(),
                yaml: config.into(),
            }])
            .without_self_metrics()
            .start_service()
            .await?;
        Ok(EmbeddedCollector { service, handle })
    }

    /// The handle that hands telemetry to the pipelines.
    pub fn handle(&self) -> &InProcessHandle {
        &self.handle
    }

    /// Stops the receivers first (the handle refuses new data from then on),
    /// then drains processors into exporters and stops them.
    pub async fn shutdown(self) {
        self.service.shutdown().await;
    }
}
