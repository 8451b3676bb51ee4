//! The [`GroupStore`](crate::GroupStore) implementation shared by both databases, split
//! from `imp.rs` for size: expanded right after `impl_sql_store!` in the same module,
//! whose helpers and imports it uses.

macro_rules! impl_sql_groups {
    ($store:ty) => {
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
                if !storable(id) {
                    return Err(StoreError::NotFound);
                }
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
                if !storable(id) {
                    return Err(StoreError::NotFound);
                }
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
                if !storable(member_id) {
                    return Ok(Vec::new());
                }
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
                if !storable(member_id) {
                    return Ok(());
                }
                let now = now_nanos()?;
                let mut tx = self.begin().await?;
                if !<$store>::UPDATE_LOCK.is_empty() {
                    // Lock the groups in id order first: two cleanups (or a cleanup and a
                    // group write) locking the same groups in different orders deadlock.
                    let sql = format!(
                        "SELECT id FROM scimitar_groups WHERE tenant = $1 AND id IN \
                         (SELECT group_id FROM scimitar_members WHERE tenant = $1 AND member_id = $2) \
                         ORDER BY id{}",
                        <$store>::UPDATE_LOCK
                    );
                    sqlx::query(&sql)
                        .bind(tenant.as_str())
                        .bind(member_id)
                        .fetch_all(&mut *tx)
                        .await
                        .map_err(db_error)?;
                }
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

    };
}

pub(super) use impl_sql_groups;
