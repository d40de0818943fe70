//! The `hash` action: SHA-256 of a value, as the Go collector's `sha2Hasher`.

use otelcol_component::proto::common::v1::{AnyValue, any_value::Value};
use otelcol_pdata::edit::Scalar;
use sha2::{Digest, Sha256};

/// Replaces `v` by the lower-case hex SHA-256 of its canonical bytes:
/// a string's UTF-8 bytes, a bool as one byte (1 or 0), an int as its 8
/// little-endian bytes (two's complement), a double as the 8 little-endian
/// bytes of its IEEE-754 bits. Any other value (bytes, map, slice, empty)
/// becomes the empty string, exactly as in Go.
pub(crate) fn hash_value(v: &mut AnyValue) {
    let scalar = match &v.value {
        Some(Value::StringValue(s)) => Scalar::Str(s),
        Some(Value::BoolValue(b)) => Scalar::Bool(*b),
        Some(Value::IntValue(i)) => Scalar::Int(*i),
        Some(Value::DoubleValue(d)) => Scalar::Double(*d),
        _ => Scalar::Other,
    };
    let hashed = hash_scalar(scalar);
    v.value = Some(Value::StringValue(hashed));
}

/// The string [`hash_value`] makes of a value (decoded or, for encoded
/// lists, read from the wire).
pub(crate) fn hash_scalar(v: Scalar<'_>) -> String {
    match v {
        // Go hashes only a non-empty byte string; "" stays "".
        Scalar::Str(s) if !s.is_empty() => sha256_hex(s.as_bytes()),
        Scalar::Bool(b) => sha256_hex(&[u8::from(b)]),
        Scalar::Int(i) => sha256_hex(&i.to_le_bytes()),
        Scalar::Double(d) => sha256_hex(&d.to_bits().to_le_bytes()),
        _ => String::new(),
    }
}

/// Lower-case hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(data);
    let mut out = String::with_capacity(digest.len() * 2);
    for b in digest {
        out.push(char::from(HEX[usize::from(b >> 4)]));
        out.push(char::from(HEX[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hashed(value: Option<Value>) -> String {
        let mut v = AnyValue { value };
        hash_value(&mut v);
        match v.value {
            Some(Value::StringValue(s)) => s,
            other => panic!("not a string: {other:?}"),
        }
    }

    // Digests computed independently (coreutils sha256sum) of the byte
    // strings Go hashes for each type.
    const FOO: &str = "2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae";
    const BYTE_1: &str = "4bf5122f344554c53bde2ebb8cd2b7e3d1600ad631c385a5d7cce23c7785459a";
    const BYTE_0: &str = "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d";
    /// int64(24) as 8 little-endian bytes: 18 00 00 00 00 00 00 00.
    const INT_24: &str = "cbb032642036ec7043fa4529f06c9c9d8b12fa70ea6799a19ca8321a808d86fa";
    /// int64(-1): ff ff ff ff ff ff ff ff.
    const INT_MINUS_1: &str = "12a3ae445661ce5dee78d0650d33362dec29c4f82af05e7e57fb595bbbacf0ca";
    /// 2.4 as IEEE-754 bits 0x4003333333333333, little-endian.
    const DOUBLE_2_4: &str = "df3022be03461368aa299f2f30d440fd3ca45c9b62af40733f10296a53d42859";

    #[test]
    fn strings_hash_their_bytes() {
        assert_eq!(hashed(Some(Value::StringValue("foo".into()))), FOO);
        assert_eq!(sha256_hex(b"foo"), FOO);
    }

    #[test]
    fn bools_hash_one_byte() {
        assert_eq!(hashed(Some(Value::BoolValue(true))), BYTE_1);
        assert_eq!(hashed(Some(Value::BoolValue(false))), BYTE_0);
    }

    #[test]
    fn numbers_hash_little_endian_bits() {
        assert_eq!(sha256_hex(&[0x18, 0, 0, 0, 0, 0, 0, 0]), INT_24);
        assert_eq!(hashed(Some(Value::IntValue(24))), INT_24);
        assert_eq!(hashed(Some(Value::IntValue(-1))), INT_MINUS_1);
        assert_eq!(
            sha256_hex(&[0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0x03, 0x40]),
            DOUBLE_2_4
        );
        assert_eq!(hashed(Some(Value::DoubleValue(2.4))), DOUBLE_2_4);
    }

    #[test]
    fn other_types_become_empty_string() {
        assert_eq!(hashed(None), "");
        assert_eq!(hashed(Some(Value::BytesValue(vec![1, 2, 3]))), "");
        assert_eq!(hashed(Some(Value::StringValue(String::new()))), "");
    }
}
