//! W3C tracestate lookup with the validation of OpenTelemetry Go's
//! `trace.ParseTraceState`: an invalid header has no values at all.

use std::collections::HashSet;

const MAX_MEMBERS: usize = 32;

/// The value of `key` in the tracestate `raw`; `None` when the key is
/// absent or the header is invalid (Go's parse error makes the policy skip
/// the span).
pub(crate) fn get<'a>(raw: &'a str, key: &str) -> Option<&'a str> {
    if raw.is_empty() {
        return None;
    }
    let mut found = None;
    let mut keys = HashSet::new();
    for member in raw.split(',') {
        if member.is_empty() {
            continue;
        }
        let (k, v) = member.split_once('=')?;
        let k = k.trim_start_matches([' ', '\t']);
        let v = v.trim_end_matches([' ', '\t']);
        if !valid_key(k) || !valid_value(v) || !keys.insert(k) || keys.len() > MAX_MEMBERS {
            return None;
        }
        if k == key && found.is_none() {
            found = Some(v);
        }
    }
    found
}

fn key_char(c: u8) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'_' | b'-' | b'*' | b'/')
}

fn valid_key(k: &str) -> bool {
    let b = k.as_bytes();
    match k.split_once('@') {
        None => {
            !b.is_empty()
                && b.len() <= 256
                && b[0].is_ascii_lowercase()
                && b[1..].iter().all(|c| key_char(*c))
        }
        Some((tenant, system)) => {
            let (t, s) = (tenant.as_bytes(), system.as_bytes());
            !t.is_empty()
                && t.len() <= 241
                && (t[0].is_ascii_lowercase() || t[0].is_ascii_digit())
                && t[1..].iter().all(|c| key_char(*c))
                && !s.is_empty()
                && s.len() <= 14
                && s[0].is_ascii_lowercase()
                && s[1..].iter().all(|c| key_char(*c))
        }
    }
}

fn valid_value(v: &str) -> bool {
    let b = v.as_bytes();
    !b.is_empty()
        && b.len() <= 256
        && b.iter()
            .all(|c| (0x20..=0x7e).contains(c) && *c != b',' && *c != b'=')
        && b.last() != Some(&b' ')
}

#[cfg(test)]
mod tests {
    use super::get;

    #[test]
    fn finds_values() {
        assert_eq!(get("key3=value1", "key3"), Some("value1"));
        assert_eq!(get("a=1, key3=value2 ,b=2", "key3"), Some("value2"));
        assert_eq!(get("t@sys=v", "t@sys"), Some("v"));
        assert_eq!(get("a=1", "key3"), None);
        assert_eq!(get("", "key3"), None);
    }

    #[test]
    fn invalid_headers_have_no_values() {
        assert_eq!(get("key3", "key3"), None);
        assert_eq!(get("Key3=v", "Key3"), None);
        assert_eq!(get("key3=a,key3=b", "key3"), None);
        assert_eq!(get("key3=a=b", "key3"), None);
        assert_eq!(get("key3=", "key3"), None);
        let many: Vec<String> = (0..33).map(|i| format!("k{i}=v")).collect();
        assert_eq!(get(&many.join(","), "k0"), None);
    }
}
