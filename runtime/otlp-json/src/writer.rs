//! Compact JSON writing primitives appending straight to a `Vec<u8>`.

/// Appends a JSON string literal (with quotes), escaping `"`, `\` and control
/// characters.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &c) in bytes.iter().enumerate() {
        let esc: &[u8] = match c {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => &[],
            _ => continue,
        };
        out.extend_from_slice(bytes.get(run..i).unwrap_or_default());
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(c >> 4)]);
            out.push(HEX[usize::from(c & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        run = i + 1;
    }
    out.extend_from_slice(bytes.get(run..).unwrap_or_default());
    out.push(b'"');
}

/// Appends the decimal digits of `v`.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(i..).unwrap_or_default());
}

/// Appends the decimal digits of `v` (with a leading `-` when negative).
pub(crate) fn write_i64(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    write_u64(out, v.unsigned_abs());
}

/// Appends a uint64/int64 the protojson way: as a decimal string.
pub(crate) fn write_u64_str(out: &mut Vec<u8>, v: u64) {
    out.push(b'"');
    write_u64(out, v);
    out.push(b'"');
}

/// Appends an int64 as a decimal string.
pub(crate) fn write_i64_str(out: &mut Vec<u8>, v: i64) {
    out.push(b'"');
    write_i64(out, v);
    out.push(b'"');
}

/// Appends a double: shortest round-trip representation as a JSON number,
/// or the strings `"NaN"`, `"Infinity"`, `"-Infinity"`.
pub(crate) fn write_f64(out: &mut Vec<u8>, v: f64) {
    use std::io::Write as _;
    if v.is_nan() {
        out.extend_from_slice(b"\"NaN\"");
    } else if v.is_infinite() {
        out.extend_from_slice(if v > 0.0 {
            b"\"Infinity\""
        } else {
            b"\"-Infinity\""
        });
    } else {
        // `{:?}` is the shortest representation that round-trips, switching
        // to exponent notation for very large/small magnitudes ("1e300",
        // "1e-7"); it never emits "+" in the exponent, so it is valid JSON.
        // Integral values print as "5.0": drop the ".0" like protojson does.
        // Writing into a Vec cannot fail.
        let _ = write!(out, "{v:?}");
        if out.ends_with(b".0") {
            out.truncate(out.len() - 2);
        }
    }
}

/// Appends `bytes` as lowercase hex in a JSON string.
pub(crate) fn write_hex(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(bytes.len() * 2 + 2);
    out.push(b'"');
    for &b in bytes {
        out.push(HEX[usize::from(b >> 4)]);
        out.push(HEX[usize::from(b & 0xf)]);
    }
    out.push(b'"');
}

/// Appends `bytes` as standard padded base64 in a JSON string.
pub(crate) fn write_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    out.push(b'"');
    let start = out.len();
    match base64::encoded_len(bytes.len(), true) {
        Some(n) => {
            out.resize(start + n, 0);
            match out.get_mut(start..).map(|dst| STANDARD.encode_slice(bytes, dst)) {
                Some(Ok(written)) => out.truncate(start + written),
                _ => {
                    out.truncate(start);
                    out.extend_from_slice(STANDARD.encode(bytes).as_bytes());
                }
            }
        }
        None => out.extend_from_slice(STANDARD.encode(bytes).as_bytes()),
    }
    out.push(b'"');
}

/// Writes a list `[a,b,...]`, encoding each element with `f`.
pub(crate) fn write_list<T>(out: &mut Vec<u8>, items: &[T], mut f: impl FnMut(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        f(out, item);
    }
    out.push(b']');
}

