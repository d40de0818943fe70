//! What each scraper emits, as Go's `metadata.yaml` files declare it (metric
//! names, descriptions, units, instrument types, attributes, default
//! enablement), and the builder that turns recorded values into OTLP
//! metrics the way Go's generated `MetricsBuilder` does.

use std::collections::BTreeMap;

use otelcol_component::build::string_kv;
use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{
    AggregationTemporality, Gauge, Metric, NumberDataPoint, ResourceMetrics, ScopeMetrics, Sum, metric,
    number_data_point,
};
use otelcol_component::proto::resource::v1::Resource;

use crate::config::{MetricsConfig, ResourceAttributesConfig};

/// The instrument a metric is reported as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Instrument {
    /// A cumulative sum; `monotonic` for counters, not for up-down counters.
    Sum {
        /// Whether the sum only grows.
        monotonic: bool,
    },
    /// A gauge.
    Gauge,
}

/// The type of a metric's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueType {
    /// 64-bit integers.
    Int,
    /// Doubles.
    Double,
}

/// One metric a scraper can emit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricDef {
    /// The metric name (`system.cpu.time`).
    pub name: &'static str,
    /// The description, as Go emits it.
    pub description: &'static str,
    /// The UCUM unit (`s`, `By`, `{operations}`).
    pub unit: &'static str,
    /// Sum or gauge.
    pub instrument: Instrument,
    /// Int or double values.
    pub value: ValueType,
    /// Whether the metric is emitted when the config does not say.
    pub enabled: bool,
    /// The data point attribute keys, in the order Go sets them.
    pub attributes: &'static [&'static str],
}

/// One resource attribute a scraper can set (only `process` has any).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ResourceAttributeDef {
    /// The attribute key (`process.pid`).
    pub name: &'static str,
    /// Whether the attribute is set when the config does not say.
    pub enabled: bool,
}

/// Everything a scraper declares.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ScraperMetadata {
    /// The scraper's key under `scrapers` (`cpu`).
    pub name: &'static str,
    /// The instrumentation scope name of its metrics (Go's package path).
    pub scope: &'static str,
    /// Its metrics, sorted by name (the order Go emits them in).
    pub metrics: &'static [MetricDef],
    /// Its resource attributes.
    pub resource_attributes: &'static [ResourceAttributeDef],
}

impl ScraperMetadata {
    /// The definition of metric `name`.
    pub fn metric(&self, name: &str) -> Option<&'static MetricDef> {
        self.metrics.iter().find(|m| m.name == name)
    }
}

const fn sum(
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    monotonic: bool,
    value: ValueType,
    enabled: bool,
    attributes: &'static [&'static str],
) -> MetricDef {
    MetricDef {
        name,
        description,
        unit,
        instrument: Instrument::Sum { monotonic },
        value,
        enabled,
        attributes,
    }
}

const fn gauge(
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    value: ValueType,
    enabled: bool,
    attributes: &'static [&'static str],
) -> MetricDef {
    MetricDef {
        name,
        description,
        unit,
        instrument: Instrument::Gauge,
        value,
        enabled,
        attributes,
    }
}

use ValueType::{Double, Int};

const SCOPE_PREFIX: &str = "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/";

macro_rules! scope {
    ($pkg:literal) => {
        concat!(
            "github.com/open-telemetry/opentelemetry-collector-contrib/receiver/hostmetricsreceiver/internal/scraper/",
            $pkg
        )
    };
}

