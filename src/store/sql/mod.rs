//! SQL stores on [sqlx](https://docs.rs/sqlx): [`SqliteStore`] (feature `sqlite`, an
//! embedded database file) and [`PostgresStore`] (feature `postgres`, shared by any number
//! of stateless scimitar instances).
//!
//! Each implements [`UserStore`](crate::UserStore), [`GroupStore`](crate::GroupStore) and
//! [`TokenStore`](crate::TokenStore) over one database, and keeps per-tenant custom
//! attributes ([`SqliteStore::save_custom_attribute`],
//! [`SqliteStore::load_custom_attributes`], the same on [`PostgresStore`]). The schema is
//! created and upgraded by embedded migrations when the store connects; all tables are
//! prefixed `scimitar_` and every key starts with the tenant.
//!
//! # Storage
//!
//! Users and groups are stored as their canonical attribute map (JSON text; PostgreSQL
//! type `json`, which keeps member order) plus the indexed columns IdPs query: the
//! lower-cased `userName` (unique per tenant), `externalId`, `active`, the group
//! `displayName`, `created` and `lastModified` (nanosecond timestamps). Lower-casing is
//! Rust's [`str::to_lowercase`], done before the value reaches the database, so SQLite
//! and PostgreSQL agree with each other and with the filter evaluator. Memberships are
//! rows of their own `(tenant, group, member)`, so a membership delta is a single-row
//! insert or delete, whatever the group's size.
//!
//! # Race safety
//!
//! - `userName` uniqueness is a unique index; a violation is
//!   [`StoreError::Uniqueness`]. Group `displayName`
//!   uniqueness, when enabled, is a unique index too.
//! - An expected version is part of the `UPDATE`/`DELETE` itself (`... AND version = $n`).
//! - A group update first bumps the group's version (locking its row), then applies
//!   membership changes as `INSERT ... ON CONFLICT DO NOTHING` / `DELETE`, in one
//!   transaction: concurrent adds never lose a member.
//! - The users and groups a write adds as members are locked against deletion until it
//!   commits (PostgreSQL `FOR KEY SHARE`, what a foreign key would take; SQLite has one
//!   writer): a user deleted at the same moment is either refused as a member or removed
//!   again by its deletion's cleanup
//!   ([`GroupStore::remove_member_everywhere`](crate::GroupStore::remove_member_everywhere)),
//!   never left behind as a member naming nothing.
//! - That cleanup locks the groups it changes in id order, so concurrent deletions of
//!   users who share groups do not deadlock. A transaction the database aborts anyway
//!   (deadlock victim, serialization failure, busy database) is
//!   [`StoreError::Unavailable`] (503): it wrote nothing and may be retried.
//!
//! # Push-down
//!
//! Filters on `id`, `externalId`, `userName`, `active` (users), `displayName` (groups),
//! `meta.created` and `meta.lastModified` with any operator, combined with `and`, `or`
//! and `not`, compile to parameterised SQL ([`Pushdown::Exact`](crate::store::Pushdown));
//! an `and` with some such operands is a [`Pushdown::Superset`](crate::store::Pushdown)
//! the library narrows; anything else is evaluated by the library. Sorting and paging are
//! done by the database for those columns, and in the store for other sort keys.
//! Differential tests check the results against the reference evaluator.
//!
//! # Limits
//!
//! Resource ids are unique per tenant among users and among groups (the library picks
//! random UUIDs, so a user and a group never share one in practice).
//!
//! Values kept in columns are refused with [`StoreError::InvalidValue`] (400
//! `invalidValue` naming the attribute) by both stores alike, so that what SQLite accepts
//! PostgreSQL accepts too:
//! - U+0000 in `userName`, `externalId`, group `displayName` and a member's `display` or
//!   `type` (PostgreSQL `text` cannot hold it). Elsewhere, e.g. in `title`, it is kept as
//!   the in-memory store keeps it. An id or filter value with U+0000 matches nothing.
//! - `userName` and group `displayName` longer than [`MAX_INDEXED_BYTES`] (2,048) bytes
//!   once lower-cased, and `externalId` longer than that: PostgreSQL cannot index them.

