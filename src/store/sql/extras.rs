//! The token store and custom-attribute persistence shared by both databases (split
//! from `imp.rs` for size). Expanded right after
//! `impl_sql_store!` in the same module, whose helpers (`get`, `DbRow`, imports) it uses.

macro_rules! impl_sql_extras {
    ($store:ty) => {
        impl $store {
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

pub(super) use impl_sql_extras;
