//! ServiceZ, PipelineZ, ExtensionZ, FeatureZ and ExpvarZ.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use otelcol_component::{BuildInfo, ComponentId, ServiceInfo};
use serde_json::json;

use crate::html::{escape, page, table};
use otelcol_httpserver::gofmt::{go_duration, rfc3339_nano};

/// What the pages show, captured when the extension starts.
#[derive(Debug)]
pub(crate) struct PageData {
    /// The host's description of the service, if it gave one.
    pub(crate) info: Option<ServiceInfo>,
    /// Build information from the extension's settings (used without `info`).
    pub(crate) build_info: BuildInfo,
    /// When the extension started (used without `info`).
    pub(crate) started: SystemTime,
    /// Whether `/debug/expvarz` is served.
    pub(crate) expvar: bool,
}

const NO_INFO: &str = "<p>The host did not describe the running service.</p>\n";

impl PageData {
    fn build(&self) -> &BuildInfo {
        self.info.as_ref().map_or(&self.build_info, |i| &i.build_info)
    }

    fn start_time(&self) -> SystemTime {
        self.info.as_ref().map_or(self.started, |i| i.start_time)
    }

    fn uptime(&self) -> Duration {
        SystemTime::now()
            .duration_since(self.start_time())
            .unwrap_or_default()
    }
}

fn whole_seconds(d: Duration) -> Duration {
    Duration::from_secs(d.as_secs())
}

fn row(key: &str, value: &str) -> Vec<String> {
    vec![escape(key), escape(value)]
}

/// `/debug/servicez`.
pub(crate) fn servicez(data: &PageData) -> String {
    let build = data.build();
    let mut body = String::from("<h2>Build Info</h2>\n");
    body.push_str(&table(
        &["Property", "Value"],
        &[
            row("Command", &build.command),
            row("Description", &build.description),
            row("Version", &build.version),
        ],
    ));
    body.push_str("<h2>Runtime Info</h2>\n");
    body.push_str(&table(
        &["Property", "Value"],
        &[
            row("Start time", &rfc3339_nano(data.start_time())),
            row("Uptime", &go_duration(whole_seconds(data.uptime()))),
            row("Process ID", &std::process::id().to_string()),
            row(
                "Platform",
                &format!("{}/{}", std::env::consts::OS, std::env::consts::ARCH),
            ),
        ],
    ));
    body.push_str("<h2>Pages</h2>\n<ul>\n");
    let mut links = vec![
        ("/debug/pipelinez", "PipelineZ: pipelines and their components"),
        ("/debug/extensionz", "ExtensionZ: enabled extensions"),
        ("/debug/featurez", "FeatureZ: feature gates"),
        ("/debug/tracez", "TraceZ: the collector's own spans"),
    ];
    if data.expvar {
        links.push(("/debug/expvarz", "ExpvarZ: process information as JSON"));
    }
    for (href, label) in links {
        let _ = writeln!(body, "<li><a href=\"{href}\">{}</a></li>", escape(label));
    }
    body.push_str("</ul>\n");
    page("ServiceZ", &body)
}

fn ids(ids: &[ComponentId]) -> String {
    ids.iter()
        .map(|id| escape(&id.to_string()))
        .collect::<Vec<_>>()
        .join("<br>")
}

/// `/debug/pipelinez`.
pub(crate) fn pipelinez(data: &PageData) -> String {
    let Some(info) = &data.info else {
        return page("PipelineZ", NO_INFO);
    };
    if info.pipelines.is_empty() {
        return page("PipelineZ", "<p>No pipelines.</p>\n");
    }
    let rows: Vec<Vec<String>> = info
        .pipelines
        .iter()
        .map(|p| {
            vec![
                escape(&p.id.to_string()),
                escape(p.id.signal().as_str()),
                p.mutates_data.to_string(),
                ids(&p.receivers),
                ids(&p.processors),
                ids(&p.exporters),
            ]
        })
        .collect();
    let headers = [
        "Full Name",
        "Input Type",
        "MutatesData",
        "Receivers",
        "Processors",
        "Exporters",
    ];
    page("PipelineZ", &table(&headers, &rows))
}

/// `/debug/extensionz`.
pub(crate) fn extensionz(data: &PageData) -> String {
    let Some(info) = &data.info else {
        return page("ExtensionZ", NO_INFO);
    };
    let rows: Vec<Vec<String>> = info
        .extensions
        .iter()
        .map(|id| vec![escape(&id.to_string()), escape(id.component_type().as_str())])
        .collect();
    page("ExtensionZ", &table(&["Name", "Type"], &rows))
}

/// `/debug/featurez`.
pub(crate) fn featurez() -> String {
    let mut body = String::from("<p>This build of otelcol-rs defines no feature gates.</p>\n");
    body.push_str(&table(
        &[
            "ID",
            "Enabled",
            "Stage",
            "Description",
            "From Version",
            "To Version",
            "Reference URL",
        ],
        &[],
    ));
    page("FeatureZ", &body)
}

/// Resident memory of this process in bytes, where `/proc` tells it.
fn rss_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// `/debug/expvarz`: process information as JSON.
pub(crate) fn expvarz(data: &PageData) -> Vec<u8> {
    let build = data.build();
    let doc = json!({
        "cmdline": crate::redact::redact_args(&std::env::args().collect::<Vec<_>>()),
        "pid": std::process::id(),
        "command": build.command,
        "version": build.version,
        "startTime": rfc3339_nano(data.start_time()),
        "uptimeSeconds": data.uptime().as_secs_f64(),
        "memory": { "rssBytes": rss_bytes() },
    });
    serde_json::to_vec_pretty(&doc).unwrap_or_default()
}
