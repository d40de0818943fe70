//! Label sets as Prometheus handles them: sorted by name, names unique, and
//! (like Prometheus' `labels.Builder`) setting an empty value removes the
//! label.

use std::fmt;

/// The metric name label.
pub(crate) const METRIC_NAME: &str = "__name__";
/// The target address label.
pub(crate) const ADDRESS: &str = "__address__";
/// The scheme label.
pub(crate) const SCHEME: &str = "__scheme__";
/// The metrics path label.
pub(crate) const METRICS_PATH: &str = "__metrics_path__";
/// The scrape interval label.
pub(crate) const SCRAPE_INTERVAL: &str = "__scrape_interval__";
/// The scrape timeout label.
pub(crate) const SCRAPE_TIMEOUT: &str = "__scrape_timeout__";
/// The prefix of URL parameter labels.
pub(crate) const PARAM_PREFIX: &str = "__param_";
/// The prefix of discovery meta labels.
pub(crate) const META_PREFIX: &str = "__meta_";
/// The prefix of every reserved label.
pub(crate) const RESERVED_PREFIX: &str = "__";
/// The job label.
pub(crate) const JOB: &str = "job";
/// The instance label.
pub(crate) const INSTANCE: &str = "instance";
/// The histogram bucket boundary label.
pub(crate) const BUCKET: &str = "le";
/// The summary quantile label.
pub(crate) const QUANTILE: &str = "quantile";

/// A label set: sorted by name, each name once.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct Labels(Vec<(String, String)>);

impl Labels {
    /// An empty set.
    pub(crate) fn new() -> Self {
        Labels(Vec::new())
    }

    /// A set of `pairs`; a later pair wins over an earlier one of the same
    /// name, empty values are left out.
    pub(crate) fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        let mut l = Labels::new();
        for (k, v) in pairs {
            l.set(k, v);
        }
        l
    }

    fn position(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    /// The value of `name`, if set.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.position(name).ok().map(|i| self.0[i].1.as_str())
    }

    /// The value of `name`, or `""` (Prometheus' `Get`).
    pub(crate) fn value(&self, name: &str) -> &str {
        self.get(name).unwrap_or("")
    }

    /// Whether `name` is set.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.position(name).is_ok()
    }

    /// Sets `name` to `value`; an empty value removes the label.
    pub(crate) fn set(&mut self, name: impl Into<String>, value: impl Into<String>) {
        let (name, value) = (name.into(), value.into());
        if value.is_empty() {
            self.remove(&name);
            return;
        }
        match self.position(&name) {
            Ok(i) => self.0[i].1 = value,
            Err(i) => self.0.insert(i, (name, value)),
        }
    }

    /// Removes `name`.
    pub(crate) fn remove(&mut self, name: &str) {
        if let Ok(i) = self.position(name) {
            self.0.remove(i);
        }
    }

    /// Keeps the labels for which `keep` answers true.
    pub(crate) fn retain(&mut self, mut keep: impl FnMut(&str, &str) -> bool) {
        self.0.retain(|(k, v)| keep(k, v));
    }

    /// The labels, sorted by name.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of labels.
    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    /// True without labels.
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The metric name (`__name__`), or `""`.
    pub(crate) fn name(&self) -> &str {
        self.value(METRIC_NAME)
    }

    /// The labels whose name does not start with `__` (what a target
    /// exposes as its label set).
    pub(crate) fn without_reserved(&self) -> Labels {
        Labels(
            self.0
                .iter()
                .filter(|(k, _)| !k.starts_with(RESERVED_PREFIX))
                .cloned()
                .collect(),
        )
    }
}

impl fmt::Display for Labels {
    /// `{a="x", b="y"}` as Prometheus prints label sets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, (k, v)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{k}={v:?}")?;
        }
        f.write_str("}")
    }
}

/// Whether `name` is a valid (legacy) Prometheus label name:
/// `[a-zA-Z_][a-zA-Z0-9_]*`.
pub(crate) fn is_valid_label_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {}
        _ => return false,
    }
    bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_semantics() {
        let mut l = Labels::from_pairs([("b", "2"), ("a", "1"), ("c", "")]);
        assert_eq!(l.iter().collect::<Vec<_>>(), vec![("a", "1"), ("b", "2")]);
        l.set("a", "");
        assert!(!l.has("a"));
        l.set("z", "9");
        l.set("b", "3");
        assert_eq!(l.to_string(), r#"{b="3", z="9"}"#);
        l.set("__x", "y");
        assert_eq!(l.without_reserved().len(), 2);
        assert_eq!(l.value("nope"), "");
    }

    #[test]
    fn names() {
        for ok in ["a", "_", "a_1", "A"] {
            assert!(is_valid_label_name(ok), "{ok}");
        }
        for bad in ["", "1a", "a-b", "a:b", "é"] {
            assert!(!is_valid_label_name(bad), "{bad}");
        }
    }
}
