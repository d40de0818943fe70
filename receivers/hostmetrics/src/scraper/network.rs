//! The `network` scraper: `/proc/net/dev`, TCP connections of
//! `/proc/net/tcp{,6}`, and the conntrack table.

use std::collections::BTreeMap;
use std::sync::Arc;

use otelcol_component::build::unix_nanos_now;

use super::{Env, ScrapeOutput, Scraper, as_i64, secs_to_nanos};
use crate::config::NetworkConfig;
use crate::error::ScrapeError;
use crate::filter::IncludeExclude;
use crate::metadata::{MetricsBuilder, NETWORK};
use crate::procfs;

/// The TCP states Go always reports (with 0 when none is in that state).
/// gopsutil names two states differently (`FIN_WAIT1`, `FIN_WAIT2`); those
/// are added as found, as in Go.
const ALL_TCP_STATES: [&str; 12] = [
    "CLOSE_WAIT",
    "CLOSE",
    "CLOSING",
    "DELETE",
    "ESTABLISHED",
    "FIN_WAIT_1",
    "FIN_WAIT_2",
    "LAST_ACK",
    "LISTEN",
    "SYN_SENT",
    "SYN_RECV",
    "TIME_WAIT",
];

/// The `network` scraper.
#[derive(Debug)]
pub(crate) struct NetworkScraper {
    env: Arc<Env>,
    mb: MetricsBuilder,
    filter: IncludeExclude,
}

impl NetworkScraper {
    pub(crate) fn new(cfg: &NetworkConfig, env: Arc<Env>) -> Result<Self, regex::Error> {
        Ok(NetworkScraper {
            env,
            mb: MetricsBuilder::new(&NETWORK, &cfg.metrics),
            filter: IncludeExclude {
                include: cfg.include.compile()?,
                exclude: cfg.exclude.compile()?,
            },
        })
    }

    fn counters(&mut self, now: u64) -> Result<(), ScrapeError> {
        let devs = procfs::parse_net_dev(&self.env.fs.read_proc("net/dev")?)?;
        let devs: Vec<_> = devs.into_iter().filter(|d| self.filter.allows(&d.name)).collect();
        let mb = &mut self.mb;
        for d in &devs {
            mb.int(
                "system.network.packets",
                now,
                as_i64(d.packets_sent),
                &[&d.name, "transmit"],
            );
            mb.int(
                "system.network.packets",
                now,
                as_i64(d.packets_recv),
                &[&d.name, "receive"],
            );
            mb.int(
                "system.network.dropped",
                now,
                as_i64(d.dropout),
                &[&d.name, "transmit"],
            );
            mb.int(
                "system.network.dropped",
                now,
                as_i64(d.dropin),
                &[&d.name, "receive"],
            );
            mb.int(
                "system.network.errors",
                now,
                as_i64(d.errout),
                &[&d.name, "transmit"],
            );
            mb.int(
                "system.network.errors",
                now,
                as_i64(d.errin),
                &[&d.name, "receive"],
            );
            mb.int(
                "system.network.io",
                now,
                as_i64(d.bytes_sent),
                &[&d.name, "transmit"],
            );
            mb.int(
                "system.network.io",
                now,
                as_i64(d.bytes_recv),
                &[&d.name, "receive"],
            );
        }
        Ok(())
    }

    fn connections(&mut self, now: u64) -> Result<(), ScrapeError> {
        let mut counts: BTreeMap<String, i64> =
            ALL_TCP_STATES.iter().map(|s| ((*s).to_string(), 0)).collect();
        procfs::count_tcp_states(&self.env.fs.read_proc("net/tcp")?, &mut counts);
        // No tcp6 table when IPv6 is off.
        match self.env.fs.read_proc("net/tcp6") {
            Ok(t) => procfs::count_tcp_states(&t, &mut counts),
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e),
        }
        for (state, n) in &counts {
            self.mb
                .int("system.network.connections", now, *n, &["tcp", state]);
        }
        Ok(())
    }

    fn conntrack(&mut self, now: u64) -> Result<(), ScrapeError> {
        let read = |name: &str| -> Result<i64, ScrapeError> {
            let path = self.env.fs.proc(&format!("sys/net/netfilter/{name}"));
            let t = self.env.fs.read(&path)?;
            t.trim()
                .parse()
                .map_err(|_| ScrapeError::parse(path, format!("invalid number {:?}", t.trim())))
        };
        let (count, max) = (read("nf_conntrack_count")?, read("nf_conntrack_max")?);
        self.mb.int("system.network.conntrack.count", now, count, &[]);
        self.mb.int("system.network.conntrack.max", now, max, &[]);
        Ok(())
    }
}

