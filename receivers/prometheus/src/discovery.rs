//! Targets: the groups of `static_configs` and `file_sd_configs`, and the
//! target label sets Prometheus builds from them (`PopulateLabels`): the
//! discovered labels plus `job`, `__scheme__`, `__metrics_path__`,
//! `__scrape_interval__`, `__scrape_timeout__` and `__param_<name>`
//! defaults, `relabel_configs`, then `__meta_*` removed and `instance`
//! defaulting to `__address__`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Deserialize;

use crate::config::Job;
use crate::labels::{self, Labels, is_valid_label_name};
use crate::relabel;
use crate::units::{PromDuration, lenient};

/// A target group: targets (each a label set holding `__address__`) and the
/// labels they share.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TargetGroup {
    /// Where the group comes from (`0` for the first static config,
    /// `path:index` for a file).
    pub(crate) source: String,
    /// The targets.
    pub(crate) targets: Vec<Labels>,
    /// Labels of every target (a target's own labels win).
    pub(crate) labels: Labels,
}

/// A `file_sd_configs` entry, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FileSdSpec {
    /// File name patterns.
    pub(crate) patterns: Vec<String>,
    /// How often every file is read again.
    pub(crate) refresh: Duration,
}

/// Prometheus' `CheckTargetAddress`: an address is a host, not a URL.
pub(crate) fn check_target_address(addr: &str) -> Result<(), String> {
    if addr.is_empty() {
        return Err("target address is empty".into());
    }
    if addr.contains('/') {
        return Err(format!("{addr:?} is not a valid hostname"));
    }
    Ok(())
}

/// A target to scrape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The labels after relabeling, `__meta_*` removed (`__address__`,
    /// `__scheme__`... kept).
    pub(crate) labels: Labels,
    /// The labels before relabeling.
    pub(crate) discovered: Labels,
    /// The URL scraped.
    pub(crate) url: String,
    /// Its scrape interval.
    pub(crate) interval: Duration,
    /// Its scrape timeout.
    pub(crate) timeout: Duration,
}

impl Target {
    /// The labels the target's samples get (those not starting with `__`).
    pub(crate) fn public_labels(&self) -> Labels {
        self.labels.without_reserved()
    }

    /// A stable hash of the target (FNV-1a over labels and URL), as
    /// Prometheus spreads scrapes with it.
    pub(crate) fn hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        let mut eat = |b: &[u8]| {
            for &c in b {
                h ^= u64::from(c);
                h = h.wrapping_mul(0x0100_0000_01b3);
            }
        };
        for (k, v) in self.labels.iter() {
            eat(k.as_bytes());
            eat(&[0xff]);
            eat(v.as_bytes());
            eat(&[0xff]);
        }
        eat(self.url.as_bytes());
        h
    }
}

/// Builds the target of one discovered address (Prometheus'
/// `PopulateLabels`): `Ok(None)` when relabeling drops it.
pub(crate) fn populate(job: &Job, group: &Labels, target: &Labels) -> Result<Option<Target>, String> {
    let mut lb = target.clone();
    for (k, v) in group.iter() {
        if !target.has(k) {
            lb.set(k, v);
        }
    }
    let defaults = [
        (labels::JOB, job.name.clone()),
        (labels::SCRAPE_INTERVAL, PromDuration(job.interval).to_string()),
        (labels::SCRAPE_TIMEOUT, PromDuration(job.timeout).to_string()),
        (labels::METRICS_PATH, job.metrics_path.clone()),
        (labels::SCHEME, job.scheme.clone()),
    ];
    for (k, v) in defaults {
        if lb.value(k).is_empty() {
            lb.set(k, v);
        }
    }
    for (k, v) in &job.params {
        let name = format!("{}{k}", labels::PARAM_PREFIX);
        if let Some(first) = v.first() {
            if lb.value(&name).is_empty() {
                lb.set(name, first.clone());
            }
        }
    }
    let discovered = lb.clone();
    if !relabel::process(&mut lb, &job.relabel) {
        return Ok(None);
    }
    let addr = lb.value(labels::ADDRESS).to_string();
    if addr.is_empty() {
        return Err("no address".into());
    }
    check_target_address(&addr)?;
    let interval = PromDuration::parse(lb.value(labels::SCRAPE_INTERVAL))
        .map_err(|e| format!("error parsing scrape interval: {e}"))?
        .get();
    if interval.is_zero() {
        return Err("scrape interval cannot be 0".into());
    }
    let timeout = PromDuration::parse(lb.value(labels::SCRAPE_TIMEOUT))
        .map_err(|e| format!("error parsing scrape timeout: {e}"))?
        .get();
    if timeout.is_zero() {
        return Err("scrape timeout cannot be 0".into());
    }
    if timeout > interval {
        return Err(format!(
            "scrape timeout cannot be greater than scrape interval ({:?} > {:?})",
            lb.value(labels::SCRAPE_TIMEOUT),
            lb.value(labels::SCRAPE_INTERVAL)
        ));
    }
    let scheme = lb.value(labels::SCHEME).to_string();
    if scheme != "http" && scheme != "https" {
        return Err(format!("invalid scheme: {scheme:?}"));
    }
    lb.retain(|k, _| !k.starts_with(labels::META_PREFIX));
    if lb.value(labels::INSTANCE).is_empty() {
        lb.set(labels::INSTANCE, addr.clone());
    }
    let url = target_url(&scheme, &addr, lb.value(labels::METRICS_PATH), &job.params, &lb);
    Ok(Some(Target {
        labels: lb,
        discovered,
        url,
        interval,
        timeout,
    }))
}

