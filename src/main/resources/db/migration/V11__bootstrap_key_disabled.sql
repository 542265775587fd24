-- Bootstrap admin keys switched off at runtime (DELETE /api/v1/api-keys/bootstrap), by the SHA-256 of
-- the key as for api_key, never the key. Every replica reads this when the bootstrap key is presented,
-- so it stops working everywhere at once; a different bootstrap key set later (a break-glass after a
-- lockout) is not in here and works until it is switched off too.
-- A new, empty table: nothing to index concurrently (see docs/operations.md, "Database migrations").
create table bootstrap_key_disabled (
    key_hash     varchar(64)   primary key,
    disabled_at  timestamptz   not null,
    disabled_by  varchar(200)  not null
);
