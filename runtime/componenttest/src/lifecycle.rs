//! Contract checks every component should pass.
//!
//! Each check returns `Err(message)` naming the step (and signal) that
//! failed; [`component_tests!`](crate::component_tests) turns them into tests.

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{
    ComponentConfig, ComponentType, ConnectorFactory, Consumers, Exporter, ExporterFactory, ExtensionFactory,
    Factory, Kind, Logs, Metrics, Payload, PipelineId, Processor, ProcessorFactory, ReceiverFactory, Router,
    Settings, SharedConsumer, Signal, Traces,
};

use crate::{NopHost, Sink, StatusHost, generate, nop_settings};

/// Parses a component config from YAML the way the runtime does (through
/// `otelcol_confmap`, the function the service decodes every component
/// section with): an empty document means the defaults, strings are read as
/// numbers where numbers are wanted, every unknown key is refused, then
/// `validate` runs. Errors are the runtime's messages (`key::path: what`),
/// joined with `; `.
pub fn parse_config<C: ComponentConfig>(yaml: &str) -> Result<C, String> {
    let cfg: C = decode(yaml)?;
    cfg.validate().map_err(|e| e.to_string())?;
    Ok(cfg)
}

/// [`parse_config`] without `validate`.
fn decode<C: ComponentConfig>(yaml: &str) -> Result<C, String> {
    otelcol_confmap::decode_yaml(yaml, "").map_err(|issues| {
        issues
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

/// How long a check watches a sink after shutdown returned for output that
/// should not come (longer than the default batch timeout).
const AFTER_SHUTDOWN: Duration = Duration::from_millis(300);

/// The test data a check sends: 2 resources × 2 scopes × 5 items (for
/// metrics, one of each data-point type per scope).
fn sample<T: Payload>() -> T {
    generate::payload::<T>(2, 2, 5)
}

/// What a processor does to data, for [`check_processor_data`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expect {
    /// Everything reaches the next consumer unchanged (possibly re-batched):
    /// the received payloads, merged, equal what was sent.
    Unchanged,
    /// Every item reaches the next consumer, possibly modified.
    SameItems,
    /// Items may be dropped (filters, samplers); at most what was sent arrives.
    AtMostSent,
}

/// Whether a component's default config is valid on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultConfig {
    /// The default config validates (most components).
    Valid,
    /// The default config must be completed by the user and is refused by
    /// `validate` (as Go's, e.g. `memory_limiter` without `check_interval`).
    Invalid,
}

/// Checks the factory's facts: the type name is valid; the default config
/// validates (or, for [`DefaultConfig::Invalid`], is refused), serializes
/// and decodes back to the same; an unknown key is refused with a message
/// naming it; `config` (YAML, as in a collector config) parses and validates.
pub fn check_factory<F: Factory>(
    factory: &F,
    default_config: DefaultConfig,
    config: &str,
) -> Result<(), String> {
    ComponentType::new(factory.type_name())
        .map_err(|e| format!("type name {:?} invalid: {e}", factory.type_name()))?;
    let default = factory.default_config();
    match (default.validate(), default_config) {
        (Err(e), DefaultConfig::Valid) => return Err(format!("default config invalid: {e}")),
        (Ok(()), DefaultConfig::Invalid) => {
            return Err("default config validates, but the test says it is invalid".into());
        }
        _ => {}
    }
    let yaml =
        serde_yaml::to_string(&default).map_err(|e| format!("default config does not serialize: {e}"))?;
    let back: F::Config =
        decode(&yaml).map_err(|e| format!("default config does not decode back: {e}\n{yaml}"))?;
    let again = serde_yaml::to_string(&back).map_err(|e| format!("re-serialize: {e}"))?;
    if again != yaml {
        return Err(format!(
            "default config changes on a round trip:\n{yaml}\nbecame\n{again}"
        ));
    }
    const UNKNOWN: &str = "surely_not_a_setting";
    match decode::<F::Config>(&format!("{UNKNOWN}: 1")) {
        Ok(_) => return Err(format!("unknown key {UNKNOWN:?} accepted")),
        Err(e) if !e.contains(UNKNOWN) => {
            return Err(format!("unknown key refused without naming it: {e}"));
        }
        Err(_) => {}
    }
    // A connector's contract config names its pipeline as `{signal}/contract`.
    let config = config.replace("{signal}", "traces");
    parse_config::<F::Config>(&config).map_err(|e| format!("config {config:?} refused: {e}"))?;
    Ok(())
}

/// The pipeline a connector's contract check feeds: `<signal>/contract`.
pub fn contract_pipeline(signal: Signal) -> PipelineId {
    // "contract" is a valid name for every signal.
    PipelineId::new(signal, Some("contract")).unwrap_or_else(|_| unreachable!("valid pipeline name"))
}

fn one_consumer<T: Payload>(mut v: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
    v.pop()
}

async fn connector_pair<F: ConnectorFactory, A: Payload, B: Payload>(
    factory: &F,
    config: &str,
) -> Result<(), String> {
    let pair = format!("{} to {}", A::SIGNAL, B::SIGNAL);
    let yaml = config.replace("{signal}", B::SIGNAL.as_str());
    let cfg =
        parse_config::<F::Config>(&yaml).map_err(|e| format!("{pair}: config {yaml:?} refused: {e}"))?;
    let set = nop_settings(factory.type_name(), Kind::Connector);
    let sink = Sink::<B>::new();
    let router = || {
        Router::new(
            vec![(contract_pipeline(B::SIGNAL), sink.clone() as SharedConsumer<B>)],
            one_consumer::<B>,
        )
    };
    let c = factory
        .create::<A, B>(&set, &cfg, router())
        .map_err(|e| format!("{pair}: create: {e}"))?;
    c.shutdown()
        .await
        .map_err(|e| format!("{pair}: shutdown without start: {e}"))?;
    let c = factory
        .create::<A, B>(&set, &cfg, router())
        .map_err(|e| format!("{pair}: create: {e}"))?;
    let host = StatusHost::new();
    c.start(host.clone())
        .await
        .map_err(|e| format!("{pair}: start: {e}"))?;
    c.consume(sample::<A>())
        .await
        .map_err(|e| format!("{pair}: consume: {e}"))?;
    c.shutdown().await.map_err(|e| format!("{pair}: shutdown: {e}"))?;
    let after = sink.payload_count();
    tokio::time::sleep(AFTER_SHUTDOWN).await;
    if sink.payload_count() != after {
        return Err(format!(
            "{pair}: output reached the pipeline after shutdown returned"
        ));
    }
    c.shutdown()
        .await
        .map_err(|e| format!("{pair}: second shutdown: {e}"))?;
    host.no_errors()
}

/// Checks a connector factory for every signal pair it supports: the config
/// (with `{signal}` replaced by the output signal, so routes can name the
/// check's pipeline `{signal}/contract`) validates; shutdown without start;
/// start → consume generated data → shutdown; nothing reaches the
/// pipeline after shutdown returned; a second shutdown; no error status.
pub async fn check_connector_lifecycle<F: ConnectorFactory>(factory: &F, config: &str) -> Result<(), String> {
    async fn to<F: ConnectorFactory, A: Payload>(
        factory: &F,
        config: &str,
        to: Signal,
    ) -> Result<(), String> {
        match to {
            Signal::Traces => connector_pair::<F, A, Traces>(factory, config).await,
            Signal::Metrics => connector_pair::<F, A, Metrics>(factory, config).await,
            Signal::Logs => connector_pair::<F, A, Logs>(factory, config).await,
        }
    }
    let mut pairs = 0;
    for from in Signal::ALL {
        for t in Signal::ALL {
            if factory.stability(from, t).is_none() {
                continue;
            }
            pairs += 1;
            match from {
                Signal::Traces => to::<F, Traces>(factory, config, t).await?,
                Signal::Metrics => to::<F, Metrics>(factory, config, t).await?,
                Signal::Logs => to::<F, Logs>(factory, config, t).await?,
            }
        }
    }
    if pairs == 0 {
        return Err("the factory supports no signal pair".into());
    }
    Ok(())
}

/// Checks a receiver factory: the given config validates; the receiver can
/// be shut down without being started, and started then shut down twice;
/// nothing reaches the next consumers after shutdown returned.
pub async fn check_receiver_lifecycle<F: ReceiverFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    let set = nop_settings(factory.type_name(), Kind::Receiver);
    let traces = Sink::<Traces>::new();
    let metrics = Sink::<Metrics>::new();
    let logs = Sink::<Logs>::new();
    let mut next = Consumers::default();
    if factory.stability(Signal::Traces).is_some() {
        next.traces = Some(traces.clone());
    }
    if factory.stability(Signal::Metrics).is_some() {
        next.metrics = Some(metrics.clone());
    }
    if factory.stability(Signal::Logs).is_some() {
        next.logs = Some(logs.clone());
    }
    let r = factory
        .create(&set, cfg, next.clone())
        .map_err(|e| e.to_string())?;
    r.shutdown()
        .await
        .map_err(|e| format!("shutdown without start: {e}"))?;
    let r = factory.create(&set, cfg, next).map_err(|e| e.to_string())?;
    let host = StatusHost::new();
    r.start(host.clone()).await.map_err(|e| format!("start: {e}"))?;
    r.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    let before = (traces.item_count(), metrics.item_count(), logs.item_count());
    tokio::time::sleep(AFTER_SHUTDOWN).await;
    let after = (traces.item_count(), metrics.item_count(), logs.item_count());
    if before != after {
        return Err(format!(
            "output after shutdown: items (traces, metrics, logs) {before:?} → {after:?}"
        ));
    }
    r.shutdown().await.map_err(|e| format!("second shutdown: {e}"))?;
    host.no_errors()
}

