//! [`ListQuery`]: the query parameters of RFC 7644 §3.4.2, from a URL query string or a
//! POST `.search` body (§3.4.3), normalized at the edge.

use serde_json::{Map, Value};

use super::deps::{parse_attr_path, parse_filter};
use crate::error::Error;
use crate::filter::{Filter, FilterLimits};
use crate::path::AttrPath;
use crate::store::{PageRequest, SortKey, SortOrder};

/// The schema URN a POST `.search` body must list (RFC 7644 §3.4.3).
pub const SEARCH_REQUEST_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

/// Server-side bounds on list requests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListLimits {
    /// The page size when the client gives no `count` (default 1000).
    pub default_count: usize,
    /// The largest page the server returns, whatever `count` says (default 1000);
    /// advertised as ServiceProviderConfig `filter.maxResults`.
    pub max_count: usize,
    /// Limits on the filter text.
    pub filter: FilterLimits,
}

impl ListLimits {
    /// The default page size and cap: 1000.
    pub const DEFAULT_COUNT: usize = 1000;

    /// Sets the page size used when the client gives no `count`.
    pub fn with_default_count(mut self, n: usize) -> Self {
        self.default_count = n;
        self
    }

    /// Sets the largest page the server returns.
    pub fn with_max_count(mut self, n: usize) -> Self {
        self.max_count = n;
        self
    }

    /// Sets the filter limits.
    pub fn with_filter_limits(mut self, limits: FilterLimits) -> Self {
        self.filter = limits;
        self
    }

    /// The page size for a client `count` (or none): negative is 0 (RFC 7644 §3.4.2.4),
    /// absent is the default, and both are capped at `max_count`.
    fn page_size(&self, count: Option<i64>) -> usize {
        let wanted = match count {
            None => self.default_count,
            Some(n) => usize::try_from(n.max(0)).unwrap_or(usize::MAX),
        };
        wanted.min(self.max_count)
    }
}

impl Default for ListLimits {
    fn default() -> Self {
        ListLimits {
            default_count: Self::DEFAULT_COUNT,
            max_count: Self::DEFAULT_COUNT,
            filter: FilterLimits::default(),
        }
    }
}

/// A normalized list request (RFC 7644 §3.4.2): filter, sort, page and attribute
/// selection.
///
/// Built with [`ListQuery::from_query`] or [`ListQuery::from_search_body`], which apply
/// the RFC's normalizations, so consumers need not: `start_index` is at least 1 and
/// `count` is already capped by [`ListLimits`].
#[derive(Debug, Clone, PartialEq)]
pub struct ListQuery {
    /// Only resources matching this filter are listed (`filter`).
    pub filter: Option<Filter>,
    /// The attribute to sort by (`sortBy`); `None` keeps the store's stable order.
    pub sort_by: Option<AttrPath>,
    /// The sort direction (`sortOrder`, default ascending); ignored without `sort_by`.
    pub sort_order: SortOrder,
    /// The 1-based index of the first result (`startIndex`), at least 1.
    pub start_index: usize,
    /// The most resources to return (`count`); 0 asks only for `totalResults`.
    pub count: usize,
    /// The attributes to return instead of the default set (`attributes`).
    pub attributes: Vec<AttrPath>,
    /// The attributes to leave out of the default set (`excludedAttributes`).
    pub excluded_attributes: Vec<AttrPath>,
}

impl ListQuery {
    /// The query of a request without parameters: everything, first page of the default
    /// size.
    pub fn new(limits: &ListLimits) -> Self {
        ListQuery {
            filter: None,
            sort_by: None,
            sort_order: SortOrder::Ascending,
            start_index: 1,
            count: limits.page_size(None),
            attributes: Vec::new(),
            excluded_attributes: Vec::new(),
        }
    }

