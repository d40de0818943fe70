//! Value formatting as the Go collector does it: attribute values to label
//! values (pdata `Value.AsString`), and floats in Go's `strconv` formats
//! (`'g'` shortest for the text exposition, `'f'` shortest for remote-write
//! `le`/`quantile` labels), written without allocating.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::proto::common::v1::{AnyValue, KeyValue, any_value};

/// The shortest decimal digits of a finite, non-zero `f64` and its decimal
/// point position: `v = 0.d1d2d3... × 10^dp`.
struct Digits {
    neg: bool,
    buf: [u8; 24],
    nd: usize,
    dp: i32,
}

impl Digits {
    fn of(v: f64) -> Digits {
        // `{:e}` prints the shortest round-trip digits: "-1.2345e-7".
        let mut tmp = StackStr::<40>::new();
        let _ = write!(tmp, "{v:e}");
        let s = tmp.as_str();
        let (neg, s) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s),
        };
        let (mant, exp) = s.split_once('e').unwrap_or((s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let mut d = Digits {
            neg,
            buf: [0; 24],
            nd: 0,
            dp: exp + 1,
        };
        for b in mant.bytes().filter(u8::is_ascii_digit) {
            if d.nd < d.buf.len() {
                d.buf[d.nd] = b;
                d.nd += 1;
            }
        }
        // Strip trailing zeros ("0e0" keeps one digit).
        while d.nd > 1 && d.buf[d.nd - 1] == b'0' {
            d.nd -= 1;
        }
        d
    }

    fn digit(&self, i: i32) -> u8 {
        if i >= 0 && (i as usize) < self.nd {
            self.buf[i as usize]
        } else {
            b'0'
        }
    }

    /// Go `%e` with `prec` fractional digits: `d.ddde±XX`.
    fn write_e(&self, out: &mut String, prec: usize, min_exp_digits: usize) {
        if self.neg {
            out.push('-');
        }
        out.push(self.digit(0) as char);
        if prec > 0 {
            out.push('.');
            for i in 1..=prec {
                out.push(self.digit(i as i32) as char);
            }
        }
        let exp = if self.nd == 1 && self.buf[0] == b'0' {
            0
        } else {
            self.dp - 1
        };
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let abs = exp.unsigned_abs();
        if min_exp_digits == 2 && abs < 10 {
            out.push('0');
        }
        let _ = write!(out, "{abs}");
    }

    /// Go `%f` with `prec` fractional digits.
    fn write_f(&self, out: &mut String, prec: usize) {
        if self.neg {
            out.push('-');
        }
        if self.dp > 0 {
            for i in 0..self.dp {
                out.push(self.digit(i) as char);
            }
        } else {
            out.push('0');
        }
        if prec > 0 {
            out.push('.');
            for i in 0..prec as i32 {
                out.push(self.digit(self.dp + i) as char);
            }
        }
    }
}

fn write_special(out: &mut String, v: f64) -> bool {
    if v.is_nan() {
        out.push_str("NaN");
    } else if v == f64::INFINITY {
        out.push_str("+Inf");
    } else if v == f64::NEG_INFINITY {
        out.push_str("-Inf");
    } else {
        return false;
    }
    true
}

/// Go `strconv.FormatFloat(v, 'g', -1, 64)`, with `+Inf`/`-Inf`/`NaN`.
pub fn write_go_g(out: &mut String, v: f64) {
    if write_special(out, v) {
        return;
    }
    // Integers below 1e6 print as themselves under 'g' (counters, most
    // gauges): skip the shortest-digits search. -0 keeps Go's "-0".
    if v.fract() == 0.0 && v.abs() < 1e6 && !(v == 0.0 && v.is_sign_negative()) {
        use std::fmt::Write as _;
        let _ = write!(out, "{}", v as i64);
        return;
    }
    let d = Digits::of(v);
    let exp = d.dp - 1;
    if !(-4..6).contains(&exp) {
        d.write_e(out, d.nd.saturating_sub(1), 2);
    } else {
        d.write_f(out, (d.nd as i32 - d.dp).max(0) as usize);
    }
}

/// Go `strconv.FormatFloat(v, 'f', -1, 64)` (remote-write `le` and `quantile` labels).
pub fn write_go_f(out: &mut String, v: f64) {
    if write_special(out, v) {
        return;
    }
    let d = Digits::of(v);
    d.write_f(out, (d.nd as i32 - d.dp).max(0) as usize);
}

