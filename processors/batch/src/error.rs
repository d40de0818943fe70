//! Errors the batch processor itself raises (downstream errors pass through).

use otelcol_component::ConsumeError;

/// Why the batch processor refused or lost a payload.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BatchError {
    /// `shutdown` has begun; the sender should retry (elsewhere or later).
    #[error("batch processor is shutting down")]
    ShuttingDown,
    /// `metadata_cardinality_limit` distinct metadata-value combinations
    /// already have a batcher. Permanent, as in Go.
    #[error("too many batcher metadata-value combinations")]
    TooManyBatchers,
    /// The batcher stopped before all of the payload's items were exported
    /// (it panicked or was aborted). Retryable: nothing was confirmed.
    #[error("batch processor stopped before exporting the data")]
    Stopped,
    /// `consume` was called outside a tokio runtime, where no batcher can run.
    #[error("batch processor needs a tokio runtime")]
    NoRuntime,
}

impl From<BatchError> for ConsumeError {
    fn from(e: BatchError) -> Self {
        match e {
            BatchError::ShuttingDown | BatchError::Stopped => ConsumeError::retryable(e.to_string()),
            BatchError::TooManyBatchers | BatchError::NoRuntime => ConsumeError::permanent(e.to_string()),
        }
    }
}

/// Combines the results of the exports that carried parts of one payload.
///
/// `ConsumeError::combine` is made for fan-out (the same items sent to
/// several consumers), so it keeps the largest rejected count; the parts of a
/// split payload hold different items, so their rejected counts add up.
pub(crate) fn combine_parts(errors: Vec<ConsumeError>) -> Result<(), ConsumeError> {
    if errors.len() > 1 && errors.iter().all(|e| e.rejected_items().is_some()) {
        let rejected = errors.iter().filter_map(ConsumeError::rejected_items).sum();
        let message = errors
            .iter()
            .map(ConsumeError::message)
            .collect::<Vec<_>>()
            .join("; ");
        return Err(ConsumeError::partially_rejected(rejected, message));
    }
    match ConsumeError::combine(errors) {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_to_consume_errors() {
        let e: ConsumeError = BatchError::ShuttingDown.into();
        assert!(e.is_retryable());
        assert_eq!(e.message(), "batch processor is shutting down");
        let e: ConsumeError = BatchError::TooManyBatchers.into();
        assert!(e.is_permanent());
        assert_eq!(
            e.to_string(),
            "Permanent error: too many batcher metadata-value combinations"
        );
        let e: ConsumeError = BatchError::Stopped.into();
        assert!(e.is_retryable());
    }

    #[test]
    fn combines_parts() {
        assert_eq!(combine_parts(vec![]), Ok(()));
        let e = combine_parts(vec![
            ConsumeError::partially_rejected(2, "a"),
            ConsumeError::partially_rejected(3, "b"),
        ])
        .unwrap_err();
        assert_eq!(e.rejected_items(), Some(5));
        assert_eq!(e.message(), "a; b");
        let e = combine_parts(vec![
            ConsumeError::partially_rejected(2, "a"),
            ConsumeError::retryable("b"),
        ])
        .unwrap_err();
        assert!(e.is_retryable());
        let e = combine_parts(vec![ConsumeError::permanent("x")]).unwrap_err();
        assert!(e.is_permanent());
    }
}
