//! [`ActionConfig`]: one entry of an `actions:` (attributes processor) or
//! `attributes:` (resource processor) list.

use serde::{Deserialize, Serialize};

use crate::value::ConfigValue;

/// One attribute action, with the keys of the Go collector's
/// `attraction.ActionKeyValue`. Which keys an action needs or refuses is
/// checked by [`AttrProc::new`](crate::AttrProc::new), with Go's messages.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActionConfig {
    /// The attribute to act on. Default: empty. Required by every action
    /// except `delete` and `hash`, which take `key` and/or `pattern`.
    pub key: String,

    /// The value to set (`insert`, `update`, `upsert`); its type is inferred
    /// from YAML. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<ConfigValue>,

    /// Copy the value of this attribute of the same item. Default: empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from_attribute: String,

    /// Take the value from the request context: `metadata.<key>` (request
    /// headers or gRPC metadata, needs `include_metadata` on the receiver),
    /// `client.address`, `auth.<attribute>`; any other key is looked up in
    /// the metadata. Default: empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub from_context: String,

    /// The value to use when `value`, `from_attribute` or `from_context`
    /// yields nothing (`insert`, `update`, `upsert` only). Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_value: Option<ConfigValue>,

    /// A regular expression: for `delete` and `hash`, attribute keys to act
    /// on; for `extract`, the pattern with named groups applied to the
    /// value. Default: empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub pattern: String,

    /// `int`, `double` or `string`, for `convert`. Default: empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub converted_type: String,

    /// `insert`, `update`, `upsert`, `delete`, `hash`, `extract` or
    /// `convert`, in any case. Required. Default: empty.
    pub action: String,
}

impl ActionConfig {
    /// An action of kind `action` on `key`, other fields unset.
    pub fn new(key: &str, action: &str) -> Self {
        ActionConfig {
            key: key.to_owned(),
            action: action.to_owned(),
            ..Default::default()
        }
    }

    /// Sets `value`.
    pub fn with_value(mut self, value: impl Into<ConfigValue>) -> Self {
        self.value = Some(value.into());
        self
    }

    /// Sets `from_attribute`.
    pub fn with_from_attribute(mut self, from: &str) -> Self {
        self.from_attribute = from.to_owned();
        self
    }

    /// Sets `from_context`.
    pub fn with_from_context(mut self, from: &str) -> Self {
        self.from_context = from.to_owned();
        self
    }

    /// Sets `default_value`.
    pub fn with_default_value(mut self, value: impl Into<ConfigValue>) -> Self {
        self.default_value = Some(value.into());
        self
    }

    /// Sets `pattern`.
    pub fn with_pattern(mut self, pattern: &str) -> Self {
        self.pattern = pattern.to_owned();
        self
    }

    /// Sets `converted_type`.
    pub fn with_converted_type(mut self, t: &str) -> Self {
        self.converted_type = t.to_owned();
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_key() {
        let yaml = r#"
key: k
value: 5
from_attribute: a
from_context: metadata.x
default_value: d
pattern: "^p"
converted_type: int
action: UPSERT
"#;
        let a: ActionConfig = serde_yaml::from_str(yaml).unwrap();
        assert_eq!(
            a,
            ActionConfig::new("k", "UPSERT")
                .with_value(5)
                .with_from_attribute("a")
                .with_from_context("metadata.x")
                .with_default_value("d")
                .with_pattern("^p")
                .with_converted_type("int")
        );
    }

    #[test]
    fn refuses_unknown_keys() {
        let err = serde_yaml::from_str::<ActionConfig>("key: k\naction: insert\nvalu: 1").unwrap_err();
        assert!(err.to_string().contains("unknown field `valu`"), "{err}");
    }

    #[test]
    fn serializes_only_what_is_set() {
        let text = serde_yaml::to_string(&ActionConfig::new("k", "delete")).unwrap();
        assert_eq!(text, "key: k\naction: delete\n");
    }
}
