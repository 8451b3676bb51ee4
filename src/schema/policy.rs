//! The validation policy: which attributes are required beyond the RFC, how long strings
//! may be, whether canonical values are enforced, and how many values a multi-valued
//! attribute may hold.

use super::model::{AttributeDef, AttributeType};
use super::set::SchemaSet;
use crate::error::Error;
use crate::path::AttrPath;

/// Default [`Policy::max_values`]: values per multi-valued attribute (emails, roles, ...).
pub const DEFAULT_MAX_VALUES: usize = 1000;

/// A validation policy, applied on every write by
/// [`resource::validate`](crate::resource::validate) and reported by `/Schemas` once
/// [`Policy::apply`] has marked the schema set.
///
/// The default is the RFC: only what the schemas require (`userName` for User,
/// `displayName` for Group), no length cap, canonical values not enforced, at most
/// [`DEFAULT_MAX_VALUES`] values per multi-valued attribute and no cap on Group `members`.
///
/// ```
/// use scimitar::schema::{Policy, SchemaSet};
///
/// let policy = Policy::default()
///     .require_list("externalId,name.givenName,name.familyName,emails")?
///     .max_length(255);
/// let mut users = SchemaSet::user();
/// policy.apply(&mut users);
/// assert!(users.core().attribute("name").map_or(false, |a| a.required));
/// # Ok::<(), scimitar::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    required: Vec<(String, AttrPath)>,
    max_length: Option<usize>,
    max_lengths: Vec<(AttrPath, usize)>,
    enforce_canonical_values: bool,
    enforce_canonical_types: bool,
    max_values: usize,
    max_members: Option<usize>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            required: Vec::new(),
            max_length: None,
            max_lengths: Vec::new(),
            enforce_canonical_values: false,
            enforce_canonical_types: false,
            max_values: DEFAULT_MAX_VALUES,
            max_members: None,
        }
    }
}

