//! Helpers shared by the integration tests.
#![allow(dead_code, missing_docs)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::{
    ClientInfo, ConsumeError, Consumer, Kind, Payload, RequestContext, SharedConsumer, Traces, async_trait,
};
use otelcol_componenttest::{Sink, nop_settings};
use otelcol_processor_batch::{BatchConfig, BatchProcessor};

/// Spans named `{prefix}-0` .. `{prefix}-{n-1}` in one resource and scope.
pub(crate) fn traces(prefix: &str, n: usize) -> Traces {
    let spans = (0..n)
        .map(|i| Span {
            name: format!("{prefix}-{i}"),
            ..Default::default()
        })
        .collect();
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans,
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

/// The same spans with a client-metadata context.
pub(crate) fn traces_with(prefix: &str, n: usize, key: &str, value: &str) -> Traces {
    let mut t = traces(prefix, n);
    t.set_context(ctx(key, value));
    t
}

pub(crate) fn ctx(key: &str, value: &str) -> RequestContext {
    let mut info = ClientInfo::with_address(None);
    info.metadata
        .insert(key.to_ascii_lowercase(), vec![value.to_string()]);
    RequestContext::new(info)
}

/// Span names in order.
pub(crate) fn names(t: &Traces) -> Vec<String> {
    t.request()
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| s.name.clone())
        .collect()
}

pub(crate) fn all_names(sink: &Sink<Traces>) -> Vec<String> {
    sink.all().iter().flat_map(names).collect()
}

pub(crate) fn expected(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}-{i}")).collect()
}

pub(crate) fn processor(cfg: BatchConfig, next: SharedConsumer<Traces>) -> Arc<BatchProcessor<Traces>> {
    Arc::new(BatchProcessor::new(
        &nop_settings("batch", Kind::Processor),
        &cfg,
        next,
    ))
}

/// A config with Go's send rule (size or timeout, `send_when_idle: false`)
/// that answers callers after the export (`wait_for_export`, the default,
/// spelled out), so a test sees each caller's outcome; the group-commit and
/// answer-when-buffered modes have their own tests.
pub(crate) fn cfg(size: u32, max: u32, timeout_ms: u64) -> BatchConfig {
    BatchConfig {
        send_batch_size: size,
        send_batch_max_size: max,
        timeout: std::time::Duration::from_millis(timeout_ms),
        wait_for_export: true,
        send_when_idle: false,
        ..BatchConfig::default()
    }
}

/// Group commit (`send_when_idle: true`, the default) with these sizes.
pub(crate) fn idle_cfg(size: u32, max: u32) -> BatchConfig {
    BatchConfig {
        send_batch_size: size,
        send_batch_max_size: max,
        ..BatchConfig::default()
    }
}

/// The default config, `wait_for_export: true` spelled out.
pub(crate) fn waiting() -> BatchConfig {
    BatchConfig {
        wait_for_export: true,
        ..BatchConfig::default()
    }
}

/// Forwards to a sink, failing the calls whose number (from 0) is in `fail`.
#[derive(Debug)]
pub(crate) struct FailSome {
    pub sink: Arc<Sink<Traces>>,
    pub fail: Vec<usize>,
    pub error: ConsumeError,
    pub calls: AtomicUsize,
}

impl FailSome {
    pub(crate) fn new(fail: Vec<usize>, error: ConsumeError) -> Arc<Self> {
        Arc::new(FailSome {
            sink: Sink::new(),
            fail,
            error,
            calls: AtomicUsize::new(0),
        })
    }
}

#[async_trait]
impl Consumer<Traces> for FailSome {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        if self.fail.contains(&n) {
            return Err(self.error.clone());
        }
        self.sink.consume(data).await
    }
}
