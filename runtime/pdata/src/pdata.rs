//! Signal payloads: [`Traces`], [`Metrics`] and [`Logs`].
//!
//! Each wraps the OTLP export request from `opentelemetry-proto` behind a
//! shared, copy-on-write handle: cloning a payload is an `Arc` increment, and
//! the first [`request_mut`](Traces::request_mut) on a shared payload makes a
//! private deep copy. Fan-out therefore shares read-only data between
//! consumers and copies only for consumers that actually write.
//!
//! A payload made with [`Payload::from_encoded`] keeps the protobuf bytes it
//! was received as: the bytes are validated and their items counted without
//! allocating, and they are decoded only when something reads the request.
//! Batching concatenates encodings (a request's repeated top-level field
//! concatenates), and exporters send the bytes as they are, so a pipeline
//! whose processors read nothing never decodes.

use std::fmt;
use std::sync::{Arc, OnceLock};

use bytes::{BufMut, Bytes};

use prost::Message;

use crate::context::RequestContext;
use crate::id::Signal;
use crate::proto::collector::logs::v1::ExportLogsServiceRequest;
use crate::proto::collector::metrics::v1::ExportMetricsServiceRequest;
use crate::proto::collector::trace::v1::ExportTraceServiceRequest;
use crate::proto::common::v1::{InstrumentationScope, KeyValue};
use crate::proto::logs::v1::{LogRecord, ResourceLogs, ScopeLogs};
use crate::proto::metrics::v1::{Metric, ResourceMetrics, ScopeMetrics, metric::Data};
use crate::proto::resource::v1::Resource;
use crate::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use crate::signal::{JsonError, PartialSuccess};
use crate::visit::{AttributesOf, ItemMut, ResourceRef, ScopeRef, Visitor};
use crate::wire::{Estimate, WireError};

