//! Metric and label names: OTLP names and UCUM units to Prometheus names,
//! following `prometheus/otlptranslator` (the Go collector's translator) for
//! the `UnderscoreEscapingWithSuffixes` and `UnderscoreEscapingWithoutSuffixes`
//! strategies.
//!
//! With suffixes, a name is split into tokens of `[a-zA-Z0-9:]` (so every
//! run of other characters, `_` included, becomes one `_`), the unit suffix
//! is appended unless already a token (`s` → `seconds`, `By` → `bytes`,
//! `m/s` → `meters_per_second`, `{packets}` → nothing), monotonic counters
//! get `_total`, gauges with unit `1` get `_ratio`, and the namespace is
//! prefixed. Without suffixes, invalid characters become `_` and nothing is
//! added.

use std::fmt;

/// The Prometheus view of an OTLP metric's type, as far as naming cares.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricType {
    /// An OTLP gauge.
    Gauge,
    /// A monotonic OTLP sum (a Prometheus counter).
    MonotonicCounter,
    /// A non-monotonic OTLP sum (a Prometheus gauge).
    NonMonotonicCounter,
    /// An explicit-bucket histogram.
    Histogram,
    /// An exponential histogram.
    ExponentialHistogram,
    /// A summary.
    Summary,
}

/// Why a name could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NamingError {
    /// Normalization left nothing.
    #[error("normalization for metric {0:?} resulted in empty name")]
    EmptyMetricName(String),
    /// Normalization left only underscores.
    #[error("normalization for metric {name:?} resulted in invalid name {normalized:?}")]
    InvalidMetricName {
        /// The OTLP name.
        name: String,
        /// What normalization produced.
        normalized: String,
    },
    /// The attribute key is empty.
    #[error("label name is empty")]
    EmptyLabelName,
    /// Normalization left only underscores.
    #[error("normalization for label name {name:?} resulted in invalid name {normalized:?}")]
    InvalidLabelName {
        /// The attribute key.
        name: String,
        /// What normalization produced.
        normalized: String,
    },
}

/// UCUM main units and their Prometheus names.
const UNITS: &[(&str, &str)] = &[
    ("d", "days"),
    ("h", "hours"),
    ("min", "minutes"),
    ("s", "seconds"),
    ("ms", "milliseconds"),
    ("us", "microseconds"),
    ("ns", "nanoseconds"),
    ("By", "bytes"),
    ("KiBy", "kibibytes"),
    ("MiBy", "mebibytes"),
    ("GiBy", "gibibytes"),
    ("TiBy", "tibibytes"),
    ("KBy", "kilobytes"),
    ("MBy", "megabytes"),
    ("GBy", "gigabytes"),
    ("TBy", "terabytes"),
    ("m", "meters"),
    ("V", "volts"),
    ("A", "amperes"),
    ("J", "joules"),
    ("W", "watts"),
    ("g", "grams"),
    ("Cel", "celsius"),
    ("Hz", "hertz"),
    ("1", ""),
    ("%", "percent"),
    ("$", "dollars"),
];

/// UCUM "per" units (after `/`) and their Prometheus names (singular).
const PER_UNITS: &[(&str, &str)] = &[
    ("s", "second"),
    ("m", "minute"),
    ("h", "hour"),
    ("d", "day"),
    ("w", "week"),
    ("mo", "month"),
    ("y", "year"),
];

fn lookup<'a>(table: &[(&str, &'a str)], key: &'a str) -> &'a str {
    table.iter().find(|(k, _)| *k == key).map_or(key, |(_, v)| *v)
}

fn is_metric_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == ':'
}

