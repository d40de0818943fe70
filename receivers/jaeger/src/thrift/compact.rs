//! The Thrift compact protocol (`TCompactProtocol`): zigzag varints, field
//! ids as deltas, booleans folded into field headers.

use super::{MessageHeader, MessageType, Protocol, Reader, TType, ThriftError};

const PROTOCOL_ID: u8 = 0x82;
const VERSION: u8 = 1;
const VERSION_MASK: u8 = 0x1f;
const TYPE_SHIFT: u8 = 5;

/// The smallest encoding of one element of each type, for bounding counts.
fn min_size(ty: TType) -> usize {
    match ty {
        TType::Double => 8,
        TType::Uuid => 16,
        // Every other value takes at least one byte (a varint, a length,
        // a struct's stop, a container header, a bool).
        _ => 1,
    }
}

fn ttype(id: u8) -> Result<TType, ThriftError> {
    Ok(match id {
        0 => TType::Stop,
        // BOOLEAN_TRUE / BOOLEAN_FALSE (in containers, either means bool).
        1 | 2 => TType::Bool,
        3 => TType::Byte,
        4 => TType::I16,
        5 => TType::I32,
        6 => TType::I64,
        7 => TType::Double,
        8 => TType::String,
        9 => TType::List,
        10 => TType::Set,
        11 => TType::Map,
        12 => TType::Struct,
        13 => TType::Uuid,
        id => {
            return Err(ThriftError::BadType {
                protocol: "compact",
                id,
            });
        }
    })
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

/// A compact-protocol decoder over a byte slice.
#[derive(Debug)]
pub(crate) struct Compact<'a> {
    r: Reader<'a>,
    /// The last field id of each struct being read.
    last_ids: Vec<i16>,
    last_id: i16,
    /// The value of a bool field, carried by its header.
    pending_bool: Option<bool>,
}

impl<'a> Compact<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Compact {
            r: Reader::new(buf),
            last_ids: Vec::new(),
            last_id: 0,
            pending_bool: None,
        }
    }

    fn varint(&mut self) -> Result<u64, ThriftError> {
        let mut out: u64 = 0;
        for shift in (0..70).step_by(7) {
            let b = self.r.byte()?;
            out |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                return Ok(out);
            }
        }
        Err(ThriftError::BadVarint)
    }

    /// A varint32 as Go reads it (a varint64 truncated).
    fn varint32(&mut self) -> Result<i32, ThriftError> {
        Ok(self.varint()? as i32)
    }

    fn size(&mut self, what: &'static str, min: usize) -> Result<usize, ThriftError> {
        let n = self.varint32()?;
        self.r.fits(what, i64::from(n), min)
    }
}

impl Protocol for Compact<'_> {
    fn read_message_begin(&mut self) -> Result<MessageHeader, ThriftError> {
        let bad = |detail: String| ThriftError::BadHeader {
            protocol: "compact",
            detail,
        };
        let id = self.r.byte()?;
        if id != PROTOCOL_ID {
            return Err(bad(format!("protocol id {id:#04x}, expected {PROTOCOL_ID:#04x}")));
        }
        let vt = self.r.byte()?;
        let version = vt & VERSION_MASK;
        if version != VERSION {
            return Err(bad(format!("version {version}, expected {VERSION}")));
        }
        let kind = MessageType::from_id((vt >> TYPE_SHIFT) & 0x07);
        let seq_id = self.varint32()?;
        let name = self.read_string()?;
        Ok(MessageHeader { name, kind, seq_id })
    }

    fn read_struct_begin(&mut self) -> Result<(), ThriftError> {
        self.r.enter()?;
        self.last_ids.push(self.last_id);
        self.last_id = 0;
        Ok(())
    }

    fn read_struct_end(&mut self) {
        self.r.leave();
        self.last_id = self.last_ids.pop().unwrap_or(0);
    }

    fn read_field_begin(&mut self) -> Result<Option<(TType, i16)>, ThriftError> {
        let b = self.r.byte()?;
        let ty = ttype(b & 0x0f)?;
        if ty == TType::Stop {
            return Ok(None);
        }
        let delta = b >> 4;
        let id = if delta == 0 {
            unzigzag(self.varint()?) as i16
        } else {
            self.last_id.wrapping_add(i16::from(delta))
        };
        if ty == TType::Bool {
            self.pending_bool = Some(b & 0x0f == 1);
        }
        self.last_id = id;
        Ok(Some((ty, id)))
    }

    fn read_list_begin(&mut self) -> Result<(TType, usize), ThriftError> {
        let b = self.r.byte()?;
        let elem = ttype(b & 0x0f)?;
        let short = b >> 4;
        let n = if short == 15 {
            self.varint32()?
        } else {
            i32::from(short)
        };
        let n = self.r.fits("list", i64::from(n), min_size(elem))?;
        Ok((elem, n))
    }

    fn read_map_begin(&mut self) -> Result<(TType, TType, usize), ThriftError> {
        let n = self.varint32()?;
        if n == 0 {
            return Ok((TType::Stop, TType::Stop, 0));
        }
        // Check the count before reading on: at least two bytes per entry.
        self.r.fits("map", i64::from(n), 2)?;
        let kv = self.r.byte()?;
        let (k, v) = (ttype(kv >> 4)?, ttype(kv & 0x0f)?);
        let n = self
            .r
            .fits("map", i64::from(n), min_size(k).saturating_add(min_size(v)))?;
        Ok((k, v, n))
    }

    fn read_bool(&mut self) -> Result<bool, ThriftError> {
        if let Some(b) = self.pending_bool.take() {
            return Ok(b);
        }
        Ok(self.r.byte()? == 1)
    }

    fn read_byte(&mut self) -> Result<i8, ThriftError> {
        Ok(self.r.byte()? as i8)
    }

    fn read_i16(&mut self) -> Result<i16, ThriftError> {
        Ok(unzigzag(self.varint()?) as i16)
    }

    fn read_i32(&mut self) -> Result<i32, ThriftError> {
        Ok(unzigzag(self.varint()?) as i32)
    }

    fn read_i64(&mut self) -> Result<i64, ThriftError> {
        Ok(unzigzag(self.varint()?))
    }

    fn read_double(&mut self) -> Result<f64, ThriftError> {
        Ok(f64::from_le_bytes(self.r.array::<8>()?))
    }

    fn read_binary(&mut self) -> Result<&[u8], ThriftError> {
        let n = self.size("string", 1)?;
        self.r.take(n)
    }

    fn read_uuid(&mut self) -> Result<[u8; 16], ThriftError> {
        self.r.array::<16>()
    }

    fn enter(&mut self) -> Result<(), ThriftError> {
        self.r.enter()
    }

    fn leave(&mut self) {
        self.r.leave();
    }
}
