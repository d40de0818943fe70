//! Statements: compiling `editor(args) where condition` against a context,
//! and running it on an item with write access.

use std::borrow::Cow;

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use regex::Regex;

use super::ast::{Call, StatementAst, ValueExpr};
use super::context::ContextKind;
use super::convert::{put, string_arg};
use super::error::{EvalError, ParseError};
use super::eval::{CBool, CValue, Compiler, eval_bool, eval_value};
use super::fields::{Field, resolve};
use super::metricfn::{self, MetricFn};
use super::read::get;
use super::value::Value;
use super::write::{self, TransformCtx, field_keys, settable};

/// The editors this implementation knows (Go `ottlfuncs` editors and the
/// transform processor's metric functions), with the context each needs.
pub(crate) const EDITORS: &[(&str, Option<ContextKind>)] = &[
    ("set", None),
    ("delete_key", None),
    ("delete_matching_keys", None),
    ("keep_keys", None),
    ("keep_matching_keys", None),
    ("limit", None),
    ("truncate_all", None),
    ("replace_pattern", None),
    ("replace_all_patterns", None),
    ("replace_match", None),
    ("replace_all_matches", None),
    ("merge_maps", None),
    ("flatten", None),
    ("convert_sum_to_gauge", Some(ContextKind::Metric)),
    ("convert_gauge_to_sum", Some(ContextKind::Metric)),
    ("extract_sum_metric", Some(ContextKind::Metric)),
    ("extract_count_metric", Some(ContextKind::Metric)),
    ("aggregate_on_attributes", Some(ContextKind::Metric)),
];

/// Go functions this implementation does not have: refused by name.
pub(crate) const NOT_IMPLEMENTED: &[&str] = &[
    "append",
    "delete_index",
    "convert_summary_count_val_to_sum",
    "convert_summary_sum_val_to_sum",
    "convert_summary_quantile_val_to_gauge",
    "convert_exponential_histogram_to_histogram",
    "copy_metric",
    "scale_metric",
    "extract_percentile_metric",
    "aggregate_on_attribute_value",
    "merge_histogram_buckets",
    "set_semconv_span_name",
];

/// A compiled editor.
#[derive(Clone, Debug)]
pub(crate) enum Editor {
    Set(Field, CValue),
    DeleteKey(Field, String),
    DeleteMatchingKeys(Field, Regex),
    KeepKeys(Field, Vec<String>),
    KeepMatchingKeys(Field, Regex),
    Limit(Field, usize, Vec<String>),
    TruncateAll(Field, usize),
    ReplacePattern(Field, Regex, CValue),
    ReplaceAllPatterns(Field, bool, Regex, CValue),
    ReplaceMatch(Field, Regex, CValue),
    ReplaceAllMatches(Field, Regex, CValue),
    MergeMaps(Field, CValue, Strategy),
    Flatten(Field, String, i64),
    Metric(MetricFn),
}

/// `merge_maps` strategies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strategy {
    Insert,
    Update,
    Upsert,
}

/// A compiled statement.
#[derive(Clone, Debug)]
pub(crate) struct CStatement {
    pub(crate) editor: Editor,
    pub(crate) condition: Option<CBool>,
}

