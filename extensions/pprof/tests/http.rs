//! The pprof server over real HTTP, and CPU profiles decoded with our own `Profile`.
#![allow(clippy::unwrap_used)] // test helpers: a panic is a test failure

use std::io::Read as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use otelcol_component::{Component, Kind};
use otelcol_componenttest::{NopHost, nop_settings};
use otelcol_extension_pprof::profile::Profile;
use otelcol_extension_pprof::{Config, PprofExtension};
use prost::Message as _;

/// The profiler and the extension are process-wide: one test at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

struct Reply {
    status: u16,
    headers: http::HeaderMap,
    body: Bytes,
}

async fn get(addr: SocketAddr, path: &str) -> Reply {
    let client = Client::builder(TokioExecutor::new()).build_http::<Empty<Bytes>>();
    let resp = client
        .get(format!("http://{addr}{path}").parse().unwrap())
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    Reply {
        status,
        headers,
        body,
    }
}

fn local(save_to_file: &str) -> Config {
    Config {
        endpoint: "127.0.0.1:0".into(),
        save_to_file: save_to_file.into(),
        ..Config::default()
    }
}

fn extension(cfg: Config) -> PprofExtension {
    PprofExtension::new(&nop_settings("pprof", Kind::Extension), cfg)
}

#[inline(never)]
fn burn_cpu(stop: &AtomicBool, deadline: Instant) -> u64 {
    let mut x: u64 = 1;
    while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
        for i in 0..10_000u64 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
        }
    }
    x
}

/// Burns CPU on another thread until the guard is dropped (at most 30 s).
struct Busy {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Busy {
    fn start() -> Busy {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut total = 0;
            while !flag.load(Ordering::Relaxed) && Instant::now() < deadline {
                total += burn_cpu(&flag, deadline) & 1;
            }
            total
        });
        Busy {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Gunzips and decodes a profile, and checks what every CPU profile must have.
fn check_profile(gz: &[u8], need_samples: bool) -> Profile {
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(gz).read_to_end(&mut raw).unwrap();
    let p = Profile::decode(raw.as_slice()).unwrap();
    let s = |i: i64| p.string_table[usize::try_from(i).unwrap()].as_str();
    assert_eq!(
        p.string_table.first().map(String::as_str),
        Some(""),
        "string_table[0] must be empty"
    );
    let types: Vec<(&str, &str)> = p.sample_type.iter().map(|t| (s(t.ty), s(t.unit))).collect();
    assert_eq!(types, [("samples", "count"), ("cpu", "nanoseconds")]);
    let period_type = p.period_type.unwrap();
    assert_eq!((s(period_type.ty), s(period_type.unit)), ("cpu", "nanoseconds"));
    assert_eq!(p.period, 10_000_000, "period = 1e9 / 100 Hz");
    assert!(p.time_nanos > 0);
    if need_samples {
        assert!(!p.sample.is_empty(), "no samples");
    }
    for sample in &p.sample {
        assert_eq!(sample.value.len(), 2);
        assert_eq!(sample.value[1], sample.value[0] * p.period);
        for loc in &sample.location_id {
            let loc = p.location.iter().find(|l| l.id == *loc).unwrap();
            for line in &loc.line {
                let f = p.function.iter().find(|f| f.id == line.function_id).unwrap();
                assert!(usize::try_from(f.name).unwrap() < p.string_table.len());
            }
        }
    }
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpu_profile_over_http_decodes() {
    let _serial = SERIAL.lock().await;
    let ext = extension(local(""));
    ext.start(NopHost::new()).await.unwrap();
    let addr = ext.local_addr().await.unwrap();

    let busy = Busy::start();
    let r = get(addr, "/debug/pprof/profile?seconds=1").await;
    drop(busy);
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.headers[http::header::CONTENT_TYPE], "application/octet-stream");
    let p = check_profile(&r.body, true);
    let burned = p
        .function
        .iter()
        .any(|f| p.string_table[f.name as usize].contains("burn_cpu"));
    assert!(
        burned,
        "the busy function is not in the profile: {:?}",
        p.string_table
    );

    ext.shutdown().await.unwrap();
    ext.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn save_to_file_writes_a_profile_and_holds_the_profiler() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cpu.pprof");
    let ext = extension(local(path.to_str().unwrap()));
    ext.start(NopHost::new()).await.unwrap();
    assert!(path.exists(), "the file is created at start, as in Go");
    let addr = ext.local_addr().await.unwrap();

    let busy = Busy::start();
    let r = get(addr, "/debug/pprof/profile?seconds=1").await;
    assert_eq!(
        r.status, 409,
        "a second CPU profile must be refused while one runs"
    );
    assert!(String::from_utf8_lossy(&r.body).contains("already"));
    tokio::time::sleep(Duration::from_millis(300)).await;
    drop(busy);

    ext.shutdown().await.unwrap();
    check_profile(&std::fs::read(&path).unwrap(), false);
}

#[tokio::test]
async fn index_cmdline_heap_and_lifecycle() {
    let _serial = SERIAL.lock().await;
    let never = extension(local(""));
    never.shutdown().await.unwrap();

    let ext = extension(local(""));
    ext.start(NopHost::new()).await.unwrap();
    let addr = ext.local_addr().await.unwrap();

    let r = get(addr, "/debug/pprof/").await;
    let index = String::from_utf8(r.body.to_vec()).unwrap();
    assert_eq!(r.status, 200);
    assert!(index.contains("profile?seconds=30") && index.contains("cmdline") && index.contains("heap"));
    let r = get(addr, "/debug/pprof/cmdline").await;
    let args: Vec<String> = std::env::args().collect();
    assert_eq!((r.status, r.body.to_vec()), (200, args.join("\0").into_bytes()));
    let r = get(addr, "/debug/pprof/heap").await;
    assert_eq!(r.status, 501);
    assert!(String::from_utf8_lossy(&r.body).contains("system allocator"));
    assert_eq!(get(addr, "/debug/pprof/profile?seconds=100000").await.status, 400);

    let second = extension(local(""));
    let err = second.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains("only a single pprof extension"), "{err}");
    ext.shutdown().await.unwrap();

    let busy_port = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let taken = busy_port.local_addr().unwrap().to_string();
    let err = extension(Config {
        endpoint: taken.clone(),
        ..Config::default()
    })
    .start(NopHost::new())
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains(&taken), "{err}");

    let bad_file = extension(local("/nonexistent-dir/cpu.pprof"));
    let err = bad_file.start(NopHost::new()).await.unwrap_err().to_string();
    assert!(err.contains("save_to_file"), "{err}");
    let again = extension(local(""));
    again.start(NopHost::new()).await.unwrap();
    again.shutdown().await.unwrap();
}
