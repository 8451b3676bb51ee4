//! Testing resources with a bound filter: the hot path. Nothing here allocates for ASCII
//! data, and nothing can fail.

use serde_json::{Map, Value};

use super::compare::{json_present, Cand};
use super::view::{MetaAttr, MetaValue, ResourceView};
use super::{Access, Node};

/// `map.get(key)`, tuned for the small maps of a resource.
///
/// A B-tree lookup compares the key with up to a node's worth of keys, and each
/// comparison reads a separately allocated key string: over many resources that is a
/// cache miss per key. Key lengths sit in the node itself, so a linear scan that reads
/// only the keys of the right length touches a fraction of the memory. Large maps use
/// the tree.
fn lookup<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
    if map.len() > 32 {
        return map.get(key);
    }
    map.iter()
        .find(|(k, _)| k.len() == key.len() && k.as_str() == key)
        .map(|(_, v)| v)
}

/// Calls `f` on each value of `v` (the elements of an array), until one returns true.
fn any_json<'v>(v: &'v Value, f: &mut impl FnMut(Cand<'v>) -> bool) -> bool {
    match v {
        Value::Null => false,
        Value::Array(items) => items.iter().any(|i| !i.is_null() && f(Cand::Json(i))),
        other => f(Cand::Json(other)),
    }
}

impl Access {
    /// Whether any value reached by this access satisfies `f`.
    fn any<V: ResourceView + ?Sized>(
        &self,
        view: &V,
        elem: Option<&Map<String, Value>>,
        f: &mut impl FnMut(Cand<'_>) -> bool,
    ) -> bool {
        match self {
            Access::Attr { ext, name, sub } => {
                let top = match ext {
                    None => lookup(view.attributes(), name),
                    Some(urn) => match lookup(view.attributes(), urn) {
                        Some(Value::Object(e)) => lookup(e, name),
                        _ => None,
                    },
                };
                let Some(top) = top else { return false };
                match sub {
                    None => any_json(top, f),
                    Some(sub) => match top {
                        Value::Array(items) => items
                            .iter()
                            .any(|item| item.get(sub.as_str()).is_some_and(|v| any_json(v, f))),
                        Value::Object(o) => o.get(sub.as_str()).is_some_and(|v| any_json(v, f)),
                        _ => false,
                    },
                }
            }
            Access::Elem(sub) => elem
                .and_then(|e| lookup(e, sub))
                .is_some_and(|v| any_json(v, f)),
            Access::Id => view.id().is_some_and(|id| f(Cand::Str(id))),
            Access::Meta(m) => meta_any(view, *m, f),
            Access::MetaAny => MetaAttr::ALL.into_iter().any(|m| meta_any(view, m, f)),
            Access::ResourceType(fallback) => match view.meta(MetaAttr::ResourceType) {
                Some(_) => meta_any(view, MetaAttr::ResourceType, f),
                None => f(Cand::Str(fallback)),
            },
            Access::Schemas { core, extensions } => {
                let attrs = view.attributes();
                if let Some(v) = attrs.get("schemas") {
                    return any_json(v, f);
                }
                f(Cand::Str(core))
                    || extensions.iter().any(|urn| {
                        attrs.get(urn.as_str()).is_some_and(json_present) && f(Cand::Str(urn))
                    })
            }
        }
    }
}

fn meta_any<V: ResourceView + ?Sized>(
    view: &V,
    m: MetaAttr,
    f: &mut impl FnMut(Cand<'_>) -> bool,
) -> bool {
    match view.meta(m) {
        Some(MetaValue::Instant(t)) => f(Cand::Instant(t)),
        Some(MetaValue::Str(s)) => f(Cand::Str(&s)),
        None => false,
    }
}

impl Node {
    pub(super) fn eval<V: ResourceView + ?Sized>(
        &self,
        view: &V,
        elem: Option<&Map<String, Value>>,
    ) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Not(inner) => !inner.eval(view, elem),
            Node::And(ops) => ops.iter().all(|o| o.eval(view, elem)),
            Node::Or(ops) => ops.iter().any(|o| o.eval(view, elem)),
            Node::Present(access) => access.any(view, elem, &mut |c| c.is_present()),
            Node::Compare(access, test) => access.any(view, elem, &mut |c| test.matches(c)),
            Node::ValuePath(access, inner) => {
                let mut test = |c: Cand<'_>| match c {
                    Cand::Json(Value::Object(o)) => inner.eval(view, Some(o)),
                    _ => false,
                };
                access.any(view, elem, &mut test)
            }
        }
    }
}
