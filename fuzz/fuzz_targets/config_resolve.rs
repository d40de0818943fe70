//! Config resolution and validation as `otelcol-rs validate` does it
//! (`Resolved::resolve` then `validate`): YAML text, a `yaml:` location,
//! `--set` overrides and `${env:..}` / `${file:..}` / `$$` expansion, then
//! every component config deserialized and validated by its factory. Any
//! input resolves or is refused with errors — never a panic.
//!
//! Input: NUL-separated parts — the config YAML, `--set` flags (one a
//! line), the content every `${file:..}` reads, the value of `${env:FUZZ}`,
//! and a `yaml:` location.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use otelcol_service::config::expand::Lookup;
use otelcol_service::{ConfigSource, Factories, Resolved, validate};

/// A deterministic environment and file system from the input.
struct FuzzLookup<'a> {
    file: &'a str,
    env: &'a str,
}

impl Lookup for FuzzLookup<'_> {
    fn env(&self, name: &str) -> Option<String> {
        match name {
            "FUZZ" => Some(self.env.to_string()),
            "EMPTY" => Some(String::new()),
            "DEPLOYMENT_ENVIRONMENT" => Some("production".into()),
            "PORT" => Some("4317".into()),
            _ => None,
        }
    }
    fn file(&self, path: &str) -> Result<String, String> {
        if path.contains("missing") {
            Err(format!("cannot read {path}: not found"))
        } else {
            Ok(self.file.to_string())
        }
    }
}

static FACTORIES: LazyLock<Factories> = LazyLock::new(|| {
    Factories::builder()
        .receiver(otelcol_receiver_otlp::factory())
        .processor(otelcol_processor_attributes::factory())
        .processor(otelcol_processor_batch::factory())
        .processor(otelcol_processor_filter::factory())
        .processor(otelcol_processor_memorylimiter::factory())
        .processor(otelcol_processor_resource::factory())
        .exporter(otelcol_exporter_debug::factory())
        .exporter(otelcol_exporter_nop::factory())
        .exporter(otelcol_exporter_otlp::factory())
        .build()
        .expect("no duplicate factories")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.split('\0');
    let yaml = parts.next().unwrap_or_default();
    let sets: Vec<String> = parts
        .next()
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    let lookup = FuzzLookup {
        file: parts.next().unwrap_or_default(),
        env: parts.next().unwrap_or_default(),
    };
    let mut sources = vec![ConfigSource::Inline {
        name: "fuzz".into(),
        yaml: yaml.to_string(),
    }];
    if let Some(location) = parts.next() {
        sources.push(ConfigSource::Yaml(location.to_string()));
    }
    if let Ok(resolved) = Resolved::resolve(&sources, &sets, &lookup) {
        let _ = validate(&resolved, &FACTORIES);
    }
});
