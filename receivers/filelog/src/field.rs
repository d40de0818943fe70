//! Fields: references to a value of an entry, written as Go's stanza writes
//! them: `body`, `body.key.nested`, `attributes.key`, `resource.key`, with
//! bracket syntax for keys holding dots (`attributes["log.file.name"]`).
//!
//! Reading, writing and deleting follow Go's `entry` package: setting a map
//! merges it into the map at the field; setting anything else replaces the
//! value, creating the intermediate maps.

use std::fmt;

use crate::entry::{Entry, Map, Value};

/// Which part of the entry a field points into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root {
    /// The body.
    Body,
    /// The attributes.
    Attributes,
    /// The resource.
    Resource,
}

impl Root {
    fn prefix(self) -> &'static str {
        match self {
            Root::Body => "body",
            Root::Attributes => "attributes",
            Root::Resource => "resource",
        }
    }
}

/// A parsed field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The part of the entry.
    pub root: Root,
    /// The keys below it (empty: the root itself).
    pub keys: Vec<String>,
}

/// Why a field does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid field {field:?}: {reason}")]
pub struct FieldError {
    /// The field as written.
    pub field: String,
    /// What is wrong.
    pub reason: String,
}

impl Field {
    /// The body itself.
    pub fn body() -> Field {
        Field {
            root: Root::Body,
            keys: Vec::new(),
        }
    }

    /// The attributes map itself (a parser's default `parse_to`).
    pub fn attributes_root() -> Field {
        Field {
            root: Root::Attributes,
            keys: Vec::new(),
        }
    }

    /// An attribute.
    pub fn attribute(key: &str) -> Field {
        Field {
            root: Root::Attributes,
            keys: vec![key.to_string()],
        }
    }

    /// Parses a field that must name a value inside `attributes` or
    /// `resource` when it is in those (Go's `entry.Field`).
    pub fn parse(s: &str) -> Result<Field, FieldError> {
        Self::parse_inner(s, false)
    }

    /// Parses a field that may be `attributes` or `resource` itself (Go's
    /// `entry.RootableField`, e.g. `parse_to`).
    pub fn parse_rootable(s: &str) -> Result<Field, FieldError> {
        Self::parse_inner(s, true)
    }

    fn parse_inner(s: &str, rootable: bool) -> Result<Field, FieldError> {
        let err = |reason: &str| FieldError {
            field: s.to_string(),
            reason: reason.to_string(),
        };
        let mut keys = split_keys(s).map_err(|r| err(&r))?;
        let first = keys.remove(0);
        let root = match first.as_str() {
            "body" => Root::Body,
            "attributes" => Root::Attributes,
            "resource" => Root::Resource,
            _ => {
                return Err(err(
                    "unrecognized prefix: a field starts with `body`, `attributes` or `resource`",
                ));
            }
        };
        if !rootable && keys.is_empty() && root != Root::Body {
            return Err(err(&format!(
                "{} cannot be referenced without subfield",
                root.prefix()
            )));
        }
        Ok(Field { root, keys })
    }

    /// The value at the field (a copy), if present.
    pub fn get(&self, e: &Entry) -> Option<Value> {
        self.get_ref(e).map(|v| v.into_owned())
    }

    /// The value at the field, borrowed when it can be.
    pub fn get_ref<'a>(&self, e: &'a Entry) -> Option<std::borrow::Cow<'a, Value>> {
        use std::borrow::Cow;
        match self.root {
            Root::Body => {
                let mut cur = &e.body;
                for k in &self.keys {
                    match cur {
                        Value::Map(m) => cur = m.get(k)?,
                        _ => return None,
                    }
                }
                Some(Cow::Borrowed(cur))
            }
            Root::Attributes | Root::Resource => {
                let map = self.map(e);
                let Some((first, rest)) = self.keys.split_first() else {
                    return Some(Cow::Owned(Value::Map(map.clone())));
                };
                let mut cur = map.get(first)?;
                for k in rest {
                    match cur {
                        Value::Map(m) => cur = m.get(k)?,
                        _ => return None,
                    }
                }
                Some(Cow::Borrowed(cur))
            }
        }
    }

    fn map<'a>(&self, e: &'a Entry) -> &'a Map {
        match self.root {
            Root::Resource => &e.resource,
            _ => &e.attributes,
        }
    }

    fn map_mut<'a>(&self, e: &'a mut Entry) -> &'a mut Map {
        match self.root {
            Root::Resource => &mut e.resource,
            _ => &mut e.attributes,
        }
    }

    /// Writes `value` at the field: a map is merged into the map there, any
    /// other value replaces what is there.
    pub fn set(&self, e: &mut Entry, value: Value) -> Result<(), String> {
        match self.root {
            Root::Body => {
                if let Value::Map(m) = value {
                    let target = nested_map(body_map(&mut e.body), &self.keys);
                    target.extend(m);
                    return Ok(());
                }
                let Some((last, parents)) = self.keys.split_last() else {
                    e.body = value;
                    return Ok(());
                };
                nested_map(body_map(&mut e.body), parents).insert(last.clone(), value);
                Ok(())
            }
            Root::Attributes | Root::Resource => {
                let root = self.map_mut(e);
                if let Value::Map(m) = value {
                    nested_map(root, &self.keys).extend(m);
                    return Ok(());
                }
                let Some((last, parents)) = self.keys.split_last() else {
                    return Err(format!("cannot set {} root", self.root.prefix()));
                };
                nested_map(root, parents).insert(last.clone(), value);
                Ok(())
            }
        }
    }

    /// Removes the value at the field and returns it.
    pub fn delete(&self, e: &mut Entry) -> Option<Value> {
        match self.root {
            Root::Body => {
                let Some((last, parents)) = self.keys.split_last() else {
                    return Some(std::mem::take(&mut e.body));
                };
                let mut cur = &mut e.body;
                for k in parents {
                    match cur {
                        Value::Map(m) => cur = m.get_mut(k)?,
                        _ => return None,
                    }
                }
                match cur {
                    Value::Map(m) => m.remove(last),
                    _ => None,
                }
            }
            Root::Attributes | Root::Resource => {
                let root = self.map_mut(e);
                let Some((last, parents)) = self.keys.split_last() else {
                    return Some(Value::Map(std::mem::take(root)));
                };
                let Some((first, rest)) = parents.split_first() else {
                    return root.remove(last);
                };
                let mut cur = root.get_mut(first)?;
                for k in rest {
                    match cur {
                        Value::Map(m) => cur = m.get_mut(k)?,
                        _ => return None,
                    }
                }
                match cur {
                    Value::Map(m) => m.remove(last),
                    _ => None,
                }
            }
        }
    }
}

