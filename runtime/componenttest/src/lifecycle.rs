//! Contract checks every component should pass.

use std::sync::Arc;

use otelcol_component::{
    ComponentConfig, Consumers, ExporterFactory, Kind, Logs, Metrics, Payload, ProcessorFactory,
    ReceiverFactory, Signal, Traces,
};

use crate::{NopHost, Sink, nop_settings};

/// Parses a component config from YAML the way the runtime does: an empty
/// document means the defaults, unknown keys are refused, `validate` runs.
pub fn parse_config<C: ComponentConfig>(yaml: &str) -> Result<C, String> {
    let value: serde_yaml::Value = serde_yaml::from_str(yaml).map_err(|e| e.to_string())?;
    let cfg: C = if value.is_null() {
        C::default()
    } else {
        serde_yaml::from_value(value).map_err(|e| e.to_string())?
    };
    cfg.validate().map_err(|e| e.to_string())?;
    Ok(cfg)
}

fn sample<T: Payload>() -> T {
    T::default()
}

/// Checks a receiver factory: the given config validates; for every
/// supported signal the receiver can be shut down without being started, and
/// started then shut down twice.
pub async fn check_receiver_lifecycle<F: ReceiverFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    let set = nop_settings(factory.type_name(), Kind::Receiver);
    let mut next = Consumers::default();
    if factory.stability(Signal::Traces).is_some() {
        next.traces = Some(Sink::<Traces>::new());
    }
    if factory.stability(Signal::Metrics).is_some() {
        next.metrics = Some(Sink::<Metrics>::new());
    }
    if factory.stability(Signal::Logs).is_some() {
        next.logs = Some(Sink::<Logs>::new());
    }
    let r = factory
        .create(&set, cfg, next.clone())
        .map_err(|e| e.to_string())?;
    r.shutdown()
        .await
        .map_err(|e| format!("shutdown without start: {e}"))?;
    let r = factory.create(&set, cfg, next).map_err(|e| e.to_string())?;
    r.start(NopHost::new()).await.map_err(|e| format!("start: {e}"))?;
    r.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    r.shutdown().await.map_err(|e| format!("second shutdown: {e}"))?;
    Ok(())
}

async fn processor_signal<F: ProcessorFactory, T: Payload>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    let set = nop_settings(factory.type_name(), Kind::Processor);
    let sink = Sink::<T>::new();
    let p = factory
        .create::<T>(&set, cfg, sink.clone())
        .map_err(|e| e.to_string())?;
    p.shutdown()
        .await
        .map_err(|e| format!("shutdown without start: {e}"))?;
    let p = factory.create::<T>(&set, cfg, sink).map_err(|e| e.to_string())?;
    p.start(NopHost::new()).await.map_err(|e| format!("start: {e}"))?;
    p.consume(sample::<T>())
        .await
        .map_err(|e| format!("consume: {e}"))?;
    p.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    p.shutdown().await.map_err(|e| format!("second shutdown: {e}"))?;
    Ok(())
}

/// Checks a processor factory for every supported signal: shutdown without
/// start, start → consume → shutdown, and a second shutdown.
pub async fn check_processor_lifecycle<F: ProcessorFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    if factory.stability(Signal::Traces).is_some() {
        processor_signal::<F, Traces>(factory, cfg).await?;
    }
    if factory.stability(Signal::Metrics).is_some() {
        processor_signal::<F, Metrics>(factory, cfg).await?;
    }
    if factory.stability(Signal::Logs).is_some() {
        processor_signal::<F, Logs>(factory, cfg).await?;
    }
    Ok(())
}

async fn exporter_signal<T: Payload>(e: &Arc<dyn otelcol_component::Exporter>) -> Result<(), String> {
    let c = e
        .clone()
        .consumer::<T>()
        .ok_or_else(|| format!("exporter declares {} but offers no consumer", T::SIGNAL))?;
    c.consume(sample::<T>())
        .await
        .map_err(|e| format!("consume {}: {e}", T::SIGNAL))
}

/// Checks an exporter factory: shutdown without start; start, consume an
/// empty payload of every supported signal, shutdown twice.
pub async fn check_exporter_lifecycle<F: ExporterFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    let set = nop_settings(factory.type_name(), Kind::Exporter);
    let signals: Vec<Signal> = Signal::ALL
        .into_iter()
        .filter(|s| factory.stability(*s).is_some())
        .collect();
    let e = factory.create(&set, cfg, &signals).map_err(|e| e.to_string())?;
    e.shutdown()
        .await
        .map_err(|e| format!("shutdown without start: {e}"))?;
    let e = factory.create(&set, cfg, &signals).map_err(|e| e.to_string())?;
    e.start(NopHost::new()).await.map_err(|e| format!("start: {e}"))?;
    for s in &signals {
        match s {
            Signal::Traces => exporter_signal::<Traces>(&e).await?,
            Signal::Metrics => exporter_signal::<Metrics>(&e).await?,
            Signal::Logs => exporter_signal::<Logs>(&e).await?,
        }
    }
    e.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    e.shutdown().await.map_err(|e| format!("second shutdown: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::Consumer;

    #[tokio::test]
    async fn sink_counts_and_waits() {
        let sink = Sink::<Traces>::new();
        assert!(!sink.wait_for_items(1, std::time::Duration::from_millis(10)).await);
        let mut req = otelcol_component::proto::collector::trace::v1::ExportTraceServiceRequest::default();
        req.resource_spans
            .push(otelcol_component::proto::trace::v1::ResourceSpans {
                scope_spans: vec![otelcol_component::proto::trace::v1::ScopeSpans {
                    spans: vec![Default::default(), Default::default()],
                    ..Default::default()
                }],
                ..Default::default()
            });
        sink.consume(Traces::from_request(req)).await.unwrap();
        assert!(sink.wait_for_items(2, std::time::Duration::from_millis(10)).await);
        assert_eq!(sink.payload_count(), 1);
        sink.reset();
        assert_eq!(sink.item_count(), 0);
    }
}
