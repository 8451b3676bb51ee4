//! The "Enable SCIM" admin API and page, behind `Authorization: Bearer <admin token>`.
//!
//! | request | answer |
//! |---|---|
//! | `GET /admin` | the HTML page (a shell with no data: it asks for the admin token and calls the API below) |
//! | `GET /admin/tenants` | `[{"tenant", "enabled", "tokens"}]`: organizations with SCIM enabled |
//! | `POST /admin/tenants/{name}/scim` | 201 `{"tenant", "scimUrl", "token", "tokenId", "created"}`: enable; the token is shown only here; 409 if already enabled |
//! | `POST /admin/tenants/{name}/scim/rotate` | 201, same shape: an additional token; older ones work until revoked; 409 if not enabled |
//! | `DELETE /admin/tenants/{name}/scim` | 200 status: disable (every token revoked, every SCIM request 401) |
//! | `GET /admin/tenants/{name}/scim` | 200 `{"tenant", "scimUrl", "enabled", "tokens": [{"id", "created"}]}`, never a token |
//! | `POST /admin/tenants/{name}/scim/tokens/{id}/revoke`, `DELETE .../tokens/{id}` | 200 status: one token revoked; 404 if unknown |
//! | `POST /admin/tenants/{name}/attributes` | 201: a custom User attribute for this organization (see [`AttributeRequest`]) |
//!
//! Without `--admin-token` every `/admin` path is 404. A missing or wrong admin token is
//! 401 (compared as SHA-256 digests in constant time). Errors are
//! `{"status": 409, "detail": "..."}`. No answer may be cached (`Cache-Control: no-store`).
//!
//! Cross-site requests cannot act: the API takes the admin token only from an
//! `Authorization: Bearer` header, which a browser never adds by itself (no cookie, no
//! Basic auth), a cross-site form cannot set, and a cross-site script can only set after a
//! CORS preflight that is never granted (no `Access-Control-Allow-*` header is ever sent).

use bytes::Bytes;
use http::{header, HeaderValue, Method, Request, Response, StatusCode};
use scimitar::auth::{bearer_from_headers, TokenHash, TokenId};
use scimitar::schema::{AttributeDef, AttributeType, Mutability, Returned, Uniqueness};
use scimitar::{Error, ErrorKind, TenantId};
use serde::Deserialize;
use serde_json::{json, Value};
use time::format_description::well_known::Rfc3339;

use crate::args::check_tenant_name;
use crate::{page, Inner};

/// The extension URN custom attributes go to when the request names none.
pub const DEFAULT_EXTENSION_URN: &str = "urn:scimitar:schemas:extension:custom:2.0:User";

/// The name of that extension schema when the request names none.
pub const DEFAULT_EXTENSION_NAME: &str = "CustomUser";

/// The body of `POST /admin/tenants/{name}/attributes`: an RFC 7643 §7 attribute definition
/// (same member names), plus where to put it.
///
/// ```json
/// {"name": "costCenter", "type": "string", "required": false, "maxLength": 32,
///  "schema": "urn:scimitar:schemas:extension:custom:2.0:User"}
/// ```
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AttributeRequest {
    /// The attribute name.
    pub name: String,
    /// `string` (default), `boolean`, `decimal`, `integer`, `dateTime`, `binary`,
    /// `reference` or `complex`.
    #[serde(rename = "type", default = "string_type")]
    pub ty: AttributeType,
    /// `multiValued` (default false).
    #[serde(default)]
    pub multi_valued: bool,
    /// `description`.
    #[serde(default)]
    pub description: String,
    /// `required` (default false).
    #[serde(default)]
    pub required: bool,
    /// `caseExact` (default false).
    #[serde(default)]
    pub case_exact: bool,
    /// `mutability` (default `readWrite`).
    #[serde(default)]
    pub mutability: Mutability,
    /// `returned` (default `default`).
    #[serde(default)]
    pub returned: Returned,
    /// `uniqueness` (default `none`).
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// `canonicalValues`.
    #[serde(default)]
    pub canonical_values: Option<Vec<String>>,
    /// `referenceTypes`, for `reference` attributes.
    #[serde(default)]
    pub reference_types: Option<Vec<String>>,
    /// `maxLength`: the longest accepted string value, in characters.
    #[serde(default)]
    pub max_length: Option<usize>,
    /// `subAttributes`, for `complex` attributes.
    #[serde(default)]
    pub sub_attributes: Option<Vec<AttributeRequest>>,
    /// The extension schema URN (default [`DEFAULT_EXTENSION_URN`]); top level only.
    #[serde(default)]
    pub schema: Option<String>,
    /// The extension schema's name (default [`DEFAULT_EXTENSION_NAME`]); top level only.
    #[serde(default)]
    pub schema_name: Option<String>,
}

fn string_type() -> AttributeType {
    AttributeType::String
}

impl AttributeRequest {
    /// The scimitar definition.
    pub fn to_def(&self) -> AttributeDef {
        let mut def = AttributeDef::new(self.name.clone(), self.ty)
            .multi_valued(self.multi_valued)
            .required(self.required)
            .case_exact(self.case_exact)
            .mutability(self.mutability)
            .returned(self.returned)
            .uniqueness(self.uniqueness)
            .description(self.description.clone());
        def.canonical_values = self.canonical_values.clone();
        def.reference_types = self.reference_types.clone();
        def.max_length = self.max_length;
        def.sub_attributes = self
            .sub_attributes
            .as_ref()
            .map(|subs| subs.iter().map(AttributeRequest::to_def).collect());
        def
    }
}