/// The `cpu` scraper.
pub const CPU: ScraperMetadata = ScraperMetadata {
    name: "cpu",
    scope: scope!("cpuscraper"),
    metrics: &[
        gauge(
            "system.cpu.frequency",
            "Current frequency of the CPU core in Hz.",
            "Hz",
            Double,
            false,
            &["cpu"],
        ),
        sum(
            "system.cpu.logical.count",
            "Number of available logical CPUs.",
            "{cpu}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.cpu.physical.count",
            "Number of available physical CPUs.",
            "{cpu}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.cpu.time",
            "Total seconds each logical CPU spent on each mode.",
            "s",
            true,
            Double,
            true,
            &["cpu", "state"],
        ),
        gauge(
            "system.cpu.utilization",
            "Difference in system.cpu.time since the last measurement per logical CPU, divided by the elapsed time (value in interval [0,1]).",
            "1",
            Double,
            false,
            &["cpu", "state"],
        ),
    ],
    resource_attributes: &[],
};

/// The `disk` scraper.
pub const DISK: ScraperMetadata = ScraperMetadata {
    name: "disk",
    scope: scope!("diskscraper"),
    metrics: &[
        sum(
            "system.disk.io",
            "Disk bytes transferred.",
            "By",
            true,
            Int,
            true,
            &["device", "direction"],
        ),
        sum(
            "system.disk.io_time",
            "Time disk spent activated. On Windows, this is calculated as the inverse of disk idle time.",
            "s",
            true,
            Double,
            true,
            &["device"],
        ),
        sum(
            "system.disk.merged",
            "The number of disk reads/writes merged into single physical disk access operations.",
            "{operations}",
            true,
            Int,
            true,
            &["device", "direction"],
        ),
        sum(
            "system.disk.operation_time",
            "Time spent in disk operations.",
            "s",
            true,
            Double,
            true,
            &["device", "direction"],
        ),
        sum(
            "system.disk.operations",
            "Disk operations count.",
            "{operations}",
            true,
            Int,
            true,
            &["device", "direction"],
        ),
        sum(
            "system.disk.pending_operations",
            "The queue size of pending I/O operations.",
            "{operations}",
            false,
            Int,
            true,
            &["device"],
        ),
        sum(
            "system.disk.weighted_io_time",
            "Time disk spent activated multiplied by the queue length.",
            "s",
            true,
            Double,
            true,
            &["device"],
        ),
    ],
    resource_attributes: &[],
};

const FS_ATTRS: &[&str] = &["device", "mode", "mountpoint", "type", "state"];

/// The `filesystem` scraper.
pub const FILESYSTEM: ScraperMetadata = ScraperMetadata {
    name: "filesystem",
    scope: scope!("filesystemscraper"),
    metrics: &[
        sum(
            "system.filesystem.inodes.usage",
            "FileSystem inodes used.",
            "{inodes}",
            false,
            Int,
            true,
            FS_ATTRS,
        ),
        sum(
            "system.filesystem.usage",
            "Filesystem bytes used.",
            "By",
            false,
            Int,
            true,
            FS_ATTRS,
        ),
        gauge(
            "system.filesystem.utilization",
            "Fraction of filesystem bytes used.",
            "1",
            Double,
            false,
            &["device", "mode", "mountpoint", "type"],
        ),
    ],
    resource_attributes: &[],
};

/// The `load` scraper.
pub const LOAD: ScraperMetadata = ScraperMetadata {
    name: "load",
    scope: scope!("loadscraper"),
    metrics: &[
        gauge(
            "system.cpu.load_average.15m",
            "Average CPU Load over 15 minutes.",
            "{thread}",
            Double,
            true,
            &[],
        ),
        gauge(
            "system.cpu.load_average.1m",
            "Average CPU Load over 1 minute.",
            "{thread}",
            Double,
            true,
            &[],
        ),
        gauge(
            "system.cpu.load_average.5m",
            "Average CPU Load over 5 minutes.",
            "{thread}",
            Double,
            true,
            &[],
        ),
    ],
    resource_attributes: &[],
};

const HUGEPAGES_STATE: &[&str] = &["system.memory.linux.hugepages.state"];

