//! # otelcol-service
//!
//! The otelcol-rs runtime: turns a config and a set of factories into running
//! pipelines.
//!
//! `resolve` (sources → merged, expanded tree) → `validate` (typed component
//! configs, references, pipeline rules; every error at once) → `build` (the
//! graph: one receiver per id, one processor per pipeline and id, one
//! exporter per id, a fan-out before the exporters) → `start` (extensions,
//! exporters, processors, receivers) → `shutdown` (the reverse order, so
//! everything accepted is flushed).
#![forbid(unsafe_code)]

pub mod cli;
pub mod collector;
pub mod config;
pub mod connectors;
pub mod factories;
pub mod featuregate;
pub mod graph;
pub mod jsonlog;
pub mod loss;
pub mod mermaid;
pub mod redact;
pub mod selfmetrics;
pub mod selftelemetry;
pub mod service;
pub mod telemetry;
pub mod validate;

pub use cli::{Distribution, run};
pub use collector::{Collector, CollectorError, load_config};
pub use config::{ConfigErrors, ConfigIssue, ConfigSource, Resolved};
pub use factories::{Factories, FactoriesBuilder};
pub use loss::LossReport;
pub use validate::{ValidatedConfig, validate};
