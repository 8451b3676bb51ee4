//! Bearer-token tenancy: the token in `Authorization: Bearer …` names the tenant.
//!
//! The SCIM base URL an administrator copies into Okta or Entra is the same for every
//! organization; the bearer token is what tells them apart. This module is the "Enable
//! SCIM" flow as an API, framework-agnostic and free of I/O of its own:
//!
//! - [`TenantTokens`] issues a token when SCIM is enabled for a tenant
//!   ([`enable`](TenantTokens::enable)), issues more ([`rotate`](TenantTokens::rotate);
//!   older tokens keep working until [revoked](TenantTokens::revoke)), turns a tenant off
//!   ([`disable`](TenantTokens::disable): every request 401) and reports
//!   [`status`](TenantTokens::status). It is a [`TokenVerifier`].
//! - [`TokenStore`] is where the hashes live: [`MemoryTokenStore`] here, the host's
//!   database in production.
//! - [`TokenVerifier`] is what the service calls with each request's credential; a host
//!   can implement it itself, e.g. to accept OAuth JWTs.
//! - [`bearer_from_headers`] / [`parse_bearer`] read the credential, [`unauthorized`] is
//!   the one 401 answer, and [`WWW_AUTHENTICATE`] the challenge to send with it.
//!
//! # Security model
//!
//! - **Random.** Generated tokens are [`TOKEN_PREFIX`] plus 256 bits from the operating
//!   system ([`getrandom`]), in base32. The prefix lets secret scanners spot a leak.
//! - **Shown once.** The plaintext exists only in the [`IssuedToken`] returned by
//!   `enable`/`rotate`; hand it over and drop it.
//! - **Hashed at rest.** Stores keep the SHA-256 of the token ([`TokenHash`]), never the
//!   token. A stolen table does not authenticate anyone: with 256 random bits, inverting the
//!   hash is out of reach, which is also why a fast hash is the right one (a slow password
//!   hash would tax every request and add nothing).
//! - **Looked up by hash, confirmed in constant time.** Verification hashes the presented
//!   credential and looks the digest up in an index. The lookup may take time that depends on
//!   how the digest compares to stored ones, but that reveals nothing useful: an attacker
//!   cannot steer the SHA-256 of their guess towards a stored digest byte by byte (that would
//!   need preimages), so the classic "guess one byte at a time" timing attack on a plaintext
//!   comparison has nothing to climb. The record found is then compared again with
//!   [`subtle::ConstantTimeEq`], so a store whose index matches loosely (prefixes,
//!   case-insensitive text) can never admit another token. Scanning all tokens with
//!   constant-time comparisons would add cost per tenant and no protection.
//! - **Never printed.** [`BearerToken`] and [`IssuedToken`] redact their `Debug` and have no
//!   `Display`; errors never echo the credential; [`TokenHash`] prints none of the digest.
//!   Ids ([`TokenId`]) are random and safe to log.
//! - **Unknown and malformed look the same.** Missing header, another scheme, a malformed,
//!   unknown, revoked or disabled token: all are the same [`unauthorized`] error. A store
//!   failure is not turned into a 401, so an outage is not mistaken for a bad token.

mod header;
mod store;
mod tenant_tokens;
mod token;

use std::sync::Arc;

use async_trait::async_trait;
use http::HeaderMap;

use crate::{Error, ErrorKind, TenantId};

pub use header::{
    bearer_from_header, bearer_from_headers, is_b64token, parse_bearer, MAX_TOKEN_LEN,
};
pub use store::{MemoryTokenStore, TokenRecord, TokenStore};
pub use tenant_tokens::{ScimStatus, TenantTokens, TokenInfo, MIN_REGISTERED_TOKEN_LEN};
pub use token::{
    BearerToken, IssuedToken, TokenHash, TokenId, MAX_TOKEN_ID_LEN, TOKEN_PREFIX,
    TOKEN_RANDOM_BYTES,
};

/// The value of the `WWW-Authenticate` header that goes with every 401 (RFC 6750 §3).
pub const WWW_AUTHENTICATE: &str = "Bearer realm=\"SCIM\"";

/// The detail of every 401: it never says which check failed, nor echoes the credential.
pub const UNAUTHORIZED_DETAIL: &str = "missing or invalid bearer token";

/// The 401 [`Error`] for a missing, malformed, unknown, revoked or disabled credential.
pub fn unauthorized() -> Error {
    Error::new(ErrorKind::Unauthorized, UNAUTHORIZED_DETAIL)
}

/// Turns a request's bearer credential into the tenant it belongs to.
///
/// The service calls this once per request (discovery endpoints included) with the
/// credential from the `Authorization` header. [`TenantTokens`] implements it over stored
/// hashes; a host can implement it for OAuth JWTs or an external introspection endpoint.
///
/// Return [`unauthorized`] for any credential that does not authenticate, and the store's
/// own error (e.g. 503) when the answer cannot be known. Never put the credential in an
/// error detail.
#[async_trait]
pub trait TokenVerifier: Send + Sync {
    /// The tenant `token` authenticates as.
    async fn verify(&self, token: &str) -> Result<TenantId, Error>;
}

#[async_trait]
impl<V: TokenVerifier + ?Sized> TokenVerifier for Arc<V> {
    async fn verify(&self, token: &str) -> Result<TenantId, Error> {
        (**self).verify(token).await
    }
}

#[async_trait]
impl<V: TokenVerifier + ?Sized> TokenVerifier for Box<V> {
    async fn verify(&self, token: &str) -> Result<TenantId, Error> {
        (**self).verify(token).await
    }
}

/// The tenant of a request: reads the bearer credential from `headers` and verifies it.
///
/// Any failure to present a usable credential is [`unauthorized`]; verifier errors pass
/// through unchanged.
pub async fn authenticate<V: TokenVerifier + ?Sized>(
    verifier: &V,
    headers: &HeaderMap,
) -> Result<TenantId, Error> {
    let token = bearer_from_headers(headers)?;
    verifier.verify(token).await
}
