//! The collector's gRPC endpoint: `jaeger.api_v2.CollectorService/PostSpans`
//! (tonic's codec and unary machinery on hyper's HTTP/2 server). Answers as
//! grpc-go answers Go's `PostSpans`: a message that does not decode is
//! `INTERNAL`, a pipeline failure is `UNKNOWN` with its message.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures::future::BoxFuture;
use hyper::body::Incoming;
use hyper::server::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use otelcol_component::auth::ServerAuthenticator;
use otelcol_component::{Admission, AdmissionSet};
use otelcol_configtls::rustls::ServerConfig;
use otelcol_httpserver::conn::{Activity, ConnectionGate, accept_loop, drive};
use prost::Message;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf, Encoder,
};
use tonic::transport::server::TcpConnectInfo;
use tower::ServiceExt;

use crate::config::GrpcConfig;
use crate::pipeline::{Pipeline, Refusal, auth_headers, client_info};
use crate::proto::{POST_SPANS_PATH, PostSpansRequest, PostSpansResponse};
use crate::translate::proto_to_traces;

/// grpc-go's server keepalive defaults, used when the config says 0.
const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);
/// What decoding and translating take per message byte, at most, asked of
/// the admission gates before.
const DECODE_FACTOR: u64 = 8;

/// Everything a call needs.
pub(crate) struct GrpcApp {
    pub(crate) pipeline: Arc<Pipeline>,
    pub(crate) authenticator: Option<Arc<dyn ServerAuthenticator>>,
    pub(crate) gates: Arc<AdmissionSet>,
    pub(crate) include_metadata: bool,
}

impl GrpcApp {
    async fn post_spans(
        &self,
        request: tonic::Request<Bytes>,
    ) -> Result<tonic::Response<PostSpansResponse>, tonic::Status> {
        let addr = request.remote_addr();
        let (metadata, _, message) = request.into_parts();
        let headers = metadata.into_headers();
        let mut auth = None;
        if let Some(a) = &self.authenticator {
            match a.authenticate(&auth_headers(&headers)).await {
                Ok(data) => auth = Some(data),
                Err(e) => {
                    self.pipeline.refuse(Refusal::Unauthenticated, &e);
                    return Err(tonic::Status::unauthenticated(e.to_string()));
                }
            }
        }
        let _decoding = if self.gates.is_empty() {
            None
        } else {
            let bytes = (message.len() as u64).saturating_mul(DECODE_FACTOR);
            Some(self.gates.admit(bytes).map_err(|e| {
                tracing::debug!(
                    receiver = self.pipeline.receiver(),
                    error = %e,
                    "Jaeger gRPC request refused before decoding"
                );
                tonic::Status::unavailable(e.to_string())
            })?)
        };
        let malformed = |e: &dyn std::fmt::Display| {
            let msg = format!("grpc: error unmarshalling request: {e}");
            self.pipeline.refuse(Refusal::Malformed, &msg);
            tonic::Status::internal(msg)
        };
        let request = PostSpansRequest::decode(message).map_err(|e| malformed(&e))?;
        let batch = request.batch.unwrap_or_default();
        let spans = batch.spans.len();
        let traces = proto_to_traces(batch).map_err(|e| malformed(&e))?;
        let mut client = client_info(addr, self.include_metadata.then_some(&headers));
        if let Some(auth) = auth {
            client = client.with_auth(auth);
        }
        self.pipeline
            .consume(traces, spans, client)
            .await
            .map(|()| tonic::Response::new(PostSpansResponse {}))
            // grpc-go answers an error that is not a status with UNKNOWN.
            .map_err(|e| tonic::Status::unknown(e.to_string()))
    }
}

/// The codec of `PostSpans`: the request as its raw bytes (decoded by the
/// handler, so a bad message is answered as grpc-go answers it), the
/// response encoded by prost.
struct RawCodec;
struct RawDecoder;
struct ResponseEncoder;

