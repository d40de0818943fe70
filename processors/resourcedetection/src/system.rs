//! The `system` detector: host name, host id, OS and CPU facts of the
//! machine the collector runs on (Go's `internal/system` with the
//! `metadataproviders/system` provider and the OpenTelemetry Go SDK's
//! host-id and OS-description detectors).

use std::collections::HashMap;
use std::path::PathBuf;

use otelcol_component::build::string_kv;
use otelcol_component::proto::common::v1::{AnyValue, KeyValue, any_value::Value};

use crate::config::{SystemConfig, SystemResourceAttributes};
use crate::detect::Detected;

/// The schema URL Go's system detector reports (semantic conventions 1.6.1).
pub const SCHEMA_URL: &str = "https://opentelemetry.io/schemas/1.6.1";

/// Why the `system` detector failed.
#[derive(Debug, thiserror::Error)]
pub enum SystemError {
    /// No hostname source gave a name (Go's message).
    #[error("all hostname sources failed to get hostname")]
    NoHostname,
    /// `/proc/cpuinfo` could not be read while a `host.cpu.*` attribute is enabled.
    #[error("failed getting host cpuinfo: {0}")]
    CpuInfo(#[source] std::io::Error),
}

/// Files the detector reads; the real ones outside tests.
#[derive(Clone, Debug)]
pub(crate) struct SystemPaths {
    pub(crate) kernel_hostname: PathBuf,
    pub(crate) hosts: PathBuf,
    pub(crate) os_release: Vec<PathBuf>,
    pub(crate) machine_id: Vec<PathBuf>,
    pub(crate) cpuinfo: PathBuf,
}

impl Default for SystemPaths {
    fn default() -> Self {
        SystemPaths {
            kernel_hostname: "/proc/sys/kernel/hostname".into(),
            hosts: "/etc/hosts".into(),
            os_release: vec!["/etc/os-release".into(), "/usr/lib/os-release".into()],
            machine_id: vec!["/etc/machine-id".into(), "/var/lib/dbus/machine-id".into()],
            cpuinfo: "/proc/cpuinfo".into(),
        }
    }
}

/// The `system` detector.
#[derive(Clone, Debug)]
pub(crate) struct SystemDetector {
    hostname_sources: Vec<String>,
    attrs: SystemResourceAttributes,
    paths: SystemPaths,
}

impl SystemDetector {
    /// A detector reading this machine.
    pub(crate) fn new(cfg: &SystemConfig) -> Self {
        SystemDetector {
            hostname_sources: cfg.effective_hostname_sources(),
            attrs: cfg.resource_attributes.clone(),
            paths: SystemPaths::default(),
        }
    }

    /// The detector reading other files (tests).
    #[cfg(test)]
    pub(crate) fn with_paths(mut self, paths: SystemPaths) -> Self {
        self.paths = paths;
        self
    }