/// The main and per-unit suffixes of a UCUM unit, before cleaning
/// (`m/s` → (`meters`, `per_second`)); annotations in braces give nothing.
pub fn unit_suffixes(unit: &str) -> (String, String) {
    let mut parts = unit.splitn(2, '/');
    let main = parts.next().unwrap_or("").trim();
    let main = if main.is_empty() || main.contains(['{', '}']) {
        String::new()
    } else {
        lookup(UNITS, main).to_string()
    };
    let per = match parts.next() {
        Some(p) if !p.trim().is_empty() && !p.trim().contains(['{', '}']) => {
            let p = lookup(PER_UNITS, p.trim());
            if p.is_empty() {
                String::new()
            } else {
                format!("per_{p}")
            }
        }
        _ => String::new(),
    };
    (main, per)
}

/// Replaces invalid characters with `_`, collapses runs of `_` and drops a
/// leading `_` (Go `cleanUpUnit`).
fn clean_unit(unit: &str) -> String {
    let mut out = String::with_capacity(unit.len());
    for c in unit.chars() {
        let c = if is_metric_char(c) { c } else { '_' };
        if c == '_' && out.ends_with('_') {
            continue;
        }
        out.push(c);
    }
    match out.strip_prefix('_') {
        Some(rest) => rest.to_string(),
        None => out,
    }
}

/// The Prometheus unit name of a UCUM unit (`By/s` → `bytes_per_second`),
/// as used in OpenMetrics `# UNIT` lines and remote-write metadata.
pub fn unit_name(unit: &str) -> String {
    let (main, per) = unit_suffixes(unit);
    let (main, per) = (clean_unit(&main), clean_unit(&per));
    let joined = match (main.is_empty(), per.is_empty()) {
        (false, false) => format!("{main}_{per}"),
        (false, true) => main,
        _ => per,
    };
    joined.trim_matches('_').to_string()
}

/// Splits on every character outside `keep`, dropping empty pieces (Go `strings.FieldsFunc`).
fn fields(s: &str, keep: impl Fn(char) -> bool) -> Vec<&str> {
    s.split(|c: char| !keep(c)).filter(|t| !t.is_empty()).collect()
}

/// Builds Prometheus metric names from OTLP name, unit and type.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MetricNamer {
    namespace: String,
    with_suffixes: bool,
}

impl MetricNamer {
    /// A namer prefixing `namespace` (sanitized; may be empty) and adding
    /// unit and type suffixes when `with_suffixes`.
    pub fn new(namespace: &str, with_suffixes: bool) -> Self {
        let namespace = fields(namespace, |c| is_metric_char(c) || c == '_').join("_");
        MetricNamer {
            namespace,
            with_suffixes,
        }
    }

    /// The sanitized namespace (empty when none).
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// `name` with the namespace prefix (used for `target_info`).
    pub fn prefixed(&self, name: &str) -> String {
        if self.namespace.is_empty() {
            name.to_string()
        } else {
            format!("{}_{name}", self.namespace)
        }
    }

    /// The Prometheus name of a metric.
    pub fn build(&self, name: &str, unit: &str, ty: MetricType) -> Result<String, NamingError> {
        let normalized = if self.with_suffixes {
            self.with_suffixes(name, unit, ty)
        } else {
            self.without_suffixes(name)
        };
        if normalized.is_empty() {
            return Err(NamingError::EmptyMetricName(name.to_string()));
        }
        if normalized != name && normalized.chars().all(|c| c == '_') {
            return Err(NamingError::InvalidMetricName {
                name: name.to_string(),
                normalized,
            });
        }
        Ok(normalized)
    }

