//! The receiver against real peers: a real `prometheus-node-exporter` and a
//! real Prometheus server (Debian packages `prometheus-node-exporter` and
//! `prometheus`). The receiver runs in-process with a sink and scrapes
//! every second; the same Prometheus server scrapes the same targets with
//! the same scrape config, and what the receiver emitted is compared with
//! what Prometheus stored (series names, label sets, values, metadata).
//!
//! Differences that remain, by design (see the README):
//! - moving counters and gauges are read at slightly different moments by
//!   the two scrapers, so they are compared within a tolerance;
//! - Prometheus' own `/metrics` grows series while the test queries it (new
//!   HTTP handlers, new scrape pools), so only its metric families and a
//!   few stable series are compared exactly.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use common::{MetricsServer, NodeExporter, Page, Point, Prometheus, Receiver, as_series};

const WAIT: Duration = Duration::from_secs(30);

fn name_of(series_key: &str) -> &str {
    series_key.split('{').next().unwrap_or(series_key)
}

/// The difference of two series sets, for failure messages.
fn diff(a: &BTreeMap<String, f64>, b: &BTreeMap<String, f64>) -> String {
    let only_a: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).take(20).collect();
    let only_b: Vec<&String> = b.keys().filter(|k| !a.contains_key(*k)).take(20).collect();
    format!("only in the receiver: {only_a:#?}\nonly in Prometheus: {only_b:#?}")
}