/// An object being written: takes care of `{`, `,` and `}` and of omitting
/// default values.
pub(crate) struct Obj<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Obj<'o> {
    /// Opens an object.
    pub(crate) fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, first: true }
    }

    /// Closes the object.
    pub(crate) fn end(self) {
        self.out.push(b'}');
    }

    /// Writes `"name":` (with a separator if needed); the caller then writes
    /// the value. `name` must not need escaping (all field names are ASCII
    /// identifiers).
    pub(crate) fn key(&mut self, name: &str) -> &mut Vec<u8> {
        if self.first {
            self.first = false;
        } else {
            self.out.push(b',');
        }
        self.out.push(b'"');
        self.out.extend_from_slice(name.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    /// A `string` field, omitted when empty.
    pub(crate) fn string(&mut self, name: &str, v: &str) {
        if !v.is_empty() {
            write_str(self.key(name), v);
        }
    }

    /// A `bool` field, omitted when false.
    pub(crate) fn boolean(&mut self, name: &str, v: bool) {
        if v {
            self.key(name).extend_from_slice(b"true");
        }
    }

    /// A uint64/fixed64 field (decimal string), omitted when zero.
    pub(crate) fn u64(&mut self, name: &str, v: u64) {
        if v != 0 {
            write_u64_str(self.key(name), v);
        }
    }

    /// An int64/sfixed64 field (decimal string), omitted when zero.
    pub(crate) fn i64(&mut self, name: &str, v: i64) {
        if v != 0 {
            write_i64_str(self.key(name), v);
        }
    }

    /// A uint32/fixed32 field (JSON number), omitted when zero.
    pub(crate) fn u32(&mut self, name: &str, v: u32) {
        if v != 0 {
            write_u64(self.key(name), u64::from(v));
        }
    }

    /// An int32/sint32/enum field (JSON number), omitted when zero.
    pub(crate) fn i32(&mut self, name: &str, v: i32) {
        if v != 0 {
            write_i64(self.key(name), i64::from(v));
        }
    }

    /// A `double` field, omitted when +0.0 (protojson writes -0.0).
    pub(crate) fn f64(&mut self, name: &str, v: f64) {
        if v.to_bits() != 0 {
            write_f64(self.key(name), v);
        }
    }

    /// An `optional double` field, written whenever present.
    pub(crate) fn opt_f64(&mut self, name: &str, v: Option<f64>) {
        if let Some(v) = v {
            write_f64(self.key(name), v);
        }
    }

    /// A trace/span id (hex), omitted when empty.
    pub(crate) fn hex(&mut self, name: &str, v: &[u8]) {
        if !v.is_empty() {
            write_hex(self.key(name), v);
        }
    }

    /// A repeated field, omitted when empty.
    pub(crate) fn list<T>(&mut self, name: &str, items: &[T], f: impl FnMut(&mut Vec<u8>, &T)) {
        if !items.is_empty() {
            write_list(self.key(name), items, f);
        }
    }

    /// A message field, written whenever present (even if empty).
    pub(crate) fn msg<T>(&mut self, name: &str, v: Option<&T>, f: impl FnOnce(&mut Vec<u8>, &T)) {
        if let Some(v) = v {
            f(self.key(name), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(v: f64) -> String {
        let mut out = Vec::new();
        write_f64(&mut out, v);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn floats() {
        assert_eq!(f(5.0), "5");
        assert_eq!(f(-0.0), "-0");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(637.704), "637.704");
        assert_eq!(f(1e300), "1e300");
        assert_eq!(f(1e-300), "1e-300");
        assert_eq!(f(1.5e-7), "1.5e-7");
        assert_eq!(f(f64::MAX), "1.7976931348623157e308");
        assert_eq!(f(f64::MIN_POSITIVE), "2.2250738585072014e-308");
        assert_eq!(f(5e-324), "5e-324");
        assert_eq!(f(f64::NAN), "\"NaN\"");
        assert_eq!(f(f64::INFINITY), "\"Infinity\"");
        assert_eq!(f(f64::NEG_INFINITY), "\"-Infinity\"");
        for v in [1e16, 123456789012345680.0, 1e15, 0.000123, -2.5e-5, 1e21] {
            let s = f(v);
            assert!(!s.contains('+'), "{s}");
            assert_eq!(s.parse::<f64>().unwrap(), v, "{s}");
        }
    }

    #[test]
    fn strings() {
        let mut out = Vec::new();
        write_str(&mut out, "a\"b\\c\n\u{1}\u{1f}é\u{7f}\t");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\"a\\\"b\\\\c\\n\\u0001\\u001fé\u{7f}\\t\""
        );
    }

    #[test]
    fn integers() {
        let mut out = Vec::new();
        write_u64(&mut out, 0);
        out.push(b' ');
        write_u64(&mut out, u64::MAX);
        out.push(b' ');
        write_i64(&mut out, i64::MIN);
        out.push(b' ');
        write_i64(&mut out, -7);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 18446744073709551615 -9223372036854775808 -7"
        );
    }

    #[test]
    fn base64() {
        let mut out = Vec::new();
        write_base64(&mut out, b"hello?");
        write_base64(&mut out, b"");
        write_base64(&mut out, &[0xfb, 0xff]);
        assert_eq!(String::from_utf8(out).unwrap(), "\"aGVsbG8/\"\"\"\"+/8=\"");
    }
}
