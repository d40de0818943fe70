//! [`AttrProc`]: a validated, compiled action list applied to attribute maps.

use otelcol_component::prost::Message;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::{Payload, RequestContext};
use otelcol_pdata::edit::{self, AttrList, Literal, Target};
use regex::Regex;

use crate::attrs;
use crate::config::ActionConfig;
use crate::context::context_value;
use crate::convert::{ConvertTarget, convert_value};
use crate::error::ActionError;
use crate::hash::{hash_scalar, hash_value};

/// Where `insert`/`update`/`upsert` take their value from.
#[derive(Clone, Debug)]
struct Source {
    value: Option<AnyValue>,
    from_attribute: String,
    from_context: String,
    default_value: Option<AnyValue>,
    /// `value` and `default_value` encoded, for encoded lists (`None` also
    /// when a value is too deep to be written encoded).
    value_pb: Option<Literal>,
    default_pb: Option<Literal>,
}

impl Source {
    fn new(a: &ActionConfig) -> Self {
        let value = a.value.as_ref().map(|v| v.to_any_value());
        let default_value = a.default_value.as_ref().map(|v| v.to_any_value());
        let literal = |v: &AnyValue| Literal::new(v.encode_to_vec()).ok();
        Source {
            value_pb: value.as_ref().and_then(literal),
            default_pb: default_value.as_ref().and_then(literal),
            value,
            from_attribute: a.from_attribute.clone(),
            from_context: a.from_context.clone(),
            default_value,
        }
    }

    /// [`resolve`](Source::resolve) on an encoded list; `ctx_value` is what
    /// `from_context` found in the payload's context (encoded).
    fn resolve_encoded(&self, attrs: &mut AttrList<'_>, ctx_value: Option<&Literal>) -> Option<edit::Value> {
        if let Some(v) = &self.value_pb {
            return Some(attrs.literal(v));
        }
        if !self.from_context.is_empty() {
            if let Some(v) = ctx_value {
                return Some(attrs.literal(v));
            }
        }
        if !self.from_attribute.is_empty() {
            if let Some(i) = attrs.find(&self.from_attribute) {
                return Some(attrs.value(i));
            }
        }
        self.default_pb.as_ref().map(|v| attrs.literal(v))
    }

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

impl Op {
    /// True for the actions [`AttrProc::process_encoded_list`] runs.
    fn runs_encoded(&self) -> bool {
        match self {
            Op::Insert(s) | Op::Update(s) | Op::Upsert(s) => {
                s.value.is_some() == s.value_pb.is_some()
                    && s.default_value.is_some() == s.default_pb.is_some()
            }
            Op::Delete(_) | Op::Hash(_) => true,
            Op::Extract { .. } | Op::Convert(_) => false,
        }
    }

    fn source(&self) -> Option<&Source> {
        match self {
            Op::Insert(s) | Op::Update(s) | Op::Upsert(s) => Some(s),
            _ => None,
        }
    }
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
    /// Every action runs on encoded lists.
    encoded: bool,
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
            .map(|actions| AttrProc {
                encoded: actions.iter().all(|a| a.op.runs_encoded()),
                actions,
            })
    }

    /// True when every action can run on encoded attribute lists
    /// (`insert`, `update`, `upsert` from any source, `delete`, `hash`; not
    /// `extract` or `convert`).
    pub fn supports_encoded(&self) -> bool {
        self.encoded
    }

    /// Applies the actions to every item's own attribute list (a span's,
    /// not its events' or links'; a log record's; every data point's) of a
    /// payload that is still encoded, without decoding it
    /// ([`Payload::edit_encoded_attributes`]); the context is the
    /// payload's. Decoding the result gives what [`process`](AttrProc::process)
    /// on each decoded list gives.
    ///
    /// Returns false, with `data` as it was, when the payload is not
    /// encoded, when an action cannot run encoded
    /// ([`supports_encoded`](AttrProc::supports_encoded)), or when the
    /// encoding has a shape the encoded edit does not reproduce; the caller
    /// then runs [`process`](AttrProc::process) on the decoded lists.
    pub fn process_encoded_items<T: Payload>(&self, data: &mut T) -> bool {
        self.process_encoded(data, Target::Items)
    }

