//! Stored resource to output document.

use serde_json::{Map, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use super::json_out;
use super::member::member as lookup;
use crate::schema::{AttributeDef, Mutability, Returned, SchemaSet};
use crate::store::Resource;

/// Renders a stored resource as its SCIM document (before any `attributes` /
/// `excludedAttributes` projection).
///
/// Members, in this order: `schemas` (the core URN, then each extension that holds data,
/// in the set's order), `id`, `externalId`, the core attributes in schema order, one object
/// per extension with data, and `meta` (`resourceType`, `created`, `lastModified` as
/// RFC 3339, `location` when `base_location` is given, `version` as the weak ETag
/// `W/"<version>"`).
///
/// Attributes and sub-attributes that are `writeOnly` or `returned: never` (`password`)
/// are never output; members the schemas do not define are left out. A derived attribute
/// that is not stored (User `groups`) is output when the caller has put it into
/// `resource.attributes` before rendering.
///
/// `base_location` is the service's base URL without a trailing slash, e.g.
/// `https://example.com/scim/v2`; `meta.location` is `base + endpoint + "/" + id`.
pub fn render(
    resource: &Resource,
    schemas: &SchemaSet,
    base_location: Option<&str>,
) -> Map<String, Value> {
    let attrs = &resource.attributes;
    let mut out = Map::new();

    let mut urns = vec![Value::String(schemas.core().id.clone())];
    let mut ext_out: Vec<(String, Map<String, Value>)> = Vec::new();
    for ext in schemas.extensions() {
        let Some(obj) = lookup(attrs, &ext.schema.id).and_then(Value::as_object) else {
            continue;
        };
        let rendered = members(obj, &ext.schema.attributes);
        if !rendered.is_empty() {
            urns.push(Value::String(ext.schema.id.clone()));
            ext_out.push((ext.schema.id.clone(), rendered));
        }
    }
    out.insert("schemas".into(), Value::Array(urns));
    out.insert("id".into(), Value::String(resource.id.clone()));
    let common: Vec<AttributeDef> = schemas
        .common()
        .iter()
        .filter(|a| a.name != "id" && a.name != "meta")
        .cloned()
        .collect();
    out.extend(members(attrs, &common));
    out.extend(members(attrs, &schemas.core().attributes));
    for (urn, obj) in ext_out {
        out.insert(urn, Value::Object(obj));
    }

    let mut meta = Map::new();
    meta.insert(
        "resourceType".into(),
        Value::String(schemas.resource_type().to_string()),
    );
    meta.insert("created".into(), Value::String(rfc3339(resource.created)));
    meta.insert(
        "lastModified".into(),
        Value::String(rfc3339(resource.last_modified)),
    );
    if let Some(base) = base_location {
        meta.insert(
            "location".into(),
            Value::String(format!(
                "{}{}/{}",
                base.trim_end_matches('/'),
                schemas.endpoint(),
                resource.id
            )),
        );
    }
    meta.insert(
        "version".into(),
        Value::String(format!("W/\"{}\"", resource.version)),
    );
    out.insert("meta".into(), Value::Object(meta));
    out
}

/// An instant as RFC 3339 (`2010-01-23T04:56:22Z`).
pub fn rfc3339(t: OffsetDateTime) -> String {
    t.format(&Rfc3339).unwrap_or_default()
}

fn hidden(def: &AttributeDef) -> bool {
    def.returned == Returned::Never || def.mutability == Mutability::WriteOnly
}

/// The members of `obj` that `defs` define, in `defs` order and spelling, without hidden
/// ones and without empty values.
fn members(obj: &Map<String, Value>, defs: &[AttributeDef]) -> Map<String, Value> {
    let mut out = Map::new();
    for def in defs {
        if hidden(def) {
            continue;
        }
        let Some(v) = lookup(obj, &def.name) else {
            continue;
        };
        if let Some(v) = value(v, def) {
            out.insert(def.name.clone(), v);
        }
    }
    out
}

fn value(v: &Value, def: &AttributeDef) -> Option<Value> {
    let out = match (v, def.sub_attributes.as_deref()) {
        (Value::Null, _) => return None,
        (Value::Array(items), _) => {
            let items: Vec<Value> = items.iter().filter_map(|i| value(i, def)).collect();
            if items.is_empty() {
                return None;
            }
            Value::Array(items)
        }
        (Value::Object(o), Some(subs)) => {
            let m = members(o, subs);
            if m.is_empty() {
                return None;
            }
            Value::Object(m)
        }
        (other, _) => other.clone(),
    };
    Some(out)
}

/// Writes the document [`render`] returns as compact JSON into `out`: byte for byte what
/// `serde_json::to_writer(out, &render(resource, schemas, base_location))` writes (same
/// members, same order, same escapes), without building the intermediate map.
///
/// This is how `ScimService` writes resources into response bodies; it costs a fraction
/// of rendering and then serialising.
///
/// ```
/// use scimitar::resource::{render, render_to};
/// use scimitar::schema::SchemaSet;
/// use scimitar::store::Resource;
/// use serde_json::json;
/// use time::OffsetDateTime;
///
/// let Some(attributes) = json!({"userName": "bjensen", "password": "never shown"})
///     .as_object()
///     .cloned()
/// else {
///     unreachable!()
/// };
/// let user = Resource {
///     id: "2819c223".into(),
///     version: 1,
///     created: OffsetDateTime::UNIX_EPOCH,
///     last_modified: OffsetDateTime::UNIX_EPOCH,
///     attributes,
/// };
/// let set = SchemaSet::user();
/// let mut body = Vec::new();
/// render_to(&user, &set, Some("https://example.com/scim/v2"), &mut body);
/// let map = render(&user, &set, Some("https://example.com/scim/v2"));
/// assert_eq!(body, serde_json::to_vec(&map)?);
/// assert!(body.starts_with(br#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":"2819c223","userName":"bjensen","meta":"#));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub fn render_to(
    resource: &Resource,
    schemas: &SchemaSet,
    base_location: Option<&str>,
    out: &mut Vec<u8>,
) {
    write_document(out, resource, schemas, base_location, None);
}

