//! [`Matcher`]: decides which spans, log records and metrics an
//! `include`/`exclude` configuration lets through.

use otelcol_component::proto::common::v1::{AnyValue, InstrumentationScope, KeyValue};
use otelcol_component::proto::logs::v1::LogRecord;
use otelcol_component::proto::metrics::v1::Metric;
use otelcol_component::proto::resource::v1::Resource;
use otelcol_component::proto::trace::v1::{Span, span::SpanKind};
use otelcol_component::{ItemMut, ResourceRef, ScopeRef};

use crate::attrs;
use crate::error::MatchError;
use crate::filter::attributes::AttributesMatcher;
use crate::filter::config::{MatchConfig, MatchProperties};
use crate::filter::set::FilterSet;
use crate::filter::validate::{Signal, validate};
use crate::format::as_string;

/// The service name Go uses when a resource has no `service.name`.
const NIL_SERVICE_NAME: &str = "<nil-service-name>";

/// The compiled properties of one `include` or `exclude` block.
#[derive(Clone, Debug, Default)]
struct Properties {
    services: Option<FilterSet>,
    span_names: Option<FilterSet>,
    span_kinds: Option<FilterSet>,
    log_bodies: Option<FilterSet>,
    log_severity_texts: Option<FilterSet>,
    log_severity_number: Option<(i32, bool)>,
    metric_names: Option<FilterSet>,
    /// (name, version) filters; all must match.
    libraries: Vec<(FilterSet, Option<FilterSet>)>,
    attributes: AttributesMatcher,
    resources: AttributesMatcher,
}

fn optional_set(items: &[String], match_type: &str, what: &str) -> Result<Option<FilterSet>, MatchError> {
    if items.is_empty() {
        return Ok(None);
    }
    FilterSet::new(items, match_type)
        .map(Some)
        .map_err(|e| e.context(&format!("error creating {what} filters")))
}

impl Properties {
    /// Go's `filtermatcher.NewMatcher`: libraries, attributes, resources.
    fn common(mp: &MatchProperties) -> Result<Self, MatchError> {
        let mt = mp.match_type.as_str();
        let mut libraries = Vec::with_capacity(mp.libraries.len());
        for lib in &mp.libraries {
            let name = FilterSet::new(std::slice::from_ref(&lib.name), mt)
                .map_err(|e| e.context("error creating library name filters"))?;
            let version = match &lib.version {
                Some(v) => Some(
                    FilterSet::new(std::slice::from_ref(v), mt)
                        .map_err(|e| e.context("error creating library version filters"))?,
                ),
                None => None,
            };
            libraries.push((name, version));
        }
        let attributes = AttributesMatcher::new(mt, &mp.attributes)
            .map_err(|e| e.context("error creating attribute filters"))?;
        let resources = AttributesMatcher::new(mt, &mp.resources)
            .map_err(|e| e.context("error creating resource filters"))?;
        Ok(Properties {
            libraries,
            attributes,
            resources,
            ..Default::default()
        })
    }

    fn for_spans(mp: &MatchProperties) -> Result<Self, MatchError> {
        validate(mp, Signal::Spans)?;
        let mt = mp.match_type.as_str();
        let mut p = Properties::common(mp)?;
        p.services = optional_set(&mp.services, mt, "service name")?;
        p.span_names = optional_set(&mp.span_names, mt, "span name")?;
        p.span_kinds = optional_set(&mp.span_kinds, mt, "span kind")?;
        Ok(p)
    }

    fn for_logs(mp: &MatchProperties) -> Result<Self, MatchError> {
        validate(mp, Signal::Logs)?;
        let mt = mp.match_type.as_str();
        let mut p = Properties::common(mp)?;
        p.log_bodies = optional_set(&mp.log_bodies, mt, "log record body")?;
        p.log_severity_texts = optional_set(&mp.log_severity_texts, mt, "log record severity text")?;
        p.log_severity_number = mp
            .log_severity_number
            .as_ref()
            .map(|n| (n.min, n.match_undefined));
        Ok(p)
    }

    /// Go's `filtermetric` name matcher: only `metric_names` is matched; a
    /// block without metric names matches nothing and so filters nothing.
    fn for_metrics(mp: &MatchProperties) -> Result<Option<Self>, MatchError> {
        validate(mp, Signal::Metrics)?;
        if mp.metric_names.is_empty() {
            return Ok(None);
        }
        let metric_names = Some(FilterSet::new(&mp.metric_names, &mp.match_type)?);
        Ok(Some(Properties {
            metric_names,
            ..Default::default()
        }))
    }

    /// Libraries, resource attributes, then item attributes.
    fn common_match(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        item_attrs: &[KeyValue],
    ) -> bool {
        let (name, version) = scope.map_or(("", ""), |s| (s.name.as_str(), s.version.as_str()));
        for (n, v) in &self.libraries {
            if !n.matches(name) || v.as_ref().is_some_and(|v| !v.matches(version)) {
                return false;
            }
        }
        if !self.resources.is_empty() && !self.resources.matches(resource.map_or(&[], |r| &r.attributes)) {
            return false;
        }
        self.attributes.matches(item_attrs)
    }

