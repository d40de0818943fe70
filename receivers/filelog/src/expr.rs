//! A small subset of the [expr](https://expr-lang.org) language Go's stanza
//! evaluates in `if`, router `expr`, and recombine `is_first_entry` /
//! `is_last_entry`:
//!
//! - `<field> matches "<regex>"`
//! - `<field> == <literal>` and `<field> != <literal>` (either side may be
//!   the literal)
//! - `and` / `&&`, `or` / `||`, `not` / `!`, parentheses
//! - a lone field holding a boolean
//!
//! Fields are `body`, `body.x`, `attributes.x`, `attributes["x.y"]`,
//! `resource.x` (and `$`, Go's alias of the body); literals are strings in
//! double or single quotes, numbers, `true`, `false` and `nil`. Anything
//! else (function calls, arithmetic, `in`, `contains`, `env()`...) is
//! refused when the config is validated, naming what is not supported.

use regex::Regex;

use crate::entry::{Entry, Value};
use crate::field::{Field, Root};

/// A compiled expression.
#[derive(Clone, Debug)]
pub struct Expr {
    source: String,
    node: Node,
}

#[derive(Clone, Debug)]
enum Node {
    Or(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Matches(Operand, Regex),
    Eq(Operand, Operand, bool),
    Truthy(Operand),
}

#[derive(Clone, Debug)]
enum Operand {
    Field(Field),
    Lit(Value),
}

impl Operand {
    fn eval(&self, e: &Entry) -> Value {
        match self {
            Operand::Field(f) => f.get(e).unwrap_or(Value::Null),
            Operand::Lit(v) => v.clone(),
        }
    }
}

/// Why an expression is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unsupported expression {expr:?}: {reason}")]
pub struct ExprError {
    /// The expression as written.
    pub expr: String,
    /// What is wrong or not supported.
    pub reason: String,
}

const SUPPORTED: &str = "only `<field> matches \"regex\"`, `<field> == literal`, `<field> != literal`, \
     `and`/`&&`, `or`/`||`, `not`/`!` and parentheses are supported, over fields body, body.x, \
     attributes.x, resource.x";

impl Expr {
    /// Compiles `source`.
    pub fn compile(source: &str) -> Result<Expr, ExprError> {
        let err = |reason: String| ExprError {
            expr: source.to_string(),
            reason,
        };
        let tokens = lex(source).map_err(err)?;
        let mut p = ParserState { tokens, pos: 0 };
        let node = p.or().map_err(err)?;
        if p.pos != p.tokens.len() {
            return Err(err(format!(
                "unexpected {} ({SUPPORTED})",
                p.tokens[p.pos].describe()
            )));
        }
        Ok(Expr {
            source: source.to_string(),
            node,
        })
    }

    /// The expression as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates the expression on `e`; an error when a lone field is not a boolean.
    pub fn eval(&self, e: &Entry) -> Result<bool, String> {
        eval(&self.node, e)
    }
}

fn eval(n: &Node, e: &Entry) -> Result<bool, String> {
    Ok(match n {
        Node::Or(a, b) => eval(a, e)? || eval(b, e)?,
        Node::And(a, b) => eval(a, e)? && eval(b, e)?,
        Node::Not(a) => !eval(a, e)?,
        Node::Matches(op, re) => match op.eval(e) {
            Value::Str(s) => re.is_match(&s),
            Value::Bytes(b) => re.is_match(&String::from_utf8_lossy(&b)),
            Value::Null => false,
            other => {
                return Err(format!("`matches` needs a string, found {}", other.type_name()));
            }
        },
        Node::Eq(a, b, want) => (equal(&a.eval(e), &b.eval(e))) == *want,
        Node::Truthy(op) => match op.eval(e) {
            Value::Bool(b) => b,
            other => return Err(format!("expected a bool, found {}", other.type_name())),
        },
    })
}

/// expr's `==`: numbers compare by value across int and float, other
/// types only with themselves.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Double(y)) | (Value::Double(y), Value::Int(x)) => (*x as f64) == *y,
        (Value::Str(s), Value::Bytes(b)) | (Value::Bytes(b), Value::Str(s)) => s.as_bytes() == b.as_slice(),
        _ => a == b,
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(Value),
    Dot,
    LBracket,
    RBracket,
    LParen,
    RParen,
    EqEq,
    NotEq,
    AndAnd,
    OrOr,
    Bang,
    Other(String),
}

