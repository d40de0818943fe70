//! The extension against a local token endpoint (plain HTTP and HTTPS):
//! fetch, reuse, refresh after expiry, auth style detection, errors.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use otelcol_component::auth::{AuthError, ClientAuthenticator};
use otelcol_component::{ComponentConfig, ExtensionFactory, Kind, RequestContext};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_configtls::testpki::TestPki;
use otelcol_configtls::{TlsServerConfig, accept, server_config};
use otelcol_extension_oauth2client::{Config, factory};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;

const SECRET: &str = "s3cr3t value";

/// What the endpoint answers to request number `n` (from 1) with this text.
type Handler = dyn Fn(usize, &str) -> (u16, String) + Send + Sync;

/// A token endpoint counting its calls and keeping the requests.
struct Endpoint {
    url: String,
    calls: Arc<AtomicUsize>,
    requests: Arc<Mutex<Vec<String>>>,
    _pki: Option<TestPki>,
}

impl Endpoint {
    async fn start(tls: bool, handler: Arc<Handler>) -> Endpoint {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let calls = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let pki = tls.then(TestPki::new);
        let sc = pki.as_ref().map(|pki| {
            server_config(&TlsServerConfig {
                cert_file: pki.path("server.pem"),
                key_file: pki.path("server-key.pem"),
                ..Default::default()
            })
            .unwrap()
        });
        let (c, r) = (Arc::clone(&calls), Arc::clone(&requests));
        tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let (c, r, h, sc) = (Arc::clone(&c), Arc::clone(&r), Arc::clone(&handler), sc.clone());
                tokio::spawn(async move {
                    match sc {
                        Some(sc) => {
                            if let Ok(tls) = accept(sc, tcp).await {
                                serve(tls, &c, &r, &*h).await;
                            }
                        }
                        None => serve(tcp, &c, &r, &*h).await,
                    }
                });
            }
        });
        let scheme = if tls {
            "https://localhost"
        } else {
            "http://127.0.0.1"
        };
        Endpoint {
            url: format!("{scheme}:{port}/oauth2/token"),
            calls,
            requests,
            _pki: pki,
        }
    }

    fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    fn request(&self, i: usize) -> String {
        self.requests.lock().unwrap()[i].clone()
    }

    fn ca(&self) -> String {
        self._pki.as_ref().unwrap().path("ca.pem")
    }
}

async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    calls: &AtomicUsize,
    requests: &Mutex<Vec<String>>,
    handler: &Handler,
) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = s.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).to_string();
        if let Some(end) = text.find("\r\n\r\n") {
            let len = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + len {
                break;
            }
        }
    }
    let text = String::from_utf8_lossy(&buf).to_string();
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    requests.lock().unwrap().push(text.clone());
    let (status, body) = handler(n, &text);
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = s.write_all(response.as_bytes()).await;
    let _ = s.shutdown().await;
}

fn token(n: usize, expires_in: u64) -> (u16, String) {
    (
        200,
        format!(r#"{{"access_token":"tok-{n}","token_type":"bearer","expires_in":{expires_in}}}"#),
    )
}

fn client(yaml: &str) -> Arc<dyn ClientAuthenticator> {
    let cfg: Config = parse_config(yaml).unwrap();
    cfg.validate().unwrap();
    let ext = factory()
        .create(&nop_settings("oauth2client", Kind::Extension), &cfg)
        .unwrap();
    ext.client_authenticator().expect("a client authenticator")
}

fn base_yaml(url: &str) -> String {
    format!(
        "client_id: my-client\nclient_secret: {SECRET:?}\ntoken_url: {url}\nscopes: [api.metrics, api.logs]\nendpoint_params:\n  audience: someaudience\ntimeout: 10s\n"
    )
}

async fn authorization(c: &Arc<dyn ClientAuthenticator>) -> Result<String, AuthError> {
    let h = c.headers(&RequestContext::default()).await?;
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].0, "authorization");
    Ok(h[0].1.clone())
}

#[tokio::test]
async fn first_call_fetches_the_next_reuses() {
    let ep = Endpoint::start(false, Arc::new(|n, _: &str| token(n, 3600))).await;
    let c = client(&base_yaml(&ep.url));
    assert_eq!(ep.calls(), 0, "no fetch before the first request");
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-1");
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-1");
    assert_eq!(ep.calls(), 1);
    let req = ep.request(0);
    assert!(req.starts_with("POST /oauth2/token HTTP/1.1\r\n"), "{req}");
    // Basic auth first (Go's auto-detect), id and secret query-escaped.
    let basic = base64_of("my-client:s3cr3t+value");
    assert!(
        req.to_ascii_lowercase()
            .contains(&format!("authorization: basic {}", basic.to_ascii_lowercase())),
        "{req}"
    );
    assert!(
        req.ends_with(
            "\r\n\r\naudience=someaudience&grant_type=client_credentials&scope=api.metrics+api.logs"
        ),
        "{req}"
    );
}

#[tokio::test]
async fn an_expired_token_is_refreshed() {
    let ep = Endpoint::start(false, Arc::new(|n, _: &str| token(n, 1))).await;
    let c = client(&format!("{}expiry_buffer: 1ms\n", base_yaml(&ep.url)));
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-1");
    // The token lives one second: a later call gets a new one.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let h = authorization(&c).await.unwrap();
        if h == "Bearer tok-2" {
            break;
        }
        assert_eq!(h, "Bearer tok-1");
        assert!(Instant::now() < deadline, "never refreshed");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ep.calls(), 2);
}

#[tokio::test]
async fn the_expiry_buffer_refreshes_early() {
    // A 60s token with the default 5m buffer is stale as soon as it arrives.
    let ep = Endpoint::start(false, Arc::new(|n, _: &str| token(n, 60))).await;
    let c = client(&base_yaml(&ep.url));
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-1");
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-2");
    assert_eq!(ep.calls(), 2);
}

