//! Splitting file content into tokens (log entries) and decoding them, as
//! Go's stanza does: by newline (dropping a trailing `\r`), or with the
//! `multiline` patterns (`line_start_pattern` / `line_end_pattern`,
//! compiled in multi-line mode), in the file's encoding; tokens longer
//! than `max_log_size` are split (or truncated), whitespace is trimmed
//! unless preserved, and empty tokens are skipped.

use regex::bytes::Regex;

use crate::entry::Value;

/// A file's encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// UTF-8 (invalid sequences become U+FFFD).
    Utf8,
    /// UTF-16, little-endian.
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
    /// ASCII (bytes above 127 become U+FFFD).
    Ascii,
    /// No decoding: bodies are bytes, files are not split.
    Nop,
}

impl Encoding {
    /// The encoding of a config name (Go's `LookupEncoding` keys, case-insensitive).
    pub fn lookup(name: &str) -> Option<Encoding> {
        Some(match name.to_ascii_lowercase().as_str() {
            "" | "utf-8" | "utf8" => Encoding::Utf8,
            "utf-16le" | "utf16le" | "utf-16" => Encoding::Utf16Le,
            "utf-16be" | "utf16be" => Encoding::Utf16Be,
            "ascii" | "us-ascii" => Encoding::Ascii,
            "nop" => Encoding::Nop,
            _ => return None,
        })
    }

    /// `\n` in this encoding.
    fn newline(self) -> &'static [u8] {
        match self {
            Encoding::Utf16Le => b"\n\0",
            Encoding::Utf16Be => b"\0\n",
            _ => b"\n",
        }
    }

    /// `\r` in this encoding.
    fn carriage_return(self) -> &'static [u8] {
        match self {
            Encoding::Utf16Le => b"\r\0",
            Encoding::Utf16Be => b"\0\r",
            _ => b"\r",
        }
    }

    fn unit(self) -> usize {
        match self {
            Encoding::Utf16Le | Encoding::Utf16Be => 2,
            _ => 1,
        }
    }

    /// Decodes a token into a body.
    pub fn decode(self, token: &[u8]) -> Value {
        match self {
            Encoding::Nop => Value::Bytes(token.to_vec()),
            Encoding::Utf8 => Value::Str(String::from_utf8_lossy(token).into_owned()),
            Encoding::Ascii => Value::Str(
                token
                    .iter()
                    .map(|b| if b.is_ascii() { char::from(*b) } else { '\u{FFFD}' })
                    .collect(),
            ),
            Encoding::Utf16Le | Encoding::Utf16Be => {
                let units = token.chunks(2).map(|c| match (self, c) {
                    (Encoding::Utf16Le, [a, b]) => u16::from_le_bytes([*a, *b]),
                    (_, [a, b]) => u16::from_be_bytes([*a, *b]),
                    _ => 0xFFFD,
                });
                Value::Str(
                    char::decode_utf16(units)
                        .map(|r| r.unwrap_or('\u{FFFD}'))
                        .collect(),
                )
            }
        }
    }
}

/// How tokens end.
#[derive(Clone, Debug)]
pub enum Mode {
    /// At each newline.
    Newline,
    /// Each token starts with a match of the pattern.
    LineStart {
        /// The pattern, compiled with `(?m)`.
        re: Regex,
        /// Drop the matched text from tokens.
        omit: bool,
    },
    /// Each token ends with a match of the pattern.
    LineEnd {
        /// The pattern, compiled with `(?m)`.
        re: Regex,
        /// Drop the matched text from tokens.
        omit: bool,
    },
    /// No splitting (`encoding: nop`): chunks of up to `max_log_size`.
    None,
}

/// Splits and decodes.
#[derive(Clone, Debug)]
pub struct Splitter {
    /// How tokens end.
    pub mode: Mode,
    /// The file's encoding.
    pub encoding: Encoding,
    /// The largest token; longer ones are split (or truncated).
    pub max_log_size: usize,
    /// Drop what follows `max_log_size` up to the end of the token instead
    /// of emitting it as further tokens (`max_log_size_behavior: truncate`).
    pub truncate: bool,
    /// Keep leading whitespace.
    pub preserve_leading: bool,
    /// Keep trailing whitespace.
    pub preserve_trailing: bool,
}

/// One step of splitting: how much to consume, and the token, if any.
#[derive(Debug, PartialEq, Eq)]
pub struct Step {
    /// Bytes consumed from the front of the data.
    pub advance: usize,
    /// The token's raw bytes (before trimming), if one ends here.
    pub token: Option<std::ops::Range<usize>>,
    /// The token was cut at `max_log_size`: what follows belongs to it.
    pub cut: bool,
}

