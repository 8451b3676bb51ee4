//! # Identity-provider interoperability
//!
//! Real identity providers do not all speak RFC 7644 to the letter. scimitar accepts what
//! they send by default, through **named compatibility rules** ([`crate::CompatRule`]) that
//! can each be switched off ([`crate::Compat`]) and that are reported when they fire
//! ([`crate::CompatReport`], and the `compat` field of the request span with the `tracing`
//! feature), so an operator can see which quirks their IdP relies on.
//!
//! | Rule (log name) | Who sends it | What scimitar does |
//! |---|---|---|
//! | `string_boolean` | Entra ID legacy PATCH (`"value": "False"`), OneLogin templates, Microsoft's reference tests (`"active": "True"`) | `"True"`/`"False"` in any case become JSON booleans where the schema says boolean |
//! | `manager_string` | Entra ID (`"value": "<manager id>"` for the enterprise `manager`) | stored as `{"value": "<id>"}`; always returned in the complex form |
//! | `single_value_array` | Entra ID's documented manager PATCH (`[{"value": ...}]`) | a one-element array for a single-valued complex attribute is unwrapped |
//! | `patch_op_case` | Entra ID (`"op": "Replace"`) | PATCH `op` matched case-insensitively |
//! | `patch_dotted_keys` | Entra ID with `aadOptscim062020` | path-less `replace`/`add` values with `name.givenName` or URN-qualified keys |
//! | `members_remove_by_value` | Entra ID legacy, JumpCloud | `remove` on `members` with a `value` list removes exactly those members |
//! | `read_only_same_value` | Okta group rename (`{"id": "<same id>", "displayName": ...}`) | a read-only attribute sent with its current value is ignored |
//! | `unknown_schema_uri` | Entra ID groups (`http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group`) | unknown URIs in `schemas` are tolerated when no data is keyed by them |
//! | `null_sub_attribute` | Entra ID (`"$ref": null` in members) | null sub-attributes are dropped |
//!
//! Behaviour that is simply RFC 7644 and needs no rule, but that naive servers get wrong:
//!
//! - request bodies as `application/scim+json` or `application/json`, any `charset`;
//!   no `Accept` header required (Entra's GETs carry none); responses always
//!   `application/scim+json`;
//! - query strings decoded with `+` as a space (Entra) and `%20` (Okta);
//! - a filter that matches nothing answers `200` with `totalResults: 0` (Entra's "Test
//!   Connection", Okta's existence check), never 404;
//! - `userName` compares case-insensitively (`caseExact: false`), so Okta's upper-cased
//!   lookup finds the user and differently-cased duplicates answer `409 uniqueness`;
//! - client-sent read-only attributes (`id`, `meta`, `groups`) in POST/PUT bodies are
//!   ignored (Okta's GET-then-PUT sends them back); `password` is accepted and never
//!   returned;
//! - `active: false` users stay visible to GET and filters (Okta never deletes users);
//! - `excludedAttributes=members` on group reads (Entra) avoids loading members at all;
//! - `totalResults`, `startIndex`, `itemsPerPage` are JSON integers and ordering is stable
//!   across pages (Okta's import).
//!
//! ## Connecting an IdP
//!
//! Give the IdP the SCIM base URL (e.g. `https://app.example.com/scim/v2`) and the bearer
//! token issued for the organization. Okta: "SCIM connector base URL", unique identifier
//! field `userName`, authentication mode "HTTP Header". Entra ID: "Tenant URL" and "Secret
//! Token"; append `?aadOptscim062020` to the tenant URL for RFC-compliant PATCH shapes
//! (both dialects are accepted either way).
