//! The tracez store: per span name, running count, latency-bucket counts,
//! error count, and a few recent samples of each (bounded).

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

/// Number of latency buckets.
pub const BUCKET_COUNT: usize = 9;

/// Lower bound of each latency bucket (Go zpages: 0, 10µs, 100µs, 1ms, 10ms,
/// 100ms, 1s, 10s, 1m); a span falls in the last bucket whose bound it reaches.
pub const LATENCY_BUCKET_BOUNDS: [Duration; BUCKET_COUNT] = [
    Duration::ZERO,
    Duration::from_micros(10),
    Duration::from_micros(100),
    Duration::from_millis(1),
    Duration::from_millis(10),
    Duration::from_millis(100),
    Duration::from_secs(1),
    Duration::from_secs(10),
    Duration::from_secs(60),
];

/// Samples kept per (span name, latency bucket), and for errors per span name.
pub const SAMPLES_PER_BUCKET: usize = 10;

/// Distinct span names tracked; spans with further names are only counted as dropped.
pub const MAX_SPAN_NAMES: usize = 1024;

/// The latency bucket of a span that lasted `d`.
pub fn latency_bucket(d: Duration) -> usize {
    LATENCY_BUCKET_BOUNDS.iter().rposition(|b| d >= *b).unwrap_or(0)
}

/// One finished span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpanSample {
    /// The span's name.
    pub name: String,
    /// The span's target (module path, usually).
    pub target: String,
    /// When the span was created.
    pub start: SystemTime,
    /// From creation to close.
    pub duration: Duration,
    /// The span's fields, as recorded (bounded in number and length).
    pub fields: Vec<(String, String)>,
    /// Why the span failed, if it did.
    pub error: Option<String>,
}

/// Counts for one span name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanNameSummary {
    /// The span name.
    pub name: String,
    /// Spans of this name open now.
    pub running: u64,
    /// Finished spans without error, by latency bucket.
    pub latency_counts: [u64; BUCKET_COUNT],
    /// Finished spans with an error.
    pub error_count: u64,
}

#[derive(Debug, Default)]
struct NameData {
    summary: SpanNameSummary,
    latency_samples: [VecDeque<SpanSample>; BUCKET_COUNT],
    error_samples: VecDeque<SpanSample>,
}

#[derive(Debug, Default)]
struct Inner {
    names: BTreeMap<String, NameData>,
    dropped: u64,
}

fn push_bounded(q: &mut VecDeque<SpanSample>, s: SpanSample) {
    if q.len() >= SAMPLES_PER_BUCKET {
        q.pop_front();
    }
    q.push_back(s);
}

/// Where the tracez layer records spans and the zpages page reads them. Cheap to clone.
#[derive(Clone, Default)]
pub struct TracezStore {
    inner: Arc<Mutex<Inner>>,
}

impl fmt::Debug for TracezStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = self.lock();
        f.debug_struct("TracezStore")
            .field("span_names", &inner.names.len())
            .field("dropped", &inner.dropped)
            .finish()
    }
}