impl Splitter {
    /// The next step over `data` (what is unread), or `None` when more
    /// data is needed. `flush` says no more is coming for now (the force
    /// flush period passed): a partial token is then returned.
    pub fn step(&self, data: &[u8], flush: bool) -> Option<Step> {
        if data.is_empty() {
            return None;
        }
        let found = match &self.mode {
            Mode::Newline => self.newline(data, flush),
            Mode::LineStart { re, omit } => line_start(re, *omit, data, flush),
            Mode::LineEnd { re, omit } => line_end(re, *omit, data, flush),
            Mode::None => flush.then_some(Step {
                advance: data.len(),
                token: Some(0..data.len()),
                cut: false,
            }),
        };
        match found {
            Some(s) if s.token.as_ref().is_none_or(|t| t.len() <= self.max_log_size) => Some(s),
            // A token longer than max_log_size: its first max_log_size bytes.
            Some(_) => Some(self.cut(data)),
            None if data.len() >= self.max_log_size => Some(self.cut(data)),
            None => None,
        }
    }

    fn cut(&self, data: &[u8]) -> Step {
        let unit = self.encoding.unit();
        let n = (self.max_log_size / unit).max(1) * unit;
        let n = n.min(data.len());
        Step {
            advance: n,
            token: Some(0..n),
            cut: true,
        }
    }

    fn newline(&self, data: &[u8], flush: bool) -> Option<Step> {
        let nl = self.encoding.newline();
        let unit = self.encoding.unit();
        let mut i = 0;
        while i + nl.len() <= data.len() {
            if &data[i..i + nl.len()] == nl {
                let mut end = i;
                let cr = self.encoding.carriage_return();
                if end >= cr.len() && &data[end - cr.len()..end] == cr {
                    end -= cr.len();
                }
                return Some(Step {
                    advance: i + nl.len(),
                    token: Some(0..end),
                    cut: false,
                });
            }
            i += unit;
        }
        flush.then_some(Step {
            advance: data.len(),
            token: Some(0..data.len()),
            cut: false,
        })
    }

    /// Decodes and trims a token; `None` when nothing is left.
    pub fn finish(&self, raw: &[u8]) -> Option<Value> {
        match self.encoding.decode(raw) {
            Value::Str(s) => {
                let mut t: &str = &s;
                if !self.preserve_leading {
                    t = t.trim_start();
                }
                if !self.preserve_trailing {
                    t = t.trim_end();
                }
                if t.is_empty() {
                    None
                } else if t.len() == s.len() {
                    Some(Value::Str(s))
                } else {
                    Some(Value::Str(t.to_string()))
                }
            }
            Value::Bytes(b) if b.is_empty() => None,
            other => Some(other),
        }
    }
}

fn line_start(re: &Regex, omit: bool, data: &[u8], flush: bool) -> Option<Step> {
    let Some(first) = re.find(data) else {
        return flush.then_some(Step {
            advance: data.len(),
            token: Some(0..data.len()),
            cut: false,
        });
    };
    if first.start() != 0 {
        // Text before the first match: a token of its own, so nothing is lost.
        return Some(Step {
            advance: first.start(),
            token: Some(0..first.start()),
            cut: false,
        });
    }
    if first.end() == data.len() {
        return None;
    }
    // The next match that does not start where the first ends.
    let second = re
        .find_iter(data)
        .skip(1)
        .find(|m| m.start() > first.end() || (m.start() == first.end() && m.start() > first.start()));
    let second = match second {
        Some(m) if m.start() > first.start() => m.start(),
        _ => {
            return flush.then_some(Step {
                advance: data.len(),
                token: Some(if omit {
                    first.end()..data.len()
                } else {
                    0..data.len()
                }),
                cut: false,
            });
        }
    };
    Some(Step {
        advance: second,
        token: Some(if omit { first.end()..second } else { 0..second }),
        cut: false,
    })
}