impl Tok {
    fn describe(&self) -> String {
        match self {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Str(s) => format!("string {s:?}"),
            Tok::Num(v) => format!("number {v:?}"),
            Tok::Other(s) => format!("`{s}`"),
            Tok::Dot => "`.`".into(),
            Tok::LBracket => "`[`".into(),
            Tok::RBracket => "`]`".into(),
            Tok::LParen => "`(`".into(),
            Tok::RParen => "`)`".into(),
            Tok::EqEq => "`==`".into(),
            Tok::NotEq => "`!=`".into(),
            Tok::AndAnd => "`&&`".into(),
            Tok::OrOr => "`||`".into(),
            Tok::Bang => "`!`".into(),
        }
    }
}

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        let two: String = chars[i..chars.len().min(i + 2)].iter().collect();
        let tok2 = match two.as_str() {
            "==" => Some(Tok::EqEq),
            "!=" => Some(Tok::NotEq),
            "&&" => Some(Tok::AndAnd),
            "||" => Some(Tok::OrOr),
            _ => None,
        };
        if let Some(t) = tok2 {
            out.push(t);
            i += 2;
            continue;
        }
        match c {
            '.' => out.push(Tok::Dot),
            '[' => out.push(Tok::LBracket),
            ']' => out.push(Tok::RBracket),
            '(' => out.push(Tok::LParen),
            ')' => out.push(Tok::RParen),
            '!' => out.push(Tok::Bang),
            '"' | '\'' | '`' => {
                let (lit, next) = string_lit(&chars, i)?;
                out.push(Tok::Str(lit));
                i = next;
                continue;
            }
            c if c.is_ascii_digit() => {
                let start = i;
                while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.' || chars[i] == '_') {
                    i += 1;
                }
                let text: String = chars[start..i].iter().filter(|c| **c != '_').collect();
                let v = if text.contains('.') {
                    Value::Double(text.parse().map_err(|_| format!("bad number {text:?}"))?)
                } else {
                    Value::Int(text.parse().map_err(|_| format!("bad number {text:?}"))?)
                };
                out.push(Tok::Num(v));
                continue;
            }
            c if c.is_alphanumeric() || c == '_' || c == '$' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                    i += 1;
                }
                out.push(Tok::Ident(chars[start..i].iter().collect()));
                continue;
            }
            other => {
                // Group the rest of an operator for the error message.
                let start = i;
                while i < chars.len() && "+-*/%<>=?:^~|&,".contains(chars[i]) {
                    i += 1;
                }
                let text: String = if i > start {
                    chars[start..i].iter().collect()
                } else {
                    i += 1;
                    other.to_string()
                };
                out.push(Tok::Other(text));
                continue;
            }
        }
        i += 1;
    }
    Ok(out)
}

/// A quoted string starting at `chars[start]`; returns it unescaped and the
/// index after the closing quote.
fn string_lit(chars: &[char], start: usize) -> Result<(String, usize), String> {
    let q = chars[start];
    let mut out = String::new();
    let mut i = start + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == q {
            return Ok((out, i + 1));
        }
        if c == '\\' && q != '`' {
            let Some(&n) = chars.get(i + 1) else { break };
            match n {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                '0' => out.push('\0'),
                '\\' => out.push('\\'),
                '"' => out.push('"'),
                '\'' => out.push('\''),
                other => {
                    // Unknown escapes keep their backslash (regex classes such as `\d`).
                    out.push('\\');
                    out.push(other);
                }
            }
            i += 2;
            continue;
        }
        out.push(c);
        i += 1;
    }
    Err(format!("unterminated string starting at {start}"))
}

