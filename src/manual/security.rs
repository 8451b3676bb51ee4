//! # Security model
//!
//! - **Tenancy.** The bearer token identifies the organization ([`crate::TenantId`]);
//!   every store call carries it, and the store conformance kit checks that nothing of one
//!   tenant is visible, countable, changeable or deletable from another.
//! - **Tokens** ([`crate::auth`]) are 256 random bits from the operating system with a
//!   `scim_` prefix, shown once, stored only as SHA-256 hashes, compared in constant time,
//!   rotatable (the old token stays valid until revoked) and revocable; disabling SCIM for
//!   an organization revokes all its tokens, also one a concurrent rotation was issuing.
//!   Tokens never appear in `Debug` output, logs or error bodies, nor does any digit of
//!   their hashes. Every failed credential (missing, malformed, unknown, revoked, of a
//!   disabled organization) gets the same 401, `WWW-Authenticate: Bearer realm="SCIM"`.
//! - **Responses** carry `Cache-Control: no-store` (all organizations share the same URLs;
//!   only the token tells them apart, so no cache may keep an answer), and an
//!   `X-Request-Id` that is a keyed hash of the request counter, so it does not tell an
//!   organization how many requests the others make. Another organization's resource ids
//!   answer exactly like ids that exist nowhere (404, whatever `If-Match` or
//!   `If-None-Match` comes with them; `invalidValue` as a group member).
//! - **Untrusted input** is bounded (see the crate docs' "Untrusted input" section) and
//!   parsed without panics: no `unwrap`, `expect` or slice indexing on request data
//!   (enforced by Clippy lints), filter nesting checked while parsing so no input can
//!   overflow the stack.
//! - **Passwords** a client sends on a User are accepted, validated and never returned;
//!   filters and `sortBy` on them are refused (they would disclose the value one
//!   comparison at a time). By default they never reach the store
//!   ([`crate::Passwords::Discard`]); a product that signs users in with them chooses
//!   [`crate::Passwords::Hash`] with a password hash (Argon2, ...) so that the store
//!   only ever holds the hash (RFC 7643 §4.1.1), or [`crate::Passwords::Keep`] when its
//!   store hashes them itself.
//! - **Deprovisioning** only takes effect in your product if you act on it: a user the IdP
//!   deactivates (`active: false`) or deletes may still hold sessions and API keys of
//!   yours. [`crate::ScimServiceBuilder::on_change`] reports each such write
//!   ([`crate::Activation::Deactivated`], [`crate::ChangeKind::Deleted`]) as it happens.
//! - **Errors** never carry store internals: a store failure is a 500/503 with a generic
//!   detail.
//! - **Discovery endpoints** (`/Schemas`, `/ResourceTypes`, `/ServiceProviderConfig`)
//!   require authentication too, since `/Schemas` lists the organization's custom
//!   attributes.