/// [`render_to`], and with `member_refs` (the service's base URL) every Group `members`
/// element without a `$ref` gets `$ref` = `<base>/Groups/<value>` (type `Group`) or
/// `<base>/Users/<value>` appended, as [`add_member_refs`] does to a rendered map.
pub(crate) fn write_document(
    out: &mut Vec<u8>,
    resource: &Resource,
    schemas: &SchemaSet,
    base_location: Option<&str>,
    member_refs: Option<&str>,
) {
    if !schemas.names_distinct() {
        // A repeated member name replaces the earlier member in a map; the map path
        // keeps those semantics.
        let mut doc = render(resource, schemas, base_location);
        if let Some(base) = member_refs {
            add_member_refs(&mut doc, base);
        }
        json_out::value(out, &Value::Object(doc));
        return;
    }
    let attrs = &resource.attributes;
    out.extend_from_slice(b"{\"schemas\":[");
    json_out::string(out, &schemas.core().id);
    for ext in schemas.extensions() {
        if lookup(attrs, &ext.schema.id)
            .and_then(Value::as_object)
            .is_some_and(|obj| members_render(obj, &ext.schema.attributes))
        {
            out.push(b',');
            json_out::string(out, &ext.schema.id);
        }
    }
    out.extend_from_slice(b"],\"id\":");
    json_out::string(out, &resource.id);
    let mut first = false;
    for def in schemas.common() {
        if def.name != "id" && def.name != "meta" {
            let refs = member_refs.filter(|_| def.name == "members");
            write_member(out, attrs, def, &mut first, refs);
        }
    }
    for def in &schemas.core().attributes {
        let refs = member_refs.filter(|_| def.name == "members");
        write_member(out, attrs, def, &mut first, refs);
    }
    for ext in schemas.extensions() {
        let Some(obj) = lookup(attrs, &ext.schema.id).and_then(Value::as_object) else {
            continue;
        };
        let mark = out.len();
        out.push(b',');
        json_out::key(out, &ext.schema.id);
        out.push(b'{');
        let mut none = true;
        for def in &ext.schema.attributes {
            write_member(out, obj, def, &mut none, None);
        }
        if none {
            out.truncate(mark);
        } else {
            out.push(b'}');
        }
    }

    out.extend_from_slice(b",\"meta\":{\"resourceType\":");
    json_out::string(out, schemas.resource_type());
    out.extend_from_slice(b",\"created\":");
    write_instant(out, resource.created);
    out.extend_from_slice(b",\"lastModified\":");
    write_instant(out, resource.last_modified);
    if let Some(base) = base_location {
        out.extend_from_slice(b",\"location\":\"");
        json_out::str_contents(out, base.trim_end_matches('/'));
        json_out::str_contents(out, schemas.endpoint());
        out.push(b'/');
        json_out::str_contents(out, &resource.id);
        out.push(b'"');
    }
    out.extend_from_slice(b",\"version\":\"W/\\\"");
    json_out::uint(out, resource.version);
    out.extend_from_slice(b"\\\"\"}}");
}

