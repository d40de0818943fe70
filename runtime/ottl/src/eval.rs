//! Compiling a parsed condition against a context, and evaluating it.

use std::borrow::Cow;

use regex::Regex;

use super::ast::{BoolExpr, Call, CmpOp, ValueExpr};
use super::context::{ContextKind, EvalCtx};
use super::enums;
use super::error::{EvalError, ParseError};
use super::fields::{Field, attr, resolve};
use super::read::get;
use super::value::{Value, compare};

/// A compiled boolean expression.
#[derive(Clone, Debug)]
pub(crate) enum CBool {
    Or(Vec<CBool>),
    And(Vec<CBool>),
    Not(Box<CBool>),
    Const(bool),
    Cmp(CValue, CmpOp, CValue),
    Func(Box<Func>),
}

/// A compiled value.
#[derive(Clone, Debug)]
pub(crate) enum CValue {
    Lit(Lit),
    Field(Field),
    Func(Box<Func>),
    /// A list literal `[a, b]`.
    List(Vec<CValue>),
}

/// A literal.
#[derive(Clone, Debug)]
pub(crate) enum Lit {
    Nil,
    Bool(bool),
    Int(i64),
    Double(f64),
    Str(String),
    Bytes(Vec<u8>),
}

/// Type tests of the `Is*` converters.
#[derive(Clone, Copy, Debug)]
pub(crate) enum TypeTest {
    String,
    Int,
    Double,
    Bool,
    Map,
    List,
}

/// A compiled converter.
#[derive(Clone, Debug)]
pub(crate) enum Func {
    IsMatch(CValue, Regex),
    Is(TypeTest, CValue),
    Len(CValue),
    Concat(Vec<CValue>, String),
    Int(CValue),
    Double(CValue),
    String(CValue),
    HasAttrKeyOnDatapoint(String),
    HasAttrOnDatapoint(String, String),
    IsRootSpan,
    ConvertCase(CValue, Case),
    ParseJson(CValue),
    Sha256(CValue),
    Split(CValue, CValue),
    Substring(CValue, CValue, CValue),
    Time(CValue, String),
    UnixNano(CValue),
    TraceId(CValue),
    SpanId(CValue),
    Hex(CValue),
    Format(String, Vec<CValue>),
    ExtractPatterns(CValue, Regex),
}

/// The cases of `ConvertCase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    Lower,
    Upper,
    Snake,
    Camel,
}

impl Func {
    fn returns_bool(&self) -> bool {
        matches!(
            self,
            Func::IsMatch(..)
                | Func::Is(..)
                | Func::HasAttrKeyOnDatapoint(_)
                | Func::HasAttrOnDatapoint(..)
                | Func::IsRootSpan
        )
    }
}

/// The converters this implementation knows, with the context each needs (if any).
pub(crate) const CONVERTERS: &[(&str, Option<ContextKind>)] = &[
    ("IsMatch", None),
    ("IsString", None),
    ("IsInt", None),
    ("IsDouble", None),
    ("IsBool", None),
    ("IsMap", None),
    ("IsList", None),
    ("Len", None),
    ("Concat", None),
    ("Int", None),
    ("Double", None),
    ("String", None),
    ("HasAttrKeyOnDatapoint", Some(ContextKind::Metric)),
    ("HasAttrOnDatapoint", Some(ContextKind::Metric)),
    ("IsRootSpan", Some(ContextKind::Span)),
    ("ConvertCase", None),
    ("ToLowerCase", None),
    ("ToUpperCase", None),
    ("ParseJSON", None),
    ("SHA256", None),
    ("Split", None),
    ("Substring", None),
    ("Time", None),
    ("UnixNano", None),
    ("TraceID", None),
    ("SpanID", None),
    ("Hex", None),
    ("Format", None),
    ("ExtractPatterns", None),
];

/// How many arguments a converter takes (least, most).
fn arity(name: &str) -> (usize, usize) {
    match name {
        "IsRootSpan" => (0, 0),
        "IsMatch" | "Concat" | "HasAttrOnDatapoint" | "ConvertCase" | "Split" | "Format"
        | "ExtractPatterns" => (2, 2),
        "Substring" => (3, 3),
        "Time" => (2, 3),
        _ => (1, 1),
    }
}

/// Compiles parsed conditions for one context.
pub(crate) struct Compiler {
    pub(crate) ctx: ContextKind,
    pub(crate) require_prefix: bool,
}

