//! # otelcol-extension-zpages
//!
//! The `zpages` extension, as the Go collector's core `zpagesextension`:
//! plain HTML pages for in-process diagnostics, served on `localhost:55679`:
//!
//! - `/debug/servicez`: build and runtime information, links to the other pages;
//! - `/debug/pipelinez`: every pipeline with its receivers, processors,
//!   exporters and whether it mutates data;
//! - `/debug/extensionz`: enabled extensions;
//! - `/debug/featurez`: feature gates (this build has none);
//! - `/debug/tracez`: the collector's own `tracing` spans by latency bucket
//!   and errors, recorded by the layer from [`tracez_layer`];
//! - `/debug/expvarz` (with `expvar: {enabled: true}`): process information as JSON.
//!
//! No page shows a secret: URL passwords in recorded spans and the values of
//! secret `--set` / inline `yaml:` settings in expvarz' command line are
//! shown as `[REDACTED]`.
//!
//! ```
//! use otelcol_component::{ComponentConfig, ExtensionFactory, Factory};
//! let f = otelcol_extension_zpages::factory();
//! assert_eq!(f.type_name(), "zpages");
//! assert!(f.default_config().validate().is_ok());
//! ```

mod config;
mod extension;
mod factory;
mod html;
mod pages;
mod redact;
mod tracez;

pub use config::{Config, DEFAULT_ENDPOINT, ExpvarConfig};
pub use extension::ZpagesExtension;
pub use factory::{STABILITY, TYPE, ZpagesFactory};
pub use tracez::{
    BUCKET_COUNT, LATENCY_BUCKET_BOUNDS, MAX_SPAN_NAMES, SAMPLES_PER_BUCKET, SpanNameSummary, SpanSample,
    TracezLayer, TracezStore, global_tracez_store, latency_bucket, tracez_layer,
};

/// The factory to register with the runtime.
pub fn factory() -> ZpagesFactory {
    ZpagesFactory
}
