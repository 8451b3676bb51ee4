//! scimitar: an embeddable SCIM 2.0 service-provider library.

pub mod auth;
pub mod compat;
pub mod error;
pub mod filter;
pub mod list;
pub mod patch;
pub mod path;
pub mod resource;
pub mod schema;
pub mod server;
pub mod store;
pub mod tenant;
#[cfg(feature = "testkit")]
pub mod testkit;

pub use auth::{
    IssuedToken, MemoryTokenStore, ScimStatus, TenantTokens, TokenId, TokenStore, TokenVerifier,
};
pub use compat::{Compat, CompatReport, CompatRule};
pub use error::{Error, ErrorKind, Result, ScimType};
pub use filter::{Filter, FilterError, FilterLimits};
pub use list::{ListQuery, ListResponse};
pub use patch::{GroupPatch, PatchLimits, PatchRequest};
pub use path::{AttrPath, PatchPath};
pub use resource::{Group, User};
pub use schema::{Policy, ResourceType, SchemaSet, ServiceProviderConfig};
pub use server::{Limits, PatchResponse, ResourceKind, ScimService, ScimServiceBuilder};
#[cfg(feature = "memory")]
pub use store::memory::MemoryStore;
pub use store::{GroupStore, UserStore};
pub use tenant::TenantId;
