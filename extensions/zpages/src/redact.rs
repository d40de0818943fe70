//! Secrets kept out of the pages: URL passwords in what tracez recorded, and
//! the values of secret settings in the command line expvarz shows.
//!
//! The rules are those of `otelcol_service::redact` (this crate does not
//! depend on the runtime): a URL's password becomes `[REDACTED]`, and so
//! does the value of a `--set` or inline `yaml:` config whose key names a
//! secret or a header.

use std::borrow::Cow;

/// What a secret is replaced with.
pub(crate) use otelcol_component::redact::REDACTED;

/// Key parts of settings Go types as `configopaque` (besides the credential
/// names of [`otelcol_component::redact::CREDENTIAL_HINTS`]): header maps,
/// inline PEM, auth blocks (substrings, case-insensitive).
const OPAQUE_HINTS: [&str; 3] = ["headers", "_pem", "auth"];

/// `text` with the password of every `scheme://user:password@` replaced.
pub(crate) fn redact_text(text: &str) -> Cow<'_, str> {
    otelcol_component::redact::redact_url(text)
}

fn is_secret_path(path: &str) -> bool {
    let p = path.to_ascii_lowercase();
    otelcol_component::redact::names_a_credential(&p) || OPAQUE_HINTS.iter().any(|h| p.contains(h))
}

/// `KEY=VALUE` of `--set`, with the value redacted when the key is secret.
fn redact_set(kv: &str) -> String {
    match kv.split_once('=') {
        Some((k, _)) if is_secret_path(k) => format!("{k}={REDACTED}"),
        _ => redact_text(kv).into_owned(),
    }
}

/// `yaml:a::b: value` of `--config`: the value is redacted when the key is
/// secret or the value is a structure (which may hold secrets).
fn redact_config_uri(uri: &str) -> String {
    let Some(inline) = uri.strip_prefix("yaml:") else {
        return redact_text(uri).into_owned();
    };
    match inline.split_once(':').map(|_| inline.split_once(": ")) {
        Some(Some((k, v))) if !is_secret_path(k) && !v.trim_start().starts_with(['{', '[']) => {
            redact_text(uri).into_owned()
        }
        Some(Some((k, _))) => format!("yaml:{k}: {REDACTED}"),
        _ => format!("yaml:{REDACTED}"),
    }
}

/// The command line with secrets redacted (for expvarz' `cmdline`).
pub(crate) fn redact_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut next: Option<&str> = None;
    for a in args {
        let shown = match next.take() {
            Some("--set") => redact_set(a),
            Some(_) => redact_config_uri(a),
            None => {
                if a == "--set" || a == "--config" {
                    next = Some(a.as_str());
                    a.clone()
                } else if let Some(kv) = a.strip_prefix("--set=") {
                    format!("--set={}", redact_set(kv))
                } else if let Some(uri) = a.strip_prefix("--config=") {
                    format!("--config={}", redact_config_uri(uri))
                } else {
                    redact_text(a).into_owned()
                }
            }
        };
        out.push(shown);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn command_line_secrets_are_redacted() {
        let shown = redact_args(&args(&[
            "otelcol-rs",
            "--config",
            "c.yaml",
            "--set",
            "exporters.otlp.headers.api-key=s1",
            "--set=exporters.otlphttp.endpoint=http://u:s2@h:4318",
            "--set",
            "processors.batch.timeout=2s",
            "--config",
            "yaml:exporters::otlp::tls::key_pem: s3",
            "--config=yaml:exporters::otlphttp: {headers: {a: s4}}",
            "--config",
            "yaml:exporters::otlp::endpoint: http://u:s5@h:4317",
        ]));
        let text = shown.join(" ");
        for s in ["s1", "s2", "s3", "s4", "s5"] {
            assert!(!text.contains(s), "{s} in {text}");
        }
        assert_eq!(shown[6], "--set");
        assert_eq!(shown[7], "processors.batch.timeout=2s");
        assert_eq!(shown[4], "exporters.otlp.headers.api-key=[REDACTED]");
        assert_eq!(
            shown[12],
            "yaml:exporters::otlp::endpoint: http://u:[REDACTED]@h:4317"
        );
    }

    #[test]
    fn text_urls_are_redacted() {
        assert_eq!(
            redact_text("POST http://a:b@h/v1/traces failed"),
            "POST http://a:[REDACTED]@h/v1/traces failed"
        );
        assert_eq!(redact_text("http://h/a@b"), "http://h/a@b");
    }
}