struct ParserState {
    tokens: Vec<Tok>,
    pos: usize,
}

impl ParserState {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos)
    }

    fn is_word(&self, w: &str) -> bool {
        matches!(self.peek(), Some(Tok::Ident(s)) if s == w)
    }

    fn or(&mut self) -> Result<Node, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::OrOr) || self.is_word("or") {
            self.pos += 1;
            let right = self.and()?;
            left = Node::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Node, String> {
        let mut left = self.unary()?;
        while self.peek() == Some(&Tok::AndAnd) || self.is_word("and") {
            self.pos += 1;
            let right = self.unary()?;
            left = Node::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Node, String> {
        if self.peek() == Some(&Tok::Bang) || self.is_word("not") {
            self.pos += 1;
            return Ok(Node::Not(Box::new(self.unary()?)));
        }
        if self.peek() == Some(&Tok::LParen) {
            self.pos += 1;
            let inner = self.or()?;
            if self.peek() != Some(&Tok::RParen) {
                return Err("missing `)`".into());
            }
            self.pos += 1;
            return Ok(inner);
        }
        self.comparison()
    }

    fn comparison(&mut self) -> Result<Node, String> {
        let left = self.operand()?;
        match self.peek() {
            Some(Tok::EqEq) | Some(Tok::NotEq) => {
                let want = self.peek() == Some(&Tok::EqEq);
                self.pos += 1;
                let right = self.operand()?;
                Ok(Node::Eq(left, right, want))
            }
            Some(Tok::Ident(w)) if w == "matches" => {
                self.pos += 1;
                let pattern = match self.peek() {
                    Some(Tok::Str(s)) => s.clone(),
                    other => {
                        return Err(format!(
                            "`matches` needs a string literal pattern, found {}",
                            other.map_or("the end".into(), Tok::describe)
                        ));
                    }
                };
                self.pos += 1;
                let re = Regex::new(&pattern).map_err(|e| format!("invalid regex {pattern:?}: {e}"))?;
                Ok(Node::Matches(left, re))
            }
            Some(Tok::Ident(w)) => Err(format!("operator `{w}` is not supported ({SUPPORTED})")),
            Some(Tok::Other(o)) => Err(format!("operator `{o}` is not supported ({SUPPORTED})")),
            _ => match left {
                Operand::Field(_) => Ok(Node::Truthy(left)),
                Operand::Lit(Value::Bool(b)) => Ok(Node::Truthy(Operand::Lit(Value::Bool(b)))),
                Operand::Lit(v) => Err(format!("a lone literal {v:?} is not a condition")),
            },
        }
    }

    fn operand(&mut self) -> Result<Operand, String> {
        let Some(tok) = self.peek().cloned() else {
            return Err("unexpected end of expression".into());
        };
        self.pos += 1;
        match tok {
            Tok::Str(s) => Ok(Operand::Lit(Value::Str(s))),
            Tok::Num(v) => Ok(Operand::Lit(v)),
            Tok::Ident(w) => match w.as_str() {
                "true" => Ok(Operand::Lit(Value::Bool(true))),
                "false" => Ok(Operand::Lit(Value::Bool(false))),
                "nil" => Ok(Operand::Lit(Value::Null)),
                "body" | "$" | "$body" => self.field(Root::Body),
                "attributes" | "$attributes" => self.field(Root::Attributes),
                "resource" | "$resource" => self.field(Root::Resource),
                other => {
                    if self.peek() == Some(&Tok::LParen) {
                        Err(format!("function `{other}()` is not supported ({SUPPORTED})"))
                    } else {
                        Err(format!("unknown name `{other}` ({SUPPORTED})"))
                    }
                }
            },
            other => Err(format!("unexpected {} ({SUPPORTED})", other.describe())),
        }
    }

    fn field(&mut self, root: Root) -> Result<Operand, String> {
        let mut keys = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Dot) => {
                    self.pos += 1;
                    match self.peek().cloned() {
                        Some(Tok::Ident(k)) => keys.push(k),
                        other => {
                            return Err(format!(
                                "expected a key after `.`, found {}",
                                other.map_or("the end".into(), |t| t.describe())
                            ));
                        }
                    }
                    self.pos += 1;
                }
                Some(Tok::LBracket) => {
                    self.pos += 1;
                    let Some(Tok::Str(k)) = self.peek().cloned() else {
                        return Err("expected a quoted key inside `[...]`".into());
                    };
                    self.pos += 1;
                    if self.peek() != Some(&Tok::RBracket) {
                        return Err("missing `]`".into());
                    }
                    self.pos += 1;
                    keys.push(k);
                }
                _ => break,
            }
        }
        Ok(Operand::Field(Field { root, keys }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> Entry {
        let mut e = Entry::new(Value::from_config(&serde_json::json!({
            "message": "GET /index.html 200",
            "format": "json",
            "n": 3,
            "ok": true,
        })));
        e.attributes
            .insert("log.file.name".into(), Value::from("app.log"));
        e.attributes.insert("level".into(), Value::from("error"));
        e.resource.insert("host".into(), Value::from("h1"));
        e
    }

    #[test]
    fn evaluates_the_supported_subset() {
        let e = entry();
        let cases: &[(&str, bool)] = &[
            (r#"body.message matches "^GET ""#, true),
            (r#"body.message matches '^POST'"#, false),
            (r#"body.format == "json""#, true),
            (r#"body.format != "json""#, false),
            (r#""json" == body.format"#, true),
            (r#"attributes.level == "error""#, true),
            (r#"attributes["log.file.name"] == 'app.log'"#, true),
            (r#"resource.host == "h1" and attributes.level == "error""#, true),
            (r#"resource.host == "h2" || attributes.level == "error""#, true),
            (r#"not (resource.host == "h1")"#, false),
            (r#"!(body.n == 3)"#, false),
            (r#"body.n == 3.0"#, true),
            (r#"body.ok"#, true),
            (r#"body.missing == nil"#, true),
            (r#"body.missing == "x""#, false),
            (r#"body.missing matches "x""#, false),
            (r#"$.format == "json""#, true),
        ];
        for (src, want) in cases {
            let x = Expr::compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
            assert_eq!(x.eval(&e), Ok(*want), "{src}");
        }
        let line = Entry::new(Value::from("    at Main.main(Main.java:3)"));
        let first = Expr::compile(r#"body matches "^[^\\s]""#).unwrap();
        assert_eq!(first.eval(&line), Ok(false));
        assert_eq!(first.eval(&Entry::new(Value::from("Exception"))), Ok(true));
    }

    #[test]
    fn refuses_what_it_does_not_support_by_name() {
        let cases: &[(&str, &str)] = &[
            (r#"body.n > 3"#, "operator `>`"),
            (r#"body.n + 1 == 2"#, "operator `+`"),
            (r#"len(body) == 3"#, "function `len()`"),
            (r#"env("HOME") == "x""#, "function `env()`"),
            (r#"body.a in ["x"]"#, "operator `in`"),
            (r#"body contains "x""#, "operator `contains`"),
            (r#"timestamp == nil"#, "unknown name `timestamp`"),
            (r#"body matches body.x"#, "string literal pattern"),
            (r#"body matches "(""#, "invalid regex"),
            (r#"(body.a == "x""#, "missing `)`"),
            (r#""x""#, "lone literal"),
            (r#"body.a == "x" body"#, "unexpected"),
        ];
        for (src, want) in cases {
            let e = Expr::compile(src).unwrap_err();
            assert!(e.to_string().contains(want), "{src}: {e}");
        }
        let x = Expr::compile(r#"body matches "x""#).unwrap();
        assert!(x.eval(&entry()).unwrap_err().contains("needs a string"));
        let x = Expr::compile("body.n").unwrap();
        assert!(x.eval(&entry()).unwrap_err().contains("expected a bool"));
    }
}
