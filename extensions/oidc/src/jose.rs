//! JWS compact tokens and JSON Web Keys: parsing (hostile input: every
//! failure is an `Err`, never a panic) and signature checks with `ring`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde_json::{Map, Value};

/// Tokens longer than this are refused before any decoding (64 KiB).
pub const MAX_TOKEN_SIZE: usize = 64 * 1024;

/// The signature algorithms Go's `go-oidc` accepts (ES512 is accepted but
/// no key can verify it here: `ring` has no P-521).
pub const SUPPORTED_ALGORITHMS: [&str; 10] = [
    "RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA",
];

/// A parsed (not yet verified) JWS in compact serialization.
#[derive(Debug)]
pub(crate) struct Jws {
    /// `alg` of the protected header.
    pub(crate) alg: String,
    /// `kid` of the protected header, empty when absent.
    pub(crate) kid: String,
    /// `<header>.<payload>`, the signed bytes.
    pub(crate) signing_input: Vec<u8>,
    pub(crate) signature: Vec<u8>,
    /// The decoded claims object.
    pub(crate) claims: Map<String, Value>,
}

/// Base64url without padding (trailing `=` tolerated, as go-jose does).
fn b64(part: &str) -> Result<Vec<u8>, String> {
    URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|e| format!("illegal base64 data: {e}"))
}

/// Parses a compact JWS; errors are the text after `oidc: malformed jws: `
/// or, for the payload, a message starting `oidc: failed to unmarshal claims`.
pub(crate) fn parse(raw: &str) -> Result<Jws, ParseError> {
    if raw.len() > MAX_TOKEN_SIZE {
        return Err(ParseError::Malformed(format!(
            "token larger than {MAX_TOKEN_SIZE} bytes"
        )));
    }
    let mut parts = raw.split('.');
    let (Some(h), Some(p), Some(s), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(ParseError::Malformed(
            "compact JWS format must have three parts".into(),
        ));
    };
    let header = b64(h).map_err(ParseError::Malformed)?;
    let header: Map<String, Value> = serde_json::from_slice(&header)
        .map_err(|e| ParseError::Malformed(format!("invalid protected header: {e}")))?;
    let alg = match header.get("alg") {
        Some(Value::String(a)) => a.clone(),
        _ => return Err(ParseError::Malformed("missing or invalid alg header".into())),
    };
    if !SUPPORTED_ALGORITHMS.contains(&alg.as_str()) {
        return Err(ParseError::Malformed(format!(
            "unexpected signature algorithm {alg:?}; expected {}",
            go_quoted_list(&SUPPORTED_ALGORITHMS)
        )));
    }
    if header.contains_key("crit") {
        return Err(ParseError::Malformed("unsupported crit header".into()));
    }
    let kid = match header.get("kid") {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(k)) => k.clone(),
        Some(_) => return Err(ParseError::Malformed("invalid kid header".into())),
    };
    let signature = b64(s).map_err(ParseError::Malformed)?;
    let payload = b64(p).map_err(ParseError::Malformed)?;
    let claims: Map<String, Value> = serde_json::from_slice(&payload)
        .map_err(|e| ParseError::Claims(format!("oidc: failed to unmarshal claims: {e}")))?;
    let mut signing_input = Vec::with_capacity(h.len() + 1 + p.len());
    signing_input.extend_from_slice(h.as_bytes());
    signing_input.push(b'.');
    signing_input.extend_from_slice(p.as_bytes());
    Ok(Jws {
        alg,
        kid,
        signing_input,
        signature,
        claims,
    })
}

/// Why a token could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ParseError {
    /// Not a JWS (the text after `oidc: malformed jws: `).
    Malformed(String),
    /// The payload is not a JSON object (full message).
    Claims(String),
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub(crate) fn go_quoted_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{:?}", s.as_ref())).collect();
    format!("[{}]", quoted.join(" "))
}

/// A public key of a JWKS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum KeyMaterial {
    /// RSA modulus and exponent, big-endian, no leading zeros.
    Rsa { n: Vec<u8>, e: Vec<u8> },
    /// P-256 uncompressed point.
    P256(Vec<u8>),
    /// P-384 uncompressed point.
    P384(Vec<u8>),
    /// Ed25519 public key.
    Ed25519(Vec<u8>),
}

