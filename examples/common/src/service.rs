//! The one place the examples configure [`ScimService`]: stores, tokens, schemas, policy.

use std::sync::Arc;

use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::schema::SchemaRegistry;
use scimitar::{MemoryStore, ScimService};

use crate::args::Args;
use crate::SCIM_BASE_PATH;

/// Builds the SCIM service of the examples: the in-memory store for Users and Groups,
/// bearer-token tenancy from `tokens`, per-tenant schemas from `schemas`, served under
/// [`SCIM_BASE_PATH`].
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
    let builder = ScimService::builder()
        .users(store.clone())
        .groups(store)
        .tokens(tokens)
        .schemas(schemas)
        .base_path(SCIM_BASE_PATH)
        .public_url(public_url);
    if !args.require.is_empty() || args.max_length.is_some() {
        // scimitar's `Policy` has no public constructor yet: the flags are parsed and
        // checked, and will be wired here once it does.
        tracing::warn!(
            require = ?args.require,
            max_length = ?args.max_length,
            "--require/--max-length are accepted but not enforced by this scimitar version yet"
        );
    }
    builder.build()
}
