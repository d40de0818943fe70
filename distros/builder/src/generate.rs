//! Writes the distribution crate: `Cargo.toml` and `src/main.rs`.

use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use crate::error::BuildError;
use crate::manifest::{Allocator, ComponentDep, Manifest, Section};

/// Where the generated crate goes: `dist.output_path` (or `./<name>`)
/// relative to `manifest_dir`, unless `output_override` is given.
pub fn output_dir(m: &Manifest, manifest_dir: &Path, output_override: Option<&Path>) -> PathBuf {
    match output_override {
        Some(p) => p.to_path_buf(),
        None => manifest_dir.join(m.dist.output_path.as_deref().unwrap_or(&m.dist.name)),
    }
}

/// Generates the crate in `out` (created if missing). Relative paths in the
/// manifest are taken from `manifest_dir`; path dependencies are written
/// relative to `out` when both are on the same tree.
pub fn generate(m: &Manifest, manifest_dir: &Path, out: &Path) -> Result<(), BuildError> {
    let src = out.join("src");
    std::fs::create_dir_all(&src).map_err(|source| BuildError::Write {
        path: src.clone(),
        source,
    })?;
    let out_abs = absolute(out)?;
    let base = absolute(manifest_dir)?;
    write(&out.join("Cargo.toml"), &cargo_toml(m, &base, &out_abs)?)?;
    write(&src.join("main.rs"), &main_rs(m))
}

/// Formats the generated `src/main.rs` with `rustfmt`, best effort (it
/// picks up the enclosing `rustfmt.toml`, so in-repo output passes `cargo fmt --check`).
pub fn rustfmt(out: &Path) {
    let main = out.join("src").join("main.rs");
    let status = std::process::Command::new("rustfmt")
        .arg("--edition")
        .arg("2024")
        .arg(&main)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status();
    if !status.is_ok_and(|s| s.success()) {
        eprintln!(
            "note: rustfmt did not run on {}; the code is valid but unformatted",
            main.display()
        );
    }
}

fn write(path: &Path, text: &str) -> Result<(), BuildError> {
    std::fs::write(path, text).map_err(|source| BuildError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn absolute(p: &Path) -> Result<PathBuf, BuildError> {
    p.canonicalize().map_err(|source| BuildError::Write {
        path: p.to_path_buf(),
        source,
    })
}

/// `to` relative to `from` (both absolute, canonical).
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    if common == 0 {
        return to.to_path_buf();
    }
    let mut rel = PathBuf::new();
    for _ in common..f.len() {
        rel.push("..");
    }
    for c in t.iter().skip(common) {
        rel.push(c.as_os_str());
    }
    if rel.as_os_str().is_empty() {
        rel.push(".");
    }
    rel
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    let mut q = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => q.push_str("\\\""),
            '\\' => q.push_str("\\\\"),
            '\n' => q.push_str("\\n"),
            c if c.is_control() => {
                let _ = write!(q, "\\u{:04X}", c as u32);
            }
            c => q.push(c),
        }
    }
    q.push('"');
    q
}

fn path_dep(key: &str, base: &Path, out: &Path, path: &str) -> Result<String, BuildError> {
    let dir = base.join(path);
    if !dir.join("Cargo.toml").is_file() {
        return Err(BuildError::invalid(
            key,
            format!("no Cargo.toml in {} (path {path:?})", dir.display()),
        ));
    }
    let dir = absolute(&dir)?;
    Ok(relative(out, &dir).to_string_lossy().replace('\\', "/"))
}

fn dep_line(key: &str, c: &ComponentDep, base: &Path, out: &Path) -> Result<String, BuildError> {
    let mut fields = Vec::new();
    if let Some(v) = &c.version {
        fields.push(format!("version = {}", quote(v)));
    }
    if let Some(p) = &c.path {
        fields.push(format!(
            "path = {}",
            quote(&path_dep(&format!("{key}.path"), base, out, p)?)
        ));
    }
    if let Some(g) = &c.git {
        fields.push(format!("git = {}", quote(g)));
    }
    if let Some(r) = &c.rev {
        fields.push(format!("rev = {}", quote(r)));
    }
    if !c.features.is_empty() {
        let f: Vec<String> = c.features.iter().map(|f| quote(f)).collect();
        fields.push(format!("features = [{}]", f.join(", ")));
    }
    Ok(format!("{} = {{ {} }}\n", c.crate_name, fields.join(", ")))
}

