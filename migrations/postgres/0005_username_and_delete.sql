-- SCIM's userName: a stored username, unique per tenant ignoring case (the
-- server writes its case fold beside it, like name_fold), defaulting to the
-- email, or the id for users without one. And a user may now be deleted: the
-- audit trail records that as a `delete` event.

ALTER TABLE users ADD COLUMN username TEXT;
ALTER TABLE users ADD COLUMN username_fold TEXT;
UPDATE users SET username = COALESCE(email, id), username_fold = lower(COALESCE(email, id));
-- In byte order, so the index also serves sortBy=userName (text sorts COLLATE "C").
CREATE UNIQUE INDEX users_username ON users(tenant_id, (username_fold COLLATE "C"));

ALTER TABLE audit_events DROP CONSTRAINT IF EXISTS audit_events_action_check;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_action_check
    CHECK (action IN ('create', 'update', 'delete'));
