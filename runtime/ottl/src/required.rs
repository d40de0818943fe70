//! Necessary conditions on a request's protobuf encoding: the byte strings
//! that must occur in it for a condition to be true on any of its items.
//!
//! Protobuf stores a `string` field as its raw UTF-8 bytes, length-prefixed
//! and contiguous, and prost's decoding of a string field (the last
//! occurrence wins) yields exactly such a run of bytes. So if
//! `span.attributes["http.route"] == "/health"` is true on a span, the
//! request holds an attribute whose key is the bytes `http.route` and whose
//! string value is the bytes `/health`: a request in which either byte
//! string is absent cannot make the condition true, and a caller holding
//! the encoding can skip evaluating it without decoding.
//!
//! Only comparisons `field == "literal"` with a non-empty string literal and
//! a field whose value is a string stored as is (names, attribute and body
//! values, status message, severity text...) yield a requirement;
//! `and` needs what any of its operands needs (all of those that have a
//! requirement, combined), `or` needs what one of its operands needs (each
//! must have one), `false` needs the impossible. Everything else — `not`,
//! `!=`, ordering, converters (`IsMatch`, `ToLowerCase`, `String`...), `nil`,
//! numbers, enums, ids (`trace_id.string` is hex, not the stored bytes),
//! `body.string` (a non-string body is converted) — has none.

use super::ast::{CmpOp, Key};
use super::eval::{CBool, CValue, Lit};
use super::fields::Field;

/// More alternatives than this and a requirement is given up (an `or`) or
/// not combined further (an `and`).
const MAX_ALTERNATIVES: usize = 32;

/// What the protobuf encoding of a request must contain for a condition to
/// be true on any item of it: one of the [alternatives](Self::alternatives)
/// in full, each a set of byte strings that must all occur (anywhere in the
/// encoding of the request). No alternative at all: the condition is never
/// true.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequiredBytes {
    alternatives: Vec<Vec<Vec<u8>>>,
}

impl RequiredBytes {
    /// The alternatives; every byte string in them is non-empty, and within
    /// one alternative the strings of field values come before those of keys.
    pub fn alternatives(&self) -> &[Vec<Vec<u8>>] {
        &self.alternatives
    }

    /// True when some alternative has all its byte strings in `contains`.
    pub fn may_hold(&self, mut contains: impl FnMut(&[u8]) -> bool) -> bool {
        self.alternatives
            .iter()
            .any(|alt| alt.iter().all(|needle| contains(needle)))
    }
}

type Dnf = Vec<Vec<Vec<u8>>>;

/// The requirement of `e`, if it has one.
pub(crate) fn required(e: &CBool) -> Option<RequiredBytes> {
    dnf(e).map(|alternatives| RequiredBytes { alternatives })
}

fn dnf(e: &CBool) -> Option<Dnf> {
    match e {
        CBool::Const(false) => Some(Vec::new()),
        CBool::Const(true) | CBool::Not(_) | CBool::Func(_) => None,
        CBool::Or(v) => {
            let mut out: Dnf = Vec::new();
            for e in v {
                for alt in dnf(e)? {
                    if !out.contains(&alt) {
                        out.push(alt);
                    }
                }
            }
            (out.len() <= MAX_ALTERNATIVES).then_some(out)
        }
        CBool::And(v) => {
            // Every operand is true when the `and` is: the requirements of
            // all of them hold together (their product). Operands without
            // one are left out, as are those that would make the product
            // too large: a weaker requirement is still a necessary one.
            let mut acc: Option<Dnf> = None;
            for e in v {
                let Some(d) = dnf(e) else { continue };
                acc = Some(match acc {
                    None => d,
                    Some(a) if a.len().saturating_mul(d.len()) > MAX_ALTERNATIVES => a,
                    Some(a) => product(&a, &d),
                });
            }
            acc
        }
        CBool::Cmp(l, CmpOp::Eq, r) => match (l, r) {
            (CValue::Field(f), CValue::Lit(Lit::Str(s))) | (CValue::Lit(Lit::Str(s)), CValue::Field(f)) => {
                eq_literal(f, s)
            }
            _ => None,
        },
        CBool::Cmp(..) => None,
    }
}

fn product(a: &Dnf, b: &Dnf) -> Dnf {
    let mut out: Dnf = Vec::with_capacity(a.len() * b.len());
    for x in a {
        for y in b {
            let mut alt = x.clone();
            for needle in y {
                if !alt.contains(needle) {
                    alt.push(needle.clone());
                }
            }
            if !out.contains(&alt) {
                out.push(alt);
            }
        }
    }
    out
}

/// `f == "s"`: the bytes of `s`, then those of the string keys leading to
/// the value, when `f` reads a string stored as is.
fn eq_literal(f: &Field, s: &str) -> Option<Dnf> {
    if s.is_empty() {
        // An empty string (or an absent field read as "") is in every encoding.
        return None;
    }
    let keys = stored_string(f)?;
    let mut alt = vec![s.as_bytes().to_vec()];
    for k in keys {
        if let Key::Str(k) = k {
            if !k.is_empty() && !alt.iter().any(|n| n == k.as_bytes()) {
                alt.push(k.as_bytes().to_vec());
            }
        }
    }
    Some(vec![alt])
}

