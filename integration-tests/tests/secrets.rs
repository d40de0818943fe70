//! No secret is shown: `print-config` (yaml and json, redacted by default),
//! config errors, the collector's logs while its backends are down, and the
//! zpages pages all keep header values (map and list form), bearer tokens,
//! inline TLS keys and URL passwords out.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::net::SocketAddr;
use std::process::Command;

use otelcol_integration_tests::*;

/// Every secret the configs below hold.
const SECRETS: [&str; 6] = [
    "MAPHEADER_s3cret",
    "LISTHEADER_s3cret",
    "URLPASS_s3cret",
    "BEARER_s3cret",
    "PEMKEY_s3cret",
    "SETFLAG_s3cret",
];

fn addr(port: u16) -> SocketAddr {
    format!("127.0.0.1:{port}").parse().unwrap()
}

fn assert_no_secret(what: &str, text: &str) {
    for s in SECRETS {
        assert!(!text.contains(s), "{what} shows {s}:\n{text}");
    }
}

fn print_config_yaml() -> &'static str {
    r#"
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:4318
exporters:
  otlp:
    endpoint: 127.0.0.1:4317
    headers:
      x-api-key: MAPHEADER_s3cret
    tls:
      key_pem: PEMKEY_s3cret
  otlphttp:
    endpoint: http://alice:URLPASS_s3cret@127.0.0.1:4318
    headers:
      - name: Authorization
        value: Bearer LISTHEADER_s3cret
extensions:
  bearertokenauth:
    token: BEARER_s3cret
service:
  extensions: [bearertokenauth]
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp, otlphttp]
"#
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(binary())
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn print_config_redacts_every_secret_in_yaml_and_json() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(&cfg, print_config_yaml()).unwrap();
    let cfg = cfg.display().to_string();
    let set = "--set=exporters.otlp.headers.x-extra=SETFLAG_s3cret";
    for format in ["yaml", "json"] {
        // `--validate=false`: the values as written (the config names an
        // extension this build does not have, so it does not validate).
        let (ok, out, err) = run(&[
            "print-config",
            "--validate=false",
            "--format",
            format,
            "--config",
            &cfg,
            set,
        ]);
        assert!(ok, "{format}: {err}");
        assert_no_secret(&format!("print-config --format {format} (stdout)"), &out);
        assert_no_secret(&format!("print-config --format {format} (stderr)"), &err);
        assert!(
            out.contains("alice:[REDACTED]@127.0.0.1:4318"),
            "{format}: the user name and host stay visible:\n{out}"
        );
        assert!(
            out.contains("Authorization"),
            "{format}: header names stay visible:\n{out}"
        );
        assert!(out.matches("[REDACTED]").count() >= 6, "{format}:\n{out}");
        if format == "json" {
            let v: serde_json::Value = serde_json::from_str(&out).unwrap();
            let h = &v["exporters"]["otlphttp"]["headers"][0];
            assert_eq!(h["name"], "Authorization");
            assert_eq!(h["value"], "[REDACTED]");
        }

        let (ok, out, _) = run(&[
            "print-config",
            "--format",
            format,
            "--mode",
            "unredacted",
            "--validate=false",
            "--config",
            &cfg,
            set,
        ]);
        assert!(ok);
        for s in SECRETS {
            assert!(out.contains(s), "{format}: --mode unredacted shows {s}:\n{out}");
        }
    }

    // The default: validated, typed, defaults filled in, and redacted too.
    let typed = dir.path().join("typed.yaml");
    std::fs::write(
        &typed,
        print_config_yaml()
            .replace("extensions:\n  bearertokenauth:\n    token: BEARER_s3cret\n", "")
            .replace("  extensions: [bearertokenauth]\n", "")
            .replace(
                "      key_pem: PEMKEY_s3cret\n",
                "      key_pem: PEMKEY_s3cret\n      cert_pem: PEMKEY_s3cret\n",
            ),
    )
    .unwrap();
    let typed = typed.display().to_string();
    for format in ["yaml", "json"] {
        let (ok, out, err) = run(&["print-config", "--format", format, "--config", &typed, set]);
        assert!(ok, "{format}: {err}");
        assert_no_secret(&format!("typed print-config --format {format}"), &out);
        assert!(
            out.contains("alice:[REDACTED]@127.0.0.1:4318"),
            "{format}:\n{out}"
        );
        assert!(out.contains("sending_queue"), "defaults are filled in:\n{out}");
    }
}

