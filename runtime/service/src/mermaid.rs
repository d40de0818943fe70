//! `otelcol-rs graph`: the configured pipelines as a Mermaid flowchart,
//! receivers → processors → exporters per signal, connectors (hexagons)
//! between the pipelines they join.

use std::collections::BTreeSet;
use std::fmt::Write;

use otelcol_component::ComponentId;

use crate::validate::ValidatedConfig;

/// A Mermaid node id: the prefix plus the text with anything but ASCII
/// letters and digits replaced by `_` (so `otlp/in` and `otlp_in` differ by prefix only).
fn node_id(prefix: &str, text: &str) -> String {
    let mut s = String::from(prefix);
    for c in text.chars() {
        s.push(if c.is_ascii_alphanumeric() { c } else { '_' });
    }
    s
}

fn label(text: &str) -> String {
    // Mermaid labels in quotes; a quote inside is written as #quot;
    text.replace('"', "#quot;")
}

/// Renders the pipelines of a validated config as a Mermaid flowchart.
///
/// Receivers and exporters are one node per id (as the runtime builds them);
/// processors are one node per pipeline, inside that pipeline's subgraph.
pub fn render(cfg: &ValidatedConfig) -> String {
    let mut out = String::from("flowchart LR\n");
    let is_connector = |id: &ComponentId| cfg.connectors.contains_key(id);
    let node = |id: &ComponentId, prefix: &str| {
        node_id(if is_connector(id) { "con_" } else { prefix }, &id.to_string())
    };
    let receivers: BTreeSet<&ComponentId> = cfg
        .pipelines
        .values()
        .flat_map(|p| &p.receivers)
        .filter(|id| !is_connector(id))
        .collect();
    let exporters: BTreeSet<&ComponentId> = cfg
        .pipelines
        .values()
        .flat_map(|p| &p.exporters)
        .filter(|id| !is_connector(id))
        .collect();
    let connectors: BTreeSet<&ComponentId> = cfg
        .pipelines
        .values()
        .flat_map(|p| p.receivers.iter().chain(&p.exporters))
        .filter(|id| is_connector(id))
        .collect();
    out.push_str("    subgraph receivers[\"Receivers\"]\n        direction TB\n");
    for r in &receivers {
        let _ = writeln!(
            out,
            "        {}[\"{}\"]",
            node_id("rcv_", &r.to_string()),
            label(&r.to_string())
        );
    }
    out.push_str("    end\n");
    for (pid, p) in &cfg.pipelines {
        let sg = node_id("pipe_", &pid.to_string());
        let _ = writeln!(out, "    subgraph {sg}[\"Pipeline {}\"]", label(&pid.to_string()));
        out.push_str("        direction LR\n");
        let pnodes: Vec<String> = p
            .processors
            .iter()
            .map(|id| format!("{sg}__{}", node_id("", &id.to_string())))
            .collect();
        for (n, id) in pnodes.iter().zip(&p.processors) {
            let _ = writeln!(out, "        {n}[\"{}\"]", label(&id.to_string()));
        }
        if pnodes.is_empty() {
            let _ = writeln!(out, "        {sg}__in((\" \"))");
        }
        out.push_str("    end\n");
        let first = pnodes.first().cloned().unwrap_or_else(|| format!("{sg}__in"));
        let last = pnodes.last().cloned().unwrap_or_else(|| format!("{sg}__in"));
        for r in &p.receivers {
            let _ = writeln!(out, "    {} -->|{}| {first}", node(r, "rcv_"), pid.signal());
        }
        for w in pnodes.windows(2) {
            let _ = writeln!(out, "    {} --> {}", w[0], w[1]);
        }
        for e in &p.exporters {
            let _ = writeln!(out, "    {last} --> {}", node(e, "exp_"));
        }
    }
    if !connectors.is_empty() {
        // A connector is an exporter of some pipelines and a receiver of others.
        out.push_str("    subgraph connectors[\"Connectors\"]\n        direction TB\n");
        for c in &connectors {
            let _ = writeln!(
                out,
                "        {}{{{{\"{}\"}}}}",
                node_id("con_", &c.to_string()),
                label(&c.to_string())
            );
        }
        out.push_str("    end\n");
    }
    out.push_str("    subgraph exporters[\"Exporters\"]\n        direction TB\n");
    for e in &exporters {
        let _ = writeln!(
            out,
            "        {}[\"{}\"]",
            node_id("exp_", &e.to_string()),
            label(&e.to_string())
        );
    }
    out.push_str("    end\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_sanitized_and_distinct_by_prefix() {
        assert_eq!(node_id("rcv_", "otlp/in.1"), "rcv_otlp_in_1");
        assert_eq!(label("a\"b"), "a#quot;b");
    }
}
