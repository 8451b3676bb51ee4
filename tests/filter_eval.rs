//! Filter evaluation over the RFC 7643 §8.2 / §8.3 example users (as stored resources and
//! as rendered JSON), with the built-in schemas and a tenant's custom attributes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::filter::{BoundFilter, ElementFilter, EvalOptions, Filter};
use scimitar::schema::{AttributeDef, AttributeType, SchemaRegistry, SchemaSet};
use scimitar::store::Resource;
use scimitar::{AttrPath, ErrorKind, TenantId};
use serde_json::{json, Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CUSTOM: &str = "urn:example:scim:schemas:extension:acme:2.0:User";

fn fixture(name: &str) -> Map<String, Value> {
    let path = format!("{}/tests/fixtures/eval/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture as a stored resource: `id` and `meta` become fields; `schemas` and the
/// derived `groups` are not stored attributes.
fn stored(name: &str) -> Resource {
    let mut attributes = fixture(name);
    let id = attributes.remove("id").unwrap();
    let meta = attributes.remove("meta").unwrap();
    attributes.remove("schemas");
    attributes.remove("groups");
    let instant = |k: &str| OffsetDateTime::parse(meta[k].as_str().unwrap(), &Rfc3339).unwrap();
    Resource {
        id: id.as_str().unwrap().to_owned(),
        version: 3,
        created: instant("created"),
        last_modified: instant("lastModified"),
        attributes,
    }
}

fn parse(filter: &str) -> Filter {
    filter
        .parse()
        .unwrap_or_else(|e| panic!("{filter}: does not parse: {e}"))
}

fn bind(filter: &str, schemas: &SchemaSet) -> BoundFilter {
    parse(filter)
        .bind(schemas, EvalOptions::default())
        .unwrap_or_else(|e| panic!("{filter}: does not bind: {e}"))
}

fn check_all(resource: &Resource, schemas: &SchemaSet, cases: &[(&str, bool)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(f, want)| bind(f, schemas).matches(resource) != *want)
        .map(|(f, want)| format!("{f}  (expected {want})"))
        .collect();
    assert!(wrong.is_empty(), "wrong results:\n{}", wrong.join("\n"));
}

fn bind_err(filter: &str, schemas: &SchemaSet, options: EvalOptions) -> scimitar::Error {
    match parse(filter).bind(schemas, options) {
        Ok(_) => panic!("{filter}: bound but should be invalidFilter"),
        Err(e) => e,
    }
}

#[test]
fn case_rules_follow_case_exact() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (r#"userName eq "bjensen@example.com""#, true),
            (r#"userName eq "BJENSEN@EXAMPLE.COM""#, true),
            (r#"USERNAME Eq "Bjensen@Example.com""#, true),
            (r#"userName sw "BJ""#, true),
            (r#"userName ew "@EXAMPLE.COM""#, true),
            (r#"userName co "JENSEN@""#, true),
            (r#"userName eq "bjensen""#, false),
            (r#"externalId eq "701984""#, true),
            (r#"externalId sw "70""#, true),
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            (r#"name.familyName eq "jensen""#, true),
            (r#"name.givenName sw "BAR""#, true),
            (r#"name.familyName co "O'Malley""#, false),
            (r#"emails.value eq "BJENSEN@example.com""#, true),
            (r#"displayName eq "babs jensen""#, true),
            (r#"meta.resourceType eq "User""#, true),
            (r#"meta.resourceType eq "user""#, false),
        ],
    );
}

#[test]
fn string_ordering_is_lexicographic_and_case_folded() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (r#"userName gt "a""#, true),
            (r#"userName lt "A""#, false),
            (r#"title ge "TOUR GUIDE""#, true),
            (r#"title le "tour guide""#, true),
            (r#"title gt "tour guide""#, false),
            (r#"displayName lt "Babs Jensen!""#, true),
            (r#"externalId gt "70198""#, true),
        ],
    );
}

#[test]
fn multi_valued_attributes_match_any_value() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (r#"emails co "jensen.org""#, true),
            (r#"emails.value co "example.org""#, false),
            (r#"emails.type eq "home""#, true),
            (r#"emails.type eq "other""#, false),
            (r#"phoneNumbers.value eq "555-555-4444""#, true),
            (r#"photos.value sw "https://photos.example.com/""#, true),
            (r#"addresses.locality eq "hollywood""#, true),
            (r#"addresses.primary eq true"#, true),
            (r#"emails.primary eq true"#, true),
            // Without brackets, conditions may hold on different elements.
            (
                r#"emails.type eq "home" and emails.value co "@example.com""#,
                true,
            ),
        ],
    );
}

#[test]
fn value_paths_hold_on_one_element() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (
                r#"emails[type eq "home" and value co "@example.com"]"#,
                false,
            ),
            (
                r#"emails[type eq "work"] and emails[value co "jensen.org"]"#,
                true,
            ),
            (
                r#"emails[type eq "work"].value eq "bjensen@example.com""#,
                true,
            ),
            (
                r#"emails[type eq "home"].value eq "bjensen@example.com""#,
                false,
            ),
            (r#"emails[primary eq true]"#, true),
            (r#"emails[not (type eq "work")]"#, true),
            (r#"emails[type eq "work" or type eq "home"]"#, true),
            (r#"emails[emails.type eq "home"]"#, true),
            (r#"emails[display pr]"#, false),
            (r#"ims[type eq "xmpp" and value co "@foo.com"]"#, false),
            (
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                true,
            ),
            (r#"addresses[type eq "home" and primary eq true]"#, false),
            (r#"addresses[type eq "work" and primary eq true]"#, true),
            (
                r#"name[givenName eq "barbara" and familyName eq "JENSEN"]"#,
                true,
            ),
        ],
    );
}

#[test]
fn booleans_compare_with_eq_and_ne() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            ("active eq true", true),
            ("active eq false", false),
            ("active ne false", true),
            ("active ne true", false),
            (r#"active eq "TRUE""#, true),
        ],
    );
}

#[test]
fn precedence_not_and_or() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            // `a or b and c` is `a or (b and c)`.
            (
                r#"title pr or userType eq "Intern" and active eq false"#,
                true,
            ),
            (
                r#"(title pr or userType eq "Intern") and active eq false"#,
                false,
            ),
            (
                r#"userType eq "Intern" and title pr or active eq true"#,
                true,
            ),
            (
                r#"userType eq "Intern" and (title pr or active eq true)"#,
                false,
            ),
            (
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
                true,
            ),
            (
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
                false,
            ),
            (
                r#"userType eq "Employee" and (emails.type eq "work")"#,
                true,
            ),
            (r#"not (userName eq "bjensen@example.com")"#, false),
            (r#"not (not (active eq true))"#, true),
            (r#"title pr and userType eq "Employee""#, true),
        ],
    );
}

#[test]
fn present_is_false_for_absent_null_and_empty() {
    let mut r = stored("8.3-enterprise-user.json");
    r.attributes.insert("nickName".into(), json!(""));
    r.attributes.insert("roles".into(), json!([]));
    r.attributes.insert("entitlements".into(), json!([{}]));
    r.attributes.insert("locale".into(), Value::Null);
    r.attributes.insert("name".into(), json!({}));
    check_all(
        &r,
        &SchemaSet::user(),
        &[
            ("title pr", true),
            ("emails pr", true),
            ("x509Certificates pr", true),
            ("nickName pr", false),
            ("roles pr", false),
            ("entitlements pr", false),
            ("locale pr", false),
            ("name pr", false),
            ("name.givenName pr", false),
            ("ims pr", true),
            ("ims.display pr", false),
            ("meta pr", true),
            ("meta.lastModified pr", true),
            ("meta.location pr", false),
            ("id pr", true),
        ],
    );
}

#[test]
fn ne_and_null_treat_absent_attributes_as_no_value() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (r#"entitlements.value ne "x""#, true),
            (r#"entitlements.value eq "x""#, false),
            (r#"emails.type ne "work""#, false),
            (r#"emails.type ne "other""#, true),
            ("title eq null", false),
            ("title ne null", true),
            ("entitlements eq null", true),
            ("entitlements ne null", false),
        ],
    );
}

#[test]
fn enterprise_extension_through_urn_paths() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (&format!(r#"{ENTERPRISE}:employeeNumber eq "701984""#), true),
            (&format!(r#"{ENTERPRISE}:employeeNumber eq 701984"#), true),
            (
                &format!(r#"{ENTERPRISE}:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
                true,
            ),
            // manager.value is caseExact (erratum 8472).
            (
                &format!(r#"{ENTERPRISE}:manager.value eq "26118915-6090-4610-87E4-49D8CA9F808D""#),
                false,
            ),
            (
                &format!(r#"{ENTERPRISE}:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#),
                true,
            ),
            (
                &format!(r#"{ENTERPRISE}:manager.displayName co "SMITH""#),
                true,
            ),
            (
                &format!(
                    r#"{}:department eq "tour operations""#,
                    ENTERPRISE.to_uppercase()
                ),
                true,
            ),
            (&format!("{ENTERPRISE}:organization pr"), true),
            (
                &format!("{ENTERPRISE}:costCenter pr and {ENTERPRISE}:division sw \"Theme\""),
                true,
            ),
            (
                &format!(r#"{ENTERPRISE}:manager[displayName eq "John Smith"]"#),
                true,
            ),
            // Extension attributes are not reachable unqualified.
            (r#"employeeNumber eq "701984""#, false),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "b""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
                false,
            ),
            (&format!(r#"schemas eq "{ENTERPRISE}""#), true),
        ],
    );
}

#[test]
fn schemas_lists_only_present_extensions() {
    let r = stored("8.2-full-user.json");
    let schemas = SchemaSet::user();
    assert!(!bind(&format!(r#"schemas eq "{ENTERPRISE}""#), &schemas).matches(&r));
    assert!(bind(
        r#"schemas eq "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER""#,
        &schemas
    )
    .matches(&r));
}

#[test]
fn date_times_compare_as_instants_across_offsets() {
    check_all(
        &stored("8.3-enterprise-user.json"),
        &SchemaSet::user(),
        &[
            (r#"meta.lastModified gt "2011-05-13T04:42:33Z""#, true),
            (r#"meta.lastModified gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified ge "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.lastModified le "2011-05-13T04:42:34Z""#, true),
            (r#"meta.lastModified eq "2011-05-13T06:42:34+02:00""#, true),
            (r#"meta.lastModified lt "2011-05-12T23:42:34-05:00""#, false),
            (r#"meta.lastModified le "2011-05-12T23:42:34-05:00""#, true),
            (
                r#"meta.lastModified gt "2011-05-13T04:42:34.999-00:01""#,
                false,
            ),
            (r#"meta.created lt "2010-01-23T04:56:22.001Z""#, true),
            (r#"meta.created eq "2010-01-23T04:56:22""#, true),
            (
                r#"meta[lastModified gt "2011-01-01T00:00:00Z" and created lt "2011-01-01T00:00:00Z"]"#,
                true,
            ),
            (r#"meta.version eq "W/\"3\"""#, true),
        ],
    );
}

#[test]
fn references_and_binary() {
    let r = stored("8.2-full-user.json");
    let cert = r.attributes["x509Certificates"][0]["value"]
        .as_str()
        .unwrap()
        .to_owned();
    check_all(
        &r,
        &SchemaSet::user(),
        &[
            // profileUrl is a reference with caseExact false in RFC 7643 §8.7.1.
            (r#"profileUrl eq "HTTPS://LOGIN.EXAMPLE.COM/BJENSEN""#, true),
            (r#"photos[type eq "thumbnail" and value ew "/T"]"#, true),
            (&format!(r#"x509Certificates.value eq "{cert}""#), true),
            (&format!(r#"x509Certificates.value ne "{cert}""#), false),
            // Binary is case exact whatever the schema says (RFC 7643 §2.3.6).
            (
                &format!(r#"x509Certificates.value eq "{}""#, cert.to_lowercase()),
                false,
            ),
        ],
    );
}

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