/// Runs the migrations not yet recorded in `scimitar_migrations`, inside the open
/// transaction `$tx` (which the caller has made exclusive) and commits it. `$ddl` creates
/// the bookkeeping table in the backend's dialect.
///
/// Raw SQL goes through [`sqlx::Executor::execute`], not `RawSql::execute`: that `async
/// fn`'s `E: Executor<'e>` bound makes every future awaiting it non-`Send` to the compiler
/// (rust-lang/rust#102211), so `connect` could not be called in `tokio::spawn` or an
/// `#[async_trait]` method.
macro_rules! run_migrations {
    ($tx:ident, $ddl:expr, $migrations:expr) => {{
        use sqlx::Executor as _;
        (&mut *$tx)
            .execute(sqlx::raw_sql($ddl))
            .await
            .map_err(super::db_error)?;
        let done: Option<i64> = sqlx::query_scalar("SELECT MAX(version) FROM scimitar_migrations")
            .fetch_one(&mut *$tx)
            .await
            .map_err(super::db_error)?;
        for (version, sql) in $migrations {
            if done.is_some_and(|d| d >= *version) {
                continue;
            }
            (&mut *$tx)
                .execute(sqlx::raw_sql(sql))
                .await
                .map_err(super::db_error)?;
            sqlx::query("INSERT INTO scimitar_migrations (version, applied_ns) VALUES ($1, $2)")
                .bind(version)
                .bind(super::now_nanos()?)
                .execute(&mut *$tx)
                .await
                .map_err(super::db_error)?;
        }
        $tx.commit().await.map_err(super::db_error)
    }};
}

mod compile;
mod extras;
mod groups;
mod imp;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

/// The sqlx version the stores are built on, for building pools to pass to
/// `SqliteStore::from_pools` / `PostgresStore::from_pool`.
pub use sqlx;

#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

use serde_json::{Map, Value};
use time::OffsetDateTime;

use self::compile::instant_nanos;
use super::{Member, Resource, StoreError};
use crate::error::{Error, ErrorKind};

/// The indexed columns of a user, derived from its canonical attributes.
struct UserColumns {
    user_name_folded: Option<String>,
    external_id: Option<String>,
    active: Option<bool>,
    doc: String,
}

fn str_attr<'a>(attrs: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    attrs.get(name).and_then(Value::as_str)
}

fn to_json(attrs: &Map<String, Value>) -> Result<String, StoreError> {
    serde_json::to_string(attrs).map_err(|e| StoreError::Other(Box::new(e)))
}

/// The most bytes (UTF-8) of a value the SQL stores index: `userName` and group
/// `displayName` after lower-casing, and `externalId`. A longer value is refused with
/// [`StoreError::InvalidValue`] (400 `invalidValue`). PostgreSQL cannot index more than
/// about 2,700 bytes per entry (tenant included; tenant ids of up to 512 bytes leave room
/// for this bound); SQLite applies the same bound so that both stores accept the same
/// data. To refuse such values earlier, with the attribute's own limit in `/Schemas`, set
/// [`Policy::max_length_of`](crate::schema::Policy::max_length_of) to 512 characters or
/// fewer for these attributes.
pub const MAX_INDEXED_BYTES: usize = 2048;

/// Whether `s` can be stored in (or looked up in) a text column: PostgreSQL `text`
/// cannot hold U+0000, and SQLite's string functions stop at it, so neither store keeps
/// it in a column (a lookup with it finds nothing).
fn storable(s: &str) -> bool {
    !s.contains('\0')
}

