//! scimitar: an embeddable SCIM 2.0 service-provider library.

pub mod error;
pub mod filter;
pub mod path;
pub mod tenant;

pub use error::{Error, ErrorKind, Result, ScimType};
pub use filter::{Filter, FilterError, FilterLimits};
pub use path::{AttrPath, PatchPath};
pub use tenant::TenantId;
