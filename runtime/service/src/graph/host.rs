//! The host the runtime gives components: extensions and status reports.

use std::sync::{Arc, Mutex};

use otelcol_component::{
    Admission, AdmissionSet, ComponentId, Extension, Host, Kind, ServiceInfo, StatusEvent,
};

/// Holds the enabled extensions; forwards status reports to them and to the log.
#[derive(Debug)]
pub struct ServiceHost {
    extensions: Vec<(ComponentId, Arc<dyn Extension>)>,
    info: ServiceInfo,
    gates: Mutex<Vec<Arc<dyn Admission>>>,
}

impl ServiceHost {
    /// A host with these extensions (in start order) for the service `info` describes.
    pub fn new(extensions: Vec<(ComponentId, Arc<dyn Extension>)>, info: ServiceInfo) -> Self {
        ServiceHost {
            extensions,
            info,
            gates: Mutex::new(Vec::new()),
        }
    }
}

impl Host for ServiceHost {
    fn extension(&self, id: &ComponentId) -> Option<Arc<dyn Extension>> {
        self.extensions
            .iter()
            .find(|(i, _)| i == id)
            .map(|(_, e)| e.clone())
    }

    fn extensions(&self) -> Vec<(ComponentId, Arc<dyn Extension>)> {
        self.extensions.clone()
    }

    fn report_status(&self, id: &ComponentId, kind: Kind, event: StatusEvent) {
        match &event {
            StatusEvent::RecoverableError(e) => {
                tracing::warn!(%kind, id = %id, error = %e, "component reports a recoverable error")
            }
            StatusEvent::PermanentError(e) | StatusEvent::FatalError(e) => {
                tracing::error!(%kind, id = %id, error = %e, "component reports an error")
            }
            other => tracing::debug!(%kind, id = %id, status = ?other, "component status"),
        }
        for (_, ext) in &self.extensions {
            ext.on_status(id, kind, &event);
        }
    }

    fn service_info(&self) -> Option<ServiceInfo> {
        Some(self.info.clone())
    }

    fn register_admission(&self, gate: Arc<dyn Admission>) {
        self.gates.lock().unwrap_or_else(|p| p.into_inner()).push(gate);
    }

    fn admission(&self) -> AdmissionSet {
        AdmissionSet::new(self.gates.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }
}
