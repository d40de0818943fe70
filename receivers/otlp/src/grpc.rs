//! The OTLP/gRPC server (tonic's services and codec on hyper's HTTP/2 server): the three
//! collector services over one listener.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures::future::BoxFuture;
use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use otelcol_component::AdmissionSet;
use otelcol_configtls::rustls::ServerConfig;
use otelcol_httpserver::conn::{Activity, ConnectionGate, accept_loop, drive};
use prost::Message;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf, Encoder,
};
use tonic::service::Routes;
use tonic::transport::server::TcpConnectInfo;
use tower::ServiceExt;

use crate::config::GrpcServerConfig;
use crate::export::{ExportFailure, PayloadError, Pipelines, SignalPipeline, client_info};
use crate::grpc_admission::{AdmissionLayer, AdmittedHandle};
use otelcol_component::Payload;

/// grpc-go's server keepalive defaults, used when the config says 0.
const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs one export over gRPC: the message checked and kept encoded, client
/// info from the request, the pipeline's outcome as a response or a status.
/// Admission (the memory limiter) has happened before, in [`AdmissionLayer`].
async fn export<T: Payload>(
    pipeline: &SignalPipeline<T>,
    request: tonic::Request<Bytes>,
) -> Result<tonic::Response<T::Response>, tonic::Status> {
    let addr = request.remote_addr();
    let (metadata, extensions, message) = request.into_parts();
    // With `auth`, the credentials first: nothing of a refused request is
    // decoded or reaches a pipeline.
    let headers = metadata.into_headers();
    let auth = pipeline
        .authenticate(&headers, None)
        .await
        .map_err(tonic::Status::unauthenticated)?;
    // The message is complete: the body's admission is given back (it is in
    // memory now), and decoding asks the gates for what it allocates.
    let gates = match extensions.get::<AdmittedHandle>() {
        Some(handle) => handle.complete(),
        None => Arc::default(),
    };
    let payload = pipeline.payload(message, &gates).map_err(|e| match e {
        // grpc-go and tonic answer a message that does not decode with INTERNAL.
        PayloadError::Invalid(e) => {
            tracing::debug!(signal = %T::SIGNAL, error = %e, "failed to decode an OTLP/gRPC request");
            tonic::Status::internal(e)
        }
        PayloadError::Refused(e) => {
            tracing::debug!(signal = %T::SIGNAL, error = %e, "OTLP/gRPC request refused before decoding");
            to_status(&ExportFailure::from_consume(&e))
        }
    })?;
    let mut client = if pipeline.include_metadata() {
        client_info(addr, Some(&headers))
    } else {
        client_info(addr, None)
    };
    if let Some(auth) = auth {
        client = client.with_auth(auth);
    }
    pipeline
        .export(payload, client)
        .await
        .map(tonic::Response::new)
        .map_err(|f| to_status(&f))
}

/// A failure as a tonic status; a retry delay travels as `RetryInfo` in
/// `grpc-status-details-bin`.
pub(crate) fn to_status(f: &ExportFailure) -> tonic::Status {
    match f.retry_after {
        Some(_) => tonic::Status::with_details(
            f.code,
            f.message.clone(),
            f.to_rpc_status().encode_to_vec().into(),
        ),
        None => tonic::Status::new(f.code, f.message.clone()),
    }
}

/// The codec of an export call: the request message as its raw protobuf
/// bytes (a zero-copy slice of the received frame), the response encoded by
/// prost.
struct RawCodec<R>(PhantomData<fn() -> R>);
struct RawDecoder;
struct ResponseEncoder<R>(PhantomData<fn() -> R>);

impl<R: Message + Send + 'static> Codec for RawCodec<R> {
    type Encode = R;
    type Decode = Bytes;
    type Encoder = ResponseEncoder<R>;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> Self::Encoder {
        ResponseEncoder(PhantomData)
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawDecoder
    }
}

