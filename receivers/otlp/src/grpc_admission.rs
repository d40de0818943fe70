//! Admission for OTLP/gRPC: tonic reads a message before the service sees
//! it, so the gates are asked in a tower layer in front of tonic: once with
//! the request's announced size (`content-length`, rarely sent by gRPC
//! clients, else 0) before the body is read, then for the stretch ahead as
//! the body arrives (see [`Admitted`]). A refusal is `UNAVAILABLE` with
//! `RetryInfo`. The export service gives the body's permit back once the
//! message is complete and asks for what decoding will take.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use hyper::body::{Body as HttpBody, Frame, SizeHint};
use otelcol_component::{AdmissionSet, ConsumeError};
use tonic::body::Body;
use tower::{Layer, Service};

use crate::admission::Admitted;
use crate::export::ExportFailure;
use crate::grpc::to_status;

/// The tower layer asking the admission gates.
#[derive(Clone, Debug)]
pub(crate) struct AdmissionLayer {
    gates: Arc<AdmissionSet>,
}

impl AdmissionLayer {
    pub(crate) fn new(gates: Arc<AdmissionSet>) -> Self {
        AdmissionLayer { gates }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = AdmissionService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AdmissionService {
            inner,
            gates: self.gates.clone(),
        }
    }
}

/// See [`AdmissionLayer`].
#[derive(Clone, Debug)]
pub(crate) struct AdmissionService<S> {
    inner: S,
    gates: Arc<AdmissionSet>,
}

type BoxFuture<T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send>>;

/// A refusal as a trailers-only gRPC response.
fn refusal(err: &ConsumeError) -> http::Response<Body> {
    tracing::debug!(error = %err, "OTLP/gRPC request refused before decoding");
    to_status(&ExportFailure::from_consume(err)).into_http()
}

fn content_length(req: &http::Request<Body>) -> Option<u64> {
    req.headers()
        .get(http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .or_else(|| req.body().size_hint().exact())
}

impl<S> Service<http::Request<Body>> for AdmissionService<S>
where
    S: Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = http::Response<Body>;
    type Error = S::Error;
    type Future = BoxFuture<Self::Response, Self::Error>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        if self.gates.is_empty() {
            return Box::pin(self.inner.call(req));
        }
        let admitted = match Admitted::admit(self.gates.clone(), content_length(&req).unwrap_or(0)) {
            Ok(a) => Arc::new(Mutex::new(a)),
            Err(e) => return Box::pin(std::future::ready(Ok(refusal(&e)))),
        };
        let held = admitted.clone();
        let mut req = req;
        // The service asks for the decoded size through this handle, and
        // takes the permit into the payload.
        req.extensions_mut().insert(AdmittedHandle(admitted.clone()));
        let req = req.map(|inner| {
            Body::new(AdmittedBody {
                inner,
                received: 0,
                admitted,
            })
        });
        let answer = self.inner.call(req);
        Box::pin(async move {
            let resp = answer.await;
            drop(held);
            resp
        })
    }
}

/// The request's admission, for the export service: once the message is
/// complete, the body's permit is given back and the gates ask for what
/// decoding will take.
#[derive(Clone, Debug)]
pub(crate) struct AdmittedHandle(pub(crate) Arc<Mutex<Admitted>>);

impl AdmittedHandle {
    /// The body is complete (in memory): gives its permit back; returns the
    /// gates.
    pub(crate) fn complete(&self) -> Arc<AdmissionSet> {
        let mut a = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        a.complete();
        a.gates().clone()
    }
}

/// A request body that asks the gates for its bytes as they arrive; a
/// refusal ends it with an `UNAVAILABLE` status, which tonic answers with.
struct AdmittedBody {
    inner: Body,
    received: u64,
    admitted: Arc<Mutex<Admitted>>,
}

impl HttpBody for AdmittedBody {
    type Data = Bytes;
    type Error = tonic::Status;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let frame = ready!(Pin::new(&mut this.inner).poll_frame(cx));
        if let Some(data) = frame
            .as_ref()
            .and_then(|f| f.as_ref().ok())
            .and_then(Frame::data_ref)
        {
            this.received = this.received.saturating_add(data.len() as u64);
            let admitted = this
                .admitted
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .received(this.received);
            if let Err(e) = admitted {
                tracing::debug!(error = %e, "OTLP/gRPC request refused while reading");
                return Poll::Ready(Some(Err(to_status(&ExportFailure::from_consume(&e)))));
            }
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
