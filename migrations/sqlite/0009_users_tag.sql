-- A tag of each tenant's users: a new random value in the same transaction as
-- every insert, update and delete of one of them, by whichever process or
-- tool writes it (the triggers are in the file). Two reads that see the same
-- tag see the same users, the same order and the same totals, so the server
-- can answer a list page it has already encoded without reading it again
-- (`server::pages`). Random rather than a counter: a file restored from a
-- backup and written again would count up to numbers it had before, for
-- other users.

ALTER TABLE tenants ADD COLUMN users_tag INTEGER NOT NULL DEFAULT 0;
UPDATE tenants SET users_tag = random();

CREATE TRIGGER users_tag_insert AFTER INSERT ON users BEGIN
    UPDATE tenants SET users_tag = random() WHERE id = new.tenant_id;
END;

CREATE TRIGGER users_tag_update AFTER UPDATE ON users BEGIN
    UPDATE tenants SET users_tag = random() WHERE id IN (old.tenant_id, new.tenant_id);
END;

CREATE TRIGGER users_tag_delete AFTER DELETE ON users BEGIN
    UPDATE tenants SET users_tag = random() WHERE id = old.tenant_id;
END;
