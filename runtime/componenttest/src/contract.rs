//! The contract tests [`component_tests!`](crate::component_tests) generates,
//! as functions (the macro only names them).

use std::future::Future;

use otelcol_component::{
    ConnectorFactory, ExporterFactory, ExtensionFactory, ProcessorFactory, ReceiverFactory,
};

use crate::lifecycle::{
    Expect, check_connector_lifecycle, check_exporter_lifecycle, check_extension_lifecycle,
    check_processor_data, check_receiver_lifecycle, parse_config,
};

/// Runs a check on a fresh multi-threaded runtime and panics with its
/// message if it fails (the macro's tests have no runtime of their own).
pub fn run<F: Future<Output = Result<(), String>>>(check: F) {
    if let Err(e) = crate::runtime(2).block_on(check) {
        panic!("{e}");
    }
}

/// Panics with the message if `r` is an error.
pub fn ok(r: Result<(), String>) {
    if let Err(e) = r {
        panic!("{e}");
    }
}

/// The processor lifecycle-with-data contract.
pub async fn processor<F: ProcessorFactory>(factory: F, config: &str, expect: Expect) -> Result<(), String> {
    let cfg = parse_config::<F::Config>(config)?;
    check_processor_data(&factory, &cfg, expect).await
}

/// The exporter lifecycle contract.
pub async fn exporter<F: ExporterFactory>(factory: F, config: &str) -> Result<(), String> {
    let cfg = parse_config::<F::Config>(config)?;
    check_exporter_lifecycle(&factory, &cfg).await
}

/// The receiver lifecycle contract.
pub async fn receiver<F: ReceiverFactory>(factory: F, config: &str) -> Result<(), String> {
    let cfg = parse_config::<F::Config>(config)?;
    check_receiver_lifecycle(&factory, &cfg).await
}

/// The extension lifecycle contract.
pub async fn extension<F: ExtensionFactory>(factory: F, config: &str) -> Result<(), String> {
    let cfg = parse_config::<F::Config>(config)?;
    check_extension_lifecycle(&factory, &cfg).await
}

/// The connector lifecycle contract (every supported signal pair).
pub async fn connector<F: ConnectorFactory>(factory: F, config: &str) -> Result<(), String> {
    check_connector_lifecycle(&factory, config).await
}

/// Generates a component's contract tests, in a module `contract`.
///
/// ```ignore
/// otelcol_componenttest::component_tests!(processor: my::factory(), config: "k: v", expect: SameItems);
/// otelcol_componenttest::component_tests!(exporter: my::factory(), config: "endpoint: 127.0.0.1:4317");
/// otelcol_componenttest::component_tests!(receiver: my::factory(), config: "");
/// otelcol_componenttest::component_tests!(extension: my::factory(), config: "");
/// otelcol_componenttest::component_tests!(connector: my::factory(), config: "pipelines: [{signal}/contract]");
/// ```
///
/// `factory` is an expression evaluated in each test; `config` is YAML as it
/// appears under the component's id in a collector config (any expression
/// that gives a `&str` or `String`, so a helper function can build it, e.g.
/// with a temporary path). For processors, `expect` says what reaches the
/// next consumer ([`Expect`](crate::Expect): `Unchanged`, `SameItems`,
/// `AtMostSent`). A connector's check feeds one pipeline per output signal,
/// `<signal>/contract`; `{signal}` in `config` is replaced by the output
/// signal of the pair under test. `default_config: Invalid` (before `config`) declares a
/// component whose default config must be completed (see
/// [`DefaultConfig`](crate::DefaultConfig)).
///
/// The tests:
/// - `factory_facts`: the type name is valid; the default config validates
///   and round-trips through serialize and parse; an unknown key is refused
///   naming it; `config` parses and validates ([`check_factory`](crate::check_factory));
/// - `lifecycle` (for each supported signal): shutdown without start; start
///   with a host → generated data → shutdown; for processors the next
///   consumer received the data as `expect` says; nothing reaches the next
///   consumer after shutdown returned; a second shutdown; no error status.
#[macro_export]
macro_rules! component_tests {
    (processor: $factory:expr, $(default_config: $default:ident,)? config: $config:expr, expect: $expect:ident $(,)?) => {
        $crate::component_tests!(@facts $factory, [$($default)?], $config);
        #[cfg(test)]
        #[test]
        fn contract_lifecycle() {
            $crate::__private::run($crate::__private::processor(
                $factory,
                ::core::convert::AsRef::<str>::as_ref(&$config),
                $crate::Expect::$expect,
            ));
        }
    };
    ($kind:ident: $factory:expr, $(default_config: $default:ident,)? config: $config:expr $(,)?) => {
        $crate::component_tests!(@facts $factory, [$($default)?], $config);
        #[cfg(test)]
        #[test]
        fn contract_lifecycle() {
            $crate::__private::run($crate::__private::$kind(
                $factory,
                ::core::convert::AsRef::<str>::as_ref(&$config),
            ));
        }
    };
    (@facts $factory:expr, [], $config:expr) => {
        $crate::component_tests!(@facts $factory, [Valid], $config);
    };
    (@facts $factory:expr, [$default:ident], $config:expr) => {
        #[cfg(test)]
        #[test]
        fn contract_factory_facts() {
            $crate::__private::ok($crate::check_factory(
                &$factory,
                $crate::DefaultConfig::$default,
                ::core::convert::AsRef::<str>::as_ref(&$config),
            ));
        }
    };
}
