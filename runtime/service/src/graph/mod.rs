//! The pipeline graph: one receiver per id (all signals), one processor per
//! (pipeline, id), one exporter per id, a fan-out in front of each pipeline's
//! exporters and in front of the pipelines a receiver feeds.

pub mod fanout;
pub mod host;
pub mod obs;

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use otelcol_component::{
    BuildInfo, Component, ComponentId, Consumers, CreateError, Exporter, Extension, Kind, Logs, Metrics,
    Payload, PipelineId, PipelineInfo, ServiceInfo, Settings, SharedConsumer, Signal, TelemetrySettings,
    Traces,
};

use crate::validate::{Pipeline, ValidatedConfig};
use fanout::fanout;
use obs::Counted;

/// Why the graph could not be built.
#[derive(Debug, thiserror::Error)]
#[error("failed to create {kind} {id:?}{}: {source}", .pipeline.as_ref().map(|p| format!(" in pipeline {:?}", p.to_string())).unwrap_or_default())]
pub struct BuildError {
    /// The component's kind.
    pub kind: Kind,
    /// The component's id.
    pub id: String,
    /// The pipeline, for processors and signal mismatches.
    pub pipeline: Option<PipelineId>,
    /// The factory's error.
    #[source]
    pub source: CreateError,
}

/// The processors of one pipeline, first to last.
pub type PipelineProcessors = Vec<(ComponentId, Arc<dyn Component>)>;

/// The built graph, in start order per kind.
pub struct Graph {
    /// Extensions in `service::extensions` order.
    pub extensions: Vec<(ComponentId, Arc<dyn Extension>)>,
    /// Exporters used by some pipeline.
    pub exporters: Vec<(ComponentId, Arc<dyn Exporter>)>,
    /// Processors per pipeline, first to last.
    pub processors: Vec<(PipelineId, PipelineProcessors)>,
    /// Receivers used by some pipeline.
    pub receivers: Vec<(ComponentId, Arc<dyn Component>)>,
    /// Whether each pipeline's processors may mutate data (for zpages and logs).
    pub mutates_data: BTreeMap<PipelineId, bool>,
    /// What the service looks like, for the host.
    pub info: ServiceInfo,
}

impl fmt::Debug for Graph {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Graph")
            .field(
                "extensions",
                &self
                    .extensions
                    .iter()
                    .map(|(i, _)| i.to_string())
                    .collect::<Vec<_>>(),
            )
            .field(
                "exporters",
                &self
                    .exporters
                    .iter()
                    .map(|(i, _)| i.to_string())
                    .collect::<Vec<_>>(),
            )
            .field(
                "receivers",
                &self
                    .receivers
                    .iter()
                    .map(|(i, _)| i.to_string())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

/// What every component's [`Settings`] share.
struct Common<'a> {
    build: &'a BuildInfo,
    telemetry: TelemetrySettings,
}

impl Common<'_> {
    fn settings(&self, id: &ComponentId, kind: Kind) -> Settings {
        Settings::new(id.clone(), kind, self.build.clone()).with_telemetry(self.telemetry)
    }
}

/// The telemetry settings of `cfg`'s components: `detailed` metrics when
/// the level is `detailed` and the self-metrics are served.
pub(crate) fn telemetry_settings(cfg: &ValidatedConfig) -> TelemetrySettings {
    let metrics = &cfg.service.telemetry.metrics;
    let served = crate::selfmetrics::endpoint(metrics).is_ok_and(|e| e.is_some());
    TelemetrySettings::default()
        .with_detailed_metrics(served && metrics.level == crate::config::model::MetricsLevel::Detailed)
}

struct BuiltPipeline<T: Payload> {
    entry: SharedConsumer<T>,
    processors: Vec<(ComponentId, Arc<dyn Component>)>,
    mutates: bool,
}

fn build_pipeline<T: Payload>(
    pid: &PipelineId,
    p: &Pipeline,
    cfg: &ValidatedConfig,
    exporters: &BTreeMap<ComponentId, Arc<dyn Exporter>>,
    common: &Common<'_>,
) -> Result<BuiltPipeline<T>, BuildError> {
    let err = |kind: Kind, id: &ComponentId, source: CreateError| BuildError {
        kind,
        id: id.to_string(),
        pipeline: Some(pid.clone()),
        source,
    };
    let mut outs = Vec::new();
    for id in &p.exporters {
        let e = exporters
            .get(id)
            .ok_or_else(|| err(Kind::Exporter, id, CreateError::Other("not built".into())))?;
        let c = e
            .clone()
            .consumer::<T>()
            .ok_or_else(|| err(Kind::Exporter, id, CreateError::SignalNotSupported(T::SIGNAL)))?;
        outs.push(c);
    }
    let mut next = fanout(outs).ok_or_else(|| BuildError {
        kind: Kind::Exporter,
        id: String::new(),
        pipeline: Some(pid.clone()),
        source: CreateError::Other("pipeline has no exporter".into()),
    })?;
    let mut processors = Vec::new();
    let mut mutates = false;
    for id in p.processors.iter().rev() {
        let c = cfg
            .processors
            .get(id)
            .ok_or_else(|| err(Kind::Processor, id, CreateError::Other("not configured".into())))?;
        let out: SharedConsumer<T> = Arc::new(Counted::outgoing(id, next));
        let proc = c
            .factory
            .create::<T>(&common.settings(id, Kind::Processor), &c.config, out)
            .map_err(|e| err(Kind::Processor, id, e))?;
        mutates |= proc.capabilities().mutates_data;
        let as_consumer: SharedConsumer<T> = proc.clone();
        next = Arc::new(Counted::incoming(id, as_consumer));
        processors.push((id.clone(), proc as Arc<dyn Component>));
    }
    processors.reverse();
    Ok(BuiltPipeline {
        entry: next,
        processors,
        mutates,
    })
}

