//! What differs between the three signals on the wire: the export response,
//! the gRPC service and path, the OTLP/HTTP path, partial success and the
//! OTLP/JSON codec. [`Payload`](crate::Payload) exposes these facts, so
//! receivers and exporters are written once, generically over the signal.

/// Why an OTLP/JSON document could not be decoded (with the JSON path of
/// the offending value).
pub use otelcol_otlp_json::DecodeError as JsonError;

/// The `partial_success` of an export response: how many items the
/// receiving end rejected, and why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartialSuccess {
    /// Spans, data points or log records rejected.
    pub rejected: i64,
    /// Why (may be empty, or a warning when `rejected` is 0).
    pub error_message: String,
}

impl PartialSuccess {
    /// A partial success rejecting `rejected` items for `error_message`.
    pub fn new(rejected: i64, error_message: impl Into<String>) -> Self {
        PartialSuccess {
            rejected,
            error_message: error_message.into(),
        }
    }

    /// True when the response reports nothing (no rejection, no message):
    /// the OTLP specification treats that as a full success.
    pub fn is_empty(&self) -> bool {
        self.rejected == 0 && self.error_message.is_empty()
    }
}

/// The `Payload` items that differ per signal; expanded inside each
/// payload's `impl Payload` (`payload_facts!(traces)`).
macro_rules! payload_facts {
    (traces) => {
        $crate::signal::payload_facts!(
            trace,
            ExportTraceServiceResponse,
            ExportTracePartialSuccess,
            rejected_spans,
            "opentelemetry.proto.collector.trace.v1.TraceService",
            "/v1/traces",
            encode_traces,
            decode_traces,
            encode_trace_response,
            decode_trace_response
        );
    };
    (metrics) => {
        $crate::signal::payload_facts!(
            metrics,
            ExportMetricsServiceResponse,
            ExportMetricsPartialSuccess,
            rejected_data_points,
            "opentelemetry.proto.collector.metrics.v1.MetricsService",
            "/v1/metrics",
            encode_metrics,
            decode_metrics,
            encode_metrics_response,
            decode_metrics_response
        );
    };
    (logs) => {
        $crate::signal::payload_facts!(
            logs,
            ExportLogsServiceResponse,
            ExportLogsPartialSuccess,
            rejected_log_records,
            "opentelemetry.proto.collector.logs.v1.LogsService",
            "/v1/logs",
            encode_logs,
            decode_logs,
            encode_logs_response,
            decode_logs_response
        );
    };
    (
        $module:ident, $resp:ident, $partial:ident, $rejected:ident, $service:literal, $http:literal,
        $enc:ident, $dec:ident, $enc_resp:ident, $dec_resp:ident
    ) => {
        type Response = $crate::proto::collector::$module::v1::$resp;
        const GRPC_SERVICE: &'static str = $service;
        const GRPC_PATH: &'static str = concat!("/", $service, "/Export");
        const HTTP_PATH: &'static str = $http;

        fn response(partial: Option<$crate::PartialSuccess>) -> Self::Response {
            Self::Response {
                partial_success: partial.map(|p| $crate::proto::collector::$module::v1::$partial {
                    $rejected: p.rejected,
                    error_message: p.error_message,
                }),
            }
        }
        fn partial_success(resp: &Self::Response) -> Option<$crate::PartialSuccess> {
            resp.partial_success
                .as_ref()
                .map(|p| $crate::PartialSuccess::new(p.$rejected, p.error_message.as_str()))
        }
        fn to_json(&self) -> Vec<u8> {
            otelcol_otlp_json::$enc(self.request())
        }
        fn from_json(bytes: &[u8]) -> Result<Self, $crate::JsonError> {
            otelcol_otlp_json::$dec(bytes).map(Self::from_request)
        }
        fn response_to_json(resp: &Self::Response) -> Vec<u8> {
            otelcol_otlp_json::$enc_resp(resp)
        }
        fn response_from_json(bytes: &[u8]) -> Result<Self::Response, $crate::JsonError> {
            otelcol_otlp_json::$dec_resp(bytes)
        }
    };
}
pub(crate) use payload_facts;

#[cfg(test)]
mod tests {
    use crate::{Logs, Metrics, Payload, Traces};

    use super::PartialSuccess;

    #[test]
    fn paths_are_the_otlp_ones() {
        assert_eq!(
            Traces::GRPC_PATH,
            "/opentelemetry.proto.collector.trace.v1.TraceService/Export"
        );
        assert_eq!(
            Metrics::GRPC_PATH,
            "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"
        );
        assert_eq!(
            Logs::GRPC_SERVICE,
            "opentelemetry.proto.collector.logs.v1.LogsService"
        );
        assert_eq!(
            [Traces::HTTP_PATH, Metrics::HTTP_PATH, Logs::HTTP_PATH],
            ["/v1/traces", "/v1/metrics", "/v1/logs"]
        );
    }

    #[test]
    fn partial_success_round_trips_through_json() {
        let p = PartialSuccess::new(3, "bad points");
        let resp = Metrics::response(Some(p.clone()));
        assert_eq!(
            resp.partial_success.as_ref().map(|p| p.rejected_data_points),
            Some(3)
        );
        let json = Metrics::response_to_json(&resp);
        let back = Metrics::response_from_json(&json).expect("valid json");
        assert_eq!(Metrics::partial_success(&back), Some(p));
        assert_eq!(Logs::partial_success(&Logs::response(None)), None);
        assert!(PartialSuccess::default().is_empty());
    }

    #[test]
    fn payload_round_trips_through_json() {
        let t = Traces::from_json(br#"{"resourceSpans":[{"scopeSpans":[{"spans":[{"name":"a"}]}]}]}"#)
            .expect("valid json");
        assert_eq!(t.item_count(), 1);
        let back = Traces::from_json(&t.to_json()).expect("own encoding decodes");
        assert_eq!(back, t);
        assert!(Traces::from_json(b"{\"resourceSpans\":7}").is_err());
    }
}
