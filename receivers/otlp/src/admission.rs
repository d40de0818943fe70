//! Admission: the receiver asks the host's gates (the `memory_limiter`
//! processor registers one) for the memory a request will take before it
//! allocates it: the body's bytes before they arrive (the announced size,
//! or stretches ahead of a body of unknown size), what decompression adds
//! before each step, and what decoding will allocate — estimated from the
//! wire walk's counts for protobuf ([`otelcol_component::estimate_traces`])
//! and from a pre-scan for JSON ([`json_estimate`]) — before decoding.
//!
//! Each byte is counted once: a permit is given back as soon as what it
//! stood for is allocated (the limiter's heap measurement counts it from
//! then on), so payloads carry no permits and queued data is counted by the
//! measurement alone. Without gates (no `memory_limiter`), nothing is asked
//! and nothing estimated.

use std::sync::Arc;

use otelcol_component::proto::common::v1::{AnyValue, EntityRef, KeyValue};
use otelcol_component::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use otelcol_component::proto::metrics::v1::{
    Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, NumberDataPoint, ResourceMetrics,
    ScopeMetrics, SummaryDataPoint,
};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, span};
use otelcol_component::{Admission, AdmissionPermit, AdmissionSet, ConsumeError};

/// A body of unknown size (or past its announced size) is admitted this far
/// ahead of what has arrived at most (at least [`REQUEST_OVERHEAD`]: as much
/// as has arrived, up to this).
pub(crate) const ADMIT_STEP: u64 = 1024 * 1024;

/// What every request is charged before its body is read, on top of the
/// announced size: its first buffers, and a decompressor's window and state
/// (gzip: a 32 KiB window, 32 KiB of input buffer, the inflater's tables).
/// Given back when the body is complete.
pub(crate) const REQUEST_OVERHEAD: u64 = 64 * 1024;

/// The admission of one request's body. Its permit stands for body bytes
/// that have not arrived yet (see `otelcol_component::Admission`: each byte
/// is counted once, by a permit until it is allocated, by the heap after):
/// the announced size plus [`REQUEST_OVERHEAD`] at first, given back as the
/// bytes arrive; past that, the next stretch ahead. What decompression and
/// decoding are about to allocate is asked for separately
/// ([`reserve`](Self::reserve)), for as long as the allocation takes.
#[derive(Debug)]
pub(crate) struct Admitted {
    gates: Arc<AdmissionSet>,
    permit: AdmissionPermit,
    /// Bytes the permit still holds.
    left: u64,
    /// Body bytes received so far.
    received: u64,
}

impl Admitted {
    /// Asks for the `announced` body bytes (0 when the size is unknown: the
    /// gates still refuse while memory is over the limit) plus
    /// [`REQUEST_OVERHEAD`]. Without gates, asks nothing and costs nothing.
    pub(crate) fn admit(gates: Arc<AdmissionSet>, announced: u64) -> Result<Self, ConsumeError> {
        if gates.is_empty() {
            return Ok(Admitted {
                gates,
                permit: AdmissionPermit::empty(),
                left: 0,
                received: 0,
            });
        }
        let bytes = announced.saturating_add(REQUEST_OVERHEAD);
        let permit = gates.admit(bytes)?;
        Ok(Admitted {
            gates,
            permit,
            left: bytes,
            received: 0,
        })
    }

    /// True when no gate is registered: nothing to ask, nothing to estimate.
    pub(crate) fn ungated(&self) -> bool {
        self.gates.is_empty()
    }

    /// The gates, for [`reserve`] on another thread.
    pub(crate) fn gates(&self) -> &Arc<AdmissionSet> {
        &self.gates
    }

    /// Called as the body arrives with the bytes `received` so far: what
    /// arrived is in memory now (the heap counts it), so the permit gives
    /// it back; once the permit is used up (more than announced, or the size
    /// is unknown), the next stretch is asked for before it arrives.
    pub(crate) fn received(&mut self, received: u64) -> Result<(), ConsumeError> {
        if self.ungated() || received <= self.received {
            return Ok(());
        }
        let arrived = received - self.received;
        self.received = received;
        let part = arrived.min(self.left);
        self.permit.release(part);
        self.left -= part;
        if self.left == 0 {
            let ahead = received.clamp(REQUEST_OVERHEAD, ADMIT_STEP);
            // The old permit holds nothing more; the new one the stretch ahead.
            self.permit = self.gates.admit(ahead)?;
            self.left = ahead;
        }
        Ok(())
    }

