//! HTML building blocks: escaping, the page shell, and query strings.

use std::fmt::Write as _;

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value (everything but unreserved characters).
pub(crate) fn encode_query_value(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn hex(b: u8) -> Option<u8> {
    char::from(b).to_digit(16).and_then(|d| u8::try_from(d).ok())
}

/// Decodes a form-encoded query value (`+` is a space, `%XX` a byte).
/// Malformed escapes are kept as written; invalid UTF-8 is replaced.
pub(crate) fn decode_query_value(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of `key` in a query string.
pub(crate) fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| decode_query_value(k) == key)
        .map(|(_, v)| decode_query_value(v))
}

const STYLE: &str = "body{font-family:sans-serif;margin:1em 2em}\
table{border-collapse:collapse;margin:0.5em 0 1.5em}\
th,td{border:1px solid #bbb;padding:0.25em 0.6em;text-align:left;vertical-align:top}\
th{background:#eee}p.nav a{margin-right:1em}";

/// Links shown at the top of every page.
const NAV: [(&str, &str); 5] = [
    ("/debug/servicez", "ServiceZ"),
    ("/debug/pipelinez", "PipelineZ"),
    ("/debug/extensionz", "ExtensionZ"),
    ("/debug/featurez", "FeatureZ"),
    ("/debug/tracez", "TraceZ"),
];

/// A whole page: `title` is escaped here, `body` must already be HTML.
pub(crate) fn page(title: &str, body: &str) -> String {
    let title = escape(title);
    let mut nav = String::new();
    for (href, label) in NAV {
        let _ = write!(nav, "<a href=\"{href}\">{label}</a>");
    }
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title>\
         <style>{STYLE}</style></head>\n<body><h1>{title}</h1>\n<p class=\"nav\">{nav}</p>\n{body}</body></html>\n"
    )
}

/// A table; header cells are escaped here, row cells must already be HTML.
pub(crate) fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("<table><tr>");
    for h in headers {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            let _ = write!(out, "<td>{cell}</td>");
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</table>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn query_values_round_trip() {
        let name = "export <spans>/ä&b=c";
        let q = format!("zspanname={}&ztype=1", encode_query_value(name));
        assert_eq!(query_param(Some(&q), "zspanname").as_deref(), Some(name));
        assert_eq!(query_param(Some(&q), "ztype").as_deref(), Some("1"));
        assert_eq!(query_param(Some("a=b+c%2"), "a").as_deref(), Some("b c%2"));
        assert_eq!(query_param(None, "a"), None);
        assert_eq!(query_param(Some("flag"), "flag").as_deref(), Some(""));
    }
}
