//! Shared helpers of the filter evaluation tests: the RFC 7643 §8.2 / §8.3 example users
//! as stored resources and rendered JSON, and parse / bind / check shorthands.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use scimitar::filter::{BoundFilter, EvalOptions, Filter};
use scimitar::schema::SchemaSet;
use scimitar::store::Resource;
use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const CUSTOM: &str = "urn:example:scim:schemas:extension:acme:2.0:User";

pub fn fixture(name: &str) -> Map<String, Value> {
    let path = format!("{}/tests/fixtures/eval/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The fixture as a stored resource: `id` and `meta` become fields; `schemas` and the
/// derived `groups` are not stored attributes.
pub fn stored(name: &str) -> Resource {
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

pub fn parse(filter: &str) -> Filter {
    filter
        .parse()
        .unwrap_or_else(|e| panic!("{filter}: does not parse: {e}"))
}

pub fn bind(filter: &str, schemas: &SchemaSet) -> BoundFilter {
    parse(filter)
        .bind(schemas, EvalOptions::default())
        .unwrap_or_else(|e| panic!("{filter}: does not bind: {e}"))
}

pub fn check_all(resource: &Resource, schemas: &SchemaSet, cases: &[(&str, bool)]) {
    let wrong: Vec<String> = cases
        .iter()
        .filter(|(f, want)| bind(f, schemas).matches(resource) != *want)
        .map(|(f, want)| format!("{f}  (expected {want})"))
        .collect();
    assert!(wrong.is_empty(), "wrong results:\n{}", wrong.join("\n"));
}

pub fn bind_err(filter: &str, schemas: &SchemaSet, options: EvalOptions) -> scimitar::Error {
    match parse(filter).bind(schemas, options) {
        Ok(_) => panic!("{filter}: bound but should be invalidFilter"),
        Err(e) => e,
    }
}