    fn with_suffixes(&self, name: &str, unit: &str, ty: MetricType) -> String {
        let mut tokens: Vec<&str> = fields(name, is_metric_char);
        let (main, per) = unit_suffixes(unit);
        let (mut main, mut per) = (clean_unit(&main), clean_unit(&per));
        if tokens.contains(&main.as_str()) {
            main.clear();
        }
        if per == "per_" {
            per.clear();
        } else {
            if per.ends_with('_') {
                per.pop();
            }
            if tokens.contains(&per.as_str()) {
                per.clear();
            }
        }
        if !per.is_empty() && main.ends_with('_') {
            main.pop();
        }
        if !main.is_empty() {
            tokens.push(&main);
        }
        if !per.is_empty() {
            tokens.push(&per);
        }
        if ty == MetricType::MonotonicCounter {
            tokens.retain(|t| *t != "total");
            tokens.push("total");
        }
        if unit == "1" && ty == MetricType::Gauge {
            tokens.retain(|t| *t != "ratio");
            tokens.push("ratio");
        }
        if !self.namespace.is_empty() {
            tokens.insert(0, &self.namespace);
        }
        let joined = tokens.join("_");
        if joined.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{joined}")
        } else {
            joined
        }
    }

    fn without_suffixes(&self, name: &str) -> String {
        let metric = fields(name, |c| is_metric_char(c) || c == '_').join("_");
        if !self.namespace.is_empty() {
            return format!("{}_{metric}", self.namespace);
        }
        if metric.starts_with(|c: char| c.is_ascii_digit()) {
            format!("_{metric}")
        } else {
            metric
        }
    }
}

/// Sanitizes an attribute key into a Prometheus label name: characters
/// outside `[a-zA-Z0-9]` become `_` (runs collapsed), a leading digit gets the
/// prefix `key_`, and `__reserved__` names keep their double underscores.
pub fn sanitize_label_name(name: &str) -> Result<String, NamingError> {
    if name.is_empty() {
        return Err(NamingError::EmptyLabelName);
    }
    let reserved = name.len() >= 4 && name.starts_with("__") && name.ends_with("__");
    let inner = if reserved { &name[2..name.len() - 2] } else { name };
    let mut out = String::with_capacity(name.len() + 4);
    if reserved {
        out.push_str("__");
    }
    let mut prev_underscore = false;
    for c in inner.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            prev_underscore = false;
        } else if !prev_underscore {
            out.push('_');
            prev_underscore = true;
        }
    }
    if reserved {
        out.push_str("__");
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "key_");
    }
    if out.chars().all(|c| c == '_') {
        return Err(NamingError::InvalidLabelName {
            name: name.to_string(),
            normalized: out,
        });
    }
    Ok(out)
}