/// Translates a glob (Go `gobwas/glob` syntax: `*`, `?`, `[...]`, `[!...]`,
/// `{a,b}`, `\` escapes) into an anchored regular expression.
pub(crate) fn glob_regex(pattern: &str) -> Result<Regex, String> {
    let mut re = String::from("^(?s:");
    let mut chars = pattern.chars();
    let mut braces = 0usize;
    while let Some(c) = chars.next() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' => {
                re.push('[');
                let mut first = true;
                let mut closed = false;
                for c in chars.by_ref() {
                    match c {
                        '!' if first => re.push('^'),
                        ']' => {
                            closed = true;
                            break;
                        }
                        '\\' | '[' | '&' | '~' | '^' => {
                            re.push('\\');
                            re.push(c);
                        }
                        c => re.push(c),
                    }
                    first = false;
                }
                if !closed {
                    return Err(format!("unclosed character class in glob {pattern:?}"));
                }
                re.push(']');
            }
            '{' => {
                braces += 1;
                re.push_str("(?:");
            }
            '}' if braces > 0 => {
                braces -= 1;
                re.push(')');
            }
            ',' if braces > 0 => re.push('|'),
            '\\' => {
                let next = chars
                    .next()
                    .ok_or_else(|| format!("trailing \\ in glob {pattern:?}"))?;
                re.push_str(&regex::escape(&next.to_string()));
            }
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    if braces > 0 {
        return Err(format!("unclosed {{ in glob {pattern:?}"));
    }
    re.push_str(")$");
    Regex::new(&re).map_err(|e| format!("invalid glob {pattern:?}: {e}"))
}

impl Compiler {
    /// Compiles a parsed statement.
    pub(crate) fn statement(&self, s: &StatementAst) -> Result<CStatement, ParseError> {
        let condition = s.condition.as_ref().map(|c| self.boolean(c)).transpose()?;
        Ok(CStatement {
            editor: self.editor(&s.editor)?,
            condition,
        })
    }

    fn target(&self, c: &Call, v: Option<&ValueExpr>, map: bool) -> Result<Field, ParseError> {
        let err = |m: String| ParseError::new(c.pos, m);
        let Some(ValueExpr::Path(p)) = v else {
            return Err(err(format!("{}: the target must be a path", c.name)));
        };
        let f = resolve(p, self.ctx, self.require_prefix)?;
        if map && field_keys(&f).is_none() {
            return Err(ParseError::new(
                p.pos,
                format!("{}: the target {:?} is not a map", c.name, p.text()),
            ));
        }
        if !settable(&f) {
            return Err(ParseError::new(
                p.pos,
                format!("{}: the path {:?} cannot be set", c.name, p.text()),
            ));
        }
        Ok(f)
    }

    fn int_lit(&self, c: &Call, v: Option<&ValueExpr>, what: &str) -> Result<i64, ParseError> {
        match v {
            Some(ValueExpr::Int(i)) => Ok(*i),
            _ => Err(ParseError::new(
                c.pos,
                format!("{}: {what} must be an integer literal", c.name),
            )),
        }
    }

    fn bool_lit(&self, c: &Call, v: Option<&ValueExpr>, what: &str) -> Result<bool, ParseError> {
        match v {
            Some(ValueExpr::Bool(b)) => Ok(*b),
            _ => Err(ParseError::new(
                c.pos,
                format!("{}: {what} must be true or false", c.name),
            )),
        }
    }

    fn string(&self, c: &Call, v: Option<&ValueExpr>, what: &str) -> Result<String, ParseError> {
        match v {
            Some(v) => self.str_lit(c, v, what).map(str::to_string),
            None => Err(ParseError::new(c.pos, format!("{}: missing {what}", c.name))),
        }
    }

    fn strings(&self, c: &Call, v: Option<&ValueExpr>, what: &str) -> Result<Vec<String>, ParseError> {
        let err = || {
            ParseError::new(
                c.pos,
                format!("{}: {what} must be a list of string literals", c.name),
            )
        };
        let Some(ValueExpr::List(items, _)) = v else {
            return Err(err());
        };
        items
            .iter()
            .map(|i| match i {
                ValueExpr::Str(s) => Ok(s.clone()),
                _ => Err(err()),
            })
            .collect()
    }

    fn regex(&self, c: &Call, v: Option<&ValueExpr>) -> Result<Regex, ParseError> {
        let pattern = self.string(c, v, "the pattern")?;
        Regex::new(&pattern).map_err(|e| {
            ParseError::new(
                c.pos,
                format!("{}: the regex pattern {pattern:?} is not valid: {e}", c.name),
            )
        })
    }