/// Creates a processor of signal `T`: the one place the test kit calls a
/// processor factory's create function.
fn create_processor<F: ProcessorFactory, T: Payload>(
    factory: &F,
    set: &Settings,
    cfg: &F::Config,
    next: SharedConsumer<T>,
) -> Result<Arc<dyn Processor<T>>, String> {
    factory
        .create::<T>(set, cfg, next)
        .map_err(|e| format!("create {}: {e}", T::SIGNAL))
}

/// The signals a factory declares.
fn supported(stability: impl Fn(Signal) -> bool) -> Vec<Signal> {
    Signal::ALL.into_iter().filter(|s| stability(*s)).collect()
}

async fn processor_signal<F: ProcessorFactory, T: Payload>(
    factory: &F,
    cfg: &F::Config,
    expect: Option<Expect>,
) -> Result<(), String> {
    let signal = T::SIGNAL;
    let set = nop_settings(factory.type_name(), Kind::Processor);
    let sink = Sink::<T>::new();
    let p = create_processor::<F, T>(factory, &set, cfg, sink.clone())?;
    p.shutdown()
        .await
        .map_err(|e| format!("{signal}: shutdown without start: {e}"))?;
    let p = create_processor::<F, T>(factory, &set, cfg, sink.clone())?;
    let host = StatusHost::new();
    p.start(host.clone())
        .await
        .map_err(|e| format!("{signal}: start: {e}"))?;
    let sent = sample::<T>();
    let sent_items = sent.item_count();
    p.consume(sent.clone())
        .await
        .map_err(|e| format!("{signal}: consume: {e}"))?;
    p.shutdown()
        .await
        .map_err(|e| format!("{signal}: shutdown: {e}"))?;
    let at_shutdown = sink.item_count();
    let payloads = sink.payload_count();
    tokio::time::sleep(AFTER_SHUTDOWN).await;
    if sink.item_count() != at_shutdown || sink.payload_count() != payloads {
        return Err(format!(
            "{signal}: output after shutdown returned: {at_shutdown} items then {}",
            sink.item_count()
        ));
    }
    match expect {
        None => {}
        Some(Expect::AtMostSent) if at_shutdown > sent_items => {
            return Err(format!(
                "{signal}: sent {sent_items} items, {at_shutdown} arrived"
            ));
        }
        Some(Expect::SameItems | Expect::Unchanged) if at_shutdown != sent_items => {
            return Err(format!(
                "{signal}: sent {sent_items} items, {at_shutdown} reached the next consumer by shutdown"
            ));
        }
        Some(Expect::Unchanged) => {
            let mut got = T::default();
            for part in sink.all() {
                got.merge(part);
            }
            if got.request() != sent.request() {
                return Err(format!("{signal}: data changed on the way through"));
            }
        }
        Some(_) => {}
    }
    p.shutdown()
        .await
        .map_err(|e| format!("{signal}: second shutdown: {e}"))?;
    host.no_errors()
}

