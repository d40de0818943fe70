//! Entries to OTLP logs (Go's stanza `adapter` converter): entries with the
//! same resource share a `ResourceLogs`, and the same scope name a
//! `ScopeLogs`; records keep their order.

use otelcol_component::Logs;
use otelcol_component::Payload;
use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
use otelcol_component::proto::common::v1::InstrumentationScope;
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::resource::v1::Resource;

use crate::entry::{Entry, Map, map_to_key_values};

/// Records of one scope name.
type ScopeGroup<'a> = (&'a str, Vec<LogRecord>);
/// Scopes of one resource.
type ResourceGroup<'a> = (&'a Map, Vec<ScopeGroup<'a>>);

/// The log record of an entry.
pub fn record(e: &Entry) -> LogRecord {
    LogRecord {
        time_unix_nano: e.timestamp.map_or(0, |t| u64::try_from(t).unwrap_or(0)),
        observed_time_unix_nano: e.observed_timestamp,
        severity_number: e.severity,
        severity_text: e.severity_text.clone(),
        body: Some(e.body.to_any_value()),
        attributes: map_to_key_values(&e.attributes),
        flags: e.trace_flags,
        trace_id: e.trace_id.clone(),
        span_id: e.span_id.clone(),
        ..Default::default()
    }
}

/// The logs payload of `entries`.
pub fn to_logs(entries: &[Entry]) -> Logs {
    let mut groups: Vec<ResourceGroup<'_>> = Vec::new();
    for e in entries {
        let gi = match groups.iter().position(|(r, _)| *r == &e.resource) {
            Some(i) => i,
            None => {
                groups.push((&e.resource, Vec::new()));
                groups.len() - 1
            }
        };
        let scopes = &mut groups[gi].1;
        let si = match scopes.iter().position(|(s, _)| *s == e.scope_name) {
            Some(i) => i,
            None => {
                scopes.push((&e.scope_name, Vec::new()));
                scopes.len() - 1
            }
        };
        scopes[si].1.push(record(e));
    }
    let resource_logs = groups
        .into_iter()
        .map(|(resource, scopes)| ResourceLogs {
            resource: Some(Resource {
                attributes: map_to_key_values(resource),
                ..Default::default()
            }),
            scope_logs: scopes
                .into_iter()
                .map(|(name, log_records)| ScopeLogs {
                    scope: Some(InstrumentationScope {
                        name: name.to_string(),
                        ..Default::default()
                    }),
                    log_records,
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    Logs::from_request(ExportLogsServiceRequest { resource_logs })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Value;
    use otelcol_component::proto::common::v1::any_value;

    #[test]
    fn groups_by_resource_and_scope_in_order() {
        let mut a = Entry::new(Value::from("a"));
        a.resource.insert("host".into(), Value::from("h1"));
        a.severity = 17;
        a.severity_text = "ERROR".into();
        a.timestamp = Some(5);
        let mut b = Entry::new(Value::from("b"));
        b.resource.insert("host".into(), Value::from("h2"));
        let mut c = a.clone();
        c.body = Value::from("c");
        c.scope_name = "s".into();
        let logs = to_logs(&[a, b, c]);
        let req = logs.request();
        assert_eq!(req.resource_logs.len(), 2);
        assert_eq!(req.resource_logs[0].scope_logs.len(), 2);
        let r = &req.resource_logs[0].scope_logs[0].log_records[0];
        assert_eq!(
            (r.severity_number, r.severity_text.as_str(), r.time_unix_nano),
            (17, "ERROR", 5)
        );
        assert_eq!(
            r.body.as_ref().and_then(|b| b.value.clone()),
            Some(any_value::Value::StringValue("a".into()))
        );
        assert!(r.observed_time_unix_nano > 0);
        assert_eq!(logs.item_count(), 3);
    }
}
