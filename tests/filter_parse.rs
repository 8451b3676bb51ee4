//! Filter parsing: RFC 7644 examples, IdP filters, round-trips, errors and limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use proptest::prelude::*;
use scimitar::filter::{
    CompValue, CompareOp, Filter, FilterError, FilterErrorKind, FilterLimits, PathError,
};
use scimitar::{AttrPath, ErrorKind, PatchPath};
use serde_json::Number;

const RFC_EXAMPLES: &str = include_str!("fixtures/filters/rfc7644.txt");
const TYPICAL: &str = include_str!("fixtures/filters/typical.txt");
const INVALID: &str = include_str!("fixtures/filters/invalid.txt");

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// ---- builders ---------------------------------------------------------------------------

fn path(s: &str) -> AttrPath {
    match s.split_once('.') {
        Some((name, sub)) => AttrPath::new(None, name, Some(sub.to_owned())),
        None => AttrPath::attr(s),
    }
}

fn cmp(p: &str, op: CompareOp, v: CompValue) -> Filter {
    Filter::Compare(path(p), op, v)
}

fn s(v: &str) -> CompValue {
    CompValue::String(v.to_owned())
}

fn eq(p: &str, v: &str) -> Filter {
    cmp(p, CompareOp::Eq, s(v))
}

fn co(p: &str, v: &str) -> Filter {
    cmp(p, CompareOp::Co, s(v))
}

fn pr(p: &str) -> Filter {
    Filter::Present(path(p))
}

fn and(fs: Vec<Filter>) -> Filter {
    Filter::And(fs)
}

fn or(fs: Vec<Filter>) -> Filter {
    Filter::Or(fs)
}

fn not(f: Filter) -> Filter {
    Filter::Not(Box::new(f))
}

fn vp(p: &str, f: Filter) -> Filter {
    Filter::ValuePath(path(p), Box::new(f))
}

fn parse(s: &str) -> Filter {
    s.parse()
        .unwrap_or_else(|e| panic!("{s:?} did not parse:\n{e}"))
}

