//! Admission: a gate receivers ask before they read a request body, so a
//! memory limit holds before data is decoded (the Go collector's
//! memory_limiter only sees data after decode, and bursts still run it out
//! of memory).
//!
//! A component that limits memory (the `memory_limiter` processor) registers
//! a gate with [`Host::register_admission`](crate::Host::register_admission)
//! in `start`; processors start before receivers, so receivers find every
//! gate with [`Host::admission`](crate::Host::admission) in their `start`
//! and call [`Admission::admit`] with the request's size before reading it.

use std::fmt;
use std::sync::Arc;

use crate::error::ConsumeError;

/// A gate that admits or refuses request bytes.
pub trait Admission: Send + Sync + fmt::Debug {
    /// Asks to hold `bytes` of memory for a request (0 when nothing is known
    /// yet): what the receiver will hold for it — its body as it arrives,
    /// what decompression adds, and what decoding will allocate (the OTLP
    /// receiver estimates that from the wire walk, see
    /// [`estimate_traces`](crate::estimate_traces)) — asked before it is
    /// allocated. On success the permit holds them until dropped (a payload
    /// can carry it, see [`Payload::hold`](crate::Payload::hold)); on refusal
    /// the error is retryable (with a retry-after when known), so the
    /// receiver answers 503 / `UNAVAILABLE` and the client backs off.
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError>;
}

/// Holds admitted bytes; releases them when dropped.
#[must_use = "the bytes are released when the permit is dropped"]
pub struct AdmissionPermit {
    release: Vec<Box<dyn FnOnce() + Send>>,
}

impl fmt::Debug for AdmissionPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdmissionPermit")
            .field("holds", &self.release.len())
            .finish()
    }
}

impl AdmissionPermit {
    /// A permit that runs `release` when dropped.
    pub fn new(release: impl FnOnce() + Send + 'static) -> Self {
        AdmissionPermit {
            release: vec![Box::new(release)],
        }
    }

    /// A permit that holds nothing.
    pub fn empty() -> Self {
        AdmissionPermit { release: Vec::new() }
    }

    /// True when the permit holds nothing.
    pub fn is_empty(&self) -> bool {
        self.release.is_empty()
    }

    /// Joins two permits into one that releases both.
    pub fn join(mut self, mut other: AdmissionPermit) -> Self {
        self.release.append(&mut other.release);
        self
    }
}

impl Drop for AdmissionPermit {
    fn drop(&mut self) {
        for r in self.release.drain(..) {
            r();
        }
    }
}

/// Every registered gate must admit; the first refusal wins and releases
/// what the others admitted.
#[derive(Debug, Clone, Default)]
pub struct AdmissionSet {
    gates: Vec<Arc<dyn Admission>>,
}

impl AdmissionSet {
    /// A set of gates.
    pub fn new(gates: Vec<Arc<dyn Admission>>) -> Self {
        AdmissionSet { gates }
    }

    /// True when no gate is registered (admission always succeeds).
    pub fn is_empty(&self) -> bool {
        self.gates.is_empty()
    }
}

impl Admission for AdmissionSet {
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        let mut permit = AdmissionPermit::empty();
        for g in &self.gates {
            permit = permit.join(g.admit(bytes)?);
        }
        Ok(permit)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;

    #[derive(Debug, Default)]
    struct Budget {
        used: Arc<AtomicU64>,
        limit: u64,
    }

    impl Admission for Budget {
        fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
            let now = self.used.fetch_add(bytes, Ordering::SeqCst) + bytes;
            if now > self.limit {
                self.used.fetch_sub(bytes, Ordering::SeqCst);
                return Err(ConsumeError::retryable("over budget"));
            }
            let used = self.used.clone();
            Ok(AdmissionPermit::new(move || {
                used.fetch_sub(bytes, Ordering::SeqCst);
            }))
        }
    }

    #[test]
    fn permits_release_on_drop_and_refusal_releases_the_others() {
        let a = Arc::new(Budget {
            limit: 100,
            ..Default::default()
        });
        let b = Arc::new(Budget {
            limit: 50,
            ..Default::default()
        });
        let set = AdmissionSet::new(vec![a.clone(), b.clone()]);
        let p = set.admit(40).unwrap();
        assert_eq!(a.used.load(Ordering::SeqCst), 40);
        assert!(set.admit(20).is_err(), "b refuses 60 > 50");
        assert_eq!(
            a.used.load(Ordering::SeqCst),
            40,
            "a's share of the refused request is released"
        );
        drop(p);
        assert_eq!(
            (a.used.load(Ordering::SeqCst), b.used.load(Ordering::SeqCst)),
            (0, 0)
        );
        assert!(AdmissionSet::default().admit(1 << 40).is_ok());
    }

    #[test]
    fn payloads_hold_permits_until_their_last_part_is_dropped() {
        use crate::proto::collector::trace::v1::ExportTraceServiceRequest;
        use crate::proto::trace::v1::{ResourceSpans, ScopeSpans, Span};
        use crate::{Payload, RequestContext, Traces};
        use prost::Message;
        let gate = Budget {
            limit: 1000,
            ..Default::default()
        };
        let req = |n| ExportTraceServiceRequest {
            resource_spans: vec![ResourceSpans {
                scope_spans: vec![ScopeSpans {
                    spans: vec![Span::default(); n],
                    ..Default::default()
                }],
                ..Default::default()
            }],
        };
        let bytes = req(4).encode_to_vec();
        let (mut a, estimate) = Traces::from_encoded_estimated(bytes.clone().into()).unwrap();
        assert_eq!(estimate, crate::estimate_traces(&bytes).unwrap());
        assert_eq!((estimate.items, a.item_count()), (4, 4));
        a.hold(gate.admit(100).unwrap());
        let mut b = Traces::from_request(req(2));
        b.hold(gate.admit(50).unwrap());
        b.hold(AdmissionPermit::empty());
        assert_eq!(b.held_permits(), 1, "an empty permit is not kept");
        a.merge(b);
        a.set_context(RequestContext::default());
        assert_eq!(a.held_permits(), 2, "merged and kept across set_context");
        assert_eq!(gate.used.load(Ordering::SeqCst), 150);
        let parts = a.split(3);
        assert!(parts.len() >= 2);
        let first = parts[0].clone();
        drop(parts);
        assert_eq!(
            gate.used.load(Ordering::SeqCst),
            150,
            "a clone of a part still holds"
        );
        drop(first);
        assert_eq!(gate.used.load(Ordering::SeqCst), 0);
    }
}
