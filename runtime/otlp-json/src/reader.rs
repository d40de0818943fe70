//! A small pull parser for JSON (RFC 8259) that decodes straight into the
//! protobuf structs, plus the typed scalar readers implementing the
//! protojson/OTLP leniencies (int64 as string or number, enum names, ...).
//!
//! The parser never indexes out of bounds and never recurses on input
//! structure by itself: unknown values are skipped iteratively, and the only
//! recursion is the decoder's, which follows the (bounded) OTLP schema plus
//! the explicitly depth-limited `AnyValue` nesting.

use std::borrow::Cow;

use crate::DecodeError;

/// Maximum nesting of containers inside a skipped (unknown) value. The skipper
/// is iterative; this only bounds the memory of its small container stack.
const MAX_SKIP_DEPTH: usize = 10_000;

/// One step of a JSON path.
#[derive(Clone, Copy, Debug)]
enum Seg {
    Root,
    Key(&'static str),
    Index(usize),
}

/// A JSON path as a linked list living on the decoder's stack; it is only
/// rendered to a string when an error is produced.
#[derive(Debug)]
pub(crate) struct Path<'p> {
    parent: Option<&'p Path<'p>>,
    seg: Seg,
}

impl Path<'static> {
    /// The document root.
    pub(crate) const ROOT: Path<'static> = Path {
        parent: None,
        seg: Seg::Root,
    };
}