    /// Parses a raw URL query string (without or with a leading `?`).
    ///
    /// Decoding is `application/x-www-form-urlencoded`: `+` is a space and `%XX` escapes
    /// are decoded. Parameter names match case-insensitively (`sortby` is `sortBy`);
    /// unknown parameters are ignored (RFC 7644 §3.4.2); a parameter with an empty value
    /// counts as absent. `attributes` and `excludedAttributes` are comma-separated
    /// attribute paths and may be repeated (the lists are joined); any other parameter
    /// given twice is `400 invalidValue`, since different readers of an ambiguous URL
    /// could otherwise act on different values.
    ///
    /// Errors: `count` or `startIndex` not an integer, a `sortOrder` other than
    /// `ascending`/`descending`, or a malformed attribute path are `400 invalidValue`;
    /// a malformed filter is `400 invalidFilter`.
    ///
    /// ```
    /// use scimitar::list::{ListLimits, ListQuery};
    ///
    /// let q = ListQuery::from_query("startIndex=0&count=5000&attributes=userName,name.givenName",
    ///                               &ListLimits::default())?;
    /// assert_eq!((q.start_index, q.count), (1, 1000));
    /// assert_eq!(q.attributes.len(), 2);
    /// # Ok::<(), scimitar::Error>(())
    /// ```
    pub fn from_query(query: &str, limits: &ListLimits) -> Result<ListQuery, Error> {
        let query = query.strip_prefix('?').unwrap_or(query);
        let mut raw = RawParams::default();
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let Some(param) = Param::from_name(&name) else {
                continue;
            };
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match raw.scalar(param) {
                Some(Some(_)) => {
                    return Err(Error::invalid_value(format!(
                        "query parameter '{}' is given more than once",
                        param.name()
                    )))
                }
                Some(slot) => *slot = Some(value.to_owned()),
                None => raw.list(param).push(value.to_owned()),
            }
        }
        raw.build(limits, parse_int_text)
    }

    /// Parses the JSON body of a POST `.search` request (RFC 7644 §3.4.3).
    ///
    /// The body must be an object whose `schemas` lists [`SEARCH_REQUEST_SCHEMA`]
    /// (otherwise `400 invalidSyntax`). Member names match case-insensitively; unknown
    /// members and `null` values are ignored. `attributes` and `excludedAttributes` are
    /// arrays of attribute paths (a single comma-separated string is accepted too);
    /// `startIndex` and `count` are JSON integers. Other errors are as for
    /// [`ListQuery::from_query`].
    pub fn from_search_body(body: &Value, limits: &ListLimits) -> Result<ListQuery, Error> {
        let obj = body
            .as_object()
            .ok_or_else(|| Error::invalid_syntax("a search request body must be a JSON object"))?;
        check_search_schema(obj)?;
        let mut raw = RawParams::default();
        let mut ints: [Option<i64>; 2] = [None, None];
        for (name, value) in obj {
            let Some(param) = Param::from_name(name) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            match param {
                Param::Attributes | Param::ExcludedAttributes => {
                    *raw.list(param) = string_list(param, value)?;
                }
                Param::StartIndex => ints[0] = Some(json_int(param, value)?),
                Param::Count => ints[1] = Some(json_int(param, value)?),
                Param::Filter | Param::SortBy | Param::SortOrder => {
                    let s = value.as_str().ok_or_else(|| {
                        Error::invalid_value(format!("'{}' must be a string", param.name()))
                    })?;
                    if let (Some(slot), false) = (raw.scalar(param), s.trim().is_empty()) {
                        *slot = Some(s.trim().to_owned());
                    }
                }
            }
        }
        raw.build(limits, |p, _| {
            Ok(match p {
                Param::StartIndex => ints[0],
                _ => ints[1],
            })
        })
    }

    /// The sort key, when `sortBy` was given.
    pub fn sort_key(&self) -> Option<SortKey> {
        self.sort_by.clone().map(|path| SortKey {
            path,
            order: self.sort_order,
        })
    }

    /// The requested page as a store sees it: `startIndex - 1` results skipped, at most
    /// `count` returned.
    pub fn page(&self) -> PageRequest {
        PageRequest {
            offset: self.start_index.saturating_sub(1),
            count: self.count,
        }
    }
}

