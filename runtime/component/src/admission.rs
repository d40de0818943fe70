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
    /// Asks to hold `bytes` of request data (0 when the size is not known
    /// yet). On success the permit holds them until dropped; on refusal the
    /// error is retryable (with a retry-after when known), so the receiver
    /// answers 503 / `UNAVAILABLE` and the client backs off.
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
}
