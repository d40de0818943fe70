//! The receiver through its factory, over a fake `/proc` tree (`root_path`)
//! and the real one: what reaches the pipeline, partial errors, self-metrics,
//! and the OpenTelemetry demo's `hostmetrics` block.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use otelcol_component::metrics::{
    self, Counter, Gauge, Histogram, Key, KeyName, Metadata, Recorder, SharedString, Unit,
};
use otelcol_component::proto::common::v1::any_value;
use otelcol_component::proto::metrics::v1::{ResourceMetrics, metric};
use otelcol_component::{
    ComponentId, ComponentType, ConsumeError, Consumers, Kind, Meter, Metrics, Payload, ReceiverFactory,
    Settings, TelemetrySettings,
};
use otelcol_componenttest::{ErrConsumer, Sink, StatusHost, nop_settings, parse_config};
use otelcol_receiver_hostmetrics::{HostMetricsConfig, factory};

/// Records counters by their key (`name{labels}`).
#[derive(Default)]
struct Capture(Mutex<Vec<(String, Arc<AtomicU64>)>>);

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
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        self.0.lock().unwrap().push((name, cell.clone()));
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
    fn get(&self, key: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.load(Ordering::Relaxed))
            .sum()
    }
}

fn settings(name: &str, meter: Meter) -> Settings {
    let id = ComponentId::with_name(ComponentType::new("hostmetrics").unwrap(), name).unwrap();
    Settings::new(
        id,
        Kind::Receiver,
        nop_settings("hostmetrics", Kind::Receiver).build_info,
    )
    .with_telemetry(TelemetrySettings::default().with_meter(meter))
}

