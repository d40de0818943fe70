//! What the translators share: the tag map of a span, an attribute list
//! with Go's `pcommon.Map` put semantics, the typing of string tags
//! (`parse_string_tags`), and the attribute keys Go's translators use.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};

/// Attribute set when a span had no start timestamp (Go's
/// `zipkin.StartTimeAbsent`).
pub(crate) const START_TIME_ABSENT: &str = "otel.zipkin.absentField.startTime";
/// Tag naming the resource attribute the local service name goes to.
pub(crate) const TAG_SERVICE_NAME_SOURCE: &str = "otlp.service.name.source";
/// Tag holding the W3C trace state.
pub(crate) const TAG_W3C_TRACESTATE: &str = "w3c.tracestate";
/// Tag of the OpenTracing span kind, read when the Zipkin kind is absent.
pub(crate) const TAG_SPAN_KIND: &str = "span.kind";
/// The `error` tag.
pub(crate) const TAG_ERROR: &str = "error";
/// `otel.status_code`.
pub(crate) const TAG_STATUS_CODE: &str = "otel.status_code";
/// `otel.status_description`.
pub(crate) const TAG_STATUS_DESCRIPTION: &str = "otel.status_description";
/// The scope name tag the Go translator reads.
pub(crate) const TAG_LIBRARY_NAME: &str = "otel.library.name";
/// The scope version tag the Go translator reads.
pub(crate) const TAG_LIBRARY_VERSION: &str = "otel.library.version";
/// The current spelling of the scope name tag (semconv ≥ 1.18).
pub(crate) const TAG_SCOPE_NAME: &str = "otel.scope.name";
/// The current spelling of the scope version tag.
pub(crate) const TAG_SCOPE_VERSION: &str = "otel.scope.version";
/// `service.name`.
pub(crate) const SERVICE_NAME: &str = "service.name";
/// The local service name used when a span has none (Go's
/// `tracetranslator.ResourceNoServiceName`): such spans get a resource
/// without attributes.
pub(crate) const NO_SERVICE_NAME: &str = "OTLPResourceNoServiceName";

/// Endpoint attributes, as Go's translator writes them with the feature
/// gates `pkg.translator.zipkin.EmitV1NetworkConventions` and
/// `DontEmitV0NetworkConventions` (both Beta, so on, in the Go collector
/// this build follows): semconv 1.40 names for the addresses and the peer
/// service, the ports as before.
pub(crate) mod net {
    /// The local endpoint's IP (was `net.host.ip`).
    pub(crate) const LOCAL_ADDRESS: &str = "network.local.address";
    /// The local endpoint's port.
    pub(crate) const LOCAL_PORT: &str = "net.host.port";
    /// The remote endpoint's service name (was `peer.service`).
    pub(crate) const PEER_SERVICE: &str = "service.peer.name";
    /// The remote endpoint's IP (was `net.peer.ip`).
    pub(crate) const PEER_ADDRESS: &str = "network.peer.address";
    /// The remote endpoint's port.
    pub(crate) const PEER_PORT: &str = "net.peer.port";
}