/// A float as the text exposition format 0.0.4 writes it (Go `expfmt.writeFloat`).
pub fn write_text_float(out: &mut String, v: f64) {
    if v == 0.0 {
        out.push('0');
    } else if v == 1.0 {
        out.push('1');
    } else if v == -1.0 {
        out.push_str("-1");
    } else {
        write_go_g(out, v);
    }
}

/// A float as OpenMetrics writes it: like the text format, but integral
/// values get a `.0` (Go `expfmt.writeOpenMetricsFloat`).
pub fn write_openmetrics_float(out: &mut String, v: f64) {
    let start = out.len();
    write_text_float(out, v);
    if v.is_finite() && !out[start..].contains(['.', 'e']) {
        out.push_str(".0");
    }
}

/// A float as Go's JSON / pdata `AsString` writes it (ES6 number formatting).
pub fn write_json_float(out: &mut String, v: f64) {
    if !v.is_finite() {
        write_go_g(out, v);
        return;
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let d = Digits::of(v);
        d.write_e(out, d.nd.saturating_sub(1), 1);
    } else if v == 0.0 {
        out.push_str(if v.is_sign_negative() { "-0" } else { "0" });
    } else {
        write_go_f(out, v);
    }
}

/// An attribute value as a label value (Go pdata `Value.AsString`): strings
/// as they are, numbers and booleans in Go's formatting, bytes in base64,
/// arrays and maps as JSON.
pub fn any_value_string(v: Option<&AnyValue>) -> String {
    let mut out = String::new();
    write_any_value(&mut out, v);
    out
}

/// Appends [`any_value_string`] of `v` to `out`.
pub fn write_any_value(out: &mut String, v: Option<&AnyValue>) {
    match v.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => out.push_str(s),
        Some(any_value::Value::BoolValue(b)) => out.push_str(if *b { "true" } else { "false" }),
        Some(any_value::Value::IntValue(i)) => {
            let _ = write!(out, "{i}");
        }
        Some(any_value::Value::DoubleValue(d)) => write_json_float(out, *d),
        Some(any_value::Value::BytesValue(b)) => {
            base64::engine::general_purpose::STANDARD.encode_string(b, out);
        }
        Some(any_value::Value::ArrayValue(a)) => write_json_array(out, &a.values),
        Some(any_value::Value::KvlistValue(kv)) => write_json_map(out, &kv.values),
        Some(any_value::Value::StringValueStrindex(_)) | None => {}
    }
}

fn write_json(out: &mut String, v: Option<&AnyValue>) {
    match v.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => write_json_string(out, s),
        Some(any_value::Value::BytesValue(b)) => {
            out.push('"');
            base64::engine::general_purpose::STANDARD.encode_string(b, out);
            out.push('"');
        }
        Some(any_value::Value::DoubleValue(d)) if !d.is_finite() => out.push_str("null"),
        Some(any_value::Value::ArrayValue(a)) => write_json_array(out, &a.values),
        Some(any_value::Value::KvlistValue(kv)) => write_json_map(out, &kv.values),
        Some(any_value::Value::StringValueStrindex(_)) | None => out.push_str("null"),
        _ => write_any_value(out, v),
    }
}

fn write_json_array(out: &mut String, values: &[AnyValue]) {
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json(out, Some(v));
    }
    out.push(']');
}

