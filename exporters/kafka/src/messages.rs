//! From a payload to Kafka messages: the encoding, the split by trace id or
//! by resource that the partitioning switches ask for, and the split of a
//! request too large for one message.

use std::collections::HashMap;
use std::hash::Hash;

use bytes::Bytes;
use otelcol_component::prost::Message as _;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans};
use otelcol_component::{Logs, Metrics, Payload, Traces};

use crate::config::Encoding;

/// One message to produce: its key (None: no key) and value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    /// The record key.
    pub key: Option<Vec<u8>>,
    /// The record value.
    pub value: Bytes,
    /// Items (spans, data points, log records) it carries.
    pub items: usize,
}

/// How a payload is cut into keyed parts before encoding.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Partitioning {
    /// One message, no key.
    #[default]
    None,
    /// One message per trace id, keyed by the id in hex.
    TraceId,
    /// One message per resource, keyed by a hash of its attributes.
    Resource,
}

/// A payload the kafka exporter can cut by key.
pub trait KafkaPayload: Payload {
    /// Parts of `self` with their keys, as `how` asks. Payloads that are
    /// not cut are returned whole (no decode).
    fn keyed_parts(self, how: Partitioning) -> Vec<(Option<Vec<u8>>, Self)>;

    /// The first value of resource attribute `key` (a string), if any.
    fn resource_attribute(&self, key: &str) -> Option<String>;
}

/// Encodes `payload` as `encoding`.
pub fn encode<T: Payload>(payload: &T, encoding: Encoding) -> Bytes {
    match encoding {
        // An encoded payload is sent as it was received: no decode, no copy.
        Encoding::OtlpProto => payload.to_bytes(),
        Encoding::OtlpJson => Bytes::from(payload.to_json()),
    }
}

/// The messages for one payload part: one when its encoding fits
/// `max_bytes`, else the part split by items into pieces that fit. A
/// single item larger than `max_bytes` is returned as `Err` with its size.
pub fn messages_for<T: Payload>(
    key: Option<Vec<u8>>,
    part: T,
    encoding: Encoding,
    max_bytes: usize,
) -> Result<Vec<Message>, (usize, usize)> {
    let mut out = Vec::new();
    let mut todo = vec![part];
    while let Some(p) = todo.pop() {
        let items = p.item_count();
        let value = encode(&p, encoding);
        if value.len() <= max_bytes {
            out.push(Message {
                key: key.clone(),
                value,
                items,
            });
            continue;
        }
        if items <= 1 {
            return Err((value.len(), items));
        }
        // Halve by items until every piece fits; pieces keep their order.
        let pieces = p.split(items.div_ceil(2));
        todo.extend(pieces.into_iter().rev());
    }
    Ok(out)
}

/// A key for a resource's attributes: FNV-1a 64 over the sorted key/value
/// encodings, in hex. The same attributes (in any order) give the same key.
pub fn resource_key(attrs: &[KeyValue]) -> Vec<u8> {
    let mut sorted: Vec<&KeyValue> = attrs.iter().collect();
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for kv in sorted {
        for b in kv.encode_to_vec() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{h:016x}").into_bytes()
}

fn hex(id: &[u8]) -> Vec<u8> {
    let mut s = String::with_capacity(id.len() * 2);
    for b in id {
        s.push_str(&format!("{b:02x}"));
    }
    s.into_bytes()
}

fn string_attr(attrs: &[KeyValue], key: &str) -> Option<String> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| match &kv.value {
            Some(AnyValue {
                value: Some(any_value::Value::StringValue(s)),
            }) => Some(s.clone()),
            Some(AnyValue { value: Some(v) }) => Some(format!("{v:?}")),
            _ => None,
        })
}

/// Groups `items` by `key_of`, keeping first-seen order of keys.
fn group_by<I, K: Hash + Eq + Clone>(items: Vec<I>, key_of: impl Fn(&I) -> K) -> Vec<(K, Vec<I>)> {
    let mut groups = Groups::default();
    for it in items {
        groups.push(key_of(&it), it, |v: &mut Vec<I>, it| v.push(it), |it| vec![it]);
    }
    groups.list
}

/// Values by key in first-seen order, with an index for lookups.
struct Groups<K, V> {
    list: Vec<(K, V)>,
    index: HashMap<K, usize>,
}

impl<K, V> Default for Groups<K, V> {
    fn default() -> Self {
        Groups {
            list: Vec::new(),
            index: HashMap::new(),
        }
    }
}

impl<K: Hash + Eq + Clone, V> Groups<K, V> {
    /// Adds `item` to the value of `key` with `add`, or starts it with `new`.
    fn push<I>(&mut self, key: K, item: I, add: impl FnOnce(&mut V, I), new: impl FnOnce(I) -> V) {
        match self.index.get(&key) {
            Some(&i) => add(&mut self.list[i].1, item),
            None => {
                self.index.insert(key.clone(), self.list.len());
                self.list.push((key, new(item)));
            }
        }
    }
}

