//! Factories: how the runtime creates components from config.
//!
//! Each factory has a typed `Config`; the runtime deserializes the YAML for
//! the component into it (unknown keys refused), calls
//! [`ComponentConfig::validate`], then calls the create function for each
//! signal the component is used for.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::component::{Component, Extension, Settings, StabilityLevel};
use crate::consumer::{Consumer, Consumers, SharedConsumer};
use crate::error::{ConfigError, CreateError};
use crate::id::Signal;
use otelcol_pdata::{Logs, Metrics, Payload, Traces};

/// A component's config: a serde struct with `#[serde(deny_unknown_fields, default)]`
/// and a hand-written `Default` holding the documented defaults.
pub trait ComponentConfig:
    Serialize + DeserializeOwned + Default + Clone + fmt::Debug + Send + Sync + 'static
{
    /// Checks the config without side effects (no I/O, no network, no spawning).
    /// Messages name the key they are about.
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

/// What every factory declares.
pub trait Factory: Send + Sync + 'static {
    /// The component's config type.
    type Config: ComponentConfig;

    /// The type name used in config (`otlp`, `batch`).
    fn type_name(&self) -> &'static str;

    /// Older names that still select this factory, with a deprecation warning
    /// (`otlp_grpc` ↔ `otlp`).
    fn deprecated_aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// The crate that provides the component, `name version`, shown by `components`.
    fn module(&self) -> &'static str {
        ""
    }

    /// The default config; an empty value in YAML means exactly this.
    fn default_config(&self) -> Self::Config {
        Self::Config::default()
    }
}

/// Creates receivers. One receiver instance serves every pipeline and every
/// signal that names its id (one OTLP listener for all of them).
pub trait ReceiverFactory: Factory {
    /// Stability per signal; `None` means the signal is not supported.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel>;

    /// Creates the receiver. `next` holds a consumer for each signal the
    /// receiver is used for; the others are `None`.
    fn create(
        &self,
        set: &Settings,
        cfg: &Self::Config,
        next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError>;
}

/// A processor: a consumer with a lifecycle that feeds the next consumer.
pub trait Processor<T: Payload>: Consumer<T> + Component {}
impl<T: Payload, P: Consumer<T> + Component> Processor<T> for P {}

/// Creates processors: one instance per (pipeline, id), so `create` is
/// called once for every pipeline that lists the processor.
///
/// A processor is written once, generically over the payload type: the
/// signals it supports are those [`stability`](ProcessorFactory::stability)
/// answers for, and the runtime calls `create` only for those. A processor
/// whose code differs per signal builds the concrete one with [`for_signal`].
pub trait ProcessorFactory: Factory {
    /// Stability per signal; `None` means the signal is not supported.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel>;

    /// Creates a processor of payload type `T` feeding `next`.
    fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &Self::Config,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError>;
}

/// Inside a signal-generic `create`, builds the processor of the concrete
/// payload type `S` when `T` is `S`: `make` gets `next` as a consumer of `S`,
/// and the processor it returns is handed back as a processor of `T`.
/// Fails with [`CreateError::SignalNotSupported`] when `T` is another signal.
///
/// ```
/// # use std::sync::Arc;
/// # use otelcol_component::*;
/// # #[derive(Debug)] struct SpansOnly(SharedConsumer<Traces>);
/// # #[async_trait] impl Consumer<Traces> for SpansOnly {
/// #     async fn consume(&self, d: Traces) -> Result<(), ConsumeError> { self.0.consume(d).await }
/// # }
/// # impl Component for SpansOnly {}
/// fn create<T: Payload>(next: SharedConsumer<T>) -> Result<Arc<dyn Processor<T>>, CreateError> {
///     for_signal::<Traces, T>(next, |next| Ok(Arc::new(SpansOnly(next))))
/// }
/// # assert!(create::<Logs>(Arc::new(SpansOnlySink)).is_err());
/// # #[derive(Debug)] struct SpansOnlySink;
/// # #[async_trait] impl Consumer<Logs> for SpansOnlySink {
/// #     async fn consume(&self, _: Logs) -> Result<(), ConsumeError> { Ok(()) }
/// # }
/// ```
pub fn for_signal<S: Payload, T: Payload>(
    next: SharedConsumer<T>,
    make: impl FnOnce(SharedConsumer<S>) -> Result<Arc<dyn Processor<S>>, CreateError>,
) -> Result<Arc<dyn Processor<T>>, CreateError> {
    let next = cast::<SharedConsumer<T>, SharedConsumer<S>>(next)
        .ok_or(CreateError::SignalNotSupported(T::SIGNAL))?;
    cast::<Arc<dyn Processor<S>>, Arc<dyn Processor<T>>>(make(next)?)
        .ok_or(CreateError::SignalNotSupported(T::SIGNAL))
}

/// `a` as a `B` when `A` and `B` are the same type (no allocation).
pub(crate) fn cast<A: 'static, B: 'static>(a: A) -> Option<B> {
    let mut a = Some(a);
    (&mut a as &mut dyn Any)
        .downcast_mut::<Option<B>>()
        .and_then(Option::take)
}

/// An exporter: one instance per id, offering a consumer for each signal it supports.
///
/// Implement [`Consumer`] for each supported signal on the exporter type and
/// return `Some(self)` from the matching method.
pub trait Exporter: Component {
    /// The traces consumer, if traces are supported.
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        None
    }
    /// The metrics consumer, if metrics are supported.
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        None
    }
    /// The logs consumer, if logs are supported.
    fn logs(self: Arc<Self>) -> Option<SharedConsumer<Logs>> {
        None
    }
}

