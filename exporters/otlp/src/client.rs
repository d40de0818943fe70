//! The gRPC client: one lazily connected channel shared by the three OTLP
//! services, and the classification of their answers.

use std::fmt;
use std::marker::PhantomData;
use std::sync::{Arc, PoisonError, RwLock};

use otelcol_configtls::rustls::ClientConfig;
use otelcol_configtls::rustls::pki_types::ServerName;
use otelcol_configtls::{ALPN_H2, TlsClientConfig, client_config_with_alpn};

use otelcol_component::{ConsumeError, Payload, Settings, async_trait};
use otelcol_configgrpc::Compression;
use otelcol_exporterhelper::Sender;
use otelcol_otlp_status::rpc::{RETRY_INFO_TYPE_URL, Status as RpcStatus};
use otelcol_otlp_status::status::is_retryable_grpc;
use prost::Message;
use tonic::codec::{Codec, CompressionEncoding, DecodeBuf, Decoder, EncodeBuf, Encoder};
use tonic::codegen::http::uri::PathAndQuery;
use tonic::metadata::{AsciiMetadataValue, BinaryMetadataValue, MetadataKey, MetadataMap};
use tonic::transport::{Channel, Endpoint};
use tonic::{Code, Status};

use crate::config::{OtlpExporterConfig, split_host_port};
use crate::tls::tls_connector;

/// Encodes a payload straight from its shared data (its received bytes when
/// nothing decoded it; no copy of the payload, even when the retry loop
/// still holds it) and decodes the response.
struct PayloadCodec<T>(PhantomData<fn() -> T>);
struct PayloadEncoder<T>(PhantomData<fn() -> T>);
struct ResponseDecoder<R>(PhantomData<fn() -> R>);

impl<T: Payload> Codec for PayloadCodec<T> {
    type Encode = T;
    type Decode = T::Response;
    type Encoder = PayloadEncoder<T>;
    type Decoder = ResponseDecoder<T::Response>;
    fn encoder(&mut self) -> Self::Encoder {
        PayloadEncoder(PhantomData)
    }
    fn decoder(&mut self) -> Self::Decoder {
        ResponseDecoder(PhantomData)
    }
}

impl<T: Payload> Encoder for PayloadEncoder<T> {
    type Item = T;
    type Error = Status;
    fn encode(&mut self, item: T, dst: &mut EncodeBuf<'_>) -> Result<(), Status> {
        // Encoded payloads are copied as they are; decoded ones are encoded.
        item.encode_into(dst);
        Ok(())
    }
}

impl<R: Message + Default> Decoder for ResponseDecoder<R> {
    type Item = R;
    type Error = Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<R>, Status> {
        R::decode(src)
            .map(Some)
            .map_err(|e| Status::internal(format!("decoding the response: {e}")))
    }
}

/// The shared client of one `otlp` exporter.
pub struct GrpcClient {
    endpoint: Endpoint,
    /// The TLS settings and the name to verify; their files are read at
    /// start (as Go reads them), not when the exporter is created, so
    /// `validate` reads no file.
    tls_settings: Option<(TlsClientConfig, ServerName<'static>)>,
    tls: std::sync::OnceLock<Arc<ClientConfig>>,
    channel: RwLock<Option<Channel>>,
    metadata: MetadataMap,
    compression: Option<CompressionEncoding>,
    /// `compression: snappy`: messages are compressed by [`SnappyChannel`]
    /// (tonic has no snappy codec).
    snappy: bool,
    /// `auth`: the client authenticator, found at start.
    pub(crate) auth: otelcol_component::auth::ClientAuthSlot,
}

impl fmt::Debug for GrpcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GrpcClient")
            .field("endpoint", self.endpoint.uri())
            .field("compression", &self.compression)
            .field("tls", &self.tls_settings.is_some())
            .finish_non_exhaustive()
    }
}

