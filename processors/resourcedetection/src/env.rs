//! The `env` detector: resource attributes from `OTEL_RESOURCE_ATTRIBUTES`
//! (or the deprecated `OTEL_RESOURCE`), parsed as Go's `internal/env` does.

use std::sync::LazyLock;

use otelcol_component::build::string_kv;
use otelcol_component::proto::common::v1::KeyValue;
use regex::Regex;

use crate::config::EnvConfig;
use crate::detect::Detected;

/// The variable the detector reads.
pub(crate) const ENV_VAR: &str = "OTEL_RESOURCE_ATTRIBUTES";
/// The deprecated variable read when [`ENV_VAR`] is empty or unset.
pub(crate) const DEPRECATED_ENV_VAR: &str = "OTEL_RESOURCE";

/// Why `OTEL_RESOURCE_ATTRIBUTES` could not be parsed (Go's messages).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// Not a single `key=value` pair was found.
    #[error("invalid resource format: {0:?}")]
    NoPairs(String),
    /// Text that is not a `key=value` pair, between or after pairs.
    #[error("invalid resource format, invalid text: {0:?}")]
    InvalidText(String),
    /// A value with a bad percent escape.
    #[error("invalid resource format in attribute: {pair:?}, err: invalid URL escape {escape:?}")]
    BadEscape {
        /// The pair as written.
        pair: String,
        /// The offending escape (`%zz`).
        escape: String,
    },
}

/// Go's `labelRegex`: a trimmed key (1 to 256 ASCII characters), `=`, a
/// trimmed value (0 to 256 ASCII characters), then `,` or the end. `\s` is
/// spelled out as Go's ASCII class.
static LABEL: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"[\t\n\f\r ]*([[:ascii:]]{1,256}?)[\t\n\f\r ]*=[\t\n\f\r ]*([[:ascii:]]{0,256}?)[\t\n\f\r ]*(?:,|$)",
    )
    .ok()
});

/// Parses `k1=v1,k2=v2` as Go does: keys and values trimmed, values
/// unescaped like a URL query (`%XX`, `+` as a space), keys kept as written;
/// any text that is not a pair is an error. A key given twice keeps the
/// last value, in the position of its first occurrence.
pub fn parse_resource_attributes(s: &str) -> Result<Vec<KeyValue>, EnvError> {
    let Some(re) = LABEL.as_ref() else {
        return Err(EnvError::NoPairs(s.to_string()));
    };
    let mut out: Vec<KeyValue> = Vec::new();
    let mut prev = 0;
    let mut any = false;
    for caps in re.captures_iter(s) {
        any = true;
        let (Some(whole), Some(key), Some(value)) = (caps.get(0), caps.get(1), caps.get(2)) else {
            continue;
        };
        if whole.start() != prev {
            return Err(EnvError::InvalidText(s[prev..whole.start()].to_string()));
        }
        let value = query_unescape(value.as_str()).map_err(|escape| EnvError::BadEscape {
            pair: whole.as_str().to_string(),
            escape,
        })?;
        let kv = string_kv(key.as_str(), &value);
        match out.iter_mut().find(|e| e.key == kv.key) {
            Some(existing) => *existing = kv,
            None => out.push(kv),
        }
        prev = whole.end();
    }
    if !any {
        return Err(EnvError::NoPairs(s.to_string()));
    }
    if prev != s.len() {
        return Err(EnvError::InvalidText(s[prev..].to_string()));
    }
    Ok(out)
}

/// Go's `url.QueryUnescape`: `%XX` is a byte, `+` a space; a bad escape is
/// returned as the error (`%zz`, or what is left of a truncated one).
fn query_unescape(s: &str) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hi = bytes.get(i + 1).and_then(|b| (*b as char).to_digit(16));
                let lo = bytes.get(i + 2).and_then(|b| (*b as char).to_digit(16));
                match (hi, lo) {
                    (Some(hi), Some(lo)) => {
                        // Two hex digits make one byte (at most 0xff).
                        out.push(u8::try_from(hi * 16 + lo).unwrap_or(u8::MAX));
                        i += 3;
                    }
                    _ => {
                        let end = (i + 3).min(bytes.len());
                        return Err(String::from_utf8_lossy(&bytes[i..end]).into_owned());
                    }
                }
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// A key filter: `*` matches any run of characters, everything else itself.
fn glob(pattern: &str) -> Option<Regex> {
    let parts: Vec<String> = pattern.split('*').map(regex::escape).collect();
    Regex::new(&format!("^{}$", parts.join(".*"))).ok()
}

