//! The operator pipeline (Go's stanza `pipeline`): operators in the order
//! configured, each passing entries to its `output` (default: the next
//! operator; after the last one, out of the receiver), routers choosing
//! among outputs, `on_error` deciding what happens to entries an operator
//! fails on.

pub mod config;
mod recombine;

use std::collections::HashMap;
use std::time::Instant;

use regex::Regex;

pub use config::{OperatorConfig, PathError, SUPPORTED_TYPES};

use crate::entry::{Entry, Map, Value};
use crate::expr::Expr;
use crate::field::Field;
use crate::severity::SeverityParser;
use crate::timeparse::TimeParser;
use config::{OnError, ParserCommon};
use recombine::Recombine;

/// Where an operator sends entries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    Node(usize),
    Emit,
}

#[derive(Debug)]
struct ParserParts {
    parse_from: Field,
    parse_to: Field,
    body: Option<Field>,
    time: Option<TimeParser>,
    severity: Option<SeverityParser>,
}

#[derive(Debug)]
struct Route {
    expr: Expr,
    attributes: Map,
    outputs: Vec<Target>,
}

#[derive(Debug)]
enum Kind {
    Json {
        parser: ParserParts,
        ints: bool,
    },
    Regex {
        parser: ParserParts,
        re: Regex,
    },
    Severity(SeverityParser),
    Time(TimeParser),
    Move {
        from: Field,
        to: Field,
    },
    Copy {
        from: Field,
        to: Field,
    },
    Add {
        field: Field,
        value: Value,
    },
    Remove {
        field: Field,
    },
    Router {
        routes: Vec<Route>,
        default: Vec<Target>,
    },
    Recombine(Box<Recombine>),
    Noop,
}

#[derive(Debug)]
struct Node {
    id: String,
    kind: Kind,
    outputs: Vec<Target>,
    on_error: OnError,
    if_expr: Option<Expr>,
}

/// What an operator decided about an entry.
enum Action {
    Send(Entry),
    Fail(Entry, String),
    Route(Vec<Target>),
    Routed(Entry, Vec<Target>),
    RouteError(String),
    Many(Vec<Entry>),
}

impl Action {
    fn from_result(e: Entry, r: Result<(), String>) -> Action {
        match r {
            Ok(()) => Action::Send(e),
            Err(err) => Action::Fail(e, err),
        }
    }
}

/// A built operator pipeline.
#[derive(Debug)]
pub struct Pipeline {
    nodes: Vec<Node>,
    dropped: u64,
}

/// Parses and builds `raw` operators; `resolve_tz` loads time zones (done
/// at start, not while validating). Errors name the config path.
pub fn build(raw: &[serde_json::Value], resolve_tz: bool) -> Result<Pipeline, PathError> {
    let configs = raw
        .iter()
        .enumerate()
        .map(|(i, v)| OperatorConfig::from_value(i, v))
        .collect::<Result<Vec<_>, _>>()?;
    Pipeline::new(&configs, resolve_tz)
}

fn at(i: usize, key: &str) -> String {
    format!("operators::{i}::{key}")
}

fn field(i: usize, key: &str, s: &str, rootable: bool) -> Result<Field, PathError> {
    if s.is_empty() {
        return Err((at(i, key), "missing required field".into()));
    }
    let f = if rootable {
        Field::parse_rootable(s)
    } else {
        Field::parse(s)
    };
    f.map_err(|e| (at(i, key), e.to_string()))
}

fn parser_parts(i: usize, p: &ParserCommon, resolve_tz: bool) -> Result<ParserParts, PathError> {
    let parse_from = match &p.parse_from {
        Some(s) => field(i, "parse_from", s, false)?,
        None => Field::body(),
    };
    let parse_to = match &p.parse_to {
        Some(s) => field(i, "parse_to", s, true)?,
        None => Field::attributes_root(),
    };
    let body = p
        .body
        .as_deref()
        .map(|s| field(i, "body", s, false))
        .transpose()?;
    if body.is_some() && parse_to == Field::body() {
        return Err((
            at(i, "body"),
            "`parse_to: body` not allowed when `body` is configured".into(),
        ));
    }
    let time = p
        .timestamp
        .as_ref()
        .map(|t| TimeParser::build(t, resolve_tz).map_err(|(k, m)| (at(i, &format!("timestamp::{k}")), m)))
        .transpose()?;
    let severity = p
        .severity
        .as_ref()
        .map(|s| s.build().map_err(|(k, m)| (at(i, &format!("severity::{k}")), m)))
        .transpose()?;
    Ok(ParserParts {
        parse_from,
        parse_to,
        body,
        time,
        severity,
    })
}

