//! Shared helpers of the real-peer tests: a host with a real `file_storage`
//! extension, sinks that record bodies, a recorder for self-metrics, a
//! line writer, and the `logrotate` binary.
#![allow(clippy::unwrap_used, dead_code, unreachable_pub, missing_docs)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::metrics::{
    self, Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use otelcol_component::proto::common::v1::any_value;
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::{
    BuildInfo, Component, ComponentId, ConsumeError, Consumer, Consumers, Extension, ExtensionFactory, Host,
    Kind, Logs, Meter, Payload, ReceiverFactory, Settings, TelemetrySettings, async_trait,
};
use otelcol_componenttest::{nop_settings, parse_config};
use otelcol_receiver_filelog::FileLogConfig;

/// A host offering the extensions given.
#[derive(Debug, Default)]
pub struct TestHost {
    pub extensions: Vec<(ComponentId, Arc<dyn Extension>)>,
}

impl Host for TestHost {
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>> {
        self.extensions
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, e)| e.clone())
    }
    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        self.extensions.clone()
    }
}

/// A started `file_storage` extension on `dir` and a host offering it as `file_storage`.
pub async fn storage_host(dir: &Path) -> (Arc<dyn Extension>, Arc<dyn Host>) {
    let cfg: otelcol_extension_filestorage::Config =
        parse_config(&format!("directory: {}\ntimeout: 10s", dir.display())).unwrap();
    let ext = otelcol_extension_filestorage::factory()
        .create(&nop_settings("file_storage", Kind::Extension), &cfg)
        .unwrap();
    let host: Arc<dyn Host> = Arc::new(TestHost {
        extensions: vec![("file_storage".parse().unwrap(), ext.clone())],
    });
    ext.start(host.clone()).await.unwrap();
    (ext, host)
}

/// The text bodies of every record of `logs`, in order.
pub fn bodies(logs: &Logs) -> Vec<String> {
    records(logs)
        .iter()
        .map(|r| match r.body.as_ref().and_then(|b| b.value.as_ref()) {
            Some(any_value::Value::StringValue(s)) => s.clone(),
            other => format!("{other:?}"),
        })
        .collect()
}

/// Every record of `logs`, in order.
pub fn records(logs: &Logs) -> Vec<LogRecord> {
    logs.request()
        .resource_logs
        .iter()
        .flat_map(|r| r.scope_logs.iter())
        .flat_map(|s| s.log_records.iter().cloned())
        .collect()
}

/// A consumer that keeps the bodies it accepts and, once `stall_after`
/// bodies were accepted, never returns from the next call (a pipeline
/// that hangs: the process is killed while it waits).
#[derive(Debug, Default)]
pub struct Recording {
    pub bodies: Mutex<Vec<String>>,
    pub stall_after: Option<usize>,
    pub stalled: tokio::sync::Notify,
    pub is_stalled: std::sync::atomic::AtomicBool,
    pub refuse: std::sync::atomic::AtomicBool,
}

impl Recording {
    pub fn new(stall_after: Option<usize>) -> Arc<Self> {
        Arc::new(Recording {
            stall_after,
            ..Default::default()
        })
    }

    pub fn count(&self) -> usize {
        self.bodies.lock().unwrap().len()
    }

    pub fn take(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }

    /// Waits until `n` bodies arrived, up to `timeout`.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while self.count() < n {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }
}

#[async_trait]
impl Consumer<Logs> for Recording {
    async fn consume(&self, data: Logs) -> Result<(), ConsumeError> {
        if self.refuse.load(Ordering::SeqCst) {
            return Err(ConsumeError::retryable("test back-pressure"));
        }
        if self.stall_after.is_some_and(|n| self.count() >= n) {
            self.is_stalled.store(true, Ordering::SeqCst);
            self.stalled.notify_waiters();
            std::future::pending::<()>().await;
        }
        self.bodies.lock().unwrap().extend(bodies(&data));
        Ok(())
    }
}

/// Counters by key (`name{label=value}`).
#[derive(Default)]
pub struct Capture(Mutex<Vec<(String, Arc<AtomicU64>)>>);

