//! The `probabilistic_sampler` processor: drops the spans or log records the
//! sampler rejects and forwards the rest (nothing when nothing is left).

use std::fmt;
use std::marker::PhantomData;

use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, Logs, Meter, Payload, SharedConsumer, Traces,
    async_trait,
};

use crate::config::ProbabilisticSamplerConfig;
use crate::logs::sample_log;
use crate::sampler::Sampler;
use crate::telemetry::{COUNT_LOGS_SAMPLED, COUNT_TRACES_SAMPLED, Counts};
use crate::traces::sample_span;

/// Samples the items of each payload and forwards what is kept.
pub struct ProbabilisticSamplerProcessor<T: Payload> {
    id: String,
    sampler: Sampler,
    fail_closed: bool,
    sampling_priority: String,
    precision: i32,
    meter: Meter,
    next: SharedConsumer<T>,
    signal: PhantomData<fn(T)>,
}

impl<T: Payload> fmt::Debug for ProbabilisticSamplerProcessor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbabilisticSamplerProcessor")
            .field("id", &self.id)
            .field("signal", &T::SIGNAL)
            .field("sampler", &self.sampler)
            .field("fail_closed", &self.fail_closed)
            .finish()
    }
}

impl<T: Payload> ProbabilisticSamplerProcessor<T> {
    /// A processor with id `id` for `cfg` (already validated), feeding `next`.
    pub fn new(id: String, cfg: &ProbabilisticSamplerConfig, next: SharedConsumer<T>) -> Self {
        ProbabilisticSamplerProcessor {
            id,
            sampler: Sampler::new(cfg),
            fail_closed: cfg.fail_closed,
            sampling_priority: cfg.sampling_priority.clone(),
            precision: cfg.sampling_precision,
            meter: Meter::default(),
            next,
            signal: PhantomData,
        }
    }

    /// The same processor recording its self-metrics through `meter`
    /// (`Settings::telemetry.meter`; default the global recorder).
    pub fn with_meter(mut self, meter: Meter) -> Self {
        self.meter = meter;
        self
    }

    /// The sampling mode in use.
    pub fn sampler(&self) -> &Sampler {
        &self.sampler
    }
}

impl<T: Payload> Component for ProbabilisticSamplerProcessor<T> {}

const MUTATES: Capabilities = Capabilities { mutates_data: true };

#[async_trait]
impl Consumer<Traces> for ProbabilisticSamplerProcessor<Traces> {
    async fn consume(&self, mut data: Traces) -> Result<(), ConsumeError> {
        let mut counts = Counts::default();
        let req = data.request_mut();
        req.resource_spans.retain_mut(|rs| {
            rs.scope_spans.retain_mut(|ss| {
                ss.spans.retain_mut(|span| {
                    let d = sample_span(&self.sampler, self.fail_closed, span);
                    counts.add(&d);
                    d.sampled
                });
                !ss.spans.is_empty()
            });
            !rs.scope_spans.is_empty()
        });
        let empty = req.resource_spans.is_empty();
        counts.record(&self.meter, COUNT_TRACES_SAMPLED, &self.id);
        if empty {
            return Ok(());
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        MUTATES
    }
}

#[async_trait]
impl Consumer<Logs> for ProbabilisticSamplerProcessor<Logs> {
    async fn consume(&self, mut data: Logs) -> Result<(), ConsumeError> {
        let mut counts = Counts::default();
        let req = data.request_mut();
        req.resource_logs.retain_mut(|rl| {
            rl.scope_logs.retain_mut(|sl| {
                sl.log_records.retain_mut(|record| {
                    let d = sample_log(
                        &self.sampler,
                        self.fail_closed,
                        &self.sampling_priority,
                        self.precision,
                        record,
                    );
                    counts.add(&d);
                    d.sampled
                });
                !sl.log_records.is_empty()
            });
            !rl.scope_logs.is_empty()
        });
        let empty = req.resource_logs.is_empty();
        counts.record(&self.meter, COUNT_LOGS_SAMPLED, &self.id);
        if empty {
            return Ok(());
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        MUTATES
    }
}
