//! The receiver: Go's scraper controller. After `initial_delay`, and then
//! every `collection_interval`, every scraper runs (on a blocking thread:
//! reading `/proc` is blocking I/O) and what they produced goes to the next
//! consumer as one payload.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use otelcol_component::metrics::Counter;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::metrics::v1::ResourceMetrics;
use otelcol_component::{
    Component, ComponentError, Host, Meter, Metrics, Payload, SharedConsumer, async_trait,
};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::HostMetricsConfig;
use crate::scraper::{self, Env, ScrapeOutput, Scrapers};

/// Self-metrics, with Go's names and labels.
#[derive(Clone)]
struct Telemetry {
    /// `otelcol_receiver_accepted_metric_points{receiver}`.
    accepted: Counter,
    /// `otelcol_receiver_refused_metric_points{receiver}`.
    refused: Counter,
    /// Per scraper: `otelcol_scraper_scraped_metric_points` and
    /// `otelcol_scraper_errored_metric_points` `{receiver, scraper}`.
    scrapers: HashMap<&'static str, (Counter, Counter)>,
}

impl Telemetry {
    fn new(meter: &Meter, receiver: &str, scrapers: &[&'static str]) -> Self {
        let labels = [("receiver", receiver.to_string())];
        Telemetry {
            accepted: meter.counter("otelcol_receiver_accepted_metric_points", &labels),
            refused: meter.counter("otelcol_receiver_refused_metric_points", &labels),
            scrapers: scrapers
                .iter()
                .map(|s| {
                    let l = [("receiver", receiver.to_string()), ("scraper", (*s).to_string())];
                    (
                        *s,
                        (
                            meter.counter("otelcol_scraper_scraped_metric_points", &l),
                            meter.counter("otelcol_scraper_errored_metric_points", &l),
                        ),
                    )
                })
                .collect(),
        }
    }
}

/// The running part: the stop signal and the scrape loop's task.
#[derive(Default)]
struct Running {
    stop: Option<watch::Sender<bool>>,
    task: Option<JoinHandle<()>>,
}

/// The `host_metrics` receiver.
pub struct HostMetricsReceiver {
    id: String,
    cfg: HostMetricsConfig,
    env: Arc<Env>,
    version: String,
    next: SharedConsumer<Metrics>,
    telemetry: Telemetry,
    /// The scrapers until `start` moves them into the scrape loop.
    scrapers: Mutex<Option<Scrapers>>,
    running: Mutex<Running>,
}

impl fmt::Debug for HostMetricsReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostMetricsReceiver")
            .field("id", &self.id)
            .field("scrapers", &self.cfg.scrapers.names())
            .field("collection_interval", &self.cfg.collection_interval)
            .finish()
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl HostMetricsReceiver {
    /// A receiver for `cfg` (validated) feeding `next`. Reads nothing yet.
    pub(crate) fn new(
        id: String,
        version: String,
        cfg: &HostMetricsConfig,
        meter: &Meter,
        next: SharedConsumer<Metrics>,
    ) -> Result<Self, regex::Error> {
        let env = Arc::new(Env::new(&cfg.root_path));
        let scrapers = scraper::build(cfg, &env)?;
        let names: Vec<&'static str> = scrapers.iter().map(|s| s.name()).collect();
        Ok(HostMetricsReceiver {
            telemetry: Telemetry::new(meter, &id, &names),
            id,
            cfg: cfg.clone(),
            env,
            version,
            next,
            scrapers: Mutex::new(Some(scrapers)),
            running: Mutex::new(Running::default()),
        })
    }
}

/// Runs every scraper once, in order; refuses while a scrape that outlived
/// its `timeout` still runs (a hung `statfs` must not pile up threads).
fn scrape_all(
    scrapers: &Mutex<Scrapers>,
    version: &str,
) -> Result<Vec<(&'static str, ScrapeOutput)>, String> {
    let mut guard = match scrapers.try_lock() {
        Ok(g) => g,
        Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
        Err(std::sync::TryLockError::WouldBlock) => {
            return Err("the previous scrape is still running".to_string());
        }
    };
    Ok(guard.iter_mut().map(|s| (s.name(), s.scrape(version))).collect())
}

/// The scrape loop.
struct Loop {
    id: String,
    interval: Duration,
    initial_delay: Duration,
    timeout: Duration,
    version: String,
    scrapers: Arc<Mutex<Scrapers>>,
    next: SharedConsumer<Metrics>,
    telemetry: Telemetry,
}

impl Loop {
    async fn run(self, mut stop: watch::Receiver<bool>) {
        tokio::select! {
            _ = stop.changed() => return,
            () = tokio::time::sleep(self.initial_delay) => {}
        }
        let mut ticker = tokio::time::interval(self.interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = stop.changed() => return,
                _ = ticker.tick() => {}
            }
            let scrapers = self.scrapers.clone();
            let version = self.version.clone();
            let job = tokio::task::spawn_blocking(move || scrape_all(&scrapers, &version));
            let outputs = tokio::select! {
                _ = stop.changed() => return,
                r = Self::bounded(job, self.timeout) => r,
            };
            match outputs {
                Ok(outputs) => self.deliver(outputs).await,
                Err(e) => tracing::error!(receiver = %self.id, error = %e, "Error scraping metrics"),
            }
        }
    }

