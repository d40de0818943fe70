//! One identity provider: discovery, its key set (cached, refetched on an
//! unknown key, rate-limited) and the checks of `go-oidc`'s
//! `IDTokenVerifier.Verify`, in its order and with its messages.

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use otelcol_configtls::TlsClientConfig;
use otelcol_httpsclient::HttpsClient;
use serde_json::{Map, Value};
use tokio::sync::Mutex;

use crate::config::ProviderConfig;
use crate::jose::{Jwk, Jws, SUPPORTED_ALGORITHMS, go_quoted_list, go_time, parse_jwks};

/// Timeout of discovery and key requests (Go's client: 5s).
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Discovery and JWKS documents above this are refused (1 MiB).
pub const MAX_DOCUMENT_SIZE: usize = 1 << 20;

/// At most one key refetch per this interval is triggered by tokens with an
/// unknown key, so a stream of forged `kid`s cannot make the collector
/// hammer the identity provider.
pub const MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(10);

/// How much later than `nbf` a token is accepted (go-oidc's leeway).
pub const NBF_LEEWAY: Duration = Duration::from_secs(60);

/// Why a token was refused by a provider (the text after
/// `failed to verify token: `).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VerifyError {
    /// The token is invalid.
    Invalid(String),
    /// The keys could not be fetched.
    Unavailable(String),
}

/// Where the keys come from.
#[derive(Debug)]
enum KeySource {
    /// `jwks_uri` of the discovery document.
    Remote { client: HttpsClient, url: String },
    /// `public_keys_file`.
    File { path: String },
}

impl KeySource {
    async fn fetch(&self) -> Result<Vec<Jwk>, String> {
        match self {
            KeySource::Remote { client, url } => {
                let r = client
                    .get(url, &[("accept", "application/json")])
                    .await
                    .map_err(|e| format!("oidc: get keys failed {e}"))?;
                if r.status != 200 {
                    return Err(format!(
                        "oidc: get keys failed: {} {}",
                        r.status_text(),
                        excerpt(&r.body_text())
                    ));
                }
                parse_jwks(&r.body).map_err(|e| format!("oidc: failed to decode keys: {e}"))
            }
            KeySource::File { path } => {
                let data = tokio::fs::read(path)
                    .await
                    .map_err(|e| format!("could not read file: {e}"))?;
                let keys = parse_jwks(&data).map_err(|e| format!("failed to parse JWKS: {e}"))?;
                if keys.is_empty() {
                    return Err(
                        "file contains no supported keys (supported types are RSA, ECDSA, and ED25519)"
                            .into(),
                    );
                }
                Ok(keys)
            }
        }
    }
}

/// The first 512 characters of a body, for messages.
fn excerpt(body: &str) -> String {
    match body.char_indices().nth(512) {
        Some((i, _)) => format!("{}...", &body[..i]),
        None => body.to_string(),
    }
}

#[derive(Debug, Default)]
struct RefreshState {
    /// When a token last triggered a refetch.
    last: Option<Instant>,
    /// The error of that refetch, if it failed.
    last_error: Option<String>,
}

/// The cached keys of a provider.
#[derive(Debug)]
pub(crate) struct KeySet {
    source: KeySource,
    /// Keys and a generation number bumped by every successful fetch.
    keys: RwLock<(u64, Arc<Vec<Jwk>>)>,
    refresh: Mutex<RefreshState>,
    min_interval: Duration,
}

impl KeySet {
    fn new(source: KeySource, min_interval: Duration) -> Self {
        KeySet {
            source,
            keys: RwLock::new((0, Arc::new(Vec::new()))),
            refresh: Mutex::new(RefreshState::default()),
            min_interval,
        }
    }

    fn current(&self) -> (u64, Arc<Vec<Jwk>>) {
        match self.keys.read() {
            Ok(g) => (g.0, Arc::clone(&g.1)),
            Err(poisoned) => {
                let g = poisoned.into_inner();
                (g.0, Arc::clone(&g.1))
            }
        }
    }

    fn store(&self, keys: Vec<Jwk>) {
        let mut g = match self.keys.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        g.0 += 1;
        g.1 = Arc::new(keys);
    }

    /// Fetches the keys now (start-up; does not count against the rate limit).
    async fn load(&self) -> Result<(), String> {
        let keys = self.source.fetch().await?;
        self.store(keys);
        Ok(())
    }

