//! A [`ScimService`] over a SQL store with two tenants (`tenant-a`, `tenant-b`), and a
//! tiny client calling `handle` in-process (cheap to clone into spawned tasks).

use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request};
use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::server::ScimService;
use scimitar::store::{GroupStore, UserStore};
use scimitar::TenantId;
use serde_json::{json, Value};

pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

#[derive(Clone)]
pub struct Client {
    pub svc: ScimService,
    pub token_a: String,
    pub token_b: String,
}

#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub etag: Option<String>,
    pub body: Value,
}

impl Resp {
    /// Asserts an RFC 7644 §3.12 error with `status` and `scim_type` (when given).
    #[track_caller]
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["schemas"], json!([ERROR]), "body: {}", self.body);
        if let Some(t) = scim_type {
            assert_eq!(self.body["scimType"], json!(t), "body: {}", self.body);
        }
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .unwrap_or_else(|| panic!("no id in {}", self.body))
            .to_owned()
    }
}

impl Client {
    pub async fn new<S: UserStore + GroupStore + 'static>(store: Arc<S>) -> Self {
        let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
        let mut secrets = Vec::new();
        for t in ["tenant-a", "tenant-b"] {
            let issued = tokens.enable(&TenantId::new(t)).await.unwrap();
            secrets.push(issued.secret().to_owned());
        }
        let svc = ScimService::builder()
            .users(store.clone())
            .groups(store)
            .tokens(tokens)
            .build()
            .unwrap();
        Client {
            svc,
            token_a: secrets[0].clone(),
            token_b: secrets[1].clone(),
        }
    }

    /// A request as the tenant of `token`, with extra headers and a raw body.
    pub async fn raw(
        &self,
        token: &str,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: Bytes,
    ) -> Resp {
        let mut b = Request::builder()
            .method(method)
            .uri(format!("/scim/v2{path}"))
            .header("host", "scim.example.test")
            .header("authorization", format!("Bearer {token}"));
        if !body.is_empty() {
            b = b.header("content-type", "application/scim+json");
        }
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let resp = self.svc.handle(b.body(body).unwrap()).await;
        let status = resp.status().as_u16();
        let etag = resp
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let raw = resp.into_body();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).expect("response body is JSON")
        };
        Resp { status, etag, body }
    }

    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Resp {
        let bytes = body
            .map(|b| Bytes::from(serde_json::to_vec(&b).unwrap()))
            .unwrap_or_default();
        self.raw(token, method, path, &[], bytes).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call_as(&self.token_a, Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call_as(&self.token_a, Method::POST, path, Some(body))
            .await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call_as(&self.token_a, Method::PUT, path, Some(body))
            .await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call_as(&self.token_a, Method::PATCH, path, Some(body))
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call_as(&self.token_a, Method::DELETE, path, None)
            .await
    }

    /// Creates a user in the tenant of `token` and returns its id.
    pub async fn create_user_as(&self, token: &str, user_name: &str) -> String {
        let r = self
            .call_as(token, Method::POST, "/Users", Some(user(user_name)))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }

    pub async fn create_user(&self, user_name: &str) -> String {
        let token = self.token_a.clone();
        self.create_user_as(&token, user_name).await
    }

    /// Creates a group in the tenant of `token` and returns its id.
    pub async fn create_group_as(&self, token: &str, name: &str, members: &[String]) -> String {
        let r = self
            .call_as(token, Method::POST, "/Groups", Some(group(name, members)))
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }

    pub async fn create_group(&self, name: &str, members: &[String]) -> String {
        let token = self.token_a.clone();
        self.create_group_as(&token, name, members).await
    }

    /// The member ids of a group of the tenant of `token`, sorted.
    pub async fn members_as(&self, token: &str, group: &str) -> Vec<String> {
        let r = self
            .call_as(token, Method::GET, &format!("/Groups/{group}"), None)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let mut ids: Vec<String> = r.body["members"]
            .as_array()
            .map(|ms| {
                ms.iter()
                    .filter_map(|m| m["value"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        ids.sort();
        ids
    }

    pub async fn members(&self, group: &str) -> Vec<String> {
        let token = self.token_a.clone();
        self.members_as(&token, group).await
    }
}

/// A minimal user body.
pub fn user(user_name: &str) -> Value {
    json!({"schemas": [USER_SCHEMA], "userName": user_name, "active": true})
}

/// A group body with these member ids.
pub fn group(name: &str, members: &[String]) -> Value {
    let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
    json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members})
}

pub fn patch_op(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}