    /// Detects the enabled attributes. The host name comes from the first
    /// source that gives one; without one, detection fails as in Go.
    pub(crate) fn detect(&self) -> Result<Detected, SystemError> {
        let a = &self.attrs;
        let cpu = if a.any_cpu() {
            let text = std::fs::read_to_string(&self.paths.cpuinfo).map_err(SystemError::CpuInfo)?;
            Some(parse_cpuinfo(&text))
        } else {
            None
        };
        let hostname = self
            .hostname_sources
            .iter()
            .find_map(|source| {
                let found = match source.as_str() {
                    "os" => self.os_hostname(),
                    "dns" => self.fqdn(),
                    _ => None,
                };
                if found.is_none() {
                    tracing::debug!(source = %source, "hostname source failed");
                }
                found
            })
            .ok_or(SystemError::NoHostname)?;

        let mut out = Vec::new();
        let os_release = self.os_release_values();
        push(&mut out, a.host_name.enabled, "host.name", Some(hostname));
        push(
            &mut out,
            a.os_type.enabled,
            "os.type",
            Some(os_type(std::env::consts::OS).to_string()),
        );
        push(
            &mut out,
            a.os_version.enabled,
            "os.version",
            os_release.get("VERSION_ID").cloned(),
        );
        if a.host_id.enabled {
            match self.host_id() {
                Some(id) => push(&mut out, true, "host.id", Some(id)),
                None => tracing::warn!(
                    "failed to get host ID: host id not found in: /etc/machine-id or /var/lib/dbus/machine-id"
                ),
            }
        }
        push(
            &mut out,
            a.host_arch.enabled,
            "host.arch",
            Some(host_arch(std::env::consts::ARCH).to_string()),
        );
        if a.os_description.enabled {
            push(
                &mut out,
                true,
                "os.description",
                Some(os_description(&os_release, &uname_line())),
            );
        }
        if let Some(cpu) = cpu {
            push(
                &mut out,
                a.host_cpu_vendor_id.enabled,
                "host.cpu.vendor.id",
                Some(cpu.vendor_id),
            );
            push(
                &mut out,
                a.host_cpu_family.enabled,
                "host.cpu.family",
                Some(cpu.family),
            );
            // Go skips an empty model id (it is empty on some platforms).
            let model = Some(cpu.model).filter(|m| !m.is_empty());
            push(&mut out, a.host_cpu_model_id.enabled, "host.cpu.model.id", model);
            push(
                &mut out,
                a.host_cpu_model_name.enabled,
                "host.cpu.model.name",
                Some(cpu.model_name),
            );
            push(
                &mut out,
                a.host_cpu_stepping.enabled,
                "host.cpu.stepping",
                Some(cpu.stepping.to_string()),
            );
            if a.host_cpu_cache_l2_size.enabled {
                out.push(KeyValue {
                    key: "host.cpu.cache.l2.size".into(),
                    value: Some(AnyValue {
                        value: Some(Value::IntValue(cpu.cache_size_kb)),
                    }),
                    ..Default::default()
                });
            }
        }
        push(
            &mut out,
            a.os_name.enabled,
            "os.name",
            os_release.get("ID").cloned(),
        );
        if a.os_build_id.enabled {
            // BUILD_ID of os-release, else the kernel release (Go's fallback).
            let build_id = os_release
                .get("BUILD_ID")
                .filter(|b| !b.is_empty())
                .cloned()
                .unwrap_or_else(|| uname_field(Field::Release));
            push(&mut out, true, "os.build.id", Some(build_id));
        }
        Ok(Detected {
            attributes: out,
            schema_url: SCHEMA_URL.to_string(),
        })
    }

    /// Go's `os.Hostname` on Linux: the kernel's hostname file, else `uname`.
    fn os_hostname(&self) -> Option<String> {
        let from_proc = std::fs::read_to_string(&self.paths.kernel_hostname)
            .ok()
            .map(|s| s.trim_end_matches('\n').to_string())
            .filter(|s| !s.is_empty());
        from_proc.or_else(|| Some(uname_field(Field::Nodename)).filter(|s| !s.is_empty()))
    }

    /// The fully qualified name: the canonical name of the hosts-file line
    /// naming this host (the first step of Go's `go-fqdn`). DNS queries
    /// (its second step) are not made, so the source fails when the hosts
    /// file does not name the host.
    fn fqdn(&self) -> Option<String> {
        let host = self.os_hostname()?;
        let hosts = std::fs::read_to_string(&self.paths.hosts).ok()?;
        fqdn_from_hosts(&hosts, &host)
    }

    /// The machine id (OpenTelemetry Go SDK: `/etc/machine-id`, then
    /// `/var/lib/dbus/machine-id`, trimmed; an empty id is no id).
    fn host_id(&self) -> Option<String> {
        self.paths
            .machine_id
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }

    /// The first readable os-release file, parsed (empty when none).
    fn os_release_values(&self) -> HashMap<String, String> {
        self.paths
            .os_release
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok())
            .map(|text| parse_os_release(&text))
            .unwrap_or_default()
    }
}