#[tokio::test]
async fn credentials_move_to_the_form_when_basic_auth_is_refused() {
    let ep = Endpoint::start(
        false,
        Arc::new(|n, req: &str| {
            if req.to_ascii_lowercase().contains("authorization: basic") {
                (401, r#"{"error":"invalid_client"}"#.to_string())
            } else {
                token(n, 60)
            }
        }),
    )
    .await;
    let c = client(&base_yaml(&ep.url));
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-2");
    assert_eq!(ep.calls(), 2);
    let form = ep.request(1);
    assert!(
        form.contains("client_id=my-client&client_secret=s3cr3t+value"),
        "{form}"
    );
    // The style that worked is kept: one request per refresh from now on.
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-3");
    assert_eq!(ep.calls(), 3);
}

#[tokio::test]
async fn endpoint_errors_carry_its_message_but_never_the_secret() {
    let ep = Endpoint::start(
        false,
        Arc::new(|_, _: &str| {
            (
                400,
                format!(r#"{{"error":"invalid_client","error_description":"bad secret {SECRET}"}}"#),
            )
        }),
    )
    .await;
    let c = client(&base_yaml(&ep.url));
    let err = authorization(&c).await.unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with("failed to get security token from token endpoint (endpoint "),
        "{text}"
    );
    assert!(text.contains("\"invalid_client\""), "{text}");
    assert!(text.contains("bad secret [REDACTED]"), "{text}");
    assert!(!text.contains("s3cr3t"), "{text}");
    assert_eq!(ep.calls(), 2, "basic auth, then form fields");

    // A body without an OAuth error: status and body.
    let ep = Endpoint::start(false, Arc::new(|_, _: &str| (503, "down".to_string()))).await;
    let text = authorization(&client(&base_yaml(&ep.url)))
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("503 Service Unavailable\nResponse: down"), "{text}");
    // A success without a token.
    let ep = Endpoint::start(false, Arc::new(|_, _: &str| (200, "{}".to_string()))).await;
    let text = authorization(&client(&base_yaml(&ep.url)))
        .await
        .unwrap_err()
        .to_string();
    assert!(text.contains("server response missing access_token"), "{text}");
    // Unreachable endpoint, with a password in its URL.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let c = client(&base_yaml(&format!("http://u:pw@127.0.0.1:{port}/t")));
    let err = authorization(&c).await.unwrap_err();
    assert!(matches!(err, AuthError::Unavailable(_)));
    let text = err.to_string();
    assert!(text.contains("u:[REDACTED]@") && !text.contains("pw@"), "{text}");
}

#[tokio::test]
async fn https_endpoint_with_a_private_ca_and_a_secret_file() {
    let ep = Endpoint::start(true, Arc::new(|n, _: &str| token(n, 3600))).await;
    let dir = tempfile::tempdir().unwrap();
    let secret_file = dir.path().join("secret");
    std::fs::write(&secret_file, format!("  {SECRET}\n")).unwrap();
    let yaml = format!(
        "client_id: my-client\nclient_secret_file: {}\ntoken_url: {}\ntls:\n  ca_file: {}\n",
        secret_file.display(),
        ep.url,
        ep.ca()
    );
    let c = client(&yaml);
    assert_eq!(authorization(&c).await.unwrap(), "Bearer tok-1");
    assert!(ep.request(0).contains(&base64_of("my-client:s3cr3t+value")));
    // Without the CA, the handshake fails.
    let c = client(&format!(
        "client_id: a\nclient_secret: b\ntoken_url: {}\n",
        ep.url
    ));
    assert!(authorization(&c).await.is_err());
    // A missing secret file is Go's error.
    let c = client(&format!(
        "client_id: a\nclient_secret_file: {}/missing\ntoken_url: {}\n",
        dir.path().display(),
        ep.url
    ));
    let text = authorization(&c).await.unwrap_err().to_string();
    assert!(text.contains("no ClientSecret provided in OAuth Client Credentials configuration; failed to read credentials file"), "{text}");
}

#[tokio::test]
async fn secrets_stay_out_of_debug_and_config_errors() {
    let cfg: Config = parse_config(&base_yaml("http://127.0.0.1:9/t")).unwrap();
    assert!(!format!("{cfg:?}").contains("s3cr3t"));
    let ext = factory()
        .create(&nop_settings("oauth2client", Kind::Extension), &cfg)
        .unwrap();
    assert!(!format!("{ext:?}").contains("s3cr3t"));
    ext.start(NopHost::new()).await.unwrap();
    ext.shutdown().await.unwrap();
    let err = |yaml: &str| parse_config::<Config>(yaml).unwrap_err();
    assert_eq!(
        err("client_secret: x\ntoken_url: http://h/"),
        "no ClientID provided in the OAuth2 exporter configuration"
    );
    assert_eq!(
        err("client_id: x\ntoken_url: http://h/"),
        "no ClientSecret provided in OAuth Client Credentials configuration"
    );
    assert_eq!(
        err("client_id: x\nclient_secret: y"),
        "no TokenURL provided in OAuth Client Credentials configuration"
    );
    assert!(err("client_id: x\nclient_secret: y\ntoken_url: http://h/\ngrant_type: urn:ietf:params:oauth:grant-type:jwt-bearer").starts_with("grant_type: "));
    assert!(
        err("client_id: x\nclient_secret: y\ntoken_url: http://h/\nscopes: [a]\nendpoint_params: {scope: b}")
            .contains("cannot overwrite parameter")
    );
    assert!(
        parse_config::<Config>("client_certificate_key: k")
            .unwrap_err()
            .contains("client_certificate_key")
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
