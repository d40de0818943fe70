//! A real Kafka-protocol broker for tests: [tansu](https://tansu.io)
//! (Apache-2.0), started as a child process on a loopback port.
//!
//! [`tansu_binary`] finds the broker: `$OTELCOL_TEST_TANSU`, then
//! `$OTELCOL_CACHE/tools/tansu-<version>/bin/tansu` (where the README's test
//! command installs it), then `tansu` on the `PATH`; when none exists it
//! installs it there with `cargo install` (about ten minutes cold).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test support: a panic is a failed test

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;

/// The tansu version the tests run.
pub const TANSU_VERSION: &str = "0.6.0";
/// The features tansu is built with (`memory://` needs `dynostore`, the
/// durable file store `libsql`).
pub const TANSU_FEATURES: &str = "dynostore,libsql";

fn cache_dir() -> PathBuf {
    if let Some(c) = std::env::var_os("OTELCOL_CACHE") {
        return PathBuf::from(c);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_else(std::env::temp_dir);
    home.join(".cache").join("otelcol-rs")
}

/// The tansu binary, installed first if it is nowhere to be found.
pub fn tansu_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("OTELCOL_TEST_TANSU") {
        return PathBuf::from(p);
    }
    let root = cache_dir().join("tools").join(format!("tansu-{TANSU_VERSION}"));
    let bin = root.join("bin").join("tansu");
    if bin.exists() {
        return bin;
    }
    if let Some(on_path) = std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join("tansu"))
        .find(|p| p.exists())
    {
        return on_path;
    }
    std::fs::create_dir_all(&root).unwrap();
    // One installer at a time across test processes (flock waits).
    let lock = root.join(".install.lock");
    let status = Command::new("flock")
        .arg(&lock)
        .args(["sh", "-c"])
        .arg(format!(
            "test -x '{bin}' || cargo install tansu --version {TANSU_VERSION} --features {TANSU_FEATURES} --locked --root '{root}' --target-dir '{root}/build' && rm -rf '{root}/build'",
            bin = bin.display(),
            root = root.display()
        ))
        .status()
        .expect("run cargo install tansu");
    assert!(
        status.success() && bin.exists(),
        "installing tansu failed: {status}"
    );
    bin
}

/// How a broker keeps its data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// In memory: lost when the broker stops.
    Memory,
    /// A libsql (SQLite) file: kept across restarts.
    Durable,
}

/// A running tansu broker on `127.0.0.1:<port>`; killed on drop.
#[derive(Debug)]
pub struct Broker {
    child: Option<Child>,
    port: u16,
    storage: Storage,
    dir: tempfile::TempDir,
    starts: u32,
}

impl Broker {
    /// Starts a broker that keeps its data in memory.
    pub fn start() -> Broker {
        Self::start_with(Storage::Memory)
    }

    /// Starts a broker that keeps its data in a file, across [`restart`](Self::restart)s.
    pub fn start_durable() -> Broker {
        Self::start_with(Storage::Durable)
    }

    fn start_with(storage: Storage) -> Broker {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut b = Broker {
            child: None,
            port,
            storage,
            dir: tempfile::tempdir().unwrap(),
            starts: 0,
        };
        b.spawn();
        b
    }

    /// `127.0.0.1:<port>`, for `brokers`.
    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The broker's log so far (stdout and stderr of every start).
    pub fn log(&self) -> String {
        (1..=self.starts)
            .map(|i| std::fs::read_to_string(self.log_path(i)).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n--- restart ---\n")
    }

    fn log_path(&self, start: u32) -> PathBuf {
        self.dir.path().join(format!("tansu-{start}.log"))
    }

    fn storage_url(&self) -> String {
        match self.storage {
            Storage::Memory => "memory://tansu/".to_string(),
            // tansu reads the path relative to its working directory (the
            // broker's folder).
            Storage::Durable => "sqlite://tansu.db".to_string(),
        }
    }

    fn spawn(&mut self) {
        self.starts += 1;
        let log = std::fs::File::create(self.log_path(self.starts)).unwrap();
        let url = format!("tcp://127.0.0.1:{}", self.port);
        let child = Command::new(tansu_binary())
            .arg("broker")
            .args(["--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", &self.storage_url()])
            .current_dir(self.dir.path())
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .expect("start tansu");
        // A watchdog kills the broker once the test process is gone, so a
        // broker held in a `static` (or left by an aborted test) does not
        // outlive it.
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!(
                "while kill -0 {me} 2>/dev/null && kill -0 {b} 2>/dev/null; do sleep 1; done; kill -9 {b} 2>/dev/null",
                me = std::process::id(),
                b = child.id()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        self.child = Some(child);
        self.wait_listening(Duration::from_secs(60));
    }

    /// Kills the broker (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the broker again on the same port and storage.
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    /// The folder holding the broker's files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Creates `topic` with `partitions` partitions (replication 1). Works
    /// from synchronous and asynchronous tests alike (it runs on a thread
    /// of its own).
    pub fn create_topic(&self, topic: &str, partitions: i32) {
        let bootstrap = self.bootstrap();
        let res = std::thread::scope(|s| {
            s.spawn(|| {
                let admin: AdminClient<DefaultClientContext> = rdkafka::ClientConfig::new()
                    .set("bootstrap.servers", &bootstrap)
                    .create()
                    .expect("admin client");
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                let new = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
                let opts = AdminOptions::new().operation_timeout(Some(Duration::from_secs(30)));
                rt.block_on(admin.create_topics([&new], &opts))
            })
            .join()
            .expect("create_topics thread")
        })
        .expect("create_topics");
        for r in res {
            if let Err((t, e)) = r {
                panic!("create topic {t}: {e}\nbroker log:\n{}", self.log());
            }
        }
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.kill();
    }
}

impl Broker {
    fn wait_listening(&mut self, patience: Duration) {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let start = Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            let exited = self
                .child
                .as_mut()
                .is_some_and(|c| matches!(c.try_wait(), Ok(Some(_))));
            assert!(
                !exited && start.elapsed() < patience,
                "tansu did not listen on {addr} (exited: {exited}); log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