/// The parameters of RFC 7644 §3.4.2, matched case-insensitively.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    Filter,
    SortBy,
    SortOrder,
    StartIndex,
    Count,
    Attributes,
    ExcludedAttributes,
}

impl Param {
    const ALL: [Param; 7] = [
        Param::Filter,
        Param::SortBy,
        Param::SortOrder,
        Param::StartIndex,
        Param::Count,
        Param::Attributes,
        Param::ExcludedAttributes,
    ];

    fn name(self) -> &'static str {
        match self {
            Param::Filter => "filter",
            Param::SortBy => "sortBy",
            Param::SortOrder => "sortOrder",
            Param::StartIndex => "startIndex",
            Param::Count => "count",
            Param::Attributes => "attributes",
            Param::ExcludedAttributes => "excludedAttributes",
        }
    }

    fn from_name(name: &str) -> Option<Param> {
        Self::ALL
            .into_iter()
            .find(|p| p.name().eq_ignore_ascii_case(name.trim()))
    }
}

/// Parameter values as the client sent them, before validation.
#[derive(Debug, Default)]
struct RawParams {
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

impl RawParams {
    /// The slot of a single-valued parameter; `None` for the two lists.
    fn scalar(&mut self, p: Param) -> Option<&mut Option<String>> {
        match p {
            Param::Filter => Some(&mut self.filter),
            Param::SortBy => Some(&mut self.sort_by),
            Param::SortOrder => Some(&mut self.sort_order),
            Param::StartIndex => Some(&mut self.start_index),
            Param::Count => Some(&mut self.count),
            Param::Attributes | Param::ExcludedAttributes => None,
        }
    }

    /// The list of `attributes` or (for any other parameter) `excludedAttributes`.
    fn list(&mut self, p: Param) -> &mut Vec<String> {
        match p {
            Param::Attributes => &mut self.attributes,
            _ => &mut self.excluded,
        }
    }

    /// Validates and normalizes. `int` yields `startIndex` / `count` from the text
    /// collected here (query strings) or from elsewhere (JSON bodies).
    fn build(
        self,
        limits: &ListLimits,
        int: impl Fn(Param, Option<&str>) -> Result<Option<i64>, Error>,
    ) -> Result<ListQuery, Error> {
        let filter = match &self.filter {
            Some(text) => Some(parse_filter(text, &limits.filter)?),
            None => None,
        };
        let sort_by = match &self.sort_by {
            Some(text) => Some(parse_attr_path(text, Param::SortBy.name())?),
            None => None,
        };
        let sort_order = match self.sort_order.as_deref() {
            None => SortOrder::Ascending,
            Some(s) if s.eq_ignore_ascii_case("ascending") => SortOrder::Ascending,
            Some(s) if s.eq_ignore_ascii_case("descending") => SortOrder::Descending,
            Some(s) => {
                return Err(Error::invalid_value(format!(
                    "'sortOrder' must be 'ascending' or 'descending', not '{s}'"
                )))
            }
        };
        let start = int(Param::StartIndex, self.start_index.as_deref())?;
        let count = int(Param::Count, self.count.as_deref())?;
        Ok(ListQuery {
            filter,
            sort_by,
            sort_order,
            // RFC 7644 §3.4.2.4: "A value less than 1 SHALL be interpreted as 1."
            start_index: start.map_or(1, |n| usize::try_from(n.max(1)).unwrap_or(usize::MAX)),
            count: limits.page_size(count),
            attributes: path_list(Param::Attributes, &self.attributes)?,
            excluded_attributes: path_list(Param::ExcludedAttributes, &self.excluded)?,
        })
    }
}

/// An integer query parameter. Out-of-range values saturate: they are integers, and a
/// huge `count` or `startIndex` is capped or yields an empty page anyway.
fn parse_int_text(param: Param, text: Option<&str>) -> Result<Option<i64>, Error> {
    let Some(text) = text else { return Ok(None) };
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(not_an_integer(param, text));
    }
    Ok(Some(text.parse::<i64>().unwrap_or(
        if text.starts_with('-') {
            i64::MIN
        } else {
            i64::MAX
        },
    )))
}

