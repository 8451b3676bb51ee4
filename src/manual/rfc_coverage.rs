//! # RFC coverage
//!
//! ## RFC 7643 (schema)
//!
//! | Section | Status |
//! |---|---|
//! | §2 attribute types and characteristics | all eight types; every characteristic modelled ([`crate::schema::AttributeDef`]) |
//! | §3.1 common attributes `id`, `externalId`, `meta` | yes; `meta.version` is a weak ETag |
//! | §4.1 User, §4.2 Group, §4.3 Enterprise User | built in, from the RFC's own §8.7.1 JSON with verified errata 5368, 8471, 8472 applied, plus `members.display` (erratum 6011) and `addresses.primary` |
//! | §5 ServiceProviderConfig | derived from the configuration (patch, filter with `maxResults`, sort, etag: supported; changePassword: supported when passwords are kept ([`crate::Passwords`] `Hash` or `Keep`); bulk: not) |
//! | §6 ResourceType | User (with the Enterprise and any custom extension) and Group |
//! | §7 Schema definitions | served per tenant, including custom attributes and the required-attribute policy |
//! | Custom extension schemas | per tenant, registered at run time ([`crate::schema::SchemaRegistry`]) |
//!
//! ## RFC 7644 (protocol)
//!
//! The rows are checked through [`ScimService::handle`](crate::ScimService::handle) by
//! `tests/service_rfc7644.rs` (a table whose rows name the section they test) and the
//! other `tests/service_*.rs` files.
//!
//! | Section | Status |
//! |---|---|
//! | §2 authentication | bearer tokens per organization ([`crate::auth`]); pluggable verifier; 401 with `WWW-Authenticate` |
//! | §3.3 create | yes: 201, `Location`, `ETag`; read-only input ignored; 409 `uniqueness`; a body without the resource type's schema URN in `schemas` is 400 `invalidValue` |
//! | §3.4.1 retrieve by id | yes, with `attributes` / `excludedAttributes`; ids are case exact |
//! | §3.4.2 query: filter (full grammar), sort, paging, projection | yes; unknown parameters ignored; a Users filter on the derived `groups` is 400 `invalidFilter` (query `/Groups` by `members[value eq "..."]`); filters and `sortBy` on never-returned attributes (`password`) are refused; `tooMany` is never answered (pages are capped at `filter.maxResults` instead); queries against a single resource or with GET at the root are not served (both MAY) |
//! | §3.4.2.2 filter operators | `gt`/`ge`/`lt`/`le` on boolean and binary, `co`/`sw`/`ew` on dateTime, a dateTime compared with other text, a comparison on a complex attribute without sub-attribute: 400 `invalidFilter`; string comparisons follow `caseExact` |
//! | §3.4.2.3 sort | multi-valued attributes by their primary value, else the first; no value sorts last ascending, first descending; `caseExact` strings by code point, others case-insensitively |
//! | §3.4.2.4 paging | `startIndex` < 1 is 1, negative `count` is 0, `count` capped; a non-integer is 400 `invalidValue` |
//! | §3.4.3 POST `.search` | yes, on `/Users`, `/Groups` and the root (Users then Groups, paged as one list); the body must list the `SearchRequest` URN (400 `invalidSyntax`) |
//! | §3.5.1 PUT | yes; never creates; read-only input ignored; omitted read-write attributes are cleared; `immutable` attributes must repeat their value (400 `mutability`, also when omitted) |
//! | §3.5.2 PATCH add / replace / remove with value paths | yes, all-or-nothing; `primary` kept unique; 200 with the resource or 204 ([`PatchResponse`](crate::PatchResponse)), always 200 when the query names `attributes` or `excludedAttributes`; a PATCH that changes nothing is not written (same version and `meta.lastModified`) |
//! | §3.6 DELETE | yes; members are removed from every group; a deleted resource's `userName` / `displayName` is free again |
//! | §3.7 Bulk | no: 501 and `bulk.supported: false` |
//! | §3.8 media types | `application/scim+json` and `application/json` bodies, UTF-8 only (else 400 `invalidSyntax`); every answer is `application/scim+json`, whatever `Accept` says |
//! | §3.9 `attributes` / `excludedAttributes` | on every answer that carries a resource (GET, lists, `.search`, POST, PUT, PATCH); read before a write, so a malformed one changes nothing; `returned` `always`, `never` and `request` honoured |
//! | §3.10 attribute notation | URN-qualified and case-insensitive everywhere (filters, paths, `attributes`, `sortBy`) |
//! | §3.11 `/Me` | no: 501 |
//! | §3.12 errors | every Table 9 `scimType`; `status` is a string; an unknown endpoint or id is 404; a method the endpoint lacks is 405 with `Allow`, one no endpoint implements is 501 |
//! | §3.13 versioning | the version is part of the base path (`/scim/v2`); other versions are 404 |
//! | §3.14 ETags, `If-Match`, `If-None-Match` | yes: weak ETags equal to `meta.version`; `If-Match` (lists, `*`) on PUT/PATCH/DELETE is 412 on mismatch; `If-None-Match` is 304 on GET and 412 on PUT/PATCH/DELETE when it matches; tags compare weakly, also for `If-Match` (SCIM's own examples send weak tags there) |
//! | §4 discovery | `/ServiceProviderConfig`, `/ResourceTypes[/{name}]`, `/Schemas[/{urn}]`; paging and sorting parameters are ignored; a `filter` on the two lists is 403; protocol message schemas are not served; the schemas of the discovery resources themselves (RFC 7643 §8.7.2) are not listed |
//! | §5 internationalized `userName` | partly: uniqueness and `eq` compare under Unicode lower-casing; the PRECIS preparation (NFC, width mapping) is not applied, so `café` in NFC and in NFD are two names |
//! | §7.5.2 sensitive data in URIs | not detected (which data is sensitive is the host's policy); `password` cannot be filtered on |
//! | RFC 9865 cursor pagination | no (index pagination only) |
