//! Turns a [`FilterConfig`] into evaluation passes; used by `validate` (so a
//! bad condition never reaches runtime) and by the factory.

use otelcol_attraction::Matcher;
use otelcol_component::{ConfigError, Signal};

use crate::config::{ConditionsEntry, ErrorMode, FilterConfig};
use crate::legacy::{MetricMatchers, log_matcher, metric_matchers, span_matcher};
use crate::ottl::{Condition, ContextKind, EvalCtx, EvalError, parse_inferred};

const TRACE_CONTEXTS: [ContextKind; 4] = [
    ContextKind::Resource,
    ContextKind::Scope,
    ContextKind::Span,
    ContextKind::SpanEvent,
];
const METRIC_CONTEXTS: [ContextKind; 4] = [
    ContextKind::Resource,
    ContextKind::Scope,
    ContextKind::Metric,
    ContextKind::DataPoint,
];
const LOG_CONTEXTS: [ContextKind; 3] = [ContextKind::Resource, ContextKind::Scope, ContextKind::Log];

/// Conditions of one context, ORed, with the error mode that applies to them
/// (Go `ottl.ConditionSequence`).
#[derive(Clone, Debug)]
pub(crate) struct CondSeq {
    pub(crate) conditions: Vec<Condition>,
    pub(crate) mode: ErrorMode,
}

impl CondSeq {
    /// True if any condition matches. An evaluation error fails the sequence
    /// with `propagate`, is logged and skipped with `ignore`, and skipped with `silent`.
    pub(crate) fn matches(&self, ctx: &EvalCtx<'_>) -> Result<bool, EvalError> {
        for c in &self.conditions {
            match c.eval(ctx) {
                Ok(true) => return Ok(true),
                Ok(false) => {}
                Err(e) => match self.mode {
                    ErrorMode::Propagate => {
                        return Err(EvalError::new(format!(
                            "failed to eval condition: {}: {e}",
                            c.source()
                        )));
                    }
                    ErrorMode::Ignore => tracing::warn!(
                        condition = c.source(),
                        error = %e,
                        "failed to eval condition; treating it as not matched"
                    ),
                    ErrorMode::Silent => {}
                },
            }
        }
        Ok(false)
    }
}

/// One traversal of a payload: conditions per level (a match drops the
/// item and everything under it) and a deprecated include/exclude matcher.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pass {
    pub(crate) resource: Option<CondSeq>,
    pub(crate) scope: Option<CondSeq>,
    /// Spans, metrics or log records.
    pub(crate) item: Option<CondSeq>,
    /// Span events or data points.
    pub(crate) sub: Option<CondSeq>,
    pub(crate) legacy: Option<Legacy>,
}

/// The deprecated include/exclude matching of a pass.
#[derive(Clone, Debug)]
pub(crate) enum Legacy {
    /// Spans or log records (`spans`, `logs.include`/`logs.exclude`).
    Items(Box<Matcher>),
    /// Metrics (`metrics.include`/`metrics.exclude`).
    Metrics(Box<MetricMatchers>),
}

impl Pass {
    fn with(ctx: ContextKind, seq: CondSeq) -> Self {
        let mut p = Pass {
            resource: None,
            scope: None,
            item: None,
            sub: None,
            legacy: None,
        };
        match ctx.depth() {
            0 => p.resource = Some(seq),
            1 => p.scope = Some(seq),
            2 => p.item = Some(seq),
            _ => p.sub = Some(seq),
        }
        p
    }
}

/// Everything the processor evaluates, per signal, in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub(crate) traces: Vec<Pass>,
    pub(crate) metrics: Vec<Pass>,
    pub(crate) logs: Vec<Pass>,
}

impl Plan {
    /// The passes of `signal`, in order.
    pub(crate) fn passes(&self, signal: Signal) -> &[Pass] {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }
}

fn parse_err(key: String, src: &str, e: impl std::fmt::Display) -> ConfigError {
    ConfigError::at(key, format!("unable to parse OTTL condition {src:?}: {e}"))
}

