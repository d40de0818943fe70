//! Validation: typed component configs, references and pipeline rules, with
//! the Go collector's messages. Pure: nothing is created or started.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use otelcol_component::{ComponentId, Kind, PipelineId, Signal};

use crate::config::model::ServiceConfig;
use crate::config::{ConfigErrors, ConfigIssue, Resolved};
use crate::factories::{
    AnyConfig, DynConnectorFactory, DynExporterFactory, DynExtensionFactory, DynFactory, DynProcessorFactory,
    DynReceiverFactory, Factories, Registry,
};

/// A configured component: its factory and parsed config.
pub struct Configured<F: ?Sized> {
    /// The factory.
    pub factory: Arc<F>,
    /// The parsed, validated config.
    pub config: AnyConfig,
}

impl<F: ?Sized> Clone for Configured<F> {
    fn clone(&self) -> Self {
        Configured {
            factory: self.factory.clone(),
            config: self.config.clone(),
        }
    }
}

impl<F: ?Sized> std::fmt::Debug for Configured<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.config.fmt(f)
    }
}

/// A pipeline with parsed ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pipeline {
    /// Receiver ids.
    pub receivers: Vec<ComponentId>,
    /// Processor ids, in order.
    pub processors: Vec<ComponentId>,
    /// Exporter ids.
    pub exporters: Vec<ComponentId>,
}

/// A config that passed validation; building it can still fail at create time.
#[derive(Clone, Debug)]
pub struct ValidatedConfig {
    /// Receivers by id.
    pub receivers: BTreeMap<ComponentId, Configured<dyn DynReceiverFactory>>,
    /// Processors by id.
    pub processors: BTreeMap<ComponentId, Configured<dyn DynProcessorFactory>>,
    /// Exporters by id.
    pub exporters: BTreeMap<ComponentId, Configured<dyn DynExporterFactory>>,
    /// Extensions by id.
    pub extensions: BTreeMap<ComponentId, Configured<dyn DynExtensionFactory>>,
    /// Connectors by id.
    pub connectors: BTreeMap<ComponentId, Configured<dyn DynConnectorFactory>>,
    /// Enabled extensions, in start order.
    pub service_extensions: Vec<ComponentId>,
    /// Pipelines by id.
    pub pipelines: BTreeMap<PipelineId, Pipeline>,
    /// The service section as written.
    pub service: ServiceConfig,
    /// Deprecation and other warnings to log.
    pub warnings: Vec<String>,
}

fn parse_section<F: ?Sized + DynFactory>(
    resolved: &Resolved,
    section: &str,
    kind: Kind,
    registry: &Registry<F>,
    issues: &mut Vec<ConfigIssue>,
    warnings: &mut Vec<String>,
) -> BTreeMap<ComponentId, Configured<F>> {
    let mut out = BTreeMap::new();
    for raw in resolved.component_ids(section) {
        let id: ComponentId = match raw.parse() {
            Ok(id) => id,
            Err(e) => {
                issues.push(ConfigIssue::new(format!("{section}::{raw}"), e.to_string()));
                continue;
            }
        };
        let ty = id.component_type().as_str();
        let Some((factory, via_alias)) = registry.get(ty) else {
            issues.push(ConfigIssue::new(
                format!("{section}::{raw}"),
                format!(
                    "unknown type: {ty:?} for id: {raw:?} (valid values: [{}])",
                    registry.type_names().join(", ")
                ),
            ));
            continue;
        };
        if via_alias {
            warnings.push(format!(
                "{kind} type {ty:?} is a deprecated alias of {:?}; use {:?} instead (id {raw:?})",
                factory.type_name(),
                factory.type_name()
            ));
        }
        match factory.parse(resolved, section, &raw) {
            Ok(config) => {
                out.insert(
                    id,
                    Configured {
                        factory: factory.clone(),
                        config,
                    },
                );
            }
            Err(mut e) => issues.append(&mut e),
        }
    }
    out
}

fn parse_ids(list: &[String], path: &str, issues: &mut Vec<ConfigIssue>) -> Vec<ComponentId> {
    list.iter()
        .filter_map(|s| match s.parse::<ComponentId>() {
            Ok(id) => Some(id),
            Err(e) => {
                issues.push(ConfigIssue::new(path, e.to_string()));
                None
            }
        })
        .collect()
}

