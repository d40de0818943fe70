//! The OTLP/gRPC server (tonic): the three collector services over one listener.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::AdmissionSet;
use otelcol_component::proto::collector::logs::v1::logs_service_server::{LogsService, LogsServiceServer};
use otelcol_component::proto::collector::logs::v1::{ExportLogsServiceRequest, ExportLogsServiceResponse};
use otelcol_component::proto::collector::metrics::v1::metrics_service_server::{
    MetricsService, MetricsServiceServer,
};
use otelcol_component::proto::collector::metrics::v1::{
    ExportMetricsServiceRequest, ExportMetricsServiceResponse,
};
use otelcol_component::proto::collector::trace::v1::trace_service_server::{
    TraceService, TraceServiceServer,
};
use otelcol_component::proto::collector::trace::v1::{ExportTraceServiceRequest, ExportTraceServiceResponse};
use otelcol_configtls::rustls::ServerConfig;
use prost::Message;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::codec::CompressionEncoding;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;

use crate::config::GrpcServerConfig;
use crate::export::{ExportFailure, OtlpSignal, Pipelines, SignalPipeline, client_info};
use crate::grpc_admission::AdmissionLayer;

/// grpc-go's server keepalive defaults, used when the config says 0.
const DEFAULT_KEEPALIVE_TIME: Duration = Duration::from_secs(2 * 60 * 60);
const DEFAULT_KEEPALIVE_TIMEOUT: Duration = Duration::from_secs(20);

/// Runs one export over gRPC: client info from the request, the pipeline's
/// outcome as a response or a status. Admission (the memory limiter) has
/// happened before, in [`AdmissionLayer`].
async fn export<T: OtlpSignal>(
    pipeline: &SignalPipeline<T>,
    request: tonic::Request<T::Request>,
) -> Result<tonic::Response<T::Response>, tonic::Status> {
    let addr = request.remote_addr();
    let (metadata, _, message) = request.into_parts();
    let client = if pipeline.include_metadata() {
        client_info(addr, Some(&metadata.into_headers()))
    } else {
        client_info(addr, None)
    };
    pipeline
        .export(message, client)
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

macro_rules! service {
    ($name:ident, $trait:ident, $payload:ty, $req:ty, $resp:ty) => {
        struct $name(Arc<SignalPipeline<$payload>>);

        #[async_trait::async_trait]
        impl $trait for $name {
            async fn export(
                &self,
                request: tonic::Request<$req>,
            ) -> Result<tonic::Response<$resp>, tonic::Status> {
                export(&self.0, request).await
            }
        }
    };
}

service!(
    Traces,
    TraceService,
    otelcol_component::Traces,
    ExportTraceServiceRequest,
    ExportTraceServiceResponse
);
service!(
    Metrics,
    MetricsService,
    otelcol_component::Metrics,
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse
);
service!(
    Logs,
    LogsService,
    otelcol_component::Logs,
    ExportLogsServiceRequest,
    ExportLogsServiceResponse
);

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
    let traces = pipelines.traces.map(|p| {
        TraceServiceServer::new(Traces(p))
            .max_decoding_message_size(limit)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
    });
    let metrics = pipelines.metrics.map(|p| {
        MetricsServiceServer::new(Metrics(p))
            .max_decoding_message_size(limit)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
    });
    let logs = pipelines.logs.map(|p| {
        LogsServiceServer::new(Logs(p))
            .max_decoding_message_size(limit)
            .accept_compressed(CompressionEncoding::Gzip)
            .send_compressed(CompressionEncoding::Gzip)
    });
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
