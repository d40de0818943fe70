//! The receiver: one scrape pool per job (its discovery and its targets'
//! loops), all stopped by `shutdown`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::{
    Component, ComponentError, ComponentId, Host, Meter, Metrics, SharedConsumer, async_trait,
};
use regex::Regex;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::adjust::{Adjuster, DEFAULT_GC_INTERVAL, GC_INTERVAL_DELTA, StartTimeMetric};
use crate::client::{ClientSettings, JobTls};
use crate::config::{Job, PrometheusReceiverConfig};
use crate::discovery::{self, FileSd};
use crate::labels::Labels;
use crate::scrape::{JobRuntime, SelfMetrics, Shared, TargetLoop};

/// How often `file_sd_configs` files are looked at for changes.
const FILE_SD_POLL: Duration = Duration::from_secs(1);

/// The running pools and the switch that stops them.
#[derive(Debug)]
struct Running {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

/// The `prometheus` receiver. Created by
/// [`PrometheusReceiverFactory`](crate::PrometheusReceiverFactory).
///
/// `start` loads the TLS settings of the jobs that use TLS and spawns one
/// task per job; `shutdown` stops every discovery and scrape loop (a scrape
/// in flight is abandoned, a payload being handed on is waited for) and may
/// be called without `start` and more than once.
#[derive(Debug)]
pub struct PrometheusReceiver {
    id: ComponentId,
    cfg: PrometheusReceiverConfig,
    jobs: Vec<Job>,
    next: SharedConsumer<Metrics>,
    counters: SelfMetrics,
    user_agent: String,
    version: String,
    running: Mutex<Option<Running>>,
    started: Mutex<bool>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl PrometheusReceiver {
    pub(crate) fn new(
        id: ComponentId,
        cfg: PrometheusReceiverConfig,
        jobs: Vec<Job>,
        next: SharedConsumer<Metrics>,
        meter: &Meter,
        user_agent: String,
        version: String,
    ) -> Self {
        let counters = SelfMetrics::new(meter, &id);
        PrometheusReceiver {
            id,
            cfg,
            jobs,
            next,
            counters,
            user_agent,
            version,
            running: Mutex::new(None),
            started: Mutex::new(false),
        }
    }

    /// Go's `gcInterval`: the longest scrape interval plus a minute, at
    /// least two minutes.
    fn gc_interval(&self) -> Duration {
        self.jobs
            .iter()
            .map(|j| j.interval + GC_INTERVAL_DELTA)
            .fold(DEFAULT_GC_INTERVAL, Duration::max)
    }

    fn start_time_metric(&self) -> Result<Option<StartTimeMetric>, ComponentError> {
        if !self.cfg.use_start_time_metric {
            return Ok(None);
        }
        if self.cfg.start_time_metric_regex.is_empty() {
            return Ok(Some(StartTimeMetric::Default));
        }
        Regex::new(&self.cfg.start_time_metric_regex)
            .map(|r| Some(StartTimeMetric::Regex(r)))
            .map_err(|e| ComponentError::new(format!("receiver {}: start_time_metric_regex: {e}", self.id)))
    }
}

/// A seed spreading this receiver's targets differently from another
/// receiver's (Prometheus hashes its hostname and external labels).
fn offset_seed(id: &ComponentId, external: &Labels) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let text = format!("{id}{external}");
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

#[async_trait]
impl Component for PrometheusReceiver {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        {
            let mut started = lock(&self.started);
            if *started {
                return Err(ComponentError::new(format!(
                    "receiver {} was already started",
                    self.id
                )));
            }
            *started = true;
        }
        let external_labels = self.cfg.external_labels();
        let shared = Arc::new(Shared {
            id: self.id.clone(),
            next: self.next.clone(),
            counters: self.counters.clone(),
            adjuster: Mutex::new(Adjuster::new(self.gc_interval(), self.start_time_metric()?)),
            trim_suffixes: self.cfg.trim_metric_suffixes,
            report_extra: self.cfg.report_extra_scrape_metrics,
            offset_seed: offset_seed(&self.id, &external_labels),
            external_labels,
            version: self.version.clone(),
        });
        let mut runtimes = Vec::new();
        for job in &self.jobs {
            let tls = JobTls::new(job.tls.clone());
            if job.scheme == "https" || tls.configured() {
                tls.get().map_err(|e| {
                    ComponentError::new(format!("receiver {}: job {:?}: {e}", self.id, job.name))
                })?;
            }
            let client = Arc::new(ClientSettings {
                tls,
                auth: job.auth.clone(),
                accept: job.accept.clone(),
                user_agent: self.user_agent.clone(),
                compression: job.enable_compression,
                follow_redirects: job.follow_redirects,
            });
            runtimes.push(Arc::new(JobRuntime {
                job: job.clone(),
                client,
            }));
        }
        let (shutdown, stopped) = watch::channel(false);
        let tasks = runtimes
            .into_iter()
            .map(|rt| tokio::spawn(run_pool(rt, shared.clone(), stopped.clone())))
            .collect();
        tracing::debug!(receiver = %self.id, jobs = self.jobs.len(), "prometheus receiver started");
        *lock(&self.running) = Some(Running { shutdown, tasks });
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        let running = lock(&self.running).take();
        let Some(Running { shutdown, tasks }) = running else {
            return Ok(());
        };
        let _ = shutdown.send(true);
        let mut panicked = false;
        for t in tasks {
            if let Err(e) = t.await {
                panicked |= e.is_panic();
            }
        }
        if panicked {
            return Err(ComponentError::new(format!(
                "receiver {}: a scrape pool panicked",
                self.id
            )));
        }
        Ok(())
    }
}

/// A target's loop, and the switch that retires it.
#[derive(Debug)]
struct LoopHandle {
    removed: watch::Sender<bool>,
    task: JoinHandle<()>,
}

type TargetKey = (Labels, String, bool);

/// One job: discovery, then a loop per target, kept in step with the
/// discovered targets until shutdown.
async fn run_pool(rt: Arc<JobRuntime>, shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let job = &rt.job;
    let mut file_sds: Vec<FileSd> = job.file_sd.iter().cloned().map(FileSd::new).collect();
    for f in &mut file_sds {
        f.poll(&job.name);
    }
    let mut loops: HashMap<TargetKey, LoopHandle> = HashMap::new();
    let mut retiring: Vec<JoinHandle<()>> = Vec::new();
    sync(&rt, &shared, &file_sds, &mut loops, &mut retiring, &shutdown);
    if file_sds.is_empty() {
        let _ = shutdown.wait_for(|v| *v).await;
    } else {
        let mut tick = tokio::time::interval(FILE_SD_POLL);
        tick.tick().await;
        loop {
            tokio::select! {
                biased;
                _ = shutdown.wait_for(|v| *v) => break,
                _ = tick.tick() => {}
            }
            let mut changed = false;
            for f in &mut file_sds {
                changed |= f.poll(&job.name);
            }
            if changed {
                sync(&rt, &shared, &file_sds, &mut loops, &mut retiring, &shutdown);
            }
            retiring.retain(|h| !h.is_finished());
        }
    }
    // Every loop sees the shutdown signal and returns.
    for (_, h) in loops {
        let _ = h.task.await;
    }
    for h in retiring {
        let _ = h.await;
    }
}

/// Starts loops for new targets and retires the loops of targets gone.
fn sync(
    rt: &Arc<JobRuntime>,
    shared: &Arc<Shared>,
    file_sds: &[FileSd],
    loops: &mut HashMap<TargetKey, LoopHandle>,
    retiring: &mut Vec<JoinHandle<()>>,
    shutdown: &watch::Receiver<bool>,
) {
    let job = &rt.job;
    let groups = job
        .static_groups
        .iter()
        .chain(file_sds.iter().flat_map(FileSd::groups));
    let (targets, errors) = discovery::targets(job, groups);
    for e in errors {
        tracing::error!(receiver = %shared.id, scrape_pool = %job.name, error = %e, "Creating target failed");
    }
    let limited = job.target_limit > 0 && targets.len() as u64 > job.target_limit;
    let forced = limited.then(|| {
        format!(
            "target_limit exceeded (number of targets: {}, limit: {})",
            targets.len(),
            job.target_limit
        )
    });
    if let Some(e) = &forced {
        tracing::error!(receiver = %shared.id, scrape_pool = %job.name, "{e}");
    }
    let wanted: HashMap<TargetKey, discovery::Target> = targets
        .into_iter()
        .map(|t| ((t.labels.clone(), t.url.clone(), limited), t))
        .collect();
    let gone: Vec<TargetKey> = loops
        .keys()
        .filter(|k| !wanted.contains_key(*k))
        .cloned()
        .collect();
    for k in gone {
        if let Some(h) = loops.remove(&k) {
            let _ = h.removed.send(true);
            retiring.push(h.task);
        }
    }
    for (k, target) in wanted {
        if loops.contains_key(&k) {
            continue;
        }
        tracing::debug!(receiver = %shared.id, scrape_pool = %job.name, target = %otelcol_component::redact::redact_url(&target.url), "starting scrape loop");
        let (removed, removed_rx) = watch::channel(false);
        let l = TargetLoop::new(target, rt.clone(), shared.clone(), forced.clone());
        let task = tokio::spawn(l.run(shutdown.clone(), removed_rx));
        loops.insert(k, LoopHandle { removed, task });
    }
}