fn lines(corpus: &str) -> impl Iterator<Item = &str> {
    corpus
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

// ---- RFC 7644 §3.4.2.2 examples -----------------------------------------------------------

#[test]
fn every_rfc_example_parses_to_its_ast() {
    let time = || s("2011-05-13T04:42:34Z");
    let expected = vec![
        eq("userName", "john"),
        eq("Username", "john"),
        eq("userName", "bjensen"),
        co("name.familyName", "O'Malley"),
        cmp("userName", CompareOp::Sw, s("J")),
        Filter::Compare(
            AttrPath::new(
                Some("urn:ietf:params:scim:schemas:core:2.0:User".into()),
                "userName",
                None,
            ),
            CompareOp::Sw,
            s("J"),
        ),
        pr("title"),
        cmp("meta.lastModified", CompareOp::Gt, time()),
        cmp("meta.lastModified", CompareOp::Ge, time()),
        cmp("meta.lastModified", CompareOp::Lt, time()),
        cmp("meta.lastModified", CompareOp::Le, time()),
        and(vec![pr("title"), eq("userType", "Employee")]),
        or(vec![pr("title"), eq("userType", "Intern")]),
        eq("schemas", ENTERPRISE),
        and(vec![
            eq("userType", "Employee"),
            or(vec![
                co("emails", "example.com"),
                co("emails.value", "example.org"),
            ]),
        ]),
        and(vec![
            cmp("userType", CompareOp::Ne, s("Employee")),
            not(or(vec![
                co("emails", "example.com"),
                co("emails.value", "example.org"),
            ])),
        ]),
        and(vec![eq("userType", "Employee"), eq("emails.type", "work")]),
        and(vec![
            eq("userType", "Employee"),
            vp(
                "emails",
                and(vec![eq("type", "work"), co("value", "@example.com")]),
            ),
        ]),
        or(vec![
            vp(
                "emails",
                and(vec![eq("type", "work"), co("value", "@example.com")]),
            ),
            vp(
                "ims",
                and(vec![eq("type", "xmpp"), co("value", "@foo.com")]),
            ),
        ]),
    ];
    let examples: Vec<&str> = lines(RFC_EXAMPLES).collect();
    assert_eq!(examples.len(), expected.len());
    for (text, want) in examples.iter().zip(expected) {
        assert_eq!(parse(text), want, "{text}");
    }
}

#[test]
fn display_is_canonical() {
    assert_eq!(
        parse(r#"userName Eq "john""#).to_string(),
        r#"userName eq "john""#
    );
    assert_eq!(
        parse(r#"  NOT(a PR)  AND   (b Eq 1 OR c eQ 2.5e3)"#).to_string(),
        "not (a pr) and (b eq 1 or c eq 2500.0)"
    );
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "x""#).to_string(),
        r#"emails[type eq "work" and value eq "x"]"#
    );
}

#[test]
fn every_corpus_filter_round_trips_through_display() {
    for text in lines(RFC_EXAMPLES).chain(lines(TYPICAL)) {
        let f = parse(text);
        let printed = f.to_string();
        assert_eq!(parse(&printed), f, "{text} printed as {printed}");
        // Canonical text is a fixed point.
        assert_eq!(parse(&printed).to_string(), printed);
    }
}

// ---- what IdPs send ---------------------------------------------------------------------

#[test]
fn typical_idp_filters_parse() {
    for text in lines(TYPICAL) {
        parse(text);
    }
    assert_eq!(parse(r#"externalId eq "x""#), eq("externalId", "x"));
    assert_eq!(
        parse(r#"emails[type eq "work"].value eq "x""#),
        vp("emails", and(vec![eq("type", "work"), eq("value", "x")]))
    );
    assert_eq!(
        parse(r#"emails[type eq "work" and primary eq true].value eq "x""#),
        vp(
            "emails",
            and(vec![
                eq("type", "work"),
                cmp("primary", CompareOp::Eq, CompValue::Bool(true)),
                eq("value", "x"),
            ])
        )
    );
    assert_eq!(
        parse(&format!(r#"{ENTERPRISE}:manager.value eq "26118915""#)),
        Filter::Compare(
            AttrPath::new(Some(ENTERPRISE.into()), "manager", Some("value".into())),
            CompareOp::Eq,
            s("26118915")
        )
    );
}

#[test]
fn keywords_and_whitespace_are_lenient() {
    let want = and(vec![eq("a", "x"), not(pr("b"))]);
    for text in [
        r#"a eq "x" and not (b pr)"#,
        r#"a EQ "x" AND NOT(b PR)"#,
        "\t a  eq\t\"x\"  And  Not ( b pr )  ",
        "a eq \"x\"\r\nand\nnot(b pr)",
        r#"(a eq "x")and(not(b pr))"#,
    ] {
        assert_eq!(parse(text), want, "{text:?}");
    }
}

#[test]
fn values_are_json_literals() {
    let v = |text: &str| match parse(&format!("a eq {text}")) {
        Filter::Compare(_, _, v) => v,
        other => panic!("{other:?}"),
    };
    assert_eq!(v("true"), CompValue::Bool(true));
    assert_eq!(v("false"), CompValue::Bool(false));
    assert_eq!(v("null"), CompValue::Null);
    assert_eq!(v("-12"), CompValue::Number(Number::from(-12i64)));
    assert_eq!(
        v("0.25"),
        CompValue::Number(Number::from_f64(0.25).unwrap())
    );
    assert_eq!(
        v("1e-3"),
        CompValue::Number(Number::from_f64(0.001).unwrap())
    );
    assert_eq!(v(r#""\ud83d\ude00 \u00e9\n""#), s("\u{1F600} \u{e9}\n"));
    assert_eq!(v(r#""tab\there""#), s("tab\there"));
}

#[test]
fn attribute_names_may_be_keywords_and_ref() {
    assert_eq!(parse("not pr"), pr("not"));
    assert_eq!(parse("and pr or or pr"), or(vec![pr("and"), pr("or")]));
    assert_eq!(
        parse(r#"members[$ref eq "x"]"#),
        vp("members", eq("$ref", "x"))
    );
}

// ---- errors -------------------------------------------------------------------------------

#[test]
fn invalid_filters_fail_at_the_expected_offset() {
    let mut count = 0;
    for line in lines(INVALID) {
        let (offset, text) = line.split_once(' ').unwrap();
        let offset: usize = offset.parse().unwrap();
        let err = text
            .parse::<Filter>()
            .expect_err(&format!("{text:?} should not parse"));
        assert_eq!(err.offset(), offset, "{text:?}: {err}");
        assert_eq!(err.kind(), FilterErrorKind::Syntax);
        count += 1;
    }
    assert!(count >= 25, "only {count} invalid filters");
}

#[test]
fn raw_control_characters_in_strings_are_rejected() {
    let err = "a eq \"x\ty\"".parse::<Filter>().unwrap_err();
    assert_eq!(err.offset(), 7);
}

#[test]
fn error_messages_name_the_problem() {
    let msg = |s: &str| s.parse::<Filter>().unwrap_err().message().to_owned();
    assert_eq!(msg(r#"userName xx "a""#), "unknown operator 'xx'");
    assert_eq!(msg(r#"not userName eq "x""#), "expected '(' after 'not'");
    assert_eq!(msg("emails[a[b pr]]"), "value paths cannot be nested");
    assert_eq!(
        msg("a.b.c pr"),
        "an attribute path has at most one sub-attribute"
    );
}

#[test]
fn error_display_has_a_caret_under_the_offset() {
    let err = r#"userName eq "a" foo"#.parse::<Filter>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "expected 'and', 'or' or the end of the filter at byte 16\n  userName eq \"a\" foo\n                  ^"
    );
}

#[test]
fn filter_errors_are_400_invalid_filter() {
    let err: scimitar::Error = "a eq".parse::<Filter>().unwrap_err().into();
    assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    assert_eq!(err.status().as_u16(), 400);
    assert!(err.detail().contains("at byte 4"), "{}", err.detail());
}

// ---- limits -------------------------------------------------------------------------------

fn nested_parens(n: usize) -> String {
    format!("{}a pr{}", "(".repeat(n), ")".repeat(n))
}

fn or_chain(n: usize) -> String {
    vec!["a pr"; n].join(" or ")
}

fn unlimited_len() -> FilterLimits {
    FilterLimits::default().with_max_len(usize::MAX)
}

#[test]
fn twenty_nested_parens_parse() {
    assert_eq!(parse(&nested_parens(20)), pr("a"));
    assert_eq!(parse(&nested_parens(64)), pr("a"));
}

#[test]
fn ten_thousand_nested_parens_are_rejected() {
    let text = nested_parens(10_000);
    let err = text.parse::<Filter>().unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::TooLong);
    assert_eq!(err.offset(), 8192);

    // Without the length limit the depth limit stops it, before the stack is at risk.
    let err = Filter::parse_with(&text, &unlimited_len()).unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::TooDeep);
    assert_eq!(err.offset(), 64);
    let err = Filter::parse_with(&"not (".repeat(10_000), &unlimited_len()).unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::TooDeep);
    // At the `(` of the 65th `not (`.
    assert_eq!(err.offset(), 64 * 5 + 4);
}

#[test]
fn hundred_thousand_term_or_chain_is_rejected_or_parsed() {
    let text = or_chain(100_000);
    assert_eq!(
        text.parse::<Filter>().unwrap_err().kind(),
        FilterErrorKind::TooLong
    );
    let err = Filter::parse_with(&text, &unlimited_len()).unwrap_err();
    assert_eq!(err.kind(), FilterErrorKind::TooManyTerms);
    assert_eq!(err.offset(), 1000 * "a pr or ".len());

    let limits = unlimited_len().with_max_terms(usize::MAX);
    match Filter::parse_with(&text, &limits).unwrap() {
        Filter::Or(operands) => assert_eq!(operands.len(), 100_000),
        other => panic!("{other:?}"),
    }
}

#[test]
fn limit_errors_are_invalid_filter() {
    let err: scimitar::Error = nested_parens(100).parse::<Filter>().unwrap_err().into();
    assert_eq!(err.kind(), ErrorKind::InvalidFilter);
    assert!(err.detail().contains("deeper than 64"), "{}", err.detail());
}

#[test]
fn value_paths_count_towards_depth() {
    let limits = FilterLimits::default().with_max_depth(1);
    assert!(Filter::parse_with("emails[type pr]", &limits).is_ok());
    let err = Filter::parse_with("(emails[type pr])", &limits).unwrap_err();
    assert_eq!((err.kind(), err.offset()), (FilterErrorKind::TooDeep, 7));
}

// ---- paths --------------------------------------------------------------------------------

#[test]
fn attr_paths_parse_with_urns() {
    let p: AttrPath = format!("{ENTERPRISE}:manager.value").parse().unwrap();
    assert_eq!(p.urn(), Some(ENTERPRISE));
    assert_eq!((p.name(), p.sub()), ("manager", Some("value")));
    let p: AttrPath = "name.givenName".parse().unwrap();
    assert_eq!(p, path("name.givenName"));
    assert_eq!(p.to_string(), "name.givenName");
}

#[test]
fn patch_paths_parse() {
    let p: PatchPath = r#"members[value eq "2819c223"]"#.parse().unwrap();
    assert_eq!(p.attr(), &path("members"));
    assert_eq!(p.to_string(), r#"members[value eq "2819c223"]"#);
    let p: PatchPath = r#"emails[type eq "work"].value"#.parse().unwrap();
    assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
    let p: PatchPath = format!("{ENTERPRISE}:manager").parse().unwrap();
    assert_eq!(p.attr().urn(), Some(ENTERPRISE));
}

#[test]
fn path_errors_are_400_invalid_path() {
    for (text, offset) in [
        ("", 0),
        ("a.b.c", 3),
        ("emails[type eq]", 14),
        (r#"emails[type eq "work"]x"#, 22),
        ("emails x", 7),
    ] {
        let err: PathError = text.parse::<PatchPath>().unwrap_err();
        assert_eq!(err.offset(), offset, "{text:?}: {err}");
        let err: scimitar::Error = err.into();
        assert_eq!(err.kind(), ErrorKind::InvalidPath);
    }
    let err: scimitar::Error = "a b".parse::<AttrPath>().unwrap_err().into();
    assert_eq!(err.kind(), ErrorKind::InvalidPath);
}

// ---- property: Display then parse gives the same tree ---------------------------------------

fn arb_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => Just("$ref".to_owned()),
        1 => prop::sample::select(vec!["not", "and", "or", "pr", "eq", "true", "null", "NOT"])
            .prop_map(str::to_owned),
    ]
}

fn arb_urn() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(None),
        1 => Just(Some(ENTERPRISE.to_owned())),
        1 => Just(Some("urn:ietf:params:scim:schemas:core:2.0:User".to_owned())),
        1 => "urn(:[a-zA-Z0-9.+-]{1,6}){1,5}".prop_map(Some),
    ]
}

fn arb_path() -> impl Strategy<Value = AttrPath> {
    (arb_urn(), arb_name(), prop::option::of(arb_name()))
        .prop_map(|(urn, name, sub)| AttrPath::new(urn, name, sub))
}

fn arb_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(n.into())),
        any::<u64>().prop_map(|n| CompValue::Number(n.into())),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
        "[\\x00-\\x1f\"\\\\/ a-z\u{e9}\u{1F600}]{0,12}".prop_map(CompValue::String),
    ]
}

fn arb_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Co,
        CompareOp::Sw,
        CompareOp::Ew,
        CompareOp::Gt,
        CompareOp::Lt,
        CompareOp::Ge,
        CompareOp::Le,
    ])
}

fn arb_attr_exp() -> impl Strategy<Value = Filter> {
    prop_oneof![
        arb_path().prop_map(Filter::Present),
        (arb_path(), arb_op(), arb_value()).prop_map(|(p, op, v)| Filter::Compare(p, op, v)),
    ]
}

/// Trees over `leaf` with `not`, `and`, `or` (two or more operands).
fn arb_tree(leaf: BoxedStrategy<Filter>) -> BoxedStrategy<Filter> {
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(|f| Filter::Not(Box::new(f))),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Filter::And),
            prop::collection::vec(inner, 2..4).prop_map(Filter::Or),
        ]
    })
    .boxed()
}

fn arb_filter() -> BoxedStrategy<Filter> {
    let val_filter = arb_tree(arb_attr_exp().boxed());
    let value_path = (arb_path(), val_filter).prop_map(|(p, f)| Filter::ValuePath(p, Box::new(f)));
    arb_tree(prop_oneof![3 => arb_attr_exp(), 1 => value_path].boxed())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn display_then_parse_is_identity(f in arb_filter()) {
        let text = f.to_string();
        let back: Result<Filter, FilterError> = Filter::parse_with(&text, &unlimited_len());
        prop_assert_eq!(back, Ok(f), "{}", text);
    }

    #[test]
    fn patch_path_display_round_trips(
        attr in arb_path().prop_map(|p| p.with_sub(None)),
        filter in arb_tree(arb_attr_exp().boxed()),
        sub in prop::option::of(arb_name()),
    ) {
        let p = PatchPath::Value { attr, filter, sub };
        let text = p.to_string();
        prop_assert_eq!(text.parse::<PatchPath>(), Ok(p), "{}", text);
    }

    #[test]
    fn arbitrary_input_never_panics(s in "\\PC{0,64}") {
        let _ = s.parse::<Filter>();
        let _ = s.parse::<PatchPath>();
    }
}
