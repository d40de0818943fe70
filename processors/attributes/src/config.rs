//! The `attributes` processor's config.

use otelcol_attraction::{ActionConfig, AttrProc, MatchConfig, MatchProperties};
use otelcol_component::{ComponentConfig, ConfigError};
use serde::{Deserialize, Serialize};

/// The config key holding the action list.
pub(crate) const ACTIONS_KEY: &str = "actions";

/// Config of the `attributes` processor (Go `attributesprocessor.Config`).
///
/// The default (no actions) is not valid on its own, as in Go: `actions`
/// must be given.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AttributesConfig {
    /// Actions applied in order to the attributes of each selected span, log
    /// record or data point. Required, non-empty. Default: empty.
    pub actions: Vec<ActionConfig>,

    /// Only items matching these properties are processed. Default: unset
    /// (every item).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub include: Option<MatchProperties>,

    /// Items matching these properties are not processed; checked after
    /// `include`. Default: unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclude: Option<MatchProperties>,
}

impl AttributesConfig {
    /// Compiles the action list, with errors at `actions::<index>`.
    pub fn attr_proc(&self) -> Result<AttrProc, ConfigError> {
        AttrProc::new(&self.actions).map_err(|e| e.to_config_error(ACTIONS_KEY))
    }

    /// `include` and `exclude` together.
    pub fn match_config(&self) -> MatchConfig {
        MatchConfig {
            include: self.include.clone(),
            exclude: self.exclude.clone(),
        }
    }
}

impl ComponentConfig for AttributesConfig {
    /// Nothing: Go's attributes processor has no `Validate()` and checks its
    /// config only when it creates the processor, so an unused `attributes`
    /// with, e.g., an unnamed regex group is valid. See
    /// [`AttributesConfig::validate_for_build`].
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}

impl AttributesConfig {
    /// Go's checks at creation: the actions (required; each one's fields and
    /// pattern). `include`/`exclude` are checked by the factory, because what
    /// they may hold depends on the signal.
    pub fn validate_for_build(&self) -> Result<(), ConfigError> {
        if self.actions.is_empty() {
            return Err(ConfigError::new(format!(
                "missing required field \"{ACTIONS_KEY}\""
            )));
        }
        self.attr_proc().map(|_| ())
    }
}
