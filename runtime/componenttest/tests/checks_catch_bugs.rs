//! The contract checks pass a correct component and fail broken ones: a
//! processor that drops data, one that changes it, one that emits after
//! shutdown, a config that accepts unknown keys, an extension whose start
//! fails.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use otelcol_component::{
    Component, ComponentConfig, ComponentError, ConsumeError, Consumer, CreateError, Extension,
    ExtensionFactory, Factory, Host, Logs, Metrics, Payload, Processor, ProcessorFactory, Settings,
    SharedConsumer, Signal, StabilityLevel, Traces, async_trait,
};
use otelcol_componenttest::{
    DefaultConfig, Expect, check_extension_lifecycle, check_factory, check_processor_data,
    check_processor_lifecycle, parse_config,
};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
enum Bug {
    #[default]
    None,
    /// Drops every other payload's items (all of them here: one payload).
    Drop,
    /// Renames the first span/metric/record resource attribute.
    Change,
    /// Holds the data and sends it from a task after shutdown returned.
    LateOutput,
}

#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
struct Config {
    bug: Bug,
    limit: u32,
}
impl ComponentConfig for Config {}

/// The same config without `deny_unknown_fields`.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
struct Lax {
    limit: u32,
}
impl ComponentConfig for Lax {}

#[derive(Debug)]
struct Proc<T: Payload> {
    bug: Bug,
    next: SharedConsumer<T>,
    held: std::sync::Mutex<Option<T>>,
}

#[async_trait]
impl<T: Payload> Consumer<T> for Proc<T> {
    async fn consume(&self, data: T) -> Result<(), ConsumeError> {
        match self.bug {
            Bug::None => self.next.consume(data).await,
            Bug::Drop => Ok(()),
            Bug::Change => {
                let mut other = otelcol_componenttest::generate::Generator::new(99);
                let data = match T::SIGNAL {
                    Signal::Traces => cast(Traces::from_request(other.traces(2, 2, 5))),
                    Signal::Metrics => cast(Metrics::from_request(other.metrics(2, 2, 5))),
                    Signal::Logs => cast(Logs::from_request(other.logs(2, 2, 5))),
                };
                self.next.consume(data).await
            }
            Bug::LateOutput => {
                *self.held.lock().unwrap() = Some(data);
                Ok(())
            }
        }
    }
}

fn cast<A: 'static, B: 'static + Default>(a: A) -> B {
    let any: Box<dyn std::any::Any> = Box::new(a);
    any.downcast::<B>().map(|b| *b).unwrap_or_default()
}

#[async_trait]
impl<T: Payload> Component for Proc<T> {
    async fn shutdown(&self) -> Result<(), ComponentError> {
        if let Some(data) = self.held.lock().unwrap().take() {
            let next = self.next.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                let _ = next.consume(data).await;
            });
        }
        Ok(())
    }
}

fn make<T: Payload>(cfg: &Config, next: SharedConsumer<T>) -> Arc<dyn Processor<T>> {
    Arc::new(Proc {
        bug: cfg.bug,
        next,
        held: std::sync::Mutex::new(None),
    })
}

struct TestFactory;

impl Factory for TestFactory {
    type Config = Config;
    fn type_name(&self) -> &'static str {
        "testproc"
    }
}

impl ProcessorFactory for TestFactory {
    fn stability(&self, _signal: Signal) -> Option<StabilityLevel> {
        Some(StabilityLevel::Development)
    }
    fn create<T: Payload>(
        &self,
        _set: &Settings,
        cfg: &Config,
        next: SharedConsumer<T>,
    ) -> Result<Arc<dyn Processor<T>>, CreateError> {
        Ok(make(cfg, next))
    }
}

struct LaxFactory;
impl Factory for LaxFactory {
    type Config = Lax;
    fn type_name(&self) -> &'static str {
        "lax"
    }
}

fn cfg(bug: Bug) -> Config {
    Config { bug, limit: 0 }
}