/// For a field whose string value (after following its keys, for maps) is
/// a protobuf `string` field of the request, read as is: its keys. Keys of
/// an attribute map or a key-value-list body are `string` fields too.
fn stored_string(f: &Field) -> Option<&[Key]> {
    use Field as F;
    match f {
        F::ResAttrs(k)
        | F::ScopeAttrs(k)
        | F::SpanAttrs(k)
        | F::EventAttrs(k)
        | F::PointAttrs(k)
        | F::LogAttrs(k)
        | F::LogBody(k) => Some(k),
        F::ResSchemaUrl
        | F::ScopeName
        | F::ScopeVersion
        | F::ScopeSchemaUrl
        | F::SpanTraceState
        | F::SpanName
        | F::SpanStatusMessage
        | F::EventName
        | F::MetricName
        | F::MetricDescription
        | F::MetricUnit
        | F::LogSeverityText
        | F::LogEventName => Some(&[]),
        _ => None,
    }
}

/// True unless evaluating `e` can never fail: only comparisons of literals
/// and fields that read no deeper than one string key into an attribute
/// map (a missing key is nil, never an error) are known not to fail.
pub(crate) fn may_fail(e: &CBool) -> bool {
    match e {
        CBool::Const(_) => false,
        CBool::Or(v) | CBool::And(v) => v.iter().any(may_fail),
        CBool::Not(e) => may_fail(e),
        CBool::Cmp(l, _, r) => value_may_fail(l) || value_may_fail(r),
        CBool::Func(_) => true,
    }
}

