//! [`AttrProc`]: a validated, compiled action list applied to attribute maps.

use otelcol_component::RequestContext;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use regex::Regex;

use crate::attrs;
use crate::config::ActionConfig;
use crate::context::context_value;
use crate::convert::{ConvertTarget, convert_value};
use crate::error::ActionError;
use crate::hash::hash_value;

/// Where `insert`/`update`/`upsert` take their value from.
#[derive(Clone, Debug)]
struct Source {
    value: Option<AnyValue>,
    from_attribute: String,
    from_context: String,
    default_value: Option<AnyValue>,
}

impl Source {
    /// The value to write, or `None` to skip the action. `value` wins; then
    /// `from_context`, then `from_attribute`; `default_value` when those
    /// yield nothing.
    fn resolve(&self, attrs: &[KeyValue], ctx: &RequestContext) -> Option<AnyValue> {
        if let Some(v) = &self.value {
            return Some(v.clone());
        }
        if !self.from_context.is_empty() {
            if let Some(v) = context_value(&self.from_context, ctx) {
                return Some(v);
            }
        }
        if !self.from_attribute.is_empty() {
            if let Some(kv) = attrs::get(attrs, &self.from_attribute) {
                return Some(attrs::value_of(kv));
            }
        }
        self.default_value.clone()
    }
}

#[derive(Clone, Debug)]
enum Op {
    Insert(Source),
    Update(Source),
    Upsert(Source),
    Delete(Option<Regex>),
    Hash(Option<Regex>),
    Extract { regex: Regex, names: Vec<String> },
    Convert(ConvertTarget),
}

#[derive(Clone, Debug)]
struct Action {
    key: String,
    op: Op,
}

/// A validated action list. Build it once with [`AttrProc::new`] and apply
/// it to every attribute map with [`AttrProc::process`].
#[derive(Clone, Debug)]
pub struct AttrProc {
    actions: Vec<Action>,
}

const INSERT: &str = "insert";
const UPDATE: &str = "update";
const UPSERT: &str = "upsert";
const DELETE: &str = "delete";
const HASH: &str = "hash";
const EXTRACT: &str = "extract";
const CONVERT: &str = "convert";

impl AttrProc {
    /// Validates and compiles `actions`, with the rules and messages of Go's
    /// `attraction.NewAttrProc`. An empty list is valid (and does nothing).
    pub fn new(actions: &[ActionConfig]) -> Result<Self, ActionError> {
        actions
            .iter()
            .enumerate()
            .map(|(index, a)| compile(index, a))
            .collect::<Result<Vec<_>, _>>()
            .map(|actions| AttrProc { actions })
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    /// True when there are no actions.
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// Applies every action, in order, to `attrs`. `ctx` is the request
    /// context of the payload the attributes belong to (`from_context`).
    pub fn process(&self, attrs: &mut Vec<KeyValue>, ctx: &RequestContext) {
        for action in &self.actions {
            let key = action.key.as_str();
            match &action.op {
                Op::Insert(src) => {
                    let Some(v) = src.resolve(attrs, ctx) else {
                        continue;
                    };
                    if attrs::get(attrs, key).is_none() {
                        attrs::put(attrs, key, v);
                    }
                }
                Op::Update(src) => {
                    let Some(v) = src.resolve(attrs, ctx) else {
                        continue;
                    };
                    if let Some(kv) = attrs::get_mut(attrs, key) {
                        kv.value = Some(v);
                    }
                }
                Op::Upsert(src) => {
                    let Some(v) = src.resolve(attrs, ctx) else {
                        continue;
                    };
                    attrs::put(attrs, key, v);
                }
                Op::Delete(regex) => {
                    attrs::remove(attrs, key);
                    for k in matching_keys(regex.as_ref(), attrs) {
                        attrs::remove(attrs, &k);
                    }
                }
                Op::Hash(regex) => {
                    hash_first(attrs, key);
                    // As in Go, a key that also matches the pattern is hashed again.
                    for k in matching_keys(regex.as_ref(), attrs) {
                        hash_first(attrs, &k);
                    }
                }
                Op::Extract { regex, names } => extract(attrs, key, regex, names),
                Op::Convert(target) => {
                    if let Some(kv) = attrs::get_mut(attrs, key) {
                        convert_value(key, *target, kv.value.get_or_insert_with(AnyValue::default));
                    }
                }
            }
        }
    }
}

/// Keys (with repeats, in order) matching `regex`; none without a regex.
fn matching_keys(regex: Option<&Regex>, attrs: &[KeyValue]) -> Vec<String> {
    match regex {
        Some(re) => attrs
            .iter()
            .filter(|kv| re.is_match(&kv.key))
            .map(|kv| kv.key.clone())
            .collect(),
        None => Vec::new(),
    }
}

fn hash_first(attrs: &mut [KeyValue], key: &str) {
    if let Some(kv) = attrs::get_mut(attrs, key) {
        hash_value(kv.value.get_or_insert_with(AnyValue::default));
    }
}

fn extract(attrs: &mut Vec<KeyValue>, key: &str, regex: &Regex, names: &[String]) {
    let Some(Value::StringValue(s)) = attrs::get(attrs, key).and_then(|kv| kv.value.as_ref()?.value.as_ref())
    else {
        return;
    };
    let Some(caps) = regex.captures(s) else { return };
    // Group 0 is the whole match; groups that did not take part yield "".
    let found: Vec<(String, String)> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let text = caps.get(i + 1).map_or("", |m| m.as_str());
            (name.clone(), text.to_owned())
        })
        .collect();
    for (name, text) in found {
        attrs::put_str(attrs, &name, &text);
    }
}

