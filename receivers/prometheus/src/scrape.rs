//! One target's scrape loop, as Prometheus' `scrapeLoop` runs it: the
//! first scrape at a per-target offset within the interval, then one every
//! interval; each scrape's samples relabeled and limited, stale markers for
//! series that disappeared (all of them when the scrape failed), then the
//! report samples (`up`, `scrape_duration_seconds`,
//! `scrape_samples_scraped`, `scrape_samples_post_metric_relabeling`,
//! `scrape_series_added`); all translated to OTLP and handed on. When the
//! target goes away (discovery), its series are marked stale about two
//! intervals later; at shutdown they are not.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use otelcol_component::metrics::Counter;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::metrics::v1::metric::Data;
use otelcol_component::{ComponentId, Meter, Metrics, Payload, SharedConsumer};
use tokio::sync::watch;
use tokio::time::MissedTickBehavior;

use crate::adjust::Adjuster;
use crate::client::{ClientSettings, ScrapeClient, ScrapeError};
use crate::config::Job;
use crate::discovery::Target;
use crate::labels::{self, Labels};
use crate::relabel;
use crate::textparse::{Entry, Format, MetricKind, Parser};
use crate::translate::{Builder, Context, Meta, MetaSource, Sample};

/// The receiver's self-metrics, with Go's names and labels.
#[derive(Debug, Clone)]
pub(crate) struct SelfMetrics {
    accepted: Counter,
    refused: Counter,
}

impl SelfMetrics {
    pub(crate) fn new(meter: &Meter, id: &ComponentId) -> Self {
        let labels = [("receiver", id.to_string()), ("transport", "http".to_string())];
        SelfMetrics {
            accepted: meter.counter("otelcol_receiver_accepted_metric_points", &labels),
            refused: meter.counter("otelcol_receiver_refused_metric_points", &labels),
        }
    }
}

/// What every loop of a receiver shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) id: ComponentId,
    pub(crate) next: SharedConsumer<Metrics>,
    pub(crate) counters: SelfMetrics,
    pub(crate) adjuster: Mutex<Adjuster>,
    pub(crate) trim_suffixes: bool,
    pub(crate) report_extra: bool,
    pub(crate) external_labels: Labels,
    pub(crate) version: String,
    pub(crate) offset_seed: u64,
}

/// A job with its client settings.
#[derive(Debug)]
pub(crate) struct JobRuntime {
    pub(crate) job: Job,
    pub(crate) client: Arc<ClientSettings>,
}

/// Prometheus keeps a family's metadata this many scrapes after it was
/// last exposed.
const META_KEEP_ITERATIONS: u64 = 10;

/// The most per-sample warnings logged for one scrape.
const MAX_WARNINGS_LOGGED: usize = 10;

#[derive(Clone, Debug)]
struct CachedMeta {
    meta: Meta,
    last_iter: u64,
}

/// The metadata seen on a target (Prometheus' scrape cache).
#[derive(Debug, Default)]
struct MetaCache(HashMap<String, CachedMeta>);

impl MetaSource for MetaCache {
    fn meta(&self, name: &str) -> Option<&Meta> {
        self.0.get(name).map(|c| &c.meta)
    }
}

impl MetaCache {
    fn entry(&mut self, name: &str, iter: u64) -> &mut Meta {
        let e = self.0.entry(name.to_string()).or_insert_with(|| CachedMeta {
            meta: Meta {
                kind: MetricKind::Unknown,
                help: String::new(),
                unit: String::new(),
            },
            last_iter: iter,
        });
        e.last_iter = iter;
        &mut e.meta
    }

    fn sweep(&mut self, iter: u64) {
        self.0.retain(|_, c| iter - c.last_iter <= META_KEEP_ITERATIONS);
    }
}

/// The outcome of one scrape before translation.
#[derive(Debug, Default)]
struct Scraped {
    samples: Vec<Sample>,
    /// The series scraped, and whether each had an explicit timestamp.
    series: HashMap<Labels, bool>,
    total: u64,
    added: u64,
    series_added: u64,
    body_bytes: i64,
}

