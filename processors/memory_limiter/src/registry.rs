//! One limiter per component id: every pipeline that lists `memory_limiter`
//! shares one measurement task and one admission gate (Go keeps the same map
//! in its factory).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError, Weak};

use otelcol_component::ComponentId;

use crate::config::MemoryLimiterConfig;
use crate::error::MemoryError;
use crate::limiter::MemoryLimiter;
use crate::memory::MemorySource;

#[derive(Debug)]
struct Entry {
    config: MemoryLimiterConfig,
    limiter: Weak<MemoryLimiter>,
}

/// Limiters by component id. Entries are removed when the last instance
/// using them shuts down, or when every instance has been dropped.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    entries: Mutex<HashMap<String, Entry>>,
}

impl Registry {
    /// The limiter for `id`: the live one if it was built from the same
    /// config, otherwise a new one (a reload with a changed config does not
    /// inherit the old limits).
    pub(crate) fn get_or_create(
        self: &Arc<Self>,
        id: &ComponentId,
        config: &MemoryLimiterConfig,
        source: &Arc<dyn MemorySource>,
    ) -> Result<Arc<MemoryLimiter>, MemoryError> {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let key = id.to_string();
        if let Some(live) = entries
            .get(&key)
            .filter(|e| &e.config == config)
            .and_then(|e| e.limiter.upgrade())
        {
            return Ok(live);
        }
        let limiter = Arc::new(MemoryLimiter::build(
            id.clone(),
            config,
            source.clone(),
            Arc::downgrade(self),
        )?);
        entries.insert(
            key,
            Entry {
                config: config.clone(),
                limiter: Arc::downgrade(&limiter),
            },
        );
        Ok(limiter)
    }

    /// Forgets `limiter` if it is still the one registered for its id.
    pub(crate) fn remove(&self, limiter: &MemoryLimiter) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let key = limiter.id().to_string();
        if entries
            .get(&key)
            .is_some_and(|e| std::ptr::eq(e.limiter.as_ptr(), limiter))
        {
            entries.remove(&key);
        }
    }
}
