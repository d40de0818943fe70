//! The manifest: which distribution to build and from which components.
//!
//! ```yaml
//! dist:
//!   name: otelcol-custom            # package and binary name (required)
//!   description: My collector       # shown by --help and `components`
//!   version: 1.0.0                  # the distribution's version
//!   output_path: ./otelcol-custom   # where the crate is generated (relative to the manifest)
//!   otelcol_version: 0.1.0          # version of otelcol-service / otelcol-component
//!   otelcol_path: ../otelcol-rs     # or: a local otelcol-rs checkout to take them from
//!   workspace_member: false         # true: no [workspace] table (the crate joins an enclosing workspace)
//! receivers:
//!   - crate: otelcol-receiver-otlp  # the Go `gomod` maps to crate + version
//!     version: 0.1.0
//! processors:
//!   - crate: my-processor
//!     path: ../my-processor         # or git: https://..., rev: abc123
//!     factory: my_processor::factory   # default: <crate_with_underscores>::factory
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::error::BuildError;

/// The default `dist.description`.
pub const DEFAULT_DESCRIPTION: &str = "Custom otelcol-rs distribution";
/// The default `dist.version`.
pub const DEFAULT_VERSION: &str = "0.1.0";
/// The default `otelcol_version`: the builder's own version.
pub const DEFAULT_OTELCOL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// The whole manifest.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The distribution. Required.
    pub dist: Dist,
    /// Receiver crates. Default: none.
    #[serde(default)]
    pub receivers: Vec<ComponentDep>,
    /// Processor crates. Default: none.
    #[serde(default)]
    pub processors: Vec<ComponentDep>,
    /// Exporter crates. Default: none.
    #[serde(default)]
    pub exporters: Vec<ComponentDep>,
    /// Extension crates. Default: none.
    #[serde(default)]
    pub extensions: Vec<ComponentDep>,
    /// Connector crates. Default: none.
    #[serde(default)]
    pub connectors: Vec<ComponentDep>,
}

/// The `dist` section.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Dist {
    /// Package and binary name (the `command` in build info). Required.
    pub name: String,
    /// Go's `module`: accepted for familiarity; the Cargo package is always `name`. Default: none.
    #[serde(default)]
    pub module: Option<String>,
    /// One-line description. Default: [`DEFAULT_DESCRIPTION`].
    #[serde(default = "default_description")]
    pub description: String,
    /// The distribution's version. Default: [`DEFAULT_VERSION`].
    #[serde(default = "default_version")]
    pub version: String,
    /// Where the crate is generated, relative to the manifest's folder. Default: `./<name>`.
    #[serde(default)]
    pub output_path: Option<String>,
    /// Version of `otelcol-service` and `otelcol-component` from the registry.
    /// Default: [`DEFAULT_OTELCOL_VERSION`]. Ignored when `otelcol_path` is set.
    #[serde(default = "default_otelcol_version")]
    pub otelcol_version: String,
    /// A local otelcol-rs source tree to take `otelcol-service` and
    /// `otelcol-component` from, relative to the manifest. Default: none (registry).
    #[serde(default)]
    pub otelcol_path: Option<String>,
    /// Whether the generated crate is a member of an enclosing Cargo
    /// workspace (no `[workspace]` table, no `[profile]`). Default: false.
    #[serde(default)]
    pub workspace_member: bool,
    /// The global allocator of the binary. Default: [`Allocator::Mimalloc`].
    #[serde(default)]
    pub allocator: Allocator,
}

/// The global allocator a distribution is built with (not in Go's builder).
#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Allocator {
    /// mimalloc without transparent huge pages, as the default `otelcol-rs`
    /// binary (decoding is about a third faster than with glibc malloc;
    /// BENCHMARKS.md). Needs a C compiler to build.
    #[default]
    Mimalloc,
    /// The platform's allocator.
    System,
}

impl Default for Dist {
    fn default() -> Self {
        Dist {
            name: String::new(),
            module: None,
            description: default_description(),
            version: default_version(),
            output_path: None,
            otelcol_version: default_otelcol_version(),
            otelcol_path: None,
            workspace_member: false,
            allocator: Allocator::default(),
        }
    }
}

fn default_description() -> String {
    DEFAULT_DESCRIPTION.into()
}
fn default_version() -> String {
    DEFAULT_VERSION.into()
}
fn default_otelcol_version() -> String {
    DEFAULT_OTELCOL_VERSION.into()
}

