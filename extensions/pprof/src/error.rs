//! Errors of CPU profiling.

/// Why a CPU profile could not be taken.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// Another CPU profile (an HTTP request or `save_to_file`) is running.
    #[error(
        "cpu profiling already in use: a CPU profile is already being collected (one at a time per process)"
    )]
    Busy,
    /// The sampler could not be started or read.
    #[error("cpu profiler failed: {0}")]
    Profiler(#[from] pprof::Error),
    /// The profiling thread could not be started or ended without an answer.
    #[error("cpu profiling thread failed: {0}")]
    Thread(String),
    /// Compressing or writing the profile failed.
    #[error("writing the profile failed: {0}")]
    Io(#[from] std::io::Error),
}
