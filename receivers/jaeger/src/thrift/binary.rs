//! The Thrift binary protocol (`TBinaryProtocol`): big-endian fixed-width
//! integers, 4-byte lengths. Both message envelopes are read: the strict one
//! (`0x8001` version word, what every current library writes) and the old
//! one (name first), which Go's server accepts too.

use super::{MessageHeader, MessageType, Protocol, Reader, TType, ThriftError};

const VERSION_MASK: u32 = 0xffff_0000;
const VERSION_1: u32 = 0x8001_0000;

/// The smallest encoding of one element of each type, for bounding counts.
fn min_size(ty: TType) -> usize {
    match ty {
        TType::Stop | TType::Bool | TType::Byte | TType::Struct => 1,
        TType::I16 => 2,
        TType::I32 | TType::String => 4,
        TType::I64 | TType::Double => 8,
        TType::Set | TType::List => 5,
        TType::Map => 6,
        TType::Uuid => 16,
    }
}

fn ttype(id: u8) -> Result<TType, ThriftError> {
    Ok(match id {
        0 => TType::Stop,
        2 => TType::Bool,
        3 => TType::Byte,
        4 => TType::Double,
        6 => TType::I16,
        8 => TType::I32,
        10 => TType::I64,
        11 => TType::String,
        12 => TType::Struct,
        13 => TType::Map,
        14 => TType::Set,
        15 => TType::List,
        16 => TType::Uuid,
        id => {
            return Err(ThriftError::BadType {
                protocol: "binary",
                id,
            });
        }
    })
}

/// A binary-protocol decoder over a byte slice.
#[derive(Debug)]
pub(crate) struct Binary<'a> {
    r: Reader<'a>,
}

impl<'a> Binary<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Binary { r: Reader::new(buf) }
    }

    fn i32_be(&mut self) -> Result<i32, ThriftError> {
        Ok(i32::from_be_bytes(self.r.array::<4>()?))
    }
}

impl Protocol for Binary<'_> {
    fn read_message_begin(&mut self) -> Result<MessageHeader, ThriftError> {
        let word = self.i32_be()?;
        if word < 0 {
            let word = word as u32;
            if word & VERSION_MASK != VERSION_1 {
                return Err(ThriftError::BadHeader {
                    protocol: "binary",
                    detail: format!(
                        "version {:#010x}, expected {VERSION_1:#010x}",
                        word & VERSION_MASK
                    ),
                });
            }
            let kind = MessageType::from_id((word & 0xff) as u8);
            let name = self.read_string()?;
            let seq_id = self.i32_be()?;
            return Ok(MessageHeader { name, kind, seq_id });
        }
        // The old envelope: the name's length came first.
        let len = self.r.fits("string", i64::from(word), 1)?;
        let name = String::from_utf8_lossy(self.r.take(len)?).into_owned();
        let kind = MessageType::from_id(self.r.byte()?);
        let seq_id = self.i32_be()?;
        Ok(MessageHeader { name, kind, seq_id })
    }

    fn read_struct_begin(&mut self) -> Result<(), ThriftError> {
        self.r.enter()
    }

    fn read_struct_end(&mut self) {
        self.r.leave();
    }

    fn read_field_begin(&mut self) -> Result<Option<(TType, i16)>, ThriftError> {
        let ty = ttype(self.r.byte()?)?;
        if ty == TType::Stop {
            return Ok(None);
        }
        let id = i16::from_be_bytes(self.r.array::<2>()?);
        Ok(Some((ty, id)))
    }

    fn read_list_begin(&mut self) -> Result<(TType, usize), ThriftError> {
        let elem = ttype(self.r.byte()?)?;
        let n = self.i32_be()?;
        let n = self.r.fits("list", i64::from(n), min_size(elem))?;
        Ok((elem, n))
    }

    fn read_map_begin(&mut self) -> Result<(TType, TType, usize), ThriftError> {
        let k = ttype(self.r.byte()?)?;
        let v = ttype(self.r.byte()?)?;
        let n = self.i32_be()?;
        let n = self
            .r
            .fits("map", i64::from(n), min_size(k).saturating_add(min_size(v)))?;
        Ok((k, v, n))
    }

    fn read_bool(&mut self) -> Result<bool, ThriftError> {
        Ok(self.r.byte()? == 1)
    }

    fn read_byte(&mut self) -> Result<i8, ThriftError> {
        Ok(self.r.byte()? as i8)
    }

    fn read_i16(&mut self) -> Result<i16, ThriftError> {
        Ok(i16::from_be_bytes(self.r.array::<2>()?))
    }

    fn read_i32(&mut self) -> Result<i32, ThriftError> {
        self.i32_be()
    }

    fn read_i64(&mut self) -> Result<i64, ThriftError> {
        Ok(i64::from_be_bytes(self.r.array::<8>()?))
    }

    fn read_double(&mut self) -> Result<f64, ThriftError> {
        Ok(f64::from_be_bytes(self.r.array::<8>()?))
    }

    fn read_binary(&mut self) -> Result<&[u8], ThriftError> {
        let n = self.i32_be()?;
        let n = self.r.fits("string", i64::from(n), 1)?;
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