fn compile(i: usize, key: &str, src: &str) -> Result<Expr, PathError> {
    Expr::compile(src).map_err(|e| (at(i, key), e.to_string()))
}

impl Pipeline {
    /// Builds the pipeline of `configs`.
    pub fn new(configs: &[OperatorConfig], resolve_tz: bool) -> Result<Pipeline, PathError> {
        let mut index: HashMap<String, usize> = HashMap::new();
        for (i, c) in configs.iter().enumerate() {
            let id = c.id();
            if index.insert(id.clone(), i).is_some() {
                return Err((
                    at(i, "id"),
                    format!(
                        "operator with id {id:?} already exists (give each operator of a type its own `id`)"
                    ),
                ));
            }
        }
        let resolve = |i: usize, key: &str, ids: &[String]| -> Result<Vec<Target>, PathError> {
            ids.iter()
                .map(|id| {
                    index
                        .get(id)
                        .map(|n| Target::Node(*n))
                        .ok_or_else(|| (at(i, key), format!("operator {id:?} does not exist")))
                })
                .collect()
        };
        let mut nodes = Vec::with_capacity(configs.len());
        for (i, c) in configs.iter().enumerate() {
            let explicit = c.output_ids();
            let outputs = if explicit.is_empty() {
                vec![if i + 1 < configs.len() {
                    Target::Node(i + 1)
                } else {
                    Target::Emit
                }]
            } else {
                resolve(i, "output", &explicit)?
            };
            let common = c.common().unwrap_or_default();
            let if_expr = common
                .if_expr
                .as_deref()
                .map(|s| compile(i, "if", s))
                .transpose()?;
            let kind = match c {
                OperatorConfig::JsonParser(j) => Kind::Json {
                    parser: parser_parts(i, &j.parser(), resolve_tz)?,
                    ints: j.parse_ints,
                },
                OperatorConfig::RegexParser(r) => {
                    if r.regex.is_empty() {
                        return Err((at(i, "regex"), "missing required field".into()));
                    }
                    let re = Regex::new(&r.regex).map_err(|e| (at(i, "regex"), e.to_string()))?;
                    if !re.capture_names().any(|n| n.is_some()) {
                        return Err((at(i, "regex"), "no named capture groups in regex pattern".into()));
                    }
                    Kind::Regex {
                        parser: parser_parts(i, &r.parser(), resolve_tz)?,
                        re,
                    }
                }
                OperatorConfig::SeverityParser(s) => {
                    Kind::Severity(s.severity().build().map_err(|(k, m)| (at(i, &k), m))?)
                }
                OperatorConfig::TimeParser(t) => {
                    Kind::Time(TimeParser::build(&t.time(), resolve_tz).map_err(|(k, m)| (at(i, &k), m))?)
                }
                OperatorConfig::Move(m) => Kind::Move {
                    from: field(i, "from", &m.from, true)?,
                    to: field(i, "to", &m.to, true)?,
                },
                OperatorConfig::Copy(m) => Kind::Copy {
                    from: field(i, "from", &m.from, true)?,
                    to: field(i, "to", &m.to, true)?,
                },
                OperatorConfig::Add(a) => {
                    let f = field(i, "field", &a.field, false)?;
                    if a.value.is_null() {
                        return Err((at(i, "value"), "missing required field".into()));
                    }
                    if a.value.as_str().is_some_and(|s| s.starts_with("EXPR(")) {
                        return Err((
                            at(i, "value"),
                            "EXPR(...) values are not supported by this build; use a static value".into(),
                        ));
                    }
                    Kind::Add {
                        field: f,
                        value: Value::from_config(&a.value),
                    }
                }
                OperatorConfig::Remove(r) => Kind::Remove {
                    field: field(i, "field", &r.field, true)?,
                },
                OperatorConfig::Router(r) => {
                    if r.routes.is_empty() {
                        return Err((at(i, "routes"), "a router needs at least one route".into()));
                    }
                    let mut routes = Vec::new();
                    for (ri, route) in r.routes.iter().enumerate() {
                        let key = format!("routes::{ri}");
                        if route.expr.is_empty() {
                            return Err((at(i, &format!("{key}::expr")), "missing required field".into()));
                        }
                        let ids = route.output.ids();
                        if ids.is_empty() {
                            return Err((at(i, &format!("{key}::output")), "missing required field".into()));
                        }
                        let mut attributes = Map::new();
                        for (k, v) in &route.attributes {
                            if v.as_str().is_some_and(|s| s.starts_with("EXPR(")) {
                                return Err((
                                    at(i, &format!("{key}::attributes::{k}")),
                                    "EXPR(...) values are not supported by this build".into(),
                                ));
                            }
                            attributes.insert(k.clone(), Value::from_config(v));
                        }
                        routes.push(Route {
                            expr: compile(i, &format!("{key}::expr"), &route.expr)?,
                            attributes,
                            outputs: resolve(i, &format!("{key}::output"), &ids)?,
                        });
                    }
                    Kind::Router {
                        routes,
                        default: resolve(i, "default", &r.default.ids())?,
                    }
                }
                OperatorConfig::Recombine(r) => {
                    let expr = match (&r.is_first_entry, &r.is_last_entry) {
                        (Some(f), None) => (true, compile(i, "is_first_entry", f)?),
                        (None, Some(l)) => (false, compile(i, "is_last_entry", l)?),
                        _ => {
                            return Err((
                                at(i, "is_first_entry"),
                                "exactly one of is_first_entry and is_last_entry must be set".into(),
                            ));
                        }
                    };
                    let newest = match r.overwrite_with.as_str() {
                        "oldest" => false,
                        "newest" => true,
                        other => {
                            return Err((
                                at(i, "overwrite_with"),
                                format!("invalid value {other:?}: oldest or newest"),
                            ));
                        }
                    };
                    if r.max_batch_size == 0 {
                        return Err((at(i, "max_batch_size"), "must be greater than 0".into()));
                    }
                    Kind::Recombine(Box::new(Recombine::new(
                        field(i, "combine_field", &r.combine_field, false)?,
                        r.combine_with.clone(),
                        expr.0,
                        expr.1,
                        r.max_batch_size,
                        r.max_unmatched_batch_size,
                        newest,
                        r.force_flush_period,
                        field(i, "source_identifier", &r.source_identifier, false)?,
                        r.max_sources.max(1),
                        usize::try_from(r.max_log_size.0).unwrap_or(usize::MAX),
                    )))
                }
                OperatorConfig::Noop(_) => Kind::Noop,
            };
            nodes.push(Node {
                id: c.id(),
                kind,
                outputs,
                on_error: common.on_error,
                if_expr,
            });
        }
        let p = Pipeline { nodes, dropped: 0 };
        p.check_acyclic()?;
        Ok(p)
    }

