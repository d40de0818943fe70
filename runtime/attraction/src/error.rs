//! Errors of action and matcher validation, worded as the Go collector words them.

use otelcol_component::ConfigError;

/// Why an action list is invalid. `index` is the position of the bad action;
/// the messages are those of Go's `attraction.NewAttrProc`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// `delete`/`hash` with neither `key` nor `pattern`.
    #[error(
        "error creating AttrProc due to missing required field (at least one of \"key\" and \"pattern\" have to be used) at the {index}-th actions"
    )]
    MissingKeyOrPattern {
        /// Position of the action.
        index: usize,
    },
    /// Any other action without `key`.
    #[error("error creating AttrProc due to missing required field \"key\" at the {index}-th actions")]
    MissingKey {
        /// Position of the action.
        index: usize,
    },
    /// `insert`/`update`/`upsert` with no value source.
    #[error(
        "error creating AttrProc. Either field \"value\", \"from_attribute\", \"from_context\" or \"default_value\" setting must be specified for {index}-th action"
    )]
    MissingValueSource {
        /// Position of the action.
        index: usize,
    },
    /// More than one of `value`, `from_attribute`, `from_context`.
    #[error("error creating AttrProc due to multiple value sources being set at the {index}-th actions")]
    MultipleValueSources {
        /// Position of the action.
        index: usize,
    },
    /// `pattern` on `insert`/`update`/`upsert`.
    #[error(
        "error creating AttrProc. Action \"{action}\" does not use the \"pattern\" field. This must not be specified for {index}-th action"
    )]
    PatternNotUsed {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// `converted_type` on an action other than `convert`.
    #[error(
        "error creating AttrProc. Action \"{action}\" does not use the \"converted_type\" field. This must not be specified for {index}-th action"
    )]
    ConvertedTypeNotUsed {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// `value` or `from_attribute` on `delete`/`hash`.
    #[error(
        "error creating AttrProc. Action \"{action}\" does not use \"value\" or \"from_attribute\" field. These must not be specified for {index}-th action"
    )]
    ValueNotUsed {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// A value source on `extract`.
    #[error(
        "error creating AttrProc. Action \"{action}\" does not use a value source field. These must not be specified for {index}-th action"
    )]
    ValueSourceNotUsed {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// A value source or `pattern` on `convert`.
    #[error(
        "error creating AttrProc. Action \"{action}\" does not use value sources or \"pattern\" field. These must not be specified for {index}-th action"
    )]
    ConvertFieldsNotUsed {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// `pattern` does not compile.
    #[error(
        "error creating AttrProc. Field \"pattern\" has invalid pattern: \"{pattern}\" to be set at the {index}-th actions"
    )]
    InvalidPattern {
        /// The pattern as written.
        pattern: String,
        /// Position of the action.
        index: usize,
    },
    /// `extract` without `pattern`.
    #[error(
        "error creating AttrProc due to missing required field \"pattern\" for action \"{action}\" at the {index}-th action"
    )]
    MissingPattern {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// `extract` pattern without capture groups.
    #[error(
        "error creating AttrProc. Field \"pattern\" contains no named matcher groups at the {index}-th actions"
    )]
    NoNamedGroups {
        /// Position of the action.
        index: usize,
    },
    /// `extract` pattern with an unnamed capture group.
    #[error(
        "error creating AttrProc. Field \"pattern\" contains at least one unnamed matcher group at the {index}-th actions"
    )]
    UnnamedGroup {
        /// Position of the action.
        index: usize,
    },
    /// `convert` without `converted_type`.
    #[error(
        "error creating AttrProc due to missing required field \"converted_type\" for action \"{action}\" at the {index}-th action"
    )]
    MissingConvertedType {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// `converted_type` other than `int`, `double`, `string`.
    #[error(
        "error creating AttrProc due to invalid value \"{converted_type}\" in field \"converted_type\" for action \"{action}\" at the {index}-th action"
    )]
    InvalidConvertedType {
        /// The value as written.
        converted_type: String,
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
    /// `action` is not one of the seven actions.
    #[error("error creating AttrProc due to unsupported action {action:?} at the {index}-th actions")]
    UnsupportedAction {
        /// The action (lower case).
        action: String,
        /// Position of the action.
        index: usize,
    },
}

impl ActionError {
    /// Position of the offending action in the list.
    pub fn index(&self) -> usize {
        match self {
            ActionError::MissingKeyOrPattern { index }
            | ActionError::MissingKey { index }
            | ActionError::MissingValueSource { index }
            | ActionError::MultipleValueSources { index }
            | ActionError::PatternNotUsed { index, .. }
            | ActionError::ConvertedTypeNotUsed { index, .. }
            | ActionError::ValueNotUsed { index, .. }
            | ActionError::ValueSourceNotUsed { index, .. }
            | ActionError::ConvertFieldsNotUsed { index, .. }
            | ActionError::InvalidPattern { index, .. }
            | ActionError::MissingPattern { index, .. }
            | ActionError::NoNamedGroups { index }
            | ActionError::UnnamedGroup { index }
            | ActionError::MissingConvertedType { index, .. }
            | ActionError::InvalidConvertedType { index, .. }
            | ActionError::UnsupportedAction { index, .. } => *index,
        }
    }

    /// A config error at `<list_key>::<index>` (`actions::0`, `attributes::2`).
    pub fn to_config_error(&self, list_key: &str) -> ConfigError {
        ConfigError::at(format!("{list_key}::{}", self.index()), self.to_string())
    }
}

/// Why an `include`/`exclude` block is invalid for a signal; the messages are
/// those of Go's `filterconfig`, `filterset` and `filtermatcher` packages.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct MatchError {
    block: Option<&'static str>,
    message: String,
}

impl MatchError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        MatchError {
            block: None,
            message: message.into(),
        }
    }

    /// Prefixes the message with context (`error creating span name filters: ...`).
    pub(crate) fn context(self, prefix: &str) -> Self {
        MatchError {
            block: self.block,
            message: format!("{prefix}: {}", self.message),
        }
    }

    /// Records which block (`include` or `exclude`) the error is about.
    pub(crate) fn in_block(mut self, block: &'static str) -> Self {
        self.block = Some(block);
        self
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// `include` or `exclude`, when the error came from a [`Matcher`](crate::Matcher) builder.
    pub fn block(&self) -> Option<&'static str> {
        self.block
    }

    /// A config error at the block's key (`include` / `exclude`).
    pub fn to_config_error(&self) -> ConfigError {
        match self.block {
            Some(block) => ConfigError::at(block, self.message.clone()),
            None => ConfigError::new(self.message.clone()),
        }
    }
}
