//! Offsets in a real `file_storage` extension: the receiver is stopped
//! abruptly (dropped without shutdown while the pipeline holds a batch, as
//! a SIGKILL would stop it) in the middle of a stream, several times, and
//! a new receiver on the same storage continues: no line lost, none twice.
//! Also: refused data is retried, not skipped.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{Recording, append_lines, assert_exactly_once_in_order, line, receiver, seq, storage_host};

const TOTAL: usize = 20_000;

fn writer(path: PathBuf) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let start = Instant::now();
        for burst in 0..TOTAL / 50 {
            let due = start + Duration::from_millis(burst as u64 * 10);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
            append_lines(&path, (burst * 50..(burst + 1) * 50).map(line));
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_and_restarted_on_the_same_storage_neither_loses_nor_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let logs = tmp.path().join("logs");
    let store = tmp.path().join("storage");
    std::fs::create_dir(&logs).unwrap();
    std::fs::create_dir(&store).unwrap();
    let log = logs.join("app.log");
    append_lines(&log, Vec::new());
    let config = format!(
        "include: ['{}/*.log']\nstart_at: beginning\npoll_interval: 50ms\nstorage: file_storage",
        logs.display()
    );
    let w = writer(log.clone());
    let mut accepted: Vec<String> = Vec::new();

    // Three receivers, each killed once it accepted some lines and the
    // pipeline is busy with the next batch.
    for (round, stall_after) in [1_000usize, 3_500, 2_000].into_iter().enumerate() {
        let (ext, host) = storage_host(&store).await;
        let sink = Recording::new(Some(stall_after));
        let r = receiver(&config, sink.clone(), None);
        r.start(host).await.unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while !sink.is_stalled.load(Ordering::SeqCst) {
            assert!(
                Instant::now() < deadline,
                "round {round}: the pipeline never stalled"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        // SIGKILL: no shutdown, neither of the receiver nor of the storage.
        drop(r);
        drop(ext);
        accepted.extend(sink.take());
        assert!(
            accepted.len() < TOTAL,
            "round {round}: the kill came too late to mean anything"
        );
    }

    // A last receiver reads the rest.
    let (ext, host) = storage_host(&store).await;
    let sink = Recording::new(None);
    let r = receiver(&config, sink.clone(), None);
    r.start(host).await.unwrap();
    tokio::task::spawn_blocking(move || w.join().unwrap())
        .await
        .unwrap();
    let want = TOTAL - accepted.len();
    let arrived = sink.wait_for(want, Duration::from_secs(60)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    r.shutdown().await.unwrap();
    ext.shutdown().await.unwrap();
    accepted.extend(sink.take());
    let got: Vec<usize> = accepted.iter().map(|b| seq(b)).collect();
    assert!(arrived, "only {} of {TOTAL} lines arrived", got.len());
    assert_exactly_once_in_order(&got, TOTAL);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_clean_restart_continues_where_it_stopped() {
    let tmp = tempfile::tempdir().unwrap();
    let store = tmp.path().join("storage");
    std::fs::create_dir(&store).unwrap();
    let log = tmp.path().join("app.log");
    append_lines(&log, (0..100).map(line));
    let config = format!(
        "include: ['{}']\nstart_at: end\npoll_interval: 50ms\nstorage: file_storage",
        log.display()
    );
    let (ext, host) = storage_host(&store).await;
    let sink = Recording::new(None);
    let r = receiver(&config, sink.clone(), None);
    r.start(host).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    append_lines(&log, (100..200).map(line));
    assert!(sink.wait_for(100, Duration::from_secs(20)).await);
    r.shutdown().await.unwrap();
    ext.shutdown().await.unwrap();
    // Written while stopped: read at restart although start_at is end.
    append_lines(&log, (200..300).map(line));
    let (ext, host) = storage_host(&store).await;
    let r = receiver(&config, sink.clone(), None);
    r.start(host).await.unwrap();
    assert!(sink.wait_for(200, Duration::from_secs(20)).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    r.shutdown().await.unwrap();
    ext.shutdown().await.unwrap();
    let got: Vec<usize> = sink.take().iter().map(|b| seq(b) - 100).collect();
    assert_exactly_once_in_order(&got, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_data_is_retried_not_skipped() {
    let tmp = tempfile::tempdir().unwrap();
    let log = tmp.path().join("app.log");
    append_lines(&log, (0..500).map(line));
    let sink = Recording::new(None);
    sink.refuse.store(true, Ordering::SeqCst);
    let r = receiver(
        &format!(
            "include: ['{}']\nstart_at: beginning\npoll_interval: 50ms\nretry_on_failure: {{initial_interval: 50ms, max_interval: 100ms}}",
            log.display()
        ),
        sink.clone(),
        None,
    );
    r.start(otelcol_componenttest::NopHost::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    append_lines(&log, (500..1000).map(line));
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.count(), 0);
    sink.refuse.store(false, Ordering::SeqCst);
    assert!(sink.wait_for(1000, Duration::from_secs(20)).await);
    tokio::time::sleep(Duration::from_millis(200)).await;
    r.shutdown().await.unwrap();
    let got: Vec<usize> = sink.take().iter().map(|b| seq(b)).collect();
    assert_exactly_once_in_order(&got, 1000);
    // Shutdown returns while the consumer refuses: nothing is committed.
    let refusing = Arc::new(Recording::default());
    refusing.refuse.store(true, Ordering::SeqCst);
    let r = receiver(
        &format!("include: ['{}']\nstart_at: beginning", log.display()),
        refusing,
        None,
    );
    r.start(otelcol_componenttest::NopHost::new()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    tokio::time::timeout(Duration::from_secs(5), r.shutdown())
        .await
        .unwrap()
        .unwrap();
}
