//! The `routing` connector's config, with Go's keys, defaults and checks.

use otelcol_component::{ComponentConfig, ConfigError, PipelineId};
use otelcol_ottl::{Condition, ContextKind};
use serde::{Deserialize, Serialize};

use crate::request::RequestCondition;

/// What an error evaluating a condition does (Go's `error_mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorMode {
    /// The payload is refused with the error (default).
    #[default]
    Propagate,
    /// The error is logged and the data goes to the default pipelines.
    Ignore,
    /// As `ignore`, without the log.
    Silent,
}

/// One route of the table.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Route {
    /// `resource` (default), `span`, `metric`, `log` or `request`.
    pub context: String,
    /// The condition as an OTTL statement, `route() where <condition>`
    /// (not for the `request` context).
    pub statement: Option<String>,
    /// The condition (the only form the `request` context takes).
    pub condition: Option<String>,
    /// The pipelines the matching data goes to.
    pub pipelines: Vec<String>,
}

/// Config of the `routing` connector.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// Where data no route matches goes; none: it is dropped (and counted).
    pub default_pipelines: Vec<String>,
    /// What an evaluation error does.
    pub error_mode: ErrorMode,
    /// The routes, tried in order; the first match takes the data.
    pub table: Vec<Route>,
}

/// A route's condition, compiled.
#[derive(Clone, Debug)]
pub(crate) enum Matcher {
    /// The whole payload, by client metadata.
    Request(RequestCondition),
    /// An OTTL condition in `ContextKind` (resource, span, metric or log).
    Ottl(ContextKind, Condition),
}

fn pipeline_ids(list: &[String], key: &str) -> Result<Vec<PipelineId>, ConfigError> {
    list.iter()
        .map(|p| {
            p.parse::<PipelineId>()
                .map_err(|e| ConfigError::at(key, format!("invalid pipeline id {p:?}: {e}")))
        })
        .collect()
}

impl Route {
    /// The route's context, condition source and compiled matcher.
    pub(crate) fn compile(&self, index: usize) -> Result<Matcher, ConfigError> {
        let key = |k: &str| format!("table::{index}::{k}");
        let context = if self.context.is_empty() {
            "resource"
        } else {
            self.context.as_str()
        };
        let src = match (&self.statement, &self.condition) {
            (Some(_), Some(_)) => {
                return Err(ConfigError::at(
                    key("condition"),
                    "invalid route: both condition and statement provided",
                ));
            }
            (None, None) => {
                return Err(ConfigError::at(
                    key("condition"),
                    "invalid route: no condition or statement provided",
                ));
            }
            (Some(_), None) if context == "request" => {
                return Err(ConfigError::at(
                    key("statement"),
                    "invalid route: request context requires condition",
                ));
            }
            (Some(statement), None) => statement_condition(statement)
                .ok_or_else(|| {
                    ConfigError::at(
                        key("statement"),
                        format!(
                            "invalid route statement {statement:?}: expected `route() where <condition>`"
                        ),
                    )
                })?
                .to_string(),
            (None, Some(condition)) => condition.clone(),
        };
        if context == "request" {
            return RequestCondition::parse(&src)
                .map(Matcher::Request)
                .map_err(|e| ConfigError::at(key("condition"), e));
        }
        let kind = match ContextKind::from_name(context) {
            Some(
                k @ (ContextKind::Resource
                | ContextKind::Span
                | ContextKind::Metric
                | ContextKind::DataPoint
                | ContextKind::Log),
            ) => k,
            _ => {
                return Err(ConfigError::at(
                    key("context"),
                    format!("invalid context: {context}"),
                ));
            }
        };
        // `route()` alone (no `where`) matches everything.
        let src = if src.trim().is_empty() {
            "true".to_string()
        } else {
            src
        };
        let cond = Condition::parse(&src, kind).map_err(|e| {
            ConfigError::at(
                key("condition"),
                format!("unable to parse OTTL condition {src:?}: {e}"),
            )
        })?;
        Ok(Matcher::Ottl(kind, cond))
    }