/// `scheme://address/path?params` as Prometheus' `Target.URL` builds it:
/// the config's parameters, the first value of each replaced by a
/// `__param_<name>` label; keys sorted; path and query escaped as Go
/// escapes them.
fn target_url(
    scheme: &str,
    addr: &str,
    path: &str,
    params: &BTreeMap<String, Vec<String>>,
    lb: &Labels,
) -> String {
    let mut all: BTreeMap<String, Vec<String>> = params.clone();
    for (k, v) in lb.iter() {
        if let Some(name) = k.strip_prefix(labels::PARAM_PREFIX) {
            let values = all.entry(name.to_string()).or_default();
            match values.first_mut() {
                Some(first) => *first = v.to_string(),
                None => values.push(v.to_string()),
            }
        }
    }
    let mut url = format!("{scheme}://{addr}");
    if !path.is_empty() && !path.starts_with('/') {
        url.push('/');
    }
    escape_path(&mut url, path);
    let mut first = true;
    for (k, values) in &all {
        for v in values {
            url.push(if first { '?' } else { '&' });
            first = false;
            query_escape(&mut url, k);
            url.push('=');
            query_escape(&mut url, v);
        }
    }
    url
}

fn push_percent(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[usize::from(b >> 4)] as char);
    out.push(HEX[usize::from(b & 15)] as char);
}

/// Go's `url.PathEscape`-style escaping of a path (`/` and
/// `$&+,:;=@` kept).
fn escape_path(out: &mut String, path: &str) {
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~$&+,/:;=@".contains(&b) {
            out.push(b as char);
        } else {
            push_percent(out, b);
        }
    }
}

/// Go's `url.QueryEscape`: space as `+`.
fn query_escape(out: &mut String, s: &str) {
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else if b == b' ' {
            out.push('+');
        } else {
            push_percent(out, b);
        }
    }
}

/// The targets of `groups`, deduplicated (same labels and URL), in
/// discovery order, with the reasons targets were refused.
pub(crate) fn targets<'a>(
    job: &Job,
    groups: impl IntoIterator<Item = &'a TargetGroup>,
) -> (Vec<Target>, Vec<String>) {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut errors = Vec::new();
    for g in groups {
        for t in &g.targets {
            match populate(job, &g.labels, t) {
                Ok(Some(target)) => {
                    if seen.insert((target.labels.clone(), target.url.clone())) {
                        out.push(target);
                    }
                }
                Ok(None) => {}
                Err(e) => errors.push(format!(
                    "{} (target {}, group {})",
                    e,
                    t.value(labels::ADDRESS),
                    g.source
                )),
            }
        }
    }
    (out, errors)
}

/// A target group as a file holds it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileGroup {
    #[serde(default, deserialize_with = "lenient::list")]
    targets: Vec<String>,
    #[serde(default, deserialize_with = "lenient::map")]
    labels: BTreeMap<String, String>,
}

