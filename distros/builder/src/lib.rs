//! # otelcol-builder
//!
//! Builds a custom otelcol-rs distribution from a manifest, the way the Go
//! collector's `ocb` does: it reads the manifest ([`manifest`]), generates a
//! crate with a `Cargo.toml` depending on the chosen component crates and a
//! `src/main.rs` registering their factories ([`generate`]), then runs
//! `cargo build` on it ([`compile`]).
//!
//! The manifest schema is documented in [`manifest`] and in the README.

pub mod compile;
pub mod error;
pub mod generate;
pub mod manifest;

use std::path::{Path, PathBuf};

pub use compile::{CompileOptions, DEFAULT_PROFILE, compile};
pub use error::BuildError;
pub use generate::{generate, output_dir};
pub use manifest::{Allocator, ComponentDep, Dist, Manifest, Section};

/// What one run of the builder does.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Write the crate into this folder instead of `dist.output_path`. Default: none.
    pub output_path: Option<PathBuf>,
    /// Only generate; do not run cargo. Default: false.
    pub skip_compilation: bool,
    /// Copy this `Cargo.lock` into the generated crate before building, if it
    /// has none (pins the same dependency versions as another workspace). Default: none.
    pub lockfile: Option<PathBuf>,
    /// How to run cargo.
    pub compile: CompileOptions,
}

/// What the builder produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The generated crate's folder.
    pub crate_dir: PathBuf,
    /// The binary, unless compilation was skipped.
    pub binary: Option<PathBuf>,
}

/// Reads the manifest at `path`, generates the crate and (unless skipped) builds it.
pub fn run(path: &Path, opts: &Options) -> Result<Outcome, BuildError> {
    let yaml = std::fs::read_to_string(path).map_err(|source| BuildError::ReadManifest {
        path: path.to_path_buf(),
        source,
    })?;
    let manifest = Manifest::parse(&yaml)?;
    let base = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let out = output_dir(&manifest, &base, opts.output_path.as_deref());
    generate(&manifest, &base, &out)?;
    generate::rustfmt(&out);
    if let Some(lock) = &opts.lockfile {
        let dest = out.join("Cargo.lock");
        if !dest.exists() {
            std::fs::copy(lock, &dest).map_err(|source| BuildError::Write { path: dest, source })?;
        }
    }
    let binary = if opts.skip_compilation {
        None
    } else {
        Some(compile(&manifest, &out, &opts.compile)?)
    };
    Ok(Outcome {
        crate_dir: out,
        binary,
    })
}
