//! Sorting (RFC 7644 §3.4.2.3): schema-aware, stable, missing values last when ascending
//! and first when descending.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::schema::{AttributeDef, AttributeType, Location, SchemaSet};
use crate::store::{Resource, SortKey, SortOrder};

/// Compares two resources by `key` as RFC 7644 §3.4.2.3 orders them.
///
/// For many comparisons (sorting a list), prepare a [`Sorter`] once instead: this
/// function resolves the path against `schemas` on every call.
pub fn compare(a: &Resource, b: &Resource, key: &SortKey, schemas: &SchemaSet) -> Ordering {
    let sorter = Sorter::new(key, schemas);
    sorter.compare(a, b)
}

/// A sort key resolved against a schema set, ready to compare or sort resources.
///
/// The order (RFC 7644 §3.4.2.3):
/// - values compare by the attribute's type: strings by Unicode code points, folded to
///   lower case unless the attribute is `caseExact`; integers and decimals numerically;
///   `dateTime` chronologically (text that is not RFC 3339 sorts after every instant);
///   booleans `false` before `true`;
/// - a multi-valued attribute contributes the value of its `primary` element, else its
///   first element; a complex attribute named without a sub-attribute contributes its
///   `value` sub-attribute;
/// - a resource without a value (absent, `null`, `""`, `[]`, an attribute the schemas
///   do not define, or one that is never returned such as `password`) sorts **last**
///   in ascending order and **first** in descending order ("ordered last if ascending and
///   first if descending");
/// - `id`, `meta.created`, `meta.lastModified` and `meta.version` come from the
///   [`Resource`] fields;
/// - equal values keep their input order ([`Sorter::sort`] is stable).
#[derive(Debug, Clone)]
pub struct Sorter {
    target: Target,
    descending: bool,
}

/// Where a sort value comes from, resolved once.
#[derive(Debug, Clone)]
enum Target {
    Id,
    Created,
    LastModified,
    Version,
    Attr {
        /// The extension URN holding the attribute (canonical), for extension attributes.
        container: Option<String>,
        name: String,
        multi_valued: bool,
        /// The sub-attribute to read from a complex value.
        sub: Option<String>,
        ty: AttributeType,
        case_exact: bool,
    },
    /// The path names nothing sortable: every resource has no value.
    Nothing,
}

impl Sorter {
    /// Resolves `key` against `schemas`.
    pub fn new(key: &SortKey, schemas: &SchemaSet) -> Self {
        Sorter {
            target: resolve(key, schemas),
            descending: key.order == SortOrder::Descending,
        }
    }

    /// Compares two resources (see [`Sorter`] for the order).
    pub fn compare(&self, a: &Resource, b: &Resource) -> Ordering {
        self.key(a).cmp(&self.key(b))
    }

    /// Sorts `resources` in place, stably: resources with equal values keep their order.
    pub fn sort(&self, resources: &mut [Resource]) {
        self.sort_by(resources, |r| r);
    }

    /// Sorts any items that lead to a resource (e.g. `Arc<Resource>` or index entries),
    /// stably, extracting each sort value once.
    pub fn sort_by<T>(&self, items: &mut [T], resource: impl Fn(&T) -> &Resource) {
        if matches!(self.target, Target::Nothing) {
            return;
        }
        // `sort_by_cached_key` is stable and extracts each key only once.
        items.sort_by_cached_key(|t| self.key(resource(t)));
    }

    /// The value `resource` is ordered by, as a key whose `Ord` is this sorter's order
    /// (direction and missing values included), e.g. for a store's sorted index.
    pub fn key(&self, resource: &Resource) -> OrderKey {
        OrderKey {
            value: self.value(resource),
            descending: self.descending,
        }
    }

    fn value(&self, r: &Resource) -> Option<SortValue> {
        match &self.target {
            Target::Id => Some(SortValue::Str(r.id.clone())),
            Target::Created => Some(SortValue::Time(r.created)),
            Target::LastModified => Some(SortValue::Time(r.last_modified)),
            Target::Version => Some(SortValue::Num(Number::from(r.version))),
            Target::Nothing => None,
            Target::Attr {
                container,
                name,
                multi_valued,
                sub,
                ty,
                case_exact,
            } => {
                let holder = match container {
                    Some(urn) => get_ci(&r.attributes, urn)?.as_object()?,
                    None => &r.attributes,
                };
                let mut v = get_ci(holder, name)?;
                if *multi_valued {
                    v = pick_element(v.as_array()?)?;
                }
                if let Some(sub) = sub {
                    v = get_ci(v.as_object()?, sub)?;
                }
                SortValue::from_json(v, *ty, *case_exact)
            }
        }
    }
}