impl Compiler {
    pub(crate) fn boolean(&self, e: &BoolExpr) -> Result<CBool, ParseError> {
        Ok(match e {
            BoolExpr::Or(v) => CBool::Or(v.iter().map(|e| self.boolean(e)).collect::<Result<_, _>>()?),
            BoolExpr::And(v) => CBool::And(v.iter().map(|e| self.boolean(e)).collect::<Result<_, _>>()?),
            BoolExpr::Not(e) => CBool::Not(Box::new(self.boolean(e)?)),
            BoolExpr::Const(b) => CBool::Const(*b),
            BoolExpr::Cmp { left, op, right } => {
                for side in [left, right] {
                    if let ValueExpr::List(_, pos) = side {
                        return Err(ParseError::new(
                            *pos,
                            "lists are only supported as arguments of functions, not in comparisons",
                        ));
                    }
                }
                CBool::Cmp(self.value(left)?, *op, self.value(right)?)
            }
            BoolExpr::Call(c) => {
                let f = self.call(c)?;
                if !f.returns_bool() {
                    return Err(ParseError::new(
                        c.pos,
                        format!(
                            "converter {} does not return a boolean; compare its result instead",
                            c.name
                        ),
                    ));
                }
                CBool::Func(Box::new(f))
            }
        })
    }

    fn value(&self, v: &ValueExpr) -> Result<CValue, ParseError> {
        Ok(match v {
            ValueExpr::Nil => CValue::Lit(Lit::Nil),
            ValueExpr::Bool(b) => CValue::Lit(Lit::Bool(*b)),
            ValueExpr::Int(i) => CValue::Lit(Lit::Int(*i)),
            ValueExpr::Float(f) => CValue::Lit(Lit::Double(*f)),
            ValueExpr::Str(s) => CValue::Lit(Lit::Str(s.clone())),
            ValueExpr::Bytes(b) => CValue::Lit(Lit::Bytes(b.clone())),
            ValueExpr::Enum(name, pos) => {
                CValue::Lit(Lit::Int(enums::lookup(self.ctx, name).ok_or_else(|| {
                    ParseError::new(
                        *pos,
                        format!("enum symbol {name:?} is not defined in the {} context", self.ctx),
                    )
                })?))
            }
            ValueExpr::Path(p) => CValue::Field(resolve(p, self.ctx, self.require_prefix)?),
            ValueExpr::Call(c) => CValue::Func(Box::new(self.call(c)?)),
            ValueExpr::List(items, _) => {
                CValue::List(items.iter().map(|v| self.value(v)).collect::<Result<_, _>>()?)
            }
        })
    }

    /// Compiles a value argument (a path, literal, converter or list).
    pub(crate) fn arg(&self, v: &ValueExpr) -> Result<CValue, ParseError> {
        self.value(v)
    }