    /// Waits for a scrape, at most `timeout` when it is not zero.
    async fn bounded(
        job: JoinHandle<Result<Vec<(&'static str, ScrapeOutput)>, String>>,
        timeout: Duration,
    ) -> Result<Vec<(&'static str, ScrapeOutput)>, String> {
        let joined = if timeout.is_zero() {
            job.await
        } else {
            match tokio::time::timeout(timeout, job).await {
                Ok(j) => j,
                Err(_) => return Err(format!("scrape did not finish within timeout {timeout:?}")),
            }
        };
        joined.map_err(|e| format!("scrape failed: {e}"))?
    }

    /// Counts and logs each scraper's result and sends the metrics on.
    async fn deliver(&self, outputs: Vec<(&'static str, ScrapeOutput)>) {
        let mut resource_metrics: Vec<ResourceMetrics> = Vec::new();
        for (name, out) in outputs {
            let points = out.point_count();
            if let Some((scraped, errored)) = self.telemetry.scrapers.get(name) {
                scraped.increment(points as u64);
                errored.increment(out.failed as u64);
            }
            if !out.errors.is_empty() {
                let errors: Vec<String> = out.errors.iter().map(ToString::to_string).collect();
                tracing::warn!(
                    receiver = %self.id,
                    scraper = name,
                    failed_metrics = out.failed,
                    error = %errors.join("; "),
                    "Error scraping metrics"
                );
            }
            resource_metrics.extend(out.resource_metrics);
        }
        let points = scraper::count_points(&resource_metrics) as u64;
        if points == 0 {
            return;
        }
        let data = Metrics::from_request(ExportMetricsServiceRequest { resource_metrics });
        match self.next.consume(data).await {
            Ok(()) => self.telemetry.accepted.increment(points),
            Err(e) => {
                self.telemetry.refused.increment(points);
                tracing::warn!(receiver = %self.id, error = %e, points, "the pipeline refused scraped metrics");
            }
        }
    }
}

/// The start-time checks Go makes in `Validate` (they read the file
/// system, which validation must not here).
fn check_root_path(root: &str) -> Result<(), ComponentError> {
    if root.is_empty() {
        return Ok(());
    }
    std::fs::metadata(Path::new(root))
        .map(|_| ())
        .map_err(|e| ComponentError::new(format!("invalid root_path: stat {root}: {e}")))
}

#[async_trait]
impl Component for HostMetricsReceiver {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        check_root_path(&self.cfg.root_path)?;
        let Some(mut scrapers) = lock(&self.scrapers).take() else {
            return Err(ComponentError::new("host_metrics receiver already started"));
        };
        let boot_time = self
            .env
            .boot_time()
            .map_err(|e| ComponentError::with_source("reading the host boot time", e))?;
        for s in &mut scrapers {
            s.start(boot_time);
        }
        let (tx, rx) = watch::channel(false);
        let worker = Loop {
            id: self.id.clone(),
            interval: self.cfg.collection_interval,
            initial_delay: self.cfg.initial_delay,
            timeout: self.cfg.timeout,
            version: self.version.clone(),
            scrapers: Arc::new(Mutex::new(scrapers)),
            next: self.next.clone(),
            telemetry: self.telemetry.clone(),
        };
        let task = tokio::spawn(worker.run(rx));
        let mut running = lock(&self.running);
        running.stop = Some(tx);
        running.task = Some(task);
        tracing::debug!(receiver = %self.id, scrapers = ?self.cfg.scrapers.names(), "started host_metrics receiver");
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let (stop, task) = {
            let mut running = lock(&self.running);
            (running.stop.take(), running.task.take())
        };
        if let Some(stop) = stop {
            let _ = stop.send(true);
        }
        if let Some(task) = task {
            if let Err(e) = task.await {
                if e.is_panic() {
                    return Err(ComponentError::new(format!(
                        "host_metrics scrape loop panicked: {e}"
                    )));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scrape_still_running_blocks_the_next() {
        let scrapers: Mutex<Scrapers> = Mutex::new(Vec::new());
        assert!(scrape_all(&scrapers, "v").unwrap().is_empty());
        let _held = lock(&scrapers);
        assert_eq!(
            scrape_all(&scrapers, "v").unwrap_err(),
            "the previous scrape is still running"
        );
    }

    #[test]
    fn root_path_must_exist_at_start() {
        assert!(check_root_path("").is_ok());
        assert!(check_root_path("/").is_ok());
        let e = check_root_path("/surely/not/here").unwrap_err().to_string();
        assert!(e.starts_with("invalid root_path: stat /surely/not/here"), "{e}");
    }
}
