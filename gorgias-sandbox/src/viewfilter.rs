//! View filters: the JS-like expressions Gorgias views carry, e.g.
//! `eq(ticket.assignee_user.id, '{{current_user.id}}') && eq(ticket.status, 'open')`.
//!
//! Grammar: `or := and ('||' and)*`, `and := atom ('&&' atom)*`,
//! `atom := '(' or ')' | name '(' ticket.path [',' literal] ')'`; literals are quoted strings,
//! numbers, `true`/`false`/`null` or `[literal, ...]`. Functions: `eq`, `neq`, `gt`, `gte`,
//! `lt`, `lte`, `contains`, `notContains`, `containsAny`, `containsAll`, `isEmpty`,
//! `isNotEmpty`. `{{current_user.id}}` is the caller's user id.

use crate::store::collection::{Collection, FieldKind, FieldVal};
use crate::time;

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

fn lex(s: &str) -> Result<Vec<Tok>, String> {
    let c: Vec<char> = s.chars().collect();
    let mut i = 0;
    let mut out = Vec::new();
    while i < c.len() {
        let ch = c[i];
        match ch {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Tok::LParen);
                i += 1
            }
            ')' => {
                out.push(Tok::RParen);
                i += 1
            }
            '[' => {
                out.push(Tok::LBracket);
                i += 1
            }
            ']' => {
                out.push(Tok::RBracket);
                i += 1
            }
            ',' => {
                out.push(Tok::Comma);
                i += 1
            }
            '&' if c.get(i + 1) == Some(&'&') => {
                out.push(Tok::And);
                i += 2
            }
            '|' if c.get(i + 1) == Some(&'|') => {
                out.push(Tok::Or);
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
                out.push(Tok::Str(v));
                i = j + 1;
            }
            c0 if c0.is_ascii_digit() || c0 == '-' => {
                let mut j = i + 1;
                while j < c.len() && (c[j].is_ascii_digit() || c[j] == '.') {
                    j += 1;
                }
                out.push(Tok::Num(c[i..j].iter().collect()));
                i = j;
            }
            c0 if c0.is_alphanumeric() || c0 == '_' => {
                let mut j = i;
                while j < c.len() && (c[j].is_alphanumeric() || c[j] == '_' || c[j] == '.') {
                    j += 1;
                }
                out.push(Tok::Ident(c[i..j].iter().collect()));
                i = j;
            }
            other => return Err(format!("unexpected character {other:?}")),
        }
    }
    Ok(out)
}

struct Parser<'a> {
    toks: Vec<Tok>,
    pos: usize,
    col: &'a Collection,
    user_id: i64,
}

/// Ticket paths a filter may use, mapped to collection fields.
fn field_for(path: &str) -> Option<&'static str> {
    let p = path.strip_prefix("ticket.")?;
    Some(match p {
        "status" => "status",
        "channel" => "channel",
        "via" => "via",
        "priority" => "priority",
        "language" => "language",
        "external_id" => "external_id",
        "subject" => "subject",
        "customer.id" | "customer_id" => "customer.id",
        "customer.email" => "customer.email",
        "assignee_user.id" | "assignee_user_id" | "assignee_user" => "assignee_user.id",
        "assignee_team.id" | "assignee_team_id" | "assignee_team" => "assignee_team.id",
        "spam" => "spam",
        "is_unread" => "is_unread",
        "from_agent" => "from_agent",
        "messages_count" => "messages_count",
        "tags.id" => "tags.*.id",
        "tags" | "tags.name" => "tags.*.name",
        "created_datetime" => "created_datetime",
        "updated_datetime" => "updated_datetime",
        "opened_datetime" => "opened_datetime",
        "last_message_datetime" => "last_message_datetime",
        "last_received_message_datetime" => "last_received_message_datetime",
        "closed_datetime" => "closed_datetime",
        "snooze_datetime" => "snooze_datetime",
        "trashed_datetime" => "trashed_datetime",
        _ => return None,
    })
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
                let fname = field_for(&path).ok_or_else(|| format!("unsupported field {path}"))?;
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

/// Compiles a filter for the ticket collection; `user_id` fills `{{current_user.id}}`.
pub fn compile(filters: &str, tickets: &Collection, user_id: i64) -> Result<Expr, String> {
    if filters.trim().is_empty() {
        return Ok(Expr::All);
    }
    let toks = lex(filters)?;
    let mut p = Parser {
        toks,
        pos: 0,
        col: tickets,
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
