//! The filter and PATCH path parsers (RFC 7644 §3.4.2.2 and §3.5.2), on nom.
//!
//! One `parse_<rule>` function per ABNF rule: the filter rules are in [`grammar`], the
//! lexical rules (paths, names, values) in [`lexical`]. nom stays private: the public
//! surface is `FromStr` and [`Filter::parse_with`], with [`FilterError`] /
//! [`PathError`] as errors.
//!
//! The ABNF's `logExp = FILTER SP ("and" / "or") SP FILTER` is left-recursive and
//! ambiguous; it is parsed as `or`-chains of `and`-chains of terms, which gives the RFC's
//! precedence (`not` > `and` > `or`). After a term, one byte of look-ahead decides what
//! comes next, so every group is parsed exactly once and parsing is linear in the input.
//!
//! Whitespace: any run of spaces, tabs, CR and LF is accepted where the ABNF has `SP`, and
//! around parentheses and brackets. It is required between an attribute path and its
//! operator and after a comparison operator; a value or `pr` must be followed by
//! whitespace, `)`, `]` or the end; `and`, `or` and `not` must not run into a following
//! name (`(a pr)and(b pr)` is fine, `a pr andb pr` is not).
//!
//! Leniencies beyond the ABNF, all documented in the crate docs:
//! - `not (` with a space (RFC 7644 erratum 7319; the RFC's own Figure 2 uses it);
//! - `$ref` as an attribute name (SCIM uses it for references);
//! - `attr[filter].sub op value` in a filter (Entra ID sends
//!   `emails[type eq "work"].value eq "x"`), read as
//!   `attr[filter and sub op value]`.

use std::cell::Cell;
use std::str::FromStr;

use nom::error::{ErrorKind, ParseError};

use super::error::{FilterError, FilterErrorKind, PathError};
use super::limits::FilterLimits;
use super::Filter;
use crate::path::{AttrPath, PatchPath};

mod grammar;
mod lexical;

/// A nom error: where (a suffix of the whole input) and what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PErr<'a> {
    at: &'a str,
    msg: Msg,
}

/// What the parser expected; rendered to text only when an error is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Msg {
    ExpectedTerm,
    ExpectedOperator,
    UnknownOperator(usize),
    ExpectedNotParen,
    ExpectedWsAfterOperator,
    ExpectedValue,
    UnterminatedString,
    InvalidEscape,
    LoneSurrogate,
    ControlChar,
    InvalidNumber,
    NumberOutOfRange,
    ExpectedValueEnd,
    ExpectedCloseParen,
    ExpectedCloseBracket,
    ExpectedEnd,
    UnmatchedParen,
    UnmatchedBracket,
    ExpectedAttrName,
    InvalidNameChar,
    TooManySubAttrs,
    InvalidUrn,
    NestedValuePath,
    SubAttrTwice,
    ExpectedPathEnd,
    TooDeep(usize),
    TooManyTerms(usize),
    Syntax,
}

impl Msg {
    fn kind(self) -> FilterErrorKind {
        match self {
            Msg::TooDeep(_) => FilterErrorKind::TooDeep,
            Msg::TooManyTerms(_) => FilterErrorKind::TooManyTerms,
            _ => FilterErrorKind::Syntax,
        }
    }

    /// The message; `at` is the input from the error offset on.
    fn render(self, at: &str) -> String {
        let s = match self {
            Msg::ExpectedTerm => "expected an attribute path, '(' or 'not ('",
            Msg::ExpectedOperator => {
                "expected an operator (eq, ne, co, sw, ew, gt, lt, ge, le or pr)"
            }
            Msg::UnknownOperator(len) => {
                let op = at.get(..len).unwrap_or(at);
                return format!("unknown operator '{op}'");
            }
            Msg::ExpectedNotParen => "expected '(' after 'not'",
            Msg::ExpectedWsAfterOperator => "expected whitespace after the operator",
            Msg::ExpectedValue => "expected a value (a JSON string, number, true, false or null)",
            Msg::UnterminatedString => "unterminated string",
            Msg::InvalidEscape => "invalid escape sequence in string",
            Msg::LoneSurrogate => "invalid \\u escape: unpaired UTF-16 surrogate",
            Msg::ControlChar => "control character in string (it must be escaped)",
            Msg::InvalidNumber => "invalid number",
            Msg::NumberOutOfRange => "number out of range",
            Msg::ExpectedValueEnd => "expected whitespace, ')', ']' or the end after the value",
            Msg::ExpectedCloseParen => "expected 'and', 'or' or ')'",
            Msg::ExpectedCloseBracket => "expected 'and', 'or' or ']'",
            Msg::ExpectedEnd => "expected 'and', 'or' or the end of the filter",
            Msg::UnmatchedParen => "unmatched ')'",
            Msg::UnmatchedBracket => "unmatched ']'",
            Msg::ExpectedAttrName => {
                "expected an attribute name (a letter, then letters, digits, '-' or '_')"
            }
            Msg::InvalidNameChar => "invalid character in attribute name",
            Msg::TooManySubAttrs => "an attribute path has at most one sub-attribute",
            Msg::InvalidUrn => "invalid schema URN",
            Msg::NestedValuePath => "value paths cannot be nested",
            Msg::SubAttrTwice => "the attribute already has a sub-attribute",
            Msg::ExpectedPathEnd => "expected the end of the path",
            Msg::TooDeep(max) => return format!("filter nests deeper than {max} levels"),
            Msg::TooManyTerms(max) => return format!("filter has more than {max} terms"),
            Msg::Syntax => "syntax error",
        };
        s.to_owned()
    }
}

