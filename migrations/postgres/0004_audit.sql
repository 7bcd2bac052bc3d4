-- The audit trail: one row per create or update of a user, written in the
-- write's own transaction. `seq` orders events newest-first; the indexes serve
-- a user's history, the tenant's feed, and the feed filtered by actor, each a
-- page read from the index's head however many events there are.
-- `changes` is a JSON object {field: {"from": ..., "to": ...}}.

CREATE TABLE audit_events (
    seq             BIGSERIAL PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    version         BIGINT NOT NULL,
    at              BIGINT NOT NULL,
    action          TEXT NOT NULL CHECK (action IN ('create', 'update')),
    actor_key       TEXT,
    actor_user_id   TEXT,
    changes         TEXT NOT NULL
);
CREATE INDEX audit_by_user ON audit_events(tenant_id, user_id, seq DESC);
CREATE INDEX audit_by_tenant ON audit_events(tenant_id, seq DESC);
CREATE INDEX audit_by_actor_key ON audit_events(tenant_id, actor_key, seq DESC);
CREATE INDEX audit_by_actor_user ON audit_events(tenant_id, actor_user_id, seq DESC);
CREATE INDEX audit_by_time ON audit_events(tenant_id, at);