    fn glob(&self, c: &Call, v: Option<&ValueExpr>) -> Result<Regex, ParseError> {
        let pattern = self.string(c, v, "the pattern")?;
        glob_regex(&pattern).map_err(|e| ParseError::new(c.pos, format!("{}: {e}", c.name)))
    }

    fn value_arg(&self, c: &Call, v: Option<&ValueExpr>, what: &str) -> Result<CValue, ParseError> {
        match v {
            Some(v) => self.arg(v),
            None => Err(ParseError::new(c.pos, format!("{}: missing {what}", c.name))),
        }
    }

    fn editor(&self, c: &Call) -> Result<Editor, ParseError> {
        let err = |m: String| ParseError::new(c.pos, m);
        let name = c.name.as_str();
        let Some((_, needs)) = EDITORS.iter().find(|(n, _)| *n == name) else {
            if NOT_IMPLEMENTED.contains(&name) {
                return Err(err(format!("function {name:?} is not implemented by otelcol-rs")));
            }
            return Err(err(format!("undefined function {name:?}")));
        };
        if let Some(needed) = needs {
            if *needed != self.ctx {
                return Err(err(format!(
                    "{name} is only available in the {needed} context, not in the {} context",
                    self.ctx
                )));
            }
        }
        let (least, most) = match name {
            "convert_sum_to_gauge" => (0, 0),
            "flatten" => (1, 3),
            "extract_sum_metric" | "extract_count_metric" | "aggregate_on_attributes" => (1, 2),
            "set"
            | "delete_key"
            | "delete_matching_keys"
            | "keep_keys"
            | "keep_matching_keys"
            | "truncate_all"
            | "convert_gauge_to_sum" => (2, 2),
            "limit" | "merge_maps" | "replace_pattern" | "replace_match" | "replace_all_matches" => (3, 3),
            _ => (4, 4),
        };
        if c.args.len() < least || c.args.len() > most {
            let extra = if c.args.len() > most && name.starts_with("replace_") {
                " (the optional function and replacement format arguments are not supported)"
            } else {
                ""
            };
            let want = if least == most {
                least.to_string()
            } else {
                format!("{least} to {most}")
            };
            return Err(err(format!(
                "{name} expects {want} argument(s) but got {}{extra}",
                c.args.len()
            )));
        }
        let a = |i: usize| c.args.get(i);
        Ok(match name {
            "set" => Editor::Set(
                self.target(c, a(0), false)?,
                self.value_arg(c, a(1), "the value")?,
            ),
            "delete_key" => Editor::DeleteKey(self.target(c, a(0), true)?, self.string(c, a(1), "the key")?),
            "delete_matching_keys" => {
                Editor::DeleteMatchingKeys(self.target(c, a(0), true)?, self.regex(c, a(1))?)
            }
            "keep_keys" => Editor::KeepKeys(self.target(c, a(0), true)?, self.strings(c, a(1), "the keys")?),
            "keep_matching_keys" => {
                Editor::KeepMatchingKeys(self.target(c, a(0), true)?, self.regex(c, a(1))?)
            }
            "limit" => {
                let target = self.target(c, a(0), true)?;
                let limit = self.int_lit(c, a(1), "the limit")?;
                let keys = self.strings(c, a(2), "the priority keys")?;
                if limit < 0 {
                    return Err(err(format!(
                        "invalid limit for limit function, {limit} cannot be negative"
                    )));
                }
                if limit < i64::try_from(keys.len()).unwrap_or(i64::MAX) {
                    return Err(err(format!(
                        "invalid limit for limit function, {limit} cannot be less than number of priority attributes {}",
                        keys.len()
                    )));
                }
                Editor::Limit(target, usize::try_from(limit).unwrap_or(usize::MAX), keys)
            }
            "truncate_all" => {
                let target = self.target(c, a(0), true)?;
                let limit = self.int_lit(c, a(1), "the limit")?;
                if limit < 0 {
                    return Err(err(format!(
                        "invalid limit for truncate_all function, {limit} cannot be negative"
                    )));
                }
                Editor::TruncateAll(target, usize::try_from(limit).unwrap_or(usize::MAX))
            }
            "replace_pattern" => Editor::ReplacePattern(
                self.target(c, a(0), false)?,
                self.regex(c, a(1))?,
                self.value_arg(c, a(2), "the replacement")?,
            ),
            "replace_all_patterns" => {
                let target = self.target(c, a(0), true)?;
                let keys = match self.string(c, a(1), "the mode")?.as_str() {
                    "key" => true,
                    "value" => false,
                    other => {
                        return Err(err(format!(
                            "invalid mode {other}, must be either 'key' or 'value'"
                        )));
                    }
                };
                Editor::ReplaceAllPatterns(
                    target,
                    keys,
                    self.regex(c, a(2))?,
                    self.value_arg(c, a(3), "the replacement")?,
                )
            }
            "replace_match" => Editor::ReplaceMatch(
                self.target(c, a(0), false)?,
                self.glob(c, a(1))?,
                self.value_arg(c, a(2), "the replacement")?,
            ),
            "replace_all_matches" => Editor::ReplaceAllMatches(
                self.target(c, a(0), true)?,
                self.glob(c, a(1))?,
                self.value_arg(c, a(2), "the replacement")?,
            ),
            "merge_maps" => {
                let target = self.target(c, a(0), true)?;
                let source = self.value_arg(c, a(1), "the source")?;
                let strategy = match self.string(c, a(2), "the strategy")?.as_str() {
                    "insert" => Strategy::Insert,
                    "update" => Strategy::Update,
                    "upsert" => Strategy::Upsert,
                    other => {
                        return Err(err(format!(
                            "invalid value for strategy, {other}, must be 'insert', 'update' or 'upsert'"
                        )));
                    }
                };
                Editor::MergeMaps(target, source, strategy)
            }
            "flatten" => {
                let target = self.target(c, a(0), true)?;
                let prefix = match a(1) {
                    Some(v) => self.string(c, Some(v), "the prefix")?,
                    None => String::new(),
                };
                let depth = match a(2) {
                    Some(v) => self.int_lit(c, Some(v), "the depth")?,
                    None => i64::MAX,
                };
                if depth < 0 {
                    return Err(err(format!(
                        "invalid depth for flatten function, {depth} cannot be negative"
                    )));
                }
                Editor::Flatten(target, prefix, depth)
            }
            "convert_sum_to_gauge" => Editor::Metric(MetricFn::SumToGauge),
            "convert_gauge_to_sum" => {
                let t = match self.string(c, a(0), "the aggregation temporality")?.as_str() {
                    "delta" => 1,
                    "cumulative" => 2,
                    other => return Err(err(format!("unknown aggregation temporality: {other}"))),
                };
                Editor::Metric(MetricFn::GaugeToSum(t, self.bool_lit(c, a(1), "is_monotonic")?))
            }
            "extract_sum_metric" | "extract_count_metric" => {
                let monotonic = self.bool_lit(c, a(0), "is_monotonic")?;
                let count = name == "extract_count_metric";
                let suffix = match a(1) {
                    Some(v) => self.string(c, Some(v), "the suffix")?,
                    None => if count { "_count" } else { "_sum" }.to_string(),
                };
                Editor::Metric(if count {
                    MetricFn::ExtractCount(monotonic, suffix)
                } else {
                    MetricFn::ExtractSum(monotonic, suffix)
                })
            }
            _ => {
                let func = self.string(c, a(0), "the aggregation function")?;
                let func = metricfn::AggFn::parse(&func).ok_or_else(|| {
                    err(format!(
                        "invalid aggregation function: '{func}', valid options: sum, mean, min, max, median, count"
                    ))
                })?;
                let attrs = match a(1) {
                    Some(v) => Some(self.strings(c, Some(v), "the attributes")?),
                    None => None,
                };
                Editor::Metric(MetricFn::Aggregate(func, attrs))
            }
        })
    }
}

