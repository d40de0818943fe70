//! Bounded decoders for the two Thrift wire protocols Jaeger senders use —
//! the compact protocol (`TCompactProtocol`, the agent's port 6831) and the
//! binary protocol (`TBinaryProtocol`, port 6832 and the `/api/traces` body)
//! — covering what `jaeger.thrift` and `agent.thrift` need: structs, lists,
//! strings and binary, `bool`, `byte`, `i16`, `i32`, `i64`, `double`, the
//! message envelope of the one-way `emitBatch` call, and skipping whatever
//! else a sender adds (maps, sets, UUIDs, unknown fields).
//!
//! Every read is checked against the input: nesting is limited to
//! [`MAX_DEPTH`], a string's length and a container's element count must fit
//! in the bytes left, and running out of input is an error. Nothing the
//! input holds can make a decoder panic or allocate more than a small
//! multiple of the input's size.

pub(crate) mod binary;
pub(crate) mod compact;
#[doc(hidden)]
pub mod encode;
pub mod jaeger;

/// How deep structs and containers may nest (Go thrift's default recursion
/// depth). Jaeger's own structures nest four deep.
pub const MAX_DEPTH: usize = 64;

/// Why a Thrift payload could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ThriftError {
    /// The input ended in the middle of a value.
    #[error("unexpected end of input at byte {0}")]
    Eof(usize),
    /// Structs or containers nest deeper than [`MAX_DEPTH`].
    #[error("structs and containers nest deeper than {MAX_DEPTH}")]
    TooDeep,
    /// A length or element count larger than the rest of the input can hold.
    #[error("{what} of {len} does not fit in the {left} bytes left")]
    TooLong {
        /// `string`, `list`, `map`, ...
        what: &'static str,
        /// The length the input announced.
        len: u64,
        /// The bytes left in the input.
        left: usize,
    },
    /// A negative length or element count.
    #[error("negative {what} size {len}")]
    NegativeSize {
        /// `string`, `list`, `map`, ...
        what: &'static str,
        /// The size read.
        len: i64,
    },
    /// A varint longer than its type allows.
    #[error("varint too long")]
    BadVarint,
    /// A type id the protocol does not define.
    #[error("invalid {protocol} type id {id}")]
    BadType {
        /// `binary` or `compact`.
        protocol: &'static str,
        /// The id read.
        id: u8,
    },
    /// A message envelope with the wrong protocol id or version.
    #[error("bad {protocol} message header: {detail}")]
    BadHeader {
        /// `binary` or `compact`.
        protocol: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// A field of the wrong type, or list elements of the wrong type.
    #[error("{field}: expected {expected:?}, found {found:?}")]
    WrongType {
        /// `Batch.spans`, ...
        field: &'static str,
        /// What `jaeger.thrift` declares.
        expected: TType,
        /// What the input holds.
        found: TType,
    },
    /// A field `jaeger.thrift` marks `required` is absent.
    #[error("required field {0} is not set")]
    MissingField(&'static str),
    /// An agent call other than `emitBatch` / `emitZipkinBatch`.
    #[error("unknown method {0:?}")]
    UnknownMethod(String),
}

/// The Thrift value types, whatever their id on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TType {
    /// The end of a struct's fields.
    Stop,
    /// `bool`.
    Bool,
    /// `byte` (`i8`).
    Byte,
    /// `double`.
    Double,
    /// `i16`.
    I16,
    /// `i32` (and enums).
    I32,
    /// `i64`.
    I64,
    /// `string` and `binary`.
    String,
    /// A struct.
    Struct,
    /// `map<K, V>`.
    Map,
    /// `set<T>`.
    Set,
    /// `list<T>`.
    List,
    /// `uuid` (16 bytes).
    Uuid,
}

/// The message types of an envelope.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageType {
    /// A call expecting a reply.
    Call,
    /// A reply.
    Reply,
    /// An exception in place of a reply.
    Exception,
    /// A call without a reply (`emitBatch`).
    Oneway,
    /// Any other type id (Go's processor does not check it either).
    Other(u8),
}

impl MessageType {
    pub(crate) fn from_id(id: u8) -> Self {
        match id {
            1 => MessageType::Call,
            2 => MessageType::Reply,
            3 => MessageType::Exception,
            4 => MessageType::Oneway,
            other => MessageType::Other(other),
        }
    }
}

/// A message envelope.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageHeader {
    /// The method called (`emitBatch`).
    pub name: String,
    /// The message type (`Oneway` for the agent's calls).
    pub kind: MessageType,
    /// The sequence id.
    pub seq_id: i32,
}

