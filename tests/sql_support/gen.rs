//! Generated users and filters for the differential tests (a small deterministic PRNG,
//! so a failure names its seed and filter and reproduces).

use serde_json::{json, Map, Value};

/// xorshift64*: deterministic and dependency-free.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Name stems with case variants, non-ASCII letters whose lower case differs in length
/// (`İ`, KELVIN SIGN) or depends on context (final sigma), letters whose lower case is
/// not their fold (`ẞ`, `ǅ`, Cherokee), LIKE metacharacters (`%`, `_`, `\`, and `!`,
/// the PostgreSQL store's escape) and quotes.
const STEMS: &[&str] = &[
    "alice",
    "Alice",
    "ALICE",
    "bob",
    "Bób",
    "carol",
    "ÉLODIE",
    "élodie",
    "dave_x",
    "eve%",
    "frank!",
    "o'brien",
    "İpek",
    "straße",
    "STRAẞE",
    "zoë",
    "Zed",
    "a",
    "",
    "grace.hopper",
    "back\\slash",
    "%_\\!",
    "\u{212A}elvin",
    "ΟΔΥΣΣΕΥΣ",
    "ǅemal",
    "ıi",
    "Ꭰꭰ",
    "ﬁle",
];
const DOMAINS: &[&str] = &["example.com", "Example.COM", "corp.test", "x_y.org"];
const TITLES: &[&str] = &["Engineer", "engineer", "Manager", "Tour Guide"];

fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// The attributes of the `i`-th generated user (userName unique case-insensitively).
pub fn user(i: usize, rng: &mut Rng) -> Map<String, Value> {
    let stem = *rng.pick(STEMS);
    let domain = *rng.pick(DOMAINS);
    let mut u = Map::new();
    let user_name = match i % 5 {
        0 => format!("{stem}{i}@{domain}"),
        1 => format!("{}{i}", stem.to_uppercase()),
        2 => format!("{i}{stem}"),
        3 => format!("u{i}_{stem}"),
        _ => format!("{stem}-{i:04}"),
    };
    u.insert("userName".into(), json!(user_name));
    if rng.chance(70) {
        let ext = match rng.below(4) {
            0 => format!("EXT-{}", i % 13),
            1 => format!("ext-{}", i % 13),
            2 => format!("{stem}%{}", i % 7),
            _ => format!("e{i}"),
        };
        u.insert("externalId".into(), json!(ext));
    }
    match rng.below(3) {
        0 => {}
        1 => {
            u.insert("active".into(), json!(true));
        }
        _ => {
            u.insert("active".into(), json!(false));
        }
    }
    if rng.chance(60) {
        u.insert("title".into(), json!(rng.pick(TITLES)));
    }
    if rng.chance(50) {
        u.insert("displayName".into(), json!(format!("{stem} {}", i % 9)));
    }
    if rng.chance(70) {
        let n = 1 + rng.below(3);
        let emails: Vec<Value> = (0..n)
            .map(|k| {
                json!({
                    "value": format!("{stem}{i}.{k}@{}", rng.pick(DOMAINS)),
                    "type": if k == 0 { "work" } else { "home" },
                    "primary": k == n - 1,
                })
            })
            .collect();
        u.insert("emails".into(), Value::Array(emails));
    }
    if rng.chance(50) {
        u.insert(
            "name".into(),
            json!({"familyName": rng.pick(STEMS), "givenName": rng.pick(STEMS)}),
        );
    }
    u
}

/// The attributes of the `i`-th generated group.
pub fn group(i: usize, rng: &mut Rng) -> Map<String, Value> {
    let stem = *rng.pick(STEMS);
    let mut g = obj(json!({ "displayName": format!("{stem} group {i}") }));
    if rng.chance(60) {
        g.insert("externalId".into(), json!(format!("G-{}", i % 5)));
    }
    g
}

/// Facts about the stored users the filter generator draws values from.
pub struct Pool {
    pub user_names: Vec<String>,
    pub external_ids: Vec<String>,
    pub ids: Vec<String>,
    /// RFC 3339 instants at, just before and just after stored timestamps.
    pub instants: Vec<String>,
}

