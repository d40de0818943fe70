//! Admission: the receiver asks the host's gates (the `memory_limiter`
//! processor registers one) for a request's bytes before reading its body,
//! and again as a body of unknown size grows, so a burst of large requests is
//! refused before it is decoded. The permits are held until the pipeline's
//! `consume` returns.

use std::sync::Arc;

use otelcol_component::{Admission, AdmissionPermit, AdmissionSet, ConsumeError};

/// A body of unknown size is admitted again every time this many more bytes
/// have arrived (and once more when it is complete).
pub(crate) const ADMIT_STEP: u64 = 1024 * 1024;

/// The bytes admitted for one request, and the permits holding them.
#[derive(Debug)]
pub(crate) struct Admitted {
    gates: Arc<AdmissionSet>,
    permit: AdmissionPermit,
    bytes: u64,
}

impl Admitted {
    /// Asks for `bytes` up front (0 when the size is unknown: the gates
    /// still refuse while memory is over the limit).
    pub(crate) fn admit(gates: Arc<AdmissionSet>, bytes: u64) -> Result<Self, ConsumeError> {
        let permit = gates.admit(bytes)?;
        Ok(Admitted { gates, permit, bytes })
    }

    /// Makes sure `total` bytes are admitted, asking only for the difference.
    pub(crate) fn grow_to(&mut self, total: u64) -> Result<(), ConsumeError> {
        if total <= self.bytes || self.gates.is_empty() {
            return Ok(());
        }
        let more = self.gates.admit(total - self.bytes)?;
        let held = std::mem::replace(&mut self.permit, AdmissionPermit::empty());
        self.permit = held.join(more);
        self.bytes = total;
        Ok(())
    }

    /// Called as a body arrives with the bytes `received` so far: asks for
    /// them once they are [`ADMIT_STEP`] past what is admitted.
    pub(crate) fn received(&mut self, received: u64) -> Result<(), ConsumeError> {
        if received >= self.bytes.saturating_add(ADMIT_STEP) {
            self.grow_to(received)
        } else {
            Ok(())
        }
    }

    /// Bytes admitted so far.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }
}

/// A test gate: admits while at most `limit` bytes are held.
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct Budget {
    pub(crate) held: Arc<std::sync::atomic::AtomicU64>,
    pub(crate) limit: u64,
}

#[cfg(test)]
impl Budget {
    /// A gate set holding one budget of `limit` bytes, and its counter.
    pub(crate) fn set(limit: u64) -> (Arc<AdmissionSet>, Arc<std::sync::atomic::AtomicU64>) {
        let held = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let gate = Arc::new(Budget {
            held: held.clone(),
            limit,
        });
        (Arc::new(AdmissionSet::new(vec![gate])), held)
    }
}

#[cfg(test)]
impl Admission for Budget {
    fn admit(&self, bytes: u64) -> Result<AdmissionPermit, ConsumeError> {
        use std::sync::atomic::Ordering;
        if self.held.load(Ordering::SeqCst) + bytes > self.limit {
            return Err(ConsumeError::retryable("full"));
        }
        self.held.fetch_add(bytes, Ordering::SeqCst);
        let held = self.held.clone();
        Ok(AdmissionPermit::new(move || {
            held.fetch_sub(bytes, Ordering::SeqCst);
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;

    #[test]
    fn grows_in_steps_and_releases_everything() {
        let (gates, held) = Budget::set(3 * ADMIT_STEP);
        let mut a = Admitted::admit(gates, 0).unwrap();
        a.received(ADMIT_STEP - 1).unwrap();
        assert_eq!(a.bytes(), 0, "nothing asked below one step");
        a.received(ADMIT_STEP + 10).unwrap();
        assert_eq!(held.load(Ordering::SeqCst), ADMIT_STEP + 10);
        a.grow_to(ADMIT_STEP).unwrap();
        assert_eq!(a.bytes(), ADMIT_STEP + 10, "never shrinks");
        a.received(2 * ADMIT_STEP + 10).unwrap();
        assert!(a.received(4 * ADMIT_STEP).is_err(), "the budget is 3 steps");
        assert_eq!(
            held.load(Ordering::SeqCst),
            2 * ADMIT_STEP + 10,
            "a refusal holds nothing more"
        );
        drop(a);
        assert_eq!(held.load(Ordering::SeqCst), 0);
        // Without gates everything passes.
        let mut free = Admitted::admit(Arc::default(), u64::MAX).unwrap();
        free.received(u64::MAX).unwrap();
    }
}