/// An instant as an RFC 3339 JSON string (`""` if it has no RFC 3339 form, like
/// [`rfc3339`]).
fn write_instant(out: &mut Vec<u8>, t: OffsetDateTime) {
    out.push(b'"');
    let mark = out.len();
    if t.format_into(out, &Rfc3339).is_err() {
        out.truncate(mark);
    }
    out.push(b'"');
}

/// Writes `,"name":value` (no comma when `*first`) for the member of `obj` that `def`
/// defines, if it renders; `*first` becomes false once something was written.
fn write_member(
    out: &mut Vec<u8>,
    obj: &Map<String, Value>,
    def: &AttributeDef,
    first: &mut bool,
    member_refs: Option<&str>,
) {
    if hidden(def) {
        return;
    }
    let Some(v) = lookup(obj, &def.name) else {
        return;
    };
    let mark = out.len();
    if !*first {
        out.push(b',');
    }
    json_out::key(out, &def.name);
    if write_value(out, v, def, member_refs) {
        *first = false;
    } else {
        out.truncate(mark);
    }
}

/// Writes what [`value`] returns; `false` (and possibly a partial write for the caller to
/// truncate) when it returns `None`. With `member_refs`, the elements of an array value
/// get their `$ref` (see [`write_document`]).
fn write_value(
    out: &mut Vec<u8>,
    v: &Value,
    def: &AttributeDef,
    member_refs: Option<&str>,
) -> bool {
    match (v, def.sub_attributes.as_deref()) {
        (Value::Null, _) => false,
        (Value::Array(items), _) => {
            out.push(b'[');
            let mut none = true;
            for item in items {
                let mark = out.len();
                if !none {
                    out.push(b',');
                }
                let written = match (item, def.sub_attributes.as_deref(), member_refs) {
                    (Value::Object(o), Some(subs), Some(base)) => {
                        write_object(out, o, subs, Some(base))
                    }
                    (Value::Object(o), None, Some(base)) => {
                        json_out::value(out, item);
                        if raw_member_ref(o).is_some() && out.last() == Some(&b'}') {
                            out.pop();
                            write_member_ref(out, o, None, base);
                            out.push(b'}');
                        }
                        true
                    }
                    _ => write_value(out, item, def, None),
                };
                if written {
                    none = false;
                } else {
                    out.truncate(mark);
                }
            }
            out.push(b']');
            !none
        }
        (Value::Object(o), Some(subs)) => write_object(out, o, subs, None),
        (other, _) => {
            json_out::value(out, other);
            true
        }
    }
}

/// Writes the members of `o` that `subs` define as an object (`false` when there are
/// none), plus the member's `$ref` with `member_ref`.
fn write_object(
    out: &mut Vec<u8>,
    o: &Map<String, Value>,
    subs: &[AttributeDef],
    member_ref: Option<&str>,
) -> bool {
    out.push(b'{');
    let mut none = true;
    for sub in subs {
        write_member(out, o, sub, &mut none, None);
    }
    if let (Some(base), false) = (member_ref, none) {
        write_member_ref(out, o, Some(subs), base);
    }
    out.push(b'}');
    !none
}

/// For an object written as stored (no sub-attribute definitions): its `value` when
/// [`add_member_refs`] would give it a `$ref`.
fn raw_member_ref(o: &Map<String, Value>) -> Option<&str> {
    if o.contains_key("$ref") {
        return None;
    }
    o.get("value").and_then(Value::as_str)
}

/// The `$ref` [`add_member_refs`] would add to this member once rendered (by `subs`, or
/// as stored when `None`), written as `,"$ref":"..."`.
fn write_member_ref(
    out: &mut Vec<u8>,
    o: &Map<String, Value>,
    subs: Option<&[AttributeDef]>,
    base: &str,
) {
    let get = |name: &str| match subs {
        Some(subs) => rendered(o, subs, name),
        None => o.get(name),
    };
    if get("$ref").is_some() {
        return;
    }
    let Some(id) = get("value").and_then(Value::as_str) else {
        return;
    };
    let is_group = get("type")
        .and_then(Value::as_str)
        .is_some_and(|t| t.eq_ignore_ascii_case("Group"));
    out.extend_from_slice(b",\"$ref\":\"");
    json_out::str_contents(out, base);
    out.extend_from_slice(if is_group { b"/Groups/" } else { b"/Users/" });
    json_out::str_contents(out, id);
    out.push(b'"');
}

