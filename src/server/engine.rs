//! The seam between the HTTP layer and the engines (resource reading and validation,
//! rendering, projection, PATCH, lists). Each engine call goes through exactly one function
//! here, so the handlers do not depend on the engines' exact signatures.

use std::sync::Arc;

use serde_json::{Map, Value};

use crate::compat::{Compat, CompatReport};
use crate::error::Error;
use crate::list::{self, ListLimits, ListOutcome, ListQuery, Projection};
use crate::patch::{GroupPatch, PatchLimits, PatchRequest, Revalidate};
use crate::path::AttrPath;
use crate::resource;
use crate::schema::{Policy, Returned, SchemaSet};
use crate::store::{GroupStore, Resource, UserStore};
use crate::tenant::TenantId;

use super::decode::View;

/// Reads a POST/PUT body into canonical attributes: `schemas` checked, read-only members
/// and nulls dropped, compatibility rules applied.
pub(crate) fn read_resource(
    body: &Value,
    schemas: &SchemaSet,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<Map<String, Value>, Error> {
    if !body.is_object() {
        return Err(Error::invalid_syntax(
            "the request body must be a JSON object",
        ));
    }
    resource::check_schemas(body, schemas)?;
    resource::normalize(body, schemas, compat, report)
}

/// Checks the attributes against the schema and the policy.
pub(crate) fn validate(
    attrs: &Map<String, Value>,
    schemas: &SchemaSet,
    policy: &Policy,
) -> Result<(), Error> {
    resource::validate(attrs, schemas, policy)
}

/// Refuses a PUT that changes an `immutable` attribute which already has a value.
pub(crate) fn check_immutable(
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    schemas: &SchemaSet,
) -> Result<(), Error> {
    resource::check_immutable(old, new, schemas)
}

/// How group `members` are written: with `$ref`s under the base URL, or as stored.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum MemberRefs {
    /// Users: nothing to add.
    No,
    /// Groups: each member without `$ref` gets `<base>/Users/<id>` or `<base>/Groups/<id>`.
    Add,
}

/// The attribute selection of one response, planned once per request (not per resource).
pub(crate) struct Shape {
    /// `None` when nothing would be removed: no `attributes`/`excludedAttributes` and no
    /// `returned: request` attribute in the schemas (the common case, kept cheap).
    projection: Option<Projection>,
}

impl Shape {
    pub(crate) fn new(view: &View, schemas: &SchemaSet) -> Self {
        let projection =
            if view.attributes.is_empty() && view.excluded.is_empty() && !has_request_only(schemas)
            {
                None
            } else {
                Some(Projection::new(&view.attributes, &view.excluded, schemas))
            };
        Shape { projection }
    }

    /// Whether the response may include the top-level attribute `name` (`members`,
    /// `groups`), so the handlers can skip loading it.
    pub(crate) fn needs(&self, name: &str) -> bool {
        self.projection
            .as_ref()
            .map_or(true, |p| p.needs(&AttrPath::attr(name)))
    }

    /// Writes the representation of `res` as JSON into `out`, `meta.location` under
    /// `base_url`. Without a projection it is written straight from the stored resource;
    /// otherwise rendered to a map, projected and serialised (same bytes either way).
    pub(crate) fn write(
        &self,
        out: &mut Vec<u8>,
        res: &Resource,
        schemas: &SchemaSet,
        base_url: &str,
        refs: MemberRefs,
    ) {
        let member_refs = (refs == MemberRefs::Add).then_some(base_url);
        match &self.projection {
            None => resource::write_document(out, res, schemas, Some(base_url), member_refs),
            Some(p) => {
                let mut body = resource::render(res, schemas, Some(base_url));
                if let Some(base) = member_refs {
                    resource::add_member_refs(&mut body, base);
                }
                p.apply(&mut body);
                resource::write_json(out, &Value::Object(body));
            }
        }
    }
}

fn has_request_only(schemas: &SchemaSet) -> bool {
    let request = |a: &crate::schema::AttributeDef| {
        a.returned == Returned::Request || a.subs().iter().any(|s| s.returned == Returned::Request)
    };
    schemas.core().attributes.iter().any(request)
        || schemas
            .extensions()
            .iter()
            .any(|e| e.schema.attributes.iter().any(request))
}

/// The `/Schemas` view of a schema set: the policy's required attributes marked.
pub(crate) fn discovery_schemas(set: &SchemaSet, policy: &Policy) -> SchemaSet {
    let mut set = set.clone();
    policy.apply(&mut set);
    set
}

/// The list limits derived from the service limits.
pub(crate) fn list_limits(limits: &super::Limits) -> ListLimits {
    ListLimits::default()
        .with_max_count(limits.max_count)
        .with_default_count(limits.default_count.min(limits.max_count))
        .with_filter_limits(limits.filter)
}

/// A `GET` list query string.
pub(crate) fn list_query(raw: &str, limits: &super::Limits) -> Result<ListQuery, Error> {
    ListQuery::from_query(raw, &list_limits(limits))
}

/// A `POST .search` body.
pub(crate) fn search_query(body: &Value, limits: &super::Limits) -> Result<ListQuery, Error> {
    ListQuery::from_search_body(body, &list_limits(limits))
}

/// One page of users.
pub(crate) async fn list_users(
    store: &dyn UserStore,
    tenant: &TenantId,
    query: &ListQuery,
    schemas: Arc<SchemaSet>,
) -> Result<ListOutcome, Error> {
    list::list_users(store, tenant, query, schemas).await
}

/// One page of groups.
pub(crate) async fn list_groups(
    store: &dyn GroupStore,
    tenant: &TenantId,
    query: &ListQuery,
    schemas: Arc<SchemaSet>,
    include_members: bool,
) -> Result<ListOutcome, Error> {
    list::list_groups(store, tenant, query, schemas, include_members).await
}

/// Reads a PATCH body (`PatchOp` schema, `Operations`).
pub(crate) fn parse_patch(
    body: &Value,
    compat: &Compat,
    report: &mut CompatReport,
    limits: &super::Limits,
) -> Result<PatchRequest, Error> {
    let limits = PatchLimits::default()
        .with_max_operations(limits.max_patch_operations)
        .with_filter_limits(limits.filter);
    PatchRequest::from_json(body, compat, report, &limits)
}

/// Applies a PATCH to a resource's attributes in place (all or nothing: on error `attrs`
/// is as it was); the whole result is validated. Returns whether anything changed.
pub(crate) fn apply_patch_in_place(
    patch: &PatchRequest,
    attrs: &mut Map<String, Value>,
    id: &str,
    schemas: &SchemaSet,
    policy: &Policy,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<bool, Error> {
    patch.apply_in_place(attrs, id, schemas, policy, compat, report, Revalidate::Full)
}

/// Applies a PATCH to a group's attributes given without `members`, turning member
/// operations into deltas.
pub(crate) fn apply_group_patch(
    patch: &PatchRequest,
    attrs: &Map<String, Value>,
    id: &str,
    schemas: &SchemaSet,
    policy: &Policy,
    compat: &Compat,
    report: &mut CompatReport,
) -> Result<GroupPatch, Error> {
    patch.apply_group(attrs, id, schemas, policy, compat, report)
}
