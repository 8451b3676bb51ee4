//! Reading a compact buffer in place for the filter evaluator: cursors that implement
//! the evaluator's value access ([`Val`], [`Obj`], [`Target`]), so that a list scan tests
//! each stored resource without expanding it into a `serde_json::Map` first.
//!
//! Member names are interned indexes here: a bound filter's names are resolved to
//! indexes once per scan ([`Keys`]), after which finding a member is a walk over the
//! buffer comparing small integers. Every read is checked; a corrupt buffer reads as
//! missing values, never a panic.

use std::sync::PoisonError;

use super::{names, CObj, Reader, ARR, B64, FALSE, FLOAT, NEG_INT, NULL, OBJ, POS_INT, STR, TRUE};
use crate::filter::eval_access::{stored_meta, Name, NumVal, Obj, Shape, Target, Text, Val};
use crate::filter::{BoundFilter, MetaAttr, MetaValue};

/// A bound filter's member names ([`BoundFilter::names`]) as interned indexes; `None`
/// for a name no stored resource has ever used (so no resource has that member).
#[derive(Debug, Clone, Default)]
pub(crate) struct Keys(Vec<Option<u64>>);

impl Keys {
    /// Resolves the names of `filter` (one lock of the name table).
    pub(crate) fn of(filter: &BoundFilter) -> Keys {
        let table = names().read().unwrap_or_else(PoisonError::into_inner);
        Keys(
            filter
                .names()
                .iter()
                .map(|n| table.index.get(&**n).map(|i| u64::from(*i)))
                .collect(),
        )
    }

    fn get(&self, name: &Name) -> Option<u64> {
        self.0.get(name.slot()).copied().flatten()
    }
}

/// A value: the position of its tag.
#[derive(Clone, Copy)]
pub(crate) struct CVal<'r> {
    buf: &'r [u8],
    pos: usize,
    keys: &'r Keys,
}

/// An object: the position of its member count.
#[derive(Clone, Copy)]
pub(crate) struct CObjRef<'r> {
    buf: &'r [u8],
    pos: usize,
    keys: &'r Keys,
}

/// The elements of an array.
pub(crate) struct CItems<'r> {
    buf: &'r [u8],
    pos: usize,
    left: u64,
    keys: &'r Keys,
}

impl<'r> CObj {
    /// The stored object as a cursor, with member names resolved by `keys`.
    pub(crate) fn cursor(&'r self, keys: &'r Keys) -> CObjRef<'r> {
        CObjRef {
            buf: &self.0,
            pos: 0,
            keys,
        }
    }
}

impl CObj {
    /// Reads one byte of each cache line of the buffer (an XOR of them), to bring it
    /// into the cache ahead of use.
    pub(crate) fn touch(&self) -> u8 {
        self.0.iter().step_by(64).fold(0, |acc, b| acc ^ b)
    }
}

impl<'r> Val<'r> for CVal<'r> {
    type Obj = CObjRef<'r>;
    type Items = CItems<'r>;

    #[inline]
    fn shape(self) -> Shape<'r, Self> {
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        let num = |b: Option<[u8; 8]>, f: fn([u8; 8]) -> NumVal| {
            b.map_or(Shape::Null, |b| Shape::Num(f(b)))
        };
        match r.byte() {
            Some(FALSE) => Shape::Bool(false),
            Some(TRUE) => Shape::Bool(true),
            Some(POS_INT) => num(r.eight(), |b| NumVal::U(u64::from_le_bytes(b))),
            Some(NEG_INT) => num(r.eight(), |b| NumVal::I(i64::from_le_bytes(b))),
            Some(FLOAT) => num(r.eight(), |b| NumVal::F(f64::from_le_bytes(b))),
            Some(STR) => r
                .len()
                .and_then(|n| r.bytes(n))
                .map_or(Shape::Null, |b| Shape::Str(Text::Utf8(b))),
            Some(B64) => r
                .len()
                .and_then(|n| r.bytes(n))
                .map_or(Shape::Null, |b| Shape::Str(Text::Base64(b))),
            Some(ARR) => match r.varint() {
                Some(left) => Shape::Arr(CItems {
                    buf: self.buf,
                    pos: r.pos,
                    left,
                    keys: self.keys,
                }),
                None => Shape::Null,
            },
            Some(OBJ) => Shape::Obj(CObjRef {
                buf: self.buf,
                pos: r.pos,
                keys: self.keys,
            }),
            // NULL, an unknown tag or the end of the buffer.
            Some(NULL | _) | None => Shape::Null,
        }
    }
}