/// Resource attribute names (semconv 1.6.1, the list Go's translator
/// builds its resource/span split from, plus a few later resource keys):
/// tags with these keys describe the resource, never the span.
const RESOURCE_KEYS: &[&str] = &[
    "cloud.provider",
    "cloud.account.id",
    "cloud.region",
    "cloud.availability_zone",
    "cloud.platform",
    "aws.ecs.container.arn",
    "aws.ecs.cluster.arn",
    "aws.ecs.launchtype",
    "aws.ecs.task.arn",
    "aws.ecs.task.family",
    "aws.ecs.task.revision",
    "aws.eks.cluster.arn",
    "aws.log.group.names",
    "aws.log.group.arns",
    "aws.log.stream.names",
    "aws.log.stream.arns",
    "container.name",
    "container.id",
    "container.runtime",
    "container.image.name",
    "container.image.tag",
    "deployment.environment",
    "device.id",
    "device.model.identifier",
    "device.model.name",
    "faas.name",
    "faas.id",
    "faas.version",
    "faas.instance",
    "faas.max_memory",
    "host.id",
    "host.name",
    "host.type",
    "host.arch",
    "host.image.name",
    "host.image.id",
    "host.image.version",
    "k8s.cluster.name",
    "k8s.node.name",
    "k8s.node.uid",
    "k8s.namespace.name",
    "k8s.pod.uid",
    "k8s.pod.name",
    "k8s.container.name",
    "k8s.replicaset.uid",
    "k8s.replicaset.name",
    "k8s.deployment.uid",
    "k8s.deployment.name",
    "k8s.statefulset.uid",
    "k8s.statefulset.name",
    "k8s.daemonset.uid",
    "k8s.daemonset.name",
    "k8s.job.uid",
    "k8s.job.name",
    "k8s.cronjob.uid",
    "k8s.cronjob.name",
    "os.type",
    "os.description",
    "os.name",
    "os.version",
    "process.pid",
    "process.executable.name",
    "process.executable.path",
    "process.command",
    "process.command_line",
    "process.command_args",
    "process.owner",
    "process.runtime.name",
    "process.runtime.version",
    "process.runtime.description",
    "service.name",
    "service.namespace",
    "service.instance.id",
    "service.version",
    "telemetry.sdk.name",
    "telemetry.sdk.language",
    "telemetry.sdk.version",
    "telemetry.auto.version",
    "webengine.name",
    "webengine.version",
    "webengine.description",
    // Later resource keys that SDKs send today.
    "deployment.environment.name",
    "telemetry.distro.name",
    "telemetry.distro.version",
    "cloud.resource_id",
    "host.ip",
    "host.mac",
    "process.parent_pid",
];

/// Keys never copied to span attributes: the resource keys, the scope tags
/// and the OpenCensus leftovers (Go's `nonSpanAttributes`).
const NON_SPAN_EXTRA: &[&str] = &[
    TAG_SERVICE_NAME_SOURCE,
    TAG_LIBRARY_NAME,
    TAG_LIBRARY_VERSION,
    TAG_SCOPE_NAME,
    TAG_SCOPE_VERSION,
    "opencensus.starttime",
    "opencensus.exporterversion",
    "opencensus.resourcetype",
];

/// True for a tag key that describes the resource (moved there from the
/// first span of each resource).
pub(crate) fn is_resource_key(key: &str) -> bool {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| RESOURCE_KEYS.iter().copied().collect())
        .contains(key)
}

/// True for a tag key that never becomes a span attribute.
pub(crate) fn is_non_span_key(key: &str) -> bool {
    is_resource_key(key) || NON_SPAN_EXTRA.contains(&key)
}

/// A span's tags: insertion order kept, duplicate keys collapsed (the last
/// value wins, at the first key's place, as a Go map would hold it), keys
/// removable as the translator consumes them.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Tags {
    entries: Vec<Option<(String, String)>>,
    index: HashMap<String, usize>,
}

impl Tags {
    /// Adds or replaces `key`.
    pub(crate) fn insert(&mut self, key: String, value: String) {
        match self.index.get(&key) {
            Some(&i) => {
                if let Some(Some(entry)) = self.entries.get_mut(i) {
                    entry.1 = value;
                }
            }
            None => {
                self.index.insert(key.clone(), self.entries.len());
                self.entries.push(Some((key, value)));
            }
        }
    }

    /// The value of `key`.
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        let i = *self.index.get(key)?;
        self.entries.get(i)?.as_ref().map(|(_, v)| v.as_str())
    }

    /// Takes `key` out.
    pub(crate) fn remove(&mut self, key: &str) -> Option<String> {
        let i = self.index.remove(key)?;
        self.entries.get_mut(i)?.take().map(|(_, v)| v)
    }

    /// True when no tag is left.
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The tags left, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .flatten()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl FromIterator<(String, String)> for Tags {
    fn from_iter<I: IntoIterator<Item = (String, String)>>(iter: I) -> Self {
        let mut tags = Tags::default();
        for (k, v) in iter {
            tags.insert(k, v);
        }
        tags
    }
}