fn line_end(re: &Regex, omit: bool, data: &[u8], flush: bool) -> Option<Step> {
    let Some(m) = re.find(data) else {
        return flush.then_some(Step {
            advance: data.len(),
            token: Some(0..data.len()),
            cut: false,
        });
    };
    // A match reaching the end of what was read may grow: wait for more.
    if m.end() + 1 >= data.len() && !flush {
        return None;
    }
    if m.end() == 0 {
        // An empty match at the start: consume one byte to make progress.
        return Some(Step {
            advance: 1,
            token: None,
            cut: false,
        });
    }
    Some(Step {
        advance: m.end(),
        token: Some(if omit { 0..m.start() } else { 0..m.end() }),
        cut: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn splitter(mode: Mode, encoding: Encoding) -> Splitter {
        Splitter {
            mode,
            encoding,
            max_log_size: 1024 * 1024,
            truncate: false,
            preserve_leading: false,
            preserve_trailing: false,
        }
    }

    /// All tokens of `data`, flushing at the end when `flush`.
    fn tokens(s: &Splitter, data: &[u8], flush: bool) -> (Vec<Value>, usize) {
        let mut out = Vec::new();
        let mut pos = 0;
        while let Some(step) = s.step(&data[pos..], flush) {
            if let Some(r) = step.token {
                if let Some(v) = s.finish(&data[pos + r.start..pos + r.end]) {
                    out.push(v);
                }
            }
            pos += step.advance;
            if step.advance == 0 {
                break;
            }
        }
        (out, pos)
    }

    fn strs(v: &[Value]) -> Vec<&str> {
        v.iter().map(|v| v.as_str().unwrap_or("<bytes>")).collect()
    }

    #[test]
    fn newline_table() {
        let s = splitter(Mode::Newline, Encoding::Utf8);
        let cases: &[(&[u8], bool, &[&str], usize)] = &[
            (b"a\nb\n", false, &["a", "b"], 4),
            (b"a\r\nb\r\n", false, &["a", "b"], 6),
            (b"a\nparti", false, &["a"], 2),
            (b"a\nparti", true, &["a", "parti"], 7),
            (b"  padded  \n\n\n", false, &["padded"], 13),
            (b"bad \xff byte\n", false, &["bad \u{FFFD} byte"], 11),
        ];
        for (data, flush, want, consumed) in cases {
            let (got, pos) = tokens(&s, data, *flush);
            assert_eq!(strs(&got), *want, "{:?}", String::from_utf8_lossy(data));
            assert_eq!(pos, *consumed, "{:?}", String::from_utf8_lossy(data));
        }
        let keep = Splitter {
            preserve_leading: true,
            preserve_trailing: true,
            ..splitter(Mode::Newline, Encoding::Utf8)
        };
        assert_eq!(strs(&tokens(&keep, b"  x \n", false).0), ["  x "]);
    }

    #[test]
    fn max_log_size_splits_long_tokens() {
        let s = Splitter {
            max_log_size: 4,
            ..splitter(Mode::Newline, Encoding::Utf8)
        };
        assert_eq!(
            strs(&tokens(&s, b"abcdefghij\nxy\n", false).0),
            ["abcd", "efgh", "ij", "xy"]
        );
        // No newline yet, but the buffer is full: a token anyway.
        assert_eq!(strs(&tokens(&s, b"abcdef", false).0), ["abcd"]);
    }

    #[test]
    fn utf16_and_ascii_and_nop() {
        let le: Vec<u8> = "héllo\r\nwörld\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let s = splitter(Mode::Newline, Encoding::Utf16Le);
        assert_eq!(strs(&tokens(&s, &le, false).0), ["héllo", "wörld"]);
        let be: Vec<u8> = "a\nb\n".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let s = splitter(Mode::Newline, Encoding::Utf16Be);
        assert_eq!(strs(&tokens(&s, &be, false).0), ["a", "b"]);
        let s = splitter(Mode::Newline, Encoding::Ascii);
        assert_eq!(
            strs(&tokens(&s, b"caf\xc3\xa9\n", false).0),
            ["caf\u{FFFD}\u{FFFD}"]
        );
        let s = Splitter {
            max_log_size: 3,
            ..splitter(Mode::None, Encoding::Nop)
        };
        let (got, _) = tokens(&s, b"a\nbcde", true);
        assert_eq!(
            got,
            vec![Value::Bytes(b"a\nb".to_vec()), Value::Bytes(b"cde".to_vec())]
        );
        assert_eq!(Encoding::lookup("UTF-8"), Some(Encoding::Utf8));
        assert_eq!(Encoding::lookup("big5"), None);
    }

    #[test]
    fn multiline_table() {
        let start = |p: &str, omit| Mode::LineStart {
            re: Regex::new(&format!("(?m){p}")).unwrap(),
            omit,
        };
        let end = |p: &str, omit| Mode::LineEnd {
            re: Regex::new(&format!("(?m){p}")).unwrap(),
            omit,
        };
        let trace = b"Exception in thread 1\n  at a\n  at b\nException in thread 2\n  at c\n";
        let cases: Vec<(Mode, &[u8], bool, Vec<&str>)> = vec![
            (
                start("^Exception", false),
                trace,
                false,
                vec!["Exception in thread 1\n  at a\n  at b"],
            ),
            (
                start("^Exception", false),
                trace,
                true,
                vec![
                    "Exception in thread 1\n  at a\n  at b",
                    "Exception in thread 2\n  at c",
                ],
            ),
            (
                start("^Exception", true),
                trace,
                true,
                vec!["in thread 1\n  at a\n  at b", "in thread 2\n  at c"],
            ),
            (
                start("^Start", false),
                b"junk\nStart 1\nStart 2\n",
                false,
                vec!["junk", "Start 1"],
            ),
            (
                end("END$", false),
                b"a\nb END\nc END\nd",
                false,
                vec!["a\nb END", "c END"],
            ),
            (
                end("END$", true),
                b"a\nb END\nc END\nd",
                true,
                vec!["a\nb", "c", "d"],
            ),
        ];
        for (mode, data, flush, want) in cases {
            let s = splitter(mode, Encoding::Utf8);
            assert_eq!(
                strs(&tokens(&s, data, flush).0),
                want,
                "{:?}",
                String::from_utf8_lossy(data)
            );
        }
    }
}
