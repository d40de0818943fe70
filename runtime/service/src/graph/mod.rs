//! The pipeline graph: one receiver per id (all signals), one processor per
//! (pipeline, id), one exporter per id, a fan-out in front of each pipeline's
//! exporters and in front of the pipelines a receiver feeds.

pub mod fanout;
pub mod host;
pub mod obs;

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use otelcol_component::{
    BuildInfo, Component, ComponentId, Consumers, CreateError, Exporter, Extension, Kind, Logs, Meter,
    Metrics, Payload, PipelineId, PipelineInfo, Router, ServiceInfo, Settings, SharedConsumer, Signal,
    TelemetrySettings, Traces,
};

use crate::connectors::Edge;

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
    /// Processors per pipeline, first to last; pipelines in build order
    /// (a pipeline after every pipeline its connectors feed).
    pub processors: Vec<(PipelineId, PipelineProcessors)>,
    /// Connector instances (one per id and signal pair), each with the
    /// number of `processors` entries built before it: it starts after
    /// those pipelines' processors and before the next ones.
    pub connectors: Vec<(usize, ComponentId, Arc<dyn Component>)>,
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
        Settings::new(id.clone(), kind, self.build.clone()).with_telemetry(self.telemetry.clone())
    }
}

/// The input side of every connector instance built so far, by (id, the
/// signal it consumes): boxed `SharedConsumer<F>`s.
type ConnectorInputs = BTreeMap<(ComponentId, Signal), Vec<Box<dyn Any + Send + Sync>>>;

/// A connector instance: its input (a boxed `SharedConsumer<F>`) and its lifecycle.
type BuiltConnector = (Box<dyn Any + Send + Sync>, Arc<dyn Component>);

/// Creates the connector instance of `edge` (`F` → `T`), feeding the
/// pipelines in `entries`; returns its input as a boxed `SharedConsumer<F>`.
fn build_connector<F: Payload, T: Payload>(
    edge: &Edge,
    cfg: &ValidatedConfig,
    entries: &BTreeMap<PipelineId, Consumers>,
    common: &Common<'_>,
) -> Result<BuiltConnector, BuildError> {
    let err = |source: CreateError| BuildError {
        kind: Kind::Connector,
        id: edge.id.to_string(),
        pipeline: None,
        source,
    };
    let c = cfg
        .connectors
        .get(&edge.id)
        .ok_or_else(|| err(CreateError::Other("not configured".into())))?;
    let mut targets = Vec::with_capacity(edge.targets.len());
    for pid in &edge.targets {
        let entry = entries
            .get(pid)
            .and_then(|c| c.get::<T>())
            .ok_or_else(|| err(CreateError::Other(format!("pipeline {pid} not built"))))?;
        let produced: SharedConsumer<T> = Arc::new(Counted::connector_produced(
            &edge.id,
            pid,
            entry.clone(),
            &common.telemetry.meter,
        ));
        targets.push((pid.clone(), produced));
    }
    let router = Router::new(targets, fanout::<T>);
    let conn = c
        .factory
        .create::<F, T>(&common.settings(&edge.id, Kind::Connector), &c.config, router)
        .map_err(err)?;
    let input: SharedConsumer<F> = Arc::new(Counted::connector_consumed(
        &edge.id,
        conn.clone(),
        &common.telemetry.meter,
    ));
    Ok((Box::new(input), conn as Arc<dyn Component>))
}