/// `value` as a column value of `attribute`: refused when it holds U+0000 or, when
/// `indexed`, is longer than [`MAX_INDEXED_BYTES`].
fn column_text(attribute: &str, value: &str, indexed: bool) -> Result<(), StoreError> {
    if !storable(value) {
        return Err(StoreError::InvalidValue {
            attribute: attribute.to_owned(),
            reason: "contains U+0000, which the store cannot keep".to_owned(),
        });
    }
    if indexed && value.len() > MAX_INDEXED_BYTES {
        return Err(StoreError::InvalidValue {
            attribute: attribute.to_owned(),
            reason: format!(
                "is {} bytes long{}; the store indexes at most {MAX_INDEXED_BYTES} bytes",
                value.len(),
                if attribute == "externalId" {
                    ""
                } else {
                    " lower-cased"
                }
            ),
        });
    }
    Ok(())
}

/// The text a column keeps of `attribute` (`indexed` as in [`column_text`]).
fn column(
    attribute: &str,
    value: Option<String>,
    indexed: bool,
) -> Result<Option<String>, StoreError> {
    if let Some(v) = &value {
        column_text(attribute, v, indexed)?;
    }
    Ok(value)
}

/// Refuses a member whose `display` or `type` a column cannot keep.
fn member_columns(m: &Member) -> Result<(), StoreError> {
    for (attribute, value) in [("members.display", &m.display), ("members.type", &m.kind)] {
        if let Some(v) = value {
            column_text(attribute, v, false)?;
        }
    }
    Ok(())
}

impl UserColumns {
    fn of(attrs: &Map<String, Value>) -> Result<Self, StoreError> {
        Ok(UserColumns {
            user_name_folded: column(
                "userName",
                str_attr(attrs, "userName").map(str::to_lowercase),
                true,
            )?,
            external_id: column(
                "externalId",
                str_attr(attrs, "externalId").map(str::to_owned),
                true,
            )?,
            active: match attrs.get("active") {
                Some(Value::Bool(b)) => Some(*b),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(true),
                Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(false),
                _ => None,
            },
            doc: to_json(attrs)?,
        })
    }
}

/// The indexed columns of a group (members excluded: they are rows of their own).
struct GroupColumns {
    display_name: Option<String>,
    display_name_folded: Option<String>,
    /// The folded name when names are unique, else `NULL` (not constrained).
    display_name_unique: Option<String>,
    external_id: Option<String>,
    doc: String,
}

impl GroupColumns {
    fn of(attrs: &Map<String, Value>, unique_names: bool) -> Result<Self, StoreError> {
        let display_name = column(
            "displayName",
            str_attr(attrs, "displayName").map(str::to_owned),
            false,
        )?;
        let display_name_folded = column(
            "displayName",
            display_name.as_deref().map(str::to_lowercase),
            true,
        )?;
        Ok(GroupColumns {
            display_name_unique: display_name_folded.clone().filter(|_| unique_names),
            display_name,
            display_name_folded,
            external_id: column(
                "externalId",
                str_attr(attrs, "externalId").map(str::to_owned),
                true,
            )?,
            doc: to_json(attrs)?,
        })
    }
}

/// Takes the `members` array out of canonical group attributes.
fn take_members(attrs: &mut Map<String, Value>) -> Result<Vec<Member>, StoreError> {
    let Some(v) = attrs.remove("members") else {
        return Ok(Vec::new());
    };
    let Value::Array(items) = v else {
        return Err(StoreError::InvalidMember {
            value: v.to_string(),
        });
    };
    items
        .into_iter()
        .map(|item| {
            let Some(value) = item.get("value").and_then(Value::as_str) else {
                return Err(StoreError::InvalidMember {
                    value: item.to_string(),
                });
            };
            let text = |k: &str| item.get(k).and_then(Value::as_str).map(str::to_owned);
            let member = Member {
                value: value.to_owned(),
                display: text("display"),
                kind: text("type"),
            };
            member_columns(&member)?;
            Ok(member)
        })
        .collect()
}

/// The `members` attribute value of a member list in order.
fn members_value(members: Vec<Member>) -> Value {
    Value::Array(
        members
            .into_iter()
            .map(|m| {
                let mut o = Map::new();
                o.insert("value".into(), Value::String(m.value));
                if let Some(d) = m.display {
                    o.insert("display".into(), Value::String(d));
                }
                if let Some(k) = m.kind {
                    o.insert("type".into(), Value::String(k));
                }
                Value::Object(o)
            })
            .collect(),
    )
}

