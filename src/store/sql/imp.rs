//! The store implementation shared by both databases, written once as a macro over the
//! sqlx database type: the SQL is the same text for both (`$n` placeholders work in
//! SQLite too), and the few differences are [`Dialect`](super::compile::Dialect)
//! decisions and the backend's `doc_in` / `DOC_OUT` / `begin` / pools.
//!
//! A backend module defines, on its store type: `DIALECT`, `DOC_OUT` (the select
//! expression reading `doc` as text), `fn doc_in(n) -> String` (the placeholder writing
//! `doc`), `fn read_pool()`, `fn write_pool()`, `async fn begin()` (a write transaction),
//! `KEY_SHARE_LOCK` / `UPDATE_LOCK` (the row-locking clauses appended to a `SELECT` in a
//! write transaction, empty where the transaction locks the whole database) and the field
//! `unique_group_names`.

macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        use std::collections::{HashMap, HashSet};

        use async_trait::async_trait;
        use serde_json::{Map, Value};
        use sqlx::Row as _;

        use super::compile::{self, Kind, Param};
        use super::{
            db_error, member_columns, members_value, now_nanos, other, resource, storable,
            take_members, token_error, version_param, GroupColumns, UserColumns, CHUNK,
        };
        use crate::auth::{TokenHash, TokenId, TokenRecord, TokenStore};
        use crate::error::Error;
        use crate::filter::Filter;
        use crate::list::Sorter;
        use crate::schema::{AttributeDef, SchemaRegistry};
        use crate::store::{
            Capabilities, GroupRef, GroupStore, Member, MemberChange, NewResource, Pushdown,
            Resource, StoreError, StorePage, StoreQuery, UserStore,
        };
        use crate::tenant::TenantId;

        type Db = $db;
        type Q<'q> = sqlx::query::Query<'q, Db, <Db as sqlx::Database>::Arguments<'q>>;
        type DbRow = <Db as sqlx::Database>::Row;
        type Tx = sqlx::Transaction<'static, Db>;

        fn bind_all<'q>(mut q: Q<'q>, params: &[Param]) -> Q<'q> {
            for p in params {
                q = match p {
                    Param::Text(s) => q.bind(s.clone()),
                    Param::Int(i) => q.bind(*i),
                    Param::Bool(b) => q.bind(*b),
                };
            }
            q
        }

        /// `$from, $from+1, ...` for `n` values.
        fn placeholders(from: usize, n: usize) -> String {
            (from..from + n)
                .map(|i| format!("${i}"))
                .collect::<Vec<_>>()
                .join(", ")
        }

        fn get<'r, T>(row: &'r DbRow, col: &str) -> Result<T, StoreError>
        where
            T: sqlx::Decode<'r, Db> + sqlx::Type<Db>,
        {
            row.try_get(col).map_err(db_error)
        }

        fn row_resource(row: &DbRow) -> Result<Resource, StoreError> {
            let doc: String = get(row, "doc")?;
            resource(
                get(row, "id")?,
                get(row, "version")?,
                get(row, "created_ns")?,
                get(row, "modified_ns")?,
                &doc,
            )
        }

        /// The SQL of one list request (see `list_sql`).
        struct ListSql {
            select: String,
            count: Option<String>,
            params: Vec<Param>,
            /// `LIMIT` and `OFFSET`, bound after `params`.
            page: Option<(i64, i64)>,
            sql_sorts: bool,
        }

        fn table(kind: Kind) -> &'static str {
            match kind {
                Kind::Users => "scimitar_users",
                Kind::Groups => "scimitar_groups",
            }
        }

        fn select_cols() -> String {
            format!(
                "id, version, created_ns, modified_ns, {}",
                <$store>::DOC_OUT
            )
        }

        impl $store {
            /// `VersionMismatch` when the resource exists (so the version was wrong),
            /// else `NotFound`.
            async fn missing_or_conflict(
                &self,
                kind: Kind,
                tenant: &TenantId,
                id: &str,
                expected: Option<u64>,
            ) -> StoreError {
                if expected.is_none() || !storable(id) {
                    return StoreError::NotFound;
                }
                let sql = format!(
                    "SELECT 1 AS one FROM {} WHERE tenant = $1 AND id = $2",
                    table(kind)
                );
                match sqlx::query(&sql)
                    .bind(tenant.as_str())
                    .bind(id)
                    .fetch_optional(self.read_pool())
                    .await
                {
                    Ok(Some(_)) => StoreError::VersionMismatch,
                    Ok(None) => StoreError::NotFound,
                    Err(e) => db_error(e),
                }
            }

            async fn get_row(
                &self,
                kind: Kind,
                tenant: &TenantId,
                id: &str,
            ) -> Result<Option<Resource>, StoreError> {
                if !storable(id) {
                    return Ok(None);
                }
                let sql = format!(
                    "SELECT {} FROM {} WHERE tenant = $1 AND id = $2",
                    select_cols(),
                    table(kind)
                );
                let row = sqlx::query(&sql)
                    .bind(tenant.as_str())
                    .bind(id)
                    .fetch_optional(self.read_pool())
                    .await
                    .map_err(db_error)?;
                row.as_ref().map(row_resource).transpose()
            }

            /// The SQL of a list: the select (paged when the database pages), the count
            /// (when paged), the filter's parameters, and whether the database sorts.
            fn list_sql(kind: Kind, query: &StoreQuery) -> ListSql {
                let cond = query
                    .filter
                    .as_ref()
                    .and_then(|f| compile::compile(f, kind, <$store>::DIALECT, 2));
                let (where_sql, params) = match cond {
                    Some(c) => (format!("tenant = $1 AND {}", c.sql), c.params),
                    None => ("tenant = $1".to_owned(), Vec::new()),
                };
                let sql_order = match &query.sort {
                    None => Some("seq ASC".to_owned()),
                    Some(key) => compile::order_by(key, kind),
                };
                let mut select = format!(
                    "SELECT {} FROM {} WHERE {where_sql} ORDER BY {}",
                    select_cols(),
                    table(kind),
                    sql_order.as_deref().unwrap_or("seq ASC")
                );
                let mut page = None;
                let mut count = None;
                if let (Some(_), Some(p)) = (&sql_order, query.page) {
                    let n = params.len() + 2;
                    select.push_str(&format!(" LIMIT ${n} OFFSET ${}", n + 1));
                    page = Some((
                        i64::try_from(p.count).unwrap_or(i64::MAX),
                        i64::try_from(p.offset).unwrap_or(i64::MAX),
                    ));
                    count = Some(format!(
                        "SELECT COUNT(*) AS n FROM {} WHERE {where_sql}",
                        table(kind)
                    ));
                }
                ListSql {
                    select,
                    count,
                    params,
                    page,
                    sql_sorts: sql_order.is_some(),
                }
            }

            /// The matches of `query` in `kind`'s table, sorted and paged as asked, and
            /// the number of matches before paging.
            async fn list_rows(
                &self,
                kind: Kind,
                tenant: &TenantId,
                query: &StoreQuery,
            ) -> Result<(Vec<Resource>, usize), StoreError> {
                let plan = Self::list_sql(kind, query);
                let mut q = bind_all(sqlx::query(&plan.select).bind(tenant.as_str()), &plan.params);
                if let Some((limit, offset)) = plan.page {
                    q = q.bind(limit).bind(offset);
                }
                let rows = q.fetch_all(self.read_pool()).await.map_err(db_error)?;
                let mut resources = rows.iter().map(row_resource).collect::<Result<Vec<_>, _>>()?;
                if let Some(count_sql) = &plan.count {
                    let row = bind_all(sqlx::query(count_sql).bind(tenant.as_str()), &plan.params)
                        .fetch_one(self.read_pool())
                        .await
                        .map_err(db_error)?;
                    let total: i64 = get(&row, "n")?;
                    return Ok((resources, usize::try_from(total).unwrap_or(0)));
                }
                if let (false, Some(key)) = (plan.sql_sorts, &query.sort) {
                    if kind == Kind::Groups && key.path.name().eq_ignore_ascii_case("members") {
                        self.attach_members(tenant, &mut resources).await?;
                    }
                    Sorter::new(key, &query.schemas).sort(&mut resources);
                }
                let total = resources.len();
                if let Some(page) = query.page {
                    resources = resources
                        .into_iter()
                        .skip(page.offset)
                        .take(page.count)
                        .collect();
                }
                Ok((resources, total))
            }

            /// The database's plan for the query a user list runs (`EXPLAIN`), one line per
            /// plan row: to check that a filter uses an index.
            ///
            /// # Errors
            ///
            /// When the database fails.
            pub async fn explain_users(
                &self,
                tenant: &TenantId,
                query: &StoreQuery,
            ) -> Result<String, StoreError> {
                self.explain(Kind::Users, tenant, query).await
            }

            /// Like
            #[doc = concat!("[`explain_users`](", stringify!($store), "::explain_users)")]
            /// for a group list.
            ///
            /// # Errors
            ///
            /// When the database fails.
            pub async fn explain_groups(
                &self,
                tenant: &TenantId,
                query: &StoreQuery,
            ) -> Result<String, StoreError> {
                self.explain(Kind::Groups, tenant, query).await
            }

            async fn explain(
                &self,
                kind: Kind,
                tenant: &TenantId,
                query: &StoreQuery,
            ) -> Result<String, StoreError> {
                let plan = Self::list_sql(kind, query);
                let sql = format!("{} {}", <$store>::EXPLAIN, plan.select);
                let mut q = bind_all(sqlx::query(&sql).bind(tenant.as_str()), &plan.params);
                if let Some((limit, offset)) = plan.page {
                    q = q.bind(limit).bind(offset);
                }
                let rows = q.fetch_all(self.read_pool()).await.map_err(db_error)?;
                let lines = rows
                    .iter()
                    .map(|r| get::<String>(r, <$store>::EXPLAIN_COLUMN))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(lines.join("\n"))
            }

            /// Sets `members` on each group (removing it for groups without members).
            async fn attach_members(
                &self,
                tenant: &TenantId,
                groups: &mut [Resource],
            ) -> Result<(), StoreError> {
                let ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
                let mut by_group: HashMap<String, Vec<Member>> = HashMap::new();
                for chunk in ids.chunks(CHUNK) {
                    let sql = format!(
                        "SELECT group_id, member_id, display, member_type FROM scimitar_members \
                         WHERE tenant = $1 AND group_id IN ({}) ORDER BY seq",
                        placeholders(2, chunk.len())
                    );
                    let mut q = sqlx::query(&sql).bind(tenant.as_str());
                    for id in chunk {
                        q = q.bind(id.as_str());
                    }
                    let rows = q.fetch_all(self.read_pool()).await.map_err(db_error)?;
                    for row in &rows {
                        let group: String = get(row, "group_id")?;
                        by_group.entry(group).or_default().push(Member {
                            value: get(row, "member_id")?,
                            display: get(row, "display")?,
                            kind: get(row, "member_type")?,
                        });
                    }
                }
                for g in groups {
                    match by_group.remove(&g.id) {
                        Some(ms) if !ms.is_empty() => {
                            g.attributes.insert("members".into(), members_value(ms));
                        }
                        _ => {
                            g.attributes.remove("members");
                        }
                    }
                }
                Ok(())
            }

            /// `InvalidMember` for the first member that is no user or group of `tenant`.
            ///
            /// The members found stay locked against deletion until `tx` ends
            /// (`KEY_SHARE_LOCK`): a user deleted while it is being added either waits for
            /// this transaction, and its membership cleanup then sees the new row, or was
            /// gone first and is refused here. Without the lock the addition could commit
            /// after the cleanup and leave a member that names no resource.
            async fn check_members(
                tx: &mut Tx,
                tenant: &TenantId,
                members: &[Member],
            ) -> Result<(), StoreError> {
                for chunk in members.chunks(CHUNK) {
                    let mut found = HashSet::new();
                    for table in ["scimitar_users", "scimitar_groups"] {
                        let missing: Vec<&str> = chunk
                            .iter()
                            .map(|m| m.value.as_str())
                            .filter(|v| !found.contains(*v) && storable(v))
                            .collect();
                        if missing.is_empty() {
                            break;
                        }
                        let sql = format!(
                            "SELECT id FROM {table} WHERE tenant = $1 AND id IN ({}){}",
                            placeholders(2, missing.len()),
                            <$store>::KEY_SHARE_LOCK
                        );
                        let mut q = sqlx::query(&sql).bind(tenant.as_str());
                        for v in missing {
                            q = q.bind(v);
                        }
                        let rows = q.fetch_all(&mut **tx).await.map_err(db_error)?;
                        for r in &rows {
                            found.insert(get::<String>(r, "id")?);
                        }
                    }
                    if let Some(m) = chunk.iter().find(|m| !found.contains(&m.value)) {
                        return Err(StoreError::InvalidMember {
                            value: m.value.clone(),
                        });
                    }
                }
                Ok(())
            }

            /// Adds members not yet in the group, in order, keeping existing ones as they are.
            async fn insert_members(
                tx: &mut Tx,
                tenant: &TenantId,
                group: &str,
                members: &[Member],
            ) -> Result<(), StoreError> {
                for chunk in members.chunks(CHUNK) {
                    for m in chunk {
                        member_columns(m)?;
                    }
                    let values = (0..chunk.len())
                        .map(|i| {
                            let p = 3 + 3 * i;
                            format!("($1, $2, ${p}, ${}, ${})", p + 1, p + 2)
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    let sql = format!(
                        "INSERT INTO scimitar_members (tenant, group_id, member_id, display, member_type) \
                         VALUES {values} ON CONFLICT DO NOTHING"
                    );
                    let mut q = sqlx::query(&sql).bind(tenant.as_str()).bind(group);
                    for m in chunk {
                        q = q
                            .bind(m.value.as_str())
                            .bind(m.display.as_deref())
                            .bind(m.kind.as_deref());
                    }
                    q.execute(&mut **tx).await.map_err(db_error)?;
                }
                Ok(())
            }

            async fn remove_members(
                tx: &mut Tx,
                tenant: &TenantId,
                group: &str,
                ids: &[String],
            ) -> Result<(), StoreError> {
                // No member id holds U+0000, and the database would refuse the lookup.
                let ids: Vec<&String> = ids.iter().filter(|id| storable(id)).collect();
                for chunk in ids.chunks(CHUNK) {
                    let sql = format!(
                        "DELETE FROM scimitar_members WHERE tenant = $1 AND group_id = $2 AND member_id IN ({})",
                        placeholders(3, chunk.len())
                    );
                    let mut q = sqlx::query(&sql).bind(tenant.as_str()).bind(group);
                    for id in chunk {
                        q = q.bind(id.as_str());
                    }
                    q.execute(&mut **tx).await.map_err(db_error)?;
                }
                Ok(())
            }

        }

        #[async_trait]
        impl UserStore for $store {
            fn capabilities(&self) -> Capabilities {
                Capabilities::full()
            }

            fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
                compile::pushdown(filter, Kind::Users)
            }

            async fn get(&self, tenant: &TenantId, id: &str) -> Result<Option<Resource>, StoreError> {
                self.get_row(Kind::Users, tenant, id).await
            }

            async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
                let cols = UserColumns::of(&new.attributes)?;
                let now = now_nanos()?;
                let sql = format!(
                    "INSERT INTO scimitar_users (tenant, id, version, created_ns, modified_ns, \
                     user_name_folded, external_id, active, doc) VALUES ($1, $2, 1, $3, $3, $4, $5, $6, {})",
                    <$store>::doc_in(7)
                );
                sqlx::query(&sql)
                    .bind(tenant.as_str())
                    .bind(new.id.as_str())
                    .bind(now)
                    .bind(cols.user_name_folded)
                    .bind(cols.external_id)
                    .bind(cols.active)
                    .bind(cols.doc)
                    .execute(self.write_pool())
                    .await
                    .map_err(db_error)?;
                let t = super::from_nanos(now)?;
                Ok(Resource {
                    id: new.id,
                    version: 1,
                    created: t,
                    last_modified: t,
                    attributes: new.attributes,
                })
            }

            async fn replace(
                &self,
                tenant: &TenantId,
                id: &str,
                attributes: Map<String, Value>,
                expected_version: Option<u64>,
            ) -> Result<Resource, StoreError> {
                if !storable(id) {
                    return Err(StoreError::NotFound);
                }
                let cols = UserColumns::of(&attributes)?;
                let expected = expected_version.map(version_param).transpose()?;
                let now = now_nanos()?;
                let sql = format!(
                    "UPDATE scimitar_users SET version = version + 1, modified_ns = $3, \
                     user_name_folded = $4, external_id = $5, active = $6, doc = {} \
                     WHERE tenant = $1 AND id = $2{} RETURNING version, created_ns",
                    <$store>::doc_in(7),
                    if expected.is_some() { " AND version = $8" } else { "" }
                );
                let mut q = sqlx::query(&sql)
                    .bind(tenant.as_str())
                    .bind(id)
                    .bind(now)
                    .bind(cols.user_name_folded)
                    .bind(cols.external_id)
                    .bind(cols.active)
                    .bind(cols.doc);
                if let Some(v) = expected {
                    q = q.bind(v);
                }
                let row = q.fetch_optional(self.write_pool()).await.map_err(db_error)?;
                let Some(row) = row else {
                    return Err(self
                        .missing_or_conflict(Kind::Users, tenant, id, expected_version)
                        .await);
                };
                Ok(Resource {
                    id: id.to_owned(),
                    version: super::version_of(get(&row, "version")?)?,
                    created: super::from_nanos(get(&row, "created_ns")?)?,
                    last_modified: super::from_nanos(now)?,
                    attributes,
                })
            }

            async fn delete(
                &self,
                tenant: &TenantId,
                id: &str,
                expected_version: Option<u64>,
            ) -> Result<(), StoreError> {
                if !storable(id) {
                    return Err(StoreError::NotFound);
                }
                let expected = expected_version.map(version_param).transpose()?;
                let sql = format!(
                    "DELETE FROM scimitar_users WHERE tenant = $1 AND id = $2{}",
                    if expected.is_some() { " AND version = $3" } else { "" }
                );
                let mut q = sqlx::query(&sql).bind(tenant.as_str()).bind(id);
                if let Some(v) = expected {
                    q = q.bind(v);
                }
                let done = q.execute(self.write_pool()).await.map_err(db_error)?;
                if done.rows_affected() == 0 {
                    return Err(self
                        .missing_or_conflict(Kind::Users, tenant, id, expected_version)
                        .await);
                }
                Ok(())
            }

            async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
                let (resources, total_results) = self.list_rows(Kind::Users, tenant, query).await?;
                Ok(StorePage {
                    resources,
                    total_results,
                })
            }
        }
    };
}

pub(super) use impl_sql_store;