/// A legacy per-context list (`traces::span`), or `None` when empty.
fn list(
    conds: &[String],
    ctx: ContextKind,
    key: &str,
    mode: ErrorMode,
) -> Result<Option<CondSeq>, ConfigError> {
    if conds.is_empty() {
        return Ok(None);
    }
    let conditions = conds
        .iter()
        .enumerate()
        .map(|(i, src)| Condition::parse(src, ctx).map_err(|e| parse_err(format!("{key}::{i}"), src, e)))
        .collect::<Result<_, _>>()?;
    Ok(Some(CondSeq { conditions, mode }))
}

/// `*_conditions`: one pass per group (all plain strings form one group).
fn groups(
    entries: &[ConditionsEntry],
    key: &str,
    allowed: &[ContextKind],
    mode: ErrorMode,
) -> Result<Vec<Pass>, ConfigError> {
    let flat: Vec<String> = entries
        .iter()
        .filter_map(|e| match e {
            ConditionsEntry::Condition(s) => Some(s.clone()),
            ConditionsEntry::Group(_) => None,
        })
        .collect();
    if !flat.is_empty() && flat.len() != entries.len() {
        return Err(ConfigError::at(
            key,
            "configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration",
        ));
    }
    let inferred = |conds: &[String], at: &dyn Fn(usize) -> String| {
        parse_inferred(conds, allowed).map_err(|g| {
            let src = conds.get(g.index).map_or("", String::as_str);
            parse_err(at(g.index), src, g.error)
        })
    };
    if !flat.is_empty() {
        let (ctx, conditions) = inferred(&flat, &|i| format!("{key}::{i}"))?;
        return Ok(vec![Pass::with(ctx, CondSeq { conditions, mode })]);
    }
    let mut passes = Vec::new();
    for (g, entry) in entries.iter().enumerate() {
        let ConditionsEntry::Group(group) = entry else {
            continue;
        };
        if group.conditions.is_empty() {
            continue;
        }
        let mode = group.error_mode.unwrap_or(mode);
        let at = |i: usize| format!("{key}::{g}::conditions::{i}");
        let (ctx, conditions) = match &group.context {
            Some(name) => {
                let ctx = ContextKind::from_name(name)
                    .filter(|c| allowed.contains(c))
                    .ok_or_else(|| {
                        let names: Vec<&str> = allowed.iter().map(|c| c.name()).collect();
                        ConfigError::at(
                            format!("{key}::{g}::context"),
                            format!("unknown context {name:?}; expected one of {}", names.join(", ")),
                        )
                    })?;
                let conditions = group
                    .conditions
                    .iter()
                    .enumerate()
                    .map(|(i, src)| Condition::parse(src, ctx).map_err(|e| parse_err(at(i), src, e)))
                    .collect::<Result<_, _>>()?;
                (ctx, conditions)
            }
            None => inferred(&group.conditions, &at)?,
        };
        passes.push(Pass::with(ctx, CondSeq { conditions, mode }));
    }
    Ok(passes)
}

