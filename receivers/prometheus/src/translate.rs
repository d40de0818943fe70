//! Samples of one scrape to OTLP, as Go's receiver builds them
//! (`transaction.go`, `metricfamily.go`, `prom_to_otlp.go`):
//!
//! - one resource per `job`/`instance` (`service.name`,
//!   `service.instance.id`, `server.address` unless the host is local,
//!   `server.port`, `url.scheme`), extended by the labels of `target_info`;
//! - one scope per `otel_scope_name`/`otel_scope_version`/
//!   `otel_scope_schema_url` (other `otel_scope_*` labels become scope
//!   attributes, `otel_scope_info` adds more), else the receiver's scope;
//! - samples grouped into metric families by their metadata (`_bucket`,
//!   `_sum`, `_count`, `_created` joined to their histogram or summary,
//!   `_created` of a counter to its `_total`), the family keeping its
//!   Prometheus name (`node_cpu_seconds_total`), help as description, the
//!   unit word as UCUM, `prometheus.type` in the metric metadata;
//! - counters as cumulative monotonic sums, `info`/`stateset` as
//!   non-monotonic sums, gauges and untyped metrics as gauges, histograms
//!   with explicit bounds (the `+Inf` bucket from `_count`), summaries with
//!   quantiles; a stale marker is a point flagged "no recorded value".

use std::collections::HashMap;

use otelcol_component::build::string_kv;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::common::v1::{InstrumentationScope, KeyValue};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Gauge, Histogram, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, Sum, Summary, SummaryDataPoint, metric::Data, number_data_point, summary_data_point,
};
use otelcol_component::proto::resource::v1::Resource;
use otelcol_prometheus::{FLAG_NO_RECORDED_VALUE, PROMETHEUS_TYPE_KEY};

use crate::labels::{self, Labels};
use crate::textparse::MetricKind;

/// The scope of metrics that carry no `otel_scope_*` labels (Go's `ScopeName`).
pub const SCOPE_NAME: &str =
    "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/prometheusreceiver";
/// The metric whose labels become resource attributes.
pub(crate) const TARGET_INFO: &str = "target_info";
/// The metric whose labels become scope attributes.
pub(crate) const SCOPE_INFO: &str = "otel_scope_info";
const SCOPE_NAME_LABEL: &str = "otel_scope_name";
const SCOPE_VERSION_LABEL: &str = "otel_scope_version";
const SCOPE_SCHEMA_URL_LABEL: &str = "otel_scope_schema_url";
const SCOPE_PREFIX: &str = "otel_scope_";

/// One sample to translate: its final labels (with `__name__`), value,
/// timestamp, and whether it is a staleness marker.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Sample {
    pub(crate) labels: Labels,
    pub(crate) value: f64,
    pub(crate) ts_ms: i64,
    pub(crate) stale: bool,
}

/// A family's metadata (`# TYPE`, `# HELP`, `# UNIT`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Meta {
    pub(crate) kind: MetricKind,
    pub(crate) help: String,
    pub(crate) unit: String,
}

/// Where family metadata is looked up (the target's scrape cache).
pub(crate) trait MetaSource {
    /// The metadata of the family `name`, exactly.
    fn meta(&self, name: &str) -> Option<&Meta>;
}

impl MetaSource for HashMap<String, Meta> {
    fn meta(&self, name: &str) -> Option<&Meta> {
        self.get(name)
    }
}

/// The metadata of the scrape's own metrics (Go's `internalMetricMetadata`).
fn internal_meta(name: &str) -> Option<(&'static str, &'static str)> {
    Some(match name {
        "up" => ("The scraping was successful", ""),
        "scrape_duration_seconds" => ("Duration of the scrape", "seconds"),
        "scrape_samples_scraped" => ("The number of samples the target exposed", ""),
        "scrape_series_added" => ("The approximate number of new series in this scrape", ""),
        "scrape_samples_post_metric_relabeling" => (
            "The number of samples remaining after metric relabeling was applied",
            "",
        ),
        "scrape_body_size_bytes" => ("Length of the scrape response in bytes", ""),
        "scrape_sample_limit" => ("Sample limit of the scrape", ""),
        "scrape_timeout_seconds" => ("Timeout of the scrape", ""),
        _ => return None,
    })
}

/// The suffixes Go strips to find a family's metadata, in order.
const TRIMMABLE: [&str; 6] = ["_bucket", "_count", "_sum", "_total", "_info", "_created"];

/// Go's `normalizeMetricName`: the first matching suffix removed.
pub(crate) fn normalize(name: &str) -> &str {
    for s in TRIMMABLE {
        if let Some(base) = name.strip_suffix(s) {
            if !base.is_empty() {
                return base;
            }
        }
    }
    name
}

/// What a sample is to its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Value,
    Sum,
    Count,
    Created,
    Boundary,
}