    fn targets_of(&self, i: usize) -> Vec<Target> {
        let n = &self.nodes[i];
        match &n.kind {
            Kind::Router { routes, default } => routes
                .iter()
                .flat_map(|r| r.outputs.iter().copied())
                .chain(default.iter().copied())
                .collect(),
            _ => n.outputs.clone(),
        }
    }

    fn check_acyclic(&self) -> Result<(), PathError> {
        // 0 unvisited, 1 on the stack, 2 done.
        let mut state = vec![0u8; self.nodes.len()];
        fn visit(p: &Pipeline, i: usize, state: &mut [u8]) -> Result<(), PathError> {
            match state[i] {
                1 => {
                    return Err((
                        at(i, "output"),
                        format!("the operators form a cycle through {:?}", p.nodes[i].id),
                    ));
                }
                2 => return Ok(()),
                _ => {}
            }
            state[i] = 1;
            for t in p.targets_of(i) {
                if let Target::Node(n) = t {
                    visit(p, n, state)?;
                }
            }
            state[i] = 2;
            Ok(())
        }
        for i in 0..self.nodes.len() {
            visit(self, i, &mut state)?;
        }
        Ok(())
    }

    /// Entries dropped so far (`on_error: drop`, no matching route).
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Runs `e` through the pipeline; what leaves it is pushed to `out`.
    pub fn process(&mut self, e: Entry, now: Instant, out: &mut Vec<Entry>) {
        if self.nodes.is_empty() {
            out.push(e);
            return;
        }
        self.run(0, e, now, out);
    }

    fn send(&mut self, targets: &[Target], e: Entry, now: Instant, out: &mut Vec<Entry>) {
        let Some((last, rest)) = targets.split_last() else {
            self.dropped += 1;
            return;
        };
        for t in rest {
            self.to(*t, e.clone(), now, out);
        }
        self.to(*last, e, now, out);
    }

    fn to(&mut self, t: Target, e: Entry, now: Instant, out: &mut Vec<Entry>) {
        match t {
            Target::Emit => out.push(e),
            Target::Node(n) => self.run(n, e, now, out),
        }
    }