fn compile(index: usize, a: &ActionConfig) -> Result<Action, ActionError> {
    let action = a.action.to_lowercase();
    let key = a.key.clone();
    match action.as_str() {
        DELETE | HASH => {
            if a.key.is_empty() && a.pattern.is_empty() {
                return Err(ActionError::MissingKeyOrPattern { index });
            }
        }
        _ => {
            if a.key.is_empty() {
                return Err(ActionError::MissingKey { index });
            }
        }
    }
    let sources = usize::from(a.value.is_some())
        + usize::from(!a.from_attribute.is_empty())
        + usize::from(!a.from_context.is_empty());
    let compile_regex = |pattern: &str| {
        crate::re::compile(pattern).map_err(|_| ActionError::InvalidPattern {
            pattern: pattern.to_owned(),
            index,
        })
    };
    let op = match action.as_str() {
        INSERT | UPDATE | UPSERT => {
            if sources == 0 && a.default_value.is_none() {
                return Err(ActionError::MissingValueSource { index });
            }
            if sources > 1 {
                return Err(ActionError::MultipleValueSources { index });
            }
            if !a.pattern.is_empty() {
                return Err(ActionError::PatternNotUsed { action, index });
            }
            if !a.converted_type.is_empty() {
                return Err(ActionError::ConvertedTypeNotUsed { action, index });
            }
            let src = Source {
                value: a.value.as_ref().map(|v| v.to_any_value()),
                from_attribute: a.from_attribute.clone(),
                from_context: a.from_context.clone(),
                default_value: a.default_value.as_ref().map(|v| v.to_any_value()),
            };
            match action.as_str() {
                INSERT => Op::Insert(src),
                UPDATE => Op::Update(src),
                _ => Op::Upsert(src),
            }
        }
        DELETE | HASH => {
            if a.value.is_some() || !a.from_attribute.is_empty() {
                return Err(ActionError::ValueNotUsed { action, index });
            }
            let regex = if a.pattern.is_empty() {
                None
            } else {
                Some(compile_regex(&a.pattern)?)
            };
            if !a.converted_type.is_empty() {
                return Err(ActionError::ConvertedTypeNotUsed { action, index });
            }
            if action == DELETE {
                Op::Delete(regex)
            } else {
                Op::Hash(regex)
            }
        }
        EXTRACT => {
            if sources > 0 {
                return Err(ActionError::ValueSourceNotUsed { action, index });
            }
            if a.pattern.is_empty() {
                return Err(ActionError::MissingPattern { action, index });
            }
            if !a.converted_type.is_empty() {
                return Err(ActionError::ConvertedTypeNotUsed { action, index });
            }
            let regex = compile_regex(&a.pattern)?;
            let groups: Vec<Option<&str>> = regex.capture_names().skip(1).collect();
            if groups.is_empty() {
                return Err(ActionError::NoNamedGroups { index });
            }
            let names = groups
                .into_iter()
                .map(|n| n.map(str::to_owned).ok_or(ActionError::UnnamedGroup { index }))
                .collect::<Result<Vec<_>, _>>()?;
            Op::Extract { regex, names }
        }
        CONVERT => {
            if sources > 0 || !a.pattern.is_empty() {
                return Err(ActionError::ConvertFieldsNotUsed { action, index });
            }
            if a.converted_type.is_empty() {
                return Err(ActionError::MissingConvertedType { action, index });
            }
            match ConvertTarget::parse(&a.converted_type) {
                Some(t) => Op::Convert(t),
                None => {
                    return Err(ActionError::InvalidConvertedType {
                        converted_type: a.converted_type.clone(),
                        action,
                        index,
                    });
                }
            }
        }
        _ => return Err(ActionError::UnsupportedAction { action, index }),
    };
    Ok(Action { key, op })
}