fn value_may_fail(v: &CValue) -> bool {
    use Field as F;
    match v {
        CValue::Lit(_) => false,
        CValue::Func(_) | CValue::List(_) => true,
        CValue::Field(f) => match f {
            F::ResAttrs(k)
            | F::ScopeAttrs(k)
            | F::SpanAttrs(k)
            | F::EventAttrs(k)
            | F::PointAttrs(k)
            | F::LogAttrs(k) => !matches!(k.as_slice(), [] | [Key::Str(_)]),
            // The body may be a string: indexing it fails.
            F::LogBody(k) => !k.is_empty(),
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::{Condition, ContextKind, RequiredBytes};

    fn req(src: &str, ctx: ContextKind) -> Option<Vec<Vec<String>>> {
        Condition::parse(src, ctx)
            .unwrap()
            .required_bytes()
            .map(|r: RequiredBytes| {
                r.alternatives()
                    .iter()
                    .map(|alt| {
                        alt.iter()
                            .map(|n| String::from_utf8(n.clone()).unwrap())
                            .collect()
                    })
                    .collect()
            })
    }

    fn span(src: &str) -> Option<Vec<Vec<String>>> {
        req(src, ContextKind::Span)
    }

    fn v(alts: &[&[&str]]) -> Option<Vec<Vec<String>>> {
        Some(
            alts.iter()
                .map(|a| a.iter().map(|s| s.to_string()).collect())
                .collect(),
        )
    }

    #[test]
    fn equality_with_a_stored_string_needs_the_literal_and_its_keys() {
        assert_eq!(
            span(r#"attributes["http.route"] == "/health""#),
            v(&[&["/health", "http.route"]])
        );
        assert_eq!(
            span(r#""/health" == attributes["http.route"]"#),
            v(&[&["/health", "http.route"]])
        );
        assert_eq!(span(r#"name == "x""#), v(&[&["x"]]));
        assert_eq!(span(r#"status.message == "boom""#), v(&[&["boom"]]));
        assert_eq!(span(r#"attributes["a"]["b"] == "x""#), v(&[&["x", "a", "b"]]));
        assert_eq!(span(r#"attributes["a"][0] == "x""#), v(&[&["x", "a"]]));
        // A key equal to the value is needed once.
        assert_eq!(span(r#"attributes["x"] == "x""#), v(&[&["x"]]));
        // An empty key needs nothing.
        assert_eq!(span(r#"attributes[""] == "x""#), v(&[&["x"]]));
    }

    #[test]
    fn upper_contexts_are_stored_strings_too() {
        assert_eq!(
            span(r#"resource.attributes["service.name"] == "cart""#),
            v(&[&["cart", "service.name"]])
        );
        assert_eq!(
            req(r#"attributes["service.name"] == "cart""#, ContextKind::Resource),
            v(&[&["cart", "service.name"]])
        );
        assert_eq!(req(r#"name == "io.lib""#, ContextKind::Scope), v(&[&["io.lib"]]));
        assert_eq!(span(r#"instrumentation_scope.version == "1.0""#), v(&[&["1.0"]]));
        assert_eq!(
            req(r#"span.name == "GET" "#, ContextKind::SpanEvent),
            v(&[&["GET"]])
        );
        assert_eq!(
            req(r#"metric.name == "m" "#, ContextKind::DataPoint),
            v(&[&["m"]])
        );
        assert_eq!(req(r#"body["k"] == "v""#, ContextKind::Log), v(&[&["v", "k"]]));
        assert_eq!(
            req(r#"severity_text == "WARN""#, ContextKind::Log),
            v(&[&["WARN"]])
        );
    }

    #[test]
    fn escapes_are_decoded() {
        assert_eq!(span(r#"name == "a\"b\\c\u00e9\n""#), v(&[&["a\"b\\cé\n"]]));
        assert_eq!(span(r#"attributes["k\""] == "\/x""#), v(&[&["/x", "k\""]]));
    }

    #[test]
    fn and_combines_or_needs_every_side() {
        assert_eq!(
            span(r#"name == "a" and attributes["k"] == "b""#),
            v(&[&["a", "b", "k"]])
        );
        // A side without a requirement is left out of an `and`...
        assert_eq!(span(r#"name == "a" and kind == 2"#), v(&[&["a"]]));
        assert_eq!(span(r#"not (name == "b") and name == "a""#), v(&[&["a"]]));
        // ...and spoils an `or`.
        assert_eq!(span(r#"name == "a" or kind == 2"#), None);
        assert_eq!(span(r#"name == "a" or name == "b""#), v(&[&["a"], &["b"]]));
        assert_eq!(
            span(r#"(name == "a" or name == "b") and status.message == "c""#),
            v(&[&["a", "c"], &["b", "c"]])
        );
        assert_eq!(span(r#"name == "a" or name == "a""#), v(&[&["a"]]));
        assert_eq!(span(r#"kind == 2 and kind == 3"#), None);
        // `false` is never true: no alternative.
        assert_eq!(span("false"), v(&[]));
        assert_eq!(span(r#"false and kind == 2"#), v(&[]));
        assert_eq!(span(r#"false or name == "a""#), v(&[&["a"]]));
        assert_eq!(span("true"), None);
    }

    #[test]
    fn no_requirement() {
        for src in [
            r#"name != "a""#,
            r#"not (name == "a")"#,
            r#"name > "a""#,
            r#"name <= "a""#,
            r#"name == """#,
            r#"attributes["k"] == nil"#,
            r#"attributes["k"] == 3"#,
            r#"attributes["k"] == 1.5"#,
            r#"attributes["k"] == true"#,
            r#"attributes["k"] == 0x0a0b"#,
            r#"kind == SPAN_KIND_SERVER"#,
            r#"IsMatch(name, "^a")"#,
            r#"IsString(attributes["k"])"#,
            r#"ToLowerCase(name) == "a""#,
            r#"String(attributes["k"]) == "1""#,
            r#"Concat([name, "x"], "") == "ax""#,
            r#"trace_id.string == "0102""#,
            r#"span_id.string == "0102""#,
            r#"name == attributes["k"]"#,
            r#""a" == "a""#,
            r#"attributes["k"] == "a" or IsRootSpan()"#,
        ] {
            assert_eq!(span(src), None, "{src}");
        }
        assert_eq!(req(r#"body.string == "1""#, ContextKind::Log), None);
        assert_eq!(req(r#"severity_number == 9"#, ContextKind::Log), None);
        assert_eq!(req(r#"HasAttrOnDatapoint("k", "v")"#, ContextKind::Metric), None);
    }

    #[test]
    fn too_many_alternatives() {
        let or = |n: usize| {
            (0..n)
                .map(|i| format!(r#"name == "n{i}""#))
                .collect::<Vec<_>>()
                .join(" or ")
        };
        assert_eq!(span(&or(32)).map(|a| a.len()), Some(32));
        assert_eq!(span(&or(33)), None);
        // An `and` keeps what it had when the product grows too large.
        let src = format!(r#"({}) and ({})"#, or(8), or(8).replace("name", "status.message"));
        assert_eq!(span(&src).map(|a| a.len()), Some(8));
    }

    #[test]
    fn what_may_fail() {
        let fails = |src: &str, ctx| Condition::parse(src, ctx).unwrap().may_fail();
        let s = ContextKind::Span;
        assert!(!fails(r#"attributes["http.route"] == "/health""#, s));
        assert!(!fails(r#"name == "a" or not (kind == 2)"#, s));
        assert!(!fails(r#"resource.attributes["k"] != nil"#, s));
        assert!(fails(r#"attributes["a"]["b"] == "x""#, s));
        assert!(fails(r#"attributes["a"][0] == "x""#, s));
        assert!(fails(r#"name == "a" and Len(attributes["k"]) > 2"#, s));
        assert!(fails(r#"IsMatch(name, "a")"#, s));
        assert!(fails(r#"body["k"] == "v""#, ContextKind::Log));
        assert!(!fails(r#"body == "v""#, ContextKind::Log));
    }
}