/// What the read phase of a statement computed for its write phase.
enum Apply {
    Nothing,
    Set(Value<'static>),
    Map(Value<'static>),
}

fn need_map<'m>(f: &Field, ctx: &'m mut TransformCtx<'_>) -> Result<&'m mut Vec<KeyValue>, EvalError> {
    write::map_mut(f, ctx)?.ok_or_else(|| EvalError::new("expected pcommon.Map but got nil"))
}

fn str_of(v: Option<&AnyValue>) -> Option<&str> {
    match v.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => Some(s),
        _ => None,
    }
}

/// Runs a compiled statement on `ctx`: `Ok(true)` if its condition held
/// (or it has none) and the editor ran.
pub(crate) fn execute(s: &CStatement, ctx: &mut TransformCtx<'_>) -> Result<bool, EvalError> {
    let plan = {
        let view = ctx.view();
        if let Some(cond) = &s.condition {
            if !eval_bool(cond, &view)? {
                return Ok(false);
            }
        }
        let own = |v: &CValue| eval_value(v, &view).map(Value::into_owned);
        match &s.editor {
            Editor::Set(_, v) => match own(v)? {
                Value::Nil => Apply::Nothing,
                v => Apply::Set(v),
            },
            Editor::ReplacePattern(f, re, repl) => match get(f, &view)? {
                Value::Str(cur) if re.is_match(&cur) => {
                    let r = string_arg("replace_pattern", own(repl)?)?;
                    Apply::Set(Value::Str(Cow::Owned(
                        re.replace_all(&cur, r.as_ref()).into_owned(),
                    )))
                }
                _ => Apply::Nothing,
            },
            Editor::ReplaceMatch(f, glob, repl) => match get(f, &view)? {
                Value::Str(cur) if glob.is_match(&cur) => {
                    Apply::Set(Value::Str(string_arg("replace_match", own(repl)?)?))
                }
                _ => Apply::Nothing,
            },
            Editor::ReplaceAllPatterns(_, _, _, repl) | Editor::ReplaceAllMatches(_, _, repl) => {
                Apply::Map(Value::Str(string_arg(editor_name(&s.editor), own(repl)?)?))
            }
            Editor::MergeMaps(_, src, _) => match own(src)? {
                v @ Value::Map(_) => Apply::Map(v),
                other => {
                    return Err(EvalError::new(format!(
                        "merge_maps: expected pcommon.Map but got {}",
                        other.type_name()
                    )));
                }
            },
            _ => Apply::Nothing,
        }
    };
    match (&s.editor, plan) {
        (Editor::Set(f, _) | Editor::ReplacePattern(f, ..) | Editor::ReplaceMatch(f, ..), Apply::Set(v)) => {
            write::set(f, ctx, &v)?;
        }
        (Editor::Set(..) | Editor::ReplacePattern(..) | Editor::ReplaceMatch(..), _) => {}
        (Editor::DeleteKey(f, k), _) => need_map(f, ctx)?.retain(|kv| &kv.key != k),
        (Editor::DeleteMatchingKeys(f, re), _) => need_map(f, ctx)?.retain(|kv| !re.is_match(&kv.key)),
        (Editor::KeepKeys(f, keys), _) => need_map(f, ctx)?.retain(|kv| keys.contains(&kv.key)),
        (Editor::KeepMatchingKeys(f, re), _) => need_map(f, ctx)?.retain(|kv| re.is_match(&kv.key)),
        (Editor::Limit(f, limit, keys), _) => {
            // A missing or non-map target is left alone (Go: a GetSetter, not a map getter).
            if let Ok(Some(m)) = write::map_mut(f, ctx) {
                if m.len() > *limit {
                    let mut count = m.iter().filter(|kv| keys.contains(&kv.key)).count();
                    m.retain(|kv| {
                        if keys.contains(&kv.key) {
                            return true;
                        }
                        if count < *limit {
                            count += 1;
                            return true;
                        }
                        false
                    });
                }
            }
        }
        (Editor::TruncateAll(f, limit), _) => {
            for kv in need_map(f, ctx)?.iter_mut() {
                if let Some(AnyValue {
                    value: Some(any_value::Value::StringValue(s)),
                }) = &mut kv.value
                {
                    if s.len() > *limit {
                        let mut end = *limit;
                        while !s.is_char_boundary(end) {
                            end -= 1;
                        }
                        s.truncate(end);
                    }
                }
            }
        }
        (Editor::ReplaceAllPatterns(f, keys, re, _), Apply::Map(Value::Str(repl))) => {
            let m = need_map(f, ctx)?;
            if *keys {
                let old = std::mem::take(m);
                for kv in old {
                    let key = if re.is_match(&kv.key) {
                        re.replace_all(&kv.key, repl.as_ref()).into_owned()
                    } else {
                        kv.key.clone()
                    };
                    put(m, &key, kv.value.unwrap_or_default());
                }
            } else {
                for kv in m.iter_mut() {
                    let new = match str_of(kv.value.as_ref()) {
                        Some(cur) if re.is_match(cur) => re.replace_all(cur, repl.as_ref()).into_owned(),
                        _ => continue,
                    };
                    kv.value = Some(super::convert::any_str(new));
                }
            }
        }
        (Editor::ReplaceAllMatches(f, glob, _), Apply::Map(Value::Str(repl))) => {
            for kv in need_map(f, ctx)?.iter_mut() {
                if str_of(kv.value.as_ref()).is_some_and(|cur| glob.is_match(cur)) {
                    kv.value = Some(super::convert::any_str(repl.to_string()));
                }
            }
        }
        (Editor::MergeMaps(f, _, strategy), Apply::Map(Value::Map(src))) => {
            let m = need_map(f, ctx)?;
            for kv in src.iter() {
                let exists = m.iter().any(|t| t.key == kv.key);
                let apply = match strategy {
                    Strategy::Insert => !exists,
                    Strategy::Update => exists,
                    Strategy::Upsert => true,
                };
                if apply {
                    put(m, &kv.key, kv.value.clone().unwrap_or_default());
                }
            }
        }
        (Editor::Flatten(f, prefix, depth), _) => {
            let m = need_map(f, ctx)?;
            let old = std::mem::take(m);
            flatten_into(m, &old, prefix, 0, *depth);
        }
        (Editor::Metric(func), _) => metricfn::apply(func, ctx)?,
        _ => {}
    }
    Ok(true)
}

fn editor_name(e: &Editor) -> &'static str {
    match e {
        Editor::ReplaceAllPatterns(..) => "replace_all_patterns",
        Editor::ReplaceAllMatches(..) => "replace_all_matches",
        _ => "editor",
    }
}

fn flatten_into(out: &mut Vec<KeyValue>, m: &[KeyValue], prefix: &str, depth: i64, max: i64) {
    for kv in m {
        let key = if prefix.is_empty() {
            kv.key.clone()
        } else {
            format!("{prefix}.{}", kv.key)
        };
        match kv.value.as_ref().and_then(|v| v.value.as_ref()) {
            Some(any_value::Value::KvlistValue(inner)) if depth < max => {
                flatten_into(out, &inner.values, &key, depth + 1, max);
            }
            Some(any_value::Value::ArrayValue(a)) => {
                for (i, item) in a.values.iter().enumerate() {
                    put(out, &format!("{key}.{i}"), item.clone());
                }
            }
            _ => put(out, &key, kv.value.clone().unwrap_or_default()),
        }
    }
}