struct CaptureCounter(Arc<AtomicU64>);

impl metrics::CounterFn for CaptureCounter {
    fn increment(&self, v: u64) {
        self.0.fetch_add(v, Ordering::Relaxed);
    }
    fn absolute(&self, v: u64) {
        self.0.store(v, Ordering::Relaxed);
    }
}

impl Recorder for Capture {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        let cell = Arc::new(AtomicU64::new(0));
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        self.0
            .lock()
            .unwrap()
            .push((format!("{}{{{}}}", key.name(), labels.join(",")), cell.clone()));
        Counter::from_arc(Arc::new(CaptureCounter(cell)))
    }
    fn register_gauge(&self, _: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::noop()
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

impl Capture {
    pub fn get(&self, key: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.load(Ordering::Relaxed))
            .sum()
    }
}

/// Creates a `file_log` receiver (`file_log/test`) feeding `next`.
pub fn receiver(yaml: &str, next: Arc<dyn Consumer<Logs>>, meter: Option<Meter>) -> Arc<dyn Component> {
    let cfg: FileLogConfig = parse_config(yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let mut set = Settings::new(
        "file_log/test".parse().unwrap(),
        Kind::Receiver,
        BuildInfo::default(),
    );
    if let Some(m) = meter {
        set = set.with_telemetry(TelemetrySettings::default().with_meter(m));
    }
    let mut consumers = Consumers::default();
    consumers.set::<Logs>(next);
    otelcol_receiver_filelog::factory()
        .create(&set, &cfg, consumers)
        .unwrap()
}

/// The `logrotate` binary, or a failure naming the Debian package.
pub fn logrotate() -> PathBuf {
    for p in ["/usr/sbin/logrotate", "/sbin/logrotate", "/usr/bin/logrotate"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    if let Ok(out) = std::process::Command::new("which").arg("logrotate").output() {
        let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
        if !s.is_empty() {
            return PathBuf::from(s);
        }
    }
    panic!(
        "logrotate is not installed: these tests rotate files with the real logrotate; \
         install the Debian package `logrotate` (apt-get install -y logrotate)"
    );
}

/// Runs `logrotate -f -s state conf` and fails the test with its output on error.
pub fn rotate(state: &Path, conf: &Path) {
    let out = std::process::Command::new(logrotate())
        .arg("-f")
        .arg("-s")
        .arg(state)
        .arg(conf)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "logrotate failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The line with sequence number `i` (about 100 bytes).
pub fn line(i: usize) -> String {
    format!("seq={i:08} the quick brown fox jumps over the lazy dog, padding to make lines longer {i:08}")
}

/// The sequence number of a line written by [`line`].
pub fn seq(body: &str) -> usize {
    body.strip_prefix("seq=")
        .and_then(|r| r.get(..8))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a test line: {body:?}"))
}

/// Appends `lines` to `path`, one `write` each.
pub fn append_lines(path: &Path, lines: impl IntoIterator<Item = String>) {
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    for l in lines {
        f.write_all(format!("{l}\n").as_bytes()).unwrap();
    }
}

/// Checks that `got` is exactly 0..n, in order; the message names the first difference.
pub fn assert_exactly_once_in_order(got: &[usize], n: usize) {
    let mut sorted = got.to_vec();
    sorted.sort_unstable();
    let dups: Vec<usize> = sorted
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0])
        .take(10)
        .collect();
    let missing: Vec<usize> = {
        let set: std::collections::HashSet<usize> = got.iter().copied().collect();
        (0..n).filter(|i| !set.contains(i)).take(10).collect()
    };
    assert!(
        dups.is_empty(),
        "{} lines, duplicated (first ones): {dups:?}",
        got.len()
    );
    assert!(
        missing.is_empty(),
        "{} of {n} lines, missing (first ones): {missing:?}",
        got.len()
    );
    assert_eq!(got.len(), n);
    if let Some(w) = got.windows(2).find(|w| w[1] != w[0] + 1) {
        panic!("out of order: {} then {}", w[0], w[1]);
    }
}
