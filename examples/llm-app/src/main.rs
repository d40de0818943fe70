//! `llm-app`: serves `POST /chat` and `GET /health` on `LLM_APP_ADDR`, exports
//! telemetry over OTLP, and on SIGTERM/SIGINT drains requests, then flushes
//! every provider before exiting.
//!
//! `llm-app burst RATE SECONDS` instead makes RATE spans a second for SECONDS
//! through the same SDK setup, flushes, and prints
//! `{"created": N, "seconds": S}` on stdout.

use std::process::ExitCode;

use llm_app::app::{AppState, router};
use llm_app::{AppSettings, SettingsError, Telemetry, TelemetryError};

#[derive(Debug, thiserror::Error)]
enum AppError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error(transparent)]
    Telemetry(#[from] TelemetryError),
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: std::net::SocketAddr,
        source: std::io::Error,
    },
    #[error("serving HTTP: {0}")]
    Serve(std::io::Error),
    #[error("telemetry shutdown task: {0}")]
    Join(#[from] tokio::task::JoinError),
    #[error("{0}")]
    Usage(String),
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("burst") => burst(&args[1..]).await,
        _ => run().await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("llm-app: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), AppError> {
    let settings = AppSettings::load()?;
    let telemetry = Telemetry::from_settings(&settings.telemetry)?;
    let listener = match tokio::net::TcpListener::bind(settings.addr).await {
        Ok(l) => l,
        Err(source) => {
            // Flush whatever startup produced before reporting.
            let t = telemetry.clone();
            let _ = tokio::task::spawn_blocking(move || t.shutdown()).await;
            return Err(AppError::Bind {
                addr: settings.addr,
                source,
            });
        }
    };
    tracing::info!(
        addr = %settings.addr,
        endpoint = %settings.telemetry.endpoint,
        protocol = settings.telemetry.protocol.as_str(),
        "llm-app listening"
    );
    let app = router(AppState::new(telemetry.clone(), settings.backend_url.clone()));
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await;
    tracing::info!("llm-app stopped serving; flushing telemetry");
    // Blocking flush on a blocking thread while the runtime (which drives the
    // gRPC channel) is still running.
    let flushed = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    served.map_err(AppError::Serve)?;
    flushed??;
    Ok(())
}

/// `llm-app burst RATE SECONDS`: see [`llm_app::burst`].
async fn burst(args: &[String]) -> Result<(), AppError> {
    let (rate, seconds) = llm_app::burst::parse_args(args).map_err(AppError::Usage)?;
    let settings = AppSettings::load()?;
    let telemetry = Telemetry::from_settings(&settings.telemetry)?;
    let report = llm_app::burst::run(&telemetry, rate, seconds).await;
    let flushed = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    flushed??;
    println!(
        "{{\"created\": {}, \"seconds\": {:.3}}}",
        report.created,
        report.elapsed.as_secs_f64()
    );
    Ok(())
}

/// Resolves on SIGTERM or SIGINT (Ctrl-C).
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => tracing::info!("SIGINT received"),
        () = terminate => tracing::info!("SIGTERM received"),
    }
}
