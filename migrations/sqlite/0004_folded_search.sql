-- Search folds case the Unicode way at every needle length (src/model/fold.rs).
-- The trigram index does so for needles of three characters and more; shorter
-- ones scan the tenant with LIKE, which folds ASCII only (`ÄNNE` found both
-- Änne, `ÄN` one). `name_fold` and `email_fold` hold the folded display name
-- and email, written by the server with every insert and update, for those
-- scans to compare. SQL has no Unicode folding: the columns start as lower(),
-- right for ASCII, and the server corrects the rest when it opens the
-- database and finds the row in `folds_pending`.

CREATE TABLE folds_pending (pending INTEGER);
INSERT INTO folds_pending VALUES (1);

ALTER TABLE users ADD COLUMN name_fold TEXT;
ALTER TABLE users ADD COLUMN email_fold TEXT;
UPDATE users SET name_fold = lower(display_name), email_fold = lower(email);
