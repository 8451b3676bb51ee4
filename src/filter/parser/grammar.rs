//! Filter rules: `FILTER`, `logExp`, `valuePath`, `valFilter`, `attrExp`, and the PATCH
//! `PATH` of RFC 7644 §3.5.2.

use super::lexical::{
    is_word_byte, parse_attr_path, parse_comp_value, parse_compare_op, parse_sub_attr,
    starts_with_keyword, tail, value_end, ws0,
};
use super::{fail, Ctx, Msg, PErr, PResult};
use crate::filter::Filter;
use crate::path::{AttrPath, PatchPath};

/// The whole input as a filter: optional whitespace, `FILTER`, optional whitespace.
pub(super) fn parse_complete_filter<'a>(cx: &Ctx, i: &'a str) -> PResult<'a, Filter> {
    let (i, filter) = parse_filter(cx, ws0(i), false)?;
    let i = ws0(i);
    match i.as_bytes().first() {
        None => Ok((i, filter)),
        Some(b')') => fail(i, Msg::UnmatchedParen),
        Some(b']') => fail(i, Msg::UnmatchedBracket),
        Some(_) => fail(i, Msg::ExpectedEnd),
    }
}

/// `FILTER = attrExp / logExp / valuePath / *1"not" "(" FILTER ")"`
///
/// Parsed as an `or`-chain of `and`-chains of terms (see [`parse_log_exp`]). Inside
/// brackets (`in_brackets`) this is `valFilter`, which has no value paths.
fn parse_filter<'a>(cx: &Ctx, i: &'a str, in_brackets: bool) -> PResult<'a, Filter> {
    parse_log_exp(cx, i, LogOp::Or, in_brackets)
}

/// `valFilter = attrExp / logExp / *1"not" "(" valFilter ")"`
fn parse_val_filter<'a>(cx: &Ctx, i: &'a str) -> PResult<'a, Filter> {
    parse_filter(cx, i, true)
}

#[derive(Clone, Copy)]
enum LogOp {
    Or,
    And,
}

/// `logExp = FILTER SP ("and" / "or") SP FILTER`, without the left recursion:
/// `or` joins `and`-chains, `and` joins terms, each chain into one n-ary node. A chain is
/// a loop, so a long chain costs no stack.
fn parse_log_exp<'a>(cx: &Ctx, i: &'a str, op: LogOp, in_brackets: bool) -> PResult<'a, Filter> {
    let operand = |i: &'a str| match op {
        LogOp::Or => parse_log_exp(cx, i, LogOp::And, in_brackets),
        LogOp::And => parse_term(cx, i, in_brackets),
    };
    let keyword = match op {
        LogOp::Or => "or",
        LogOp::And => "and",
    };
    let (mut i, first) = operand(i)?;
    let mut operands = Vec::new();
    loop {
        let j = ws0(i);
        if !starts_with_keyword(j, keyword) {
            break;
        }
        let (rest, next) = operand(ws0(tail(j, keyword.len())))?;
        operands.push(next);
        i = rest;
    }
    if operands.is_empty() {
        return Ok((i, first));
    }
    operands.insert(0, first);
    Ok((
        i,
        match op {
            LogOp::Or => Filter::Or(operands),
            LogOp::And => Filter::And(operands),
        },
    ))
}

/// The alternatives of `FILTER` other than `logExp`: `( FILTER )`, `not ( FILTER )`,
/// `valuePath` and `attrExp`. The first bytes decide which, so nothing is parsed twice.
fn parse_term<'a>(cx: &Ctx, i: &'a str, in_brackets: bool) -> PResult<'a, Filter> {
    match i.as_bytes().first() {
        Some(b'(') => return parse_group(cx, i, in_brackets),
        Some(b) if b.is_ascii_alphabetic() || *b == b'$' => {}
        _ => return fail(i, Msg::ExpectedTerm),
    }
    // `not` is a keyword only when "(" follows; otherwise it is an attribute name.
    if i.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("not")) {
        let j = ws0(tail(i, 3));
        if j.starts_with('(') {
            let (rest, inner) = parse_group(cx, j, in_brackets)?;
            return Ok((rest, Filter::Not(Box::new(inner))));
        }
    }
    cx.add_term(i)?;
    let (j, path) = parse_attr_path(i)?;
    if !j.starts_with('[') {
        return parse_attr_exp(path, j);
    }
    if in_brackets {
        return fail(j, Msg::NestedValuePath);
    }
    let (k, inner) = parse_value_path(cx, j)?;
    if !k.starts_with('.') {
        return Ok((k, Filter::ValuePath(path, Box::new(inner))));
    }
    // Entra's `emails[type eq "work"].value eq "x"`: the same element must match both.
    if path.sub().is_some() {
        return fail(k, Msg::SubAttrTwice);
    }
    cx.add_term(k)?;
    let (k, sub) = parse_sub_attr(k)?;
    if let Some(&b) = k.as_bytes().first().filter(|&&b| is_word_byte(b)) {
        let msg = if b == b'.' {
            Msg::TooManySubAttrs
        } else {
            Msg::InvalidNameChar
        };
        return fail(k, msg);
    }
    let (rest, cond) = parse_attr_exp(AttrPath::attr(sub), k)?;
    let combined = match inner {
        Filter::And(mut operands) => {
            operands.push(cond);
            Filter::And(operands)
        }
        other => Filter::And(vec![other, cond]),
    };
    Ok((rest, Filter::ValuePath(path, Box::new(combined))))
}

