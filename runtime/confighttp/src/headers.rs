//! `headers` (Go `configopaque.MapList`): a map, or a list of `{name, value}`,
//! whose values are secrets.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// `headers`: extra request headers / gRPC metadata. Accepts a map
/// (`{api-key: x}`) or, as Go's `MapList`, a list of `{name, value}` (a name
/// given twice is refused). Values are secrets: `Debug` shows only the
/// names, and `print-config` redacts them.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Headers(pub BTreeMap<String, String>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.keys().map(|k| (k, otelcol_component::redact::REDACTED)))
            .finish()
    }
}

impl Headers {
    /// Iterates over `(name, value)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter()
    }

    /// True when no header is set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Headers {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NameValue {
    name: String,
    value: String,
}

impl<'de> Deserialize<'de> for Headers {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Headers;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a map of header names to values, or a list of {name, value}")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Headers, E> {
                Ok(Headers::default())
            }
            fn visit_none<E: de::Error>(self) -> Result<Headers, E> {
                Ok(Headers::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut m: A) -> Result<Headers, A::Error> {
                let mut out = BTreeMap::new();
                while let Some((k, v)) = m.next_entry::<String, String>()? {
                    out.insert(k, v);
                }
                Ok(Headers(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut s: A) -> Result<Headers, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(nv) = s.next_element::<NameValue>()? {
                    if out.insert(nv.name.clone(), nv.value).is_some() {
                        return Err(de::Error::custom(format!("duplicate header {:?}", nv.name)));
                    }
                }
                Ok(Headers(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// For a plain `BTreeMap` field read as [`Headers`] (map or list form):
/// `#[serde(deserialize_with = "otelcol_confighttp::header_map")]`.
pub fn header_map<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    Headers::deserialize(d).map(|h| h.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_accept_map_and_list() {
        let h: Headers = serde_yaml::from_str("api-key: secret\nx-b: 2").unwrap();
        assert_eq!(h.0.get("api-key").map(String::as_str), Some("secret"));
        let l: Headers =
            serde_yaml::from_str("- {name: api-key, value: secret}\n- {name: x-b, value: '2'}").unwrap();
        assert_eq!(h, l);
        assert!(!format!("{h:?}").contains("secret"));
        assert!(serde_yaml::from_str::<Headers>("- {name: a, value: b}\n- {name: a, value: c}").is_err());
        assert!(serde_yaml::from_str::<Headers>("~").unwrap().is_empty());
        assert!(serde_yaml::from_str::<Headers>("- {name: a}").is_err());
    }
}