/// The `env` detector.
#[derive(Clone, Debug)]
pub(crate) struct EnvDetector {
    included: Vec<Regex>,
    excluded: Vec<Regex>,
    /// Reads a variable (the process environment outside tests).
    read: fn(&str) -> Option<String>,
}

impl EnvDetector {
    /// A detector reading the process environment.
    pub(crate) fn new(cfg: &EnvConfig) -> Self {
        EnvDetector {
            included: cfg.attributes.included.iter().filter_map(|p| glob(p)).collect(),
            excluded: cfg.attributes.excluded.iter().filter_map(|p| glob(p)).collect(),
            read: |name| std::env::var(name).ok(),
        }
    }

    /// The detector with another variable source (tests).
    #[cfg(test)]
    fn with_source(mut self, read: fn(&str) -> Option<String>) -> Self {
        self.read = read;
        self
    }

    /// Reads and parses the variable; empty or unset gives an empty resource.
    pub(crate) fn detect(&self) -> Result<Detected, EnvError> {
        let mut labels = (self.read)(ENV_VAR).unwrap_or_default().trim().to_string();
        if labels.is_empty() {
            labels = (self.read)(DEPRECATED_ENV_VAR)
                .unwrap_or_default()
                .trim()
                .to_string();
        }
        if labels.is_empty() {
            return Ok(Detected::default());
        }
        let mut attributes = parse_resource_attributes(&labels)?;
        attributes.retain(|kv| self.keeps(&kv.key));
        Ok(Detected {
            attributes,
            schema_url: String::new(),
        })
    }

