//! A test identity provider (discovery and JWKS over HTTP or HTTPS, on its
//! own thread so it outlives any test runtime) and token signers.

#![allow(clippy::unwrap_used, dead_code, unreachable_pub)] // test code

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use otelcol_configtls::testpki::TestPki;
use otelcol_configtls::{TlsServerConfig, accept, server_config};
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};
use serde_json::{Value, json};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

#[derive(Default)]
struct State {
    jwks: String,
    /// Overrides the discovery answer: status and body.
    discovery: Option<(u16, String)>,
    hits: BTreeMap<String, usize>,
}

/// The identity provider.
pub struct Idp {
    pub issuer: String,
    state: Arc<Mutex<State>>,
    pki: Option<TestPki>,
}

impl Idp {
    /// An IdP serving `signers`' keys; HTTPS with a fresh PKI when `tls`.
    pub fn start(tls: bool, signers: &[&Signer]) -> Idp {
        let std_listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        std_listener.set_nonblocking(true).unwrap();
        let port = std_listener.local_addr().unwrap().port();
        let issuer = if tls {
            format!("https://localhost:{port}")
        } else {
            format!("http://127.0.0.1:{port}")
        };
        let pki = tls.then(TestPki::new);
        let sc = pki.as_ref().map(|pki| {
            server_config(&TlsServerConfig {
                cert_file: pki.path("server.pem"),
                key_file: pki.path("server-key.pem"),
                ..Default::default()
            })
            .unwrap()
        });
        let state = Arc::new(Mutex::new(State::default()));
        let (st, iss) = (Arc::clone(&state), issuer.clone());
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(std_listener).unwrap();
                loop {
                    let Ok((tcp, _)) = listener.accept().await else {
                        continue;
                    };
                    let (st, iss, sc) = (Arc::clone(&st), iss.clone(), sc.clone());
                    tokio::spawn(async move {
                        match sc {
                            Some(sc) => {
                                if let Ok(tls) = accept(sc, tcp).await {
                                    serve(tls, &st, &iss).await;
                                }
                            }
                            None => serve(tcp, &st, &iss).await,
                        }
                    });
                }
            });
        });
        let idp = Idp { issuer, state, pki };
        idp.set_keys(signers);
        idp
    }

    /// Serves these keys from now on.
    pub fn set_keys(&self, signers: &[&Signer]) {
        let keys: Vec<Value> = signers.iter().map(|s| s.jwk()).collect();
        self.state.lock().unwrap().jwks = json!({ "keys": keys }).to_string();
    }

    /// Answers discovery with this status and body from now on.
    pub fn set_discovery(&self, status: u16, body: &str) {
        self.state.lock().unwrap().discovery = Some((status, body.to_string()));
    }

    /// Requests served for `path`.
    pub fn hits(&self, path: &str) -> usize {
        self.state.lock().unwrap().hits.get(path).copied().unwrap_or(0)
    }

    /// The CA file of an HTTPS IdP.
    pub fn ca(&self) -> String {
        self.pki.as_ref().unwrap().path("ca.pem")
    }

    /// The legacy single-provider config for audience `otelcol`.
    pub fn config(&self, extra: &str) -> String {
        let ca = match &self.pki {
            Some(_) => format!("issuer_ca_path: {}\n", self.ca()),
            None => String::new(),
        };
        format!("issuer_url: {}\naudience: otelcol\n{ca}{extra}", self.issuer)
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(mut s: S, state: &Mutex<State>, issuer: &str) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let path = text.split(' ').nth(1).unwrap_or("").to_string();
    let (status, body) = {
        let mut st = state.lock().unwrap();
        *st.hits.entry(path.clone()).or_default() += 1;
        match path.as_str() {
            "/.well-known/openid-configuration" => st.discovery.clone().unwrap_or_else(|| {
                (
                    200,
                    json!({
                        "issuer": issuer,
                        "jwks_uri": format!("{issuer}/jwks"),
                        "id_token_signing_alg_values_supported": ["RS256", "ES256", "EdDSA", "HS256"],
                    })
                    .to_string(),
                )
            }),
            "/jwks" => (200, st.jwks.clone()),
            _ => (404, "not found".to_string()),
        }
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(response.as_bytes()).await;
    let _ = s.shutdown().await;
}

/// A signing key.
pub enum Key {
    Es256(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Rs256(RsaKeyPair),
}

/// A key with its `kid`.
pub struct Signer {
    pub kid: String,
    pub key: Key,
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Signer {
    pub fn es256(kid: &str) -> Signer {
        let rng = SystemRandom::new();
        let alg = &signature::ECDSA_P256_SHA256_FIXED_SIGNING;
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng).unwrap();
        let key = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng).unwrap();
        Signer {
            kid: kid.into(),
            key: Key::Es256(key),
        }
    }

    pub fn ed25519(kid: &str) -> Signer {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let key = Ed25519KeyPair::from_pkcs8(pkcs8.as_ref()).unwrap();
        Signer {
            kid: kid.into(),
            key: Key::Ed25519(key),
        }
    }

    /// The fixed test RSA key (`tests/data/rsa-test-key.pem`).
    pub fn rs256(kid: &str) -> Signer {
        let pem = include_str!("../data/rsa-test-key.pem");
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let der = STANDARD.decode(body).unwrap();
        Signer {
            kid: kid.into(),
            key: Key::Rs256(RsaKeyPair::from_pkcs8(&der).unwrap()),
        }
    }

    pub fn alg(&self) -> &'static str {
        match self.key {
            Key::Es256(_) => "ES256",
            Key::Ed25519(_) => "EdDSA",
            Key::Rs256(_) => "RS256",
        }
    }

    pub fn jwk(&self) -> Value {
        match &self.key {
            Key::Es256(k) => {
                let p = k.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "kid": self.kid, "use": "sig", "x": b64(&p[1..33]), "y": b64(&p[33..65])})
            }
            Key::Ed25519(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "kid": self.kid, "alg": "EdDSA", "x": b64(k.public_key().as_ref())})
            }
            Key::Rs256(k) => {
                let c: signature::RsaPublicKeyComponents<Vec<u8>> = k.public().into();
                json!({"kty": "RSA", "kid": self.kid, "alg": "RS256", "n": b64(&c.n), "e": b64(&c.e)})
            }
        }
    }

    /// A compact JWS of `claims` with this key's `alg` and `kid`.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_with_header(&json!({"alg": self.alg(), "kid": self.kid, "typ": "JWT"}), claims)
    }

    pub fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(header.to_string().as_bytes()),
            b64(claims.to_string().as_bytes())
        );
        let rng = SystemRandom::new();
        let sig = match &self.key {
            Key::Es256(k) => k.sign(&rng, input.as_bytes()).unwrap().as_ref().to_vec(),
            Key::Ed25519(k) => k.sign(input.as_bytes()).as_ref().to_vec(),
            Key::Rs256(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &rng, input.as_bytes(), &mut sig)
                    .unwrap();
                sig
            }
        };
        format!("{input}.{}", b64(&sig))
    }
}

/// Unix seconds now.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Valid claims for `issuer`, audience `otelcol`, an hour to live.
pub fn claims(issuer: &str) -> Value {
    json!({
        "iss": issuer,
        "sub": "alice",
        "aud": ["otelcol", "other"],
        "exp": now() + 3600,
        "iat": now(),
        "email": "alice@example.com",
        "groups": ["admins", "devs"],
        "tenant": "acme",
    })
}