fn runtime_dep(m: &Manifest, krate: &str, sub: &str, base: &Path, out: &Path) -> Result<String, BuildError> {
    match &m.dist.otelcol_path {
        Some(root) => {
            let p = format!("{root}/{sub}");
            let rel = path_dep("dist.otelcol_path", base, out, &p)?;
            Ok(format!("{krate} = {{ path = {} }}\n", quote(&rel)))
        }
        None => Ok(format!(
            "{krate} = {{ version = {} }}\n",
            quote(&m.dist.otelcol_version)
        )),
    }
}

/// The generated `Cargo.toml`.
pub fn cargo_toml(m: &Manifest, base: &Path, out: &Path) -> Result<String, BuildError> {
    let d = &m.dist;
    let mut s = String::new();
    s.push_str("# Generated by otelcol-builder from its manifest; edit the manifest, not this file.\n");
    s.push_str("[package]\n");
    let _ = writeln!(s, "name = {}", quote(&d.name));
    let _ = writeln!(s, "version = {}", quote(&d.version));
    s.push_str("edition = \"2024\"\n");
    let _ = writeln!(s, "description = {}", quote(&d.description));
    s.push_str("publish = false\n\n");
    s.push_str("[dependencies]\n");
    s.push_str(&runtime_dep(
        m,
        "otelcol-component",
        "runtime/component",
        base,
        out,
    )?);
    s.push_str(&runtime_dep(m, "otelcol-service", "runtime/service", base, out)?);
    for (_, key, c) in m.components() {
        s.push_str(&dep_line(&key, c, base, out)?);
    }
    if d.allocator == Allocator::Mimalloc {
        s.push_str(MIMALLOC_DEP);
    }
    if !d.workspace_member {
        s.push_str("\n# A standalone crate: not part of any enclosing workspace.\n[workspace]\n");
        s.push_str("\n[profile.release]\nstrip = true\n");
    }
    Ok(s)
}

/// The mimalloc dependency line (the default allocator).
const MIMALLOC_DEP: &str =
    "mimalloc = { version = \"0.1\", default-features = false, features = [\"no_thp\"] }\n";

/// The generated `src/main.rs`.
pub fn main_rs(m: &Manifest) -> String {
    let d = &m.dist;
    let mut s = String::new();
    let _ = writeln!(s, "//! `{}`: {}", d.name, d.description);
    s.push_str(
        "//!\n//! Generated by otelcol-builder from its manifest; edit the manifest, not this file.\n\n",
    );
    s.push_str("use std::process::ExitCode;\n\n");
    s.push_str("use otelcol_component::BuildInfo;\n");
    s.push_str("use otelcol_service::Factories;\n");
    s.push_str("use otelcol_service::cli::{Distribution, run};\n\n");
    if d.allocator == Allocator::Mimalloc {
        s.push_str("#[global_allocator]\nstatic GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;\n\n");
    }
    s.push_str("fn main() -> ExitCode {\n");
    s.push_str("    let factories = match Factories::builder()\n");
    for sec in Section::ALL {
        for c in m.section(sec) {
            let _ = writeln!(s, "        .{}({}())", sec.method(), c.factory_path());
        }
    }
    s.push_str("        .build()\n    {\n        Ok(f) => f,\n        Err(e) => {\n");
    s.push_str(
        "            eprintln!(\"Error: {e}\");\n            return ExitCode::FAILURE;\n        }\n    };\n",
    );
    s.push_str("    run(Distribution {\n        build_info: BuildInfo {\n");
    let _ = writeln!(s, "            command: {}.into(),", rust_str(&d.name));
    let _ = writeln!(s, "            description: {}.into(),", rust_str(&d.description));
    s.push_str("            version: env!(\"CARGO_PKG_VERSION\").into(),\n        },\n");
    s.push_str(
        "        factories,\n        default_config: None,\n        tracing_layers: Vec::new(),\n    })\n}\n",
    );
    s
}

/// A Rust string literal.
fn rust_str(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
#[path = "generate_tests.rs"]
mod tests;