/// Answers a request under `/admin`.
pub(crate) async fn handle(app: &Inner, req: Request<Bytes>) -> Response<Bytes> {
    let Some(admin) = &app.admin_token else {
        return error(&Error::not_found(
            "the admin API is off (start with --admin-token)",
        ));
    };
    let path = req.uri().path().trim_end_matches('/');
    if path == "/admin" && req.method() == Method::GET {
        return page::render(&app.scim_url);
    }
    let authorized = bearer_from_headers(req.headers())
        .map(|t| TokenHash::of(t) == *admin)
        .unwrap_or(false);
    if !authorized {
        let mut r = error(&Error::new(
            ErrorKind::Unauthorized,
            "missing or invalid admin token",
        ));
        r.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"admin\""),
        );
        return r;
    }
    match route(app, &req, path).await {
        Ok(r) => r,
        Err(e) => error(&e),
    }
}

async fn route(app: &Inner, req: &Request<Bytes>, path: &str) -> Result<Response<Bytes>, Error> {
    let segments: Vec<&str> = path.split('/').skip(2).collect();
    let m = req.method();
    match segments.as_slice() {
        ["tenants"] if m == Method::GET => list_tenants(app).await,
        ["tenants", name, rest @ ..] => {
            check_tenant_name(name).map_err(Error::invalid_value)?;
            let tenant = TenantId::new(name);
            match (m.clone(), rest) {
                (Method::GET, ["scim"]) => status(app, &tenant).await,
                (Method::POST, ["scim"]) => {
                    let issued = app.tokens.enable(&tenant).await?;
                    issued_json(app, &issued)
                }
                (Method::POST, ["scim", "rotate"]) => {
                    let issued = app.tokens.rotate(&tenant).await?;
                    issued_json(app, &issued)
                }
                (Method::DELETE, ["scim"]) => {
                    app.tokens.disable(&tenant).await?;
                    status(app, &tenant).await
                }
                (Method::POST, ["scim", "tokens", id, "revoke"])
                | (Method::DELETE, ["scim", "tokens", id]) => {
                    let id = TokenId::parse(id)?;
                    app.tokens.revoke(&tenant, &id).await?;
                    status(app, &tenant).await
                }
                (Method::POST, ["attributes"]) => add_attribute(app, &tenant, req.body()).await,
                _ => Err(no_route(m, path)),
            }
        }
        _ => Err(no_route(m, path)),
    }
}

fn no_route(m: &Method, path: &str) -> Error {
    Error::not_found(format!("no admin endpoint for {m} {path}"))
}

async fn list_tenants(app: &Inner) -> Result<Response<Bytes>, Error> {
    let counts = app.db.tenants().await?;
    let list: Vec<Value> = counts
        .into_iter()
        .map(|(tenant, tokens)| json!({"tenant": tenant, "enabled": true, "tokens": tokens}))
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(list)))
}

async fn status(app: &Inner, tenant: &TenantId) -> Result<Response<Bytes>, Error> {
    let s = app.tokens.status(tenant).await?;
    let mut body = serde_json::to_value(&s).map_err(|_| Error::internal())?;
    if let Some(obj) = body.as_object_mut() {
        obj.insert("tenant".into(), json!(tenant.as_str()));
        obj.insert("scimUrl".into(), json!(app.scim_url));
    }
    Ok(json_response(StatusCode::OK, &body))
}

fn issued_json(
    app: &Inner,
    issued: &scimitar::auth::IssuedToken,
) -> Result<Response<Bytes>, Error> {
    let created = issued
        .created()
        .format(&Rfc3339)
        .map_err(|_| Error::internal())?;
    // The token is in this body and nowhere else; `json_response` keeps it out of caches.
    Ok(json_response(
        StatusCode::CREATED,
        &json!({
            "tenant": issued.tenant().as_str(),
            "scimUrl": app.scim_url,
            "token": issued.secret(),
            "tokenId": issued.id().as_str(),
            "created": created,
        }),
    ))
}

async fn add_attribute(
    app: &Inner,
    tenant: &TenantId,
    body: &Bytes,
) -> Result<Response<Bytes>, Error> {
    let req: AttributeRequest = serde_json::from_slice(body)
        .map_err(|e| Error::invalid_syntax(format!("attribute definition: {e}")))?;
    let urn = req.schema.as_deref().unwrap_or(DEFAULT_EXTENSION_URN);
    let name = req.schema_name.as_deref().unwrap_or(DEFAULT_EXTENSION_NAME);
    let def = req.to_def();
    // The registry validates it first, so only accepted definitions are saved.
    app.schemas
        .add_user_attribute(tenant, urn, name, def.clone())?;
    app.db
        .save_custom_attribute(tenant, urn, name, &def)
        .await?;
    let attribute = serde_json::to_value(&def).map_err(|_| Error::internal())?;
    Ok(json_response(
        StatusCode::CREATED,
        &json!({"tenant": tenant.as_str(), "schema": urn, "attribute": attribute}),
    ))
}

/// A JSON answer of the admin API. None may be cached: enable and rotate hold a token, the
/// others describe an organization's credentials.
fn json_response(status: StatusCode, body: &Value) -> Response<Bytes> {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut r = Response::new(Bytes::from(bytes));
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// The admin API's JSON error body for `e`.
pub(crate) fn error(e: &Error) -> Response<Bytes> {
    json_response(
        e.status(),
        &json!({"status": e.status().as_u16(), "detail": e.detail()}),
    )
}