/// Behaviour shared by the three signal payloads; the runtime is generic over it.
pub trait Payload: Clone + Default + fmt::Debug + Send + Sync + 'static {
    /// The OTLP export request this payload wraps.
    type Request: Message + Default + Clone + PartialEq + Send + Sync + 'static;

    /// The OTLP export response answering [`Request`](Payload::Request).
    type Response: Message + Default + Clone + PartialEq + Send + Sync + 'static;

    /// The signal this payload carries.
    const SIGNAL: Signal;
    /// The OTLP gRPC service (`opentelemetry.proto.collector.trace.v1.TraceService`).
    const GRPC_SERVICE: &'static str;
    /// The gRPC path of the service's `Export` method.
    const GRPC_PATH: &'static str;
    /// The default OTLP/HTTP path (`/v1/traces`).
    const HTTP_PATH: &'static str;

    /// An export response; `partial` sets its `partial_success`.
    fn response(partial: Option<PartialSuccess>) -> Self::Response;
    /// The `partial_success` of a response, if it has one.
    fn partial_success(resp: &Self::Response) -> Option<PartialSuccess>;
    /// The OTLP/JSON encoding of the request.
    fn to_json(&self) -> Vec<u8>;
    /// Decodes an OTLP/JSON request.
    fn from_json(bytes: &[u8]) -> Result<Self, JsonError>;
    /// The OTLP/JSON encoding of a response.
    fn response_to_json(resp: &Self::Response) -> Vec<u8>;
    /// Decodes an OTLP/JSON response.
    fn response_from_json(bytes: &[u8]) -> Result<Self::Response, JsonError>;

    /// Wraps a request.
    fn from_request(req: Self::Request) -> Self;
    /// Borrows the request (decoding it first if the payload is still encoded).
    fn request(&self) -> &Self::Request;
    /// Borrows the request mutably, copying it first if it is shared.
    fn request_mut(&mut self) -> &mut Self::Request;
    /// Takes the request out, copying it only if it is shared.
    fn into_request(self) -> Self::Request;
    /// The context of the request that produced this payload.
    fn context(&self) -> &RequestContext;
    /// Replaces the request context.
    fn set_context(&mut self, ctx: RequestContext);
    /// Items carried: spans, metric data points or log records.
    fn item_count(&self) -> usize;
    /// Appends all of `other`'s resources to this payload (context of `self` kept).
    fn merge(&mut self, other: Self);
    /// Splits into payloads of at most `max_items` items each, keeping the
    /// resource and scope structure; `max_items == 0` means no limit.
    fn split(self, max_items: usize) -> Vec<Self>;
    /// True when both handles point at the same shared data (no copy was made).
    fn shares_data_with(&self, other: &Self) -> bool;

    /// Resource entries carried (decoding an encoded payload).
    fn resource_count(&self) -> usize;
    /// Calls `f` on every resource. An absent resource is offered as an
    /// empty one and stays absent if `f` leaves it empty.
    fn for_each_resource_mut(&mut self, f: impl FnMut(&mut Resource));
    /// Calls `f` on every instrumentation scope, with its resource. An
    /// absent scope is offered as an empty one and stays absent if `f`
    /// leaves it empty.
    fn for_each_scope_mut(&mut self, f: impl FnMut(ResourceRef<'_>, &mut InstrumentationScope));
    /// Calls `f` on every item (span, metric or log record) with its
    /// resource and scope.
    fn for_each_item_mut(&mut self, f: impl FnMut(ResourceRef<'_>, ScopeRef<'_>, ItemMut<'_>));
    /// Calls `f` on every attribute list: resources', scopes', and the
    /// items' (spans with their events and links, data points, log records).
    fn for_each_attributes_mut(&mut self, f: impl FnMut(AttributesOf, &mut Vec<KeyValue>));
    /// Keeps what `visitor` decides to keep, top-down; scopes and resources
    /// left empty by it are removed.
    fn retain(&mut self, visitor: &mut impl Visitor);

    /// True when the payload carries no items.
    fn is_empty(&self) -> bool {
        self.item_count() == 0
    }
    /// Size of the protobuf encoding in bytes.
    fn encoded_len(&self) -> usize {
        self.request().encoded_len()
    }
    /// The protobuf encoding of the request.
    fn encode_to_vec(&self) -> Vec<u8> {
        self.request().encode_to_vec()
    }
    /// The protobuf encoding of the request as shared bytes (no copy when the
    /// payload still holds the one encoding it was received as).
    fn to_bytes(&self) -> Bytes {
        Bytes::from(self.encode_to_vec())
    }
    /// Appends the protobuf encoding to `buf`, which must grow as needed
    /// (`Vec<u8>`, `BytesMut`, tonic's `EncodeBuf`).
    fn encode_into(&self, buf: &mut impl BufMut) {
        self.request().encode_raw(buf);
    }
    /// Decodes a protobuf-encoded request.
    fn decode(bytes: &[u8]) -> Result<Self, prost::DecodeError> {
        Self::Request::decode(bytes).map(Self::from_request)
    }
    /// Accepts a protobuf-encoded request without decoding it: the bytes are
    /// checked to decode (exactly what [`decode`](Payload::decode) accepts)
    /// and their items counted, and decoding waits until something reads the
    /// request. Forwarding, batching, queueing and exporting such a payload
    /// never decodes it.
    fn from_encoded(bytes: Bytes) -> Result<Self, WireError> {
        Self::Request::decode(bytes)
            .map(Self::from_request)
            .map_err(WireError::from)
    }
    /// [`from_encoded`](Payload::from_encoded), also returning what the
    /// check found: the items and the memory decoding the bytes would take
    /// (see [`estimate_traces`](crate::estimate_traces)), from the same
    /// walk. The default reports a decoded size of 0 (unknown); the OTLP
    /// payloads report the walk's estimate.
    fn from_encoded_estimated(bytes: Bytes) -> Result<(Self, Estimate), WireError> {
        let payload = Self::from_encoded(bytes)?;
        let items = payload.item_count();
        Ok((
            payload,
            Estimate {
                items,
                decoded_bytes: 0,
            },
        ))
    }
    /// Checks protobuf bytes of this signal's request without allocating:
    /// the items and the memory decoding them would take (the admission
    /// gates charge this before a receiver decodes). The default reports a
    /// decoded size of 0 (unknown); the OTLP payloads walk the wire.
    fn estimate(bytes: &[u8]) -> Result<Estimate, WireError> {
        let items = Self::decode(bytes).map_err(WireError::from)?.item_count();
        Ok(Estimate {
            items,
            decoded_bytes: 0,
        })
    }
    /// True while the payload holds protobuf bytes that nothing has decoded.
    fn is_encoded(&self) -> bool {
        false
    }
    /// The protobuf encodings the payload holds, when it holds its data as
    /// such (made by [`from_encoded`](Payload::from_encoded), merged from
    /// such payloads, and not made mutable since): each chunk is a whole
    /// request, and the payload's request is theirs concatenated. `None`
    /// for a decoded payload. Reading them decodes nothing.
    fn encoded_chunks(&self) -> Option<Vec<&[u8]>> {
        None
    }
    /// Edits attribute lists of a payload that is still
    /// [encoded](Payload::is_encoded), without decoding it: `f` gets each
    /// list `target` names as an [`AttrList`](crate::edit::AttrList), and
    /// the payload then holds a new encoding in which only the changed
    /// lists (and the lengths of the messages holding them) differ; see
    /// [`edit`](crate::edit). Decoding it gives what editing the decoded
    /// lists the same way gives. Item counts do not change.
    ///
    /// Returns false, with the payload as it was and `f` perhaps called on
    /// some lists, when the payload is not (or no longer) encoded, or when
    /// an encoding has a shape the encoded edit does not reproduce (see
    /// [`EditError`](crate::edit::EditError)); the caller then edits the
    /// decoded request. The default returns false.
    fn edit_encoded_attributes(
        &mut self,
        target: crate::edit::Target,
        f: impl FnMut(&mut crate::edit::AttrList<'_>),
    ) -> bool {
        let _ = (target, f);
        false
    }
}

/// The data of a payload: a decoded request, or validated protobuf bytes
/// decoded on first read.
enum Repr<R> {
    Decoded(Arc<R>),
    Encoded(Arc<Encoded<R>>),
}

impl<R> Clone for Repr<R> {
    fn clone(&self) -> Self {
        match self {
            Repr::Decoded(r) => Repr::Decoded(r.clone()),
            Repr::Encoded(e) => Repr::Encoded(e.clone()),
        }
    }
}

impl<R: Default> Default for Repr<R> {
    fn default() -> Self {
        Repr::Decoded(Arc::default())
    }
}

/// Encoded requests whose concatenation is one request (repeated fields of
/// concatenated messages concatenate), each with its item count.
struct Encoded<R> {
    chunks: Vec<(Bytes, usize)>,
    items: usize,
    len: usize,
    decoded: OnceLock<R>,
}

impl<R: Message + Default + Clone> Encoded<R> {
    fn new(chunks: Vec<(Bytes, usize)>) -> Self {
        Encoded {
            items: chunks.iter().map(|c| c.1).sum(),
            len: chunks.iter().map(|c| c.0.len()).sum(),
            chunks,
            decoded: OnceLock::new(),
        }
    }

    fn request(&self) -> &R {
        self.decoded.get_or_init(|| decode_chunks(&self.chunks))
    }

    fn into_request(this: Arc<Self>) -> R {
        match Arc::try_unwrap(this) {
            Ok(e) => match e.decoded.into_inner() {
                Some(r) => r,
                None => decode_chunks(&e.chunks),
            },
            // Shared: copy the decoded request if a reader made one, else
            // decode a private copy (the shared bytes stay undecoded).
            Err(shared) => match shared.decoded.get() {
                Some(r) => r.clone(),
                None => decode_chunks(&shared.chunks),
            },
        }
    }
}

/// Decodes chunks that were validated when the payload was made.
fn decode_chunks<R: Message + Default>(chunks: &[(Bytes, usize)]) -> R {
    let mut req = R::default();
    for (bytes, items) in chunks {
        if let Err(e) = req.merge(&bytes[..]) {
            // Unreachable: `from_encoded` accepted these bytes only after
            // checking that they decode.
            tracing::error!(error = %e, items, "dropping an encoded chunk that failed to decode");
        }
    }
    req
}

/// Makes the data decoded (decoding, or copying if the bytes are shared).
fn decoded_mut<R: Message + Default + Clone>(data: &mut Repr<R>) -> &mut Arc<R> {
    match data {
        Repr::Decoded(r) => r,
        Repr::Encoded(_) => {
            if let Repr::Encoded(e) = std::mem::take(data) {
                *data = Repr::Decoded(Arc::new(Encoded::into_request(e)));
            }
            decoded_mut(data)
        }
    }
}

/// Edits every chunk of an encoded payload with `edit` (see
/// [`Payload::edit_encoded_attributes`]): true when each was edited (or left
/// as it is), false, with `data` unchanged, when the payload is not encoded
/// or `edit` refuses a chunk.
fn edit_encoded_chunks<R: Message + Default + Clone>(
    data: &mut Repr<R>,
    mut edit: impl FnMut(&[u8]) -> Result<Option<Vec<u8>>, crate::edit::EditError>,
) -> bool {
    let Repr::Encoded(e) = &*data else {
        return false;
    };
    if e.decoded.get().is_some() {
        return false;
    }
    // Every chunk is edited before any is replaced: a chunk the edit
    // refuses leaves the whole payload to the decoded path (which must not
    // see half of it edited already).
    let mut chunks = Vec::with_capacity(e.chunks.len());
    let mut changed = false;
    for (bytes, items) in &e.chunks {
        match edit(bytes) {
            Ok(Some(edited)) => {
                chunks.push((Bytes::from(edited), *items));
                changed = true;
            }
            Ok(None) => chunks.push((bytes.clone(), *items)),
            Err(err) => {
                tracing::debug!(error = %err, "encoded edit refused; editing decoded");
                return false;
            }
        }
    }
    if changed {
        // Edits change no item count: the chunks keep theirs.
        *data = Repr::Encoded(Arc::new(Encoded::new(chunks)));
    }
    true
}

impl Traces {
    /// [`Payload::edit_encoded_attributes`] for every span's own attributes
    /// with its name: `f` may read and set the span's name
    /// ([`AttrList::name`](crate::edit::AttrList::name),
    /// [`set_name`](crate::edit::AttrList::set_name)); see
    /// [`edit_spans`](crate::edit::edit_spans). Decoding the result gives
    /// what editing the decoded spans the same way gives. False, with the
    /// payload as it was, when it is not (or no longer) encoded or the edit
    /// refuses its encoding; the caller then edits the decoded spans.
    pub fn edit_encoded_spans(&mut self, mut f: impl FnMut(&mut crate::edit::AttrList<'_>)) -> bool {
        edit_encoded_chunks(&mut self.data, |bytes| {
            crate::wire::edit::edit_spans(bytes, &mut f)
        })
    }
}

/// Encodes a decoded request into a chunk.
fn chunk_of<R: Message>(req: &R, items: usize) -> (Bytes, usize) {
    (Bytes::from(req.encode_to_vec()), items)
}

macro_rules! payload_type {
    ($(#[$doc:meta])* $name:ident, $req:ty, $facts:ident, $signal:expr, $field:ident, $validate:path, $estimate:path, $edit:path) => {
        $(#[$doc])*
        #[derive(Clone, Default)]
        pub struct $name {
            data: Repr<$req>,
            ctx: RequestContext,
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut d = f.debug_struct(stringify!($name));
                match &self.data {
                    Repr::Decoded(r) => d.field("resources", &r.$field.len()),
                    Repr::Encoded(e) => d.field("encoded_bytes", &e.len),
                };
                d.field("items", &self.item_count()).finish()
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.ctx == other.ctx && self.request() == other.request()
            }
        }

        impl From<$req> for $name {
            fn from(req: $req) -> Self {
                Self::from_request(req)
            }
        }

        impl $name {
            /// True when the payload holds no resources at all.
            fn has_no_resources(&self) -> bool {
                match &self.data {
                    Repr::Decoded(r) => r.$field.is_empty(),
                    Repr::Encoded(e) => e.len == 0,
                }
            }

            /// The encoded chunks, encoding a decoded request first.
            fn chunks(&self) -> Vec<(Bytes, usize)> {
                match &self.data {
                    Repr::Decoded(r) => vec![chunk_of(&**r, self.item_count())],
                    Repr::Encoded(e) => e.chunks.clone(),
                }
            }

        }

        impl Payload for $name {
            type Request = $req;
            const SIGNAL: Signal = $signal;
            crate::signal::payload_facts!($facts);

            fn resource_count(&self) -> usize {
                self.request().$field.len()
            }
            fn for_each_resource_mut(&mut self, f: impl FnMut(&mut Resource)) {
                crate::visit::resources(&mut self.request_mut().$field, f)
            }
            fn for_each_scope_mut(&mut self, f: impl FnMut(ResourceRef<'_>, &mut InstrumentationScope)) {
                crate::visit::scopes(&mut self.request_mut().$field, f)
            }
            fn for_each_item_mut(&mut self, f: impl FnMut(ResourceRef<'_>, ScopeRef<'_>, ItemMut<'_>)) {
                crate::visit::items(&mut self.request_mut().$field, f)
            }
            fn for_each_attributes_mut(&mut self, f: impl FnMut(AttributesOf, &mut Vec<KeyValue>)) {
                crate::visit::attributes(&mut self.request_mut().$field, f)
            }
            fn retain(&mut self, visitor: &mut impl Visitor) {
                crate::visit::retain(&mut self.request_mut().$field, visitor)
            }

            fn from_request(req: $req) -> Self {
                $name { data: Repr::Decoded(Arc::new(req)), ctx: RequestContext::default() }
            }
            fn from_encoded(bytes: Bytes) -> Result<Self, WireError> {
                let items = $validate(&bytes)?;
                Ok($name {
                    data: Repr::Encoded(Arc::new(Encoded::new(vec![(bytes, items)]))),
                    ctx: RequestContext::default(),
                })
            }
            fn estimate(bytes: &[u8]) -> Result<Estimate, WireError> {
                $estimate(bytes)
            }

            fn from_encoded_estimated(bytes: Bytes) -> Result<(Self, Estimate), WireError> {
                let estimate = $estimate(&bytes)?;
                let payload = $name {
                    data: Repr::Encoded(Arc::new(Encoded::new(vec![(bytes, estimate.items)]))),
                    ctx: RequestContext::default(),
                };
                Ok((payload, estimate))
            }
            fn is_encoded(&self) -> bool {
                matches!(&self.data, Repr::Encoded(e) if e.decoded.get().is_none())
            }
            fn encoded_chunks(&self) -> Option<Vec<&[u8]>> {
                match &self.data {
                    Repr::Encoded(e) => Some(e.chunks.iter().map(|(bytes, _)| &bytes[..]).collect()),
                    Repr::Decoded(_) => None,
                }
            }
            fn edit_encoded_attributes(
                &mut self,
                target: crate::edit::Target,
                mut f: impl FnMut(&mut crate::edit::AttrList<'_>),
            ) -> bool {
                edit_encoded_chunks(&mut self.data, |bytes| $edit(bytes, target, &mut f))
            }
            fn request(&self) -> &$req {
                match &self.data {
                    Repr::Decoded(r) => r,
                    Repr::Encoded(e) => e.request(),
                }
            }
            fn request_mut(&mut self) -> &mut $req {
                Arc::make_mut(decoded_mut(&mut self.data))
            }
            fn into_request(self) -> $req {
                match self.data {
                    Repr::Decoded(r) => Arc::unwrap_or_clone(r),
                    Repr::Encoded(e) => Encoded::into_request(e),
                }
            }
            fn context(&self) -> &RequestContext {
                &self.ctx
            }
            fn set_context(&mut self, ctx: RequestContext) {
                self.ctx = ctx;
            }
            fn item_count(&self) -> usize {
                match &self.data {
                    Repr::Decoded(r) => count_items(&**r),
                    Repr::Encoded(e) => e.items,
                }
            }
            fn merge(&mut self, other: Self) {
                if other.has_no_resources() {
                    return;
                }
                if self.has_no_resources() {
                    self.data = other.data;
                    return;
                }
                match (&mut self.data, other.data) {
                    (Repr::Decoded(mine), Repr::Decoded(theirs)) => {
                        let mut theirs = Arc::unwrap_or_clone(theirs).$field;
                        Arc::make_mut(mine).$field.append(&mut theirs);
                    }
                    (Repr::Encoded(mine), theirs) => {
                        let theirs = $name { data: theirs, ctx: RequestContext::default() }.chunks();
                        match Arc::get_mut(mine) {
                            Some(m) => {
                                m.decoded = OnceLock::new();
                                m.items += theirs.iter().map(|c| c.1).sum::<usize>();
                                m.len += theirs.iter().map(|c| c.0.len()).sum::<usize>();
                                m.chunks.extend(theirs);
                            }
                            None => {
                                let mut chunks = mine.chunks.clone();
                                chunks.extend(theirs);
                                *mine = Arc::new(Encoded::new(chunks));
                            }
                        }
                    }
                    (Repr::Decoded(mine), Repr::Encoded(theirs)) => {
                        // Encoding is cheaper than decoding: keep the batch encoded.
                        let mut chunks = vec![chunk_of(&**mine, count_items(&**mine))];
                        chunks.extend(theirs.chunks.iter().cloned());
                        self.data = Repr::Encoded(Arc::new(Encoded::new(chunks)));
                    }
                }
            }
            fn split(self, max_items: usize) -> Vec<Self> {
                if max_items == 0 || self.item_count() <= max_items {
                    return vec![self];
                }
                let ctx = self.ctx.clone();
                let decoded_parts = |req: $req| {
                    split_nested(req.$field, max_items)
                        .into_iter()
                        .map(|chunk| {
                            let mut req = <$req>::default();
                            req.$field = chunk;
                            $name { data: Repr::Decoded(Arc::new(req)), ctx: ctx.clone() }
                        })
                        .collect::<Vec<_>>()
                };
                match self.data {
                    Repr::Decoded(r) => decoded_parts(Arc::unwrap_or_clone(r)),
                    Repr::Encoded(e) => {
                        // Whole chunks while they fit; a chunk larger than a
                        // part is decoded and split.
                        let encoded = |chunks: Vec<(Bytes, usize)>| $name {
                            data: Repr::Encoded(Arc::new(Encoded::new(chunks))),
                            ctx: ctx.clone(),
                        };
                        let mut parts = Vec::new();
                        let mut current: Vec<(Bytes, usize)> = Vec::new();
                        let mut current_items = 0;
                        for (bytes, items) in e.chunks.iter().cloned() {
                            if current_items + items > max_items && !current.is_empty() {
                                parts.push(encoded(std::mem::take(&mut current)));
                                current_items = 0;
                            }
                            if items > max_items {
                                let req: $req = decode_chunks(&[(bytes, items)]);
                                parts.extend(decoded_parts(req));
                            } else {
                                current.push((bytes, items));
                                current_items += items;
                            }
                        }
                        if !current.is_empty() {
                            parts.push(encoded(current));
                        }
                        parts
                    }
                }
            }
            fn shares_data_with(&self, other: &Self) -> bool {
                match (&self.data, &other.data) {
                    (Repr::Decoded(a), Repr::Decoded(b)) => Arc::ptr_eq(a, b),
                    (Repr::Encoded(a), Repr::Encoded(b)) => Arc::ptr_eq(a, b),
                    _ => false,
                }
            }
            fn encoded_len(&self) -> usize {
                match &self.data {
                    Repr::Decoded(r) => r.encoded_len(),
                    Repr::Encoded(e) => e.len,
                }
            }
            fn encode_to_vec(&self) -> Vec<u8> {
                match &self.data {
                    Repr::Decoded(r) => r.encode_to_vec(),
                    Repr::Encoded(e) => {
                        let mut out = Vec::with_capacity(e.len);
                        for (bytes, _) in &e.chunks {
                            out.extend_from_slice(bytes);
                        }
                        out
                    }
                }
            }
            fn to_bytes(&self) -> Bytes {
                match &self.data {
                    Repr::Encoded(e) if e.chunks.len() == 1 => e.chunks[0].0.clone(),
                    _ => Bytes::from(self.encode_to_vec()),
                }
            }
            fn encode_into(&self, buf: &mut impl BufMut) {
                match &self.data {
                    Repr::Decoded(r) => r.encode_raw(buf),
                    Repr::Encoded(e) => {
                        for (bytes, _) in &e.chunks {
                            buf.put_slice(bytes);
                        }
                    }
                }
            }
        }
    };
}

payload_type!(
    /// A batch of spans: an OTLP `ExportTraceServiceRequest`.
    Traces,
    ExportTraceServiceRequest,
    traces,
    Signal::Traces,
    resource_spans,
    crate::wire::validate_traces,
    crate::wire::estimate_traces,
    crate::wire::edit::edit_traces
);
payload_type!(
    /// A batch of metrics: an OTLP `ExportMetricsServiceRequest`. Items are data points.
    Metrics,
    ExportMetricsServiceRequest,
    metrics,
    Signal::Metrics,
    resource_metrics,
    crate::wire::validate_metrics,
    crate::wire::estimate_metrics,
    crate::wire::edit::edit_metrics
);
payload_type!(
    /// A batch of log records: an OTLP `ExportLogsServiceRequest`.
    Logs,
    ExportLogsServiceRequest,
    logs,
    Signal::Logs,
    resource_logs,
    crate::wire::validate_logs,
    crate::wire::estimate_logs,
    crate::wire::edit::edit_logs
);

/// A three-level OTLP tree: resource → scope → leaf items.
trait Tree {
    type Scope: Clone;
    type Leaf: Leaf;
    fn scopes(&mut self) -> &mut Vec<Self::Scope>;
    fn leaves(scope: &mut Self::Scope) -> &mut Vec<Self::Leaf>;
}

/// A leaf of the tree: a span, a log record or a metric (weighted by data points).
trait Leaf: Sized {
    fn weight(&self) -> usize;
    /// Moves the first `n` units out into a new leaf (only called when `n < weight`).
    fn take_front(&mut self, n: usize) -> Self;
}

impl Leaf for Span {
    fn weight(&self) -> usize {
        1
    }
    fn take_front(&mut self, _n: usize) -> Self {
        std::mem::take(self)
    }
}

impl Leaf for LogRecord {
    fn weight(&self) -> usize {
        1
    }
    fn take_front(&mut self, _n: usize) -> Self {
        std::mem::take(self)
    }
}

/// Number of data points in a metric.
pub(crate) fn metric_points(m: &Metric) -> usize {
    match &m.data {
        Some(Data::Gauge(g)) => g.data_points.len(),
        Some(Data::Sum(s)) => s.data_points.len(),
        Some(Data::Histogram(h)) => h.data_points.len(),
        Some(Data::ExponentialHistogram(h)) => h.data_points.len(),
        Some(Data::Summary(s)) => s.data_points.len(),
        None => 0,
    }
}

impl Leaf for Metric {
    fn weight(&self) -> usize {
        metric_points(self)
    }
    fn take_front(&mut self, n: usize) -> Self {
        fn front<T>(v: &mut Vec<T>, n: usize) -> Vec<T> {
            let rest = v.split_off(n.min(v.len()));
            std::mem::replace(v, rest)
        }
        let mut head = Metric {
            name: self.name.clone(),
            description: self.description.clone(),
            unit: self.unit.clone(),
            metadata: self.metadata.clone(),
            data: None,
        };
        head.data = match &mut self.data {
            Some(Data::Gauge(g)) => {
                let mut c = g.clone();
                c.data_points = front(&mut g.data_points, n);
                Some(Data::Gauge(c))
            }
            Some(Data::Sum(s)) => {
                let mut c = crate::proto::metrics::v1::Sum {
                    data_points: Vec::new(),
                    aggregation_temporality: s.aggregation_temporality,
                    is_monotonic: s.is_monotonic,
                };
                c.data_points = front(&mut s.data_points, n);
                Some(Data::Sum(c))
            }
            Some(Data::Histogram(h)) => {
                let mut c = crate::proto::metrics::v1::Histogram {
                    data_points: Vec::new(),
                    aggregation_temporality: h.aggregation_temporality,
                };
                c.data_points = front(&mut h.data_points, n);
                Some(Data::Histogram(c))
            }
            Some(Data::ExponentialHistogram(h)) => {
                let mut c = crate::proto::metrics::v1::ExponentialHistogram {
                    data_points: Vec::new(),
                    aggregation_temporality: h.aggregation_temporality,
                };
                c.data_points = front(&mut h.data_points, n);
                Some(Data::ExponentialHistogram(c))
            }
            Some(Data::Summary(s)) => {
                let mut c = crate::proto::metrics::v1::Summary {
                    data_points: Vec::new(),
                };
                c.data_points = front(&mut s.data_points, n);
                Some(Data::Summary(c))
            }
            None => None,
        };
        head
    }
}

impl Tree for ResourceSpans {
    type Scope = ScopeSpans;
    type Leaf = Span;
    fn scopes(&mut self) -> &mut Vec<ScopeSpans> {
        &mut self.scope_spans
    }
    fn leaves(scope: &mut ScopeSpans) -> &mut Vec<Span> {
        &mut scope.spans
    }
}

impl Tree for ResourceMetrics {
    type Scope = ScopeMetrics;
    type Leaf = Metric;
    fn scopes(&mut self) -> &mut Vec<ScopeMetrics> {
        &mut self.scope_metrics
    }
    fn leaves(scope: &mut ScopeMetrics) -> &mut Vec<Metric> {
        &mut scope.metrics
    }
}

impl Tree for ResourceLogs {
    type Scope = ScopeLogs;
    type Leaf = LogRecord;
    fn scopes(&mut self) -> &mut Vec<ScopeLogs> {
        &mut self.scope_logs
    }
    fn leaves(scope: &mut ScopeLogs) -> &mut Vec<LogRecord> {
        &mut scope.log_records
    }
}

trait CountItems {
    fn count_items(&self) -> usize;
}
impl CountItems for ExportTraceServiceRequest {
    fn count_items(&self) -> usize {
        self.resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .map(|s| s.spans.len())
            .sum()
    }
}
impl CountItems for ExportMetricsServiceRequest {
    fn count_items(&self) -> usize {
        self.resource_metrics
            .iter()
            .flat_map(|r| &r.scope_metrics)
            .flat_map(|s| &s.metrics)
            .map(metric_points)
            .sum()
    }
}
impl CountItems for ExportLogsServiceRequest {
    fn count_items(&self) -> usize {
        self.resource_logs
            .iter()
            .flat_map(|r| &r.scope_logs)
            .map(|s| s.log_records.len())
            .sum()
    }
}
fn count_items<R: CountItems>(r: &R) -> usize {
    r.count_items()
}

/// Splits resources into chunks of at most `max` leaf units, repeating the
/// resource and scope headers in every chunk they reach into.
fn split_nested<R: Tree + Clone>(resources: Vec<R>, max: usize) -> Vec<Vec<R>> {
    struct Chunker<R> {
        out: Vec<Vec<R>>,
        cur: Vec<R>,
        room: usize,
        max: usize,
        r_open: bool,
        s_open: bool,
    }
    impl<R: Tree + Clone> Chunker<R> {
        fn flush(&mut self) {
            if !self.cur.is_empty() {
                self.out.push(std::mem::take(&mut self.cur));
            }
            self.room = self.max;
            self.r_open = false;
            self.s_open = false;
        }
        fn scope_slot(&mut self, r_shell: &R, s_shell: &R::Scope) -> &mut R::Scope {
            if !self.r_open {
                self.cur.push(r_shell.clone());
                self.r_open = true;
            }
            if !self.s_open {
                if let Some(r) = self.cur.last_mut() {
                    r.scopes().push(s_shell.clone());
                }
                self.s_open = true;
            }
            // The two pushes above guarantee a last resource with a last scope;
            // the fallbacks below are never taken but keep this path panic-free.
            if self.cur.is_empty() {
                self.cur.push(r_shell.clone());
            }
            let last_r = self.cur.len() - 1;
            let scopes = self.cur[last_r].scopes();
            if scopes.is_empty() {
                scopes.push(s_shell.clone());
            }
            let last_s = scopes.len() - 1;
            &mut scopes[last_s]
        }
        fn push(&mut self, r_shell: &R, s_shell: &R::Scope, leaf: R::Leaf) {
            let w = leaf.weight();
            R::leaves(self.scope_slot(r_shell, s_shell)).push(leaf);
            self.room = self.room.saturating_sub(w);
        }
    }

    let mut c = Chunker {
        out: Vec::new(),
        cur: Vec::new(),
        room: max,
        max,
        r_open: false,
        s_open: false,
    };
    for mut r in resources {
        let scopes = std::mem::take(r.scopes());
        c.r_open = false;
        if scopes.is_empty() {
            // A resource without scopes is kept as it is.
            c.cur.push(r.clone());
            continue;
        }
        for mut s in scopes {
            let leaves = std::mem::take(R::leaves(&mut s));
            c.s_open = false;
            if leaves.is_empty() {
                c.scope_slot(&r, &s);
                continue;
            }
            for mut leaf in leaves {
                loop {
                    if c.room == 0 {
                        c.flush();
                    }
                    let w = leaf.weight();
                    if w <= c.room {
                        c.push(&r, &s, leaf);
                        break;
                    }
                    let part = leaf.take_front(c.room);
                    c.push(&r, &s, part);
                }
            }
        }
    }
    c.flush();
    c.out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::common::v1::InstrumentationScope;
    use crate::proto::metrics::v1::{Gauge, NumberDataPoint};
    use crate::proto::resource::v1::Resource;

    fn traces(resources: usize, scopes: usize, spans: usize) -> Traces {
        let mut req = ExportTraceServiceRequest::default();
        for r in 0..resources {
            let mut rs = ResourceSpans {
                resource: Some(Resource::default()),
                schema_url: format!("r{r}"),
                ..Default::default()
            };
            for s in 0..scopes {
                let mut ss = ScopeSpans {
                    scope: Some(InstrumentationScope {
                        name: format!("s{s}"),
                        ..Default::default()
                    }),
                    ..Default::default()
                };
                for i in 0..spans {
                    ss.spans.push(Span {
                        name: format!("{r}.{s}.{i}"),
                        ..Default::default()
                    });
                }
                rs.scope_spans.push(ss);
            }
            req.resource_spans.push(rs);
        }
        Traces::from_request(req)
    }

    fn names(t: &Traces) -> Vec<String> {
        t.request()
            .resource_spans
            .iter()
            .flat_map(|r| &r.scope_spans)
            .flat_map(|s| &s.spans)
            .map(|s| s.name.clone())
            .collect()
    }

    fn encoded(t: &Traces) -> Traces {
        Traces::from_encoded(Bytes::from(t.encode_to_vec())).expect("valid encoding")
    }

    #[test]
    fn encoded_payload_counts_without_decoding() {
        let t = encoded(&traces(2, 3, 4));
        assert!(t.is_encoded());
        assert_eq!(t.item_count(), 24);
        assert_eq!(t.encoded_len(), traces(2, 3, 4).encoded_len());
        // Reading decodes once; the result is the original request.
        assert_eq!(names(&t), names(&traces(2, 3, 4)));
        assert!(!t.is_encoded());
        assert_eq!(t, traces(2, 3, 4));
        let err = Traces::from_encoded(Bytes::from_static(&[0x0a, 0x05, 0x01])).expect_err("truncated");
        assert!(
            err.to_string().starts_with("failed to decode Protobuf message"),
            "{err}"
        );
    }

    #[test]
    fn encoded_merge_concatenates() {
        let mut a = encoded(&traces(1, 1, 2));
        let b = encoded(&traces(2, 1, 3));
        let b_bytes = b.to_bytes();
        a.merge(b);
        assert!(a.is_encoded());
        assert_eq!(a.item_count(), 8);
        let mut expected = traces(1, 1, 2);
        expected.merge(traces(2, 1, 3));
        assert_eq!(a.encode_to_vec(), expected.encode_to_vec());
        assert_eq!(names(&a), names(&expected));
        // A one-chunk payload hands out its bytes without copying.
        assert_eq!(encoded(&traces(2, 1, 3)).to_bytes(), b_bytes);
        // Mixed: decoded into encoded and encoded into decoded.
        let mut d = traces(1, 1, 1);
        d.merge(encoded(&traces(1, 1, 2)));
        assert_eq!(d.item_count(), 3);
        let mut e = encoded(&traces(1, 1, 2));
        e.merge(traces(1, 1, 1));
        assert_eq!(e.item_count(), 3);
        let mut buf = Vec::new();
        e.encode_into(&mut buf);
        assert_eq!(buf, e.encode_to_vec());
        assert_eq!(
            ExportTraceServiceRequest::decode(&buf[..]).map(|r| count_items(&r)),
            Ok(3)
        );
    }

    #[test]
    fn encoded_chunks_are_the_requests_merged() {
        assert!(traces(1, 1, 1).encoded_chunks().is_none());
        let (a, b) = (traces(1, 1, 2), traces(2, 1, 3));
        let mut t = encoded(&a);
        t.merge(encoded(&b));
        let chunks = t.encoded_chunks().expect("encoded");
        assert_eq!(chunks, vec![&a.encode_to_vec()[..], &b.encode_to_vec()[..]]);
        assert!(t.is_encoded(), "reading the chunks decodes nothing");
        // Still the same bytes once a reader has decoded them; none once mutable.
        let _ = t.request();
        assert_eq!(t.encoded_chunks().map(|c| c.len()), Some(2));
        t.request_mut();
        assert!(t.encoded_chunks().is_none());
    }

    #[test]
    fn encoded_split_keeps_chunks_and_splits_big_ones() {
        let mut t = encoded(&traces(1, 1, 3));
        t.merge(encoded(&traces(1, 1, 3)));
        t.merge(encoded(&traces(1, 2, 5)));
        let all = names(&t.clone().into_request().into());
        let parts = t.split(6);
        let counts: Vec<usize> = parts.iter().map(Payload::item_count).collect();
        assert_eq!(counts, vec![6, 6, 4]);
        assert!(parts[0].is_encoded());
        let joined: Vec<String> = parts.iter().flat_map(names).collect();
        assert_eq!(joined, all);
    }

    #[test]
    fn encoded_copy_on_write() {
        let a = encoded(&traces(1, 1, 2));
        let mut b = a.clone();
        assert!(a.shares_data_with(&b));
        b.request_mut().resource_spans[0].scope_spans[0].spans[0].name = "changed".into();
        assert!(!a.shares_data_with(&b));
        assert_eq!(names(&a)[0], "0.0.0");
        assert_eq!(names(&b)[0], "changed");
        assert_eq!(b.item_count(), 2);
    }

    #[test]
    fn counts_items() {
        assert_eq!(traces(2, 3, 4).item_count(), 24);
        assert!(Traces::default().is_empty());
    }

    #[test]
    fn split_keeps_order_and_structure() {
        let t = traces(2, 2, 3);
        let all = names(&t);
        let parts = t.split(5);
        assert_eq!(
            parts.iter().map(|p| p.item_count()).collect::<Vec<_>>(),
            vec![5, 5, 2]
        );
        let joined: Vec<String> = parts.iter().flat_map(names).collect();
        assert_eq!(joined, all);
        // The second chunk starts inside resource 0's second scope and spans into resource 1.
        let second = parts[1].request();
        assert_eq!(second.resource_spans.len(), 2);
        assert_eq!(second.resource_spans[0].schema_url, "r0");
        assert_eq!(
            second.resource_spans[0].scope_spans[0]
                .scope
                .as_ref()
                .unwrap()
                .name,
            "s1"
        );
        assert_eq!(second.resource_spans[1].schema_url, "r1");
    }

    #[test]
    fn split_without_limit_or_under_limit_is_identity() {
        let t = traces(1, 1, 3);
        let t2 = t.clone();
        let parts = t.split(0);
        assert_eq!(parts.len(), 1);
        assert!(parts[0].shares_data_with(&t2));
        assert_eq!(t2.split(3).len(), 1);
    }

    #[test]
    fn merge_appends_resources() {
        let mut a = traces(1, 1, 2);
        let b = traces(2, 1, 1);
        a.merge(b);
        assert_eq!(a.item_count(), 4);
        assert_eq!(a.request().resource_spans.len(), 3);
        let mut e = Traces::default();
        e.merge(traces(1, 1, 1));
        assert_eq!(e.item_count(), 1);
    }

    #[test]
    fn copy_on_write() {
        let a = traces(1, 1, 1);
        let mut b = a.clone();
        assert!(a.shares_data_with(&b));
        b.request_mut().resource_spans.clear();
        assert!(!a.shares_data_with(&b));
        assert_eq!(a.item_count(), 1);
        assert_eq!(b.item_count(), 0);
    }

    #[test]
    fn split_metrics_inside_a_metric() {
        let points = (0..7)
            .map(|i| NumberDataPoint {
                time_unix_nano: i,
                ..Default::default()
            })
            .collect();
        let metric = Metric {
            name: "m".into(),
            data: Some(Data::Gauge(Gauge { data_points: points })),
            ..Default::default()
        };
        let req = ExportMetricsServiceRequest {
            resource_metrics: vec![ResourceMetrics {
                scope_metrics: vec![ScopeMetrics {
                    metrics: vec![metric],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let m = Metrics::from_request(req);
        assert_eq!(m.item_count(), 7);
        let parts = m.split(3);
        assert_eq!(
            parts.iter().map(|p| p.item_count()).collect::<Vec<_>>(),
            vec![3, 3, 1]
        );
        for p in &parts {
            assert_eq!(
                p.request().resource_metrics[0].scope_metrics[0].metrics[0].name,
                "m"
            );
        }
    }

    #[test]
    fn split_keeps_empty_scopes() {
        let mut t = traces(1, 2, 0).into_request();
        t.resource_spans[0].scope_spans[1].spans.push(Span::default());
        t.resource_spans[0].scope_spans[1].spans.push(Span::default());
        let parts = Traces::from_request(t).split(1);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].request().resource_spans[0].scope_spans.len(), 2);
    }
}
