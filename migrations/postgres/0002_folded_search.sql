-- Search folds case the Unicode way (src/model/fold.rs): ILIKE folds by the
-- database's locale, ASCII only under C. `name_fold` and `email_fold` hold
-- the folded display name and email, written by the server with every insert
-- and update; the trigram indexes move to them. They start as lower(), and
-- the server corrects the rest when it opens the database and finds
-- `folds_pending`.

-- Until the server has filled the columns of the users already here.
CREATE TABLE folds_pending (pending INTEGER);
INSERT INTO folds_pending VALUES (1);

ALTER TABLE users ADD COLUMN name_fold TEXT;
ALTER TABLE users ADD COLUMN email_fold TEXT;
UPDATE users SET name_fold = lower(display_name), email_fold = lower(email);
DROP INDEX users_name_trgm;
DROP INDEX users_email_trgm;
CREATE INDEX users_name_fold_trgm ON users USING gin (name_fold gin_trgm_ops);
CREATE INDEX users_email_fold_trgm ON users USING gin (email_fold gin_trgm_ops);