fn scrapes_of(points: &[Point], job: &str) -> usize {
    points
        .iter()
        .filter(|p| p.job == job && p.metric == "up" && !p.stale())
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_exporter_and_prometheus_seen_as_prometheus_sees_them() {
    let ne = NodeExporter::start().await;
    let prom = Prometheus::start(&format!(
        "global: {{scrape_interval: 1s, evaluation_interval: 1s}}\n\
         scrape_configs:\n\
         - job_name: node\n  static_configs: [{{targets: ['{ne}']}}]\n\
         - job_name: prometheus\n  static_configs: [{{targets: ['{{self}}']}}]\n",
        ne = ne.addr
    ))
    .await;
    let receiver = Receiver::start(&format!(
        "config:\n  global: {{scrape_interval: 1s}}\n  scrape_configs:\n\
         \x20   - job_name: node\n      static_configs: [{{targets: ['{}']}}]\n\
         \x20   - job_name: prometheus\n      static_configs: [{{targets: ['{}']}}]\n",
        ne.addr, prom.addr
    ))
    .await;
    receiver
        .eventually("three scrapes of each job", WAIT, |p| {
            scrapes_of(p, "node") >= 3 && scrapes_of(p, "prometheus") >= 3
        })
        .await;
    prom.eventually("up{job=\"node\"}", |r| r.len() == 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    // node: every series, with every label, exactly as Prometheus stored it.
    let ours = as_series(&receiver.last_scrape("node"));
    let theirs = Prometheus::series(&prom.query("{job=\"node\"}").await);
    assert!(
        ours.len() > 200,
        "node exporter exposes hundreds of series, got {}",
        ours.len()
    );
    assert_eq!(
        ours.keys().collect::<BTreeSet<_>>(),
        theirs.keys().collect::<BTreeSet<_>>(),
        "{}",
        diff(&ours, &theirs)
    );
    // Values: stable ones exactly, moving ones within what a second changes.
    let mut compared = 0;
    for (key, ours_v) in &ours {
        let theirs_v = theirs[key];
        let name = name_of(key);
        let exact = name.ends_with("_info")
            || matches!(
                name,
                "node_memory_MemTotal_bytes" | "node_boot_time_seconds" | "process_start_time_seconds" | "up"
            );
        if exact {
            assert_eq!(*ours_v, theirs_v, "{key}");
            compared += 1;
        } else if name == "node_cpu_seconds_total" || name == "node_time_seconds" {
            assert!(
                (ours_v - theirs_v).abs() <= 5.0,
                "{key}: receiver {ours_v}, Prometheus {theirs_v}"
            );
            compared += 1;
        }
    }
    assert!(compared > 10, "only {compared} values compared");
    eprintln!(
        "node job: {} series identical in both, {compared} values compared",
        ours.len()
    );
    assert!(ours.keys().any(|k| k.starts_with("node_memory_MemTotal_bytes{")));

    // Types and help as Prometheus read them from the same exposition.
    let meta = prom
        .get_json("/api/v1/targets/metadata?match_target=%7Bjob%3D%22node%22%7D")
        .await;
    let meta: BTreeMap<String, (String, String)> = meta["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["metric"].as_str().unwrap().to_string(),
                (
                    m["type"].as_str().unwrap().to_string(),
                    m["help"].as_str().unwrap().to_string(),
                ),
            )
        })
        .collect();
    let last = receiver.last_scrape("node");
    let mut families = 0;
    for p in last
        .iter()
        .filter(|p| !p.metric.starts_with("scrape_") && p.metric != "up")
    {
        let (ty, help) = meta
            .get(&p.metric)
            .unwrap_or_else(|| panic!("Prometheus has no metadata for {}", p.metric));
        assert_eq!((&p.prom_type, &p.description), (ty, help), "{}", p.metric);
        let want_kind = match ty.as_str() {
            "counter" => "sum",
            "histogram" => "histogram",
            "summary" => "summary",
            _ => "gauge",
        };
        assert_eq!(p.kind, want_kind, "{}", p.metric);
        families += 1;
    }
    assert!(families > 100);
    // The resource and counters' start times, as Go sets them.
    let cpu: Vec<&Point> = last
        .iter()
        .filter(|p| p.metric == "node_cpu_seconds_total")
        .collect();
    assert!(cpu.iter().all(|p| p.monotonic && p.start < p.time));
    let up = last.iter().find(|p| p.metric == "up").unwrap();
    assert_eq!(up.resource.get("service.name").map(String::as_str), Some("node"));
    assert_eq!(up.resource.get("service.instance.id"), Some(&ne.addr.to_string()));
    assert_eq!(up.resource.get("server.port"), Some(&ne.addr.port().to_string()));

    // prometheus: its families (it grows series while we query it), and a
    // few stable series exactly.
    let ours = as_series(&receiver.last_scrape("prometheus"));
    let theirs = Prometheus::series(&prom.query("{job=\"prometheus\"}").await);
    let ours_names: BTreeSet<&str> = ours.keys().map(|k| name_of(k)).collect();
    let theirs_names: BTreeSet<&str> = theirs.keys().map(|k| name_of(k)).collect();
    let missing: Vec<&&str> = theirs_names.difference(&ours_names).collect();
    let extra: Vec<&&str> = ours_names.difference(&theirs_names).collect();
    eprintln!(
        "prometheus job: {} families in the receiver, {} in Prometheus; only in Prometheus {missing:?}, only in the receiver {extra:?}",
        ours_names.len(),
        theirs_names.len()
    );
    assert!(
        missing.len() + extra.len() <= 3,
        "metric names differ: missing {missing:?}, extra {extra:?}"
    );
    for key in theirs.keys().filter(|k| {
        let n = name_of(k);
        n == "prometheus_build_info" || n == "go_info" || n == "prometheus_config_last_reload_successful"
    }) {
        assert_eq!(ours.get(key), theirs.get(key), "{key}");
    }
    assert!(ours.keys().any(|k| k.starts_with("prometheus_build_info{")));
    receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn relabeling_gives_the_series_prometheus_gives() {
    let ne = NodeExporter::start().await;
    let job = format!(
        r#"
    - job_name: relabeled
      scrape_interval: 1s
      static_configs: [{{targets: ['{ne}'], labels: {{team: infra}}}}]
      relabel_configs:
        - {{source_labels: [__address__], regex: '(.*):(\d+)', target_label: instance, replacement: 'node-$2'}}
        - {{source_labels: [team], target_label: owner}}
        - {{action: labeldrop, regex: team}}
      metric_relabel_configs:
        - {{source_labels: [__name__], regex: 'go_.*|node_scrape_.*|process_.*|promhttp_.*', action: drop}}
        - {{source_labels: [__name__, mode], regex: 'node_cpu_seconds_total;(nice|steal|irq|softirq)', action: drop}}
        - {{source_labels: [device], regex: 'lo', target_label: device, replacement: loopback}}
        - {{source_labels: [__name__], regex: 'node_load(.*)', target_label: __name__, replacement: 'renamed_load$1'}}
        - {{regex: 'owner', action: labeldrop}}
"#,
        ne = ne.addr
    );
    let prom = Prometheus::start(&format!(
        "global: {{scrape_interval: 1s}}\nscrape_configs:{}",
        job.replace("\n    ", "\n")
    ))
    .await;
    let receiver = Receiver::start(&format!("config:\n  scrape_configs:{job}")).await;
    receiver
        .eventually("two scrapes", WAIT, |p| scrapes_of(p, "relabeled") >= 2)
        .await;
    prom.eventually("up{job=\"relabeled\"}", |r| r.len() == 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ours = as_series(&receiver.last_scrape("relabeled"));
    let theirs = Prometheus::series(&prom.query("{job=\"relabeled\"}").await);
    assert_eq!(
        ours.keys().collect::<BTreeSet<_>>(),
        theirs.keys().collect::<BTreeSet<_>>(),
        "{}",
        diff(&ours, &theirs)
    );
    let instance = format!("node-{}", ne.addr.port());
    let last = receiver.last_scrape("relabeled");
    assert!(last.iter().all(|p| p.instance == instance));
    assert!(
        !last
            .iter()
            .any(|p| p.metric.starts_with("go_") || p.metric.starts_with("node_load"))
    );
    assert!(last.iter().any(|p| p.metric == "renamed_load1"));
    let up = last.iter().find(|p| p.metric == "up").unwrap();
    assert_eq!(
        up.attrs.get("owner").map(String::as_str),
        Some("infra"),
        "report series are not metric-relabeled"
    );
    assert!(
        last.iter()
            .filter(|p| p.metric != "up" && !p.metric.starts_with("scrape_"))
            .all(|p| !p.attrs.contains_key("owner"))
    );
    assert!(
        last.iter()
            .any(|p| p.attrs.get("device").map(String::as_str) == Some("loopback"))
    );
    receiver.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_that_goes_down_as_prometheus_sees_it() {
    let page = "# TYPE app_requests_total counter\napp_requests_total{path=\"/a\"} 10\n\
                # TYPE app_temperature gauge\napp_temperature 21.5\n";
    let server = MetricsServer::start(Page::text(page), None).await;
    let target = server.addr.to_string();
    let job = format!(
        "\n    - job_name: flaky\n      scrape_interval: 1s\n      static_configs: [{{targets: ['{target}']}}]\n"
    );
    let prom = Prometheus::start(&format!("scrape_configs:{}", job.replace("\n    ", "\n"))).await;
    let receiver = Receiver::start(&format!("config:\n  scrape_configs:{job}")).await;
    receiver
        .eventually("a scrape", WAIT, |p| scrapes_of(p, "flaky") >= 1)
        .await;
    prom.eventually("app_temperature{job=\"flaky\"}", |r| r.len() == 1)
        .await;
    server.stop();
    let points = receiver
        .eventually("up 0", WAIT, |p| {
            p.iter()
                .any(|p| p.job == "flaky" && p.metric == "up" && p.value == 0.0)
        })
        .await;
    prom.eventually("up{job=\"flaky\"} == 0", |r| r.len() == 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    // What is left (not stale) after the failure: up and the scrape_* series, as in Prometheus.
    let ours = as_series(&receiver.last_scrape("flaky"));
    let theirs = Prometheus::series(&prom.query("{job=\"flaky\"}").await);
    assert_eq!(
        ours.keys().collect::<BTreeSet<_>>(),
        theirs.keys().collect::<BTreeSet<_>>(),
        "{}",
        diff(&ours, &theirs)
    );
    assert_eq!(
        ours.get(&format!("up{{instance={target:?},job=\"flaky\"}}")),
        Some(&0.0)
    );
    // The receiver marked the gone series stale at the failed scrape.
    let down_at = points
        .iter()
        .find(|p| p.metric == "up" && p.value == 0.0)
        .unwrap()
        .time;
    for metric in ["app_requests_total", "app_temperature"] {
        assert!(
            points
                .iter()
                .any(|p| p.metric == metric && p.stale() && p.time == down_at),
            "{metric} has a stale marker"
        );
    }
    receiver.stop().await;
}