    fn keeps(&self, key: &str) -> bool {
        if !self.included.is_empty() && !self.included.iter().any(|re| re.is_match(key)) {
            return false;
        }
        !self.excluded.iter().any(|re| re.is_match(key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::EnvAttributesConfig;

    fn pairs(s: &str) -> Vec<(String, String)> {
        parse_resource_attributes(s)
            .unwrap()
            .into_iter()
            .map(|kv| {
                let v = match kv.value.and_then(|v| v.value) {
                    Some(otelcol_component::proto::common::v1::any_value::Value::StringValue(s)) => s,
                    other => panic!("not a string: {other:?}"),
                };
                (kv.key, v)
            })
            .collect()
    }

    fn p(k: &str, v: &str) -> (String, String) {
        (k.to_string(), v.to_string())
    }

    #[test]
    fn plain_pairs() {
        assert_eq!(
            pairs("service.name=shop,deployment.environment.name=prod"),
            vec![
                p("service.name", "shop"),
                p("deployment.environment.name", "prod")
            ]
        );
        assert_eq!(pairs("a=1"), vec![p("a", "1")]);
    }

    #[test]
    fn spaces_around_keys_values_and_commas_are_trimmed() {
        assert_eq!(
            pairs("  a = 1 ,\tb=  two words  , c=3"),
            vec![p("a", "1"), p("b", "two words"), p("c", "3")]
        );
    }

    #[test]
    fn values_are_percent_decoded_keys_are_not() {
        assert_eq!(
            pairs("k%20x=a%2Cb%3Dc%25,plus=a+b,hex=%e2%9c%93"),
            vec![p("k%20x", "a,b=c%"), p("plus", "a b"), p("hex", "✓")]
        );
    }

    #[test]
    fn empty_values_and_a_trailing_comma_are_accepted() {
        assert_eq!(pairs("a=,b=2"), vec![p("a", ""), p("b", "2")]);
        assert_eq!(pairs("a=1,"), vec![p("a", "1")]);
    }

    #[test]
    fn value_may_contain_equals_signs() {
        // The key is the shortest run before `=`; the rest is the value.
        assert_eq!(pairs("a=b=c"), vec![p("a", "b=c")]);
    }

    #[test]
    fn a_repeated_key_keeps_the_last_value() {
        assert_eq!(pairs("a=1,b=2,a=3"), vec![p("a", "3"), p("b", "2")]);
    }

    #[test]
    fn invalid_input_is_rejected_with_gos_messages() {
        assert_eq!(
            parse_resource_attributes("novalue").unwrap_err().to_string(),
            "invalid resource format: \"novalue\""
        );
        assert_eq!(
            parse_resource_attributes("a=1,junk").unwrap_err(),
            EnvError::InvalidText("junk".into())
        );
        assert_eq!(
            parse_resource_attributes("=1").unwrap_err(),
            EnvError::NoPairs("=1".into())
        );
        assert_eq!(
            parse_resource_attributes("a=%zz").unwrap_err().to_string(),
            "invalid resource format in attribute: \"a=%zz\", err: invalid URL escape \"%zz\""
        );
        assert_eq!(
            parse_resource_attributes("a=1,b=%4").unwrap_err(),
            EnvError::BadEscape {
                pair: "b=%4".into(),
                escape: "%4".into()
            }
        );
        // Non-ASCII text is not matched by the pattern, so it is invalid text.
        assert!(matches!(
            parse_resource_attributes("ключ=значение"),
            Err(EnvError::NoPairs(_) | EnvError::InvalidText(_))
        ));
    }

    #[test]
    fn keys_and_values_are_limited_to_256_characters() {
        let long = "k".repeat(257);
        assert!(parse_resource_attributes(&format!("{long}=v")).is_err());
        let ok = "k".repeat(256);
        assert_eq!(pairs(&format!("{ok}=v")), vec![p(&ok, "v")]);
    }

    #[test]
    fn detector_reads_the_variable_then_the_deprecated_one() {
        let d = EnvDetector::new(&EnvConfig::default())
            .with_source(|name| (name == ENV_VAR).then(|| " a=1 ".to_string()));
        assert_eq!(d.detect().unwrap().attributes, vec![string_kv("a", "1")]);
        let d = EnvDetector::new(&EnvConfig::default()).with_source(|name| match name {
            ENV_VAR => Some("  ".to_string()),
            DEPRECATED_ENV_VAR => Some("old=yes".to_string()),
            _ => None,
        });
        assert_eq!(d.detect().unwrap().attributes, vec![string_kv("old", "yes")]);
        let d = EnvDetector::new(&EnvConfig::default()).with_source(|_| None);
        assert_eq!(d.detect().unwrap(), Detected::default());
        let d = EnvDetector::new(&EnvConfig::default()).with_source(|_| Some("bad".to_string()));
        assert!(d.detect().is_err());
    }

    #[test]
    fn included_and_excluded_patterns_filter_keys() {
        let cfg = EnvConfig {
            attributes: EnvAttributesConfig {
                included: vec!["service.*".into(), "team".into()],
                excluded: vec!["*.version".into()],
            },
        };
        let d = EnvDetector::new(&cfg).with_source(|name| {
            (name == ENV_VAR)
                .then(|| "service.name=a,service.version=1,team=x,teams=y,host.name=h".to_string())
        });
        assert_eq!(
            d.detect().unwrap().attributes,
            vec![string_kv("service.name", "a"), string_kv("team", "x")]
        );
        // Regex characters in patterns are literal.
        let cfg = EnvConfig {
            attributes: EnvAttributesConfig {
                included: vec!["a.b".into()],
                excluded: vec![],
            },
        };
        let d =
            EnvDetector::new(&cfg).with_source(|name| (name == ENV_VAR).then(|| "a.b=1,axb=2".to_string()));
        assert_eq!(d.detect().unwrap().attributes, vec![string_kv("a.b", "1")]);
    }
}
