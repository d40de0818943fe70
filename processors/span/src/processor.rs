//! The `span` processor: renames selected spans and sets their status.

use std::fmt;

use otelcol_attraction::Matcher;
use otelcol_component::proto::trace::v1::{Span, Status, status::StatusCode};
use otelcol_component::{
    Capabilities, Component, ConsumeError, Consumer, ItemMut, Payload, SharedConsumer, Traces, async_trait,
};
use otelcol_pdata::edit::AttrList;

use crate::config::{NameConfig, STATUS_CODE_ERROR, STATUS_CODE_OK, SpanConfig, StatusConfig};
use crate::rename::{ToAttributeRule, name_from_attributes, name_from_encoded_attributes};

/// The status a processor sets, compiled from `status:`.
#[derive(Clone, Debug, PartialEq, Eq)]
struct SetStatus {
    code: StatusCode,
    message: String,
}

impl SetStatus {
    /// Go's `processUpdateStatus`: `Ok` and `Unset` clear the message,
    /// `Error` sets the description.
    fn new(cfg: &StatusConfig) -> Self {
        match cfg.code.as_str() {
            STATUS_CODE_OK => SetStatus {
                code: StatusCode::Ok,
                message: String::new(),
            },
            STATUS_CODE_ERROR => SetStatus {
                code: StatusCode::Error,
                message: cfg.description.clone(),
            },
            _ => SetStatus {
                code: StatusCode::Unset,
                message: String::new(),
            },
        }
    }
}

/// Renames the spans `matcher` selects (from attributes, then to attributes)
/// and sets their status, then hands the payload to the next consumer.
///
/// A payload still encoded as it was received is renamed encoded (no
/// decode: only the changed spans' `name` fields and the lengths of the
/// messages holding them are rewritten) when the processor only renames
/// from attributes: every span selected (no `include`/`exclude`), no
/// `to_attributes` rules, no `status`. Otherwise, or when the encoded edit
/// refuses the payload, the decoded spans are processed.
pub struct SpanProcessor {
    matcher: Matcher,
    name: NameConfig,
    rules: Vec<ToAttributeRule>,
    break_after_match: bool,
    keep_original_name: bool,
    status: Option<SetStatus>,
    /// Only `from_attributes`, for every span: runs on encoded payloads.
    encoded: bool,
    next: SharedConsumer<Traces>,
}

impl fmt::Debug for SpanProcessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpanProcessor")
            .field("from_attributes", &self.name.from_attributes)
            .field("rules", &self.rules.len())
            .field("status", &self.status)
            .field("filtered", &!self.matcher.matches_everything())
            .field("encoded", &self.encoded)
            .finish()
    }
}

impl SpanProcessor {
    /// A processor for `cfg` (already validated) selecting spans with `matcher`.
    pub fn new(
        cfg: &SpanConfig,
        matcher: Matcher,
        rules: Vec<ToAttributeRule>,
        next: SharedConsumer<Traces>,
    ) -> Self {
        let to = cfg.name.to_attributes.clone().unwrap_or_default();
        let encoded = matcher.matches_everything()
            && rules.is_empty()
            && cfg.status.is_none()
            && !cfg.name.from_attributes.is_empty();
        SpanProcessor {
            matcher,
            name: cfg.name.clone(),
            rules,
            break_after_match: to.break_after_match,
            keep_original_name: to.keep_original_name,
            status: cfg.status.as_ref().map(SetStatus::new),
            encoded,
            next,
        }
    }

    /// Go's per-span steps: from attributes, to attributes, status.
    fn process_span(&self, span: &mut Span) {
        if let Some(name) =
            name_from_attributes(&span.attributes, &self.name.from_attributes, &self.name.separator)
        {
            span.name = name;
        }
        if !span.name.is_empty() {
            for rule in &self.rules {
                if rule.apply(span, self.keep_original_name) && self.break_after_match {
                    break;
                }
            }
        }
        if let Some(status) = &self.status {
            span.status = Some(Status {
                message: status.message.clone(),
                code: status.code as i32,
            });
        }
    }

    /// [`process_span`](SpanProcessor::process_span) on an encoded span
    /// when only `from_attributes` runs.
    fn process_encoded_span(&self, attrs: &mut AttrList<'_>) {
        if let Some(name) =
            name_from_encoded_attributes(attrs, &self.name.from_attributes, &self.name.separator)
        {
            attrs.set_name(&name);
        }
    }
}

impl Component for SpanProcessor {}

#[async_trait]
impl Consumer<Traces> for SpanProcessor {
    async fn consume(&self, mut data: Traces) -> Result<(), ConsumeError> {
        // Encoded when it can be (only `from_attributes`, every span, the
        // payload not decoded yet); else the decoded spans.
        let done = data.is_empty()
            || (self.encoded && data.edit_encoded_spans(|attrs| self.process_encoded_span(attrs)));
        if !done {
            data.for_each_item_mut(|resource, scope, item| {
                if let ItemMut::Span(span) = item {
                    if self.matcher.matches_span(resource.resource, scope.scope, span) {
                        self.process_span(span);
                    }
                }
            });
        }
        self.next.consume(data).await
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { mutates_data: true }
    }

    /// False when the payloads can be renamed encoded (only
    /// `from_attributes`, no `include`/`exclude`) and the next consumer does
    /// not decode them either: the receiver then keeps them encoded.
    fn decodes_input(&self) -> bool {
        !self.encoded || self.next.decodes_input()
    }
}