    fn fail(&mut self, i: usize, e: Entry, err: &str, now: Instant, out: &mut Vec<Entry>) {
        let n = &self.nodes[i];
        if n.on_error.quiet() {
            tracing::debug!(operator = %n.id, error = %err, action = ?n.on_error, "Failed to process entry");
        } else {
            tracing::error!(operator = %n.id, error = %err, action = ?n.on_error, "Failed to process entry");
        }
        if n.on_error.sends() {
            let outputs = n.outputs.clone();
            self.send(&outputs, e, now, out);
        } else {
            self.dropped += 1;
        }
    }

    fn run(&mut self, i: usize, mut e: Entry, now: Instant, out: &mut Vec<Entry>) {
        let outputs = self.nodes[i].outputs.clone();
        if let Some(x) = &self.nodes[i].if_expr {
            match x.eval(&e) {
                Ok(true) => {}
                Ok(false) => return self.send(&outputs, e, now, out),
                Err(err) => {
                    let err = format!("running if expr: {err}");
                    return self.fail(i, e, &err, now, out);
                }
            }
        }
        let action = match &mut self.nodes[i].kind {
            Kind::Json { parser, ints } => {
                let ints = *ints;
                let r = parse_with(parser, &mut e, |v| {
                    let text = v
                        .as_text()
                        .ok_or_else(|| format!("type {} cannot be parsed as JSON", v.type_name()))?;
                    let parsed: serde_json::Value =
                        serde_json::from_str(&text).map_err(|e| format!("parse JSON: {e}"))?;
                    match parsed {
                        serde_json::Value::Object(_) => Ok(Value::from_json(parsed, ints)),
                        other => Err(format!("JSON value is not an object: {other}")),
                    }
                });
                Action::from_result(e, r)
            }
            Kind::Regex { parser, re } => {
                let re = &*re;
                let r = parse_with(parser, &mut e, |v| {
                    let text = v
                        .as_text()
                        .ok_or_else(|| format!("type {} cannot be parsed as regex", v.type_name()))?;
                    let caps = re
                        .captures(&text)
                        .ok_or_else(|| "regex pattern does not match".to_string())?;
                    let mut m = Map::new();
                    for name in re.capture_names().flatten() {
                        let value = caps.name(name).map_or("", |c| c.as_str());
                        m.insert(name.to_string(), Value::Str(value.to_string()));
                    }
                    Ok(Value::Map(m))
                });
                Action::from_result(e, r)
            }
            Kind::Severity(p) => {
                let r = p.parse(&mut e);
                Action::from_result(e, r)
            }
            Kind::Time(p) => {
                let r = p.parse(&mut e);
                Action::from_result(e, r)
            }
            Kind::Move { from, to } => {
                let r = match from.delete(&mut e) {
                    Some(v) => to.set(&mut e, v),
                    None => Err(format!("move: field does not exist: {from}")),
                };
                Action::from_result(e, r)
            }
            Kind::Copy { from, to } => {
                let r = match from.get(&e) {
                    Some(v) => to.set(&mut e, v),
                    None => Err(format!("copy: from field does not exist: {from}")),
                };
                Action::from_result(e, r)
            }
            Kind::Add { field, value } => {
                let r = field.set(&mut e, value.clone());
                Action::from_result(e, r)
            }
            Kind::Remove { field } => {
                let r = match field.delete(&mut e) {
                    Some(_) => Ok(()),
                    None => Err(format!("remove: field does not exist: {field}")),
                };
                Action::from_result(e, r)
            }
            Kind::Noop => Action::Send(e),
            Kind::Router { routes, default } => {
                let mut action = None;
                for r in routes.iter() {
                    match r.expr.eval(&e) {
                        Ok(true) => {
                            for (k, v) in &r.attributes {
                                e.attributes.insert(k.clone(), v.clone());
                            }
                            action = Some(Action::Route(r.outputs.clone()));
                            break;
                        }
                        Ok(false) => {}
                        Err(x) => {
                            action = Some(Action::RouteError(x));
                            break;
                        }
                    }
                }
                match action {
                    Some(Action::Route(t)) => Action::Routed(e, t),
                    Some(other) => other,
                    None => Action::Routed(e, default.clone()),
                }
            }
            Kind::Recombine(r) => match r.process(e, now) {
                Ok(done) => Action::Many(done),
                Err(failed) => {
                    let (back, err) = *failed;
                    Action::Fail(back, err)
                }
            },
        };
        match action {
            Action::Send(e) => self.send(&outputs, e, now, out),
            Action::Fail(e, err) => self.fail(i, e, &err, now, out),
            Action::Routed(e, targets) => self.send(&targets, e, now, out),
            Action::RouteError(x) => {
                tracing::error!(operator = %self.nodes[i].id, error = %x, "Running expression returned an error");
                self.dropped += 1;
            }
            Action::Many(done) => {
                for d in done {
                    self.send(&outputs, d, now, out);
                }
            }
            Action::Route(_) => {}
        }
    }

