//! The `include` / `exclude` config blocks (Go's `filterconfig.MatchConfig`).

use serde::{Deserialize, Serialize};

use crate::value::ConfigValue;

/// `include` and `exclude`, each optional. An item is processed when it
/// matches `include` (if given) and does not match `exclude` (if given).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchConfig {
    /// Only items matching these properties are processed. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<MatchProperties>,
    /// Items matching these properties are not processed; checked after
    /// `include`. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MatchProperties>,
}

impl MatchConfig {
    /// True when neither `include` nor `exclude` is set.
    pub fn is_empty(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }
}

/// Properties an item must all match. Which ones are allowed depends on the
/// signal (checked when the matcher is built, with Go's messages).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MatchProperties {
    /// `strict` (exact string equality) or `regexp` (unanchored RE2-style
    /// regular expressions). Required wherever a list is matched. Default: empty.
    pub match_type: String,

    /// Options for `match_type: regexp` (accepted; see the crate README).
    /// Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regexp: Option<RegexpConfig>,

    /// Spans only: the resource's `service.name` must match one item.
    /// Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<String>,

    /// Spans only: the span name must match one item. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub span_names: Vec<String>,

    /// Spans only: the span kind (`SPAN_KIND_SERVER`...) must match one item.
    /// Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub span_kinds: Vec<String>,

    /// Logs only: the body (as a string) must match one item. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_bodies: Vec<String>,

    /// Logs only: the severity text must match one item. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub log_severity_texts: Vec<String>,

    /// Logs only: a minimum severity number. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_severity_number: Option<LogSeverityNumberConfig>,

    /// Metrics only: the metric name must match one item. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric_names: Vec<String>,

    /// Spans and logs: every listed attribute must be present (and match its
    /// value, if given). Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeMatchConfig>,

    /// Every listed resource attribute must be present (and match its value,
    /// if given). Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<AttributeMatchConfig>,

    /// Spans and logs: the instrumentation scope must match every item.
    /// Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub libraries: Vec<LibraryMatchConfig>,
}

/// `regexp:` options of a match block.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RegexpConfig {
    /// Cache match results. Accepted for compatibility; no effect. Default: false.
    pub cacheenabled: bool,
    /// Cache size (0 = unbounded in Go). Accepted; no effect. Default: 0.
    pub cachemaxnumentries: i64,
}

/// One `attributes` / `resources` entry.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributeMatchConfig {
    /// The attribute key; must not be empty. Default: empty.
    pub key: String,
    /// The value to match: compared by type and value with `strict`, a
    /// regular expression (must be a string) with `regexp`. Unset means the
    /// key only has to be present. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<ConfigValue>,
}

/// One `libraries` entry: an instrumentation scope.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LibraryMatchConfig {
    /// The scope name. Default: empty.
    pub name: String,
    /// The scope version; unset matches any version, `""` only an empty one.
    /// Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// `log_severity_number:`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSeverityNumberConfig {
    /// Lowest severity number that matches (9 = INFO, 13 = WARN, 17 = ERROR).
    /// Default: 0.
    pub min: i32,
    /// Whether records with an unspecified severity (0) match. Default: false.
    pub match_undefined: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key() {
        let yaml = r#"
include:
  match_type: regexp
  regexp: {cacheenabled: true, cachemaxnumentries: 10}
  services: [svc]
  span_names: [name]
  span_kinds: [SPAN_KIND_SERVER]
  log_bodies: [body]
  log_severity_texts: [info]
  log_severity_number: {min: 9, match_undefined: true}
  metric_names: [m]
  attributes: [{key: a, value: 1}, {key: b}]
  resources: [{key: r, value: x}]
  libraries: [{name: lib, version: "1.0"}, {name: other}]
"#;
        let c: MatchConfig = serde_yaml::from_str(yaml).unwrap();
        let p = c.include.unwrap();
        assert_eq!(p.match_type, "regexp");
        assert_eq!(
            p.regexp,
            Some(RegexpConfig {
                cacheenabled: true,
                cachemaxnumentries: 10
            })
        );
        assert_eq!(p.span_kinds, vec!["SPAN_KIND_SERVER"]);
        assert_eq!(
            p.log_severity_number,
            Some(LogSeverityNumberConfig {
                min: 9,
                match_undefined: true
            })
        );
        assert_eq!(p.attributes[0].value, Some(ConfigValue::Int(1)));
        assert_eq!(p.attributes[1].value, None);
        assert_eq!(p.libraries[0].version.as_deref(), Some("1.0"));
        assert_eq!(p.libraries[1].version, None);
        assert!(c.exclude.is_none());
    }

    #[test]
    fn refuses_unknown_keys() {
        let err =
            serde_yaml::from_str::<MatchConfig>("include: {match_type: strict, span_name: [x]}").unwrap_err();
        assert!(err.to_string().contains("unknown field `span_name`"), "{err}");
    }
}
