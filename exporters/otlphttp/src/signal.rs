//! What differs between traces, metrics and logs on OTLP/HTTP.

use otelcol_component::proto::collector::logs::v1::ExportLogsServiceResponse;
use otelcol_component::proto::collector::metrics::v1::ExportMetricsServiceResponse;
use otelcol_component::proto::collector::trace::v1::ExportTraceServiceResponse;
use otelcol_component::{Logs, Metrics, Payload, Traces};
use otelcol_otlp_json as json;
use prost::Message;

/// Encoding and response handling of one signal.
pub(crate) trait HttpSignal: Payload {
    /// The export response message.
    type Response: Message + Default;
    /// The OTLP/JSON encoding of the request.
    fn encode_json(&self) -> Vec<u8>;
    /// Decodes an OTLP/JSON response.
    fn decode_json_response(b: &[u8]) -> Result<Self::Response, String>;
    /// `(rejected, error_message)` of the response's partial success.
    fn partial(resp: &Self::Response) -> Option<(i64, &str)>;
}

impl HttpSignal for Traces {
    type Response = ExportTraceServiceResponse;
    fn encode_json(&self) -> Vec<u8> {
        json::encode_traces(self.request())
    }
    fn decode_json_response(b: &[u8]) -> Result<Self::Response, String> {
        json::decode_trace_response(b).map_err(|e| e.to_string())
    }
    fn partial(r: &Self::Response) -> Option<(i64, &str)> {
        r.partial_success
            .as_ref()
            .map(|p| (p.rejected_spans, p.error_message.as_str()))
    }
}

impl HttpSignal for Metrics {
    type Response = ExportMetricsServiceResponse;
    fn encode_json(&self) -> Vec<u8> {
        json::encode_metrics(self.request())
    }
    fn decode_json_response(b: &[u8]) -> Result<Self::Response, String> {
        json::decode_metrics_response(b).map_err(|e| e.to_string())
    }
    fn partial(r: &Self::Response) -> Option<(i64, &str)> {
        r.partial_success
            .as_ref()
            .map(|p| (p.rejected_data_points, p.error_message.as_str()))
    }
}

impl HttpSignal for Logs {
    type Response = ExportLogsServiceResponse;
    fn encode_json(&self) -> Vec<u8> {
        json::encode_logs(self.request())
    }
    fn decode_json_response(b: &[u8]) -> Result<Self::Response, String> {
        json::decode_logs_response(b).map_err(|e| e.to_string())
    }
    fn partial(r: &Self::Response) -> Option<(i64, &str)> {
        r.partial_success
            .as_ref()
            .map(|p| (p.rejected_log_records, p.error_message.as_str()))
    }
}