    /// The body is complete: nothing more arrives, the permit is given back.
    pub(crate) fn complete(&mut self) {
        self.permit = AdmissionPermit::empty();
        self.left = 0;
    }

    /// Bytes the permit holds now.
    #[cfg(test)]
    pub(crate) fn held(&self) -> u64 {
        self.left
    }
}

/// Asks `gates` for `bytes` about to be allocated (a decompression step, a
/// copy; nothing without gates); the caller drops the permit once they are.
pub(crate) fn reserve(gates: &AdmissionSet, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
    if gates.is_empty() {
        Ok(AdmissionPermit::empty())
    } else {
        gates.admit(bytes)
    }
}

/// The largest struct an OTLP/JSON object decodes to (a `Span`).
const MAX_STRUCT: u64 = {
    let sizes = [
        size_of::<Span>(),
        size_of::<LogRecord>(),
        size_of::<HistogramDataPoint>(),
        size_of::<ExponentialHistogramDataPoint>(),
    ];
    let mut max = 0;
    let mut i = 0;
    while i < sizes.len() {
        if sizes[i] > max {
            max = sizes[i];
        }
        i += 1;
    }
    max as u64
};

/// The element size of the repeated field an OTLP/JSON key names (both
/// spellings the decoder accepts); the largest OTLP struct for any other
/// key.
fn element_size(key: &[u8]) -> u64 {
    let size = match key {
        b"resourceSpans" | b"resource_spans" => size_of::<ResourceSpans>(),
        b"scopeSpans" | b"scope_spans" => size_of::<ScopeSpans>(),
        b"spans" => size_of::<Span>(),
        b"resourceLogs" | b"resource_logs" => size_of::<ResourceLogs>(),
        b"scopeLogs" | b"scope_logs" => size_of::<ScopeLogs>(),
        b"logRecords" | b"log_records" => size_of::<LogRecord>(),
        b"resourceMetrics" | b"resource_metrics" => size_of::<ResourceMetrics>(),
        b"scopeMetrics" | b"scope_metrics" => size_of::<ScopeMetrics>(),
        b"metrics" => size_of::<Metric>(),
        b"dataPoints" | b"data_points" => size_of::<ExponentialHistogramDataPoint>()
            .max(size_of::<HistogramDataPoint>())
            .max(size_of::<NumberDataPoint>())
            .max(size_of::<SummaryDataPoint>()),
        b"events" => size_of::<span::Event>(),
        b"links" => size_of::<span::Link>(),
        b"exemplars" => size_of::<Exemplar>(),
        b"entityRefs" | b"entity_refs" => size_of::<EntityRef>(),
        // Key-value lists and array values.
        b"attributes" | b"filteredAttributes" | b"filtered_attributes" | b"metadata" | b"values" => {
            size_of::<KeyValue>().max(size_of::<AnyValue>())
        }
        _ => return MAX_STRUCT,
    };
    size as u64
}

/// Containers whose kind [`json_estimate`] tracks; deeper ones are charged
/// as arrays of the largest struct.
const JSON_DEPTH: usize = 128;

