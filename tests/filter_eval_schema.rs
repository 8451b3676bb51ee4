//! Filter evaluation beyond the built-in User attributes: a tenant's custom attributes,
//! invalidFilter errors, unknown attributes (lenient and strict), rendered JSON, element
//! filters, groups, non-ASCII data and wrongly typed stored values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use scimitar::filter::{ElementFilter, EvalOptions};
use scimitar::schema::{AttributeDef, AttributeType, SchemaRegistry, SchemaSet};
use scimitar::store::Resource;
use scimitar::{AttrPath, ErrorKind, TenantId};
use serde_json::{json, Map};
use support::*;
use time::OffsetDateTime;

/// Custom attributes of one tenant, in a custom extension.
fn custom_schemas() -> std::sync::Arc<SchemaSet> {
    let registry = SchemaRegistry::default();
    let tenant = TenantId::new("acme");
    let add = |a: AttributeDef| {
        registry
            .add_user_attribute(&tenant, CUSTOM, "Acme", a)
            .unwrap()
    };
    add(AttributeDef::new("badge", AttributeType::String).case_exact(true));
    add(AttributeDef::new("nickname", AttributeType::String).case_exact(false));
    add(AttributeDef::new("level", AttributeType::Integer));
    add(AttributeDef::new("score", AttributeType::Decimal));
    add(AttributeDef::new("hired", AttributeType::DateTime));
    add(AttributeDef::new("tags", AttributeType::String).multi_valued(true));
    add(AttributeDef::new("vip", AttributeType::Boolean));
    add(AttributeDef::new("photo", AttributeType::Binary));
    let set = registry.user_schemas(&tenant);
    // Another tenant does not see them.
    let other = registry.user_schemas(&TenantId::new("other"));
    assert!(other.extension(CUSTOM).is_none());
    set
}

fn custom_user() -> Resource {
    let mut r = stored("8.3-enterprise-user.json");
    r.attributes.insert(
        CUSTOM.into(),
        json!({
            "badge": "AB-12",
            "nickname": "Babs",
            "level": 7,
            "score": 4.25,
            "hired": "2009-12-31T23:00:00-02:00",
            "tags": ["Blue", "green"],
            "vip": false,
            "photo": "aGVsbG8="
        }),
    );
    r
}

