-- Idempotency-Key records, scoped to the calling API key. A row is claimed (state RUNNING) by one
-- insert before the request runs; the finished response is stored (state DONE) for replay.
-- claimed_at is refreshed while the request runs, so a claim whose process died is recognised by
-- its age. The stored body is sealed like every other secret: it may hold a key shown once.
create table idempotency_key (
    caller_key_id    uuid          not null,
    idempotency_key  varchar(255)  not null,
    claim            uuid          not null,
    request_hash     varchar(64)   not null,
    state            varchar(8)    not null check (state in ('RUNNING', 'DONE')),
    claimed_at       timestamptz   not null,
    expires_at       timestamptz   not null,
    status           integer,
    content_type     varchar(255),
    body_enc         text,
    primary key (caller_key_id, idempotency_key)
);
create index idempotency_key_expires on idempotency_key (expires_at);
create unique index idempotency_key_claim on idempotency_key (claim);
