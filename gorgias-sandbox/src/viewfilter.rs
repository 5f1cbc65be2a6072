//! View filters: the JS-like expressions Gorgias views carry, e.g.
//! `eq(ticket.assignee_user.id, "{{current_user.id}}") && eq(ticket.status, "open")`
//! (recorded: Nango test list-views), compiled against the listed collection, and their
//! ESTree form (`filters_ast`).
//!
//! Grammar: `or := and ('||' and)*`, `and := atom ('&&' atom)*`,
//! `atom := '(' or ')' | name '(' path [',' literal] ')'`; literals are quoted strings,
//! numbers, `true`/`false`/`null` or `[literal, ...]`. Functions: `eq`, `neq`, `gt`, `gte`,
//! `lt`, `lte`, `contains`, `notContains`, `containsAny`, `containsAll`, `isEmpty`,
//! `isNotEmpty`. `{{current_user.id}}` is the caller's user id. Which paths exist is the
//! listed object's business ([`FieldFor`]).

use crate::store::collection::{Collection, FieldKind, FieldVal};
use crate::time;
use serde_json::{Value, json};

/// Maps a filter path (e.g. `ticket.status`) to the name of an extracted field of the listed
/// collection.
pub type FieldFor = fn(&str) -> Option<&'static str>;

/// A compiled filter, evaluated against ticket records.
#[derive(Debug, Clone)]
pub enum Expr {
    /// Matches everything (empty filter).
    All,
    /// Both.
    And(Box<Expr>, Box<Expr>),
    /// Either.
    Or(Box<Expr>, Box<Expr>),
    /// A comparison of one extracted field.
    Test {
        /// Function name.
        op: Op,
        /// Field position in the ticket collection.
        field: usize,
        /// Operand(s), already converted to the field's kind.
        values: Vec<FieldVal>,
    },
}

/// Filter functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// Equal.
    Eq,
    /// Not equal.
    Neq,
    /// Greater than.
    Gt,
    /// Greater or equal.
    Gte,
    /// Less than.
    Lt,
    /// Less or equal.
    Lte,
    /// Substring or list membership.
    Contains,
    /// Negated `Contains`.
    NotContains,
    /// Any operand matches.
    ContainsAny,
    /// Every operand matches.
    ContainsAll,
    /// Null or empty.
    IsEmpty,
    /// Not null nor empty.
    IsNotEmpty,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    And,
    Or,
}

