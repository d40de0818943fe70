//! The factory registry: which components a distribution contains.
//!
//! Factories are registered with their typed traits and erased here, so the
//! runtime can deserialize each component's YAML into its own `Config` type.

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use otelcol_component::{
    Component, ComponentConfig, Connector, ConnectorFactory, Consumers, CreateError, Exporter,
    ExporterFactory, Extension, ExtensionFactory, Kind, Logs, Metrics, Payload, Processor, ProcessorFactory,
    ReceiverFactory, Router, Settings, SharedConsumer, Signal, StabilityLevel, Traces,
};

use crate::config::{ConfigIssue, Resolved};

/// A component config after parsing and validation, type-erased.
#[derive(Clone)]
pub struct AnyConfig {
    value: Arc<dyn Any + Send + Sync>,
    debug: String,
    json: Option<Arc<serde_json::Value>>,
}

impl fmt::Debug for AnyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl AnyConfig {
    fn new<C: ComponentConfig>(c: C) -> Self {
        AnyConfig {
            debug: format!("{c:?}"),
            json: serde_json::to_value(&c).ok().map(Arc::new),
            value: Arc::new(c),
        }
    }

    /// The typed config with every default filled in, as `print-config`
    /// shows it (`None` if it could not be serialized).
    pub fn to_json(&self) -> Option<&serde_json::Value> {
        self.json.as_deref()
    }

    fn get<C: ComponentConfig>(&self) -> Result<&C, CreateError> {
        self.value
            .downcast_ref::<C>()
            .ok_or_else(|| CreateError::Other("internal error: config of another component type".into()))
    }
}

fn parse<C: ComponentConfig>(
    resolved: &Resolved,
    section: &str,
    id: &str,
) -> Result<AnyConfig, Vec<ConfigIssue>> {
    let cfg: C = resolved.extract_component(section, id)?;
    cfg.validate().map_err(|e| {
        let path = match &e.key {
            Some(k) => format!("{section}::{id}::{k}"),
            None => format!("{section}::{id}"),
        };
        vec![ConfigIssue::new(path, e.message).with_source(resolved.source_of(section, id))]
    })?;
    Ok(AnyConfig::new(cfg))
}

/// What every registered factory offers, type-erased.
pub trait DynFactory: Send + Sync {
    /// The type name.
    fn type_name(&self) -> &'static str;
    /// Deprecated aliases.
    fn aliases(&self) -> &'static [&'static str];
    /// The providing crate.
    fn module(&self) -> &'static str;
    /// Parses and validates the config of `id` in `section`.
    fn parse(&self, resolved: &Resolved, section: &str, id: &str) -> Result<AnyConfig, Vec<ConfigIssue>>;
    /// Stability for `signal` (`None`: unsupported). Extensions answer the same for every signal.
    fn stability(&self, signal: Signal) -> Option<StabilityLevel>;
}

/// A receiver factory, erased.
pub trait DynReceiverFactory: DynFactory {
    /// Creates the receiver.
    fn create(
        &self,
        set: &Settings,
        cfg: &AnyConfig,
        next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError>;
}

/// A processor factory, erased.
pub trait DynProcessorFactory: DynFactory {
    /// Creates a processor of `signal`: `next` is the boxed
    /// `SharedConsumer<T>` of that signal's payload type `T`, and the result
    /// the boxed `Arc<dyn Processor<T>>` (use [`create`](<dyn DynProcessorFactory>::create)).
    fn create_erased(
        &self,
        signal: Signal,
        set: &Settings,
        cfg: &AnyConfig,
        next: Box<dyn Any + Send>,
    ) -> Result<Box<dyn Any + Send>, CreateError>;
}

impl dyn DynProcessorFactory {
    /// Creates a processor of payload type `T` feeding `next`.
    pub fn create<T: Payload>(
        &self,
        set: &Settings,
        cfg: &AnyConfig,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        self.create_erased(T::SIGNAL, set, cfg, Box::new(next))?
            .downcast::<Arc<dyn Processor<T>>>()
            .map(|p| *p)
            .map_err(|_| erased_mismatch())
    }
}

fn erased_mismatch() -> CreateError {
    CreateError::Other("internal error: processor of another signal".into())
}

/// An exporter factory, erased.
pub trait DynExporterFactory: DynFactory {
    /// Creates the exporter.
    fn create(
        &self,
        set: &Settings,
        cfg: &AnyConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError>;
}

/// A connector factory, erased.
pub trait DynConnectorFactory: DynFactory {
    /// Stability of the pair `from` → `to` (`None`: unsupported).
    fn pair_stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel>;