fn json_int(param: Param, value: &Value) -> Result<i64, Error> {
    if let Some(n) = value.as_i64() {
        return Ok(n);
    }
    if value.as_u64().is_some() {
        return Ok(i64::MAX);
    }
    Err(not_an_integer(param, &value.to_string()))
}

fn not_an_integer(param: Param, text: &str) -> Error {
    Error::invalid_value(format!(
        "'{}' must be an integer, not '{text}'",
        param.name()
    ))
}

fn string_list(param: Param, value: &Value) -> Result<Vec<String>, Error> {
    let not_strings =
        || Error::invalid_value(format!("'{}' must be an array of strings", param.name()));
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(not_strings))
            .collect(),
        _ => Err(not_strings()),
    }
}

/// Comma-separated attribute paths; empty entries (`a,,b`, a trailing comma) are skipped.
fn path_list(param: Param, values: &[String]) -> Result<Vec<AttrPath>, Error> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| parse_attr_path(s, param.name()))
        .collect()
}

fn check_search_schema(obj: &Map<String, Value>) -> Result<(), Error> {
    let listed = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .and_then(|(_, v)| v.as_array())
        .is_some_and(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .any(|s| s.trim().eq_ignore_ascii_case(SEARCH_REQUEST_SCHEMA))
        });
    if listed {
        Ok(())
    } else {
        Err(Error::invalid_syntax(format!(
            "a search request must list '{SEARCH_REQUEST_SCHEMA}' in 'schemas'"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use serde_json::json;

    fn q(s: &str) -> Result<ListQuery, Error> {
        ListQuery::from_query(s, &ListLimits::default())
    }

    #[test]
    fn defaults_without_parameters() {
        let q = q("").unwrap();
        assert_eq!(q, ListQuery::new(&ListLimits::default()));
        assert_eq!((q.start_index, q.count), (1, 1000));
    }

    #[test]
    fn names_are_case_insensitive_and_unknown_ignored() {
        let q = q("STARTINDEX=3&Count=2&SortBy=userName&sortorder=DESCENDING&x=1").unwrap();
        assert_eq!((q.start_index, q.count), (3, 2));
        assert_eq!(q.sort_by, Some(AttrPath::attr("userName")));
        assert_eq!(q.sort_order, SortOrder::Descending);
    }

    #[test]
    fn leading_question_mark_is_accepted() {
        assert_eq!(q("?count=7").unwrap().count, 7);
    }

    #[test]
    fn huge_integers_saturate() {
        let q = q("startIndex=99999999999999999999999&count=-99999999999999999999").unwrap();
        assert_eq!((q.start_index, q.count), (i64::MAX as usize, 0));
    }

    #[test]
    fn duplicate_scalar_parameter_is_invalid_value() {
        let e = q("count=1&COUNT=2").unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue);
        assert!(e.detail().contains("count"), "{}", e.detail());
    }

    #[test]
    fn repeated_attribute_lists_are_joined() {
        let q = q("attributes=userName&attributes=emails.value,,").unwrap();
        assert_eq!(q.attributes.len(), 2);
    }

    #[test]
    fn json_integer_must_be_integer() {
        let body = json!({"schemas": [SEARCH_REQUEST_SCHEMA], "count": 1.5});
        let e = ListQuery::from_search_body(&body, &ListLimits::default()).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidValue);
    }
}