/// Checks a processor factory for every supported signal: shutdown without
/// start; start → consume generated data → shutdown; nothing reaches the
/// next consumer after shutdown returned; a second shutdown. Makes no claim
/// about how much data comes through: see [`check_processor_data`].
pub async fn check_processor_lifecycle<F: ProcessorFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    processor_checks(factory, cfg, None).await
}

/// [`check_processor_lifecycle`], and the next consumer received the data
/// as `expect` says by the time shutdown returned.
pub async fn check_processor_data<F: ProcessorFactory>(
    factory: &F,
    cfg: &F::Config,
    expect: Expect,
) -> Result<(), String> {
    processor_checks(factory, cfg, Some(expect)).await
}

async fn processor_checks<F: ProcessorFactory>(
    factory: &F,
    cfg: &F::Config,
    expect: Option<Expect>,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    let signals = supported(|s| factory.stability(s).is_some());
    if signals.is_empty() {
        return Err("the factory supports no signal".into());
    }
    for s in signals {
        match s {
            Signal::Traces => processor_signal::<F, Traces>(factory, cfg, expect).await?,
            Signal::Metrics => processor_signal::<F, Metrics>(factory, cfg, expect).await?,
            Signal::Logs => processor_signal::<F, Logs>(factory, cfg, expect).await?,
        }
    }
    Ok(())
}

