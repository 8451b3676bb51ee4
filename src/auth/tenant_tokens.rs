//! [`TenantTokens`]: the "Enable SCIM" admin flow and the verifier built on a [`TokenStore`].

use async_trait::async_trait;
use serde::Serialize;
use subtle::ConstantTimeEq;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::{Error, ErrorKind, TenantId};

use super::{
    is_b64token, unauthorized, BearerToken, IssuedToken, TokenHash, TokenId, TokenRecord,
    TokenStore, TokenVerifier,
};

/// How often [`TenantTokens::disable`] deletes again when a racing rotation inserted a token.
const DISABLE_ATTEMPTS: usize = 8;

/// The shortest plaintext [`TenantTokens::register`] accepts.
pub const MIN_REGISTERED_TOKEN_LEN: usize = 16;

/// Bearer-token tenancy over a [`TokenStore`]: issues, rotates, revokes and verifies the
/// tokens that identify each tenant.
///
/// A tenant has SCIM enabled exactly when it has at least one live token, so there is no
/// separate flag to fall out of step with the tokens: [`disable`](Self::disable) revokes
/// every token, and revoking the last one disables the tenant too.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), scimitar::Error> {
/// use scimitar::auth::{MemoryTokenStore, TenantTokens, TokenVerifier};
/// use scimitar::TenantId;
///
/// let tokens = TenantTokens::new(MemoryTokenStore::new());
/// let acme = TenantId::new("acme");
/// let issued = tokens.enable(&acme).await?;
/// // Show `issued.secret()` to the administrator once; only its hash is kept.
/// assert_eq!(tokens.verify(issued.secret()).await?, acme);
/// tokens.disable(&acme).await?;
/// assert!(tokens.verify(issued.secret()).await.is_err());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct TenantTokens<S> {
    store: S,
}

impl<S: TokenStore> TenantTokens<S> {
    /// Tenancy over `store`.
    pub fn new(store: S) -> Self {
        TenantTokens { store }
    }

    /// The underlying store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Enables SCIM for `tenant` and returns its first token, to show once.
    ///
    /// Fails with 409 if the tenant already has a token: use [`rotate`](Self::rotate) to
    /// issue another, so that a repeated click never silently multiplies live tokens.
    pub async fn enable(&self, tenant: &TenantId) -> Result<IssuedToken, Error> {
        if !self.store.list(tenant).await?.is_empty() {
            return Err(Error::new(
                ErrorKind::Conflict,
                "SCIM is already enabled for this tenant; rotate to issue a new token",
            ));
        }
        self.issue(tenant).await
    }

    /// Issues an additional token for an enabled `tenant`, to show once. The previous tokens
    /// keep working until [revoked](Self::revoke), so the identity provider can be switched
    /// over without downtime.
    ///
    /// Fails with 409 if SCIM is not enabled for the tenant, also when a concurrent
    /// [`disable`](Self::disable) lands while the token is being issued: a rotation never
    /// re-enables a tenant that was just disabled.
    pub async fn rotate(&self, tenant: &TenantId) -> Result<IssuedToken, Error> {
        let not_enabled = || {
            Error::new(
                ErrorKind::Conflict,
                "SCIM is not enabled for this tenant; enable it first",
            )
        };
        if self.store.list(tenant).await?.is_empty() {
            return Err(not_enabled());
        }
        let issued = self.issue(tenant).await?;
        // A `disable` between the check above and the insert would be undone by the new
        // token: keep it only if one of the tokens it joins is still live.
        let live = self.store.list(tenant).await?;
        if !live.iter().any(|r| r.id != issued.id) {
            self.store.revoke(tenant, &issued.id).await?;
            return Err(not_enabled());
        }
        Ok(issued)
    }

    /// Revokes one token of `tenant`; requests with it answer 401 from now on.
    ///
    /// Fails with 404 if the tenant has no token with this id.
    pub async fn revoke(&self, tenant: &TenantId, id: &TokenId) -> Result<(), Error> {
        if self.store.revoke(tenant, id).await? {
            Ok(())
        } else {
            Err(Error::not_found(format!(
                "token {id} not found for this tenant"
            )))
        }
    }

    /// Disables SCIM for `tenant`: every one of its tokens is revoked, so every request
    /// answers 401 until it is enabled again (with a new token). Returns how many tokens
    /// were revoked; disabling a disabled tenant is not an error.
    ///
    /// It returns only once the store lists no token for the tenant: a token a concurrent
    /// [`rotate`](Self::rotate) inserted while the delete ran (a database delete does not
    /// see rows committed after it started) is revoked too; with `rotate`'s own re-check,
    /// no rotation racing a disable survives it. Fails with 503 if tokens keep appearing.
    pub async fn disable(&self, tenant: &TenantId) -> Result<usize, Error> {
        let mut revoked = 0;
        for _ in 0..DISABLE_ATTEMPTS {
            revoked += self.store.revoke_all(tenant).await?;
            if self.store.list(tenant).await?.is_empty() {
                return Ok(revoked);
            }
        }
        Err(Error::new(
            ErrorKind::Unavailable,
            "tokens kept being issued for this tenant while disabling it; try again",
        ))
    }

