//! Long-form documentation: how scimitar meets real identity providers, its security
//! model and its RFC coverage. These modules hold no code.

pub mod idp_interop;
pub mod rfc_coverage;
pub mod security;