impl TracezStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The entry for `name`, created while there is room.
    fn entry<'a>(inner: &'a mut Inner, name: &str) -> Option<&'a mut NameData> {
        if !inner.names.contains_key(name) {
            if inner.names.len() >= MAX_SPAN_NAMES {
                return None;
            }
            let mut data = NameData::default();
            data.summary.name = name.to_string();
            inner.names.insert(name.to_string(), data);
        }
        inner.names.get_mut(name)
    }

    /// A span named `name` was opened.
    pub fn span_started(&self, name: &str) {
        let mut inner = self.lock();
        if let Some(data) = Self::entry(&mut inner, name) {
            data.summary.running += 1;
        }
    }

    /// A span opened with [`TracezStore::span_started`] was closed.
    pub fn span_ended(&self, sample: SpanSample) {
        self.record(sample, true);
    }

    /// Records a finished span; `was_running` if it was counted as running.
    pub fn record(&self, sample: SpanSample, was_running: bool) {
        let mut inner = self.lock();
        let Some(data) = Self::entry(&mut inner, &sample.name) else {
            inner.dropped += 1;
            return;
        };
        if was_running {
            data.summary.running = data.summary.running.saturating_sub(1);
        }
        if sample.error.is_some() {
            data.summary.error_count += 1;
            push_bounded(&mut data.error_samples, sample);
        } else {
            let bucket = latency_bucket(sample.duration);
            if let (Some(count), Some(samples)) = (
                data.summary.latency_counts.get_mut(bucket),
                data.latency_samples.get_mut(bucket),
            ) {
                *count += 1;
                push_bounded(samples, sample);
            }
        }
    }

    /// Counts for every span name, sorted by name.
    pub fn summaries(&self) -> Vec<SpanNameSummary> {
        self.lock().names.values().map(|d| d.summary.clone()).collect()
    }

    /// Recent error-free samples of `name` in latency bucket `bucket`, oldest first.
    pub fn latency_samples(&self, name: &str, bucket: usize) -> Vec<SpanSample> {
        self.lock()
            .names
            .get(name)
            .and_then(|d| d.latency_samples.get(bucket))
            .map(|q| q.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Recent failed samples of `name`, oldest first.
    pub fn error_samples(&self, name: &str) -> Vec<SpanSample> {
        self.lock()
            .names
            .get(name)
            .map(|d| d.error_samples.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Finished spans not recorded because [`MAX_SPAN_NAMES`] names were already tracked.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str, duration: Duration, error: Option<&str>) -> SpanSample {
        SpanSample {
            name: name.into(),
            target: "t".into(),
            start: SystemTime::now(),
            duration,
            fields: Vec::new(),
            error: error.map(str::to_string),
        }
    }

    #[test]
    fn buckets_by_lower_bound() {
        let cases = [
            (Duration::ZERO, 0),
            (Duration::from_micros(9), 0),
            (Duration::from_micros(10), 1),
            (Duration::from_micros(500), 2),
            (Duration::from_millis(1), 3),
            (Duration::from_millis(99), 4),
            (Duration::from_millis(100), 5),
            (Duration::from_secs(5), 6),
            (Duration::from_secs(59), 7),
            (Duration::from_secs(3600), 8),
        ];
        for (d, want) in cases {
            assert_eq!(latency_bucket(d), want, "{d:?}");
        }
    }

    #[test]
    fn counts_running_latency_and_errors() {
        let store = TracezStore::new();
        store.span_started("export");
        store.span_started("export");
        assert_eq!(store.summaries()[0].running, 2);
        store.span_ended(sample("export", Duration::from_millis(5), None));
        store.span_ended(sample("export", Duration::from_millis(5), Some("boom")));
        let s = &store.summaries()[0];
        assert_eq!((s.running, s.latency_counts[3], s.error_count), (0, 1, 1));
        assert_eq!(
            s.latency_counts.iter().sum::<u64>(),
            1,
            "errors are not in latency buckets"
        );
        assert_eq!(store.latency_samples("export", 3).len(), 1);
        assert_eq!(store.error_samples("export")[0].error.as_deref(), Some("boom"));
        assert!(store.latency_samples("export", 99).is_empty());
        assert!(store.error_samples("nope").is_empty());
    }

    #[test]
    fn samples_and_names_are_bounded() {
        let store = TracezStore::new();
        for _ in 0..SAMPLES_PER_BUCKET + 5 {
            store.record(sample("a", Duration::ZERO, None), false);
        }
        assert_eq!(
            store.summaries()[0].latency_counts[0],
            (SAMPLES_PER_BUCKET + 5) as u64
        );
        assert_eq!(store.latency_samples("a", 0).len(), SAMPLES_PER_BUCKET);
        for i in 0..MAX_SPAN_NAMES + 3 {
            store.record(sample(&format!("n{i}"), Duration::ZERO, None), false);
        }
        assert_eq!(store.summaries().len(), MAX_SPAN_NAMES);
        assert_eq!(
            store.dropped(),
            4,
            "only MAX_SPAN_NAMES - 1 new names fit beside `a`"
        );
    }
}
