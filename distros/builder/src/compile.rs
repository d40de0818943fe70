//! Runs `cargo build` on the generated crate and explains its failures.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::BuildError;
use crate::manifest::Manifest;

/// The default Cargo profile: `release`, as ocb builds stripped release binaries.
pub const DEFAULT_PROFILE: &str = "release";

/// How to run cargo.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    /// The Cargo profile (`release`, `dev`, or a custom one). Default: [`DEFAULT_PROFILE`].
    pub profile: String,
    /// Pass `--offline` to cargo. Default: false.
    pub offline: bool,
    /// Echo cargo's output to stderr while it runs. Default: true.
    pub verbose: bool,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            profile: DEFAULT_PROFILE.into(),
            offline: false,
            verbose: true,
        }
    }
}

/// The folder a profile's artifacts land in (`dev` → `debug`).
pub fn profile_dir(profile: &str) -> &str {
    match profile {
        "dev" | "test" => "debug",
        "bench" => "release",
        p => p,
    }
}

/// Builds the crate in `out`; returns the binary's path.
pub fn compile(m: &Manifest, out: &Path, opts: &CompileOptions) -> Result<PathBuf, BuildError> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.arg("build")
        .arg("--manifest-path")
        .arg(out.join("Cargo.toml"))
        .arg("--profile")
        .arg(&opts.profile)
        .arg("--bin")
        .arg(&m.dist.name)
        .stdin(Stdio::null())
        .stdout(Stdio::inherit())
        .stderr(Stdio::piped());
    if opts.offline {
        cmd.arg("--offline");
    }
    let mut child = cmd.spawn().map_err(BuildError::SpawnCargo)?;
    let mut captured = Vec::new();
    if let Some(stderr) = child.stderr.take() {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if opts.verbose {
                eprintln!("{line}");
            }
            captured.push(line);
        }
    }
    let status = child.wait().map_err(BuildError::SpawnCargo)?;
    if !status.success() {
        let cargo_error = error_lines(&captured);
        return Err(BuildError::Cargo {
            component: blame(m, &cargo_error),
            cargo_error,
        });
    }
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(t) => PathBuf::from(t),
        None => out.join("target"),
    };
    Ok(target.join(profile_dir(&opts.profile)).join(format!(
        "{}{}",
        m.dist.name,
        std::env::consts::EXE_SUFFIX
    )))
}

/// Cargo's output from the first `error` line on (all of it if there is none).
fn error_lines(lines: &[String]) -> String {
    let start = lines
        .iter()
        .position(|l| l.trim_start().starts_with("error"))
        .unwrap_or(0);
    lines.get(start..).unwrap_or_default().join("\n")
}

/// The component cargo's error is about: the first one whose crate name
/// appears in backticks or quotes in the error text.
fn blame(m: &Manifest, err: &str) -> Option<String> {
    m.components()
        .into_iter()
        .find(|(_, _, c)| {
            err.contains(&format!("`{}`", c.crate_name)) || err.contains(&format!("\"{}\"", c.crate_name))
        })
        .map(|(_, key, c)| format!("{key} (crate {})", c.crate_name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blames_the_component_cargo_names() {
        let m = Manifest::parse(
            "dist: {name: otelcol-x}\nreceivers: [{crate: a-rcv, version: '1'}]\n\
             exporters: [{crate: otelcol-nope, version: '9'}]",
        )
        .unwrap();
        let lines: Vec<String> = [
            "    Updating crates.io index",
            "error: no matching package named `otelcol-nope` found",
            "required by package `otelcol-x v0.1.0 (/tmp/x)`",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let err = error_lines(&lines);
        assert!(err.starts_with("error: no matching package"), "{err}");
        assert_eq!(
            blame(&m, &err).as_deref(),
            Some("exporters[0] (crate otelcol-nope)")
        );
        assert_eq!(blame(&m, "error: something else"), None);
    }

    #[test]
    fn profile_dirs() {
        assert_eq!(profile_dir("dev"), "debug");
        assert_eq!(profile_dir("release"), "release");
        assert_eq!(profile_dir("size"), "size");
    }
}
