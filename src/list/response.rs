//! The ListResponse message (RFC 7644 §3.4.2).

use serde_json::{json, Value};

/// The schema URN of a list response (RFC 7644 §3.4.2).
pub const LIST_RESPONSE_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// One page of query results, ready to serialize.
///
/// [`ListResponse::to_json`] always writes `totalResults`, `startIndex`, `itemsPerPage`
/// (JSON integers, as Okta's importer requires) and `Resources`, which is an empty array
/// when the page is empty: the RFC requires `Resources` only when `totalResults` is
/// non-zero, but an empty array is valid either way and is what IdPs expect from
/// "no match" and `count=0` answers.
#[derive(Debug, Clone, PartialEq)]
pub struct ListResponse {
    /// The number of matches before paging.
    pub total_results: usize,
    /// The 1-based index of the first resource of this page.
    pub start_index: usize,
    /// The number of resources on this page (`resources.len()`).
    pub items_per_page: usize,
    /// The rendered and projected resources.
    pub resources: Vec<Value>,
}

impl ListResponse {
    /// A page of `resources`; `items_per_page` is their number.
    pub fn new(total_results: usize, start_index: usize, resources: Vec<Value>) -> Self {
        ListResponse {
            total_results,
            start_index,
            items_per_page: resources.len(),
            resources,
        }
    }

    /// The response body as JSON.
    pub fn to_json(&self) -> Value {
        json!({
            "schemas": [LIST_RESPONSE_SCHEMA],
            "totalResults": self.total_results,
            "startIndex": self.start_index,
            "itemsPerPage": self.items_per_page,
            "Resources": self.resources,
        })
    }

    /// The response body serialized to bytes.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&self.to_json()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_page_still_has_resources_array() {
        let r = ListResponse::new(5, 11, Vec::new());
        assert_eq!(
            r.to_json(),
            json!({
                "schemas": [LIST_RESPONSE_SCHEMA],
                "totalResults": 5,
                "startIndex": 11,
                "itemsPerPage": 0,
                "Resources": []
            })
        );
    }

    #[test]
    fn items_per_page_counts_resources() {
        let r = ListResponse::new(3, 1, vec![json!({"id": "a"}), json!({"id": "b"})]);
        assert_eq!(r.items_per_page, 2);
        assert!(r.to_json()["totalResults"].is_u64());
    }
}
