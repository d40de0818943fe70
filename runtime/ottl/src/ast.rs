//! The syntax tree a condition parses to, before its paths are resolved
//! against a context.

/// A boolean expression.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum BoolExpr {
    /// Any of the operands.
    Or(Vec<BoolExpr>),
    /// All of the operands.
    And(Vec<BoolExpr>),
    /// The negation.
    Not(Box<BoolExpr>),
    /// `true` or `false`.
    Const(bool),
    /// `left op right`.
    Cmp {
        /// Left operand.
        left: ValueExpr,
        /// Operator.
        op: CmpOp,
        /// Right operand.
        right: ValueExpr,
    },
    /// A converter returning a boolean.
    Call(Call),
}

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CmpOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl CmpOp {
    pub(crate) fn from_str(s: &str) -> Option<Self> {
        Some(match s {
            "==" => CmpOp::Eq,
            "!=" => CmpOp::Ne,
            "<" => CmpOp::Lt,
            "<=" => CmpOp::Le,
            ">" => CmpOp::Gt,
            ">=" => CmpOp::Ge,
            _ => return None,
        })
    }
}

/// A value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum ValueExpr {
    /// `nil`
    Nil,
    /// `true` / `false`
    Bool(bool),
    /// An integer literal.
    Int(i64),
    /// A float literal.
    Float(f64),
    /// A string literal.
    Str(String),
    /// A byte-slice literal.
    Bytes(Vec<u8>),
    /// An enum symbol (`SPAN_KIND_SERVER`) at a byte offset.
    Enum(String, usize),
    /// A path.
    Path(RawPath),
    /// A converter call.
    Call(Call),
    /// A list literal `[a, b]`, at a byte offset.
    List(Vec<ValueExpr>, usize),
}

/// A converter call `Name(args...)`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Call {
    /// The converter's name.
    pub(crate) name: String,
    /// Positional arguments.
    pub(crate) args: Vec<ValueExpr>,
    /// Byte offset of the name.
    pub(crate) pos: usize,
}

/// A path as written: `resource.attributes["k"]` is two segments.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct RawPath {
    /// The dot-separated segments.
    pub(crate) segments: Vec<Segment>,
    /// Byte offset of the path.
    pub(crate) pos: usize,
}

impl RawPath {
    /// The path as written, for messages.
    pub(crate) fn text(&self) -> String {
        self.segments
            .iter()
            .map(|s| {
                let keys: String = s
                    .keys
                    .iter()
                    .map(|k| match k {
                        Key::Str(s) => format!("[{s:?}]"),
                        Key::Int(i) => format!("[{i}]"),
                    })
                    .collect();
                format!("{}{keys}", s.name)
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// One path segment with its index keys.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Segment {
    /// The field name.
    pub(crate) name: String,
    /// `["k"]` / `[0]` keys following it.
    pub(crate) keys: Vec<Key>,
}

/// An index key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Key {
    /// `["k"]`
    Str(String),
    /// `[0]`
    Int(i64),
}

/// Calls `f` on every path of the expression.
pub(crate) fn for_each_path<'a>(e: &'a BoolExpr, f: &mut impl FnMut(&'a RawPath)) {
    match e {
        BoolExpr::Or(v) | BoolExpr::And(v) => v.iter().for_each(|e| for_each_path(e, f)),
        BoolExpr::Not(e) => for_each_path(e, f),
        BoolExpr::Const(_) => {}
        BoolExpr::Cmp { left, right, .. } => {
            value_paths(left, f);
            value_paths(right, f);
        }
        BoolExpr::Call(c) => c.args.iter().for_each(|a| value_paths(a, f)),
    }
}

fn value_paths<'a>(v: &'a ValueExpr, f: &mut impl FnMut(&'a RawPath)) {
    match v {
        ValueExpr::Path(p) => f(p),
        ValueExpr::Call(c) => c.args.iter().for_each(|a| value_paths(a, f)),
        ValueExpr::List(items, _) => items.iter().for_each(|a| value_paths(a, f)),
        _ => {}
    }
}

/// Calls `f` with the name of every converter of the expression.
pub(crate) fn for_each_call<'a>(e: &'a BoolExpr, f: &mut impl FnMut(&'a Call)) {
    fn value<'a>(v: &'a ValueExpr, f: &mut impl FnMut(&'a Call)) {
        match v {
            ValueExpr::Call(c) => {
                f(c);
                c.args.iter().for_each(|a| value(a, f));
            }
            ValueExpr::List(items, _) => items.iter().for_each(|a| value(a, f)),
            _ => {}
        }
    }
    match e {
        BoolExpr::Or(v) | BoolExpr::And(v) => v.iter().for_each(|e| for_each_call(e, f)),
        BoolExpr::Not(e) => for_each_call(e, f),
        BoolExpr::Const(_) => {}
        BoolExpr::Cmp { left, right, .. } => {
            value(left, f);
            value(right, f);
        }
        BoolExpr::Call(c) => {
            f(c);
            c.args.iter().for_each(|a| value(a, f));
        }
    }
}

/// A statement as written: `editor(args) where condition`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StatementAst {
    /// The editor call (lower-case name).
    pub(crate) editor: Call,
    /// The `where` clause.
    pub(crate) condition: Option<BoolExpr>,
}

impl StatementAst {
    /// Calls `f` on every path of the statement (editor arguments and `where` clause).
    pub(crate) fn for_each_path<'a>(&'a self, f: &mut impl FnMut(&'a RawPath)) {
        self.editor.args.iter().for_each(|a| value_paths(a, f));
        if let Some(c) = &self.condition {
            for_each_path(c, f);
        }
    }

    /// Calls `f` on every converter of the statement (the editor excluded).
    pub(crate) fn for_each_call<'a>(&'a self, f: &mut impl FnMut(&'a Call)) {
        fn value<'a>(v: &'a ValueExpr, f: &mut impl FnMut(&'a Call)) {
            match v {
                ValueExpr::Call(c) => {
                    f(c);
                    c.args.iter().for_each(|a| value(a, f));
                }
                ValueExpr::List(items, _) => items.iter().for_each(|a| value(a, f)),
                _ => {}
            }
        }
        self.editor.args.iter().for_each(|a| value(a, f));
        if let Some(c) = &self.condition {
            for_each_call(c, f);
        }
    }
}