impl<'r> Iterator for CItems<'r> {
    type Item = CVal<'r>;

    fn next(&mut self) -> Option<CVal<'r>> {
        self.left = self.left.checked_sub(1)?;
        let item = CVal {
            buf: self.buf,
            pos: self.pos,
            keys: self.keys,
        };
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        match r.skip() {
            Some(()) => self.pos = r.pos,
            // Corrupt: this element is the last one read.
            None => self.left = 0,
        }
        Some(item)
    }
}

impl<'r> CObjRef<'r> {
    /// Calls `f` with each member's key and value until it returns `Some`.
    #[inline]
    fn find<R>(self, mut f: impl FnMut(u64, CVal<'r>) -> Option<R>) -> Option<R> {
        let mut r = Reader {
            buf: self.buf,
            pos: self.pos,
        };
        let n = r.varint()?;
        for _ in 0..n {
            let k = r.varint()?;
            let v = CVal {
                buf: self.buf,
                pos: r.pos,
                keys: self.keys,
            };
            if let Some(found) = f(k, v) {
                return Some(found);
            }
            r.skip()?;
        }
        None
    }
}

impl<'r> Obj<'r> for CObjRef<'r> {
    type Val = CVal<'r>;

    #[inline]
    fn get(self, name: &Name) -> Option<CVal<'r>> {
        let want = self.keys.get(name)?;
        self.find(|k, v| (k == want).then_some(v))
    }

    fn any_value(self, mut f: impl FnMut(CVal<'r>) -> bool) -> bool {
        self.find(|_, v| f(v).then_some(())).is_some()
    }
}

/// A stored resource as the evaluator reads it: attributes from the compact buffer,
/// `id` and `meta` from the record.
#[derive(Clone, Copy)]
pub(crate) struct CompactResource<'r> {
    pub(crate) attrs: &'r CObj,
    pub(crate) id: &'r str,
    /// Unix nanoseconds, as the record keeps them.
    pub(crate) created: i64,
    /// Unix nanoseconds.
    pub(crate) last_modified: i64,
    pub(crate) version: u64,
    pub(crate) keys: &'r Keys,
}

impl<'r> Target<'r> for CompactResource<'r> {
    type Val = CVal<'r>;

    fn attrs(self) -> CObjRef<'r> {
        self.attrs.cursor(self.keys)
    }

    fn id(self) -> Option<&'r str> {
        Some(self.id)
    }

    fn meta(self, attr: MetaAttr) -> Option<MetaValue<'r>> {
        stored_meta(
            attr,
            super::super::from_nanos(self.created),
            super::super::from_nanos(self.last_modified),
            self.version,
        )
    }
}