/// The `memory` scraper.
pub const MEMORY: ScraperMetadata = ScraperMetadata {
    name: "memory",
    scope: scope!("memoryscraper"),
    metrics: &[
        sum(
            "system.linux.memory.available",
            "An estimate of how much memory is available for starting new applications, without swapping. This is a more accurate alternative than system.memory.usage with state=free. (Linux only)",
            "By",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.linux.memory.dirty",
            "The amount of dirty memory according to `/proc/meminfo`.",
            "By",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.limit",
            "Total bytes of memory available.",
            "By",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.linux.hugepages.limit",
            "Total number of hugepages available.",
            "{page}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.linux.hugepages.page_size",
            "System hugepage size in bytes.",
            "By",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.linux.hugepages.reserved",
            "Number of reserved hugepages (hugepages for which a commitment to allocate has been made, but no allocation has yet been made).",
            "{page}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.linux.hugepages.surplus",
            "Number of surplus hugepages (overcommitted hugepages beyond the persistent pool).",
            "{page}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.linux.hugepages.usage",
            "Number of hugepages in use by state.",
            "{page}",
            false,
            Int,
            false,
            HUGEPAGES_STATE,
        ),
        gauge(
            "system.memory.linux.hugepages.utilization",
            "Percentage of hugepages in use by state.",
            "1",
            Double,
            false,
            HUGEPAGES_STATE,
        ),
        sum(
            "system.memory.linux.shared",
            "Shared memory usage, including tmpfs filesystems and System V/POSIX shared memory.",
            "By",
            false,
            Int,
            false,
            &[],
        ),
        gauge(
            "system.memory.page_size",
            "A constant value for the system's configured page size.",
            "By",
            Int,
            false,
            &[],
        ),
        sum(
            "system.memory.usage",
            "Bytes of memory in use.",
            "By",
            false,
            Int,
            true,
            &["state"],
        ),
        gauge(
            "system.memory.utilization",
            "Percentage of memory bytes in use.",
            "1",
            Double,
            false,
            &["state"],
        ),
    ],
    resource_attributes: &[],
};

const NET_ATTRS: &[&str] = &["device", "direction"];

/// The `network` scraper.
pub const NETWORK: ScraperMetadata = ScraperMetadata {
    name: "network",
    scope: scope!("networkscraper"),
    metrics: &[
        sum(
            "system.network.connections",
            "The number of connections.",
            "{connections}",
            false,
            Int,
            true,
            &["protocol", "state"],
        ),
        sum(
            "system.network.conntrack.count",
            "The count of entries in conntrack table.",
            "{entries}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.network.conntrack.max",
            "The limit for entries in the conntrack table.",
            "{entries}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "system.network.dropped",
            "The number of packets dropped.",
            "{packets}",
            true,
            Int,
            true,
            NET_ATTRS,
        ),
        sum(
            "system.network.errors",
            "The number of errors encountered.",
            "{errors}",
            true,
            Int,
            true,
            NET_ATTRS,
        ),
        sum(
            "system.network.io",
            "The number of bytes transmitted and received.",
            "By",
            true,
            Int,
            true,
            NET_ATTRS,
        ),
        sum(
            "system.network.packets",
            "The number of packets transferred.",
            "{packets}",
            true,
            Int,
            true,
            NET_ATTRS,
        ),
    ],
    resource_attributes: &[],
};

/// The `paging` scraper.
pub const PAGING: ScraperMetadata = ScraperMetadata {
    name: "paging",
    scope: scope!("pagingscraper"),
    metrics: &[
        sum(
            "system.paging.faults",
            "The number of page faults.",
            "{faults}",
            true,
            Int,
            true,
            &["type"],
        ),
        sum(
            "system.paging.operations",
            "The number of paging operations.",
            "{operations}",
            true,
            Int,
            true,
            &["direction", "type"],
        ),
        sum(
            "system.paging.usage",
            "Swap (unix) or pagefile (windows) usage.",
            "By",
            false,
            Int,
            true,
            &["device", "state"],
        ),
        gauge(
            "system.paging.utilization",
            "Swap (unix) or pagefile (windows) utilization.",
            "1",
            Double,
            false,
            &["device", "state"],
        ),
    ],
    resource_attributes: &[],
};

