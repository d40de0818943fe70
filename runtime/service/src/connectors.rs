//! How connectors join pipelines: the signal pairs a config uses, Go's
//! checks of them, and the order pipelines are built in (a pipeline is
//! built after every pipeline its connectors feed, so a connector is
//! created with its destinations in hand).

use std::collections::{BTreeMap, BTreeSet};

use otelcol_component::{ComponentId, PipelineId, Signal};

use crate::config::ConfigIssue;
use crate::factories::DynConnectorFactory;
use crate::validate::{Configured, Pipeline};

type Connectors = BTreeMap<ComponentId, Configured<dyn DynConnectorFactory>>;

/// One connector instance: `id` consuming `from` (in the pipelines that
/// list it as an exporter) and feeding the `to` pipelines that list it as
/// a receiver.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    /// The connector id.
    pub id: ComponentId,
    /// The signal it consumes.
    pub from: Signal,
    /// The signal it emits.
    pub to: Signal,
    /// The pipelines it feeds (signal `to`), in config order.
    pub targets: Vec<PipelineId>,
}

fn uses<'a>(
    pipelines: &'a BTreeMap<PipelineId, Pipeline>,
    id: &'a ComponentId,
    as_exporter: bool,
) -> impl Iterator<Item = &'a PipelineId> + 'a {
    pipelines
        .iter()
        .filter(move |(_, p)| {
            let list = if as_exporter { &p.exporters } else { &p.receivers };
            list.contains(id)
        })
        .map(|(pid, _)| pid)
}

/// Every connector instance the pipelines use: one per (id, from, to) pair
/// the connector supports, as Go creates them.
pub fn edges(connectors: &Connectors, pipelines: &BTreeMap<PipelineId, Pipeline>) -> Vec<Edge> {
    let mut out = Vec::new();
    for (id, c) in connectors {
        let froms: BTreeSet<Signal> = uses(pipelines, id, true).map(PipelineId::signal).collect();
        for from in froms {
            for to in Signal::ALL {
                if c.factory.pair_stability(from, to).is_none() {
                    continue;
                }
                let targets: Vec<PipelineId> = uses(pipelines, id, false)
                    .filter(|p| p.signal() == to)
                    .cloned()
                    .collect();
                if !targets.is_empty() {
                    out.push(Edge {
                        id: id.clone(),
                        from,
                        to,
                        targets,
                    });
                }
            }
        }
    }
    out
}

fn names(pids: &[&PipelineId]) -> String {
    format!(
        "[{}]",
        pids.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
    )
}

/// Go's checks: a connector is used on both sides by a pair it supports,
/// and the pipelines joined by connectors form no cycle.
pub fn check(connectors: &Connectors, pipelines: &BTreeMap<PipelineId, Pipeline>) -> Vec<ConfigIssue> {
    let mut issues = Vec::new();
    for (id, c) in connectors {
        let as_exp: Vec<&PipelineId> = uses(pipelines, id, true).collect();
        let as_rec: Vec<&PipelineId> = uses(pipelines, id, false).collect();
        if as_exp.is_empty() && as_rec.is_empty() {
            continue;
        }
        let exp_types: BTreeSet<Signal> = as_exp.iter().map(|p| p.signal()).collect();
        let rec_types: BTreeSet<Signal> = as_rec.iter().map(|p| p.signal()).collect();
        let supported = |from: Signal, to: Signal| c.factory.pair_stability(from, to).is_some();
        for from in &exp_types {
            if !rec_types.iter().any(|to| supported(*from, *to)) {
                let of: Vec<&PipelineId> = as_exp.iter().copied().filter(|p| p.signal() == *from).collect();
                issues.push(ConfigIssue::new(
                    "service::pipelines",
                    format!(
                        "connector {:?} used as exporter in {} pipeline but not used in any supported receiver pipeline",
                        id.to_string(),
                        names(&of)
                    ),
                ));
            }
        }
        for to in &rec_types {
            if !exp_types.iter().any(|from| supported(*from, *to)) {
                let of: Vec<&PipelineId> = as_rec.iter().copied().filter(|p| p.signal() == *to).collect();
                issues.push(ConfigIssue::new(
                    "service::pipelines",
                    format!(
                        "connector {:?} used as receiver in {} pipeline but not used in any supported exporter pipeline",
                        id.to_string(),
                        names(&of)
                    ),
                ));
            }
        }
    }
    if issues.is_empty() {
        if let Err(cycle) = build_order(connectors, pipelines) {
            issues.push(ConfigIssue::new("service::pipelines", cycle));
        }
    }
    issues
}