/// Creates exporters. One instance per id serves every pipeline and signal
/// that names it (so two signals can share one file or one connection).
pub trait ExporterFactory: Factory {
    /// Stability per signal; `None` means the signal is not supported.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel>;

    /// Creates the exporter. `signals` lists the signals it will be used for.
    fn create(
        &self,
        set: &Settings,
        cfg: &Self::Config,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError>;
}

/// Creates extensions.
pub trait ExtensionFactory: Factory {
    /// The extension's stability.
    fn stability(&self) -> StabilityLevel;

    /// Creates the extension.
    fn create(&self, set: &Settings, cfg: &Self::Config) -> Result<Arc<dyn Extension>, CreateError>;
}

impl dyn Exporter {
    /// The exporter's consumer for payload type `T`, if it supports that signal.
    pub fn consumer<T: Payload>(self: Arc<Self>) -> Option<SharedConsumer<T>> {
        let mut out: Option<SharedConsumer<T>> = None;
        let slot: &mut dyn Any = &mut out;
        match T::SIGNAL {
            Signal::Traces => set_any(slot, self.traces()),
            Signal::Metrics => set_any(slot, self.metrics()),
            Signal::Logs => set_any(slot, self.logs()),
        }
        out
    }
}

/// Stores `value` in `slot` when `slot` holds a value of the same type
/// (the bridge from a concrete signal to a generic `T` of the same signal).
fn set_any<V: 'static>(slot: &mut dyn Any, value: V) {
    if let Some(s) = slot.downcast_mut::<V>() {
        *s = value;
    }
}

#[cfg(test)]
mod tests {
    use async_trait::async_trait;

    use super::*;
    use crate::error::ConsumeError;

    #[derive(Debug)]
    struct TracesOnly;
    #[async_trait]
    impl Consumer<Traces> for TracesOnly {
        async fn consume(&self, _data: Traces) -> Result<(), ConsumeError> {
            Ok(())
        }
    }
    impl Component for TracesOnly {}
    impl Exporter for TracesOnly {
        fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
            Some(self)
        }
    }

    #[derive(Debug)]
    struct Any<T>(std::marker::PhantomData<fn() -> T>);
    #[async_trait]
    impl<T: Payload> Consumer<T> for Any<T> {
        async fn consume(&self, _data: T) -> Result<(), ConsumeError> {
            Ok(())
        }
    }

    #[test]
    fn exporter_consumer_of_the_signal_it_offers() {
        let e: Arc<dyn Exporter> = Arc::new(TracesOnly);
        assert!(e.clone().consumer::<Traces>().is_some());
        assert!(e.clone().consumer::<Metrics>().is_none());
        assert!(e.consumer::<Logs>().is_none());
    }

    fn create<T: Payload>(next: SharedConsumer<T>) -> Result<Arc<dyn Processor<T>>, CreateError> {
        for_signal::<Traces, T>(next, |_next| Ok(Arc::new(TracesOnly)))
    }

    #[test]
    fn for_signal_builds_only_its_signal() {
        assert!(create::<Traces>(Arc::new(Any(std::marker::PhantomData))).is_ok());
        assert!(matches!(
            create::<Logs>(Arc::new(Any(std::marker::PhantomData))),
            Err(CreateError::SignalNotSupported(Signal::Logs))
        ));
        assert_eq!(cast::<u8, u8>(7), Some(7));
        assert_eq!(cast::<u8, u16>(7), None);
    }
}
