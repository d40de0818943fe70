//! Running the configured detectors and merging what they find (Go's
//! `internal.ResourceProvider` and `MergeResource`).

use std::time::Duration;

use otelcol_component::proto::common::v1::KeyValue;
use tokio::time::Instant;

use crate::config::ResourceDetectionConfig;
use crate::docker::{DockerDetector, DockerError};
use crate::env::{EnvDetector, EnvError};
use crate::system::{SystemDetector, SystemError};

/// What detection found: resource attributes and the schema URL they follow.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Detected {
    /// The detected resource attributes, in detector order.
    pub attributes: Vec<KeyValue>,
    /// The schema URL of the first detector that gave one (empty if none).
    pub schema_url: String,
}

/// Why a detector failed.
#[derive(Debug, thiserror::Error)]
pub enum DetectorError {
    /// The `env` detector.
    #[error(transparent)]
    Env(#[from] EnvError),
    /// The `system` detector.
    #[error(transparent)]
    System(#[from] SystemError),
    /// The `docker` detector.
    #[error(transparent)]
    Docker(#[from] DockerError),
    /// The detector did not answer before `timeout`.
    #[error("detection timed out after {0:?}")]
    Timeout(Duration),
}

/// Why detection as a whole failed.
#[derive(Debug, thiserror::Error)]
pub enum DetectionError {
    /// No detector is configured (Go: the same message).
    #[error("resource detection failed: no detectors succeeded")]
    NothingDetected,
    /// One or more detectors failed (each kept retrying until `timeout`).
    #[error("{}", .0.iter().map(|(name, e)| format!("detector {name:?}: {e}")).collect::<Vec<_>>().join("; "))]
    Failed(Vec<(&'static str, DetectorError)>),
}

/// Merges `from` into `to` (Go `MergeResource`): with `override_existing`
/// a detected attribute replaces one of the same key (in place); without,
/// only missing keys are added. Nothing happens when `from` is empty.
pub fn merge_attributes(to: &mut Vec<KeyValue>, from: &[KeyValue], override_existing: bool) {
    for kv in from {
        match to.iter_mut().find(|e| e.key == kv.key) {
            Some(existing) if override_existing => existing.value.clone_from(&kv.value),
            Some(_) => {}
            None => to.push(kv.clone()),
        }
    }
}

/// Go `MergeSchemaURL`: the current URL unless it is empty.
pub fn merge_schema_url(current: &str, detected: &str) -> String {
    if current.is_empty() {
        detected.to_string()
    } else {
        current.to_string()
    }
}

/// One configured detector.
#[derive(Debug)]
pub(crate) enum Detector {
    Env(EnvDetector),
    System(SystemDetector),
    Docker(DockerDetector),
}

impl Detector {
    /// The detectors of `cfg`, in its order (names already validated).
    pub(crate) fn from_config(cfg: &ResourceDetectionConfig) -> Vec<Detector> {
        cfg.detectors
            .iter()
            .filter_map(|name| match name.trim() {
                "env" => Some(Detector::Env(EnvDetector::new(&cfg.env))),
                "system" => Some(Detector::System(SystemDetector::new(&cfg.system))),
                "docker" => Some(Detector::Docker(DockerDetector::from_env(&cfg.docker))),
                _ => None,
            })
            .collect()
    }

    /// The detector's config name.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Detector::Env(_) => "env",
            Detector::System(_) => "system",
            Detector::Docker(_) => "docker",
        }
    }

    /// One detection attempt.
    pub(crate) async fn detect(&self) -> Result<Detected, DetectorError> {
        Ok(match self {
            Detector::Env(d) => d.detect()?,
            Detector::System(d) => d.detect()?,
            Detector::Docker(d) => d.detect().await?,
        })
    }
}

/// How long a failed detector waits before trying again (Go's backoff
/// starts at one second).
const RETRY_INTERVAL: Duration = Duration::from_secs(1);

/// Runs one detector until it succeeds or `deadline` passes, retrying
/// failures every [`RETRY_INTERVAL`] (Go retries with backoff until the
/// timeout too). Every attempt runs at least once, even past the deadline.
async fn detect_with_retry(
    d: &Detector,
    deadline: Instant,
    timeout: Duration,
) -> Result<Detected, DetectorError> {
    loop {
        let err = match tokio::time::timeout_at(deadline, d.detect()).await {
            Ok(Ok(found)) => return Ok(found),
            Ok(Err(e)) => e,
            Err(_) => return Err(DetectorError::Timeout(timeout)),
        };
        tracing::warn!(detector = d.name(), error = %err, "failed to detect resource");
        let next = Instant::now() + RETRY_INTERVAL;
        if next >= deadline {
            return Err(err);
        }
        tokio::time::sleep_until(next).await;
    }
}

/// Runs every detector concurrently within `timeout` and merges their
/// results in configured order (the first detector wins a key). Fails if
/// any detector failed, as Go's processor fails to start then.
pub(crate) async fn detect_all(
    detectors: &[Detector],
    timeout: Duration,
) -> Result<Detected, DetectionError> {
    if detectors.is_empty() {
        return Err(DetectionError::NothingDetected);
    }
    tracing::info!("began detecting resource information");
    let deadline = Instant::now() + timeout;
    let results =
        futures::future::join_all(detectors.iter().map(|d| detect_with_retry(d, deadline, timeout))).await;
    let mut merged = Detected::default();
    let mut failures = Vec::new();
    for (d, result) in detectors.iter().zip(results) {
        match result {
            Ok(found) => {
                merge_attributes(&mut merged.attributes, &found.attributes, false);
                merged.schema_url = merge_schema_url(&merged.schema_url, &found.schema_url);
            }
            Err(e) => failures.push((d.name(), e)),
        }
    }
    if !failures.is_empty() {
        return Err(DetectionError::Failed(failures));
    }
    tracing::info!(
        attributes = merged.attributes.len(),
        "detected resource information"
    );
    Ok(merged)
}

#[cfg(test)]
mod tests {
    use super::*;
    use otelcol_component::build::string_kv;
    use otelcol_component::proto::common::v1::{AnyValue, any_value::Value};

    fn kv(k: &str, v: &str) -> KeyValue {
        string_kv(k, v)
    }

    #[test]
    fn override_replaces_in_place_and_appends_new_keys() {
        let mut to = vec![kv("a", "old"), kv("keep", "k")];
        merge_attributes(&mut to, &[kv("a", "new"), kv("b", "added")], true);
        assert_eq!(to, vec![kv("a", "new"), kv("keep", "k"), kv("b", "added")]);
    }

    #[test]
    fn without_override_only_missing_keys_are_added() {
        let mut to = vec![kv("a", "old")];
        merge_attributes(&mut to, &[kv("a", "new"), kv("b", "added")], false);
        assert_eq!(to, vec![kv("a", "old"), kv("b", "added")]);
    }

    #[test]
    fn empty_detection_changes_nothing_and_empty_targets_get_everything() {
        let mut to = vec![kv("a", "1")];
        merge_attributes(&mut to, &[], true);
        assert_eq!(to, vec![kv("a", "1")]);
        let mut empty = Vec::new();
        merge_attributes(&mut empty, &[kv("x", "1"), kv("y", "2")], false);
        assert_eq!(empty, vec![kv("x", "1"), kv("y", "2")]);
    }

    #[test]
    fn override_keeps_the_detected_type() {
        let mut to = vec![kv("n", "text")];
        let int = KeyValue {
            key: "n".into(),
            value: Some(AnyValue {
                value: Some(Value::IntValue(7)),
            }),
            ..Default::default()
        };
        merge_attributes(&mut to, std::slice::from_ref(&int), true);
        assert_eq!(to, vec![int]);
    }

    #[test]
    fn schema_url_is_set_only_when_missing() {
        assert_eq!(merge_schema_url("", "https://s/1"), "https://s/1");
        assert_eq!(merge_schema_url("https://mine", "https://s/1"), "https://mine");
        assert_eq!(merge_schema_url("https://mine", ""), "https://mine");
    }

    #[tokio::test]
    async fn no_detector_is_an_error_as_in_go() {
        let err = detect_all(&[], Duration::from_secs(1)).await.unwrap_err();
        assert_eq!(
            err.to_string(),
            "resource detection failed: no detectors succeeded"
        );
    }
}