/// The family a sample belongs to: its name, metadata and the sample's role.
fn resolve(name: &str, meta: &dyn MetaSource) -> (String, Meta, Role) {
    if let Some((help, unit)) = internal_meta(name) {
        let m = Meta {
            kind: MetricKind::Gauge,
            help: help.into(),
            unit: unit.into(),
        };
        return (name.to_string(), m, Role::Value);
    }
    let role_in = |kind: MetricKind, family: &str| -> Role {
        match kind {
            MetricKind::Histogram | MetricKind::Summary => {
                let suffix = name.strip_prefix(family).unwrap_or("");
                match suffix {
                    "_sum" => Role::Sum,
                    "_count" => Role::Count,
                    "_created" => Role::Created,
                    _ => Role::Boundary,
                }
            }
            MetricKind::Counter | MetricKind::Info | MetricKind::StateSet => {
                if name.len() > family.len() && name.strip_prefix(family) == Some("_created") {
                    Role::Created
                } else {
                    Role::Value
                }
            }
            _ => Role::Value,
        }
    };
    if let Some(m) = meta.meta(name) {
        return (name.to_string(), m.clone(), role_in(m.kind, name));
    }
    let normalized = normalize(name);
    if let Some(m) = meta.meta(normalized) {
        return match m.kind {
            // A counter keeps its sample name (`foo_total`); its `_created`
            // joins it.
            MetricKind::Counter if name.ends_with("_created") => {
                (format!("{normalized}_total"), m.clone(), Role::Created)
            }
            MetricKind::Counter => (name.to_string(), m.clone(), Role::Value),
            kind => (normalized.to_string(), m.clone(), role_in(kind, normalized)),
        };
    }
    let unknown = Meta {
        kind: MetricKind::Unknown,
        help: String::new(),
        unit: String::new(),
    };
    (name.to_string(), unknown, Role::Value)
}

/// The OTLP shape of a family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Sum { monotonic: bool },
    Gauge,
    Histogram,
    Summary,
}

fn shape_of(kind: MetricKind) -> Shape {
    match kind {
        MetricKind::Counter => Shape::Sum { monotonic: true },
        MetricKind::Info | MetricKind::StateSet => Shape::Sum { monotonic: false },
        MetricKind::Histogram => Shape::Histogram,
        MetricKind::Summary => Shape::Summary,
        MetricKind::Gauge | MetricKind::Unknown | MetricKind::GaugeHistogram => Shape::Gauge,
    }
}

/// Labels that never become attributes (Go's `notUsefulLabels*`).
fn not_useful(shape: Shape, name: &str) -> bool {
    matches!(
        name,
        labels::METRIC_NAME | labels::INSTANCE | labels::SCHEME | labels::METRICS_PATH | labels::JOB
    ) || (shape == Shape::Histogram && name == labels::BUCKET)
        || (shape == Shape::Summary && name == labels::QUANTILE)
        || name.starts_with(SCOPE_PREFIX)
}

/// The data of one series (a group of samples for histograms and summaries).
#[derive(Debug)]
struct Group {
    ts_ms: i64,
    attrs: Vec<(String, String)>,
    value: f64,
    value_stale: bool,
    count: f64,
    has_count: bool,
    sum: f64,
    has_sum: bool,
    stale: bool,
    created: f64,
    complex: Vec<(f64, f64)>,
}

#[derive(Debug)]
struct Family {
    name: String,
    meta: Meta,
    shape: Shape,
    groups: Vec<Group>,
    index: HashMap<Vec<(String, String)>, usize>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ScopeKey {
    name: String,
    version: String,
    schema_url: String,
    attrs: Vec<(String, String)>,
}

impl ScopeKey {
    fn of(l: &Labels) -> ScopeKey {
        let mut key = ScopeKey {
            name: String::new(),
            version: String::new(),
            schema_url: String::new(),
            attrs: Vec::new(),
        };
        for (k, v) in l.iter() {
            match k {
                SCOPE_NAME_LABEL => key.name = v.to_string(),
                SCOPE_VERSION_LABEL => key.version = v.to_string(),
                SCOPE_SCHEMA_URL_LABEL => key.schema_url = v.to_string(),
                _ => {
                    if let Some(attr) = k.strip_prefix(SCOPE_PREFIX) {
                        key.attrs.push((attr.to_string(), v.to_string()));
                    }
                }
            }
        }
        key
    }

    fn is_empty(&self) -> bool {
        self.name.is_empty() && self.version.is_empty() && self.schema_url.is_empty() && self.attrs.is_empty()
    }
}

#[derive(Debug)]
struct ScopeB {
    key: ScopeKey,
    families: Vec<Family>,
    index: HashMap<String, usize>,
}

#[derive(Debug)]
struct ResourceB {
    attrs: Vec<KeyValue>,
    scopes: Vec<ScopeB>,
    index: HashMap<ScopeKey, usize>,
    /// `otel_scope_info` attributes by (name, version, schema URL).
    scope_info: HashMap<(String, String, String), Vec<(String, String)>>,
}

/// What the translation needs of the target and the receiver.
#[derive(Debug)]
pub(crate) struct Context<'a> {
    /// Trim unit and `_total` suffixes (`trim_metric_suffixes`).
    pub(crate) trim_suffixes: bool,
    /// The version of the default scope (the collector's).
    pub(crate) version: &'a str,
    /// `external_labels`, set on every sample.
    pub(crate) external_labels: &'a Labels,
    /// The target's labels (fallback `job`/`instance`).
    pub(crate) target: &'a Labels,
    /// The target's discovered labels (`__scheme__`, Kubernetes metadata).
    pub(crate) discovered: &'a Labels,
}