/// The body as a map, replacing a body that is not one (as Go does).
fn body_map(body: &mut Value) -> &mut Map {
    if !matches!(body, Value::Map(_)) {
        *body = Value::Map(Map::new());
    }
    match body {
        Value::Map(m) => m,
        _ => unreachable!("just made a map"),
    }
}

/// The map at `keys` below `m`, creating (or replacing non-maps with) maps
/// on the way (Go's `getNestedMap`).
fn nested_map<'a>(mut m: &'a mut Map, keys: &[String]) -> &'a mut Map {
    for k in keys {
        let slot = m.entry(k.clone()).or_insert_with(|| Value::Map(Map::new()));
        if !matches!(slot, Value::Map(_)) {
            *slot = Value::Map(Map::new());
        }
        m = match slot {
            Value::Map(inner) => inner,
            _ => unreachable!("just made a map"),
        };
    }
    m
}

impl fmt::Display for Field {
    /// Go's `toJSONDot`: `body.a.b`, or `attributes['a.b']` when a key has a dot.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.root.prefix())?;
        if self.keys.iter().any(|k| k.contains('.')) {
            for k in &self.keys {
                write!(f, "['{k}']")?;
            }
        } else {
            for k in &self.keys {
                write!(f, ".{k}")?;
            }
        }
        Ok(())
    }
}

/// Splits `a.b["c.d"]['e']` into keys (Go's `fromJSONDot`).
fn split_keys(s: &str) -> Result<Vec<String>, String> {
    #[derive(PartialEq)]
    enum St {
        Begin,
        InBracket,
        InQuote(char),
        OutQuote,
        OutBracket,
        Token,
    }
    let mut keys = Vec::new();
    let mut st = St::Begin;
    let mut start = 0;
    for (i, c) in s.char_indices() {
        match st {
            St::Begin => {
                if c == '[' {
                    st = St::InBracket;
                } else {
                    start = i;
                    st = St::Token;
                }
            }
            St::InBracket => {
                if c != '\'' && c != '"' {
                    return Err("strings in brackets must be surrounded by quotes".into());
                }
                st = St::InQuote(c);
                start = i + 1;
            }
            St::InQuote(q) => {
                if c == q {
                    keys.push(s[start..i].to_string());
                    st = St::OutQuote;
                }
            }
            St::OutQuote => {
                if c != ']' {
                    return Err("found characters between closed quote and closing bracket".into());
                }
                st = St::OutBracket;
            }
            St::OutBracket => match c {
                '.' => {
                    st = St::Token;
                    start = i + 1;
                }
                '[' => st = St::InBracket,
                _ => {
                    return Err(
                        "bracketed access must be followed by a dot or another bracketed access".into(),
                    );
                }
            },
            St::Token => {
                if c == '.' {
                    keys.push(s[start..i].to_string());
                    start = i + 1;
                } else if c == '[' {
                    keys.push(s[start..i].to_string());
                    st = St::InBracket;
                }
            }
        }
    }
    match st {
        St::InBracket | St::OutQuote => return Err("found unclosed left bracket".into()),
        St::InQuote('"') => return Err("found unclosed double quote".into()),
        St::InQuote(_) => return Err("found unclosed single quote".into()),
        St::Token => keys.push(s[start..].to_string()),
        St::Begin | St::OutBracket => {}
    }
    if keys.is_empty() {
        return Err("fields size is 0".into());
    }
    Ok(keys)
}

