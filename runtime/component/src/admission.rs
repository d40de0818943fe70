//! Admission: a gate receivers ask before they allocate what a request will
//! take, so a memory limit holds before data is read and decoded (the Go
//! collector's memory_limiter only sees data after decode, and bursts still
//! run it out of memory).
//!
//! A component that limits memory (the `memory_limiter` processor) registers
//! a gate with [`Host::register_admission`](crate::Host::register_admission)
//! in `start`; processors start before receivers, so receivers find every
//! gate with [`Host::admission`](crate::Host::admission) in their `start`
//! and call [`Admission::admit`] before they allocate.
//!
//! **Every byte is counted once.** A permit stands for memory that is *not
//! allocated yet*: the rest of a body still arriving, the buffer a
//! decompression step is about to grow, what decoding is about to allocate.
//! Once the memory is allocated, the gate's own measurement (the heap the
//! allocator holds) sees it, and the receiver gives the permit's bytes back
//! ([`AdmissionPermit::release`], or by dropping it). Payloads never carry
//! permits: data waiting in a queue is counted by the measurement alone, so
//! the gate admits again as soon as the queue drains.

use std::fmt;
use std::sync::Arc;

use crate::error::ConsumeError;

/// A gate that admits or refuses memory a request is about to allocate.
pub trait Admission: Send + Sync + fmt::Debug {
    /// Asks to hold `bytes` of memory that the caller is about to allocate
    /// (0 asks only whether memory is below the limit): the rest of a body
    /// before it arrives, a decompression buffer before it grows, what
    /// decoding will allocate (the OTLP receiver estimates that from the
    /// wire walk, see [`estimate_traces`](crate::estimate_traces)) before
    /// decoding. On success the permit holds the bytes until they are
    /// released or it is dropped, which the caller does once they are
    /// allocated (then the gate's measurement counts them) or not needed;
    /// on refusal the error is retryable (with a retry-after when known), so
    /// the receiver answers 503 / `UNAVAILABLE` and the client backs off.
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError>;
}

/// How one gate takes back what it admitted.
enum Hold {
    /// Everything at once, when the permit is dropped.
    Whole(Box<dyn FnOnce() + Send>),
    /// `left` bytes, in parts ([`AdmissionPermit::release`]) or the rest
    /// when the permit is dropped.
    Parts {
        left: u64,
        give_back: Box<dyn FnMut(u64) + Send>,
    },
}

/// Holds admitted bytes; gives them back when released or dropped.
#[must_use = "the bytes are released when the permit is dropped"]
pub struct AdmissionPermit {
    holds: Vec<Hold>,
}

impl fmt::Debug for AdmissionPermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdmissionPermit")
            .field("holds", &self.holds.len())
            .finish()
    }
}

impl AdmissionPermit {
    /// A permit that runs `release` when dropped (and gives nothing back
    /// before: [`release`](Self::release) does not reach it).
    pub fn new(release: impl FnOnce() + Send + 'static) -> Self {
        AdmissionPermit {
            holds: vec![Hold::Whole(Box::new(release))],
        }
    }

    /// A permit for `bytes` that gives them back in parts: `give_back(n)`
    /// runs for every [`release`](Self::release) of `n > 0` of them, and for
    /// what is left when the permit is dropped. It never gives back more
    /// than `bytes` in all.
    pub fn with_parts(bytes: u64, give_back: impl FnMut(u64) + Send + 'static) -> Self {
        AdmissionPermit {
            holds: vec![Hold::Parts {
                left: bytes,
                give_back: Box::new(give_back),
            }],
        }
    }

    /// A permit that holds nothing.
    pub fn empty() -> Self {
        AdmissionPermit { holds: Vec::new() }
    }

    /// True when the permit holds nothing.
    pub fn is_empty(&self) -> bool {
        self.holds.is_empty()
    }

    /// Joins two permits into one that releases both.
    pub fn join(mut self, mut other: AdmissionPermit) -> Self {
        self.holds.append(&mut other.holds);
        self
    }

    /// Gives `bytes` back to every gate that admitted them in parts (at most
    /// what each still holds): the memory they stood for is allocated now,
    /// and the gate's measurement sees it.
    pub fn release(&mut self, bytes: u64) {
        if bytes == 0 {
            return;
        }
        for hold in &mut self.holds {
            if let Hold::Parts { left, give_back } = hold {
                let n = bytes.min(*left);
                if n > 0 {
                    *left -= n;
                    give_back(n);
                }
            }
        }
    }
}

impl Drop for AdmissionPermit {
    fn drop(&mut self) {
        for hold in self.holds.drain(..) {
            match hold {
                Hold::Whole(release) => release(),
                Hold::Parts { left, mut give_back } => {
                    if left > 0 {
                        give_back(left);
                    }
                }
            }
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
    fn permits_give_back_in_parts_and_the_rest_on_drop() {
        let given = Arc::new(AtomicU64::new(0));
        let whole = Arc::new(AtomicU64::new(0));
        let (g, w) = (given.clone(), whole.clone());
        let mut p = AdmissionPermit::with_parts(100, move |n| {
            g.fetch_add(n, Ordering::SeqCst);
        })
        .join(AdmissionPermit::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }));
        p.release(30);
        assert_eq!(given.load(Ordering::SeqCst), 30);
        p.release(0);
        p.release(500);
        assert_eq!(given.load(Ordering::SeqCst), 100, "never more than admitted");
        assert_eq!(
            whole.load(Ordering::SeqCst),
            0,
            "a whole permit waits for the drop"
        );
        drop(p);
        assert_eq!(
            (given.load(Ordering::SeqCst), whole.load(Ordering::SeqCst)),
            (100, 1)
        );
        let g = given.clone();
        let p = AdmissionPermit::with_parts(7, move |n| {
            g.fetch_add(n, Ordering::SeqCst);
        });
        drop(p);
        assert_eq!(given.load(Ordering::SeqCst), 107, "the rest on drop");
    }
}
