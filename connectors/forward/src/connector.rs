//! The `forward` connector: config, factory and the connector itself.

use std::fmt;
use std::sync::Arc;

use otelcol_component::{
    Capabilities, Component, ComponentConfig, ConnectorFactory, ConsumeError, Consumer, CreateError, Factory,
    Payload, Router, Settings, SharedConsumer, Signal, StabilityLevel, async_trait, same_signal,
};
use serde::{Deserialize, Serialize};

/// Config of the `forward` connector. It has no keys; any key is refused.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForwardConfig {}

impl ComponentConfig for ForwardConfig {}

/// Stability of each pair it supports (traces→traces, metrics→metrics,
/// logs→logs), as Go declares it.
pub(crate) const STABILITY: StabilityLevel = StabilityLevel::Beta;

/// Creates [`ForwardConnector`]s.
#[derive(Clone, Copy, Debug, Default)]
pub struct ForwardConnectorFactory;

impl Factory for ForwardConnectorFactory {
    type Config = ForwardConfig;

    fn type_name(&self) -> &'static str {
        crate::TYPE
    }

    fn module(&self) -> &'static str {
        concat!(env!("CARGO_PKG_NAME"), " ", env!("CARGO_PKG_VERSION"))
    }
}

impl ConnectorFactory for ForwardConnectorFactory {
    fn stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel> {
        (from == to).then_some(STABILITY)
    }

    fn create<F: Payload, T: Payload>(
        &self,
        _set: &Settings,
        _cfg: &ForwardConfig,
        next: Router<T>,
    ) -> Result<Arc<dyn otelcol_component::Connector<F>>, CreateError> {
        same_signal::<F, T>(next, |next| Ok(Arc::new(ForwardConnector { next: next.all()? })))
    }
}

/// Hands every payload to the pipelines it feeds, unchanged.
pub struct ForwardConnector<T: Payload> {
    next: SharedConsumer<T>,
}

impl<T: Payload> fmt::Debug for ForwardConnector<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ForwardConnector")
            .field("signal", &T::SIGNAL)
            .finish()
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for ForwardConnector<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: false }
    }
}

impl<T: Payload> Component for ForwardConnector<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_componenttest::parse_config;

    #[test]
    fn empty_config_is_default_and_keys_are_refused() {
        assert_eq!(
            parse_config::<ForwardConfig>("").unwrap(),
            ForwardConfig::default()
        );
        let err = parse_config::<ForwardConfig>("key: 1").unwrap_err();
        assert!(err.contains("unknown field \"key\""), "{err}");
    }

    #[test]
    fn only_same_signal_pairs() {
        let f = ForwardConnectorFactory;
        for from in Signal::ALL {
            for to in Signal::ALL {
                assert_eq!(f.stability(from, to).is_some(), from == to, "{from} to {to}");
            }
        }
    }
}