impl Decoder for RawDecoder {
    type Item = Bytes;
    type Error = tonic::Status;
    fn decode(&mut self, src: &mut DecodeBuf<'_>) -> Result<Option<Bytes>, tonic::Status> {
        let len = src.remaining();
        Ok(Some(src.copy_to_bytes(len)))
    }
}

impl<R: Message> Encoder for ResponseEncoder<R> {
    type Item = R;
    type Error = tonic::Status;
    fn encode(&mut self, item: R, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(format!("encoding the response: {e}")))
    }
}

/// One signal's OTLP/gRPC service (`opentelemetry.proto.collector.*.v1.*Service`).
struct ExportService<T: Payload> {
    pipeline: Arc<SignalPipeline<T>>,
    max_message_size: usize,
}

impl<T: Payload> Clone for ExportService<T> {
    fn clone(&self) -> Self {
        ExportService {
            pipeline: self.pipeline.clone(),
            max_message_size: self.max_message_size,
        }
    }
}

impl<T: Payload> tonic::server::NamedService for ExportService<T> {
    const NAME: &'static str = T::GRPC_SERVICE;
}

/// The `Export` method of one service.
struct ExportMethod<T: Payload>(Arc<SignalPipeline<T>>);

impl<T: Payload> tonic::server::UnaryService<Bytes> for ExportMethod<T> {
    type Response = T::Response;
    type Future = BoxFuture<'static, Result<tonic::Response<T::Response>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let pipeline = self.0.clone();
        Box::pin(async move { export(&pipeline, request).await })
    }
}

impl<T: Payload, B> tower::Service<http::Request<B>> for ExportService<T>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        if req.uri().path() != T::GRPC_PATH {
            return Box::pin(async {
                let mut resp = http::Response::new(tonic::body::Body::default());
                let headers = resp.headers_mut();
                headers.insert(
                    "grpc-status",
                    http::HeaderValue::from(tonic::Code::Unimplemented as i32),
                );
                headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/grpc"),
                );
                Ok(resp)
            });
        }
        let pipeline = self.pipeline.clone();
        let limit = self.max_message_size;
        let deadline = req.headers().get("grpc-timeout").and_then(grpc_timeout);
        let snappy = req
            .headers()
            .get("grpc-encoding")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"snappy"));
        Box::pin(async move {
            if !snappy {
                return Ok(unary(pipeline, limit, deadline, req).await);
            }
            // tonic knows gzip, zstd and deflate; Go's clients also send
            // snappy: its frames are decompressed here, then served as
            // uncompressed messages.
            let (mut parts, body) = req.into_parts();
            parts.headers.remove("grpc-encoding");
            match unsnappy(body, limit).await {
                Ok(body) => {
                    let req = http::Request::from_parts(parts, http_body_util::Full::new(body));
                    Ok(unary(pipeline, limit, deadline, req).await)
                }
                Err(status) => Ok(status.into_http()),
            }
        })
    }
}

/// Serves one unary `Export` call of `req` (its body in gRPC framing).
async fn unary<T: Payload, B>(
    pipeline: Arc<SignalPipeline<T>>,
    limit: usize,
    deadline: Option<Duration>,
    req: http::Request<B>,
) -> http::Response<tonic::body::Body>
where
    B: http_body::Body + Send + 'static,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    // gRPC compressions tonic decodes (and answers in, when the client
    // accepts them): gzip and zstd; snappy is unwrapped before.
    let mut codecs = EnabledCompressionEncodings::default();
    codecs.enable(CompressionEncoding::Gzip);
    codecs.enable(CompressionEncoding::Zstd);
    let mut grpc = tonic::server::Grpc::new(RawCodec::<T::Response>(PhantomData))
        .apply_compression_config(codecs, codecs)
        .apply_max_message_size_config(Some(limit), None);
    let call = grpc.unary(ExportMethod(pipeline), req);
    let Some(deadline) = deadline else {
        return call.await;
    };
    // The client's deadline, as grpc-go (and tonic's own server) apply it.
    tokio::time::timeout(deadline, call)
        .await
        .unwrap_or_else(|_| tonic::Status::deadline_exceeded("Timeout expired").into_http())
}

