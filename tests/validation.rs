//! Validation errors: each asserts status, scimType and that the detail names the attribute.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use scimitar::compat::{Compat, CompatReport};
use scimitar::resource::{check_immutable, check_schemas, normalize, validate};
use scimitar::schema::{
    AttributeDef, AttributeType, Extension, Mutability, Policy, Schema, SchemaSet,
};
use scimitar::{Error, ScimType};
use serde_json::{json, Map, Value};
use std::sync::Arc;

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ACME: &str = "urn:example:scim:schemas:extension:acme:2.0:User";

fn assert_err(e: &Error, scim_type: ScimType, names: &str) {
    assert_eq!(e.status(), 400, "{e}");
    assert_eq!(e.scim_type(), Some(scim_type), "{e}");
    assert!(
        e.detail().contains(names),
        "detail {:?} should contain {names:?}",
        e.detail()
    );
}

fn read(body: Value, set: &SchemaSet) -> Result<Map<String, Value>, Error> {
    normalize(&body, set, &Compat::default(), &mut CompatReport::new())
}

/// normalize + validate, as a POST does.
fn write(body: Value, set: &SchemaSet, policy: &Policy) -> Result<Map<String, Value>, Error> {
    let attrs = read(body, set)?;
    validate(&attrs, set, policy)?;
    Ok(attrs)
}

fn saas_policy() -> Policy {
    Policy::default()
        .require_list("externalId,name.givenName,name.familyName,emails")
        .unwrap()
        .max_length(255)
}

fn saas_user() -> Value {
    json!({
        "userName": "bjensen", "externalId": "e1",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "b@example.com", "primary": true}]
    })
}

/// A User set with custom attributes of every type, for type checks.
fn typed_set() -> SchemaSet {
    let mut set = SchemaSet::user();
    set.add_extension(Extension {
        schema: Arc::new(Schema {
            id: ACME.into(),
            name: "Acme".into(),
            description: String::new(),
            attributes: vec![
                AttributeDef::new("level", AttributeType::Integer),
                AttributeDef::new("score", AttributeType::Decimal),
                AttributeDef::new("hired", AttributeType::DateTime),
                AttributeDef::new("badge", AttributeType::String).mutability(Mutability::Immutable),
                AttributeDef::new("tier", AttributeType::String)
                    .canonical_values(["gold", "silver"]),
            ],
        }),
        required: false,
    });
    set
}

// ---- schemas --------------------------------------------------------------------------

#[test]
fn missing_schemas_is_invalid_value() {
    let e = check_schemas(&json!({"userName": "b"}), &SchemaSet::user()).unwrap_err();
    assert_err(&e, ScimType::InvalidValue, "'schemas'");
    assert!(e.detail().contains(USER));
}

#[test]
fn schemas_without_core_urn_is_invalid_value() {
    let e = check_schemas(
        &json!({"schemas": [ENT], "userName": "b"}),
        &SchemaSet::user(),
    )
    .unwrap_err();
    assert_err(&e, ScimType::InvalidValue, "'schemas' must include");
}

#[test]
fn schemas_not_an_array_is_invalid_value() {
    let e = check_schemas(&json!({"schemas": USER}), &SchemaSet::user()).unwrap_err();
    assert_err(&e, ScimType::InvalidValue, "'schemas'");
}

#[test]
fn schemas_match_case_insensitively() {
    check_schemas(
        &json!({"Schemas": [USER.to_lowercase()]}),
        &SchemaSet::user(),
    )
    .unwrap();
}

// ---- types ----------------------------------------------------------------------------