/// The `processes` scraper.
pub const PROCESSES: ScraperMetadata = ScraperMetadata {
    name: "processes",
    scope: scope!("processesscraper"),
    metrics: &[
        sum(
            "system.processes.count",
            "Total number of processes in each state.",
            "{processes}",
            false,
            Int,
            true,
            &["status"],
        ),
        sum(
            "system.processes.created",
            "Total number of created processes.",
            "{processes}",
            true,
            Int,
            true,
            &[],
        ),
    ],
    resource_attributes: &[],
};

/// The `process` scraper.
pub const PROCESS: ScraperMetadata = ScraperMetadata {
    name: "process",
    scope: scope!("processscraper"),
    metrics: &[
        sum(
            "process.context_switches",
            "Number of times the process has been context switched.",
            "{count}",
            true,
            Int,
            false,
            &["type"],
        ),
        sum(
            "process.cpu.time",
            "Total CPU seconds broken down by different states.",
            "s",
            true,
            Double,
            true,
            &["state"],
        ),
        gauge(
            "process.cpu.utilization",
            "Percentage of total CPU time used by the process since last scrape, expressed as a value between 0 and 1. On the first scrape, no data point is emitted for this metric.",
            "1",
            Double,
            false,
            &["state"],
        ),
        sum(
            "process.disk.io",
            "Disk bytes transferred.",
            "By",
            true,
            Int,
            true,
            &["direction"],
        ),
        sum(
            "process.disk.operations",
            "Number of disk operations performed by the process.",
            "{operations}",
            true,
            Int,
            false,
            &["direction"],
        ),
        sum(
            "process.handles",
            "Number of handles held by the process.",
            "{count}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "process.memory.usage",
            "The amount of physical memory in use.",
            "By",
            false,
            Int,
            true,
            &[],
        ),
        gauge(
            "process.memory.utilization",
            "Percentage of total physical memory that is used by the process.",
            "1",
            Double,
            false,
            &[],
        ),
        sum(
            "process.memory.virtual",
            "Virtual memory size.",
            "By",
            false,
            Int,
            true,
            &[],
        ),
        sum(
            "process.open_file_descriptors",
            "Number of file descriptors in use by the process.",
            "{count}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "process.paging.faults",
            "Number of page faults the process has made.",
            "{faults}",
            true,
            Int,
            false,
            &["type"],
        ),
        sum(
            "process.signals_pending",
            "Number of pending signals for the process.",
            "{signals}",
            false,
            Int,
            false,
            &[],
        ),
        sum(
            "process.threads",
            "Process threads count.",
            "{threads}",
            false,
            Int,
            false,
            &[],
        ),
        gauge(
            "process.uptime",
            "The time the process has been running.",
            "s",
            Double,
            false,
            &[],
        ),
    ],
    resource_attributes: &[
        ResourceAttributeDef {
            name: "process.pid",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.parent_pid",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.executable.name",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.executable.path",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.command",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.command_line",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.owner",
            enabled: true,
        },
        ResourceAttributeDef {
            name: "process.cgroup",
            enabled: false,
        },
    ],
};

/// The `system` scraper.
pub const SYSTEM: ScraperMetadata = ScraperMetadata {
    name: "system",
    scope: scope!("systemscraper"),
    metrics: &[gauge(
        "system.uptime",
        "The time the system has been running",
        "s",
        Double,
        true,
        &[],
    )],
    resource_attributes: &[],
};

/// Every scraper this build implements, in the order they are scraped.
pub const ALL: [&ScraperMetadata; 10] = [
    &CPU,
    &DISK,
    &FILESYSTEM,
    &LOAD,
    &MEMORY,
    &NETWORK,
    &PAGING,
    &PROCESSES,
    &PROCESS,
    &SYSTEM,
];