/// An upper bound of the heap an OTLP/JSON body decodes to, from one scan
/// that allocates nothing. Objects in an array are elements of a growing
/// `Vec` (charged twice the size of the struct the array's key names, the
/// largest OTLP struct for an unknown key), every array a first `Vec` of 4
/// of them; objects that are a field's value are inline in their parent
/// (prost boxes nothing) and cost nothing themselves; every scalar element
/// of an array 16 bytes; every string its bytes (hex ids and base64 decode
/// to fewer) plus the allocator's rounding. Measured against the protobuf
/// estimate of the same data in the tests: about 8× the JSON length for
/// attribute-carrying spans (the decoded heap is 2–4×), and `{}` spans, the
/// amplification case, cost about what they are charged.
pub(crate) fn json_estimate(body: &[u8]) -> u64 {
    // Per open container: 0 for an object, the element size for an array.
    let mut open = [0u64; JSON_DEPTH];
    let mut depth = 0usize;
    let mut heap = 0u64;
    let mut in_string = false;
    let mut escaped = false;
    let (mut string_start, mut last_string, mut key) = (0usize, (0usize, 0usize), (0usize, 0usize));
    // The previous structural byte: `:` means a field's value follows.
    let mut after_colon = false;
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
                last_string = (string_start, i);
                let len = (i - string_start) as u64;
                heap = heap.saturating_add(len + len / 8 + 24);
            }
            continue;
        }
        let in_array = match depth {
            0 => 0,
            d if d <= JSON_DEPTH => open[d - 1],
            _ => MAX_STRUCT,
        };
        match b {
            b'"' => {
                in_string = true;
                string_start = i + 1;
                after_colon = false;
            }
            b':' => {
                key = last_string;
                after_colon = true;
            }
            b'{' | b'[' => {
                if in_array > 0 && !after_colon {
                    heap = heap.saturating_add(2 * in_array);
                }
                let kind = if b == b'[' {
                    let elem = if after_colon {
                        element_size(body.get(key.0..key.1).unwrap_or_default())
                    } else {
                        MAX_STRUCT
                    };
                    heap = heap.saturating_add(4 * elem + 16);
                    elem
                } else {
                    0
                };
                if depth < JSON_DEPTH {
                    open[depth] = kind;
                }
                depth += 1;
                after_colon = false;
            }
            b'}' | b']' => {
                depth = depth.saturating_sub(1);
                after_colon = false;
            }
            b',' => {
                if in_array > 0 {
                    heap = heap.saturating_add(16);
                }
                after_colon = false;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {}
            _ => after_colon = false,
        }
    }
    heap
}

/// A test gate: admits while at most `limit` bytes are held.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) held: Arc<std::sync::atomic::AtomicU64>,
    pub(crate) limit: u64,
}

#[cfg(test)]
impl Budget {
    /// A gate set holding one budget of `limit` bytes, and its counter.
    pub(crate) fn set(limit: u64) -> (Arc<AdmissionSet>, Arc<std::sync::atomic::AtomicU64>) {
        let held = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let gate = Arc::new(Budget {
            held: held.clone(),
            limit,
        });
        (Arc::new(AdmissionSet::new(vec![gate])), held)
    }
}

