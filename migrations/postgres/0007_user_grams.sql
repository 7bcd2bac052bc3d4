-- The exact `total` of a search of 1 to 3 characters without a scan: for
-- every gram (substring of 1, 2 or 3 characters) of the folded names and
-- emails, how many users of a tenant hold it in the name (part 1), in the
-- email (part 2), and in either (part 3, a user with it in both counted
-- once). A needle of up to 3 characters is one gram, and a user matches it
-- exactly when the gram is one of theirs, so the total of such a search is a
-- sum of a few rows (src/store/postgres.rs, `push_total`). Needles under 3
-- characters cannot use pg_trgm's index at all, and a count of a common
-- 3-character needle rechecks every match on the heap.
--
-- Kept by triggers in the same transaction as every write, split in `slot`s
-- by the backend's pid as `user_counts` (0006) is, so writers on different
-- replicas add to different rows. Only the sum over the slots means anything.

-- No replica may add a user between the count below and the triggers.
LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE;

CREATE TABLE user_grams (
    tenant_id   TEXT NOT NULL,
    gram        TEXT COLLATE "C" NOT NULL,
    part        SMALLINT NOT NULL,
    slot        SMALLINT NOT NULL,
    n           BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, gram, part, slot)
);

-- The distinct grams of a folded value (none for NULL), in characters as
-- LIKE compares them.
CREATE FUNCTION user_grams_of(s TEXT) RETURNS TABLE (gram TEXT)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT substr(s, i, k)
    FROM generate_series(1, 3) AS k, generate_series(1, length(s) - k + 1) AS i
$$;

-- The (gram, part) rows one user counts in.
CREATE FUNCTION user_grams_rows(name_fold TEXT, email_fold TEXT)
RETURNS TABLE (gram TEXT, part SMALLINT)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT g.gram, 1::SMALLINT FROM user_grams_of(name_fold) AS g
    UNION ALL
    SELECT g.gram, 2::SMALLINT FROM user_grams_of(email_fold) AS g
    UNION ALL
    SELECT g.gram, 3::SMALLINT
    FROM (SELECT * FROM user_grams_of(name_fold) UNION SELECT * FROM user_grams_of(email_fold)) AS g
$$;

-- The counts of one tenant computed again from its users, into slot 0: for a
-- bulk load that wrote users with the triggers below dropped or disabled, to
-- call once its rows are in and before other writers of that tenant start.
CREATE FUNCTION user_grams_recount(p_tenant TEXT) RETURNS VOID LANGUAGE sql AS $$
    DELETE FROM user_grams WHERE tenant_id = p_tenant;
    INSERT INTO user_grams (tenant_id, gram, part, slot, n)
        SELECT p_tenant, g.gram, g.part, 0, COUNT(*)
        FROM users AS u, user_grams_rows(u.name_fold, u.email_fold) AS g
        WHERE u.tenant_id = p_tenant
        GROUP BY g.gram, g.part;
$$;

INSERT INTO user_grams (tenant_id, gram, part, slot, n)
    SELECT u.tenant_id, g.gram, g.part, 0, COUNT(*)
    FROM users AS u, user_grams_rows(u.name_fold, u.email_fold) AS g
    GROUP BY u.tenant_id, g.gram, g.part;

-- The rows each change adds to, in key order: two transactions whose slots
-- collide then wait for each other instead of deadlocking. One function for
-- inserts (+1 per user) and deletes (-1): both triggers name their
-- transition table `changed`.
-- A bulk load (`raven-server seed`) counts its rows itself and adds them at
-- its end: it sets `raven.bulk_load` for its own transaction only.
CREATE FUNCTION user_grams_counted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    sign BIGINT := CASE TG_OP WHEN 'INSERT' THEN 1 ELSE -1 END;
BEGIN
    IF TG_OP = 'INSERT' AND current_setting('raven.bulk_load', true) = 'on' THEN
        RETURN NULL;
    END IF;
    INSERT INTO user_grams (tenant_id, gram, part, slot, n)
        SELECT r.tenant_id, g.gram, g.part, pg_backend_pid() % 16, sign * COUNT(*)
        FROM changed AS r, user_grams_rows(r.name_fold, r.email_fold) AS g
        GROUP BY r.tenant_id, g.gram, g.part
        ORDER BY r.tenant_id, g.gram, g.part
        ON CONFLICT (tenant_id, gram, part, slot) DO UPDATE SET n = user_grams.n + excluded.n;
    RETURN NULL;
END $$;
CREATE TRIGGER user_grams_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION user_grams_counted();
CREATE TRIGGER user_grams_delete AFTER DELETE ON users
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION user_grams_counted();

-- A changed name or email: only the grams it gained or lost.
CREATE FUNCTION user_grams_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO user_grams (tenant_id, gram, part, slot, n)
        SELECT c.tenant_id, c.gram, c.part, pg_backend_pid() % 16, SUM(c.d)
        FROM (
            SELECT old.tenant_id AS tenant_id, g.gram, g.part, -1 AS d
            FROM user_grams_rows(old.name_fold, old.email_fold) AS g
            UNION ALL
            SELECT new.tenant_id, g.gram, g.part, 1
            FROM user_grams_rows(new.name_fold, new.email_fold) AS g
        ) AS c
        GROUP BY c.tenant_id, c.gram, c.part
        HAVING SUM(c.d) <> 0
        ORDER BY c.tenant_id, c.gram, c.part
        ON CONFLICT (tenant_id, gram, part, slot) DO UPDATE SET n = user_grams.n + excluded.n;
    RETURN NULL;
END $$;
-- Every PATCH sets the folds; only one that changes them touches the counts.
CREATE TRIGGER user_grams_update AFTER UPDATE OF tenant_id, name_fold, email_fold ON users
    FOR EACH ROW
    WHEN (old.tenant_id IS DISTINCT FROM new.tenant_id
          OR old.name_fold IS DISTINCT FROM new.name_fold
          OR old.email_fold IS DISTINCT FROM new.email_fold)
    EXECUTE FUNCTION user_grams_changed();