/// Creates every component and wires the pipelines. Nothing is started.
pub fn build(cfg: &ValidatedConfig, build: &BuildInfo) -> Result<Graph, BuildError> {
    let common = Common {
        build,
        telemetry: telemetry_settings(cfg),
    };
    let mut extensions = Vec::new();
    for id in &cfg.service_extensions {
        let c = cfg.extensions.get(id).ok_or_else(|| BuildError {
            kind: Kind::Extension,
            id: id.to_string(),
            pipeline: None,
            source: CreateError::Other("not configured".into()),
        })?;
        let e = c
            .factory
            .create(&common.settings(id, Kind::Extension), &c.config)
            .map_err(|source| BuildError {
                kind: Kind::Extension,
                id: id.to_string(),
                pipeline: None,
                source,
            })?;
        extensions.push((id.clone(), e));
    }

    // Exporters: one per id, told every signal it serves.
    let mut exporter_signals: BTreeMap<ComponentId, Vec<Signal>> = BTreeMap::new();
    for (pid, p) in &cfg.pipelines {
        for id in &p.exporters {
            let s = exporter_signals.entry(id.clone()).or_default();
            if !s.contains(&pid.signal()) {
                s.push(pid.signal());
                s.sort();
            }
        }
    }
    let mut exporters = BTreeMap::new();
    for (id, signals) in &exporter_signals {
        let c = cfg.exporters.get(id).ok_or_else(|| BuildError {
            kind: Kind::Exporter,
            id: id.to_string(),
            pipeline: None,
            source: CreateError::Other("not configured".into()),
        })?;
        let e = c
            .factory
            .create(&common.settings(id, Kind::Exporter), &c.config, signals)
            .map_err(|source| BuildError {
                kind: Kind::Exporter,
                id: id.to_string(),
                pipeline: None,
                source,
            })?;
        exporters.insert(id.clone(), e);
    }

    // Pipelines, exporters first.
    let mut entries: BTreeMap<PipelineId, Consumers> = BTreeMap::new();
    let mut processors = Vec::new();
    let mut mutates_data = BTreeMap::new();
    for (pid, p) in &cfg.pipelines {
        let mut slot = Consumers::default();
        let (procs, mutates) = match pid.signal() {
            Signal::Traces => {
                let b = build_pipeline::<Traces>(pid, p, cfg, &exporters, &common)?;
                slot.set(b.entry);
                (b.processors, b.mutates)
            }
            Signal::Metrics => {
                let b = build_pipeline::<Metrics>(pid, p, cfg, &exporters, &common)?;
                slot.set(b.entry);
                (b.processors, b.mutates)
            }
            Signal::Logs => {
                let b = build_pipeline::<Logs>(pid, p, cfg, &exporters, &common)?;
                slot.set(b.entry);
                (b.processors, b.mutates)
            }
        };
        entries.insert(pid.clone(), slot);
        processors.push((pid.clone(), procs));
        mutates_data.insert(pid.clone(), mutates);
    }

    // Receivers: one per id, fed with a fan-out over its pipelines per signal.
    let mut receivers = Vec::new();
    for (id, c) in &cfg.receivers {
        let feeds: Vec<&PipelineId> = cfg
            .pipelines
            .iter()
            .filter(|(_, p)| p.receivers.contains(id))
            .map(|(pid, _)| pid)
            .collect();
        if feeds.is_empty() {
            continue;
        }
        let next = Consumers {
            traces: fanout(
                feeds
                    .iter()
                    .filter_map(|p| entries.get(*p).and_then(|c| c.traces.clone()))
                    .collect(),
            ),
            metrics: fanout(
                feeds
                    .iter()
                    .filter_map(|p| entries.get(*p).and_then(|c| c.metrics.clone()))
                    .collect(),
            ),
            logs: fanout(
                feeds
                    .iter()
                    .filter_map(|p| entries.get(*p).and_then(|c| c.logs.clone()))
                    .collect(),
            ),
        };
        let r = c
            .factory
            .create(&common.settings(id, Kind::Receiver), &c.config, next)
            .map_err(|source| BuildError {
                kind: Kind::Receiver,
                id: id.to_string(),
                pipeline: None,
                source,
            })?;
        receivers.push((id.clone(), r));
    }

    let pipelines = cfg
        .pipelines
        .iter()
        .map(|(pid, p)| {
            PipelineInfo::new(
                pid.clone(),
                p.receivers.clone(),
                p.processors.clone(),
                p.exporters.clone(),
                mutates_data.get(pid).copied().unwrap_or(false),
            )
        })
        .collect();
    let info = ServiceInfo::new(build.clone(), pipelines, cfg.service_extensions.clone());
    Ok(Graph {
        extensions,
        exporters: exporters.into_iter().collect(),
        processors,
        receivers,
        mutates_data,
        info,
    })
}