    pub(crate) fn str_lit<'a>(&self, c: &Call, v: &'a ValueExpr, what: &str) -> Result<&'a str, ParseError> {
        match v {
            ValueExpr::Str(s) => Ok(s),
            _ => Err(ParseError::new(
                c.pos,
                format!("{}: {what} must be a string literal", c.name),
            )),
        }
    }

    fn call(&self, c: &Call) -> Result<Func, ParseError> {
        let err = |m: String| ParseError::new(c.pos, m);
        let Some((_, needs)) = CONVERTERS.iter().find(|(n, _)| *n == c.name) else {
            return Err(err(format!("undefined function {:?}", c.name)));
        };
        if let Some(needed) = needs {
            if *needed != self.ctx {
                return Err(err(format!(
                    "{} is only available in the {needed} context, not in the {} context",
                    c.name, self.ctx
                )));
            }
        }
        let (least, most) = arity(&c.name);
        if c.args.len() < least || c.args.len() > most {
            let want = if least == most {
                least.to_string()
            } else {
                format!("{least} to {most}")
            };
            return Err(err(format!(
                "{} expects {want} argument(s) but got {}",
                c.name,
                c.args.len()
            )));
        }
        let arg = |i: usize| {
            c.args
                .get(i)
                .ok_or_else(|| err(format!("{}: missing argument {i}", c.name)))
        };
        let one = || -> Result<CValue, ParseError> { self.value(arg(0)?) };
        Ok(match c.name.as_str() {
            "IsMatch" => {
                let pattern = self.str_lit(c, arg(1)?, "the pattern")?;
                let re = Regex::new(pattern)
                    .map_err(|e| err(format!("IsMatch: invalid regular expression {pattern:?}: {e}")))?;
                Func::IsMatch(one()?, re)
            }
            "IsString" => Func::Is(TypeTest::String, one()?),
            "IsInt" => Func::Is(TypeTest::Int, one()?),
            "IsDouble" => Func::Is(TypeTest::Double, one()?),
            "IsBool" => Func::Is(TypeTest::Bool, one()?),
            "IsMap" => Func::Is(TypeTest::Map, one()?),
            "IsList" => Func::Is(TypeTest::List, one()?),
            "Len" => Func::Len(one()?),
            "Int" => Func::Int(one()?),
            "Double" => Func::Double(one()?),
            "String" => Func::String(one()?),
            "Concat" => {
                let ValueExpr::List(items, _) = arg(0)? else {
                    return Err(err(
                        "Concat: the first argument must be a list such as [a, b]".into()
                    ));
                };
                let items = items.iter().map(|v| self.value(v)).collect::<Result<_, _>>()?;
                Func::Concat(items, self.str_lit(c, arg(1)?, "the delimiter")?.to_string())
            }
            "HasAttrKeyOnDatapoint" => {
                Func::HasAttrKeyOnDatapoint(self.str_lit(c, arg(0)?, "the key")?.to_string())
            }
            "HasAttrOnDatapoint" => Func::HasAttrOnDatapoint(
                self.str_lit(c, arg(0)?, "the key")?.to_string(),
                self.str_lit(c, arg(1)?, "the value")?.to_string(),
            ),
            "IsRootSpan" => Func::IsRootSpan,
            "ConvertCase" => {
                let case = match self.str_lit(c, arg(1)?, "the case")? {
                    "lower" => Case::Lower,
                    "upper" => Case::Upper,
                    "snake" => Case::Snake,
                    "camel" => Case::Camel,
                    other => {
                        return Err(err(format!(
                            "invalid case: {other}, allowed cases are: lower, upper, snake, camel"
                        )));
                    }
                };
                Func::ConvertCase(one()?, case)
            }
            "ToLowerCase" => Func::ConvertCase(one()?, Case::Lower),
            "ToUpperCase" => Func::ConvertCase(one()?, Case::Upper),
            "ParseJSON" => Func::ParseJson(one()?),
            "SHA256" => Func::Sha256(one()?),
            "Split" => Func::Split(one()?, self.value(arg(1)?)?),
            "Substring" => Func::Substring(one()?, self.value(arg(1)?)?, self.value(arg(2)?)?),
            "Time" => {
                let format = self.str_lit(c, arg(1)?, "the format")?;
                if format.is_empty() {
                    return Err(err("format cannot be nil".into()));
                }
                crate::time::check_format(format).map_err(err)?;
                if let Some(loc) = c.args.get(2) {
                    let loc = self.str_lit(c, loc, "the location")?;
                    if !matches!(loc, "" | "UTC" | "Etc/UTC") {
                        return Err(err(format!(
                            "Time: location {loc:?} is not supported (no time zone database); only \"UTC\""
                        )));
                    }
                }
                Func::Time(one()?, format.to_string())
            }
            "UnixNano" => Func::UnixNano(one()?),
            "TraceID" => Func::TraceId(one()?),
            "SpanID" => Func::SpanId(one()?),
            "Hex" => Func::Hex(one()?),
            "Format" => {
                let format = self.str_lit(c, arg(0)?, "the format")?.to_string();
                let ValueExpr::List(items, _) = arg(1)? else {
                    return Err(err(
                        "Format: the second argument must be a list such as [a, b]".into()
                    ));
                };
                let items = items.iter().map(|v| self.value(v)).collect::<Result<_, _>>()?;
                Func::Format(format, items)
            }
            "ExtractPatterns" => {
                let pattern = self.str_lit(c, arg(1)?, "the pattern")?;
                let re = Regex::new(pattern).map_err(|e| {
                    err(format!(
                        "the pattern supplied to ExtractPatterns is not a valid pattern: {e}"
                    ))
                })?;
                if re.capture_names().flatten().next().is_none() {
                    return Err(err(
                        "at least 1 named capture group must be supplied in the given regex".into(),
                    ));
                }
                Func::ExtractPatterns(one()?, re)
            }
            other => return Err(err(format!("undefined function {other:?}"))),
        })
    }
}

/// Evaluates a compiled condition.
pub(crate) fn eval_bool(e: &CBool, ctx: &EvalCtx<'_>) -> Result<bool, EvalError> {
    Ok(match e {
        CBool::Or(v) => {
            for e in v {
                if eval_bool(e, ctx)? {
                    return Ok(true);
                }
            }
            false
        }
        CBool::And(v) => {
            for e in v {
                if !eval_bool(e, ctx)? {
                    return Ok(false);
                }
            }
            true
        }
        CBool::Not(e) => !eval_bool(e, ctx)?,
        CBool::Const(b) => *b,
        CBool::Cmp(l, op, r) => compare(&eval_value(l, ctx)?, *op, &eval_value(r, ctx)?),
        CBool::Func(f) => match call(f, ctx)? {
            Value::Bool(b) => b,
            other => {
                return Err(EvalError::new(format!(
                    "expected a bool but got {}",
                    other.type_name()
                )));
            }
        },
    })
}