    fn matches_span(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        span: &Span,
    ) -> bool {
        if let Some(f) = &self.services {
            let service = resource
                .and_then(|r| attrs::get(&r.attributes, "service.name"))
                .map(|kv| as_string(kv.value.as_ref().unwrap_or(&AnyValue::default())));
            if !f.matches(service.as_deref().unwrap_or(NIL_SERVICE_NAME)) {
                return false;
            }
        }
        if self.span_names.as_ref().is_some_and(|f| !f.matches(&span.name)) {
            return false;
        }
        if let Some(f) = &self.span_kinds {
            let kind = SpanKind::try_from(span.kind).map_or("", |k| k.as_str_name());
            if !f.matches(kind) {
                return false;
            }
        }
        self.common_match(resource, scope, &span.attributes)
    }

    fn matches_log(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        log: &LogRecord,
    ) -> bool {
        if let Some(f) = &self.log_bodies {
            if !f.matches(&log.body.as_ref().map(as_string).unwrap_or_default()) {
                return false;
            }
        }
        if self
            .log_severity_texts
            .as_ref()
            .is_some_and(|f| !f.matches(&log.severity_text))
        {
            return false;
        }
        if let Some((min, match_undefined)) = self.log_severity_number {
            let matched = if log.severity_number == 0 {
                match_undefined
            } else {
                log.severity_number >= min
            };
            if !matched {
                return false;
            }
        }
        self.common_match(resource, scope, &log.attributes)
    }

    fn matches_metric(&self, metric: &Metric) -> bool {
        self.metric_names.as_ref().is_none_or(|f| f.matches(&metric.name))
    }
}

const INCLUDE: &str = "include";
const EXCLUDE: &str = "exclude";

/// Builds one block, tagging an error with the block's name.
fn build<P>(
    block: Option<&MatchProperties>,
    name: &'static str,
    f: fn(&MatchProperties) -> Result<P, MatchError>,
) -> Result<Option<P>, MatchError> {
    block.map(f).transpose().map_err(|e| e.in_block(name))
}

/// Decides which items the processor acts on: an item is processed when it
/// matches `include` (if set) and does not match `exclude` (if set); include
/// is checked first. Build one per signal with [`Matcher::for_spans`],
/// [`Matcher::for_logs`] or [`Matcher::for_metrics`]; the `matches_*`
/// methods return true for items to process.
#[derive(Clone, Debug, Default)]
pub struct Matcher {
    include: Option<Properties>,
    exclude: Option<Properties>,
}

impl Matcher {
    /// A matcher for spans (Go `filterspan`).
    pub fn for_spans(cfg: &MatchConfig) -> Result<Self, MatchError> {
        Ok(Matcher {
            include: build(cfg.include.as_ref(), INCLUDE, Properties::for_spans)?,
            exclude: build(cfg.exclude.as_ref(), EXCLUDE, Properties::for_spans)?,
        })
    }

    /// A matcher for log records (Go `filterlog`).
    pub fn for_logs(cfg: &MatchConfig) -> Result<Self, MatchError> {
        Ok(Matcher {
            include: build(cfg.include.as_ref(), INCLUDE, Properties::for_logs)?,
            exclude: build(cfg.exclude.as_ref(), EXCLUDE, Properties::for_logs)?,
        })
    }

    /// A matcher for metrics (Go `filtermetric`): metric names only.
    pub fn for_metrics(cfg: &MatchConfig) -> Result<Self, MatchError> {
        Ok(Matcher {
            include: cfg
                .include
                .as_ref()
                .map(Properties::for_metrics)
                .transpose()?
                .flatten(),
            exclude: cfg
                .exclude
                .as_ref()
                .map(Properties::for_metrics)
                .transpose()?
                .flatten(),
        })
    }

    /// True when every item is processed (no effective include or exclude).
    pub fn matches_everything(&self) -> bool {
        self.include.is_none() && self.exclude.is_none()
    }

    fn decide(&self, matches: impl Fn(&Properties) -> bool) -> bool {
        self.include.as_ref().is_none_or(&matches) && !self.exclude.as_ref().is_some_and(&matches)
    }

    /// True if `span` (with its resource and scope) is to be processed.
    pub fn matches_span(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        span: &Span,
    ) -> bool {
        self.decide(|p| p.matches_span(resource, scope, span))
    }

    /// True if `log` (with its resource and scope) is to be processed.
    pub fn matches_log(
        &self,
        resource: Option<&Resource>,
        scope: Option<&InstrumentationScope>,
        log: &LogRecord,
    ) -> bool {
        self.decide(|p| p.matches_log(resource, scope, log))
    }

    /// True if the data points of `metric` are to be processed. The resource
    /// and scope are accepted for symmetry; Go matches metrics by name only.
    pub fn matches_metric(
        &self,
        _resource: Option<&Resource>,
        _scope: Option<&InstrumentationScope>,
        metric: &Metric,
    ) -> bool {
        self.decide(|p| p.matches_metric(metric))
    }

    /// True if `item` (a span, metric or log record, with its resource and
    /// scope) is to be processed: the signal-generic form of the three above.
    pub fn matches_item(&self, resource: ResourceRef<'_>, scope: ScopeRef<'_>, item: &ItemMut<'_>) -> bool {
        match item {
            ItemMut::Span(s) => self.matches_span(resource.resource, scope.scope, s),
            ItemMut::Metric(m) => self.matches_metric(resource.resource, scope.scope, m),
            ItemMut::Log(l) => self.matches_log(resource.resource, scope.scope, l),
            _ => false,
        }
    }
}