/// [`build_connector`] for the signal pair of `edge`.
fn build_edge(
    edge: &Edge,
    cfg: &ValidatedConfig,
    entries: &BTreeMap<PipelineId, Consumers>,
    common: &Common<'_>,
) -> Result<BuiltConnector, BuildError> {
    fn to<F: Payload>(
        edge: &Edge,
        cfg: &ValidatedConfig,
        entries: &BTreeMap<PipelineId, Consumers>,
        common: &Common<'_>,
    ) -> Result<BuiltConnector, BuildError> {
        match edge.to {
            Signal::Traces => build_connector::<F, Traces>(edge, cfg, entries, common),
            Signal::Metrics => build_connector::<F, Metrics>(edge, cfg, entries, common),
            Signal::Logs => build_connector::<F, Logs>(edge, cfg, entries, common),
        }
    }
    match edge.from {
        Signal::Traces => to::<Traces>(edge, cfg, entries, common),
        Signal::Metrics => to::<Metrics>(edge, cfg, entries, common),
        Signal::Logs => to::<Logs>(edge, cfg, entries, common),
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
    connectors: &ConnectorInputs,
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
        if let Some(instances) = connectors.get(&(id.clone(), T::SIGNAL)) {
            for c in instances {
                let c = c
                    .downcast_ref::<SharedConsumer<T>>()
                    .ok_or_else(|| err(Kind::Connector, id, CreateError::SignalNotSupported(T::SIGNAL)))?;
                outs.push(c.clone());
            }
            continue;
        }
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
        let out: SharedConsumer<T> = Arc::new(Counted::outgoing(id, next, &common.telemetry.meter));
        let proc = c
            .factory
            .create::<T>(&common.settings(id, Kind::Processor), &c.config, out)
            .map_err(|e| err(Kind::Processor, id, e))?;
        mutates |= proc.capabilities().mutates_data;
        let as_consumer: SharedConsumer<T> = proc.clone();
        next = Arc::new(Counted::incoming(id, as_consumer, &common.telemetry.meter));
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
/// Self-metrics go to the global `metrics` recorder; see [`build_with`].
pub fn build(cfg: &ValidatedConfig, build: &BuildInfo) -> Result<Graph, BuildError> {
    build_with(cfg, build, Meter::default())
}

/// [`build`], with every component's self-metrics recorded through `meter`
/// (the collector's own recorder).
pub fn build_with(cfg: &ValidatedConfig, build: &BuildInfo, meter: Meter) -> Result<Graph, BuildError> {
    let common = Common {
        build,
        telemetry: telemetry_settings(cfg).with_meter(meter),
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
        for id in p.exporters.iter().filter(|id| !cfg.connectors.contains_key(*id)) {
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

    // Pipelines, exporters first; a pipeline after the pipelines its
    // connectors feed, and each connector instance once they are built.
    let order =
        crate::connectors::build_order(&cfg.connectors, &cfg.pipelines).map_err(|cycle| BuildError {
            kind: Kind::Connector,
            id: String::new(),
            pipeline: None,
            source: CreateError::Other(cycle),
        })?;
    let mut edges = crate::connectors::edges(&cfg.connectors, &cfg.pipelines);
    let mut connector_inputs = ConnectorInputs::new();
    let mut connectors = Vec::new();
    let mut entries: BTreeMap<PipelineId, Consumers> = BTreeMap::new();
    let mut processors = Vec::new();
    let mut mutates_data = BTreeMap::new();
    for pid in &order {
        let Some(p) = cfg.pipelines.get(pid) else { continue };
        // Connectors whose pipelines are all built now.
        let (ready, waiting): (Vec<Edge>, Vec<Edge>) = edges
            .into_iter()
            .partition(|e| e.targets.iter().all(|t| entries.contains_key(t)));
        edges = waiting;
        for edge in ready {
            let (input, component) = build_edge(&edge, cfg, &entries, &common)?;
            connector_inputs
                .entry((edge.id.clone(), edge.from))
                .or_default()
                .push(input);
            connectors.push((processors.len(), edge.id.clone(), component));
        }
        let mut slot = Consumers::default();
        let (procs, mutates) = match pid.signal() {
            Signal::Traces => {
                let b = build_pipeline::<Traces>(pid, p, cfg, &exporters, &connector_inputs, &common)?;
                slot.set(b.entry);
                (b.processors, b.mutates)
            }
            Signal::Metrics => {
                let b = build_pipeline::<Metrics>(pid, p, cfg, &exporters, &connector_inputs, &common)?;
                slot.set(b.entry);
                (b.processors, b.mutates)
            }
            Signal::Logs => {
                let b = build_pipeline::<Logs>(pid, p, cfg, &exporters, &connector_inputs, &common)?;
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
        connectors,
        receivers,
        mutates_data,
        info,
    })
}
