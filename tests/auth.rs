//! Bearer-token tenancy: issuing, storing, verifying and parsing tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::HashSet;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Arc;

use http::header::AUTHORIZATION;
use http::{HeaderMap, HeaderValue, StatusCode};
use scimitar::auth::{
    authenticate, bearer_from_header, bearer_from_headers, parse_bearer, unauthorized, BearerToken,
    MemoryTokenStore, TenantTokens, TokenHash, TokenId, TokenRecord, TokenStore, TokenVerifier,
    MIN_REGISTERED_TOKEN_LEN, TOKEN_PREFIX, UNAUTHORIZED_DETAIL, WWW_AUTHENTICATE,
};
use scimitar::{ErrorKind, TenantId};
use sha2::{Digest, Sha256};

fn tenancy() -> TenantTokens<Arc<MemoryTokenStore>> {
    TenantTokens::new(Arc::new(MemoryTokenStore::new()))
}

fn acme() -> TenantId {
    TenantId::new("acme")
}

fn globex() -> TenantId {
    TenantId::new("globex")
}

async fn assert_401<V: TokenVerifier>(verifier: &V, token: &str) {
    let err = verifier.verify(token).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(err.detail(), UNAUTHORIZED_DETAIL);
}

// --- hashes at rest -------------------------------------------------------------------

#[tokio::test]
async fn store_holds_sha256_of_token_and_never_the_plaintext() {
    let tokens = tenancy();
    let issued = tokens.enable(&acme()).await.unwrap();
    let secret = issued.secret();
    let random_part = &secret[TOKEN_PREFIX.len()..];

    let records = tokens.store().records();
    assert_eq!(records.len(), 1);
    let record = &records[0];
    let expected: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
    assert_eq!(record.hash.as_bytes(), &expected);
    assert_eq!(record.hash, TokenHash::of(secret));
    assert_eq!(record.tenant, acme());
    assert_eq!(&record.id, issued.id());
    assert_eq!(record.created, issued.created());

    let dump = format!("{:?} {:?}", tokens.store(), records);
    assert!(!dump.contains(secret));
    assert!(!dump.contains(random_part));
}

#[tokio::test]
async fn registered_tokens_are_hashed_too() {
    let tokens = tenancy();
    let plaintext = "configured-token-0123456789";
    tokens.register(&acme(), plaintext).await.unwrap();
    let dump = format!("{:?}", tokens.store());
    assert!(!dump.contains(plaintext));
    assert_eq!(tokens.store().records()[0].hash, TokenHash::of(plaintext));
}

/// A registered token may be low-entropy (an operator's `--tenant acme=...`): any part of
/// its hash in a log line would let whoever reads the log confirm guesses offline, the
/// reason `TokenId` is not derived from the hash. `Debug` must show none of it.
#[tokio::test]
async fn debug_output_shows_no_part_of_a_token_hash() {
    let tokens = tenancy();
    let plaintext = "acme-provisioning-2024";
    tokens.register(&acme(), plaintext).await.unwrap();
    let hash = TokenHash::of(plaintext);
    let hex = hash.to_hex();
    let records = tokens.store().records();
    let dump = format!(
        "{hash:?} {hash:#?} {:?} {records:?} {records:#?} {tokens:?}",
        tokens.store()
    );
    // Eight consecutive hex digits (32 bits) were shown; any window of them is too many.
    for start in 0..=hex.len() - 8 {
        let window = &hex[start..start + 8];
        assert!(!dump.contains(window), "hash digits {window} in {dump}");
    }
    assert!(format!("{hash:?}").contains("redacted"));
}

// --- admin flow -----------------------------------------------------------------------

#[tokio::test]
async fn enable_then_verify() {
    let tokens = tenancy();
    let issued = tokens.enable(&acme()).await.unwrap();
    assert_eq!(issued.tenant(), &acme());
    assert_eq!(tokens.verify(issued.secret()).await.unwrap(), acme());
}

