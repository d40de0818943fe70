//! Name filters (Go's `filterset`): `strict` compares whole names,
//! `regexp` matches anywhere in the name (Go's `MatchString`).

use regex::Regex;

use crate::config::ValueFilter;

/// A compiled include or exclude list.
#[derive(Clone, Debug)]
pub(crate) enum FilterSet {
    Strict(Vec<String>),
    Regexp(Vec<Regex>),
}

impl FilterSet {
    /// The filter of `items` compared by `match_type`; `None` when `items`
    /// is empty (Go builds no filter then). The config was validated, so an
    /// unknown match type only reaches here from code: it matches nothing.
    pub(crate) fn new(items: &[String], match_type: &str) -> Result<Option<Self>, regex::Error> {
        if items.is_empty() {
            return Ok(None);
        }
        Ok(Some(match match_type {
            "regexp" => FilterSet::Regexp(items.iter().map(|i| Regex::new(i)).collect::<Result<_, _>>()?),
            _ => FilterSet::Strict(items.to_vec()),
        }))
    }

    /// Whether `name` matches one of the items.
    pub(crate) fn matches(&self, name: &str) -> bool {
        match self {
            FilterSet::Strict(items) => items.iter().any(|i| i == name),
            FilterSet::Regexp(res) => res.iter().any(|r| r.is_match(name)),
        }
    }
}

/// An include list and an exclude list: a name passes when it matches the
/// include list (or there is none) and does not match the exclude list.
#[derive(Clone, Debug, Default)]
pub(crate) struct IncludeExclude {
    pub(crate) include: Option<FilterSet>,
    pub(crate) exclude: Option<FilterSet>,
}

impl IncludeExclude {
    /// Whether `name` passes.
    pub(crate) fn allows(&self, name: &str) -> bool {
        self.include.as_ref().is_none_or(|f| f.matches(name))
            && !self.exclude.as_ref().is_some_and(|f| f.matches(name))
    }
}

/// A compiled `metrics_include` / `metrics_exclude` entry.
#[derive(Clone, Debug)]
pub(crate) enum ValueMatcher {
    Strict(String),
    Regexp(Regex),
}

impl ValueMatcher {
    /// Compiles a validated filter (`None` for one with neither key).
    pub(crate) fn new(f: &ValueFilter) -> Result<Option<Self>, regex::Error> {
        Ok(match (&f.strict, &f.regexp) {
            (Some(s), _) => Some(ValueMatcher::Strict(s.clone())),
            (None, Some(r)) => Some(ValueMatcher::Regexp(Regex::new(r)?)),
            (None, None) => None,
        })
    }

    /// Whether `value` matches.
    pub(crate) fn matches(&self, value: &str) -> bool {
        match self {
            ValueMatcher::Strict(s) => s == value,
            ValueMatcher::Regexp(r) => r.is_match(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str], mt: &str) -> Option<FilterSet> {
        FilterSet::new(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>(), mt).unwrap()
    }

    #[test]
    fn matching_follows_go() {
        // (items, match_type, name, matches)
        let table: &[(&[&str], &str, &str, bool)] = &[
            (&["sda"], "strict", "sda", true),
            (&["sda"], "strict", "sda1", false),
            (&["sd"], "regexp", "sda1", true),
            (&["^sd.$"], "regexp", "sda1", false),
            (&["/dev/*"], "regexp", "/dev/shm", true),
            (&["/dev/*"], "regexp", "/", false),
            (&["/snap/*"], "regexp", "/", false),
            (&["lo", "eth0"], "strict", "eth0", true),
        ];
        for (items, mt, name, want) in table {
            assert_eq!(
                set(items, mt).unwrap().matches(name),
                *want,
                "{items:?} {mt} {name}"
            );
        }
        assert!(set(&[], "strict").is_none());
    }

    #[test]
    fn include_then_exclude() {
        let f = IncludeExclude {
            include: set(&["^eth"], "regexp"),
            exclude: set(&["eth1"], "strict"),
        };
        assert!(f.allows("eth0"));
        assert!(!f.allows("eth1"));
        assert!(!f.allows("lo"));
        assert!(IncludeExclude::default().allows("anything"));
    }
}
