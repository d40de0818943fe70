//! Regular expressions with Go's `regexp` rules where Rust's `regex` is more
//! lenient.

use regex::Regex;

/// Compiles `pattern`, also refusing capture-group names Go refuses (Go
/// allows only letters, digits and `_`; Rust also allows `.`, `[` and `]`).
pub(crate) fn compile(pattern: &str) -> Result<Regex, String> {
    let re = Regex::new(pattern).map_err(|e| e.to_string())?;
    for name in re.capture_names().flatten() {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("invalid named capture: `(?P<{name}>`"));
        }
    }
    Ok(re)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_names_follow_go() {
        assert!(compile("(?P<ok_1>x)(?<also>y)").is_ok());
        assert!(compile("(?P<invalid.regex>.*?)$").is_err());
        assert!(compile("(?P<a[0]>x)").is_err());
        assert!(compile("(").is_err());
    }
}