#[test]
fn body_that_is_not_an_object_is_invalid_syntax() {
    let e = read(json!([1]), &SchemaSet::user()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
}

#[test]
fn string_attribute_with_number_is_invalid_value() {
    let e = read(json!({"userName": 42}), &SchemaSet::user()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'userName' must be a string",
    );
}

#[test]
fn boolean_sub_attribute_with_string_is_invalid_value() {
    let e = read(
        json!({"emails": [{"value": "a"}, {"value": "b", "primary": "yes"}]}),
        &SchemaSet::user(),
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'emails[1].primary' must be a boolean",
    );
}

#[test]
fn complex_attribute_with_string_is_invalid_value() {
    let e = read(json!({"name": "Barbara Jensen"}), &SchemaSet::user()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'name' must be an object",
    );
}

#[test]
fn binary_that_is_not_base64_is_invalid_value() {
    let e = read(
        json!({"x509Certificates": [{"value": "not base64!"}]}),
        &SchemaSet::user(),
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "'x509Certificates[0].value' must be base64",
    );
}

#[test]
fn integer_decimal_and_date_time_are_checked() {
    let set = typed_set();
    let e = read(json!({ACME: {"level": 1.5}}), &set).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        &format!("'{ACME}:level' must be an integer"),
    );
    let e = read(json!({ACME: {"score": "high"}}), &set).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        &format!("'{ACME}:score' must be a decimal"),
    );
    let e = read(json!({ACME: {"hired": "yesterday"}}), &set).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        &format!("'{ACME}:hired' must be a dateTime"),
    );
    let ok = read(
        json!({ACME: {"level": 3, "score": 2.5, "hired": "2008-01-23T04:56:22Z"}}),
        &set,
    )
    .unwrap();
    assert_eq!(
        ok[ACME],
        json!({"level": 3, "score": 2.5, "hired": "2008-01-23T04:56:22Z"})
    );
}

#[test]
fn extension_that_is_not_an_object_is_invalid_value() {
    let e = read(json!({ENT: "x"}), &SchemaSet::user()).unwrap_err();
    assert_err(&e, ScimType::InvalidValue, ENT);
}

// ---- required -------------------------------------------------------------------------

#[test]
fn user_name_is_required_by_default() {
    let e = write(
        json!({"displayName": "B"}),
        &SchemaSet::user(),
        &Policy::default(),
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'userName' is required",
    );
}

#[test]
fn blank_required_string_counts_as_missing() {
    let e = write(
        json!({"userName": "  "}),
        &SchemaSet::user(),
        &Policy::default(),
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'userName' is required",
    );
}

#[test]
fn group_display_name_is_required_by_default() {
    let e = write(
        json!({"members": [{"value": "u"}]}),
        &SchemaSet::group(),
        &Policy::default(),
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'displayName' is required",
    );
}

#[test]
fn default_policy_requires_nothing_else() {
    write(
        json!({"userName": "b"}),
        &SchemaSet::user(),
        &Policy::default(),
    )
    .unwrap();
}

#[test]
fn saas_policy_accepts_a_complete_user() {
    write(saas_user(), &SchemaSet::user(), &saas_policy()).unwrap();
}

#[test]
fn saas_policy_requires_external_id() {
    let mut body = saas_user();
    body.as_object_mut().unwrap().remove("externalId");
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'externalId' is required",
    );
}

#[test]
fn saas_policy_requires_given_name() {
    let mut body = saas_user();
    body["name"].as_object_mut().unwrap().remove("givenName");
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'name.givenName' is required",
    );
}

#[test]
fn saas_policy_requires_name_when_it_is_missing_entirely() {
    let mut body = saas_user();
    body.as_object_mut().unwrap().remove("name");
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    // the first required sub-attribute in schema order
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'name.familyName' is required",
    );
}

#[test]
fn saas_policy_requires_family_name() {
    let mut body = saas_user();
    body["name"]["familyName"] = json!("");
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'name.familyName' is required",
    );
}

#[test]
fn saas_policy_requires_emails() {
    let mut body = saas_user();
    body["emails"] = json!([]);
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(&e, ScimType::InvalidValue, "attribute 'emails' is required");
}

#[test]
fn policy_can_require_extension_attributes_by_urn_path() {
    let policy = Policy::default()
        .require(&format!("{ENT}:employeeNumber"))
        .unwrap();
    let e = write(json!({"userName": "b"}), &SchemaSet::user(), &policy).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        &format!("attribute '{ENT}:employeeNumber' is required"),
    );
}

#[test]
fn user_policy_does_not_apply_to_groups() {
    write(
        json!({"displayName": "G"}),
        &SchemaSet::group(),
        &saas_policy(),
    )
    .unwrap();
}

