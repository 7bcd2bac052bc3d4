-- `sort=FIELD` on the list endpoints: one index per sort key of a tenant,
-- each ending in id (the tiebreak), holding the value as the sort compares
-- it (src/store/sqlite/query.rs, `sort_expr`). A sorted page walks one, in
-- either direction, for the users with a value and, `key IS NULL`, for those
-- without; `created_at` walks `users_order`.
CREATE INDEX users_sort_name ON users(tenant_id, name_fold, id);
CREATE INDEX users_sort_email ON users(tenant_id, email_fold, id);
CREATE INDEX users_sort_external_ref ON users(tenant_id, lower(external_ref), id);
CREATE INDEX users_sort_role ON users(tenant_id, role, id);
CREATE INDEX users_sort_status ON users(tenant_id, status, id);
CREATE INDEX users_sort_last_login ON users(tenant_id, last_login_at, id);
CREATE INDEX users_sort_updated ON users(tenant_id, updated_at, id);
