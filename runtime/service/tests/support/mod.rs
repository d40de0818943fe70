//! Test components that record what the runtime does with them.

#![allow(dead_code, missing_docs, clippy::unwrap_used, clippy::type_complexity)]

use std::sync::{Arc, Mutex};

use otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value};
use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
use otelcol_component::*;
use otelcol_componenttest::Sink;
use serde::{Deserialize, Serialize};

/// Shared record of lifecycle calls, in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct Journal(Arc<Mutex<Vec<String>>>);

impl Journal {
    pub(crate) fn push(&self, s: String) {
        self.0.lock().unwrap().push(s);
    }
    pub(crate) fn entries(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub(crate) struct TestConfig {
    pub tag: String,
    pub fail_start: bool,
}
impl ComponentConfig for TestConfig {
    fn validate(&self) -> Result<(), ConfigError> {
        if self.tag == "invalid" {
            return Err(ConfigError::at("tag", "must not be \"invalid\""));
        }
        Ok(())
    }
}

// ---------- receiver: hands its consumers to the test ----------
#[derive(Debug)]
pub(crate) struct TestReceiver {
    id: String,
    journal: Journal,
    pub next: Consumers,
    fail: bool,
}
#[async_trait]
impl Component for TestReceiver {
    async fn start(&self, _h: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.journal.push(format!("start receiver {}", self.id));
        if self.fail {
            return Err(ComponentError::new("boom"));
        }
        Ok(())
    }
    async fn shutdown(&self) -> Result<(), ComponentError> {
        self.journal.push(format!("shutdown receiver {}", self.id));
        Ok(())
    }
}

#[derive(Clone, Default, Debug)]
pub(crate) struct ReceiverFactoryT {
    pub journal: Journal,
    pub created: Arc<Mutex<Vec<Arc<TestReceiver>>>>,
}
impl Factory for ReceiverFactoryT {
    type Config = TestConfig;
    fn type_name(&self) -> &'static str {
        "testrcv"
    }
}
impl ReceiverFactory for ReceiverFactoryT {
    fn stability(&self, s: Signal) -> Option<StabilityLevel> {
        (s != Signal::Logs).then_some(StabilityLevel::Alpha)
    }
    fn create(
        &self,
        set: &Settings,
        cfg: &TestConfig,
        next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        let r = Arc::new(TestReceiver {
            id: set.id.to_string(),
            journal: self.journal.clone(),
            next,
            fail: cfg.fail_start,
        });
        self.created.lock().unwrap().push(r.clone());
        Ok(r)
    }
}

// ---------- processor: appends its tag to span names ----------
#[derive(Debug)]
pub(crate) struct TagProcessor {
    id: String,
    tag: String,
    journal: Journal,
    next: SharedConsumer<Traces>,
}
#[async_trait]
impl Consumer<Traces> for TagProcessor {
    async fn consume(&self, mut data: Traces) -> Result<(), ConsumeError> {
        for rs in &mut data.request_mut().resource_spans {
            for ss in &mut rs.scope_spans {
                for s in &mut ss.spans {
                    s.name.push_str(&self.tag);
                }
            }
        }
        self.next.consume(data).await
    }
    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }
}
#[async_trait]
impl Component for TagProcessor {
    async fn start(&self, _h: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.journal.push(format!("start processor {}", self.id));
        Ok(())
    }
    async fn shutdown(&self) -> Result<(), ComponentError> {
        self.journal.push(format!("shutdown processor {}", self.id));
        Ok(())
    }
}

#[derive(Clone, Default, Debug)]
pub(crate) struct ProcessorFactoryT {
    pub journal: Journal,
    pub creates: Arc<Mutex<usize>>,
    /// `Settings::telemetry.detailed_metrics` of each create.
    pub detailed: Arc<Mutex<Vec<bool>>>,
}
impl Factory for ProcessorFactoryT {
    type Config = TestConfig;
    fn type_name(&self) -> &'static str {
        "tag"
    }
}
impl ProcessorFactory for ProcessorFactoryT {
    fn stability(&self, s: Signal) -> Option<StabilityLevel> {
        (s == Signal::Traces).then_some(StabilityLevel::Beta)
    }
    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &TestConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        *self.creates.lock().unwrap() += 1;
        self.detailed.lock().unwrap().push(set.telemetry.detailed_metrics);
        for_signal::<Traces, T>(next, |next| {
            Ok(Arc::new(TagProcessor {
                id: set.id.to_string(),
                tag: cfg.tag.clone(),
                journal: self.journal.clone(),
                next,
            }))
        })
    }
}

