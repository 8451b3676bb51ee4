-- scimitar SQL store, SQLite: initial schema. Every key starts with the tenant.
-- Text columns use SQLite's default BINARY collation: code-point order, as the evaluator.
-- seq is the creation order (AUTOINCREMENT: never reused).

CREATE TABLE scimitar_users (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL,
    user_name_folded TEXT,
    external_id TEXT,
    active BOOLEAN,
    doc TEXT NOT NULL,
    UNIQUE (tenant, id)
);
CREATE UNIQUE INDEX scimitar_users_user_name ON scimitar_users (tenant, user_name_folded);
CREATE INDEX scimitar_users_external_id ON scimitar_users (tenant, external_id);
CREATE INDEX scimitar_users_order ON scimitar_users (tenant, seq);

CREATE TABLE scimitar_groups (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    version INTEGER NOT NULL,
    created_ns INTEGER NOT NULL,
    modified_ns INTEGER NOT NULL,
    display_name TEXT,
    display_name_folded TEXT,
    display_name_unique TEXT,
    external_id TEXT,
    doc TEXT NOT NULL,
    UNIQUE (tenant, id)
);
CREATE INDEX scimitar_groups_display_name ON scimitar_groups (tenant, display_name_folded);
CREATE UNIQUE INDEX scimitar_groups_display_name_unique ON scimitar_groups (tenant, display_name_unique);
CREATE INDEX scimitar_groups_external_id ON scimitar_groups (tenant, external_id);
CREATE INDEX scimitar_groups_order ON scimitar_groups (tenant, seq);

CREATE TABLE scimitar_members (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    group_id TEXT NOT NULL,
    member_id TEXT NOT NULL,
    display TEXT,
    member_type TEXT,
    UNIQUE (tenant, group_id, member_id)
);
CREATE INDEX scimitar_members_member ON scimitar_members (tenant, member_id);

CREATE TABLE scimitar_tokens (
    hash TEXT PRIMARY KEY,
    tenant TEXT NOT NULL,
    id TEXT NOT NULL,
    created_ns INTEGER NOT NULL,
    UNIQUE (tenant, id)
);

CREATE TABLE scimitar_custom_attributes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant TEXT NOT NULL,
    urn TEXT NOT NULL,
    name_folded TEXT NOT NULL,
    schema_name TEXT NOT NULL,
    def TEXT NOT NULL,
    UNIQUE (tenant, urn, name_folded)
);
