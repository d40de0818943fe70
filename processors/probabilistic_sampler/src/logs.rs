//! Log records: randomness from the trace id or an attribute, the
//! `sampling.randomness` / `sampling.threshold` attributes, and the
//! `sampling_priority` attribute (Go's `logsprocessor.go`).

use otelcol_attraction::as_string;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::logs::v1::LogRecord;

use crate::error::SampleError;
use crate::hash::randomness_from_bytes;
use crate::sampler::{Carrier, Decision, Extracted, Policy, Rnd, Sampler, should_sample};
use crate::sampling::{InconsistentSampling, Randomness, Threshold, TraceStateError};

/// The attribute holding a record's threshold (`th` encoding).
pub const SAMPLING_THRESHOLD_ATTRIBUTE: &str = "sampling.threshold";
/// The attribute holding a record's randomness (`rv` encoding).
pub const SAMPLING_RANDOMNESS_ATTRIBUTE: &str = "sampling.randomness";

/// A record's parsed `sampling.*` attributes.
#[derive(Debug, Default)]
pub(crate) struct RecordCarrier {
    threshold: Option<Threshold>,
    randomness: Option<Randomness>,
}

fn get<'r>(attrs: &'r [KeyValue], key: &str) -> Option<&'r Value> {
    attrs
        .iter()
        .find(|kv| kv.key == key)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref())
}

/// A non-empty string attribute (Go's `recordCarrier.get`).
fn get_str<'r>(attrs: &'r [KeyValue], key: &str) -> Option<&'r str> {
    match get(attrs, key) {
        Some(Value::StringValue(s)) if !s.is_empty() => Some(s),
        _ => None,
    }
}

fn put_str(attrs: &mut Vec<KeyValue>, key: &str, value: String) {
    let v = Some(AnyValue {
        value: Some(Value::StringValue(value)),
    });
    match attrs.iter_mut().find(|kv| kv.key == key) {
        Some(kv) => kv.value = v,
        None => attrs.push(KeyValue {
            key: key.to_owned(),
            value: v,
            ..Default::default()
        }),
    }
}

impl RecordCarrier {
    /// Go's `newLogRecordCarrier`: reads both attributes; a bad one is left
    /// unset and reported.
    fn parse(record: &LogRecord) -> (Self, Option<SampleError>) {
        let mut carrier = RecordCarrier::default();
        let mut err = None;
        if let Some(tv) = get_str(&record.attributes, SAMPLING_THRESHOLD_ATTRIBUTE) {
            carrier.threshold = Threshold::from_tvalue(tv);
            if carrier.threshold.is_none() {
                err = Some(SampleError::TraceState(TraceStateError::TValue));
            }
        }
        if let Some(rv) = get_str(&record.attributes, SAMPLING_RANDOMNESS_ATTRIBUTE) {
            carrier.randomness = Randomness::from_rvalue(rv);
            if carrier.randomness.is_none() {
                err = Some(SampleError::TraceState(TraceStateError::RValue));
            }
        }
        (carrier, err)
    }

    fn set_randomness(&mut self, record: &mut LogRecord, rnd: Randomness) {
        self.randomness = Some(rnd);
        put_str(
            &mut record.attributes,
            SAMPLING_RANDOMNESS_ATTRIBUTE,
            rnd.rvalue(),
        );
    }
}

impl Carrier<LogRecord> for RecordCarrier {
    fn threshold(&self) -> Option<Threshold> {
        self.threshold
    }

    fn clear_threshold(&mut self, record: &mut LogRecord) {
        self.threshold = None;
        if let Some(i) = record
            .attributes
            .iter()
            .position(|kv| kv.key == SAMPLING_THRESHOLD_ATTRIBUTE)
        {
            record.attributes.remove(i);
        }
    }

    fn update_threshold(
        &mut self,
        record: &mut LogRecord,
        th: Threshold,
    ) -> Result<(), InconsistentSampling> {
        if self.threshold.is_some_and(|old| th < old) {
            return Err(InconsistentSampling);
        }
        put_str(&mut record.attributes, SAMPLING_THRESHOLD_ATTRIBUTE, th.tvalue());
        Ok(())
    }