/// The scope name of scraper `pkg` (`cpuscraper`), for tests and docs.
pub fn scope_name(pkg: &str) -> String {
    format!("{SCOPE_PREFIX}{pkg}")
}

/// A value recorded for a metric.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Number {
    Int(i64),
    Double(f64),
}

/// Collects one scrape's data points of one scraper (per resource for
/// `process`) and emits them as OTLP metrics, only for enabled metrics.
#[derive(Debug)]
pub(crate) struct MetricsBuilder {
    meta: &'static ScraperMetadata,
    enabled: Vec<bool>,
    points: Vec<Vec<NumberDataPoint>>,
    start: u64,
}

impl MetricsBuilder {
    /// A builder for `meta` with the enablement of `cfg` (defaults from `meta`).
    pub(crate) fn new(meta: &'static ScraperMetadata, cfg: &MetricsConfig) -> Self {
        let enabled = meta
            .metrics
            .iter()
            .map(|m| cfg.get(m.name).and_then(|t| t.enabled).unwrap_or(m.enabled))
            .collect();
        MetricsBuilder {
            meta,
            enabled,
            points: vec![Vec::new(); meta.metrics.len()],
            start: 0,
        }
    }

    /// Sets the start time of the points recorded from now on (boot time,
    /// or the process start time).
    pub(crate) fn set_start(&mut self, start: u64) {
        self.start = start;
    }

    fn index(&self, name: &str) -> Option<usize> {
        self.meta.metrics.iter().position(|m| m.name == name)
    }

    /// Whether metric `name` is emitted.
    pub(crate) fn enabled(&self, name: &str) -> bool {
        self.index(name)
            .and_then(|i| self.enabled.get(i).copied())
            .unwrap_or(false)
    }

    /// Whether any of `names` is emitted.
    pub(crate) fn any_enabled(&self, names: &[&str]) -> bool {
        names.iter().any(|n| self.enabled(n))
    }

    /// Records an integer point (converted if the metric is a double one).
    pub(crate) fn int(&mut self, name: &str, now: u64, value: i64, attrs: &[&str]) {
        self.record(name, now, Number::Int(value), attrs);
    }

    /// Records a double point (converted if the metric is an integer one).
    pub(crate) fn double(&mut self, name: &str, now: u64, value: f64, attrs: &[&str]) {
        self.record(name, now, Number::Double(value), attrs);
    }

    /// Records a point of `name` with the attribute values `attrs`, in the
    /// order of the metric's attribute keys. Unknown or disabled metrics are
    /// ignored.
    fn record(&mut self, name: &str, now: u64, value: Number, attrs: &[&str]) {
        let Some(i) = self.index(name) else {
            debug_assert!(false, "metric {name} not declared");
            return;
        };
        if !self.enabled.get(i).copied().unwrap_or(false) {
            return;
        }
        let Some(def) = self.meta.metrics.get(i) else {
            return;
        };
        let value = match (def.value, value) {
            (ValueType::Int, Number::Int(v)) => number_data_point::Value::AsInt(v),
            (ValueType::Int, Number::Double(v)) => number_data_point::Value::AsInt(v as i64),
            (ValueType::Double, Number::Double(v)) => number_data_point::Value::AsDouble(v),
            (ValueType::Double, Number::Int(v)) => number_data_point::Value::AsDouble(v as f64),
        };
        let attributes = def
            .attributes
            .iter()
            .zip(attrs)
            .map(|(k, v)| string_kv(k, v))
            .collect();
        if let Some(points) = self.points.get_mut(i) {
            points.push(NumberDataPoint {
                attributes,
                start_time_unix_nano: self.start,
                time_unix_nano: now,
                value: Some(value),
                ..Default::default()
            });
        }
    }

    /// Data points recorded since the last emit.
    #[cfg(test)]
    pub(crate) fn point_count(&self) -> usize {
        self.points.iter().map(Vec::len).sum()
    }

