//! What the receiver needs to know about each signal: its response type
//! and its OTLP/JSON codec.

use otelcol_component::proto::collector::logs::v1::{ExportLogsPartialSuccess, ExportLogsServiceResponse};
use otelcol_component::proto::collector::metrics::v1::{
    ExportMetricsPartialSuccess, ExportMetricsServiceResponse,
};
use otelcol_component::proto::collector::trace::v1::{ExportTracePartialSuccess, ExportTraceServiceResponse};
use otelcol_component::{ConsumerSlot, Logs, Metrics, Traces};

/// What the receiver needs to know about each signal.
pub(crate) trait OtlpSignal: ConsumerSlot {
    /// The gRPC service name.
    const GRPC_SERVICE: &'static str;
    /// The gRPC path of the service's `Export` method.
    const GRPC_PATH: &'static str;
    /// The `Export*ServiceResponse`.
    type Response: prost::Message + Default + Send + 'static;
    /// A response, with `partial_success` set when items were rejected.
    fn response(partial: Option<(i64, String)>) -> Self::Response;
    /// Decodes an OTLP/JSON request.
    fn decode_json(body: &[u8]) -> Result<Self::Request, String>;
    /// Checks a protobuf request without allocating: its items and the
    /// memory decoding it takes.
    fn estimate(body: &[u8]) -> Result<otelcol_component::Estimate, otelcol_component::WireError>;
    /// Encodes a response as OTLP/JSON.
    fn encode_json_response(resp: &Self::Response) -> Vec<u8>;
}

impl OtlpSignal for Traces {
    fn estimate(body: &[u8]) -> Result<otelcol_component::Estimate, otelcol_component::WireError> {
        otelcol_component::estimate_traces(body)
    }
    const GRPC_SERVICE: &'static str = "opentelemetry.proto.collector.trace.v1.TraceService";
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";
    type Response = ExportTraceServiceResponse;
    fn response(partial: Option<(i64, String)>) -> Self::Response {
        ExportTraceServiceResponse {
            partial_success: partial.map(|(rejected, error_message)| ExportTracePartialSuccess {
                rejected_spans: rejected,
                error_message,
            }),
        }
    }
    fn decode_json(body: &[u8]) -> Result<Self::Request, String> {
        otelcol_otlp_json::decode_traces(body).map_err(|e| e.to_string())
    }
    fn encode_json_response(resp: &Self::Response) -> Vec<u8> {
        otelcol_otlp_json::encode_trace_response(resp)
    }
}

impl OtlpSignal for Metrics {
    fn estimate(body: &[u8]) -> Result<otelcol_component::Estimate, otelcol_component::WireError> {
        otelcol_component::estimate_metrics(body)
    }
    const GRPC_SERVICE: &'static str = "opentelemetry.proto.collector.metrics.v1.MetricsService";
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    type Response = ExportMetricsServiceResponse;
    fn response(partial: Option<(i64, String)>) -> Self::Response {
        ExportMetricsServiceResponse {
            partial_success: partial.map(|(rejected, error_message)| ExportMetricsPartialSuccess {
                rejected_data_points: rejected,
                error_message,
            }),
        }
    }
    fn decode_json(body: &[u8]) -> Result<Self::Request, String> {
        otelcol_otlp_json::decode_metrics(body).map_err(|e| e.to_string())
    }
    fn encode_json_response(resp: &Self::Response) -> Vec<u8> {
        otelcol_otlp_json::encode_metrics_response(resp)
    }
}

impl OtlpSignal for Logs {
    fn estimate(body: &[u8]) -> Result<otelcol_component::Estimate, otelcol_component::WireError> {
        otelcol_component::estimate_logs(body)
    }
    const GRPC_SERVICE: &'static str = "opentelemetry.proto.collector.logs.v1.LogsService";
    const GRPC_PATH: &'static str = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
    type Response = ExportLogsServiceResponse;
    fn response(partial: Option<(i64, String)>) -> Self::Response {
        ExportLogsServiceResponse {
            partial_success: partial.map(|(rejected, error_message)| ExportLogsPartialSuccess {
                rejected_log_records: rejected,
                error_message,
            }),
        }
    }
    fn decode_json(body: &[u8]) -> Result<Self::Request, String> {
        otelcol_otlp_json::decode_logs(body).map_err(|e| e.to_string())
    }
    fn encode_json_response(resp: &Self::Response) -> Vec<u8> {
        otelcol_otlp_json::encode_logs_response(resp)
    }
}