fn user_agent(set: &Settings) -> String {
    format!(
        "{}/{} ({}/{})",
        set.build_info.description,
        set.build_info.version,
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

impl GrpcClient {
    /// Uses `authenticator` for the config's `auth` (for a client created
    /// after start, such as a `loadbalancing` backend's).
    pub fn set_authenticator(&self, authenticator: Arc<dyn otelcol_component::auth::ClientAuthenticator>) {
        self.auth.set(authenticator);
    }

    /// Builds the client (no connection yet). Expects a validated config.
    pub fn new(set: &Settings, cfg: &OtlpExporterConfig) -> Result<Self, String> {
        let tls_settings = match cfg.tls_settings() {
            Some(t) => {
                let host = split_host_port(cfg.sanitized_endpoint()).map_or("", |(h, _)| h);
                let name = otelcol_configtls::server_name(host, &t.server_name_override)
                    .map_err(|e| e.into_config_error("tls").to_string())?;
                Some((t, name))
            }
            None => None,
        };
        let scheme = if tls_settings.is_some() { "https" } else { "http" };
        let uri = format!("{scheme}://{}", cfg.sanitized_endpoint());
        let mut endpoint = Endpoint::from_shared(uri).map_err(|e| format!("endpoint: {e}"))?;
        let ua = if cfg.user_agent.is_empty() {
            user_agent(set)
        } else {
            cfg.user_agent.clone()
        };
        endpoint = endpoint.user_agent(ua).map_err(|e| format!("user_agent: {e}"))?;
        if !cfg.authority.is_empty() {
            let origin = format!("{scheme}://{}", cfg.authority)
                .parse()
                .map_err(|e| format!("authority: {e}"))?;
            endpoint = endpoint.origin(origin);
        }
        if let Some(k) = &cfg.keepalive {
            endpoint = endpoint
                .http2_keep_alive_interval(k.time)
                .keep_alive_timeout(k.timeout)
                .keep_alive_while_idle(k.permit_without_stream);
        }
        let mut metadata = MetadataMap::new();
        for (k, v) in cfg.headers.iter() {
            let key = k.to_ascii_lowercase();
            if MetadataKey::<tonic::metadata::Ascii>::from_bytes(key.as_bytes()).is_err() {
                tracing::warn!(
                    "headers: {k:?} is not a valid gRPC metadata key and is not sent (the Go collector accepts it in config and fails every request that carries it)"
                );
                continue;
            }
            if key.ends_with("-bin") {
                let name =
                    MetadataKey::from_bytes(key.as_bytes()).map_err(|e| format!("headers::{k}: {e}"))?;
                metadata.insert_bin(name, BinaryMetadataValue::from_bytes(v.as_bytes()));
            } else {
                let name =
                    MetadataKey::from_bytes(key.as_bytes()).map_err(|e| format!("headers::{k}: {e}"))?;
                let value =
                    AsciiMetadataValue::try_from(v.as_str()).map_err(|e| format!("headers::{k}: {e}"))?;
                metadata.insert(name, value);
            }
        }
        let compression = match cfg.compression {
            Compression::Gzip => Some(CompressionEncoding::Gzip),
            Compression::Zstd => Some(CompressionEncoding::Zstd),
            _ => None,
        };
        Ok(GrpcClient {
            endpoint,
            tls_settings,
            tls: std::sync::OnceLock::new(),
            channel: RwLock::new(None),
            metadata,
            compression,
            snappy: cfg.compression == Compression::Snappy,
            auth: otelcol_component::auth::ClientAuthSlot::new(
                cfg.auth.as_ref().map(|a| a.authenticator.clone()),
            ),
        })
    }

    /// Reads the TLS files (once) and creates the lazily connected channel.
    /// Fails only on the TLS settings (a missing or bad certificate file);
    /// never waits for the backend (a backend that is down is a retryable
    /// send error).
    pub fn connect(&self) -> Result<(), String> {
        let tls = match &self.tls_settings {
            Some((settings, name)) => {
                let config = match self.tls.get() {
                    Some(c) => c.clone(),
                    None => {
                        let c = client_config_with_alpn(settings, &[ALPN_H2])
                            .map_err(|e| e.into_config_error("tls").to_string())?
                            .ok_or_else(|| "tls: no TLS configuration".to_string())?;
                        self.tls.get_or_init(|| c).clone()
                    }
                };
                Some((config, name.clone()))
            }
            None => None,
        };
        let mut ch = self.channel.write().unwrap_or_else(PoisonError::into_inner);
        if ch.is_none() {
            *ch = Some(match tls {
                Some((config, name)) => self
                    .endpoint
                    .connect_with_connector_lazy(tls_connector(config, name)),
                None => self.endpoint.connect_lazy(),
            });
        }
        Ok(())
    }

    /// Drops the channel, closing its connection once calls in flight end.
    pub fn close(&self) {
        self.channel
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
    }

    async fn export<T: Payload>(&self, data: T) -> Result<(), ConsumeError> {
        let channel = self
            .channel
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
            .ok_or_else(|| ConsumeError::retryable("the otlp exporter is not started"))?;
        if self.snappy {
            return self
                .call(tonic::client::Grpc::new(SnappyChannel(channel)), data)
                .await;
        }
        let mut grpc = tonic::client::Grpc::new(channel);
        if let Some(enc) = self.compression {
            grpc = grpc.send_compressed(enc).accept_compressed(enc);
        }
        self.call(grpc, data).await
    }

    async fn call<T: Payload, S>(&self, mut grpc: tonic::client::Grpc<S>, data: T) -> Result<(), ConsumeError>
    where
        S: tonic::client::GrpcService<tonic::body::Body>,
        S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
        S::ResponseBody: http_body::Body<Data = bytes::Bytes> + Send + 'static,
        <S::ResponseBody as http_body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        grpc.ready().await.map_err(|e| {
            let e: Box<dyn std::error::Error + Send + Sync> = e.into();
            ConsumeError::retryable(format!("gRPC channel not ready: {}", chain(e.as_ref())))
        })?;
        let extra = self.auth.headers(data.context()).await?;
        let mut req = tonic::Request::new(data);
        *req.metadata_mut() = self.metadata.clone();
        for (k, v) in extra {
            let key = MetadataKey::<tonic::metadata::Ascii>::from_bytes(k.as_bytes()).map_err(|_| {
                ConsumeError::permanent(format!("client authentication: {k:?} is not a gRPC metadata key"))
            })?;
            let value = AsciiMetadataValue::try_from(v.as_str()).map_err(|_| {
                ConsumeError::permanent(format!("client authentication: the value of {k:?} is not ASCII"))
            })?;
            req.metadata_mut().insert(key, value);
        }
        let path = PathAndQuery::from_static(T::GRPC_PATH);
        let resp = grpc
            .unary(req, path, PayloadCodec::<T>(PhantomData))
            .await
            .map_err(|s| classify(&s))?;
        match T::partial_success(resp.get_ref()) {
            Some(p) if !p.is_empty() => Err(ConsumeError::partially_rejected(
                u64::try_from(p.rejected).unwrap_or(0),
                p.error_message,
            )),
            _ => Ok(()),
        }
    }
}

/// A channel sending every message snappy-compressed (`grpc-encoding:
/// snappy`, as grpc-go's snappy codec that Go's `configgrpc` registers):
/// tonic frames the message uncompressed, and this rewrites the frames.
/// Answers are asked for uncompressed (no `grpc-accept-encoding`).
#[derive(Clone, Debug)]
struct SnappyChannel(Channel);

type BoxError = Box<dyn std::error::Error + Send + Sync>;

impl tower::Service<http::Request<tonic::body::Body>> for SnappyChannel {
    type Response = http::Response<tonic::body::Body>;
    type Error = BoxError;
    type Future =
        std::pin::Pin<Box<dyn std::future::Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut std::task::Context<'_>) -> std::task::Poll<Result<(), BoxError>> {
        tower::Service::poll_ready(&mut self.0, cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        // The ready channel is the one to call; the clone is left for the next call.
        let ready = self.0.clone();
        let mut inner = std::mem::replace(&mut self.0, ready);
        Box::pin(async move {
            use http_body_util::BodyExt;
            let (mut parts, body) = req.into_parts();
            let framed = body.collect().await?.to_bytes();
            let body = snappy_frames(&framed)?;
            parts
                .headers
                .insert("grpc-encoding", http::HeaderValue::from_static("snappy"));
            let req =
                http::Request::from_parts(parts, tonic::body::Body::new(http_body_util::Full::new(body)));
            tower::Service::call(&mut inner, req).await.map_err(Into::into)
        })
    }
}

/// Rewrites gRPC frames: every uncompressed message snappy-compressed (block format).
fn snappy_frames(framed: &[u8]) -> Result<bytes::Bytes, BoxError> {
    let mut out = Vec::with_capacity(framed.len() / 2 + 16);
    let mut rest = framed;
    while !rest.is_empty() {
        let [flag, a, b, c, d, ..] = *rest else {
            return Err("a truncated gRPC frame".into());
        };
        let len = u32::from_be_bytes([a, b, c, d]) as usize;
        let data = rest.get(5..5 + len).ok_or("a truncated gRPC frame")?;
        if flag != 0 {
            return Err("the message is already compressed".into());
        }
        let z = snap::raw::Encoder::new().compress_vec(data)?;
        out.push(1);
        out.extend_from_slice(&u32::try_from(z.len())?.to_be_bytes());
        out.extend_from_slice(&z);
        rest = &rest[5 + len..];
    }
    Ok(bytes::Bytes::from(out))
}

/// `e` and its sources, joined with `: `.
fn chain(e: &dyn std::error::Error) -> String {
    with_sources(e.to_string(), e)
}

/// `head` followed by the sources of `e` that it does not already say.
fn with_sources(head: String, e: &dyn std::error::Error) -> String {
    let mut out = head;
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        cur = s.source();
    }
    out
}

