//! Recursive-descent parser for OTTL boolean conditions.
//!
//! ```text
//! condition := term ("or" term)*
//! term      := boolean ("and" boolean)*
//! boolean   := "not"? ( "(" condition ")" | value op value | "true" | "false" | Converter(...) )
//! value     := nil | true | false | string | int | float | 0xBYTES | ENUM | path | Converter(...) | "[" values "]"
//! path      := ident keys ("." ident keys)*      keys := ("[" (string | int) "]")*
//! ```

use super::ast::{BoolExpr, Call, CmpOp, Key, RawPath, Segment, StatementAst, ValueExpr};
use super::error::ParseError;
use super::lexer::{Tok, Token, lex};

/// Parses one condition.
pub(crate) fn parse(src: &str) -> Result<BoolExpr, ParseError> {
    let tokens = lex(src)?;
    let mut p = Parser { tokens, at: 0 };
    if matches!(p.peek(), Tok::End) {
        return Err(ParseError::new(0, "empty condition"));
    }
    let e = p.condition()?;
    match p.peek() {
        Tok::End => Ok(e),
        t => Err(p.err(format!("unexpected {} after condition", t.describe()))),
    }
}

/// Parses one statement: `editor(args) ("where" condition)?`.
pub(crate) fn parse_statement(src: &str) -> Result<StatementAst, ParseError> {
    let tokens = lex(src)?;
    let mut p = Parser { tokens, at: 0 };
    let pos = p.pos();
    let name = match p.bump() {
        Tok::Ident(w) => w,
        Tok::End => return Err(ParseError::new(0, "empty statement")),
        t => {
            return Err(ParseError::new(
                pos,
                format!("expected an editor name but found {}", t.describe()),
            ));
        }
    };
    if !name.starts_with(|c: char| c.is_ascii_lowercase()) {
        return Err(ParseError::new(
            pos,
            format!("editor names must start with a lowercase letter but got '{name}'"),
        ));
    }
    if p.peek() != &Tok::Punct('(') {
        return Err(p.err(format!(
            "expected \"(\" after the editor name but found {}",
            p.peek().describe()
        )));
    }
    let editor = p.call(name, pos)?;
    let condition = if p.is_word("where") {
        p.at += 1;
        if matches!(p.peek(), Tok::End) {
            return Err(p.err("expected a condition after \"where\""));
        }
        Some(p.condition()?)
    } else {
        None
    };
    match p.peek() {
        Tok::End => Ok(StatementAst { editor, condition }),
        t => Err(p.err(format!("unexpected {} after statement", t.describe()))),
    }
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

const END: Tok = Tok::End;

impl Parser {
    fn peek(&self) -> &Tok {
        self.tokens.get(self.at).map_or(&END, |t| &t.kind)
    }

    fn peek_at(&self, n: usize) -> &Tok {
        self.tokens.get(self.at + n).map_or(&END, |t| &t.kind)
    }

    fn pos(&self) -> usize {
        self.tokens
            .get(self.at)
            .or_else(|| self.tokens.last())
            .map_or(0, |t| t.pos)
    }

    fn bump(&mut self) -> Tok {
        let t = self.peek().clone();
        self.at += 1;
        t
    }

    fn err(&self, msg: impl Into<String>) -> ParseError {
        ParseError::new(self.pos(), msg)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Tok::Ident(s) if s == w)
    }

    fn expect_punct(&mut self, c: char) -> Result<(), ParseError> {
        if self.peek() == &Tok::Punct(c) {
            self.at += 1;
            Ok(())
        } else {
            Err(self.err(format!("expected \"{c}\" but found {}", self.peek().describe())))
        }
    }

    fn condition(&mut self) -> Result<BoolExpr, ParseError> {
        let mut terms = vec![self.term()?];
        while self.is_word("or") {
            self.at += 1;
            terms.push(self.term()?);
        }
        Ok(if terms.len() == 1 {
            terms.remove(0)
        } else {
            BoolExpr::Or(terms)
        })
    }

    fn term(&mut self) -> Result<BoolExpr, ParseError> {
        let mut items = vec![self.boolean()?];
        while self.is_word("and") {
            self.at += 1;
            items.push(self.boolean()?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            BoolExpr::And(items)
        })
    }

    fn boolean(&mut self) -> Result<BoolExpr, ParseError> {
        if self.is_word("not") {
            self.at += 1;
            return Ok(BoolExpr::Not(Box::new(self.boolean_inner()?)));
        }
        self.boolean_inner()
    }

    fn boolean_inner(&mut self) -> Result<BoolExpr, ParseError> {
        if self.peek() == &Tok::Punct('(') {
            self.at += 1;
            let e = self.condition()?;
            self.expect_punct(')')?;
            return Ok(e);
        }
        let start = self.pos();
        let left = self.value()?;
        if let Tok::Cmp(op) = self.peek() {
            let op = CmpOp::from_str(op).ok_or_else(|| self.err("invalid comparison operator"))?;
            self.at += 1;
            let right = self.value()?;
            return Ok(BoolExpr::Cmp { left, op, right });
        }
        match left {
            ValueExpr::Bool(b) => Ok(BoolExpr::Const(b)),
            ValueExpr::Call(c) => Ok(BoolExpr::Call(c)),
            _ => Err(match self.peek() {
                Tok::End => ParseError::new(
                    start,
                    "expected a comparison, true, false or a converter, but the value stands alone",
                ),
                t => self.err(format!(
                    "expected a comparison operator but found {}",
                    t.describe()
                )),
            }),
        }
    }

    fn value(&mut self) -> Result<ValueExpr, ParseError> {
        let v = self.value_inner()?;
        if let Tok::Math(c) = self.peek() {
            return Err(self.err(format!("math expressions (\"{c}\") are not supported")));
        }
        Ok(v)
    }

    fn value_inner(&mut self) -> Result<ValueExpr, ParseError> {
        let pos = self.pos();
        match self.bump() {
            Tok::Str(s) => Ok(ValueExpr::Str(s)),
            Tok::Int(i) => Ok(ValueExpr::Int(i)),
            Tok::Float(f) => Ok(ValueExpr::Float(f)),
            Tok::Bytes(b) => Ok(ValueExpr::Bytes(b)),
            Tok::Punct('[') => {
                let mut items = Vec::new();
                if self.peek() != &Tok::Punct(']') {
                    items.push(self.value()?);
                    while self.peek() == &Tok::Punct(',') {
                        self.at += 1;
                        items.push(self.value()?);
                    }
                }
                self.expect_punct(']')?;
                Ok(ValueExpr::List(items, pos))
            }
            Tok::Punct('{') => Err(ParseError::new(pos, "map literals are not supported")),
            Tok::Punct('(') => Err(ParseError::new(pos, "math expressions are not supported")),
            Tok::Ident(w) => self.ident(w, pos),
            t => Err(ParseError::new(
                pos,
                format!("expected a value but found {}", t.describe()),
            )),
        }
    }

    fn ident(&mut self, w: String, pos: usize) -> Result<ValueExpr, ParseError> {
        match w.as_str() {
            "nil" => return Ok(ValueExpr::Nil),
            "true" => return Ok(ValueExpr::Bool(true)),
            "false" => return Ok(ValueExpr::Bool(false)),
            "and" | "or" | "not" | "where" => {
                return Err(ParseError::new(pos, format!("expected a value but found {w:?}")));
            }
            _ => {}
        }
        let upper_start = w.starts_with(|c: char| c.is_ascii_uppercase());
        if self.peek() == &Tok::Punct('(') {
            if !upper_start {
                return Err(ParseError::new(
                    pos,
                    format!("converter names must start with an uppercase letter but got '{w}'"),
                ));
            }
            return self.call(w, pos).map(ValueExpr::Call);
        }
        if upper_start {
            if w.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
            {
                return Ok(ValueExpr::Enum(w, pos));
            }
            return Err(ParseError::new(
                pos,
                format!("unexpected {w:?}: expected \"(\" after a converter name"),
            ));
        }
        if w.starts_with('_') {
            return Err(ParseError::new(pos, format!("invalid path segment {w:?}")));
        }
        self.path(w, pos).map(ValueExpr::Path)
    }

    fn call(&mut self, name: String, pos: usize) -> Result<Call, ParseError> {
        self.expect_punct('(')?;
        let mut args = Vec::new();
        if self.peek() != &Tok::Punct(')') {
            loop {
                if matches!(self.peek(), Tok::Ident(_)) && self.peek_at(1) == &Tok::Punct('=') {
                    return Err(self.err("named arguments are not supported"));
                }
                args.push(self.value()?);
                if self.peek() == &Tok::Punct(',') {
                    self.at += 1;
                } else {
                    break;
                }
            }
        }
        self.expect_punct(')')?;
        if self.peek() == &Tok::Punct('[') {
            return Err(self.err("indexing a converter's result is not supported"));
        }
        Ok(Call { name, args, pos })
    }

    fn path(&mut self, first: String, pos: usize) -> Result<RawPath, ParseError> {
        let mut segments = vec![Segment {
            name: first,
            keys: self.keys()?,
        }];
        while self.peek() == &Tok::Punct('.') {
            self.at += 1;
            let at = self.pos();
            match self.bump() {
                Tok::Ident(name) if name.starts_with(|c: char| c.is_ascii_lowercase()) => {
                    let keys = self.keys()?;
                    segments.push(Segment { name, keys });
                }
                t => {
                    return Err(ParseError::new(
                        at,
                        format!("expected a path segment but found {}", t.describe()),
                    ));
                }
            }
        }
        Ok(RawPath { segments, pos })
    }

    fn keys(&mut self) -> Result<Vec<Key>, ParseError> {
        let mut keys = Vec::new();
        while self.peek() == &Tok::Punct('[') {
            self.at += 1;
            let at = self.pos();
            let key = match self.bump() {
                Tok::Str(s) => Key::Str(s),
                Tok::Int(i) => Key::Int(i),
                t => {
                    return Err(ParseError::new(
                        at,
                        format!("expected a string or integer key but found {}", t.describe()),
                    ));
                }
            };
            self.expect_punct(']')?;
            keys.push(key);
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(segs: &[(&str, Vec<Key>)], pos: usize) -> ValueExpr {
        ValueExpr::Path(RawPath {
            segments: segs
                .iter()
                .map(|(n, k)| Segment {
                    name: n.to_string(),
                    keys: k.clone(),
                })
                .collect(),
            pos,
        })
    }

    #[test]
    fn parses_the_health_check_example() {
        let e = parse(r#"span.attributes["http.route"] == "/healthz""#).unwrap();
        assert_eq!(
            e,
            BoolExpr::Cmp {
                left: path(
                    &[
                        ("span", vec![]),
                        ("attributes", vec![Key::Str("http.route".into())])
                    ],
                    0
                ),
                op: CmpOp::Eq,
                right: ValueExpr::Str("/healthz".into()),
            }
        );
    }

    #[test]
    fn precedence_not_and_or() {
        // not binds tightest, then and, then or.
        let e = parse("not true and false or true").unwrap();
        assert_eq!(
            e,
            BoolExpr::Or(vec![
                BoolExpr::And(vec![
                    BoolExpr::Not(Box::new(BoolExpr::Const(true))),
                    BoolExpr::Const(false)
                ]),
                BoolExpr::Const(true),
            ])
        );
        let e = parse("true and (false or true)").unwrap();
        assert_eq!(
            e,
            BoolExpr::And(vec![
                BoolExpr::Const(true),
                BoolExpr::Or(vec![BoolExpr::Const(false), BoolExpr::Const(true)]),
            ])
        );
    }

    #[test]
    fn parses_literals_enums_calls_and_lists() {
        let e = parse(r#"Concat([name, "x"], "-") != nil"#).unwrap();
        let BoolExpr::Cmp {
            left: ValueExpr::Call(c),
            op: CmpOp::Ne,
            right: ValueExpr::Nil,
        } = e
        else {
            panic!("{e:?}")
        };
        assert_eq!(c.name, "Concat");
        assert!(matches!(&c.args[0], ValueExpr::List(items, 7) if items.len() == 2));
        let e = parse("kind == SPAN_KIND_SERVER").unwrap();
        assert!(
            matches!(e, BoolExpr::Cmp { right: ValueExpr::Enum(ref s, 8), .. } if s == "SPAN_KIND_SERVER")
        );
        let e = parse(r#"IsMatch(body, ".*pw.*")"#).unwrap();
        assert!(matches!(e, BoolExpr::Call(ref c) if c.name == "IsMatch" && c.args.len() == 2));
        let e = parse(r#"attributes["a"][0] >= -1.5e2"#).unwrap();
        assert!(matches!(e, BoolExpr::Cmp { right: ValueExpr::Float(f), op: CmpOp::Ge, .. } if f == -150.0));
        let e = parse("trace_id == 0x0102").unwrap();
        assert!(matches!(e, BoolExpr::Cmp { right: ValueExpr::Bytes(ref b), .. } if b == &[1, 2]));
    }

    #[test]
    fn invalid_conditions_name_the_position() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty"),
            ("name ==", 7, "expected a value"),
            ("name", 0, "stands alone"),
            ("name \"x\"", 5, "comparison operator"),
            ("(name == \"x\"", 12, "expected \")\""),
            ("name == \"x\" and", 15, "expected a value"),
            ("isMatch(name, \"x\")", 0, "uppercase"),
            ("name == \"x\" \"y\"", 12, "after condition"),
            ("value_int + 1 > 2", 10, "math expressions"),
            ("attributes[name] == 1", 11, "string or integer key"),
            ("name == {}", 8, "map literals"),
            ("IsMatch(pattern = \"x\")", 8, "named arguments"),
            ("Foo(x)[\"k\"] == 1", 6, "indexing"),
            ("Span_kind == 1", 0, "converter name"),
        ];
        for (src, pos, msg) in cases {
            let e = parse(src).unwrap_err();
            assert_eq!(e.pos, *pos, "{src}: {e}");
            assert!(e.message.contains(msg), "{src}: {e}");
        }
    }
}