/// A problem with one sample (logged by the caller; the sample is skipped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SampleWarning {
    pub(crate) metric: String,
    pub(crate) message: String,
}

/// Go's `net.SplitHostPort`, or the whole address as host and no port.
pub(crate) fn split_host_port(addr: &str) -> (String, String) {
    if let Some(rest) = addr.strip_prefix('[') {
        if let Some((host, after)) = rest.split_once(']') {
            if let Some(port) = after.strip_prefix(':') {
                if !port.contains(':') {
                    return (host.to_string(), port.to_string());
                }
            }
        }
        return (addr.to_string(), String::new());
    }
    match addr.rsplit_once(':') {
        Some((host, port)) if !host.contains(':') => (host.to_string(), port.to_string()),
        _ => (addr.to_string(), String::new()),
    }
}

/// Go's `isDiscernibleHost`: not a loopback or unspecified address, not
/// `localhost`.
fn is_discernible_host(host: &str) -> bool {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        let ip = match ip {
            std::net::IpAddr::V6(v6) => v6.to_ipv4_mapped().map(std::net::IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        return !ip.is_loopback() && !ip.is_unspecified();
    }
    host != "localhost"
}

/// Kubernetes discovery labels Go copies to the resource.
const K8S_ATTRS: [(&str, &str); 7] = [
    ("__meta_kubernetes_pod_name", "k8s.pod.name"),
    ("__meta_kubernetes_pod_uid", "k8s.pod.uid"),
    ("__meta_kubernetes_pod_container_name", "k8s.container.name"),
    ("__meta_kubernetes_namespace", "k8s.namespace.name"),
    ("__meta_kubernetes_pod_node_name", "k8s.node.name"),
    ("__meta_kubernetes_node_name", "k8s.node.name"),
    ("__meta_kubernetes_endpoint_node_name", "k8s.node.name"),
];

/// Go's `CreateResource`.
pub(crate) fn resource_attributes(job: &str, instance: &str, discovered: &Labels) -> Vec<KeyValue> {
    let (host, port) = split_host_port(instance);
    let mut attrs = vec![string_kv("service.name", job)];
    if is_discernible_host(&host) {
        attrs.push(string_kv("server.address", &host));
    }
    attrs.push(string_kv("service.instance.id", instance));
    attrs.push(string_kv("server.port", &port));
    attrs.push(string_kv("url.scheme", discovered.value(labels::SCHEME)));
    for (label, attr) in K8S_ATTRS {
        let v = discovered.value(label);
        if !v.is_empty() {
            put(&mut attrs, attr, v);
        }
    }
    let (name, kind) = (
        discovered.value("__meta_kubernetes_pod_controller_name"),
        discovered.value("__meta_kubernetes_pod_controller_kind"),
    );
    if !name.is_empty() {
        let attr = match kind {
            "ReplicaSet" => Some("k8s.replicaset.name"),
            "DaemonSet" => Some("k8s.daemonset.name"),
            "StatefulSet" => Some("k8s.statefulset.name"),
            "Job" => Some("k8s.job.name"),
            "CronJob" => Some("k8s.cronjob.name"),
            _ => None,
        };
        if let Some(a) = attr {
            put(&mut attrs, a, name);
        }
    }
    attrs
}

/// Sets `key` in an attribute list (replacing, as `PutStr`).
fn put(attrs: &mut Vec<KeyValue>, key: &str, value: &str) {
    match attrs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => *kv = string_kv(key, value),
        None => attrs.push(string_kv(key, value)),
    }
}

/// Milliseconds to OTLP nanoseconds (negative times are 0).
fn ns_of_ms(ms: i64) -> u64 {
    u64::try_from(ms).unwrap_or(0).saturating_mul(1_000_000)
}

/// Go's `timestampFromFloat64` (seconds with a fraction), 0 when not a time.
fn ns_of_secs(secs: f64) -> u64 {
    if !secs.is_finite() || secs <= 0.0 {
        return 0;
    }
    let whole = secs.trunc();
    let nanos = ((secs - whole) * 1e9) as u64;
    (whole as u64).saturating_mul(1_000_000_000).saturating_add(nanos)
}

/// Builds the OTLP request of one scrape.
#[derive(Debug, Default)]
pub(crate) struct Builder {
    resources: Vec<ResourceB>,
    index: HashMap<(String, String), usize>,
    /// Problems with single samples, for the caller to log.
    pub(crate) warnings: Vec<SampleWarning>,
}

