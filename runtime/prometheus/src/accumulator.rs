//! The accumulator: the latest sample of every series, with delta sums and
//! histograms accumulated into cumulative ones (as the Go exporter's
//! `lastValueAccumulator`), series expiry, `target_info`, and snapshots for
//! rendering.
//!
//! [`Accumulator::accumulate`] translates a request outside the lock and
//! then applies the updates under one mutex; [`Accumulator::snapshot`] drops
//! expired series and copies `Arc` handles of the rest (sorted by family
//! and label string), so rendering runs without the lock.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::model::{FamilyKind, Number, Sample, Series, Value};
use crate::naming::MetricNamer;
use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::translate::{Mode, Options, prepare};

/// Name of the resource metadata family (before the namespace prefix).
pub const TARGET_INFO: &str = "target_info";
/// HELP text of `target_info`.
pub const TARGET_INFO_HELP: &str = "Target metadata";

/// A source of the current time, so that expiry can be tested.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Instant;
}

/// The real clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// A clock that only moves when told to (for tests).
#[derive(Debug)]
pub struct ManualClock {
    base: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    /// A clock standing at the current instant.
    pub fn new() -> Self {
        ManualClock {
            base: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    /// Moves the clock forward.
    pub fn advance(&self, by: Duration) {
        let mut o = self.offset.lock().unwrap_or_else(PoisonError::into_inner);
        *o += by;
    }
}

impl Default for ManualClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.base + *self.offset.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// How the accumulator names and labels series.
#[derive(Clone, Debug)]
pub struct AccumulatorConfig {
    /// Builds metric names (namespace, suffixes).
    pub namer: MetricNamer,
    /// Labels added to every series except `target_info` (valid names).
    pub const_labels: Vec<(String, String)>,
    /// Adds `otel_scope_name`, `otel_scope_version`, `otel_scope_schema_url`
    /// and `otel_scope_<attr>` labels (Go: `!without_scope_info`).
    pub scope_info: bool,
    /// Copies resource attributes into every series' labels.
    pub resource_to_telemetry: bool,
    /// A series not updated for this long disappears.
    pub expiration: Duration,
}

impl Default for AccumulatorConfig {
    fn default() -> Self {
        AccumulatorConfig {
            namer: MetricNamer::new("", true),
            const_labels: Vec::new(),
            scope_info: true,
            resource_to_telemetry: false,
            expiration: Duration::from_secs(300),
        }
    }
}

#[derive(Debug)]
struct Stored {
    series: Arc<Series>,
    updated: Instant,
}

#[derive(Debug)]
struct Family {
    help: Arc<str>,
    kind: FamilyKind,
    series: BTreeMap<Arc<str>, Stored>,
}

/// One metric family of a [`Snapshot`].
#[derive(Clone, Debug)]
pub struct FamilySnapshot {
    /// The metric name.
    pub name: Arc<str>,
    /// The HELP text (the OTLP description of the first metric seen).
    pub help: Arc<str>,
    /// The Prometheus type.
    pub kind: FamilyKind,
    /// The series, sorted by label string.
    pub series: Vec<Arc<Series>>,
}

/// The live series at one instant, sorted by family name.
#[derive(Clone, Debug, Default)]
pub struct Snapshot {
    /// The families.
    pub families: Vec<FamilySnapshot>,
}

impl Snapshot {
    /// Total number of series.
    pub fn series_count(&self) -> usize {
        self.families.iter().map(|f| f.series.len()).sum()
    }
}

/// Keeps the latest value of every series for scraping.
#[derive(Debug)]
pub struct Accumulator {
    cfg: AccumulatorConfig,
    clock: Arc<dyn Clock>,
    families: Mutex<BTreeMap<Arc<str>, Family>>,
}

impl Accumulator {
    /// An accumulator on the system clock.
    pub fn new(cfg: AccumulatorConfig) -> Self {
        Self::with_clock(cfg, Arc::new(SystemClock))
    }

    /// An accumulator on the given clock.
    pub fn with_clock(cfg: AccumulatorConfig, clock: Arc<dyn Clock>) -> Self {
        Accumulator {
            cfg,
            clock,
            families: Mutex::new(BTreeMap::new()),
        }
    }

    /// Stores the points of `req`; returns how many were accepted.
    pub fn accumulate(&self, req: &ExportMetricsServiceRequest) -> usize {
        let opts = Options {
            namer: &self.cfg.namer,
            const_labels: &self.cfg.const_labels,
            scope_info: self.cfg.scope_info,
            resource_to_telemetry: self.cfg.resource_to_telemetry,
        };
        let prepared = prepare(&opts, req);
        if prepared.updates.is_empty() {
            return 0;
        }
        let target_name: Arc<str> = Arc::from(self.cfg.namer.prefixed(TARGET_INFO));
        let now = self.clock.now();
        let mut accepted_per_resource = vec![0usize; req.resource_metrics.len()];
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        let descs: Vec<Arc<str>> = prepared
            .families
            .iter()
            .map(|d| Arc::from(d.name.as_str()))
            .collect();
        for u in prepared.updates {
            let (Some(desc), Some(name)) = (prepared.families.get(u.family), descs.get(u.family)) else {
                continue;
            };
            let fam = families.entry(name.clone()).or_insert_with(|| Family {
                help: Arc::from(desc.help.as_str()),
                kind: desc.kind,
                series: BTreeMap::new(),
            });
            if fam.kind != desc.kind {
                tracing::debug!(metric = %name, existing = fam.kind.as_str(), dropped = desc.kind.as_str(),
                    "instrument type conflict, using existing type definition");
                continue;
            }
            if apply(fam, u.key, u.sample, u.mode, now) {
                if let Some(n) = accepted_per_resource.get_mut(u.resource) {
                    *n += 1;
                }
            }
        }
        for t in prepared.targets {
            if accepted_per_resource.get(t.resource).copied().unwrap_or(0) == 0 {
                continue;
            }
            let fam = families.entry(target_name.clone()).or_insert_with(|| Family {
                help: Arc::from(TARGET_INFO_HELP),
                kind: FamilyKind::Gauge,
                series: BTreeMap::new(),
            });
            let sample = Sample {
                start_unix_nano: 0,
                time_unix_nano: 0,
                value: Value::Number(Number::Double(1.0)),
                exemplars: Vec::new(),
            };
            let series = Arc::new(Series {
                labels: Arc::from(t.labels),
                sample,
            });
            fam.series
                .insert(Arc::from(t.key), Stored { series, updated: now });
        }
        accepted_per_resource.iter().sum()
    }

    /// Drops expired series and returns the rest.
    pub fn snapshot(&self) -> Snapshot {
        let now = self.clock.now();
        let expiration = self.cfg.expiration;
        let mut families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        families.retain(|_, f| {
            f.series
                .retain(|_, s| now.saturating_duration_since(s.updated) <= expiration);
            !f.series.is_empty()
        });
        Snapshot {
            families: families
                .iter()
                .map(|(name, f)| FamilySnapshot {
                    name: name.clone(),
                    help: f.help.clone(),
                    kind: f.kind,
                    series: f.series.values().map(|s| s.series.clone()).collect(),
                })
                .collect(),
        }
    }

    /// Number of stored series (expired ones included until the next snapshot).
    pub fn series_count(&self) -> usize {
        let families = self.families.lock().unwrap_or_else(PoisonError::into_inner);
        families.values().map(|f| f.series.len()).sum()
    }
}

/// Applies one update to a family; true if the sample was stored.
fn apply(fam: &mut Family, key: String, sample: Option<Sample>, mode: Mode, now: Instant) -> bool {
    let Some(sample) = sample else {
        fam.series.remove(key.as_str());
        return false;
    };
    match fam.series.get_mut(key.as_str()) {
        None => {
            let labels: Arc<str> = Arc::from(key);
            let series = Arc::new(Series {
                labels: labels.clone(),
                sample,
            });
            fam.series.insert(labels, Stored { series, updated: now });
            true
        }
        Some(stored) => match combine(&stored.series.sample, sample, mode) {
            Some(sample) => {
                let labels = stored.series.labels.clone();
                stored.series = Arc::new(Series { labels, sample });
                stored.updated = now;
                true
            }
            None => false,
        },
    }
}

/// The new stored sample, or `None` to keep the old one (as Go's accumulator).
fn combine(prev: &Sample, mut new: Sample, mode: Mode) -> Option<Sample> {
    match mode {
        Mode::KeepFirst => None,
        Mode::Replace => (new.time_unix_nano >= prev.time_unix_nano).then_some(new),
        Mode::SumDelta => {
            if new.time_unix_nano < prev.time_unix_nano {
                return None;
            }
            if new.start_unix_nano == prev.time_unix_nano {
                if let (Value::Number(a), Value::Number(b)) = (&prev.value, &new.value) {
                    new.value = Value::Number(a.plus(*b));
                    new.start_unix_nano = prev.start_unix_nano;
                }
            }
            Some(new)
        }
        Mode::HistDelta => {
            if new.start_unix_nano != prev.time_unix_nano {
                // A gap is a restart; an overlap breaks the single-writer rule.
                return (new.start_unix_nano > prev.time_unix_nano).then_some(new);
            }
            let prev_is_older = prev.time_unix_nano <= new.time_unix_nano;
            let merged = match (&prev.value, &new.value) {
                (Value::Histogram(p), Value::Histogram(n)) => {
                    let (older, newer) = if prev_is_older { (p, n) } else { (n, p) };
                    Value::Histogram(Box::new(crate::model::HistogramValue::merge(older, newer)))
                }
                (Value::Exponential(p), Value::Exponential(n)) => Value::Exponential(Box::new(p.merge(n))),
                _ => return Some(new),
            };
            Some(Sample {
                start_unix_nano: prev.start_unix_nano,
                time_unix_nano: prev.time_unix_nano.max(new.time_unix_nano),
                value: merged,
                exemplars: new.exemplars,
            })
        }
    }
}