/// Reads a `grpc-encoding: snappy` body (at most `limit` bytes of frames)
/// and returns its frames with every compressed message decompressed
/// (each at most `limit` bytes, as grpc-go bounds them).
async fn unsnappy<B>(body: B, limit: usize) -> Result<Bytes, tonic::Status>
where
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>> + Send + 'static,
{
    use http_body_util::BodyExt;
    let too_large = || {
        tonic::Status::resource_exhausted(format!("grpc: received message larger than max ({limit} bytes)"))
    };
    let read = http_body_util::Limited::new(body, limit.saturating_add(5))
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<http_body_util::LengthLimitError>().is_some() {
                too_large()
            } else {
                tonic::Status::internal(format!("reading the request: {e}"))
            }
        })?
        .to_bytes();
    let mut out = Vec::with_capacity(read.len());
    let mut rest = &read[..];
    while !rest.is_empty() {
        let [flag, a, b, c, d, ..] = *rest else {
            return Err(tonic::Status::internal("grpc: truncated message frame"));
        };
        let len = u32::from_be_bytes([a, b, c, d]) as usize;
        let Some(data) = rest.get(5..5 + len) else {
            return Err(tonic::Status::internal("grpc: truncated message frame"));
        };
        let message = match flag {
            0 => data.to_vec(),
            1 => otelcol_configcompression::decompress(
                otelcol_configcompression::CompressionType::Snappy,
                data,
                limit,
            )
            .map_err(|e| match e {
                otelcol_configcompression::DecompressError::TooLarge { .. } => too_large(),
                e => tonic::Status::internal(format!("grpc: failed to decompress the received message: {e}")),
            })?,
            f => {
                return Err(tonic::Status::internal(format!(
                    "grpc: invalid message frame flag {f}"
                )));
            }
        };
        let n = u32::try_from(message.len()).map_err(|_| too_large())?;
        out.push(0);
        out.extend_from_slice(&n.to_be_bytes());
        out.extend_from_slice(&message);
        rest = &rest[5 + len..];
    }
    Ok(Bytes::from(out))
}

/// A `grpc-timeout` header (`<up to 8 digits><H|M|S|m|u|n>`) as a duration.
fn grpc_timeout(v: &http::HeaderValue) -> Option<Duration> {
    let v = v.to_str().ok()?;
    let (digits, unit) = v.split_at(v.len().checked_sub(1)?);
    if digits.is_empty() || digits.len() > 8 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    Some(match unit {
        "H" => Duration::from_secs(n.saturating_mul(3600)),
        "M" => Duration::from_secs(n.saturating_mul(60)),
        "S" => Duration::from_secs(n),
        "m" => Duration::from_millis(n),
        "u" => Duration::from_micros(n),
        "n" => Duration::from_nanos(n),
        _ => return None,
    })
}

/// tonic answers a message over the receive limit with `OUT_OF_RANGE`, which
/// OTLP clients retry; grpc-go (and the OTLP spec) say `RESOURCE_EXHAUSTED`,
/// which they do not. The services never return `OUT_OF_RANGE` themselves, so
/// every trailers-only `OUT_OF_RANGE` is that limit and is rewritten.
fn resource_exhausted_on_limit(
    mut resp: http::Response<tonic::body::Body>,
) -> http::Response<tonic::body::Body> {
    const GRPC_STATUS: &str = "grpc-status";
    if resp
        .headers()
        .get(GRPC_STATUS)
        .is_some_and(|v| v.as_bytes() == b"11")
    {
        resp.headers_mut()
            .insert(GRPC_STATUS, http::HeaderValue::from_static("8"));
    }
    resp
}