/// Tokens with their character span.
fn lex(s: &str) -> Result<Vec<(Tok, usize, usize)>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out: Vec<(Tok, usize, usize)> = Vec::new();
    while i < c.len() {
        let ch = c[i];
        let start = i;
        let before = out.len();
        match ch {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push((Tok::LParen, 0, 0));
                i += 1
            }
            ')' => {
                out.push((Tok::RParen, 0, 0));
                i += 1
            }
            '[' => {
                out.push((Tok::LBracket, 0, 0));
                i += 1
            }
            ']' => {
                out.push((Tok::RBracket, 0, 0));
                i += 1
            }
            ',' => {
                out.push((Tok::Comma, 0, 0));
                i += 1
            }
            '&' if c.get(i + 1) == Some(&'&') => {
                out.push((Tok::And, 0, 0));
                i += 2
            }
            '|' if c.get(i + 1) == Some(&'|') => {
                out.push((Tok::Or, 0, 0));
                i += 2
            }
            '\'' | '"' => {
                let q = ch;
                let mut j = i + 1;
                let mut v = String::new();
                while j < c.len() && c[j] != q {
                    if c[j] == '\\' && j + 1 < c.len() {
                        j += 1;
                    }
                    v.push(c[j]);
                    j += 1;
                }
                if j >= c.len() {
                    return Err("unterminated string".into());
                }
                out.push((Tok::Str(v), 0, 0));
                i = j + 1;
            }
            c0 if c0.is_ascii_digit() || c0 == '-' => {
                let mut j = i + 1;
                while j < c.len() && (c[j].is_ascii_digit() || c[j] == '.') {
                    j += 1;
                }
                out.push((Tok::Num(c[i..j].iter().collect()), 0, 0));
                i = j;
            }
            c0 if c0.is_alphanumeric() || c0 == '_' => {
                let mut j = i;
                while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_' || c[j] == '.') {
                    j += 1;
                }
                out.push((Tok::Ident(c[i..j].iter().collect()), 0, 0));
                i = j;
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
        if out.len() > before
            && let Some(last) = out.last_mut()
        {
            last.1 = start;
            last.2 = i;
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    col: &'a Collection,
    field_for: FieldFor,
    user_id: i64,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn expect(&mut self, t: &Tok) -> Result<(), String> {
        match self.next() {
            Some(ref x) if x == t => Ok(()),
            other => Err(format!("expected {t:?}, found {other:?}")),
        }
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            left = Expr::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.atom()?;
        while self.peek() == Some(&Tok::And) {
            self.pos += 1;
            left = Expr::And(Box::new(left), Box::new(self.atom()?));
        }
        Ok(left)
    }

    fn atom(&mut self) -> Result<Expr, String> {
        match self.next() {
            Some(Tok::LParen) => {
                let e = self.or()?;
                self.expect(&Tok::RParen)?;
                Ok(e)
            }
            Some(Tok::Ident(name)) => {
                let op = match name.as_str() {
                    "eq" => Op::Eq,
                    "neq" => Op::Neq,
                    "gt" => Op::Gt,
                    "gte" => Op::Gte,
                    "lt" => Op::Lt,
                    "lte" => Op::Lte,
                    "contains" => Op::Contains,
                    "notContains" => Op::NotContains,
                    "containsAny" => Op::ContainsAny,
                    "containsAll" => Op::ContainsAll,
                    "isEmpty" => Op::IsEmpty,
                    "isNotEmpty" => Op::IsNotEmpty,
                    other => return Err(format!("unknown function {other}")),
                };
                self.expect(&Tok::LParen)?;
                let path = match self.next() {
                    Some(Tok::Ident(p)) => p,
                    other => return Err(format!("expected a ticket field, found {other:?}")),
                };
                let fname =
                    (self.field_for)(&path).ok_or_else(|| format!("unsupported field {path}"))?;
                let field = self
                    .col
                    .field(fname)
                    .ok_or_else(|| format!("unsupported field {path}"))?;
                let mut raw = Vec::new();
                if self.peek() == Some(&Tok::Comma) {
                    self.pos += 1;
                    self.literal(&mut raw)?;
                }
                self.expect(&Tok::RParen)?;
                let kind = self.col.spec().fields[field].kind;
                let values = raw
                    .into_iter()
                    .map(|r| convert(&r, kind, self.user_id))
                    .collect::<Result<Vec<_>, _>>()?;
                if values.is_empty() && !matches!(op, Op::IsEmpty | Op::IsNotEmpty) {
                    return Err(format!("{name} needs a value"));
                }
                Ok(Expr::Test { op, field, values })
            }
            other => Err(format!("unexpected {other:?}")),
        }
    }

    fn literal(&mut self, out: &mut Vec<Option<String>>) -> Result<(), String> {
        match self.next() {
            Some(Tok::Str(s) | Tok::Num(s)) => out.push(Some(s)),
            Some(Tok::Ident(s)) if s == "true" || s == "false" => out.push(Some(s)),
            Some(Tok::Ident(s)) if s == "null" => out.push(None),
            Some(Tok::LBracket) => loop {
                if self.peek() == Some(&Tok::RBracket) {
                    self.pos += 1;
                    break;
                }
                self.literal(out)?;
                match self.next() {
                    Some(Tok::Comma) => {}
                    Some(Tok::RBracket) => break,
                    other => return Err(format!("expected , or ] found {other:?}")),
                }
            },
            other => return Err(format!("expected a value, found {other:?}")),
        }
        Ok(())
    }
}

fn convert(raw: &Option<String>, kind: FieldKind, user_id: i64) -> Result<FieldVal, String> {
    let Some(s) = raw else {
        return Ok(FieldVal::Null);
    };
    let s = s.replace("{{current_user.id}}", &user_id.to_string());
    Ok(match kind {
        FieldKind::Int => FieldVal::Int(s.parse().map_err(|_| format!("not an integer: {s}"))?),
        FieldKind::Time => {
            FieldVal::Int(time::parse(&s).ok_or_else(|| format!("not a datetime: {s}"))?)
        }
        FieldKind::Bool => FieldVal::Bool(s == "true"),
        FieldKind::Rank(names) => FieldVal::Int(
            names
                .iter()
                .position(|n| *n == s)
                .ok_or_else(|| format!("unknown value {s}"))? as i64,
        ),
        FieldKind::Str | FieldKind::List => FieldVal::Str(s.into()),
    })
}

/// Compiles a filter for a collection whose paths `field_for` maps; `user_id` fills
/// `{{current_user.id}}`.
pub fn compile(
    filters: &str,
    col: &Collection,
    field_for: FieldFor,
    user_id: i64,
) -> Result<Expr, String> {
    if filters.trim().is_empty() {
        return Ok(Expr::All);
    }
    let toks = lex(filters)?.into_iter().map(|(t, _, _)| t).collect();
    let mut p = Parser {
        toks,
        pos: 0,
        col,
        field_for,
        user_id,
    };
    let e = p.or()?;
    if p.pos != p.toks.len() {
        return Err("trailing input".into());
    }
    Ok(e)
}

fn eq(a: &FieldVal, b: &FieldVal) -> bool {
    match (a, b) {
        (FieldVal::List(xs), FieldVal::Str(s)) => xs.iter().any(|x| **x == **s),
        _ => a == b,
    }
}

fn cmp(a: &FieldVal, b: &FieldVal) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (FieldVal::Int(x), FieldVal::Int(y)) => Some(x.cmp(y)),
        (FieldVal::Str(x), FieldVal::Str(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

fn contains(a: &FieldVal, b: &FieldVal) -> bool {
    match (a, b) {
        (FieldVal::Str(x), FieldVal::Str(y)) => x.to_lowercase().contains(&y.to_lowercase()),
        _ => eq(a, b),
    }
}

impl Expr {
    /// Whether a ticket's fields match.
    pub fn matches(&self, fields: &[FieldVal]) -> bool {
        match self {
            Expr::All => true,
            Expr::And(a, b) => a.matches(fields) && b.matches(fields),
            Expr::Or(a, b) => a.matches(fields) || b.matches(fields),
            Expr::Test { op, field, values } => {
                let v = &fields[*field];
                let first = values.first().unwrap_or(&FieldVal::Null);
                let empty =
                    matches!(v, FieldVal::Null) || matches!(v, FieldVal::List(l) if l.is_empty());
                match op {
                    Op::Eq => eq(v, first),
                    Op::Neq => !eq(v, first),
                    Op::Gt => cmp(v, first).is_some_and(|o| o.is_gt()),
                    Op::Gte => cmp(v, first).is_some_and(|o| o.is_ge()),
                    Op::Lt => cmp(v, first).is_some_and(|o| o.is_lt()),
                    Op::Lte => cmp(v, first).is_some_and(|o| o.is_le()),
                    Op::Contains => contains(v, first),
                    Op::NotContains => !contains(v, first),
                    Op::ContainsAny => values.iter().any(|x| eq(v, x) || contains(v, x)),
                    Op::ContainsAll => values.iter().all(|x| eq(v, x) || contains(v, x)),
                    Op::IsEmpty => empty,
                    Op::IsNotEmpty => !empty,
                }
            }
        }
    }
}

/// A `loc` object (1-based lines, 0-based columns) for a character span of `src`.
fn loc(src: &[char], start: usize, end: usize) -> Value {
    let at = |o: usize| {
        let before = &src[..o.min(src.len())];
        let line = 1 + before.iter().filter(|c| **c == '\n').count();
        let col = before.iter().rev().take_while(|c| **c != '\n').count();
        json!({ "line": line, "column": col })
    };
    json!({ "end": at(end), "start": at(start) })
}

struct AstParser<'a> {
    src: &'a [char],
    toks: Vec<(Tok, usize, usize)>,
    pos: usize,
}

impl AstParser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos).map(|t| &t.0)
    }

    fn next(&mut self) -> Option<(Tok, usize, usize)> {
        let t = self.toks.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// Returns the node and its span.
    fn logical(
        &mut self,
        op: Tok,
        text: &str,
        sub: fn(&mut Self) -> Option<(Value, usize, usize)>,
    ) -> Option<(Value, usize, usize)> {
        let (mut left, start, mut end) = sub(self)?;
        while self.peek() == Some(&op) {
            self.pos += 1;
            let (right, _, e) = sub(self)?;
            end = e;
            left = json!({
                "loc": loc(self.src, start, end),
                "left": left,
                "type": "LogicalExpression",
                "right": right,
                "operator": text,
            });
        }
        Some((left, start, end))
    }

    fn or(&mut self) -> Option<(Value, usize, usize)> {
        self.logical(Tok::Or, "||", Self::and)
    }

    fn and(&mut self) -> Option<(Value, usize, usize)> {
        self.logical(Tok::And, "&&", Self::atom)
    }

    fn atom(&mut self) -> Option<(Value, usize, usize)> {
        match self.next()? {
            (Tok::LParen, _, _) => {
                let inner = self.or()?;
                matches!(self.next()?, (Tok::RParen, _, _)).then_some(inner)
            }
            (Tok::Ident(name), s, e) => {
                let callee =
                    json!({ "loc": loc(self.src, s, e), "name": name, "type": "Identifier" });
                if !matches!(self.next()?, (Tok::LParen, _, _)) {
                    return None;
                }
                let mut args = Vec::new();
                loop {
                    match self.peek()? {
                        Tok::RParen => {
                            let (_, _, end) = self.next()?;
                            let node = json!({
                                "loc": loc(self.src, s, end),
                                "type": "CallExpression",
                                "callee": callee,
                                "arguments": args,
                            });
                            return Some((node, s, end));
                        }
                        Tok::Comma => self.pos += 1,
                        _ => args.push(self.value()?),
                    }
                }
            }
            _ => None,
        }
    }

    fn value(&mut self) -> Option<Value> {
        match self.next()? {
            (Tok::Ident(path), s, e) if path != "true" && path != "false" && path != "null" => {
                Some(member(self.src, &path, s, e))
            }
            (Tok::LBracket, s, _) => {
                let mut elements = Vec::new();
                loop {
                    match self.peek()? {
                        Tok::RBracket => {
                            let (_, _, end) = self.next()?;
                            return Some(json!({
                                "loc": loc(self.src, s, end),
                                "type": "ArrayExpression",
                                "elements": elements,
                            }));
                        }
                        Tok::Comma => self.pos += 1,
                        _ => elements.push(self.value()?),
                    }
                }
            }
            (tok, s, e) => {
                let raw: String = self.src[s..e].iter().collect();
                let value = match tok {
                    Tok::Str(v) => Value::String(v),
                    Tok::Num(n) => serde_json::from_str(&n).unwrap_or(Value::Null),
                    Tok::Ident(b) if b == "true" => Value::Bool(true),
                    Tok::Ident(b) if b == "false" => Value::Bool(false),
                    _ => Value::Null,
                };
                Some(
                    json!({ "loc": loc(self.src, s, e), "raw": raw, "type": "Literal", "value": value }),
                )
            }
        }
    }
}