    /// Takes the recorded points as metrics, in definition order, skipping
    /// metrics without points; the builder is empty afterwards.
    pub(crate) fn emit_metrics(&mut self) -> Vec<Metric> {
        let mut out = Vec::new();
        for (def, points) in self.meta.metrics.iter().zip(self.points.iter_mut()) {
            if points.is_empty() {
                continue;
            }
            let data_points = std::mem::take(points);
            let data = match def.instrument {
                Instrument::Sum { monotonic } => metric::Data::Sum(Sum {
                    data_points,
                    aggregation_temporality: AggregationTemporality::Cumulative as i32,
                    is_monotonic: monotonic,
                }),
                Instrument::Gauge => metric::Data::Gauge(Gauge { data_points }),
            };
            out.push(Metric {
                name: def.name.to_string(),
                description: def.description.to_string(),
                unit: def.unit.to_string(),
                data: Some(data),
                ..Default::default()
            });
        }
        out
    }

    /// Emits the recorded points as one resource's metrics (`resource`
    /// empty for host-wide scrapers), or `None` when nothing was recorded.
    pub(crate) fn emit(&mut self, resource: Vec<KeyValue>, version: &str) -> Option<ResourceMetrics> {
        let metrics = self.emit_metrics();
        if metrics.is_empty() {
            return None;
        }
        Some(ResourceMetrics {
            resource: Some(Resource {
                attributes: resource,
                ..Default::default()
            }),
            scope_metrics: vec![ScopeMetrics {
                scope: Some(InstrumentationScope {
                    name: self.meta.scope.to_string(),
                    version: version.to_string(),
                    ..Default::default()
                }),
                metrics,
                ..Default::default()
            }],
            ..Default::default()
        })
    }
}

/// A resource attribute value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum AttrValue {
    Str(String),
    Int(i64),
}

/// Builds resources from the attributes enabled in the config.
#[derive(Debug)]
pub(crate) struct ResourceBuilder {
    enabled: BTreeMap<&'static str, bool>,
}

impl ResourceBuilder {
    /// A builder for `meta`'s attributes with the enablement of `cfg`.
    pub(crate) fn new(meta: &'static ScraperMetadata, cfg: &ResourceAttributesConfig) -> Self {
        let enabled = meta
            .resource_attributes
            .iter()
            .map(|a| {
                (
                    a.name,
                    cfg.get(a.name).and_then(|t| t.enabled).unwrap_or(a.enabled),
                )
            })
            .collect();
        ResourceBuilder { enabled }
    }

    /// Whether attribute `name` is set.
    pub(crate) fn enabled(&self, name: &str) -> bool {
        self.enabled.get(name).copied().unwrap_or(false)
    }

