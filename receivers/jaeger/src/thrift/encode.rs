//! Thrift encoders for the Jaeger structures, in both protocols: what the
//! tests (here and in `tests/`) build packets and bodies with. The receiver
//! never encodes Thrift.

use super::ThriftProtocol;
use super::jaeger::{Batch, Log, Process, Span, SpanRef, Tag};

/// Type ids, per protocol.
#[derive(Clone, Copy)]
enum Ty {
    Bool,
    I32,
    I64,
    Double,
    String,
    Struct,
    List,
}

impl Ty {
    fn binary(self) -> u8 {
        match self {
            Ty::Bool => 2,
            Ty::Double => 4,
            Ty::I32 => 8,
            Ty::I64 => 10,
            Ty::String => 11,
            Ty::Struct => 12,
            Ty::List => 15,
        }
    }

    fn compact(self) -> u8 {
        match self {
            Ty::Bool => 1,
            Ty::I32 => 5,
            Ty::I64 => 6,
            Ty::Double => 7,
            Ty::String => 8,
            Ty::List => 9,
            Ty::Struct => 12,
        }
    }
}

/// A Thrift writer of either protocol.
#[derive(Debug)]
pub struct Writer {
    protocol: ThriftProtocol,
    out: Vec<u8>,
    last_ids: Vec<i16>,
    last_id: i16,
}