/// Evaluates a compiled value.
pub(crate) fn eval_value<'a>(v: &'a CValue, ctx: &EvalCtx<'a>) -> Result<Value<'a>, EvalError> {
    match v {
        CValue::Lit(l) => Ok(match l {
            Lit::Nil => Value::Nil,
            Lit::Bool(b) => Value::Bool(*b),
            Lit::Int(i) => Value::Int(*i),
            Lit::Double(d) => Value::Double(*d),
            Lit::Str(s) => Value::Str(Cow::Borrowed(s)),
            Lit::Bytes(b) => Value::Bytes(Cow::Borrowed(b)),
        }),
        CValue::Field(f) => get(f, ctx),
        CValue::Func(f) => call(f, ctx),
        CValue::List(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                // A nil item is kept as an empty value, as pcommon does.
                out.push(eval_value(item, ctx)?.to_any().unwrap_or_default());
            }
            Ok(Value::List(Cow::Owned(out)))
        }
    }
}

fn points(
    m: &otelcol_component::proto::metrics::v1::Metric,
) -> Vec<&[otelcol_component::proto::common::v1::KeyValue]> {
    use otelcol_component::proto::metrics::v1::metric::Data;
    match &m.data {
        None => Vec::new(),
        Some(Data::Gauge(g)) => g.data_points.iter().map(|p| p.attributes.as_slice()).collect(),
        Some(Data::Sum(s)) => s.data_points.iter().map(|p| p.attributes.as_slice()).collect(),
        Some(Data::Histogram(h)) => h.data_points.iter().map(|p| p.attributes.as_slice()).collect(),
        Some(Data::ExponentialHistogram(h)) => {
            h.data_points.iter().map(|p| p.attributes.as_slice()).collect()
        }
        Some(Data::Summary(s)) => s.data_points.iter().map(|p| p.attributes.as_slice()).collect(),
    }
}

fn call<'a>(f: &'a Func, ctx: &EvalCtx<'a>) -> Result<Value<'a>, EvalError> {
    Ok(match f {
        Func::IsMatch(target, re) => Value::Bool(
            eval_value(target, ctx)?
                .to_string_like()
                .is_some_and(|s| re.is_match(&s)),
        ),
        Func::Is(t, v) => {
            let v = eval_value(v, ctx)?;
            Value::Bool(matches!(
                (t, v),
                (TypeTest::String, Value::Str(_))
                    | (TypeTest::Int, Value::Int(_))
                    | (TypeTest::Double, Value::Double(_))
                    | (TypeTest::Bool, Value::Bool(_))
                    | (TypeTest::Map, Value::Map(_))
                    | (TypeTest::List, Value::List(_))
            ))
        }
        Func::Len(v) => match eval_value(v, ctx)? {
            Value::Str(s) => Value::Int(i64::try_from(s.len()).unwrap_or(i64::MAX)),
            Value::Map(m) => Value::Int(i64::try_from(m.len()).unwrap_or(i64::MAX)),
            Value::List(l) => Value::Int(i64::try_from(l.len()).unwrap_or(i64::MAX)),
            other => {
                return Err(EvalError::new(format!(
                    "Len: unsupported type {}; expected a string, map or slice",
                    other.type_name()
                )));
            }
        },
        Func::Int(v) => match eval_value(v, ctx)? {
            Value::Int(i) => Value::Int(i),
            Value::Double(d) if d.is_finite() => Value::Int(d.trunc() as i64),
            Value::Bool(b) => Value::Int(i64::from(b)),
            Value::Str(s) => s.parse::<i64>().map_or(Value::Nil, Value::Int),
            _ => Value::Nil,
        },
        Func::Double(v) => match eval_value(v, ctx)? {
            Value::Int(i) => Value::Double(i as f64),
            Value::Double(d) => Value::Double(d),
            Value::Bool(b) => Value::Double(if b { 1.0 } else { 0.0 }),
            Value::Str(s) => s.parse::<f64>().map_or(Value::Nil, Value::Double),
            _ => Value::Nil,
        },
        Func::String(v) => eval_value(v, ctx)?
            .to_string_like()
            .map_or(Value::Nil, |s| Value::Str(Cow::Owned(s))),
        Func::Concat(items, sep) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                parts.push(
                    eval_value(item, ctx)?
                        .to_string_like()
                        .unwrap_or_else(|| "<nil>".to_string()),
                );
            }
            Value::Str(Cow::Owned(parts.join(sep)))
        }
        Func::HasAttrKeyOnDatapoint(k) => Value::Bool(
            ctx.metric
                .is_some_and(|m| points(m).iter().any(|a| a.iter().any(|kv| &kv.key == k))),
        ),
        Func::HasAttrOnDatapoint(k, want) => Value::Bool(ctx.metric.is_some_and(|m| {
            points(m)
                .iter()
                .any(|a| matches!(attr(a, k), Value::Str(ref s) if s == want))
        })),
        Func::IsRootSpan => Value::Bool(ctx.span.is_some_and(|s| s.parent_span_id.iter().all(|b| *b == 0))),
        other => crate::convert::call(other, ctx)?,
    })
}
