//! CPU profiling sessions: one at a time per process (the sampler is a
//! process-wide `SIGPROF` timer), each run by a thread that owns the sampler.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use flate2::Compression;
use flate2::write::GzEncoder;
use pprof::ProfilerGuardBuilder;
use prost::Message as _;
use tokio::sync::oneshot;

use crate::build::{self, CPU_FREQUENCY_HZ};
use crate::error::ProfileError;

/// Set while a session runs.
static BUSY: AtomicBool = AtomicBool::new(false);

/// Libraries whose frames are not unwound from the signal handler (unwinding
/// through them can deadlock or crash).
const BLOCKLIST: [&str; 4] = ["libc", "libgcc", "pthread", "vdso"];

/// Frees the process-wide slot when dropped.
struct Slot;

impl Slot {
    fn claim() -> Result<Slot, ProfileError> {
        BUSY.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .map(|_| Slot)
            .map_err(|_| ProfileError::Busy)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        BUSY.store(false, Ordering::Release);
    }
}

/// A running CPU profile. Dropping it stops sampling and discards the profile.
#[derive(Debug)]
pub(crate) struct CpuSession {
    stop: mpsc::Sender<()>,
    done: oneshot::Receiver<Result<Vec<u8>, ProfileError>>,
}

/// The profile as `go tool pprof` reads it: `profile.proto`, gzip-compressed.
fn encode(report: &pprof::Report) -> Result<Vec<u8>, ProfileError> {
    let bytes = build::from_report(report).encode_to_vec();
    let mut gz = GzEncoder::new(Vec::with_capacity(bytes.len() / 2), Compression::default());
    gz.write_all(&bytes)?;
    Ok(gz.finish()?)
}

impl CpuSession {
    /// Starts sampling every thread at 100 Hz; fails with [`ProfileError::Busy`]
    /// while another session runs.
    pub(crate) async fn start() -> Result<CpuSession, ProfileError> {
        let slot = Slot::claim()?;
        let (stop_tx, stop_rx) = mpsc::channel::<()>();
        let (started_tx, started_rx) = oneshot::channel::<Result<(), ProfileError>>();
        let (done_tx, done_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("otelcol-pprof".into())
            .spawn(move || {
                let guard = ProfilerGuardBuilder::default()
                    .frequency(CPU_FREQUENCY_HZ)
                    .blocklist(&BLOCKLIST)
                    .build();
                let guard = match guard {
                    Ok(g) => g,
                    Err(e) => {
                        drop(slot);
                        let _ = started_tx.send(Err(e.into()));
                        return;
                    }
                };
                let _ = started_tx.send(Ok(()));
                // Returns on `finish` and also when the session is dropped.
                let _ = stop_rx.recv();
                let result = guard
                    .report()
                    .build()
                    .map_err(ProfileError::from)
                    .and_then(|r| encode(&r));
                // Stop sampling and free the slot before answering, so the
                // next session can start as soon as this one is returned.
                drop(guard);
                drop(slot);
                let _ = done_tx.send(result);
            })
            .map_err(|e| ProfileError::Thread(e.to_string()))?;
        started_rx
            .await
            .map_err(|_| ProfileError::Thread("the profiling thread ended before starting".into()))??;
        Ok(CpuSession {
            stop: stop_tx,
            done: done_rx,
        })
    }

    /// Stops sampling and returns the gzip-compressed profile.
    pub(crate) async fn finish(self) -> Result<Vec<u8>, ProfileError> {
        let _ = self.stop.send(());
        self.done
            .await
            .map_err(|_| ProfileError::Thread("the profiling thread ended without a profile".into()))?
    }
}
