//! # otelcol-example-embedded
//!
//! Runs the otelcol-rs runtime inside another tokio program (here an axum
//! service) and feeds it without a network hop.
//!
//! The embedding API is `otelcol-service`'s [`Collector`]: give it
//! [`Factories`] and a config (any [`ConfigSource`], e.g. an inline YAML
//! string), then either
//! - [`Collector::start_service`]: start once and get the running
//!   [`Service`] back; stop it with [`Service::shutdown`], which stops the
//!   receivers first and drains processors into exporters (what
//!   [`EmbeddedCollector`] does), or
//! - [`Collector::run`]: run until a `CancellationToken` is cancelled
//!   (with optional reloads), as the CLI does.
//!
//! Use [`Collector::without_self_metrics`] so the runtime neither installs
//! a global `metrics` recorder nor serves `:8888/metrics` in your process.
//!
//! Data enters through the `inprocess` receiver defined here: its factory
//! is bound to an [`InProcessHandle`], and while the receiver runs the handle
//! hands payloads straight to the pipelines' first consumer.
//!
//! ```
//! use otelcol_example_embedded::{EmbeddedCollector, InProcessHandle, MemoryStore, app};
//! use otelcol_service::Factories;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let (handle, receiver) = InProcessHandle::new();
//! let (store, exporter) = MemoryStore::new();
//! let factories = Factories::builder()
//!     .receiver(receiver)
//!     .processor(otelcol_processor_batch::factory())
//!     .exporter(exporter)
//!     .build()?;
//! let config = r#"
//! receivers: {inprocess: }
//! processors: {batch: {timeout: 10ms}}
//! exporters: {memory: }
//! service:
//!   pipelines:
//!     traces: {receivers: [inprocess], processors: [batch], exporters: [memory]}
//! "#;
//! let collector = EmbeddedCollector::start(config, factories, handle).await?;
//! // Returns once the pipeline accepted the span (here: once its batch was exported).
//! collector.handle().traces(app::span("work", 1, 2, vec![])).await?;
//! assert_eq!(store.span_count(), 1);
//! collector.shutdown().await; // receivers first, then drain processors into exporters
//! # Ok(()) }
//! ```
//!
//! The same with [`Collector::run`] and a cancellation token:
//!
//! ```
//! use std::sync::Arc;
//! use otelcol_component::BuildInfo;
//! use otelcol_service::{Collector, ConfigSource, Factories};
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let (_handle, receiver) = otelcol_example_embedded::InProcessHandle::new();
//! # let (_store, exporter) = otelcol_example_embedded::MemoryStore::new();
//! let factories = Factories::builder().receiver(receiver).exporter(exporter).build()?;
//! let yaml = "receivers: {inprocess: }\nexporters: {memory: }\n\
//!             service: {pipelines: {traces: {receivers: [inprocess], exporters: [memory]}}}";
//! let collector = Collector::new(Arc::new(factories), BuildInfo::default())
//!     .with_sources(vec![ConfigSource::Inline { name: "inline".into(), yaml: yaml.into() }])
//!     .without_self_metrics();
//! let stop = tokio_util::sync::CancellationToken::new();
//! let running = tokio::spawn({
//!     let stop = stop.clone();
//!     async move { collector.run(stop, None).await }
//! });
//! stop.cancel(); // e.g. from your own shutdown path
//! running.await??;
//! # Ok(()) }
//! ```

pub mod app;
mod embedded;
mod inprocess;
mod memory;

pub use embedded::EmbeddedCollector;
pub use inprocess::{InProcessConfig, InProcessHandle, InProcessReceiverFactory, SendError};
pub use memory::{MemoryConfig, MemoryExporterFactory, MemoryStore};
pub use otelcol_service::service::Service;
pub use otelcol_service::{Collector, CollectorError, ConfigSource, Factories};
/// The token [`Collector::run`] waits on (`tokio_util::sync::CancellationToken`).
pub use tokio_util::sync::CancellationToken;