/// An attribute list with `pcommon.Map` semantics: putting an existing key
/// replaces its value in place.
#[derive(Debug, Default)]
pub(crate) struct Attributes {
    list: Vec<KeyValue>,
    index: HashMap<String, usize>,
}

impl Attributes {
    /// Sets `key` to `value`.
    pub(crate) fn put(&mut self, key: &str, value: AnyValue) {
        match self.index.get(key) {
            Some(&i) => {
                if let Some(kv) = self.list.get_mut(i) {
                    kv.value = Some(value);
                }
            }
            None => {
                self.index.insert(key.to_string(), self.list.len());
                self.list.push(KeyValue {
                    key: key.to_string(),
                    value: Some(value),
                    ..Default::default()
                });
            }
        }
    }

    /// Sets `key` to a string.
    pub(crate) fn put_str(&mut self, key: &str, value: impl Into<String>) {
        self.put(key, string(value));
    }

    /// Sets `key` to an integer.
    pub(crate) fn put_int(&mut self, key: &str, value: i64) {
        self.put(key, int(value));
    }

    /// The list, in order of first put.
    pub(crate) fn into_vec(self) -> Vec<KeyValue> {
        self.list
    }
}

/// A string value.
pub(crate) fn string(s: impl Into<String>) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::StringValue(s.into())),
    }
}

/// An integer value.
pub(crate) fn int(i: i64) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::IntValue(i)),
    }
}

/// A float value.
pub(crate) fn double(d: f64) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::DoubleValue(d)),
    }
}

/// A boolean value.
pub(crate) fn boolean(b: bool) -> AnyValue {
    AnyValue {
        value: Some(any_value::Value::BoolValue(b)),
    }
}

/// A tag value as an attribute: typed when `parse` (`parse_string_tags`)
/// and the text is an integer (`^-?\d+$`), a decimal (`^-?\d+\.\d+$`) or
/// `true`/`false` (Go's `DetermineValueType`); a string otherwise. An
/// integer past the 64-bit range stays a string (Go stores 0).
pub(crate) fn tag_value(s: &str, parse: bool) -> AnyValue {
    if parse {
        if let Some(v) = typed(s) {
            return v;
        }
    }
    string(s)
}

fn typed(s: &str) -> Option<AnyValue> {
    match s {
        "true" => return Some(boolean(true)),
        "false" => return Some(boolean(false)),
        _ => {}
    }
    let digits = s.strip_prefix('-').unwrap_or(s);
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if all_digits(digits) {
        return s.parse::<i64>().ok().map(int);
    }
    match digits.split_once('.') {
        Some((whole, frac)) if all_digits(whole) && all_digits(frac) => s.parse::<f64>().ok().map(double),
        _ => None,
    }
}

/// A JSON object decoded as `T` (serde's derived structs would also take
/// an array of the field values, which Zipkin's formats do not allow).
pub(crate) struct Object<T>(pub(crate) T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ObjectVisitor<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
            type Value = Object<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a span object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Object<T>, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(Object)
            }
        }
        d.deserialize_map(ObjectVisitor(std::marker::PhantomData))
    }
}

