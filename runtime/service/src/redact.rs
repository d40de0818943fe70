//! Keeping secrets out of what the collector shows: `print-config`, its own
//! logs and the error messages it prints.
//!
//! What counts as a secret:
//!
//! - every field the Go collector types as `configopaque.String` (printed by
//!   Go as `[REDACTED]`): header values of the HTTP and gRPC clients
//!   (`headers`, in map form or Go's `MapList` list form
//!   `[{name, value}]`), the HTTP server's `response_headers`, and the inline
//!   TLS material `ca_pem`, `cert_pem` and `key_pem`;
//! - values under keys that name a secret (`password`, `token`, `api_key`,
//!   `secret`, `authorization`, `bearer`, `credential`, `private_key`), as
//!   the fields of authenticator extensions and third-party components are;
//! - the password of a URL's userinfo (`http://user:pass@host` is shown as
//!   `http://user:[REDACTED]@host`), in any string value and in any log line
//!   or error message. The user name is kept, as Go's `url.Redacted` keeps it.
//!
//! Redaction only changes what is shown: components get the real values.

use std::borrow::Cow;

use serde_json::Value;

/// What a secret is replaced with (Go's `configopaque` mask).
pub use otelcol_component::redact::REDACTED;

/// Keys the Go collector types as `configopaque.String` (configtls).
const OPAQUE_KEYS: [&str; 3] = ["ca_pem", "cert_pem", "key_pem"];

/// Keys the Go collector types as `configopaque.MapList` / a map of
/// `configopaque.String` (confighttp, configgrpc): every value is a secret.
const OPAQUE_MAPS: [&str; 2] = ["headers", "response_headers"];

fn is_secret_key(k: &str) -> bool {
    otelcol_component::redact::names_a_credential(k) || OPAQUE_KEYS.contains(&k.to_ascii_lowercase().as_str())
}

/// Replaces every secret in a config tree (see the module docs) with
/// [`REDACTED`].
pub fn redact_config(v: &mut Value) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if OPAQUE_MAPS.contains(&k.as_str()) {
                    redact_header_values(val);
                } else if is_secret_key(k) && !val.is_object() {
                    redact_all(val);
                } else {
                    redact_config(val);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(redact_config),
        Value::String(s) => {
            if let Cow::Owned(r) = redact_text(s) {
                *s = r;
            }
        }
        _ => {}
    }
}

/// Every scalar under `v` becomes [`REDACTED`] (`null` stays `null`).
fn redact_all(v: &mut Value) {
    match v {
        Value::Null => {}
        Value::Object(m) => m.values_mut().for_each(redact_all),
        Value::Array(a) => a.iter_mut().for_each(redact_all),
        other => *other = Value::String(REDACTED.into()),
    }
}

/// `headers` in map form (`{name: value}`) or list form (`[{name, value}]`):
/// the values are redacted, the names kept.
fn redact_header_values(v: &mut Value) {
    match v {
        Value::Object(m) => m.values_mut().for_each(redact_all),
        Value::Array(a) => {
            for entry in a {
                match entry {
                    Value::Object(pair) => {
                        for (k, val) in pair.iter_mut() {
                            if k != "name" {
                                redact_all(val);
                            }
                        }
                    }
                    other => redact_all(other),
                }
            }
        }
        other => redact_all(other),
    }
}

/// `text` with the password of every `scheme://user:password@` in it
/// replaced by [`REDACTED`]. Borrows when there is nothing to redact.
///
/// ```
/// use otelcol_service::redact::redact_text;
/// assert_eq!(
///     redact_text("request to http://me:s3cret@example.com:4318/v1/traces failed"),
///     "request to http://me:[REDACTED]@example.com:4318/v1/traces failed"
/// );
/// assert_eq!(redact_text("http://example.com/a@b"), "http://example.com/a@b");
/// ```
pub fn redact_text(text: &str) -> Cow<'_, str> {
    otelcol_component::redact::redact_url(text)
}

/// A writer for the collector's log output that passes every line through
/// [`redact_text`], so that no component's log line shows a URL password.
#[derive(Debug)]
pub struct RedactingWriter<W>(pub W);

