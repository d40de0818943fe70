//! The fan-out node: hands one payload to several consumers.
//!
//! Payloads are copy-on-write handles, so every consumer gets a cheap shared
//! handle: read-only consumers share the data, and a mutating consumer gets a
//! private copy the first time it writes while the data is still shared. Only
//! mutators ever cause a copy; the Go collector's clone rules follow from it.

use std::fmt;

use futures::future::join_all;
use otelcol_component::{Capabilities, ConsumeError, Consumer, Payload, SharedConsumer, async_trait};

/// Sends each payload to every consumer, concurrently, and combines their errors.
pub struct Fanout<T: Payload> {
    consumers: Vec<SharedConsumer<T>>,
}

impl<T: Payload> fmt::Debug for Fanout<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fanout")
            .field("consumers", &self.consumers.len())
            .finish()
    }
}

impl<T: Payload> Fanout<T> {
    /// A fan-out over `consumers`. With one consumer, use it directly instead
    /// (see [`fanout`]).
    pub fn new(consumers: Vec<SharedConsumer<T>>) -> Self {
        Fanout { consumers }
    }
}

/// One consumer as is, several behind a [`Fanout`].
pub fn fanout<T: Payload>(mut consumers: Vec<SharedConsumer<T>>) -> Option<SharedConsumer<T>> {
    match consumers.len() {
        0 => None,
        1 => consumers.pop(),
        _ => Some(std::sync::Arc::new(Fanout::new(consumers))),
    }
}

#[async_trait]
impl<T: Payload> Consumer<T> for Fanout<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        // Read-only consumers first in the list share the handle; the last
        // consumer takes the original so a lone mutator at the end copies nothing
        // once the others have finished with it.
        let n = self.consumers.len();
        let mut handles = Vec::with_capacity(n);
        for _ in 1..n {
            handles.push(data.clone());
        }
        handles.push(data);
        let results = join_all(self.consumers.iter().zip(handles).map(|(c, d)| c.consume(d))).await;
        let errors: Vec<ConsumeError> = results.into_iter().filter_map(Result::err).collect();
        match ConsumeError::combine(errors) {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    fn capabilities(&self) -> Capabilities {
        // The fan-out itself never writes; mutators copy on write.
        Capabilities { mutates_data: false }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use otelcol_component::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
    use otelcol_component::{Traces, proto::collector::trace::v1::ExportTraceServiceRequest};
    use otelcol_componenttest::{ErrConsumer, Sink};

    use super::*;

    fn one_span() -> Traces {
        Traces::from_request(ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span {
                        name: "s".into(),
                        ..Default::default()
                    }],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        })
    }

    /// Renames every span and keeps what it saw.
    #[derive(Debug, Default)]
    struct Mutator {
        seen: Mutex<Vec<Traces>>,
    }

    #[async_trait]
    impl Consumer<Traces> for Mutator {
        async fn consume(&self, mut data: Traces) -> Result<(), ConsumeError> {
            for rs in &mut data.request_mut().resource_spans {
                for ss in &mut rs.scope_spans {
                    for s in &mut ss.spans {
                        s.name = "changed".into();
                    }
                }
            }
            self.seen.lock().unwrap().push(data);
            Ok(())
        }
        fn capabilities(&self) -> Capabilities {
            Capabilities { mutates_data: true }
        }
    }

    #[tokio::test]
    async fn read_only_consumers_share_one_copy() {
        let (a, b, c) = (
            Sink::<Traces>::new(),
            Sink::<Traces>::new(),
            Sink::<Traces>::new(),
        );
        let f = fanout::<Traces>(vec![a.clone(), b.clone(), c.clone()]).unwrap();
        let data = one_span();
        let keep = data.clone();
        f.consume(data).await.unwrap();
        for s in [&a, &b, &c] {
            assert!(
                s.all()[0].shares_data_with(&keep),
                "read-only consumers must share, not clone"
            );
        }
    }

    #[tokio::test]
    async fn mutators_get_a_private_copy_and_readers_see_the_original() {
        let reader = Sink::<Traces>::new();
        let m = Arc::new(Mutator::default());
        let f = fanout::<Traces>(vec![m.clone(), reader.clone()]).unwrap();
        let data = one_span();
        let keep = data.clone();
        f.consume(data).await.unwrap();
        let read = reader.all();
        assert!(read[0].shares_data_with(&keep));
        assert_eq!(
            read[0].request().resource_spans[0].scope_spans[0].spans[0].name,
            "s"
        );
        let mutated = m.seen.lock().unwrap()[0].clone();
        assert!(!mutated.shares_data_with(&keep));
        assert_eq!(
            mutated.request().resource_spans[0].scope_spans[0].spans[0].name,
            "changed"
        );
    }

    #[tokio::test]
    async fn a_sole_mutator_holding_the_only_handle_does_not_copy() {
        let m = Arc::new(Mutator::default());
        let f = fanout::<Traces>(vec![m.clone()]).unwrap();
        let data = one_span();
        let ptr = data.request() as *const ExportTraceServiceRequest;
        f.consume(data).await.unwrap();
        let seen = m.seen.lock().unwrap()[0].clone();
        assert_eq!(
            seen.request() as *const ExportTraceServiceRequest,
            ptr,
            "unique data is mutated in place"
        );
    }

    #[tokio::test]
    async fn errors_are_combined_and_every_consumer_is_called() {
        let sink = Sink::<Traces>::new();
        let f = fanout::<Traces>(vec![
            ErrConsumer::permanent(),
            sink.clone(),
            ErrConsumer::retryable(),
        ])
        .unwrap();
        let err = f.consume(one_span()).await.unwrap_err();
        assert!(
            err.is_retryable(),
            "any retryable error makes the whole retryable"
        );
        assert_eq!(sink.item_count(), 1);
        assert!(fanout::<Traces>(vec![]).is_none());
    }
}