    /// The route's pipelines.
    pub(crate) fn pipeline_ids(&self, index: usize) -> Result<Vec<PipelineId>, ConfigError> {
        if self.pipelines.is_empty() {
            return Err(ConfigError::at(
                format!("table::{index}::pipelines"),
                "invalid route: no pipelines defined",
            ));
        }
        pipeline_ids(&self.pipelines, &format!("table::{index}::pipelines"))
    }
}

/// The condition of `route() where <condition>`; `route()` alone is the
/// empty condition.
fn statement_condition(statement: &str) -> Option<&str> {
    let rest = statement.trim().strip_prefix("route")?.trim_start();
    let rest = rest.strip_prefix('(')?.trim_start().strip_prefix(')')?.trim();
    if rest.is_empty() {
        return Some("");
    }
    let cond = rest.strip_prefix("where")?;
    cond.starts_with(char::is_whitespace).then(|| cond.trim())
}

impl RoutingConfig {
    /// The default pipelines.
    pub(crate) fn default_ids(&self) -> Result<Vec<PipelineId>, ConfigError> {
        pipeline_ids(&self.default_pipelines, "default_pipelines")
    }
}

impl ComponentConfig for RoutingConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.table.is_empty() {
            return Err(ConfigError::at(
                "table",
                "invalid routing table: the routing table is empty",
            ));
        }
        self.default_ids()?;
        for (i, route) in self.table.iter().enumerate() {
            route.compile(i)?;
            route.pipeline_ids(i)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    /// `parse_config` decodes and validates, as the runtime does.
    fn refused(yaml: &str) -> String {
        parse_config::<RoutingConfig>(yaml).unwrap_err()
    }

    #[test]
    fn a_valid_table_with_every_form() {
        let cfg: RoutingConfig = parse_config(
            r#"
default_pipelines: [logs/other]
error_mode: ignore
table:
  - context: request
    condition: request["X-Tenant"] == "acme"
    pipelines: [logs/acme]
  - statement: route() where attributes["env"] == "prod"
    pipelines: [logs/prod]
  - context: log
    condition: severity_number < SEVERITY_NUMBER_ERROR
    pipelines: [logs/cheap, logs/other]
"#,
        )
        .unwrap();
        assert_eq!(cfg.error_mode, ErrorMode::Ignore);
        assert_eq!(cfg.table.len(), 3);
    }

    #[test]
    fn go_messages_for_bad_routes() {
        assert!(refused("table: []").contains("the routing table is empty"));
        let e = refused("table: [{condition: 'true'}]");
        assert!(
            e.contains("table::0::pipelines") && e.contains("no pipelines defined"),
            "{e}"
        );
        let e = refused("table: [{condition: 'true', statement: 'route()', pipelines: [logs]}]");
        assert!(e.contains("both condition and statement provided"), "{e}");
        let e = refused("table: [{pipelines: [logs]}]");
        assert!(e.contains("no condition or statement provided"), "{e}");
        let e = refused("table: [{context: request, statement: 'route()', pipelines: [logs]}]");
        assert!(e.contains("request context requires condition"), "{e}");
        let e = refused("table: [{context: nope, condition: 'true', pipelines: [logs]}]");
        assert!(e.contains("invalid context: nope"), "{e}");
        let e = refused(r#"table: [{condition: 'attributes["x" ==', pipelines: [logs]}]"#);
        assert!(
            e.contains("table::0::condition") && e.contains("unable to parse OTTL condition"),
            "{e}"
        );
        let e = refused("table: [{condition: 'true', pipelines: [nosignal/x]}]");
        assert!(e.contains("invalid pipeline id"), "{e}");
        // Removed from Go in v0.120: an unknown key now.
        let e = parse_config::<RoutingConfig>("match_once: true").unwrap_err();
        assert!(e.contains("match_once"), "{e}");
    }

    #[test]
    fn statements_are_route_where() {
        assert_eq!(statement_condition("route()"), Some(""));
        assert_eq!(statement_condition(" route ( ) where a == 1 "), Some("a == 1"));
        assert_eq!(statement_condition("route() wherea"), None);
        assert_eq!(statement_condition("set(x, 1)"), None);
    }
}