#[cfg(test)]
impl Admission for Budget {
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        use std::sync::atomic::Ordering;
        if self.held.load(Ordering::SeqCst) + bytes > self.limit {
            return Err(ConsumeError::retryable("full"));
        }
        self.held.fetch_add(bytes, Ordering::SeqCst);
        let held = self.held.clone();
        Ok(AdmissionPermit::with_parts(bytes, move |n| {
            held.fetch_sub(n, Ordering::SeqCst);
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    #[test]
    fn gives_back_what_arrives_and_asks_ahead_past_the_announced_size() {
        let (gates, held) = Budget::set(3 * ADMIT_STEP);
        // 2 MiB announced: held until it arrives, given back as it does.
        let mut a = Admitted::admit(gates.clone(), 2 * ADMIT_STEP).unwrap();
        assert_eq!(held.load(Ordering::SeqCst), 2 * ADMIT_STEP + REQUEST_OVERHEAD);
        a.received(ADMIT_STEP).unwrap();
        assert_eq!(held.load(Ordering::SeqCst), ADMIT_STEP + REQUEST_OVERHEAD);
        a.received(2 * ADMIT_STEP).unwrap();
        assert_eq!(
            held.load(Ordering::SeqCst),
            REQUEST_OVERHEAD,
            "the overhead stays"
        );
        a.complete();
        assert_eq!(held.load(Ordering::SeqCst), 0);
        drop(a);
        // Unknown size: the overhead first, then stretches ahead that grow
        // with what arrived, up to one step.
        let mut a = Admitted::admit(gates.clone(), 0).unwrap();
        assert_eq!(a.held(), REQUEST_OVERHEAD);
        a.received(1000).unwrap();
        assert_eq!(a.held(), REQUEST_OVERHEAD - 1000);
        a.received(REQUEST_OVERHEAD).unwrap();
        assert_eq!(a.held(), REQUEST_OVERHEAD, "the next stretch");
        a.received(5 * ADMIT_STEP).unwrap();
        assert_eq!(a.held(), ADMIT_STEP, "at most one step ahead");
        assert_eq!(held.load(Ordering::SeqCst), ADMIT_STEP);
        drop(a);
        assert_eq!(held.load(Ordering::SeqCst), 0);
        // Refusals: of a reservation, and of the next stretch ahead when
        // the gate is full.
        let (gates, held) = Budget::set(3 * REQUEST_OVERHEAD);
        let mut a = Admitted::admit(gates.clone(), 0).unwrap();
        a.received(REQUEST_OVERHEAD).unwrap();
        let other = gates.admit(REQUEST_OVERHEAD + 1).unwrap();
        assert!(reserve(a.gates(), REQUEST_OVERHEAD).is_err());
        assert!(
            a.received(2 * REQUEST_OVERHEAD).is_err(),
            "the next stretch (twice the overhead) does not fit"
        );
        drop((a, other));
        assert_eq!(held.load(Ordering::SeqCst), 0);
        // Without gates everything passes and nothing is held.
        let mut free = Admitted::admit(Arc::default(), u64::MAX).unwrap();
        free.received(u64::MAX).unwrap();
        assert!(reserve(free.gates(), u64::MAX).unwrap().is_empty());
    }

    mod json {
        use otelcol_component::estimate_traces;
        use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
        use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
        use otelcol_component::proto::resource::v1::Resource;
        use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span, span};
        use prost::Message;

        use super::super::json_estimate;

        fn request(spans: Vec<Span>) -> ExportTraceServiceRequest {
            ExportTraceServiceRequest {
                resource_spans: vec![ResourceSpans {
                    resource: Some(Resource {
                        attributes: vec![kv("service.name", "checkout")],
                        ..Default::default()
                    }),
                    scope_spans: vec![ScopeSpans {
                        spans,
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
            }
        }

        fn kv(k: &str, v: &str) -> KeyValue {
            KeyValue {
                key: k.into(),
                value: Some(AnyValue {
                    value: Some(any_value::Value::StringValue(v.into())),
                }),
                ..Default::default()
            }
        }

        /// The JSON pre-scan charges at least what the protobuf walk
        /// estimates for the same request (which bounds the decoded heap,
        /// see the component's wire tests), and says by how much.
        fn check(req: &ExportTraceServiceRequest) -> f64 {
            let json = otelcol_otlp_json::encode_traces(req);
            let pb = req.encode_to_vec();
            let from_json = json_estimate(&json);
            let from_pb = estimate_traces(&pb).unwrap().decoded_bytes;
            assert!(from_json >= from_pb, "JSON {from_json} < protobuf {from_pb}");
            from_json as f64 / json.len() as f64
        }

        #[test]
        fn bounds_the_decode_and_measures_its_factor() {
            let normal = (0..200)
                .map(|i| Span {
                    trace_id: vec![1; 16],
                    span_id: vec![2; 8],
                    name: format!("GET /api/items/{i}"),
                    kind: 2,
                    start_time_unix_nano: 1_700_000_000_000_000_000,
                    end_time_unix_nano: 1_700_000_000_100_000_000,
                    attributes: (0..8)
                        .map(|k| kv(&format!("http.attr.{k}"), "some value"))
                        .collect(),
                    events: vec![span::Event {
                        name: "e".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                })
                .collect();
            let factor = check(&request(normal));
            println!("JSON estimate: {factor:.1}× the JSON length for normal spans");
            assert!(factor < 10.0, "normal spans: {factor:.1}× the JSON length");
            // `{}` spans: the amplification case. 2M of them fit in a few MB
            // of JSON; each is charged about two Spans.
            let empty = check(&request(vec![Span::default(); 10_000]));
            println!("JSON estimate: {empty:.1}× the JSON length for empty spans");
            assert!(empty > 100.0, "{empty:.1}× for empty spans");
            let json = br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{},{},{}]}]}]}"#;
            assert!(json_estimate(json) >= 3 * 2 * 264);
            // Escaped quotes do not end strings; braces inside strings are not objects.
            // 5 bytes (the escape counted), 1/8 of them rounded down, 24 per string.
            assert_eq!(json_estimate(br#""{\"[{""#), 5 + 24);
            // Unknown keys and arrays nested deeper than tracked are charged
            // as the largest struct.
            let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
            assert!(json_estimate(deep.as_bytes()) >= 200 * 4 * 264);
        }
    }
}
