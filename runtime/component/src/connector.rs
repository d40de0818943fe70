//! Connectors: the fourth component kind. A connector is an exporter in one
//! pipeline and a receiver in others; it is how data moves between
//! pipelines (`forward`), is routed (`routing`) or becomes another signal
//! (`count`, `spanmetrics`: traces in, metrics out).

use std::fmt;
use std::sync::Arc;

use crate::component::{Component, Settings, StabilityLevel};
use crate::consumer::{Consumer, SharedConsumer};
use crate::error::CreateError;
use crate::factory::Factory;
use crate::id::{PipelineId, Signal};
use otelcol_pdata::Payload;

/// A connector consuming payloads of type `F` (the signal of the pipeline
/// that lists it as an exporter).
pub trait Connector<F: Payload>: Consumer<F> + Component {}
impl<F: Payload, C: Consumer<F> + Component> Connector<F> for C {}

/// Joins several consumers into one (the runtime's fan-out).
pub type FanoutFn<T> = fn(Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>>;

/// Where a connector's output of signal `T` goes: every pipeline of that
/// signal that lists the connector as a receiver (Go's
/// `TracesRouterAndConsumer`). [`Router::all`] feeds all of them;
/// [`Router::consumer`] a chosen few (for `routing`).
pub struct Router<T: Payload> {
    pipelines: Vec<(PipelineId, SharedConsumer<T>)>,
    fanout: FanoutFn<T>,
}

impl<T: Payload> Clone for Router<T> {
    fn clone(&self) -> Self {
        Router {
            pipelines: self.pipelines.clone(),
            fanout: self.fanout,
        }
    }
}

impl<T: Payload> fmt::Debug for Router<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Router")
            .field("signal", &T::SIGNAL)
            .field("pipelines", &self.pipeline_ids())
            .finish()
    }
}

impl<T: Payload> Router<T> {
    /// A router over `pipelines` (each pipeline's first consumer), joining
    /// several with `fanout`. Built by the runtime (and test kits).
    pub fn new(pipelines: Vec<(PipelineId, SharedConsumer<T>)>, fanout: FanoutFn<T>) -> Self {
        Router { pipelines, fanout }
    }

    /// The pipelines this connector feeds, in config order.
    pub fn pipeline_ids(&self) -> Vec<PipelineId> {
        self.pipelines.iter().map(|(id, _)| id.clone()).collect()
    }

    /// One consumer feeding every pipeline.
    pub fn all(&self) -> Result<SharedConsumer<T>, CreateError> {
        (self.fanout)(self.pipelines.iter().map(|(_, c)| c.clone()).collect())
            .ok_or_else(|| CreateError::Other(format!("no {} pipeline to send to", T::SIGNAL)))
    }

    /// One consumer feeding the pipelines `ids` (each must be one this
    /// connector feeds; Go: `pipeline "x" not found`).
    pub fn consumer(&self, ids: &[PipelineId]) -> Result<SharedConsumer<T>, CreateError> {
        let mut chosen = Vec::with_capacity(ids.len());
        for id in ids {
            let c = self
                .pipelines
                .iter()
                .find(|(p, _)| p == id)
                .map(|(_, c)| c.clone())
                .ok_or_else(|| CreateError::Other(format!("pipeline {:?} not found", id.to_string())))?;
            chosen.push(c);
        }
        (self.fanout)(chosen).ok_or_else(|| CreateError::Other("no pipeline given".into()))
    }
}

/// Creates connectors: one instance per (id, input signal, output signal)
/// the config uses, as in Go.
///
/// A connector is written once, generically over both payload types; the
/// pairs it supports are those [`stability`](ConnectorFactory::stability)
/// answers for, and the runtime calls `create` only for those. Build the
/// instance of a concrete pair with [`for_pair`] (or [`same_signal`] for a
/// connector whose output is its input's signal).
pub trait ConnectorFactory: Factory {
    /// Stability of the pair `from` → `to`; `None`: not supported.
    fn stability(&self, from: Signal, to: Signal) -> Option<StabilityLevel>;

    /// Creates the connector consuming `F` and sending `T` through `next`.
    fn create<F: Payload, T: Payload>(
        &self,
        set: &Settings,
        cfg: &Self::Config,
        next: Router<T>,
    ) -> Result<Arc<dyn Connector<F>>, CreateError>;
}

