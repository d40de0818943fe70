//! The `debug` exporter: prints a summary (and at higher verbosity, the data)
//! of every payload it is given.

use std::sync::Arc;
use std::time::Instant;

use otelcol_component::{
    Component, ComponentError, ComponentId, ConsumeError, Consumer, Exporter, Host, Logs, Metrics, Payload,
    Settings, SharedConsumer, Signal, Traces, async_trait,
};

use crate::config::{DebugConfig, Verbosity};
use crate::output::Outputs;
use crate::sampler::Sampler;
use crate::text::{self, Rendered};

#[derive(Debug)]
enum Output {
    /// Through `tracing` at level info.
    Internal,
    /// To `output_paths`.
    Paths(Outputs),
}

/// Prints every payload, as configured by [`DebugConfig`]. One instance
/// serves all signals; it never fails a `consume` and never mutates data.
#[derive(Debug)]
pub struct DebugExporter {
    id: ComponentId,
    verbosity: Verbosity,
    sampler: Sampler,
    output: Output,
}

impl DebugExporter {
    /// An exporter for the component in `set` with config `cfg`.
    pub fn new(set: &Settings, cfg: &DebugConfig) -> Self {
        DebugExporter {
            id: set.id.clone(),
            verbosity: cfg.verbosity,
            sampler: Sampler::new(cfg.sampling_initial, cfg.sampling_thereafter),
            output: if cfg.use_internal_logger {
                Output::Internal
            } else {
                Output::Paths(Outputs::new(cfg.effective_output_paths()))
            },
        }
    }

    fn emit(&self, signal: Signal, render: impl FnOnce(Verbosity) -> Rendered) {
        let key = match signal {
            Signal::Traces => 0,
            Signal::Metrics => 1,
            Signal::Logs => 2,
        };
        if !self.sampler.sample(key, Instant::now()) {
            return;
        }
        let r = render(self.verbosity);
        match &self.output {
            Output::Internal => {
                tracing::info!(
                    otelcol.component.id = %self.id,
                    otelcol.component.kind = "exporter",
                    otelcol.signal = signal.as_str(),
                    "{}",
                    r.summary.line()
                );
                if let Some(body) = &r.body {
                    tracing::info!(
                        otelcol.component.id = %self.id,
                        otelcol.component.kind = "exporter",
                        otelcol.signal = signal.as_str(),
                        "{}",
                        body.trim_end_matches('\n')
                    );
                }
            }
            Output::Paths(out) => {
                // zap's console encoder without time, level and caller:
                // message, a tab, the fields; then the body as its own entry.
                let mut text = format!("{}\t{}\n", r.summary.message, r.summary.fields_json());
                if let Some(body) = &r.body {
                    text.push_str(body);
                    text.push('\n');
                }
                if let Err(e) = out.write(&text) {
                    tracing::warn!(exporter = %self.id, error = %e, "debug exporter cannot write its output");
                }
            }
        }
    }
}

#[async_trait]
impl Component for DebugExporter {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        if let Output::Paths(out) = &self.output {
            out.open().map_err(|e| ComponentError::new(e.to_string()))?;
        }
        Ok(())
    }

    async fn shutdown(&self) -> Result<(), ComponentError> {
        if let Output::Paths(out) = &self.output {
            out.close()
                .map_err(|e| ComponentError::with_source("debug exporter cannot flush its output", e))?;
        }
        Ok(())
    }
}

impl Exporter for DebugExporter {
    fn traces(self: Arc<Self>) -> Option<SharedConsumer<Traces>> {
        Some(self)
    }
    fn metrics(self: Arc<Self>) -> Option<SharedConsumer<Metrics>> {
        Some(self)
    }
    fn logs(self: Arc<Self>) -> Option<SharedConsumer<Logs>> {
        Some(self)
    }
}

#[async_trait]
impl Consumer<Traces> for DebugExporter {
    async fn consume(&self, data: Traces) -> Result<(), ConsumeError> {
        self.emit(Signal::Traces, |v| text::traces(data.request(), v));
        Ok(())
    }
}

#[async_trait]
impl Consumer<Metrics> for DebugExporter {
    async fn consume(&self, data: Metrics) -> Result<(), ConsumeError> {
        self.emit(Signal::Metrics, |v| text::metrics(data.request(), v));
        Ok(())
    }
}

#[async_trait]
impl Consumer<Logs> for DebugExporter {
    async fn consume(&self, data: Logs) -> Result<(), ConsumeError> {
        self.emit(Signal::Logs, |v| text::logs(data.request(), v));
        Ok(())
    }
}
