//! Filter evaluation over the RFC 7643 §8.2 / §8.3 example users with the built-in
//! schemas: case rules, types, multi-valued attributes, value paths, precedence, `pr`,
//! `ne` / `null`, URN paths and dates. See also `filter_eval_schema.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use scimitar::filter::EvalOptions;
use scimitar::schema::SchemaSet;
use scimitar::ErrorKind;
use serde_json::{json, Value};
use support::*;

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
            // Unqualified names that only an extension defines resolve to it (Entra ID).
            (r#"employeeNumber eq "701984""#, true),
            (r#"manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#, true),
            (
                r#"id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
                true,
            ),
            (r#"manager[displayName sw "john"]"#, true),
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
fn unqualified_extension_names_can_be_switched_off() {
    let r = stored("8.3-enterprise-user.json");
    let schemas = SchemaSet::user();
    let off = EvalOptions::default().unqualified_extension_attributes(false);
    let f = parse(r#"employeeNumber eq "701984""#);
    assert!(!f.bind(&schemas, off).unwrap().matches(&r));
    let strict = off.strict_attributes(true);
    assert_eq!(
        f.bind(&schemas, strict).unwrap_err().kind(),
        ErrorKind::InvalidFilter
    );
}

#[test]
fn every_corpus_filter_binds_and_evaluates() {
    let r = stored("8.3-enterprise-user.json");
    let user = SchemaSet::user();
    let group = SchemaSet::group();
    for file in ["rfc7644.txt", "typical.txt"] {
        let path = format!(
            "{}/tests/fixtures/filters/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(path).unwrap();
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let f = parse(line);
            // Group filters bind against the Group schemas, the rest against User.
            let bound = f
                .bind(&user, EvalOptions::default())
                .or_else(|_| f.bind(&group, EvalOptions::default()))
                .unwrap_or_else(|e| panic!("{line}: {e}"));
            let _ = bound.matches(&r);
        }
    }
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
