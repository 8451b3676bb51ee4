//! Filter and sort push-down: a [`Filter`] compiled to a parameterised SQL condition over
//! the indexed columns, with exactly the reference evaluator's semantics
//! ([`crate::filter`]): case folding (the columns hold Rust's `to_lowercase` of the value,
//! the parameters are folded the same way), absent values (`ne` and `not` are true on an
//! absent attribute, so every compiled leaf is two-valued: never SQL `NULL`), `pr` (absent,
//! `null` and `""` are not present), code-point order for `gt`/`ge`/`lt`/`le` and
//! date-times compared as instants.
//!
//! Values are always bound as parameters (`$1`, `$2`, ...), never interpolated.

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::AttrPath;
use crate::store::{Pushdown, SortKey, SortOrder};

/// The SQL flavour being generated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dialect {
    /// SQLite 3.35+ (`RETURNING`); `LIKE` is ASCII case-insensitive there, so substring
    /// operators use `instr`/`substr` instead.
    Sqlite,
    /// PostgreSQL 12+; text columns use the `"C"` collation (code-point order).
    #[cfg_attr(not(feature = "postgres"), allow(dead_code))]
    Postgres,
}

/// Which table a filter is compiled for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `scimitar_users`.
    Users,
    /// `scimitar_groups`.
    Groups,
}

impl Kind {
    fn core_urn(self) -> &'static str {
        match self {
            Kind::Users => "urn:ietf:params:scim:schemas:core:2.0:User",
            Kind::Groups => "urn:ietf:params:scim:schemas:core:2.0:Group",
        }
    }
}

/// A bound parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Param {
    /// Text.
    Text(String),
    /// A 64-bit integer (versions, nanosecond timestamps, limits).
    Int(i64),
    /// A boolean.
    Bool(bool),
}