/// Differential tests: testing a record in place gives the same answer as testing the
/// decoded resource with [`BoundFilter::matches`], for every operator, type, case rule,
/// multi-valued and value-path form, `pr`, `null`, `id`, `meta` and `schemas`, on data
/// with missing, empty, `null` and wrongly typed values.
#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use std::sync::Arc;

    use proptest::prelude::*;
    use serde_json::{json, Map, Value};
    use time::{Duration, OffsetDateTime};

    use super::Keys;
    use crate::filter::{BoundFilter, EvalOptions, Filter};
    use crate::schema::{AttributeDef, AttributeType, SchemaRegistry, SchemaSet};
    use crate::store::memory::compact::CObj;
    use crate::store::memory::Record;
    use crate::store::Resource;
    use crate::tenant::TenantId;

    const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    const CUSTOM: &str = "urn:example:params:scim:schemas:extension:cursor-test:2.0:User";

    fn schemas() -> Arc<SchemaSet> {
        let registry = SchemaRegistry::default();
        let tenant = TenantId::new("cursor-test");
        for a in [
            AttributeDef::new("badge", AttributeType::String).case_exact(true),
            AttributeDef::new("nickname", AttributeType::String),
            AttributeDef::new("level", AttributeType::Integer),
            AttributeDef::new("score", AttributeType::Decimal),
            AttributeDef::new("hired", AttributeType::DateTime),
            AttributeDef::new("tags", AttributeType::String).multi_valued(true),
            AttributeDef::new("vip", AttributeType::Boolean),
            AttributeDef::new("photo", AttributeType::Binary),
        ] {
            registry
                .add_user_attribute(&tenant, CUSTOM, "Test", a)
                .unwrap();
        }
        registry.user_schemas(&tenant)
    }

    /// A small deterministic generator (xorshift).
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn pick<T: Clone>(&mut self, xs: &[T]) -> T {
            xs[(self.next() % xs.len() as u64) as usize].clone()
        }
        fn chance(&mut self, percent: u64) -> bool {
            self.next() % 100 < percent
        }
    }

    fn text(g: &mut Gen, i: u64) -> Value {
        g.pick(&[
            json!(format!("user{i}@example.com")),
            json!(format!("USER{i}@Example.COM")),
            json!("Smith"),
            json!("smith"),
            json!("Élodie Müller"),
            json!("\u{212A}ate"),
            json!(""),
            json!(null),
            json!(1005),
            json!(true),
            json!(["Smith", "x"]),
            json!("ext-3"),
            json!("EXT-3"),
            json!("work"),
        ])
    }

    fn email(g: &mut Gen, i: u64) -> Value {
        if g.chance(5) {
            return g.pick(&[json!(null), json!("loose@example.com"), json!({})]);
        }
        let mut e = Map::new();
        if !g.chance(10) {
            let domain = g.pick(&["example.org", "Example.COM", "home.example.net"]);
            e.insert("value".into(), json!(format!("u{}@{domain}", i % 20)));
        }
        if !g.chance(20) {
            e.insert("type".into(), json!(g.pick(&["work", "home", "Work", ""])));
        }
        if g.chance(50) {
            e.insert("primary".into(), json!(g.chance(50)));
        }
        Value::Object(e)
    }

    fn user(g: &mut Gen, i: u64) -> Map<String, Value> {
        let mut u = Map::new();
        let mut put = |g: &mut Gen, k: &str, v: Value| {
            if !g.chance(15) {
                u.insert(k.into(), v);
            }
        };
        let v = text(g, i);
        put(g, "userName", v);
        let v = g.pick(&[
            json!(format!("ext-{}", i % 13)),
            json!("EXT-3"),
            json!(null),
        ]);
        put(g, "externalId", v);
        let v = text(g, i);
        put(g, "displayName", v);
        let v = text(g, i);
        put(g, "title", v);
        let v = g.pick(&[json!(true), json!(false), json!("true"), json!(null)]);
        put(g, "active", v);
        let name = if g.chance(10) {
            g.pick(&[json!(null), json!({}), json!({"givenName": ""})])
        } else {
            json!({"givenName": text(g, i), "familyName": g.pick(&["Smith", "smith", "Smythe", "Jensen"])})
        };
        put(g, "name", name);
        let n = g.next() % 4;
        let emails: Vec<Value> = (0..n).map(|_| email(g, i)).collect();
        put(g, "emails", Value::Array(emails));
        // LONG_B64 is stored decoded (the compact buffer's base64 tag); the others as text.
        let v = json!([{"value": g.pick(&["aGVsbG8=", "AGVSBG8=", "", LONG_B64, LONG_B64_NONCANONICAL])}]);
        put(g, "x509Certificates", v);
        if g.chance(20) {
            let v = g.pick(&[json!([ENT]), json!(["urn:other"]), json!([])]);
            put(g, "schemas", v);
        }
        if g.chance(60) {
            let mut e = Map::new();
            e.insert(
                "employeeNumber".into(),
                g.pick(&[json!("1005"), json!("0999"), json!(""), json!(1005)]),
            );
            e.insert("department".into(), text(g, i));
            if g.chance(50) {
                e.insert(
                    "manager".into(),
                    g.pick(&[json!({"value": "mgr-1"}), json!({"value": ""}), json!({})]),
                );
            }
            u.insert(ENT.into(), Value::Object(e));
        }
        if g.chance(60) {
            let mut c = Map::new();
            let mut put = |g: &mut Gen, k: &str, vs: &[Value]| {
                if !g.chance(20) {
                    c.insert(k.into(), g.pick(vs));
                }
            };
            put(g, "badge", &[json!("AB-12"), json!("ab-12"), json!("")]);
            put(g, "nickname", &[json!("Babs"), json!("BABS"), json!("é")]);
            put(
                g,
                "level",
                &[json!(7), json!(-3), json!(7.0), json!(u64::MAX), json!("7")],
            );
            put(
                g,
                "score",
                &[json!(4.25), json!(4), json!(-0.5), json!(1e300)],
            );
            put(
                g,
                "hired",
                &[
                    json!("2009-12-31T23:00:00-02:00"),
                    json!("2010-01-01T01:00:00Z"),
                    json!("2010-01-01T01:00:00"),
                    json!("not a date"),
                ],
            );
            put(
                g,
                "tags",
                &[json!(["Blue", "green"]), json!([]), json!([null, "blue"])],
            );
            put(g, "vip", &[json!(true), json!(false), json!(null)]);
            put(g, "photo", &[json!("aGVsbG8="), json!("AGVSBG8=")]);
            u.insert(CUSTOM.into(), Value::Object(c));
        }
        u
    }

    /// Canonical base64 of 64+ characters: the compact buffer keeps it decoded.
    const LONG_B64: &str =
        "TUlJREFUNGdBd0lCQWdJVUNlcnRpZmljYXRlIGZvciBCYXJiYXJhIEplbnNlbiBleGFtcGxlIGRhdGE=";
    /// The same with non-zero unused bits in its last symbol: kept as text.
    const LONG_B64_NONCANONICAL: &str =
        "TUlJREFUNGdBd0lCQWdJVUNlcnRpZmljYXRlIGZvciBCYXJiYXJhIEplbnNlbiBleGFtcGxlIGRhdGZ=";

    fn record(g: &mut Gen, i: u64) -> Record {
        let base = OffsetDateTime::UNIX_EPOCH + Duration::days(19_700);
        let created = base + Duration::hours((g.next() % 100) as i64);
        let nanos = |t: OffsetDateTime| i64::try_from(t.unix_timestamp_nanos()).unwrap();
        Record {
            seq: i,
            id: format!("id-{:04}", i % 50).into_boxed_str(),
            version: 1 + g.next() % 3,
            created: nanos(created),
            last_modified: nanos(created + Duration::hours((g.next() % 100) as i64)),
            attrs: CObj::from_map(user(g, i)),
        }
    }

    fn records(n: u64) -> Vec<(Record, Resource)> {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        (0..n)
            .map(|i| {
                let r = record(&mut g, i);
                let decoded = r.to_resource();
                (r, decoded)
            })
            .collect()
    }

    /// Leaf filters: every operator on every type of attribute, plus `pr`, `null`, value
    /// paths, `id`, `meta` and `schemas`.
    fn leaves() -> Vec<String> {
        let strings = [
            "userName",
            "externalId",
            "displayName",
            "title",
            "name.givenName",
            "name.familyName",
            "emails",
            "emails.value",
            "emails.type",
            "id",
            "meta.version",
            "meta.resourceType",
            "schemas",
            &format!("{ENT}:employeeNumber"),
            &format!("{ENT}:department"),
            &format!("{ENT}:manager.value"),
            &format!("{CUSTOM}:badge"),
            &format!("{CUSTOM}:nickname"),
            &format!("{CUSTOM}:tags"),
        ]
        .map(str::to_owned);
        let mut out = Vec::new();
        for p in &strings {
            for op in ["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] {
                for v in [
                    "\"user1\"",
                    "\"USER1@EXAMPLE.COM\"",
                    "\"smith\"",
                    "\"élodie müller\"",
                    "\"kate\"",
                    "\"\"",
                    "\"ext-3\"",
                    "\"work\"",
                    "\"1005\"",
                    "\"id-0007\"",
                    "\"W/\\\"2\\\"\"",
                    "\"User\"",
                    "\"ab-12\"",
                    "\"blue\"",
                    &format!("\"{ENT}\""),
                    "1005",
                    "true",
                ] {
                    out.push(format!("{p} {op} {v}"));
                }
            }
            out.push(format!("{p} pr"));
            out.push(format!("{p} eq null"));
            out.push(format!("{p} ne null"));
        }
        for p in [
            "active".to_owned(),
            format!("{CUSTOM}:vip"),
            "emails.primary".to_owned(),
        ] {
            for op in ["eq", "ne"] {
                for v in ["true", "false", "\"TRUE\""] {
                    out.push(format!("{p} {op} {v}"));
                }
            }
            out.push(format!("{p} pr"));
        }
        for p in [format!("{CUSTOM}:photo"), "x509Certificates.value".into()] {
            for v in ["\"aGVsbG8=\"", "\"AGVSBG8=\""] {
                out.push(format!("{p} eq {v}"));
                out.push(format!("{p} ne {v}"));
            }
            out.push(format!("{p} pr"));
        }
        for p in [format!("{CUSTOM}:level"), format!("{CUSTOM}:score")] {
            for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
                for v in ["7", "-3", "4.25", "\"7\"", "18446744073709551615", "0"] {
                    out.push(format!("{p} {op} {v}"));
                }
            }
            out.push(format!("{p} pr"));
        }
        for p in [
            format!("{CUSTOM}:hired"),
            "meta.created".into(),
            "meta.lastModified".into(),
        ] {
            for op in ["eq", "ne", "gt", "ge", "lt", "le"] {
                for v in [
                    "\"2010-01-01T01:00:00Z\"",
                    "\"2024-01-07T12:00:00+02:00\"",
                    "\"2023-12-01T00:00:00\"",
                ] {
                    out.push(format!("{p} {op} {v}"));
                }
            }
            out.push(format!("{p} pr"));
        }
        out.extend(
            [
                "name pr",
                "emails pr",
                "meta pr",
                "x509Certificates pr",
                r#"emails[type eq "work" and value co "example.org"]"#,
                r#"emails[type eq "work" or primary eq true]"#,
                r#"emails[not (primary eq true)]"#,
                r#"emails[type pr and not (value pr)]"#,
                r#"emails[value ew ".COM"]"#,
                r#"emails[emails.type eq "home"]"#,
                r#"x509Certificates[value eq "aGVsbG8="]"#,
                &format!(r#"x509Certificates[value eq "{LONG_B64}"]"#),
                &format!(r#"x509Certificates.value ne "{LONG_B64}""#),
                r#"x509Certificates.value sw "TUlJ""#,
                r#"x509Certificates.value ew "dGE=""#,
                r#"x509Certificates.value co "ZXhhbXBsZ""#,
                r#"x509Certificates.value gt "TUlJ""#,
                r#"meta[created lt "2023-12-05T00:00:00Z"]"#,
                r#"name[givenName sw "user" and familyName eq "smith"]"#,
                &format!(r#"{ENT}:manager[value eq "mgr-1"]"#),
                &format!("{ENT}:manager pr"),
                "manager.value eq \"mgr-1\"",
                "department co \"smith\"",
                &format!("{CUSTOM}:tags[value eq \"blue\"]"),
                "nosuch eq \"x\"",
                "not (nosuch pr)",
                "urn:ietf:params:scim:schemas:core:2.0:User:userName sw \"user1\"",
            ]
            .map(str::to_owned),
        );
        out
    }

    fn bind(text: &str, schemas: &SchemaSet) -> Option<BoundFilter> {
        let f: Filter = text.parse().ok()?;
        f.bind(schemas, EvalOptions::default()).ok()
    }

    fn check(f: &BoundFilter, text: &str, records: &[(Record, Resource)]) -> usize {
        let keys = Keys::of(f);
        let mut hits = 0;
        for (r, decoded) in records {
            let want = f.matches(decoded);
            let got = f.matches_target(r.compact(&keys));
            assert_eq!(got, want, "{text} on {decoded:?}");
            hits += usize::from(got);
        }
        hits
    }

    #[test]
    fn in_place_evaluation_agrees_with_decoded_resources() {
        let schemas = schemas();
        let records = records(300);
        let mut bound = 0;
        let mut some_match = 0;
        for text in leaves() {
            let Some(f) = bind(&text, &schemas) else {
                continue;
            };
            bound += 1;
            let hits = check(&f, &text, &records);
            if hits > 0 && hits < records.len() {
                some_match += 1;
            }
        }
        assert!(bound > 400, "only {bound} filters bound");
        assert!(some_match > 200, "only {some_match} filters discriminate");
    }

    fn tree(leaves: Arc<Vec<String>>) -> impl Strategy<Value = String> {
        let n = leaves.len();
        let leaf = (0..n).prop_map(move |i| leaves[i].clone());
        leaf.prop_recursive(3, 12, 3, |inner| {
            prop_oneof![
                inner.clone().prop_map(|f| format!("not ({f})")),
                (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a}) and ({b})")),
                (inner.clone(), inner).prop_map(|(a, b)| format!("({a}) or ({b})")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        /// Random `and` / `or` / `not` combinations of the leaves.
        #[test]
        fn combinations_agree(text in tree(Arc::new(leaves()))) {
            thread_local! {
                static DATA: (Arc<SchemaSet>, Vec<(Record, Resource)>) = (schemas(), records(60));
            }
            DATA.with(|(schemas, records)| {
                if let Some(f) = bind(&text, schemas) {
                    check(&f, &text, records);
                }
            });
        }
    }

    #[test]
    fn names_never_stored_match_nothing_and_corrupt_buffers_read_as_empty() {
        let schemas = SchemaSet::user();
        let f = bind(r#"title eq "x" or not (nickName pr)"#, &schemas).unwrap();
        let keys = Keys::of(&f);
        let (mut rec, _) = records(1).pop().unwrap();
        rec.attrs = CObj(vec![3, 0, 7, 200, 1].into_boxed_slice());
        assert!(f.matches_target(rec.compact(&keys)));
        let f = bind(r#"emails[type eq "work"]"#, &schemas).unwrap();
        assert!(!f.matches_target(rec.compact(&Keys::of(&f))));
    }
}