/// Decodes a JSON list of span objects (or `null`), converting each as it
/// is read: nulls are skipped, and the first span that does not convert
/// stops the decoding, so nothing accumulates from a hostile body.
pub(crate) fn json_span_list<T, U>(
    body: &[u8],
    format: crate::error::Format,
    convert: impl FnMut(T) -> Result<U, String>,
) -> Result<Vec<U>, crate::error::DecodeError>
where
    T: serde::de::DeserializeOwned,
{
    use std::cell::Cell;
    use std::marker::PhantomData;

    use serde::de::{Error, SeqAccess};

    use crate::error::DecodeError;

    struct ListVisitor<'a, T, F> {
        convert: F,
        failed: &'a Cell<Option<(usize, String)>>,
        item: PhantomData<fn() -> T>,
    }

    impl<'de, T, U, F> Visitor<'de> for ListVisitor<'_, T, F>
    where
        T: serde::de::DeserializeOwned,
        F: FnMut(T) -> Result<U, String>,
    {
        type Value = Vec<U>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list of spans")
        }

        fn visit_none<E: Error>(self) -> Result<Vec<U>, E> {
            Ok(Vec::new())
        }

        fn visit_unit<E: Error>(self) -> Result<Vec<U>, E> {
            Ok(Vec::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<U>, D::Error> {
            d.deserialize_seq(self)
        }

        fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Vec<U>, A::Error> {
            let mut out = Vec::new();
            let mut index = 0usize;
            while let Some(item) = seq.next_element::<Option<Object<T>>>()? {
                if let Some(Object(item)) = item {
                    match (self.convert)(item) {
                        Ok(u) => out.push(u),
                        Err(m) => {
                            self.failed.set(Some((index, m)));
                            return Err(A::Error::custom("invalid span"));
                        }
                    }
                }
                index += 1;
            }
            Ok(out)
        }
    }

    let failed = Cell::new(None);
    let mut de = serde_json::Deserializer::from_slice(body);
    let visitor = ListVisitor {
        convert,
        failed: &failed,
        item: PhantomData,
    };
    let result = de.deserialize_option(visitor).and_then(|v| de.end().map(|()| v));
    match (result, failed.take()) {
        (_, Some((index, message))) => Err(DecodeError::span(format, index, message)),
        (Ok(v), None) => Ok(v),
        (Err(e), None) => Err(DecodeError::malformed(format, e)),
    }
}

/// The number of elements of a top-level JSON array (0 for anything
/// else), from one scan that allocates nothing: what the admission
/// estimate of a JSON body counts spans with.
pub(crate) fn json_top_level_elements(body: &[u8]) -> usize {
    let (mut depth, mut count, mut seen) = (0usize, 0usize, false);
    let (mut in_string, mut escaped) = (false, false);
    for &b in body {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                seen |= depth == 1;
            }
            b'[' | b'{' => {
                seen |= depth == 1;
                depth += 1;
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b',' if depth == 1 => count += 1,
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => seen |= depth == 1,
        }
    }
    count + usize::from(seen)
}

/// Parses 1 to 16 hex digits (Go's `strconv.ParseUint(s, 16, 64)` as the
/// Zipkin model reads ids).
pub(crate) fn parse_hex_u64(s: &str) -> Option<u64> {
    if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u64::from_str_radix(s, 16).ok()
}

/// A Zipkin trace id (1 to 32 hex digits; more than 16 give the high
/// half), as 16 big-endian bytes, or why not. An all-zero id is refused.
pub(crate) fn parse_trace_id(s: &str) -> Result<[u8; 16], String> {
    if s.is_empty() {
        return Err("valid traceId required".into());
    }
    let bad = || format!("traceId {s:?} is not 1 to 32 hex digits");
    let (high, low) = if s.len() > 16 {
        let (h, l) = s.split_at(s.len() - 16);
        (
            parse_hex_u64(h).ok_or_else(bad)?,
            parse_hex_u64(l).ok_or_else(bad)?,
        )
    } else {
        (0, parse_hex_u64(s).ok_or_else(bad)?)
    };
    if high == 0 && low == 0 {
        return Err("traceId is all zeros".into());
    }
    Ok(trace_id_bytes(high, low))
}

/// The OTLP bytes of a trace id (Go's `idutils.UInt64ToTraceID`).
pub(crate) fn trace_id_bytes(high: u64, low: u64) -> [u8; 16] {
    let mut id = [0u8; 16];
    id[..8].copy_from_slice(&high.to_be_bytes());
    id[8..].copy_from_slice(&low.to_be_bytes());
    id
}

/// The OTLP bytes of a span id: empty for 0 (absent).
pub(crate) fn span_id_bytes(id: u64) -> Vec<u8> {
    if id == 0 {
        Vec::new()
    } else {
        id.to_be_bytes().to_vec()
    }
}

