//! The collector's own logs (`service::telemetry::logs`), through `tracing`.
//!
//! Only the CLI installs a subscriber; an embedding program keeps its own.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::{Arc, Mutex};

use tracing_subscriber::fmt::writer::BoxMakeWriter;
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::model::{LogEncoding, LogsConfig};
use crate::redact::RedactingWriter;

/// The log file, shared by every event's writer; each line is written whole
/// under the lock.
struct LockedFile(Arc<Mutex<File>>);

impl Write for LockedFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut f = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f.write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).flush()
    }
}

/// An extra `tracing` layer a distribution adds to the collector's own
/// subscriber (zpages' tracez recorder, for example).
pub type ExtraLayer = Box<dyn Layer<Registry> + Send + Sync>;

/// Installs the global log subscriber. Every line passes through
/// [`crate::redact::redact_text`], so no URL password reaches the log.
/// `RUST_LOG`, when set, overrides the
/// level. `extra` layers see every span and event; the level filter applies
/// to the log output only. Returns an error message if the output path
/// cannot be opened.
pub fn init_logging(cfg: &LogsConfig, extra: Vec<ExtraLayer>) -> Result<(), String> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.is_empty() => EnvFilter::try_new(v).map_err(|e| format!("RUST_LOG: {e}"))?,
        _ => EnvFilter::new(cfg.level.directive()),
    };
    let target = cfg.output_paths.first().map(String::as_str).unwrap_or("stderr");
    let (writer, ansi) = match target {
        "stderr" => (BoxMakeWriter::new(|| RedactingWriter(std::io::stderr())), true),
        "stdout" => (BoxMakeWriter::new(|| RedactingWriter(std::io::stdout())), true),
        path => {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| format!("service::telemetry::logs::output_paths: cannot open {path}: {e}"))?;
            let f = Arc::new(Mutex::new(f));
            (
                BoxMakeWriter::new(move || RedactingWriter(LockedFile(f.clone()))),
                false,
            )
        }
    };
    let ansi = ansi
        && std::env::var_os("NO_COLOR").is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stderr());
    let fmt = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(ansi);
    let fmt: ExtraLayer = match cfg.encoding {
        LogEncoding::Console => fmt.with_filter(filter).boxed(),
        LogEncoding::Json => fmt
            .with_ansi(false)
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .event_format(crate::jsonlog::ZapJson)
            .with_filter(filter)
            .boxed(),
    };
    let mut layers = vec![fmt];
    layers.extend(extra);
    // A subscriber may already be set (tests, an embedding program): keep it.
    let _ = tracing_subscriber::registry().with(layers).try_init();
    if cfg.output_paths.len() > 1 {
        tracing::warn!("service::telemetry::logs::output_paths: only the first path is used");
    }
    Ok(())
}
