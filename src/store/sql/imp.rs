//! The store implementation shared by both databases, written once as a macro over the
//! sqlx database type: the SQL is the same text for both (`$n` placeholders work in
//! SQLite too), and the few differences are [`Dialect`](super::compile::Dialect)
//! decisions and the backend's `doc_in` / `DOC_OUT` / `begin` / pools.
//!
//! A backend module defines, on its store type: `DIALECT`, `DOC_OUT` (the select
//! expression reading `doc` as text), `fn doc_in(n) -> String` (the placeholder writing
//! `doc`), `fn read_pool()`, `fn write_pool()`, `async fn begin()` (a write transaction),
//! and the field `unique_group_names`.

macro_rules! impl_sql_store {
    ($store:ty, $db:ty) => {
        use std::collections::{HashMap, HashSet};

        use async_trait::async_trait;
        use serde_json::{Map, Value};
        use sqlx::Row as _;

        use super::compile::{self, Kind, Param};
        use super::{
            db_error, members_value, now_nanos, other, resource, take_members, token_error,
            version_param, GroupColumns, UserColumns, CHUNK,
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
                if expected.is_none() {
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
            async fn check_members(
                tx: &mut Tx,
                tenant: &TenantId,
                members: &[Member],
            ) -> Result<(), StoreError> {
                for chunk in members.chunks(CHUNK) {
                    let list = placeholders(2, chunk.len());
                    let sql = format!(
                        "SELECT id FROM scimitar_users WHERE tenant = $1 AND id IN ({list}) \
                         UNION ALL SELECT id FROM scimitar_groups WHERE tenant = $1 AND id IN ({list})"
                    );
                    let mut q = sqlx::query(&sql).bind(tenant.as_str());
                    for m in chunk {
                        q = q.bind(m.value.as_str());
                    }
                    let rows = q.fetch_all(&mut **tx).await.map_err(db_error)?;
                    let found = rows
                        .iter()
                        .map(|r| get::<String>(r, "id"))
                        .collect::<Result<HashSet<_>, _>>()?;
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

            /// Saves a custom User attribute of `tenant` (in the extension schema `urn`,
            /// named `schema_name`), replacing one with the same name (case-insensitive).
            /// Load them into a registry at start with
            #[doc = concat!("[`load_custom_attributes`](", stringify!($store), "::load_custom_attributes).")]
            ///
            /// # Errors
            ///
            /// When the database fails.
            pub async fn save_custom_attribute(
                &self,
                tenant: &TenantId,
                urn: &str,
                schema_name: &str,
                attr: &AttributeDef,
            ) -> Result<(), StoreError> {
                let def = serde_json::to_string(attr).map_err(|e| StoreError::Other(Box::new(e)))?;
                sqlx::query(
                    "INSERT INTO scimitar_custom_attributes (tenant, urn, name_folded, schema_name, def) \
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, urn, name_folded) \
                     DO UPDATE SET schema_name = excluded.schema_name, def = excluded.def",
                )
                .bind(tenant.as_str())
                .bind(urn)
                .bind(attr.name.to_lowercase())
                .bind(schema_name)
                .bind(def)
                .execute(self.write_pool())
                .await
                .map_err(db_error)?;
                Ok(())
            }

            /// Removes every saved custom attribute of `tenant`; returns how many there were.
            ///
            /// # Errors
            ///
            /// When the database fails.
            pub async fn delete_custom_attributes(
                &self,
                tenant: &TenantId,
            ) -> Result<usize, StoreError> {
                let done = sqlx::query("DELETE FROM scimitar_custom_attributes WHERE tenant = $1")
                    .bind(tenant.as_str())
                    .execute(self.write_pool())
                    .await
                    .map_err(db_error)?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }

            /// Adds every saved custom attribute to `registry` (in the order they were
            /// first saved) and returns how many there were; call once at start.
            ///
            /// # Errors
            ///
            /// When the database fails, or a saved attribute is refused by the registry.
            pub async fn load_custom_attributes(
                &self,
                registry: &SchemaRegistry,
            ) -> Result<usize, Error> {
                let rows = sqlx::query(
                    "SELECT tenant, urn, schema_name, def FROM scimitar_custom_attributes ORDER BY seq",
                )
                .fetch_all(self.read_pool())
                .await
                .map_err(db_error)?;
                for row in &rows {
                    let tenant: String = get(row, "tenant")?;
                    let urn: String = get(row, "urn")?;
                    let schema_name: String = get(row, "schema_name")?;
                    let def: String = get(row, "def")?;
                    let attr: AttributeDef = serde_json::from_str(&def)
                        .map_err(|e| StoreError::Other(Box::new(e)))?;
                    registry.add_user_attribute(&TenantId::new(tenant), &urn, &schema_name, attr)?;
                }
                Ok(rows.len())
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

        #[async_trait]
        impl GroupStore for $store {
            fn capabilities(&self) -> Capabilities {
                Capabilities::full()
            }

            fn filter_pushdown(&self, filter: &Filter) -> Pushdown {
                compile::pushdown(filter, Kind::Groups)
            }

            fn unique_display_name(&self) -> bool {
                self.unique_group_names
            }

            async fn get(
                &self,
                tenant: &TenantId,
                id: &str,
                include_members: bool,
            ) -> Result<Option<Resource>, StoreError> {
                let Some(g) = self.get_row(Kind::Groups, tenant, id).await? else {
                    return Ok(None);
                };
                let mut gs = [g];
                if include_members {
                    self.attach_members(tenant, &mut gs).await?;
                }
                let [g] = gs;
                Ok(Some(g))
            }

            async fn create(&self, tenant: &TenantId, new: NewResource) -> Result<Resource, StoreError> {
                let mut attrs = new.attributes;
                let members = take_members(&mut attrs)?;
                let cols = GroupColumns::of(&attrs, self.unique_group_names)?;
                let now = now_nanos()?;
                let mut tx = self.begin().await?;
                let sql = format!(
                    "INSERT INTO scimitar_groups (tenant, id, version, created_ns, modified_ns, \
                     display_name, display_name_folded, display_name_unique, external_id, doc) \
                     VALUES ($1, $2, 1, $3, $3, $4, $5, $6, $7, {})",
                    <$store>::doc_in(8)
                );
                sqlx::query(&sql)
                    .bind(tenant.as_str())
                    .bind(new.id.as_str())
                    .bind(now)
                    .bind(cols.display_name)
                    .bind(cols.display_name_folded)
                    .bind(cols.display_name_unique)
                    .bind(cols.external_id)
                    .bind(cols.doc)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                Self::check_members(&mut tx, tenant, &members).await?;
                Self::insert_members(&mut tx, tenant, &new.id, &members).await?;
                tx.commit().await.map_err(db_error)?;
                let mut seen = HashSet::new();
                let kept: Vec<Member> = members
                    .into_iter()
                    .filter(|m| seen.insert(m.value.clone()))
                    .collect();
                if !kept.is_empty() {
                    attrs.insert("members".into(), members_value(kept));
                }
                let t = super::from_nanos(now)?;
                Ok(Resource {
                    id: new.id,
                    version: 1,
                    created: t,
                    last_modified: t,
                    attributes: attrs,
                })
            }

            async fn update(
                &self,
                tenant: &TenantId,
                id: &str,
                attributes: Option<Map<String, Value>>,
                changes: Vec<MemberChange>,
                expected_version: Option<u64>,
            ) -> Result<Resource, StoreError> {
                let expected = expected_version.map(version_param).transpose()?;
                let now = now_nanos()?;
                let mut tx = self.begin().await?;
                // Bumping the version first locks the group's row (PostgreSQL) or the
                // database (SQLite) until commit, so concurrent updates serialize.
                let row = match attributes {
                    Some(mut attrs) => {
                        attrs.remove("members");
                        let cols = GroupColumns::of(&attrs, self.unique_group_names)?;
                        let sql = format!(
                            "UPDATE scimitar_groups SET version = version + 1, modified_ns = $3, \
                             display_name = $4, display_name_folded = $5, display_name_unique = $6, \
                             external_id = $7, doc = {} WHERE tenant = $1 AND id = $2{} RETURNING {}",
                            <$store>::doc_in(8),
                            if expected.is_some() { " AND version = $9" } else { "" },
                            select_cols()
                        );
                        let mut q = sqlx::query(&sql)
                            .bind(tenant.as_str())
                            .bind(id)
                            .bind(now)
                            .bind(cols.display_name)
                            .bind(cols.display_name_folded)
                            .bind(cols.display_name_unique)
                            .bind(cols.external_id)
                            .bind(cols.doc);
                        if let Some(v) = expected {
                            q = q.bind(v);
                        }
                        q.fetch_optional(&mut *tx).await.map_err(db_error)?
                    }
                    None => {
                        let sql = format!(
                            "UPDATE scimitar_groups SET version = version + 1, modified_ns = $3 \
                             WHERE tenant = $1 AND id = $2{} RETURNING {}",
                            if expected.is_some() { " AND version = $4" } else { "" },
                            select_cols()
                        );
                        let mut q = sqlx::query(&sql).bind(tenant.as_str()).bind(id).bind(now);
                        if let Some(v) = expected {
                            q = q.bind(v);
                        }
                        q.fetch_optional(&mut *tx).await.map_err(db_error)?
                    }
                };
                let Some(row) = row else {
                    drop(tx);
                    return Err(self
                        .missing_or_conflict(Kind::Groups, tenant, id, expected_version)
                        .await);
                };
                let updated = row_resource(&row)?;
                for change in changes {
                    match change {
                        MemberChange::Add(ms) => {
                            Self::check_members(&mut tx, tenant, &ms).await?;
                            Self::insert_members(&mut tx, tenant, id, &ms).await?;
                        }
                        MemberChange::Remove(ids) => {
                            Self::remove_members(&mut tx, tenant, id, &ids).await?;
                        }
                        MemberChange::ReplaceAll(ms) => {
                            Self::check_members(&mut tx, tenant, &ms).await?;
                            sqlx::query(
                                "DELETE FROM scimitar_members WHERE tenant = $1 AND group_id = $2",
                            )
                            .bind(tenant.as_str())
                            .bind(id)
                            .execute(&mut *tx)
                            .await
                            .map_err(db_error)?;
                            Self::insert_members(&mut tx, tenant, id, &ms).await?;
                        }
                    }
                }
                tx.commit().await.map_err(db_error)?;
                Ok(updated)
            }

            async fn delete(
                &self,
                tenant: &TenantId,
                id: &str,
                expected_version: Option<u64>,
            ) -> Result<(), StoreError> {
                let expected = expected_version.map(version_param).transpose()?;
                let sql = format!(
                    "DELETE FROM scimitar_groups WHERE tenant = $1 AND id = $2{}",
                    if expected.is_some() { " AND version = $3" } else { "" }
                );
                let mut tx = self.begin().await?;
                let mut q = sqlx::query(&sql).bind(tenant.as_str()).bind(id);
                if let Some(v) = expected {
                    q = q.bind(v);
                }
                let done = q.execute(&mut *tx).await.map_err(db_error)?;
                if done.rows_affected() == 0 {
                    drop(tx);
                    return Err(self
                        .missing_or_conflict(Kind::Groups, tenant, id, expected_version)
                        .await);
                }
                sqlx::query("DELETE FROM scimitar_members WHERE tenant = $1 AND group_id = $2")
                    .bind(tenant.as_str())
                    .bind(id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                tx.commit().await.map_err(db_error)
            }

            async fn list(&self, tenant: &TenantId, query: &StoreQuery) -> Result<StorePage, StoreError> {
                let (mut resources, total_results) =
                    self.list_rows(Kind::Groups, tenant, query).await?;
                if query.include_members {
                    self.attach_members(tenant, &mut resources).await?;
                } else {
                    for r in &mut resources {
                        r.attributes.remove("members");
                    }
                }
                Ok(StorePage {
                    resources,
                    total_results,
                })
            }

            async fn groups_of(
                &self,
                tenant: &TenantId,
                member_id: &str,
            ) -> Result<Vec<GroupRef>, StoreError> {
                let rows = sqlx::query(
                    "SELECT g.id AS id, g.display_name AS display_name FROM scimitar_members m \
                     JOIN scimitar_groups g ON g.tenant = m.tenant AND g.id = m.group_id \
                     WHERE m.tenant = $1 AND m.member_id = $2 ORDER BY g.seq",
                )
                .bind(tenant.as_str())
                .bind(member_id)
                .fetch_all(self.read_pool())
                .await
                .map_err(db_error)?;
                rows.iter()
                    .map(|r| {
                        Ok(GroupRef {
                            id: get(r, "id")?,
                            display: get(r, "display_name")?,
                        })
                    })
                    .collect()
            }

            async fn remove_member_everywhere(
                &self,
                tenant: &TenantId,
                member_id: &str,
            ) -> Result<(), StoreError> {
                let now = now_nanos()?;
                let mut tx = self.begin().await?;
                sqlx::query(
                    "UPDATE scimitar_groups SET version = version + 1, modified_ns = $3 \
                     WHERE tenant = $1 AND id IN (SELECT group_id FROM scimitar_members \
                     WHERE tenant = $1 AND member_id = $2)",
                )
                .bind(tenant.as_str())
                .bind(member_id)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(db_error)?;
                sqlx::query("DELETE FROM scimitar_members WHERE tenant = $1 AND member_id = $2")
                    .bind(tenant.as_str())
                    .bind(member_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_error)?;
                tx.commit().await.map_err(db_error)
            }
        }

        fn token_record(row: &DbRow) -> Result<TokenRecord, Error> {
            let tenant: String = get(row, "tenant")?;
            let id: String = get(row, "id")?;
            let hash: String = get(row, "hash")?;
            let created: i64 = get(row, "created_ns")?;
            Ok(TokenRecord {
                tenant: TenantId::new(tenant),
                id: TokenId::parse(&id)?,
                hash: TokenHash::from_hex(&hash)?,
                created: super::from_nanos(created)?,
            })
        }

        /// Token hashes (never plaintexts) in `scimitar_tokens`, keyed by hash.
        #[async_trait]
        impl TokenStore for $store {
            async fn insert(&self, record: TokenRecord) -> Result<(), Error> {
                let created = compile::instant_nanos(record.created)
                    .ok_or_else(|| token_error(other("token creation time out of range")))?;
                sqlx::query(
                    "INSERT INTO scimitar_tokens (hash, tenant, id, created_ns) VALUES ($1, $2, $3, $4)",
                )
                .bind(record.hash.to_hex())
                .bind(record.tenant.as_str())
                .bind(record.id.as_str())
                .bind(created)
                .execute(self.write_pool())
                .await
                .map_err(|e| token_error(db_error(e)))?;
                Ok(())
            }

            async fn find_by_hash(&self, hash: &TokenHash) -> Result<Option<TokenRecord>, Error> {
                let row = sqlx::query(
                    "SELECT hash, tenant, id, created_ns FROM scimitar_tokens WHERE hash = $1",
                )
                .bind(hash.to_hex())
                .fetch_optional(self.read_pool())
                .await
                .map_err(|e| token_error(db_error(e)))?;
                row.as_ref().map(token_record).transpose()
            }

            async fn list(&self, tenant: &TenantId) -> Result<Vec<TokenRecord>, Error> {
                let rows = sqlx::query(
                    "SELECT hash, tenant, id, created_ns FROM scimitar_tokens WHERE tenant = $1 \
                     ORDER BY created_ns, id",
                )
                .bind(tenant.as_str())
                .fetch_all(self.read_pool())
                .await
                .map_err(|e| token_error(db_error(e)))?;
                rows.iter().map(token_record).collect()
            }

            async fn revoke(&self, tenant: &TenantId, id: &TokenId) -> Result<bool, Error> {
                let done = sqlx::query("DELETE FROM scimitar_tokens WHERE tenant = $1 AND id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(self.write_pool())
                    .await
                    .map_err(|e| token_error(db_error(e)))?;
                Ok(done.rows_affected() > 0)
            }

            async fn revoke_all(&self, tenant: &TenantId) -> Result<usize, Error> {
                let done = sqlx::query("DELETE FROM scimitar_tokens WHERE tenant = $1")
                    .bind(tenant.as_str())
                    .execute(self.write_pool())
                    .await
                    .map_err(|e| token_error(db_error(e)))?;
                Ok(usize::try_from(done.rows_affected()).unwrap_or(usize::MAX))
            }
        }
    };
}

pub(super) use impl_sql_store;