impl serde::Serialize for Field {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry_with_body(body: serde_json::Value) -> Entry {
        Entry {
            body: Value::from_config(&body),
            ..Default::default()
        }
    }

    #[test]
    #[allow(clippy::type_complexity)]
    fn parses_go_field_syntax() {
        let cases: &[(&str, Result<(Root, &[&str]), &str>)] = &[
            ("body", Ok((Root::Body, &[]))),
            ("body.a.b", Ok((Root::Body, &["a", "b"]))),
            ("attributes.x", Ok((Root::Attributes, &["x"]))),
            (
                "attributes[\"log.file.name\"]",
                Ok((Root::Attributes, &["log.file.name"])),
            ),
            ("resource['k8s.pod'].x", Ok((Root::Resource, &["k8s.pod", "x"]))),
            ("body[\"a\"][\"b\"]", Ok((Root::Body, &["a", "b"]))),
            ("attributes", Err("cannot be referenced without subfield")),
            ("message", Err("unrecognized prefix")),
            ("body[a]", Err("surrounded by quotes")),
            ("body[\"a\"", Err("unclosed left bracket")),
            ("body[\"a", Err("unclosed double quote")),
            ("body['a'x]", Err("between closed quote")),
        ];
        for (input, want) in cases {
            match (Field::parse(input), want) {
                (Ok(f), Ok((root, keys))) => {
                    assert_eq!(f.root, *root, "{input}");
                    assert_eq!(
                        f.keys,
                        keys.iter().map(|k| k.to_string()).collect::<Vec<_>>(),
                        "{input}"
                    );
                }
                (Err(e), Err(msg)) => assert!(e.to_string().contains(msg), "{input}: {e}"),
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        }
        assert!(Field::parse_rootable("attributes").is_ok());
        assert_eq!(
            Field::parse("attributes[\"a.b\"]").unwrap().to_string(),
            "attributes['a.b']"
        );
        assert_eq!(Field::parse("body.a.b").unwrap().to_string(), "body.a.b");
    }

    #[test]
    fn set_merges_maps_and_replaces_the_rest() {
        // (body before, field, value, body after)
        let cases = [
            (
                serde_json::json!("line"),
                "body",
                serde_json::json!({"a": 1}),
                serde_json::json!({"a": 1}),
            ),
            (
                serde_json::json!({"x": 1}),
                "body",
                serde_json::json!({"a": 1}),
                serde_json::json!({"x": 1, "a": 1}),
            ),
            (
                serde_json::json!({"x": 1}),
                "body",
                serde_json::json!("s"),
                serde_json::json!("s"),
            ),
            (
                serde_json::json!("line"),
                "body.a.b",
                serde_json::json!(2),
                serde_json::json!({"a": {"b": 2}}),
            ),
            (
                serde_json::json!({"a": 5}),
                "body.a.b",
                serde_json::json!(2),
                serde_json::json!({"a": {"b": 2}}),
            ),
            (
                serde_json::json!({"a": {"c": 1}}),
                "body.a",
                serde_json::json!({"d": 2}),
                serde_json::json!({"a": {"c": 1, "d": 2}}),
            ),
        ];
        for (before, field, value, after) in cases {
            let mut e = entry_with_body(before.clone());
            Field::parse(field)
                .unwrap()
                .set(&mut e, Value::from_config(&value))
                .unwrap();
            assert_eq!(e.body, Value::from_config(&after), "{before} / {field} = {value}");
        }
        let mut e = Entry::default();
        let f = Field::parse_rootable("attributes").unwrap();
        assert!(
            f.set(&mut e, Value::from("x"))
                .unwrap_err()
                .contains("cannot set attributes root")
        );
        f.set(&mut e, Value::from_config(&serde_json::json!({"k": "v"})))
            .unwrap();
        assert_eq!(Field::attribute("k").get(&e), Some(Value::from("v")));
        Field::parse("resource.a.b")
            .unwrap()
            .set(&mut e, Value::Int(1))
            .unwrap();
        assert_eq!(Field::parse("resource.a.b").unwrap().get(&e), Some(Value::Int(1)));
    }

    #[test]
    fn delete_returns_what_was_there() {
        let mut e = entry_with_body(serde_json::json!({"a": {"b": 1, "c": 2}}));
        let f = Field::parse("body.a.b").unwrap();
        assert_eq!(f.delete(&mut e), Some(Value::Int(1)));
        assert_eq!(f.delete(&mut e), None);
        assert_eq!(e.body, Value::from_config(&serde_json::json!({"a": {"c": 2}})));
        assert_eq!(
            Field::body().delete(&mut e).map(|v| v.type_name()),
            Some("map[string]any")
        );
        assert_eq!(e.body, Value::Null);
        e.attributes.insert("x".into(), Value::Int(3));
        assert_eq!(Field::attribute("x").delete(&mut e), Some(Value::Int(3)));
        assert!(e.attributes.is_empty());
        assert_eq!(Field::attribute("missing").get(&e), None);
        assert_eq!(Field::parse("body.a.c.d").unwrap().get(&e), None);
    }
}