/// One component crate and where to get it.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ComponentDep {
    /// The crate name (`otelcol-receiver-otlp`). Required.
    #[serde(rename = "crate")]
    pub crate_name: String,
    /// A registry version requirement. Default: none.
    #[serde(default)]
    pub version: Option<String>,
    /// A local crate folder, relative to the manifest. Default: none.
    #[serde(default)]
    pub path: Option<String>,
    /// A git repository URL. Default: none.
    #[serde(default)]
    pub git: Option<String>,
    /// The git revision (with `git`). Default: the default branch.
    #[serde(default)]
    pub rev: Option<String>,
    /// Cargo features to enable. Default: none.
    #[serde(default)]
    pub features: Vec<String>,
    /// The function returning the factory, as a Rust path.
    /// Default: `<crate name with - replaced by _>::factory`.
    #[serde(default)]
    pub factory: Option<String>,
}

impl ComponentDep {
    /// The crate's library name (`otelcol_receiver_otlp`).
    pub fn lib_name(&self) -> String {
        self.crate_name.replace('-', "_")
    }

    /// The factory function path.
    pub fn factory_path(&self) -> String {
        self.factory
            .clone()
            .unwrap_or_else(|| format!("{}::factory", self.lib_name()))
    }
}

/// The five component lists, in a fixed order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// `receivers`.
    Receivers,
    /// `processors`.
    Processors,
    /// `exporters`.
    Exporters,
    /// `extensions`.
    Extensions,
    /// `connectors`.
    Connectors,
}

impl Section {
    /// All sections.
    pub const ALL: [Section; 5] = [
        Section::Receivers,
        Section::Processors,
        Section::Exporters,
        Section::Extensions,
        Section::Connectors,
    ];

    /// The manifest key.
    pub fn key(self) -> &'static str {
        match self {
            Section::Receivers => "receivers",
            Section::Processors => "processors",
            Section::Exporters => "exporters",
            Section::Extensions => "extensions",
            Section::Connectors => "connectors",
        }
    }

    /// The `FactoriesBuilder` method that registers this kind.
    pub fn method(self) -> &'static str {
        match self {
            Section::Receivers => "receiver",
            Section::Processors => "processor",
            Section::Exporters => "exporter",
            Section::Extensions => "extension",
            Section::Connectors => "connector",
        }
    }
}

impl Manifest {
    /// Parses and checks a manifest.
    pub fn parse(yaml: &str) -> Result<Manifest, BuildError> {
        let m: Manifest = serde_yaml::from_str(yaml).map_err(|e| BuildError::Parse(e.to_string()))?;
        m.check()?;
        Ok(m)
    }

    /// The components of a section.
    pub fn section(&self, s: Section) -> &[ComponentDep] {
        match s {
            Section::Receivers => &self.receivers,
            Section::Processors => &self.processors,
            Section::Exporters => &self.exporters,
            Section::Extensions => &self.extensions,
            Section::Connectors => &self.connectors,
        }
    }

    /// Every component with its key path (`receivers[0]`).
    pub fn components(&self) -> Vec<(Section, String, &ComponentDep)> {
        Section::ALL
            .iter()
            .flat_map(|s| {
                self.section(*s)
                    .iter()
                    .enumerate()
                    .map(move |(i, c)| (*s, format!("{}[{i}]", s.key()), c))
            })
            .collect()
    }

    fn check(&self) -> Result<(), BuildError> {
        if !is_package_name(&self.dist.name) {
            return Err(BuildError::invalid(
                "dist.name",
                format!(
                    "{:?} is not a valid package name (letters, digits, - and _)",
                    self.dist.name
                ),
            ));
        }
        if self.components().is_empty() {
            return Err(BuildError::invalid(
                "receivers",
                "the manifest lists no components",
            ));
        }
        let mut seen: BTreeMap<&str, String> = BTreeMap::new();
        for (_, key, c) in self.components() {
            if !is_package_name(&c.crate_name) {
                return Err(BuildError::invalid(
                    format!("{key}.crate"),
                    format!("{:?} is not a valid crate name", c.crate_name),
                ));
            }
            if let Some(first) = seen.insert(&c.crate_name, key.clone()) {
                return Err(BuildError::invalid(
                    key,
                    format!("crate {:?} is listed twice (also at {first})", c.crate_name),
                ));
            }
            match (&c.version, &c.path, &c.git) {
                (None, None, None) => {
                    return Err(BuildError::invalid(
                        key,
                        "one of version, path or git is required",
                    ));
                }
                (_, Some(_), Some(_)) => {
                    return Err(BuildError::invalid(key, "path and git are mutually exclusive"));
                }
                _ => {}
            }
            if c.rev.is_some() && c.git.is_none() {
                return Err(BuildError::invalid(format!("{key}.rev"), "rev needs git"));
            }
            if !is_rust_path(&c.factory_path()) {
                return Err(BuildError::invalid(
                    format!("{key}.factory"),
                    format!("{:?} is not a Rust path like my_crate::factory", c.factory_path()),
                ));
            }
        }
        Ok(())
    }
}

fn is_package_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
}

fn is_rust_path(s: &str) -> bool {
    s.split("::").all(|seg| {
        !seg.is_empty()
            && seg.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !seg.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
#[path = "manifest_tests.rs"]
mod tests;
