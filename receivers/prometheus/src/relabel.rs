//! Relabeling (`relabel_configs`, `metric_relabel_configs`) with Prometheus'
//! semantics (`model/relabel`): the actions `replace`, `keep`, `drop`,
//! `keepequal`, `dropequal`, `hashmod`, `labelmap`, `labeldrop`,
//! `labelkeep`, `lowercase` and `uppercase`; source label values joined by
//! `separator`; the regex anchored at both ends (`^(?s:regex)$`); `$1`,
//! `${1}`, `$name` and `$$` in `target_label` and `replacement` expanded as
//! Go's `regexp.Expand` does.

use std::fmt;

use md5::{Digest, Md5};
use regex::{Captures, Regex};
use serde::{Deserialize, Serialize};

use crate::labels::{Labels, is_valid_label_name};
use crate::units::lenient;

/// Default `separator`.
pub(crate) const DEFAULT_SEPARATOR: &str = ";";
/// Default `regex`.
pub(crate) const DEFAULT_REGEX: &str = "(.*)";
/// Default `replacement`.
pub(crate) const DEFAULT_REPLACEMENT: &str = "$1";
/// Default `action`.
pub(crate) const DEFAULT_ACTION: &str = "replace";

/// One relabeling rule as written in the config (Prometheus `relabel_config`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RelabelConfig {
    /// Labels whose values are joined with `separator` and matched against
    /// `regex`. Default: none.
    #[serde(
        skip_serializing_if = "Option::is_none",
        deserialize_with = "de_source_labels"
    )]
    pub source_labels: Option<Vec<String>>,
    /// Joins the source label values. Default `;`.
    #[serde(deserialize_with = "lenient::string")]
    pub separator: String,
    /// Regular expression (RE2 syntax, anchored) matched against the joined
    /// value (or, for `labelmap`/`labeldrop`/`labelkeep`, label names).
    /// Default `(.*)`.
    #[serde(deserialize_with = "lenient::string")]
    pub regex: String,
    /// Modulus of `hashmod`. Default 0.
    pub modulus: u64,
    /// Label written by `replace`, `hashmod`, `lowercase`, `uppercase`, or
    /// compared by `keepequal`/`dropequal`. Default: none.
    #[serde(deserialize_with = "lenient::string")]
    pub target_label: String,
    /// Value written by `replace` (and label name written by `labelmap`),
    /// with `$1`-style references to the regex groups. Default `$1`.
    #[serde(deserialize_with = "lenient::string")]
    pub replacement: String,
    /// What to do. Default `replace`.
    #[serde(deserialize_with = "lenient::string")]
    pub action: String,
}

fn de_source_labels<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    lenient::list(d).map(Some)
}

impl Default for RelabelConfig {
    fn default() -> Self {
        RelabelConfig {
            source_labels: None,
            separator: DEFAULT_SEPARATOR.into(),
            regex: DEFAULT_REGEX.into(),
            modulus: 0,
            target_label: String::new(),
            replacement: DEFAULT_REPLACEMENT.into(),
            action: DEFAULT_ACTION.into(),
        }
    }
}

/// A relabeling action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    /// Writes `replacement` to `target_label` when the regex matches.
    Replace,
    /// Drops the series/target unless the regex matches.
    Keep,
    /// Drops the series/target when the regex matches.
    Drop,
    /// Keeps only when the joined value equals `target_label`'s value.
    KeepEqual,
    /// Drops when the joined value equals `target_label`'s value.
    DropEqual,
    /// `target_label` = md5 hash of the joined value modulo `modulus`.
    HashMod,
    /// Copies labels whose name matches to the name `replacement`.
    LabelMap,
    /// Removes labels whose name matches.
    LabelDrop,
    /// Removes labels whose name does not match.
    LabelKeep,
    /// `target_label` = the joined value, lower-cased.
    Lowercase,
    /// `target_label` = the joined value, upper-cased.
    Uppercase,
}