    /// Creates the connector of `from` → `to`: `next` is the boxed
    /// `Router<T>` of `to`'s payload type, the result the boxed
    /// `Arc<dyn Connector<F>>` of `from`'s (use
    /// [`create`](<dyn DynConnectorFactory>::create)).
    fn create_erased(
        &self,
        pair: (Signal, Signal),
        set: &Settings,
        cfg: &AnyConfig,
        next: Box<dyn Any + Send>,
    ) -> Result<Box<dyn Any + Send>, CreateError>;
}

impl dyn DynConnectorFactory {
    /// Creates the connector consuming `F` and sending `T` into `next`.
    pub fn create<F: Payload, T: Payload>(
        &self,
        set: &Settings,
        cfg: &AnyConfig,
        next: Router<T>,
    ) -> Result<Arc<dyn Connector<F>>, CreateError> {
        self.create_erased((F::SIGNAL, T::SIGNAL), set, cfg, Box::new(next))?
            .downcast::<Arc<dyn Connector<F>>>()
            .map(|c| *c)
            .map_err(|_| erased_mismatch())
    }
}

/// An extension factory, erased.
pub trait DynExtensionFactory: DynFactory {
    /// Creates the extension.
    fn create(&self, set: &Settings, cfg: &AnyConfig) -> Result<Arc<dyn Extension>, CreateError>;
}

/// Marker types keep the four `DynFactory` impls of [`Tagged`] apart.
struct ReceiverKind;
struct ProcessorKind;
struct ExporterKind;
struct ExtensionKind;
struct ConnectorKind;

/// A typed factory wrapped for the registry of one kind.
struct Tagged<F, K>(F, std::marker::PhantomData<K>);

impl<F, K> Tagged<F, K> {
    fn new(f: F) -> Self {
        Tagged(f, std::marker::PhantomData)
    }
}

/// The `DynFactory` part shared by the four kinds; `$stability` maps the
/// typed factory `$f` and `$signal` to the signal's stability.
macro_rules! dyn_factory {
    ($kind:ty, $bound:path, |$f:ident, $signal:ident| $stability:expr) => {
        impl<F: $bound> DynFactory for Tagged<F, $kind> {
            fn type_name(&self) -> &'static str {
                self.0.type_name()
            }
            fn aliases(&self) -> &'static [&'static str] {
                self.0.deprecated_aliases()
            }
            fn module(&self) -> &'static str {
                self.0.module()
            }
            fn parse(
                &self,
                resolved: &Resolved,
                section: &str,
                id: &str,
            ) -> Result<AnyConfig, Vec<ConfigIssue>> {
                parse::<F::Config>(resolved, section, id)
            }
            fn stability(&self, $signal: Signal) -> Option<StabilityLevel> {
                let $f = &self.0;
                $stability
            }
        }
    };
}

dyn_factory!(ReceiverKind, ReceiverFactory, |f, signal| f.stability(signal));
dyn_factory!(ProcessorKind, ProcessorFactory, |f, signal| f.stability(signal));
dyn_factory!(ExporterKind, ExporterFactory, |f, signal| f.stability(signal));
dyn_factory!(ExtensionKind, ExtensionFactory, |f, _signal| Some(f.stability()));
// A connector's stability for a signal: the best of the pairs it starts.
dyn_factory!(ConnectorKind, ConnectorFactory, |f, signal| Signal::ALL
    .iter()
    .filter_map(|to| f.stability(signal, *to))
    .max());

impl<F: ConnectorFactory> DynConnectorFactory for Tagged<F, ConnectorKind> {
    fn pair_stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel> {
        self.0.stability(from, to)
    }

