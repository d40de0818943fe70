//! The extension through the component API: directory checks, per-component
//! files, persistence across clients, the file lock.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use std::sync::Arc;
use std::time::Duration;

use otelcol_component::{ComponentId, Extension, ExtensionFactory, Kind, StorageError, StorageOp};
use otelcol_componenttest::{NopHost, nop_settings, parse_config};
use otelcol_extension_filestorage::{Config, factory};

fn extension(yaml: &str) -> Arc<dyn Extension> {
    let cfg: Config = parse_config(yaml).unwrap();
    factory()
        .create(&nop_settings("file_storage", Kind::Extension), &cfg)
        .unwrap()
}

#[tokio::test]
async fn a_missing_directory_is_refused_unless_created() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b");
    let ext = extension(&format!("directory: {}", dir.display()));
    let err = ext.start(NopHost::new()).await.unwrap_err();
    assert!(err.to_string().contains("directory must exist"), "{err}");
    let ext = extension(&format!("directory: {}\ncreate_directory: true", dir.display()));
    ext.start(NopHost::new()).await.unwrap();
    assert!(dir.is_dir());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & !0o750, 0, "mode {mode:o} within 0750");
    }
    ext.shutdown().await.unwrap();
}

#[tokio::test]
async fn data_persists_per_component_and_the_file_is_locked() {
    let tmp = tempfile::tempdir().unwrap();
    let ext = extension(&format!(
        "directory: {}\nfsync: true\ntimeout: 50ms",
        tmp.path().display()
    ));
    ext.start(NopHost::new()).await.unwrap();
    let storage = ext.storage().expect("a storage extension");
    let id: ComponentId = "otlp/backup".parse().unwrap();
    let c = storage.client(Kind::Exporter, &id, "traces").await.unwrap();
    c.set("k", b"v".to_vec()).await.unwrap();
    c.batch(vec![
        StorageOp::Set("a".into(), b"1".to_vec()),
        StorageOp::Delete("k".into()),
    ])
    .await
    .unwrap();
    assert!(tmp.path().join("exporter_otlp_backup_traces").is_file());

    // Another client of the same store waits for the lock, then gives up.
    let err = storage.client(Kind::Exporter, &id, "traces").await.unwrap_err();
    assert!(err.to_string().contains("locked"), "{err}");
    // Another store of the same component is independent.
    let logs = storage.client(Kind::Exporter, &id, "logs").await.unwrap();
    assert_eq!(logs.get("a").await.unwrap(), None);

    c.close().await.unwrap();
    assert!(matches!(c.get("a").await, Err(StorageError::Closed)));
    let again = storage.client(Kind::Exporter, &id, "traces").await.unwrap();
    assert_eq!(again.get("a").await.unwrap(), Some(b"1".to_vec()));
    assert_eq!(again.get("k").await.unwrap(), None);
    ext.shutdown().await.unwrap();
    // Shutdown closed the clients still open.
    assert!(matches!(again.get("a").await, Err(StorageError::Closed)));
    assert!(matches!(logs.set("x", vec![]).await, Err(StorageError::Closed)));
}

#[tokio::test]
async fn unsynced_writes_survive_the_client_being_dropped() {
    // `fsync: false`: a dropped (killed) client loses nothing that was
    // acknowledged, because the write reached the page cache.
    let tmp = tempfile::tempdir().unwrap();
    let ext = extension(&format!("directory: {}", tmp.path().display()));
    ext.start(NopHost::new()).await.unwrap();
    let storage = ext.storage().unwrap();
    let id: ComponentId = "otlp".parse().unwrap();
    {
        let c = storage.client(Kind::Exporter, &id, "").await.unwrap();
        for i in 0..100u32 {
            c.set(&i.to_string(), i.to_le_bytes().to_vec()).await.unwrap();
        }
    }
    tokio::time::sleep(Duration::from_millis(10)).await;
    let c = storage.client(Kind::Exporter, &id, "").await.unwrap();
    for i in 0..100u32 {
        assert_eq!(
            c.get(&i.to_string()).await.unwrap(),
            Some(i.to_le_bytes().to_vec())
        );
    }
}
