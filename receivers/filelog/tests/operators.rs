//! The operators end to end, on a real file: JSON logs and Apache-style
//! access logs (regex, time and severity parsing) told apart by a router,
//! and Java stack traces recombined into one record each.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::append_lines;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::{Logs, Payload};
use otelcol_componenttest::{NopHost, Sink};

fn attr<'a>(attrs: &'a [KeyValue], key: &str) -> Option<&'a any_value::Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v: &AnyValue| v.value.as_ref())
}

fn s(v: &str) -> any_value::Value {
    any_value::Value::StringValue(v.to_string())
}

fn body(r: &LogRecord) -> String {
    match r.body.as_ref().and_then(|b| b.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        other => panic!("not a string body: {other:?}"),
    }
}

/// Unix nanoseconds of a UTC civil time.
fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, sec: u32) -> u64 {
    let days = otelcol_receiver_filelog::tz::days_from_civil(i64::from(y), mo, d);
    ((days * 86_400) as u64 + u64::from(h) * 3600 + u64::from(mi) * 60 + u64::from(sec)) * 1_000_000_000
}

const CONFIG: &str = r#"
start_at: beginning
poll_interval: 50ms
preserve_leading_whitespaces: true
attributes: {pipeline: operators-test}
operators:
  - type: router
    routes:
      - output: json
        expr: 'body matches "^\\{"'
      - output: access
        expr: 'body matches "^\\d+\\.\\d+\\.\\d+\\.\\d+ "'
        attributes: {format: access}
    default: stack
  - id: json
    type: json_parser
    timestamp: {parse_from: attributes.time, layout: '%Y-%m-%dT%H:%M:%S.%LZ'}
    severity: {parse_from: attributes.level}
    output: tag
  - id: access
    type: regex_parser
    regex: '^(?P<remote>\S+) \S+ (?P<user>\S+) \[(?P<time>[^\]]+)\] "(?P<method>\S+) (?P<path>\S+) \S+" (?P<status>\d{3}) (?P<size>\d+)$'
    timestamp: {parse_from: attributes.time, layout: '%d/%b/%Y:%H:%M:%S %z'}
    severity: {parse_from: attributes.status, mapping: {error: 5xx, warn: 4xx, info: [2xx, 3xx]}}
    output: tag
  - id: stack
    type: recombine
    combine_field: body
    is_first_entry: 'body matches "^\\d{4}-\\d{2}-\\d{2} "'
    source_identifier: attributes["log.file.name"]
    force_flush_period: 300ms
  - id: stack_parser
    type: regex_parser
    regex: '^(?P<time>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) (?P<sev>[A-Z]+) (?P<msg>[^\n]*)'
    timestamp: {parse_from: attributes.time, layout: '%Y-%m-%d %H:%M:%S', location: UTC}
    severity: {parse_from: attributes.sev}
  - id: tag
    type: add
    field: resource.service
    value: shop
  - type: move
    from: attributes.time
    to: attributes.original_time
    on_error: send_quiet
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_access_logs_and_stack_traces() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("app.log");
    append_lines(
        &log,
        [
            r#"{"time":"2024-05-01T10:00:00.123Z","level":"warn","msg":"disk low","user":{"id":7}}"#,
            r#"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326"#,
            "2024-05-01 10:00:01 ERROR Something failed",
            "java.lang.IllegalStateException: boom",
            "\tat com.example.Shop.pay(Shop.java:42)",
            "\tat com.example.Main.main(Main.java:7)",
            r#"10.0.0.2 - - [10/Oct/2000:13:55:37 -0700] "POST /pay HTTP/1.1" 503 12"#,
            "2024-05-01 10:00:02 INFO recovered",
            r#"{"time":"2024-05-01T10:00:03.000Z","level":"ERROR","msg":"second"}"#,
        ]
        .iter()
        .map(|l| l.to_string()),
    );
    let sink = Sink::<Logs>::new();
    let r = common::receiver(
        &format!("include: ['{}']\n{CONFIG}", log.display()),
        sink.clone(),
        None,
    );
    r.start(NopHost::new()).await.unwrap();
    // 6 records: 2 JSON, 2 access logs, 2 recombined (the last one flushed
    // by force_flush_period, no later entry starting a new one).
    assert!(
        sink.wait_for_items(6, Duration::from_secs(20)).await,
        "{} records",
        sink.item_count()
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.shutdown().await.unwrap();
    let mut records: Vec<(Vec<KeyValue>, LogRecord)> = Vec::new();
    for logs in sink.all() {
        for rl in &logs.request().resource_logs {
            let res = rl
                .resource
                .as_ref()
                .map(|r| r.attributes.clone())
                .unwrap_or_default();
            for sl in &rl.scope_logs {
                for lr in &sl.log_records {
                    records.push((res.clone(), lr.clone()));
                }
            }
        }
    }
    assert_eq!(records.len(), 6, "{records:#?}");
    let find = |prefix: &str| {
        records
            .iter()
            .find(|(_, r)| body(r).starts_with(prefix))
            .unwrap_or_else(|| panic!("no record starting with {prefix:?}"))
    };

    // JSON: parsed into attributes; time and severity from them.
    let (res, j) = find("{\"time\":\"2024-05-01T10:00:00");
    assert_eq!(attr(res, "service"), Some(&s("shop")));
    assert_eq!(attr(&j.attributes, "msg"), Some(&s("disk low")));
    assert_eq!(
        attr(&j.attributes, "original_time"),
        Some(&s("2024-05-01T10:00:00.123Z"))
    );
    assert_eq!(attr(&j.attributes, "time"), None, "moved");
    assert_eq!(attr(&j.attributes, "log.file.name"), Some(&s("app.log")));
    assert_eq!(attr(&j.attributes, "pipeline"), Some(&s("operators-test")));
    let Some(any_value::Value::KvlistValue(user)) = attr(&j.attributes, "user") else {
        panic!("user is a map")
    };
    assert_eq!(
        attr(&user.values, "id"),
        Some(&any_value::Value::DoubleValue(7.0)),
        "numbers are doubles, as Go's JSON parser makes them"
    );
    assert_eq!(j.time_unix_nano, utc(2024, 5, 1, 10, 0, 0) + 123_000_000);
    assert_eq!((j.severity_number, j.severity_text.as_str()), (13, "warn"));
    let (_, j2) = find("{\"time\":\"2024-05-01T10:00:03");
    assert_eq!((j2.severity_number, j2.severity_text.as_str()), (17, "ERROR"));

    // Access logs: regex fields, the time with its offset, severity by status.
    let (res, a) = find("127.0.0.1");
    assert_eq!(attr(res, "service"), Some(&s("shop")));
    assert_eq!(
        attr(&a.attributes, "format"),
        Some(&s("access")),
        "route attributes"
    );
    assert_eq!(attr(&a.attributes, "user"), Some(&s("frank")));
    assert_eq!(attr(&a.attributes, "path"), Some(&s("/apache_pb.gif")));
    assert_eq!(attr(&a.attributes, "status"), Some(&s("200")));
    assert_eq!(a.time_unix_nano, utc(2000, 10, 10, 20, 55, 36));
    assert_eq!((a.severity_number, a.severity_text.as_str()), (9, "200"));
    let (_, a2) = find("10.0.0.2");
    assert_eq!((a2.severity_number, a2.severity_text.as_str()), (17, "503"));

    // Stack traces: one record per trace, lines joined with "\n", indentation kept.
    let (res, t) = find("2024-05-01 10:00:01 ERROR");
    assert_eq!(
        body(t),
        "2024-05-01 10:00:01 ERROR Something failed\njava.lang.IllegalStateException: boom\n\
         \tat com.example.Shop.pay(Shop.java:42)\n\tat com.example.Main.main(Main.java:7)"
    );
    assert_eq!(
        attr(res, "service"),
        Some(&s("shop")),
        "stack_parser's next operator is `tag`"
    );
    assert_eq!(attr(&t.attributes, "msg"), Some(&s("Something failed")));
    assert_eq!(t.time_unix_nano, utc(2024, 5, 1, 10, 0, 1));
    assert_eq!((t.severity_number, t.severity_text.as_str()), (17, "ERROR"));
    let (_, t2) = find("2024-05-01 10:00:02 INFO");
    assert_eq!(body(t2), "2024-05-01 10:00:02 INFO recovered");
    assert_eq!(t2.severity_number, 9);
    // Order of the file is kept, except what recombine held for its flush.
    let order: Vec<String> = records
        .iter()
        .map(|(_, r)| body(r).chars().take(12).collect())
        .collect();
    assert_eq!(order[0], "{\"time\":\"202", "{order:?}");
    assert_eq!(order[1], "127.0.0.1 - ", "{order:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multiline_files_and_an_operator_dropping_entries() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("trace.log");
    append_lines(
        &log,
        [
            "garbage before the first entry: dropped by the parser",
            "Exception in thread 1 \"main\" java.lang.NullPointerException",
            "        at com.example.Book.getTitle(Book.java:16)",
            "Exception in thread 2 \"main\" java.lang.NullPointerException",
            "        at com.example.Author.getBookTitles(Author.java:25)",
            "noise",
            "Exception in thread 3",
        ]
        .iter()
        .map(|l| l.to_string()),
    );
    let sink = Sink::<Logs>::new();
    let r = common::receiver(
        &format!(
            "include: ['{}']\nstart_at: beginning\npoll_interval: 50ms\nforce_flush_period: 200ms\n\
             multiline: {{line_start_pattern: '^Exception'}}\n\
             operators: [{{type: regex_parser, regex: '^Exception in thread (?P<thread>\\d+)', on_error: drop_quiet}}]",
            log.display()
        ),
        sink.clone(),
        None,
    );
    r.start(NopHost::new()).await.unwrap();
    assert!(sink.wait_for_items(3, Duration::from_secs(20)).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.shutdown().await.unwrap();
    let bodies: Vec<String> = sink.all().iter().flat_map(common::bodies).collect();
    assert_eq!(
        bodies,
        [
            "Exception in thread 1 \"main\" java.lang.NullPointerException\n        at com.example.Book.getTitle(Book.java:16)",
            "Exception in thread 2 \"main\" java.lang.NullPointerException\n        at com.example.Author.getBookTitles(Author.java:25)\nnoise",
            "Exception in thread 3",
        ]
    );
}