    /// Flushes what stateful operators held longer than their flush period.
    pub fn tick(&mut self, now: Instant, out: &mut Vec<Entry>) {
        for i in 0..self.nodes.len() {
            let done = match &mut self.nodes[i].kind {
                Kind::Recombine(r) => r.tick(now),
                _ => continue,
            };
            let outputs = self.nodes[i].outputs.clone();
            for d in done {
                self.send(&outputs, d, now, out);
            }
        }
    }

    /// Flushes everything stateful operators hold (at shutdown).
    pub fn flush_all(&mut self, now: Instant, out: &mut Vec<Entry>) {
        for i in 0..self.nodes.len() {
            let done = match &mut self.nodes[i].kind {
                Kind::Recombine(r) => r.flush_all(),
                _ => continue,
            };
            let outputs = self.nodes[i].outputs.clone();
            for d in done {
                self.send(&outputs, d, now, out);
            }
        }
    }

    /// The first offset of `reader` that a stateful operator still holds.
    pub fn held_min_start(&self, reader: u64) -> Option<u64> {
        self.nodes
            .iter()
            .filter_map(|n| match &n.kind {
                Kind::Recombine(r) => r.held_min_start(reader),
                _ => None,
            })
            .min()
    }

    /// Whether a stateful operator holds entries.
    pub fn holds(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(&n.kind, Kind::Recombine(r) if r.holds()))
    }
}

