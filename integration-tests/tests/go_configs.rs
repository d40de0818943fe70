//! Public Go collector configs (tests/fixtures/go-configs/, each naming its
//! source): `otelcol-rs validate` gives the Go collector's verdict, written
//! in each file's first line as `# go-verdict: valid|invalid`.

#![allow(clippy::unwrap_used)] // test code: a panic is a failed assertion

use otelcol_integration_tests::*;

#[test]
fn validate_gives_go_verdict_on_every_fixture() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/go-configs");
    let mut seen = 0;
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let verdict = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# go-verdict: "))
            .unwrap_or_else(|| panic!("{} has no go-verdict line", path.display()))
            .trim()
            .to_string();
        let (code, _, err) = run_cli(&["validate", "--config", path.to_str().unwrap()]);
        let ok = match verdict.as_str() {
            "valid" => code == 0,
            "invalid" => code == 1,
            v => panic!("{}: unknown verdict {v:?}", path.display()),
        };
        if !ok {
            failures.push(format!("{} (Go: {verdict}, exit {code}):\n{err}", path.display()));
        }
        seen += 1;
    }
    assert!(seen >= 4, "fixtures found: {seen}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Every fixture Go accepts also starts here (and stops cleanly on
/// SIGTERM), unless its header says `# go-starts: no (<why>)` — a peer the
/// config needs at start that this machine has not (an OIDC issuer).
/// Listen addresses on every interface are moved to loopback (tests listen
/// only there), and `MY_POD_IP` (the Helm chart's) is 127.0.0.1; nothing
/// else is changed.
#[test]
fn every_valid_fixture_starts_and_stops() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/go-configs");
    let mut started = 0;
    let mut failures = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().and_then(|e| e.to_str()) == Some("yaml"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap();
        if !text.starts_with("# go-verdict: valid") || text.lines().any(|l| l.starts_with("# go-starts: no"))
        {
            continue;
        }
        let loopback = text.replace("0.0.0.0:", "127.0.0.1:");
        let file = tempfile::NamedTempFile::new().unwrap();
        std::fs::write(file.path(), loopback).unwrap();
        // The environment a pod spec gives the Helm chart's config.
        let mut c = Collector::start_args_env(
            &["--config", file.path().to_str().unwrap()],
            &[("MY_POD_IP", "127.0.0.1")],
            &[],
        );
        let ready = c.wait_ready();
        let (status, logs) = c.stop();
        if !ready || !status.success() {
            failures.push(format!(
                "{} (ready: {ready}, exit: {status}):\n{logs}",
                path.display()
            ));
        }
        started += 1;
    }
    assert!(started >= 4, "fixtures started: {started}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