impl KafkaPayload for Traces {
    fn keyed_parts(self, how: Partitioning) -> Vec<(Option<Vec<u8>>, Self)> {
        match how {
            Partitioning::None | Partitioning::Resource => vec![(None, self)],
            Partitioning::TraceId => {
                let ctx = self.context().clone();
                let req = self.into_request();
                // trace id → the request holding its spans, first-seen order.
                let mut parts: Groups<Vec<u8>, ExportTraceServiceRequest> = Groups::default();
                for rs in req.resource_spans {
                    let mut per_trace: Groups<Vec<u8>, ResourceSpans> = Groups::default();
                    for ss in rs.scope_spans {
                        for (tid, spans) in group_by(ss.spans, |s| s.trace_id.clone()) {
                            let scope = ScopeSpans {
                                scope: ss.scope.clone(),
                                spans,
                                schema_url: ss.schema_url.clone(),
                            };
                            per_trace.push(
                                tid,
                                scope,
                                |r, sc| r.scope_spans.push(sc),
                                |sc| ResourceSpans {
                                    resource: rs.resource.clone(),
                                    scope_spans: vec![sc],
                                    schema_url: rs.schema_url.clone(),
                                },
                            );
                        }
                    }
                    for (tid, r) in per_trace.list {
                        parts.push(
                            tid,
                            r,
                            |req, r| req.resource_spans.push(r),
                            |r| ExportTraceServiceRequest {
                                resource_spans: vec![r],
                            },
                        );
                    }
                }
                parts
                    .list
                    .into_iter()
                    .map(|(tid, req)| {
                        let mut t = Traces::from_request(req);
                        t.set_context(ctx.clone());
                        (Some(hex(&tid)), t)
                    })
                    .collect()
            }
        }
    }

    fn resource_attribute(&self, key: &str) -> Option<String> {
        self.request()
            .resource_spans
            .iter()
            .find_map(|rs| rs.resource.as_ref().and_then(|r| string_attr(&r.attributes, key)))
    }
}

impl KafkaPayload for Metrics {
    fn keyed_parts(self, how: Partitioning) -> Vec<(Option<Vec<u8>>, Self)> {
        match how {
            Partitioning::None | Partitioning::TraceId => vec![(None, self)],
            Partitioning::Resource => {
                let ctx = self.context().clone();
                let req = self.into_request();
                group_by(req.resource_metrics, |rm| {
                    resource_key(
                        rm.resource
                            .as_ref()
                            .map(|r| r.attributes.as_slice())
                            .unwrap_or(&[]),
                    )
                })
                .into_iter()
                .map(|(key, rms)| {
                    let mut m = Metrics::from_request(ExportMetricsServiceRequest {
                        resource_metrics: rms,
                    });
                    m.set_context(ctx.clone());
                    (Some(key), m)
                })
                .collect()
            }
        }
    }

    fn resource_attribute(&self, key: &str) -> Option<String> {
        self.request()
            .resource_metrics
            .iter()
            .find_map(|rm| rm.resource.as_ref().and_then(|r| string_attr(&r.attributes, key)))
    }
}

impl KafkaPayload for Logs {
    fn keyed_parts(self, how: Partitioning) -> Vec<(Option<Vec<u8>>, Self)> {
        use otelcol_component::proto::collector::logs::v1::ExportLogsServiceRequest;
        use otelcol_component::proto::logs::v1::{ResourceLogs, ScopeLogs};
        match how {
            Partitioning::None => vec![(None, self)],
            Partitioning::Resource => {
                let ctx = self.context().clone();
                let req = self.into_request();
                group_by(req.resource_logs, |rl| {
                    resource_key(
                        rl.resource
                            .as_ref()
                            .map(|r| r.attributes.as_slice())
                            .unwrap_or(&[]),
                    )
                })
                .into_iter()
                .map(|(key, rls)| {
                    let mut l = Logs::from_request(ExportLogsServiceRequest { resource_logs: rls });
                    l.set_context(ctx.clone());
                    (Some(key), l)
                })
                .collect()
            }
            Partitioning::TraceId => {
                let ctx = self.context().clone();
                let req = self.into_request();
                let mut parts: Groups<Vec<u8>, ExportLogsServiceRequest> = Groups::default();
                for rl in req.resource_logs {
                    let mut per_trace: Groups<Vec<u8>, ResourceLogs> = Groups::default();
                    for sl in rl.scope_logs {
                        for (tid, records) in group_by(sl.log_records, |r| r.trace_id.clone()) {
                            let scope = ScopeLogs {
                                scope: sl.scope.clone(),
                                log_records: records,
                                schema_url: sl.schema_url.clone(),
                            };
                            per_trace.push(
                                tid,
                                scope,
                                |r, sc| r.scope_logs.push(sc),
                                |sc| ResourceLogs {
                                    resource: rl.resource.clone(),
                                    scope_logs: vec![sc],
                                    schema_url: rl.schema_url.clone(),
                                },
                            );
                        }
                    }
                    for (tid, r) in per_trace.list {
                        parts.push(
                            tid,
                            r,
                            |req, r| req.resource_logs.push(r),
                            |r| ExportLogsServiceRequest {
                                resource_logs: vec![r],
                            },
                        );
                    }
                }
                parts
                    .list
                    .into_iter()
                    .map(|(tid, req)| {
                        let mut l = Logs::from_request(req);
                        l.set_context(ctx.clone());
                        // Records without a trace id go out without a key.
                        let key = (!tid.is_empty() && tid.iter().any(|b| *b != 0)).then(|| hex(&tid));
                        (key, l)
                    })
                    .collect()
            }
        }
    }

    fn resource_attribute(&self, key: &str) -> Option<String> {
        self.request()
            .resource_logs
            .iter()
            .find_map(|rl| rl.resource.as_ref().and_then(|r| string_attr(&r.attributes, key)))
    }
}

#[cfg(test)]
mod tests;
