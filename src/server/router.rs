//! Method + path to endpoint.

use http::Method;

use crate::error::Error;

/// One SCIM endpoint, with its path parameter decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Users,
    User(String),
    UsersSearch,
    Groups,
    Group(String),
    GroupsSearch,
    Search,
    Schemas,
    Schema(String),
    ResourceTypes,
    ResourceType(String),
    ServiceProviderConfig,
    Bulk,
    Me,
}

impl Route {
    /// The route template, for logs (never the raw path, which carries ids).
    pub(crate) fn template(&self) -> &'static str {
        match self {
            Route::Users => "/Users",
            Route::User(_) => "/Users/{id}",
            Route::UsersSearch => "/Users/.search",
            Route::Groups => "/Groups",
            Route::Group(_) => "/Groups/{id}",
            Route::GroupsSearch => "/Groups/.search",
            Route::Search => "/.search",
            Route::Schemas => "/Schemas",
            Route::Schema(_) => "/Schemas/{urn}",
            Route::ResourceTypes => "/ResourceTypes",
            Route::ResourceType(_) => "/ResourceTypes/{name}",
            Route::ServiceProviderConfig => "/ServiceProviderConfig",
            Route::Bulk => "/Bulk",
            Route::Me => "/Me",
        }
    }

    /// The methods the endpoint supports, as an `Allow` header value.
    pub(crate) fn allow_header(&self) -> &'static str {
        match self {
            Route::Users | Route::Groups => "GET, POST",
            Route::User(_) | Route::Group(_) => "GET, PUT, PATCH, DELETE",
            Route::UsersSearch | Route::GroupsSearch | Route::Search => "POST",
            Route::Schemas
            | Route::Schema(_)
            | Route::ResourceTypes
            | Route::ResourceType(_)
            | Route::ServiceProviderConfig => "GET",
            Route::Bulk => "POST",
            Route::Me => "GET, POST, PUT, PATCH, DELETE",
        }
    }

    /// Whether `method` is served (HEAD is not: SCIM defines none).
    pub(crate) fn allows(&self, method: &Method) -> bool {
        let m = method.as_str();
        self.allow_header().split(", ").any(|a| a == m)
    }
}

/// Whether any endpoint serves `method`. RFC 7231 §4.1: a method that is "unrecognized or
/// not implemented" is 501; one implemented elsewhere but not by the target is 405.
pub(crate) fn implemented(method: &Method) -> bool {
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ]
    .contains(method)
}

/// The part of `path` after `base` (`""` for the base itself), or `None` when `path` is
/// not under `base`.
pub(crate) fn strip_base<'a>(base: &str, path: &'a str) -> Option<&'a str> {
    let rest = path.strip_prefix(base)?;
    if rest.is_empty() || rest.starts_with('/') {
        Some(rest)
    } else {
        None
    }
}

/// The endpoint for the path below the base path (`/Users/abc`), with one trailing slash
/// tolerated, and repeated leading slashes: an admin who pastes the base URL with a
/// trailing slash gets IdP requests for `/scim/v2//Users`.
pub(crate) fn route(rest: &str, has_groups: bool) -> Result<Route, Error> {
    let trimmed = rest.strip_suffix('/').unwrap_or(rest);
    let not_found = || Error::not_found(format!("no SCIM endpoint at '{rest}'"));
    let Some(trimmed) = trimmed.strip_prefix('/') else {
        return Err(not_found());
    };
    let trimmed = trimmed.trim_start_matches('/');
    let mut parts = trimmed.splitn(2, '/');
    let first = parts.next().unwrap_or_default();
    let second = parts.next();
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    let param = |raw: &str| -> Result<String, Error> {
        if raw.is_empty() || raw.contains('/') {
            return Err(not_found());
        }
        let decoded = percent_decode(raw).ok_or_else(not_found)?;
        if decoded.is_empty() {
            return Err(not_found());
        }
        Ok(decoded)
    };
    let route = match second {
        None if is("Users") => Route::Users,
        None if is("Groups") && has_groups => Route::Groups,
        None if first == ".search" => Route::Search,
        None if is("Schemas") => Route::Schemas,
        None if is("ResourceTypes") => Route::ResourceTypes,
        None if is("ServiceProviderConfig") => Route::ServiceProviderConfig,
        None if is("Bulk") => Route::Bulk,
        Some(_) | None if is("Me") => Route::Me,
        Some(".search") if is("Users") => Route::UsersSearch,
        Some(".search") if is("Groups") && has_groups => Route::GroupsSearch,
        Some(id) if is("Users") => Route::User(param(id)?),
        Some(id) if is("Groups") && has_groups => Route::Group(param(id)?),
        Some(urn) if is("Schemas") => Route::Schema(param(urn)?),
        Some(name) if is("ResourceTypes") => Route::ResourceType(param(name)?),
        _ => return Err(not_found()),
    };
    Ok(route)
}