    fn reserialize(&mut self, _record: &mut LogRecord) {}
}

fn trace_id(record: &LogRecord) -> Option<&[u8]> {
    let id = record.trace_id.as_slice();
    (id.len() == 16 && id.iter().any(|&b| b != 0)).then_some(id)
}

/// Go's `getBytesFromValue`: raw bytes, or the value's string form.
fn value_bytes(v: &Value) -> Vec<u8> {
    match v {
        Value::BytesValue(b) => b.clone(),
        other => as_string(&AnyValue {
            value: Some(other.clone()),
        })
        .into_bytes(),
    }
}

/// Go's `randomnessFromLogRecord` of each mode.
pub(crate) fn randomness_from_log<'a>(
    sampler: &'a Sampler,
    record: &mut LogRecord,
) -> Extracted<'a, RecordCarrier> {
    let (mut carrier, err) = RecordCarrier::parse(record);
    match sampler {
        Sampler::Never => (
            Rnd::new(Randomness::ALL_PROBABILITIES, Policy::SamplingPriority),
            Some(carrier),
            err,
        ),
        Sampler::Hashing {
            seed,
            logs_trace_id,
            logs_attribute,
            ..
        } => {
            let mut rnd = Rnd::MISSING;
            if *logs_trace_id {
                if let Some(id) = trace_id(record) {
                    rnd = Rnd::new(randomness_from_bytes(id, *seed), Policy::TraceIdHash);
                }
            }
            if rnd.is_missing() && !logs_attribute.is_empty() {
                if let Some(v) = get(&record.attributes, logs_attribute) {
                    let bytes = value_bytes(v);
                    if !bytes.is_empty() {
                        rnd = Rnd::new(
                            randomness_from_bytes(&bytes, *seed),
                            Policy::Attribute(logs_attribute),
                        );
                    }
                }
            }
            if err.is_some() {
                (rnd, None, err)
            } else if carrier.randomness.is_some() {
                (rnd, None, Some(SampleError::RandomnessInUse))
            } else if carrier.threshold.is_some() {
                (rnd, None, Some(SampleError::ThresholdInUse))
            } else {
                if !rnd.is_missing() {
                    carrier.set_randomness(record, rnd.value);
                }
                (rnd, Some(carrier), None)
            }
        }
        Sampler::Equalizing { .. } | Sampler::Proportional { .. } => {
            if err.is_some() {
                return (Rnd::MISSING, None, err);
            }
            let rnd = if let Some(rv) = carrier.randomness {
                Rnd::new(rv, Policy::SamplingRandomness)
            } else if let Some(id) = trace_id(record).and_then(Randomness::from_trace_id) {
                Rnd::new(id, Policy::TraceIdW3c)
            } else {
                Rnd::MISSING
            };
            (rnd, Some(carrier), None)
        }
    }
}

/// Go's `logRecordToPriorityThreshold`: a non-zero int or double attribute,
/// read as a percentage, that makes a valid threshold.
pub(crate) fn priority_threshold(record: &LogRecord, attribute: &str, precision: i32) -> Option<Threshold> {
    let min_prob = match get(&record.attributes, attribute)? {
        Value::DoubleValue(d) => d / 100.0,
        Value::IntValue(i) => *i as f64 / 100.0,
        _ => 0.0,
    };
    if min_prob == 0.0 {
        return None;
    }
    Threshold::from_probability(min_prob, precision).ok()
}

/// Decides one record; a kept record may get `sampling.*` attributes.
pub(crate) fn sample_log<'a>(
    sampler: &'a Sampler,
    fail_closed: bool,
    priority_attribute: &str,
    precision: i32,
    record: &mut LogRecord,
) -> Decision<'a> {
    let extracted = randomness_from_log(sampler, record);
    let priority = |record: &LogRecord, rnd: Rnd<'a>, threshold: Threshold| {
        if priority_attribute.is_empty() {
            return (rnd, threshold);
        }
        match priority_threshold(record, priority_attribute, precision) {
            Some(th) => (Rnd::new(rnd.value, Policy::SamplingPriority), th),
            None => (rnd, threshold),
        }
    };
    should_sample(record, sampler, fail_closed, extracted, priority, "logs sampler")
}