fn string_value(rng: &mut Rng, pool: &[String]) -> String {
    let base = if pool.is_empty() || rng.chance(15) {
        (*rng.pick(STEMS)).to_owned()
    } else {
        rng.pick(pool).clone()
    };
    let chars: Vec<char> = base.chars().collect();
    let piece: String = match rng.below(5) {
        0 | 1 => base.clone(),
        2 => chars
            .iter()
            .take(1 + rng.below(chars.len().max(1)))
            .collect(),
        3 => chars.iter().skip(rng.below(chars.len().max(1))).collect(),
        _ => {
            let a = rng.below(chars.len().max(1));
            let b = (a + 1 + rng.below(4)).min(chars.len());
            chars
                .get(a..b)
                .map(|s| s.iter().collect())
                .unwrap_or_default()
        }
    };
    let piece = match rng.below(4) {
        0 => piece.to_uppercase(),
        1 => piece.to_lowercase(),
        _ => piece,
    };
    // Now and then a character no stored value holds (U+0000), or a LIKE wildcard.
    match rng.below(40) {
        0 => format!("{piece}\u{0}"),
        1 => format!("\u{0}{piece}"),
        2 => piece.replacen(|c: char| c.is_alphabetic(), "\u{0}", 1),
        3 => format!("{piece}%"),
        4 => piece.replacen(|c: char| c.is_alphabetic(), "_", 1),
        _ => piece,
    }
}

fn quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

fn leaf(rng: &mut Rng, pool: &Pool, groups: bool) -> String {
    let op = *rng.pick(OPS);
    let kind = if groups {
        10 + rng.below(5)
    } else {
        rng.below(14)
    };
    match kind {
        0..=2 => {
            let attr = *rng.pick(&[
                "userName",
                "USERNAME",
                "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            ]);
            if rng.chance(8) {
                return format!("{attr} pr");
            }
            if rng.chance(5) {
                return format!("{attr} {} null", rng.pick(&["eq", "ne"]));
            }
            format!(
                "{attr} {op} {}",
                quote(&string_value(rng, &pool.user_names))
            )
        }
        3 | 4 => {
            if rng.chance(10) {
                return "externalId pr".into();
            }
            if rng.chance(8) {
                return format!("externalId {} null", rng.pick(&["eq", "ne"]));
            }
            format!(
                "externalId {op} {}",
                quote(&string_value(rng, &pool.external_ids))
            )
        }
        5 => format!("id {op} {}", quote(&string_value(rng, &pool.ids))),
        6 | 7 => match rng.below(6) {
            0 => "active pr".into(),
            1 => format!("active {} null", rng.pick(&["eq", "ne"])),
            2 => format!(
                "active {} \"{}\"",
                rng.pick(&["eq", "ne"]),
                rng.pick(&["true", "False"])
            ),
            _ => format!(
                "active {} {}",
                rng.pick(&["eq", "ne"]),
                rng.pick(&["true", "false"])
            ),
        },
        8 | 9 => {
            let attr = *rng.pick(&["meta.created", "meta.lastModified", "meta.CREATED"]);
            let op = *rng.pick(&["eq", "ne", "gt", "ge", "lt", "le"]);
            if rng.chance(5) {
                return format!("{attr} pr");
            }
            format!("{attr} {op} {}", quote(rng.pick(&pool.instants).as_str()))
        }
        10 => format!("title {op} {}", quote(&string_value(rng, &[]))),
        11 => format!(
            "emails[type eq \"work\" and value {} {}]",
            rng.pick(&["co", "sw", "ew"]),
            quote(&string_value(rng, &pool.user_names))
        ),
        12 => format!(
            "displayName {op} {}",
            quote(&string_value(rng, &pool.user_names))
        ),
        13 => format!("name.familyName {op} {}", quote(&string_value(rng, &[]))),
        _ => format!(
            "externalId {op} {}",
            quote(&string_value(rng, &pool.external_ids))
        ),
    }
}

/// A random filter over the generated data, mostly of pushed-down attributes.
pub fn filter(rng: &mut Rng, pool: &Pool, depth: usize, groups: bool) -> String {
    if depth == 0 || rng.chance(40) {
        return leaf(rng, pool, groups);
    }
    match rng.below(4) {
        0 => format!("not ({})", filter(rng, pool, depth - 1, groups)),
        1 => {
            let n = 2 + rng.below(2);
            let parts: Vec<String> = (0..n)
                .map(|_| format!("({})", filter(rng, pool, depth - 1, groups)))
                .collect();
            parts.join(" or ")
        }
        _ => {
            let n = 2 + rng.below(2);
            let parts: Vec<String> = (0..n)
                .map(|_| format!("({})", filter(rng, pool, depth - 1, groups)))
                .collect();
            parts.join(" and ")
        }
    }
}