/// One usable key of a JWKS.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Jwk {
    /// `kid`, empty when absent.
    pub(crate) kid: String,
    /// `alg`, empty when absent.
    pub(crate) alg: String,
    pub(crate) key: KeyMaterial,
}

impl Jwk {
    /// The algorithms this key can verify (its `alg`, or every algorithm of
    /// its type).
    pub(crate) fn algorithms(&self) -> Vec<&'static str> {
        let all: &[&'static str] = match self.key {
            KeyMaterial::Rsa { .. } => &["RS256", "RS384", "RS512", "PS256", "PS384", "PS512"],
            KeyMaterial::P256(_) => &["ES256"],
            KeyMaterial::P384(_) => &["ES384"],
            KeyMaterial::Ed25519(_) => &["EdDSA"],
        };
        all.iter()
            .copied()
            .filter(|a| self.alg.is_empty() || self.alg == *a)
            .collect()
    }

    /// True when `signature` over `message` is valid for `alg` with this key.
    pub(crate) fn verify(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        if !self.algorithms().contains(&alg) {
            return false;
        }
        let rsa = |params: &'static signature::RsaParameters, n: &[u8], e: &[u8]| {
            RsaPublicKeyComponents { n, e }
                .verify(params, message, signature)
                .is_ok()
        };
        match (&self.key, alg) {
            (KeyMaterial::Rsa { n, e }, "RS256") => rsa(&signature::RSA_PKCS1_2048_8192_SHA256, n, e),
            (KeyMaterial::Rsa { n, e }, "RS384") => rsa(&signature::RSA_PKCS1_2048_8192_SHA384, n, e),
            (KeyMaterial::Rsa { n, e }, "RS512") => rsa(&signature::RSA_PKCS1_2048_8192_SHA512, n, e),
            (KeyMaterial::Rsa { n, e }, "PS256") => rsa(&signature::RSA_PSS_2048_8192_SHA256, n, e),
            (KeyMaterial::Rsa { n, e }, "PS384") => rsa(&signature::RSA_PSS_2048_8192_SHA384, n, e),
            (KeyMaterial::Rsa { n, e }, "PS512") => rsa(&signature::RSA_PSS_2048_8192_SHA512, n, e),
            (KeyMaterial::P256(point), "ES256") => {
                UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (KeyMaterial::P384(point), "ES384") => {
                UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                    .verify(message, signature)
                    .is_ok()
            }
            (KeyMaterial::Ed25519(key), "EdDSA") => UnparsedPublicKey::new(&signature::ED25519, key)
                .verify(message, signature)
                .is_ok(),
            _ => false,
        }
    }
}

/// Parses a JWKS document. Keys of other types (`oct`, P-521, X25519...),
/// encryption keys (`use: enc`) and malformed keys are skipped; a document
/// that is not `{"keys": [...]}` is an error.
pub(crate) fn parse_jwks(body: &[u8]) -> Result<Vec<Jwk>, String> {
    let doc: Value = serde_json::from_slice(body).map_err(|e| e.to_string())?;
    let Some(keys) = doc.get("keys").and_then(Value::as_array) else {
        return Err("no \"keys\" array".into());
    };
    Ok(keys.iter().filter_map(parse_jwk).collect())
}

fn parse_jwk(v: &Value) -> Option<Jwk> {
    let text = |name: &str| v.get(name).and_then(Value::as_str);
    if text("use").is_some_and(|u| u != "sig") {
        return None;
    }
    let bytes = |name: &str| text(name).and_then(|s| b64(s).ok());
    let key = match (text("kty")?, text("crv")) {
        ("RSA", _) => {
            let strip = |b: Vec<u8>| {
                let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
                b[start..].to_vec()
            };
            let (n, e) = (strip(bytes("n")?), strip(bytes("e")?));
            if n.is_empty() || e.is_empty() {
                return None;
            }
            KeyMaterial::Rsa { n, e }
        }
        ("EC", Some(crv @ ("P-256" | "P-384"))) => {
            let size = if crv == "P-256" { 32 } else { 48 };
            let (x, y) = (bytes("x")?, bytes("y")?);
            if x.len() != size || y.len() != size {
                return None;
            }
            let mut point = Vec::with_capacity(1 + 2 * size);
            point.push(4);
            point.extend_from_slice(&x);
            point.extend_from_slice(&y);
            if crv == "P-256" {
                KeyMaterial::P256(point)
            } else {
                KeyMaterial::P384(point)
            }
        }
        ("OKP", Some("Ed25519")) => {
            let x = bytes("x")?;
            if x.len() != 32 {
                return None;
            }
            KeyMaterial::Ed25519(x)
        }
        _ => return None,
    };
    Some(Jwk {
        kid: text("kid").unwrap_or("").to_string(),
        alg: text("alg").unwrap_or("").to_string(),
        key,
    })
}