fn write(root: &Path, files: &[(&str, &str)]) {
    for (p, content) in files {
        let path = root.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// A host with 2 CPUs, booted at 1_600_000_000.
fn fake_host(root: &Path) {
    write(
        root,
        &[
            (
                "proc/stat",
                "cpu  1 1 1 1\ncpu0 100 0 50 850 0 0 0 0 0 0\ncpu1 200 10 20 760 5 3 2 0 0 0\nbtime 1600000000\nprocesses 42\nprocs_running 1\nprocs_blocked 0\n",
            ),
            (
                "proc/meminfo",
                "MemTotal: 2000 kB\nMemFree: 500 kB\nMemAvailable: 1000 kB\nBuffers: 100 kB\nCached: 300 kB\nSReclaimable: 50 kB\nSUnreclaim: 25 kB\n",
            ),
            ("proc/loadavg", "1.50 1.00 0.50 1/10 99\n"),
            (
                "proc/net/dev",
                "h\nh\n    lo: 100 10 0 0 0 0 0 0 100 10 0 0 0 0 0 0\n",
            ),
            ("proc/net/tcp", "sl\n 0: a b 0A\n"),
            ("proc/swaps", "Filename Type Size Used Priority\n"),
            (
                "proc/vmstat",
                "pgpgin 1\npgpgout 2\npswpin 0\npswpout 0\npgfault 10\npgmajfault 1\n",
            ),
            (
                "proc/1/stat",
                "1 (init) S 0 1 1 0 -1 0 0 0 0 0 5 5 0 0 20 0 1 0 100 0 0\n",
            ),
            ("proc/1/status", "Name:\tinit\nPPid:\t0\nUid:\t0\t0\t0\t0\n"),
            ("proc/1/cmdline", "/sbin/init\0"),
            ("proc/1/statm", "100 10 0 0 0 0 0\n"),
            ("proc/1/io", "syscr: 1\nsyscw: 2\nread_bytes: 3\nwrite_bytes: 4\n"),
            ("proc/1/mountinfo", "1 0 8:1 / / rw - ext4 /dev/sda1 rw\n"),
            ("proc/filesystems", "\text4\n"),
        ],
    );
}

const FAKE_CONFIG: &str = r"
collection_interval: 50ms
initial_delay: 0s
root_path: ROOT
scrapers:
  cpu:
  disk:
  filesystem:
  load:
  memory:
  network:
  paging:
  processes:
  process:
    mute_process_exe_error: true
  system:
";

fn first_payload(sink: &Sink<Metrics>) -> Vec<ResourceMetrics> {
    sink.all()
        .first()
        .map(|m| m.request().resource_metrics.clone())
        .unwrap_or_default()
}

fn metric_names(rms: &[ResourceMetrics]) -> Vec<String> {
    rms.iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .map(|m| m.name.clone())
        .collect()
}

#[tokio::test]
async fn every_scraper_reports_and_a_failing_one_costs_only_its_metrics() {
    let dir = tempfile::tempdir().unwrap();
    fake_host(dir.path());
    // No /proc/diskstats: the disk scraper fails, the others report.
    let cfg: HostMetricsConfig =
        parse_config(&FAKE_CONFIG.replace("ROOT", dir.path().to_str().unwrap())).unwrap();
    let rec = Arc::new(Capture::default());
    let f = factory();
    let sink = Sink::<Metrics>::new();
    let mut next = Consumers::default();
    next.set::<Metrics>(sink.clone());
    let r = f
        .create(&settings("fake", Meter::new(rec.clone())), &cfg, next)
        .unwrap();
    let host = StatusHost::new();
    r.start(host.clone()).await.unwrap();
    assert!(sink.wait_for_items(1, Duration::from_secs(10)).await);
    r.shutdown().await.unwrap();
    let after = sink.payload_count();
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(sink.payload_count(), after, "nothing after shutdown");

    let rms = first_payload(&sink);
    let scopes: Vec<String> = rms
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .map(|sm| {
            sm.scope
                .as_ref()
                .unwrap()
                .name
                .rsplit('/')
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        scopes,
        [
            "cpuscraper",
            "filesystemscraper",
            "loadscraper",
            "memoryscraper",
            "networkscraper",
            "pagingscraper",
            "processesscraper",
            "processscraper",
            "systemscraper"
        ]
    );
    let names = metric_names(&rms);
    for want in [
        "system.cpu.time",
        "system.filesystem.usage",
        "system.filesystem.inodes.usage",
        "system.cpu.load_average.1m",
        "system.memory.usage",
        "system.network.io",
        "system.network.connections",
        "system.paging.operations",
        "system.processes.count",
        "process.cpu.time",
        "process.memory.usage",
        "process.disk.io",
        "system.uptime",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing from {names:?}");
    }
    assert!(!names.iter().any(|n| n.starts_with("system.disk.")), "{names:?}");
    // Cumulative host counters start at boot; the process at its start.
    let start_of = |name: &str| {
        rms.iter()
            .flat_map(|rm| &rm.scope_metrics)
            .flat_map(|sm| &sm.metrics)
            .find(|m| m.name == name)
            .and_then(|m| match &m.data {
                Some(metric::Data::Sum(s)) => s.data_points.first().map(|p| p.start_time_unix_nano),
                Some(metric::Data::Gauge(g)) => g.data_points.first().map(|p| p.start_time_unix_nano),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(start_of("system.cpu.time"), 1_600_000_000 * 1_000_000_000);
    assert_eq!(start_of("process.cpu.time"), 1_600_000_001 * 1_000_000_000);
    let process = rms
        .iter()
        .find(|rm| rm.scope_metrics[0].metrics[0].name.starts_with("process."))
        .unwrap();
    let pid = process
        .resource
        .as_ref()
        .unwrap()
        .attributes
        .iter()
        .find(|kv| kv.key == "process.pid")
        .unwrap();
    assert_eq!(
        pid.value.as_ref().unwrap().value,
        Some(any_value::Value::IntValue(1))
    );

    // Self-metrics with Go's names and labels.
    let labels = "receiver=hostmetrics/fake";
    let points = Payload::item_count(&sink.all()[0]) as u64;
    let keys: Vec<String> = rec.0.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    assert!(
        rec.get(&format!("otelcol_receiver_accepted_metric_points{{{labels}}}")) >= points,
        "{keys:?}"
    );
    assert_eq!(
        rec.get(&format!("otelcol_receiver_refused_metric_points{{{labels}}}")),
        0
    );
    assert!(
        rec.get(&format!(
            "otelcol_scraper_scraped_metric_points{{{labels},scraper=cpu}}"
        )) >= 16
    );
    assert_eq!(
        rec.get(&format!(
            "otelcol_scraper_scraped_metric_points{{{labels},scraper=disk}}"
        )),
        0
    );
    assert!(
        rec.get(&format!(
            "otelcol_scraper_errored_metric_points{{{labels},scraper=disk}}"
        )) >= 7
    );
    assert_eq!(
        rec.get(&format!(
            "otelcol_scraper_errored_metric_points{{{labels},scraper=cpu}}"
        )),
        0
    );
    host.no_errors().unwrap();
}

#[tokio::test]
async fn refused_points_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    fake_host(dir.path());
    let cfg: HostMetricsConfig = parse_config(&format!(
        "collection_interval: 20ms\ninitial_delay: 0s\nroot_path: {}\nscrapers: {{load: }}",
        dir.path().display()
    ))
    .unwrap();
    let rec = Arc::new(Capture::default());
    let mut next = Consumers::default();
    next.set::<Metrics>(ErrConsumer::new(ConsumeError::permanent("no")));
    let r = factory()
        .create(&settings("refused", Meter::new(rec.clone())), &cfg, next)
        .unwrap();
    r.start(StatusHost::new()).await.unwrap();
    let key = "otelcol_receiver_refused_metric_points{receiver=hostmetrics/refused}";
    for _ in 0..200 {
        if rec.get(key) >= 3 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    r.shutdown().await.unwrap();
    assert!(rec.get(key) >= 3, "three load averages refused");
    assert_eq!(
        rec.get("otelcol_receiver_accepted_metric_points{receiver=hostmetrics/refused}"),
        0
    );
}

#[tokio::test]
async fn start_fails_without_root_path_or_boot_time() {
    let f = factory();
    for root in ["/surely/not/a/root", "/tmp"] {
        let cfg: HostMetricsConfig =
            parse_config(&format!("root_path: {root}\nscrapers: {{cpu: }}")).unwrap();
        let mut next = Consumers::default();
        next.set::<Metrics>(Sink::<Metrics>::new());
        let r = f.create(&settings("bad", Meter::default()), &cfg, next).unwrap();
        let e = r.start(StatusHost::new()).await.unwrap_err().to_string();
        assert!(e.contains("root_path") || e.contains("boot time"), "{root}: {e}");
        r.shutdown().await.unwrap();
    }
    // A receiver outside a metrics pipeline is refused at create.
    let cfg: HostMetricsConfig = parse_config("scrapers: {cpu: }").unwrap();
    assert!(
        f.create(&settings("x", Meter::default()), &cfg, Consumers::default())
            .is_err()
    );
}

/// The `hostmetrics` block of the OpenTelemetry demo's collector config
/// (without its `root_path: /hostfs`, which this machine does not have).
const OTEL_DEMO: &str = r"
scrapers:
  cpu:
    metrics:
      system.cpu.utilization:
        enabled: true
      system.cpu.logical.count:
        enabled: true
  disk:
  load:
  filesystem:
    exclude_mount_points:
      mount_points:
        - /dev/*
        - /proc/*
        - /sys/*
        - /run/k3s/containerd/*
        - /var/lib/docker/*
        - /var/lib/kubelet/*
        - /snap/*
      match_type: regexp
    exclude_fs_types:
      fs_types:
        - autofs
        - binfmt_misc
        - bpf
        - cgroup2
        - configfs
        - debugfs
        - devpts
        - devtmpfs
        - fusectl
        - hugetlbfs
        - iso9660
        - mqueue
        - nsfs
        - overlay
        - proc
        - procfs
        - pstore
        - rpc_pipefs
        - securityfs
        - selinuxfs
        - squashfs
        - sysfs
        - tracefs
      match_type: strict
  memory:
    metrics:
      system.memory.utilization:
        enabled: true
      system.memory.limit:
        enabled: true
  network:
  paging:
    metrics:
      system.paging.usage:
        enabled: true
  processes:
  process:
    mute_process_exe_error: true
    mute_process_io_error: true
    mute_process_user_error: true
  system:
    metrics:
      system.uptime:
        enabled: true
";

#[tokio::test]
async fn the_otel_demo_block_validates_and_runs() {
    let yaml = format!("collection_interval: 200ms\ninitial_delay: 0s\n{OTEL_DEMO}");
    let cfg: HostMetricsConfig = parse_config(&yaml).unwrap();
    let sink = Sink::<Metrics>::new();
    let mut next = Consumers::default();
    next.set::<Metrics>(sink.clone());
    let r = factory()
        .create(&settings("demo", Meter::default()), &cfg, next)
        .unwrap();
    r.start(StatusHost::new()).await.unwrap();
    // Two scrapes: utilization needs a previous one.
    assert!(sink.wait_for_items(1, Duration::from_secs(20)).await);
    for _ in 0..200 {
        if sink.payload_count() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    r.shutdown().await.unwrap();
    let all: Vec<ResourceMetrics> = sink
        .all()
        .iter()
        .flat_map(|m| m.request().resource_metrics.clone())
        .collect();
    let names = metric_names(&all);
    for want in [
        "system.cpu.time",
        "system.cpu.utilization",
        "system.cpu.logical.count",
        "system.disk.io",
        "system.cpu.load_average.15m",
        "system.filesystem.usage",
        "system.memory.usage",
        "system.memory.utilization",
        "system.memory.limit",
        "system.network.io",
        "system.paging.operations",
        "system.processes.count",
        "process.cpu.time",
        "system.uptime",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} missing");
    }
    // The regexp `/dev/*` excludes /dev/shm; strict `devpts` excludes /dev/pts.
    let mountpoints: Vec<String> = all
        .iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .filter(|m| m.name == "system.filesystem.usage")
        .flat_map(|m| match &m.data {
            Some(metric::Data::Sum(s)) => s.data_points.clone(),
            _ => Vec::new(),
        })
        .flat_map(|p| p.attributes)
        .filter(|kv| kv.key == "mountpoint")
        .filter_map(|kv| match kv.value.and_then(|v| v.value) {
            Some(any_value::Value::StringValue(s)) => Some(s),
            _ => None,
        })
        .collect();
    assert!(mountpoints.iter().any(|m| m == "/"), "{mountpoints:?}");
    assert!(
        !mountpoints
            .iter()
            .any(|m| m.starts_with("/dev") || m.starts_with("/proc")),
        "{mountpoints:?}"
    );
}
