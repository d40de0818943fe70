//! The consumer: the one interface data flows through.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::ConsumeError;
use crate::pdata::{Logs, Metrics, Payload, Traces};

/// What a consumer does with the data it is handed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Capabilities {
    /// True if the consumer modifies its input. Fan-out shares data between
    /// read-only consumers and lets mutating ones take a private copy.
    pub mutates_data: bool,
}

/// Takes payloads of one signal. Processors and exporters are consumers; a
/// receiver holds the consumer it feeds.
///
/// `consume` returns once the data is accepted downstream: back-pressure is
/// the await, and refusal is the error (retryable or permanent), as in the Go
/// collector. After it returns the caller must not expect the data back.
#[async_trait]
pub trait Consumer<T: Payload>: Send + Sync + fmt::Debug {
    /// Hands `data` to this consumer.
    async fn consume(&self, data: T) -> Result<(), ConsumeError>;

    /// What this consumer does with its input. Defaults to read-only.
    fn capabilities(&self) -> Capabilities {
        Capabilities::default()
    }
}

/// A shared consumer of `T`.
pub type SharedConsumer<T> = Arc<dyn Consumer<T>>;

/// One optional consumer per signal: what a receiver feeds, what an exporter offers.
#[derive(Clone, Default)]
pub struct Consumers {
    /// Where spans go.
    pub traces: Option<SharedConsumer<Traces>>,
    /// Where metrics go.
    pub metrics: Option<SharedConsumer<Metrics>>,
    /// Where logs go.
    pub logs: Option<SharedConsumer<Logs>>,
}

impl fmt::Debug for Consumers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Consumers")
            .field("traces", &self.traces.is_some())
            .field("metrics", &self.metrics.is_some())
            .field("logs", &self.logs.is_some())
            .finish()
    }
}

/// Selects the slot of a [`Consumers`] for a payload type, so code can be
/// written once, generically over the signal.
pub trait ConsumerSlot: Payload {
    /// The consumer for this signal, if any.
    fn slot(c: &Consumers) -> Option<&SharedConsumer<Self>>;
    /// The consumer slot for this signal.
    fn slot_mut(c: &mut Consumers) -> &mut Option<SharedConsumer<Self>>;
}

impl ConsumerSlot for Traces {
    fn slot(c: &Consumers) -> Option<&SharedConsumer<Self>> {
        c.traces.as_ref()
    }
    fn slot_mut(c: &mut Consumers) -> &mut Option<SharedConsumer<Self>> {
        &mut c.traces
    }
}
impl ConsumerSlot for Metrics {
    fn slot(c: &Consumers) -> Option<&SharedConsumer<Self>> {
        c.metrics.as_ref()
    }
    fn slot_mut(c: &mut Consumers) -> &mut Option<SharedConsumer<Self>> {
        &mut c.metrics
    }
}
impl ConsumerSlot for Logs {
    fn slot(c: &Consumers) -> Option<&SharedConsumer<Self>> {
        c.logs.as_ref()
    }
    fn slot_mut(c: &mut Consumers) -> &mut Option<SharedConsumer<Self>> {
        &mut c.logs
    }
}

impl Consumers {
    /// The consumer for payload type `T`.
    pub fn get<T: ConsumerSlot>(&self) -> Option<&SharedConsumer<T>> {
        T::slot(self)
    }

    /// Sets the consumer for payload type `T`.
    pub fn set<T: ConsumerSlot>(&mut self, consumer: SharedConsumer<T>) {
        *T::slot_mut(self) = Some(consumer);
    }
}