/// `"(" FILTER ")"`, where `i` starts at the parenthesis. A group of one term is that
/// term; a group of a chain keeps its own node.
fn parse_group<'a>(cx: &Ctx, i: &'a str, in_brackets: bool) -> PResult<'a, Filter> {
    cx.enter(i)?;
    let (j, filter) = parse_filter(cx, ws0(tail(i, 1)), in_brackets)?;
    let j = ws0(j);
    if !j.starts_with(')') {
        return fail(j, Msg::ExpectedCloseParen);
    }
    cx.leave();
    Ok((tail(j, 1), filter))
}

/// `valuePath = attrPath "[" valFilter "]"`, from the `[` on (the caller has parsed the
/// `attrPath`).
fn parse_value_path<'a>(cx: &Ctx, i: &'a str) -> PResult<'a, Filter> {
    cx.enter(i)?;
    let (j, filter) = parse_val_filter(cx, ws0(tail(i, 1)))?;
    let j = ws0(j);
    if !j.starts_with(']') {
        return fail(j, Msg::ExpectedCloseBracket);
    }
    cx.leave();
    Ok((tail(j, 1), filter))
}

/// `attrExp = (attrPath SP "pr") / (attrPath SP compareOp SP compValue)`, after the
/// `attrPath` (given as `path`; `i` is what follows it).
fn parse_attr_exp(path: AttrPath, i: &str) -> PResult<'_, Filter> {
    let j = ws0(i);
    if j.len() == i.len() {
        return fail(i, Msg::ExpectedOperator);
    }
    if starts_with_keyword(j, "pr") {
        let (rest, ()) = value_end(tail(j, 2))?;
        return Ok((rest, Filter::Present(path)));
    }
    let (k, op) = match parse_compare_op(j) {
        Ok(ok) => ok,
        Err(nom::Err::Error(e)) => {
            let bare_not = path.urn().is_none()
                && path.sub().is_none()
                && path.name().eq_ignore_ascii_case("not");
            let msg = if bare_not {
                Msg::ExpectedNotParen
            } else {
                e.msg
            };
            return Err(nom::Err::Failure(PErr { at: j, msg }));
        }
        Err(e) => return Err(e),
    };
    let v = ws0(k);
    if v.len() == k.len() {
        let msg = if k.is_empty() {
            Msg::ExpectedValue
        } else {
            Msg::ExpectedWsAfterOperator
        };
        return fail(k, msg);
    }
    let (rest, value) = parse_comp_value(v)?;
    let (rest, ()) = value_end(rest)?;
    Ok((rest, Filter::Compare(path, op, value)))
}

/// The whole input as an attribute path (for `sortBy`, `attributes` and PATCH).
pub(super) fn parse_complete_attr_path<'a>(_cx: &Ctx, i: &'a str) -> PResult<'a, AttrPath> {
    let (j, path) = parse_attr_path(ws0(i))?;
    expect_path_end(j)?;
    Ok((j, path))
}

/// `PATH = attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2), the whole input.
pub(super) fn parse_complete_patch_path<'a>(cx: &Ctx, i: &'a str) -> PResult<'a, PatchPath> {
    let (j, attr) = parse_attr_path(ws0(i))?;
    if !j.starts_with('[') {
        expect_path_end(j)?;
        return Ok((j, PatchPath::Attr(attr)));
    }
    let (j, filter) = parse_value_path(cx, j)?;
    let (j, sub) = if j.starts_with('.') {
        if attr.sub().is_some() {
            return fail(j, Msg::SubAttrTwice);
        }
        let (j, sub) = parse_sub_attr(j)?;
        (j, Some(sub.to_owned()))
    } else {
        (j, None)
    };
    expect_path_end(j)?;
    Ok((j, PatchPath::Value { attr, filter, sub }))
}