fn write_json_map(out: &mut String, values: &[KeyValue]) {
    // Go's encoding/json sorts map keys; a later duplicate key wins.
    let mut sorted: Vec<&KeyValue> = Vec::with_capacity(values.len());
    for kv in values {
        match sorted.iter().position(|e| e.key == kv.key) {
            Some(i) => sorted[i] = kv,
            None => sorted.push(kv),
        }
    }
    sorted.sort_by(|a, b| a.key.cmp(&b.key));
    out.push('{');
    for (i, kv) in sorted.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_json_string(out, &kv.key);
        out.push(':');
        write_json(out, kv.value.as_ref());
    }
    out.push('}');
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe escaping).
fn write_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Lower-case hex of an id (trace or span), empty for an all-zero or empty id.
pub fn hex_id(id: &[u8]) -> String {
    if id.iter().all(|b| *b == 0) {
        return String::new();
    }
    let mut s = String::with_capacity(id.len() * 2);
    for b in id {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A fixed-capacity string on the stack, for formatting without allocating.
struct StackStr<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> StackStr<N> {
    fn new() -> Self {
        StackStr { buf: [0; N], len: 0 }
    }
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl<const N: usize> std::fmt::Write for StackStr<N> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        if end > N {
            return Err(std::fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::proto::common::v1::{ArrayValue as Arr, KeyValueList};

    fn g(v: f64) -> String {
        let mut s = String::new();
        write_go_g(&mut s, v);
        s
    }
    fn f(v: f64) -> String {
        let mut s = String::new();
        write_go_f(&mut s, v);
        s
    }

    #[test]
    fn go_g_format() {
        assert_eq!(g(0.0), "0");
        assert_eq!(g(1.5), "1.5");
        assert_eq!(g(100.0), "100");
        assert_eq!(g(123456.0), "123456");
        assert_eq!(g(1234567.0), "1.234567e+06");
        assert_eq!(g(999999.0), "999999");
        assert_eq!(g(1e6), "1e+06");
        assert_eq!(g(-7.0), "-7");
        assert_eq!(g(-999999.0), "-999999");
        assert_eq!(g(-0.0), "-0");
        assert_eq!(g(1e21), "1e+21");
        assert_eq!(g(0.0001), "0.0001");
        assert_eq!(g(0.00001), "1e-05");
        assert_eq!(g(-2.5e-10), "-2.5e-10");
        assert_eq!(g(0.1), "0.1");
        assert_eq!(g(f64::INFINITY), "+Inf");
        assert_eq!(g(f64::NAN), "NaN");
        assert_eq!(g(1e100), "1e+100");
    }

    #[test]
    fn go_f_format() {
        assert_eq!(f(0.005), "0.005");
        assert_eq!(f(1e6), "1000000");
        assert_eq!(f(2.5), "2.5");
        assert_eq!(f(0.0), "0");
        assert_eq!(f(1e-7), "0.0000001");
    }

    #[test]
    fn text_and_openmetrics_floats() {
        let mut s = String::new();
        write_text_float(&mut s, 1.0);
        s.push(' ');
        write_openmetrics_float(&mut s, 1.0);
        s.push(' ');
        write_openmetrics_float(&mut s, 2.0);
        s.push(' ');
        write_openmetrics_float(&mut s, 2.5);
        s.push(' ');
        write_openmetrics_float(&mut s, 1e7);
        s.push(' ');
        write_openmetrics_float(&mut s, f64::INFINITY);
        assert_eq!(s, "1 1.0 2.0 2.5 1e+07 +Inf");
    }

    #[test]
    fn attribute_values_as_go_strings() {
        let v = |value| AnyValue { value: Some(value) };
        use any_value::Value::*;
        assert_eq!(any_value_string(Some(&v(StringValue("x".into())))), "x");
        assert_eq!(any_value_string(Some(&v(BoolValue(true)))), "true");
        assert_eq!(any_value_string(Some(&v(IntValue(-42)))), "-42");
        assert_eq!(any_value_string(Some(&v(DoubleValue(1.5)))), "1.5");
        assert_eq!(any_value_string(Some(&v(DoubleValue(3.0)))), "3");
        assert_eq!(any_value_string(Some(&v(DoubleValue(1e21)))), "1e+21");
        assert_eq!(any_value_string(Some(&v(DoubleValue(1e-7)))), "1e-7");
        assert_eq!(any_value_string(Some(&v(BytesValue(vec![1, 2, 3])))), "AQID");
        assert_eq!(any_value_string(None), "");
        let arr = Arr {
            values: vec![v(IntValue(1)), v(StringValue("<a>".into())), v(BoolValue(false))],
        };
        assert_eq!(
            any_value_string(Some(&v(ArrayValue(arr)))),
            r#"[1,"\u003ca\u003e",false]"#
        );
        let kv = |k: &str, val| KeyValue {
            key: k.into(),
            value: Some(v(val)),
            ..Default::default()
        };
        let map = KeyValueList {
            values: vec![kv("b", DoubleValue(0.5)), kv("a", StringValue("x".into()))],
        };
        assert_eq!(
            any_value_string(Some(&v(KvlistValue(map)))),
            r#"{"a":"x","b":0.5}"#
        );
    }

    #[test]
    fn hex_ids() {
        assert_eq!(hex_id(&[0xab, 0x01]), "ab01");
        assert_eq!(hex_id(&[0, 0]), "");
        assert_eq!(hex_id(&[]), "");
    }
}