/// The pipelines in build order: every pipeline after all the pipelines its
/// connectors feed. A cycle is refused with Go's message
/// (`cycle detected: connector "forward" (traces to traces) -> processor "batch" in pipeline "traces/b" -> connector "forward" (traces to traces)`).
pub fn build_order(
    connectors: &Connectors,
    pipelines: &BTreeMap<PipelineId, Pipeline>,
) -> Result<Vec<PipelineId>, String> {
    let edges = edges(connectors, pipelines);
    // Pipeline -> (connector edge, pipeline it feeds).
    let mut next: BTreeMap<&PipelineId, Vec<(&Edge, &PipelineId)>> = BTreeMap::new();
    for (pid, p) in pipelines {
        for e in edges
            .iter()
            .filter(|e| e.from == pid.signal() && p.exporters.contains(&e.id))
        {
            for t in &e.targets {
                next.entry(pid).or_default().push((e, t));
            }
        }
    }
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let mut mark: BTreeMap<&PipelineId, Mark> = pipelines.keys().map(|p| (p, Mark::New)).collect();
    let mut order = Vec::with_capacity(pipelines.len());
    // Depth-first, iteratively; `path` holds the edges taken to the current pipeline.
    for start in pipelines.keys() {
        if mark.get(start) != Some(&Mark::New) {
            continue;
        }
        let mut stack: Vec<(&PipelineId, usize)> = vec![(start, 0)];
        let mut path: Vec<(&Edge, &PipelineId)> = Vec::new();
        mark.insert(start, Mark::Active);
        while let Some((pid, i)) = stack.pop() {
            let outs = next.get(pid).map(Vec::as_slice).unwrap_or_default();
            if let Some(&(edge, target)) = outs.get(i) {
                stack.push((pid, i + 1));
                match mark.get(target).copied().unwrap_or(Mark::Done) {
                    Mark::New => {
                        mark.insert(target, Mark::Active);
                        path.push((edge, target));
                        stack.push((target, 0));
                    }
                    Mark::Active => {
                        path.push((edge, target));
                        return Err(describe_cycle(&path, target, pipelines));
                    }
                    Mark::Done => {}
                }
            } else {
                mark.insert(pid, Mark::Done);
                order.push(pid.clone());
                path.pop();
            }
        }
    }
    Ok(order)
}

/// The cycle that closes at `back_to`, in Go's words.
fn describe_cycle(
    path: &[(&Edge, &PipelineId)],
    back_to: &PipelineId,
    pipelines: &BTreeMap<PipelineId, Pipeline>,
) -> String {
    // The closing edge is last; the cycle starts after the edge that
    // entered `back_to` (or at the beginning when the walk started there).
    let entered = path.len().saturating_sub(1);
    let start = path
        .get(..entered)
        .unwrap_or_default()
        .iter()
        .position(|(_, p)| *p == back_to)
        .map_or(0, |i| i + 1);
    let cycle = path.get(start..).unwrap_or_default();
    let mut parts = Vec::new();
    for (edge, target) in cycle {
        parts.push(format!(
            "connector {:?} ({} to {})",
            edge.id.to_string(),
            edge.from,
            edge.to
        ));
        if let Some(p) = pipelines.get(*target) {
            for proc in &p.processors {
                parts.push(format!(
                    "processor {:?} in pipeline {:?}",
                    proc.to_string(),
                    target.to_string()
                ));
            }
        }
    }
    if let Some((edge, _)) = cycle.first() {
        parts.push(format!(
            "connector {:?} ({} to {})",
            edge.id.to_string(),
            edge.from,
            edge.to
        ));
    }
    format!("cycle detected: {}", parts.join(" -> "))
}
