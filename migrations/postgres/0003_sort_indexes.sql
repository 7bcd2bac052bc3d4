-- `sort=FIELD` on the list endpoints: one index per sort key of a tenant,
-- each ending in id (the tiebreak), holding the value as the sort compares
-- it (src/store/postgres.rs, `sort_expr`): text in byte order (COLLATE "C",
-- as the SQLite store and model::fold's output compare), external refs
-- folded ASCII-only as SQLite's lower() does. A sorted page walks one, in
-- either direction, for the users with a value and, `key IS NULL`, for those
-- without; `created_at` walks `users_order`.
CREATE INDEX users_sort_name ON users (tenant_id, (name_fold COLLATE "C"), id);
CREATE INDEX users_sort_email ON users (tenant_id, (email_fold COLLATE "C"), id);
CREATE INDEX users_sort_external_ref ON users (tenant_id,
    (translate(external_ref, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz') COLLATE "C"), id);
CREATE INDEX users_sort_role ON users (tenant_id, (role COLLATE "C"), id);
CREATE INDEX users_sort_status ON users (tenant_id, (status COLLATE "C"), id);
CREATE INDEX users_sort_last_login ON users (tenant_id, last_login_at, id);
CREATE INDEX users_sort_updated ON users (tenant_id, updated_at, id);
