//! `otelcol-builder`: generates and builds a custom otelcol-rs distribution from a manifest.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use otelcol_builder::{CompileOptions, DEFAULT_PROFILE, Options, run};

#[derive(Parser, Debug)]
#[command(
    name = "otelcol-builder",
    version,
    about = "Builds a custom otelcol-rs distribution from a manifest"
)]
struct Cli {
    /// The manifest (YAML).
    #[arg(long, default_value = "builder-config.yaml", value_name = "FILE")]
    config: PathBuf,
    /// Generate the crate only; do not run cargo.
    #[arg(long)]
    skip_compilation: bool,
    /// Write the crate here instead of `dist.output_path`.
    #[arg(long, value_name = "DIR")]
    output_path: Option<PathBuf>,
    /// The Cargo profile to build with.
    #[arg(long, default_value = DEFAULT_PROFILE, conflicts_with = "debug")]
    profile: String,
    /// Build with the `dev` profile (fast to compile, for tests).
    #[arg(long)]
    debug: bool,
    /// Seed the generated crate's Cargo.lock from this file (same dependency versions).
    #[arg(long, value_name = "FILE")]
    lockfile: Option<PathBuf>,
    /// Run cargo with --offline.
    #[arg(long)]
    offline: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let opts = Options {
        output_path: cli.output_path,
        skip_compilation: cli.skip_compilation,
        lockfile: cli.lockfile,
        compile: CompileOptions {
            profile: if cli.debug { "dev".into() } else { cli.profile },
            offline: cli.offline,
            verbose: true,
        },
    };
    match run(&cli.config, &opts) {
        Ok(outcome) => {
            eprintln!("Generated {}", outcome.crate_dir.display());
            if let Some(bin) = outcome.binary {
                eprintln!("Built {}", bin.display());
                println!("{}", bin.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::FAILURE
        }
    }
}
