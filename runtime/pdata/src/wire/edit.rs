//! Attribute edits on encoded OTLP requests, without decoding them.
//!
//! [`edit_traces`], [`edit_metrics`] and [`edit_logs`] visit the attribute
//! lists of an encoded `Export*ServiceRequest` — every item's own list
//! ([`Target::Items`]: a span's, not its events' or links'; a log
//! record's; every data point's of every metric type, not its exemplars')
//! or every resource's ([`Target::Resources`]) — hand each to a callback as
//! an [`AttrList`], and write a new encoding in which only what the
//! callback changed differs ([`edit_spans`] also hands each span's list
//! its span's `name` to read and replace):
//!
//! - **one pass to plan, one to write.** The first pass walks the request
//!   down the paths to the visited lists (requests, resource and scope
//!   entries, metrics and their data, the items), runs the callback on each
//!   list and computes, bottom-up, the new length of every message on a
//!   path to a changed list. The second writes the new encoding into a
//!   buffer of exactly that size: bytes outside the changed messages are
//!   copied verbatim (adjacent ranges in one copy), the changed messages get
//!   their new length prefixes (minimal varints, as prost writes them).
//! - **the decoded meaning is kept.** Decoding the result gives what
//!   decoding the request and editing the decoded lists the same way gives:
//!   a list is the concatenation of all its fields, wherever they are in
//!   the message (prost appends repeated fields); a `KeyValue`'s key is its
//!   last `key` field and its value the merge of its `value` fields (prost's
//!   singular-field semantics); unchanged entries keep their bytes, unknown
//!   fields included (prost would drop those); a changed entry is written
//!   as prost writes the decoded `KeyValue`. An absent resource is offered
//!   as an empty list and stays absent if it is left empty (as
//!   [`Payload::for_each_resource_mut`](crate::Payload::for_each_resource_mut)
//!   does). A resource entry with its `resource` field twice (prost merges
//!   the two) is not edited: [`EditError::Unsupported`], and the caller
//!   decodes.
//! - **valid in, valid out, never a panic.** The input must be an encoding
//!   the validating walk accepts (every encoded payload is one); the walk
//!   here re-checks what it reads (wire types, lengths, UTF-8 of keys,
//!   prost's recursion limit for skipped groups) and refuses what it cannot
//!   read with [`EditError::Malformed`], so a caller that gets an error falls
//!   back to decoding and reports what the decoder reports. Values written
//!   by the callback are checked to decode ([`Literal`]).

use std::cell::Cell;
use std::fmt;

use super::{
    E_KEY, E_RECURSION, E_TAG, E_UNDERFLOW, E_UTF8, E_WIRE_TYPE, END_GROUP, FIXED32, FIXED64, Fail, LEN,
    RECURSION_LIMIT, START_GROUP, VARINT, WireError, skip, varint,
};

/// Which attribute lists an edit visits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every item's own attributes: spans' (not their events' or links'),
    /// log records', and every data point's of every metric type (number,
    /// histogram, exponential histogram, summary; not exemplars').
    Items,
    /// Every resource's attributes. An absent resource is offered as an
    /// empty list and stays absent if the callback leaves it empty.
    Resources,
}