#[tokio::test]
async fn a_correct_processor_passes_every_expectation() {
    for expect in [Expect::Unchanged, Expect::SameItems, Expect::AtMostSent] {
        check_processor_data(&TestFactory, &cfg(Bug::None), expect)
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn dropped_data_is_caught() {
    let err = check_processor_data(&TestFactory, &cfg(Bug::Drop), Expect::SameItems)
        .await
        .unwrap_err();
    assert!(err.contains("sent 20 items, 0 reached"), "{err}");
    // A filter may drop.
    check_processor_data(&TestFactory, &cfg(Bug::Drop), Expect::AtMostSent)
        .await
        .unwrap();
}

#[tokio::test]
async fn changed_data_is_caught_when_unchanged_is_expected() {
    let err = check_processor_data(&TestFactory, &cfg(Bug::Change), Expect::Unchanged)
        .await
        .unwrap_err();
    assert!(err.contains("data changed"), "{err}");
    check_processor_data(&TestFactory, &cfg(Bug::Change), Expect::SameItems)
        .await
        .unwrap();
}

#[tokio::test]
async fn output_after_shutdown_is_caught() {
    let err = check_processor_lifecycle(&TestFactory, &cfg(Bug::LateOutput))
        .await
        .unwrap_err();
    assert!(err.contains("output after shutdown"), "{err}");
}

#[test]
fn factory_facts() {
    check_factory(&TestFactory, DefaultConfig::Valid, "bug: drop\nlimit: \"5\"").unwrap();
    let err = check_factory(&TestFactory, DefaultConfig::Valid, "bug: nonsense").unwrap_err();
    assert!(err.contains("bug"), "{err}");
    let err = check_factory(&TestFactory, DefaultConfig::Invalid, "").unwrap_err();
    assert!(err.contains("says it is invalid"), "{err}");
    let err = check_factory(&LaxFactory, DefaultConfig::Valid, "").unwrap_err();
    assert!(err.contains("unknown key"), "{err}");
}

#[test]
fn parse_config_reports_like_the_runtime() {
    let err = parse_config::<Config>("bogus: 1\nother: 2").unwrap_err();
    assert!(
        err.contains("bogus") && err.contains("other"),
        "every unknown key: {err}"
    );
    let c: Config = parse_config("limit: \"7\"").unwrap();
    assert_eq!(c.limit, 7, "strings read as numbers, as for ${{env:...}}");
}

#[derive(Debug)]
struct Ext {
    fail: bool,
    started: AtomicBool,
}

#[async_trait]
impl Component for Ext {
    async fn start(&self, _host: Arc<dyn Host>) -> Result<(), ComponentError> {
        if self.fail {
            return Err(ComponentError::new("cannot bind"));
        }
        self.started.store(true, Ordering::SeqCst);
        Ok(())
    }
}
impl Extension for Ext {}

struct ExtFactory(bool);
impl Factory for ExtFactory {
    type Config = Config;
    fn type_name(&self) -> &'static str {
        "testext"
    }
}
impl ExtensionFactory for ExtFactory {
    fn stability(&self) -> StabilityLevel {
        StabilityLevel::Development
    }
    fn create(&self, _set: &Settings, _cfg: &Config) -> Result<Arc<dyn Extension>, CreateError> {
        Ok(Arc::new(Ext {
            fail: self.0,
            started: AtomicBool::new(false),
        }))
    }
}

#[tokio::test]
async fn extension_lifecycle() {
    check_extension_lifecycle(&ExtFactory(false), &Config::default())
        .await
        .unwrap();
    let err = check_extension_lifecycle(&ExtFactory(true), &Config::default())
        .await
        .unwrap_err();
    assert!(err.contains("start"), "{err}");
}

// The macro, on the correct processor and the extension.
otelcol_componenttest::component_tests!(processor: TestFactory, config: "limit: 3", expect: Unchanged);

mod ext {
    use super::*;
    otelcol_componenttest::component_tests!(extension: ExtFactory(false), config: String::from("bug: none"));
}