#[tokio::test]
async fn enable_twice_is_a_conflict() {
    let tokens = tenancy();
    tokens.enable(&acme()).await.unwrap();
    let err = tokens.enable(&acme()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert_eq!(tokens.status(&acme()).await.unwrap().tokens.len(), 1);
}

#[tokio::test]
async fn rotate_keeps_the_old_token_valid() {
    let tokens = tenancy();
    let old = tokens.enable(&acme()).await.unwrap();
    let new = tokens.rotate(&acme()).await.unwrap();
    assert_ne!(old.secret(), new.secret());
    assert_ne!(old.id(), new.id());
    assert_eq!(tokens.verify(old.secret()).await.unwrap(), acme());
    assert_eq!(tokens.verify(new.secret()).await.unwrap(), acme());
}

#[tokio::test]
async fn rotate_needs_scim_enabled() {
    let tokens = tenancy();
    let err = tokens.rotate(&acme()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(tokens.store().records().is_empty());
}

#[tokio::test]
async fn revoking_the_old_token_leaves_the_new_one() {
    let tokens = tenancy();
    let old = tokens.enable(&acme()).await.unwrap();
    let new = tokens.rotate(&acme()).await.unwrap();
    tokens.revoke(&acme(), old.id()).await.unwrap();
    assert_401(&tokens, old.secret()).await;
    assert_eq!(tokens.verify(new.secret()).await.unwrap(), acme());
}

#[tokio::test]
async fn revoke_unknown_or_foreign_id_is_not_found() {
    let tokens = tenancy();
    let a = tokens.enable(&acme()).await.unwrap();
    tokens.enable(&globex()).await.unwrap();
    let unknown = TokenId::parse("tok_0000000000000000").unwrap();
    assert_eq!(
        tokens.revoke(&acme(), &unknown).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    // globex cannot revoke acme's token by id.
    assert_eq!(
        tokens.revoke(&globex(), a.id()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(tokens.verify(a.secret()).await.unwrap(), acme());
}

#[tokio::test]
async fn disable_makes_every_token_401() {
    let tokens = tenancy();
    let first = tokens.enable(&acme()).await.unwrap();
    let second = tokens.rotate(&acme()).await.unwrap();
    tokens
        .register(&acme(), "configured-token-0123456789")
        .await
        .unwrap();
    assert_eq!(tokens.disable(&acme()).await.unwrap(), 3);
    assert_401(&tokens, first.secret()).await;
    assert_401(&tokens, second.secret()).await;
    assert_401(&tokens, "configured-token-0123456789").await;
    let status = tokens.status(&acme()).await.unwrap();
    assert!(!status.enabled);
    assert!(status.tokens.is_empty());
    assert_eq!(tokens.disable(&acme()).await.unwrap(), 0);
}

/// A token store that lets a concurrent admin action land at the worst moment, once:
/// `disable` between `rotate`'s check and its insert, or a `rotate`'s insert that commits
/// after `disable`'s delete (what a database's snapshot allows).
#[derive(Default)]
struct Racing {
    inner: MemoryTokenStore,
    disable_before_next_insert: std::sync::atomic::AtomicBool,
    insert_after_next_revoke_all: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl TokenStore for Racing {
    async fn insert(&self, record: TokenRecord) -> Result<(), scimitar::Error> {
        if self.disable_before_next_insert.swap(false, SeqCst) {
            self.inner.revoke_all(&record.tenant).await?;
        }
        self.inner.insert(record).await
    }
    async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, scimitar::Error> {
        self.inner.find_by_hash(hash).await
    }
    async fn list(&self, tenant: &TenantId) -> Result<Vec<TokenRecord>, scimitar::Error> {
        self.inner.list(tenant).await
    }
    async fn revoke(&self, tenant: &TenantId, id: &TokenId) -> Result<bool, scimitar::Error> {
        self.inner.revoke(tenant, id).await
    }
    async fn revoke_all(&self, tenant: &TenantId) -> Result<usize, scimitar::Error> {
        let n = self.inner.revoke_all(tenant).await?;
        if self.insert_after_next_revoke_all.swap(false, SeqCst) {
            let late = BearerToken::generate().unwrap();
            self.inner
                .insert(TokenRecord {
                    tenant: tenant.clone(),
                    id: TokenId::generate().unwrap(),
                    hash: late.hash(),
                    created: time::OffsetDateTime::now_utc(),
                })
                .await?;
        }
        Ok(n)
    }
}

/// "Disable" is the incident-response button: once it has returned, no token of the
/// tenant may be live, even if an admin rotated at the same moment.
#[tokio::test]
async fn a_rotate_racing_a_disable_does_not_re_enable_the_tenant() {
    let tokens = TenantTokens::new(Racing::default());
    tokens.enable(&acme()).await.unwrap();
    tokens
        .store()
        .disable_before_next_insert
        .store(true, SeqCst);
    let err = tokens.rotate(&acme()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Conflict);
    assert!(!tokens.status(&acme()).await.unwrap().enabled);
}

#[tokio::test]
async fn disable_leaves_no_token_a_racing_rotate_inserted() {
    let tokens = TenantTokens::new(Racing::default());
    tokens.enable(&acme()).await.unwrap();
    tokens
        .store()
        .insert_after_next_revoke_all
        .store(true, SeqCst);
    tokens.disable(&acme()).await.unwrap();
    assert!(!tokens.status(&acme()).await.unwrap().enabled);
}

#[tokio::test]
async fn re_enable_after_disable_issues_a_new_token() {
    let tokens = tenancy();
    let before = tokens.enable(&acme()).await.unwrap();
    tokens.disable(&acme()).await.unwrap();
    let after = tokens.enable(&acme()).await.unwrap();
    assert_ne!(before.secret(), after.secret());
    assert_eq!(tokens.verify(after.secret()).await.unwrap(), acme());
    assert_401(&tokens, before.secret()).await;
}

#[tokio::test]
async fn revoking_the_last_token_disables_the_tenant() {
    let tokens = tenancy();
    let only = tokens.enable(&acme()).await.unwrap();
    tokens.revoke(&acme(), only.id()).await.unwrap();
    assert!(!tokens.status(&acme()).await.unwrap().enabled);
    tokens.enable(&acme()).await.unwrap();
}

#[tokio::test]
async fn status_lists_ids_and_dates_never_tokens() {
    let tokens = tenancy();
    assert!(!tokens.status(&acme()).await.unwrap().enabled);
    let first = tokens.enable(&acme()).await.unwrap();
    let second = tokens.rotate(&acme()).await.unwrap();
    let status = tokens.status(&acme()).await.unwrap();
    assert!(status.enabled);
    let ids: HashSet<_> = status.tokens.iter().map(|t| t.id.clone()).collect();
    assert_eq!(
        ids,
        HashSet::from([first.id().clone(), second.id().clone()])
    );
    assert!(status.tokens[0].created <= status.tokens[1].created);

    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["enabled"], true);
    assert_eq!(json["tokens"].as_array().unwrap().len(), 2);
    let entry = json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == first.id().as_str())
        .unwrap();
    let created = entry["created"].as_str().unwrap();
    assert!(
        time::OffsetDateTime::parse(created, &time::format_description::well_known::Rfc3339)
            .is_ok()
    );
    let text = format!("{json} {status:?}");
    assert!(!text.contains(first.secret()));
    assert!(!text.contains(second.secret()));
}

// --- tenant isolation -----------------------------------------------------------------

#[tokio::test]
async fn tenants_are_isolated() {
    let tokens = tenancy();
    let a = tokens.enable(&acme()).await.unwrap();
    let b = tokens.enable(&globex()).await.unwrap();
    assert_eq!(tokens.verify(a.secret()).await.unwrap(), acme());
    assert_eq!(tokens.verify(b.secret()).await.unwrap(), globex());

    tokens.disable(&globex()).await.unwrap();
    assert_eq!(tokens.verify(a.secret()).await.unwrap(), acme());
    assert_401(&tokens, b.secret()).await;
    let status = tokens.status(&acme()).await.unwrap();
    assert_eq!(status.tokens.len(), 1);
    assert_eq!(&status.tokens[0].id, a.id());
}

// --- register (tokens from configuration) --------------------------------------------

#[tokio::test]
async fn register_accepts_a_configured_token() {
    let tokens = tenancy();
    let id = tokens
        .register(&acme(), "acme-secret-token-1234")
        .await
        .unwrap();
    assert_eq!(
        tokens.verify("acme-secret-token-1234").await.unwrap(),
        acme()
    );
    let status = tokens.status(&acme()).await.unwrap();
    assert!(status.enabled);
    assert_eq!(status.tokens[0].id, id);
}

#[tokio::test]
async fn register_is_idempotent_per_tenant() {
    let tokens = tenancy();
    let first = tokens
        .register(&acme(), "acme-secret-token-1234")
        .await
        .unwrap();
    let again = tokens
        .register(&acme(), "acme-secret-token-1234")
        .await
        .unwrap();
    assert_eq!(first, again);
    assert_eq!(tokens.store().records().len(), 1);
}

#[tokio::test]
async fn register_refuses_another_tenants_token() {
    let tokens = tenancy();
    tokens
        .register(&acme(), "shared-secret-token-1234")
        .await
        .unwrap();
    let err = tokens
        .register(&globex(), "shared-secret-token-1234")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Uniqueness);
    assert!(!err.detail().contains("shared-secret-token-1234"));
    assert_eq!(
        tokens.verify("shared-secret-token-1234").await.unwrap(),
        acme()
    );
}

#[tokio::test]
async fn register_rejects_short_or_unsendable_tokens() {
    let tokens = tenancy();
    let short = "a".repeat(MIN_REGISTERED_TOKEN_LEN - 1);
    for bad in [
        short.as_str(),
        "",
        "has spaces in the middle",
        "tökén-with-non-ascii-chars",
    ] {
        let err = tokens.register(&acme(), bad).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue, "{bad:?}");
        if !bad.is_empty() {
            assert!(!err.detail().contains(bad));
        }
    }
    assert!(tokens
        .register(&acme(), &"a".repeat(MIN_REGISTERED_TOKEN_LEN))
        .await
        .is_ok());
}

// --- verification of bad credentials ----------------------------------------------------

#[tokio::test]
async fn unknown_and_malformed_tokens_are_401() {
    let tokens = tenancy();
    let issued = tokens.enable(&acme()).await.unwrap();
    let secret = issued.secret();
    assert_401(&tokens, "").await;
    assert_401(&tokens, "scim_unknown").await;
    assert_401(&tokens, &secret[..secret.len() - 1]).await;
    assert_401(&tokens, &format!("{secret}x")).await;
    assert_401(&tokens, &secret.to_uppercase()).await;
    assert_401(&tokens, &format!(" {secret}")).await;
    assert_401(&tokens, &"a".repeat(1 << 20)).await;
}

#[tokio::test]
async fn errors_never_echo_the_token() {
    let tokens = tenancy();
    let candidate = BearerToken::generate().unwrap();
    let err = tokens.verify(candidate.expose()).await.unwrap_err();
    let rendered = format!("{err} {err:?} {}", err.to_json());
    assert!(!rendered.contains(candidate.expose()));
}

// --- token format -----------------------------------------------------------------------

#[tokio::test]
async fn issued_tokens_are_random_prefixed_and_long() {
    let tokens = tenancy();
    let mut seen = HashSet::new();
    for i in 0..50 {
        let tenant = TenantId::new(format!("t{i}"));
        let issued = tokens.enable(&tenant).await.unwrap();
        let secret = issued.secret().to_owned();
        let body = secret.strip_prefix(TOKEN_PREFIX).unwrap();
        // 52 base32 symbols carry 260 bits: the 256 random bits, well over 128.
        assert_eq!(body.len(), 52);
        assert!(body.len() * 5 >= 128);
        assert!(body
            .bytes()
            .all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b)));
        assert!(scimitar::auth::is_b64token(&secret));
        assert!(seen.insert(secret));
    }
}