/// Why an encoded request was not edited; the request is left as it was,
/// and the caller edits the decoded request instead.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The bytes do not decode (the decoder reports why, in its words).
    #[error(transparent)]
    Malformed(#[from] WireError),
    /// The encoding is valid but has a shape the encoded edit does not
    /// reproduce exactly (a resource entry with two `resource` fields).
    #[error("not edited encoded: {0}")]
    Unsupported(&'static str),
}

/// Why the walk stopped.
enum Stop {
    Wire(Fail),
    Unsupported(&'static str),
}

impl From<Fail> for Stop {
    fn from(f: Fail) -> Self {
        Stop::Wire(f)
    }
}

impl From<Stop> for EditError {
    fn from(s: Stop) -> Self {
        match s {
            Stop::Wire(f) => EditError::Malformed(*f.0),
            Stop::Unsupported(why) => EditError::Unsupported(why),
        }
    }
}

/// Edits the attribute lists `target` names in an `ExportTraceServiceRequest`
/// encoding: `Ok(None)` when `f` changed nothing (use the input as it is),
/// `Ok(Some(bytes))` the new encoding.
pub fn edit_traces(
    buf: &[u8],
    target: Target,
    f: impl FnMut(&mut AttrList<'_>),
) -> Result<Option<Vec<u8>>, EditError> {
    edit(&TRACES, buf, target, f)
}

/// [`edit_traces`] for an `ExportMetricsServiceRequest`.
pub fn edit_metrics(
    buf: &[u8],
    target: Target,
    f: impl FnMut(&mut AttrList<'_>),
) -> Result<Option<Vec<u8>>, EditError> {
    edit(&METRICS, buf, target, f)
}

/// [`edit_traces`] for an `ExportLogsServiceRequest`.
pub fn edit_logs(
    buf: &[u8],
    target: Target,
    f: impl FnMut(&mut AttrList<'_>),
) -> Result<Option<Vec<u8>>, EditError> {
    edit(&LOGS, buf, target, f)
}

/// Edits the spans of an `ExportTraceServiceRequest` encoding: [`edit_traces`]
/// with [`Target::Items`], where each span's list also reads and replaces
/// the span's `name` ([`AttrList::name`], [`AttrList::set_name`]). A new
/// name replaces the span's last `name` field in place (earlier ones, which
/// prost overwrites, stay as they are), or, without one, is written before
/// the first field with a higher tag; the span's other fields keep their
/// bytes and order.
pub fn edit_spans(buf: &[u8], f: impl FnMut(&mut AttrList<'_>)) -> Result<Option<Vec<u8>>, EditError> {
    edit_with(&TRACES, buf, Target::Items, Some(SPAN_NAME), f)
}

// ---- the paths --------------------------------------------------------------

/// A message on the way to attribute lists: the fields to follow.
struct Level {
    children: &'static [(u32, Step)],
    /// A `Resource*` entry: field 1 is its `Resource` (attributes: field 1).
    resource: bool,
}

#[derive(Clone, Copy)]
enum Step {
    /// A message to walk into.
    Level(&'static Level),
    /// An item (span, log record, data point); its attributes field.
    Item(u32),
}

impl Level {
    fn child(&self, tag: u32) -> Option<Step> {
        self.children.iter().find(|c| c.0 == tag).map(|c| c.1)
    }
}

static TRACES: Level = Level {
    children: &[(1, Step::Level(&RESOURCE_SPANS))],
    resource: false,
};
static RESOURCE_SPANS: Level = Level {
    children: &[(2, Step::Level(&SCOPE_SPANS))],
    resource: true,
};
static SCOPE_SPANS: Level = Level {
    children: &[(2, Step::Item(9))],
    resource: false,
};
static LOGS: Level = Level {
    children: &[(1, Step::Level(&RESOURCE_LOGS))],
    resource: false,
};
static RESOURCE_LOGS: Level = Level {
    children: &[(2, Step::Level(&SCOPE_LOGS))],
    resource: true,
};
static SCOPE_LOGS: Level = Level {
    children: &[(2, Step::Item(6))],
    resource: false,
};
static METRICS: Level = Level {
    children: &[(1, Step::Level(&RESOURCE_METRICS))],
    resource: false,
};
static RESOURCE_METRICS: Level = Level {
    children: &[(2, Step::Level(&SCOPE_METRICS))],
    resource: true,
};
static SCOPE_METRICS: Level = Level {
    children: &[(2, Step::Level(&METRIC))],
    resource: false,
};
/// `Metric.data`: gauge 5, sum 7, histogram 9, exponential histogram 10,
/// summary 11. Every data point is edited in every occurrence of the oneof,
/// so prost's merge (same variant) or replacement (another one) of repeated
/// occurrences decodes to the same edited points.
static METRIC: Level = Level {
    children: &[
        (5, Step::Level(&NUMBER_POINTS)),
        (7, Step::Level(&NUMBER_POINTS)),
        (9, Step::Level(&HISTOGRAM_POINTS)),
        (10, Step::Level(&EXP_HISTOGRAM_POINTS)),
        (11, Step::Level(&SUMMARY_POINTS)),
    ],
    resource: false,
};
/// `Gauge` and `Sum`: `data_points` 1, `NumberDataPoint.attributes` 7.
static NUMBER_POINTS: Level = Level {
    children: &[(1, Step::Item(7))],
    resource: false,
};
/// `HistogramDataPoint.attributes` is 9.
static HISTOGRAM_POINTS: Level = Level {
    children: &[(1, Step::Item(9))],
    resource: false,
};
/// `ExponentialHistogramDataPoint.attributes` is 1.
static EXP_HISTOGRAM_POINTS: Level = Level {
    children: &[(1, Step::Item(1))],
    resource: false,
};
/// `SummaryDataPoint.attributes` is 7.
static SUMMARY_POINTS: Level = Level {
    children: &[(1, Step::Item(7))],
    resource: false,
};

/// `Resource.attributes`.
const RESOURCE_ATTRIBUTES: u32 = 1;
/// `Span.name`.
const SPAN_NAME: u32 = 5;

// ---- wire helpers -----------------------------------------------------------

/// Inputs and arenas are addressed with 31 bits (the top bit of a length
/// tells the arena from the input): a request over 2 GiB is not edited.
const MAX_LEN: usize = (1 << 31) - 1;
const IN_ARENA: u32 = 1 << 31;

/// One field of a message in the buffer: tag and wire type, where it
/// starts, where its value starts (after the length prefix, for
/// length-delimited fields; after the key for others) and ends.
#[derive(Clone, Copy)]
struct Field {
    tag: u32,
    wire_type: u8,
    start: usize,
    head: usize,
    value: usize,
    end: usize,
}

/// A varint at `pos` (before `end`): its value and where it ends.
#[inline(always)]
fn varint_at(buf: &[u8], pos: usize, end: usize) -> Result<(u64, usize), Fail> {
    if pos < end
        && let Some(&b) = buf.get(pos)
        && b < 0x80
    {
        return Ok((u64::from(b), pos + 1));
    }
    let Some(mut rest) = buf.get(pos..end) else {
        return Err(WireError::fail(E_UNDERFLOW));
    };
    let v = varint(&mut rest)?;
    Ok((v, end - rest.len()))
}

/// Reads the field at `pos` of a message ending at `end`, skipping its
/// value as prost would (groups within `depth`).
#[inline(always)]
fn next_field(buf: &[u8], pos: usize, end: usize, depth: u32) -> Result<Field, Fail> {
    let (key, head) = varint_at(buf, pos, end)?;
    let Ok(key) = u32::try_from(key) else {
        return Err(WireError::fail(E_KEY));
    };
    let wire_type = (key & 7) as u8;
    let tag = key >> 3;
    if tag == 0 {
        return Err(WireError::fail(E_TAG));
    }
    // Tested by frequency, as branches (a jump table's indirect jump
    // mispredicts on the mix of wire types in a span).
    let (value, field_end) = if wire_type == LEN {
        let (len, value) = varint_at(buf, head, end)?;
        if len > (end - value) as u64 {
            return Err(WireError::fail(E_UNDERFLOW));
        }
        (value, value + len as usize)
    } else if wire_type == FIXED64 || wire_type == FIXED32 {
        let n = if wire_type == FIXED64 { 8 } else { 4 };
        if end - head < n {
            return Err(WireError::fail(E_UNDERFLOW));
        }
        (head, head + n)
    } else if wire_type == VARINT {
        (head, varint_at(buf, head, end)?.1)
    } else if wire_type == START_GROUP || wire_type == END_GROUP {
        let Some(mut rest) = buf.get(head..end) else {
            return Err(WireError::fail(E_UNDERFLOW));
        };
        skip(wire_type, tag, &mut rest, depth)?;
        (head, end - rest.len())
    } else {
        return Err(WireError::fail(E_WIRE_TYPE));
    };
    Ok(Field {
        tag,
        wire_type,
        start: pos,
        head,
        value,
        end: field_end,
    })
}

#[inline]
fn varint_len(v: u64) -> usize {
    // 1 byte per 7 bits, at least 1.
    (64 - (v | 1).leading_zeros() as usize).div_ceil(7)
}

#[inline]
fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// The key of a length-delimited field `tag`.
#[inline]
fn len_key(tag: u32) -> u64 {
    (u64::from(tag) << 3) | u64::from(LEN)
}

#[inline]
fn expect(f: &Field, wire_type: u8) -> Result<(), Fail> {
    if f.wire_type == wire_type {
        Ok(())
    } else {
        Err(WireError::fail(E_WIRE_TYPE))
    }
}

#[inline]
fn is_utf8(b: &[u8]) -> bool {
    b.is_ascii() || std::str::from_utf8(b).is_ok()
}

/// prost's recursion budget inside an `AnyValue` written by the callback:
/// the deepest list (a data point's) puts its values 8 messages down.
const LITERAL_DEPTH: u32 = RECURSION_LIMIT - 10;

// ---- attribute lists ------------------------------------------------------

/// Where bytes are: `len`'s top bit set, in the edit's arena; else in the input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Loc {
    start: u32,
    len: u32,
}

impl Loc {
    const EMPTY: Loc = Loc {
        start: 0,
        len: IN_ARENA,
    };

    /// `a..b` of the input (both at most `MAX_LEN`, checked by the caller).
    #[inline]
    fn input(a: usize, b: usize) -> Loc {
        Loc {
            start: a as u32,
            len: (b - a) as u32 & !IN_ARENA,
        }
    }

    #[inline]
    fn len(self) -> usize {
        (self.len & !IN_ARENA) as usize
    }

    #[inline]
    fn in_arena(self) -> bool {
        self.len & IN_ARENA != 0
    }

    #[inline]
    fn range(self) -> (usize, usize) {
        let a = self.start as usize;
        (a, a + self.len())
    }
}

/// One entry of a list: unchanged (its whole field `start..end` in the
/// input, its `KeyValue` from `content`), or, once `end` is 0, written anew
/// from its key, value (an `AnyValue` encoding) and `key_strindex`.
#[derive(Clone, Copy, Debug)]
struct Entry {
    start: u32,
    content: u32,
    end: u32,
    key: Loc,
    value: Loc,
    strindex: i32,
}

impl Entry {
    #[inline]
    fn is_raw(&self) -> bool {
        self.end != 0
    }
}

/// An attribute value held by an [`AttrList`]: the encoding of an OTLP
/// `AnyValue`. Made by [`AttrList::value`], [`AttrList::literal`] or
/// [`AttrList::string`]; valid for the list that made it only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Value(Loc);

/// An `AnyValue` encoding checked once to decode (within the recursion
/// budget a value has at the deepest list), for [`AttrList::literal`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Literal(Vec<u8>);

impl Literal {
    /// Checks `any_value` (what prost's `encode_to_vec` of an `AnyValue`
    /// gives) decodes.
    pub fn new(any_value: Vec<u8>) -> Result<Literal, EditError> {
        match super::walk::<false>(&super::ANY_VALUE, &any_value, LITERAL_DEPTH) {
            Ok(_) if any_value.len() <= MAX_LEN => Ok(Literal(any_value)),
            Ok(_) => Err(EditError::Unsupported("a value over 2 GiB")),
            Err(e) => Err(EditError::Malformed(*e.0)),
        }
    }

    /// The encoding.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
}

/// A value as the `hash` action reads it: the scalar kinds, or anything
/// else (absent, bytes, array, map, string table index).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar<'a> {
    /// `string_value`.
    Str(&'a str),
    /// `bool_value`.
    Bool(bool),
    /// `int_value`.
    Int(i64),
    /// `double_value`.
    Double(f64),
    /// No value, or bytes, array, key-value list or a string table index.
    Other,
}

/// One attribute list of an encoded request, as an edit callback sees and
/// changes it, with the operations of a decoded `Vec<KeyValue>`: entries
/// in order, looked up by key (first match), set, appended, removed.
///
/// Reading a value that does not decode, or an index past the end, marks
/// the list failed; the whole edit then returns [`EditError::Malformed`]
/// and changes nothing.
pub struct AttrList<'e> {
    buf: &'e [u8],
    entries: &'e mut Vec<Entry>,
    base: usize,
    arena: &'e mut Vec<u8>,
    changed: bool,
    failed: Cell<bool>,
    /// The item's name, in an edit of names ([`edit_spans`]).
    name: Option<Loc>,
    renamed: bool,
}

impl fmt::Debug for AttrList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.key(i)))
            .finish()
    }
}

impl AttrList<'_> {
    /// Entries in the list.
    pub fn len(&self) -> usize {
        self.entries.len().saturating_sub(self.base)
    }

    /// True when the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True once the list was changed (an entry set, appended or removed).
    pub fn is_changed(&self) -> bool {
        self.changed
    }

    #[inline]
    fn index(&self, i: usize) -> Option<usize> {
        let at = self.base.checked_add(i)?;
        (at < self.entries.len()).then_some(at)
    }

    #[inline]
    fn entry(&self, i: usize) -> Option<Entry> {
        self.index(i).and_then(|at| self.entries.get(at).copied())
    }

    #[inline]
    fn bytes(&self, loc: Loc) -> &[u8] {
        let (a, b) = loc.range();
        let src: &[u8] = if loc.in_arena() { self.arena } else { self.buf };
        src.get(a..b).unwrap_or_default()
    }

    #[inline]
    fn own(&self) -> &[Entry] {
        self.entries.get(self.base..).unwrap_or_default()
    }

    fn key_bytes(&self, i: usize) -> &[u8] {
        match self.entry(i) {
            Some(e) => self.bytes(e.key),
            None => &[],
        }
    }

    /// The key of entry `i` ("" past the end).
    pub fn key(&self, i: usize) -> &str {
        // Keys were checked to be UTF-8 when read, or came from a `&str`.
        std::str::from_utf8(self.key_bytes(i)).unwrap_or_default()
    }

    /// The index of the first entry with `key`.
    #[inline]
    pub fn find(&self, key: &str) -> Option<usize> {
        let key = key.as_bytes();
        self.own().iter().position(|e| self.bytes(e.key) == key)
    }

    /// The index of the first entry with the key of entry `i`.
    pub fn first_with_key_of(&self, i: usize) -> Option<usize> {
        let e = self.entry(i)?;
        let key = self.bytes(e.key);
        self.own().iter().position(|e| self.bytes(e.key) == key)
    }

    fn fail(&self) {
        self.failed.set(true);
    }

    /// The `value` payloads of an unchanged entry's `KeyValue`, in order.
    fn raw_values(&self, e: Entry, mut each: impl FnMut(usize, usize)) {
        let (mut pos, end) = (e.content as usize, e.end as usize);
        while pos < end {
            let Ok(f) = next_field(self.buf, pos, end, LITERAL_DEPTH) else {
                return self.fail();
            };
            pos = f.end;
            if f.tag == 2 {
                if f.wire_type != LEN {
                    return self.fail();
                }
                each(f.value, f.end);
            }
        }
    }

    /// Ends a write into the arena that began at `start`.
    fn arena_loc(&self, start: usize) -> Loc {
        let end = self.arena.len();
        if end > MAX_LEN {
            self.fail();
            return Loc::EMPTY;
        }
        Loc {
            start: start as u32,
            len: (end - start) as u32 | IN_ARENA,
        }
    }

    /// The value of entry `i` (an absent value reads as an empty `AnyValue`,
    /// as in the decoded lists). A `KeyValue` with its `value` field more
    /// than once has the merge of them (the concatenation of their bytes).
    pub fn value(&mut self, i: usize) -> Value {
        let Some(e) = self.entry(i) else {
            self.fail();
            return Value(Loc::EMPTY);
        };
        if !e.is_raw() {
            return Value(e.value);
        }
        let mut first = None;
        let mut more = false;
        self.raw_values(e, |a, b| match first {
            None => first = Some((a, b)),
            Some(_) => more = true,
        });
        match first {
            None => Value(Loc::EMPTY),
            Some((a, b)) if !more => Value(Loc::input(a, b)),
            Some(_) => {
                let mut parts = Vec::new();
                self.raw_values(e, |a, b| parts.push((a, b)));
                let start = self.arena.len();
                for (a, b) in parts {
                    let bytes = self.buf.get(a..b).unwrap_or_default();
                    self.arena.extend_from_slice(bytes);
                }
                Value(self.arena_loc(start))
            }
        }
    }

    /// The value of entry `i` as a scalar (the oneof variant prost would
    /// decode: the last one written).
    pub fn scalar(&self, i: usize) -> Scalar<'_> {
        let Some(e) = self.entry(i) else {
            self.fail();
            return Scalar::Other;
        };
        let mut last = None;
        if e.is_raw() {
            self.raw_values(e, |a, b| self.last_variant(Loc::input(a, b), &mut last));
        } else {
            self.last_variant(e.value, &mut last);
        }
        let Some((tag, loc)) = last else {
            return Scalar::Other;
        };
        let mut bytes = self.bytes(loc);
        match tag {
            1 => match std::str::from_utf8(bytes) {
                Ok(s) => Scalar::Str(s),
                Err(_) => {
                    self.fail();
                    Scalar::Other
                }
            },
            2 | 3 => match varint(&mut bytes) {
                Ok(v) if tag == 2 => Scalar::Bool(v != 0),
                Ok(v) => Scalar::Int(v as i64),
                Err(_) => {
                    self.fail();
                    Scalar::Other
                }
            },
            4 => match <[u8; 8]>::try_from(bytes) {
                Ok(b) => Scalar::Double(f64::from_le_bytes(b)),
                Err(_) => {
                    self.fail();
                    Scalar::Other
                }
            },
            _ => Scalar::Other,
        }
    }

    /// Walks the fields of an `AnyValue` encoding, keeping the last oneof
    /// variant (tags 1–8): its tag and where its value is.
    fn last_variant(&self, value: Loc, last: &mut Option<(u32, Loc)>) {
        let src: &[u8] = if value.in_arena() { self.arena } else { self.buf };
        let (mut pos, end) = value.range();
        while pos < end {
            let Ok(f) = next_field(src, pos, end, LITERAL_DEPTH) else {
                return self.fail();
            };
            pos = f.end;
            let expected = match f.tag {
                1 | 5 | 6 | 7 => LEN,
                2 | 3 | 8 => VARINT,
                4 => FIXED64,
                _ => continue,
            };
            if f.wire_type != expected {
                return self.fail();
            }
            let from = if f.wire_type == LEN { f.value } else { f.head };
            let len = (f.end - from) as u32;
            let mut loc = Loc {
                start: from as u32,
                len,
            };
            if value.in_arena() {
                loc.len |= IN_ARENA;
            }
            *last = Some((f.tag, loc));
        }
    }

    /// A value from a [`Literal`] (copied into the list's arena).
    pub fn literal(&mut self, literal: &Literal) -> Value {
        let start = self.arena.len();
        self.arena.extend_from_slice(literal.as_bytes());
        Value(self.arena_loc(start))
    }

    /// A string value (`AnyValue { string_value: s }`).
    pub fn string(&mut self, s: &str) -> Value {
        let start = self.arena.len();
        self.arena.push(0x0a);
        put_varint(self.arena, s.len() as u64);
        self.arena.extend_from_slice(s.as_bytes());
        Value(self.arena_loc(start))
    }

    /// Sets the value of entry `i`, keeping its key (and `key_strindex`).
    pub fn set(&mut self, i: usize, value: Value) {
        let (Some(at), Some(e)) = (self.index(i), self.entry(i)) else {
            return self.fail();
        };
        let strindex = if e.is_raw() {
            self.raw_strindex(e)
        } else {
            e.strindex
        };
        if let Some(slot) = self.entries.get_mut(at) {
            *slot = Entry {
                start: 0,
                content: 0,
                end: 0,
                key: e.key,
                value: value.0,
                strindex,
            };
        }
        self.changed = true;
    }

    /// The `key_strindex` of an unchanged entry (prost's int32: the last
    /// one, truncated).
    fn raw_strindex(&self, e: Entry) -> i32 {
        let (mut pos, end) = (e.content as usize, e.end as usize);
        let mut strindex = 0;
        while pos < end {
            let Ok(f) = next_field(self.buf, pos, end, LITERAL_DEPTH) else {
                self.fail();
                return 0;
            };
            pos = f.end;
            if f.tag == 3 {
                match (f.wire_type, varint_at(self.buf, f.head, f.end)) {
                    (VARINT, Ok((v, _))) => strindex = v as i32,
                    _ => self.fail(),
                }
            }
        }
        strindex
    }

    /// Appends an entry `key` = `value`.
    pub fn push(&mut self, key: &str, value: Value) {
        let start = self.arena.len();
        self.arena.extend_from_slice(key.as_bytes());
        let key = self.arena_loc(start);
        self.entries.push(Entry {
            start: 0,
            content: 0,
            end: 0,
            key,
            value: value.0,
            strindex: 0,
        });
        self.changed = true;
    }

    /// The name of the item holding the list, in an edit of names
    /// ([`edit_spans`]: the span's last `name` field, or `""` without
    /// one); `None` in other edits.
    pub fn name(&self) -> Option<&str> {
        // Names were checked to be UTF-8 when read, or came from a `&str`.
        self.name
            .map(|loc| std::str::from_utf8(self.bytes(loc)).unwrap_or_default())
    }

    /// True once [`set_name`](AttrList::set_name) changed the name.
    pub fn is_renamed(&self) -> bool {
        self.renamed
    }

    /// Sets the name of the item holding the list (a span's, in
    /// [`edit_spans`]); setting the name it has changes nothing. Outside an
    /// edit of names this marks the list failed.
    pub fn set_name(&mut self, name: &str) {
        let Some(old) = self.name else {
            return self.fail();
        };
        if self.bytes(old) == name.as_bytes() {
            return;
        }
        let start = self.arena.len();
        self.arena.extend_from_slice(name.as_bytes());
        self.name = Some(self.arena_loc(start));
        self.renamed = true;
    }

    /// Removes entry `i`.
    pub fn remove(&mut self, i: usize) {
        match self.index(i) {
            Some(at) => {
                self.entries.remove(at);
                self.changed = true;
            }
            None => self.fail(),
        }
    }

    /// Keeps the entries whose key `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&str) -> bool) {
        let mut i = 0;
        while i < self.len() {
            if keep(self.key(i)) {
                i += 1;
            } else {
                self.remove(i);
            }
        }
    }
}