/// Classifies a failed call as the Go `otlp` exporter does: `Cancelled`,
/// `DeadlineExceeded`, `Aborted`, `OutOfRange`, `Unavailable`, `DataLoss`
/// and (only with `RetryInfo`) `ResourceExhausted` are retryable (as is a
/// transport failure under the call, which grpc-go calls `Unavailable`), with the
/// `RetryInfo` delay as retry-after; everything else is permanent.
pub fn classify(status: &Status) -> ConsumeError {
    // A connection that failed under the call (refused TLS handshake, reset)
    // reaches tonic as `Unknown` with the transport error as its source;
    // grpc-go reports it as `Unavailable`, which is retried.
    let code = match status.code() {
        Code::Unknown if std::error::Error::source(status).is_some() => Code::Unavailable,
        c => c,
    };
    let detail = RpcStatus::decode(status.details()).ok();
    let has_retry_info = detail
        .as_ref()
        .is_some_and(|d| d.details.iter().any(|a| a.type_url == RETRY_INFO_TYPE_URL));
    let delay = detail
        .as_ref()
        .and_then(RpcStatus::retry_delay)
        .filter(|d| !d.is_zero());
    let desc = with_sources(status.message().to_string(), status);
    let msg = format!("rpc error: code = {code:?} desc = {desc}");
    if !is_retryable_grpc(code, has_retry_info) {
        return if code == Code::InvalidArgument {
            ConsumeError::invalid_data(msg)
        } else {
            ConsumeError::permanent(msg)
        };
    }
    match delay {
        Some(d) => ConsumeError::retryable_after(msg, d),
        None => ConsumeError::retryable(msg),
    }
}