impl<W: std::io::Write> std::io::Write for RedactingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) => match redact_text(s) {
                Cow::Borrowed(_) => self.0.write_all(buf)?,
                Cow::Owned(r) => self.0.write_all(r.as_bytes())?,
            },
            Err(_) => self.0.write_all(buf)?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redacts_opaque_fields_and_secret_keys() {
        let mut v = json!({
            "exporters": {"otlp": {"endpoint": "x:4317", "headers": {"api-key": "s3cret"},
            "auth": {"password": "p", "username": "u"},
            "tls": {"key_file": "/k.pem", "key_pem": "---", "cert_pem": "c", "ca_pem": "a"}}},
            "extensions": {"bearertokenauth": {"token": "t0k", "scheme": "Bearer"}},
            "receivers": {"otlp": {"protocols": {"http": {"response_headers": {"x-a": "r"}}}}}
        });
        redact_config(&mut v);
        let o = &v["exporters"]["otlp"];
        assert_eq!(o["endpoint"], "x:4317");
        assert_eq!(o["headers"]["api-key"], REDACTED);
        assert_eq!(o["auth"]["password"], REDACTED);
        assert_eq!(o["auth"]["username"], "u");
        assert_eq!(o["tls"]["key_file"], "/k.pem");
        for k in ["key_pem", "cert_pem", "ca_pem"] {
            assert_eq!(o["tls"][k], REDACTED, "{k}");
        }
        assert_eq!(v["extensions"]["bearertokenauth"]["token"], REDACTED);
        assert_eq!(v["extensions"]["bearertokenauth"]["scheme"], "Bearer");
        assert_eq!(
            v["receivers"]["otlp"]["protocols"]["http"]["response_headers"]["x-a"],
            REDACTED
        );
        let mut v = json!({"processors": {"resource": {"attributes": [{"key": "env", "value": "prod"}]}}});
        redact_config(&mut v);
        assert_eq!(
            v["processors"]["resource"]["attributes"][0]["value"], "prod",
            "attribute values are not secrets"
        );
    }

    #[test]
    fn redacts_list_form_headers_keeping_names() {
        let mut v = json!({"exporters": {"otlphttp": {"headers": [
            {"name": "Authorization", "value": "Bearer abc"},
            {"name": "x-tenant", "value": 42}
        ]}}});
        redact_config(&mut v);
        let h = &v["exporters"]["otlphttp"]["headers"];
        assert_eq!(h[0]["name"], "Authorization");
        assert_eq!(h[0]["value"], REDACTED);
        assert_eq!(h[1]["name"], "x-tenant");
        assert_eq!(h[1]["value"], REDACTED);
        assert!(!v.to_string().contains("abc"));
    }

    #[test]
    fn redacts_url_passwords_in_any_value() {
        let mut v = json!({"exporters": {
            "otlphttp": {"endpoint": "http://user:p4ss@127.0.0.1:4318/base", "traces_endpoint": "https://u:x@h/v1/traces"},
            "prometheusremotewrite": {"endpoint": "https://tok@example.com/api"}
        }, "list": ["http://a:b@c"]});
        redact_config(&mut v);
        let e = &v["exporters"];
        assert_eq!(
            e["otlphttp"]["endpoint"],
            "http://user:[REDACTED]@127.0.0.1:4318/base"
        );
        assert_eq!(
            e["otlphttp"]["traces_endpoint"],
            "https://u:[REDACTED]@h/v1/traces"
        );
        assert_eq!(
            e["prometheusremotewrite"]["endpoint"], "https://tok@example.com/api",
            "a user name alone is kept, as Go's url.Redacted keeps it"
        );
        assert_eq!(v["list"][0], "http://a:[REDACTED]@c");
    }

    #[test]
    fn redact_text_finds_every_url() {
        assert_eq!(
            redact_text(
                r#"{"error":"POST \"http://a:b@h:1/v1/logs\": refused; also https://c:d%40e@[::1]:9/x?q=1"}"#
            ),
            r#"{"error":"POST \"http://a:[REDACTED]@h:1/v1/logs\": refused; also https://c:[REDACTED]@[::1]:9/x?q=1"}"#
        );
        assert_eq!(redact_text("u:p@h"), "u:p@h", "no scheme, no URL");
        assert_eq!(redact_text("mailto://x"), "mailto://x");
        assert_eq!(redact_text("a://"), "a://");
        assert_eq!(redact_text("a://@"), "a://@");
        assert_eq!(redact_text("a://:@"), "a://:[REDACTED]@");
        assert!(matches!(redact_text("no secrets here"), Cow::Borrowed(_)));
        assert_eq!(redact_text("ünï://ç:ø@ĥ"), "ünï://ç:[REDACTED]@ĥ");
    }

    #[test]
    fn the_writer_redacts_each_line() {
        use std::io::Write;
        let mut w = RedactingWriter(Vec::new());
        w.write_all(b"connect to http://u:pw@h failed\n").unwrap();
        w.write_all(&[0xff, b'\n']).unwrap();
        assert_eq!(w.0, b"connect to http://u:[REDACTED]@h failed\n\xff\n");
    }
}
