//! Passing an encoded payload on without decoding it when its bytes prove
//! that no condition can match.
//!
//! Each condition's [`RequiredBytes`](crate::ottl::RequiredBytes) names byte
//! strings the protobuf encoding of a request must contain for the
//! condition to be true on any of its items. When every condition of every
//! pass of a signal has such a requirement, an encoded payload none of whose
//! chunks (each a whole request) meets any of them cannot lose an item to
//! the filter. If, moreover, it has no empty scope, resource or metric
//! (which the decoded path would remove even when nothing matches), the
//! decoded path would forward it exactly as it is: it is forwarded still
//! encoded, and nothing is evaluated.

use memchr::memmem::Finder;
use otelcol_component::{Payload, filled_resources};

use crate::compile::Pass;
use crate::config::ErrorMode;

/// The requirements of all conditions of one signal, ready to search.
#[derive(Debug)]
pub(crate) struct Prefilter {
    /// Any alternative whose byte strings all occur in a chunk may match.
    alternatives: Vec<Vec<Finder<'static>>>,
}

impl Prefilter {
    /// The prefilter of a signal's passes, or `None` when some pass can
    /// match whatever the bytes hold: it has a deprecated include/exclude
    /// matcher, a condition without a requirement, or a condition that may
    /// fail to evaluate under `error_mode: propagate` (the decoded path
    /// would then fail the payload even though nothing matches).
    pub(crate) fn of(passes: &[Pass]) -> Option<Self> {
        if passes.is_empty() {
            return None;
        }
        let mut alternatives: Vec<Vec<Vec<u8>>> = Vec::new();
        for pass in passes {
            if pass.legacy.is_some() {
                return None;
            }
            for seq in [&pass.resource, &pass.scope, &pass.item, &pass.sub]
                .into_iter()
                .flatten()
            {
                for c in &seq.conditions {
                    if seq.mode == ErrorMode::Propagate && c.may_fail() {
                        return None;
                    }
                    for alt in c.required_bytes()?.alternatives() {
                        if !alternatives.contains(alt) {
                            alternatives.push(alt.clone());
                        }
                    }
                }
            }
        }
        Some(Prefilter {
            alternatives: alternatives
                .iter()
                .map(|alt| alt.iter().map(|n| Finder::new(n).into_owned()).collect())
                .collect(),
        })
    }

    /// True when some condition may be true on an item of the request
    /// encoded as `chunk`.
    fn may_match(&self, chunk: &[u8]) -> bool {
        self.alternatives
            .iter()
            .any(|alt| alt.iter().all(|f| f.find(chunk).is_some()))
    }

    /// True when filtering `data` would forward it unchanged: it is
    /// encoded, no condition can match in any of its chunks, and it has a
    /// resource and no empty level.
    pub(crate) fn passes_unchanged<T: Payload>(&self, data: &T) -> bool {
        let Some(chunks) = data.encoded_chunks() else {
            return false;
        };
        let mut resources = 0usize;
        for chunk in chunks {
            if self.may_match(chunk) {
                return false;
            }
            match filled_resources(T::SIGNAL, chunk) {
                Some(n) => resources += n,
                None => return false,
            }
        }
        resources > 0
    }
}