#[async_trait]
impl<T: Payload> Sender<T> for GrpcClient {
    async fn send(&self, data: T) -> Result<(), ConsumeError> {
        self.export(data).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn status(code: Code, delay: Option<Duration>) -> Status {
        let mut s = RpcStatus::new(code, "why");
        if let Some(d) = delay {
            s = s.with_retry_delay(d);
        }
        Status::with_details(code, "why", s.encode_to_vec().into())
    }

    #[test]
    fn classification_follows_go() {
        for code in [
            Code::Cancelled,
            Code::DeadlineExceeded,
            Code::Aborted,
            Code::OutOfRange,
            Code::Unavailable,
            Code::DataLoss,
        ] {
            assert!(classify(&status(code, None)).is_retryable(), "{code:?}");
        }
        for code in [
            Code::Unknown,
            Code::NotFound,
            Code::AlreadyExists,
            Code::PermissionDenied,
            Code::Unauthenticated,
            Code::FailedPrecondition,
            Code::Unimplemented,
            Code::Internal,
        ] {
            assert!(classify(&status(code, None)).is_permanent(), "{code:?}");
        }
        let bad = classify(&status(Code::InvalidArgument, None));
        assert_eq!(
            bad.kind(),
            &otelcol_component::ConsumeErrorKind::Permanent { invalid_data: true }
        );
        assert!(classify(&status(Code::ResourceExhausted, None)).is_permanent());
        let throttled = classify(&status(Code::ResourceExhausted, Some(Duration::from_secs(7))));
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(7)));
        let e = classify(&status(Code::Unavailable, Some(Duration::from_millis(1500))));
        assert_eq!(e.retry_after(), Some(Duration::from_millis(1500)));
        assert_eq!(e.message(), "rpc error: code = Unavailable desc = why");
        assert_eq!(classify(&Status::unavailable("down")).retry_after(), None);
        // A transport failure under the call is retried (grpc-go: Unavailable);
        // an `Unknown` answered by the server is not.
        let broken = Status::from_error(Box::new(std::io::Error::other("received fatal alert")));
        assert_eq!(broken.code(), Code::Unknown);
        let e = classify(&broken);
        assert!(e.is_retryable() && e.message().contains("fatal alert"), "{e}");
        assert!(classify(&Status::unknown("server said so")).is_permanent());
    }
}
