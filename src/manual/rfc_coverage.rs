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
//! | Section | Status |
//! |---|---|
//! | §3.3 create | yes: 201, `Location`, `ETag`; read-only input ignored; 409 `uniqueness` |
//! | §3.4.1 retrieve by id | yes, with `attributes` / `excludedAttributes` |
//! | §3.4.2 query: filter (full grammar), sort, paging, projection | yes; a Users filter on the derived `groups` is 400 `invalidFilter` (query `/Groups` by `members[value eq "..."]`); filters and `sortBy` on never-returned attributes (`password`) are refused |
//! | §3.4.3 POST `.search` | yes, on `/Users`, `/Groups` and the root |
//! | §3.5.1 PUT | yes; never creates; immutable attributes checked |
//! | §3.5.2 PATCH add / replace / remove with value paths | yes, all-or-nothing |
//! | §3.6 DELETE | yes; members are removed from every group |
//! | §3.7 Bulk | no: 501 and `bulk.supported: false` |
//! | §3.11 `/Me` | no: 501 |
//! | §3.12 errors | every Table 9 `scimType` |
//! | §3.14 ETags, `If-Match`, `If-None-Match` | yes (412 / 304) |
//! | §2 authentication | bearer tokens per organization ([`crate::auth`]); pluggable verifier |
//! | RFC 9865 cursor pagination | no (index pagination only) |