impl Codec for RawCodec {
    type Encode = PostSpansResponse;
    type Decode = Bytes;
    type Encoder = ResponseEncoder;
    type Decoder = RawDecoder;
    fn encoder(&mut self) -> Self::Encoder {
        ResponseEncoder
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

impl Encoder for ResponseEncoder {
    type Item = PostSpansResponse;
    type Error = tonic::Status;
    fn encode(&mut self, item: PostSpansResponse, dst: &mut EncodeBuf<'_>) -> Result<(), tonic::Status> {
        item.encode(dst)
            .map_err(|e| tonic::Status::internal(format!("encoding the response: {e}")))
    }
}

/// `PostSpans` as a unary service.
struct PostSpansMethod(Arc<GrpcApp>);

impl tonic::server::UnaryService<Bytes> for PostSpansMethod {
    type Response = PostSpansResponse;
    type Future = BoxFuture<'static, Result<tonic::Response<PostSpansResponse>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let app = self.0.clone();
        Box::pin(async move { app.post_spans(request).await })
    }
}

/// The service: `PostSpans` on its path, `UNIMPLEMENTED` elsewhere.
#[derive(Clone)]
struct CollectorService {
    app: Arc<GrpcApp>,
    max_message_size: usize,
}

fn unimplemented() -> http::Response<tonic::body::Body> {
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
    resp
}

impl tower::Service<http::Request<tonic::body::Body>> for CollectorService {
    type Response = http::Response<tonic::body::Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<Self::Response, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<tonic::body::Body>) -> Self::Future {
        if req.uri().path() != POST_SPANS_PATH {
            return Box::pin(async { Ok(unimplemented()) });
        }
        let method = PostSpansMethod(self.app.clone());
        let limit = self.max_message_size;
        let deadline = req.headers().get("grpc-timeout").and_then(grpc_timeout);
        Box::pin(async move {
            let mut codecs = EnabledCompressionEncodings::default();
            codecs.enable(CompressionEncoding::Gzip);
            codecs.enable(CompressionEncoding::Zstd);
            let mut grpc = tonic::server::Grpc::new(RawCodec)
                .apply_compression_config(codecs, codecs)
                .apply_max_message_size_config(Some(limit), None);
            let call = grpc.unary(method, req);
            let resp = match deadline {
                None => call.await,
                Some(d) => tokio::time::timeout(d, call)
                    .await
                    .unwrap_or_else(|_| tonic::Status::deadline_exceeded("Timeout expired").into_http()),
            };
            Ok(resource_exhausted_on_limit(resp))
        })
    }
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

/// tonic answers a message over the receive limit with `OUT_OF_RANGE`;
/// grpc-go with `RESOURCE_EXHAUSTED`. The service never answers
/// `OUT_OF_RANGE` itself, so a trailers-only one is that limit.
fn resource_exhausted_on_limit(
    mut resp: http::Response<tonic::body::Body>,
) -> http::Response<tonic::body::Body> {
    if resp
        .headers()
        .get("grpc-status")
        .is_some_and(|v| v.as_bytes() == b"11")
    {
        resp.headers_mut()
            .insert("grpc-status", http::HeaderValue::from_static("8"));
    }
    resp
}

/// Serves gRPC on `listener` (over TLS when `tls` is set) until `shutdown`
/// is cancelled, then lets in-flight calls finish.
pub(crate) async fn serve(
    cfg: GrpcConfig,
    app: Arc<GrpcApp>,
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    shutdown: CancellationToken,
) {
    let service = CollectorService {
        app,
        max_message_size: cfg.max_recv_msg_size(),
    };
    let sp = &cfg.keepalive.server_parameters;
    let or = |d: Duration, default: Duration| if d.is_zero() { default } else { d };
    let mut h2 = http2::Builder::new(TokioExecutor::new());
    h2.timer(TokioTimer::new())
        .keep_alive_interval(Some(or(sp.time, DEFAULT_KEEPALIVE_TIME)))
        .keep_alive_timeout(or(sp.timeout, DEFAULT_KEEPALIVE_TIMEOUT))
        .max_concurrent_streams((cfg.max_concurrent_streams > 0).then_some(cfg.max_concurrent_streams));
    let limits = cfg.connection_limits();
    let name = match listener.local_addr() {
        Ok(addr) => format!("Jaeger gRPC receiver on {addr}"),
        Err(_) => "Jaeger gRPC receiver".to_string(),
    };
    let gate = ConnectionGate::new(name, cfg.max_connections);
    let token = shutdown.clone();
    accept_loop(listener, gate, shutdown, None, move |tcp, peer: SocketAddr| {
        let (service, h2, tls, shutdown) = (service.clone(), h2.clone(), tls.clone(), token.clone());
        async move {
            let _ = tcp.set_nodelay(true);
            // What tonic's own server puts in every request, for `remote_addr`.
            let info = TcpConnectInfo {
                local_addr: tcp.local_addr().ok(),
                remote_addr: Some(peer),
            };
            let app = service.map_request(move |req: http::Request<Incoming>| {
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
                    let Some(stream) = crate::net::handshake(config, tcp, peer).await else {
                        return;
                    };
                    let conn = h2.serve_connection(TokioIo::new(stream), svc);
                    drive(conn, &activity, &limits, &shutdown).await
                }
            };
            if let Err(e) = ended {
                tracing::debug!(error = %e, %peer, "Jaeger gRPC connection ended with an error");
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
        assert_eq!(parse("250m"), Some(Duration::from_millis(250)));
        for bad in ["", "S", "123456789S", "10x", "-1S"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