    fn create_erased(
        &self,
        (from, to): (Signal, Signal),
        set: &Settings,
        cfg: &AnyConfig,
        next: Box<dyn Any + Send>,
    ) -> Result<Box<dyn Any + Send>, CreateError> {
        let cfg = cfg.get::<F::Config>()?;
        if self.0.stability(from, to).is_none() {
            return Err(CreateError::Other(format!(
                "connector does not support {from} to {to}"
            )));
        }
        fn one<C: ConnectorFactory, A: Payload, B: Payload>(
            f: &C,
            set: &Settings,
            cfg: &C::Config,
            next: Box<dyn Any + Send>,
        ) -> Result<Box<dyn Any + Send>, CreateError> {
            let next = next.downcast::<Router<B>>().map_err(|_| erased_mismatch())?;
            Ok(Box::new(f.create::<A, B>(set, cfg, *next)?))
        }
        fn to_any<C: ConnectorFactory, A: Payload>(
            f: &C,
            to: Signal,
            set: &Settings,
            cfg: &C::Config,
            next: Box<dyn Any + Send>,
        ) -> Result<Box<dyn Any + Send>, CreateError> {
            match to {
                Signal::Traces => one::<C, A, Traces>(f, set, cfg, next),
                Signal::Metrics => one::<C, A, Metrics>(f, set, cfg, next),
                Signal::Logs => one::<C, A, Logs>(f, set, cfg, next),
            }
        }
        match from {
            Signal::Traces => to_any::<F, Traces>(&self.0, to, set, cfg, next),
            Signal::Metrics => to_any::<F, Metrics>(&self.0, to, set, cfg, next),
            Signal::Logs => to_any::<F, Logs>(&self.0, to, set, cfg, next),
        }
    }
}

impl<F: ReceiverFactory> DynReceiverFactory for Tagged<F, ReceiverKind> {
    fn create(
        &self,
        set: &Settings,
        cfg: &AnyConfig,
        next: Consumers,
    ) -> Result<Arc<dyn Component>, CreateError> {
        self.0.create(set, cfg.get::<F::Config>()?, next)
    }
}

impl<F: ProcessorFactory> DynProcessorFactory for Tagged<F, ProcessorKind> {
    fn create_erased(
        &self,
        signal: Signal,
        set: &Settings,
        cfg: &AnyConfig,
        next: Box<dyn Any + Send>,
    ) -> Result<Box<dyn Any + Send>, CreateError> {
        let cfg = cfg.get::<F::Config>()?;
        if self.0.stability(signal).is_none() {
            return Err(CreateError::SignalNotSupported(signal));
        }
        fn one<F: ProcessorFactory, T: Payload>(
            f: &F,
            set: &Settings,
            cfg: &F::Config,
            next: Box<dyn Any + Send>,
        ) -> Result<Box<dyn Any + Send>, CreateError> {
            let next = next
                .downcast::<SharedConsumer<T>>()
                .map_err(|_| erased_mismatch())?;
            Ok(Box::new(f.create::<T>(set, cfg, *next)?))
        }
        match signal {
            Signal::Traces => one::<F, Traces>(&self.0, set, cfg, next),
            Signal::Metrics => one::<F, Metrics>(&self.0, set, cfg, next),
            Signal::Logs => one::<F, Logs>(&self.0, set, cfg, next),
        }
    }
}

impl<F: ExporterFactory> DynExporterFactory for Tagged<F, ExporterKind> {
    fn create(
        &self,
        set: &Settings,
        cfg: &AnyConfig,
        signals: &[Signal],
    ) -> Result<Arc<dyn Exporter>, CreateError> {
        self.0.create(set, cfg.get::<F::Config>()?, signals)
    }
}

impl<F: ExtensionFactory> DynExtensionFactory for Tagged<F, ExtensionKind> {
    fn create(&self, set: &Settings, cfg: &AnyConfig) -> Result<Arc<dyn Extension>, CreateError> {
        self.0.create(set, cfg.get::<F::Config>()?)
    }
}

/// Factories of one kind, by type name, with aliases.
pub struct Registry<T: ?Sized> {
    by_type: BTreeMap<String, Arc<T>>,
    aliases: BTreeMap<String, String>,
}

impl<T: ?Sized> Default for Registry<T> {
    fn default() -> Self {
        Registry {
            by_type: BTreeMap::new(),
            aliases: BTreeMap::new(),
        }
    }
}

impl<T: ?Sized> fmt::Debug for Registry<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.by_type.keys()).finish()
    }
}