/// Serves gRPC on `listener` (over TLS when `tls` is set) until `shutdown` is cancelled, then lets
/// in-flight calls finish. A signal without a consumer is not registered, so
/// its calls get `UNIMPLEMENTED`. Each connection is served by hyper's HTTP/2
/// server under the connection watchdog (first RPC, `max_connection_idle`,
/// `max_connection_age`), at most `max_connections` at a time.
pub(crate) async fn serve(
    cfg: &GrpcServerConfig,
    pipelines: Pipelines,
    gates: Arc<AdmissionSet>,
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    shutdown: CancellationToken,
) {
    let limit = cfg.max_recv_msg_size();
    fn service<T: Payload>(p: Option<Arc<SignalPipeline<T>>>, limit: usize) -> Option<ExportService<T>> {
        p.map(|pipeline| ExportService {
            pipeline,
            max_message_size: limit,
        })
    }
    let mut routes = Routes::default();
    if let Some(s) = service(pipelines.traces, limit) {
        routes = routes.add_service(s);
    }
    if let Some(s) = service(pipelines.metrics, limit) {
        routes = routes.add_service(s);
    }
    if let Some(s) = service(pipelines.logs, limit) {
        routes = routes.add_service(s);
    }
    let app = tower::ServiceBuilder::new()
        .map_response(
            resource_exhausted_on_limit
                as fn(http::Response<tonic::body::Body>) -> http::Response<tonic::body::Body>,
        )
        .layer(AdmissionLayer::new(gates))
        .service(routes.prepare());

    let sp = &cfg.keepalive.server_parameters;
    let or = |d: Duration, default: Duration| if d.is_zero() { default } else { d };
    let mut h2 = http2::Builder::new(TokioExecutor::new());
    h2.timer(TokioTimer::new())
        .keep_alive_interval(Some(or(sp.time, DEFAULT_KEEPALIVE_TIME)))
        .keep_alive_timeout(or(sp.timeout, DEFAULT_KEEPALIVE_TIMEOUT))
        .max_concurrent_streams((cfg.max_concurrent_streams > 0).then_some(cfg.max_concurrent_streams));
    let limits = cfg.connection_limits();
    let name = match listener.local_addr() {
        Ok(addr) => format!("OTLP gRPC receiver on {addr}"),
        Err(_) => "OTLP gRPC receiver".to_string(),
    };
    let gate = ConnectionGate::new(name, cfg.max_connections);
    let token = shutdown.clone();
    accept_loop(listener, gate, shutdown, None, move |tcp, peer| {
        let (app, h2, tls, shutdown) = (app.clone(), h2.clone(), tls.clone(), token.clone());
        async move {
            let _ = tcp.set_nodelay(true);
            // What tonic's own server puts in every request, for `remote_addr`.
            let info = TcpConnectInfo {
                local_addr: tcp.local_addr().ok(),
                remote_addr: Some(peer),
            };
            let app = app.map_request(move |req: http::Request<Incoming>| {
                let mut req = req.map(tonic::body::Body::new);
                req.extensions_mut().insert(info.clone());
                req
            });
            let activity = Activity::new();
            let svc = activity.track(TowerToHyperService::new(app), None);
            let ended = match tls {
                None => {
                    let conn = h2.serve_connection(TokioIo::new(tcp), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
                Some(config) => {
                    let Some(stream) = crate::tls::handshake(config, tcp, peer, "grpc").await else {
                        return;
                    };
                    let conn = h2.serve_connection(TokioIo::new(stream), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "OTLP gRPC connection ended with an error");
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grpc_timeout_headers_parse() {
        let parse = |s: &'static str| grpc_timeout(&http::HeaderValue::from_static(s));
        assert_eq!(parse("1H"), Some(Duration::from_secs(3600)));
        assert_eq!(parse("2M"), Some(Duration::from_secs(120)));
        assert_eq!(parse("10S"), Some(Duration::from_secs(10)));
        assert_eq!(parse("250m"), Some(Duration::from_millis(250)));
        assert_eq!(parse("7u"), Some(Duration::from_micros(7)));
        assert_eq!(parse("99999999n"), Some(Duration::from_nanos(99_999_999)));
        for bad in ["", "S", "123456789S", "10x", "-1S", "1.5S"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
