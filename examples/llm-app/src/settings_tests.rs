#![allow(clippy::unwrap_used)]

use super::*;

fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn load(file: &[(&str, &str)], env: &[(&str, &str)]) -> Result<AppSettings, SettingsError> {
    AppSettings::from_sources(vars(file), vars(env))
}

#[test]
fn defaults_when_nothing_is_set() {
    let s = load(&[], &[]).unwrap();
    assert_eq!(s.telemetry, TelemetrySettings::default());
    assert_eq!(s.telemetry.endpoint, "http://localhost:4317");
    assert_eq!(s.telemetry.metric_export_interval, Duration::from_secs(30));
    assert_eq!(s.telemetry.bsp_schedule_delay, Duration::from_secs(5));
    assert_eq!(s.addr, "127.0.0.1:8000".parse().unwrap());
    assert_eq!(s.backend_url, None);
}

#[test]
fn http_protocol_changes_the_default_endpoint() {
    let s = load(&[], &[("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")]).unwrap();
    assert_eq!(s.telemetry.protocol, Protocol::HttpProtobuf);
    assert_eq!(s.telemetry.endpoint, "http://localhost:4318");
}

#[test]
fn environment_wins_over_env_file() {
    let file = [
        ("OTEL_SERVICE_NAME", "from-file"),
        ("OTEL_SERVICE_VERSION", "1.10"),
        ("OTEL_METRIC_EXPORT_INTERVAL", "1000"),
    ];
    let env = [("OTEL_SERVICE_NAME", "from-env"), ("UNRELATED", "x")];
    let s = load(&file, &env).unwrap();
    assert_eq!(s.telemetry.service_name, "from-env");
    assert_eq!(
        s.telemetry.service_version, "1.10",
        "kept as text, not the float 1.1"
    );
    assert_eq!(s.telemetry.metric_export_interval, Duration::from_secs(1));
}

#[test]
fn empty_variable_counts_as_unset() {
    let s = load(&[("OTEL_SERVICE_NAME", "file")], &[("OTEL_SERVICE_NAME", "")]).unwrap();
    assert_eq!(s.telemetry.service_name, "file");
    let s = load(&[], &[("OTEL_EXPORTER_OTLP_ENDPOINT", " ")]).unwrap();
    assert_eq!(s.telemetry.endpoint, DEFAULT_GRPC_ENDPOINT);
}

#[test]
fn explicit_values_are_used() {
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector.example:14318/"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        ("OTEL_BSP_SCHEDULE_DELAY", "250"),
        ("OTEL_DEPLOYMENT_ENVIRONMENT", "staging"),
        ("LLM_APP_ADDR", "0.0.0.0:9000"),
        ("LLM_BACKEND_URL", "http://127.0.0.1:9/generate"),
    ];
    let s = load(&[], &env).unwrap();
    assert_eq!(
        s.telemetry.endpoint, "http://collector.example:14318",
        "trailing / dropped"
    );
    assert_eq!(s.telemetry.bsp_schedule_delay, Duration::from_millis(250));
    assert_eq!(s.telemetry.deployment_environment, "staging");
    assert_eq!(s.addr.port(), 9000);
    assert_eq!(s.backend_url.unwrap().path(), "/generate");
}

#[test]
fn errors_name_the_variable() {
    let cases: [(&str, &str, &str); 9] = [
        (
            "OTEL_EXPORTER_OTLP_PROTOCOL",
            "http/json",
            "OTEL_EXPORTER_OTLP_PROTOCOL=\"http/json\" is invalid: expected \"grpc\" or \"http/protobuf\"",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "localhost:4317",
            "OTEL_EXPORTER_OTLP_ENDPOINT=\"localhost:4317\" is invalid: the URL must start with http://",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "http://",
            "OTEL_EXPORTER_OTLP_ENDPOINT=\"http://\" is invalid",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "ht tp://x",
            "OTEL_EXPORTER_OTLP_ENDPOINT=\"ht tp://x\" is invalid: not a URL",
        ),
        (
            "OTEL_METRIC_EXPORT_INTERVAL",
            "30s",
            "OTEL_METRIC_EXPORT_INTERVAL=\"30s\" is invalid: expected a whole number of milliseconds",
        ),
        (
            "OTEL_BSP_SCHEDULE_DELAY",
            "0",
            "OTEL_BSP_SCHEDULE_DELAY=\"0\" is invalid: must be at least 1 (milliseconds)",
        ),
        (
            "LLM_APP_ADDR",
            "localhost",
            "LLM_APP_ADDR=\"localhost\" is invalid: expected an IP:port",
        ),
        (
            "LLM_BACKEND_URL",
            "ftp://x/",
            "LLM_BACKEND_URL=\"ftp://x/\" is invalid: the URL must start",
        ),
        (
            "OTEL_EXPORTER_OTLP_ENDPOINT",
            "https://c:4317",
            "OTEL_EXPORTER_OTLP_ENDPOINT=\"https://c:4317\" is invalid: https is not supported",
        ),
    ];
    for (var, value, want) in cases {
        let err = load(&[], &[(var, value)]).unwrap_err().to_string();
        assert!(err.starts_with(want), "{var}={value}: got {err:?}");
        // The same check applies to values from the file.
        let err = load(&[(var, value)], &[]).unwrap_err().to_string();
        assert!(err.starts_with(want), "{var}={value} (file): got {err:?}");
    }
}

#[test]
fn env_file_values_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(ENV_FILE);
    std::fs::write(&path, "OTEL_SERVICE_NAME=from-file\n").unwrap();
    let file = read_env_file(&path).unwrap();
    let s = AppSettings::from_sources(file, BTreeMap::new()).unwrap();
    assert_eq!(s.telemetry.service_name, "from-file");
}
