//! Shared harness for the `service_*` integration tests: a [`ScimService`] over a
//! [`MemoryStore`] with two tenants, and a tiny client calling `handle` in-process.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Method, Request};
use scimitar::auth::{MemoryTokenStore, TenantTokens};
use scimitar::server::{ScimService, ScimServiceBuilder};
use scimitar::store::memory::MemoryStore;
use scimitar::TenantId;
use serde_json::{json, Value};

pub const BASE: &str = "/scim/v2";
pub const HOST: &str = "scim.example.test";
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

pub struct Harness {
    pub svc: ScimService,
    pub store: Arc<MemoryStore>,
    pub tokens: Arc<TenantTokens<MemoryTokenStore>>,
    pub token_a: String,
    pub token_b: String,
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: HeaderMap,
    pub raw: Bytes,
    pub body: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an RFC 7644 §3.12 error body with `status` (and `scimType` when given).
    pub fn assert_error(&self, status: u16, scim_type: Option<&str>) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(self.body["schemas"], json!([ERROR]), "body: {}", self.body);
        assert_eq!(self.body["status"], json!(status.to_string()));
        assert!(
            self.body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "detail missing: {}",
            self.body
        );
        match scim_type {
            Some(t) => assert_eq!(self.body["scimType"], json!(t), "body: {}", self.body),
            None => assert!(self.body.get("scimType").is_none(), "body: {}", self.body),
        }
        assert_eq!(self.header("content-type"), Some("application/scim+json"));
    }

    pub fn id(&self) -> String {
        self.body["id"].as_str().expect("id").to_owned()
    }
}

impl Harness {
    pub async fn new() -> Self {
        Self::with(|b| b).await
    }

    pub async fn with(configure: impl FnOnce(ScimServiceBuilder) -> ScimServiceBuilder) -> Self {
        let store = Arc::new(MemoryStore::new());
        let tokens = Arc::new(TenantTokens::new(MemoryTokenStore::new()));
        let token_a = tokens
            .enable(&TenantId::new("tenant-a"))
            .await
            .unwrap()
            .secret()
            .to_owned();
        let token_b = tokens
            .enable(&TenantId::new("tenant-b"))
            .await
            .unwrap()
            .secret()
            .to_owned();
        let builder = ScimService::builder()
            .users(store.clone())
            .groups(store.clone())
            .tokens(tokens.clone());
        let svc = configure(builder).build().unwrap();
        Harness {
            svc,
            store,
            tokens,
            token_a,
            token_b,
        }
    }

    /// A request with full control over the headers.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Resp {
        let uri = if path.starts_with('/') && !path.starts_with(BASE) {
            format!("{BASE}{path}")
        } else {
            path.to_owned()
        };
        let mut b = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", HOST);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        let resp = self.svc.handle(b.body(body.into()).unwrap()).await;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let raw = resp.into_body();
        let body = if raw.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&raw).expect("response body is JSON")
        };
        Resp {
            status,
            headers,
            raw,
            body,
        }
    }

    /// A request as tenant A (or with `token`), JSON body as `application/scim+json`.
    pub async fn call_as(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Resp {
        let auth = format!("Bearer {token}");
        let mut headers = vec![("authorization", auth.as_str())];
        let bytes = match body {
            Some(b) => {
                headers.push(("content-type", "application/scim+json; charset=utf-8"));
                Bytes::from(serde_json::to_vec(&b).unwrap())
            }
            None => Bytes::new(),
        };
        self.raw(method, path, &headers, bytes).await
    }

    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let token = self.token_a.clone();
        self.call_as(&token, method, path, body).await
    }

    pub async fn get(&self, path: &str) -> Resp {
        self.call(Method::GET, path, None).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        self.call(Method::POST, path, Some(body)).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PUT, path, Some(body)).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Resp {
        self.call(Method::PATCH, path, Some(body)).await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a user in tenant A and returns its id.
    pub async fn create_user(&self, user_name: &str) -> String {
        let r = self.post("/Users", user(user_name)).await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }

    /// Creates a group in tenant A and returns its id.
    pub async fn create_group(&self, name: &str, members: &[&str]) -> String {
        let members: Vec<Value> = members.iter().map(|m| json!({"value": m})).collect();
        let r = self
            .post(
                "/Groups",
                json!({"schemas": [GROUP_SCHEMA], "displayName": name, "members": members}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    }
}

/// A typical user body.
pub fn user(user_name: &str) -> Value {
    json!({
        "schemas": [USER_SCHEMA],
        "userName": user_name,
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": user_name, "type": "work", "primary": true}],
        "displayName": "Barbara Jensen",
        "active": true
    })
}

pub fn patch_op(ops: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

pub const SEARCH: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// A `.search` body with the SearchRequest schema and these members.
pub fn search(members: Value) -> Value {
    let mut body = json!({"schemas": [SEARCH]});
    if let (Some(o), Some(m)) = (body.as_object_mut(), members.as_object()) {
        o.extend(m.clone());
    }
    body
}