/// The label Prometheus' file discovery adds: the file the group came from.
pub(crate) const META_FILEPATH: &str = "__meta_filepath";

/// Reads the target groups of one file (`.json` as JSON, else YAML), as
/// Prometheus' file discovery reads them.
pub(crate) fn read_groups(path: &Path, content: &[u8]) -> Result<Vec<TargetGroup>, String> {
    let is_json = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let groups: Vec<Option<FileGroup>> = if is_json {
        serde_json::from_slice(content).map_err(|e| e.to_string())?
    } else if content.iter().all(u8::is_ascii_whitespace) {
        Vec::new()
    } else {
        serde_yaml::from_slice::<Option<Vec<Option<FileGroup>>>>(content)
            .map_err(|e| e.to_string())?
            .unwrap_or_default()
    };
    let shown = path.display().to_string();
    let mut out = Vec::with_capacity(groups.len());
    for (i, g) in groups.into_iter().enumerate() {
        let g = g.ok_or_else(|| format!("nil target group item found (index {i})"))?;
        for name in g.labels.keys() {
            if !is_valid_label_name(name) {
                return Err(format!("{name:?} is not a valid label name"));
            }
        }
        let mut labels = Labels::from_pairs(g.labels.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        labels.set(META_FILEPATH, shown.clone());
        out.push(TargetGroup {
            source: format!("{shown}:{i}"),
            targets: g
                .targets
                .iter()
                .map(|t| Labels::from_pairs([(labels::ADDRESS, t.as_str())]))
                .collect(),
            labels,
        });
    }
    Ok(out)
}

/// Whether `name` matches a glob `pattern` of `*` (any run) and `?` (one
/// character); other characters match themselves.
fn glob_match(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == n[ni]) {
            pi += 1;
            ni += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ni));
            pi += 1;
        } else if let Some((sp, sn)) = star {
            pi = sp + 1;
            ni = sn + 1;
            star = Some((sp, sn + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

/// The files a pattern names now, sorted (the wildcard may only be in the
/// last path segment).
pub(crate) fn expand_pattern(pattern: &str) -> Vec<PathBuf> {
    let path = Path::new(pattern);
    let Some(file) = path.file_name().and_then(|f| f.to_str()) else {
        return Vec::new();
    };
    if !file.contains(['*', '?']) {
        return if path.is_file() {
            vec![path.to_path_buf()]
        } else {
            Vec::new()
        };
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_str().is_some_and(|n| glob_match(file, n)))
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    out.sort();
    out
}

/// What tells a file changed: modification time and length.
type Stamp = (Option<SystemTime>, u64);

fn stamp(path: &Path) -> Option<Stamp> {
    let m = std::fs::metadata(path).ok()?;
    Some((m.modified().ok(), m.len()))
}

/// The most bytes read from one discovery file.
const MAX_SD_FILE: u64 = 16 << 20;

/// One `file_sd_configs` entry being watched: the groups of every file its
/// patterns name, re-read when a file changes (polled) and every
/// `refresh_interval`.
#[derive(Debug)]
pub(crate) struct FileSd {
    spec: FileSdSpec,
    files: BTreeMap<PathBuf, (Option<Stamp>, Vec<TargetGroup>)>,
    last_full: Option<Instant>,
}

impl FileSd {
    /// A watcher of `spec` (nothing read yet).
    pub(crate) fn new(spec: FileSdSpec) -> Self {
        FileSd {
            spec,
            files: BTreeMap::new(),
            last_full: None,
        }
    }

    /// Looks at the files; true when the groups changed. A file that
    /// cannot be read or parsed keeps its previous groups (as Prometheus).
    pub(crate) fn poll(&mut self, job: &str) -> bool {
        let full = self.last_full.is_none_or(|t| t.elapsed() >= self.spec.refresh);
        if full {
            self.last_full = Some(Instant::now());
        }
        let mut now: BTreeSet<PathBuf> = BTreeSet::new();
        for p in &self.spec.patterns {
            now.extend(expand_pattern(p));
        }
        let mut changed = false;
        let gone: Vec<PathBuf> = self.files.keys().filter(|p| !now.contains(*p)).cloned().collect();
        for p in gone {
            self.files.remove(&p);
            changed = true;
        }
        for path in now {
            let st = stamp(&path);
            let known = self.files.get(&path);
            if !full && known.is_some_and(|(s, _)| *s == st) {
                continue;
            }
            let read = std::fs::File::open(&path).and_then(|f| {
                use std::io::Read;
                let mut buf = Vec::new();
                f.take(MAX_SD_FILE).read_to_end(&mut buf).map(|_| buf)
            });
            let groups = match read
                .map_err(|e| e.to_string())
                .and_then(|c| read_groups(&path, &c))
            {
                Ok(g) => g,
                Err(e) => {
                    tracing::error!(job, path = %path.display(), error = %e, "Error reading file");
                    // Keep what was read before; try again when it changes.
                    let old = known.map(|(_, g)| g.clone()).unwrap_or_default();
                    self.files.insert(path, (st, old));
                    continue;
                }
            };
            if known.is_none_or(|(_, g)| *g != groups) {
                changed = true;
            }
            self.files.insert(path, (st, groups));
        }
        changed
    }

    /// The groups read so far.
    pub(crate) fn groups(&self) -> impl Iterator<Item = &TargetGroup> {
        self.files.values().flat_map(|(_, g)| g.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PrometheusReceiverConfig;

    fn job(yaml: &str) -> Job {
        let cfg: PrometheusReceiverConfig = otelcol_componenttest::parse_config(yaml).unwrap();
        cfg.jobs().unwrap().remove(0)
    }

    fn addr(a: &str) -> Labels {
        Labels::from_pairs([("__address__", a)])
    }

    #[test]
    fn populate_like_prometheus() {
        let j = job(
            "config:\n  scrape_configs: [{job_name: node, scrape_interval: 15s, params: {module: [m1, m2]}}]\n",
        );
        let t = populate(
            &j,
            &Labels::from_pairs([("env", "prod"), ("__meta_x", "y")]),
            &addr("h:9100"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            t.public_labels(),
            Labels::from_pairs([("env", "prod"), ("instance", "h:9100"), ("job", "node")])
        );
        assert_eq!(t.labels.value("__scrape_interval__"), "15s");
        assert_eq!(t.labels.value("__scrape_timeout__"), "10s");
        assert_eq!(t.labels.value("__param_module"), "m1");
        assert!(
            !t.labels.has("__meta_x"),
            "meta labels are removed after relabeling"
        );
        assert_eq!(t.discovered.value("__meta_x"), "y");
        assert_eq!(t.url, "http://h:9100/metrics?module=m1&module=m2");
        assert_eq!(
            (t.interval, t.timeout),
            (Duration::from_secs(15), Duration::from_secs(10))
        );
    }

    #[test]
    fn relabeling_targets() {
        let j = job(r#"
config:
  scrape_configs:
    - job_name: blackbox
      metrics_path: /probe
      params: {module: [http_2xx]}
      relabel_configs:
        - {source_labels: [__address__], target_label: __param_target}
        - {source_labels: [__param_target], target_label: instance}
        - {target_label: __address__, replacement: 'exporter:9115'}
        - {source_labels: [__meta_drop], regex: 'yes', action: drop}
        - {source_labels: [__meta_port], regex: '(.+)', target_label: __scrape_interval__, replacement: '30s'}
"#);
        let t = populate(&j, &Labels::new(), &addr("https://site.example/a b"))
            .unwrap()
            .unwrap();
        assert_eq!(
            t.url,
            "http://exporter:9115/probe?module=http_2xx&target=https%3A%2F%2Fsite.example%2Fa+b"
        );
        let t = populate(&j, &Labels::new(), &addr("site.example"))
            .unwrap()
            .unwrap();
        assert_eq!(
            t.url,
            "http://exporter:9115/probe?module=http_2xx&target=site.example"
        );
        assert_eq!(t.public_labels().value("instance"), "site.example");
        let dropped = populate(&j, &Labels::from_pairs([("__meta_drop", "yes")]), &addr("x")).unwrap();
        assert!(dropped.is_none());
        let t = populate(&j, &Labels::from_pairs([("__meta_port", "1")]), &addr("x"))
            .unwrap()
            .unwrap();
        assert_eq!(t.interval, Duration::from_secs(30));
        let err = populate(
            &job("config:\n  scrape_configs: [{job_name: a, relabel_configs: [{target_label: __scrape_timeout__, replacement: 2m}]}]\n"),
            &Labels::new(),
            &addr("x"),
        )
        .unwrap_err();
        assert!(
            err.contains("scrape timeout cannot be greater than scrape interval"),
            "{err}"
        );
        let err = populate(
            &job("config:\n  scrape_configs: [{job_name: a, relabel_configs: [{action: labeldrop, regex: __address__}]}]\n"),
            &Labels::new(),
            &addr("x"),
        )
        .unwrap_err();
        assert_eq!(err, "no address");
    }

    #[test]
    fn urls_are_escaped_as_go_does() {
        let j = job(
            "config:\n  scrape_configs: [{job_name: a, metrics_path: '/a b/ü', params: {q: ['x y&z']}}]\n",
        );
        let t = populate(&j, &Labels::new(), &addr("[::1]:80")).unwrap().unwrap();
        assert_eq!(t.url, "http://[::1]:80/a%20b/%C3%BC?q=x+y%26z");
    }

    #[test]
    fn targets_are_deduplicated() {
        let j = job("config:\n  scrape_configs: [{job_name: a, static_configs: [{targets: [x, x, y]}]}]\n");
        let (t, errors) = targets(&j, &j.static_groups);
        assert_eq!(t.len(), 2);
        assert!(errors.is_empty());
    }

    #[test]
    fn reads_file_sd_files() {
        let json = br#"[{"targets": ["a:1", "b:2"], "labels": {"env": "x"}}, {"targets": ["c:3"]}]"#;
        let g = read_groups(Path::new("/t/targets.json"), json).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].targets.len(), 2);
        assert_eq!(g[0].labels.value("env"), "x");
        assert_eq!(g[0].labels.value("__meta_filepath"), "/t/targets.json");
        assert_eq!(g[1].source, "/t/targets.json:1");
        let yaml = b"- targets: ['a:1']\n  labels:\n    port: 80\n";
        let g = read_groups(Path::new("t.yml"), yaml).unwrap();
        assert_eq!(g[0].labels.value("port"), "80");
        assert!(read_groups(Path::new("t.yaml"), b"").unwrap().is_empty());
        assert!(read_groups(Path::new("t.json"), b"{").is_err());
        assert!(read_groups(Path::new("t.yml"), b"- targets: [a]\n  lables: {}\n").is_err());
        assert!(
            read_groups(Path::new("t.json"), b"[null]")
                .unwrap_err()
                .contains("nil target group")
        );
        assert!(read_groups(Path::new("t.json"), br#"[{"targets":[],"labels":{"a-b":"c"}}]"#).is_err());
    }

    #[test]
    fn globs() {
        assert!(glob_match("*.json", "a.json"));
        assert!(glob_match("t_*.json", "t_1.json"));
        assert!(!glob_match("t_*.json", "x_1.json"));
        assert!(glob_match("a?c.yml", "abc.yml"));
        assert!(glob_match("*a*b*", "xaxxbx"));
        assert!(!glob_match("*.json", "a.json.bak"));
    }

    #[test]
    fn file_sd_notices_changes() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("t.json");
        let mut sd = FileSd::new(FileSdSpec {
            patterns: vec![dir.path().join("*.json").display().to_string()],
            refresh: Duration::from_secs(300),
        });
        assert!(!sd.poll("j"), "no file: no groups");
        std::fs::write(&f, br#"[{"targets": ["a:1"]}]"#).unwrap();
        assert!(sd.poll("j"));
        assert_eq!(sd.groups().count(), 1);
        assert!(!sd.poll("j"), "unchanged");
        std::fs::write(&f, br#"[{"targets": ["a:1", "b:2"]}]"#).unwrap();
        assert!(sd.poll("j"));
        assert_eq!(sd.groups().next().unwrap().targets.len(), 2);
        std::fs::write(&f, b"not json, and longer than before").unwrap();
        assert!(!sd.poll("j"), "a broken file keeps its groups");
        assert_eq!(sd.groups().next().unwrap().targets.len(), 2);
        std::fs::remove_file(&f).unwrap();
        assert!(sd.poll("j"));
        assert_eq!(sd.groups().count(), 0);
    }
}
