//! Tokens of the OTTL boolean-condition grammar.

use super::error::ParseError;

/// One token with its byte offset in the condition.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: Tok,
    /// Byte offset of the token's first character.
    pub(crate) pos: usize,
}

/// Token kinds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    /// An identifier (`name`, `IsMatch`, `SPAN_KIND_SERVER`, `and`...).
    Ident(String),
    /// A string literal, unescaped.
    Str(String),
    /// An integer literal (sign included).
    Int(i64),
    /// A float literal (sign included).
    Float(f64),
    /// A byte-slice literal `0x...`.
    Bytes(Vec<u8>),
    /// `==`, `!=`, `<`, `<=`, `>`, `>=`.
    Cmp(&'static str),
    /// `+`, `-`, `*`, `/` (math expressions, refused by the parser).
    Math(char),
    /// `(`, `)`, `[`, `]`, `{`, `}`, `,`, `.`, `:`, `=`.
    Punct(char),
    /// End of input.
    End,
}

impl Tok {
    /// How the token is shown in error messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("{s:?}"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Int(i) => format!("{i:?}"),
            Tok::Float(f) => format!("{f:?}"),
            Tok::Bytes(_) => "byte literal".into(),
            Tok::Cmp(c) => format!("{c:?}"),
            Tok::Math(c) | Tok::Punct(c) => format!("\"{c}\""),
            Tok::End => "end of condition".into(),
        }
    }
}

/// Splits a condition into tokens.
pub(crate) fn lex(src: &str) -> Result<Vec<Token>, ParseError> {
    let bytes = src.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let start = i;
        let next = bytes.get(i + 1).copied();
        let kind = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'"' => {
                let (s, end) = lex_string(src, i)?;
                i = end;
                Tok::Str(s)
            }
            b'0' if matches!(next, Some(b'x' | b'X')) => {
                let hex_start = i + 2;
                let mut j = hex_start;
                while bytes.get(j).is_some_and(u8::is_ascii_hexdigit) {
                    j += 1;
                }
                let hex = src.get(hex_start..j).unwrap_or("");
                let v = decode_hex(hex).ok_or_else(|| ParseError::new(start, "invalid byte literal"))?;
                i = j;
                Tok::Bytes(v)
            }
            b'0'..=b'9' | b'.' if c != b'.' || next.is_some_and(|n| n.is_ascii_digit()) => {
                let (t, end) = lex_number(src, i, start)?;
                i = end;
                t
            }
            b'-' | b'+' if next.is_some_and(|n| n.is_ascii_digit() || n == b'.') && sign_allowed(&out) => {
                let (t, end) = lex_number(src, i + 1, start)?;
                i = end;
                match (c, t) {
                    (b'-', Tok::Int(v)) => Tok::Int(
                        v.checked_neg()
                            .ok_or_else(|| ParseError::new(start, "integer literal out of range"))?,
                    ),
                    (b'-', Tok::Float(v)) => Tok::Float(-v),
                    (_, t) => t,
                }
            }
            b'=' | b'!' | b'<' | b'>' => {
                let two = next == Some(b'=');
                i += if two { 2 } else { 1 };
                match (c, two) {
                    (b'=', true) => Tok::Cmp("=="),
                    (b'!', true) => Tok::Cmp("!="),
                    (b'<', true) => Tok::Cmp("<="),
                    (b'>', true) => Tok::Cmp(">="),
                    (b'<', false) => Tok::Cmp("<"),
                    (b'>', false) => Tok::Cmp(">"),
                    (b'=', false) => Tok::Punct('='),
                    _ => return Err(ParseError::new(start, "unexpected character '!'")),
                }
            }
            b'+' | b'-' | b'*' | b'/' => {
                i += 1;
                Tok::Math(char::from(c))
            }
            b'(' | b')' | b'[' | b']' | b'{' | b'}' | b',' | b'.' | b':' => {
                i += 1;
                Tok::Punct(char::from(c))
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i;
                while bytes
                    .get(j)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    j += 1;
                }
                let word = src.get(i..j).unwrap_or_default().to_string();
                i = j;
                Tok::Ident(word)
            }
            _ => {
                let ch = src.get(i..).and_then(|s| s.chars().next()).unwrap_or('?');
                return Err(ParseError::new(start, format!("unexpected character {ch:?}")));
            }
        };
        out.push(Token { kind, pos: start });
    }
    out.push(Token {
        kind: Tok::End,
        pos: src.len(),
    });
    Ok(out)
}

/// A sign starts a number only where a value may start (not after a value).
fn sign_allowed(prev: &[Token]) -> bool {
    match prev.last().map(|t| &t.kind) {
        Some(Tok::Ident(w)) => is_keyword(w),
        Some(Tok::Str(_) | Tok::Int(_) | Tok::Float(_) | Tok::Bytes(_) | Tok::Punct(')' | ']')) => false,
        _ => true,
    }
}

fn is_keyword(w: &str) -> bool {
    matches!(w, "and" | "or" | "not" | "where")
}