impl Action {
    /// Parses an action name (any case, as Prometheus).
    pub(crate) fn parse(s: &str) -> Option<Action> {
        Some(match s.to_ascii_lowercase().as_str() {
            "replace" => Action::Replace,
            "keep" => Action::Keep,
            "drop" => Action::Drop,
            "keepequal" => Action::KeepEqual,
            "dropequal" => Action::DropEqual,
            "hashmod" => Action::HashMod,
            "labelmap" => Action::LabelMap,
            "labeldrop" => Action::LabelDrop,
            "labelkeep" => Action::LabelKeep,
            "lowercase" => Action::Lowercase,
            "uppercase" => Action::Uppercase,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            Action::Replace => "replace",
            Action::Keep => "keep",
            Action::Drop => "drop",
            Action::KeepEqual => "keepequal",
            Action::DropEqual => "dropequal",
            Action::HashMod => "hashmod",
            Action::LabelMap => "labelmap",
            Action::LabelDrop => "labeldrop",
            Action::LabelKeep => "labelkeep",
            Action::Lowercase => "lowercase",
            Action::Uppercase => "uppercase",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a relabel config is refused; the messages are Prometheus'.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum RelabelError {
    /// The action is empty or unknown.
    #[error("unknown relabel action {0:?}")]
    UnknownAction(String),
    /// The regex does not compile.
    #[error("invalid regex {regex:?}: {message}")]
    Regex {
        /// The regex.
        regex: String,
        /// The compiler's message.
        message: String,
    },
    /// Anything else, with Prometheus' wording.
    #[error("{0}")]
    Invalid(String),
}

/// A compiled relabeling rule.
#[derive(Clone, Debug)]
pub(crate) struct Relabel {
    source_labels: Vec<String>,
    separator: String,
    regex: Regex,
    target_label: String,
    replacement: String,
    modulus: u64,
    action: Action,
}

/// Prometheus' pattern of a `replace` target label (may hold `$` references).
fn is_valid_relabel_target(s: &str) -> bool {
    // `^(?:(?:[a-zA-Z_]|\$(?:\{\w+\}|\w+))+\w*)+$`, written out.
    let b = s.as_bytes();
    if b.is_empty() {
        return false;
    }
    let word = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    let mut first = true;
    while i < b.len() {
        let c = b[i];
        if c == b'$' {
            i += 1;
            if b.get(i) == Some(&b'{') {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && word(b[j]) {
                    j += 1;
                }
                if j == start || b.get(j) != Some(&b'}') {
                    return false;
                }
                i = j + 1;
            } else {
                let start = i;
                while i < b.len() && word(b[i]) {
                    i += 1;
                }
                if i == start {
                    return false;
                }
            }
        } else if c.is_ascii_alphabetic() || c == b'_' || (!first && c.is_ascii_digit()) {
            i += 1;
        } else {
            return false;
        }
        first = false;
    }
    true
}

impl Relabel {
    /// Validates and compiles `cfg` as Prometheus' `Config.Validate` and
    /// `NewRegexp` do.
    pub(crate) fn new(cfg: &RelabelConfig) -> Result<Relabel, RelabelError> {
        if cfg.action.is_empty() {
            return Err(RelabelError::Invalid("relabel action cannot be empty".into()));
        }
        let action =
            Action::parse(&cfg.action).ok_or_else(|| RelabelError::UnknownAction(cfg.action.clone()))?;
        if action == Action::HashMod && cfg.modulus == 0 {
            return Err(RelabelError::Invalid(
                "relabel configuration for hashmod requires non-zero modulus".into(),
            ));
        }
        let needs_target = matches!(
            action,
            Action::Replace
                | Action::HashMod
                | Action::Lowercase
                | Action::Uppercase
                | Action::KeepEqual
                | Action::DropEqual
        );
        if needs_target && cfg.target_label.is_empty() {
            return Err(RelabelError::Invalid(format!(
                "relabel configuration for {action} action requires 'target_label' value"
            )));
        }
        if action == Action::Replace && !is_valid_relabel_target(&cfg.target_label) {
            return Err(RelabelError::Invalid(format!(
                "{:?} is invalid 'target_label' for {action} action",
                cfg.target_label
            )));
        }
        if matches!(
            action,
            Action::Lowercase | Action::Uppercase | Action::HashMod | Action::KeepEqual | Action::DropEqual
        ) && !is_valid_label_name(&cfg.target_label)
        {
            return Err(RelabelError::Invalid(format!(
                "{:?} is invalid 'target_label' for {action} action",
                cfg.target_label
            )));
        }
        if action == Action::LabelMap && !is_valid_relabel_target(&cfg.replacement) {
            return Err(RelabelError::Invalid(format!(
                "{:?} is invalid 'replacement' for {action} action",
                cfg.replacement
            )));
        }
        if matches!(action, Action::KeepEqual | Action::DropEqual)
            && (cfg.regex != DEFAULT_REGEX
                || cfg.modulus != 0
                || cfg.separator != DEFAULT_SEPARATOR
                || cfg.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(RelabelError::Invalid(format!(
                "{action} action requires only 'source_labels' and `target_label`, and no other fields"
            )));
        }
        if matches!(action, Action::LabelDrop | Action::LabelKeep)
            && (cfg.source_labels.is_some()
                || !cfg.target_label.is_empty()
                || cfg.modulus != 0
                || cfg.separator != DEFAULT_SEPARATOR
                || cfg.replacement != DEFAULT_REPLACEMENT)
        {
            return Err(RelabelError::Invalid(format!(
                "{action} action requires only 'regex', and no other fields"
            )));
        }
        let source_labels = cfg.source_labels.clone().unwrap_or_default();
        for l in &source_labels {
            if !is_valid_label_name(l) {
                return Err(RelabelError::Invalid(format!("{l:?} is not a valid label name")));
            }
        }
        let regex = compile(&cfg.regex)?;
        Ok(Relabel {
            source_labels,
            separator: cfg.separator.clone(),
            regex,
            target_label: cfg.target_label.clone(),
            replacement: cfg.replacement.clone(),
            modulus: cfg.modulus,
            action,
        })
    }

    /// Applies this rule; false when the label set is to be dropped.
    pub(crate) fn apply(&self, lb: &mut Labels) -> bool {
        let val = || {
            let mut v = String::new();
            for (i, l) in self.source_labels.iter().enumerate() {
                if i > 0 {
                    v.push_str(&self.separator);
                }
                v.push_str(lb.value(l));
            }
            v
        };
        match self.action {
            Action::Drop => {
                if self.regex.is_match(&val()) {
                    return false;
                }
            }
            Action::Keep => {
                if !self.regex.is_match(&val()) {
                    return false;
                }
            }
            Action::DropEqual => {
                if lb.value(&self.target_label) == val() {
                    return false;
                }
            }
            Action::KeepEqual => {
                if lb.value(&self.target_label) != val() {
                    return false;
                }
            }
            Action::Replace => {
                let v = val();
                let Some(caps) = self.regex.captures(&v) else {
                    return true;
                };
                let target = expand(&self.target_label, &caps);
                if !is_valid_label_name(&target) {
                    return true;
                }
                let res = expand(&self.replacement, &caps);
                if res.is_empty() {
                    lb.remove(&target);
                } else {
                    lb.set(target, res);
                }
            }
            Action::Lowercase => lb.set(self.target_label.clone(), val().to_lowercase()),
            Action::Uppercase => lb.set(self.target_label.clone(), val().to_uppercase()),
            Action::HashMod => {
                let digest = Md5::digest(val().as_bytes());
                let mut low = [0u8; 8];
                low.copy_from_slice(&digest[8..16]);
                let m = u64::from_be_bytes(low) % self.modulus.max(1);
                lb.set(self.target_label.clone(), m.to_string());
            }
            Action::LabelMap => {
                let snapshot: Vec<(String, String)> =
                    lb.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                for (name, value) in snapshot {
                    if let Some(caps) = self.regex.captures(&name) {
                        let res = expand(&self.replacement, &caps);
                        lb.set(res, value);
                    }
                }
            }
            Action::LabelDrop => {
                let regex = &self.regex;
                lb.retain(|k, _| !regex.is_match(k));
            }
            Action::LabelKeep => {
                let regex = &self.regex;
                lb.retain(|k, _| regex.is_match(k));
            }
        }
        true
    }
}

/// Compiles a relabel regex anchored as Prometheus anchors it.
pub(crate) fn compile(regex: &str) -> Result<Regex, RelabelError> {
    Regex::new(&format!("^(?s:{regex})$")).map_err(|e| RelabelError::Regex {
        regex: regex.to_string(),
        message: e.to_string(),
    })
}

/// Applies `rules` in order; false when a rule drops the label set.
pub(crate) fn process(lb: &mut Labels, rules: &[Relabel]) -> bool {
    rules.iter().all(|r| r.apply(lb))
}

/// Go's `regexp.Expand`: `$$` is `$`; `$name` takes the longest run of
/// letters, digits and `_`; `${name}` is delimited; a name of digits (no
/// leading zero) is a group number; unknown groups expand to nothing; a
/// `$` not followed by a name is kept.
pub(crate) fn expand(template: &str, caps: &Captures<'_>) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        rest = &rest[i + 1..];
        if let Some(after) = rest.strip_prefix('$') {
            out.push('$');
            rest = after;
            continue;
        }
        let Some((name, after)) = extract_name(rest) else {
            out.push('$');
            continue;
        };
        rest = after;
        match group_number(name) {
            Some(n) => {
                if let Some(m) = caps.get(n) {
                    out.push_str(m.as_str());
                }
            }
            None => {
                if let Some(m) = caps.name(name) {
                    out.push_str(m.as_str());
                }
            }
        }
    }
    out.push_str(rest);
    out
}

/// The name after a `$` (`name` or `{name}`) and what follows it.
fn extract_name(s: &str) -> Option<(&str, &str)> {
    let is_name = |c: char| c.is_alphanumeric() || c == '_';
    if let Some(inner) = s.strip_prefix('{') {
        let end = inner.find('}')?;
        let name = &inner[..end];
        if name.is_empty() || !name.chars().all(is_name) {
            return None;
        }
        return Some((name, &inner[end + 1..]));
    }
    let end = s.find(|c: char| !is_name(c)).unwrap_or(s.len());
    if end == 0 {
        return None;
    }
    Some((&s[..end], &s[end..]))
}

/// A group number as Go reads it: digits only, no leading zero, below 1e8.
fn group_number(name: &str) -> Option<usize> {
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if name.len() > 1 && name.starts_with('0') {
        return None;
    }
    let n: usize = name.parse().ok()?;
    (n < 100_000_000).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(yaml: &str) -> Relabel {
        let cfg: RelabelConfig = serde_yaml::from_str(yaml).unwrap();
        Relabel::new(&cfg).unwrap()
    }

    fn run(input: &[(&str, &str)], rules: &[&str]) -> Option<Vec<(String, String)>> {
        let mut l = Labels::from_pairs(input.iter().copied());
        let rules: Vec<Relabel> = rules.iter().map(|r| rule(r)).collect();
        process(&mut l, &rules).then(|| l.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect())
    }

    fn set(pairs: &[(&str, &str)]) -> Option<Vec<(String, String)>> {
        let mut v: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        v.sort();
        Some(v)
    }

    /// Cases from Prometheus' `model/relabel/relabel_test.go` and its docs.
    #[test]
    fn prometheus_documented_behaviour() {
        type Case<'a> = (
            &'a str,
            Vec<(&'a str, &'a str)>,
            Vec<&'a str>,
            Option<Vec<(String, String)>>,
        );
        let cases: Vec<Case<'_>> = vec![
            (
                "replace with capture groups",
                vec![("a", "foo"), ("b", "bar"), ("c", "baz")],
                vec![
                    "{source_labels: [a], regex: 'f(.*)', target_label: d, separator: ';', replacement: 'ch${1}-ch${1}'}",
                ],
                set(&[("a", "foo"), ("b", "bar"), ("c", "baz"), ("d", "choo-choo")]),
            ),
            (
                "replace joins sources with the separator",
                vec![("a", "foo"), ("b", "bar"), ("c", "baz")],
                vec![
                    "{source_labels: [a, b], regex: 'f(.*);(.*)r', target_label: a, replacement: 'b${1}${2}m'}",
                ],
                set(&[("a", "boobam"), ("b", "bar"), ("c", "baz")]),
            ),
            (
                "chained replaces see earlier results",
                vec![("a", "foo"), ("b", "bar"), ("c", "baz")],
                vec![
                    "{source_labels: [a], regex: 'f(.*)', target_label: d, replacement: 'ch$1-ch$1'}",
                    "{source_labels: [b], regex: 'ba(.*)', target_label: e, replacement: 'ba$1'}",
                ],
                set(&[
                    ("a", "foo"),
                    ("b", "bar"),
                    ("c", "baz"),
                    ("d", "choo-choo"),
                    ("e", "bar"),
                ]),
            ),
            (
                "no match: nothing replaced",
                vec![("a", "foo")],
                vec!["{source_labels: [a], regex: 'f', target_label: b, replacement: 'x'}"],
                set(&[("a", "foo")]),
            ),
            (
                "the regex is anchored",
                vec![("a", "abc")],
                vec!["{source_labels: [a], regex: 'b', target_label: x, replacement: 'y'}"],
                set(&[("a", "abc")]),
            ),
            (
                "empty replacement deletes the target",
                vec![("a", "foo"), ("b", "bar")],
                vec!["{source_labels: [a], regex: '(f).*', target_label: b, replacement: '$2'}"],
                set(&[("a", "foo")]),
            ),
            (
                "$1 followed by a name character is the group named 1x",
                vec![("a", "foo")],
                vec!["{source_labels: [a], regex: '(.*)', target_label: b, replacement: '$1x'}"],
                set(&[("a", "foo")]),
            ),
            (
                "${1}:port and $$",
                vec![("__address__", "host:1234")],
                vec![
                    "{source_labels: [__address__], regex: '(.*):\\d+', target_label: __address__, replacement: '${1}:9100$$'}",
                ],
                set(&[("__address__", "host:9100$")]),
            ),
            (
                "target label from a capture group",
                vec![("a", "some-name-value")],
                vec![
                    "{source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${1}', replacement: '${2}'}",
                ],
                set(&[("a", "some-name-value"), ("name", "value")]),
            ),
            (
                "invalid expanded target label: no change",
                vec![("a", "some-name-0")],
                vec![
                    "{source_labels: [a], regex: 'some-([^-]+)-([^,]+)', target_label: '${3}', replacement: '${1}'}",
                ],
                set(&[("a", "some-name-0")]),
            ),
            (
                "missing source label is empty",
                vec![("a", "foo")],
                vec!["{source_labels: [missing], regex: '', target_label: b, replacement: 'was-empty'}"],
                set(&[("a", "foo"), ("b", "was-empty")]),
            ),
            (
                "dot matches newline",
                vec![("a", "foo\nbar")],
                vec!["{source_labels: [a], regex: 'foo.bar', action: drop}"],
                None,
            ),
            (
                "keep",
                vec![("a", "foo")],
                vec!["{source_labels: [a], regex: 'f.*', action: keep}"],
                set(&[("a", "foo")]),
            ),
            (
                "keep drops",
                vec![("a", "boo")],
                vec!["{source_labels: [a], regex: 'f.*', action: keep}"],
                None,
            ),
            (
                "drop",
                vec![("a", "foo")],
                vec!["{source_labels: [a], regex: 'f.*', action: drop}"],
                None,
            ),
            (
                "action is case-insensitive",
                vec![("a", "foo")],
                vec!["{source_labels: [a], regex: 'f.*', action: DROP}"],
                None,
            ),
            (
                "drop on the empty value of a missing label",
                vec![("a", "foo")],
                vec!["{source_labels: [b], regex: '', action: drop}"],
                None,
            ),
            (
                "keepequal keeps",
                vec![("a", "foo"), ("b", "foo")],
                vec!["{source_labels: [a], target_label: b, action: keepequal}"],
                set(&[("a", "foo"), ("b", "foo")]),
            ),
            (
                "keepequal drops",
                vec![("a", "foo"), ("b", "bar")],
                vec!["{source_labels: [a], target_label: b, action: keepequal}"],
                None,
            ),
            (
                "dropequal drops",
                vec![("a", "foo"), ("b", "foo")],
                vec!["{source_labels: [a], target_label: b, action: dropequal}"],
                None,
            ),
            (
                "dropequal keeps",
                vec![("a", "foo"), ("b", "bar")],
                vec!["{source_labels: [a], target_label: b, action: dropequal}"],
                set(&[("a", "foo"), ("b", "bar")]),
            ),
            (
                "hashmod (Prometheus test vector)",
                vec![("a", "foo"), ("b", "bar"), ("c", "baz")],
                vec!["{source_labels: [c], target_label: d, separator: ';', action: hashmod, modulus: 1000}"],
                set(&[("a", "foo"), ("b", "bar"), ("c", "baz"), ("d", "976")]),
            ),
            (
                "hashmod with the largest modulus",
                vec![("a", "foo"), ("b", "bar"), ("c", "baz")],
                vec!["{source_labels: [c], target_label: d, action: hashmod, modulus: 18446744073709551615}"],
                set(&[
                    ("a", "foo"),
                    ("b", "bar"),
                    ("c", "baz"),
                    ("d", "16450797887570275976"),
                ]),
            ),
            (
                "labelmap",
                vec![("a", "foo"), ("b1", "bar"), ("b2", "baz")],
                vec!["{regex: 'b(.*)', action: labelmap, replacement: 'bar_${1}'}"],
                set(&[
                    ("a", "foo"),
                    ("b1", "bar"),
                    ("b2", "baz"),
                    ("bar_1", "bar"),
                    ("bar_2", "baz"),
                ]),
            ),
            (
                "labelmap of meta labels",
                vec![
                    ("__meta_my_bar", "aaa"),
                    ("__meta_my_baz", "bbb"),
                    ("__meta_other", "ccc"),
                ],
                vec!["{regex: '__meta_(my.*)', action: labelmap, replacement: '${1}'}"],
                set(&[
                    ("__meta_my_bar", "aaa"),
                    ("__meta_my_baz", "bbb"),
                    ("__meta_other", "ccc"),
                    ("my_bar", "aaa"),
                    ("my_baz", "bbb"),
                ]),
            ),
            (
                "labeldrop",
                vec![("a", "foo"), ("b1", "bar"), ("b2", "baz")],
                vec!["{regex: 'b.*', action: labeldrop}"],
                set(&[("a", "foo")]),
            ),
            (
                "labelkeep",
                vec![("a", "foo"), ("b1", "bar"), ("b2", "baz")],
                vec!["{regex: 'b.*', action: labelkeep}"],
                set(&[("b1", "bar"), ("b2", "baz")]),
            ),
            (
                "lowercase",
                vec![("foo", "BAR")],
                vec!["{source_labels: [foo], target_label: foo_lower, action: lowercase}"],
                set(&[("foo", "BAR"), ("foo_lower", "bar")]),
            ),
            (
                "uppercase joined",
                vec![("foo", "bar"), ("baz", "qux")],
                vec!["{source_labels: [foo, baz], separator: '-', target_label: up, action: uppercase}"],
                set(&[("foo", "bar"), ("baz", "qux"), ("up", "BAR-QUX")]),
            ),
            (
                "rename __name__ (metric relabeling)",
                vec![("__name__", "old_metric"), ("job", "j")],
                vec![
                    "{source_labels: [__name__], regex: 'old_(.*)', target_label: __name__, replacement: 'new_$1'}",
                ],
                set(&[("__name__", "new_metric"), ("job", "j")]),
            ),
            (
                "named groups",
                vec![("a", "key=value")],
                vec![
                    "{source_labels: [a], regex: '(?P<k>[^=]+)=(?P<v>.*)', target_label: '$k', replacement: '$v'}",
                ],
                set(&[("a", "key=value"), ("key", "value")]),
            ),
        ];
        for (name, input, rules, want) in cases {
            assert_eq!(run(&input, &rules), want, "{name}");
        }
    }

