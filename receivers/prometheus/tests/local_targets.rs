//! The receiver in-process against small local metrics servers (hyper,
//! plain and TLS): what it asks for, how it authenticates, what it makes of
//! text and OpenMetrics pages, staleness when a series or a target goes
//! away, file discovery with files changed during the test, limits, and
//! its self-metrics.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Counters, MetricsServer, Page, Point, Receiver};
use otelcol_component::Meter;
use otelcol_configtls::TlsServerConfig;
use otelcol_configtls::testpki::TestPki;

const WAIT: Duration = Duration::from_secs(20);

const PAGE: &str = "# HELP app_requests_total Requests served.\n\
# TYPE app_requests_total counter\n\
app_requests_total{path=\"/a\"} 10\n\
app_requests_total{path=\"/b\"} 3\n\
# HELP app_temperature Current temperature.\n\
# TYPE app_temperature gauge\n\
app_temperature 21.5\n\
# TYPE app_latency_seconds histogram\n\
app_latency_seconds_bucket{le=\"0.1\"} 2\n\
app_latency_seconds_bucket{le=\"1\"} 5\n\
app_latency_seconds_bucket{le=\"+Inf\"} 6\n\
app_latency_seconds_sum 3.5\n\
app_latency_seconds_count 6\n\
untyped_thing{kind=\"x\"} 7\n";

fn job(name: &str, target: &str, extra: &str) -> String {
    format!(
        "config:\n  scrape_configs:\n    - job_name: {name}\n      scrape_interval: 1s\n{extra}      static_configs: [{{targets: ['{target}']}}]\n"
    )
}

