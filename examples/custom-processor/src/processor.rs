//! The `redaction` processor: rewrites attribute values, then hands the data on.

use std::collections::HashSet;
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
    /// Compiles a config; errors name the bad regex (`blocked_values::1`).
    pub fn new(cfg: &RedactionConfig) -> Result<Self, ConfigError> {
        let values = cfg.blocked_values.iter().enumerate().map(|(i, r)| {
            Regex::new(r).map_err(|e| ConfigError::at(format!("blocked_values::{i}"), e.to_string()))
        });
        Ok(Redactor {
            keys: cfg.blocked_keys.iter().cloned().collect(),
            values: values.collect::<Result<_, _>>()?,
            mask: cfg.mask.clone(),
            include_resource: cfg.include_resource,
        })
    }

    /// Redacts every attribute list of a payload of any signal: the items'
    /// (spans with their events and links, data points, log records) and,
    /// with `include_resource`, the resources'.
    pub fn payload<T: Payload>(&self, data: &mut T) {
        data.for_each_attributes_mut(|of, attrs| match of {
            AttributesOf::Scope => {}
            AttributesOf::Resource if !self.include_resource => {}
            _ => self.attributes(attrs),
        });
    }

    fn attributes(&self, attrs: &mut [KeyValue]) {
        for kv in attrs {
            if self.keys.contains(&kv.key) {
                let masked = Value::StringValue(self.mask.clone());
                kv.value = Some(AnyValue { value: Some(masked) });
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
}

/// One pipeline's `redaction` processor for payload type `T` (any signal).
#[derive(Debug)]
pub struct RedactionProcessor<T: Payload> {
    pub(crate) redactor: Arc<Redactor>,
    pub(crate) next: SharedConsumer<T>,
}

#[async_trait]
impl<T: Payload> Consumer<T> for RedactionProcessor<T> {
    async fn consume(&self, mut data: T) -> Result<(), ConsumeError> {
        self.redactor.payload(&mut data); // decodes and copies-on-write as needed
        self.next.consume(data).await // back-pressure is the await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true } // fan-out must give it a private copy
    }
}

// No background work: the default start/shutdown (no-ops) satisfy the lifecycle contract.
impl<T: Payload> Component for RedactionProcessor<T> {}
