//! The command line every distribution gets: run, `validate`, `components`,
//! `featuregate`, `print-config`, `--version` (`-v`); SIGTERM/SIGINT drain
//! and stop, SIGHUP reloads.

use std::process::ExitCode;
use std::sync::Arc;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use otelcol_component::{BuildInfo, Signal, StabilityLevel};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::collector::{Collector, load_config};
use crate::config::{ConfigIssue, ConfigSource, Resolved};
use crate::factories::{DynFactory, Factories, Registry};
use crate::graph::build;
use crate::telemetry::{ExtraLayer, init_logging};

/// The exit status of a run that stopped (SIGTERM/SIGINT) after exporters
/// dropped items they had accepted while shutting down: sends given up on
/// or data left in an in-memory sending queue. The last log line names the
/// exporters and the counts. Items dropped earlier, while running, are in
/// that line too but do not change the status (they were already reported,
/// and counted in `otelcol_exporter_send_failed_*`, when they happened).
pub const EXIT_DATA_LOST: u8 = 3;

/// What a distribution is: its name and version, its components, the
/// config it runs when no `--config` is given, and extra `tracing` layers
/// for the collector's own telemetry (zpages' tracez recorder).
pub struct Distribution {
    /// Name, description and version.
    pub build_info: BuildInfo,
    /// The components it contains.
    pub factories: Factories,
    /// The YAML run when no `--config` is given.
    pub default_config: Option<&'static str>,
    /// Layers added to the collector's own `tracing` subscriber.
    pub tracing_layers: Vec<ExtraLayer>,
}

impl std::fmt::Debug for Distribution {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Distribution")
            .field("build_info", &self.build_info)
            .field("factories", &self.factories)
            .field("tracing_layers", &self.tracing_layers.len())
            .finish()
    }
}

#[derive(Parser, Debug)]
#[command(about = "An OpenTelemetry Collector in Rust")]
struct Cli {
    /// Config location (repeatable, merged in order): a file path, file:PATH, env:VAR or yaml:INLINE.
    #[arg(long = "config", global = true, value_name = "URI")]
    config: Vec<String>,
    /// Override a config value, e.g. --set processors.batch.timeout=2s (applied after every --config).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// Comma-separated feature gates to enable (+id) or disable (-id); see the `featuregate` subcommand.
    #[arg(long = "feature-gates", global = true, value_name = "GATES")]
    feature_gates: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Resolve and validate the config and build the pipelines without starting them.
    Validate,
    /// List the components in this distribution, as YAML.
    Components,
    /// Print the configured pipelines as a Mermaid flowchart.
    Graph,
    /// List the feature gates of this build, or show one.
    Featuregate {
        /// A gate id to show in detail.
        id: Option<String>,
    },
    /// Print the resolved config (secrets redacted by default).
    #[command(alias = "print-initial-config")]
    PrintConfig {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Yaml)]
        format: Format,
        /// Whether to hide secrets.
        #[arg(long, value_enum, default_value_t = Mode::Redacted)]
        mode: Mode,
        /// Validate the config first and print the typed config with every
        /// default filled in (`--validate=false`: the resolved values as written).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set, num_args = 0..=1, default_missing_value = "true")]
        validate: bool,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Format {
    Yaml,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    Redacted,
    Unredacted,
}

