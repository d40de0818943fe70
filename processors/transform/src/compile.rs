//! Turns a [`TransformConfig`] into statement groups; used by `validate`
//! (so a bad statement never reaches runtime) and by the factory.

use otelcol_component::{ConfigError, Signal};

use crate::config::{ContextStatements, ErrorMode, StatementsEntry, TransformConfig};
use crate::ottl::{
    Condition, ContextKind, EvalCtx, EvalError, GroupPart, ParseError, Statement, parse_statements_inferred,
};

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

/// A compiled group (Go `common.ContextStatements` after parsing).
#[derive(Clone, Debug)]
pub(crate) struct Group {
    pub(crate) context: ContextKind,
    pub(crate) conditions: Vec<Condition>,
    pub(crate) statements: Vec<Statement>,
    pub(crate) mode: ErrorMode,
}

impl Group {
    /// Whether the group's statements run on the item: true without
    /// conditions, else if any condition holds. A failing condition fails
    /// with `propagate` and counts as false otherwise (logged with `ignore`).
    pub(crate) fn gate(&self, ctx: &EvalCtx<'_>) -> Result<bool, EvalError> {
        if self.conditions.is_empty() {
            return Ok(true);
        }
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
                    ErrorMode::Ignore => {
                        tracing::warn!(condition = c.source(), error = %e, "failed to eval condition")
                    }
                    ErrorMode::Silent => {}
                },
            }
        }
        Ok(false)
    }
}

/// Every group, per signal, in config order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Plan {
    pub(crate) traces: Vec<Group>,
    pub(crate) metrics: Vec<Group>,
    pub(crate) logs: Vec<Group>,
}

impl Plan {
    /// The groups of `signal`.
    pub(crate) fn groups(&self, signal: Signal) -> &[Group] {
        match signal {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        }
    }
}

/// `unable to parse OTTL statement "...": <why> (column N)`, at `key`.
fn parse_err(key: String, what: &str, src: &str, e: &ParseError) -> ConfigError {
    let column = src.get(..e.pos).map_or(e.pos, |s| s.chars().count()) + 1;
    ConfigError::at(
        key,
        format!(
            "unable to parse OTTL {what} {src:?}: {} (column {column})",
            e.message
        ),
    )
}

fn group(
    g: &ContextStatements,
    at: &dyn Fn(GroupPart, usize) -> String,
    context_key: String,
    allowed: &[ContextKind],
    mode: ErrorMode,
) -> Result<Group, ConfigError> {
    let mode = g.error_mode.unwrap_or(mode);
    match &g.context {
        Some(name) => {
            let context = ContextKind::from_name(name)
                .filter(|c| allowed.contains(c))
                .ok_or_else(|| {
                    let names: Vec<&str> = allowed.iter().map(|c| c.name()).collect();
                    ConfigError::at(
                        context_key,
                        format!("unknown context {name:?}; expected one of {}", names.join(", ")),
                    )
                })?;
            let statements = g
                .statements
                .iter()
                .enumerate()
                .map(|(i, src)| {
                    Statement::parse(src, context)
                        .map_err(|e| parse_err(at(GroupPart::Statements, i), "statement", src, &e))
                })
                .collect::<Result<_, _>>()?;
            let conditions = g
                .conditions
                .iter()
                .enumerate()
                .map(|(i, src)| {
                    Condition::parse(src, context)
                        .map_err(|e| parse_err(at(GroupPart::Conditions, i), "condition", src, &e))
                })
                .collect::<Result<_, _>>()?;
            Ok(Group {
                context,
                conditions,
                statements,
                mode,
            })
        }
        None => {
            let (context, statements, conditions) =
                parse_statements_inferred(&g.statements, &g.conditions, allowed).map_err(|e| {
                    let (list, what) = match e.part {
                        GroupPart::Statements => (&g.statements, "statement"),
                        GroupPart::Conditions => (&g.conditions, "condition"),
                    };
                    let src = list.get(e.index).map_or("", String::as_str);
                    parse_err(at(e.part, e.index), what, src, &e.error)
                })?;
            Ok(Group {
                context,
                conditions,
                statements,
                mode,
            })
        }
    }
}

fn groups(
    entries: &[StatementsEntry],
    key: &str,
    allowed: &[ContextKind],
    mode: ErrorMode,
) -> Result<Vec<Group>, ConfigError> {
    let flat: Vec<String> = entries
        .iter()
        .filter_map(|e| match e {
            StatementsEntry::Statement(s) => Some(s.clone()),
            StatementsEntry::Group(_) => None,
        })
        .collect();
    if !flat.is_empty() && flat.len() != entries.len() {
        return Err(ConfigError::at(
            key,
            "configuring multiple configuration styles is not supported, please use only Basic configuration or only Advanced configuration",
        ));
    }
    if !flat.is_empty() {
        let g = ContextStatements {
            statements: flat,
            ..Default::default()
        };
        let at = |_: GroupPart, i: usize| format!("{key}::{i}");
        return Ok(vec![group(&g, &at, key.to_string(), allowed, mode)?]);
    }
    let mut out = Vec::new();
    for (n, entry) in entries.iter().enumerate() {
        let StatementsEntry::Group(g) = entry else {
            continue;
        };
        let at = |part: GroupPart, i: usize| match part {
            GroupPart::Statements => format!("{key}::{n}::statements::{i}"),
            GroupPart::Conditions => format!("{key}::{n}::conditions::{i}"),
        };
        if g.statements.is_empty() {
            continue;
        }
        out.push(group(g, &at, format!("{key}::{n}::context"), allowed, mode)?);
    }
    Ok(out)
}

/// Validates and compiles the whole config.
pub(crate) fn compile(cfg: &TransformConfig) -> Result<Plan, ConfigError> {
    let mode = cfg.error_mode;
    Ok(Plan {
        traces: groups(&cfg.trace_statements, "trace_statements", &TRACE_CONTEXTS, mode)?,
        metrics: groups(
            &cfg.metric_statements,
            "metric_statements",
            &METRIC_CONTEXTS,
            mode,
        )?,
        logs: groups(&cfg.log_statements, "log_statements", &LOG_CONTEXTS, mode)?,
    })
}
