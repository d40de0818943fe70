//! A boolean-condition subset of the OpenTelemetry Transformation Language
//! (OTTL), as the filter processor and the routing connector use it: a lexer, a parser to a syntax
//! tree, and an evaluator that reads the OTLP protobuf types in place.
//!
//! Conditions are parsed and compiled against a [`ContextKind`] once, at
//! config validation; evaluation never parses and never clones an item.

mod ast;
mod context;
mod enums;
mod error;
mod eval;
mod fields;
mod lexer;
mod parser;
mod read;
mod value;

#[cfg(test)]
mod tests;

pub use context::{ContextKind, EvalCtx, Point};
pub use error::{EvalError, ParseError};
pub use value::Value;

use ast::{for_each_call, for_each_path};
use eval::{CBool, CONVERTERS, Compiler};

/// A parsed, compiled condition for one context.
#[derive(Clone, Debug)]
pub struct Condition {
    expr: CBool,
    source: String,
}

impl Condition {
    /// Parses `src` for context `ctx`. Paths without a context prefix are
    /// fields of `ctx`; prefixed paths may name `ctx` or a context above it.
    pub fn parse(src: &str, ctx: ContextKind) -> Result<Self, ParseError> {
        compile(src, &parser::parse(src)?, ctx, false)
    }

    /// Evaluates the condition on the item in `ctx`.
    pub fn eval(&self, ctx: &EvalCtx<'_>) -> Result<bool, EvalError> {
        eval::eval_bool(&self.expr, ctx)
    }

    /// The condition as written.
    pub fn source(&self) -> &str {
        &self.source
    }
}

fn compile(
    src: &str,
    ast: &ast::BoolExpr,
    ctx: ContextKind,
    require_prefix: bool,
) -> Result<Condition, ParseError> {
    let expr = Compiler { ctx, require_prefix }.boolean(ast)?;
    Ok(Condition {
        expr,
        source: src.to_string(),
    })
}

/// Why a group of conditions was refused: the index of the condition and the error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupError {
    /// Index of the offending condition in the group.
    pub index: usize,
    /// The error.
    pub error: ParseError,
}

/// Parses a group of conditions whose context is inferred from their path
/// prefixes (`resource.`, `scope.`, `span.`...): every path must carry a
/// prefix naming one of `allowed`, and the group is evaluated in the deepest
/// context any of its paths or converters needs.
pub fn parse_inferred(
    conditions: &[String],
    allowed: &[ContextKind],
) -> Result<(ContextKind, Vec<Condition>), GroupError> {
    let mut asts = Vec::with_capacity(conditions.len());
    for (index, src) in conditions.iter().enumerate() {
        asts.push(parser::parse(src).map_err(|error| GroupError { index, error })?);
    }
    let mut deepest: Option<ContextKind> = None;
    let mut deepen = |c: ContextKind| {
        if deepest.is_none_or(|d| c.depth() > d.depth()) {
            deepest = Some(c);
        }
    };
    for (index, ast) in asts.iter().enumerate() {
        let mut failure = None;
        for_each_path(ast, &mut |p| {
            let named = p.segments.first().and_then(|s| ContextKind::from_name(&s.name));
            match named {
                Some(c) if allowed.contains(&c) && p.segments.len() > 1 => deepen(c),
                _ if failure.is_none() => {
                    let names: Vec<String> = allowed.iter().map(|c| format!("\"{}.\"", c.name())).collect();
                    failure = Some(ParseError::new(
                        p.pos,
                        format!(
                            "path {:?} does not start with a context name; expected one of {}",
                            p.text(),
                            names.join(", ")
                        ),
                    ));
                }
                _ => {}
            }
        });
        for_each_call(ast, &mut |c| {
            if let Some((_, Some(needed))) = CONVERTERS.iter().find(|(n, _)| *n == c.name) {
                if allowed.contains(needed) {
                    deepen(*needed);
                }
            }
        });
        if let Some(error) = failure {
            return Err(GroupError { index, error });
        }
    }
    let Some(ctx) = deepest else {
        return Err(GroupError {
            index: 0,
            error: ParseError::new(
                0,
                "unable to infer a context: no path starts with a context name; prefix paths (span.name) or set `context`",
            ),
        });
    };
    let mut out = Vec::with_capacity(asts.len());
    for (index, (src, ast)) in conditions.iter().zip(&asts).enumerate() {
        out.push(compile(src, ast, ctx, true).map_err(|error| GroupError { index, error })?);
    }
    Ok((ctx, out))
}