impl Writer {
    /// An empty writer.
    pub fn new(protocol: ThriftProtocol) -> Self {
        Writer {
            protocol,
            out: Vec::new(),
            last_ids: Vec::new(),
            last_id: 0,
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn varint(&mut self, mut n: u64) {
        loop {
            if n < 0x80 {
                self.out.push(n as u8);
                return;
            }
            self.out.push((n as u8 & 0x7f) | 0x80);
            n >>= 7;
        }
    }

    fn zigzag(&mut self, n: i64) {
        self.varint(((n << 1) ^ (n >> 63)) as u64);
    }

    /// A message envelope (`type_id` 4 is one-way).
    pub fn message_begin(&mut self, name: &str, type_id: u8, seq_id: i32) {
        match self.protocol {
            ThriftProtocol::Binary => {
                self.out
                    .extend_from_slice(&(0x8001_0000u32 | u32::from(type_id)).to_be_bytes());
                self.binary(name.as_bytes());
                self.out.extend_from_slice(&seq_id.to_be_bytes());
            }
            ThriftProtocol::Compact => {
                self.out.push(0x82);
                self.out.push(1 | (type_id << 5));
                self.varint(u64::from(seq_id as u32));
                self.binary(name.as_bytes());
            }
        }
    }

    fn struct_begin(&mut self) {
        self.last_ids.push(self.last_id);
        self.last_id = 0;
    }

    fn struct_end(&mut self) {
        self.out.push(0); // STOP in both protocols
        self.last_id = self.last_ids.pop().unwrap_or(0);
    }

    fn field(&mut self, ty: Ty, id: i16) {
        self.field_with(ty, id, None);
    }

    fn field_with(&mut self, ty: Ty, id: i16, bool_value: Option<bool>) {
        match self.protocol {
            ThriftProtocol::Binary => {
                self.out.push(ty.binary());
                self.out.extend_from_slice(&id.to_be_bytes());
            }
            ThriftProtocol::Compact => {
                let t = match (ty, bool_value) {
                    (Ty::Bool, Some(false)) => 2,
                    _ => ty.compact(),
                };
                let delta = id.wrapping_sub(self.last_id);
                if (1..=15).contains(&delta) {
                    self.out.push(((delta as u8) << 4) | t);
                } else {
                    self.out.push(t);
                    self.zigzag(i64::from(id));
                }
                self.last_id = id;
            }
        }
    }

    fn list_begin(&mut self, elem: Ty, n: usize) {
        match self.protocol {
            ThriftProtocol::Binary => {
                self.out.push(elem.binary());
                self.out.extend_from_slice(&(n as i32).to_be_bytes());
            }
            ThriftProtocol::Compact => {
                if n < 15 {
                    self.out.push(((n as u8) << 4) | elem.compact());
                } else {
                    self.out.push(0xf0 | elem.compact());
                    self.varint(n as u64);
                }
            }
        }
    }

    fn binary(&mut self, b: &[u8]) {
        match self.protocol {
            ThriftProtocol::Binary => self.out.extend_from_slice(&(b.len() as i32).to_be_bytes()),
            ThriftProtocol::Compact => self.varint(b.len() as u64),
        }
        self.out.extend_from_slice(b);
    }

    fn i32(&mut self, n: i32) {
        match self.protocol {
            ThriftProtocol::Binary => self.out.extend_from_slice(&n.to_be_bytes()),
            ThriftProtocol::Compact => self.zigzag(i64::from(n)),
        }
    }

    fn i64(&mut self, n: i64) {
        match self.protocol {
            ThriftProtocol::Binary => self.out.extend_from_slice(&n.to_be_bytes()),
            ThriftProtocol::Compact => self.zigzag(n),
        }
    }

    fn double(&mut self, f: f64) {
        match self.protocol {
            ThriftProtocol::Binary => self.out.extend_from_slice(&f.to_be_bytes()),
            ThriftProtocol::Compact => self.out.extend_from_slice(&f.to_le_bytes()),
        }
    }

    fn i32_field(&mut self, id: i16, n: i32) {
        self.field(Ty::I32, id);
        self.i32(n);
    }

    fn i64_field(&mut self, id: i16, n: i64) {
        self.field(Ty::I64, id);
        self.i64(n);
    }

    fn string_field(&mut self, id: i16, s: &[u8]) {
        self.field(Ty::String, id);
        self.binary(s);
    }

    fn list_field<T>(&mut self, id: i16, items: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.field(Ty::List, id);
        self.list_begin(Ty::Struct, items.len());
        for item in items {
            each(self, item);
        }
    }

    /// A `Tag` struct.
    pub fn tag(&mut self, t: &Tag) {
        self.struct_begin();
        self.string_field(1, t.key.as_bytes());
        self.i32_field(2, t.v_type);
        if let Some(s) = &t.v_str {
            self.string_field(3, s.as_bytes());
        }
        if let Some(d) = t.v_double {
            self.field(Ty::Double, 4);
            self.double(d);
        }
        if let Some(b) = t.v_bool {
            self.field_with(Ty::Bool, 5, Some(b));
            if matches!(self.protocol, ThriftProtocol::Binary) {
                self.out.push(u8::from(b));
            }
        }
        if let Some(n) = t.v_long {
            self.i64_field(6, n);
        }
        if let Some(b) = &t.v_binary {
            self.string_field(7, b);
        }
        self.struct_end();
    }

    fn log(&mut self, l: &Log) {
        self.struct_begin();
        self.i64_field(1, l.timestamp);
        self.list_field(2, &l.fields, Self::tag);
        self.struct_end();
    }

    fn span_ref(&mut self, r: &SpanRef) {
        self.struct_begin();
        self.i32_field(1, r.ref_type);
        self.i64_field(2, r.trace_id_low);
        self.i64_field(3, r.trace_id_high);
        self.i64_field(4, r.span_id);
        self.struct_end();
    }

    /// A `Span` struct.
    pub fn span(&mut self, s: &Span) {
        self.struct_begin();
        self.i64_field(1, s.trace_id_low);
        self.i64_field(2, s.trace_id_high);
        self.i64_field(3, s.span_id);
        self.i64_field(4, s.parent_span_id);
        self.string_field(5, s.operation_name.as_bytes());
        if let Some(refs) = &s.references {
            self.list_field(6, refs, Self::span_ref);
        }
        self.i32_field(7, s.flags);
        self.i64_field(8, s.start_time);
        self.i64_field(9, s.duration);
        if let Some(tags) = &s.tags {
            self.list_field(10, tags, Self::tag);
        }
        if let Some(logs) = &s.logs {
            self.list_field(11, logs, Self::log);
        }
        self.struct_end();
    }

    fn process(&mut self, p: &Process) {
        self.struct_begin();
        self.string_field(1, p.service_name.as_bytes());
        if let Some(tags) = &p.tags {
            self.list_field(2, tags, Self::tag);
        }
        self.struct_end();
    }

    /// A `Batch` struct.
    pub fn batch(&mut self, b: &Batch) {
        self.struct_begin();
        self.field(Ty::Struct, 1);
        self.process(&b.process);
        self.list_field(2, &b.spans, Self::span);
        if let Some(n) = b.seq_no {
            self.i64_field(3, n);
        }
        self.struct_end();
    }
}

/// A `Batch` struct alone (an `/api/traces` body in the binary protocol).
pub fn batch(protocol: ThriftProtocol, b: &Batch) -> Vec<u8> {
    let mut w = Writer::new(protocol);
    w.batch(b);
    w.into_bytes()
}

/// A one-way `emitBatch` message (a UDP packet to the agent ports).
pub fn emit_batch(protocol: ThriftProtocol, b: &Batch) -> Vec<u8> {
    let mut w = Writer::new(protocol);
    w.message_begin("emitBatch", 4, 1);
    w.struct_begin();
    w.field(Ty::Struct, 1);
    w.batch(b);
    w.struct_end();
    w.into_bytes()
}