// ---------- exporter: a sink per id ----------
#[derive(Debug)]
pub(crate) struct SinkExporter {
    id: String,
    journal: Journal,
    pub traces: Arc<Sink<Traces>>,
    pub metrics: Arc<Sink<Metrics>>,
}
#[async_trait]
impl Component for SinkExporter {
    async fn start(&self, _h: Arc<dyn Host>) -> Result<(), ComponentError> {
        self.journal.push(format!("start exporter {}", self.id));
        Ok(())
    }
    async fn shutdown(&self) -> Result<(), ComponentError> {
        self.journal.push(format!("shutdown exporter {}", self.id));
        Ok(())
    }
}
impl Exporter for SinkExporter {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        Some(self.traces.clone())
    }
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self.metrics.clone())
    }
}

#[derive(Clone, Default, Debug)]
pub(crate) struct ExporterFactoryT {
    pub journal: Journal,
    pub created: Arc<Mutex<Vec<(String, Vec<Signal>, Arc<SinkExporter>)>>>,
}
impl Factory for ExporterFactoryT {
    type Config = TestConfig;
    fn type_name(&self) -> &'static str {
        "sink"
    }
    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &["oldsink"]
    }
}
impl ExporterFactory for ExporterFactoryT {
    fn stability(&self, s: Signal) -> Option<StabilityLevel> {
        (s != Signal::Logs).then_some(StabilityLevel::Stable)
    }
    fn create(
        &self,
        set: &Settings,
        _cfg: &TestConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        let e = Arc::new(SinkExporter {
            id: set.id.to_string(),
            journal: self.journal.clone(),
            traces: Sink::new(),
            metrics: Sink::new(),
        });
        self.created
            .lock()
            .unwrap()
            .push((set.id.to_string(), signals.to_vec(), e.clone()));
        Ok(e)
    }
}

#[derive(Debug)]
pub(crate) struct Kit {
    pub journal: Journal,
    pub receivers: ReceiverFactoryT,
    pub processors: ProcessorFactoryT,
    pub exporters: ExporterFactoryT,
}

impl Kit {
    pub(crate) fn new() -> Self {
        let journal = Journal::default();
        Kit {
            receivers: ReceiverFactoryT {
                journal: journal.clone(),
                ..Default::default()
            },
            processors: ProcessorFactoryT {
                journal: journal.clone(),
                ..Default::default()
            },
            exporters: ExporterFactoryT {
                journal: journal.clone(),
                ..Default::default()
            },
            journal,
        }
    }
    pub(crate) fn factories(&self) -> otelcol_service::Factories {
        otelcol_service::Factories::builder()
            .receiver(self.receivers.clone())
            .processor(self.processors.clone())
            .exporter(self.exporters.clone())
            .build()
            .unwrap()
    }
    pub(crate) fn exporter(&self, id: &str) -> Arc<SinkExporter> {
        self.exporters
            .created
            .lock()
            .unwrap()
            .iter()
            .find(|(i, _, _)| i == id)
            .unwrap()
            .2
            .clone()
    }
}

pub(crate) fn spans(names: &[&str]) -> Traces {
    Traces::from_request(ExportTraceServiceRequest {
        resource_spans: vec![ResourceSpans {
            scope_spans: vec![ScopeSpans {
                spans: names
                    .iter()
                    .map(|n| Span {
                        name: n.to_string(),
                        attributes: vec![KeyValue {
                            key_strindex: 0,
                            key: "k".into(),
                            value: Some(AnyValue {
                                value: Some(any_value::Value::StringValue("v".into())),
                            }),
                        }],
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }],
            ..Default::default()
        }],
    })
}

pub(crate) fn span_names(t: &Traces) -> Vec<String> {
    t.request()
        .resource_spans
        .iter()
        .flat_map(|r| &r.scope_spans)
        .flat_map(|s| &s.spans)
        .map(|s| s.name.clone())
        .collect()
}