/// Inside a generic `create`, builds the connector of the concrete pair
/// `A` → `B` when (`F`, `T`) is that pair; fails with
/// [`CreateError::SignalNotSupported`] otherwise.
pub fn for_pair<A: Payload, B: Payload, F: Payload, T: Payload>(
    next: Router<T>,
    make: impl FnOnce(Router<B>) -> Result<Arc<dyn Connector<A>>, CreateError>,
) -> Result<Arc<dyn Connector<F>>, CreateError> {
    let next = crate::factory::cast::<Router<T>, Router<B>>(next)
        .ok_or(CreateError::SignalNotSupported(T::SIGNAL))?;
    crate::factory::cast::<Arc<dyn Connector<A>>, Arc<dyn Connector<F>>>(make(next)?)
        .ok_or(CreateError::SignalNotSupported(F::SIGNAL))
}

/// Inside a generic `create`, builds a connector whose output signal is its
/// input signal (`F` = `T`, as `forward` and `routing`); fails with
/// [`CreateError::SignalNotSupported`] for a pair of two signals.
pub fn same_signal<F: Payload, T: Payload>(
    next: Router<T>,
    make: impl FnOnce(Router<F>) -> Result<Arc<dyn Connector<F>>, CreateError>,
) -> Result<Arc<dyn Connector<F>>, CreateError> {
    let next = crate::factory::cast::<Router<T>, Router<F>>(next)
        .ok_or(CreateError::SignalNotSupported(T::SIGNAL))?;
    make(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ConsumeError;
    use async_trait::async_trait;
    use otelcol_pdata::{Metrics, Traces};

    #[derive(Debug)]
    struct Pass<T: Payload>(SharedConsumer<T>);
    #[async_trait]
    impl<T: Payload> Consumer<T> for Pass<T> {
        async fn consume(&self, data: T) -> Result<(), ConsumeError> {
            self.0.consume(data).await
        }
    }
    impl<T: Payload> Component for Pass<T> {}

    #[derive(Debug)]
    struct Drop;
    #[async_trait]
    impl<T: Payload> Consumer<T> for Drop {
        async fn consume(&self, _data: T) -> Result<(), ConsumeError> {
            Ok(())
        }
    }

    fn first<T: Payload>(mut v: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
        v.pop()
    }

    fn router<T: Payload>(names: &[&str]) -> Router<T> {
        let pipelines = names
            .iter()
            .map(|n| {
                let id = PipelineId::new(T::SIGNAL, Some(n)).unwrap();
                (id, Arc::new(Drop) as SharedConsumer<T>)
            })
            .collect();
        Router::new(pipelines, first::<T>)
    }

    fn create<F: Payload, T: Payload>(next: Router<T>) -> Result<Arc<dyn Connector<F>>, CreateError> {
        same_signal::<F, T>(next, |next| Ok(Arc::new(Pass(next.all()?))))
    }

    #[test]
    fn same_signal_builds_only_equal_pairs() {
        assert!(create::<Traces, Traces>(router(&["a"])).is_ok());
        assert!(matches!(
            create::<Traces, Metrics>(router(&["a"])),
            Err(CreateError::SignalNotSupported(Signal::Metrics))
        ));
        let pair = for_pair::<Traces, Metrics, Traces, Metrics>(router(&["m"]), |next| {
            next.all()?;
            Ok(Arc::new(Pass::<Traces>(Arc::new(Drop))))
        });
        assert!(pair.is_ok());
    }

    #[test]
    fn router_names_its_pipelines_and_refuses_others() {
        let r = router::<Traces>(&["a", "b"]);
        assert_eq!(
            r.pipeline_ids()
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>(),
            ["traces/a", "traces/b"]
        );
        assert!(r.consumer(&r.pipeline_ids()[..1]).is_ok());
        let other = PipelineId::new(Signal::Traces, Some("c")).unwrap();
        let e = r.consumer(&[other]).map(|_| ()).unwrap_err().to_string();
        assert!(e.contains("pipeline \"traces/c\" not found"), "{e}");
    }
}