/// Appends a string attribute when it is enabled and was found.
fn push(out: &mut Vec<KeyValue>, on: bool, key: &str, value: Option<String>) {
    if let (true, Some(v)) = (on, value) {
        out.push(string_kv(key, &v));
    }
}

/// Go's `os.type` for a Rust target OS (`runtime.GOOS` spelling).
pub(crate) fn os_type(os: &str) -> &str {
    match os {
        "macos" => "darwin",
        "dragonfly" => "dragonflybsd",
        other => other,
    }
}

/// Go's `host.arch` for a Rust target architecture: `runtime.GOARCH`
/// spelling, then Go's mapping (`arm` → `arm32`, `386` → `x86`, `ppc64le` → `ppc64`).
pub(crate) fn host_arch(arch: &str) -> &str {
    match arch {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "x86",
        "arm" => "arm32",
        "powerpc64" => "ppc64",
        "powerpc" => "ppc32",
        "loongarch64" => "loong64",
        "mips64" => "mips64",
        other => other,
    }
}

/// Parses an os-release file as the OpenTelemetry Go SDK does: `KEY=value`
/// lines, blank and `#` lines skipped, values unquoted and unescaped.
pub(crate) fn parse_os_release(text: &str) -> HashMap<String, String> {
    let mut values = HashMap::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        if key.is_empty() {
            continue;
        }
        let value = value.trim();
        let unquoted = match value.as_bytes() {
            [first @ (b'"' | b'\''), .., last] if first == last && value.len() >= 2 => {
                &value[1..value.len() - 1]
            }
            _ => value,
        };
        let unescaped = unquoted
            .replace("\\$", "$")
            .replace("\\\"", "\"")
            .replace("\\'", "'")
            .replace("\\\\", "\\")
            .replace("\\`", "`");
        values.insert(key.trim().to_string(), unescaped);
    }
    values
}

/// `os.description` as the OpenTelemetry Go SDK builds it: `NAME VERSION`
/// (or `NAME VERSION_ID`, else `PRETTY_NAME`) from os-release, followed by
/// the `uname -snrvm` line in parentheses; just the uname line without an
/// os-release.
pub(crate) fn os_description(os_release: &HashMap<String, String>, uname: &str) -> String {
    let name = os_release.get("NAME").map(String::as_str).unwrap_or("");
    let version = os_release
        .get("VERSION")
        .filter(|v| !v.is_empty())
        .or_else(|| os_release.get("VERSION_ID"))
        .map(String::as_str)
        .unwrap_or("");
    let release = if !name.is_empty() && !version.is_empty() {
        format!("{name} {version}")
    } else {
        os_release.get("PRETTY_NAME").cloned().unwrap_or_default()
    };
    if release.is_empty() {
        uname.to_string()
    } else {
        format!("{release} ({uname})")
    }
}

#[derive(Clone, Copy)]
enum Field {
    Nodename,
    Release,
}

/// One field of `uname(2)`.
fn uname_field(field: Field) -> String {
    let u = rustix::system::uname();
    let v = match field {
        Field::Nodename => u.nodename(),
        Field::Release => u.release(),
    };
    v.to_string_lossy().into_owned()
}

