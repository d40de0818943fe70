//! The structures of `jaeger.thrift` (a `Batch` of spans with their
//! `Process`) and the one-way calls of `agent.thrift`, decoded from either
//! protocol. Required fields are enforced as Go's generated code enforces
//! them; fields of unknown id, or of a known id with another type, are
//! skipped (as every Thrift library does).

use super::binary::Binary;
use super::compact::Compact;
use super::{MessageHeader, Protocol, TType, ThriftError, ThriftProtocol};

/// `TagType` values.
pub mod tag_type {
    /// `STRING`.
    pub const STRING: i32 = 0;
    /// `DOUBLE`.
    pub const DOUBLE: i32 = 1;
    /// `BOOL`.
    pub const BOOL: i32 = 2;
    /// `LONG`.
    pub const LONG: i32 = 3;
    /// `BINARY`.
    pub const BINARY: i32 = 4;
}

/// `SpanRefType` values.
pub mod span_ref_type {
    /// `CHILD_OF`.
    pub const CHILD_OF: i32 = 0;
    /// `FOLLOWS_FROM`.
    pub const FOLLOWS_FROM: i32 = 1;
}

/// `Tag`: a typed key/value pair (span tags, process tags, log fields).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tag {
    /// `key` (required).
    pub key: String,
    /// `vType` (required), one of [`tag_type`].
    pub v_type: i32,
    /// `vStr`.
    pub v_str: Option<String>,
    /// `vDouble`.
    pub v_double: Option<f64>,
    /// `vBool`.
    pub v_bool: Option<bool>,
    /// `vLong`.
    pub v_long: Option<i64>,
    /// `vBinary`.
    pub v_binary: Option<Vec<u8>>,
}

/// `Log`: a timestamped set of fields (an event).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Log {
    /// `timestamp` in microseconds since the epoch (required).
    pub timestamp: i64,
    /// `fields` (required).
    pub fields: Vec<Tag>,
}

/// `SpanRef`: a reference to another span.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SpanRef {
    /// `refType` (required), one of [`span_ref_type`].
    pub ref_type: i32,
    /// `traceIdLow` (required).
    pub trace_id_low: i64,
    /// `traceIdHigh` (required).
    pub trace_id_high: i64,
    /// `spanId` (required).
    pub span_id: i64,
}

/// `Span`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Span {
    /// `traceIdLow` (required).
    pub trace_id_low: i64,
    /// `traceIdHigh` (required).
    pub trace_id_high: i64,
    /// `spanId` (required).
    pub span_id: i64,
    /// `parentSpanId` (required; 0 for none).
    pub parent_span_id: i64,
    /// `operationName` (required).
    pub operation_name: String,
    /// `references`.
    pub references: Option<Vec<SpanRef>>,
    /// `flags` (required).
    pub flags: i32,
    /// `startTime` in microseconds since the epoch (required).
    pub start_time: i64,
    /// `duration` in microseconds (required).
    pub duration: i64,
    /// `tags`.
    pub tags: Option<Vec<Tag>>,
    /// `logs`.
    pub logs: Option<Vec<Log>>,
}

/// `Process`: the service that emitted the spans.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Process {
    /// `serviceName` (required).
    pub service_name: String,
    /// `tags`.
    pub tags: Option<Vec<Tag>>,
}

/// `ClientStats` (sent by some clients; read and not used, as in Go).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// `fullQueueDroppedSpans`.
    pub full_queue_dropped_spans: i64,
    /// `tooLargeDroppedSpans`.
    pub too_large_dropped_spans: i64,
    /// `failedToEmitSpans`.
    pub failed_to_emit_spans: i64,
}

/// `Batch`: spans of one process.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Batch {
    /// `process` (required).
    pub process: Process,
    /// `spans` (required).
    pub spans: Vec<Span>,
    /// `seqNo`.
    pub seq_no: Option<i64>,
    /// `stats`.
    pub stats: Option<ClientStats>,
}

/// A call of the agent service (`agent.thrift`), as sent over UDP.
#[derive(Clone, Debug, PartialEq)]
pub enum AgentCall {
    /// `emitBatch(1: jaeger.Batch batch)`.
    EmitBatch(Batch),
    /// `emitZipkinBatch(1: list<zipkincore.Span> spans)`: recognised, not
    /// decoded (the Go receiver does not support it either).
    EmitZipkinBatch,
}