    #[test]
    fn validation_like_prometheus() {
        let bad = [
            ("{action: ''}", "relabel action cannot be empty"),
            ("{action: frobnicate}", "unknown relabel action"),
            ("{action: hashmod, target_label: a}", "requires non-zero modulus"),
            ("{action: replace}", "requires 'target_label' value"),
            ("{action: lowercase}", "requires 'target_label' value"),
            (
                "{action: replace, target_label: '1a'}",
                "is invalid 'target_label'",
            ),
            (
                "{action: uppercase, target_label: '${1}'}",
                "is invalid 'target_label'",
            ),
            (
                "{action: labelmap, replacement: 'a-b'}",
                "is invalid 'replacement'",
            ),
            (
                "{action: keepequal, target_label: a, regex: x}",
                "requires only 'source_labels' and `target_label`",
            ),
            ("{action: labeldrop, source_labels: [a]}", "requires only 'regex'"),
            ("{action: labelkeep, target_label: a}", "requires only 'regex'"),
            (
                "{source_labels: ['a-b'], target_label: c}",
                "is not a valid label name",
            ),
            ("{target_label: a, regex: '(unclosed'}", "invalid regex"),
        ];
        for (yaml, want) in bad {
            let cfg: RelabelConfig = serde_yaml::from_str(yaml).unwrap();
            let err = Relabel::new(&cfg).unwrap_err().to_string();
            assert!(err.contains(want), "{yaml}: {err}");
        }
        let cfg: RelabelConfig = serde_yaml::from_str("{target_label: 'a_${1}_b$2'}").unwrap();
        assert!(Relabel::new(&cfg).is_ok());
        assert!(
            serde_yaml::from_str::<RelabelConfig>("{regexp: x}").is_err(),
            "unknown keys refused"
        );
        let cfg: RelabelConfig =
            serde_yaml::from_str("{regex: 200, source_labels: [code], action: keep}").unwrap();
        assert_eq!(
            cfg.regex, "200",
            "numbers read as strings, as Prometheus' YAML decoder does"
        );
    }

    #[test]
    fn go_expand_rules() {
        let re = Regex::new("^(?s:(?P<first>a)(b)(c)?)$").unwrap();
        let caps = re.captures("ab").unwrap();
        let cases = [
            ("$1", "a"),
            ("${1}", "a"),
            ("$2$1", "ba"),
            ("$3", ""),
            ("$first", "a"),
            ("${first}x", "ax"),
            ("$firstx", ""),
            ("$$1", "$1"),
            ("$", "$"),
            ("a$-b", "a$-b"),
            ("${}", "${}"),
            ("${1", "${1"),
            ("$01", ""),
            ("$10", ""),
            ("x$1y", "x"),
        ];
        for (t, want) in cases {
            assert_eq!(expand(t, &caps), want, "{t}");
        }
    }
}