/// `sysname nodename release version machine`, as `uname -snrvm` prints.
pub(crate) fn uname_line() -> String {
    let u = rustix::system::uname();
    [u.sysname(), u.nodename(), u.release(), u.version(), u.machine()]
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The first CPU of `/proc/cpuinfo`, with the fields Go reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct CpuInfo {
    pub(crate) vendor_id: String,
    pub(crate) family: String,
    pub(crate) model: String,
    pub(crate) model_name: String,
    pub(crate) stepping: i64,
    pub(crate) cache_size_kb: i64,
}

/// Parses the first processor block of `/proc/cpuinfo` (gopsutil's keys on
/// x86: `vendor_id`, `cpu family`, `model`, `model name`, `stepping`,
/// `cache size` in KB). Missing or unparsable numbers are 0.
pub(crate) fn parse_cpuinfo(text: &str) -> CpuInfo {
    let mut cpu = CpuInfo::default();
    let mut seen_processor = false;
    for line in text.lines() {
        let Some((key, value)) = line.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        match key {
            "processor" => {
                if seen_processor {
                    break;
                }
                seen_processor = true;
            }
            "vendor_id" | "vendorId" => cpu.vendor_id = value.to_string(),
            "cpu family" => cpu.family = value.to_string(),
            "model" => cpu.model = value.to_string(),
            "model name" | "cpu model" => cpu.model_name = value.to_string(),
            "stepping" => cpu.stepping = value.parse().unwrap_or(0),
            "cache size" => {
                cpu.cache_size_kb = value.trim_end_matches("KB").trim().parse().unwrap_or(0);
            }
            _ => {}
        }
    }
    cpu
}

/// The canonical name of the first hosts-file line whose canonical name or
/// an alias is `host` (go-fqdn's `fromHosts`): `#` starts a comment, fields
/// are separated by spaces or tabs, and a line whose canonical name is not
/// a valid hostname ends the search with no result, as in go-fqdn.
pub(crate) fn fqdn_from_hosts(hosts: &str, host: &str) -> Option<String> {
    for line in hosts.lines() {
        let line = line.split('#').next().unwrap_or("");
        let mut fields = line.split([' ', '\t']).filter(|f| !f.is_empty());
        let (Some(_ip), Some(canon)) = (fields.next(), fields.next()) else {
            continue;
        };
        if !valid_hostname(canon) {
            return None;
        }
        if canon == host || fields.any(|alias| alias == host) {
            return Some(canon.trim_end_matches('.').to_string());
        }
    }
    None
}

/// musl's hostname check, as go-fqdn applies it: at most 254 bytes of
/// letters, digits, `.`, `-` or non-ASCII characters.
fn valid_hostname(s: &str) -> bool {
    s.len() <= 254
        && s.chars()
            .all(|c| !c.is_ascii() || c == '.' || c == '-' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn arch_and_os_names_follow_go() {
        assert_eq!(host_arch("x86_64"), "amd64");
        assert_eq!(host_arch("aarch64"), "arm64");
        assert_eq!(host_arch("arm"), "arm32");
        assert_eq!(host_arch("x86"), "x86");
        assert_eq!(host_arch("powerpc64"), "ppc64");
        assert_eq!(host_arch("s390x"), "s390x");
        assert_eq!(os_type("linux"), "linux");
        assert_eq!(os_type("macos"), "darwin");
        assert_eq!(os_type("dragonfly"), "dragonflybsd");
    }

    #[test]
    fn os_release_is_unquoted_and_unescaped() {
        let v = parse_os_release(
            "# comment\n\nNAME=\"Debian GNU/Linux\"\nVERSION='12 (bookworm)'\nID=debian\nX=\"a\\$b\\\"c\"\nnoequals\n=novalue\n",
        );
        assert_eq!(v["NAME"], "Debian GNU/Linux");
        assert_eq!(v["VERSION"], "12 (bookworm)");
        assert_eq!(v["ID"], "debian");
        assert_eq!(v["X"], "a$b\"c");
        assert_eq!(v.len(), 4);
    }

    #[test]
    fn os_description_prefers_name_and_version() {
        let uname = "Linux h 6.1.0 #1 SMP x86_64";
        let mut v = parse_os_release("NAME=Debian\nVERSION=\"12 (bookworm)\"\nPRETTY_NAME=\"Pretty\"");
        assert_eq!(
            os_description(&v, uname),
            "Debian 12 (bookworm) (Linux h 6.1.0 #1 SMP x86_64)"
        );
        v.remove("VERSION");
        v.insert("VERSION_ID".into(), "12".into());
        assert_eq!(
            os_description(&v, uname),
            "Debian 12 (Linux h 6.1.0 #1 SMP x86_64)"
        );
        v.remove("VERSION_ID");
        assert_eq!(os_description(&v, uname), "Pretty (Linux h 6.1.0 #1 SMP x86_64)");
        assert_eq!(os_description(&HashMap::new(), uname), uname);
    }

    #[test]
    fn cpuinfo_first_processor_is_read() {
        let text = "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R)\nstepping\t: 7\ncache size\t: 36608 KB\n\nprocessor\t: 1\nvendor_id\t: Other\n";
        assert_eq!(
            parse_cpuinfo(text),
            CpuInfo {
                vendor_id: "GenuineIntel".into(),
                family: "6".into(),
                model: "85".into(),
                model_name: "Intel(R) Xeon(R)".into(),
                stepping: 7,
                cache_size_kb: 36608,
            }
        );
        assert_eq!(parse_cpuinfo("processor : 0\nstepping : x\n").stepping, 0);
    }

    #[test]
    fn fqdn_comes_from_the_hosts_line_naming_the_host() {
        let hosts = "127.0.0.1\tlocalhost\n# 10.0.0.9 vm.commented.example vm\n10.0.0.5 vm.example.com vm # comment\n10.0.0.6 other.example.com vm\n";
        assert_eq!(fqdn_from_hosts(hosts, "vm").as_deref(), Some("vm.example.com"));
        assert_eq!(
            fqdn_from_hosts(hosts, "vm.example.com").as_deref(),
            Some("vm.example.com")
        );
        assert_eq!(fqdn_from_hosts(hosts, "absent"), None);
        // An invalid canonical name stops the search, as in go-fqdn.
        assert_eq!(
            fqdn_from_hosts("1.2.3.4 bad_name vm\n1.2.3.5 vm.ok vm\n", "vm"),
            None
        );
    }

    fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> PathBuf {
        let path = dir.path().join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        path
    }

    fn fake_paths(dir: &tempfile::TempDir) -> SystemPaths {
        SystemPaths {
            kernel_hostname: write(dir, "hostname", "box\n"),
            hosts: write(
                dir,
                "hosts",
                "127.0.0.1 localhost\n10.1.1.1 box.corp.example box\n",
            ),
            os_release: vec![
                dir.path().join("missing"),
                write(
                    dir,
                    "os-release",
                    "NAME=\"Test OS\"\nVERSION_ID=3\nID=testos\nBUILD_ID=b42\n",
                ),
            ],
            machine_id: vec![dir.path().join("nope"), write(dir, "machine-id", "abc123\n")],
            cpuinfo: write(
                dir,
                "cpuinfo",
                "processor : 0\nvendor_id : V\ncpu family : 25\nmodel : 17\nmodel name : M\nstepping : 1\ncache size : 1024 KB\n",
            ),
        }
    }

    fn value(d: &Detected, key: &str) -> Option<Value> {
        d.attributes
            .iter()
            .find(|kv| kv.key == key)
            .and_then(|kv| kv.value.clone())
            .and_then(|v| v.value)
    }

    fn s(v: &str) -> Option<Value> {
        Some(Value::StringValue(v.into()))
    }

    #[test]
    fn default_attributes_and_hostname_sources() {
        let dir = tempfile::tempdir().unwrap();
        let d = SystemDetector::new(&SystemConfig::default()).with_paths(fake_paths(&dir));
        let got = d.detect().unwrap();
        // dns first: the hosts file gives the canonical name.
        assert_eq!(
            got.attributes,
            vec![
                string_kv("host.name", "box.corp.example"),
                string_kv("os.type", "linux")
            ]
        );
        assert_eq!(got.schema_url, SCHEMA_URL);

        let cfg = SystemConfig {
            hostname_sources: vec!["os".into(), "dns".into()],
            ..Default::default()
        };
        let got = SystemDetector::new(&cfg)
            .with_paths(fake_paths(&dir))
            .detect()
            .unwrap();
        assert_eq!(value(&got, "host.name"), s("box"));
    }

    #[test]
    fn dns_falls_back_to_os_when_the_hosts_file_does_not_name_the_host() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = fake_paths(&dir);
        paths.hosts = write(&dir, "hosts2", "127.0.0.1 localhost\n");
        let got = SystemDetector::new(&SystemConfig::default())
            .with_paths(paths.clone())
            .detect()
            .unwrap();
        assert_eq!(value(&got, "host.name"), s("box"));
        // dns alone fails: no source gave a name.
        let cfg = SystemConfig {
            hostname_sources: vec!["dns".into()],
            ..Default::default()
        };
        let err = SystemDetector::new(&cfg).with_paths(paths).detect().unwrap_err();
        assert_eq!(err.to_string(), "all hostname sources failed to get hostname");
    }

    #[test]
    fn every_supported_attribute_when_enabled() {
        let dir = tempfile::tempdir().unwrap();
        let mut cfg = SystemConfig {
            hostname_sources: vec!["os".into()],
            ..Default::default()
        };
        let ra = &mut cfg.resource_attributes;
        for t in [
            &mut ra.host_arch,
            &mut ra.host_cpu_cache_l2_size,
            &mut ra.host_cpu_family,
            &mut ra.host_cpu_model_id,
            &mut ra.host_cpu_model_name,
            &mut ra.host_cpu_stepping,
            &mut ra.host_cpu_vendor_id,
            &mut ra.host_id,
            &mut ra.os_build_id,
            &mut ra.os_description,
            &mut ra.os_name,
            &mut ra.os_version,
        ] {
            t.enabled = true;
        }
        let got = SystemDetector::new(&cfg)
            .with_paths(fake_paths(&dir))
            .detect()
            .unwrap();
        let keys: Vec<&str> = got.attributes.iter().map(|kv| kv.key.as_str()).collect();
        assert_eq!(
            keys,
            vec![
                "host.name",
                "os.type",
                "os.version",
                "host.id",
                "host.arch",
                "os.description",
                "host.cpu.vendor.id",
                "host.cpu.family",
                "host.cpu.model.id",
                "host.cpu.model.name",
                "host.cpu.stepping",
                "host.cpu.cache.l2.size",
                "os.name",
                "os.build.id",
            ]
        );
        assert_eq!(value(&got, "host.id"), s("abc123"));
        assert_eq!(value(&got, "os.version"), s("3"));
        assert_eq!(value(&got, "os.name"), s("testos"));
        assert_eq!(value(&got, "os.build.id"), s("b42"));
        assert_eq!(value(&got, "host.cpu.vendor.id"), s("V"));
        assert_eq!(value(&got, "host.cpu.stepping"), s("1"));
        assert_eq!(value(&got, "host.cpu.cache.l2.size"), Some(Value::IntValue(1024)));
        assert_eq!(
            value(&got, "os.description"),
            s(&format!("Test OS 3 ({})", uname_line()))
        );
    }

    #[test]
    fn missing_machine_id_omits_host_id_and_unreadable_cpuinfo_fails() {
        let dir = tempfile::tempdir().unwrap();
        let mut paths = fake_paths(&dir);
        paths.machine_id = vec![dir.path().join("none"), write(&dir, "empty-id", "\n")];
        let mut cfg = SystemConfig {
            hostname_sources: vec!["os".into()],
            ..Default::default()
        };
        cfg.resource_attributes.host_id.enabled = true;
        let got = SystemDetector::new(&cfg)
            .with_paths(paths.clone())
            .detect()
            .unwrap();
        assert_eq!(value(&got, "host.id"), None);
        assert_eq!(value(&got, "host.name"), s("box"));

        paths.cpuinfo = dir.path().join("no-cpuinfo");
        cfg.resource_attributes.host_cpu_family.enabled = true;
        let err = SystemDetector::new(&cfg).with_paths(paths).detect().unwrap_err();
        assert!(
            err.to_string().starts_with("failed getting host cpuinfo: "),
            "{err}"
        );
    }
}