/// Decodes `%XX` escapes of a path segment (`+` stays a plus: this is a path, not a
/// form). `None` when the escapes are malformed or the result is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_resources_and_ids() {
        assert_eq!(route("/Users", true).ok(), Some(Route::Users));
        assert_eq!(route("/Users/", true).ok(), Some(Route::Users));
        assert_eq!(route("/users", true).ok(), Some(Route::Users));
        assert_eq!(
            route("/Users/abc", true).ok(),
            Some(Route::User("abc".into()))
        );
        assert_eq!(route("/Users/.search", true).ok(), Some(Route::UsersSearch));
        assert_eq!(route("/.search", true).ok(), Some(Route::Search));
        assert_eq!(
            route(
                "/Schemas/urn%3Aietf%3Aparams%3Ascim%3Aschemas%3Acore%3A2.0%3AUser",
                true
            )
            .ok(),
            Some(Route::Schema(
                "urn:ietf:params:scim:schemas:core:2.0:User".into()
            ))
        );
        assert_eq!(route("/Me/x", true).ok(), Some(Route::Me));
    }

    #[test]
    fn a_base_url_pasted_with_a_trailing_slash_still_routes() {
        assert_eq!(route("//Users", true).ok(), Some(Route::Users));
        assert_eq!(
            route("//Users/abc", true).ok(),
            Some(Route::User("abc".into()))
        );
        assert_eq!(
            route("///ServiceProviderConfig", true).ok(),
            Some(Route::ServiceProviderConfig)
        );
        assert!(route("//", true).is_err());
        assert!(route("//Users//abc", true).is_err());
    }

    #[test]
    fn unknown_paths_are_not_found() {
        for p in [
            "",
            "/",
            "/Nope",
            "/Users/a/b",
            "/Users//",
            "/Users/%zz",
            "Users",
        ] {
            assert!(route(p, true).is_err(), "{p}");
        }
        assert!(route("/Groups", false).is_err());
        assert!(route("/Groups/x", false).is_err());
    }

    #[test]
    fn base_path_must_end_at_segment() {
        assert_eq!(strip_base("/scim/v2", "/scim/v2/Users"), Some("/Users"));
        assert_eq!(strip_base("/scim/v2", "/scim/v2"), Some(""));
        assert_eq!(strip_base("/scim/v2", "/scim/v22/Users"), None);
        assert_eq!(strip_base("", "/Users"), Some("/Users"));
    }

    #[test]
    fn implemented_methods() {
        assert!(implemented(&Method::PATCH));
        for m in ["HEAD", "OPTIONS", "TRACE", "CONNECT", "FROB"] {
            assert!(
                !implemented(&Method::from_bytes(m.as_bytes()).unwrap()),
                "{m}"
            );
        }
    }

    #[test]
    fn allowed_methods() {
        assert!(Route::Users.allows(&Method::POST));
        assert!(!Route::Users.allows(&Method::DELETE));
        assert!(Route::User("x".into()).allows(&Method::PATCH));
        assert!(!Route::Schemas.allows(&Method::POST));
    }
}