impl Policy {
    /// Requires the User attribute `path`: `externalId`, `name.givenName` (which also
    /// requires `name`), `emails`, or a URN path such as
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`.
    ///
    /// # Errors
    ///
    /// `invalidValue` when `path` is not an attribute path.
    pub fn require(self, path: &str) -> Result<Self, Error> {
        self.require_for("User", path)
    }

    /// Requires the attribute `path` of resource type `resource_type` (`User`, `Group`).
    ///
    /// # Errors
    ///
    /// `invalidValue` when `path` is not an attribute path.
    pub fn require_for(mut self, resource_type: &str, path: &str) -> Result<Self, Error> {
        let p = parse_path(path)?;
        self.required.push((resource_type.to_string(), p));
        Ok(self)
    }

    /// Requires each User attribute of a comma-separated list (the `--require` flag of the
    /// examples), e.g. `externalId,name.givenName,name.familyName,emails`.
    ///
    /// # Errors
    ///
    /// `invalidValue` naming the first entry that is not an attribute path.
    pub fn require_list(mut self, list: &str) -> Result<Self, Error> {
        for p in list.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            self = self.require(p)?;
        }
        Ok(self)
    }

    /// Caps every string value (attributes of type `string`, at any depth) at `chars`
    /// characters.
    pub fn max_length(mut self, chars: usize) -> Self {
        self.max_length = Some(chars);
        self
    }

    /// Caps the string values of the attribute `path` (e.g. `userName`, `emails.value`) at
    /// `chars` characters, overriding the global cap for it.
    ///
    /// # Errors
    ///
    /// `invalidValue` when `path` is not an attribute path.
    pub fn max_length_of(mut self, path: &str, chars: usize) -> Result<Self, Error> {
        let p = parse_path(path)?;
        self.max_lengths.push((p, chars));
        Ok(self)
    }

    /// Refuses string values outside an attribute's `canonicalValues` (off by default: the
    /// RFC's canonical values are suggestions and IdPs send others).
    pub fn enforce_canonical_values(mut self, on: bool) -> Self {
        self.enforce_canonical_values = on;
        self
    }

    /// Also enforces canonical values of `type` sub-attributes (`emails.type`, ...); off by
    /// default even when [`Policy::enforce_canonical_values`] is on, because IdPs send
    /// custom types such as `"Work"` or `"mobile2"`.
    pub fn enforce_canonical_types(mut self, on: bool) -> Self {
        self.enforce_canonical_types = on;
        self
    }

    /// Sets the most values a multi-valued attribute may hold (Group `members` excepted);
    /// default [`DEFAULT_MAX_VALUES`].
    pub fn max_values(mut self, n: usize) -> Self {
        self.max_values = n;
        self
    }

    /// Sets the most members a Group body may carry; `None` (the default) leaves it to the
    /// request body size limit, since groups of 100,000 members are normal.
    ///
    /// Checked on POST and PUT bodies and on the result of every PATCH. With a cap set, a
    /// PATCH of membership deltas (`add` or `remove` of some members) loads the members to
    /// count them, and is written only if the group did not change meanwhile, so
    /// concurrent additions cannot overshoot the cap. Without one, deltas never load the
    /// member list.
    pub fn max_members(mut self, n: Option<usize>) -> Self {
        self.max_members = n;
        self
    }

    /// Whether canonical values are enforced (see [`Policy::enforce_canonical_values`]).
    pub fn canonical_values_enforced(&self) -> bool {
        self.enforce_canonical_values
    }

    /// Whether canonical values of `type` sub-attributes are enforced too.
    pub fn canonical_types_enforced(&self) -> bool {
        self.enforce_canonical_types
    }

    /// The most values per multi-valued attribute (Group `members` excepted).
    pub fn values_limit(&self) -> usize {
        self.max_values
    }

    /// The most Group members per body, if capped.
    pub fn members_limit(&self) -> Option<usize> {
        self.max_members
    }

    /// The global string length cap, if any.
    pub fn global_max_length(&self) -> Option<usize> {
        self.max_length
    }

    /// The extra required paths for `resource_type`.
    pub fn required_paths<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a AttrPath> + 'a {
        self.required
            .iter()
            .filter(move |(rt, _)| rt.eq_ignore_ascii_case(resource_type))
            .map(|(_, p)| p)
    }

    /// Whether the policy requires `attr` (with `sub`, a sub-attribute of it) in `set`,
    /// beyond what the schema says. A required sub-attribute makes its parent required.
    pub fn requires(
        &self,
        set: &SchemaSet,
        attr: &AttributeDef,
        sub: Option<&AttributeDef>,
    ) -> bool {
        self.required_paths(set.resource_type()).any(|p| {
            let Some(r) = set.resolve(p) else {
                return false;
            };
            std::ptr::eq(r.attr, attr)
                && match sub {
                    None => true,
                    Some(s) => r.sub.is_some_and(|rs| std::ptr::eq(rs, s)),
                }
        })
    }

    /// The length cap for `attr` (`sub` of it, when given) in `set`: the attribute's own
    /// `max_length`, a per-path cap of this policy, or the global cap, whichever is
    /// smallest. Applies to `string` attributes only for the global cap.
    pub fn max_length_for(
        &self,
        set: &SchemaSet,
        attr: &AttributeDef,
        sub: Option<&AttributeDef>,
    ) -> Option<usize> {
        let target = sub.unwrap_or(attr);
        let per_path = self.max_lengths.iter().find_map(|(p, n)| {
            let r = set.resolve(p)?;
            let same = std::ptr::eq(r.attr, attr)
                && match (sub, r.sub) {
                    (None, None) => true,
                    (Some(a), Some(b)) => std::ptr::eq(a, b),
                    _ => false,
                };
            same.then_some(*n)
        });
        let global = (target.ty == AttributeType::String)
            .then_some(self.max_length)
            .flatten();
        [target.max_length, per_path.or(global)]
            .into_iter()
            .flatten()
            .min()
    }

    /// Marks the schema set so that `/Schemas` tells the truth about this policy: every
    /// required path (and the parent of a required sub-attribute) gets `required: true`,
    /// and string attributes get the policy's `max_length`. Paths that do not resolve in
    /// `set` are skipped (one policy serves the User and the Group sets).
    pub fn apply(&self, set: &mut SchemaSet) {
        let rt = set.resource_type().to_string();
        let paths: Vec<AttrPath> = self.required_paths(&rt).cloned().collect();
        for p in &paths {
            if let Some(def) = attr_mut(set, p, false) {
                def.required = true;
            }
            if p.sub().is_some() {
                if let Some(def) = attr_mut(set, p, true) {
                    def.required = true;
                }
            }
        }
        for (p, n) in &self.max_lengths {
            if let Some(def) = attr_mut(set, p, true) {
                def.max_length = Some(def.max_length.map_or(*n, |m| m.min(*n)));
            }
        }
        if let Some(n) = self.max_length {
            let cap = |d: &mut AttributeDef| {
                if d.ty == AttributeType::String && d.max_length.is_none() {
                    d.max_length = Some(n);
                }
            };
            for_each_def(set, cap);
        }
    }

    /// The paths of this policy that resolve in none of `sets` (typos in a `--require`
    /// list), as written.
    pub fn unknown_paths(&self, sets: &[&SchemaSet]) -> Vec<String> {
        let required = self.required.iter().map(|(rt, p)| (Some(rt.as_str()), p));
        let lengths = self.max_lengths.iter().map(|(p, _)| (None, p));
        required
            .chain(lengths)
            .filter(|(rt, p)| {
                !sets.iter().any(|s| {
                    rt.map_or(true, |rt| s.resource_type().eq_ignore_ascii_case(rt))
                        && s.resolve(p).is_some()
                })
            })
            .map(|(_, p)| p.to_string())
            .collect()
    }
}

/// Parses `attr`, `attr.sub`, `urn:...:attr` or `urn:...:attr.sub`.
pub(crate) fn parse_path(path: &str) -> Result<AttrPath, Error> {
    let bad = || Error::invalid_value(format!("'{path}' is not an attribute path"));
    let (urn, rest) = if path
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("urn:"))
    {
        let (u, r) = path.rsplit_once(':').ok_or_else(bad)?;
        (Some(u.to_string()), r)
    } else {
        (None, path)
    };
    let (name, sub) = match rest.split_once('.') {
        Some((n, s)) => (n, Some(s)),
        None => (rest, None),
    };
    let ok = |s: &str| {
        let mut c = s.chars();
        matches!(c.next(), Some(f) if f.is_ascii_alphabetic() || f == '$')
            && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    };
    if !ok(name) || sub.is_some_and(|s| !ok(s)) {
        return Err(bad());
    }
    Ok(AttrPath::new(urn, name, sub.map(str::to_string)))
}

fn attr_mut<'s>(
    set: &'s mut SchemaSet,
    p: &AttrPath,
    with_sub: bool,
) -> Option<&'s mut AttributeDef> {
    let ext_urn = match set.attribute(p.urn(), p.name())? {
        (super::set::Location::Core, _) => None,
        (super::set::Location::Extension(u), _) => Some(u.to_string()),
    };
    let is_common = ext_urn.is_none()
        && set
            .common()
            .iter()
            .any(|a| a.name.eq_ignore_ascii_case(p.name()));
    let attrs: &mut Vec<AttributeDef> = match ext_urn {
        None if is_common => set.common_mut(),
        None => &mut set.core_mut().attributes,
        Some(u) => {
            let ext = set.extensions_mut().iter_mut().find(|e| e.schema.id == u)?;
            &mut std::sync::Arc::make_mut(&mut ext.schema).attributes
        }
    };
    let def = attrs
        .iter_mut()
        .find(|a| a.name.eq_ignore_ascii_case(p.name()))?;
    match (with_sub, p.sub()) {
        (true, Some(s)) => def
            .sub_attributes
            .as_mut()?
            .iter_mut()
            .find(|a| a.name.eq_ignore_ascii_case(s)),
        _ => Some(def),
    }
}

fn for_each_def(set: &mut SchemaSet, mut f: impl FnMut(&mut AttributeDef)) {
    fn walk(defs: &mut [AttributeDef], f: &mut impl FnMut(&mut AttributeDef)) {
        for d in defs {
            f(d);
            if let Some(subs) = d.sub_attributes.as_mut() {
                walk(subs, f);
            }
        }
    }
    walk(set.common_mut(), &mut f);
    walk(&mut set.core_mut().attributes, &mut f);
    for ext in set.extensions_mut() {
        walk(
            &mut std::sync::Arc::make_mut(&mut ext.schema).attributes,
            &mut f,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_dotted_and_urn_paths() {
        let p = parse_path("name.givenName").unwrap();
        assert_eq!(
            (p.urn(), p.name(), p.sub()),
            (None, "name", Some("givenName"))
        );
        let p =
            parse_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value")
                .unwrap();
        assert_eq!(
            p.urn(),
            Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")
        );
        assert_eq!((p.name(), p.sub()), ("manager", Some("value")));
        assert_eq!(parse_path("members.$ref").unwrap().sub(), Some("$ref"));
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in ["", "name.", ".x", "a b", "name.given.x", "urn:", "1abc"] {
            assert!(parse_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn per_path_cap_wins_over_global_and_own_cap_is_kept() {
        let set = SchemaSet::user();
        let user_name = set.core().attribute("userName").unwrap();
        let p = Policy::default().max_length(255);
        assert_eq!(p.max_length_for(&set, user_name, None), Some(255));
        let p = p.max_length_of("userName", 300).unwrap();
        assert_eq!(p.max_length_for(&set, user_name, None), Some(300));
        let active = set.core().attribute("active").unwrap();
        assert_eq!(p.max_length_for(&set, active, None), None);
    }
}
