//! Metric instruments created on the facade's meter (scope `llm-app`).

use std::borrow::Cow;

use opentelemetry::metrics::{AsyncInstrument, Counter, Histogram, ObservableGauge, UpDownCounter};

use super::Telemetry;

impl Telemetry {
    /// A monotonic `u64` counter.
    pub fn create_counter(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
    ) -> Counter<u64> {
        let b = self.inner.meter.u64_counter(name);
        b.with_description(description).with_unit(unit).build()
    }

    /// An `f64` histogram; empty `boundaries` keep the SDK's default buckets.
    pub fn create_histogram(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
        boundaries: &[f64],
    ) -> Histogram<f64> {
        let mut b = self.inner.meter.f64_histogram(name).with_description(description);
        if !boundaries.is_empty() {
            b = b.with_boundaries(boundaries.to_vec());
        }
        b.with_unit(unit).build()
    }

    /// An `i64` up-down counter (e.g. requests in flight).
    pub fn create_up_down_counter(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
    ) -> UpDownCounter<i64> {
        let b = self.inner.meter.i64_up_down_counter(name);
        b.with_description(description).with_unit(unit).build()
    }

    /// An `f64` gauge whose `callback` reports values at each collection
    /// (`observer.observe(value, &attributes)`).
    pub fn create_observable_gauge<F>(
        &self,
        name: impl Into<Cow<'static, str>>,
        description: impl Into<Cow<'static, str>>,
        unit: impl Into<Cow<'static, str>>,
        callback: F,
    ) -> ObservableGauge<f64>
    where
        F: Fn(&dyn AsyncInstrument<f64>) + Send + Sync + 'static,
    {
        let b = self.inner.meter.f64_observable_gauge(name);
        b.with_description(description)
            .with_unit(unit)
            .with_callback(callback)
            .build()
    }
}
