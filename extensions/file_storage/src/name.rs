//! Store file names, as the Go `file_storage` extension names them.

use otelcol_component::{ComponentId, Kind};

/// Escapes every character outside `A-Za-z0-9._-` (and `~` itself) as `~`
/// plus its Unicode code point in upper-case hex, at least four digits.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else {
            out.push_str(&format!("~{:04X}", u32::from(c)));
        }
    }
    out
}

/// The file name of a store: `<kind>_<type>_<name>` plus `_<store name>`
/// when one is given, escaped (`exporter_otlp_backup_traces`).
pub fn file_name(kind: Kind, id: &ComponentId, store: &str) -> String {
    let mut raw = format!(
        "{}_{}_{}",
        kind.as_str(),
        id.component_type(),
        id.name().unwrap_or("")
    );
    if !store.is_empty() {
        raw.push('_');
        raw.push_str(store);
    }
    escape(&raw)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn names_like_go() {
        let id: ComponentId = "otlp/backup".parse().unwrap();
        assert_eq!(
            file_name(Kind::Exporter, &id, "traces"),
            "exporter_otlp_backup_traces"
        );
        let id: ComponentId = "filelog".parse().unwrap();
        assert_eq!(file_name(Kind::Receiver, &id, ""), "receiver_filelog_");
        assert_eq!(escape("logs/container"), "logs~002Fcontainer");
        assert_eq!(escape("a~b é"), "a~007Eb~0020~00E9");
        assert_eq!(escape("../x"), "..~002Fx");
    }
}
