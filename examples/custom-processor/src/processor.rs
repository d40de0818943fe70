//! The `redaction` processor: rewrites attribute values, then hands the data on.

use std::collections::HashSet;
use std::fmt;
use std::sync::Arc;

use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};
use otelcol_component::{
    AttributesOf, Capabilities, Component, ConfigError, ConsumeError, Consumer, Payload, SharedConsumer,
    async_trait,
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

    /// Redacts every attribute list of a payload of any signal: items'
    /// (spans with their events and links, data points, log records) and,
    /// with `include_resource`, resources'.
    pub fn payload<T: Payload>(&self, data: &mut T) {
        data.for_each_attributes_mut(|of, attrs| match of {
            AttributesOf::Resource if !self.include_resource => {}
            AttributesOf::Scope => {}
            _ => self.attributes(attrs),
        });
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
impl<T: Payload> Consumer<T> for RedactionProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        self.redactor.payload(&mut data);
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        // It rewrites its input: fan-out must give it a private copy.
        Capabilities { mutates_data: true }
    }
}

// No background work: the default start/shutdown (no-ops) satisfy the lifecycle contract.
impl<T: Payload> Component for RedactionProcessor<T> {}