/// Now in Unix milliseconds.
fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Prometheus' `Target.offset`: where in the interval this target is
/// scraped, pinned to absolute time so that it stays put across restarts.
pub(crate) fn offset(hash: u64, interval: Duration, now_nanos: u128) -> Duration {
    let i = interval.as_nanos().max(1);
    let base = i - now_nanos % i;
    let off = u128::from(hash) % i;
    let mut next = base + off;
    if next > i {
        next -= i;
    }
    Duration::from_nanos(u64::try_from(next).unwrap_or(u64::MAX))
}

/// Waits until `rx` holds true (or its sender is gone).
async fn signalled(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|v| *v).await;
}

/// `exported_`-prefixes exposed labels that conflict with target labels
/// (Prometheus' `mutateSampleLabels` without `honor_labels`), or lets them
/// win (with it).
fn merge_target_labels(raw: &[(String, String)], target: &Labels, honor: bool) -> Labels {
    let mut lb = Labels::from_pairs(raw.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    if honor {
        for (k, v) in target.iter() {
            if !raw.iter().any(|(name, _)| name == k) {
                lb.set(k, v);
            }
        }
        return lb;
    }
    let mut conflicts: Vec<(String, String)> = Vec::new();
    for (k, v) in target.iter() {
        let existing = lb.value(k);
        if !existing.is_empty() {
            conflicts.push((k.to_string(), existing.to_string()));
        }
        lb.set(k, v);
    }
    conflicts.sort_by_key(|(k, _)| k.len());
    for (name, value) in conflicts {
        let mut new = name;
        loop {
            new = format!("exported_{new}");
            if lb.value(&new).is_empty() {
                lb.set(new, value);
                break;
            }
        }
    }
    lb
}

/// A target's loop and its state between scrapes.
#[derive(Debug)]
pub(crate) struct TargetLoop {
    target: Target,
    public: Labels,
    job: Arc<JobRuntime>,
    shared: Arc<Shared>,
    client: ScrapeClient,
    /// Series of the last successful scrape, and whether each had an
    /// explicit timestamp.
    series: HashMap<Labels, bool>,
    meta: MetaCache,
    iter: u64,
    scraped_once: bool,
    /// Set when the target is refused as a whole (`target_limit`).
    forced_error: Option<String>,
    /// What a failed scrape counted before failing.
    failed_stats: Scraped,
}

impl TargetLoop {
    /// A loop for `target` of `job`.
    pub(crate) fn new(
        target: Target,
        job: Arc<JobRuntime>,
        shared: Arc<Shared>,
        forced_error: Option<String>,
    ) -> Self {
        let client = ScrapeClient::new(job.client.clone());
        TargetLoop {
            public: target.public_labels(),
            target,
            job,
            shared,
            client,
            series: HashMap::new(),
            meta: MetaCache::default(),
            iter: 0,
            scraped_once: false,
            forced_error,
            failed_stats: Scraped::default(),
        }
    }

    /// Runs until `shutdown` (stops at once) or `removed` (stops after the
    /// end-of-run stale markers).
    pub(crate) async fn run(
        mut self,
        mut shutdown: watch::Receiver<bool>,
        mut removed: watch::Receiver<bool>,
    ) {
        let interval = self.target.interval;
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let first = offset(self.target.hash() ^ self.shared.offset_seed, interval, now);
        tokio::select! {
            biased;
            _ = signalled(&mut shutdown) => return,
            _ = signalled(&mut removed) => return,
            _ = tokio::time::sleep(first) => {}
        }
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                biased;
                _ = signalled(&mut shutdown) => return,
                _ = signalled(&mut removed) => {
                    self.end_of_run(&mut ticker, &mut shutdown).await;
                    return;
                }
                _ = ticker.tick() => {}
            }
            let samples = tokio::select! {
                biased;
                _ = signalled(&mut shutdown) => return,
                s = self.scrape_and_report() => s,
            };
            if *shutdown.borrow() {
                return;
            }
            self.deliver(samples).await;
        }
    }

    /// One scrape: the samples, stale markers and report samples to hand on.
    async fn scrape_and_report(&mut self) -> Vec<Sample> {
        let start = Instant::now();
        let ts = now_ms();
        let limit = self.job.job.body_size_limit;
        // On failure: the error and the body size to report.
        let result: Result<Scraped, (String, i64)> = match &self.forced_error {
            Some(e) => Err((e.clone(), 0)),
            None => match self
                .client
                .scrape(&self.target.url, self.target.timeout, limit)
                .await
            {
                Ok(body) => {
                    let len = i64::try_from(body.body.len()).unwrap_or(i64::MAX);
                    let format = Format::for_content_type(body.content_type.as_deref());
                    match self.process(&body.body, format, ts) {
                        Ok(mut s) => {
                            s.body_bytes = len;
                            Ok(s)
                        }
                        Err(e) => Err((e, len)),
                    }
                }
                Err(e) => {
                    let bytes = if e == ScrapeError::BodySizeLimit { -1 } else { 0 };
                    Err((e.to_string(), bytes))
                }
            },
        };
        self.scraped_once = true;
        let duration = start.elapsed();
        let (mut samples, mut stats, error) = match result {
            Ok(mut s) => (std::mem::take(&mut s.samples), s, None),
            Err((e, bytes)) => {
                let mut stats = std::mem::take(&mut self.failed_stats);
                stats.body_bytes = bytes;
                stats.series_added = 0;
                (Vec::new(), stats, Some(e))
            }
        };
        // Series gone since the last scrape (all of them after a failure).
        let current = std::mem::take(&mut stats.series);
        let track = self.job.job.track_timestamps_staleness;
        for (l, explicit) in &self.series {
            if !current.contains_key(l) && (!explicit || track) {
                samples.push(Sample {
                    labels: l.clone(),
                    value: f64::NAN,
                    ts_ms: ts,
                    stale: true,
                });
            }
        }
        self.series = current;
        if let Some(e) = &error {
            tracing::debug!(
                receiver = %self.shared.id,
                scrape_pool = %self.job.job.name,
                target = %otelcol_component::redact::redact_url(&self.target.url),
                error = %e,
                "Scrape failed"
            );
            tracing::warn!(
                receiver = %self.shared.id,
                scrape_timestamp = ts,
                target_labels = %self.public,
                error = %e,
                "Failed to scrape Prometheus endpoint"
            );
        }
        samples.extend(self.report(ts, error.is_none(), duration, &stats, false));
        samples
    }

    /// Parses a body and applies labels, relabeling and limits (Prometheus'
    /// `scrapeLoop.append`). On error, the message; what was counted is
    /// kept in `failed_stats` (it is reported even when the scrape failed).
    fn process(&mut self, body: &[u8], format: Format, ts: i64) -> Result<Scraped, String> {
        self.iter += 1;
        let iter = self.iter;
        let job = &self.job.job;
        let mut out = Scraped::default();
        let mut limit_error: Option<String> = None;
        let result = (|| -> Result<(), String> {
            for entry in Parser::new(body, format) {
                let entry = entry.map_err(|e| e.to_string())?;
                let sample = match entry {
                    Entry::Help { name, help } => {
                        self.meta.entry(&name, iter).help = help;
                        continue;
                    }
                    Entry::Type { name, kind } => {
                        self.meta.entry(&name, iter).kind = kind;
                        continue;
                    }
                    Entry::Unit { name, unit } => {
                        self.meta.entry(&name, iter).unit = unit;
                        continue;
                    }
                    Entry::Sample(s) => s,
                };
                out.total += 1;
                let mut raw = Vec::with_capacity(sample.labels.len() + 1);
                raw.push((labels::METRIC_NAME.to_string(), sample.name));
                raw.extend(sample.labels);
                for (i, (k, _)) in raw.iter().enumerate() {
                    if raw[..i].iter().any(|(other, _)| other == k) {
                        return Err(format!("invalid sample: non-unique label names: {k:?}"));
                    }
                }
                let mut lb = merge_target_labels(&raw, &self.public, job.honor_labels);
                if !relabel::process(&mut lb, &job.metric_relabel) || lb.is_empty() {
                    continue;
                }
                let name = lb.name().to_string();
                if name.is_empty() {
                    return Err("missing metric name (__name__ label)".into());
                }
                if job.label_limit > 0 && lb.len() as u64 > job.label_limit {
                    return Err(format!(
                        "label_limit exceeded (metric: {:.50}, number of labels: {}, limit: {})",
                        name,
                        lb.len(),
                        job.label_limit
                    ));
                }
                for (k, v) in lb.iter() {
                    if job.label_name_length_limit > 0 && k.len() as u64 > job.label_name_length_limit {
                        return Err(format!(
                            "label_name_length_limit exceeded (metric: {:.50}, label name: {:.50}, length: {}, limit: {})",
                            name,
                            k,
                            k.len(),
                            job.label_name_length_limit
                        ));
                    }
                    if job.label_value_length_limit > 0 && v.len() as u64 > job.label_value_length_limit {
                        return Err(format!(
                            "label_value_length_limit exceeded (metric: {:.50}, label name: {:.50}, value: {:.50}, length: {}, limit: {})",
                            name,
                            k,
                            v,
                            v.len(),
                            job.label_value_length_limit
                        ));
                    }
                }
                out.added += 1;
                if job.sample_limit > 0 && out.added > job.sample_limit {
                    limit_error.get_or_insert_with(|| "sample limit exceeded".to_string());
                    continue;
                }
                let (ts_ms, explicit) = match sample.timestamp_ms {
                    Some(t) if job.honor_timestamps => (t, true),
                    _ => (ts, false),
                };
                if out.series.insert(lb.clone(), explicit).is_none() && !self.series.contains_key(&lb) {
                    out.series_added += 1;
                }
                out.samples.push(Sample {
                    labels: lb,
                    value: sample.value,
                    ts_ms,
                    stale: false,
                });
            }
            Ok(())
        })();
        self.meta.sweep(iter);
        let error = result.err().or(limit_error);
        match error {
            None => Ok(out),
            Some(e) => {
                out.samples.clear();
                out.series.clear();
                self.failed_stats = out;
                Err(e)
            }
        }
    }

    /// The report samples (Prometheus' `report`, or `reportStale`).
    fn report(&self, ts: i64, up: bool, duration: Duration, stats: &Scraped, stale: bool) -> Vec<Sample> {
        let job = &self.job.job;
        let mut values: Vec<(&str, f64)> = vec![
            ("up", if up { 1.0 } else { 0.0 }),
            ("scrape_duration_seconds", duration.as_secs_f64()),
            ("scrape_samples_scraped", stats.total as f64),
            ("scrape_samples_post_metric_relabeling", stats.added as f64),
            ("scrape_series_added", stats.series_added as f64),
        ];
        if self.shared.report_extra {
            values.push(("scrape_timeout_seconds", self.target.timeout.as_secs_f64()));
            values.push(("scrape_sample_limit", job.sample_limit as f64));
            values.push(("scrape_body_size_bytes", stats.body_bytes as f64));
        }
        values
            .into_iter()
            .map(|(name, value)| {
                let mut l = self.public.clone();
                l.set(labels::METRIC_NAME, name);
                Sample {
                    labels: l,
                    value: if stale { f64::NAN } else { value },
                    ts_ms: ts,
                    stale,
                }
            })
            .collect()
    }

    /// Marks every series stale about two intervals after the target went
    /// away (Prometheus' `endOfRunStaleness`); nothing at shutdown.
    async fn end_of_run(&mut self, ticker: &mut tokio::time::Interval, shutdown: &mut watch::Receiver<bool>) {
        if !self.scraped_once {
            return;
        }
        let stale_ts = tokio::select! {
            biased;
            _ = signalled(shutdown) => return,
            _ = ticker.tick() => now_ms(),
        };
        tokio::select! {
            biased;
            _ = signalled(shutdown) => return,
            _ = ticker.tick() => {}
        }
        tokio::select! {
            biased;
            _ = signalled(shutdown) => return,
            _ = tokio::time::sleep(self.target.interval / 10) => {}
        }
        let mut samples: Vec<Sample> = self
            .series
            .iter()
            .filter(|(_, explicit)| !**explicit || self.job.job.track_timestamps_staleness)
            .map(|(l, _)| Sample {
                labels: l.clone(),
                value: f64::NAN,
                ts_ms: stale_ts,
                stale: true,
            })
            .collect();
        samples.extend(self.report(stale_ts, false, Duration::ZERO, &Scraped::default(), true));
        self.series.clear();
        if *shutdown.borrow() {
            return;
        }
        self.deliver(samples).await;
    }

    /// Translates, sets start times and hands the samples on, counting the
    /// points as accepted or refused.
    async fn deliver(&mut self, samples: Vec<Sample>) {
        let shared = self.shared.clone();
        let ctx = Context {
            trim_suffixes: shared.trim_suffixes,
            version: &shared.version,
            external_labels: &shared.external_labels,
            target: &self.public,
            discovered: &self.target.discovered,
        };
        let mut b = Builder::default();
        for s in &samples {
            b.add(s, &self.meta, &ctx);
        }
        let warnings = std::mem::take(&mut b.warnings);
        for w in warnings.iter().take(MAX_WARNINGS_LOGGED) {
            tracing::warn!(receiver = %shared.id, metric_name = %w.metric, error = %w.message, "failed to add datapoint");
        }
        if warnings.len() > MAX_WARNINGS_LOGGED {
            tracing::warn!(
                receiver = %shared.id,
                more = warnings.len() - MAX_WARNINGS_LOGGED,
                "more datapoints could not be added"
            );
        }
        let mut req = b.build(&ctx);
        let points = point_count(&req);
        if points == 0 {
            return;
        }
        let adjusted = shared
            .adjuster
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .adjust(&mut req);
        if let Err(e) = adjusted {
            shared.counters.refused.increment(points);
            tracing::warn!(receiver = %shared.id, target = %self.public, error = %e, points, "Scrape commit failed");
            return;
        }
        match shared.next.consume(Metrics::from_request(req)).await {
            Ok(()) => shared.counters.accepted.increment(points),
            Err(e) => {
                shared.counters.refused.increment(points);
                tracing::error!(receiver = %shared.id, target = %self.public, error = %e, points, "the next consumer refused the scraped metrics");
            }
        }
    }
}