    /// The keys after a miss with the keys of generation `seen`: the keys
    /// another caller fetched meanwhile, else freshly fetched ones, unless a
    /// refetch happened less than the minimum interval ago.
    async fn refetch(&self, seen: u64) -> Result<Arc<Vec<Jwk>>, String> {
        let mut state = self.refresh.lock().await;
        let (generation, keys) = self.current();
        if generation != seen {
            return Ok(keys);
        }
        if let Some(last) = state.last {
            if last.elapsed() < self.min_interval {
                return match &state.last_error {
                    Some(e) => Err(e.clone()),
                    None => Ok(keys),
                };
            }
        }
        state.last = Some(Instant::now());
        match self.source.fetch().await {
            Ok(fresh) => {
                state.last_error = None;
                self.store(fresh);
                Ok(self.current().1)
            }
            Err(e) => {
                state.last_error = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Verifies the signature of `jws` (go-oidc's `RemoteKeySet.verify`):
    /// the cached keys with its `kid` (or every key without one), then, if
    /// none verifies, once more after a refetch.
    async fn verify(&self, jws: &Jws) -> Result<(), VerifyError> {
        let matches = |keys: &[Jwk]| {
            keys.iter()
                .filter(|k| jws.kid.is_empty() || k.kid == jws.kid || self.is_file())
                .any(|k| k.verify(&jws.alg, &jws.signing_input, &jws.signature))
        };
        let (generation, keys) = self.current();
        if matches(&keys) {
            return Ok(());
        }
        let keys = self.refetch(generation).await.map_err(|e| {
            VerifyError::Unavailable(format!("failed to verify signature: fetching keys {e}"))
        })?;
        if matches(&keys) {
            return Ok(());
        }
        Err(VerifyError::Invalid(
            "failed to verify signature: failed to verify id token signature".into(),
        ))
    }

    /// Keys from a file are all tried, whatever the `kid` (go-oidc's
    /// `StaticKeySet`).
    fn is_file(&self) -> bool {
        matches!(self.source, KeySource::File { .. })
    }
}

/// A provider ready to verify tokens.
#[derive(Debug)]
pub(crate) struct Provider {
    pub(crate) cfg: ProviderConfig,
    /// The signing algorithms accepted.
    algorithms: Vec<String>,
    keys: KeySet,
}

impl Provider {
    /// Sets up a provider as Go's `processProviderConfig`: the key file, or
    /// discovery (which must succeed) and the key set (fetched now on a best
    /// effort basis: go-oidc fetches it at the first token).
    pub(crate) async fn start(cfg: ProviderConfig, min_interval: Duration) -> Result<Provider, String> {
        if !cfg.public_keys_file.is_empty() {
            let keys = KeySet::new(
                KeySource::File {
                    path: cfg.public_keys_file.clone(),
                },
                min_interval,
            );
            keys.load()
                .await
                .map_err(|e| format!("failed to load JWKS file {:?}: {e}", cfg.public_keys_file))?;
            let mut algorithms: Vec<String> = Vec::new();
            for k in keys.current().1.iter() {
                for a in k.algorithms() {
                    if !algorithms.iter().any(|x| x == a) {
                        algorithms.push(a.to_string());
                    }
                }
            }
            return Ok(Provider {
                cfg,
                algorithms,
                keys,
            });
        }
        let client = http_client(&cfg)?;
        let discovery = discover(&client, &cfg.issuer_url)
            .await
            .map_err(|e| format!("failed to create OIDC provider for {:?}: {e}", cfg.issuer_url))?;
        let keys = KeySet::new(
            KeySource::Remote {
                client,
                url: discovery.jwks_uri,
            },
            min_interval,
        );
        if let Err(e) = keys.load().await {
            tracing::warn!(issuer = %cfg.issuer_url, error = %e, "could not fetch the OIDC provider's keys; retrying at the first token");
        }
        Ok(Provider {
            cfg,
            algorithms: discovery.algorithms,
            keys,
        })
    }

    /// go-oidc's `Verify`: claims, issuer, audience, expiry, not-before,
    /// algorithm, then the signature.
    pub(crate) async fn verify(&self, jws: &Jws) -> Result<(), VerifyError> {
        let invalid = |m: String| Err(VerifyError::Invalid(m));
        let claims = match StandardClaims::read(&jws.claims) {
            Ok(c) => c,
            Err(e) => return invalid(format!("oidc: failed to unmarshal claims: {e}")),
        };
        if !self.cfg.ignore_issuer && claims.issuer != self.cfg.issuer_url {
            return invalid(format!(
                "oidc: id token issued by a different provider, expected {:?} got {:?}",
                self.cfg.issuer_url, claims.issuer
            ));
        }
        if !self.cfg.ignore_audience && !claims.audience.contains(&self.cfg.audience) {
            return invalid(format!(
                "oidc: expected audience {:?} got {}",
                self.cfg.audience,
                go_quoted_list(&claims.audience)
            ));
        }
        let now_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i128)
            .unwrap_or(0);
        // A missing exp is Go's zero time: expired.
        let expiry = claims.expiry.unwrap_or(-62_135_596_800);
        if i128::from(expiry) * 1000 < now_ms {
            return invalid(format!(
                "oidc: token is expired (Token Expiry: {})",
                go_time(expiry)
            ));
        }
        if let Some(nbf) = claims.not_before {
            if now_ms + (NBF_LEEWAY.as_millis() as i128) < i128::from(nbf) * 1000 {
                let now_s = i64::try_from(now_ms / 1000).unwrap_or(i64::MAX);
                return invalid(format!(
                    "oidc: current time {} before the nbf (not before) time: {}",
                    go_time(now_s),
                    go_time(nbf)
                ));
            }
        }
        if !self.algorithms.contains(&jws.alg) {
            return invalid(format!(
                "oidc: id token signed with unsupported algorithm, expected {} got {:?}",
                go_quoted_list(&self.algorithms),
                jws.alg
            ));
        }
        self.keys.verify(jws).await
    }
}

/// The HTTP client for a provider: `issuer_ca_path` as the CA, 5s timeout.
fn http_client(cfg: &ProviderConfig) -> Result<HttpsClient, String> {
    let tls = TlsClientConfig {
        ca_file: cfg.issuer_ca_path.clone(),
        ..Default::default()
    };
    let client = match HttpsClient::new(&tls) {
        Ok(c) => c,
        Err(e) if !cfg.issuer_ca_path.is_empty() => {
            return Err(format!(
                "could not read the CA file {:?}: {e}",
                cfg.issuer_ca_path
            ));
        }
        // No usable system roots: still fine for a plain http:// issuer.
        Err(e) => {
            let plain = TlsClientConfig {
                insecure: true,
                ..Default::default()
            };
            tracing::debug!(error = %e, "no system CA certificates; https issuers will be refused");
            HttpsClient::new(&plain).map_err(|e| e.to_string())?
        }
    };
    Ok(client
        .with_timeout(Some(HTTP_TIMEOUT))
        .with_max_response_size(MAX_DOCUMENT_SIZE))
}

/// What discovery gives.
#[derive(Debug)]
struct Discovery {
    jwks_uri: String,
    algorithms: Vec<String>,
}

/// go-oidc's `NewProvider`: fetch and check the discovery document.
async fn discover(client: &HttpsClient, issuer: &str) -> Result<Discovery, String> {
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let r = client
        .get(&url, &[("accept", "application/json")])
        .await
        .map_err(|e| e.to_string())?;
    if r.status != 200 {
        return Err(format!("{}: {}", r.status_text(), excerpt(&r.body_text())));
    }
    let doc: Map<String, Value> = serde_json::from_slice(&r.body)
        .map_err(|e| format!("oidc: failed to decode provider discovery object: {e}"))?;
    let text = |name: &str| -> Result<String, String> {
        match doc.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!(
                "oidc: failed to decode provider discovery object: {name} is not a string"
            )),
        }
    };
    let got_issuer = text("issuer")?;
    if got_issuer != issuer {
        return Err(format!(
            "oidc: issuer did not match the issuer returned by provider, expected {issuer:?} got {got_issuer:?}"
        ));
    }
    let jwks_uri = text("jwks_uri")?;
    if jwks_uri.is_empty() {
        return Err("oidc: the provider discovery object has no jwks_uri".into());
    }
    let mut algorithms: Vec<String> = doc
        .get("id_token_signing_alg_values_supported")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .filter(|s| SUPPORTED_ALGORITHMS.contains(s))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    if algorithms.is_empty() {
        algorithms.push("RS256".into());
    }
    Ok(Discovery { jwks_uri, algorithms })
}

/// The registered claims go-oidc reads, with its types.
#[derive(Debug)]
pub(crate) struct StandardClaims {
    pub(crate) issuer: String,
    pub(crate) subject: String,
    pub(crate) audience: Vec<String>,
    pub(crate) expiry: Option<i64>,
    pub(crate) not_before: Option<i64>,
}

impl StandardClaims {
    /// Reads `iss`, `sub` (strings), `aud` (a string or strings), `exp` and
    /// `nbf` (numbers, or numeric strings as Go's `json.Number`).
    pub(crate) fn read(claims: &Map<String, Value>) -> Result<StandardClaims, String> {
        let text = |name: &str| match claims.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(format!("claim {name:?} is not a string")),
        };
        let time = |name: &str| -> Result<Option<i64>, String> {
            let n = match claims.get(name) {
                None | Some(Value::Null) => return Ok(None),
                Some(Value::Number(n)) => n.clone(),
                Some(Value::String(s)) => s
                    .parse::<serde_json::Number>()
                    .map_err(|_| format!("claim {name:?} is not a number"))?,
                Some(_) => return Err(format!("claim {name:?} is not a number")),
            };
            let secs = n
                .as_i64()
                .or_else(|| n.as_f64().map(|f| f as i64))
                .ok_or_else(|| format!("claim {name:?} is not a number"))?;
            Ok(Some(secs))
        };
        let audience = match claims.get("aud") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| "claim \"aud\" is not a string or a list of strings".to_string())?,
            Some(_) => return Err("claim \"aud\" is not a string or a list of strings".into()),
        };
        Ok(StandardClaims {
            issuer: text("iss")?,
            subject: text("sub")?,
            audience,
            expiry: time("exp")?,
            not_before: time("nbf")?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    /// A JWKS endpoint answering `{"keys":[]}` and counting requests.
    async fn empty_jwks() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let hits = Arc::new(AtomicUsize::new(0));
        let h = Arc::clone(&hits);
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                h.fetch_add(1, Ordering::SeqCst);
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf).await;
                let body = r#"{"keys":[]}"#;
                let _ = s
                    .write_all(
                        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{body}", body.len()).as_bytes(),
                    )
                    .await;
                let _ = s.shutdown().await;
            }
        });
        (format!("http://{addr}/jwks"), hits)
    }

    fn jws(kid: &str) -> Jws {
        Jws {
            alg: "ES256".into(),
            kid: kid.into(),
            signing_input: b"a.b".to_vec(),
            signature: vec![0; 64],
            claims: Map::new(),
        }
    }

    #[tokio::test]
    async fn unknown_keys_refetch_at_most_once_per_interval() {
        let (url, hits) = empty_jwks().await;
        let client = HttpsClient::new(&TlsClientConfig::default()).unwrap();
        let set = KeySet::new(KeySource::Remote { client, url }, Duration::from_secs(3600));
        set.load().await.unwrap();
        assert_eq!(hits.load(Ordering::SeqCst), 1);
        // The first unknown kid refetches; the following ones within the
        // interval do not.
        for kid in ["a", "b", "c"] {
            let err = set.verify(&jws(kid)).await.unwrap_err();
            assert_eq!(
                err,
                VerifyError::Invalid(
                    "failed to verify signature: failed to verify id token signature".into()
                )
            );
        }
        assert_eq!(hits.load(Ordering::SeqCst), 2);
        // With no interval, every miss refetches.
        let (url, hits) = empty_jwks().await;
        let client = HttpsClient::new(&TlsClientConfig::default()).unwrap();
        let set = KeySet::new(KeySource::Remote { client, url }, Duration::ZERO);
        for kid in ["a", "b"] {
            assert!(set.verify(&jws(kid)).await.is_err());
        }
        assert_eq!(hits.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_refetch_is_remembered_within_the_interval() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/jwks", listener.local_addr().unwrap());
        drop(listener);
        let client = HttpsClient::new(&TlsClientConfig::default()).unwrap();
        let set = KeySet::new(KeySource::Remote { client, url }, Duration::from_secs(3600));
        for _ in 0..2 {
            match set.verify(&jws("a")).await.unwrap_err() {
                VerifyError::Unavailable(m) => {
                    assert!(
                        m.starts_with("failed to verify signature: fetching keys oidc: get keys failed"),
                        "{m}"
                    )
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn claims_types() {
        let m = |v: Value| v.as_object().unwrap().clone();
        let c = StandardClaims::read(&m(
            serde_json::json!({"iss":"i","sub":"s","aud":"a","exp":1.5,"nbf":"7"}),
        ))
        .unwrap();
        assert_eq!(
            (c.audience, c.expiry, c.not_before),
            (vec!["a".to_string()], Some(1), Some(7))
        );
        assert!(StandardClaims::read(&m(serde_json::json!({"aud":[1]}))).is_err());
        assert!(StandardClaims::read(&m(serde_json::json!({"sub":{}}))).is_err());
        assert!(StandardClaims::read(&m(serde_json::json!({"exp":"soon"}))).is_err());
        assert!(
            StandardClaims::read(&m(serde_json::json!({"exp":1e300})))
                .unwrap()
                .expiry
                .is_some()
        );
    }
}
