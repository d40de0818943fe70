//! `otelcol-rs`: the default distribution of the OpenTelemetry Collector in Rust.

use std::process::ExitCode;

use otelcol_component::BuildInfo;
use otelcol_service::Factories;
use otelcol_service::cli::{Distribution, run};
use tracing_subscriber::Layer;

/// mimalloc, chosen by measurement (BENCHMARKS.md): decoding a 1000-span
/// request is ~37% faster than with glibc malloc, and freed memory goes back
/// to the system after bursts. Counting the bytes it holds lets the
/// `memory_limiter` measure the heap (registered at the top of `main`).
#[global_allocator]
static GLOBAL: otelcol_alloc::CountingMiMalloc = otelcol_alloc::CountingMiMalloc;

/// The config run when no `--config` is given.
const DEFAULT_CONFIG: &str = include_str!("../default-config.yaml");

fn main() -> ExitCode {
    otelcol_alloc::register();
    let builder = Factories::builder()
        .receiver(otelcol_receiver_otlp::factory())
        .receiver(otelcol_receiver_nop::factory())
        .receiver(otelcol_receiver_httpcheck::factory())
        .receiver(otelcol_receiver_zipkin::factory())
        .receiver(otelcol_receiver_hostmetrics::factory())
        .receiver(otelcol_receiver_jaeger::factory())
        .receiver(otelcol_receiver_filelog::factory())
        .receiver(otelcol_receiver_prometheus::factory())
        .processor(otelcol_processor_attributes::factory())
        .processor(otelcol_processor_batch::factory())
        .processor(otelcol_processor_filter::factory())
        .processor(otelcol_processor_memorylimiter::factory())
        .processor(otelcol_processor_probabilisticsampler::factory())
        .processor(otelcol_processor_resource::factory())
        .processor(otelcol_processor_span::factory())
        .processor(otelcol_processor_tailsampling::factory())
        .processor(otelcol_processor_resourcedetection::factory())
        .processor(otelcol_processor_transform::factory())
        .exporter(otelcol_exporter_debug::factory())
        .exporter(otelcol_exporter_file::factory())
        .exporter(otelcol_exporter_nop::factory())
        .exporter(otelcol_exporter_otlp::factory())
        .exporter(otelcol_exporter_otlphttp::factory())
        .exporter(otelcol_exporter_prometheus::factory())
        .exporter(otelcol_exporter_prometheusremotewrite::factory())
        .exporter(otelcol_exporter_loadbalancing::factory())
        .extension(otelcol_extension_filestorage::factory())
        .extension(otelcol_extension_healthcheck::factory())
        .extension(otelcol_extension_pprof::factory())
        .extension(otelcol_extension_zpages::factory())
        .extension(otelcol_extension_bearertokenauth::factory())
        .extension(otelcol_extension_basicauth::factory())
        .extension(otelcol_extension_headerssetter::factory())
        .extension(otelcol_extension_oidc::factory())
        .extension(otelcol_extension_oauth2client::factory())
        .connector(otelcol_connector_forward::factory())
        .connector(otelcol_connector_routing::factory())
        .connector(otelcol_connector_count::factory())
        .connector(otelcol_connector_spanmetrics::factory())
        .connector(otelcol_connector_servicegraph::factory());
    // The kafka receiver and exporter (librdkafka): the `kafka` feature, on
    // by default; `--no-default-features` builds without them.
    #[cfg(feature = "kafka")]
    let builder = builder
        .receiver(otelcol_receiver_kafka::factory())
        .exporter(otelcol_exporter_kafka::factory());
    let factories = match builder.build() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::FAILURE;
        }
    };
    run(Distribution {
        build_info: BuildInfo {
            command: "otelcol-rs".into(),
            description: "OpenTelemetry Collector in Rust".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        factories,
        default_config: Some(DEFAULT_CONFIG),
        // zpages' /debug/tracez shows the collector's own spans at info and above.
        tracing_layers: vec![
            otelcol_extension_zpages::tracez_layer()
                .0
                .with_filter(tracing_subscriber::filter::LevelFilter::INFO)
                .boxed(),
        ],
    })
}