/// The input of a decoder: a byte slice, a position and the nesting depth.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    depth: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Reader {
            buf,
            pos: 0,
            depth: 0,
        }
    }

    /// Bytes not read yet.
    pub(crate) fn left(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], ThriftError> {
        let end = self.pos.checked_add(n).ok_or(ThriftError::Eof(self.pos))?;
        let bytes = self.buf.get(self.pos..end).ok_or(ThriftError::Eof(self.pos))?;
        self.pos = end;
        Ok(bytes)
    }

    pub(crate) fn array<const N: usize>(&mut self) -> Result<[u8; N], ThriftError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub(crate) fn byte(&mut self) -> Result<u8, ThriftError> {
        let [b] = self.array::<1>()?;
        Ok(b)
    }

    /// Enters a struct or container.
    pub(crate) fn enter(&mut self) -> Result<(), ThriftError> {
        if self.depth >= MAX_DEPTH {
            return Err(ThriftError::TooDeep);
        }
        self.depth += 1;
        Ok(())
    }

    /// Leaves a struct or container.
    pub(crate) fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Checks that `count` elements of at least `min` bytes each fit in the
    /// rest of the input; returns the count.
    pub(crate) fn fits(&self, what: &'static str, count: i64, min: usize) -> Result<usize, ThriftError> {
        let n = usize::try_from(count).map_err(|_| ThriftError::NegativeSize { what, len: count })?;
        let left = self.left();
        match n.checked_mul(min) {
            Some(need) if need <= left => Ok(n),
            _ => Err(ThriftError::TooLong {
                what,
                len: n as u64,
                left,
            }),
        }
    }
}

/// What the Jaeger decoders ask of a protocol.
pub(crate) trait Protocol {
    /// Reads a message envelope.
    fn read_message_begin(&mut self) -> Result<MessageHeader, ThriftError>;
    /// Enters a struct (counts towards [`MAX_DEPTH`]).
    fn read_struct_begin(&mut self) -> Result<(), ThriftError>;
    /// Leaves a struct.
    fn read_struct_end(&mut self);
    /// The next field's type and id, or `None` at the struct's end.
    fn read_field_begin(&mut self) -> Result<Option<(TType, i16)>, ThriftError>;
    /// A list (or set) header: element type and count, the count checked
    /// against the input left.
    fn read_list_begin(&mut self) -> Result<(TType, usize), ThriftError>;
    /// A map header: key type, value type and count, checked likewise.
    fn read_map_begin(&mut self) -> Result<(TType, TType, usize), ThriftError>;
    /// `bool`.
    fn read_bool(&mut self) -> Result<bool, ThriftError>;
    /// `byte`.
    fn read_byte(&mut self) -> Result<i8, ThriftError>;
    /// `i16`.
    fn read_i16(&mut self) -> Result<i16, ThriftError>;
    /// `i32`.
    fn read_i32(&mut self) -> Result<i32, ThriftError>;
    /// `i64`.
    fn read_i64(&mut self) -> Result<i64, ThriftError>;
    /// `double`.
    fn read_double(&mut self) -> Result<f64, ThriftError>;
    /// `binary` (and `string`), its length checked against the input left.
    fn read_binary(&mut self) -> Result<&[u8], ThriftError>;
    /// `uuid`.
    fn read_uuid(&mut self) -> Result<[u8; 16], ThriftError>;
    /// Enters a container (counts towards [`MAX_DEPTH`]).
    fn enter(&mut self) -> Result<(), ThriftError>;
    /// Leaves a container.
    fn leave(&mut self);

    /// A `string`: the bytes, invalid UTF-8 replaced (OTLP strings are UTF-8).
    fn read_string(&mut self) -> Result<String, ThriftError> {
        Ok(String::from_utf8_lossy(self.read_binary()?).into_owned())
    }

    /// Skips a value of type `ty`, however nested (up to [`MAX_DEPTH`]).
    fn skip(&mut self, ty: TType) -> Result<(), ThriftError> {
        match ty {
            TType::Stop => Ok(()),
            TType::Bool => self.read_bool().map(drop),
            TType::Byte => self.read_byte().map(drop),
            TType::Double => self.read_double().map(drop),
            TType::I16 => self.read_i16().map(drop),
            TType::I32 => self.read_i32().map(drop),
            TType::I64 => self.read_i64().map(drop),
            TType::String => self.read_binary().map(drop),
            TType::Uuid => self.read_uuid().map(drop),
            TType::Struct => {
                self.read_struct_begin()?;
                while let Some((ty, _)) = self.read_field_begin()? {
                    self.skip(ty)?;
                }
                self.read_struct_end();
                Ok(())
            }
            TType::List | TType::Set => {
                let (elem, n) = self.read_list_begin()?;
                self.enter()?;
                for _ in 0..n {
                    self.skip(elem)?;
                }
                self.leave();
                Ok(())
            }
            TType::Map => {
                let (k, v, n) = self.read_map_begin()?;
                self.enter()?;
                for _ in 0..n {
                    self.skip(k)?;
                    self.skip(v)?;
                }
                self.leave();
                Ok(())
            }
        }
    }
}

/// The two Thrift protocols Jaeger senders use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThriftProtocol {
    /// `TCompactProtocol` (UDP port 6831).
    Compact,
    /// `TBinaryProtocol` (UDP port 6832, HTTP bodies).
    Binary,
}

impl ThriftProtocol {
    /// The protocol's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            ThriftProtocol::Compact => "compact",
            ThriftProtocol::Binary => "binary",
        }
    }
}

#[cfg(test)]
mod tests;
