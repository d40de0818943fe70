//! The deprecated `include` / `exclude` blocks of `spans`, `metrics` and
//! `logs`, matched with `otelcol-attraction` (Go's `internal/filter`).

use otelcol_attraction::{
    AttributeMatchConfig, LogSeverityNumberConfig, MatchConfig, MatchError, MatchProperties, Matcher,
    RegexpConfig,
};
use otelcol_component::ConfigError;
use otelcol_component::proto::common::v1::InstrumentationScope;
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::Span;
use serde::{Deserialize, Deserializer, Serialize};

/// `metrics.include` / `metrics.exclude` (Go `filterconfig.MetricMatchProperties`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricMatchProperties {
    /// `strict` or `regexp` (`expr` is refused). Default: empty.
    pub match_type: String,
    /// Regexp options; accepted, no effect. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub regexp: Option<RegexpConfig>,
    /// Metric names or patterns. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub metric_names: Vec<String>,
    /// `expr` expressions: refused. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expressions: Vec<String>,
    /// Resource attributes that must all match. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_attributes: Vec<AttributeMatchConfig>,
}

/// `logs.include` / `logs.exclude` (Go `filterprocessor.LogMatchProperties`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogMatchProperties {
    /// `strict` or `regexp`. Default: empty.
    pub match_type: String,
    /// Resource attributes that must all match. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_attributes: Vec<AttributeMatchConfig>,
    /// Record attributes that must all match. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub record_attributes: Vec<AttributeMatchConfig>,
    /// Severity texts, one of which must match. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub severity_texts: Vec<String>,
    /// A minimum severity. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_number: Option<LogSeverityNumberMatch>,
    /// Bodies (as strings), one of which must match. Default: empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bodies: Vec<String>,
}

/// `severity_number: {min, match_undefined}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSeverityNumberMatch {
    /// Lowest severity: a short name (`INFO`, `warn2`, case-insensitive) or a
    /// number `1`..`24`. Default: empty (no minimum).
    #[serde(deserialize_with = "string_or_number")]
    pub min: String,
    /// Whether records with no severity match. Default: false.
    pub match_undefined: bool,
}

fn string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        S(String),
        N(i64),
    }
    Ok(match Raw::deserialize(d)? {
        Raw::S(s) => s,
        Raw::N(n) => n.to_string(),
    })
}

const SEVERITIES: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"];

/// Go's `severityToNumber`: `"1"`..`"24"` and `TRACE`..`FATAL4`.
pub(crate) fn severity_number(s: &str) -> Option<i32> {
    let up = s.to_ascii_uppercase();
    if let Ok(n) = up.parse::<i32>() {
        return (1..=24).contains(&n).then_some(n);
    }
    SEVERITIES.iter().zip(0..).find_map(|(name, i)| {
        let rest = up.strip_prefix(name)?;
        let step = match rest {
            "" => 1,
            "2" => 2,
            "3" => 3,
            "4" => 4,
            _ => return None,
        };
        Some(i * 4 + step)
    })
}

impl LogMatchProperties {
    fn is_empty(&self) -> bool {
        self.resource_attributes.is_empty()
            && self.record_attributes.is_empty()
            && self.severity_texts.is_empty()
            && self.bodies.is_empty()
            && self.severity_number.is_none()
    }

    fn to_match_properties(&self, key: &str) -> Result<MatchProperties, ConfigError> {
        let log_severity_number = match &self.severity_number {
            None => None,
            Some(n) if n.min.is_empty() => None,
            Some(n) => Some(LogSeverityNumberConfig {
                min: severity_number(&n.min).ok_or_else(|| {
                    ConfigError::at(
                        format!("{key}::severity_number::min"),
                        format!("'{}' is not a valid severity: not a valid severity", n.min),
                    )
                })?,
                match_undefined: n.match_undefined,
            }),
        };
        Ok(MatchProperties {
            match_type: self.match_type.clone(),
            resources: self.resource_attributes.clone(),
            attributes: self.record_attributes.clone(),
            log_severity_texts: self.severity_texts.clone(),
            log_bodies: self.bodies.clone(),
            log_severity_number,
            ..Default::default()
        })
    }
}

fn at(key: &str) -> impl Fn(MatchError) -> ConfigError + '_ {
    move |e| match e.block() {
        Some(block) => ConfigError::at(format!("{key}::{block}"), e.message()),
        None => ConfigError::at(key, e.message()),
    }
}

/// The span matcher of `spans: {include, exclude}`, if configured.
pub(crate) fn span_matcher(cfg: &MatchConfig) -> Result<Option<Matcher>, ConfigError> {
    if cfg.is_empty() {
        return Ok(None);
    }
    Matcher::for_spans(cfg).map(Some).map_err(at("spans"))
}