fn exclusive(cfg: &FilterConfig) -> Result<(), ConfigError> {
    let (t, m, l) = (&cfg.traces, &cfg.metrics, &cfg.logs);
    let t_lists = !(t.resource.is_empty() && t.span.is_empty() && t.spanevent.is_empty());
    let m_lists = !(m.resource.is_empty() && m.metric.is_empty() && m.datapoint.is_empty());
    let m_match = m.include.is_some() || m.exclude.is_some();
    let l_lists = !(l.resource.is_empty() && l.log_record.is_empty());
    let l_match = l.include.is_some() || l.exclude.is_some();
    let checks = [
        (
            !cfg.trace_conditions.is_empty() && t_lists,
            r#"cannot use context inferred trace conditions "trace_conditions" and the settings "traces.resource", "traces.span", "traces.spanevent" at the same time"#,
        ),
        (
            !cfg.trace_conditions.is_empty() && !cfg.spans.is_empty(),
            r#"cannot use context inferred trace conditions "trace_conditions" and the span settings "spans.include", "spans.exclude" at the same time"#,
        ),
        (
            !cfg.metric_conditions.is_empty() && (m_lists || m_match),
            r#"cannot use context inferred metric conditions "metric_conditions" and the settings "metrics.resource", "metrics.metric", "metrics.datapoint", "metrics.include", "metrics.exclude" at the same time"#,
        ),
        (
            !cfg.log_conditions.is_empty() && (l_lists || l_match),
            r#"cannot use context inferred log conditions "log_conditions" and the settings "logs.resource", "logs.log", "logs.include", "logs.exclude" at the same time"#,
        ),
        (
            t_lists && !cfg.spans.is_empty(),
            r#"cannot use "traces.resource", "traces.span", "traces.spanevent" and the span settings "spans.include", "spans.exclude" at the same time"#,
        ),
        (
            m_lists && m_match,
            r#"cannot use "metrics.resource", "metrics.metric", "metrics.datapoint" and the settings "metrics.include", "metrics.exclude" at the same time"#,
        ),
        (
            l_lists && l_match,
            r#"cannot use "logs.resource", "logs.log" and the settings "logs.include", "logs.exclude" at the same time"#,
        ),
    ];
    match checks.iter().find(|(bad, _)| *bad) {
        Some((_, msg)) => Err(ConfigError::new(*msg)),
        None => Ok(()),
    }
}

/// Validates and compiles the whole config.
pub(crate) fn compile(cfg: &FilterConfig) -> Result<Plan, ConfigError> {
    exclusive(cfg)?;
    let mode = cfg.error_mode;
    let mut plan = Plan::default();

    if !cfg.trace_conditions.is_empty() {
        plan.traces = groups(&cfg.trace_conditions, "trace_conditions", &TRACE_CONTEXTS, mode)?;
    } else {
        let t = &cfg.traces;
        let pass = Pass {
            resource: list(&t.resource, ContextKind::Resource, "traces::resource", mode)?,
            scope: None,
            item: list(&t.span, ContextKind::Span, "traces::span", mode)?,
            sub: list(&t.spanevent, ContextKind::SpanEvent, "traces::spanevent", mode)?,
            legacy: span_matcher(&cfg.spans)?.map(|m| Legacy::Items(Box::new(m))),
        };
        push_if_any(&mut plan.traces, pass);
    }

    if !cfg.metric_conditions.is_empty() {
        plan.metrics = groups(
            &cfg.metric_conditions,
            "metric_conditions",
            &METRIC_CONTEXTS,
            mode,
        )?;
    } else {
        let m = &cfg.metrics;
        let legacy = metric_matchers(m.include.as_ref(), m.exclude.as_ref())?;
        let pass = Pass {
            resource: list(&m.resource, ContextKind::Resource, "metrics::resource", mode)?,
            scope: None,
            item: list(&m.metric, ContextKind::Metric, "metrics::metric", mode)?,
            sub: list(&m.datapoint, ContextKind::DataPoint, "metrics::datapoint", mode)?,
            legacy: (legacy.names.is_some() || legacy.resources.is_some())
                .then(|| Legacy::Metrics(Box::new(legacy))),
        };
        push_if_any(&mut plan.metrics, pass);
    }

    if !cfg.log_conditions.is_empty() {
        plan.logs = groups(&cfg.log_conditions, "log_conditions", &LOG_CONTEXTS, mode)?;
    } else {
        let l = &cfg.logs;
        let pass = Pass {
            resource: list(&l.resource, ContextKind::Resource, "logs::resource", mode)?,
            scope: None,
            item: list(&l.log_record, ContextKind::Log, "logs::log_record", mode)?,
            sub: None,
            legacy: log_matcher(l.include.as_ref(), l.exclude.as_ref())?.map(|m| Legacy::Items(Box::new(m))),
        };
        push_if_any(&mut plan.logs, pass);
    }
    Ok(plan)
}

fn push_if_any(passes: &mut Vec<Pass>, p: Pass) {
    if p.resource.is_some() || p.scope.is_some() || p.item.is_some() || p.sub.is_some() || p.legacy.is_some()
    {
        passes.push(p);
    }
}