#[test]
fn generated_bearer_tokens_are_distinct() {
    let a = BearerToken::generate().unwrap();
    let b = BearerToken::generate().unwrap();
    assert_ne!(a.expose(), b.expose());
    assert_ne!(a.hash(), b.hash());
    assert!(a.expose().starts_with(TOKEN_PREFIX));
}

#[tokio::test]
async fn issued_token_debug_hides_the_secret() {
    let tokens = tenancy();
    let issued = tokens.enable(&acme()).await.unwrap();
    let dbg = format!("{issued:?} {issued:#?}");
    assert!(!dbg.contains(issued.secret()));
    assert!(!dbg.contains(&issued.secret()[TOKEN_PREFIX.len()..]));
    assert!(dbg.contains("<redacted>"));
    assert!(dbg.contains(issued.id().as_str()));
    let token = issued.clone().into_token();
    assert!(!format!("{token:?}").contains(issued.secret()));
}

// --- Authorization header ----------------------------------------------------------------

#[test]
fn bearer_scheme_is_case_insensitive() {
    for value in [
        "Bearer abc123",
        "bearer abc123",
        "BEARER abc123",
        "bEaReR abc123",
    ] {
        assert_eq!(parse_bearer(value), Some("abc123"), "{value:?}");
    }
}

#[test]
fn whitespace_around_and_between_is_tolerated() {
    for value in [
        "  Bearer abc123  ",
        "Bearer    abc123",
        "\tBearer\tabc123\t",
    ] {
        assert_eq!(parse_bearer(value), Some("abc123"), "{value:?}");
    }
}

