//! Where the text goes: the internal logger (`tracing`) or `output_paths`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::sync::{Mutex, MutexGuard};

use thiserror::Error;

/// Why an output path could not be opened.
#[derive(Debug, Error)]
#[error("debug exporter cannot open output path \"{path}\": {source}")]
pub struct OutputError {
    /// The path from `output_paths`.
    pub path: String,
    /// The I/O error.
    #[source]
    pub source: io::Error,
}

#[derive(Debug)]
enum Target {
    Stdout,
    Stderr,
    File(File),
}

/// The `output_paths` sinks, opened on start and closed on shutdown.
#[derive(Debug)]
pub(crate) struct Outputs {
    paths: Vec<String>,
    targets: Mutex<Vec<Target>>,
}

impl Outputs {
    pub(crate) fn new(paths: Vec<String>) -> Self {
        Outputs {
            paths,
            targets: Mutex::new(Vec::new()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Target>> {
        self.targets.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Opens every path: `stdout`, `stderr`, or a file opened for appending
    /// (created if missing).
    pub(crate) fn open(&self) -> Result<(), OutputError> {
        let mut targets = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            targets.push(match path.as_str() {
                "stdout" => Target::Stdout,
                "stderr" => Target::Stderr,
                _ => OpenOptions::new()
                    .append(true)
                    .create(true)
                    .open(path)
                    .map(Target::File)
                    .map_err(|source| OutputError {
                        path: path.clone(),
                        source,
                    })?,
            });
        }
        *self.lock() = targets;
        Ok(())
    }

    /// Writes `text` to every open target; returns the first error.
    pub(crate) fn write(&self, text: &str) -> io::Result<()> {
        let mut first_err = None;
        for t in self.lock().iter_mut() {
            let r = match t {
                Target::Stdout => io::stdout().lock().write_all(text.as_bytes()),
                Target::Stderr => io::stderr().lock().write_all(text.as_bytes()),
                Target::File(f) => f.write_all(text.as_bytes()),
            };
            if let Err(e) = r {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Flushes and closes every target (files are synced to disk).
    pub(crate) fn close(&self) -> io::Result<()> {
        let mut first_err = None;
        for t in std::mem::take(&mut *self.lock()) {
            let r = match t {
                Target::Stdout => io::stdout().lock().flush(),
                Target::Stderr => io::stderr().lock().flush(),
                Target::File(f) => f.sync_all(),
            };
            if let Err(e) = r {
                first_err.get_or_insert(e);
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}