fn lex_number(src: &str, from: usize, start: usize) -> Result<(Tok, usize), ParseError> {
    let bytes = src.as_bytes();
    let mut j = from;
    let digits = |j: &mut usize| {
        while bytes.get(*j).is_some_and(u8::is_ascii_digit) {
            *j += 1;
        }
    };
    digits(&mut j);
    let mut float = false;
    if bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit) {
        float = true;
        j += 1;
        digits(&mut j);
        if matches!(bytes.get(j), Some(b'e' | b'E')) {
            let mut k = j + 1;
            if matches!(bytes.get(k), Some(b'+' | b'-')) {
                k += 1;
            }
            if bytes.get(k).is_some_and(u8::is_ascii_digit) {
                j = k;
                digits(&mut j);
            }
        }
    }
    let text = src.get(from..j).unwrap_or_default();
    let tok = if float {
        Tok::Float(
            text.parse()
                .map_err(|_| ParseError::new(start, format!("invalid float literal {text:?}")))?,
        )
    } else {
        Tok::Int(
            text.parse()
                .map_err(|_| ParseError::new(start, format!("integer literal {text:?} out of range")))?,
        )
    };
    Ok((tok, j))
}

fn decode_hex(hex: &str) -> Option<Vec<u8>> {
    if hex.is_empty() || hex.len() % 2 != 0 {
        return None;
    }
    (0..hex.len())
        .step_by(2)
        .map(|k| hex.get(k..k + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Reads a double-quoted string starting at `start`; returns the unescaped
/// text and the offset after the closing quote.
fn lex_string(src: &str, start: usize) -> Result<(String, usize), ParseError> {
    let mut out = String::new();
    let body = src.get(start + 1..).unwrap_or_default();
    let mut chars = body.char_indices();
    while let Some((k, ch)) = chars.next() {
        match ch {
            '"' => return Ok((out, start + 1 + k + 1)),
            '\\' => {
                let (_, esc) = chars
                    .next()
                    .ok_or_else(|| ParseError::new(start, "unterminated string literal"))?;
                match esc {
                    '"' => out.push('"'),
                    '\\' => out.push('\\'),
                    'n' => out.push('\n'),
                    't' => out.push('\t'),
                    'r' => out.push('\r'),
                    '/' => out.push('/'),
                    'u' => {
                        let hex: String = chars.by_ref().take(4).map(|(_, c)| c).collect();
                        let c = u32::from_str_radix(&hex, 16)
                            .ok()
                            .filter(|_| hex.len() == 4)
                            .and_then(char::from_u32)
                            .ok_or_else(|| ParseError::new(start + 1 + k, "invalid \\u escape"))?;
                        out.push(c);
                    }
                    other => out.push_str(&format!("\\{other}")),
                }
            }
            c => out.push(c),
        }
    }
    Err(ParseError::new(start, "unterminated string literal"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(s: &str) -> Vec<Tok> {
        lex(s).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_every_token_kind() {
        assert_eq!(
            kinds(r#"attributes["k"] == "v\"x" and -1 < 2.5 or 0x0aFF != nil"#),
            vec![
                Tok::Ident("attributes".into()),
                Tok::Punct('['),
                Tok::Str("k".into()),
                Tok::Punct(']'),
                Tok::Cmp("=="),
                Tok::Str("v\"x".into()),
                Tok::Ident("and".into()),
                Tok::Int(-1),
                Tok::Cmp("<"),
                Tok::Float(2.5),
                Tok::Ident("or".into()),
                Tok::Bytes(vec![0x0a, 0xff]),
                Tok::Cmp("!="),
                Tok::Ident("nil".into()),
                Tok::End,
            ]
        );
        assert_eq!(
            kinds("-.5 >= +3"),
            vec![Tok::Float(-0.5), Tok::Cmp(">="), Tok::Int(3), Tok::End]
        );
        assert_eq!(
            kinds("a - 1"),
            vec![Tok::Ident("a".into()), Tok::Math('-'), Tok::Int(1), Tok::End]
        );
        assert_eq!(kinds(r#""\u00e9\n""#), vec![Tok::Str("é\n".into()), Tok::End]);
        assert_eq!(
            kinds("x==-1"),
            vec![Tok::Ident("x".into()), Tok::Cmp("=="), Tok::Int(-1), Tok::End]
        );
        assert_eq!(
            kinds("F(-2)"),
            vec![
                Tok::Ident("F".into()),
                Tok::Punct('('),
                Tok::Int(-2),
                Tok::Punct(')'),
                Tok::End
            ]
        );
    }

    #[test]
    fn reports_positions() {
        let e = lex(r#"name == "open"#).unwrap_err();
        assert_eq!(e.pos, 8);
        assert!(e.message.contains("unterminated"));
        let e = lex("name ~ 1").unwrap_err();
        assert_eq!(e.pos, 5);
        let e = lex("x == 0x1").unwrap_err();
        assert_eq!(e.pos, 5);
        assert!(lex("x == 99999999999999999999").is_err());
    }
}