    /// [`process_encoded_items`](AttrProc::process_encoded_items) for every
    /// resource's attributes (an absent resource is processed as an empty
    /// one and stays absent if left empty, as
    /// [`Payload::for_each_resource_mut`] does).
    pub fn process_encoded_resources<T: Payload>(&self, data: &mut T) -> bool {
        self.process_encoded(data, Target::Resources)
    }

    fn process_encoded<T: Payload>(&self, data: &mut T, target: Target) -> bool {
        if !self.encoded || !data.is_encoded() {
            return false;
        }
        // `from_context` reads the payload's context: once for all its lists.
        let ctx = data.context();
        let ctx_values: Vec<Option<Literal>> =
            self.actions
                .iter()
                .map(|a| match a.op.source() {
                    Some(src) if !src.from_context.is_empty() => context_value(&src.from_context, ctx)
                        .and_then(|v| Literal::new(v.encode_to_vec()).ok()),
                    _ => None,
                })
                .collect();
        data.edit_encoded_attributes(target, |attrs| self.process_encoded_list(attrs, &ctx_values))
    }

    /// [`process`](AttrProc::process) on an encoded list, action for action
    /// with the same lookups and writes; `ctx_values[i]` is what action
    /// `i`'s `from_context` found.
    fn process_encoded_list(&self, attrs: &mut AttrList<'_>, ctx_values: &[Option<Literal>]) {
        for (i, action) in self.actions.iter().enumerate() {
            let key = action.key.as_str();
            let ctx_value = ctx_values.get(i).and_then(Option::as_ref);
            // Resolving a source changes nothing, so a lookup that decides
            // whether to write may come first.
            match &action.op {
                Op::Insert(src) => {
                    if attrs.find(key).is_none()
                        && let Some(v) = src.resolve_encoded(attrs, ctx_value)
                    {
                        attrs.push(key, v);
                    }
                }
                Op::Update(src) => {
                    if let Some(at) = attrs.find(key)
                        && let Some(v) = src.resolve_encoded(attrs, ctx_value)
                    {
                        attrs.set(at, v);
                    }
                }
                Op::Upsert(src) => {
                    let Some(v) = src.resolve_encoded(attrs, ctx_value) else {
                        continue;
                    };
                    match attrs.find(key) {
                        Some(at) => attrs.set(at, v),
                        None => attrs.push(key, v),
                    }
                }
                Op::Delete(regex) => {
                    if let Some(at) = attrs.find(key) {
                        attrs.remove(at);
                    }
                    // Removing the first entry of each matching key, once
                    // per matching entry, removes every matching entry.
                    if let Some(re) = regex {
                        attrs.retain(|k| !re.is_match(k));
                    }
                }
                Op::Hash(regex) => {
                    hash_first_encoded(attrs, attrs.find(key));
                    if let Some(re) = regex {
                        let matching: Vec<usize> =
                            (0..attrs.len()).filter(|&j| re.is_match(attrs.key(j))).collect();
                        for j in matching {
                            hash_first_encoded(attrs, attrs.first_with_key_of(j));
                        }
                    }
                }
                // Never here: `process_encoded` runs only when every action
                // runs encoded.
                Op::Extract { .. } | Op::Convert(_) => {}
            }
        }
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

/// Hashes the value of entry `at` of an encoded list, if there is one.
fn hash_first_encoded(attrs: &mut AttrList<'_>, at: Option<usize>) {
    if let Some(at) = at {
        let hashed = hash_scalar(attrs.scalar(at));
        let v = attrs.string(&hashed);
        attrs.set(at, v);
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
            let src = Source::new(a);
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
