-- Tenants, API keys (hashes only) and users. pg_trgm GIN indexes on name and
-- email keep case-insensitive substring search an index lookup as a tenant grows.
-- metadata and preferences are TEXT holding JSON so that a user's key order is
-- kept as written (jsonb would reorder it), exactly as in the SQLite store.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

CREATE TABLE api_keys (
    prefix      TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    hash        BYTEA NOT NULL,
    scopes      TEXT NOT NULL,
    user_id     TEXT,
    created_at  BIGINT NOT NULL,
    revoked_at  BIGINT
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, created_at);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    external_ref        TEXT,
    display_name        TEXT,
    email               TEXT,
    avatar              TEXT,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    metadata            TEXT NOT NULL,
    preferences         TEXT NOT NULL,
    conversation_count  BIGINT NOT NULL DEFAULT 0,
    version             BIGINT NOT NULL,
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT,
    last_login_at       BIGINT
);
CREATE UNIQUE INDEX users_external_ref ON users(tenant_id, external_ref) WHERE external_ref IS NOT NULL;
CREATE UNIQUE INDEX users_email ON users(tenant_id, email) WHERE email IS NOT NULL;
CREATE INDEX users_order ON users(tenant_id, created_at DESC, id DESC);
CREATE INDEX users_role_status ON users(tenant_id, role, status, created_at DESC, id DESC);
CREATE INDEX users_status ON users(tenant_id, status, created_at DESC, id DESC);
CREATE INDEX users_name_trgm ON users USING gin (display_name gin_trgm_ops);
CREATE INDEX users_email_trgm ON users USING gin (email gin_trgm_ops);