/// Parses the command line and runs the distribution. Call from `main`.
pub fn run(distro: Distribution) -> ExitCode {
    let cmd = Cli::command()
        .name(distro.build_info.command.clone())
        .version(distro.build_info.version.clone())
        .about(distro.build_info.description.clone())
        // `-v` and `--version`, as Go's cobra command has (and clap's `-V`).
        .disable_version_flag(true)
        .arg(
            clap::Arg::new("version")
                .short('v')
                .long("version")
                .short_alias('V')
                .action(clap::ArgAction::Version)
                .help("Print version"),
        );
    let matches = cmd.get_matches();
    let cli = match Cli::from_arg_matches(&matches) {
        Ok(c) => c,
        Err(e) => e.exit(),
    };
    if let Some(g) = &cli.feature_gates {
        match crate::featuregate::apply(g) {
            Ok(notes) => notes
                .into_iter()
                .for_each(|n| eprint_redacted(format!("Note: {n}"))),
            Err(errors) => {
                for e in errors {
                    eprint_redacted(format!("Error: {e}"));
                }
                return ExitCode::FAILURE;
            }
        }
    }
    let factories = Arc::new(distro.factories);
    // `components` and `featuregate` need no config, as in the Go collector.
    match &cli.command {
        Some(Command::Components) => return print_components(&distro.build_info, &factories),
        Some(Command::Featuregate { id }) => return print_featuregates(id.as_deref()),
        // Go's `validate` never falls back to a default config.
        Some(Command::Validate) if cli.config.is_empty() => {
            eprint_redacted("Error: at least one config flag must be provided".to_string());
            return ExitCode::FAILURE;
        }
        _ => {}
    }
    let (sources, embedded) = match sources(&cli.config, distro.default_config) {
        Ok(s) => s,
        Err(e) => {
            eprint_redacted(format!("Error: {e}"));
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Some(Command::Components) => print_components(&distro.build_info, &factories),
        Some(Command::Featuregate { id }) => print_featuregates(id.as_deref()),
        Some(Command::Validate) => validate_cmd(&sources, &cli.set, &factories, &distro.build_info),
        Some(Command::Graph) => match load_config(&sources, &cli.set, &factories) {
            Ok((_, cfg)) => {
                print!("{}", crate::mermaid::render(&cfg));
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprint_redacted(format!("Error: invalid configuration:\n{e}"));
                ExitCode::FAILURE
            }
        },
        Some(Command::PrintConfig {
            format,
            mode,
            validate,
        }) => print_config(&sources, &cli.set, &factories, format, mode, validate),
        None => run_collector(
            factories,
            distro.build_info,
            sources,
            cli.set,
            embedded,
            distro.tracing_layers,
        ),
    }
}

fn sources(
    flags: &[String],
    default: Option<&'static str>,
) -> Result<(Vec<ConfigSource>, bool), ConfigIssue> {
    if flags.is_empty() {
        return match default {
            Some(yaml) => Ok((
                vec![ConfigSource::Inline {
                    name: "embedded default config".into(),
                    yaml: yaml.into(),
                }],
                true,
            )),
            None => Err(ConfigIssue::new("", "at least one config flag must be provided")),
        };
    }
    let parsed = flags
        .iter()
        .map(|f| ConfigSource::parse(f))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((parsed, false))
}

fn run_collector(
    factories: Arc<Factories>,
    build_info: BuildInfo,
    sources: Vec<ConfigSource>,
    sets: Vec<String>,
    embedded: bool,
    layers: Vec<ExtraLayer>,
) -> ExitCode {
    // Read the logging settings first; the full validation happens in the collector.
    let telemetry = Resolved::resolve(&sources, &sets, &crate::config::expand::ProcessLookup)
        .ok()
        .and_then(|r| r.extract_service::<crate::config::model::ServiceConfig>().ok())
        .map(|s| s.telemetry)
        .unwrap_or_default();
    let logs = telemetry.logs.clone();
    let log_export = crate::selftelemetry::LogExport::for_config(&logs);
    let span_export = crate::selftelemetry::SpanExport::for_config(&telemetry);
    let mut layers = layers;
    if let Some(export) = &log_export {
        use tracing_subscriber::Layer as _;
        let filter = tracing_subscriber::EnvFilter::new(logs.level.directive());
        layers.push(export.layer().with_filter(filter).boxed());
    }
    if let Some(export) = &span_export {
        use tracing_subscriber::Layer as _;
        let filter = tracing_subscriber::filter::Targets::new()
            .with_target(otelcol_component::selftrace::TARGET, tracing::Level::TRACE);
        layers.push(export.layer().with_filter(filter).boxed());
    }
    if let Err(e) = init_logging(&logs, layers) {
        eprint_redacted(format!("Error: {e}"));
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprint_redacted(format!("Error: cannot start the async runtime: {e}"));
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(version = %build_info.version, "Starting {}", build_info.command);
    if embedded {
        tracing::info!(
            "No --config given: running the embedded default config (see it with `{} print-config`)",
            build_info.command
        );
    }
    let mut collector = Collector::new(factories, build_info)
        .with_sources(sources)
        .with_sets(sets);
    if let Some(export) = log_export {
        collector = collector.with_log_export(export);
    }
    if let Some(export) = span_export {
        collector = collector.with_span_export(export);
    }
    // One collector per process: components (and third-party code) that
    // record with the `metrics` macros land on its `/metrics` too.
    if !collector.install_global_recorder() {
        tracing::debug!("another metrics recorder is installed; `metrics` macros record there");
    }
    let result = runtime.block_on(async move {
        let stop = CancellationToken::new();
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(1);
        spawn_signal_handlers(stop.clone(), reload_tx);
        collector.run_with_report(stop, Some(reload_rx)).await
    });
    match result {
        Ok(Some(loss)) if loss.dropped_at_shutdown() > 0 => ExitCode::from(EXIT_DATA_LOST),
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!("{e}");
            eprint_redacted(format!("Error: {e}"));
            ExitCode::FAILURE
        }
    }
}

fn spawn_signal_handlers(stop: CancellationToken, reload: tokio::sync::mpsc::Sender<()>) {
    use tokio::signal::unix::{SignalKind, signal};
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
            signal(SignalKind::hangup()),
        ) else {
            tracing::error!("cannot install signal handlers; stop the collector with SIGKILL");
            return;
        };
        loop {
            tokio::select! {
                _ = term.recv() => { tracing::info!("Received signal from OS: terminated"); stop.cancel(); return; }
                _ = int.recv() => { tracing::info!("Received signal from OS: interrupt"); stop.cancel(); return; }
                _ = hup.recv() => { let _ = reload.try_send(()); }
            }
        }
    });
}

