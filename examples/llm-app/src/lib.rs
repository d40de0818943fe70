//! `llm-app`: the seed's instrumented application, in Rust.
//!
//! An axum service whose `POST /chat` walks the request path of the end-to-end
//! flow — SERVER `POST /chat` → INTERNAL `chat_operation` → CLIENT
//! `llm.simulate_call` — with metrics, trace-correlated logs and W3C trace
//! context propagation, all exported over OTLP (gRPC or HTTP/protobuf) by the
//! official OpenTelemetry Rust SDK to a collector such as `otelcol-rs`.
//!
//! - [`settings`]: `TelemetrySettings`/`AppSettings` from the environment and `.env.local`.
//! - [`telemetry`]: the `Telemetry` facade (providers, spans, instruments, logs, propagation).
//! - [`app`] and [`chat`]: the HTTP service.
//! - [`burst`]: `llm-app burst RATE SECONDS`, a paced stream of spans (load checks).

pub mod app;
pub mod burst;
pub mod chat;
pub mod dotenv;
pub mod metrics;
pub mod settings;
pub mod telemetry;

pub use settings::{AppSettings, Protocol, SettingsError, TelemetrySettings};
pub use telemetry::{SpanGuard, Telemetry, TelemetryError};
