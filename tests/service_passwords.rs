//! What reaches the store of the `password` a client sends (`scimitar::Passwords`):
//! nothing by default, a hash with `Passwords::Hash`, the value as sent with
//! `Passwords::Keep`. It is never returned whichever the choice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod service_support;

use std::sync::Arc;

use scimitar::{Passwords, TenantId, UserStore};
use serde_json::{json, Value};
use service_support::*;

const SECRET: &str = "t1meMa$heen";

/// What the store holds as `password` for user `id` of tenant A.
async fn stored_password(h: &Harness, id: &str) -> Option<Value> {
    let user = UserStore::get(&*h.store, &TenantId::new("tenant-a"), id)
        .await
        .unwrap()
        .expect("the user exists");
    user.attributes.get("password").cloned()
}

async fn create_with_password(h: &Harness, name: &str, password: &str) -> String {
    let mut body = user(name);
    body["password"] = json!(password);
    let r = h.post("/Users", body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(r.body.get("password").is_none());
    assert!(!String::from_utf8_lossy(&r.raw).contains(password));
    r.id()
}

/// A stand-in for a real password hash (Argon2, ...): recognisable in assertions.
fn fake_hash(clear: &str) -> String {
    format!("hashed:{}", clear.chars().rev().collect::<String>())
}

fn hasher() -> Passwords {
    Passwords::Hash(Arc::new(|clear| Ok(fake_hash(clear))))
}

#[tokio::test]
async fn by_default_the_password_never_reaches_the_store() {
    let h = Harness::new().await;
    let id = create_with_password(&h, "p1@example.com", SECRET).await;
    assert_eq!(stored_password(&h, &id).await, None);

    // PATCH (Okta's password sync) and PUT with a password: still accepted, still dropped.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "password", "value": "N3w-secret"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("password").is_none());
    assert_eq!(stored_password(&h, &id).await, None);
    let mut body = user("p1@example.com");
    body["password"] = json!("Th1rd-secret");
    let r = h.put(&format!("/Users/{id}"), body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(stored_password(&h, &id).await, None);
}

#[tokio::test]
async fn a_wrong_password_type_is_still_refused() {
    let h = Harness::new().await;
    let mut body = user("p2@example.com");
    body["password"] = json!(12345);
    h.post("/Users", body)
        .await
        .assert_error(400, Some("invalidValue"));
}

#[tokio::test]
async fn hash_stores_the_hash_and_keeps_it_until_a_new_password_is_set() {
    let h = Harness::with(|b| b.passwords(hasher())).await;
    let id = create_with_password(&h, "p3@example.com", SECRET).await;
    let first = json!(fake_hash(SECRET));
    assert_eq!(stored_password(&h, &id).await, Some(first.clone()));

    // A PATCH of something else keeps the hash as it is (not hashed again).
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "title", "value": "Boss"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(stored_password(&h, &id).await, Some(first.clone()));

    // A PUT without a password (Okta's GET-then-PUT cannot echo it) keeps it too.
    let r = h.put(&format!("/Users/{id}"), user("p3@example.com")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(stored_password(&h, &id).await, Some(first));

    // A new password by PATCH, then by PUT: each is hashed once.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "password", "value": "N3w-secret"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("password").is_none());
    assert_eq!(
        stored_password(&h, &id).await,
        Some(json!(fake_hash("N3w-secret")))
    );
    let mut body = user("p3@example.com");
    body["password"] = json!("Th1rd-secret");
    let r = h.put(&format!("/Users/{id}"), body).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        stored_password(&h, &id).await,
        Some(json!(fake_hash("Th1rd-secret")))
    );

    // Removing it removes it.
    let r = h
        .patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "remove", "path": "password"}])),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(stored_password(&h, &id).await, None);
}

#[tokio::test]
async fn keep_hands_the_store_the_value_as_sent() {
    let h = Harness::with(|b| b.passwords(Passwords::Keep)).await;
    let id = create_with_password(&h, "p4@example.com", SECRET).await;
    assert_eq!(stored_password(&h, &id).await, Some(json!(SECRET)));
    let g = h.get(&format!("/Users/{id}")).await;
    assert!(g.body.get("password").is_none());
    assert!(!String::from_utf8_lossy(&g.raw).contains(SECRET));
}

#[tokio::test]
async fn a_failing_hash_fails_the_request_and_writes_nothing() {
    let failing = Passwords::Hash(Arc::new(|_| Err(scimitar::Error::internal())));
    let h = Harness::with(|b| b.passwords(failing)).await;
    let mut body = user("p5@example.com");
    body["password"] = json!(SECRET);
    h.post("/Users", body).await.assert_error(500, None);
    let l = h.get("/Users").await;
    assert_eq!(l.body["totalResults"], 0, "{}", l.body);
    // Without a password there is nothing to hash.
    let r = h.post("/Users", user("p5@example.com")).await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// ServiceProviderConfig `changePassword.supported` tells the truth: a password sent is
/// kept (hashed or as sent) only with `Hash` and `Keep`.
#[tokio::test]
async fn change_password_is_advertised_only_when_passwords_are_kept() {
    for (passwords, supported) in [
        (Passwords::Discard, false),
        (Passwords::Keep, true),
        (hasher(), true),
    ] {
        let name = format!("{passwords:?}");
        let h = Harness::with(|b| b.passwords(passwords)).await;
        let r = h.get("/ServiceProviderConfig").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.body["changePassword"]["supported"],
            json!(supported),
            "{name}"
        );
    }
}

/// A refused password is never echoed: not in the error body, whatever is wrong with it
/// (too long for the policy, the wrong type, an invalid PATCH around it), and not with the
/// other password modes either.
#[tokio::test]
async fn a_refused_password_is_never_echoed() {
    const REFUSED: &str = "Echo-me-n0t-0123456789";
    let policy = scimitar::Policy::default()
        .max_length_of("password", 8)
        .unwrap();
    for passwords in [Passwords::Discard, Passwords::Keep, hasher()] {
        let h = Harness::with(|b| b.policy(policy.clone()).passwords(passwords)).await;
        let id = h.create_user("echo@example.com").await;
        let user_path = format!("/Users/{id}");
        let mut long = user("echo2@example.com");
        long["password"] = json!(REFUSED);
        let mut nested = user("echo3@example.com");
        nested["password"] = json!({"value": REFUSED});
        let mut listed = user("echo4@example.com");
        listed["password"] = json!([REFUSED]);
        let mut put = user("echo@example.com");
        put["password"] = json!(REFUSED);
        let answers = [
            h.post("/Users", long).await,
            h.post("/Users", nested).await,
            h.post("/Users", listed).await,
            h.put(&user_path, put).await,
            h.patch(
                &user_path,
                patch_op(json!([{"op": "replace", "path": "password", "value": REFUSED}])),
            )
            .await,
            h.patch(
                &user_path,
                patch_op(json!([{"op": "replace", "value": {"password": REFUSED}}])),
            )
            .await,
            h.patch(
                &user_path,
                patch_op(json!([{"op": "add", "path": "password", "value": [REFUSED]}])),
            )
            .await,
            h.patch(
                &user_path,
                patch_op(json!([
                    {"op": "replace", "path": "password", "value": REFUSED},
                    {"op": "bogus", "path": "displayName", "value": "x"}
                ])),
            )
            .await,
        ];
        for (i, r) in answers.iter().enumerate() {
            assert_eq!(r.status, 400, "case {i}: {}", r.body);
            assert!(
                !String::from_utf8_lossy(&r.raw).contains(REFUSED),
                "case {i}: {}",
                r.body
            );
        }
    }
}