fn expect_path_end(i: &str) -> PResult<'_, ()> {
    let j = ws0(i);
    match j.as_bytes().first() {
        None => Ok((j, ())),
        Some(b'.') if j.len() == i.len() => fail(j, Msg::TooManySubAttrs),
        Some(_) => fail(j, Msg::ExpectedPathEnd),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::{CompValue, CompareOp, FilterLimits};

    fn parse(s: &str) -> Filter {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    fn err(s: &str) -> (usize, String) {
        let e = s.parse::<Filter>().unwrap_err();
        (e.offset(), e.message().to_owned())
    }

    fn pr(name: &str) -> Filter {
        Filter::Present(AttrPath::attr(name))
    }

    #[test]
    fn and_binds_tighter_than_or() {
        assert_eq!(
            parse("a pr or b pr and c pr"),
            Filter::Or(vec![pr("a"), Filter::And(vec![pr("b"), pr("c")])])
        );
        assert_eq!(
            parse("a pr and b pr or c pr"),
            Filter::Or(vec![Filter::And(vec![pr("a"), pr("b")]), pr("c")])
        );
    }

    #[test]
    fn chains_are_n_ary_and_groups_keep_their_node() {
        assert_eq!(
            parse("a pr and b pr and c pr"),
            Filter::And(vec![pr("a"), pr("b"), pr("c")])
        );
        assert_eq!(
            parse("(a pr and b pr) and c pr"),
            Filter::And(vec![Filter::And(vec![pr("a"), pr("b")]), pr("c")])
        );
        assert_eq!(parse("((a pr))"), pr("a"));
    }

    #[test]
    fn not_takes_optional_whitespace_before_the_paren() {
        let expected = Filter::Not(Box::new(pr("a")));
        assert_eq!(parse("not(a pr)"), expected);
        assert_eq!(parse("NOT \t (a pr)"), expected);
        assert_eq!(parse("not pr"), pr("not"));
        assert_eq!(parse("note pr"), pr("note"));
    }

    #[test]
    fn keywords_can_be_attribute_names() {
        assert_eq!(
            parse("and pr and or pr or not pr"),
            Filter::Or(vec![Filter::And(vec![pr("and"), pr("or")]), pr("not")])
        );
    }

    #[test]
    fn value_path_with_trailing_sub_attribute_is_read_as_a_conjunction() {
        let cmp = |n: &str, v: &str| {
            Filter::Compare(
                AttrPath::attr(n),
                CompareOp::Eq,
                CompValue::String(v.into()),
            )
        };
        assert_eq!(
            parse(r#"emails[type eq "work"].value eq "x""#),
            Filter::ValuePath(
                AttrPath::attr("emails"),
                Box::new(Filter::And(vec![cmp("type", "work"), cmp("value", "x")]))
            )
        );
    }

    #[test]
    fn errors_point_at_the_failure() {
        assert_eq!(err("not userName eq 1").0, 4);
        assert_eq!(err("not userName eq 1").1, "expected '(' after 'not'");
        assert_eq!(err("emails[a[b pr]]").0, 8);
        assert_eq!(err("a.b[c pr].d eq 1").0, 9);
        assert_eq!(err("a pr and").0, 8);
    }

    #[test]
    fn depth_is_counted_while_parsing() {
        let limits = FilterLimits::default().with_max_depth(2);
        assert!(Filter::parse_with("not ((a pr))", &limits).is_ok());
        let e = Filter::parse_with("not ((a[b pr]))", &limits).unwrap_err();
        assert_eq!(e.offset(), 7);
    }

    #[test]
    fn patch_paths() {
        let p: PatchPath = r#"emails[type eq "work"].value"#.parse().unwrap();
        assert_eq!(p.attr(), &AttrPath::attr("emails"));
        assert!(matches!(&p, PatchPath::Value { sub: Some(s), .. } if s == "value"));
        let p: PatchPath = " name.givenName ".parse().unwrap();
        assert_eq!(
            p,
            PatchPath::Attr(AttrPath::new(None, "name", Some("givenName".into())))
        );
        let e = r#"emails[type eq "work"].value.x"#.parse::<PatchPath>().unwrap_err();
        assert_eq!(e.offset(), 28);
        let e = "members x".parse::<PatchPath>().unwrap_err();
        assert_eq!(e.offset(), 8);
    }
}