#[test]
fn policy_rejects_a_malformed_path() {
    let e = Policy::default()
        .require_list("externalId,name..given")
        .unwrap_err();
    assert_err(&e, ScimType::InvalidValue, "name..given");
}

#[test]
fn policy_lists_paths_that_resolve_nowhere() {
    let p = Policy::default()
        .require_list("externalId,nmae.givenName")
        .unwrap();
    assert_eq!(
        p.unknown_paths(&[&SchemaSet::user(), &SchemaSet::group()]),
        vec!["nmae.givenName"]
    );
}

// ---- lengths --------------------------------------------------------------------------

#[test]
fn too_long_top_level_string_is_invalid_value() {
    let mut body = saas_user();
    body["userName"] = json!("x".repeat(256));
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'userName' is longer than 255 characters",
    );
}

#[test]
fn max_length_counts_characters_not_bytes() {
    let mut body = saas_user();
    body["displayName"] = json!("é".repeat(255));
    write(body, &SchemaSet::user(), &saas_policy()).unwrap();
}

#[test]
fn too_long_sub_attribute_in_multi_valued_is_invalid_value() {
    let mut body = saas_user();
    body["emails"] = json!([{"value": "a@b"}, {"value": "y".repeat(300)}]);
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'emails[1].value' is longer than 255",
    );
}

#[test]
fn too_long_complex_sub_attribute_is_invalid_value() {
    let mut body = saas_user();
    body["name"]["givenName"] = json!("g".repeat(256));
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'name.givenName' is longer",
    );
}

#[test]
fn too_long_extension_attribute_is_invalid_value() {
    let mut body = saas_user();
    body[ENT] = json!({"department": "d".repeat(256)});
    let e = write(body, &SchemaSet::user(), &saas_policy()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        &format!("attribute '{ENT}:department' is longer"),
    );
}

#[test]
fn per_attribute_max_length_overrides_the_global_cap() {
    let policy = Policy::default()
        .max_length(255)
        .max_length_of("userName", 8)
        .unwrap();
    let e = write(
        json!({"userName": "ninechars"}),
        &SchemaSet::user(),
        &policy,
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'userName' is longer than 8 characters",
    );
    write(
        json!({"userName": "eight888", "displayName": "x".repeat(200)}),
        &SchemaSet::user(),
        &policy,
    )
    .unwrap();
}

// ---- canonical values -----------------------------------------------------------------

#[test]
fn canonical_values_are_not_enforced_by_default() {
    write(
        json!({ "userName": "b", ACME: {"tier": "bronze"}}),
        &typed_set(),
        &Policy::default(),
    )
    .unwrap();
}

#[test]
fn canonical_values_are_enforced_when_switched_on() {
    let policy = Policy::default().enforce_canonical_values(true);
    let e = write(
        json!({ "userName": "b", ACME: {"tier": "bronze"}}),
        &typed_set(),
        &policy,
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        &format!("attribute '{ACME}:tier' must be one of: gold, silver"),
    );
    // not caseExact: any case is fine
    write(
        json!({ "userName": "b", ACME: {"tier": "GOLD"}}),
        &typed_set(),
        &policy,
    )
    .unwrap();
}

#[test]
fn type_sub_attributes_are_exempt_unless_explicitly_enforced() {
    let body = json!({"userName": "b", "emails": [{"value": "a@b", "type": "Work2"}]});
    let on = Policy::default().enforce_canonical_values(true);
    write(body.clone(), &SchemaSet::user(), &on).unwrap();
    let types = on.enforce_canonical_types(true);
    let e = write(body, &SchemaSet::user(), &types).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'emails[0].type' must be one of: work, home, other",
    );
}

// ---- multi-valued ---------------------------------------------------------------------

#[test]
fn two_primary_values_are_invalid_value() {
    let body = json!({"userName": "b", "emails": [
        {"value": "a@b", "primary": true}, {"value": "c@d", "primary": "True"}]});
    let e = write(body, &SchemaSet::user(), &Policy::default()).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'emails' has 2 values with primary true",
    );
}