/// Data points in a request.
fn point_count(req: &ExportMetricsServiceRequest) -> u64 {
    let mut n = 0usize;
    for rm in &req.resource_metrics {
        for sm in &rm.scope_metrics {
            for m in &sm.metrics {
                n += match &m.data {
                    Some(Data::Gauge(g)) => g.data_points.len(),
                    Some(Data::Sum(s)) => s.data_points.len(),
                    Some(Data::Histogram(h)) => h.data_points.len(),
                    Some(Data::Summary(s)) => s.data_points.len(),
                    Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
                    None => 0,
                };
            }
        }
    }
    n as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_stay_within_the_interval() {
        let i = Duration::from_secs(10);
        for (hash, now) in [
            (0u64, 0u128),
            (7, 3_000_000_000),
            (u64::MAX, 12_345_678_901),
            (42, 9_999_999_999),
        ] {
            let o = offset(hash, i, now);
            assert!(o <= i, "{o:?}");
        }
        // Pinned to absolute time: the scrape lands on the same phase.
        let a = offset(5_000_000_000, i, 1_000_000_000);
        let b = offset(5_000_000_000, i, 3_000_000_000);
        assert_eq!(
            (1_000_000_000 + a.as_nanos()) % i.as_nanos(),
            (3_000_000_000 + b.as_nanos()) % i.as_nanos()
        );
    }

    #[test]
    fn target_labels_win_unless_honored() {
        let raw = vec![
            ("__name__".to_string(), "m".to_string()),
            ("job".to_string(), "exposed".to_string()),
            ("exported_job".to_string(), "taken".to_string()),
            ("instance".to_string(), String::new()),
            ("a".to_string(), "1".to_string()),
        ];
        let target = Labels::from_pairs([("job", "j"), ("instance", "i:1"), ("env", "prod")]);
        let merged = merge_target_labels(&raw, &target, false);
        assert_eq!(
            merged,
            Labels::from_pairs([
                ("__name__", "m"),
                ("a", "1"),
                ("env", "prod"),
                ("exported_exported_job", "exposed"),
                ("exported_job", "taken"),
                ("instance", "i:1"),
                ("job", "j"),
            ])
        );
        let honored = merge_target_labels(&raw, &target, true);
        assert_eq!(honored.value("job"), "exposed");
        assert_eq!(honored.value("env"), "prod");
        assert!(
            !honored.has("instance"),
            "an exposed empty label wins over the target's and is then dropped"
        );
    }
}