/// Go's `ParserOperator.ParseWith`: parse `parse_from`, write the result at
/// `parse_to`, then the body, timestamp and severity; the first error is
/// reported after every step was tried.
fn parse_with(
    p: &ParserParts,
    e: &mut Entry,
    parse: impl FnOnce(&Value) -> Result<Value, String>,
) -> Result<(), String> {
    let Some(value) = p.parse_from.get_ref(e) else {
        return Err(format!(
            "Entry is missing the expected parse_from field {}",
            p.parse_from
        ));
    };
    let parsed = parse(value.as_ref())?;
    p.parse_to
        .set(e, parsed)
        .map_err(|err| format!("set parse_to: {err}"))?;
    if let Some(b) = &p.body {
        if let Some(v) = b.get(e) {
            e.body = v;
        }
    }
    let time_err = p.time.as_ref().and_then(|t| t.parse(e).err());
    let sev_err = p.severity.as_ref().and_then(|s| s.parse(e).err());
    if let Some(err) = time_err {
        return Err(format!("time parser: {err}"));
    }
    if let Some(err) = sev_err {
        return Err(format!("severity parser: {err}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn pipeline(yaml: &str) -> Pipeline {
        let raw: Vec<serde_json::Value> = serde_yaml::from_str(yaml).unwrap();
        build(&raw, true).unwrap_or_else(|e| panic!("{yaml}: {e:?}"))
    }

    fn entry(body: serde_json::Value) -> Entry {
        Entry {
            body: Value::from_config(&body),
            ..Default::default()
        }
    }

    fn run(p: &mut Pipeline, input: Vec<Entry>) -> Vec<Entry> {
        let mut out = Vec::new();
        let now = Instant::now();
        for e in input {
            p.process(e, now, &mut out);
        }
        out
    }

    fn attrs(e: &Entry) -> serde_json::Value {
        serde_json::Value::Object(
            e.attributes
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        )
    }

    fn to_json(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Double(d) => (*d).into(),
            Value::Str(s) => s.clone().into(),
            Value::Bytes(b) => String::from_utf8_lossy(b).into_owned().into(),
            Value::Array(a) => a.iter().map(to_json).collect(),
            Value::Map(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
            }
        }
    }

    /// One operator, one input body, and what should come out: the body,
    /// the attributes, or nothing (dropped).
    struct Case {
        ops: &'static str,
        input: serde_json::Value,
        body: Option<serde_json::Value>,
        attributes: serde_json::Value,
    }

    #[test]
    fn single_operator_table() {
        use serde_json::json;
        let cases = vec![
            Case {
                ops: "[{type: json_parser}]",
                input: json!(r#"{"a": 1, "b": {"c": "x"}}"#),
                body: Some(json!(r#"{"a": 1, "b": {"c": "x"}}"#)),
                attributes: json!({"a": 1.0, "b": {"c": "x"}}),
            },
            Case {
                ops: "[{type: json_parser, parse_ints: true, parse_to: body}]",
                input: json!(r#"{"a": 1}"#),
                body: Some(json!({"a": 1})),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: json_parser, on_error: drop}]",
                input: json!("not json"),
                body: None,
                attributes: json!({}),
            },
            Case {
                ops: "[{type: json_parser}]",
                input: json!("not json"),
                body: Some(json!("not json")),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: json_parser, parse_from: body.msg, body: attributes.text}]",
                input: json!({"msg": r#"{"text": "hello"}"#}),
                body: Some(json!("hello")),
                attributes: json!({"text": "hello"}),
            },
            Case {
                ops: r#"[{type: regex_parser, regex: '^(?P<host>[^ ]+) (?P<verb>[A-Z]+)(?P<opt> x)?'}]"#,
                input: json!("h1 GET /"),
                body: Some(json!("h1 GET /")),
                attributes: json!({"host": "h1", "verb": "GET", "opt": ""}),
            },
            Case {
                ops: r#"[{type: regex_parser, regex: '^(?P<a>\d+)$', on_error: drop_quiet}]"#,
                input: json!("abc"),
                body: None,
                attributes: json!({}),
            },
            Case {
                ops: r#"[{type: regex_parser, regex: '^(?P<a>\d+)$', if: 'body matches "^\\d"'}]"#,
                input: json!("abc"),
                body: Some(json!("abc")),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: move, from: body.a, to: attributes.b}]",
                input: json!({"a": 1, "c": 2}),
                body: Some(json!({"c": 2})),
                attributes: json!({"b": 1}),
            },
            Case {
                ops: "[{type: move, from: body.wrapper, to: body}]",
                input: json!({"wrapper": {"k": "v"}}),
                body: Some(json!({"k": "v"})),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: move, from: body.log, to: body}]",
                input: json!({"log": "line"}),
                body: Some(json!("line")),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: move, from: body.missing, to: body.x, on_error: drop}]",
                input: json!({"a": 1}),
                body: None,
                attributes: json!({}),
            },
            Case {
                ops: "[{type: copy, from: body.a, to: attributes.a}]",
                input: json!({"a": "x"}),
                body: Some(json!({"a": "x"})),
                attributes: json!({"a": "x"}),
            },
            Case {
                ops: "[{type: add, field: attributes.env, value: prod}, {type: add, id: add2, field: body.n, value: {k: 3}}]",
                input: json!({}),
                body: Some(json!({"n": {"k": 3}})),
                attributes: json!({"env": "prod"}),
            },
            Case {
                ops: "[{type: add, field: attributes.a, value: 1}, {type: remove, field: attributes.a}, {type: remove, id: r2, field: body.x}]",
                input: json!({"x": 1, "y": 2}),
                body: Some(json!({"y": 2})),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: add, field: attributes.a, value: 1}, {type: remove, field: attributes}]",
                input: json!("b"),
                body: Some(json!("b")),
                attributes: json!({}),
            },
            Case {
                ops: "[{type: noop}]",
                input: json!("b"),
                body: Some(json!("b")),
                attributes: json!({}),
            },
        ];
        for c in cases {
            let mut p = pipeline(c.ops);
            let out = run(&mut p, vec![entry(c.input.clone())]);
            match &c.body {
                None => {
                    assert!(out.is_empty(), "{}: {out:?}", c.ops);
                    assert_eq!(p.dropped(), 1, "{}", c.ops);
                }
                Some(body) => {
                    assert_eq!(out.len(), 1, "{}", c.ops);
                    assert_eq!(to_json(&out[0].body), *body, "{}", c.ops);
                    assert_eq!(attrs(&out[0]), c.attributes, "{}", c.ops);
                }
            }
        }
    }

    #[test]
    fn parsers_embed_time_and_severity() {
        let mut p = pipeline(
            r#"[{type: regex_parser, regex: '^(?P<time>\S+ \S+) (?P<sev>[A-Z]+) (?P<msg>.*)$',
                 timestamp: {parse_from: attributes.time, layout: '%Y-%m-%d %H:%M:%S', location: UTC},
                 severity: {parse_from: attributes.sev}}]"#,
        );
        let out = run(
            &mut p,
            vec![entry(serde_json::json!("2023-06-19 05:20:50 ERROR boom"))],
        );
        assert_eq!(out[0].severity, 17);
        assert_eq!(out[0].severity_text, "ERROR");
        let want =
            (crate::tz::days_from_civil(2023, 6, 19) * 86_400 + 5 * 3600 + 20 * 60 + 50) * 1_000_000_000;
        assert_eq!(out[0].timestamp, Some(want));
        // A bad time: the entry is still sent (on_error: send) with the severity set.
        let out = run(&mut p, vec![entry(serde_json::json!("yesterday noon WARN x"))]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, 13);
        assert_eq!(out[0].timestamp, None);
        let mut p = pipeline(
            "[{type: severity_parser, parse_from: body.level}, {type: time_parser, parse_from: body.ts, layout_type: epoch, layout: s}]",
        );
        let out = run(
            &mut p,
            vec![entry(serde_json::json!({"level": "warning", "ts": 10}))],
        );
        assert_eq!((out[0].severity, out[0].timestamp), (13, Some(10_000_000_000)));
    }

    #[test]
    fn outputs_and_router() {
        let ops = r#"
- type: router
  routes:
    - output: json
      expr: 'body matches "^\\{"'
      attributes: {format: json}
    - output: tagged
      expr: 'attributes.kind == "special"'
  default: plain
- {type: json_parser, id: json, output: end}
- {type: add, id: tagged, field: attributes.tag, value: yes, output: [end, end2]}
- {type: add, id: plain, field: attributes.plain, value: true, output: end}
- {type: noop, id: end2, output: end}
- {type: noop, id: end}
"#;
        let mut p = pipeline(ops);
        let mut special = entry(serde_json::json!("x"));
        special.attributes.insert("kind".into(), Value::from("special"));
        let out = run(
            &mut p,
            vec![
                entry(serde_json::json!(r#"{"k": 1}"#)),
                special,
                entry(serde_json::json!("other")),
            ],
        );
        assert_eq!(out.len(), 4, "{out:?}");
        assert_eq!(attrs(&out[0]), serde_json::json!({"format": "json", "k": 1.0}));
        assert_eq!(
            attrs(&out[1]),
            serde_json::json!({"kind": "special", "tag": "yes"})
        );
        assert_eq!(attrs(&out[2]), attrs(&out[1]), "fan-out copies the entry");
        assert_eq!(attrs(&out[3]), serde_json::json!({"plain": true}));
        // Without a default, unmatched entries are dropped.
        let mut p =
            pipeline("[{type: router, routes: [{output: n, expr: 'body == \"a\"'}]}, {type: noop, id: n}]");
        let out = run(
            &mut p,
            vec![entry(serde_json::json!("a")), entry(serde_json::json!("b"))],
        );
        assert_eq!(out.len(), 1);
        assert_eq!(p.dropped(), 1);
    }

    #[test]
    fn recombine_combines_stack_traces() {
        let mut p = pipeline(
            r#"[{type: recombine, combine_field: body, is_first_entry: 'body matches "^[^\\s]"', force_flush_period: 1s}]"#,
        );
        let lines = [
            "Log message 1",
            "Error: java.lang.Exception: Stack trace",
            "        at Main.demo3(Main.java:15)",
            "        at Main.main(Main.java:3)",
            "Another log message",
        ];
        let input: Vec<Entry> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| Entry {
                origin: Some(crate::entry::Origin {
                    reader: 1,
                    start: i as u64 * 100,
                    end: i as u64 * 100 + 50,
                }),
                ..entry(serde_json::json!(l))
            })
            .collect();
        let out = run(&mut p, input);
        let bodies: Vec<_> = out.iter().map(|e| to_json(&e.body)).collect();
        assert_eq!(
            bodies,
            vec![
                serde_json::json!("Log message 1"),
                serde_json::json!(
                    "Error: java.lang.Exception: Stack trace\n        at Main.demo3(Main.java:15)\n        at Main.main(Main.java:3)"
                ),
            ]
        );
        assert_eq!(out[1].origin.map(|o| (o.start, o.end)), Some((100, 350)));
        // The last one is held, and its offset with it.
        assert_eq!(p.held_min_start(1), Some(400));
        assert!(p.holds());
        let mut flushed = Vec::new();
        p.tick(Instant::now(), &mut flushed);
        assert!(flushed.is_empty(), "not due yet");
        p.tick(Instant::now() + Duration::from_secs(2), &mut flushed);
        assert_eq!(
            to_json(&flushed[0].body),
            serde_json::json!("Another log message")
        );
        assert_eq!(p.held_min_start(1), None);
    }

    #[test]
    fn recombine_by_last_entry_and_limits() {
        let mut p = pipeline(
            r#"[{type: recombine, combine_field: body.message, combine_with: "", is_last_entry: "body.logtag == 'F'", overwrite_with: newest}]"#,
        );
        let parts = [
            ("P", "This is a very very long line th"),
            ("P", "at is really long and spa"),
            ("F", "ns lines"),
            ("F", "single"),
        ];
        let input = parts
            .iter()
            .map(|(t, m)| entry(serde_json::json!({"logtag": t, "message": m})))
            .collect();
        let out = run(&mut p, input);
        assert_eq!(out.len(), 2);
        assert_eq!(
            to_json(&out[0].body),
            serde_json::json!({"logtag": "F", "message": "This is a very very long line that is really long and spans lines"})
        );
        let mut p = pipeline(
            r#"[{type: recombine, combine_field: body, is_first_entry: 'body == "start"', max_batch_size: 2, max_unmatched_batch_size: 1}]"#,
        );
        let out = run(
            &mut p,
            ["orphan", "start", "a", "b"]
                .iter()
                .map(|s| entry(serde_json::json!(s)))
                .collect(),
        );
        let bodies: Vec<_> = out.iter().map(|e| to_json(&e.body)).collect();
        // "orphan" and "b" match nothing: flushed alone (max_unmatched_batch_size 1);
        // "start" + "a" reach max_batch_size.
        assert_eq!(
            bodies,
            vec![
                serde_json::json!("orphan"),
                serde_json::json!("start\na"),
                serde_json::json!("b")
            ]
        );
        let mut rest = Vec::new();
        p.flush_all(Instant::now(), &mut rest);
        assert!(rest.is_empty());
    }

    #[test]
    fn build_errors_name_the_path() {
        let cases: &[(&str, &str, &str)] = &[
            (
                "[{type: json_parser}, {type: json_parser}]",
                "operators::1::id",
                "already exists",
            ),
            (
                "[{type: json_parser, output: nowhere}]",
                "operators::0::output",
                "\"nowhere\" does not exist",
            ),
            (
                "[{type: regex_parser, regex: '('}]",
                "operators::0::regex",
                "regex",
            ),
            (
                "[{type: regex_parser, regex: 'x'}]",
                "operators::0::regex",
                "no named capture groups",
            ),
            ("[{type: regex_parser}]", "operators::0::regex", "missing"),
            (
                "[{type: json_parser, parse_from: foo}]",
                "operators::0::parse_from",
                "unrecognized prefix",
            ),
            (
                "[{type: json_parser, if: 'len(body) > 1'}]",
                "operators::0::if",
                "len()",
            ),
            (
                "[{type: router, routes: [{output: x, expr: 'body == 1'}]}]",
                "operators::0::routes::0::output",
                "does not exist",
            ),
            (
                "[{type: router, routes: [{output: r, expr: 'body.a > 1'}]}]",
                "operators::0::routes::0::expr",
                "operator `>`",
            ),
            (
                "[{type: router, routes: []}]",
                "operators::0::routes",
                "at least one",
            ),
            (
                "[{type: recombine, combine_field: body}]",
                "operators::0::is_first_entry",
                "exactly one",
            ),
            (
                "[{type: recombine, combine_field: body, is_last_entry: 'body == 1', overwrite_with: middle}]",
                "operators::0::overwrite_with",
                "oldest or newest",
            ),
            (
                "[{type: add, field: body.a, value: 'EXPR(body.b)'}]",
                "operators::0::value",
                "EXPR",
            ),
            ("[{type: add, field: body.a}]", "operators::0::value", "missing"),
            ("[{type: move, from: body.a}]", "operators::0::to", "missing"),
            (
                "[{type: json_parser, timestamp: {parse_from: body.t}}]",
                "operators::0::timestamp::layout",
                "missing",
            ),
            (
                "[{type: json_parser, severity: {parse_from: body.s, mapping: {huge: x}}}]",
                "operators::0::severity::mapping::huge",
                "unknown severity",
            ),
            (
                "[{type: time_parser, parse_from: body.t, layout: x, layout_type: epoch}]",
                "operators::0::layout",
                "epoch",
            ),
            (
                "[{type: noop, id: a, output: b}, {type: noop, id: b, output: a}]",
                "operators::0::output",
                "cycle",
            ),
        ];
        for (yaml, path, msg) in cases {
            let raw: Vec<serde_json::Value> = serde_yaml::from_str(yaml).unwrap();
            let (p, m) = build(&raw, false).unwrap_err();
            assert_eq!(p, *path, "{yaml}: {m}");
            assert!(m.contains(msg), "{yaml}: {m}");
        }
    }
}
