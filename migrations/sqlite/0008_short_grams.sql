-- Searches of one or two characters: an index of every one- and two-character
-- piece ("gram") of the folded name and email, and how many users of each
-- tenant have each gram, so that such a search reads the users it shows and
-- knows its exact total without visiting the tenant's every row (2.9 s at a
-- million users before).
--
-- `users_short` is a contentless FTS5 table: rowid = users.seq (so a tenant is
-- a rowid range, as in the trigram index), one document per user, its tokens
-- the grams of `name_fold` and `email_fold`, each written as the hex of its
-- UTF-8 bytes (`6C69` for "li"): spaces, dots and @ are grams like any other,
-- and the tokenizer only ever sees [0-9A-F]. A gram of one character and one
-- of two never spell the same hex, since UTF-8 decodes one way. `detail =
-- column` keeps which column a gram is in (name-only and email-only searches)
-- and no positions, which a gram query never needs.
--
-- `short_counts` holds, per tenant and gram, how many users have it in their
-- name (`within` = 'n'), their email ('e') or either ('b'): the exact total of
-- a short search without other filters (counting 'a' in the index alone took
-- ~90 ms at a million users).
--
-- The triggers spell the grams out in SQL (triggers cannot hold a recursive
-- WITH, so the positions 0..length-1 come from json_each over an array of that
-- many zeros); a bulk load writes the same tokens and counts from Rust
-- (`store::sqlite::grams`), and a test holds the two to the same answer, since
-- a contentless table can only delete exactly the tokens it was given.
--
-- The users already here are indexed by the server when it opens the file
-- and finds the row in `short_pending` (`fill_short`, after the folds are
-- right): in SQL it took over 20 minutes at a million users, in Rust well
-- under one. Until then the triggers do nothing, so no write can delete
-- tokens that were never written.

CREATE VIRTUAL TABLE users_short USING fts5(
    display_name, email,
    content = '', detail = column, tokenize = 'unicode61'
);

CREATE TABLE short_counts (
    tenant_id   TEXT NOT NULL,
    gram        TEXT NOT NULL,
    within      TEXT NOT NULL,
    n           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, gram, within)
) WITHOUT ROWID;

CREATE TABLE short_pending (pending INTEGER);
INSERT INTO short_pending VALUES (1);

CREATE TRIGGER users_short_insert AFTER INSERT ON users
    WHEN NOT EXISTS (SELECT 1 FROM short_pending)
BEGIN
    INSERT INTO users_short (rowid, display_name, email) VALUES (new.seq,
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(new.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.name_fold))),
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(new.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.email_fold))));
    INSERT INTO short_counts (tenant_id, gram, within, n)
    SELECT new.tenant_id, gram, within, 1 FROM (
        SELECT gram, 'n' AS within FROM (SELECT substr(new.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.name_fold))
        UNION SELECT gram, 'e' FROM (SELECT substr(new.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.email_fold))
        UNION SELECT gram, 'b' FROM (SELECT substr(new.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.name_fold)
             UNION SELECT substr(new.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.email_fold))
    ) WHERE true
    ON CONFLICT (tenant_id, gram, within) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER users_short_delete AFTER DELETE ON users
    WHEN NOT EXISTS (SELECT 1 FROM short_pending)
BEGIN
    INSERT INTO users_short (users_short, rowid, display_name, email) VALUES ('delete', old.seq,
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(old.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.name_fold))),
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(old.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.email_fold))));
    UPDATE short_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND (gram, within) IN (
        SELECT gram, 'n' AS within FROM (SELECT substr(old.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.name_fold))
        UNION SELECT gram, 'e' FROM (SELECT substr(old.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.email_fold))
        UNION SELECT gram, 'b' FROM (SELECT substr(old.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.name_fold)
             UNION SELECT substr(old.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.email_fold)));
END;

CREATE TRIGGER users_short_update AFTER UPDATE OF name_fold, email_fold ON users
    WHEN (old.name_fold IS NOT new.name_fold OR old.email_fold IS NOT new.email_fold)
        AND NOT EXISTS (SELECT 1 FROM short_pending)
BEGIN
    INSERT INTO users_short (users_short, rowid, display_name, email) VALUES ('delete', old.seq,
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(old.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.name_fold))),
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(old.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.email_fold))));
    UPDATE short_counts SET n = n - 1 WHERE tenant_id = old.tenant_id AND (gram, within) IN (
        SELECT gram, 'n' AS within FROM (SELECT substr(old.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.name_fold))
        UNION SELECT gram, 'e' FROM (SELECT substr(old.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.email_fold))
        UNION SELECT gram, 'b' FROM (SELECT substr(old.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.name_fold)
             UNION SELECT substr(old.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(old.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(old.email_fold)));
    INSERT INTO users_short (rowid, display_name, email) VALUES (new.seq,
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(new.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.name_fold))),
        (SELECT group_concat(hex(gram), ' ') FROM (
            SELECT substr(new.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.email_fold))));
    INSERT INTO short_counts (tenant_id, gram, within, n)
    SELECT new.tenant_id, gram, within, 1 FROM (
        SELECT gram, 'n' AS within FROM (SELECT substr(new.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.name_fold))
        UNION SELECT gram, 'e' FROM (SELECT substr(new.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.email_fold))
        UNION SELECT gram, 'b' FROM (SELECT substr(new.name_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.name_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.name_fold)
             UNION SELECT substr(new.email_fold, p.key + 1, w.n) AS gram
             FROM json_each('[' || substr(replace(hex(zeroblob(length(new.email_fold))), '00', ',0'), 2) || ']') AS p,
                  (SELECT 1 AS n UNION ALL SELECT 2) AS w
             WHERE p.key + w.n <= length(new.email_fold))
    ) WHERE true
    ON CONFLICT (tenant_id, gram, within) DO UPDATE SET n = n + 1;
END;