/// The log matcher of `logs: {include, exclude}`, if configured.
pub(crate) fn log_matcher(
    include: Option<&LogMatchProperties>,
    exclude: Option<&LogMatchProperties>,
) -> Result<Option<Matcher>, ConfigError> {
    let block = |p: Option<&LogMatchProperties>, key: &str| -> Result<Option<MatchProperties>, ConfigError> {
        p.filter(|p| !p.is_empty())
            .map(|p| p.to_match_properties(key))
            .transpose()
    };
    let cfg = MatchConfig {
        include: block(include, "logs::include")?,
        exclude: block(exclude, "logs::exclude")?,
    };
    if cfg.is_empty() {
        return Ok(None);
    }
    Matcher::for_logs(&cfg).map(Some).map_err(at("logs"))
}

/// Matchers of `metrics: {include, exclude}`: metric names, and resource attributes.
#[derive(Clone, Debug, Default)]
pub(crate) struct MetricMatchers {
    /// Metric names (Go `filtermetric`).
    pub(crate) names: Option<Matcher>,
    /// Resource attributes (Go `newSkipResExpr`).
    pub(crate) resources: Option<Matcher>,
}

impl MetricMatchers {
    /// True if the resource is to be dropped.
    pub(crate) fn drop_resource(&self, r: Option<&Resource>) -> bool {
        self.resources
            .as_ref()
            .is_some_and(|m| !m.matches_span(r, None, &Span::default()))
    }

    /// True if the metric is to be dropped.
    pub(crate) fn drop_metric(
        &self,
        r: Option<&Resource>,
        s: Option<&InstrumentationScope>,
        m: &otelcol_component::proto::metrics::v1::Metric,
    ) -> bool {
        self.names.as_ref().is_some_and(|x| !x.matches_metric(r, s, m))
    }
}

/// Builds the metric matchers, refusing `match_type: expr`.
pub(crate) fn metric_matchers(
    include: Option<&MetricMatchProperties>,
    exclude: Option<&MetricMatchProperties>,
) -> Result<MetricMatchers, ConfigError> {
    for (p, key) in [(include, "metrics::include"), (exclude, "metrics::exclude")] {
        if let Some(p) = p {
            if p.match_type == "expr" || !p.expressions.is_empty() {
                return Err(ConfigError::at(
                    format!("{key}::match_type"),
                    "match_type \"expr\" is not supported; use OTTL conditions (metrics::metric / metric_conditions)",
                ));
            }
        }
    }
    // Go treats an include/exclude that names no metric and no resource
    // attribute (`include: {match_type: strict}`) as absent: a no-op.
    let given = |p: &&MetricMatchProperties| !p.metric_names.is_empty() || !p.resource_attributes.is_empty();
    let (include, exclude) = (include.filter(given), exclude.filter(given));
    let names = |p: Option<&MetricMatchProperties>| {
        p.map(|p| MatchProperties {
            match_type: p.match_type.clone(),
            metric_names: p.metric_names.clone(),
            resources: p.resource_attributes.clone(),
            ..Default::default()
        })
    };
    let name_cfg = MatchConfig {
        include: names(include),
        exclude: names(exclude),
    };
    let names = if name_cfg.is_empty() {
        None
    } else {
        Some(Matcher::for_metrics(&name_cfg).map_err(at("metrics"))?).filter(|m| !m.matches_everything())
    };
    let res = |p: Option<&MetricMatchProperties>| {
        p.filter(|p| !p.resource_attributes.is_empty())
            .map(|p| MatchProperties {
                match_type: p.match_type.clone(),
                resources: p.resource_attributes.clone(),
                ..Default::default()
            })
    };
    let res_cfg = MatchConfig {
        include: res(include),
        exclude: res(exclude),
    };
    let resources = if res_cfg.is_empty() {
        None
    } else {
        Some(Matcher::for_spans(&res_cfg).map_err(at("metrics"))?)
    };
    Ok(MetricMatchers { names, resources })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_names_and_numbers() {
        assert_eq!(severity_number("info"), Some(9));
        assert_eq!(severity_number("WARN2"), Some(14));
        assert_eq!(severity_number("FATAL4"), Some(24));
        assert_eq!(severity_number("TRACE"), Some(1));
        assert_eq!(severity_number("17"), Some(17));
        assert_eq!(severity_number("25"), None);
        assert_eq!(severity_number("WARN5"), None);
        assert_eq!(severity_number("loud"), None);
    }
}
