-- Tenants, API keys (hashes only) and users, with a trigram full-text index on
-- name and email so that substring search stays an index lookup as a tenant grows.

CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    slug        TEXT NOT NULL UNIQUE,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE api_keys (
    prefix      TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    hash        BLOB NOT NULL,
    scopes      TEXT NOT NULL,
    user_id     TEXT,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);
CREATE INDEX api_keys_tenant ON api_keys(tenant_id, created_at);

CREATE TABLE users (
    seq                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    tenant_id           TEXT NOT NULL REFERENCES tenants(id),
    external_ref        TEXT,
    display_name        TEXT,
    email               TEXT,
    avatar              TEXT,
    role                TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    status              TEXT NOT NULL CHECK (status IN ('active', 'inactive')),
    metadata            TEXT NOT NULL,
    preferences         TEXT NOT NULL,
    conversation_count  INTEGER NOT NULL DEFAULT 0,
    version             INTEGER NOT NULL,
    created_at          INTEGER NOT NULL,
    updated_at          INTEGER,
    last_login_at       INTEGER
);
CREATE UNIQUE INDEX users_external_ref ON users(tenant_id, external_ref) WHERE external_ref IS NOT NULL;
CREATE UNIQUE INDEX users_email ON users(tenant_id, email) WHERE email IS NOT NULL;
-- Newest first, id as tiebreak: the one order every list uses.
CREATE INDEX users_order ON users(tenant_id, created_at DESC, id DESC);
CREATE INDEX users_role_status ON users(tenant_id, role, status, created_at DESC, id DESC);
CREATE INDEX users_status ON users(tenant_id, status, created_at DESC, id DESC);

CREATE VIRTUAL TABLE users_search USING fts5(
    display_name, email,
    content = 'users', content_rowid = 'seq',
    tokenize = 'trigram'
);

CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
    INSERT INTO users_search(rowid, display_name, email) VALUES (new.seq, new.display_name, new.email);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
    INSERT INTO users_search(users_search, rowid, display_name, email)
        VALUES ('delete', old.seq, old.display_name, old.email);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF display_name, email ON users BEGIN
    INSERT INTO users_search(users_search, rowid, display_name, email)
        VALUES ('delete', old.seq, old.display_name, old.email);
    INSERT INTO users_search(rowid, display_name, email) VALUES (new.seq, new.display_name, new.email);
END;
