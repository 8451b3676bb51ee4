-- scimitar SQL store, PostgreSQL: initial schema. Every key starts with the tenant.
-- Text columns use the "C" collation: code-point order, as the evaluator, and LIKE
-- prefixes can use the indexes. doc is json (not jsonb) so member order survives.
-- seq is the creation order.

CREATE TABLE scimitar_users (
    tenant TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    version BIGINT NOT NULL,
    created_ns BIGINT NOT NULL,
    modified_ns BIGINT NOT NULL,
    user_name_folded TEXT COLLATE "C",
    external_id TEXT COLLATE "C",
    active BOOLEAN,
    doc JSON NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE UNIQUE INDEX scimitar_users_user_name ON scimitar_users (tenant, user_name_folded);
CREATE INDEX scimitar_users_external_id ON scimitar_users (tenant, external_id);
CREATE INDEX scimitar_users_order ON scimitar_users (tenant, seq);

CREATE TABLE scimitar_groups (
    tenant TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    version BIGINT NOT NULL,
    created_ns BIGINT NOT NULL,
    modified_ns BIGINT NOT NULL,
    display_name TEXT COLLATE "C",
    display_name_folded TEXT COLLATE "C",
    display_name_unique TEXT COLLATE "C",
    external_id TEXT COLLATE "C",
    doc JSON NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX scimitar_groups_display_name ON scimitar_groups (tenant, display_name_folded);
CREATE UNIQUE INDEX scimitar_groups_display_name_unique ON scimitar_groups (tenant, display_name_unique);
CREATE INDEX scimitar_groups_external_id ON scimitar_groups (tenant, external_id);
CREATE INDEX scimitar_groups_order ON scimitar_groups (tenant, seq);

CREATE TABLE scimitar_members (
    tenant TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    member_id TEXT COLLATE "C" NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    display TEXT,
    member_type TEXT,
    PRIMARY KEY (tenant, group_id, member_id)
);
CREATE INDEX scimitar_members_member ON scimitar_members (tenant, member_id);
CREATE INDEX scimitar_members_order ON scimitar_members (tenant, group_id, seq);

CREATE TABLE scimitar_tokens (
    hash TEXT COLLATE "C" PRIMARY KEY,
    tenant TEXT COLLATE "C" NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    created_ns BIGINT NOT NULL,
    UNIQUE (tenant, id)
);

CREATE TABLE scimitar_custom_attributes (
    tenant TEXT COLLATE "C" NOT NULL,
    urn TEXT COLLATE "C" NOT NULL,
    name_folded TEXT COLLATE "C" NOT NULL,
    seq BIGINT GENERATED ALWAYS AS IDENTITY,
    schema_name TEXT NOT NULL,
    def TEXT NOT NULL,
    PRIMARY KEY (tenant, urn, name_folded)
);