// ---- the edit -------------------------------------------------------------

const UNCHANGED: usize = usize::MAX;

/// What the planning pass found for one message on the paths, in the order
/// the writing pass meets them.
#[derive(Clone, Copy)]
struct Record {
    /// The new length (`UNCHANGED` when nothing in it changed).
    len: usize,
    /// The index of the record after this message's subtree.
    next: u32,
    /// A list's message: its entries to write (`entries.0..entries.1`).
    entries: (u32, u32),
    /// A list's message whose list was one run of fields
    /// (`contiguous`): the bytes up to `prefix_end` (its other fields
    /// before the list, and the list's first entries, unchanged) are copied
    /// as they are, then the entries, then the bytes from `suffix_start`
    /// (the list's last entries, unchanged, and the fields after it).
    prefix_end: u32,
    suffix_start: u32,
    contiguous: bool,
    /// A resource to add (the entry had none).
    synth: bool,
    /// A new name: the field `name_at..name_end` it replaces (empty: where
    /// it is inserted) and the name.
    rename: Option<(u32, u32, Loc)>,
}

impl Record {
    fn unchanged(next: usize) -> Record {
        Record {
            len: UNCHANGED,
            next: next as u32,
            entries: (0, 0),
            prefix_end: 0,
            suffix_start: 0,
            contiguous: false,
            synth: false,
            rename: None,
        }
    }
}