    /// Whether SCIM is enabled for `tenant`, and its tokens' ids and creation times (oldest
    /// first), never the tokens themselves.
    pub async fn status(&self, tenant: &TenantId) -> Result<ScimStatus, Error> {
        let mut tokens: Vec<TokenInfo> = self
            .store
            .list(tenant)
            .await?
            .into_iter()
            .map(|r| TokenInfo {
                id: r.id,
                created: r.created,
            })
            .collect();
        tokens.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
        Ok(ScimStatus {
            enabled: !tokens.is_empty(),
            tokens,
        })
    }

    /// Accepts a token the host got from its configuration (e.g. `--tenant NAME=TOKEN`) as a
    /// token of `tenant`, and returns its id.
    ///
    /// The plaintext must be an RFC 6750 `b64token` (so it can travel in an `Authorization`
    /// header) of at least [`MIN_REGISTERED_TOKEN_LEN`] characters; otherwise 400
    /// `invalidValue`. Registering a token the tenant already has returns the existing id,
    /// so a host may register its configured tokens at every start; a token of another
    /// tenant is refused with 409 `uniqueness`. Prefer [`enable`](Self::enable): a
    /// configured token is only as strong as whoever chose it.
    pub async fn register(&self, tenant: &TenantId, plaintext: &str) -> Result<TokenId, Error> {
        if plaintext.chars().count() < MIN_REGISTERED_TOKEN_LEN || !is_b64token(plaintext) {
            return Err(Error::invalid_value(format!(
                "token: expected at least {MIN_REGISTERED_TOKEN_LEN} characters of \
                 A-Z, a-z, 0-9, '-', '.', '_', '~', '+', '/' (optionally ending in '=')"
            )));
        }
        let hash = TokenHash::of(plaintext);
        if let Some(existing) = self.store.find_by_hash(&hash).await? {
            return if existing.tenant == *tenant {
                Ok(existing.id)
            } else {
                Err(Error::uniqueness(
                    "token is already registered for another tenant",
                ))
            };
        }
        let id = TokenId::generate()?;
        self.store
            .insert(TokenRecord {
                tenant: tenant.clone(),
                id: id.clone(),
                hash,
                created: OffsetDateTime::now_utc(),
            })
            .await?;
        Ok(id)
    }

    async fn issue(&self, tenant: &TenantId) -> Result<IssuedToken, Error> {
        let token = BearerToken::generate()?;
        let id = TokenId::generate()?;
        let created = OffsetDateTime::now_utc();
        self.store
            .insert(TokenRecord {
                tenant: tenant.clone(),
                id: id.clone(),
                hash: token.hash(),
                created,
            })
            .await?;
        Ok(IssuedToken {
            tenant: tenant.clone(),
            id,
            created,
            token,
        })
    }
}

#[async_trait]
impl<S: TokenStore> TokenVerifier for TenantTokens<S> {
    /// Hashes the credential, looks the hash up, and confirms the match in constant time.
    async fn verify(&self, token: &str) -> Result<TenantId, Error> {
        // Bounds the hashing work and refuses what could never have been issued.
        if !is_b64token(token) {
            return Err(unauthorized());
        }
        let hash = TokenHash::of(token);
        match self.store.find_by_hash(&hash).await? {
            // The store already matched on the hash; the constant-time re-check keeps a
            // store with a lenient index (a prefix match, a case-insensitive text column)
            // from ever letting a different token through.
            Some(record) if bool::from(record.hash.ct_eq(&hash)) => Ok(record.tenant),
            _ => Err(unauthorized()),
        }
    }
}

/// Whether SCIM is enabled for a tenant, as the admin API shows it. Serializes as
/// `{"enabled": true, "tokens": [{"id": "tok_…", "created": "2026-01-01T00:00:00Z"}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScimStatus {
    /// `true` when the tenant has at least one live token.
    pub enabled: bool,
    /// The live tokens, oldest first.
    pub tokens: Vec<TokenInfo>,
}

/// The non-secret facts about one live token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// The token's public id.
    pub id: TokenId,
    /// When it was issued (UTC).
    pub created: OffsetDateTime,
}

impl Serialize for TokenInfo {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        use serde::ser::{Error as _, SerializeStruct};
        let created = self.created.format(&Rfc3339).map_err(Ser::Error::custom)?;
        let mut s = serializer.serialize_struct("TokenInfo", 2)?;
        s.serialize_field("id", &self.id)?;
        s.serialize_field("created", &created)?;
        s.end()
    }
}
