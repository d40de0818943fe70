//! `otelcol-loadgen`: drives OTLP load at a collector and reports accepted
//! items/s, latency percentiles and errors; `sink` accepts and counts OTLP.

use otelcol_loadgen::count;
mod drive;
mod hist;
use otelcol_loadgen::request;
mod sink;

use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// OTLP load generator and counting sink for benchmarking otelcol-rs.
#[derive(Parser)]
#[command(name = "otelcol-loadgen", version)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
    /// Tokio worker threads (default: the CPUs this process may run on).
    #[arg(long, global = true)]
    threads: Option<usize>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Send pre-encoded OTLP requests and report what was accepted.
    Run(RunArgs),
    /// Accept OTLP/gRPC and OTLP/HTTP on every --listen address and count items.
    Sink {
        /// Address to listen on (repeatable); each serves gRPC and HTTP.
        #[arg(long, default_value = "127.0.0.1:4317")]
        listen: Vec<SocketAddr>,
        /// Exit after this long (e.g. `30s`); default: until SIGINT/SIGTERM.
        #[arg(long, value_parser = humantime::parse_duration)]
        duration: Option<Duration>,
    },
}

#[derive(clap::Args)]
struct RunArgs {
    /// Signal to send.
    #[arg(long, value_enum, default_value = "traces")]
    signal: request::Signal,
    /// Protocol.
    #[arg(long, value_enum, default_value = "grpc")]
    protocol: drive::Protocol,
    /// Receiver `host:port` (default 127.0.0.1:4317 for gRPC, :4318 for HTTP).
    #[arg(long)]
    endpoint: Option<String>,
    /// Items (spans / data points / log records) per request.
    #[arg(long, default_value_t = 1000)]
    items: usize,
    /// Attributes per item.
    #[arg(long, default_value_t = 7)]
    attributes: usize,
    /// Resources per request.
    #[arg(long, default_value_t = 4)]
    resources: usize,
    /// Connections.
    #[arg(long, default_value_t = 8)]
    connections: usize,
    /// Concurrent requests per gRPC connection.
    #[arg(long, default_value_t = 4)]
    streams: usize,
    /// Items per second over all connections; 0 = flat out.
    #[arg(long, default_value_t = 0)]
    rate: u64,
    /// How long to send (e.g. `10s`).
    #[arg(long, value_parser = humantime::parse_duration, default_value = "10s")]
    duration: Duration,
    /// Send exactly this many requests instead of for --duration.
    #[arg(long)]
    requests: Option<u64>,
    /// Metrics: make every data point of every variant its own series.
    #[arg(long)]
    distinct_series: bool,
    /// Distinct pre-encoded requests to rotate through.
    #[arg(long, default_value_t = 4)]
    variants: usize,
    /// Per-request timeout.
    #[arg(long, value_parser = humantime::parse_duration, default_value = "30s")]
    timeout: Duration,
    /// Send gzip-compressed requests (compressed once, up front).
    #[arg(long)]
    gzip: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all();
    if let Some(n) = cli.threads {
        rt.worker_threads(n.max(1));
    }
    let rt = match rt.build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("otelcol-loadgen: runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.cmd {
        Cmd::Sink { listen, duration } => match rt.block_on(sink::run(&listen, duration)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("otelcol-loadgen sink: {e}");
                ExitCode::FAILURE
            }
        },
        Cmd::Run(a) => {
            let default_port = match a.protocol {
                drive::Protocol::Grpc => "127.0.0.1:4317",
                drive::Protocol::Http => "127.0.0.1:4318",
            };
            let plan = drive::Plan {
                shape: request::Shape {
                    signal: a.signal,
                    items: a.items.max(1),
                    attributes: a.attributes,
                    resources: a.resources.max(1),
                    distinct_series: a.distinct_series,
                },
                protocol: a.protocol,
                endpoint: a.endpoint.unwrap_or_else(|| default_port.to_string()),
                connections: a.connections,
                streams: a.streams,
                rate: a.rate,
                duration: a.duration,
                requests: a.requests,
                variants: a.variants,
                timeout: a.timeout,
                gzip: a.gzip,
            };
            match rt.block_on(drive::run(plan.clone())) {
                Ok(report) => {
                    report.print(&plan);
                    if report.ok_requests == 0 {
                        ExitCode::FAILURE
                    } else {
                        ExitCode::SUCCESS
                    }
                }
                Err(e) => {
                    eprintln!("otelcol-loadgen: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
