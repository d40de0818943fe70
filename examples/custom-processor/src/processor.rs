//! The `redaction` processor: rewrites attribute values, then hands the data on.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::proto::metrics::v1::metric::Data;
use otelcol_component::{
    Capabilities, Component, ConfigError, ConsumeError, Consumer, Logs, Metrics, Payload, SharedConsumer,
    Traces, async_trait,
};
use regex::Regex;

use crate::config::RedactionConfig;

/// The compiled rules, shared by every pipeline's instance.
#[derive(Debug)]
pub struct Redactor {
    keys: HashSet<String>,
    values: Vec<Regex>,
    mask: String,
    include_resource: bool,
}

impl Redactor {
    /// Compiles a config.
    pub fn new(cfg: &RedactionConfig) -> Result<Self, ConfigError> {
        Ok(Redactor {
            keys: cfg.blocked_keys.iter().cloned().collect(),
            values: cfg.regexes()?,
            mask: cfg.mask.clone(),
            include_resource: cfg.include_resource,
        })
    }

    /// Redacts a list of attributes in place.
    pub fn attributes(&self, attrs: &mut [KeyValue]) {
        for kv in attrs {
            if self.keys.contains(&kv.key) {
                kv.value = Some(AnyValue {
                    value: Some(Value::StringValue(self.mask.clone())),
                });
            } else if let Some(v) = kv.value.as_mut() {
                self.value(v);
            }
        }
    }

    fn value(&self, v: &mut AnyValue) {
        match v.value.as_mut() {
            Some(Value::StringValue(s)) => {
                for re in &self.values {
                    if re.is_match(s) {
                        *s = re.replace_all(s, self.mask.as_str()).into_owned();
                    }
                }
            }
            Some(Value::ArrayValue(a)) => a.values.iter_mut().for_each(|v| self.value(v)),
            Some(Value::KvlistValue(kv)) => self.attributes(&mut kv.values),
            _ => {}
        }
    }

    fn resource(&self, attrs: &mut [KeyValue]) {
        if self.include_resource {
            self.attributes(attrs);
        }
    }
}

/// A payload the redactor can rewrite.
pub trait Redact: Payload {
    /// Rewrites every attribute list of the payload.
    fn redact(&mut self, r: &Redactor);
}

impl Redact for Traces {
    fn redact(&mut self, r: &Redactor) {
        for rs in &mut self.request_mut().resource_spans {
            if let Some(res) = rs.resource.as_mut() {
                r.resource(&mut res.attributes);
            }
            for span in rs.scope_spans.iter_mut().flat_map(|ss| ss.spans.iter_mut()) {
                r.attributes(&mut span.attributes);
                span.events
                    .iter_mut()
                    .for_each(|e| r.attributes(&mut e.attributes));
                span.links
                    .iter_mut()
                    .for_each(|l| r.attributes(&mut l.attributes));
            }
        }
    }
}

impl Redact for Logs {
    fn redact(&mut self, r: &Redactor) {
        for rl in &mut self.request_mut().resource_logs {
            if let Some(res) = rl.resource.as_mut() {
                r.resource(&mut res.attributes);
            }
            for log in rl.scope_logs.iter_mut().flat_map(|sl| sl.log_records.iter_mut()) {
                r.attributes(&mut log.attributes);
            }
        }
    }
}

impl Redact for Metrics {
    fn redact(&mut self, r: &Redactor) {
        for rm in &mut self.request_mut().resource_metrics {
            if let Some(res) = rm.resource.as_mut() {
                r.resource(&mut res.attributes);
            }
            for m in rm.scope_metrics.iter_mut().flat_map(|sm| sm.metrics.iter_mut()) {
                match m.data.as_mut() {
                    Some(Data::Gauge(g)) => g
                        .data_points
                        .iter_mut()
                        .for_each(|p| r.attributes(&mut p.attributes)),
                    Some(Data::Sum(s)) => s
                        .data_points
                        .iter_mut()
                        .for_each(|p| r.attributes(&mut p.attributes)),
                    Some(Data::Histogram(h)) => h
                        .data_points
                        .iter_mut()
                        .for_each(|p| r.attributes(&mut p.attributes)),
                    Some(Data::ExponentialHistogram(h)) => h
                        .data_points
                        .iter_mut()
                        .for_each(|p| r.attributes(&mut p.attributes)),
                    Some(Data::Summary(s)) => s
                        .data_points
                        .iter_mut()
                        .for_each(|p| r.attributes(&mut p.attributes)),
                    None => {}
                }
            }
        }
    }
}

/// One pipeline's `redaction` processor for payload type `T`.
pub struct RedactionProcessor<T: Payload> {
    redactor: Arc<Redactor>,
    next: SharedConsumer<T>,
}

impl<T: Payload> RedactionProcessor<T> {
    /// A processor that redacts with `redactor` and feeds `next`.
    pub fn new(redactor: Arc<Redactor>, next: SharedConsumer<T>) -> Self {
        RedactionProcessor { redactor, next }
    }
}

impl<T: Payload> fmt::Debug for RedactionProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedactionProcessor")
            .field("signal", &T::SIGNAL)
            .field("redactor", &self.redactor)
            .finish()
    }
}

#[async_trait]
impl<T: Redact> Consumer<T> for RedactionProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        data.redact(&self.redactor);
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        // It rewrites its input: fan-out must give it a private copy.
        Capabilities { mutates_data: true }
    }
}

// No background work: the default start/shutdown (no-ops) satisfy the lifecycle contract.
impl<T: Payload> Component for RedactionProcessor<T> {}