#[test]
fn custom_attributes_follow_their_definition() {
    let c = |s: &str| format!("{CUSTOM}:{s}");
    check_all(
        &custom_user(),
        &custom_schemas(),
        &[
            (&c(r#"badge eq "AB-12""#), true),
            (&c(r#"badge eq "ab-12""#), false),
            (&c(r#"badge sw "AB""#), true),
            (&c(r#"nickname eq "BABS""#), true),
            (&c("level eq 7"), true),
            (&c("level gt 6"), true),
            (&c("level ge 7.0"), true),
            (&c("level lt 7"), false),
            (&c("level eq -7"), false),
            (&c(r#"level eq "7""#), true),
            (&c("score gt 4.2"), true),
            (&c("score le 4.25"), true),
            (&c("score lt 4"), false),
            (&c("score eq 425e-2"), true),
            (&c(r#"hired eq "2010-01-01T01:00:00Z""#), true),
            (&c(r#"hired gt "2010-01-01T00:59:59Z""#), true),
            (&c(r#"hired lt "2010-01-01T02:00:00+01:00""#), false),
            (&c(r#"tags eq "BLUE""#), true),
            (&c(r#"tags co "ree""#), true),
            (&c(r#"tags eq "red""#), false),
            (&c("vip eq false"), true),
            (&c("vip ne false"), false),
            (&c(r#"photo eq "aGVsbG8=""#), true),
            (&c(r#"photo eq "AGVSBG8=""#), false),
            (&c(r#"unknown eq "x""#), false),
        ],
    );
}

#[test]
fn operator_and_value_misuse_is_invalid_filter() {
    let schemas = custom_schemas();
    let c = |s: &str| format!("{CUSTOM}:{s}");
    let bad = [
        "active gt true".to_owned(),
        "active le false".to_owned(),
        r#"active co "t""#.to_owned(),
        r#"active eq "yes""#.to_owned(),
        r#"x509Certificates.value gt "a""#.to_owned(),
        r#"x509Certificates.value co "a""#.to_owned(),
        r#"meta.lastModified gt "yesterday""#.to_owned(),
        r#"meta.lastModified gt "2011-13-45T04:42:34Z""#.to_owned(),
        "meta.lastModified gt 5".to_owned(),
        r#"meta.created co "2010""#.to_owned(),
        r#"name eq "Barbara""#.to_owned(),
        r#"meta eq "x""#.to_owned(),
        "title gt null".to_owned(),
        r#"userName[value eq "x"]"#.to_owned(),
        c("level co 1"),
        c(r#"level eq "seven""#),
        c("score sw 4"),
        c("vip gt true"),
        c("photo lt \"a\""),
        c(r#"hired eq "tomorrow""#),
    ];
    for f in &bad {
        let e = bind_err(f, &schemas, EvalOptions::default());
        assert_eq!(e.kind(), ErrorKind::InvalidFilter, "{f}: {e}");
        assert_eq!(e.status(), 400);
    }
    // The detail names the filter expression.
    let e = bind_err("active gt true", &schemas, EvalOptions::default());
    assert!(e.detail().contains("active gt true"), "{}", e.detail());
    assert!(e.detail().contains("boolean"), "{}", e.detail());
}

#[test]
fn unknown_attributes_match_nothing_unless_strict() {
    let r = stored("8.3-enterprise-user.json");
    let schemas = SchemaSet::user();
    check_all(
        &r,
        &schemas,
        &[
            (r#"foo eq "x""#, false),
            (r#"foo ne "x""#, false),
            ("foo pr", false),
            (r#"not (foo eq "x")"#, true),
            (r#"name.nickname eq "x""#, false),
            (r#"emails[label eq "x"]"#, false),
            (r#"foo eq "x" or userName pr"#, true),
            (r#"urn:example:unknown:2.0:User:foo eq "x""#, false),
        ],
    );
    let strict = EvalOptions::default().strict_attributes(true);
    for f in [
        r#"foo eq "x""#,
        "foo pr",
        r#"name.nickname eq "x""#,
        r#"emails[label eq "x"]"#,
        r#"urn:example:unknown:2.0:User:foo eq "x""#,
    ] {
        let e = bind_err(f, &schemas, strict);
        assert_eq!(e.kind(), ErrorKind::InvalidFilter, "{f}");
    }
    let e = bind_err(r#"foo eq "x""#, &schemas, strict);
    assert!(e.detail().contains("'foo'"), "{}", e.detail());
    assert!(parse(r#"userName eq "x""#).bind(&schemas, strict).is_ok());
}

#[test]
fn rendered_json_carries_id_and_meta() {
    let json = fixture("8.3-enterprise-user.json");
    let schemas = SchemaSet::user();
    for (f, want) in [
        (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
        (r#"meta.lastModified eq "2011-05-13T04:42:34Z""#, true),
        (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
        (r#"meta.resourceType eq "User""#, true),
        (r#"meta.version eq "W/\"3694e05e9dff591\"""#, true),
        (r#"meta.location sw "https://example.com/v2/Users/""#, true),
        (r#"groups.display eq "tour guides""#, true),
        (&format!(r#"schemas eq "{ENTERPRISE}""#), true),
        (r#"userName eq "BJENSEN@example.com""#, true),
    ] {
        assert_eq!(bind(f, &schemas).matches(&json), want, "{f}");
    }
    // A stored resource has no location (it needs the public base URL).
    let r = stored("8.3-enterprise-user.json");
    assert!(!bind(r#"meta.location pr"#, &schemas).matches(&r));
}

#[test]
fn convenience_matches_and_element_filter() {
    let r = stored("8.3-enterprise-user.json");
    let schemas = SchemaSet::user();
    let f = parse(r#"userName eq "bjensen@example.com""#);
    assert!(f.matches(&r, &schemas).unwrap());
    assert!(scimitar::filter::matches(&f, &r, &schemas).unwrap());
    assert!(parse("active gt true").matches(&r, &schemas).is_err());

    let inner = parse(r#"type eq "work" and primary eq true"#);
    let ef = ElementFilter::bind(
        &AttrPath::attr("emails"),
        &inner,
        &schemas,
        EvalOptions::default(),
    )
    .unwrap();
    let emails = r.attributes["emails"].as_array().unwrap();
    let hits: Vec<bool> = emails.iter().map(|e| ef.matches(e)).collect();
    assert_eq!(hits, [true, false]);
    assert!(!ef.matches(&json!("not an object")));
    assert!(ElementFilter::bind(
        &AttrPath::attr("userName"),
        &inner,
        &schemas,
        EvalOptions::default()
    )
    .is_err());
}

#[test]
fn groups_filter_on_members() {
    let schemas = SchemaSet::group();
    let mut attributes = Map::new();
    attributes.insert("displayName".into(), json!("Tour Guides"));
    attributes.insert(
        "members".into(),
        json!([
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen", "type": "User"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge", "type": "User"}
        ]),
    );
    let g = Resource {
        id: "e9e30dba-f08f-4109-8486-d5c6a331660a".into(),
        version: 1,
        created: OffsetDateTime::UNIX_EPOCH,
        last_modified: OffsetDateTime::UNIX_EPOCH,
        attributes,
    };
    check_all(
        &g,
        &schemas,
        &[
            (r#"displayName eq "tour guides""#, true),
            (
                r#"members[value eq "902c246b-6245-4190-8e05-00816be7344a"]"#,
                true,
            ),
            // members.value is caseExact false in RFC 7643 §8.7.1.
            (
                r#"members.value eq "2819C223-7F76-453A-919D-413861904646""#,
                true,
            ),
            (r#"members.display co "pepper""#, true),
            (r#"meta.resourceType eq "Group""#, true),
            (r#"userName pr"#, false),
        ],
    );
}

#[test]
fn non_ascii_strings_fold_with_unicode_rules() {
    let mut r = stored("8.3-enterprise-user.json");
    r.attributes
        .insert("displayName".into(), json!("Élodie Ærø"));
    check_all(
        &r,
        &SchemaSet::user(),
        &[
            (r#"displayName eq "ÉLODIE ÆRØ""#, true),
            (r#"displayName sw "éLO""#, true),
            (r#"displayName co "ÆR""#, true),
            (r#"displayName ew "rø""#, true),
            (r#"displayName eq "elodie aero""#, false),
        ],
    );
}

#[test]
fn wrongly_typed_stored_values_do_not_match() {
    let mut r = stored("8.3-enterprise-user.json");
    r.attributes.insert("title".into(), json!(42));
    r.attributes.insert("active".into(), json!("yes"));
    check_all(
        &r,
        &SchemaSet::user(),
        &[
            (r#"title eq "42""#, false),
            ("active eq true", false),
            ("active eq false", false),
            ("title pr", true),
        ],
    );
}
