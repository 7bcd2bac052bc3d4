-- How many users each tenant has per role and status, kept by triggers in the
-- same transaction as every write, so a list's exact `total` without a search
-- or an external_ref is a sum of a few rows instead of a count over the tenant
-- (140 ms at 300,000 users, 180 ms at a million).
--
-- One row per tenant, role and status would make every create of a tenant wait
-- for the one before it to commit, on every replica: the count is split into
-- `slot`s, and each connection adds to the slot of its backend's pid, so
-- concurrent writers touch different rows. A slot may go negative (a user
-- counted in one slot and deleted through another connection); only the sum
-- over the slots means anything.

-- No replica may add a user between the count below and the triggers: it
-- would never be counted.
LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE user_counts (
    tenant_id   TEXT NOT NULL,
    role        TEXT NOT NULL,
    status      TEXT NOT NULL,
    slot        SMALLINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, role, status, slot)
);

INSERT INTO user_counts (tenant_id, role, status, slot, n)
    SELECT tenant_id, role, status, 0, COUNT(*) FROM users GROUP BY tenant_id, role, status;

-- Inserts come in batches of a thousand (seed, import): counted once per
-- statement, from its transition table.
CREATE FUNCTION user_counts_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_counts (tenant_id, role, status, slot, n)
        SELECT tenant_id, role, status, pg_backend_pid() % 16, COUNT(*)
        FROM inserted GROUP BY tenant_id, role, status
        ON CONFLICT (tenant_id, role, status, slot) DO UPDATE SET n = user_counts.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER user_counts_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION user_counts_inserted();

CREATE FUNCTION user_counts_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO user_counts (tenant_id, role, status, slot, n)
            VALUES (old.tenant_id, old.role, old.status, pg_backend_pid() % 16, -1)
            ON CONFLICT (tenant_id, role, status, slot) DO UPDATE SET n = user_counts.n - 1;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        INSERT INTO user_counts (tenant_id, role, status, slot, n)
            VALUES (new.tenant_id, new.role, new.status, pg_backend_pid() % 16, 1)
            ON CONFLICT (tenant_id, role, status, slot) DO UPDATE SET n = user_counts.n + 1;
    END IF;
    RETURN NULL;
END $$;
-- Only a write that moves a user between counts touches them: a PATCH of a
-- name does not.
CREATE TRIGGER user_counts_update AFTER UPDATE OF tenant_id, role, status ON users
    FOR EACH ROW
    WHEN (old.tenant_id IS DISTINCT FROM new.tenant_id OR old.role IS DISTINCT FROM new.role
          OR old.status IS DISTINCT FROM new.status)
    EXECUTE FUNCTION user_counts_moved();
CREATE TRIGGER user_counts_delete AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION user_counts_moved();
