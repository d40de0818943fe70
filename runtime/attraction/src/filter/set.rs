//! String filter sets (Go's `filterset`): exact or regular-expression matching.

use std::collections::HashSet;

use regex::Regex;

use crate::error::MatchError;

/// How strings are matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MatchType {
    Strict,
    Regexp,
}

impl MatchType {
    /// Parses `match_type`, with Go's error for anything else (including empty).
    pub(crate) fn parse(s: &str) -> Result<Self, MatchError> {
        match s {
            "strict" => Ok(MatchType::Strict),
            "regexp" => Ok(MatchType::Regexp),
            other => Err(MatchError::new(format!(
                "unrecognized match_type: '{other}', valid types are: [regexp strict]"
            ))),
        }
    }
}

/// A set of strings or patterns; a string matches if it equals one item
/// (`strict`) or one pattern finds a match in it (`regexp`, unanchored, as Go's
/// `MatchString`).
#[derive(Clone, Debug)]
pub(crate) enum FilterSet {
    Strict(HashSet<String>),
    Regexp(Vec<Regex>),
}

impl FilterSet {
    /// Builds a set for `match_type` (the raw config string).
    pub(crate) fn new(items: &[String], match_type: &str) -> Result<Self, MatchError> {
        match MatchType::parse(match_type)? {
            MatchType::Strict => Ok(FilterSet::Strict(items.iter().cloned().collect())),
            MatchType::Regexp => {
                let mut seen = HashSet::new();
                let mut regexes = Vec::with_capacity(items.len());
                for item in items {
                    if seen.insert(item.as_str()) {
                        regexes.push(compile(item)?);
                    }
                }
                Ok(FilterSet::Regexp(regexes))
            }
        }
    }

    /// True if `s` matches one item.
    pub(crate) fn matches(&self, s: &str) -> bool {
        match self {
            FilterSet::Strict(set) => set.contains(s),
            FilterSet::Regexp(regexes) => regexes.iter().any(|r| r.is_match(s)),
        }
    }
}

/// Compiles a pattern, with an error worded like Go's `regexp.Compile`.
pub(crate) fn compile(pattern: &str) -> Result<Regex, MatchError> {
    crate::re::compile(pattern).map_err(|e| MatchError::new(format!("error parsing regexp: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn strict_is_exact() {
        let f = FilterSet::new(&items(&["svcA", "svcB"]), "strict").unwrap();
        assert!(f.matches("svcA"));
        assert!(!f.matches("svcA2"));
        assert!(!f.matches("svc"));
    }

    #[test]
    fn regexp_is_unanchored() {
        let f = FilterSet::new(&items(&["auth.*", "^login$", "auth.*"]), "regexp").unwrap();
        assert!(f.matches("auth-service"));
        assert!(f.matches("my-auth"));
        assert!(f.matches("login"));
        assert!(!f.matches("login2"));
        assert!(!f.matches("other"));
    }

    #[test]
    fn bad_match_type_and_pattern() {
        let e = FilterSet::new(&items(&["x"]), "").unwrap_err();
        assert_eq!(
            e.message(),
            "unrecognized match_type: '', valid types are: [regexp strict]"
        );
        let e = FilterSet::new(&items(&["x"]), "expr").unwrap_err();
        assert_eq!(
            e.message(),
            "unrecognized match_type: 'expr', valid types are: [regexp strict]"
        );
        let e = FilterSet::new(&items(&["(unclosed"]), "regexp").unwrap_err();
        assert!(e.message().starts_with("error parsing regexp: "), "{e}");
    }
}