/// A column an attribute path maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Column {
    /// A text column; `fold` when it holds the lower-cased value (`caseExact: false`).
    Text { name: &'static str, fold: bool },
    /// A nullable boolean column.
    Bool(&'static str),
    /// A non-null nanosecond UNIX timestamp.
    Instant(&'static str),
    /// The non-null version number.
    Version,
}

/// The column holding `path`'s value for filtering, if it has one.
pub(crate) fn filter_column(path: &AttrPath, kind: Kind) -> Option<Column> {
    if !path
        .urn()
        .map_or(true, |u| u.eq_ignore_ascii_case(kind.core_urn()))
    {
        return None;
    }
    let name = path.name();
    let is = |n: &str| name.eq_ignore_ascii_case(n);
    match path.sub() {
        None if is("id") => Some(Column::Text {
            name: "id",
            fold: false,
        }),
        None if is("externalId") => Some(Column::Text {
            name: "external_id",
            fold: false,
        }),
        None if kind == Kind::Users && is("userName") => Some(Column::Text {
            name: "user_name_folded",
            fold: true,
        }),
        None if kind == Kind::Users && is("active") => Some(Column::Bool("active")),
        None if kind == Kind::Groups && is("displayName") => Some(Column::Text {
            name: "display_name_folded",
            fold: true,
        }),
        Some(sub) if is("meta") => {
            if sub.eq_ignore_ascii_case("created") {
                Some(Column::Instant("created_ns"))
            } else if sub.eq_ignore_ascii_case("lastModified") {
                Some(Column::Instant("modified_ns"))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The column to sort `path` by, when SQL can order exactly as [`crate::list::Sorter`].
pub(crate) fn sort_column(path: &AttrPath, kind: Kind) -> Option<Column> {
    let is_meta = path.name().eq_ignore_ascii_case("meta")
        && path
            .urn()
            .map_or(true, |u| u.eq_ignore_ascii_case(kind.core_urn()));
    if is_meta
        && path
            .sub()
            .is_some_and(|s| s.eq_ignore_ascii_case("version"))
    {
        return Some(Column::Version);
    }
    filter_column(path, kind)
}

/// How far `filter` compiles (see [`Pushdown`]).
pub(crate) fn pushdown(filter: &Filter, kind: Kind) -> Pushdown {
    let mut c = Compiler::new(kind, Dialect::Sqlite, 0);
    match c.node(filter) {
        Some((_, true)) => Pushdown::Exact,
        Some((_, false)) => Pushdown::Superset,
        None => Pushdown::None,
    }
}

/// A compiled condition: SQL text with `$n` placeholders and their parameters.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Condition {
    /// The SQL condition.
    pub sql: String,
    /// Parameters for `$first..`.
    pub params: Vec<Param>,
    /// Whether the condition selects exactly the matches (else a superset).
    pub exact: bool,
}

/// Compiles `filter`; placeholders are numbered from `first` (the caller's own parameters
/// come before). `None` when no part of the filter narrows the result.
pub(crate) fn compile(
    filter: &Filter,
    kind: Kind,
    dialect: Dialect,
    first: usize,
) -> Option<Condition> {
    let mut c = Compiler::new(kind, dialect, first);
    let (sql, exact) = c.node(filter)?;
    Some(Condition {
        sql,
        params: c.params,
        exact,
    })
}

struct Compiler {
    kind: Kind,
    dialect: Dialect,
    first: usize,
    params: Vec<Param>,
}

const TRUE: &str = "(1 = 1)";
const FALSE: &str = "(1 = 0)";

impl Compiler {
    fn new(kind: Kind, dialect: Dialect, first: usize) -> Self {
        Compiler {
            kind,
            dialect,
            first,
            params: Vec::new(),
        }
    }

    fn param(&mut self, p: Param) -> String {
        self.params.push(p);
        format!("${}", self.first + self.params.len() - 1)
    }

    /// `Some((sql, exact))`, or `None` when the node does not narrow the result (every
    /// parameter it pushed is dropped again).
    fn node(&mut self, f: &Filter) -> Option<(String, bool)> {
        let mark = self.params.len();
        let out = self.node_inner(f);
        if out.is_none() {
            self.params.truncate(mark);
        }
        out
    }

    fn node_inner(&mut self, f: &Filter) -> Option<(String, bool)> {
        match f {
            Filter::Present(path) => Some((self.present(filter_column(path, self.kind)?), true)),
            Filter::Compare(path, op, value) => {
                let col = filter_column(path, self.kind)?;
                Some((self.compare(col, *op, value)?, true))
            }
            Filter::ValuePath(..) => None,
            Filter::Not(inner) => match self.node(inner)? {
                (sql, true) => Some((format!("(NOT {sql})"), true)),
                // NOT of a superset is not a superset of the negation.
                _ => None,
            },
            Filter::And(ops) => {
                let mut parts = Vec::new();
                let mut exact = true;
                for o in ops {
                    match self.node(o) {
                        Some((sql, e)) => {
                            parts.push(sql);
                            exact &= e;
                        }
                        None => exact = false,
                    }
                }
                if parts.is_empty() {
                    return None;
                }
                Some((format!("({})", parts.join(" AND ")), exact))
            }
            Filter::Or(ops) => {
                let mut parts = Vec::new();
                let mut exact = true;
                for o in ops {
                    // One operand without a condition makes the whole `or` unconstrained.
                    let (sql, e) = self.node(o)?;
                    parts.push(sql);
                    exact &= e;
                }
                Some((format!("({})", parts.join(" OR ")), exact))
            }
        }
    }

    fn present(&mut self, col: Column) -> String {
        match col {
            Column::Text { name, .. } => format!("({name} IS NOT NULL AND {name} <> '')"),
            Column::Bool(name) => format!("({name} IS NOT NULL)"),
            Column::Instant(_) | Column::Version => TRUE.to_owned(),
        }
    }

    fn compare(&mut self, col: Column, op: CompareOp, value: &CompValue) -> Option<String> {
        if matches!(value, CompValue::Null) {
            // `eq null` is "has no value", `ne null` "has one"; other operators are
            // rejected by the evaluator's binding before any store call.
            let present = self.present(col);
            return match op {
                CompareOp::Eq => Some(format!("(NOT {present})")),
                CompareOp::Ne => Some(present),
                _ => None,
            };
        }
        let (positive, negate) = match op {
            CompareOp::Ne => (CompareOp::Eq, true),
            other => (other, false),
        };
        let sql = match col {
            Column::Text { name, fold } => self.text(name, fold, positive, value)?,
            Column::Bool(name) => {
                let b = match value {
                    CompValue::Bool(b) => *b,
                    CompValue::String(s) if s.eq_ignore_ascii_case("true") => true,
                    CompValue::String(s) if s.eq_ignore_ascii_case("false") => false,
                    _ => return None,
                };
                if positive != CompareOp::Eq {
                    return None;
                }
                let p = self.param(Param::Bool(b));
                format!("({name} IS NOT NULL AND {name} = {p})")
            }
            Column::Instant(name) => {
                let CompValue::String(s) = value else {
                    return None;
                };
                let nanos = instant_nanos(parse_instant(s)?)?;
                let sym = ordering_symbol(positive)?;
                let p = self.param(Param::Int(nanos));
                format!("({name} {sym} {p})")
            }
            Column::Version => return None,
        };
        Some(if negate { format!("(NOT {sql})") } else { sql })
    }

    fn text(&mut self, name: &str, fold: bool, op: CompareOp, value: &CompValue) -> Option<String> {
        let text = match value {
            CompValue::String(s) => s.clone(),
            // Lenient, as the evaluator: `employeeNumber eq 701984` compares the JSON text.
            CompValue::Number(n) => n.to_string(),
            CompValue::Bool(b) => b.to_string(),
            CompValue::Null => return None,
        };
        let text = if fold { text.to_lowercase() } else { text };
        if let Some((before, _)) = text.split_once('\0') {
            // No column holds U+0000 (the stores refuse it), and the database could not
            // bind it: no value equals, contains, starts or ends with this one, and in
            // code-point order a value without U+0000 is above `before` + U+0000 + rest
            // exactly when it is above `before`.
            let (op, before) = match op {
                CompareOp::Gt | CompareOp::Ge => (CompareOp::Gt, before.to_owned()),
                CompareOp::Lt | CompareOp::Le => (CompareOp::Le, before.to_owned()),
                _ => return Some(FALSE.to_owned()),
            };
            return self.text(name, false, op, &CompValue::String(before));
        }
        let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
        if substring && text.is_empty() {
            // Every string contains, starts and ends with "".
            return Some(format!("({name} IS NOT NULL)"));
        }
        let cond = match (op, self.dialect) {
            (CompareOp::Co | CompareOp::Sw | CompareOp::Ew, Dialect::Postgres) => {
                let escaped = like_escape(&text);
                let pattern = match op {
                    CompareOp::Co => format!("%{escaped}%"),
                    CompareOp::Sw => format!("{escaped}%"),
                    _ => format!("%{escaped}"),
                };
                let p = self.param(Param::Text(pattern));
                format!("{name} LIKE {p} ESCAPE '!'")
            }
            // SQLite's LIKE ignores ASCII case; these are exact (lengths in characters
            // on both sides, so suffixes line up).
            (CompareOp::Co, Dialect::Sqlite) => {
                let p = self.param(Param::Text(text));
                format!("instr({name}, {p}) > 0")
            }
            (CompareOp::Sw, Dialect::Sqlite) => {
                let p = self.param(Param::Text(text));
                format!("substr({name}, 1, length({p})) = {p}")
            }
            (CompareOp::Ew, Dialect::Sqlite) => {
                let p = self.param(Param::Text(text));
                format!(
                    "length({name}) >= length({p}) AND substr({name}, length({name}) - length({p}) + 1) = {p}"
                )
            }
            _ => {
                let sym = ordering_symbol(op)?;
                let p = self.param(Param::Text(text));
                format!("{name} {sym} {p}")
            }
        };
        Some(format!("({name} IS NOT NULL AND {cond})"))
    }
}

fn ordering_symbol(op: CompareOp) -> Option<&'static str> {
    Some(match op {
        CompareOp::Eq => "=",
        CompareOp::Gt => ">",
        CompareOp::Ge => ">=",
        CompareOp::Lt => "<",
        CompareOp::Le => "<=",
        _ => return None,
    })
}

/// Escapes `%`, `_` and the escape character `!` for `LIKE ... ESCAPE '!'`.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// Parses an `xsd:dateTime` as the evaluator does: RFC 3339, or without an offset (UTC).
fn parse_instant(s: &str) -> Option<OffsetDateTime> {
    match OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => Some(t),
        Err(_) if s.len() >= 19 && !s.ends_with(['Z', 'z']) => {
            OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
        }
        Err(_) => None,
    }
}

/// An instant as the nanosecond timestamp stored in `created_ns` / `modified_ns`.
pub(crate) fn instant_nanos(t: OffsetDateTime) -> Option<i64> {
    i64::try_from(t.unix_timestamp_nanos()).ok()
}

/// `ORDER BY` terms for `key`, as [`crate::list::Sorter`] orders: values without data
/// (`NULL`, `""`) last when ascending and first when descending, ties in creation order.
/// `None` when the key has no column (the caller sorts in memory).
pub(crate) fn order_by(key: &SortKey, kind: Kind) -> Option<String> {
    let col = sort_column(&key.path, kind)?;
    let desc = key.order == SortOrder::Descending;
    let dir = if desc { "DESC" } else { "ASC" };
    Some(match col {
        Column::Text { name, .. } => format!(
            "CASE WHEN {name} IS NULL OR {name} = '' THEN 1 ELSE 0 END {dir}, {name} {dir}, seq ASC"
        ),
        Column::Bool(name) => {
            format!("CASE WHEN {name} IS NULL THEN 1 ELSE 0 END {dir}, {name} {dir}, seq ASC")
        }
        Column::Instant(name) => format!("{name} {dir}, seq ASC"),
        Column::Version => format!("version {dir}, seq ASC"),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn c(f: &str, kind: Kind, d: Dialect) -> Option<Condition> {
        compile(&f.parse::<Filter>().unwrap(), kind, d, 2)
    }

    #[test]
    fn values_are_parameters_and_folded() {
        let got = c(
            r#"userName eq "BJensen'; drop""#,
            Kind::Users,
            Dialect::Postgres,
        )
        .unwrap();
        assert_eq!(
            got.sql,
            "(user_name_folded IS NOT NULL AND user_name_folded = $2)"
        );
        assert_eq!(got.params, vec![Param::Text("bjensen'; drop".into())]);
        assert!(got.exact);
    }

    #[test]
    fn like_patterns_are_escaped() {
        let got = c(r#"externalId co "50%_!""#, Kind::Users, Dialect::Postgres).unwrap();
        assert_eq!(got.params, vec![Param::Text("%50!%!_!!%".into())]);
    }

    #[test]
    fn values_with_nul_never_reach_the_database() {
        let sql = |f: &str| c(f, Kind::Users, Dialect::Postgres).unwrap();
        for f in [
            r#"userName eq "a\u0000""#,
            r#"externalId co "\u0000""#,
            r#"id sw "x\u0000y""#,
            r#"userName ew "\u0000""#,
        ] {
            let got = sql(f);
            assert_eq!(got.sql, "(1 = 0)", "{f}");
            assert!(got.params.is_empty() && got.exact, "{f}");
        }
        assert_eq!(sql(r#"userName ne "a\u0000""#).sql, "(NOT (1 = 0))");
        let got = sql(r#"userName GE "AB\u0000c""#);
        assert_eq!(
            got.sql,
            "(user_name_folded IS NOT NULL AND user_name_folded > $2)"
        );
        assert_eq!(got.params, vec![Param::Text("ab".into())]);
        let got = sql(r#"externalId lt "AB\u0000c\u0000""#);
        assert_eq!(got.sql, "(external_id IS NOT NULL AND external_id <= $2)");
        assert_eq!(got.params, vec![Param::Text("AB".into())]);
    }

    #[test]
    fn superset_and_none() {
        let f = |s: &str| pushdown(&s.parse::<Filter>().unwrap(), Kind::Users);
        assert_eq!(f(r#"userName eq "a" and title eq "x""#), Pushdown::Superset);
        assert_eq!(f(r#"userName eq "a" or title eq "x""#), Pushdown::None);
        assert_eq!(f(r#"not (title eq "x")"#), Pushdown::None);
        assert_eq!(
            f(r#"not (userName eq "a" and title eq "x")"#),
            Pushdown::None
        );
        assert_eq!(f(r#"emails[type eq "work"]"#), Pushdown::None);
        assert_eq!(
            f(r#"meta.created gt "2020-01-01T00:00:00Z" and active eq true"#),
            Pushdown::Exact
        );
        assert_eq!(f(r#"displayName eq "x""#), Pushdown::None);
        assert_eq!(
            pushdown(
                &r#"displayName eq "x""#.parse::<Filter>().unwrap(),
                Kind::Groups
            ),
            Pushdown::Exact
        );
    }

    #[test]
    fn dropped_operands_drop_their_parameters() {
        let got = c(
            r#"(userName eq "a" or title eq "b") and externalId eq "c""#,
            Kind::Users,
            Dialect::Sqlite,
        )
        .unwrap();
        assert_eq!(got.params, vec![Param::Text("c".into())]);
        assert!(got.sql.contains("$2"));
        assert!(!got.exact);
    }
}