impl<'a> ParseError<&'a str> for PErr<'a> {
    fn from_error_kind(input: &'a str, _kind: ErrorKind) -> Self {
        PErr {
            at: input,
            msg: Msg::Syntax,
        }
    }
    fn append(_input: &'a str, _kind: ErrorKind, other: Self) -> Self {
        other
    }
    fn or(self, other: Self) -> Self {
        // The alternative that got further explains the failure better.
        if other.at.len() < self.at.len() {
            other
        } else {
            self
        }
    }
}

pub(crate) type PResult<'a, T> = nom::IResult<&'a str, T, PErr<'a>>;

/// A committed failure (no backtracking) at `at`.
pub(crate) fn fail<T>(at: &str, msg: Msg) -> PResult<'_, T> {
    Err(nom::Err::Failure(PErr { at, msg }))
}

/// Parse state: the limits and the running depth and term counts.
pub(crate) struct Ctx {
    max_depth: usize,
    max_terms: usize,
    depth: Cell<usize>,
    terms: Cell<usize>,
}

impl Ctx {
    fn new(limits: &FilterLimits) -> Self {
        Ctx {
            max_depth: limits.max_depth(),
            max_terms: limits.max_terms(),
            depth: Cell::new(0),
            terms: Cell::new(0),
        }
    }

    /// Enters a group, `not` or value path opened at `at`.
    pub(crate) fn enter<'a>(&self, at: &'a str) -> PResult<'a, ()> {
        let depth = self.depth.get() + 1;
        if depth > self.max_depth {
            return fail(at, Msg::TooDeep(self.max_depth));
        }
        self.depth.set(depth);
        Ok((at, ()))
    }

    pub(crate) fn leave(&self) {
        self.depth.set(self.depth.get().saturating_sub(1));
    }

    /// Counts an attribute expression starting at `at`.
    pub(crate) fn add_term<'a>(&self, at: &'a str) -> PResult<'a, ()> {
        let terms = self.terms.get() + 1;
        if terms > self.max_terms {
            return fail(at, Msg::TooManyTerms(self.max_terms));
        }
        self.terms.set(terms);
        Ok((at, ()))
    }
}

/// Runs `parser` over the whole of `input` (after the length check) and turns a nom error
/// into a [`FilterError`].
fn run<T>(
    input: &str,
    limits: &FilterLimits,
    what: &str,
    parser: impl for<'a> FnOnce(&Ctx, &'a str) -> PResult<'a, T>,
) -> Result<T, FilterError> {
    if input.len() > limits.max_len() {
        return Err(FilterError::new(
            FilterErrorKind::TooLong,
            input,
            limits.max_len(),
            format!("{what} is longer than {} bytes", limits.max_len()),
        ));
    }
    let cx = Ctx::new(limits);
    match parser(&cx, input) {
        Ok((_, value)) => Ok(value),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => {
            let offset = input.len().saturating_sub(e.at.len());
            Err(FilterError::new(
                e.msg.kind(),
                input,
                offset,
                e.msg.render(e.at),
            ))
        }
        Err(nom::Err::Incomplete(_)) => Err(FilterError::new(
            FilterErrorKind::Syntax,
            input,
            input.len(),
            Msg::Syntax.render(""),
        )),
    }
}

impl Filter {
    /// Parses a filter under custom [`FilterLimits`]; `str::parse` uses the defaults.
    ///
    /// ```
    /// use scimitar::filter::FilterLimits;
    /// use scimitar::Filter;
    ///
    /// let limits = FilterLimits::default().with_max_depth(1);
    /// assert!(Filter::parse_with(r#"(userName eq "x")"#, &limits).is_ok());
    /// assert!(Filter::parse_with(r#"((userName eq "x"))"#, &limits).is_err());
    /// ```
    pub fn parse_with(input: &str, limits: &FilterLimits) -> Result<Filter, FilterError> {
        run(input, limits, "filter", grammar::parse_complete_filter)
    }
}

impl FromStr for Filter {
    type Err = FilterError;

    /// Parses a filter under the default [`FilterLimits`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Filter::parse_with(s, &FilterLimits::DEFAULT)
    }
}

impl PatchPath {
    /// Parses a PATCH path under custom [`FilterLimits`] (they bound the filter inside
    /// brackets); `str::parse` uses the defaults.
    pub fn parse_with(input: &str, limits: &FilterLimits) -> Result<PatchPath, PathError> {
        run(input, limits, "path", grammar::parse_complete_patch_path).map_err(PathError::new)
    }
}

impl FromStr for PatchPath {
    type Err = PathError;

    /// Parses `attrPath` or `valuePath ["." subAttr]` (RFC 7644 §3.5.2); leading and
    /// trailing whitespace is ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PatchPath::parse_with(s, &FilterLimits::DEFAULT)
    }
}

impl FromStr for AttrPath {
    type Err = PathError;

    /// Parses `[URI ":"] ATTRNAME ["." ATTRNAME]`; leading and trailing whitespace is
    /// ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        run(
            s,
            &FilterLimits::DEFAULT,
            "path",
            grammar::parse_complete_attr_path,
        )
        .map_err(PathError::new)
    }
}