fn validate_cmd(
    sources: &[ConfigSource],
    sets: &[String],
    factories: &Factories,
    build_info: &BuildInfo,
) -> ExitCode {
    match load_config(sources, sets, factories) {
        Ok((_, cfg)) => {
            for w in &cfg.warnings {
                eprint_redacted(format!("Warning: {w}"));
            }
            match build(&cfg, build_info) {
                Ok(_) => ExitCode::SUCCESS,
                Err(e) => {
                    eprint_redacted(format!("Error: {e}"));
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprint_redacted(format!("Error: invalid configuration:\n{e}"));
            ExitCode::FAILURE
        }
    }
}

#[derive(Serialize)]
struct ComponentsOut {
    buildinfo: BuildInfoOut,
    receivers: Vec<ComponentOut>,
    processors: Vec<ComponentOut>,
    exporters: Vec<ComponentOut>,
    connectors: Vec<ComponentOut>,
    extensions: Vec<ComponentOut>,
    providers: Vec<ProviderOut>,
}

#[derive(Serialize)]
struct BuildInfoOut {
    command: String,
    description: String,
    version: String,
}

#[derive(Serialize)]
struct ComponentOut {
    name: String,
    /// Deprecated names that also select this component.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    aliases: Vec<String>,
    /// Set on the entry of a deprecated alias: the canonical name.
    #[serde(skip_serializing_if = "Option::is_none")]
    deprecated_alias_of: Option<String>,
    module: String,
    stability: std::collections::BTreeMap<String, String>,
}

#[derive(Serialize)]
struct ProviderOut {
    scheme: String,
    module: String,
}

/// Every component, and every deprecated alias as its own entry (marked
/// with `deprecated_alias_of`), sorted by name.
fn list<F: ?Sized + DynFactory>(
    reg: &Registry<F>,
    stability_of: impl Fn(&F) -> std::collections::BTreeMap<String, String>,
) -> Vec<ComponentOut> {
    let mut out: Vec<ComponentOut> = reg
        .iter()
        .flat_map(|(name, f)| {
            let stability = stability_of(f);
            let canonical = ComponentOut {
                name: name.clone(),
                aliases: f.aliases().iter().map(|s| s.to_string()).collect(),
                deprecated_alias_of: None,
                module: f.module().to_string(),
                stability: stability.clone(),
            };
            let aliases = f.aliases().iter().map(move |a| ComponentOut {
                name: a.to_string(),
                aliases: Vec::new(),
                deprecated_alias_of: Some(name.clone()),
                module: f.module().to_string(),
                stability: stability.clone(),
            });
            std::iter::once(canonical).chain(aliases)
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Stability per signal (`traces`, `metrics`, `logs`).
fn per_signal<F: ?Sized + DynFactory>(f: &F) -> std::collections::BTreeMap<String, String> {
    Signal::ALL
        .iter()
        .map(|s| {
            (
                s.as_str().to_string(),
                f.stability(*s).unwrap_or(StabilityLevel::Undefined).to_string(),
            )
        })
        .collect()
}

fn print_featuregates(id: Option<&str>) -> ExitCode {
    match id {
        None => {
            print!("{}", crate::featuregate::table());
            ExitCode::SUCCESS
        }
        Some(id) => match crate::featuregate::find(id) {
            Some(g) => {
                print!("{}", crate::featuregate::details(g));
                ExitCode::SUCCESS
            }
            None => {
                eprint_redacted(format!(
                    "Error: {}",
                    crate::featuregate::GateError::Unknown(id.to_string())
                ));
                ExitCode::FAILURE
            }
        },
    }
}

fn print_components(build_info: &BuildInfo, factories: &Factories) -> ExitCode {
    let module = format!("otelcol-service {}", env!("CARGO_PKG_VERSION"));
    let out = ComponentsOut {
        buildinfo: BuildInfoOut {
            command: build_info.command.clone(),
            description: build_info.description.clone(),
            version: build_info.version.clone(),
        },
        receivers: list(&factories.receivers, per_signal),
        processors: list(&factories.processors, per_signal),
        exporters: list(&factories.exporters, per_signal),
        connectors: list(&factories.connectors, |f| {
            // Go's keys: `traces-to-metrics`, ... for all nine pairs.
            Signal::ALL
                .iter()
                .flat_map(|from| Signal::ALL.iter().map(move |to| (*from, *to)))
                .map(|(from, to)| {
                    (
                        format!("{from}-to-{to}"),
                        f.pair_stability(from, to)
                            .unwrap_or(StabilityLevel::Undefined)
                            .to_string(),
                    )
                })
                .collect()
        }),
        extensions: list(&factories.extensions, |f| {
            [(
                "extension".to_string(),
                f.stability(Signal::Traces)
                    .unwrap_or(StabilityLevel::Undefined)
                    .to_string(),
            )]
            .into()
        }),
        providers: ["env", "file", "yaml"]
            .iter()
            .map(|s| ProviderOut {
                scheme: s.to_string(),
                module: module.clone(),
            })
            .collect(),
    };
    match serde_yaml::to_string(&out) {
        Ok(s) => {
            print!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint_redacted(format!("Error: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// Prints a line on stderr with URL passwords redacted (config errors may quote an endpoint).
fn eprint_redacted(line: String) {
    eprintln!("{}", crate::redact::redact_text(&line));
}

/// Replaces the secrets of a config tree with `[REDACTED]`: see
/// [`crate::redact`] for what is a secret.
pub fn redact(v: &mut serde_json::Value) {
    crate::redact::redact_config(v);
}

fn print_config(
    sources: &[ConfigSource],
    sets: &[String],
    factories: &Factories,
    format: Format,
    mode: Mode,
    validate: bool,
) -> ExitCode {
    let json = if validate {
        match load_config(sources, sets, factories) {
            Ok((_, cfg)) => typed_config(&cfg),
            Err(e) => {
                eprint_redacted(format!("Error: invalid configuration:\n{e}"));
                return ExitCode::FAILURE;
            }
        }
    } else {
        match Resolved::resolve(sources, sets, &crate::config::expand::ProcessLookup) {
            Ok(r) => serde_json::to_value(r.tree()).map_err(|e| e.to_string()),
            Err(e) => {
                eprint_redacted(format!("Error: invalid configuration:\n{e}"));
                return ExitCode::FAILURE;
            }
        }
    };
    let mut json = match json {
        Ok(j) => j,
        Err(e) => {
            eprint_redacted(format!("Error: {e}"));
            return ExitCode::FAILURE;
        }
    };
    if matches!(mode, Mode::Redacted) {
        redact(&mut json);
    }
    let text = match format {
        Format::Yaml => serde_yaml::to_string(&json).map_err(|e| e.to_string()),
        Format::Json => serde_json::to_string_pretty(&json)
            .map(|s| s + "\n")
            .map_err(|e| e.to_string()),
    };
    match text {
        Ok(t) => {
            print!("{t}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprint_redacted(format!("Error: {e}"));
            ExitCode::FAILURE
        }
    }
}

/// The validated config as typed values, every default filled in, in Go's
/// section order; ids as written.
fn typed_config(cfg: &crate::validate::ValidatedConfig) -> Result<serde_json::Value, String> {
    fn section<F: ?Sized>(
        m: &std::collections::BTreeMap<otelcol_component::ComponentId, crate::validate::Configured<F>>,
    ) -> Result<serde_json::Value, String> {
        let mut out = serde_json::Map::new();
        for (id, c) in m {
            let v = c
                .config
                .to_json()
                .ok_or_else(|| format!("the config of {:?} cannot be printed", id.to_string()))?;
            out.insert(id.to_string(), v.clone());
        }
        Ok(serde_json::Value::Object(out))
    }
    let mut top = serde_json::Map::new();
    top.insert("receivers".into(), section(&cfg.receivers)?);
    top.insert("processors".into(), section(&cfg.processors)?);
    top.insert("exporters".into(), section(&cfg.exporters)?);
    top.insert("extensions".into(), section(&cfg.extensions)?);
    top.insert(
        "service".into(),
        serde_json::to_value(&cfg.service).map_err(|e| e.to_string())?,
    );
    Ok(serde_json::Value::Object(top))
}
