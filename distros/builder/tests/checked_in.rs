//! The checked-in minimal distribution is exactly what the builder generates
//! from its manifest (regenerate with `--skip-compilation` after editing it).

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::path::Path;

use otelcol_builder::Manifest;
use otelcol_builder::generate::{cargo_toml, main_rs, output_dir};

fn squash(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(", )", ")")
        .replace(",)", ")")
}

#[test]
fn otelcol_rs_otlp_matches_its_manifest() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../otelcol-rs-otlp");
    let dir = dir.canonicalize().unwrap();
    let m = Manifest::parse(&std::fs::read_to_string(dir.join("manifest.yaml")).unwrap()).unwrap();
    assert!(m.dist.workspace_member);
    let out = output_dir(&m, &dir, None).canonicalize().unwrap();
    assert_eq!(out, dir);
    let toml = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert_eq!(toml, cargo_toml(&m, &dir, &out).unwrap());
    // main.rs is checked in as rustfmt left it: compare modulo whitespace.
    let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert_eq!(squash(&main), squash(&main_rs(&m)));
}