fn up_of(points: &[Point], instance: &str) -> Vec<f64> {
    points
        .iter()
        .filter(|p| p.metric == "up" && p.instance == instance && !p.stale())
        .map(|p| p.value)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_page_to_otlp_like_go() {
    let server = MetricsServer::start(Page::text(PAGE), None).await;
    let target = server.addr.to_string();
    let r = Receiver::start(&job("app", &target, "")).await;
    // Two scrapes, to see start times carried over.
    let points = r
        .eventually("two scrapes", WAIT, |p| up_of(p, &target).len() >= 2)
        .await;
    r.stop().await;
    let last = r.last_scrape("app");
    let find = |metric: &str| {
        last.iter()
            .find(|p| p.metric == metric)
            .unwrap_or_else(|| panic!("{metric} missing"))
    };
    let up = find("up");
    assert_eq!(
        (up.kind, up.value, up.prom_type.as_str()),
        ("gauge", 1.0, "gauge")
    );
    assert_eq!(up.description, "The scraping was successful");
    assert_eq!(up.scope, otelcol_receiver_prometheus::SCOPE_NAME);
    let resource = &up.resource;
    assert_eq!(resource.get("service.name").map(String::as_str), Some("app"));
    assert_eq!(resource.get("service.instance.id"), Some(&target));
    assert_eq!(resource.get("server.port"), Some(&server.addr.port().to_string()));
    assert_eq!(resource.get("url.scheme").map(String::as_str), Some("http"));
    assert!(
        !resource.contains_key("server.address"),
        "127.0.0.1 is not a discernible host"
    );
    let dur = find("scrape_duration_seconds");
    assert_eq!(dur.unit, "s");
    assert!(dur.value > 0.0 && dur.value < 1.0);
    assert_eq!(find("scrape_samples_scraped").value, 9.0);
    assert_eq!(find("scrape_samples_post_metric_relabeling").value, 9.0);
    let requests: Vec<&Point> = last.iter().filter(|p| p.metric == "app_requests_total").collect();
    assert_eq!(requests.len(), 2);
    assert!(
        requests
            .iter()
            .all(|p| p.kind == "sum" && p.monotonic && p.prom_type == "counter")
    );
    assert_eq!(requests[0].description, "Requests served.");
    assert_eq!(requests[0].attrs.get("path").map(String::as_str), Some("/a"));
    assert_eq!(requests[0].value, 10.0);
    // The start time is the first observation's, on every later point.
    let first_seen = points
        .iter()
        .filter(|p| p.metric == "app_requests_total")
        .map(|p| p.time)
        .min()
        .unwrap();
    assert_eq!(requests[0].start, first_seen);
    assert!(requests[0].time > requests[0].start);
    let temp = find("app_temperature");
    assert_eq!((temp.kind, temp.value, temp.start), ("gauge", 21.5, 0));
    let h = find("app_latency_seconds");
    assert_eq!(h.kind, "histogram");
    assert_eq!(
        (h.bounds.clone(), h.buckets.clone()),
        (vec![0.1, 1.0], vec![2, 3, 1])
    );
    assert_eq!((h.value, h.sum), (6.0, Some(3.5)));
    let u = find("untyped_thing");
    assert_eq!((u.kind, u.prom_type.as_str()), ("gauge", "unknown"));
    // Timestamps are the scrape's, in nanoseconds, now-ish.
    let now = otelcol_component::build::unix_nanos_now();
    assert!(up.time <= now && now - up.time < 30_000_000_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_scrape_request_carries_and_auth_and_tls() {
    let pki = TestPki::new();
    let tls = TlsServerConfig {
        cert_file: pki.path("server.pem"),
        key_file: pki.path("server-key.pem"),
        ..Default::default()
    };
    let basic = MetricsServer::start(Page::text("a 1\n"), Some(tls.clone())).await;
    basic.require_authorization(Some("Basic dXNlcjpzM2NyZXQ=")); // user:s3cret
    let bearer = MetricsServer::start(Page::text("b 1\n"), None).await;
    bearer.require_authorization(Some("Bearer t0ken"));
    let refused = MetricsServer::start(Page::text("c 1\n"), None).await;
    refused.require_authorization(Some("Bearer right"));
    let untrusted = MetricsServer::start(Page::text("d 1\n"), Some(tls)).await;
    let dir = tempfile::tempdir().unwrap();
    let password = dir.path().join("password");
    std::fs::write(&password, "s3cret\n").unwrap();
    let token = dir.path().join("token");
    std::fs::write(&token, "t0ken").unwrap();
    let yaml = format!(
        r#"config:
  global: {{scrape_interval: 1s}}
  scrape_configs:
    - job_name: basic
      scheme: https
      metrics_path: /custom/metrics
      params: {{module: [m1], target: ['a b']}}
      basic_auth: {{username: user, password_file: '{password}'}}
      tls_config: {{ca_file: '{ca}', server_name: localhost}}
      static_configs: [{{targets: ['{basic}']}}]
    - job_name: bearer
      authorization: {{credentials_file: '{token}'}}
      static_configs: [{{targets: ['{bearer}']}}]
    - job_name: refused
      authorization: {{type: Bearer, credentials: wrong}}
      static_configs: [{{targets: ['{refused}']}}]
    - job_name: untrusted
      scheme: https
      static_configs: [{{targets: ['{untrusted}']}}]
"#,
        password = password.display(),
        ca = pki.path("ca.pem"),
        basic = basic.addr,
        token = token.display(),
        bearer = bearer.addr,
        refused = refused.addr,
        untrusted = untrusted.addr,
    );
    let r = Receiver::start(&yaml).await;
    let (b, t, f, u) = (
        basic.addr.to_string(),
        bearer.addr.to_string(),
        refused.addr.to_string(),
        untrusted.addr.to_string(),
    );
    r.eventually("every job scraped", WAIT, |p| {
        [&b, &t, &f, &u].iter().all(|i| !up_of(p, i).is_empty())
    })
    .await;
    r.stop().await;
    let points = r.points();
    assert!(
        up_of(&points, &b).iter().all(|v| *v == 1.0),
        "basic auth over TLS works"
    );
    assert!(
        up_of(&points, &t).iter().all(|v| *v == 1.0),
        "bearer from a file works"
    );
    assert!(
        up_of(&points, &f).iter().all(|v| *v == 0.0),
        "wrong credentials: 401, up 0"
    );
    assert!(up_of(&points, &u).iter().all(|v| *v == 0.0), "unknown CA: up 0");
    assert!(untrusted.seen().is_empty(), "no request after a failed handshake");
    assert!(points.iter().any(|p| p.metric == "a" && p.value == 1.0));
    let seen = basic.seen();
    let req = &seen[0];
    assert_eq!(req.path_and_query, "/custom/metrics?module=m1&target=a+b");
    let h = |k: &str| req.headers.get(k).cloned().unwrap_or_default();
    assert_eq!(h("authorization"), "Basic dXNlcjpzM2NyZXQ=");
    assert!(
        h("accept").starts_with("application/openmetrics-text;version=1.0.0;q=0.6,"),
        "{}",
        h("accept")
    );
    assert!(
        h("accept").contains("text/plain;version=0.0.4;q=0.3"),
        "{}",
        h("accept")
    );
    assert!(h("accept").ends_with("*/*;q=0.2"), "{}", h("accept"));
    assert_eq!(h("accept-encoding"), "gzip");
    assert!(h("user-agent").starts_with("otelcol-rs/"), "{}", h("user-agent"));
    assert_eq!(h("x-prometheus-scrape-timeout-seconds"), "1");
    assert_eq!(
        bearer.seen()[0].headers.get("authorization").map(String::as_str),
        Some("Bearer t0ken")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openmetrics_gzip_created_and_units() {
    let page = "# TYPE app_requests counter\n\
# HELP app_requests Requests served.\n\
app_requests_total{path=\"/a\"} 10 # {trace_id=\"abc\"} 1 1700000000.1\n\
app_requests_created{path=\"/a\"} 1700000000.5\n\
# TYPE app_latency_seconds histogram\n\
# UNIT app_latency_seconds seconds\n\
app_latency_seconds_bucket{le=\"0.5\"} 1\n\
app_latency_seconds_bucket{le=\"+Inf\"} 2\n\
app_latency_seconds_sum 0.75\n\
app_latency_seconds_count 2\n\
app_latency_seconds_created 1700000001.0\n\
# TYPE build info\n\
build_info{version=\"1.2\"} 1\n\
# TYPE door stateset\n\
door{door=\"open\"} 1\n\
door{door=\"closed\"} 0\n\
# EOF\n";
    let mut p = Page::openmetrics(page);
    p.gzip = true;
    let server = MetricsServer::start(p, None).await;
    let target = server.addr.to_string();
    let r = Receiver::start(&job("om", &target, "")).await;
    r.eventually("a scrape", WAIT, |p| !up_of(p, &target).is_empty())
        .await;
    r.stop().await;
    let last = r.last_scrape("om");
    assert_eq!(up_of(&last, &target), vec![1.0]);
    let find = |m: &str| {
        last.iter()
            .find(|p| p.metric == m)
            .unwrap_or_else(|| panic!("{m} missing: {last:#?}"))
    };
    let c = find("app_requests_total");
    assert_eq!((c.kind, c.monotonic, c.value), ("sum", true, 10.0));
    assert_eq!(
        c.start, 1_700_000_000_500_000_000,
        "the _created sample is the start time"
    );
    assert_eq!(c.description, "Requests served.");
    assert!(!last.iter().any(|p| p.metric.ends_with("_created")));
    let h = find("app_latency_seconds");
    assert_eq!((h.unit.as_str(), h.start), ("s", 1_700_000_001_000_000_000));
    assert_eq!(h.buckets, vec![1, 1]);
    let info = find("build");
    assert_eq!(
        (info.kind, info.monotonic, info.prom_type.as_str()),
        ("sum", false, "info")
    );
    assert_eq!(info.attrs.get("version").map(String::as_str), Some("1.2"));
    let doors: Vec<&Point> = last.iter().filter(|p| p.metric == "door").collect();
    assert_eq!(doors.len(), 2);
    assert_eq!(doors[0].prom_type, "stateset");
    assert!(
        server
            .seen()
            .iter()
            .all(|s| s.headers.get("accept-encoding").map(String::as_str) == Some("gzip"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disappearing_series_and_a_target_that_goes_down_are_marked_stale() {
    let server = MetricsServer::start(Page::text(PAGE), None).await;
    let addr = server.addr;
    let target = addr.to_string();
    let r = Receiver::start(&job("flaky", &target, "")).await;
    r.eventually("a scrape", WAIT, |p| up_of(p, &target).contains(&1.0))
        .await;
    // The gauge goes away: a stale marker for it only.
    server.set_page(Page::text(&PAGE.replace("app_temperature 21.5\n", "")));
    let points = r
        .eventually("the gauge marked stale", WAIT, |p| {
            p.iter().any(|p| p.metric == "app_temperature" && p.stale())
        })
        .await;
    let stale_at = points
        .iter()
        .find(|p| p.metric == "app_temperature" && p.stale())
        .unwrap()
        .time;
    let same_scrape: Vec<&Point> = points.iter().filter(|p| p.time == stale_at).collect();
    assert!(same_scrape.iter().any(|p| p.metric == "up" && p.value == 1.0));
    assert!(
        same_scrape
            .iter()
            .filter(|p| p.metric != "app_temperature")
            .all(|p| !p.stale()),
        "only the gone series is stale"
    );
    // The target goes down: up 0, everything it exposed stale.
    server.stop();
    let points = r
        .eventually("up 0", WAIT, |p| up_of(p, &target).contains(&0.0))
        .await;
    let down_at = points
        .iter()
        .find(|p| p.metric == "up" && p.value == 0.0)
        .unwrap()
        .time;
    let at_down: Vec<&Point> = points.iter().filter(|p| p.time == down_at).collect();
    for metric in ["app_requests_total", "app_latency_seconds", "untyped_thing"] {
        let p: Vec<&&Point> = at_down.iter().filter(|p| p.metric == metric).collect();
        assert!(
            !p.is_empty() && p.iter().all(|p| p.stale()),
            "{metric} stale when the target went down"
        );
    }
    let h = at_down
        .iter()
        .find(|p| p.metric == "app_latency_seconds")
        .unwrap();
    assert_eq!((h.value, h.sum, h.buckets.clone()), (0.0, None, vec![0, 0, 0]));
    let samples_scraped = at_down
        .iter()
        .find(|p| p.metric == "scrape_samples_scraped")
        .unwrap();
    assert_eq!(samples_scraped.value, 0.0);
    assert!(
        !at_down.iter().any(|p| p.metric == "app_temperature"),
        "already stale"
    );
    // Later failures mark nothing again; the target comes back.
    let server = MetricsServer::start_on(addr, Page::text(PAGE)).await;
    let points = r
        .eventually("up 1 again", WAIT, |p| {
            let ups = up_of(p, &target);
            ups.iter().rposition(|v| *v == 1.0) > ups.iter().position(|v| *v == 0.0)
        })
        .await;
    let stale_requests = points
        .iter()
        .filter(|p| p.metric == "app_requests_total" && p.stale())
        .count();
    assert_eq!(
        stale_requests, 2,
        "one stale marker per series, not one per failed scrape"
    );
    r.stop().await;
    drop(server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn file_sd_follows_files_changed_during_the_test() {
    let a = MetricsServer::start(Page::text("from_a 1\n"), None).await;
    let b = MetricsServer::start(Page::text("from_b 2\n"), None).await;
    let c = MetricsServer::start(Page::text("from_c 3\n"), None).await;
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("targets.json");
    std::fs::write(
        &json,
        format!(r#"[{{"targets": ["{}"], "labels": {{"env": "one"}}}}]"#, a.addr),
    )
    .unwrap();
    let yaml = format!(
        r#"config:
  scrape_configs:
    - job_name: files
      scrape_interval: 1s
      file_sd_configs:
        - files: ['{dir}/*.json', '{dir}/*.yml']
      relabel_configs:
        - {{source_labels: [__meta_filepath], regex: '.*/(.*)', target_label: sd_file}}
"#,
        dir = dir.path().display()
    );
    let r = Receiver::start(&yaml).await;
    let (ia, ib, ic) = (a.addr.to_string(), b.addr.to_string(), c.addr.to_string());
    let points = r
        .eventually("target a", WAIT, |p| up_of(p, &ia).contains(&1.0))
        .await;
    let from_a = points.iter().find(|p| p.metric == "from_a").unwrap();
    assert_eq!(from_a.attrs.get("env").map(String::as_str), Some("one"));
    assert_eq!(
        from_a.attrs.get("sd_file").map(String::as_str),
        Some("targets.json")
    );
    assert!(
        !from_a.attrs.keys().any(|k| k.starts_with("__")),
        "meta labels are not kept"
    );
    // The JSON file now names b instead of a; a YAML file adds c.
    std::fs::write(&json, format!(r#"[{{"targets": ["{}"]}}]"#, b.addr)).unwrap();
    std::fs::write(
        dir.path().join("more.yml"),
        format!("- targets: ['{}']\n  labels: {{env: two}}\n", c.addr),
    )
    .unwrap();
    let points = r
        .eventually("targets b and c", WAIT, |p| {
            up_of(p, &ib).contains(&1.0) && up_of(p, &ic).contains(&1.0)
        })
        .await;
    let from_c = points.iter().find(|p| p.metric == "from_c").unwrap();
    assert_eq!(from_c.attrs.get("sd_file").map(String::as_str), Some("more.yml"));
    // a is retired: its series are marked stale about two intervals later.
    let points = r
        .eventually("a's series stale", WAIT, |p| {
            p.iter()
                .any(|p| p.instance == ia && p.metric == "from_a" && p.stale())
                && p.iter()
                    .any(|p| p.instance == ia && p.metric == "up" && p.stale())
        })
        .await;
    let last_a = points
        .iter()
        .filter(|p| p.instance == ia)
        .map(|p| p.time)
        .max()
        .unwrap();
    let scraped_a = a.seen().len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(a.seen().len(), scraped_a, "a is no longer scraped");
    let after: Vec<Point> = r
        .points()
        .into_iter()
        .filter(|p| p.instance == ia && p.time > last_a)
        .collect();
    assert!(
        after.is_empty(),
        "nothing from a after its stale markers: {after:?}"
    );
    // A broken file keeps the targets it had.
    std::fs::write(&json, "this is not JSON").unwrap();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let before = b.seen().len();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert!(b.seen().len() > before, "b still scraped");
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn limits_fail_the_scrape_as_prometheus_does() {
    let server = MetricsServer::start(Page::text(PAGE), None).await;
    let t = server.addr.to_string();
    let yaml = format!(
        r#"report_extra_scrape_metrics: true
config:
  global: {{scrape_interval: 1s}}
  scrape_configs:
    - job_name: body
      body_size_limit: 100B
      static_configs: [{{targets: ['{t}']}}]
    - job_name: samples
      sample_limit: 3
      static_configs: [{{targets: ['{t}']}}]
    - job_name: labels
      label_limit: 3
      static_configs: [{{targets: ['{t}']}}]
    - job_name: fine
      sample_limit: 100
      metric_relabel_configs:
        - {{source_labels: [__name__], regex: 'app_latency.*', action: drop}}
      static_configs: [{{targets: ['{t}']}}]
"#
    );
    let r = Receiver::start(&yaml).await;
    r.eventually("every job", WAIT, |p| {
        ["body", "samples", "labels", "fine"]
            .iter()
            .all(|j| p.iter().any(|p| p.job == *j && p.metric == "up"))
    })
    .await;
    r.stop().await;
    let get = |job: &str, metric: &str| {
        r.last_scrape(job)
            .iter()
            .find(|p| p.metric == metric)
            .map(|p| p.value)
            .unwrap_or_else(|| panic!("{job}/{metric}"))
    };
    assert_eq!(get("body", "up"), 0.0);
    assert_eq!(get("body", "scrape_body_size_bytes"), -1.0);
    assert_eq!(get("samples", "up"), 0.0);
    assert_eq!(get("samples", "scrape_samples_scraped"), 9.0);
    assert_eq!(get("samples", "scrape_sample_limit"), 3.0);
    assert_eq!(
        get("labels", "up"),
        0.0,
        "app_requests_total has 4 labels with job and instance"
    );
    assert_eq!(get("fine", "up"), 1.0);
    assert_eq!(get("fine", "scrape_samples_scraped"), 9.0);
    assert_eq!(get("fine", "scrape_samples_post_metric_relabeling"), 4.0);
    assert_eq!(get("fine", "scrape_timeout_seconds"), 1.0);
    assert_eq!(get("fine", "scrape_body_size_bytes"), PAGE.len() as f64);
    assert!(
        r.last_scrape("samples")
            .iter()
            .all(|p| p.metric == "up" || p.metric.starts_with("scrape_"))
    );
    assert!(
        !r.last_scrape("fine")
            .iter()
            .any(|p| p.metric.starts_with("app_latency"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honor_labels_timestamps_and_external_labels() {
    let page = "m{job=\"exposed\",instance=\"other:1\",a=\"x\"} 1 1700000000000\nn{job=\"exposed\"} 2\n";
    let server = MetricsServer::start(Page::text(page), None).await;
    let t = server.addr.to_string();
    let yaml = format!(
        r#"config:
  global: {{scrape_interval: 1s, external_labels: {{cluster: c1}}}}
  scrape_configs:
    - job_name: honored
      honor_labels: true
      static_configs: [{{targets: ['{t}']}}]
    - job_name: not_honored
      honor_timestamps: false
      static_configs: [{{targets: ['{t}'], labels: {{team: core}}}}]
"#
    );
    let r = Receiver::start(&yaml).await;
    r.eventually("both jobs", WAIT, |p| {
        p.iter().any(|p| p.job == "honored" && p.metric == "up")
            && p.iter().any(|p| p.job == "not_honored" && p.metric == "up")
    })
    .await;
    r.stop().await;
    let points = r.points();
    // honor_labels: the exposed job/instance win, so m lands in its own resource.
    let m = points
        .iter()
        .find(|p| p.metric == "m" && p.job == "exposed" && p.instance == "other:1")
        .unwrap();
    assert_eq!(m.time, 1_700_000_000_000_000_000, "the exposed timestamp is kept");
    assert_eq!(
        m.attrs.get("cluster").map(String::as_str),
        Some("c1"),
        "external labels on every point"
    );
    let n = points
        .iter()
        .find(|p| p.metric == "n" && p.job == "exposed")
        .unwrap();
    assert_eq!(n.instance, t, "instance falls back to the target's");
    // Without it: the target's labels win, the exposed ones are kept as exported_*.
    let m = points
        .iter()
        .find(|p| p.metric == "m" && p.job == "not_honored")
        .unwrap();
    assert_eq!(m.attrs.get("exported_job").map(String::as_str), Some("exposed"));
    assert_eq!(
        m.attrs.get("exported_instance").map(String::as_str),
        Some("other:1")
    );
    assert_eq!(m.attrs.get("team").map(String::as_str), Some("core"));
    assert_ne!(
        m.time, 1_700_000_000_000_000_000,
        "honor_timestamps: false uses the scrape time"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_metrics_and_shutdown() {
    let server = MetricsServer::start(Page::text(PAGE), None).await;
    let target = server.addr.to_string();
    let counters = Arc::new(Counters::default());
    let r = Receiver::start_with_meter(&job("self", &target, ""), Meter::new(counters.clone())).await;
    r.eventually("three scrapes", WAIT, |p| up_of(p, &target).len() >= 3)
        .await;
    r.stop().await;
    assert!(server.seen().len() >= 3);
    assert_eq!(
        server.connections(),
        1,
        "one kept-alive connection serves every scrape"
    );
    let delivered = r.sink.item_count() as u64;
    let accepted =
        counters.get("otelcol_receiver_accepted_metric_points{receiver=prometheus,transport=http}");
    assert_eq!(accepted, delivered, "{:?}", counters.names());
    assert_eq!(
        counters.get("otelcol_receiver_refused_metric_points{receiver=prometheus,transport=http}"),
        0
    );
    // Nothing after shutdown returned, and the target is no longer asked.
    let (items, requests) = (r.sink.item_count(), server.seen().len());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!((r.sink.item_count(), server.seen().len()), (items, requests));
    r.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusing_pipeline_is_counted() {
    let server = MetricsServer::start(Page::text("x 1\n"), None).await;
    let cfg: otelcol_receiver_prometheus::PrometheusReceiverConfig =
        otelcol_componenttest::parse_config(&job("refused", &server.addr.to_string(), "")).unwrap();
    let counters = Arc::new(Counters::default());
    let err = otelcol_componenttest::ErrConsumer::permanent();
    let mut next = otelcol_component::Consumers::default();
    next.set::<otelcol_component::Metrics>(err.clone());
    let f = otelcol_receiver_prometheus::factory();
    let set = otelcol_componenttest::nop_settings("prometheus", otelcol_component::Kind::Receiver)
        .with_telemetry(
            otelcol_component::TelemetrySettings::default().with_meter(Meter::new(counters.clone())),
        );
    let rcv = otelcol_component::ReceiverFactory::create(&f, &set, &cfg, next).unwrap();
    rcv.start(otelcol_componenttest::NopHost::new()).await.unwrap();
    let deadline = std::time::Instant::now() + WAIT;
    while err.calls() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rcv.shutdown().await.unwrap();
    assert!(err.calls() > 0);
    // x, up and the four scrape_* gauges per scrape.
    let refused = counters.get("otelcol_receiver_refused_metric_points{receiver=prometheus,transport=http}");
    assert_eq!(refused, 6 * err.calls() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trim_suffixes_and_start_time_metric() {
    let page = |requests: u32| {
        Page::openmetrics(&format!(
            "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1700000000\n\
             # TYPE app_busy_seconds counter\n# UNIT app_busy_seconds seconds\napp_busy_seconds_total {requests}\n# EOF\n"
        ))
    };
    let server = MetricsServer::start(page(100), None).await;
    let target = server.addr.to_string();
    let yaml = format!(
        "trim_metric_suffixes: true\nuse_start_time_metric: true\n{}",
        job("trim", &target, "")
    );
    let r = Receiver::start(&yaml).await;
    let points = r
        .eventually("a scrape", WAIT, |p| !up_of(p, &target).is_empty())
        .await;
    let busy = points
        .iter()
        .find(|p| p.metric == "app_busy")
        .expect("app_busy_seconds_total trimmed to app_busy");
    assert_eq!((busy.unit.as_str(), busy.start), ("s", 1_700_000_000_000_000_000));
    // A counter reset starts at the reset point's own time.
    server.set_page(page(1));
    let points = r
        .eventually("the reset", WAIT, |p| {
            p.iter().any(|p| p.metric == "app_busy" && p.value == 1.0)
        })
        .await;
    let reset = points
        .iter()
        .find(|p| p.metric == "app_busy" && p.value == 1.0)
        .unwrap();
    assert_eq!(reset.start, reset.time);
    r.stop().await;
}

#[tokio::test]
async fn a_missing_tls_file_fails_start_naming_it() {
    let yaml = "config:\n  scrape_configs:\n    - job_name: tls\n      scheme: https\n      tls_config: {ca_file: /nonexistent/ca.pem}\n      static_configs: [{targets: ['127.0.0.1:1']}]\n";
    let cfg: otelcol_receiver_prometheus::PrometheusReceiverConfig =
        otelcol_componenttest::parse_config(yaml).unwrap();
    let mut next = otelcol_component::Consumers::default();
    next.set::<otelcol_component::Metrics>(otelcol_componenttest::MetricsSink::new());
    let f = otelcol_receiver_prometheus::factory();
    let set = otelcol_componenttest::nop_settings("prometheus", otelcol_component::Kind::Receiver);
    let rcv = otelcol_component::ReceiverFactory::create(&f, &set, &cfg, next).unwrap();
    let err = rcv
        .start(otelcol_componenttest::NopHost::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tls_config::ca_file") && err.contains("/nonexistent/ca.pem"),
        "{err}"
    );
    rcv.shutdown().await.unwrap();
}
