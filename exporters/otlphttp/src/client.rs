//! The HTTP client: one connection pool shared by the three signals, request
//! encoding and compression, and the classification of responses.

use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use http::header::{AUTHORIZATION, CONTENT_ENCODING, CONTENT_TYPE, HOST, RETRY_AFTER, USER_AGENT};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Uri};
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use otelcol_component::{ConfigError, ConsumeError, Payload, Settings, Signal, async_trait};
use otelcol_confighttp::{Compression, UrlCredentials};
use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::{ALPN_H2, ALPN_HTTP11, TlsClientConfig, client_config_with_alpn};
use otelcol_exporterhelper::Sender;

use crate::config::{Encoding, OtlpHttpExporterConfig, signal_url};
use crate::connector::Connector;
use crate::response::{JSON, PROTOBUF, classify, error_message, media_type, partial_success};

/// The most of a response body that is read (as the Go exporter).
pub const MAX_RESPONSE_BYTES: usize = 64 * 1024;

/// Where one signal is sent: the URL without its userinfo (so that no
/// message quotes a password), and the `Authorization: Basic` value the
/// userinfo stood for, as Go's HTTP client sends it.
struct Target {
    url: Uri,
    basic_auth: Option<HeaderValue>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.url, f)
    }
}

impl Target {
    fn new(key: &str, url: Uri) -> Result<Self, ConfigError> {
        let creds = UrlCredentials::split(&url.to_string());
        let Some(auth) = creds.basic_auth else {
            return Ok(Target {
                url,
                basic_auth: None,
            });
        };
        let url = creds
            .url
            .parse()
            .map_err(|e| ConfigError::at(key, format!("{key} must be a valid URL: {e}")))?;
        let mut auth = HeaderValue::from_str(&auth).map_err(|_| {
            ConfigError::at(
                key,
                "the user name and password of the URL are not valid in a header",
            )
        })?;
        auth.set_sensitive(true);
        Ok(Target {
            url,
            basic_auth: Some(auth),
        })
    }
}

/// The shared client of one `otlphttp` exporter.
pub struct HttpClient {
    client: Client<Connector, Full<Bytes>>,
    /// The TLS settings and ALPN protocols, read at start (as Go reads
    /// them), not when the exporter is created, so `validate` reads no file.
    tls_settings: Option<(TlsClientConfig, &'static [&'static [u8]])>,
    tls: Arc<std::sync::OnceLock<Arc<ClientConfig>>>,
    traces_url: Option<Target>,
    metrics_url: Option<Target>,
    logs_url: Option<Target>,
    headers: HeaderMap,
    user_agent: HeaderValue,
    encoding: Encoding,
    compression: Compression,
    params: otelcol_confighttp::CompressionParams,
    /// `auth`: the client authenticator, found at start.
    pub(crate) auth: otelcol_component::auth::ClientAuthSlot,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("traces_url", &self.traces_url)
            .field("metrics_url", &self.metrics_url)
            .field("logs_url", &self.logs_url)
            .field("encoding", &self.encoding)
            .field("compression", &self.compression)
            .finish_non_exhaustive()
    }
}

