//! The consumer: the one interface data flows through.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;

use crate::error::ConsumeError;
use crate::id::Signal;
use otelcol_pdata::{Logs, Metrics, Payload, Traces};

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

    /// True if this consumer (or one it hands the data to in turn) reads
    /// every payload decoded, so that a receiver had better decode a
    /// request at once than check its bytes and keep them encoded.
    /// Defaults to [`mutates_data`](Capabilities::mutates_data); a
    /// mutating consumer that can edit encoded payloads (the `attributes`
    /// and `resource` processors) answers for its next consumer instead.
    fn decodes_input(&self) -> bool {
        self.capabilities().mutates_data
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

impl Consumers {
    /// The slot of payload type `T`, seen as `Any` so that one generic
    /// accessor serves the three signals.
    fn slot_mut<T: Payload>(&mut self) -> &mut dyn Any {
        match T::SIGNAL {
            Signal::Traces => &mut self.traces,
            Signal::Metrics => &mut self.metrics,
            Signal::Logs => &mut self.logs,
        }
    }

    /// The consumer for payload type `T`, if any.
    pub fn get<T: Payload>(&self) -> Option<&SharedConsumer<T>> {
        let slot: &dyn Any = match T::SIGNAL {
            Signal::Traces => &self.traces,
            Signal::Metrics => &self.metrics,
            Signal::Logs => &self.logs,
        };
        slot.downcast_ref::<Option<SharedConsumer<T>>>()?.as_ref()
    }

    /// Sets the consumer for payload type `T`.
    pub fn set<T: Payload>(&mut self, consumer: SharedConsumer<T>) {
        if let Some(slot) = self.slot_mut::<T>().downcast_mut::<Option<SharedConsumer<T>>>() {
            *slot = Some(consumer);
        }
    }

    /// Takes the consumer for payload type `T` out, leaving `None`.
    pub fn take<T: Payload>(&mut self) -> Option<SharedConsumer<T>> {
        self.slot_mut::<T>()
            .downcast_mut::<Option<SharedConsumer<T>>>()
            .and_then(Option::take)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Nop;
    #[async_trait]
    impl<T: Payload> Consumer<T> for Nop {
        async fn consume(&self, _data: T) -> Result<(), ConsumeError> {
            Ok(())
        }
    }

    #[test]
    fn generic_access_reaches_the_signal_slot() {
        let mut c = Consumers::default();
        c.set::<Metrics>(Arc::new(Nop));
        assert!(c.metrics.is_some());
        assert!(c.get::<Metrics>().is_some());
        assert!(c.get::<Traces>().is_none() && c.get::<Logs>().is_none());
        c.set::<Logs>(Arc::new(Nop));
        assert!(c.take::<Logs>().is_some());
        assert!(c.logs.is_none());
    }
}