impl Batch {
    /// Decodes a `Batch` struct (the body of a `POST /api/traces`, binary
    /// protocol) from `bytes`.
    pub fn decode(protocol: ThriftProtocol, bytes: &[u8]) -> Result<Batch, ThriftError> {
        match protocol {
            ThriftProtocol::Binary => read_batch(&mut Binary::new(bytes)),
            ThriftProtocol::Compact => read_batch(&mut Compact::new(bytes)),
        }
    }
}

impl AgentCall {
    /// Decodes an agent message (envelope and arguments), as one UDP packet holds it.
    pub fn decode(protocol: ThriftProtocol, bytes: &[u8]) -> Result<AgentCall, ThriftError> {
        match protocol {
            ThriftProtocol::Binary => read_agent_call(&mut Binary::new(bytes)),
            ThriftProtocol::Compact => read_agent_call(&mut Compact::new(bytes)),
        }
    }
}

fn read_agent_call<P: Protocol>(p: &mut P) -> Result<AgentCall, ThriftError> {
    let MessageHeader { name, .. } = p.read_message_begin()?;
    match name.as_str() {
        "emitBatch" => {
            // emitBatch_args { 1: Batch batch }
            let mut batch = None;
            p.read_struct_begin()?;
            while let Some((ty, id)) = p.read_field_begin()? {
                match (id, ty) {
                    (1, TType::Struct) => batch = Some(read_batch(p)?),
                    _ => p.skip(ty)?,
                }
            }
            p.read_struct_end();
            // Go's generated args struct leaves an absent batch nil, and the
            // receiver then forwards nothing: an empty batch does the same.
            Ok(AgentCall::EmitBatch(batch.unwrap_or_default()))
        }
        "emitZipkinBatch" => Ok(AgentCall::EmitZipkinBatch),
        _ => Err(ThriftError::UnknownMethod(name)),
    }
}

/// Reads a struct's fields, handing each (type, id) to `field`, which
/// returns `false` for fields it does not read (they are skipped).
fn read_struct<P: Protocol>(
    p: &mut P,
    mut field: impl FnMut(&mut P, TType, i16) -> Result<bool, ThriftError>,
) -> Result<(), ThriftError> {
    p.read_struct_begin()?;
    while let Some((ty, id)) = p.read_field_begin()? {
        if !field(p, ty, id)? {
            p.skip(ty)?;
        }
    }
    p.read_struct_end();
    Ok(())
}

/// Reads a `list<T>` whose elements `elem` reads.
fn read_list<P: Protocol, T>(
    p: &mut P,
    field: &'static str,
    expected: TType,
    mut elem: impl FnMut(&mut P) -> Result<T, ThriftError>,
) -> Result<Vec<T>, ThriftError> {
    let (ty, n) = p.read_list_begin()?;
    if n > 0 && ty != expected {
        return Err(ThriftError::WrongType {
            field,
            expected,
            found: ty,
        });
    }
    p.enter()?;
    // The count is bounded by the input; the capacity by a constant too,
    // so a count the elements then fail to back costs nothing.
    let mut out = Vec::with_capacity(n.min(256));
    for _ in 0..n {
        out.push(elem(p)?);
    }
    p.leave();
    Ok(out)
}

fn required<T>(v: Option<T>, name: &'static str) -> Result<T, ThriftError> {
    v.ok_or(ThriftError::MissingField(name))
}

fn read_tag<P: Protocol>(p: &mut P) -> Result<Tag, ThriftError> {
    let (mut key, mut v_type) = (None, None);
    let mut tag = Tag::default();
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::String) => key = Some(p.read_string()?),
            (2, TType::I32) => v_type = Some(p.read_i32()?),
            (3, TType::String) => tag.v_str = Some(p.read_string()?),
            (4, TType::Double) => tag.v_double = Some(p.read_double()?),
            (5, TType::Bool) => tag.v_bool = Some(p.read_bool()?),
            (6, TType::I64) => tag.v_long = Some(p.read_i64()?),
            (7, TType::String) => tag.v_binary = Some(p.read_binary()?.to_vec()),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    tag.key = required(key, "Tag.key")?;
    tag.v_type = required(v_type, "Tag.vType")?;
    Ok(tag)
}

fn read_tags<P: Protocol>(p: &mut P, field: &'static str) -> Result<Vec<Tag>, ThriftError> {
    read_list(p, field, TType::Struct, read_tag)
}