impl Builder {
    /// Adds one sample (as Go's `transaction.Append`).
    pub(crate) fn add(&mut self, sample: &Sample, meta: &dyn MetaSource, ctx: &Context<'_>) {
        let mut ls = sample.labels.clone();
        for (k, v) in ctx.external_labels.iter() {
            ls.set(k, v);
        }
        let name = ls.name().to_string();
        if name.is_empty() {
            return;
        }
        let job = match ls.value(labels::JOB) {
            "" => ctx.target.value(labels::JOB).to_string(),
            j => j.to_string(),
        };
        let instance = match ls.value(labels::INSTANCE) {
            "" => ctx.target.value(labels::INSTANCE).to_string(),
            i => i.to_string(),
        };
        if job.is_empty() || instance.is_empty() {
            self.warnings.push(SampleWarning {
                metric: name,
                message: "job or instance cannot be found from labels".into(),
            });
            return;
        }
        let key = (job, instance);
        let ri = match self.index.get(&key) {
            Some(i) => *i,
            None => {
                self.resources.push(ResourceB {
                    attrs: resource_attributes(&key.0, &key.1, ctx.discovered),
                    scopes: Vec::new(),
                    index: HashMap::new(),
                    scope_info: HashMap::new(),
                });
                self.index.insert(key, self.resources.len() - 1);
                self.resources.len() - 1
            }
        };
        let res = &mut self.resources[ri];
        if name == TARGET_INFO {
            for (k, v) in ls.iter() {
                if k != labels::JOB && k != labels::INSTANCE && k != labels::METRIC_NAME {
                    put(&mut res.attrs, k, v);
                }
            }
            return;
        }
        if name == SCOPE_INFO {
            let mut id = (String::new(), String::new(), String::new());
            let mut attrs = Vec::new();
            for (k, v) in ls.iter() {
                match k {
                    labels::JOB | labels::INSTANCE | labels::METRIC_NAME => {}
                    SCOPE_NAME_LABEL => id.0 = v.to_string(),
                    SCOPE_VERSION_LABEL => id.1 = v.to_string(),
                    SCOPE_SCHEMA_URL_LABEL => id.2 = v.to_string(),
                    _ => attrs.push((k.to_string(), v.to_string())),
                }
            }
            res.scope_info.insert(id, attrs);
            return;
        }
        let scope_key = ScopeKey::of(&ls);
        let si = match res.index.get(&scope_key) {
            Some(i) => *i,
            None => {
                res.scopes.push(ScopeB {
                    key: scope_key.clone(),
                    families: Vec::new(),
                    index: HashMap::new(),
                });
                res.index.insert(scope_key, res.scopes.len() - 1);
                res.scopes.len() - 1
            }
        };
        let scope = &mut res.scopes[si];
        let (family_name, family_meta, role) = resolve(&name, meta);
        let fi = match scope.index.get(&family_name) {
            Some(i) => *i,
            None => {
                let shape = shape_of(family_meta.kind);
                scope.families.push(Family {
                    name: family_name.clone(),
                    meta: family_meta,
                    shape,
                    groups: Vec::new(),
                    index: HashMap::new(),
                });
                scope.index.insert(family_name, scope.families.len() - 1);
                scope.families.len() - 1
            }
        };
        let family = &mut scope.families[fi];
        if let Err(message) = family.add(&name, role, &ls, sample) {
            self.warnings.push(SampleWarning {
                metric: name,
                message,
            });
        }
    }

    /// The OTLP request; empty resources and scopes are left out.
    pub(crate) fn build(self, ctx: &Context<'_>) -> ExportMetricsServiceRequest {
        let mut out = Vec::new();
        for r in self.resources {
            let mut scopes = Vec::new();
            for s in r.scopes {
                let metrics: Vec<Metric> = s
                    .families
                    .into_iter()
                    .filter_map(|f| f.into_metric(ctx.trim_suffixes))
                    .collect();
                if metrics.is_empty() {
                    continue;
                }
                let scope = if s.key.is_empty() {
                    InstrumentationScope {
                        name: SCOPE_NAME.into(),
                        version: ctx.version.into(),
                        ..Default::default()
                    }
                } else {
                    let id = (
                        s.key.name.clone(),
                        s.key.version.clone(),
                        s.key.schema_url.clone(),
                    );
                    let mut attributes: Vec<KeyValue> = Vec::new();
                    if let Some(info) = r.scope_info.get(&id) {
                        for (k, v) in info {
                            put(&mut attributes, k, v);
                        }
                    }
                    for (k, v) in &s.key.attrs {
                        put(&mut attributes, k, v);
                    }
                    InstrumentationScope {
                        name: s.key.name.clone(),
                        version: s.key.version.clone(),
                        attributes,
                        ..Default::default()
                    }
                };
                scopes.push(ScopeMetrics {
                    scope: Some(scope),
                    metrics,
                    schema_url: s.key.schema_url,
                });
            }
            if scopes.is_empty() {
                continue;
            }
            out.push(ResourceMetrics {
                resource: Some(Resource {
                    attributes: r.attrs,
                    ..Default::default()
                }),
                scope_metrics: scopes,
                schema_url: String::new(),
            });
        }
        ExportMetricsServiceRequest {
            resource_metrics: out,
        }
    }
}