/// The stored value behind the rendered member `name` of `o`, if that member renders.
fn rendered<'v>(o: &'v Map<String, Value>, subs: &[AttributeDef], name: &str) -> Option<&'v Value> {
    let def = subs.iter().find(|d| d.name == name && !hidden(d))?;
    let v = lookup(o, name)?;
    renders(v, def).then_some(v)
}

/// Whether [`members`] of `obj` would be non-empty.
fn members_render(obj: &Map<String, Value>, defs: &[AttributeDef]) -> bool {
    defs.iter()
        .filter(|d| !hidden(d))
        .any(|d| lookup(obj, &d.name).is_some_and(|v| renders(v, d)))
}

/// Whether [`value`] returns `Some`.
fn renders(v: &Value, def: &AttributeDef) -> bool {
    match (v, def.sub_attributes.as_deref()) {
        (Value::Null, _) => false,
        (Value::Array(items), _) => items.iter().any(|i| renders(i, def)),
        (Value::Object(o), Some(subs)) => members_render(o, subs),
        _ => true,
    }
}

/// Adds `$ref` to each element of a rendered Group's `members` that has a string `value`
/// and no `$ref`: `<base>/Groups/<value>` when its `type` is `Group` (any case), else
/// `<base>/Users/<value>`.
pub(crate) fn add_member_refs(doc: &mut Map<String, Value>, base: &str) {
    let Some(Value::Array(members)) = doc.get_mut("members") else {
        return;
    };
    for m in members.iter_mut() {
        let Some(obj) = m.as_object_mut() else {
            continue;
        };
        if obj.contains_key("$ref") {
            continue;
        }
        let Some(id) = obj.get("value").and_then(Value::as_str) else {
            continue;
        };
        let is_group = obj
            .get("type")
            .and_then(Value::as_str)
            .is_some_and(|t| t.eq_ignore_ascii_case("Group"));
        let kind = if is_group { "Groups" } else { "Users" };
        let loc = format!("{base}/{kind}/{id}");
        obj.insert("$ref".into(), Value::String(loc));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::AttributeType;
    use serde_json::json;

    fn group(members: Value) -> Resource {
        let mut attributes = Map::new();
        attributes.insert("displayName".into(), json!("G"));
        attributes.insert("members".into(), members);
        Resource {
            id: "g1".into(),
            version: 3,
            created: OffsetDateTime::UNIX_EPOCH,
            last_modified: OffsetDateTime::UNIX_EPOCH,
            attributes,
        }
    }

    fn assert_refs_match(res: &Resource, set: &SchemaSet) {
        let base = "https://h/scim/v2";
        let mut doc = render(res, set, Some(base));
        add_member_refs(&mut doc, base);
        let mut out = Vec::new();
        write_document(&mut out, res, set, Some(base), Some(base));
        assert_eq!(
            String::from_utf8(out).unwrap(),
            serde_json::to_string(&doc).unwrap()
        );
    }

    #[test]
    fn member_refs_match_the_map_path() {
        let cases = [
            json!([
                {"value": "u1"},
                {"value": "g2", "type": "group", "display": "Sub \"group\""},
                {"value": "u3", "$ref": "https://elsewhere/Users/u3"},
                {"display": "no value"},
                {"value": 7},
                {"value": null, "type": "Group"},
                null,
                "plain",
                [{"value": "nested"}],
                {"VALUE": "u\u{1}é", "TYPE": "User"}
            ]),
            json!({"value": "not an array"}),
            json!([]),
            json!("string"),
        ];
        for members in cases {
            assert_refs_match(&group(members), &SchemaSet::group());
        }
    }

    #[test]
    fn member_refs_without_sub_attribute_definitions() {
        let mut set = SchemaSet::group();
        for a in &mut set.core_mut().attributes {
            if a.name == "members" {
                *a = AttributeDef::new("members", AttributeType::Complex).multi_valued(true);
            }
        }
        let members = json!([{"value": "u1", "x": 1}, {"value": "g", "type": "GROUP"}, {"$ref": "r", "value": "v"}, {}]);
        assert_refs_match(&group(members), &set);
    }
}