#[test]
fn config_errors_never_quote_a_url_password() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("c.yaml");
    std::fs::write(
        &cfg,
        "receivers: {otlp: {protocols: {http: {endpoint: '127.0.0.1:4318'}}}}\n\
         exporters:\n  otlp: {endpoint: 'http://alice:URLPASS_s3cret@127.0.0.1:4317'}\n  \
         otlphttp: {endpoint: 'ftp://alice:URLPASS_s3cret@127.0.0.1'}\n\
         service: {pipelines: {traces: {receivers: [otlp], exporters: [otlp, otlphttp]}}}\n",
    )
    .unwrap();
    let cfg = cfg.display().to_string();
    for args in [vec!["validate", "--config", &cfg], vec!["--config", &cfg]] {
        let (ok, out, err) = run(&args);
        assert!(!ok, "{args:?} must fail:\n{err}");
        assert!(
            err.contains("endpoint"),
            "{args:?}: the error names the key:\n{err}"
        );
        assert_no_secret(&format!("{args:?}"), &(out + &err));
    }
}

#[test]
fn logs_and_zpages_never_show_a_secret_while_the_backends_are_down() {
    for encoding in ["console", "json"] {
        logs_and_zpages_never_show_a_secret(encoding);
    }
}

fn logs_and_zpages_never_show_a_secret(encoding: &str) {
    let (http, zpages, closed) = (free_port(), free_port(), free_port());
    let retry = "retry_on_failure: {initial_interval: 50ms, max_interval: 100ms, max_elapsed_time: 1s}";
    let cfg = format!(
        r#"
receivers:
  otlp:
    protocols:
      http: {{endpoint: "127.0.0.1:{http}"}}
exporters:
  otlp:
    endpoint: 127.0.0.1:{closed}
    tls: {{insecure: true}}
    headers: {{x-api-key: MAPHEADER_s3cret, authorization: "Bearer BEARER_s3cret"}}
    {retry}
  otlphttp:
    endpoint: http://alice:URLPASS_s3cret@127.0.0.1:{closed}
    headers:
      - {{name: x-tenant-key, value: LISTHEADER_s3cret}}
    {retry}
  # A live peer that refuses (this collector's own receiver, on a path it
  # does not serve: 404), so that the error message quotes the URL.
  otlphttp/refused:
    traces_endpoint: http://alice:URLPASS_s3cret@127.0.0.1:{http}/nope
    headers: [{{name: Authorization, value: "Bearer BEARER_s3cret"}}]
    {retry}
extensions:
  zpages: {{endpoint: "127.0.0.1:{zpages}", expvar: {{enabled: true}}}}
service:
  extensions: [zpages]
  telemetry:
    logs: {{level: debug, encoding: {encoding}}}
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlp, otlphttp, otlphttp/refused]
"#
    );
    let mut c = Collector::start(
        &cfg,
        &["--set", "exporters.otlphttp.headers.x-extra=SETFLAG_s3cret"],
        &[addr(http), addr(zpages)],
    );
    let body = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s"}]}]}]}"#;
    let r = http_request(
        addr(http),
        "POST",
        "/v1/traces",
        &[("Content-Type", "application/json")],
        body,
    );
    assert_eq!(r.status, 200);
    // Every exporter fails (two retry, then give up) and says so in the log.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while c.logs().matches("Exporting failed. Dropping data.").count() < 3 {
        assert!(
            std::time::Instant::now() < deadline,
            "no drops logged:\n{}",
            c.logs()
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    for page in [
        "/debug/servicez",
        "/debug/pipelinez",
        "/debug/tracez",
        "/debug/expvarz",
    ] {
        let r = http_request(addr(zpages), "GET", page, &[], b"");
        assert_eq!(r.status, 200, "{page}");
        assert_no_secret(page, &String::from_utf8_lossy(&r.body));
    }
    let r = http_request(addr(zpages), "GET", "/debug/expvarz", &[], b"");
    assert!(
        String::from_utf8_lossy(&r.body).contains("x-extra=[REDACTED]"),
        "{}",
        String::from_utf8_lossy(&r.body)
    );
    let (_, logs) = c.stop();
    assert!(
        logs.contains(&format!(
            "127.0.0.1:{http}/nope responded with HTTP Status Code 404"
        )),
        "{encoding}: the refusal quotes the URL:\n{logs}"
    );
    assert_no_secret(&format!("the collector's {encoding} logs"), &logs);
}