impl Scraper for NetworkScraper {
    fn name(&self) -> &'static str {
        NETWORK.name
    }

    fn start(&mut self, boot_time: u64) {
        self.mb.set_start(secs_to_nanos(boot_time));
    }

    fn scrape(&mut self, version: &str) -> ScrapeOutput {
        let mut out = ScrapeOutput::default();
        let now = unix_nanos_now();
        if let Err(e) = self.counters(now) {
            out.error(4, e);
        }
        if self.mb.enabled("system.network.connections") {
            if let Err(e) = self.connections(now) {
                out.error(1, e);
            }
        }
        if self
            .mb
            .any_enabled(&["system.network.conntrack.count", "system.network.conntrack.max"])
        {
            if let Err(e) = self.conntrack(now) {
                out.error(1, e);
            }
        }
        out.resource_metrics.extend(self.mb.emit(Vec::new(), version));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{InterfaceMatch, MetricToggle};
    use crate::scraper::testutil::{env, table, tree};

    const NET_DEV: &str = "h1\nh2
    lo: 100 10 1 2 0 0 0 0 200 20 3 4 0 0 0 0
  eth0: 5 6 0 0 0 0 0 0 7 8 0 0 0 0 0 0
";

    #[test]
    fn interfaces_connections_conntrack() {
        let dir = tempfile::tempdir().unwrap();
        tree(
            dir.path(),
            &[
                ("proc/net/dev", NET_DEV),
                ("proc/net/tcp", "sl local rem st\n 0: a b 0A x\n 1: a b 01 x\n"),
                ("proc/net/tcp6", "sl local rem st\n 0: a b 01 x\n 1: a b 05 x\n"),
                ("proc/sys/net/netfilter/nf_conntrack_count", "12\n"),
                ("proc/sys/net/netfilter/nf_conntrack_max", "65536\n"),
            ],
        );
        let mut cfg = NetworkConfig {
            include: InterfaceMatch {
                interfaces: vec!["lo".into()],
                match_type: "strict".into(),
                regexp: None,
            },
            ..Default::default()
        };
        cfg.metrics.insert(
            "system.network.conntrack.count".into(),
            MetricToggle { enabled: Some(true) },
        );
        let mut s = NetworkScraper::new(&cfg, env(dir.path())).unwrap();
        let out = s.scrape("v");
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(
            table(&out.resource_metrics, "system.network.io"),
            [
                ("device=lo,direction=transmit".to_string(), 200.0),
                ("device=lo,direction=receive".to_string(), 100.0)
            ]
        );
        // (metric, attributes, value)
        let want: &[(&str, &str, f64)] = &[
            ("system.network.packets", "device=lo,direction=transmit", 20.0),
            ("system.network.dropped", "device=lo,direction=receive", 2.0),
            ("system.network.errors", "device=lo,direction=transmit", 3.0),
            (
                "system.network.connections",
                "protocol=tcp,state=ESTABLISHED",
                2.0,
            ),
            ("system.network.connections", "protocol=tcp,state=LISTEN", 1.0),
            ("system.network.connections", "protocol=tcp,state=TIME_WAIT", 0.0),
            ("system.network.connections", "protocol=tcp,state=FIN_WAIT2", 1.0),
            ("system.network.connections", "protocol=tcp,state=FIN_WAIT_2", 0.0),
            ("system.network.conntrack.count", "", 12.0),
        ];
        for (m, a, v) in want {
            let t = table(&out.resource_metrics, m);
            assert!(t.contains(&((*a).to_string(), *v)), "{m} {a} {v}: {t:?}");
        }
        assert_eq!(
            table(&out.resource_metrics, "system.network.connections").len(),
            13
        );
        assert!(table(&out.resource_metrics, "system.network.conntrack.max").is_empty());
        // Without tcp6 and conntrack: connections still counted, conntrack fails alone.
        std::fs::remove_file(dir.path().join("proc/net/tcp6")).unwrap();
        std::fs::remove_file(dir.path().join("proc/sys/net/netfilter/nf_conntrack_count")).unwrap();
        let out = s.scrape("v");
        assert_eq!(out.failed, 1);
        assert!(
            table(&out.resource_metrics, "system.network.connections")
                .contains(&("protocol=tcp,state=ESTABLISHED".into(), 1.0))
        );
    }
}