/// Unix seconds as Go prints a `time.Time` in UTC:
/// `2006-01-02 15:04:05 +0000 UTC`.
pub(crate) fn go_time(unix: i64) -> String {
    // Years 1..=9999 only; anything else is shown as seconds.
    if !(-62_135_596_800..=253_402_300_799).contains(&unix) {
        return format!("unix time {unix}");
    }
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000 UTC",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn enc(v: &str) -> String {
        URL_SAFE_NO_PAD.encode(v)
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        let h = enc(r#"{"alg":"ES256","kid":"k"}"#);
        let p = enc(r#"{"iss":"x"}"#);
        let cases = [
            String::new(),
            ".".into(),
            "a.b".into(),
            "a.b.c.d".into(),
            format!("{h}.{p}"),
            format!("!!.{p}.AA"),
            format!("{}.{p}.AA", enc("not json")),
            format!("{}.{p}.AA", enc(r#"{"alg":"none"}"#)),
            format!("{}.{p}.AA", enc(r#"{"alg":"HS256"}"#)),
            format!("{}.{p}.AA", enc(r#"{"alg":5}"#)),
            format!("{}.{p}.AA", enc(r#"{"alg":"ES256","kid":7}"#)),
            format!("{}.{p}.AA", enc(r#"{"alg":"ES256","crit":["x"]}"#)),
            format!("{h}.{p}.%%%"),
            format!("{h}.{}.AA", enc("[1,2]")),
            format!("{h}.{}.AA", enc("\u{0}")),
            format!("{h}.{p}.{}", "A".repeat(MAX_TOKEN_SIZE)),
            "\u{1F600}.\u{1F600}.\u{1F600}".into(),
        ];
        for raw in cases {
            assert!(parse(&raw).is_err(), "{raw:.80}");
        }
        let ok = parse(&format!("{h}.{p}.AA==")).unwrap();
        assert_eq!((ok.alg.as_str(), ok.kid.as_str()), ("ES256", "k"));
        assert_eq!(ok.signature, vec![0]);
        assert!(matches!(
            parse(&format!("{h}.{}.AA", enc("3"))),
            Err(ParseError::Claims(_))
        ));
    }

    #[test]
    fn jwks_skips_what_it_cannot_use() {
        let doc = br#"{"keys":[
            {"kty":"RSA","kid":"r","n":"AAEC","e":"AQAB"},
            {"kty":"EC","crv":"P-256","kid":"short","x":"AA","y":"AA"},
            {"kty":"EC","crv":"P-521","x":"AA","y":"AA"},
            {"kty":"oct","k":"AA"},
            {"kty":"RSA","use":"enc","n":"AQ","e":"AQ"},
            {"kty":"OKP","crv":"Ed25519","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","alg":"EdDSA"},
            {"kty":"RSA","n":"!!","e":"AQAB"},
            7
        ]}"#;
        let keys = parse_jwks(doc).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(
            keys[0].key,
            KeyMaterial::Rsa {
                n: vec![1, 2],
                e: vec![1, 0, 1]
            }
        );
        assert_eq!(keys[1].algorithms(), ["EdDSA"]);
        assert!(!keys[0].verify("ES256", b"m", b"s"));
        assert!(!keys[0].verify("RS256", b"m", b"s"));
        assert!(parse_jwks(b"{}").is_err());
        assert!(parse_jwks(b"nope").is_err());
    }

    #[test]
    fn times_print_as_go_does() {
        assert_eq!(go_time(0), "1970-01-01 00:00:00 +0000 UTC");
        assert_eq!(go_time(1_700_000_000), "2023-11-14 22:13:20 +0000 UTC");
        assert_eq!(go_time(-62_135_596_800), "0001-01-01 00:00:00 +0000 UTC");
        assert_eq!(go_time(i64::MAX), format!("unix time {}", i64::MAX));
        assert_eq!(go_quoted_list(&["a", "b"]), r#"["a" "b"]"#);
    }
}