fn resolve(key: &SortKey, schemas: &SchemaSet) -> Target {
    let path = &key.path;
    let Some(resolved) = schemas.resolve(path) else {
        return Target::Nothing;
    };
    let attr = resolved.attr;
    if resolved.location == Location::Core && attr.name == "id" {
        return Target::Id;
    }
    if resolved.location == Location::Core && attr.name == "meta" {
        return match resolved.sub.map(|s| s.name.as_str()) {
            Some("created") => Target::Created,
            Some("lastModified") => Target::LastModified,
            Some("version") => Target::Version,
            // resourceType is the same for all; location follows id.
            Some("location") => Target::Id,
            _ => Target::Nothing,
        };
    }
    let sub: Option<&AttributeDef> = match resolved.sub {
        Some(s) => Some(s),
        None if attr.ty == AttributeType::Complex => match attr.sub_attribute("value") {
            Some(v) => Some(v),
            None => return Target::Nothing,
        },
        None => None,
    };
    let target = sub.unwrap_or(attr);
    if attr.never_returned() || target.never_returned() {
        // Its order would disclose values that are never returned (`password`).
        return Target::Nothing;
    }
    Target::Attr {
        container: match resolved.location {
            Location::Core => None,
            Location::Extension(urn) => Some(urn.to_owned()),
        },
        name: attr.name.clone(),
        multi_valued: attr.multi_valued,
        sub: sub.map(|s| s.name.clone()),
        ty: target.ty,
        case_exact: target.case_exact,
    }
}

/// A resource's position under a [`Sorter`]: compare two keys of the same sorter to
/// order their resources. Opaque; obtained from [`Sorter::key`].
#[derive(Debug, Clone)]
pub struct OrderKey {
    value: Option<SortValue>,
    descending: bool,
}

impl Ord for OrderKey {
    fn cmp(&self, other: &Self) -> Ordering {
        let ord = match (&self.value, &other.value) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        // Reversing also moves missing values from last to first, as the RFC asks.
        if self.descending {
            ord.reverse()
        } else {
            ord
        }
    }
}

impl PartialOrd for OrderKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for OrderKey {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for OrderKey {}

/// The `primary` element of a multi-valued attribute, else the first (RFC 7644
/// §3.4.2.3, RFC 7643 §2.4).
fn pick_element(items: &[Value]) -> Option<&Value> {
    items
        .iter()
        .find(|v| {
            v.as_object()
                .and_then(|o| get_ci(o, "primary"))
                .and_then(Value::as_bool)
                == Some(true)
        })
        .or_else(|| items.first())
}

/// A member by exact name, else case-insensitively (stored names are canonical, so the
/// fallback only matters for data written by a lenient store).
fn get_ci<'a>(map: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    map.get(name).or_else(|| {
        map.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}

/// One resource's sort value. Values of different kinds (data that does not match its
/// schema type) still order totally: by kind first.
#[derive(Debug, Clone)]
enum SortValue {
    Bool(bool),
    Num(Number),
    Time(OffsetDateTime),
    Str(String),
}

impl SortValue {
    fn from_json(v: &Value, ty: AttributeType, case_exact: bool) -> Option<SortValue> {
        match v {
            // An empty string is "no data", as for the `pr` filter.
            Value::Null | Value::Array(_) | Value::Object(_) => None,
            Value::String(s) if s.is_empty() => None,
            Value::Bool(b) => Some(SortValue::Bool(*b)),
            Value::Number(n) => Some(SortValue::Num(n.clone())),
            Value::String(s) => {
                if ty == AttributeType::DateTime {
                    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
                        return Some(SortValue::Time(t));
                    }
                }
                Some(SortValue::Str(if case_exact {
                    s.clone()
                } else {
                    s.to_lowercase()
                }))
            }
        }
    }

    fn rank(&self) -> u8 {
        match self {
            SortValue::Bool(_) => 0,
            SortValue::Num(_) => 1,
            SortValue::Time(_) => 2,
            SortValue::Str(_) => 3,
        }
    }
}

impl Ord for SortValue {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (SortValue::Bool(a), SortValue::Bool(b)) => a.cmp(b),
            (SortValue::Num(a), SortValue::Num(b)) => cmp_numbers(a, b),
            (SortValue::Time(a), SortValue::Time(b)) => a.cmp(b),
            (SortValue::Str(a), SortValue::Str(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

impl PartialOrd for SortValue {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for SortValue {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for SortValue {}

/// Integers exactly (i64 and u64 alike), otherwise as floats with a total order.
fn cmp_numbers(a: &Number, b: &Number) -> Ordering {
    fn int(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    match (int(a), int(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => {
            let x = a.as_f64().unwrap_or(f64::NAN);
            let y = b.as_f64().unwrap_or(f64::NAN);
            x.total_cmp(&y)
        }
    }
}