impl HttpClient {
    /// Builds the client for `signals` (no connection yet). Fails when a
    /// signal has no URL.
    pub fn new(
        set: &Settings,
        cfg: &OtlpHttpExporterConfig,
        signals: &[Signal],
    ) -> Result<Self, ConfigError> {
        let url = |s: Signal| {
            signals
                .contains(&s)
                .then(|| signal_url(cfg, s.as_str()).and_then(|u| Target::new("endpoint", u)))
                .transpose()
        };
        let mut headers = HeaderMap::new();
        for (k, v) in cfg.headers.iter() {
            let Ok(name) = HeaderName::from_bytes(k.as_bytes()) else {
                tracing::warn!(
                    "headers: {k:?} is not a valid HTTP header name and is not sent (the Go collector accepts it in config and fails every request that carries it)"
                );
                continue;
            };
            let value = HeaderValue::from_str(v)
                .map_err(|e| ConfigError::at(format!("headers::{k}"), e.to_string()))?;
            headers.insert(name, value);
        }
        let ua = format!(
            "{}/{} ({}/{})",
            set.build_info.description,
            set.build_info.version,
            std::env::consts::OS,
            std::env::consts::ARCH
        );
        let user_agent =
            HeaderValue::from_str(&ua).map_err(|e| ConfigError::new(format!("user agent: {e}")))?;
        let mut builder = Client::builder(TokioExecutor::new());
        builder.pool_timer(TokioTimer::new());
        builder.pool_idle_timeout((!cfg.idle_conn_timeout.is_zero()).then_some(cfg.idle_conn_timeout));
        if cfg.disable_keep_alives {
            builder.pool_max_idle_per_host(0);
        } else if cfg.max_idle_conns_per_host > 0 {
            builder
                .pool_max_idle_per_host(usize::try_from(cfg.max_idle_conns_per_host).unwrap_or(usize::MAX));
        }
        let traces_url = url(Signal::Traces)?;
        let metrics_url = url(Signal::Metrics)?;
        let logs_url = url(Signal::Logs)?;
        let any_https = [&traces_url, &metrics_url, &logs_url]
            .into_iter()
            .flatten()
            .any(|t| t.url.scheme_str() == Some("https"));
        let tls_settings = cfg.tls_settings(any_https).map(|t| {
            let alpn: &'static [&'static [u8]] = if cfg.force_attempt_http2 {
                &[ALPN_H2, ALPN_HTTP11]
            } else {
                &[ALPN_HTTP11]
            };
            (t, alpn)
        });
        let tls = Arc::new(std::sync::OnceLock::new());
        let connector = Connector::new(tls.clone(), cfg.tls.server_name_override.clone());
        Ok(HttpClient {
            client: builder.build(connector),
            tls_settings,
            tls,
            traces_url,
            metrics_url,
            logs_url,
            headers,
            user_agent,
            encoding: cfg.encoding,
            compression: cfg.compression,
            params: cfg.compression_params,
            auth: otelcol_component::auth::ClientAuthSlot::new(
                cfg.auth.as_ref().map(|a| a.authenticator.clone()),
            ),
        })
    }

    /// Reads the TLS files (once); called when the exporter starts.
    pub fn load_tls(&self) -> Result<(), ConfigError> {
        let Some((settings, alpn)) = &self.tls_settings else {
            return Ok(());
        };
        if self.tls.get().is_none() {
            if let Some(c) =
                client_config_with_alpn(settings, alpn).map_err(|e| e.into_config_error("tls"))?
            {
                let _ = self.tls.set(c);
            }
        }
        Ok(())
    }

    fn url(&self, signal: Signal) -> Option<&Target> {
        match signal {
            Signal::Traces => self.traces_url.as_ref(),
            Signal::Metrics => self.metrics_url.as_ref(),
            Signal::Logs => self.logs_url.as_ref(),
        }
    }

    fn compress(
        &self,
        body: Vec<u8>,
    ) -> Result<(Vec<u8>, Option<&'static str>), otelcol_configcompression::CompressError> {
        if !self.compression.is_compressed() {
            return Ok((body, None));
        }
        let out = otelcol_configcompression::compress(self.compression, self.params, &body)?;
        Ok((out, Some(self.compression.as_str())))
    }

    fn request(
        &self,
        target: &Target,
        body: Vec<u8>,
        auth: Vec<(String, String)>,
    ) -> Result<Request<Full<Bytes>>, ConsumeError> {
        let (body, encoding) = self
            .compress(body)
            .map_err(|e| ConsumeError::permanent(format!("compressing the request: {e}")))?;
        let content_type = match self.encoding {
            Encoding::Proto => PROTOBUF,
            Encoding::Json => JSON,
        };
        let mut req = Request::post(target.url.clone())
            .header(CONTENT_TYPE, content_type)
            .header(USER_AGENT, self.user_agent.clone())
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| ConsumeError::permanent(format!("building the request: {e}")))?;
        if let Some(enc) = encoding {
            req.headers_mut()
                .insert(CONTENT_ENCODING, HeaderValue::from_static(enc));
        }
        if let Some(auth) = &target.basic_auth {
            // Configured headers win, as in Go (its client sets basic auth
            // only when no Authorization header is set).
            if !self.headers.contains_key(AUTHORIZATION) {
                req.headers_mut().insert(AUTHORIZATION, auth.clone());
            }
        }
        for (k, v) in &self.headers {
            req.headers_mut().insert(k.clone(), v.clone());
        }
        if let Some(host) = self.headers.get(HOST) {
            req.headers_mut().insert(HOST, host.clone());
        }
        for (k, v) in auth {
            let name = http::header::HeaderName::from_bytes(k.as_bytes()).map_err(|_| {
                ConsumeError::permanent(format!("client authentication: {k:?} is not a header name"))
            })?;
            let mut value = HeaderValue::from_str(&v).map_err(|_| {
                ConsumeError::permanent(format!(
                    "client authentication: the value of {k:?} is not a header value"
                ))
            })?;
            value.set_sensitive(true);
            req.headers_mut().insert(name, value);
        }
        Ok(req)
    }

    async fn export<T: Payload>(&self, data: T) -> Result<(), ConsumeError> {
        let target = self
            .url(T::SIGNAL)
            .ok_or_else(|| ConsumeError::permanent(format!("no URL for {}", T::SIGNAL)))?;
        let url = &target.url;
        let auth = self.auth.headers(data.context()).await?;
        let body = match self.encoding {
            Encoding::Proto => data.encode_to_vec(),
            Encoding::Json => data.to_json(),
        };
        drop(data);
        let req = self.request(target, body, auth)?;
        let resp =
            self.client.request(req).await.map_err(|e| {
                ConsumeError::retryable(format!("failed to make an HTTP request: {}", chain(&e)))
            })?;
        let status = resp.status();
        let content_type = media_type(resp.headers());
        let retry_after = resp.headers().get(RETRY_AFTER).cloned();
        let body = Limited::new(resp.into_body(), MAX_RESPONSE_BYTES)
            .collect()
            .await
            .map(|c| c.to_bytes());
        if status.is_success() {
            let body = body.map_err(|e| {
                ConsumeError::permanent(format!(
                    "reading the {status} response from {url}: {e}; the data is not sent again"
                ))
            })?;
            return match partial_success::<T>(&content_type, &body) {
                Ok(None) => Ok(()),
                Ok(Some((rejected, msg))) => Err(ConsumeError::partially_rejected(rejected, msg)),
                Err(e) => Err(ConsumeError::permanent(format!(
                    "{e} (response from {url}); the data is not sent again"
                ))),
            };
        }
        let detail = body.ok().and_then(|b| error_message(&content_type, &b));
        let msg = match detail {
            Some(m) => format!(
                "error exporting items, request to {url} responded with HTTP Status Code {}, Message={m}",
                status.as_u16()
            ),
            None => format!(
                "error exporting items, request to {url} responded with HTTP Status Code {}",
                status.as_u16()
            ),
        };
        Err(classify(status, retry_after.as_ref(), msg))
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        out.push_str(": ");
        out.push_str(&s.to_string());
        cur = s.source();
    }
    out
}

#[async_trait]
impl<T: Payload> Sender<T> for HttpClient {
    async fn send(&self, data: T) -> Result<(), ConsumeError> {
        self.export(data).await
    }
}