impl Family {
    /// Go's `metricFamily.addSeries`.
    fn add(&mut self, name: &str, role: Role, ls: &Labels, s: &Sample) -> Result<(), String> {
        let shape = self.shape;
        let key: Vec<(String, String)> = ls
            .iter()
            .filter(|(k, _)| !not_useful(shape, k))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let gi = match self.index.get(&key) {
            Some(i) => *i,
            None => {
                self.groups.push(Group {
                    ts_ms: s.ts_ms,
                    attrs: key.clone(),
                    value: 0.0,
                    value_stale: false,
                    count: 0.0,
                    has_count: false,
                    sum: 0.0,
                    has_sum: false,
                    stale: false,
                    created: 0.0,
                    complex: Vec::new(),
                });
                self.index.insert(key, self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[gi];
        if g.ts_ms != s.ts_ms {
            return Err(format!(
                "inconsistent timestamps on metric points for metric {name}"
            ));
        }
        match (shape, role) {
            (_, Role::Created) => {
                if !s.stale {
                    g.created = s.value;
                }
            }
            (Shape::Histogram | Shape::Summary, Role::Sum) => {
                g.sum = s.value;
                g.has_sum = true;
                g.stale |= s.stale;
            }
            (Shape::Histogram | Shape::Summary, Role::Count) => {
                g.count = s.value;
                g.has_count = true;
                g.stale |= s.stale;
            }
            (Shape::Histogram | Shape::Summary, _) => {
                let label = if shape == Shape::Histogram {
                    labels::BUCKET
                } else {
                    labels::QUANTILE
                };
                let raw = ls.value(label);
                if raw.is_empty() {
                    return Err(if shape == Shape::Histogram {
                        "'le' label on histogram metric is missing or empty".into()
                    } else {
                        "'quantile' label on summary metric is missing or empty".into()
                    });
                }
                let boundary = crate::textparse::parse_value(raw)
                    .or_else(|| (raw == "+Inf").then_some(f64::INFINITY))
                    .ok_or_else(|| format!("invalid {label} label value {raw:?}"))?;
                g.complex.push((boundary, s.value));
            }
            _ => {
                g.value = s.value;
                g.value_stale = s.stale;
            }
        }
        Ok(())
    }

    /// Go's `metricFamily.appendMetric`: `None` when no point was made.
    fn into_metric(self, trim: bool) -> Option<Metric> {
        let name = if trim {
            trim_prom_suffixes(
                &self.name,
                matches!(self.shape, Shape::Sum { .. }),
                &self.meta.unit,
            )
        } else {
            self.name.clone()
        };
        let start_of = |g: &Group| {
            if g.created != 0.0 {
                ns_of_secs(g.created)
            } else {
                ns_of_ms(g.ts_ms)
            }
        };
        let attributes = |g: &Group| -> Vec<KeyValue> {
            g.attrs
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .map(|(k, v)| string_kv(k, v))
                .collect()
        };
        let number = |g: &Group, with_start: bool| NumberDataPoint {
            attributes: attributes(g),
            start_time_unix_nano: if with_start { start_of(g) } else { 0 },
            time_unix_nano: ns_of_ms(g.ts_ms),
            value: (!g.value_stale).then_some(number_data_point::Value::AsDouble(g.value)),
            flags: if g.value_stale { FLAG_NO_RECORDED_VALUE } else { 0 },
            ..Default::default()
        };
        let data = match self.shape {
            Shape::Gauge => Data::Gauge(Gauge {
                data_points: self.groups.iter().map(|g| number(g, false)).collect(),
            }),
            Shape::Sum { monotonic } => Data::Sum(Sum {
                data_points: self.groups.iter().map(|g| number(g, true)).collect(),
                aggregation_temporality: AggregationTemporality::Cumulative as i32,
                is_monotonic: monotonic,
            }),
            Shape::Histogram => {
                let mut points = Vec::new();
                for mut g in self.groups {
                    if !g.has_count {
                        continue;
                    }
                    g.complex.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut n = g.complex.len() + 1;
                    if n > 1 && g.complex[n - 2].0 == f64::INFINITY {
                        n -= 1;
                    }
                    let mut bounds = Vec::with_capacity(n - 1);
                    let mut counts = Vec::with_capacity(n);
                    for i in 0..n - 1 {
                        bounds.push(g.complex[i].0);
                        let c = if g.stale {
                            0.0
                        } else if i == 0 {
                            g.complex[i].1
                        } else {
                            g.complex[i].1 - g.complex[i - 1].1
                        };
                        counts.push(c as u64);
                    }
                    let last = if g.stale {
                        0.0
                    } else if n > 1 {
                        g.count - g.complex[n - 2].1
                    } else {
                        g.count
                    };
                    counts.push(last as u64);
                    points.push(HistogramDataPoint {
                        attributes: attributes(&g),
                        start_time_unix_nano: start_of(&g),
                        time_unix_nano: ns_of_ms(g.ts_ms),
                        count: if g.stale { 0 } else { g.count as u64 },
                        sum: (!g.stale && g.has_sum).then_some(g.sum),
                        bucket_counts: counts,
                        explicit_bounds: bounds,
                        flags: if g.stale { FLAG_NO_RECORDED_VALUE } else { 0 },
                        ..Default::default()
                    });
                }
                Data::Histogram(Histogram {
                    data_points: points,
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                })
            }
            Shape::Summary => {
                let mut points = Vec::new();
                for mut g in self.groups {
                    if !g.has_count {
                        continue;
                    }
                    g.complex.sort_by(|a, b| a.0.total_cmp(&b.0));
                    points.push(SummaryDataPoint {
                        attributes: attributes(&g),
                        start_time_unix_nano: start_of(&g),
                        time_unix_nano: ns_of_ms(g.ts_ms),
                        count: if g.stale { 0 } else { g.count as u64 },
                        sum: if g.stale || !g.has_sum { 0.0 } else { g.sum },
                        quantile_values: g
                            .complex
                            .iter()
                            .map(|(q, v)| summary_data_point::ValueAtQuantile {
                                quantile: *q,
                                value: if g.stale { 0.0 } else { *v },
                            })
                            .collect(),
                        flags: if g.stale { FLAG_NO_RECORDED_VALUE } else { 0 },
                    });
                }
                Data::Summary(Summary { data_points: points })
            }
        };
        let empty = match &data {
            Data::Gauge(g) => g.data_points.is_empty(),
            Data::Sum(s) => s.data_points.is_empty(),
            Data::Histogram(h) => h.data_points.is_empty(),
            Data::Summary(s) => s.data_points.is_empty(),
            _ => true,
        };
        if empty {
            return None;
        }
        Some(Metric {
            name,
            description: self.meta.help.clone(),
            unit: unit_word_to_ucum(&self.meta.unit),
            metadata: vec![string_kv(PROMETHEUS_TYPE_KEY, self.meta.kind.as_str())],
            data: Some(data),
        })
    }
}

/// Go's `TrimPromSuffixes`: `_total` of a sum, then the unit's words.
pub(crate) fn trim_prom_suffixes(name: &str, is_sum: bool, unit: &str) -> String {
    let mut tokens: Vec<&str> = name.split('_').collect();
    if tokens.len() == 1 {
        return name.to_string();
    }
    if is_sum && tokens.last() == Some(&"total") {
        tokens.pop();
    }
    let unit_tokens: Vec<&str> = unit.split('_').collect();
    let (l, lu) = (tokens.len(), unit_tokens.len());
    if lu > 0 && l > lu && tokens[l - lu..] == unit_tokens[..] {
        tokens.truncate(l - lu);
    }
    tokens.join("_")
}

/// Go's `UnitWordToUCUM`: `seconds` → `s`, `bytes_per_second` → `By/s`.
pub(crate) fn unit_word_to_ucum(unit: &str) -> String {
    fn word(w: &str) -> &str {
        match w {
            "days" => "d",
            "hours" => "h",
            "minutes" => "min",
            "seconds" => "s",
            "milliseconds" => "ms",
            "microseconds" => "us",
            "nanoseconds" => "ns",
            "bytes" => "By",
            "kibibytes" => "KiBy",
            "mebibytes" => "MiBy",
            "gibibytes" => "GiBy",
            "tibibytes" => "TiBy",
            "kilobytes" => "KBy",
            "megabytes" => "MBy",
            "gigabytes" => "GBy",
            "terabytes" => "TBy",
            "meters" => "m",
            "volts" => "V",
            "amperes" => "A",
            "joules" => "J",
            "watts" => "W",
            "grams" => "g",
            "celsius" => "Cel",
            "hertz" => "Hz",
            "ratio" => "1",
            "percent" => "%",
            other => other,
        }
    }
    fn per(w: &str) -> &str {
        match w {
            "second" => "s",
            "minute" => "m",
            "hour" => "h",
            "day" => "d",
            "week" => "w",
            "month" => "mo",
            "year" => "y",
            other => other,
        }
    }
    match unit.split_once("_per_") {
        Some((a, b)) if !b.is_empty() => format!("{}/{}", word(a), per(b)),
        Some((a, _)) => word(a).to_string(),
        None => word(unit).to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::proto::common::v1::any_value;

    fn meta(entries: &[(&str, MetricKind)]) -> HashMap<String, Meta> {
        entries
            .iter()
            .map(|(n, k)| {
                (
                    n.to_string(),
                    Meta {
                        kind: *k,
                        help: format!("help of {n}"),
                        unit: String::new(),
                    },
                )
            })
            .collect()
    }

    fn s(name: &str, labels: &[(&str, &str)], value: f64, ts: i64) -> Sample {
        let mut l = Labels::from_pairs(labels.iter().copied());
        l.set("__name__", name);
        l.set("job", "j");
        l.set("instance", "host.example:9100");
        Sample {
            labels: l,
            value,
            ts_ms: ts,
            stale: false,
        }
    }

    fn build(
        samples: &[Sample],
        meta: &HashMap<String, Meta>,
    ) -> (ExportMetricsServiceRequest, Vec<SampleWarning>) {
        let target = Labels::from_pairs([("job", "j"), ("instance", "host.example:9100")]);
        let discovered = Labels::from_pairs([("__scheme__", "http")]);
        let ext = Labels::new();
        let ctx = Context {
            trim_suffixes: false,
            version: "1.2.3",
            external_labels: &ext,
            target: &target,
            discovered: &discovered,
        };
        let mut b = Builder::default();
        for x in samples {
            b.add(x, meta, &ctx);
        }
        let w = b.warnings.clone();
        (b.build(&ctx), w)
    }

    fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a str> {
        attrs
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| match &kv.value.as_ref()?.value {
                Some(any_value::Value::StringValue(s)) => Some(s.as_str()),
                _ => None,
            })
    }

    #[test]
    fn resource_like_go() {
        let (req, _) = build(&[s("m", &[], 1.0, 1000)], &HashMap::new());
        let r = req.resource_metrics[0].resource.as_ref().unwrap();
        let keys: Vec<(&str, &str)> = r
            .attributes
            .iter()
            .map(|kv| (kv.key.as_str(), attr(&r.attributes, &kv.key).unwrap()))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("service.name", "j"),
                ("server.address", "host.example"),
                ("service.instance.id", "host.example:9100"),
                ("server.port", "9100"),
                ("url.scheme", "http"),
            ]
        );
        let local = resource_attributes("j", "localhost:1", &Labels::new());
        assert!(attr(&local, "server.address").is_none());
        let local = resource_attributes("j", "127.0.0.1:1", &Labels::new());
        assert!(attr(&local, "server.address").is_none());
        let v6 = resource_attributes("j", "[2001:db8::1]:80", &Labels::new());
        assert_eq!(attr(&v6, "server.address"), Some("2001:db8::1"));
        let no_port = resource_attributes("j", "example.org", &Labels::new());
        assert_eq!(attr(&no_port, "server.port"), Some(""));
        let scope = req.resource_metrics[0].scope_metrics[0].scope.as_ref().unwrap();
        assert_eq!(
            (scope.name.as_str(), scope.version.as_str()),
            (SCOPE_NAME, "1.2.3")
        );
    }

    #[test]
    fn types_like_go() {
        let m = meta(&[
            ("c_total", MetricKind::Counter),
            ("g", MetricKind::Gauge),
            ("u", MetricKind::Unknown),
            ("h", MetricKind::Histogram),
            ("sm", MetricKind::Summary),
        ]);
        let samples = [
            s("c_total", &[("a", "1")], 5.0, 1000),
            s("g", &[], 2.5, 1000),
            s("u", &[], 3.0, 1000),
            s("untyped_no_meta", &[], 4.0, 1000),
            s("h_bucket", &[("le", "0.1")], 1.0, 1000),
            s("h_bucket", &[("le", "1")], 3.0, 1000),
            s("h_bucket", &[("le", "+Inf")], 4.0, 1000),
            s("h_sum", &[], 2.0, 1000),
            s("h_count", &[], 4.0, 1000),
            s("sm", &[("quantile", "0.9")], 7.0, 1000),
            s("sm", &[("quantile", "0.5")], 5.0, 1000),
            s("sm_sum", &[], 100.0, 1000),
            s("sm_count", &[], 20.0, 1000),
        ];
        let (req, w) = build(&samples, &m);
        assert!(w.is_empty(), "{w:?}");
        let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
        let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, vec!["c_total", "g", "u", "untyped_no_meta", "h", "sm"]);
        match metrics[0].data.as_ref().unwrap() {
            Data::Sum(sum) => {
                assert!(sum.is_monotonic);
                assert_eq!(
                    sum.aggregation_temporality,
                    AggregationTemporality::Cumulative as i32
                );
                let p = &sum.data_points[0];
                assert_eq!(p.value, Some(number_data_point::Value::AsDouble(5.0)));
                assert_eq!(
                    (p.start_time_unix_nano, p.time_unix_nano),
                    (1_000_000_000, 1_000_000_000)
                );
                assert_eq!(attr(&p.attributes, "a"), Some("1"));
                assert!(attr(&p.attributes, "job").is_none());
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(metrics[0].description, "help of c_total");
        assert_eq!(attr(&metrics[0].metadata, "prometheus.type"), Some("counter"));
        assert_eq!(attr(&metrics[2].metadata, "prometheus.type"), Some("unknown"));
        assert!(matches!(metrics[3].data, Some(Data::Gauge(_))));
        match metrics[4].data.as_ref().unwrap() {
            Data::Histogram(h) => {
                let p = &h.data_points[0];
                assert_eq!(p.explicit_bounds, vec![0.1, 1.0]);
                assert_eq!(p.bucket_counts, vec![1, 2, 1]);
                assert_eq!((p.count, p.sum), (4, Some(2.0)));
                assert!(p.attributes.is_empty(), "le is not an attribute");
            }
            other => panic!("{other:?}"),
        }
        match metrics[5].data.as_ref().unwrap() {
            Data::Summary(sm) => {
                let p = &sm.data_points[0];
                let q: Vec<(f64, f64)> = p.quantile_values.iter().map(|q| (q.quantile, q.value)).collect();
                assert_eq!(q, vec![(0.5, 5.0), (0.9, 7.0)]);
                assert_eq!((p.count, p.sum), (20, 100.0));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn openmetrics_created_and_units() {
        let mut m = meta(&[("foo", MetricKind::Counter), ("h", MetricKind::Histogram)]);
        m.get_mut("foo").unwrap().unit = "seconds".into();
        let samples = [
            s("foo_total", &[("x", "1")], 17.0, 2000),
            s("foo_created", &[("x", "1")], 1.5, 2000),
            s("h_bucket", &[("le", "+Inf")], 2.0, 2000),
            s("h_count", &[], 2.0, 2000),
            s("h_created", &[], 1.25, 2000),
        ];
        let (req, w) = build(&samples, &m);
        assert!(w.is_empty(), "{w:?}");
        let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
        assert_eq!(metrics.len(), 2);
        assert_eq!(
            (metrics[0].name.as_str(), metrics[0].unit.as_str()),
            ("foo_total", "s")
        );
        let Some(Data::Sum(sum)) = &metrics[0].data else {
            panic!()
        };
        assert_eq!(sum.data_points.len(), 1);
        assert_eq!(sum.data_points[0].start_time_unix_nano, 1_500_000_000);
        assert_eq!(
            sum.data_points[0].value,
            Some(number_data_point::Value::AsDouble(17.0))
        );
        let Some(Data::Histogram(h)) = &metrics[1].data else {
            panic!()
        };
        assert_eq!(h.data_points[0].start_time_unix_nano, 1_250_000_000);
        assert!(h.data_points[0].explicit_bounds.is_empty());
        assert_eq!(h.data_points[0].bucket_counts, vec![2]);
    }

    #[test]
    fn stale_markers_flag_points() {
        let m = meta(&[("h", MetricKind::Histogram), ("g", MetricKind::Gauge)]);
        let mut samples = vec![
            s("g", &[], f64::NAN, 3000),
            s("h_bucket", &[("le", "1")], f64::NAN, 3000),
            s("h_bucket", &[("le", "+Inf")], f64::NAN, 3000),
            s("h_sum", &[], f64::NAN, 3000),
            s("h_count", &[], f64::NAN, 3000),
        ];
        for x in &mut samples {
            x.stale = true;
        }
        let (req, _) = build(&samples, &m);
        let metrics = &req.resource_metrics[0].scope_metrics[0].metrics;
        let Some(Data::Gauge(g)) = &metrics[0].data else {
            panic!()
        };
        assert_eq!(g.data_points[0].flags, FLAG_NO_RECORDED_VALUE);
        assert_eq!(g.data_points[0].value, None);
        let Some(Data::Histogram(h)) = &metrics[1].data else {
            panic!()
        };
        let p = &h.data_points[0];
        assert_eq!(p.flags, FLAG_NO_RECORDED_VALUE);
        assert_eq!((p.count, p.sum, p.bucket_counts.clone()), (0, None, vec![0, 0]));
    }

    #[test]
    fn target_info_scopes_and_warnings() {
        let samples = [
            s(
                "target_info",
                &[("env", "prod"), ("service.version", "1")],
                1.0,
                1000,
            ),
            s(
                "m",
                &[
                    ("otel_scope_name", "lib"),
                    ("otel_scope_version", "2"),
                    ("otel_scope_k", "v"),
                    ("a", "b"),
                ],
                1.0,
                1000,
            ),
            s(
                "otel_scope_info",
                &[
                    ("otel_scope_name", "lib"),
                    ("otel_scope_version", "2"),
                    ("extra", "x"),
                ],
                1.0,
                1000,
            ),
            s("m", &[], 2.0, 1000),
            s("h_bucket", &[], 1.0, 1000),
            s("g", &[], 1.0, 1000),
            s("g", &[], 2.0, 5000),
        ];
        let m = meta(&[("h", MetricKind::Histogram), ("g", MetricKind::Gauge)]);
        let (req, w) = build(&samples, &m);
        let rm = &req.resource_metrics[0];
        let attrs = &rm.resource.as_ref().unwrap().attributes;
        assert_eq!(attr(attrs, "env"), Some("prod"));
        assert_eq!(attr(attrs, "service.version"), Some("1"));
        assert_eq!(rm.scope_metrics.len(), 2);
        let lib = rm.scope_metrics[0].scope.as_ref().unwrap();
        assert_eq!((lib.name.as_str(), lib.version.as_str()), ("lib", "2"));
        assert_eq!(attr(&lib.attributes, "k"), Some("v"));
        assert_eq!(attr(&lib.attributes, "extra"), Some("x"));
        let Some(Data::Gauge(g)) = &rm.scope_metrics[0].metrics[0].data else {
            panic!()
        };
        assert_eq!(attr(&g.data_points[0].attributes, "a"), Some("b"));
        assert!(attr(&g.data_points[0].attributes, "otel_scope_name").is_none());
        assert_eq!(rm.scope_metrics[1].scope.as_ref().unwrap().name, SCOPE_NAME);
        let messages: Vec<&str> = w.iter().map(|w| w.message.as_str()).collect();
        assert!(
            messages.contains(&"'le' label on histogram metric is missing or empty"),
            "{messages:?}"
        );
        assert!(
            messages.iter().any(|m| m.contains("inconsistent timestamps")),
            "{messages:?}"
        );
    }

    #[test]
    fn suffix_trimming_like_go() {
        assert_eq!(
            trim_prom_suffixes("singing_duration_seconds_total", true, "seconds"),
            "singing_duration"
        );
        assert_eq!(
            trim_prom_suffixes("node_cpu_seconds_total", true, ""),
            "node_cpu_seconds"
        );
        assert_eq!(trim_prom_suffixes("go_goroutines", false, ""), "go_goroutines");
        assert_eq!(trim_prom_suffixes("a_total", false, ""), "a_total");
        assert_eq!(trim_prom_suffixes("bytes", true, "bytes"), "bytes");
        assert_eq!(
            trim_prom_suffixes("x_bytes_per_second", false, "bytes_per_second"),
            "x"
        );
        assert_eq!(unit_word_to_ucum("seconds"), "s");
        assert_eq!(unit_word_to_ucum("bytes_per_second"), "By/s");
        assert_eq!(unit_word_to_ucum("widgets"), "widgets");
        assert_eq!(unit_word_to_ucum(""), "");
        assert_eq!(normalize("foo_bucket"), "foo");
        assert_eq!(normalize("_total"), "_total");
        assert_eq!(split_host_port("::1"), ("::1".into(), String::new()));
    }
}
