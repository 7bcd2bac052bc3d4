-- SCIM's userName: a stored username, unique per tenant ignoring case (the
-- server writes its case fold beside it, like name_fold), defaulting to the
-- email, or the id for users without one. And a user may now be deleted: the
-- audit trail records that as a `delete` event, which the old CHECK refused,
-- so the table is built again with the wider one (SQLite cannot alter a CHECK).

ALTER TABLE users ADD COLUMN username TEXT;
ALTER TABLE users ADD COLUMN username_fold TEXT;
-- Emails are stored lower-cased already: their fold is themselves for the
-- addresses of the usual shape; ids are ASCII.
UPDATE users SET username = COALESCE(email, id), username_fold = lower(COALESCE(email, id));
-- Also the index of sortBy=userName (unique, so it needs no id tiebreak).
CREATE UNIQUE INDEX users_username ON users(tenant_id, username_fold);

CREATE TABLE audit_events_next (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    version         INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    actor_key       TEXT,
    actor_user_id   TEXT,
    changes         TEXT NOT NULL
);
INSERT INTO audit_events_next (seq, tenant_id, user_id, version, at, action, actor_key, actor_user_id, changes)
    SELECT seq, tenant_id, user_id, version, at, action, actor_key, actor_user_id, changes FROM audit_events;
DROP TABLE audit_events;
ALTER TABLE audit_events_next RENAME TO audit_events;
CREATE INDEX audit_by_user ON audit_events(tenant_id, user_id, seq DESC);
CREATE INDEX audit_by_tenant ON audit_events(tenant_id, seq DESC);
CREATE INDEX audit_by_actor_key ON audit_events(tenant_id, actor_key, seq DESC);
CREATE INDEX audit_by_actor_user ON audit_events(tenant_id, actor_user_id, seq DESC);
CREATE INDEX audit_by_time ON audit_events(tenant_id, at);
