//! The receiver against this machine: its metrics compared with `/proc`
//! read here and with `prometheus-node-exporter` scraped over HTTP.
//!
//! Counters move between two reads, so comparisons bracket the peer's value
//! between a scrape of ours before and one after it; values that do not
//! move (memory total, file system size) must be equal.
//!
//! Needs `prometheus-node-exporter` (`apt-get install -y prometheus-node-exporter`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use otelcol_component::proto::common::v1::{KeyValue, any_value};
use otelcol_component::proto::metrics::v1::{NumberDataPoint, ResourceMetrics, metric, number_data_point};
use otelcol_component::{Consumers, Kind, Metrics, Payload, ReceiverFactory};
use otelcol_componenttest::{Sink, StatusHost, nop_settings, parse_config};
use otelcol_receiver_hostmetrics::{HostMetricsConfig, factory};

// ---------------------------------------------------------------- the receiver

/// Runs the receiver in-process once (initial delay 0) and returns what it sent.
async fn scrape(scrapers: &str) -> Vec<ResourceMetrics> {
    let yaml = format!("collection_interval: 1h\ninitial_delay: 0s\nscrapers:\n{scrapers}");
    let cfg: HostMetricsConfig = parse_config(&yaml).unwrap_or_else(|e| panic!("{e}\n{yaml}"));
    let sink = Sink::<Metrics>::new();
    let mut next = Consumers::default();
    next.set::<Metrics>(sink.clone());
    let r = factory()
        .create(&nop_settings("hostmetrics", Kind::Receiver), &cfg, next)
        .unwrap();
    r.start(StatusHost::new()).await.unwrap();
    assert!(
        sink.wait_for_items(1, Duration::from_secs(30)).await,
        "no scrape within 30s"
    );
    r.shutdown().await.unwrap();
    sink.all()
        .iter()
        .flat_map(|m| m.request().resource_metrics.clone())
        .collect()
}

fn str_attr(kvs: &[KeyValue], key: &str) -> Option<String> {
    kvs.iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match kv.value.as_ref()?.value.as_ref()? {
            any_value::Value::StringValue(s) => Some(s.clone()),
            any_value::Value::IntValue(i) => Some(i.to_string()),
            _ => None,
        })
}