fn read_log<P: Protocol>(p: &mut P) -> Result<Log, ThriftError> {
    let (mut timestamp, mut fields) = (None, None);
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::I64) => timestamp = Some(p.read_i64()?),
            (2, TType::List) => fields = Some(read_tags(p, "Log.fields")?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Log {
        timestamp: required(timestamp, "Log.timestamp")?,
        fields: required(fields, "Log.fields")?,
    })
}

fn read_span_ref<P: Protocol>(p: &mut P) -> Result<SpanRef, ThriftError> {
    let [mut ref_type, mut low, mut high, mut span] = [None; 4];
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::I32) => ref_type = Some(i64::from(p.read_i32()?)),
            (2, TType::I64) => low = Some(p.read_i64()?),
            (3, TType::I64) => high = Some(p.read_i64()?),
            (4, TType::I64) => span = Some(p.read_i64()?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(SpanRef {
        // Read as an i32 above; widened only to share the array.
        ref_type: required(ref_type, "SpanRef.refType")? as i32,
        trace_id_low: required(low, "SpanRef.traceIdLow")?,
        trace_id_high: required(high, "SpanRef.traceIdHigh")?,
        span_id: required(span, "SpanRef.spanId")?,
    })
}

fn read_span<P: Protocol>(p: &mut P) -> Result<Span, ThriftError> {
    let [
        mut low,
        mut high,
        mut span_id,
        mut parent,
        mut start,
        mut duration,
    ] = [None; 6];
    let (mut name, mut flags) = (None, None);
    let mut span = Span::default();
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::I64) => low = Some(p.read_i64()?),
            (2, TType::I64) => high = Some(p.read_i64()?),
            (3, TType::I64) => span_id = Some(p.read_i64()?),
            (4, TType::I64) => parent = Some(p.read_i64()?),
            (5, TType::String) => name = Some(p.read_string()?),
            (6, TType::List) => {
                span.references = Some(read_list(p, "Span.references", TType::Struct, read_span_ref)?);
            }
            (7, TType::I32) => flags = Some(p.read_i32()?),
            (8, TType::I64) => start = Some(p.read_i64()?),
            (9, TType::I64) => duration = Some(p.read_i64()?),
            (10, TType::List) => span.tags = Some(read_tags(p, "Span.tags")?),
            (11, TType::List) => span.logs = Some(read_list(p, "Span.logs", TType::Struct, read_log)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    span.trace_id_low = required(low, "Span.traceIdLow")?;
    span.trace_id_high = required(high, "Span.traceIdHigh")?;
    span.span_id = required(span_id, "Span.spanId")?;
    span.parent_span_id = required(parent, "Span.parentSpanId")?;
    span.operation_name = required(name, "Span.operationName")?;
    span.flags = required(flags, "Span.flags")?;
    span.start_time = required(start, "Span.startTime")?;
    span.duration = required(duration, "Span.duration")?;
    Ok(span)
}

fn read_process<P: Protocol>(p: &mut P) -> Result<Process, ThriftError> {
    let mut name = None;
    let mut tags = None;
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::String) => name = Some(p.read_string()?),
            (2, TType::List) => tags = Some(read_tags(p, "Process.tags")?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(Process {
        service_name: required(name, "Process.serviceName")?,
        tags,
    })
}

fn read_client_stats<P: Protocol>(p: &mut P) -> Result<ClientStats, ThriftError> {
    let [mut full, mut large, mut failed] = [None; 3];
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::I64) => full = Some(p.read_i64()?),
            (2, TType::I64) => large = Some(p.read_i64()?),
            (3, TType::I64) => failed = Some(p.read_i64()?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    Ok(ClientStats {
        full_queue_dropped_spans: required(full, "ClientStats.fullQueueDroppedSpans")?,
        too_large_dropped_spans: required(large, "ClientStats.tooLargeDroppedSpans")?,
        failed_to_emit_spans: required(failed, "ClientStats.failedToEmitSpans")?,
    })
}

fn read_batch<P: Protocol>(p: &mut P) -> Result<Batch, ThriftError> {
    let (mut process, mut spans) = (None, None);
    let mut batch = Batch::default();
    read_struct(p, |p, ty, id| {
        match (id, ty) {
            (1, TType::Struct) => process = Some(read_process(p)?),
            (2, TType::List) => spans = Some(read_list(p, "Batch.spans", TType::Struct, read_span)?),
            (3, TType::I64) => batch.seq_no = Some(p.read_i64()?),
            (4, TType::Struct) => batch.stats = Some(read_client_stats(p)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?;
    batch.process = required(process, "Batch.process")?;
    batch.spans = required(spans, "Batch.spans")?;
    Ok(batch)
}
