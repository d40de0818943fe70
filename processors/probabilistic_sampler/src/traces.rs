//! Spans: randomness from the trace id or the tracestate, the
//! `sampling.priority` attribute, and the tracestate written back
//! (Go's `tracesprocessor.go`).

use otelcol_component::proto::common::v1::{KeyValue, any_value::Value};
use otelcol_component::proto::trace::v1::Span;

use crate::error::SampleError;
use crate::hash::randomness_from_bytes;
use crate::sampler::{Carrier, Decision, Extracted, Policy, Rnd, Sampler, should_sample};
use crate::sampling::{InconsistentSampling, Randomness, Threshold, W3CTraceState};

/// The span attribute that overrides the decision (OpenTracing convention).
pub const SAMPLING_PRIORITY_ATTRIBUTE: &str = "sampling.priority";

/// A span's parsed tracestate.
#[derive(Debug)]
pub(crate) struct SpanCarrier {
    state: W3CTraceState,
}

impl Carrier<Span> for SpanCarrier {
    fn threshold(&self) -> Option<Threshold> {
        self.state.otel().threshold()
    }

    fn clear_threshold(&mut self, _span: &mut Span) {
        self.state.otel_mut().clear_threshold();
    }

    fn update_threshold(&mut self, _span: &mut Span, th: Threshold) -> Result<(), InconsistentSampling> {
        self.state.otel_mut().update_threshold(th)
    }

    fn reserialize(&mut self, span: &mut Span) {
        span.trace_state = self.state.serialize();
    }
}

/// A 16-byte trace id that is not all zeros.
fn trace_id(span: &Span) -> Option<&[u8]> {
    let id = span.trace_id.as_slice();
    (id.len() == 16 && id.iter().any(|&b| b != 0)).then_some(id)
}

fn parse(span: &Span) -> (SpanCarrier, Option<SampleError>) {
    let (state, err) = W3CTraceState::parse(&span.trace_state);
    (SpanCarrier { state }, err.map(SampleError::from))
}

/// Go's `randomnessFromSpan` of each mode.
pub(crate) fn randomness_from_span<'a>(sampler: &Sampler, span: &Span) -> Extracted<'a, SpanCarrier> {
    match sampler {
        Sampler::Never => {
            // A stand-in randomness: it is never used to sample.
            let (carrier, err) = parse(span);
            (
                Rnd::new(Randomness::ALL_PROBABILITIES, Policy::SamplingPriority),
                Some(carrier),
                err,
            )
        }
        Sampler::Hashing { seed, .. } => {
            let (mut carrier, err) = parse(span);
            let rnd = trace_id(span).map_or(Rnd::MISSING, |id| {
                Rnd::new(randomness_from_bytes(id, *seed), Policy::TraceIdHash)
            });
            if err.is_some() {
                (rnd, None, err)
            } else if carrier.state.otel().randomness().is_some() {
                (rnd, None, Some(SampleError::RandomnessInUse))
            } else if carrier.state.otel().threshold().is_some() {
                (rnd, None, Some(SampleError::ThresholdInUse))
            } else {
                carrier.state.otel_mut().set_randomness(rnd.value);
                (rnd, Some(carrier), None)
            }
        }
        Sampler::Equalizing { .. } | Sampler::Proportional { .. } => {
            let (carrier, err) = parse(span);
            if err.is_some() {
                return (Rnd::MISSING, None, err);
            }
            let rnd = if let Some(rv) = carrier.state.otel().randomness() {
                Rnd::new(rv, Policy::SamplingRandomness)
            } else if let Some(id) = trace_id(span).and_then(Randomness::from_trace_id) {
                Rnd::new(id, Policy::TraceIdW3c)
            } else {
                Rnd::MISSING
            };
            (rnd, Some(carrier), None)
        }
    }
}

/// What `sampling.priority` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanPriority {
    /// Absent, negative or unreadable: the sampler decides.
    Defer,
    /// Greater than zero: always keep.
    MustSample,
    /// Zero: always drop.
    DoNotSample,
}

fn priority_of(v: f64) -> SpanPriority {
    if v == 0.0 {
        SpanPriority::DoNotSample
    } else if v > 0.0 {
        SpanPriority::MustSample
    } else {
        SpanPriority::Defer
    }
}

/// Go's `strconv.ParseFloat(s, 64)` for the forms Rust also reads, refusing
/// out-of-range values as Go does (Go's hex floats are not read).
fn go_parse_float(s: &str) -> Option<f64> {
    let v: f64 = s.parse().ok()?;
    let spelled_inf = s
        .trim_start_matches(['+', '-'])
        .to_ascii_lowercase()
        .starts_with("inf");
    (v.is_finite() || v.is_nan() || spelled_inf).then_some(v)
}

/// Go's `parseSpanSamplingPriority`: ints, doubles and numeric strings.
pub fn span_priority(attrs: &[KeyValue]) -> SpanPriority {
    let value = attrs
        .iter()
        .find(|kv| kv.key == SAMPLING_PRIORITY_ATTRIBUTE)
        .and_then(|kv| kv.value.as_ref())
        .and_then(|v| v.value.as_ref());
    match value {
        Some(Value::IntValue(i)) => match i {
            0 => SpanPriority::DoNotSample,
            i if *i > 0 => SpanPriority::MustSample,
            _ => SpanPriority::Defer,
        },
        Some(Value::DoubleValue(d)) => priority_of(*d),
        Some(Value::StringValue(s)) => go_parse_float(s).map_or(SpanPriority::Defer, priority_of),
        _ => SpanPriority::Defer,
    }
}

/// Go's traces `priorityFunc`: the priority can only force never or always.
fn priority<'a>(span: &Span, rnd: Rnd<'a>, threshold: Threshold) -> (Rnd<'a>, Threshold) {
    match span_priority(&span.attributes) {
        SpanPriority::Defer => (rnd, threshold),
        SpanPriority::MustSample => (
            Rnd::new(rnd.value, Policy::SamplingPriority),
            Threshold::ALWAYS_SAMPLE,
        ),
        SpanPriority::DoNotSample => (
            Rnd::new(rnd.value, Policy::SamplingPriority),
            Threshold::NEVER_SAMPLE,
        ),
    }
}

/// Decides one span; a kept span may get its tracestate rewritten.
pub(crate) fn sample_span<'a>(sampler: &'a Sampler, fail_closed: bool, span: &mut Span) -> Decision<'a> {
    let extracted = randomness_from_span(sampler, span);
    should_sample(span, sampler, fail_closed, extracted, priority, "traces sampler")
}