#[test]
fn jwt_shaped_tokens_parse() {
    let jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl-_==";
    assert_eq!(parse_bearer(&format!("Bearer {jwt}")), Some(jwt));
}

#[test]
fn other_schemes_and_junk_are_rejected() {
    for value in [
        "",
        "   ",
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "Basic dXNlcjpwYXNz",
        "non-token",
        "Token abc123",
        "Bearerabc123",
        "Bearer abc 123",
        "Bearer abc,123",
        "Bearer =abc",
        "Bearer: abc123",
    ] {
        assert_eq!(parse_bearer(value), None, "{value:?}");
    }
}

#[test]
fn header_value_forms() {
    assert_eq!(
        bearer_from_header(&HeaderValue::from_static("Bearer abc123")),
        Some("abc123")
    );
    let obs_text = HeaderValue::from_bytes(b"Bearer abc\xff").unwrap();
    assert_eq!(bearer_from_header(&obs_text), None);
}

#[test]
fn headers_need_exactly_one_authorization() {
    let mut headers = HeaderMap::new();
    assert_eq!(
        bearer_from_headers(&headers).unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
    headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer abc123"));
    assert_eq!(bearer_from_headers(&headers).unwrap(), "abc123");
    headers.append(AUTHORIZATION, HeaderValue::from_static("Bearer def456"));
    assert_eq!(
        bearer_from_headers(&headers).unwrap_err().kind(),
        ErrorKind::Unauthorized
    );
}

#[tokio::test]
async fn authenticate_reads_headers_and_verifies() {
    let tokens = tenancy();
    let issued = tokens.enable(&acme()).await.unwrap();
    let mut headers = HeaderMap::new();
    headers.insert(
        AUTHORIZATION,
        HeaderValue::from_str(&format!("bearer {}", issued.secret())).unwrap(),
    );
    assert_eq!(authenticate(&tokens, &headers).await.unwrap(), acme());

    // Okta's "Check status 401" probe.
    headers.insert(AUTHORIZATION, HeaderValue::from_static("non-token"));
    let err = authenticate(&tokens, &headers).await.unwrap_err();
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    let body = err.to_json();
    assert_eq!(body["status"], "401");
    assert!(!body["detail"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn verifier_is_object_safe_and_shareable() {
    let tokens = tenancy();
    let issued = tokens.enable(&acme()).await.unwrap();
    let dynamic: Arc<dyn TokenVerifier> = Arc::new(tokens);
    assert_eq!(dynamic.verify(issued.secret()).await.unwrap(), acme());
    let boxed: Box<dyn TokenVerifier> = Box::new(dynamic.clone());
    assert_eq!(boxed.verify(issued.secret()).await.unwrap(), acme());
}

#[test]
fn unauthorized_error_shape() {
    let err = unauthorized();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
    assert_eq!(err.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(err.scim_type(), None);
    assert_eq!(WWW_AUTHENTICATE, "Bearer realm=\"SCIM\"");
    assert!(HeaderValue::from_str(WWW_AUTHENTICATE).is_ok());
}

mod properties {
    use proptest::prelude::*;
    use scimitar::auth::{is_b64token, parse_bearer};

    proptest! {
        #[test]
        fn parse_bearer_never_panics_and_returns_a_b64token(value in any::<String>()) {
            if let Some(token) = parse_bearer(&value) {
                prop_assert!(is_b64token(token));
                prop_assert!(value.contains(token));
            }
        }

        #[test]
        fn any_b64token_round_trips(
            token in "[A-Za-z0-9._~+/-]{1,64}={0,2}",
            scheme in "(?i)bearer",
            lead in "[ \t]{0,3}",
            gap in "[ \t]{1,3}",
            trail in "[ \t]{0,3}",
        ) {
            let value = format!("{lead}{scheme}{gap}{token}{trail}");
            prop_assert_eq!(parse_bearer(&value), Some(token.as_str()));
        }
    }
}