async fn exporter_signal<T: Payload>(e: &Arc<dyn Exporter>) -> Result<(), String> {
    let c = e
        .clone()
        .consumer::<T>()
        .ok_or_else(|| format!("exporter declares {} but offers no consumer", T::SIGNAL))?;
    c.consume(sample::<T>())
        .await
        .map_err(|e| format!("consume {}: {e}", T::SIGNAL))
}

/// Checks an exporter factory: shutdown without start; start, consume
/// generated data of every supported signal, shutdown twice. Point `cfg` at
/// a loopback backend (or one that accepts everything) so that consume
/// succeeds.
pub async fn check_exporter_lifecycle<F: ExporterFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    let set = nop_settings(factory.type_name(), Kind::Exporter);
    let signals = supported(|s| factory.stability(s).is_some());
    let e = factory.create(&set, cfg, &signals).map_err(|e| e.to_string())?;
    e.shutdown()
        .await
        .map_err(|e| format!("shutdown without start: {e}"))?;
    let e = factory.create(&set, cfg, &signals).map_err(|e| e.to_string())?;
    let host = StatusHost::new();
    e.start(host.clone()).await.map_err(|e| format!("start: {e}"))?;
    for s in &signals {
        match s {
            Signal::Traces => exporter_signal::<Traces>(&e).await?,
            Signal::Metrics => exporter_signal::<Metrics>(&e).await?,
            Signal::Logs => exporter_signal::<Logs>(&e).await?,
        }
    }
    e.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    e.shutdown().await.map_err(|e| format!("second shutdown: {e}"))?;
    host.no_errors()
}

/// Checks an extension factory: the config validates; shutdown without
/// start; start with a host → ready → not ready → shutdown; a second
/// shutdown; no error status reported to the host.
pub async fn check_extension_lifecycle<F: ExtensionFactory>(
    factory: &F,
    cfg: &F::Config,
) -> Result<(), String> {
    cfg.validate().map_err(|e| format!("config invalid: {e}"))?;
    let set = nop_settings(factory.type_name(), Kind::Extension);
    let e = factory.create(&set, cfg).map_err(|e| e.to_string())?;
    e.shutdown()
        .await
        .map_err(|e| format!("shutdown without start: {e}"))?;
    let e = factory.create(&set, cfg).map_err(|e| e.to_string())?;
    let host = StatusHost::new();
    e.start(host.clone()).await.map_err(|e| format!("start: {e}"))?;
    e.ready().await;
    e.not_ready().await;
    e.shutdown().await.map_err(|e| format!("shutdown: {e}"))?;
    e.shutdown().await.map_err(|e| format!("second shutdown: {e}"))?;
    host.no_errors()?;
    // Started again after a full stop (the service restarts on reload).
    let e = factory.create(&set, cfg).map_err(|e| e.to_string())?;
    e.start(NopHost::new())
        .await
        .map_err(|e| format!("start of a second instance after the first shut down: {e}"))?;
    e.shutdown()
        .await
        .map_err(|e| format!("shutdown of the second instance: {e}"))?;
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
        sink.consume(generate::traces_payload(1, 1, 2)).await.unwrap();
        assert!(sink.wait_for_items(2, std::time::Duration::from_millis(10)).await);
        assert_eq!(sink.payload_count(), 1);
        sink.reset();
        assert_eq!(sink.item_count(), 0);
    }
}