/// What to do with a field of a level.
#[derive(Clone, Copy)]
enum Visit {
    Descend(&'static Level),
    /// A message holding a list in field `attr`; `slot` is the record of a
    /// resource (made when its entry was entered).
    Host {
        attr: u32,
        slot: Option<usize>,
    },
}

struct Editor<'b, F> {
    buf: &'b [u8],
    target: Target,
    /// The items' name field, in an edit of names.
    name_tag: Option<u32>,
    f: F,
    records: Vec<Record>,
    entries: Vec<Entry>,
    arena: Vec<u8>,
    cursor: usize,
}

fn edit<F: FnMut(&mut AttrList<'_>)>(
    level: &'static Level,
    buf: &[u8],
    target: Target,
    f: F,
) -> Result<Option<Vec<u8>>, EditError> {
    edit_with(level, buf, target, None, f)
}

fn edit_with<F: FnMut(&mut AttrList<'_>)>(
    level: &'static Level,
    buf: &[u8],
    target: Target,
    name_tag: Option<u32>,
    f: F,
) -> Result<Option<Vec<u8>>, EditError> {
    if buf.len() > MAX_LEN {
        return Err(EditError::Unsupported("a request over 2 GiB"));
    }
    let mut ed = Editor {
        buf,
        target,
        name_tag,
        f,
        records: Vec::with_capacity(buf.len() / 256 + 8),
        entries: Vec::with_capacity(buf.len() / 256 + 8),
        arena: Vec::with_capacity(buf.len() / 64 + 64),
        cursor: 0,
    };
    let total = ed.plan_level(level, 0, buf.len(), RECURSION_LIMIT)?;
    if total == UNCHANGED {
        return Ok(None);
    }
    if ed.arena.len() > MAX_LEN || ed.records.len() > MAX_LEN || ed.entries.len() > MAX_LEN {
        return Err(EditError::Unsupported("an edit over 2 GiB"));
    }
    let mut w = Writer {
        buf,
        out: Vec::with_capacity(total),
        from: 0,
        to: 0,
    };
    ed.write_level(&mut w, level, 0, buf.len(), RECURSION_LIMIT)?;
    w.flush();
    if w.out.len() != total {
        return Err(EditError::Unsupported(
            "internal error: planned and written sizes differ",
        ));
    }
    Ok(Some(w.out))
}