/// The current time as stored (nanoseconds since the UNIX epoch).
fn now_nanos() -> Result<i64, StoreError> {
    instant_nanos(OffsetDateTime::now_utc()).ok_or_else(|| other("clock out of range"))
}

fn from_nanos(n: i64) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(n))
        .map_err(|e| StoreError::Other(Box::new(e)))
}

fn version_of(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|e| StoreError::Other(Box::new(e)))
}

fn version_param(v: u64) -> Result<i64, StoreError> {
    // A version this large was never handed out, so it cannot match.
    i64::try_from(v).map_err(|_| StoreError::VersionMismatch)
}

fn parse_doc(doc: &str) -> Result<Map<String, Value>, StoreError> {
    serde_json::from_str(doc).map_err(|e| StoreError::Other(Box::new(e)))
}

fn resource(
    id: String,
    version: i64,
    created: i64,
    modified: i64,
    doc: &str,
) -> Result<Resource, StoreError> {
    Ok(Resource {
        id,
        version: version_of(version)?,
        created: from_nanos(created)?,
        last_modified: from_nanos(modified)?,
        attributes: parse_doc(doc)?,
    })
}

#[derive(Debug)]
struct Message(String);

impl std::fmt::Display for Message {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}

fn other(msg: &str) -> StoreError {
    StoreError::Other(Box::new(Message(msg.to_owned())))
}

/// Maps a database error; `unique` names the attribute of a unique violation from the
/// constraint or message text (`userName`, `displayName`, else `id`).
fn db_error(e: sqlx::Error) -> StoreError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            let text = format!("{} {}", d.constraint().unwrap_or(""), d.message());
            let attribute = if text.contains("user_name") {
                "userName"
            } else if text.contains("display_name") {
                "displayName"
            } else {
                "id"
            };
            StoreError::Uniqueness {
                attribute: attribute.into(),
            }
        }
        sqlx::Error::Database(d) if transient(&*d) => {
            StoreError::Unavailable(Box::new(sqlx::Error::Database(d)))
        }
        e @ (sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::WorkerCrashed) => StoreError::Unavailable(Box::new(e)),
        e => StoreError::Other(Box::new(e)),
    }
}

/// Whether a database error is transient: the statement was rolled back and the same
/// request may succeed when retried (a deadlock victim, a serialization failure, a busy
/// database, a server shutting down or out of connections).
fn transient(d: &dyn sqlx::error::DatabaseError) -> bool {
    #[cfg(feature = "postgres")]
    if let Some(pg) = d.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        // 40001 serialization_failure, 40P01 deadlock_detected, 55P03 lock_not_available,
        // 53300 too_many_connections, 57P01..57P03 shutdown / cannot connect now.
        return matches!(
            pg.code(),
            "40001" | "40P01" | "55P03" | "53300" | "57P01" | "57P02" | "57P03"
        );
    }
    #[cfg(feature = "sqlite")]
    if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // SQLITE_BUSY (5) and SQLITE_LOCKED (6), with their extended codes.
        return d
            .code()
            .and_then(|c| c.parse::<u32>().ok())
            .is_some_and(|c| matches!(c & 0xff, 5 | 6));
    }
    let _ = d;
    false
}

/// A store error as a [`crate::Error`] for the token-store methods.
fn token_error(e: StoreError) -> Error {
    match e {
        StoreError::Uniqueness { .. } => Error::uniqueness("token is already registered"),
        StoreError::Unavailable(_) => Error::new(
            ErrorKind::Unavailable,
            "the token store is temporarily unavailable",
        ),
        other => Error::from(other),
    }
}

/// Rows per multi-row statement (SQLite allows 32766 parameters, PostgreSQL 65535).
const CHUNK: usize = 500;