    /// The attributes of `values` that are enabled, in the given order.
    pub(crate) fn build(&self, values: Vec<(&'static str, AttrValue)>) -> Vec<KeyValue> {
        values
            .into_iter()
            .filter(|(k, _)| self.enabled(k))
            .map(|(k, v)| KeyValue {
                key: k.to_string(),
                value: Some(AnyValue {
                    value: Some(match v {
                        AttrValue::Str(s) => any_value::Value::StringValue(s),
                        AttrValue::Int(i) => any_value::Value::IntValue(i),
                    }),
                }),
                ..Default::default()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::MetricToggle;

    #[test]
    fn tables_are_sorted_and_unique() {
        for meta in ALL {
            let names: Vec<_> = meta.metrics.iter().map(|m| m.name).collect();
            let mut sorted = names.clone();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(names, sorted, "{}", meta.name);
            assert!(meta.scope.starts_with(SCOPE_PREFIX) && meta.scope.ends_with("scraper"));
            assert_eq!(meta.scope, scope_name(&format!("{}scraper", meta.name)));
        }
    }

    #[test]
    fn go_defaults() {
        // (scraper, metric, enabled by default, instrument, value type)
        let table: &[(&ScraperMetadata, &str, bool, Instrument, ValueType)] = &[
            (
                &CPU,
                "system.cpu.time",
                true,
                Instrument::Sum { monotonic: true },
                Double,
            ),
            (&CPU, "system.cpu.utilization", false, Instrument::Gauge, Double),
            (
                &CPU,
                "system.cpu.logical.count",
                false,
                Instrument::Sum { monotonic: false },
                Int,
            ),
            (
                &MEMORY,
                "system.memory.usage",
                true,
                Instrument::Sum { monotonic: false },
                Int,
            ),
            (
                &MEMORY,
                "system.memory.limit",
                false,
                Instrument::Sum { monotonic: false },
                Int,
            ),
            (
                &LOAD,
                "system.cpu.load_average.1m",
                true,
                Instrument::Gauge,
                Double,
            ),
            (
                &DISK,
                "system.disk.pending_operations",
                true,
                Instrument::Sum { monotonic: false },
                Int,
            ),
            (
                &NETWORK,
                "system.network.io",
                true,
                Instrument::Sum { monotonic: true },
                Int,
            ),
            (
                &NETWORK,
                "system.network.conntrack.max",
                false,
                Instrument::Sum { monotonic: false },
                Int,
            ),
            (
                &PAGING,
                "system.paging.utilization",
                false,
                Instrument::Gauge,
                Double,
            ),
            (
                &PROCESSES,
                "system.processes.created",
                true,
                Instrument::Sum { monotonic: true },
                Int,
            ),
            (
                &PROCESS,
                "process.cpu.time",
                true,
                Instrument::Sum { monotonic: true },
                Double,
            ),
            (
                &PROCESS,
                "process.threads",
                false,
                Instrument::Sum { monotonic: false },
                Int,
            ),
            (&SYSTEM, "system.uptime", true, Instrument::Gauge, Double),
        ];
        for (meta, name, enabled, instrument, value) in table {
            let m = meta.metric(name).unwrap_or_else(|| panic!("{name}"));
            assert_eq!(
                (m.enabled, m.instrument, m.value),
                (*enabled, *instrument, *value),
                "{name}"
            );
        }
    }

    #[test]
    fn builder_emits_enabled_metrics_only() {
        let mut cfg = MetricsConfig::new();
        cfg.insert("system.cpu.time".into(), MetricToggle { enabled: Some(false) });
        cfg.insert(
            "system.cpu.logical.count".into(),
            MetricToggle { enabled: Some(true) },
        );
        let mut b = MetricsBuilder::new(&CPU, &cfg);
        b.set_start(5);
        assert!(!b.enabled("system.cpu.time") && b.enabled("system.cpu.logical.count"));
        b.double("system.cpu.time", 9, 1.5, &["cpu0", "user"]);
        b.int("system.cpu.logical.count", 9, 2, &[]);
        assert_eq!(b.point_count(), 1);
        let rm = b.emit(vec![], "1.2.3").unwrap();
        let sm = &rm.scope_metrics[0];
        assert_eq!(sm.scope.as_ref().unwrap().version, "1.2.3");
        assert_eq!(sm.metrics.len(), 1);
        let m = &sm.metrics[0];
        assert_eq!(
            (m.name.as_str(), m.unit.as_str()),
            ("system.cpu.logical.count", "{cpu}")
        );
        let Some(metric::Data::Sum(s)) = &m.data else {
            panic!()
        };
        assert!(!s.is_monotonic);
        assert_eq!(
            s.aggregation_temporality,
            AggregationTemporality::Cumulative as i32
        );
        assert_eq!(s.data_points[0].start_time_unix_nano, 5);
        assert_eq!(s.data_points[0].value, Some(number_data_point::Value::AsInt(2)));
        assert!(b.emit(vec![], "").is_none(), "emptied by emit");
    }
}
