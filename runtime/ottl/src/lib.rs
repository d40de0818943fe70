//! A subset of the OpenTelemetry Transformation Language (OTTL): a lexer, a
//! parser to a syntax tree, an evaluator that reads the OTLP protobuf types
//! in place, and statements that write to them.
//!
//! - [`Condition`]: a boolean condition (the filter processor, the routing
//!   and count connectors, tail sampling's `ottl_condition`).
//! - [`Statement`]: `editor(args) where condition` (the transform
//!   processor), run on a [`TransformCtx`] with write access to the item
//!   and everything above it.
//!
//! Conditions and statements are parsed and compiled against a
//! [`ContextKind`] once, at config validation; evaluation never parses.

mod ast;
mod context;
mod convert;
mod enums;
mod error;
mod eval;
mod fields;
mod lexer;
mod metricfn;
mod parser;
mod read;
mod required;
mod statement;
mod time;
mod value;
mod write;

#[cfg(test)]
mod tests;

pub use context::{ContextKind, EvalCtx, Point};
pub use error::{EvalError, ParseError};
pub use required::RequiredBytes;
pub use value::Value;
pub use write::{TransformCtx, TransformItem};

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

    /// The byte strings the protobuf encoding of a request must contain
    /// for the condition to be true on any of its items, when the
    /// condition implies some (see [`RequiredBytes`]); `None` when it may
    /// be true whatever the encoding holds, as far as this can tell.
    pub fn required_bytes(&self) -> Option<RequiredBytes> {
        required::required(&self.expr)
    }

    /// False when evaluating the condition can never fail (it then never
    /// depends on an `error_mode`); true when it may.
    pub fn may_fail(&self) -> bool {
        required::may_fail(&self.expr)
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

/// A parsed, compiled statement (`editor(args) where condition`) for one context.
#[derive(Clone, Debug)]
pub struct Statement {
    stmt: statement::CStatement,
    source: String,
    ctx: ContextKind,
}

impl Statement {
    /// Parses `src` for context `ctx`. Paths without a context prefix are
    /// fields of `ctx`; prefixed paths may name `ctx` or a context above it.
    pub fn parse(src: &str, ctx: ContextKind) -> Result<Self, ParseError> {
        let ast = parser::parse_statement(src)?;
        compile_statement(src, &ast, ctx, false)
    }

    /// Runs the statement on the item of `ctx`: `Ok(true)` when its `where`
    /// clause held (or it has none) and the editor ran, `Ok(false)` when
    /// the clause was false. An error leaves the item as it was before the
    /// failing step (the caller's `error_mode` decides what it means).
    pub fn execute(&self, ctx: &mut TransformCtx<'_>) -> Result<bool, EvalError> {
        statement::execute(&self.stmt, ctx)
    }

    /// The statement as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The context the statement was compiled for.
    pub fn context(&self) -> ContextKind {
        self.ctx
    }
}

fn compile_statement(
    src: &str,
    ast: &ast::StatementAst,
    ctx: ContextKind,
    require_prefix: bool,
) -> Result<Statement, ParseError> {
    let stmt = Compiler { ctx, require_prefix }.statement(ast)?;
    Ok(Statement {
        stmt,
        source: src.to_string(),
        ctx,
    })
}

/// Which list of a statement group an error is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupPart {
    /// The `statements` list.
    Statements,
    /// The `conditions` list.
    Conditions,
}

/// Why a group of statements was refused: the list, the index in it, and the error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{part:?}[{index}]: {error}")]
pub struct StatementGroupError {
    /// The list the offending entry is in.
    pub part: GroupPart,
    /// Index of the offending entry in its list.
    pub index: usize,
    /// The error.
    pub error: ParseError,
}

/// A parsed group of statements and the conditions gating it.
pub type StatementGroup = (ContextKind, Vec<Statement>, Vec<Condition>);

/// Parses a group of statements and its conditions with the context
/// inferred from their path prefixes (`resource.`, `span.`...), as the
/// transform processor's newer config does: every path must carry a prefix
/// naming one of `allowed`, and the group runs in the deepest context any
/// path, converter or editor needs (metric functions need `metric`).
pub fn parse_statements_inferred(
    statements: &[String],
    conditions: &[String],
    allowed: &[ContextKind],
) -> Result<StatementGroup, StatementGroupError> {
    let err = |part, index, error| StatementGroupError { part, index, error };
    let mut s_asts = Vec::with_capacity(statements.len());
    for (i, src) in statements.iter().enumerate() {
        s_asts.push(parser::parse_statement(src).map_err(|e| err(GroupPart::Statements, i, e))?);
    }
    let mut c_asts = Vec::with_capacity(conditions.len());
    for (i, src) in conditions.iter().enumerate() {
        c_asts.push(parser::parse(src).map_err(|e| err(GroupPart::Conditions, i, e))?);
    }
    let mut deepest: Option<ContextKind> = None;
    let mut deepen = |c: ContextKind| {
        if deepest.is_none_or(|d| c.depth() > d.depth()) {
            deepest = Some(c);
        }
    };
    let names: Vec<String> = allowed.iter().map(|c| format!("\"{}.\"", c.name())).collect();
    let check_path =
        |p: &ast::RawPath, failure: &mut Option<ParseError>, deepen: &mut dyn FnMut(ContextKind)| {
            let named = p.segments.first().and_then(|s| ContextKind::from_name(&s.name));
            match named {
                Some(c) if allowed.contains(&c) && p.segments.len() > 1 => deepen(c),
                _ if failure.is_none() => {
                    *failure = Some(ParseError::new(
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
        };
    let needs = |name: &str| {
        CONVERTERS
            .iter()
            .chain(statement::EDITORS)
            .find(|(n, _)| *n == name)
            .and_then(|(_, c)| *c)
    };
    for (i, s) in s_asts.iter().enumerate() {
        let mut failure = None;
        s.for_each_path(&mut |p| check_path(p, &mut failure, &mut deepen));
        if let Some(c) = needs(&s.editor.name).filter(|c| allowed.contains(c)) {
            deepen(c);
        }
        s.for_each_call(&mut |c| {
            if let Some(n) = needs(&c.name).filter(|n| allowed.contains(n)) {
                deepen(n);
            }
        });
        if let Some(e) = failure {
            return Err(err(GroupPart::Statements, i, e));
        }
    }
    for (i, c) in c_asts.iter().enumerate() {
        let mut failure = None;
        for_each_path(c, &mut |p| check_path(p, &mut failure, &mut deepen));
        for_each_call(c, &mut |c| {
            if let Some(n) = needs(&c.name).filter(|n| allowed.contains(n)) {
                deepen(n);
            }
        });
        if let Some(e) = failure {
            return Err(err(GroupPart::Conditions, i, e));
        }
    }
    let Some(ctx) = deepest else {
        return Err(err(
            GroupPart::Statements,
            0,
            ParseError::new(
                0,
                "unable to infer a context: no path starts with a context name; prefix paths (span.name) or set `context`",
            ),
        ));
    };
    let mut out = Vec::with_capacity(s_asts.len());
    for (i, (src, ast)) in statements.iter().zip(&s_asts).enumerate() {
        out.push(compile_statement(src, ast, ctx, true).map_err(|e| err(GroupPart::Statements, i, e))?);
    }
    let mut conds = Vec::with_capacity(c_asts.len());
    for (i, (src, ast)) in conditions.iter().zip(&c_asts).enumerate() {
        conds.push(compile(src, ast, ctx, true).map_err(|e| err(GroupPart::Conditions, i, e))?);
    }
    Ok((ctx, out, conds))
}