/// Validates a resolved config against the factories; every problem is reported.
pub fn validate(resolved: &Resolved, factories: &Factories) -> Result<ValidatedConfig, ConfigErrors> {
    let mut issues = Vec::new();
    let mut warnings: Vec<String> = resolved.warnings().to_vec();

    let counts: Vec<usize> = crate::config::resolve::SECTIONS
        .iter()
        .map(|s| resolved.component_ids(s).len())
        .collect();
    if counts.iter().all(|c| *c == 0) && resolved.tree().get("service").is_none() {
        return Err(ConfigIssue::new("", "empty configuration file").into());
    }

    let receivers = parse_section(
        resolved,
        "receivers",
        Kind::Receiver,
        &factories.receivers,
        &mut issues,
        &mut warnings,
    );
    let processors = parse_section(
        resolved,
        "processors",
        Kind::Processor,
        &factories.processors,
        &mut issues,
        &mut warnings,
    );
    let exporters = parse_section(
        resolved,
        "exporters",
        Kind::Exporter,
        &factories.exporters,
        &mut issues,
        &mut warnings,
    );
    let extensions = parse_section(
        resolved,
        "extensions",
        Kind::Extension,
        &factories.extensions,
        &mut issues,
        &mut warnings,
    );
    let connectors = parse_section(
        resolved,
        "connectors",
        Kind::Connector,
        &factories.connectors,
        &mut issues,
        &mut warnings,
    );

    if resolved.component_ids("receivers").is_empty() {
        issues.push(ConfigIssue::new(
            "",
            "no receiver configuration specified in config",
        ));
    }
    if resolved.component_ids("exporters").is_empty() {
        issues.push(ConfigIssue::new(
            "",
            "no exporter configuration specified in config",
        ));
    }

    let mut service_ok = true;
    let service: ServiceConfig = match resolved.extract_service() {
        Ok(s) => s,
        Err(mut e) => {
            issues.append(&mut e);
            service_ok = false;
            ServiceConfig::default()
        }
    };

    match crate::selftelemetry::parse(&service.telemetry) {
        Ok(telemetry) => {
            issues.extend(crate::selftelemetry::check(&telemetry, factories));
            warnings.extend(telemetry.warnings);
        }
        Err(mut e) => issues.append(&mut e),
    }

    let configured = |section: &str| -> BTreeSet<ComponentId> {
        resolved
            .component_ids(section)
            .iter()
            .filter_map(|s| s.parse().ok())
            .collect()
    };
    let conn_ids = configured("connectors");
    // Connectors whose config was refused above: pipelines naming them are
    // not reported again.
    let refused: BTreeSet<ComponentId> = conn_ids
        .iter()
        .filter(|id| !connectors.contains_key(*id))
        .cloned()
        .collect();
    let (rec_ids, proc_ids, exp_ids, ext_ids) = (
        configured("receivers"),
        configured("processors"),
        configured("exporters"),
        configured("extensions"),
    );
    for id in &conn_ids {
        for (kind, ids) in [("receiver", &rec_ids), ("exporter", &exp_ids)] {
            if ids.contains(id) {
                issues.push(ConfigIssue::new(
                    format!("connectors::{id}"),
                    format!(
                        "ambiguous ID: Found both {id:?} {kind} and {id:?} connector. Change one of the \
                         components' IDs to eliminate ambiguity (e.g. rename {id:?} connector to \
                         \"{id}/connector\")",
                        id = id.to_string()
                    ),
                ));
            }
        }
    }
    let with_connectors =
        |ids: &BTreeSet<ComponentId>| -> BTreeSet<ComponentId> { ids.union(&conn_ids).cloned().collect() };
    let (rec_or_conn, exp_or_conn) = (with_connectors(&rec_ids), with_connectors(&exp_ids));

    let service_extensions = parse_ids(&service.extensions, "service::extensions", &mut issues);
    for id in &service_extensions {
        if !ext_ids.contains(id) {
            issues.push(ConfigIssue::new(
                "service::extensions",
                format!(
                    "references extension {:?} which is not configured",
                    id.to_string()
                ),
            ));
        }
    }

    // A service that failed to decode has already been reported; an empty
    // default in its place must not add a false "no pipeline" error.
    if service_ok && service.pipelines.is_empty() {
        issues.push(ConfigIssue::new("", "service must have at least one pipeline"));
    }
    let mut pipelines = BTreeMap::new();
    for (raw, p) in &service.pipelines {
        let path = format!("service::pipelines::{raw}");
        let pid: PipelineId = match raw.parse() {
            Ok(id) => id,
            Err(e) => {
                issues.push(ConfigIssue::new(path, e.to_string()));
                continue;
            }
        };
        let signal = pid.signal();
        let r = parse_ids(&p.receivers, &path, &mut issues);
        let pr = parse_ids(&p.processors, &path, &mut issues);
        let e = parse_ids(&p.exporters, &path, &mut issues);
        if r.is_empty() {
            issues.push(ConfigIssue::new(path.as_str(), "must have at least one receiver"));
        }
        if e.is_empty() {
            issues.push(ConfigIssue::new(path.as_str(), "must have at least one exporter"));
        }
        let mut seen = BTreeSet::new();
        for id in &pr {
            if !seen.insert(id) {
                issues.push(ConfigIssue::new(
                    path.as_str(),
                    format!("references processor {:?} multiple times", id.to_string()),
                ));
            }
        }
        // A connector's signals are checked by pairs, below.
        check_refs(
            &path,
            "receiver",
            &r,
            &rec_or_conn,
            &refused,
            signal,
            |id| receivers.get(id).map(|c| c.factory.stability(signal)),
            &mut issues,
        );
        check_refs(
            &path,
            "processor",
            &pr,
            &proc_ids,
            &refused,
            signal,
            |id| processors.get(id).map(|c| c.factory.stability(signal)),
            &mut issues,
        );
        check_refs(
            &path,
            "exporter",
            &e,
            &exp_or_conn,
            &refused,
            signal,
            |id| exporters.get(id).map(|c| c.factory.stability(signal)),
            &mut issues,
        );
        pipelines.insert(
            pid,
            Pipeline {
                receivers: r,
                processors: pr,
                exporters: e,
            },
        );
    }

    if issues.is_empty() {
        issues.extend(crate::connectors::check(&connectors, &pipelines));
    }

    for (kind, ids) in [
        ("receiver", &rec_ids),
        ("processor", &proc_ids),
        ("exporter", &exp_ids),
        ("connector", &conn_ids),
    ] {
        for id in ids.iter() {
            let used = service.pipelines.values().any(|p| {
                let lists: [&Vec<String>; 2] = match kind {
                    "receiver" => [&p.receivers, &p.receivers],
                    "processor" => [&p.processors, &p.processors],
                    "exporter" => [&p.exporters, &p.exporters],
                    _ => [&p.receivers, &p.exporters],
                };
                lists
                    .iter()
                    .flat_map(|l| l.iter())
                    .any(|s| s.parse::<ComponentId>().ok().as_ref() == Some(id))
            });
            if !used {
                warnings.push(format!(
                    "{kind} {:?} is configured but not used in any pipeline",
                    id.to_string()
                ));
            }
        }
    }

    if !issues.is_empty() {
        return Err(ConfigErrors(issues));
    }
    Ok(ValidatedConfig {
        receivers,
        processors,
        exporters,
        extensions,
        connectors,
        service_extensions,
        pipelines,
        service,
        warnings,
    })
}

#[allow(clippy::too_many_arguments)]
fn check_refs(
    path: &str,
    kind: &str,
    ids: &[ComponentId],
    configured: &BTreeSet<ComponentId>,
    refused: &BTreeSet<ComponentId>,
    signal: Signal,
    stability: impl Fn(&ComponentId) -> Option<Option<otelcol_component::StabilityLevel>>,
    issues: &mut Vec<ConfigIssue>,
) {
    for id in ids {
        if refused.contains(id) {
            continue;
        }
        if !configured.contains(id) {
            issues.push(ConfigIssue::new(
                path,
                format!("references {kind} {:?} which is not configured", id.to_string()),
            ));
            continue;
        }
        // Parsed successfully and the factory does not support this signal.
        if let Some(None) = stability(id) {
            issues.push(ConfigIssue::new(
                path,
                format!("{kind} {:?} does not support {signal}", id.to_string()),
            ));
        }
    }
}