impl<T: ?Sized + DynFactory> Registry<T> {
    fn insert(&mut self, kind: Kind, f: Arc<T>, errors: &mut Vec<String>) {
        let ty = f.type_name().to_string();
        if self.by_type.contains_key(&ty) || self.aliases.contains_key(&ty) {
            errors.push(format!("duplicate {kind} factory {ty:?}"));
            return;
        }
        for a in f.aliases() {
            if self.by_type.contains_key(*a) || self.aliases.contains_key(*a) {
                errors.push(format!("duplicate {kind} factory alias {a:?}"));
            } else {
                self.aliases.insert((*a).to_string(), ty.clone());
            }
        }
        self.by_type.insert(ty, f);
    }

    /// The factory for a type name or alias, and whether an alias was used.
    pub fn get(&self, ty: &str) -> Option<(&Arc<T>, bool)> {
        if let Some(f) = self.by_type.get(ty) {
            return Some((f, false));
        }
        self.aliases
            .get(ty)
            .and_then(|t| self.by_type.get(t))
            .map(|f| (f, true))
    }

    /// All factories, by type name.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Arc<T>)> {
        self.by_type.iter()
    }

    /// Type names, sorted.
    pub fn type_names(&self) -> Vec<String> {
        self.by_type.keys().cloned().collect()
    }
}

/// The components a distribution contains.
#[derive(Debug, Default)]
pub struct Factories {
    /// Receiver factories.
    pub receivers: Registry<dyn DynReceiverFactory>,
    /// Processor factories.
    pub processors: Registry<dyn DynProcessorFactory>,
    /// Exporter factories.
    pub exporters: Registry<dyn DynExporterFactory>,
    /// Extension factories.
    pub extensions: Registry<dyn DynExtensionFactory>,
    /// Connector factories.
    pub connectors: Registry<dyn DynConnectorFactory>,
}

impl Factories {
    /// Starts a list of factories.
    pub fn builder() -> FactoriesBuilder {
        FactoriesBuilder::default()
    }
}

/// Builds [`Factories`]; duplicate type names are an error at `build`.
#[derive(Default)]
pub struct FactoriesBuilder {
    factories: Factories,
    errors: Vec<String>,
}

impl fmt::Debug for FactoriesBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FactoriesBuilder")
            .field("factories", &self.factories)
            .finish()
    }
}

/// Two factories claim the same type name or alias.
#[derive(Debug, thiserror::Error)]
#[error("invalid factory list: {}", .0.join("; "))]
pub struct DuplicateFactory(pub Vec<String>);

impl FactoriesBuilder {
    /// Adds a receiver factory.
    pub fn receiver<F: ReceiverFactory>(mut self, f: F) -> Self {
        let f: Arc<dyn DynReceiverFactory> = Arc::new(Tagged::<F, ReceiverKind>::new(f));
        self.factories
            .receivers
            .insert(Kind::Receiver, f, &mut self.errors);
        self
    }

    /// Adds a processor factory.
    pub fn processor<F: ProcessorFactory>(mut self, f: F) -> Self {
        let f: Arc<dyn DynProcessorFactory> = Arc::new(Tagged::<F, ProcessorKind>::new(f));
        self.factories
            .processors
            .insert(Kind::Processor, f, &mut self.errors);
        self
    }

    /// Adds an exporter factory.
    pub fn exporter<F: ExporterFactory>(mut self, f: F) -> Self {
        let f: Arc<dyn DynExporterFactory> = Arc::new(Tagged::<F, ExporterKind>::new(f));
        self.factories
            .exporters
            .insert(Kind::Exporter, f, &mut self.errors);
        self
    }

    /// Adds an extension factory.
    pub fn extension<F: ExtensionFactory>(mut self, f: F) -> Self {
        let f: Arc<dyn DynExtensionFactory> = Arc::new(Tagged::<F, ExtensionKind>::new(f));
        self.factories
            .extensions
            .insert(Kind::Extension, f, &mut self.errors);
        self
    }

    /// Adds a connector factory.
    pub fn connector<F: ConnectorFactory>(mut self, f: F) -> Self {
        let f: Arc<dyn DynConnectorFactory> = Arc::new(Tagged::<F, ConnectorKind>::new(f));
        self.factories
            .connectors
            .insert(Kind::Connector, f, &mut self.errors);
        self
    }

    /// The finished list, or the duplicates found.
    pub fn build(self) -> Result<Factories, DuplicateFactory> {
        if self.errors.is_empty() {
            Ok(self.factories)
        } else {
            Err(DuplicateFactory(self.errors))
        }
    }
}