impl<'p> Path<'p> {
    /// The path of field `name` (its canonical lowerCamelCase JSON name).
    pub(crate) fn key(&'p self, name: &'static str) -> Path<'p> {
        Path {
            parent: Some(self),
            seg: Seg::Key(name),
        }
    }

    /// The path of element `i` of this list.
    pub(crate) fn index(&'p self, i: usize) -> Path<'p> {
        Path {
            parent: Some(self),
            seg: Seg::Index(i),
        }
    }

    /// Renders e.g. `resourceSpans[0].scopeSpans[1].spans[3].traceId`.
    pub(crate) fn render(&self) -> String {
        let mut segs = Vec::new();
        let mut cur = Some(self);
        while let Some(p) = cur {
            segs.push(p.seg);
            cur = p.parent;
        }
        let mut out = String::new();
        for seg in segs.iter().rev() {
            match seg {
                Seg::Root => {}
                Seg::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Seg::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// An error located at this path.
    pub(crate) fn error(&self, message: impl Into<String>) -> DecodeError {
        DecodeError::new(self.render(), message.into())
    }
}

type Result<T> = std::result::Result<T, DecodeError>;

/// Pull parser over a UTF-8 validated input.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    src: &'a str,
    pos: usize,
    /// Objects open around the current position. Every OTLP/JSON object is
    /// a protobuf message, so this is the message nesting depth (the request
    /// itself is 1), held to what protobuf decoders accept.
    depth: usize,
}

impl<'a> Reader<'a> {
    /// Validates UTF-8 and positions the reader at the start.
    pub(crate) fn new(bytes: &'a [u8]) -> Result<Self> {
        let src = std::str::from_utf8(bytes).map_err(|e| {
            Path::ROOT.error(format!(
                "invalid JSON: input is not valid UTF-8 (at byte {})",
                e.valid_up_to()
            ))
        })?;
        Ok(Reader { src, pos: 0, depth: 0 })
    }

    #[inline]
    fn bytes(&self) -> &'a [u8] {
        self.src.as_bytes()
    }

    #[inline]
    fn ws(&mut self) {
        let b = self.bytes();
        while let Some(&c) = b.get(self.pos) {
            if matches!(c, b' ' | b'\t' | b'\n' | b'\r') {
                self.pos += 1;
            } else {
                break;
            }
        }
    }

    /// Next significant byte (after whitespace), not consumed.
    #[inline]
    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.bytes().get(self.pos).copied()
    }

    /// A syntax error at the current byte offset.
    fn syntax(&self, path: &Path<'_>, what: &str) -> DecodeError {
        path.error(format!("invalid JSON at byte {}: {what}", self.pos))
    }

    /// Describes the next value's JSON type for error messages.
    fn got(&mut self) -> Option<&'static str> {
        match self.peek()? {
            b'{' => Some("object"),
            b'[' => Some("array"),
            b'"' => Some("string"),
            b't' | b'f' => Some("boolean"),
            b'n' => Some("null"),
            b'-' | b'0'..=b'9' => Some("number"),
            _ => None,
        }
    }

    /// "expected X, got Y" (or a syntax error if there is no valid value).
    fn type_err(&mut self, path: &Path<'_>, expected: &str) -> DecodeError {
        match self.got() {
            Some(got) => path.error(format!("expected {expected}, got {got}")),
            None if self.pos >= self.src.len() => self.syntax(path, "unexpected end of input"),
            None => self.syntax(path, "unexpected character"),
        }
    }

    fn literal(&mut self, path: &Path<'_>, lit: &str) -> Result<()> {
        let ok = self
            .bytes()
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(lit.as_bytes()));
        if ok {
            self.pos += lit.len();
            Ok(())
        } else {
            Err(self.syntax(path, "invalid literal"))
        }
    }

    /// Consumes a `null` if one comes next.
    pub(crate) fn try_null(&mut self, path: &Path<'_>) -> Result<bool> {
        if self.peek() == Some(b'n') {
            self.literal(path, "null")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// After the root value only whitespace may follow.
    pub(crate) fn finish(&mut self) -> Result<()> {
        if self.peek().is_some() {
            Err(self.syntax(&Path::ROOT, "trailing characters after the JSON document"))
        } else {
            Ok(())
        }
    }

    /// Consumes the `{` of an object (type error otherwise). Refuses an
    /// object nested deeper than [`MAX_MESSAGE_DEPTH`] messages below the
    /// request: protobuf decoders (prost, Go's) refuse such an encoding, so
    /// accepting it here would acknowledge data that no next hop takes.
    pub(crate) fn begin_object(&mut self, path: &Path<'_>) -> Result<()> {
        if self.peek() == Some(b'{') {
            if self.depth > crate::MAX_MESSAGE_DEPTH {
                return Err(path.error(format!(
                    "messages are nested deeper than the protobuf limit of {}",
                    crate::MAX_MESSAGE_DEPTH
                )));
            }
            self.depth += 1;
            self.pos += 1;
            Ok(())
        } else {
            Err(self.type_err(path, "object"))
        }
    }

    /// Reads the next key of an object (and its `:`), or `None` at `}`.
    pub(crate) fn next_key(&mut self, path: &Path<'_>, first: &mut bool) -> Result<Option<Cow<'a, str>>> {
        let c = self.peek();
        if *first {
            *first = false;
            if c == Some(b'}') {
                self.pos += 1;
                self.depth = self.depth.saturating_sub(1);
                return Ok(None);
            }
        } else {
            match c {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth = self.depth.saturating_sub(1);
                    return Ok(None);
                }
                None => return Err(self.syntax(path, "unexpected end of input")),
                _ => return Err(self.syntax(path, "expected ',' or '}'")),
            }
        }
        if self.peek() != Some(b'"') {
            return Err(self.syntax(path, "expected a string key"));
        }
        let key = self.parse_string(path)?;
        if self.peek() != Some(b':') {
            return Err(self.syntax(path, "expected ':'"));
        }
        self.pos += 1;
        Ok(Some(key))
    }

    /// Advances to the next array element; `false` at `]`.
    pub(crate) fn next_elem(&mut self, path: &Path<'_>, first: &mut bool) -> Result<bool> {
        let c = self.peek();
        if *first {
            *first = false;
            if c == Some(b']') {
                self.pos += 1;
                return Ok(false);
            }
            return Ok(true);
        }
        match c {
            Some(b',') => {
                self.pos += 1;
                Ok(true)
            }
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            None => Err(self.syntax(path, "unexpected end of input")),
            _ => Err(self.syntax(path, "expected ',' or ']'")),
        }
    }

    /// Decodes the root object: like [`Reader::object`], but `null` or any
    /// other non-object is an error, and nothing may follow it.
    pub(crate) fn root(&mut self, f: impl FnMut(&mut Self, &str) -> Result<()>) -> Result<()> {
        if self.peek() != Some(b'{') {
            return Err(self.type_err(&Path::ROOT, "a JSON object"));
        }
        self.object(&Path::ROOT, f)?;
        self.finish()
    }

    /// Consumes `null` (returning `false`) or the `{` of an object.
    pub(crate) fn begin_object_or_null(&mut self, path: &Path<'_>) -> Result<bool> {
        if self.try_null(path)? {
            return Ok(false);
        }
        self.begin_object(path)?;
        Ok(true)
    }

    /// Consumes `null` (returning `false`) or the `[` of an array.
    pub(crate) fn begin_list_or_null(&mut self, path: &Path<'_>) -> Result<bool> {
        if self.try_null(path)? {
            return Ok(false);
        }
        if self.peek() != Some(b'[') {
            return Err(self.type_err(path, "array"));
        }
        self.pos += 1;
        Ok(true)
    }

    /// List elements must not be `null` (protojson rejects that too).
    pub(crate) fn reject_null_elem(&mut self, path: &Path<'_>) -> Result<()> {
        if self.peek() == Some(b'n') {
            Err(path.error("null is not allowed as a list element"))
        } else {
            Ok(())
        }
    }

    /// Decodes an object, calling `f` for every key (which must consume the
    /// value, e.g. with [`Reader::skip_value`] for unknown keys). `null` is
    /// accepted and means "all fields default".
    pub(crate) fn object(
        &mut self,
        path: &Path<'_>,
        mut f: impl FnMut(&mut Self, &str) -> Result<()>,
    ) -> Result<()> {
        if !self.begin_object_or_null(path)? {
            return Ok(());
        }
        let mut first = true;
        while let Some(key) = self.next_key(path, &mut first)? {
            f(self, &key)?;
        }
        Ok(())
    }

    /// An optional (presence-tracking) message field: `null` means absent.
    pub(crate) fn opt<T>(
        &mut self,
        path: &Path<'_>,
        f: impl FnOnce(&mut Self, &Path<'_>) -> Result<T>,
    ) -> Result<Option<T>> {
        if self.try_null(path)? {
            Ok(None)
        } else {
            f(self, path).map(Some)
        }
    }

    /// A repeated field: a JSON array (or `null` = empty). Elements must not
    /// be `null`.
    pub(crate) fn list<T>(
        &mut self,
        path: &Path<'_>,
        mut f: impl FnMut(&mut Self, &Path<'_>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        if !self.begin_list_or_null(path)? {
            return Ok(out);
        }
        let mut first = true;
        while self.next_elem(path, &mut first)? {
            let p = path.index(out.len());
            self.reject_null_elem(&p)?;
            out.push(f(self, &p)?);
        }
        Ok(out)
    }

    /// Parses a string token starting at the current `"`.
    fn parse_string(&mut self, path: &Path<'_>) -> Result<Cow<'a, str>> {
        let b = self.bytes();
        let src = self.src;
        self.pos += 1; // opening quote
        let start = self.pos;
        // Fast path: no escapes.
        loop {
            match b.get(self.pos) {
                None => return Err(self.syntax(path, "unterminated string")),
                Some(b'"') => {
                    let s = src
                        .get(start..self.pos)
                        .ok_or_else(|| self.syntax(path, "invalid string"))?;
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(&c) if c < 0x20 => {
                    return Err(self.syntax(path, "unescaped control character in string"));
                }
                Some(_) => self.pos += 1,
            }
        }
        let mut out = String::with_capacity(self.pos - start + 16);
        out.push_str(
            src.get(start..self.pos)
                .ok_or_else(|| self.syntax(path, "invalid string"))?,
        );
        loop {
            match b.get(self.pos) {
                None => return Err(self.syntax(path, "unterminated string")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc = b.get(self.pos + 1).copied();
                    self.pos += 2;
                    match esc {
                        Some(b'"') => out.push('"'),
                        Some(b'\\') => out.push('\\'),
                        Some(b'/') => out.push('/'),
                        Some(b'b') => out.push('\u{8}'),
                        Some(b'f') => out.push('\u{c}'),
                        Some(b'n') => out.push('\n'),
                        Some(b'r') => out.push('\r'),
                        Some(b't') => out.push('\t'),
                        Some(b'u') => {
                            let hi = self.hex4(path)?;
                            let cp = if (0xD800..0xDC00).contains(&hi) {
                                let has_low = b.get(self.pos..self.pos + 2).is_some_and(|s| s == b"\\u");
                                if !has_low {
                                    return Err(self.syntax(path, "unpaired surrogate in \\u escape"));
                                }
                                self.pos += 2;
                                let lo = self.hex4(path)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.syntax(path, "unpaired surrogate in \\u escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else if (0xDC00..0xE000).contains(&hi) {
                                return Err(self.syntax(path, "unpaired surrogate in \\u escape"));
                            } else {
                                hi
                            };
                            let ch =
                                char::from_u32(cp).ok_or_else(|| self.syntax(path, "invalid \\u escape"))?;
                            out.push(ch);
                        }
                        _ => return Err(self.syntax(path, "invalid escape sequence")),
                    }
                }
                Some(&c) if c < 0x20 => {
                    return Err(self.syntax(path, "unescaped control character in string"));
                }
                Some(_) => {
                    let run = self.pos;
                    while let Some(&c) = b.get(self.pos) {
                        if c == b'"' || c == b'\\' || c < 0x20 {
                            break;
                        }
                        self.pos += 1;
                    }
                    out.push_str(
                        src.get(run..self.pos)
                            .ok_or_else(|| self.syntax(path, "invalid string"))?,
                    );
                }
            }
        }
    }

    fn hex4(&mut self, path: &Path<'_>) -> Result<u32> {
        let digits = self
            .bytes()
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.syntax(path, "truncated \\u escape"))?;
        let mut v = 0u32;
        for &d in digits {
            let n = hex_val(d).ok_or_else(|| self.syntax(path, "invalid \\u escape"))?;
            v = (v << 4) | u32::from(n);
        }
        self.pos += 4;
        Ok(v)
    }

    /// Reads a number token (validated against the JSON grammar).
    fn number_token(&mut self, path: &Path<'_>) -> Result<&'a str> {
        let start = self.pos;
        let end = scan_number(self.bytes(), start).ok_or_else(|| self.syntax(path, "invalid number"))?;
        self.pos = end;
        self.src
            .get(start..end)
            .ok_or_else(|| self.syntax(path, "invalid number"))
    }

    /// Skips any JSON value (validating its syntax) without recursion.
    pub(crate) fn skip_value(&mut self, path: &Path<'_>) -> Result<()> {
        // true = object, false = array
        let mut stack: Vec<bool> = Vec::new();
        loop {
            // Expecting a value.
            match self.peek() {
                Some(b'{') => {
                    self.pos += 1;
                    if self.peek() == Some(b'}') {
                        self.pos += 1;
                    } else {
                        if stack.len() >= MAX_SKIP_DEPTH {
                            return Err(self.syntax(path, "nesting too deep"));
                        }
                        stack.push(true);
                        self.skip_key(path)?;
                        continue;
                    }
                }
                Some(b'[') => {
                    self.pos += 1;
                    if self.peek() == Some(b']') {
                        self.pos += 1;
                    } else {
                        if stack.len() >= MAX_SKIP_DEPTH {
                            return Err(self.syntax(path, "nesting too deep"));
                        }
                        stack.push(false);
                        continue;
                    }
                }
                Some(b'"') => {
                    self.parse_string(path)?;
                }
                Some(b't') => self.literal(path, "true")?,
                Some(b'f') => self.literal(path, "false")?,
                Some(b'n') => self.literal(path, "null")?,
                Some(b'-' | b'0'..=b'9') => {
                    self.number_token(path)?;
                }
                None => return Err(self.syntax(path, "unexpected end of input")),
                Some(_) => return Err(self.syntax(path, "unexpected character")),
            }
            // After a value: close containers or move to the next element.
            loop {
                let Some(&is_obj) = stack.last() else {
                    return Ok(());
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if is_obj {
                            self.skip_key(path)?;
                        }
                        break;
                    }
                    Some(b'}') if is_obj => {
                        self.pos += 1;
                        stack.pop();
                    }
                    Some(b']') if !is_obj => {
                        self.pos += 1;
                        stack.pop();
                    }
                    None => return Err(self.syntax(path, "unexpected end of input")),
                    Some(_) if is_obj => return Err(self.syntax(path, "expected ',' or '}'")),
                    Some(_) => return Err(self.syntax(path, "expected ',' or ']'")),
                }
            }
        }
    }

    fn skip_key(&mut self, path: &Path<'_>) -> Result<()> {
        if self.peek() != Some(b'"') {
            return Err(self.syntax(path, "expected a string key"));
        }
        self.parse_string(path)?;
        if self.peek() != Some(b':') {
            return Err(self.syntax(path, "expected ':'"));
        }
        self.pos += 1;
        Ok(())
    }

    // ----- typed scalar readers (null = default value) -----

    /// A `string` field.
    pub(crate) fn string(&mut self, path: &Path<'_>) -> Result<String> {
        match self.peek() {
            Some(b'"') => Ok(self.parse_string(path)?.into_owned()),
            Some(b'n') => {
                self.literal(path, "null")?;
                Ok(String::new())
            }
            _ => Err(self.type_err(path, "string")),
        }
    }

    /// A `bool` field.
    pub(crate) fn boolean(&mut self, path: &Path<'_>) -> Result<bool> {
        match self.peek() {
            Some(b't') => self.literal(path, "true").map(|()| true),
            Some(b'f') => self.literal(path, "false").map(|()| false),
            Some(b'n') => self.literal(path, "null").map(|()| false),
            _ => Err(self.type_err(path, "boolean")),
        }
    }

    /// Any integer field, accepted as a JSON number or a decimal string
    /// (exponent/fraction forms allowed when the value is integral, as in
    /// protojson), range-checked against `[min, max]`.
    fn integer(&mut self, path: &Path<'_>, min: i128, max: i128, ty: &str) -> Result<i128> {
        let (text, quoted): (Cow<'a, str>, bool) = match self.peek() {
            Some(b'"') => (self.parse_string(path)?, true),
            Some(b'-' | b'0'..=b'9') => (Cow::Borrowed(self.number_token(path)?), false),
            Some(b'n') => {
                self.literal(path, "null")?;
                return Ok(0);
            }
            _ => return Err(self.type_err(path, &format!("{ty} (a number or a decimal string)"))),
        };
        let shown = if quoted {
            quote_for_message(&text)
        } else {
            text.to_string()
        };
        match parse_int_text(&text) {
            Ok(v) if v >= min && v <= max => Ok(v),
            Ok(_) | Err(IntErr::Overflow) => {
                Err(path.error(format!("value {shown} is out of range for {ty}")))
            }
            Err(IntErr::NotInteger) => Err(path.error(format!("expected {ty}, got {shown}"))),
        }
    }

    /// A `uint64`/`fixed64` field.
    pub(crate) fn u64(&mut self, path: &Path<'_>) -> Result<u64> {
        let v = self.integer(path, 0, i128::from(u64::MAX), "uint64")?;
        u64::try_from(v).map_err(|_| path.error("value out of range for uint64"))
    }

    /// An `int64`/`sfixed64` field.
    pub(crate) fn i64(&mut self, path: &Path<'_>) -> Result<i64> {
        let v = self.integer(path, i128::from(i64::MIN), i128::from(i64::MAX), "int64")?;
        i64::try_from(v).map_err(|_| path.error("value out of range for int64"))
    }

    /// A `uint32`/`fixed32` field.
    pub(crate) fn u32(&mut self, path: &Path<'_>) -> Result<u32> {
        let v = self.integer(path, 0, i128::from(u32::MAX), "uint32")?;
        u32::try_from(v).map_err(|_| path.error("value out of range for uint32"))
    }

    /// An `int32`/`sint32` field.
    pub(crate) fn i32(&mut self, path: &Path<'_>) -> Result<i32> {
        let v = self.integer(path, i128::from(i32::MIN), i128::from(i32::MAX), "int32")?;
        i32::try_from(v).map_err(|_| path.error("value out of range for int32"))
    }

    /// A `double` field: a JSON number, or a string holding a number or one
    /// of `"NaN"`, `"Infinity"`, `"-Infinity"`.
    pub(crate) fn f64(&mut self, path: &Path<'_>) -> Result<f64> {
        match self.peek() {
            Some(b'"') => {
                let s = self.parse_string(path)?;
                match &*s {
                    "NaN" => Ok(f64::NAN),
                    "Infinity" => Ok(f64::INFINITY),
                    "-Infinity" => Ok(f64::NEG_INFINITY),
                    text => match parse_f64_text(text) {
                        Some(v) if v.is_finite() => Ok(v),
                        Some(_) => Err(path.error(format!(
                            "value {} is out of range for double",
                            quote_for_message(text)
                        ))),
                        None => Err(path.error(format!(
                            "expected a number or \"NaN\", \"Infinity\", \"-Infinity\", got {}",
                            quote_for_message(text)
                        ))),
                    },
                }
            }
            Some(b'-' | b'0'..=b'9') => {
                let t = self.number_token(path)?;
                match parse_f64_text(t) {
                    Some(v) if v.is_finite() => Ok(v),
                    _ => Err(path.error(format!("value {t} is out of range for double"))),
                }
            }
            Some(b'n') => {
                self.literal(path, "null")?;
                Ok(0.0)
            }
            _ => Err(self.type_err(path, "number")),
        }
    }

    /// An enum field: an integer (number or numeric string) or the value's
    /// name as a string.
    pub(crate) fn enumeration(
        &mut self,
        path: &Path<'_>,
        enum_name: &str,
        from_name: fn(&str) -> Option<i32>,
    ) -> Result<i32> {
        match self.peek() {
            Some(b'"') => {
                let s = self.parse_string(path)?;
                if let Some(v) = from_name(&s) {
                    return Ok(v);
                }
                match parse_int_text(&s) {
                    Ok(v) => i32::try_from(v).map_err(|_| {
                        path.error(format!(
                            "value {} is out of range for {enum_name}",
                            quote_for_message(&s)
                        ))
                    }),
                    Err(_) => Err(path.error(format!("unknown {enum_name} value {}", quote_for_message(&s)))),
                }
            }
            Some(b'-' | b'0'..=b'9' | b'n') => self.i32(path),
            _ => Err(self.type_err(path, &format!("{enum_name} (an integer or a value name)"))),
        }
    }

    /// A trace/span id: hex string of exactly `2 * len` characters (any
    /// case), or the empty string for "no id".
    pub(crate) fn hex_id(&mut self, path: &Path<'_>, len: usize) -> Result<Vec<u8>> {
        let s = match self.peek() {
            Some(b'"') => self.parse_string(path)?,
            Some(b'n') => {
                self.literal(path, "null")?;
                return Ok(Vec::new());
            }
            _ => return Err(self.type_err(path, "a hex string")),
        };
        if s.is_empty() {
            return Ok(Vec::new());
        }
        let bad = || {
            path.error(format!(
                "expected {} hex characters, got {}",
                len * 2,
                quote_for_message(&s)
            ))
        };
        let b = s.as_bytes();
        if b.len() != len * 2 {
            return Err(bad());
        }
        let mut out = Vec::with_capacity(len);
        for pair in b.chunks_exact(2) {
            match pair {
                [h, l] => match (hex_val(*h), hex_val(*l)) {
                    (Some(h), Some(l)) => out.push((h << 4) | l),
                    _ => return Err(bad()),
                },
                _ => return Err(bad()),
            }
        }
        Ok(out)
    }

    /// A `bytes` field: base64, standard or URL-safe alphabet, padded or not.
    pub(crate) fn base64(&mut self, path: &Path<'_>) -> Result<Vec<u8>> {
        let s = match self.peek() {
            Some(b'"') => self.parse_string(path)?,
            Some(b'n') => {
                self.literal(path, "null")?;
                return Ok(Vec::new());
            }
            _ => return Err(self.type_err(path, "a base64 string")),
        };
        decode_base64(&s)
            .ok_or_else(|| path.error(format!("expected base64 data, got {}", quote_for_message(&s))))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// Validates a JSON number starting at `i`; returns the index after it.
fn scan_number(b: &[u8], mut i: usize) -> Option<usize> {
    let digit = |c: Option<&u8>| c.is_some_and(u8::is_ascii_digit);
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => {
            i += 1;
            while digit(b.get(i)) {
                i += 1;
            }
        }
        _ => return None,
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digit(b.get(i)) {
            return None;
        }
        while digit(b.get(i)) {
            i += 1;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digit(b.get(i)) {
            return None;
        }
        while digit(b.get(i)) {
            i += 1;
        }
    }
    Some(i)
}

fn is_number_text(t: &str) -> bool {
    scan_number(t.as_bytes(), 0) == Some(t.len())
}

/// Why a text is not an acceptable integer.
#[derive(Debug, PartialEq, Eq)]
enum IntErr {
    /// Not a number, or has a non-zero fractional part.
    NotInteger,
    /// Integral but too large for any supported integer type.
    Overflow,
}

fn accumulate(digits: impl Iterator<Item = u8>) -> std::result::Result<u128, IntErr> {
    let mut v: u128 = 0;
    for d in digits {
        v = v
            .checked_mul(10)
            .and_then(|v| v.checked_add(u128::from(d - b'0')))
            .ok_or(IntErr::Overflow)?;
    }
    Ok(v)
}

/// Parses a JSON-number-shaped text as an exact integer. Accepts fraction
/// and exponent forms when the value is integral (`"1.0"`, `"1e3"`), like
/// protojson.
fn parse_int_text(t: &str) -> std::result::Result<i128, IntErr> {
    if !is_number_text(t) {
        return Err(IntErr::NotInteger);
    }
    let (neg, body) = match t.strip_prefix('-') {
        Some(rest) => (true, rest.as_bytes()),
        None => (false, t.as_bytes()),
    };
    let mag = if body.iter().all(u8::is_ascii_digit) {
        accumulate(body.iter().copied())?
    } else {
        let int_end = body
            .iter()
            .position(|&c| c == b'.' || c == b'e' || c == b'E')
            .unwrap_or(body.len());
        let (int_part, rest) = body.split_at(int_end);
        let (frac, exp_part) = match rest.strip_prefix(b".") {
            Some(r) => {
                let fe = r.iter().position(|&c| c == b'e' || c == b'E').unwrap_or(r.len());
                r.split_at(fe)
            }
            None => (&rest[..0], rest),
        };
        let mut exp: i64 = 0;
        if let Some(e) = exp_part.get(1..) {
            let (eneg, edigits) = match e.first() {
                Some(b'-') => (true, e.get(1..).unwrap_or_default()),
                Some(b'+') => (false, e.get(1..).unwrap_or_default()),
                _ => (false, e),
            };
            for &d in edigits {
                exp = (exp * 10 + i64::from(d - b'0')).min(1_000_000);
            }
            if eneg {
                exp = -exp;
            }
        }
        let mut digits: Vec<u8> = int_part.iter().chain(frac.iter()).copied().collect();
        let all_zero = digits.iter().all(|&d| d == b'0');
        if all_zero {
            0
        } else {
            let frac_len = i64::try_from(frac.len()).map_err(|_| IntErr::Overflow)?;
            let shift = exp - frac_len;
            if shift >= 0 {
                if shift > 40 {
                    return Err(IntErr::Overflow);
                }
                digits.extend(std::iter::repeat_n(b'0', usize::try_from(shift).unwrap_or(0)));
            } else {
                let n = usize::try_from(-shift).map_err(|_| IntErr::NotInteger)?;
                if n >= digits.len() {
                    return Err(IntErr::NotInteger);
                }
                let keep = digits.len() - n;
                if digits.get(keep..).is_some_and(|t| t.iter().any(|&d| d != b'0')) {
                    return Err(IntErr::NotInteger);
                }
                digits.truncate(keep);
            }
            accumulate(digits.into_iter())?
        }
    };
    let v = i128::try_from(mag).map_err(|_| IntErr::Overflow)?;
    Ok(if neg { -v } else { v })
}

fn parse_f64_text(t: &str) -> Option<f64> {
    if is_number_text(t) {
        t.parse::<f64>().ok()
    } else {
        None
    }
}

/// Quotes a user-supplied string for an error message, truncating long ones.
fn quote_for_message(s: &str) -> String {
    const MAX: usize = 64;
    match s.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{:?}...", s.get(..cut).unwrap_or_default()),
        None => format!("{s:?}"),
    }
}

fn decode_base64(s: &str) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use base64::alphabet;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

    const CONFIG: GeneralPurposeConfig = GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true);
    const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, CONFIG);
    const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, CONFIG);

    if s.bytes().any(|c| c == b'-' || c == b'_') {
        URL_SAFE.decode(s).ok()
    } else {
        STANDARD.decode(s).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn int_text_forms() {
        assert_eq!(parse_int_text("0"), Ok(0));
        assert_eq!(parse_int_text("-0"), Ok(0));
        assert_eq!(parse_int_text("18446744073709551615"), Ok(i128::from(u64::MAX)));
        assert_eq!(parse_int_text("-9223372036854775808"), Ok(i128::from(i64::MIN)));
        assert_eq!(parse_int_text("1e3"), Ok(1000));
        assert_eq!(parse_int_text("1.5e1"), Ok(15));
        assert_eq!(parse_int_text("100e-2"), Ok(1));
        assert_eq!(parse_int_text("2.0"), Ok(2));
        assert_eq!(parse_int_text("0.0e99999999999999999999"), Ok(0));
        assert_eq!(parse_int_text("1.5"), Err(IntErr::NotInteger));
        assert_eq!(parse_int_text("1e-1"), Err(IntErr::NotInteger));
        assert_eq!(parse_int_text("1e-999999999999"), Err(IntErr::NotInteger));
        assert_eq!(parse_int_text("1e999999999999"), Err(IntErr::Overflow));
        assert_eq!(parse_int_text("9".repeat(60).as_str()), Err(IntErr::Overflow));
        for bad in ["", "-", "+1", "01", "1.", ".5", "1e", "0x10", " 1", "1 ", "NaN"] {
            assert_eq!(parse_int_text(bad), Err(IntErr::NotInteger), "{bad:?}");
        }
    }

    #[test]
    fn number_grammar() {
        for good in ["0", "-0", "1.25", "-1e-7", "1E+2", "123456789"] {
            assert!(is_number_text(good), "{good}");
        }
        for bad in ["", "-", "00", "1.", ".1", "1e", "1e+", "+1", "Infinity", "0x1"] {
            assert!(!is_number_text(bad), "{bad}");
        }
    }

    #[test]
    fn strings_and_escapes() {
        let mut r = Reader::new(br#""a\"b\\c\/\b\f\n\r\t\u00e9\ud83d\ude00z""#).unwrap();
        let s = r.string(&Path::ROOT).unwrap();
        assert_eq!(s, "a\"b\\c/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}z");
        for bad in [
            &br#""\ud83d""#[..],
            br#""\ude00""#,
            br#""\x""#,
            br#""\u12""#,
            b"\"a\x01\"",
            br#""abc"#,
        ] {
            let mut r = Reader::new(bad).unwrap();
            assert!(r.string(&Path::ROOT).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn skip_values() {
        let doc = br#"[1, -2.5e3, "x\"y", true, false, null, {"a": [{}, []], "b": {"c": null}}]"#;
        let mut r = Reader::new(doc).unwrap();
        r.skip_value(&Path::ROOT).unwrap();
        r.finish().unwrap();
        for bad in [
            &b"[1,]"[..],
            b"{\"a\" 1}",
            b"{\"a\":1,}",
            b"[1 2]",
            b"{1:2}",
            b"[",
            b"tru",
            b"[}",
            b"{]",
        ] {
            let mut r = Reader::new(bad).unwrap();
            assert!(
                r.skip_value(&Path::ROOT).and_then(|()| r.finish()).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn path_rendering() {
        let root = Path::ROOT;
        let a = root.key("resourceSpans");
        let b = a.index(0);
        let c = b.key("scopeSpans");
        let d = c.index(1);
        let e = d.key("traceId");
        assert_eq!(e.render(), "resourceSpans[0].scopeSpans[1].traceId");
        assert_eq!(root.render(), "");
    }

    #[test]
    fn base64_variants() {
        assert_eq!(decode_base64("aGk="), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("aGk"), Some(b"hi".to_vec()));
        assert_eq!(decode_base64("-_8="), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64("+/8"), Some(vec![0xfb, 0xff]));
        assert_eq!(decode_base64(""), Some(vec![]));
        assert_eq!(decode_base64("!!"), None);
    }
}
