//! The OTLP/gRPC server (tonic): the three collector services over one listener.

use std::convert::Infallible;
use std::marker::PhantomData;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::{Buf, Bytes};
use futures::future::BoxFuture;
use otelcol_component::AdmissionSet;
use otelcol_configtls::rustls::ServerConfig;
use prost::Message;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::codec::{
    Codec, CompressionEncoding, DecodeBuf, Decoder, EnabledCompressionEncodings, EncodeBuf, Encoder,
};
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::config::GrpcServerConfig;
use crate::export::{ExportFailure, OtlpSignal, Pipelines, SignalPipeline, client_info};
use crate::grpc_admission::{AdmissionLayer, AdmittedHandle};

/// grpc-go's server keepalive defaults, used when the config says 0.
const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs one export over gRPC: the message checked and kept encoded, client
/// info from the request, the pipeline's outcome as a response or a status.
/// Admission (the memory limiter) has happened before, in [`AdmissionLayer`].
async fn export<T: OtlpSignal>(
    pipeline: &SignalPipeline<T>,
    request: tonic::Request<Bytes>,
) -> Result<tonic::Response<T::Response>, tonic::Status> {
    let addr = request.remote_addr();
    let (metadata, extensions, message) = request.into_parts();
    let invalid = |e: String| {
        tracing::debug!(signal = %T::SIGNAL, error = %e, "failed to decode an OTLP/gRPC request");
        tonic::Status::internal(e)
    };
    // What decoding will allocate, asked before it is allocated (estimated
    // by the wire walk that checks the message); the permit then stays with
    // the payload.
    let len = message.len() as u64;
    let checked = pipeline.check(message).map_err(invalid)?;
    let permit = match extensions.get::<AdmittedHandle>() {
        Some(handle) => Some(
            handle
                .admit_and_take(len.saturating_add(checked.decoded_bytes))
                .map_err(|e| {
                    tracing::debug!(signal = %T::SIGNAL, error = %e, "OTLP/gRPC request refused before decoding");
                    to_status(&ExportFailure::from_consume(&e))
                })?,
        ),
        None => None,
    };
    let mut payload = checked.into_payload().map_err(invalid)?;
    if let Some(permit) = permit {
        payload.hold(permit);
    }
    let client = if pipeline.include_metadata() {
        client_info(addr, Some(&metadata.into_headers()))
    } else {
        client_info(addr, None)
    };
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
struct ExportService<T: OtlpSignal> {
    pipeline: Arc<SignalPipeline<T>>,
    max_message_size: usize,
}

impl<T: OtlpSignal> Clone for ExportService<T> {
    fn clone(&self) -> Self {
        ExportService {
            pipeline: self.pipeline.clone(),
            max_message_size: self.max_message_size,
        }
    }
}

impl<T: OtlpSignal> tonic::server::NamedService for ExportService<T> {
    const NAME: &'static str = T::GRPC_SERVICE;
}

/// The `Export` method of one service.
struct ExportMethod<T: OtlpSignal>(Arc<SignalPipeline<T>>);

impl<T: OtlpSignal> tonic::server::UnaryService<Bytes> for ExportMethod<T> {
    type Response = T::Response;
    type Future = BoxFuture<'static, Result<tonic::Response<T::Response>, tonic::Status>>;
    fn call(&mut self, request: tonic::Request<Bytes>) -> Self::Future {
        let pipeline = self.0.clone();
        Box::pin(async move { export(&pipeline, request).await })
    }
}

impl<T: OtlpSignal, B> tower::Service<http::Request<B>> for ExportService<T>
where
    B: http_body::Body + Send + 'static,
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
        let method = ExportMethod(self.pipeline.clone());
        let limit = self.max_message_size;
        Box::pin(async move {
            let mut gzip = EnabledCompressionEncodings::default();
            gzip.enable(CompressionEncoding::Gzip);
            let mut grpc = tonic::server::Grpc::new(RawCodec::<T::Response>(PhantomData))
                .apply_compression_config(gzip, gzip)
                .apply_max_message_size_config(Some(limit), None);
            Ok(grpc.unary(method, req).await)
        })
    }
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
/// its calls get `UNIMPLEMENTED`.
pub(crate) async fn serve(
    cfg: &GrpcServerConfig,
    pipelines: Pipelines,
    gates: Arc<AdmissionSet>,
    listener: TcpListener,
    tls: Option<Arc<ServerConfig>>,
    shutdown: CancellationToken,
) -> Result<(), tonic::transport::Error> {
    let limit = cfg.max_recv_msg_size();
    let sp = &cfg.keepalive.server_parameters;
    let or = |d: Duration, default: Duration| if d.is_zero() { default } else { d };
    let mut builder = Server::builder()
        .layer(tower::util::MapResponseLayer::new(
            resource_exhausted_on_limit
                as fn(http::Response<tonic::body::Body>) -> http::Response<tonic::body::Body>,
        ))
        .layer(AdmissionLayer::new(gates))
        .http2_keepalive_interval(Some(or(sp.time, DEFAULT_KEEPALIVE_TIME)))
        .http2_keepalive_timeout(Some(or(sp.timeout, DEFAULT_KEEPALIVE_TIMEOUT)))
        .max_concurrent_streams((cfg.max_concurrent_streams > 0).then_some(cfg.max_concurrent_streams));
    if !sp.max_connection_age.is_zero() {
        builder = builder.max_connection_age(sp.max_connection_age);
    }
    if !sp.max_connection_age_grace.is_zero() {
        builder = builder.max_connection_age_grace(sp.max_connection_age_grace);
    }
    fn service<T: OtlpSignal>(p: Option<Arc<SignalPipeline<T>>>, limit: usize) -> Option<ExportService<T>> {
        p.map(|pipeline| ExportService {
            pipeline,
            max_message_size: limit,
        })
    }
    let traces = service(pipelines.traces, limit);
    let metrics = service(pipelines.metrics, limit);
    let logs = service(pipelines.logs, limit);
    let router = builder
        .add_optional_service(traces)
        .add_optional_service(metrics)
        .add_optional_service(logs);
    match tls {
        Some(config) => {
            let incoming = crate::tls::incoming(listener, config, shutdown.clone());
            router
                .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
                .await
        }
        None => {
            let incoming = TcpIncoming::from(listener).with_nodelay(Some(true));
            router
                .serve_with_incoming_shutdown(incoming, shutdown.cancelled_owned())
                .await
        }
    }
}