/// `a.b.c` as nested `MemberExpression`s.
fn member(src: &[char], path: &str, start: usize, end: usize) -> Value {
    let mut parts = path.split('.');
    let first = parts.next().unwrap_or_default();
    let mut at = start + first.chars().count();
    let mut node = json!({ "loc": loc(src, start, at), "name": first, "type": "Identifier" });
    for p in parts {
        let s = at + 1;
        at = s + p.chars().count();
        let prop = json!({ "loc": loc(src, s, at), "name": p, "type": "Identifier" });
        node = json!({
            "loc": loc(src, start, at.min(end)),
            "type": "MemberExpression",
            "object": node,
            "computed": false,
            "property": prop,
        });
    }
    node
}

/// The ESTree `Program` of a filter, as views carry it in `filters_ast` (recorded: Nango test
/// list-views: `""` gives an empty body with a zero `loc`). Unparsable input gives an empty
/// program.
pub fn ast(filters: &str) -> Value {
    let empty =
        |l: Value| json!({ "loc": l, "body": [], "type": "Program", "sourceType": "script" });
    let zero = json!({ "end": { "line": 0, "column": 0 }, "start": { "line": 0, "column": 0 } });
    if filters.trim().is_empty() {
        return empty(zero);
    }
    let src: Vec<char> = filters.chars().collect();
    let Ok(toks) = lex(filters) else {
        return empty(zero);
    };
    let mut p = AstParser {
        src: &src,
        toks,
        pos: 0,
    };
    match p.or() {
        Some((expr, _, _)) if p.pos == p.toks.len() => json!({
            "loc": loc(&src, 0, src.len()),
            "body": [{
                "loc": loc(&src, 0, src.len()),
                "type": "ExpressionStatement",
                "expression": expr,
            }],
            "type": "Program",
            "sourceType": "script",
        }),
        _ => empty(loc(&src, 0, src.len())),
    }
}