/// Epoch microseconds as nanoseconds, refusing what Go's `time.Time`
/// cannot hold (past year 2262).
pub(crate) fn micros_to_nanos(us: u64) -> Option<u64> {
    us.checked_mul(1000).filter(|ns| *ns <= i64::MAX as u64)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn kind(v: &AnyValue) -> String {
        format!("{:?}", v.value)
    }

    /// Go's `DetermineValueType` table, with `parse_string_tags: true`.
    #[test]
    fn string_tags_are_typed_as_go_types_them() {
        let cases: &[(&str, AnyValue)] = &[
            ("42", int(42)),
            ("-7", int(-7)),
            ("007", int(7)),
            ("3.25", double(3.25)),
            ("-0.5", double(-0.5)),
            ("true", boolean(true)),
            ("false", boolean(false)),
            ("True", string("True")),
            ("1e3", string("1e3")),
            (".5", string(".5")),
            ("5.", string("5.")),
            ("+5", string("+5")),
            ("", string("")),
            ("{\"a\":1}", string("{\"a\":1}")),
            ("[1,2]", string("[1,2]")),
            ("99999999999999999999", string("99999999999999999999")),
            ("1.2.3", string("1.2.3")),
            ("٣", string("٣")),
        ];
        for (text, want) in cases {
            assert_eq!(kind(&tag_value(text, true)), kind(want), "{text:?}");
            assert_eq!(tag_value(text, false), string(*text), "{text:?} without parsing");
        }
    }

    #[test]
    fn ids() {
        assert_eq!(parse_hex_u64("a"), Some(10));
        assert_eq!(parse_hex_u64("FFFFFFFFFFFFFFFF"), Some(u64::MAX));
        for bad in ["", "0x1", "g", "12345678901234567", "-1", " 1"] {
            assert_eq!(parse_hex_u64(bad), None, "{bad:?}");
        }
        let id = parse_trace_id("0102030405060708090a0b0c0d0e0f10").unwrap();
        assert_eq!(id, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
        let short = parse_trace_id("5af7183fb1d4cf5f").unwrap();
        assert_eq!(short[..8], [0; 8]);
        assert_eq!(short[8..], 0x5af7183fb1d4cf5fu64.to_be_bytes());
        assert_eq!(parse_trace_id("1ff").unwrap()[14..], [1, 0xff]);
        assert!(parse_trace_id("").is_err());
        assert!(parse_trace_id("0000000000000000").is_err());
        assert!(parse_trace_id(&"1".repeat(33)).is_err());
        assert!(parse_trace_id("zz").is_err());
        assert_eq!(span_id_bytes(0), Vec::<u8>::new());
        assert_eq!(micros_to_nanos(1), Some(1000));
        assert_eq!(micros_to_nanos(u64::MAX), None);
        assert_eq!(micros_to_nanos(i64::MAX as u64 / 1000 + 1), None);
    }

    #[test]
    fn tags_keep_order_and_last_value() {
        let mut t: Tags = [("a", "1"), ("b", "2"), ("a", "3")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(t.iter().collect::<Vec<_>>(), [("a", "3"), ("b", "2")]);
        assert_eq!(t.remove("a").as_deref(), Some("3"));
        assert_eq!(t.get("a"), None);
        assert!(!t.is_empty());
        t.remove("b");
        assert!(t.is_empty());
        let mut a = Attributes::default();
        a.put_str("x", "1");
        a.put_int("y", 2);
        a.put_int("x", 3);
        let v = a.into_vec();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].key.as_str(), v[0].value.clone()), ("x", Some(int(3))));
    }

    #[test]
    fn json_elements_are_counted_without_decoding() {
        assert_eq!(json_top_level_elements(b"[]"), 0);
        assert_eq!(json_top_level_elements(b" [ {} ] "), 1);
        assert_eq!(
            json_top_level_elements(br#"[{"a":[1,2,{"b":"x,]"}]},null,{}]"#),
            3
        );
        assert_eq!(json_top_level_elements(br#"[{"a":"\"],"}]"#), 1);
        assert_eq!(json_top_level_elements(b"null"), 0);
    }

    #[test]
    fn resource_and_non_span_keys() {
        assert!(is_resource_key("service.name"));
        assert!(is_resource_key("telemetry.sdk.language"));
        assert!(!is_resource_key("http.method"));
        assert!(is_non_span_key("otel.library.name"));
        assert!(is_non_span_key("otel.scope.version"));
        assert!(!is_non_span_key("error"));
    }
}