fn points<'a>(rms: &'a [ResourceMetrics], name: &str) -> Vec<&'a NumberDataPoint> {
    rms.iter()
        .flat_map(|rm| &rm.scope_metrics)
        .flat_map(|sm| &sm.metrics)
        .filter(|m| m.name == name)
        .flat_map(|m| match &m.data {
            Some(metric::Data::Sum(s)) => s.data_points.iter().collect::<Vec<_>>(),
            Some(metric::Data::Gauge(g)) => g.data_points.iter().collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn value(p: &NumberDataPoint) -> f64 {
    match p.value {
        Some(number_data_point::Value::AsInt(i)) => i as f64,
        Some(number_data_point::Value::AsDouble(d)) => d,
        None => f64::NAN,
    }
}

/// The value of the point of `name` whose attributes include all of `attrs`.
fn ours(rms: &[ResourceMetrics], name: &str, attrs: &[(&str, &str)]) -> f64 {
    let found: Vec<f64> = points(rms, name)
        .into_iter()
        .filter(|p| {
            attrs
                .iter()
                .all(|(k, v)| str_attr(&p.attributes, k).as_deref() == Some(*v))
        })
        .map(value)
        .collect();
    assert_eq!(found.len(), 1, "{name} {attrs:?}: {found:?}");
    found[0]
}

// ---------------------------------------------------------------- the peer

/// A `prometheus-node-exporter` on a loopback port, stopped on drop.
struct NodeExporter {
    child: Child,
    port: u16,
}

impl NodeExporter {
    fn start() -> NodeExporter {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new("prometheus-node-exporter")
            .args([
                format!("--web.listen-address=127.0.0.1:{port}"),
                "--collector.disable-defaults".into(),
                "--collector.cpu".into(),
                "--collector.meminfo".into(),
                "--collector.filesystem".into(),
                "--collector.netdev".into(),
                // Debian's default excludes `lo`.
                "--collector.netdev.device-exclude=^$".into(),
                "--collector.loadavg".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run prometheus-node-exporter ({e}): install it with \
                     `apt-get install -y prometheus-node-exporter` (the real-peer tests need it)"
                )
            });
        let mut n = NodeExporter { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = n.child.try_wait() {
                panic!("prometheus-node-exporter exited at start: {status}");
            }
            assert!(
                Instant::now() < deadline,
                "prometheus-node-exporter did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        n
    }

    /// Scrapes `/metrics`: series (`name{labels}` as name and sorted labels) → value.
    fn scrape(&self) -> Vec<(String, BTreeMap<String, String>, f64)> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        s.write_all(b"GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
            .unwrap();
        let mut body = String::new();
        s.read_to_string(&mut body).unwrap();
        let (head, body) = body.split_once("\r\n\r\n").expect("an HTTP response");
        assert!(
            head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200"),
            "{head}"
        );
        body.lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(parse_series)
            .collect()
    }
}

impl Drop for NodeExporter {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Parses `name{a="x",b="y"} 1.5e+09`.
fn parse_series(line: &str) -> Option<(String, BTreeMap<String, String>, f64)> {
    let (series, v) = line.rsplit_once(' ')?;
    let v: f64 = v.parse().ok()?;
    let (name, labels) = match series.split_once('{') {
        Some((n, rest)) => (n, rest.strip_suffix('}')?),
        None => (series, ""),
    };
    let mut map = BTreeMap::new();
    let mut rest = labels;
    while let Some((k, after)) = rest.split_once("=\"") {
        let end = after.find("\",").unwrap_or(after.len().saturating_sub(1));
        map.insert(k.trim_start_matches(',').to_string(), after[..end].to_string());
        rest = after.get(end + 1..).unwrap_or("");
    }
    Some((name.to_string(), map, v))
}

/// The value of the node series `name` with all of `labels`.
fn node(series: &[(String, BTreeMap<String, String>, f64)], name: &str, labels: &[(&str, &str)]) -> f64 {
    let found: Vec<f64> = series
        .iter()
        .filter(|(n, l, _)| {
            n == name
                && labels
                    .iter()
                    .all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v))
        })
        .map(|(_, _, v)| *v)
        .collect();
    assert_eq!(found.len(), 1, "node {name} {labels:?}: {found:?}");
    found[0]
}

/// `low <= v <= high` within `eps`.
fn bracketed(low: f64, v: f64, high: f64, eps: f64) -> bool {
    low - eps <= v && v <= high + eps
}

// ---------------------------------------------------------------- comparisons

#[tokio::test]
async fn memory_total_equals_node_memtotal() {
    let peer = NodeExporter::start();
    let rms = scrape("  memory:\n    metrics: {system.memory.limit: {enabled: true}}\n").await;
    let node_total = node(&peer.scrape(), "node_memory_MemTotal_bytes", &[]);
    assert_eq!(ours(&rms, "system.memory.limit", &[]), node_total);
    // The states add up to at most the total.
    let states: f64 = ["used", "free", "buffered"]
        .iter()
        .map(|s| ours(&rms, "system.memory.usage", &[("state", s)]))
        .sum();
    assert!(states <= node_total, "{states} > {node_total}");
}

#[tokio::test]
async fn cpu_time_per_state_within_sampling_of_node() {
    let peer = NodeExporter::start();
    let before = scrape("  cpu:\n").await;
    let series = peer.scrape();
    let after = scrape("  cpu:\n").await;
    let cpus: Vec<String> = points(&before, "system.cpu.time")
        .iter()
        .filter_map(|p| str_attr(&p.attributes, "cpu"))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    assert_eq!(
        cpus.len(),
        std::thread::available_parallelism()
            .unwrap()
            .get()
            .max(cpus.len())
    );
    // (our state, node's mode)
    let modes = [
        ("user", "user"),
        ("system", "system"),
        ("idle", "idle"),
        ("interrupt", "irq"),
        ("nice", "nice"),
        ("softirq", "softirq"),
        ("steal", "steal"),
        ("wait", "iowait"),
    ];
    for cpu in &cpus {
        let n = cpu.trim_start_matches("cpu");
        for (state, mode) in modes {
            let (lo, hi) = (
                ours(&before, "system.cpu.time", &[("cpu", cpu), ("state", state)]),
                ours(&after, "system.cpu.time", &[("cpu", cpu), ("state", state)]),
            );
            let peer_v = node(&series, "node_cpu_seconds_total", &[("cpu", n), ("mode", mode)]);
            assert!(lo <= hi, "{cpu} {state} went backwards: {lo} > {hi}");
            // One clock tick of slack for the float rounding of each side.
            assert!(
                bracketed(lo, peer_v, hi, 0.01),
                "{cpu} {state}: node {peer_v} not in [{lo}, {hi}]"
            );
        }
    }
}

#[tokio::test]
async fn root_file_system_size_equals_node() {
    let peer = NodeExporter::start();
    let rms = scrape("  filesystem:\n").await;
    let series = peer.scrape();
    let root: Vec<&NumberDataPoint> = points(&rms, "system.filesystem.usage")
        .into_iter()
        .filter(|p| str_attr(&p.attributes, "mountpoint").as_deref() == Some("/"))
        .collect();
    assert_eq!(root.len(), 3, "used, free, reserved of /");
    let size: f64 = root.iter().map(|p| value(p)).sum();
    assert_eq!(
        size,
        node(&series, "node_filesystem_size_bytes", &[("mountpoint", "/")])
    );
    let inodes: f64 = points(&rms, "system.filesystem.inodes.usage")
        .into_iter()
        .filter(|p| str_attr(&p.attributes, "mountpoint").as_deref() == Some("/"))
        .map(value)
        .sum();
    assert_eq!(
        inodes,
        node(&series, "node_filesystem_files", &[("mountpoint", "/")])
    );
    let device = str_attr(&root[0].attributes, "device").unwrap();
    let fstype = str_attr(&root[0].attributes, "type").unwrap();
    assert_eq!(
        device,
        series
            .iter()
            .find(|(n, l, _)| n == "node_filesystem_size_bytes"
                && l.get("mountpoint").map(String::as_str) == Some("/"))
            .and_then(|(_, l, _)| l.get("device").cloned())
            .unwrap()
    );
    assert_eq!(
        fstype,
        node_label(&series, "node_filesystem_size_bytes", "/", "fstype")
    );
}

fn node_label(
    series: &[(String, BTreeMap<String, String>, f64)],
    name: &str,
    mountpoint: &str,
    label: &str,
) -> String {
    series
        .iter()
        .find(|(n, l, _)| n == name && l.get("mountpoint").map(String::as_str) == Some(mountpoint))
        .and_then(|(_, l, _)| l.get(label).cloned())
        .unwrap()
}

#[tokio::test]
async fn loopback_bytes_are_monotonic_and_close_to_node() {
    let peer = NodeExporter::start();
    let net = "  network:\n    include: {interfaces: [lo], match_type: strict}\n";
    let before = scrape(net).await;
    let series = peer.scrape();
    let after = scrape(net).await;
    for (direction, node_name) in [
        ("receive", "node_network_receive_bytes_total"),
        ("transmit", "node_network_transmit_bytes_total"),
    ] {
        let attrs = [("device", "lo"), ("direction", direction)];
        let (lo, hi) = (
            ours(&before, "system.network.io", &attrs),
            ours(&after, "system.network.io", &attrs),
        );
        let peer_v = node(&series, node_name, &[("device", "lo")]);
        assert!(lo <= hi, "lo {direction} went backwards: {lo} > {hi}");
        assert!(
            bracketed(lo, peer_v, hi, 0.0),
            "lo {direction}: node {peer_v} not in [{lo}, {hi}]"
        );
    }
    // Only `lo` was kept by the include filter.
    assert!(
        points(&after, "system.network.io")
            .iter()
            .all(|p| str_attr(&p.attributes, "device").as_deref() == Some("lo"))
    );
}

#[tokio::test]
async fn load_averages_equal_proc_loadavg_within_a_scrape() {
    let read = || {
        let t = std::fs::read_to_string("/proc/loadavg").unwrap();
        let v: Vec<f64> = t.split_whitespace().take(3).map(|x| x.parse().unwrap()).collect();
        (v[0], v[1], v[2])
    };
    let before = read();
    let rms = scrape("  load:\n").await;
    let after = read();
    let got = (
        ours(&rms, "system.cpu.load_average.1m", &[]),
        ours(&rms, "system.cpu.load_average.5m", &[]),
        ours(&rms, "system.cpu.load_average.15m", &[]),
    );
    assert!(
        got == before || got == after,
        "{got:?} is neither {before:?} nor {after:?}"
    );
    let peer = NodeExporter::start();
    let series = peer.scrape();
    let later = read();
    let node1 = node(&series, "node_load1", &[]);
    assert!(
        node1 == after.0 || node1 == later.0 || node1 == before.0,
        "node_load1 {node1}"
    );
}

/// `/proc/self/stat` fields (1-based, after the command).
fn self_stat() -> Vec<String> {
    let t = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after = &t[t.rfind(')').unwrap() + 1..];
    // Index 0 is field 3.
    after.split_whitespace().map(str::to_string).collect()
}

fn stat_field(f: &[String], n: usize) -> u64 {
    f[n - 3].parse().unwrap()
}

#[tokio::test]
async fn own_process_matches_proc_self() {
    let exe = std::fs::read_link("/proc/self/exe").unwrap();
    let name = exe.file_name().unwrap().to_string_lossy().into_owned();
    let hz = rustix::param::clock_ticks_per_second() as f64;
    let page = rustix::param::page_size() as f64;
    let before = self_stat();
    let rms = scrape(&format!(
        "  process:\n    include: {{names: ['{name}'], match_type: strict}}\n    mute_process_exe_error: true\n    metrics:\n      process.threads: {{enabled: true}}\n      process.paging.faults: {{enabled: true}}\n      process.open_file_descriptors: {{enabled: true}}\n"
    ))
    .await;
    let after = self_stat();
    let pid = std::process::id().to_string();
    let me = rms
        .iter()
        .find(|rm| {
            str_attr(&rm.resource.as_ref().unwrap().attributes, "process.pid").as_deref() == Some(&pid)
        })
        .unwrap_or_else(|| panic!("no resource for pid {pid} named {name:?}"));
    let res = &me.resource.as_ref().unwrap().attributes;
    assert_eq!(str_attr(res, "process.executable.name").unwrap(), name);
    assert_eq!(
        str_attr(res, "process.executable.path").unwrap(),
        exe.to_string_lossy()
    );
    assert_eq!(
        str_attr(res, "process.parent_pid").unwrap(),
        std::os::unix::process::parent_id().to_string()
    );
    let cmdline: Vec<String> = std::fs::read("/proc/self/cmdline")
        .unwrap()
        .split(|b| *b == 0)
        .filter(|p| !p.is_empty())
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .collect();
    assert_eq!(str_attr(res, "process.command").unwrap(), cmdline[0]);
    assert_eq!(str_attr(res, "process.command_line").unwrap(), cmdline.join(" "));
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let uid: u32 = status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|v| v.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
    let user = passwd
        .lines()
        .find(|l| l.split(':').nth(2) == Some(&uid.to_string()))
        .and_then(|l| l.split(':').next())
        .unwrap();
    assert_eq!(str_attr(res, "process.owner").unwrap(), user);

    let mine = std::slice::from_ref(me);
    // CPU times between the two reads of /proc/self/stat.
    for (state, field) in [("user", 14), ("system", 15)] {
        let (lo, hi) = (
            stat_field(&before, field) as f64 / hz,
            stat_field(&after, field) as f64 / hz,
        );
        let v = ours(mine, "process.cpu.time", &[("state", state)]);
        assert!(bracketed(lo, v, hi, 1e-9), "cpu {state}: {v} not in [{lo}, {hi}]");
    }
    // Memory within what the two reads saw, with slack for the threads of
    // the other tests allocating meanwhile.
    let slack = 256.0 * 1024.0 * 1024.0;
    let (vlo, vhi) = (stat_field(&before, 23) as f64, stat_field(&after, 23) as f64);
    let virt = ours(mine, "process.memory.virtual", &[]);
    assert!(
        bracketed(vlo.min(vhi), virt, vlo.max(vhi), slack),
        "virtual {virt} vs [{vlo}, {vhi}]"
    );
    let (rlo, rhi) = (
        stat_field(&before, 24) as f64 * page,
        stat_field(&after, 24) as f64 * page,
    );
    let rss = ours(mine, "process.memory.usage", &[]);
    assert!(
        bracketed(rlo.min(rhi), rss, rlo.max(rhi), slack),
        "rss {rss} vs [{rlo}, {rhi}]"
    );
    let (flo, fhi) = (stat_field(&before, 10) as f64, stat_field(&after, 10) as f64);
    let minor = ours(mine, "process.paging.faults", &[("type", "minor")]);
    assert!(
        bracketed(flo, minor, fhi, 0.0),
        "minor faults {minor} vs [{flo}, {fhi}]"
    );
    assert!(ours(mine, "process.threads", &[]) >= 1.0);
    assert!(ours(mine, "process.open_file_descriptors", &[]) >= 3.0);
    // The start time is the process start (gopsutil: boot + whole seconds).
    let stat = std::fs::read_to_string("/proc/stat").unwrap();
    let btime: u64 = stat
        .lines()
        .find_map(|l| l.strip_prefix("btime "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let start = (btime + stat_field(&before, 22) / hz as u64) * 1_000_000_000;
    for p in points(mine, "process.cpu.time") {
        assert_eq!(p.start_time_unix_nano, start);
    }
    assert_eq!(me.scope_metrics.len(), 1);
    let _ = Payload::item_count(&Metrics::default());
}