impl<F: FnMut(&mut AttrList<'_>)> Editor<'_, F> {
    #[inline]
    fn visit(&self, level: &'static Level, tag: u32, res_slot: Option<usize>) -> Option<Visit> {
        if res_slot.is_some() {
            return (tag == 1).then_some(Visit::Host {
                attr: RESOURCE_ATTRIBUTES,
                slot: res_slot,
            });
        }
        match level.child(tag)? {
            Step::Level(l) => Some(Visit::Descend(l)),
            Step::Item(attr) => (self.target == Target::Items).then_some(Visit::Host { attr, slot: None }),
        }
    }

    #[inline]
    fn record(&self, i: usize) -> Record {
        self.records.get(i).copied().unwrap_or(Record::unchanged(i + 1))
    }

    #[inline]
    fn set_record(&mut self, i: usize, r: Record) {
        if let Some(slot) = self.records.get_mut(i) {
            *slot = r;
        }
    }

    /// Pass 1 over a message of `level` at `start..end`: its new length, or
    /// `UNCHANGED`.
    fn plan_level(
        &mut self,
        level: &'static Level,
        start: usize,
        end: usize,
        depth: u32,
    ) -> Result<usize, Stop> {
        let me = self.records.len();
        let (e0, a0) = (self.entries.len(), self.arena.len());
        self.records.push(Record::unchanged(me + 1));
        let res_slot = (level.resource && self.target == Target::Resources).then(|| {
            self.records.push(Record::unchanged(me + 2));
            me + 1
        });
        let mut res_seen = false;
        let (mut grow, mut shrink, mut changed) = (0usize, 0usize, false);
        let mut pos = start;
        while pos < end {
            let f = next_field(self.buf, pos, end, depth)?;
            pos = f.end;
            let Some(visit) = self.visit(level, f.tag, res_slot) else {
                continue;
            };
            expect(&f, LEN)?;
            if depth == 0 {
                return Err(WireError::fail(E_RECURSION).into());
            }
            let new = match visit {
                Visit::Descend(child) => self.plan_level(child, f.value, f.end, depth - 1)?,
                Visit::Host { attr, slot } => {
                    if slot.is_some() {
                        if res_seen {
                            return Err(Stop::Unsupported(UNSUPPORTED_RESOURCES));
                        }
                        res_seen = true;
                    }
                    self.plan_host(attr, f.value, f.end, depth - 1, slot)?
                }
            };
            if new != UNCHANGED {
                changed = true;
                shrink += f.end - f.start;
                grow += (f.head - f.start) + varint_len(new as u64) + new;
            }
        }
        if let Some(slot) = res_slot
            && !res_seen
        {
            // An absent resource: offered empty, added only if not left empty.
            let new = self.plan_host(RESOURCE_ATTRIBUTES, end, end, depth, Some(slot))?;
            if new != UNCHANGED && new > 0 {
                let mut r = self.record(slot);
                r.synth = true;
                self.set_record(slot, r);
                changed = true;
                grow += 1 + varint_len(new as u64) + new;
            } else {
                self.set_record(slot, Record::unchanged(slot + 1));
            }
        }
        if !changed {
            self.records.truncate(me + 1);
            self.entries.truncate(e0);
            self.arena.truncate(a0);
            self.set_record(me, Record::unchanged(me + 1));
            return Ok(UNCHANGED);
        }
        let mut r = Record::unchanged(self.records.len());
        r.len = (end - start) + grow - shrink;
        self.set_record(me, r);
        Ok(r.len)
    }

    /// Pass 1 over a message holding a list in field `attr`: reads the
    /// list, runs the callback, and returns the message's new length (or
    /// `UNCHANGED`).
    fn plan_host(
        &mut self,
        attr: u32,
        start: usize,
        end: usize,
        depth: u32,
        slot: Option<usize>,
    ) -> Result<usize, Stop> {
        let idx = match slot {
            Some(s) => s,
            None => {
                self.records.push(Record::unchanged(self.records.len() + 1));
                self.records.len() - 1
            }
        };
        let (e0, a0) = (self.entries.len(), self.arena.len());
        // The list's fields: their bytes, where the first starts and the
        // last ends; without any, where the list goes (before the first
        // field with a higher tag, as prost orders them).
        let (mut list_bytes, mut first, mut last, mut at) = (0usize, usize::MAX, 0usize, end);
        // In an edit of names, an item's: its last name field, or where
        // one goes (before the first field with a higher tag).
        let name_tag = self.name_tag.filter(|_| slot.is_none());
        let (mut name_field, mut name_at) = (None, end);
        let mut pos = start;
        while pos < end {
            let f = next_field(self.buf, pos, end, depth)?;
            pos = f.end;
            if let Some(nt) = name_tag {
                if f.tag == nt {
                    expect(&f, LEN)?;
                    if !is_utf8(self.buf.get(f.value..f.end).unwrap_or_default()) {
                        return Err(WireError::fail(E_UTF8).into());
                    }
                    name_field = Some(f);
                    continue;
                }
                if f.tag > nt && name_at == end {
                    name_at = f.start;
                }
            }
            if f.tag != attr {
                if f.tag > attr && at == end {
                    at = f.start;
                }
                continue;
            }
            expect(&f, LEN)?;
            if depth == 0 {
                return Err(WireError::fail(E_RECURSION).into());
            }
            let key = kv_key(self.buf, f.value, f.end, depth - 1)?;
            self.entries.push(Entry {
                start: f.start as u32,
                content: f.value as u32,
                end: f.end as u32,
                key,
                value: Loc::EMPTY,
                strindex: 0,
            });
            if first == usize::MAX {
                first = f.start;
            }
            last = f.end;
            list_bytes += f.end - f.start;
        }
        let (list_at, list_end) = if first == usize::MAX {
            (at, at)
        } else {
            (first, last)
        };
        let contiguous = list_bytes == list_end - list_at;
        let name = name_tag.map(|_| match name_field {
            Some(f) => Loc::input(f.value, f.end),
            None => Loc::input(end, end),
        });
        let (changed, failed, new_name) = {
            let mut list = AttrList {
                buf: self.buf,
                entries: &mut self.entries,
                base: e0,
                arena: &mut self.arena,
                changed: false,
                failed: Cell::new(false),
                name,
                renamed: false,
            };
            (self.f)(&mut list);
            let new_name = list.name.filter(|_| list.renamed);
            (list.changed, list.failed.get(), new_name)
        };
        if failed {
            return Err(WireError::fail(E_LIST).into());
        }
        if !changed && new_name.is_none() {
            self.entries.truncate(e0);
            self.arena.truncate(a0);
            self.set_record(idx, Record::unchanged(idx + 1));
            return Ok(UNCHANGED);
        }
        // With the list in one run: its unchanged first and last entries
        // stay in the runs of bytes copied as they are.
        let (mut prefix_end, mut suffix_start) = (list_at, list_end);
        if contiguous {
            let own = self.entries.get(e0..).unwrap_or_default();
            let k = own
                .iter()
                .take_while(|e| {
                    let next = e.is_raw() && e.start as usize == prefix_end;
                    if next {
                        prefix_end = e.end as usize;
                    }
                    next
                })
                .count();
            let rest = own.get(k..).unwrap_or_default();
            let j = rest
                .iter()
                .rev()
                .take_while(|e| {
                    let next = e.is_raw() && e.end as usize == suffix_start;
                    if next {
                        suffix_start = e.start as usize;
                    }
                    next
                })
                .count();
            let n = self.entries.len();
            self.entries.truncate(n - j);
            self.entries.drain(e0..e0 + k);
        }
        let middle: usize = self
            .entries
            .get(e0..)
            .unwrap_or_default()
            .iter()
            .map(|e| self.entry_size(attr, e))
            .sum();
        let mut len =
            (end - start) - list_bytes + (prefix_end - list_at) + middle + (list_end - suffix_start);
        let rename = new_name.map(|loc| {
            let (at, to) = name_field.map_or((name_at, name_at), |f| (f.start, f.end));
            len = len - (to - at) + Self::name_size(loc);
            (at as u32, to as u32, loc)
        });
        self.set_record(
            idx,
            Record {
                len,
                next: (idx + 1) as u32,
                entries: (e0 as u32, self.entries.len() as u32),
                prefix_end: prefix_end as u32,
                suffix_start: suffix_start as u32,
                contiguous,
                synth: false,
                rename,
            },
        );
        Ok(len)
    }

    /// The size of a `name` field holding `name`.
    #[inline]
    fn name_size(name: Loc) -> usize {
        let n = name.len();
        varint_len(len_key(SPAN_NAME)) + varint_len(n as u64) + n
    }

    fn write_name(&self, w: &mut Writer<'_>, name: Loc) {
        let bytes = self.loc_bytes(name);
        w.varint(len_key(SPAN_NAME));
        w.varint(bytes.len() as u64);
        w.emit(bytes);
    }

    /// The `KeyValue` body of a changed entry, as prost writes it: key (if
    /// not empty), value (always: it is set), `key_strindex` (if not 0).
    #[inline]
    fn body_len(e: &Entry) -> usize {
        let k = e.key.len();
        let v = e.value.len();
        let key = if k > 0 { 1 + varint_len(k as u64) + k } else { 0 };
        let strindex = if e.strindex != 0 {
            1 + varint_len(i64::from(e.strindex) as u64)
        } else {
            0
        };
        key + 1 + varint_len(v as u64) + v + strindex
    }

    #[inline]
    fn entry_size(&self, attr: u32, e: &Entry) -> usize {
        if e.is_raw() {
            (e.end - e.start) as usize
        } else {
            let body = Self::body_len(e);
            varint_len(len_key(attr)) + varint_len(body as u64) + body
        }
    }

    /// Pass 2 over a changed message of `level`.
    fn write_level(
        &mut self,
        w: &mut Writer<'_>,
        level: &'static Level,
        start: usize,
        end: usize,
        depth: u32,
    ) -> Result<(), Stop> {
        self.cursor += 1;
        let res_slot = (level.resource && self.target == Target::Resources).then(|| {
            self.cursor += 1;
            self.cursor - 1
        });
        if let Some(slot) = res_slot {
            let r = self.record(slot);
            if r.synth {
                w.varint(len_key(1));
                w.varint(r.len as u64);
                self.write_entries(w, RESOURCE_ATTRIBUTES, r);
            }
        }
        let mut pos = start;
        while pos < end {
            let f = next_field(self.buf, pos, end, depth)?;
            pos = f.end;
            let Some(visit) = self.visit(level, f.tag, res_slot) else {
                w.copy(f.start, f.end);
                continue;
            };
            let idx = match visit {
                Visit::Host { slot: Some(s), .. } => s,
                _ => self.cursor,
            };
            let r = self.record(idx);
            if r.len == UNCHANGED {
                w.copy(f.start, f.end);
                if !matches!(visit, Visit::Host { slot: Some(_), .. }) {
                    self.cursor = r.next as usize;
                }
                continue;
            }
            w.copy(f.start, f.head);
            w.varint(r.len as u64);
            match visit {
                Visit::Descend(child) => {
                    self.write_level(w, child, f.value, f.end, depth.saturating_sub(1))?
                }
                Visit::Host { attr, slot } => {
                    if slot.is_none() {
                        self.cursor = r.next as usize;
                    }
                    self.write_host(w, attr, r, f.value, f.end, depth.saturating_sub(1))?;
                }
            }
        }
        Ok(())
    }

    /// Pass 2 over a changed list's message: its other fields as they
    /// are, the list where its first entry was (or, if it had none, before
    /// the first field with a higher tag, or at the end).
    fn write_host(
        &self,
        w: &mut Writer<'_>,
        attr: u32,
        r: Record,
        start: usize,
        end: usize,
        depth: u32,
    ) -> Result<(), Stop> {
        if r.contiguous {
            let (prefix_end, suffix_start) = (r.prefix_end as usize, r.suffix_start as usize);
            match r.rename {
                // The name field (or where it goes) is outside the list's
                // run: before what is copied up to `prefix_end`, or after
                // `suffix_start`.
                Some((at, to, name)) if to as usize <= prefix_end => {
                    w.copy(start, at as usize);
                    self.write_name(w, name);
                    w.copy(to as usize, prefix_end);
                    self.write_entries(w, attr, r);
                    w.copy(suffix_start, end);
                }
                Some((at, to, name)) => {
                    w.copy(start, prefix_end);
                    self.write_entries(w, attr, r);
                    w.copy(suffix_start, at as usize);
                    self.write_name(w, name);
                    w.copy(to as usize, end);
                }
                None => {
                    w.copy(start, prefix_end);
                    self.write_entries(w, attr, r);
                    w.copy(suffix_start, end);
                }
            }
            return Ok(());
        }
        let mut done = false;
        let mut pos = start;
        while pos < end {
            let f = next_field(self.buf, pos, end, depth)?;
            pos = f.end;
            if let Some((at, to, name)) = r.rename
                && at as usize == f.start
            {
                self.write_name(w, name);
                if to as usize == f.end {
                    // The replaced name field.
                    continue;
                }
            }
            if f.tag == attr {
                if !done {
                    self.write_entries(w, attr, r);
                    done = true;
                }
                continue;
            }
            w.copy(f.start, f.end);
        }
        if let Some((at, _, name)) = r.rename
            && at as usize == end
        {
            self.write_name(w, name);
        }
        Ok(())
    }

    fn write_entries(&self, w: &mut Writer<'_>, attr: u32, r: Record) {
        let entries = self
            .entries
            .get(r.entries.0 as usize..r.entries.1 as usize)
            .unwrap_or_default();
        for e in entries {
            if e.is_raw() {
                w.copy(e.start as usize, e.end as usize);
                continue;
            }
            w.varint(len_key(attr));
            w.varint(Self::body_len(e) as u64);
            let key = self.loc_bytes(e.key);
            if !key.is_empty() {
                w.varint(len_key(1));
                w.varint(key.len() as u64);
                w.emit(key);
            }
            let value = self.loc_bytes(e.value);
            w.varint(len_key(2));
            w.varint(value.len() as u64);
            w.emit(value);
            if e.strindex != 0 {
                w.varint(3 << 3);
                w.varint(i64::from(e.strindex) as u64);
            }
        }
    }

    fn loc_bytes(&self, loc: Loc) -> &[u8] {
        let (a, b) = loc.range();
        let src: &[u8] = if loc.in_arena() { &self.arena } else { self.buf };
        src.get(a..b).unwrap_or_default()
    }
}

const E_LIST: &str = "invalid attribute value";
const UNSUPPORTED_RESOURCES: &str = "a resource entry with two resource fields";

/// The key of a `KeyValue` at `start..end` (its last `key` field, as prost
/// reads it), checked to be UTF-8.
#[inline]
fn kv_key(buf: &[u8], start: usize, end: usize, depth: u32) -> Result<Loc, Fail> {
    // What encoders write: the key, then the value, each with a one-byte
    // length, and nothing else.
    if let Some(&[0x0a, k]) = buf.get(start..start + 2)
        && k < 0x80
    {
        let key_end = start + 2 + usize::from(k);
        let whole = match buf.get(key_end..key_end + 2) {
            _ if key_end == end => true,
            Some(&[0x12, v]) => v < 0x80 && key_end + 2 + usize::from(v) == end,
            _ => false,
        };
        if whole {
            return match buf.get(start + 2..key_end) {
                Some(key) if is_utf8(key) => Ok(Loc::input(start + 2, key_end)),
                _ => Err(WireError::fail(E_UTF8)),
            };
        }
    }
    let mut key = Loc::input(start, start);
    let mut pos = start;
    while pos < end {
        let f = next_field(buf, pos, end, depth)?;
        pos = f.end;
        match f.tag {
            1 => {
                expect(&f, LEN)?;
                if !is_utf8(buf.get(f.value..f.end).unwrap_or_default()) {
                    return Err(WireError::fail(E_UTF8));
                }
                key = Loc::input(f.value, f.end);
            }
            2 => expect(&f, LEN)?,
            3 => expect(&f, VARINT)?,
            _ => {}
        }
    }
    Ok(key)
}

/// The output, with pending input ranges merged into one copy while they
/// are adjacent.
struct Writer<'b> {
    buf: &'b [u8],
    out: Vec<u8>,
    from: usize,
    to: usize,
}

impl Writer<'_> {
    #[inline]
    fn copy(&mut self, a: usize, b: usize) {
        if a != self.to {
            self.flush();
            self.from = a;
        }
        self.to = b;
    }

    #[inline]
    fn flush(&mut self) {
        if self.from < self.to {
            let bytes = self.buf.get(self.from..self.to).unwrap_or_default();
            self.out.extend_from_slice(bytes);
        }
        self.from = self.to;
    }

    #[inline]
    fn emit(&mut self, bytes: &[u8]) {
        self.flush();
        self.out.extend_from_slice(bytes);
    }

    #[inline]
    fn varint(&mut self, v: u64) {
        self.flush();
        put_varint(&mut self.out, v);
    }
}

#[cfg(test)]
mod tests;