/// True if `name` is a valid classic Prometheus label name.
pub fn is_valid_label_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl fmt::Display for MetricType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(name: &str, unit: &str, ty: MetricType) -> String {
        MetricNamer::new("", true).build(name, unit, ty).unwrap()
    }

    #[test]
    fn unit_suffixes_from_ucum() {
        use MetricType::*;
        assert_eq!(
            with("system.filesystem.usage", "By", Gauge),
            "system_filesystem_usage_bytes"
        );
        assert_eq!(
            with("http.server.duration", "s", Histogram),
            "http_server_duration_seconds"
        );
        assert_eq!(with("latency", "ms", Gauge), "latency_milliseconds");
        assert_eq!(with("mem", "KiBy", Gauge), "mem_kibibytes");
        assert_eq!(with("cpu", "%", Gauge), "cpu_percent");
        assert_eq!(with("temp", "Cel", Gauge), "temp_celsius");
        assert_eq!(with("freq", "Hz", Gauge), "freq_hertz");
        assert_eq!(with("cost", "$", Gauge), "cost_dollars");
        assert_eq!(with("speed", "m/s", Gauge), "speed_meters_per_second");
        assert_eq!(with("throughput", "By/s", Gauge), "throughput_bytes_per_second");
        assert_eq!(with("packets", "{packets}", MonotonicCounter), "packets_total");
        assert_eq!(with("rate", "{req}/s", Gauge), "rate_per_second");
        assert_eq!(with("weird", "foo/bar", Gauge), "weird_foo_per_bar");
    }

    #[test]
    fn type_suffixes() {
        use MetricType::*;
        assert_eq!(with("requests", "1", MonotonicCounter), "requests_total");
        assert_eq!(with("total.requests", "", MonotonicCounter), "requests_total");
        assert_eq!(with("utilization", "1", Gauge), "utilization_ratio");
        assert_eq!(with("utilization.ratio", "1", Gauge), "utilization_ratio");
        assert_eq!(with("queue", "1", NonMonotonicCounter), "queue");
        assert_eq!(with("sent", "By", MonotonicCounter), "sent_bytes_total");
        assert_eq!(with("up.down", "", NonMonotonicCounter), "up_down");
    }

    #[test]
    fn unit_already_in_name_is_not_repeated() {
        assert_eq!(
            with("request.duration.seconds", "s", MetricType::Histogram),
            "request_duration_seconds"
        );
        assert_eq!(
            with("bytes_sent", "By", MetricType::MonotonicCounter),
            "bytes_sent_total"
        );
    }

    #[test]
    fn invalid_characters_collapse() {
        use MetricType::*;
        assert_eq!(with("a..b__c--d", "", Gauge), "a_b_c_d");
        assert_eq!(with("_leading.and.trailing_", "", Gauge), "leading_and_trailing");
        assert_eq!(with("with:colon", "", Gauge), "with:colon");
        assert_eq!(with("2xx.count", "", Gauge), "_2xx_count");
        assert_eq!(with("héllo wörld", "", Gauge), "h_llo_w_rld");
    }

    #[test]
    fn namespace_prefix() {
        let n = MetricNamer::new("app", true);
        assert_eq!(
            n.build("requests", "", MetricType::MonotonicCounter).unwrap(),
            "app_requests_total"
        );
        assert_eq!(n.prefixed("target_info"), "app_target_info");
        let n = MetricNamer::new("my-app", false);
        assert_eq!(n.namespace(), "my_app");
        assert_eq!(n.build("x.y", "s", MetricType::Gauge).unwrap(), "my_app_x_y");
    }

    #[test]
    fn without_suffixes() {
        let n = MetricNamer::new("", false);
        assert_eq!(
            n.build("http.server.duration", "s", MetricType::Histogram)
                .unwrap(),
            "http_server_duration"
        );
        assert_eq!(
            n.build("requests", "1", MetricType::MonotonicCounter).unwrap(),
            "requests"
        );
        assert_eq!(n.build("a__b", "", MetricType::Gauge).unwrap(), "a__b");
        assert_eq!(n.build("9lives", "", MetricType::Gauge).unwrap(), "_9lives");
    }

    #[test]
    fn empty_names_are_errors() {
        let n = MetricNamer::new("", true);
        assert!(matches!(
            n.build("", "", MetricType::Gauge),
            Err(NamingError::EmptyMetricName(_))
        ));
        assert!(n.build("...", "", MetricType::Gauge).is_err());
    }

    #[test]
    fn label_names() {
        assert_eq!(sanitize_label_name("http.method").unwrap(), "http_method");
        assert_eq!(sanitize_label_name("2 cents").unwrap(), "key_2_cents");
        assert_eq!(sanitize_label_name("a..b").unwrap(), "a_b");
        assert_eq!(sanitize_label_name("a__b").unwrap(), "a_b");
        assert_eq!(sanitize_label_name("_private").unwrap(), "_private");
        assert_eq!(sanitize_label_name("__name__").unwrap(), "__name__");
        assert_eq!(sanitize_label_name("__a.b__").unwrap(), "__a_b__");
        assert_eq!(sanitize_label_name("ünïcode").unwrap(), "_n_code");
        assert!(sanitize_label_name("").is_err());
        assert!(sanitize_label_name("...").is_err());
    }

    #[test]
    fn unit_names() {
        assert_eq!(unit_name("By/s"), "bytes_per_second");
        assert_eq!(unit_name("s"), "seconds");
        assert_eq!(unit_name("1"), "");
        assert_eq!(unit_name("{req}"), "");
    }

    #[test]
    fn label_name_validity() {
        assert!(is_valid_label_name("env"));
        assert!(is_valid_label_name("_x1"));
        assert!(!is_valid_label_name("1x"));
        assert!(!is_valid_label_name("a-b"));
        assert!(!is_valid_label_name(""));
    }
}
