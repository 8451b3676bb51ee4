//! The one place the examples configure [`ScimService`]: stores, tokens, schemas, policy.

use std::sync::Arc;

use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::schema::{Policy, SchemaRegistry};
use scimitar::{MemoryStore, ScimService};

use crate::args::Args;
use crate::SCIM_BASE_PATH;

/// Builds the SCIM service of the examples: the in-memory store for Users and Groups,
/// bearer-token tenancy from `tokens`, per-tenant schemas from `schemas` (built with
/// [`SchemaRegistry::with_policy`] of the same [`policy`], so `/Schemas` reports it),
/// validation by [`policy`], served under [`SCIM_BASE_PATH`].
pub fn build(
    args: &Args,
    tokens: Arc<TenantTokens<MemoryTokenStore>>,
    schemas: Arc<SchemaRegistry>,
) -> Result<ScimService, scimitar::Error> {
    let store = Arc::new(MemoryStore::new());
    // Without --public-url the service derives meta.location from each request's Host
    // header, which is right behind any name the server is reached by.
    let public_url = args
        .public_url
        .as_deref()
        .map(|u| crate::scim_url(Some(u), args.bind));
    let policy = policy(args)?;
    ScimService::builder()
        .users(store.clone())
        .groups(store)
        .tokens(tokens)
        .schemas(schemas)
        .policy(policy)
        .base_path(SCIM_BASE_PATH)
        .public_url(public_url)
        .build()
}

/// The validation policy of `--require` and `--max-length` (the RFC's when both are
/// absent).
pub fn policy(args: &Args) -> Result<Policy, scimitar::Error> {
    let mut policy = Policy::default();
    for attr in &args.require {
        policy = policy
            .require(attr)
            .map_err(|e| e.with_context("--require"))?;
    }
    if let Some(n) = args.max_length {
        policy = policy.max_length(n);
    }
    Ok(policy)
}
