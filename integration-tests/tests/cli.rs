//! The command line: validate, components, print-config, --version, the
//! embedded default config, SIGTERM drain and SIGHUP reload.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;

use otelcol_integration_tests::*;

fn write(dir: &std::path::Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

#[test]
fn validate_names_unknown_keys_types_and_dangling_references() {
    let dir = tempfile::tempdir().unwrap();
    let base = write(
        dir.path(),
        "base.yaml",
        "receivers:\n  otlp:\n    protocols:\n      grpc:\n        endpoin: localhost:4317\n\
         exporters:\n  debug:\n  clickhouse:\n\
         service:\n  extensions: [zpages]\n  pipelines:\n    traces:\n      receivers: [otlp, jaeger]\n      exporters: [debug, otlp/backend]\n",
    );
    let (code, _out, err) = run_cli(&["validate", "--config", &base]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("receivers::otlp::protocols::grpc::endpoin: unknown field \"endpoin\""),
        "{err}"
    );
    assert!(err.contains(&format!("(in {base})")), "the file is named: {err}");
    assert!(
        err.contains("exporters::clickhouse: unknown type: \"clickhouse\""),
        "{err}"
    );
    assert!(
        err.contains("service::extensions: references extension \"zpages\" which is not configured"),
        "{err}"
    );
    assert!(
        err.contains("service::pipelines::traces: references receiver \"jaeger\" which is not configured"),
        "{err}"
    );
    assert!(
        err.contains(
            "service::pipelines::traces: references exporter \"otlp/backend\" which is not configured"
        ),
        "{err}"
    );
}

#[test]
fn validate_accepts_merged_configs_and_set_flags() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(
        dir.path(),
        "a.yaml",
        "receivers:\n  otlp:\n    protocols:\n      grpc:\nexporters:\n  debug:\n",
    );
    let b = write(
        dir.path(),
        "b.yaml",
        "service:\n  pipelines:\n    traces:\n      receivers: [otlp]\n      exporters: [debug]\n",
    );
    let (code, _, err) = run_cli(&[
        "validate",
        "--config",
        &a,
        "--config",
        &b,
        "--set",
        "exporters.debug.verbosity=detailed",
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = run_cli(&[
        "validate",
        "--config",
        &a,
        "--config",
        &b,
        "--set",
        "exporters.debug.verbosity=loud",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("exporters::debug::verbosity"), "{err}");
}

#[test]
fn components_lists_the_distribution_as_yaml() {
    let (code, out, err) = run_cli(&["components"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_yaml::from_str(&out).unwrap();
    let names = |kind: &str| -> Vec<String> {
        v[kind]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names("receivers"),
        vec![
            "file_log",
            "filelog",
            "host_metrics",
            "hostmetrics",
            "http_check",
            "httpcheck",
            "jaeger",
            "kafka",
            "nop",
            "otlp",
            "prometheus",
            "zipkin"
        ]
    );
    assert_eq!(
        names("processors"),
        vec![
            "attributes",
            "batch",
            "filter",
            "memory_limiter",
            "probabilistic_sampler",
            "resource",
            "resource_detection",
            "resourcedetection",
            "span",
            "tail_sampling",
            "transform"
        ]
    );
    assert_eq!(
        names("exporters"),
        vec![
            "debug",
            "file",
            "kafka",
            "loadbalancing",
            "nop",
            "otlp",
            "otlp_grpc",
            "otlp_http",
            "otlphttp",
            "prometheus",
            "prometheus_remote_write",
            "prometheusremotewrite"
        ]
    );
    // Go's canonical names, with the old ones listed as deprecated aliases.
    let exporter = |name: &str| {
        v["exporters"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(exporter("otlp")["deprecated_alias_of"], "otlp_grpc");
    assert_eq!(exporter("otlphttp")["deprecated_alias_of"], "otlp_http");
    assert_eq!(
        exporter("prometheusremotewrite")["deprecated_alias_of"],
        "prometheus_remote_write"
    );
    assert_eq!(exporter("otlp_grpc")["aliases"][0], "otlp");
    assert!(exporter("otlp_grpc")["deprecated_alias_of"].is_null());
    assert_eq!(
        names("extensions"),
        vec![
            "basicauth",
            "bearertokenauth",
            "file_storage",
            "headers_setter",
            "health_check",
            "oauth2client",
            "oidc",
            "pprof",
            "zpages"
        ]
    );
    // Connectors, with contrib's new names canonical and the old ones deprecated.
    assert_eq!(
        names("connectors"),
        vec![
            "count",
            "forward",
            "routing",
            "service_graph",
            "servicegraph",
            "span_metrics",
            "spanmetrics"
        ]
    );
    let connector = |name: &str| {
        v["connectors"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(connector("spanmetrics")["deprecated_alias_of"], "span_metrics");
    assert_eq!(connector("servicegraph")["deprecated_alias_of"], "service_graph");
    assert_eq!(v["buildinfo"]["command"], "otelcol-rs");
    assert!(out.contains("stability:"), "{out}");
}

#[test]
fn version_and_print_config_redacts_secrets() {
    let (code, out, _) = run_cli(&["--version"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("otelcol-rs "), "{out}");

    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "c.yaml",
        "receivers: {otlp: {protocols: {grpc: }}}\nexporters:\n  otlp_http:\n    endpoint: http://127.0.0.1:1\n    headers:\n      api-key: ${env:ITEST_SECRET}\nservice: {pipelines: {traces: {receivers: [otlp], exporters: [otlp_http]}}}\n",
    );
    let out = std::process::Command::new(binary())
        .args(["print-config", "--config", &cfg])
        .env("ITEST_SECRET", "hunter2")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("[REDACTED]") && !text.contains("hunter2"), "{text}");
    let out = std::process::Command::new(binary())
        .args(["print-config", "--mode", "unredacted", "--config", &cfg])
        .env("ITEST_SECRET", "hunter2")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("hunter2"));
}

#[test]
fn runs_the_embedded_default_config_without_config_flag() {
    // Every listener on port 0; the bound addresses are read from the log.
    let sets: Vec<String> = [
        "receivers.otlp.protocols.grpc.endpoint",
        "receivers.otlp.protocols.http.endpoint",
        "extensions.health_check.endpoint",
        "extensions.pprof.endpoint",
        "extensions.zpages.endpoint",
    ]
    .iter()
    .flat_map(|key| ["--set".to_string(), format!("{key}=127.0.0.1:0")])
    .collect();
    let args: Vec<&str> = sets.iter().map(String::as_str).collect();
    let mut c = Collector::start_args(&args, &[]);
    let http = c.listen_addr("otlp", "OTLP HTTP receiver");
    let health_addr = c.listen_addr("health_check", "health check");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut ready = http_request(health_addr, "GET", "/", &[], b"");
    while ready.status != 200 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
        ready = http_request(health_addr, "GET", "/", &[], b"");
    }
    assert_eq!(ready.status, 200, "health_check turns ready once pipelines run");
    assert!(String::from_utf8_lossy(&ready.body).contains("Server available"));
    assert!(c.wait_for_log("embedded default config"), "{}", c.logs());
    let r = http_request(
        http,
        "POST",
        "/v1/logs",
        &[("Content-Type", "application/json")],
        b"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"hi\"}}]}]}]}",
    );
    assert_eq!(r.status, 200);
    assert!(
        c.wait_for_log("log records"),
        "debug exporter prints the batch:\n{}",
        c.logs()
    );
    let (status, logs) = c.stop();
    assert!(status.success(), "{logs}");
}

#[test]
fn sighup_reloads_the_config_and_bad_reloads_keep_running() {
    let http = free_port();
    let addr: SocketAddr = format!("127.0.0.1:{http}").parse().unwrap();
    let cfg = |file: &str| {
        format!(
            "receivers: {{otlp: {{protocols: {{http: {{endpoint: '127.0.0.1:{http}'}}}}}}}}\n\
             exporters: {{file: {{path: '{{dir}}/{file}'}}}}\n\
             service: {{pipelines: {{logs: {{receivers: [otlp], exporters: [file]}}}}}}\n"
        )
    };
    // The reload must find the same port again, so the receiver cannot take
    // port 0 (`free_port` keeps the port reserved for this test process).
    let mut c = Collector::start(&cfg("before.jsonl"), &[], &[addr]);
    let body =
        b"{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{\"body\":{\"stringValue\":\"x\"}}]}]}]}";
    let post = || {
        http_request(
            addr,
            "POST",
            "/v1/logs",
            &[("Content-Type", "application/json")],
            body,
        )
    };
    assert_eq!(post().status, 200);

    // A broken config is refused and the old one keeps serving.
    std::fs::write(&c.config_path, "receivers: [oops").unwrap();
    c.signal("HUP");
    assert!(c.wait_for_log("Config reload failed"), "{}", c.logs());
    assert_eq!(post().status, 200);

    let dir = c.dir.path().display().to_string();
    std::fs::write(&c.config_path, cfg("after.jsonl").replace("{dir}", &dir)).unwrap();
    c.signal("HUP");
    assert!(c.wait_for_log("Reload requested"), "{}", c.logs());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !c.dir.path().join("after.jsonl").exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Wait until the new receiver listens again.
    let mut status = 0;
    while std::time::Instant::now() < deadline {
        if std::net::TcpStream::connect(addr).is_ok() {
            status = post().status;
            if status == 200 {
                break;
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status, 200, "{}", c.logs());
    let (st, logs) = c.stop();
    assert!(st.success(), "{logs}");
    assert_eq!(
        read_json_lines(&c.dir.path().join("before.jsonl")).len(),
        2,
        "{logs}"
    );
    assert_eq!(
        read_json_lines(&c.dir.path().join("after.jsonl")).len(),
        1,
        "{logs}"
    );
}

#[test]
fn deprecated_names_are_accepted_with_a_warning_and_canonical_ones_without() {
    let dir = tempfile::tempdir().unwrap();
    let old = write(
        dir.path(),
        "old.yaml",
        "receivers: {otlp: {protocols: {grpc: }}}\nexporters:\n  otlp/a: {endpoint: 'localhost:4317'}\n  otlphttp: {endpoint: 'http://localhost:4318'}\n\
         service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp/a, otlphttp]}}}\n",
    );
    let (code, _, err) = run_cli(&["validate", "--config", &old]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("exporter type \"otlp\" is a deprecated alias of \"otlp_grpc\"; use \"otlp_grpc\" instead (id \"otlp/a\")"),
        "{err}"
    );
    assert!(
        err.contains("\"otlphttp\" is a deprecated alias of \"otlp_http\""),
        "{err}"
    );
    let new = write(
        dir.path(),
        "new.yaml",
        "receivers: {otlp: {protocols: {grpc: }}}\nexporters:\n  otlp_grpc/a: {endpoint: 'localhost:4317'}\n  otlp_http: {endpoint: 'http://localhost:4318'}\n\
         service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp_grpc/a, otlp_http]}}}\n",
    );
    let (code, _, err) = run_cli(&["validate", "--config", &new]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("deprecated"), "{err}");
}

#[test]
fn errors_list_every_unknown_field_and_no_follow_on_noise() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "e.yaml",
        "receivers: {otlp: {protocols: {grpc: }}}\nexporters:\n  debug: {verbosity: basic, colour: red, sampling_initial: 1, sampling_thereafter: 1, foo: 1}\n\
         connectors:\n  exceptions:\n\
         service: {pipelines: {traces: {receivers: [otlp], exporters: [debug, exceptions]}, metrics: {receivers: [exceptions], exporters: [debug]}}}\n",
    );
    let (code, _, err) = run_cli(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("exporters::debug::colour: unknown field"), "{err}");
    assert!(err.contains("exporters::debug::foo: unknown field"), "{err}");
    // A connector type this build lacks is refused by name, and the
    // pipelines naming it add nothing more.
    assert!(err.contains("connectors::exceptions"), "{err}");
    assert!(
        !err.contains("which is not configured"),
        "no follow-on noise: {err}"
    );
}

#[test]
fn a_start_failure_names_the_id_as_written() {
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port();
    let grpc = free_port();
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "s.yaml",
        &format!(
            "receivers: {{otlp: {{protocols: {{grpc: {{endpoint: '127.0.0.1:{grpc}'}}}}}}}}\nexporters:\n  prometheus/backend: {{endpoint: '127.0.0.1:{port}'}}\n\
             service: {{telemetry: {{metrics: {{level: none}}}}, pipelines: {{metrics: {{receivers: [otlp], exporters: [prometheus/backend]}}}}}}\n"
        ),
    );
    let (code, _, err) = run_cli(&["--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("\"prometheus/backend\""), "{err}");
    assert!(!err.contains("ComponentId"), "{err}");
    drop(busy);
}

#[test]
fn command_line_matches_go() {
    let (code, out, _) = run_cli(&["-v"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("otelcol-rs "), "{out}");

    let (code, _, err) = run_cli(&["validate"]);
    assert_eq!(code, 1);
    assert!(err.contains("at least one config flag must be provided"), "{err}");

    let (code, out, err) = run_cli(&["featuregate"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("ID") && out.contains("component.UseLocalHostAsDefaultHost"),
        "{out}"
    );
    let (code, out, _) = run_cli(&["featuregate", "otelcol.printInitialConfig"]);
    assert_eq!(code, 0);
    assert!(out.contains("Stage: Stable"), "{out}");

    let (code, _, err) = run_cli(&["--feature-gates", "no.such.gate", "components"]);
    assert_eq!(code, 1);
    assert!(err.contains("no such feature gate \"no.such.gate\""), "{err}");
    let (code, _, err) = run_cli(&[
        "--feature-gates",
        "+component.UseLocalHostAsDefaultHost",
        "components",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("is stable"), "{err}");
}

#[test]
fn print_config_validates_and_prints_typed_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "p.yaml",
        "receivers: {otlp: {protocols: {grpc: }}}\nprocessors: {batch: }\nexporters:\n  otlp_http:\n    endpoint: http://u:pw@127.0.0.1:1\n    headers: {x-token: abc}\n\
         service: {pipelines: {traces: {receivers: [otlp], processors: [batch], exporters: [otlp_http]}}}\n",
    );
    let (code, out, err) = run_cli(&["print-config", "--format", "json", "--config", &cfg]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["processors"]["batch"]["send_batch_size"], 8192, "{out}");
    assert!(!v["processors"]["batch"].is_null(), "{out}");
    assert_eq!(
        v["exporters"]["otlp_http"]["headers"]["x-token"], "[REDACTED]",
        "{out}"
    );
    assert!(!out.contains(":pw@"), "{out}");
    let (code, _, err) = run_cli(&[
        "print-config",
        "--config",
        &cfg,
        "--set",
        "processors.batch.sise=1",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("processors::batch::sise"), "{err}");
}

#[test]
fn a_service_decode_error_adds_no_false_pipeline_error() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = write(
        dir.path(),
        "svc.yaml",
        "receivers: {otlp: {protocols: {grpc: }}}\nexporters: {debug: }\n\
         service: {telemetry: {logs: {nosuchkey: 1}}, pipelines: {traces: {receivers: [otlp], exporters: [debug]}}}\n",
    );
    let (code, _, err) = run_cli(&["validate", "--config", &cfg]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("nosuchkey"), "{err}");
    assert!(!err.contains("at least one pipeline"), "{err}");
}
