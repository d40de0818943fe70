//! Feature gates: the Go collector's gate ids whose behaviour this build
//! has, for `--feature-gates` and the `featuregate` subcommand.
//!
//! A gate of the Go collector that this build does not implement is refused
//! by name, as an unknown one is: accepting it silently would promise a
//! behaviour the collector does not have.

use std::fmt;

/// A gate's lifecycle stage, as Go names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Off by default.
    Alpha,
    /// On by default.
    Beta,
    /// Always on; disabling it is an error, enabling it is a no-op.
    Stable,
    /// Always off.
    Deprecated,
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Stage::Alpha => "Alpha",
            Stage::Beta => "Beta",
            Stage::Stable => "Stable",
            Stage::Deprecated => "Deprecated",
        })
    }
}

/// One gate this build knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Gate {
    /// Go's gate id.
    pub id: &'static str,
    /// Its stage in this build.
    pub stage: Stage,
    /// What it does here.
    pub description: &'static str,
    /// Go's version that made it stable (or introduced it), for the note.
    pub from_version: &'static str,
}

impl Gate {
    /// Whether the gate is on in this build (stable and beta gates are).
    pub fn enabled(&self) -> bool {
        matches!(self.stage, Stage::Stable | Stage::Beta)
    }
}

/// The gates of the Go collector whose behaviour this build has. Both are
/// always on here, so they are stable: enabling them is a no-op.
pub const GATES: &[Gate] = &[
    Gate {
        id: "component.UseLocalHostAsDefaultHost",
        stage: Stage::Stable,
        description: "Default server endpoints bind localhost instead of 0.0.0.0 (always on in this build)",
        from_version: "v0.104.0",
    },
    Gate {
        id: "otelcol.printInitialConfig",
        stage: Stage::Stable,
        description: "The print-config subcommand is available (always on in this build)",
        from_version: "v0.120.0",
    },
];

/// A `--feature-gates` value this build cannot honour.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GateError {
    /// Not a gate this build has (Go's message for an unknown id).
    #[error("no such feature gate {0:?} (this build has: {list})", list = known_ids())]
    Unknown(String),
    /// A stable gate cannot be disabled.
    #[error("feature gate {0:?} is stable, can not be disabled")]
    DisableStable(String),
}

fn known_ids() -> String {
    GATES.iter().map(|g| g.id).collect::<Vec<_>>().join(", ")
}

/// The gate with this id.
pub fn find(id: &str) -> Option<&'static Gate> {
    GATES.iter().find(|g| g.id == id)
}

/// Checks a `--feature-gates` value (`g1,-g2,+g3`). Returns a note for
/// every gate that is enabled already (stable), or every refused id.
pub fn apply(flag: &str) -> Result<Vec<String>, Vec<GateError>> {
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for item in flag.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (enable, id) = match item.strip_prefix('-') {
            Some(id) => (false, id),
            None => (true, item.strip_prefix('+').unwrap_or(item)),
        };
        match find(id) {
            None => errors.push(GateError::Unknown(id.to_string())),
            Some(g) if g.stage == Stage::Stable && !enable => {
                errors.push(GateError::DisableStable(id.to_string()))
            }
            Some(g) if g.stage == Stage::Stable => notes.push(format!(
                "feature gate {:?} is stable (since {}) and always enabled; the flag has no effect",
                g.id, g.from_version
            )),
            Some(_) => {}
        }
    }
    if errors.is_empty() { Ok(notes) } else { Err(errors) }
}

/// The `featuregate` table: `ID Enabled Stage Description`, as Go prints it.
pub fn table() -> String {
    let w = GATES.iter().map(|g| g.id.len()).max().unwrap_or(2).max(2);
    let mut out = format!(
        "{:<w$}  {:<7}  {:<10}  {}\n",
        "ID", "Enabled", "Stage", "Description"
    );
    for g in GATES {
        out.push_str(&format!(
            "{:<w$}  {:<7}  {:<10}  {}\n",
            g.id,
            g.enabled(),
            g.stage.to_string(),
            g.description
        ));
    }
    out
}

/// Details of one gate (`featuregate <id>`).
pub fn details(g: &Gate) -> String {
    format!(
        "Feature: {}\nEnabled: {}\nStage: {}\nDescription: {}\nFrom Version: {}\n",
        g.id,
        g.enabled(),
        g.stage,
        g.description,
        g.from_version
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_gates_are_noops_with_a_note_and_unknown_ids_are_refused_by_name() {
        let notes = apply("component.UseLocalHostAsDefaultHost,+otelcol.printInitialConfig").unwrap();
        assert_eq!(notes.len(), 2);
        assert!(notes[0].contains("always enabled"), "{notes:?}");
        let errs =
            apply("foo.bar,-component.UseLocalHostAsDefaultHost,service.AllowNoPipelines").unwrap_err();
        assert_eq!(errs.len(), 3);
        assert!(
            errs[0]
                .to_string()
                .starts_with("no such feature gate \"foo.bar\"")
        );
        assert_eq!(
            errs[1].to_string(),
            "feature gate \"component.UseLocalHostAsDefaultHost\" is stable, can not be disabled"
        );
        assert!(errs[2].to_string().contains("service.AllowNoPipelines"));
        assert!(apply("").unwrap().is_empty());
    }

    #[test]
    fn table_lists_every_gate() {
        let t = table();
        assert!(t.starts_with("ID"));
        for g in GATES {
            assert!(t.contains(g.id));
        }
        assert!(details(&GATES[0]).contains("Stage: Stable"));
    }
}