#[test]
fn too_many_values_are_invalid_value() {
    let emails: Vec<Value> = (0..1001)
        .map(|i| json!({"value": format!("{i}@x")}))
        .collect();
    let e = write(
        json!({"userName": "b", "emails": emails}),
        &SchemaSet::user(),
        &Policy::default(),
    )
    .unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'emails' has 1001 values; at most 1000",
    );
}

#[test]
fn group_members_are_uncapped_by_default_and_cappable() {
    let members: Vec<Value> = (0..5000)
        .map(|i| json!({"value": format!("u{i}")}))
        .collect();
    let body = json!({"displayName": "G", "members": members});
    write(body.clone(), &SchemaSet::group(), &Policy::default()).unwrap();
    let capped = Policy::default().max_members(Some(100));
    let e = write(body, &SchemaSet::group(), &capped).unwrap_err();
    assert_err(
        &e,
        ScimType::InvalidValue,
        "attribute 'members' has 5000 values; at most 100",
    );
}

// ---- immutable ------------------------------------------------------------------------

#[test]
fn changing_an_immutable_attribute_is_mutability() {
    let set = typed_set();
    let old = read(json!({"userName": "b", ACME: {"badge": "B-1"}}), &set).unwrap();
    let new = read(json!({"userName": "b", ACME: {"badge": "B-2"}}), &set).unwrap();
    let e = check_immutable(&old, &new, &set).unwrap_err();
    assert_err(
        &e,
        ScimType::Mutability,
        &format!("attribute '{ACME}:badge' is immutable"),
    );
    let removed = read(json!({"userName": "b"}), &set).unwrap();
    let e = check_immutable(&old, &removed, &set).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::Mutability));
}

#[test]
fn immutable_attribute_may_be_set_once_and_repeated() {
    let set = typed_set();
    let unset = read(json!({"userName": "b"}), &set).unwrap();
    let set_once = read(json!({"userName": "b", ACME: {"badge": "B-1"}}), &set).unwrap();
    check_immutable(&unset, &set_once, &set).unwrap();
    let same_other_case = read(json!({"userName": "b", ACME: {"badge": "b-1"}}), &set).unwrap();
    check_immutable(&set_once, &same_other_case, &set).unwrap();
}

// ---- policy reported by the schema set ------------------------------------------------

#[test]
fn applied_policy_is_reported_as_required_and_capped() {
    let mut users = SchemaSet::user();
    saas_policy().apply(&mut users);
    let core = users.core();
    let name = core.attribute("name").unwrap();
    assert!(name.required);
    assert!(name.sub_attribute("givenName").unwrap().required);
    assert!(name.sub_attribute("familyName").unwrap().required);
    assert!(!name.sub_attribute("middleName").unwrap().required);
    assert!(core.attribute("emails").unwrap().required);
    assert!(core.attribute("userName").unwrap().required);
    assert_eq!(core.attribute("userName").unwrap().max_length, Some(255));
    let external = users
        .common()
        .iter()
        .find(|a| a.name == "externalId")
        .unwrap();
    assert!(external.required);
    let doc = core.to_json(None);
    let emails = doc["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "emails")
        .unwrap();
    assert_eq!(emails["required"], json!(true));
    // the built-in schema itself is untouched
    assert!(
        !SchemaSet::user()
            .core()
            .attribute("emails")
            .unwrap()
            .required
    );
}

#[test]
fn applied_policy_leaves_groups_alone() {
    let mut groups = SchemaSet::group();
    saas_policy().apply(&mut groups);
    assert!(
        !groups
            .common()
            .iter()
            .find(|a| a.name == "externalId")
            .unwrap()
            .required
    );
}

#[test]
fn error_body_names_the_attribute() {
    let e = write(
        json!({"userName": 1}),
        &SchemaSet::user(),
        &Policy::default(),
    )
    .unwrap_err();
    assert_eq!(
        e.to_json(),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400",
            "scimType": "invalidValue",
            "detail": "attribute 'userName' must be a string"
        })
    );
}

#[test]
fn schemas_check_on_a_non_object_body_is_invalid_syntax() {
    let e = check_schemas(&json!("x"), &SchemaSet::user()).unwrap_err();
    assert_eq!(e.scim_type(), Some(ScimType::InvalidSyntax));
}
