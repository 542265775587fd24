-- The pattern of docs/operations.md: an index on an existing table, built without blocking writers,
-- alone in its migration (Flyway runs it outside a transaction).
create index concurrently if not exists probe_name on probe (name);
