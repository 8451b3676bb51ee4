//! Testing resources with a bound filter: the hot path. Nothing here allocates for ASCII
//! data, and nothing can fail.
//!
//! The executor is generic over the resource representation ([`Target`], see
//! `access.rs`): `serde_json` values for [`ResourceView`](super::ResourceView)s and the
//! in-memory store's compact buffers run the same code.

use super::access::{Obj, Shape, Target, Val};
use super::compare::{cand, present, Cand, Scalar};
use super::view::{MetaAttr, MetaValue};
use super::{Access, Node};

/// The object type of a target's values.
type ObjOf<'r, T> = <<T as Target<'r>>::Val as Val<'r>>::Obj;

/// A candidate of a target.
type CandOf<'a, 'r, T> = Cand<'a, <T as Target<'r>>::Val, ObjOf<'r, T>>;

/// Calls `f` on each value of `v` (the elements of an array), until one returns true.
fn any_val<'r, V: Val<'r>>(v: V, f: &mut impl FnMut(Cand<'_, V, V::Obj>) -> bool) -> bool {
    match v.shape() {
        Shape::Null => false,
        Shape::Arr(mut items) => items.any(|i| cand(i).is_some_and(&mut *f)),
        Shape::Str(s) => f(Cand::Scalar(Scalar::Str(s))),
        Shape::Bool(b) => f(Cand::Scalar(Scalar::Bool(b))),
        Shape::Num(n) => f(Cand::Scalar(Scalar::Num(n))),
        Shape::Obj(o) => f(Cand::Obj(o)),
    }
}

impl Access {
    /// Whether any value reached by this access satisfies `f`.
    fn any<'r, T: Target<'r>>(
        &self,
        t: T,
        elem: Option<ObjOf<'r, T>>,
        f: &mut impl FnMut(CandOf<'_, 'r, T>) -> bool,
    ) -> bool {
        match self {
            Access::Attr { ext, name, sub } => {
                let attrs = t.attrs();
                let top = match ext {
                    None => attrs.get(name),
                    Some(urn) => match attrs.get(urn).map(Val::shape) {
                        Some(Shape::Obj(e)) => e.get(name),
                        _ => None,
                    },
                };
                let Some(top) = top else { return false };
                match sub {
                    None => any_val(top, f),
                    Some(sub) => match top.shape() {
                        Shape::Arr(mut items) => items.any(|item| match item.shape() {
                            Shape::Obj(o) => o.get(sub).is_some_and(|v| any_val(v, f)),
                            _ => false,
                        }),
                        Shape::Obj(o) => o.get(sub).is_some_and(|v| any_val(v, f)),
                        _ => false,
                    },
                }
            }
            Access::Elem(sub) => elem.and_then(|e| e.get(sub)).is_some_and(|v| any_val(v, f)),
            Access::Id => t.id().is_some_and(|id| f(Cand::Scalar(Scalar::str(id)))),
            Access::Meta(m) => meta_any(t, *m, f),
            Access::MetaAny => MetaAttr::ALL.into_iter().any(|m| meta_any(t, m, f)),
            Access::ResourceType(fallback) => match t.meta(MetaAttr::ResourceType) {
                Some(_) => meta_any(t, MetaAttr::ResourceType, f),
                None => f(Cand::Scalar(Scalar::str(fallback))),
            },
            Access::Schemas {
                core,
                key,
                extensions,
            } => {
                let attrs = t.attrs();
                if let Some(v) = attrs.get(key) {
                    return any_val(v, f);
                }
                f(Cand::Scalar(Scalar::str(core)))
                    || extensions.iter().any(|(urn, name)| {
                        attrs.get(name).is_some_and(present) && f(Cand::Scalar(Scalar::str(urn)))
                    })
            }
        }
    }
}

fn meta_any<'r, T: Target<'r>>(
    t: T,
    m: MetaAttr,
    f: &mut impl FnMut(CandOf<'_, 'r, T>) -> bool,
) -> bool {
    match t.meta(m) {
        Some(MetaValue::Instant(i)) => f(Cand::Scalar(Scalar::Instant(i))),
        Some(MetaValue::Str(s)) => f(Cand::Scalar(Scalar::str(&s))),
        None => false,
    }
}

impl Node {
    pub(super) fn eval<'r, T: Target<'r>>(&self, t: T, elem: Option<ObjOf<'r, T>>) -> bool {
        match self {
            Node::Const(b) => *b,
            Node::Not(inner) => !inner.eval(t, elem),
            Node::And(ops) => ops.iter().all(|o| o.eval(t, elem)),
            Node::Or(ops) => ops.iter().any(|o| o.eval(t, elem)),
            Node::Present(access) => access.any(t, elem, &mut |c| c.is_present()),
            Node::Compare(access, test) => access.any(t, elem, &mut |c| test.matches(c)),
            Node::ValuePath(access, inner) => {
                let mut test = |c: CandOf<'_, 'r, T>| match c {
                    Cand::Obj(o) => inner.eval(t, Some(o)),
                    _ => false,
                };
                access.any(t, elem, &mut test)
            }
        }
    }
}
