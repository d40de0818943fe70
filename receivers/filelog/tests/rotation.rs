//! Real rotation: a writer appends about 5,000 lines a second while the
//! real `logrotate -f` rotates the file twice, in `create` mode (rename,
//! then a new file) and in `copytruncate` mode (copy, then truncate the
//! same file). Every line must arrive exactly once, in order.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Capture, Recording, append_lines, assert_exactly_once_in_order, line, receiver, rotate, seq};
use otelcol_component::Meter;
use otelcol_componenttest::NopHost;

/// Lines written per test: three seconds at 5,000 lines a second.
const TOTAL: usize = 15_000;
/// Lines per write burst (every 10ms).
const BURST: usize = 50;

#[derive(Clone, Copy, Debug, PartialEq)]
enum RotateMode {
    Create,
    CopyTruncate,
}

/// Writes `TOTAL` lines to `path` at about 5,000 lines a second. Holds
/// `gate` while writing a burst (the rotation takes it for copytruncate)
/// and reopens the file when `reopen` is set (what a `postrotate` signal
/// asks of a real program after a `create` rotation).
fn writer(path: PathBuf, gate: Arc<Mutex<()>>, reopen: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let start = Instant::now();
        let open = || {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .unwrap()
        };
        let mut f = open();
        for burst in 0..TOTAL / BURST {
            let due = start + Duration::from_millis(burst as u64 * 10);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            let _g = gate.lock().unwrap();
            if reopen.swap(false, Ordering::SeqCst) {
                f = open();
            }
            for i in burst * BURST..(burst + 1) * BURST {
                use std::io::Write;
                f.write_all(format!("{}\n", line(i)).as_bytes()).unwrap();
            }
        }
    })
}

fn logrotate_conf(dir: &Path, mode: RotateMode) -> PathBuf {
    let conf = dir.join("logrotate.conf");
    let how = match mode {
        RotateMode::Create => "create",
        RotateMode::CopyTruncate => "copytruncate",
    };
    std::fs::write(
        &conf,
        format!(
            "{}/app.log {{\n    rotate 10\n    {how}\n    missingok\n    nocompress\n}}\n",
            dir.display()
        ),
    )
    .unwrap();
    conf
}

async fn rotation_case(mode: RotateMode, glob: &str) {
    common::logrotate(); // fail early, naming the package, when it is missing
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let log = logs.join("app.log");
    append_lines(&log, Vec::new());
    let conf = logrotate_conf(&logs, mode);
    let state = tmp.path().join("logrotate.state");

    let sink = Recording::new(None);
    let capture = Arc::new(Capture::default());
    let r = receiver(
        &format!(
            "include: ['{}/{glob}']\nstart_at: beginning\npoll_interval: 100ms",
            logs.display()
        ),
        sink.clone(),
        Some(Meter::new(capture.clone())),
    );
    r.start(NopHost::new()).await.unwrap();

    let gate = Arc::new(Mutex::new(()));
    let reopen = Arc::new(AtomicBool::new(false));
    let w = writer(log.clone(), gate.clone(), reopen.clone());
    let rotations = tokio::task::spawn_blocking(move || {
        // Two rotations, one second apart, while the writer writes.
        for _ in 0..2 {
            std::thread::sleep(Duration::from_secs(1));
            match mode {
                RotateMode::Create => {
                    rotate(&state, &conf);
                    reopen.store(true, Ordering::SeqCst);
                }
                RotateMode::CopyTruncate => {
                    // logrotate's copytruncate loses what is written between
                    // its copy and its truncate (its man page says so): the
                    // writer waits while logrotate runs.
                    let _g = gate.lock().unwrap();
                    rotate(&state, &conf);
                }
            }
        }
    });
    rotations.await.unwrap();
    tokio::task::spawn_blocking(move || w.join().unwrap())
        .await
        .unwrap();

    let rotated: Vec<String> = std::fs::read_dir(&logs)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("app.log."))
        .collect();
    assert_eq!(rotated.len(), 2, "logrotate rotated twice: {rotated:?}");

    let arrived = sink.wait_for(TOTAL, Duration::from_secs(60)).await;
    // Anything more would be a duplicate: give it a few polls to show up.
    tokio::time::sleep(Duration::from_millis(500)).await;
    r.shutdown().await.unwrap();
    let got: Vec<usize> = sink.take().iter().map(|b| seq(b)).collect();
    assert!(
        arrived,
        "{mode:?} {glob}: only {} of {TOTAL} lines arrived",
        got.len()
    );
    assert_exactly_once_in_order(&got, TOTAL);
    assert_eq!(
        capture.get("otelcol_receiver_accepted_log_records{receiver=file_log/test}"),
        TOTAL as u64
    );
    assert_eq!(
        capture.get("otelcol_receiver_refused_log_records{receiver=file_log/test}"),
        0
    );
}

/// `create`: the file is renamed to `app.log.1` and a new `app.log` is
/// created; the writer keeps writing to the renamed file until it reopens.
/// The glob matches the rotated files too: they are recognised by their
/// first bytes and continued, never read again from their start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logrotate_create_with_rotated_files_in_the_glob() {
    rotation_case(RotateMode::Create, "app.log*").await;
}

/// `create`, with a glob matching only `app.log`: the renamed file leaves
/// the glob, and its last lines are read through the handle kept open.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logrotate_create_with_only_the_live_file_in_the_glob() {
    rotation_case(RotateMode::Create, "app.log").await;
}

/// `copytruncate`: the file is copied to `app.log.1` and truncated in
/// place; the copy is recognised as the file already being read (what was
/// not read yet is read from it), the truncated file as a new one read
/// from offset 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logrotate_copytruncate() {
    rotation_case(RotateMode::CopyTruncate, "app.log*").await;
}
