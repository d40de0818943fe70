//! An axum service with the otelcol-rs runtime embedded: spans recorded by
//! the handlers go to an in-process pipeline (batch → debug exporter) with no
//! network hop. Ctrl-C stops the HTTP server, then drains the pipeline.
//!
//! `OTELCOL_EXAMPLE_ADDR` sets the listen address (default `127.0.0.1:3000`).

use std::process::ExitCode;

use otelcol_example_embedded::{EmbeddedCollector, InProcessHandle, app};
use otelcol_service::Factories;

/// The default listen address.
const DEFAULT_ADDR: &str = "127.0.0.1:3000";

/// The in-process pipeline.
const CONFIG: &str = r#"
receivers:
  inprocess:
processors:
  batch:
    timeout: 1s
exporters:
  debug:
    verbosity: basic
service:
  pipelines:
    traces:
      receivers: [inprocess]
      processors: [batch]
      exporters: [debug]
"#;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt().with_target(false).init();
    let (handle, receiver) = InProcessHandle::new();
    let factories = match Factories::builder()
        .receiver(receiver)
        .processor(otelcol_processor_batch::factory())
        .exporter(otelcol_exporter_debug::factory())
        .build()
    {
        Ok(f) => f,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let collector = match EmbeddedCollector::start(CONFIG, factories, handle.clone()).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let addr = std::env::var("OTELCOL_EXAMPLE_ADDR").unwrap_or_else(|_| DEFAULT_ADDR.into());
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("Error: cannot listen on {addr}: {e}");
            collector.shutdown().await;
            return ExitCode::FAILURE;
        }
    };
    tracing::info!("listening on http://{addr} (POST /checkout)");
    let served = axum::serve(listener, app::router(handle))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
            tracing::info!("stopping: HTTP server first, then the pipeline");
        })
        .await;
    collector.shutdown().await;
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
