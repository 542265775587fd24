-- Webhook endpoints and their deliveries: the transactional outbox of contract 1.2.
-- A delivery row is written in the transaction of the state change it reports (one per subscribed
-- endpoint), so it exists exactly when that change committed.

create table webhook_endpoint (
    id                    uuid primary key,
    url                   text        not null,
    events                text[]      not null,
    description           text,
    -- SecretBox ciphertexts; the previous secret keeps signing until previous_secret_until.
    secret_enc            text        not null,
    previous_secret_enc   text,
    previous_secret_until timestamptz,
    created_at            timestamptz not null,
    updated_at            timestamptz not null
);

create index webhook_endpoint_events on webhook_endpoint using gin (events);

-- One number per event, taken after the subject's row is locked: events of one subject are numbered
-- in commit order, which is the order they are delivered in.
create sequence webhook_event_seq;

create table webhook_delivery (
    id               uuid primary key,
    endpoint_id      uuid        not null references webhook_endpoint (id) on delete cascade,
    -- The Standard Webhooks message id (webhook-id): the same on every attempt.
    event_id         uuid        not null,
    seq              bigint      not null,
    event_type       text        not null,
    -- subject_type:subject_id; deliveries of one subject to one endpoint go out in seq order.
    subject          text        not null,
    payload          text        not null,
    occurred_at      timestamptz not null,
    status           text        not null check (status in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         integer     not null default 0,
    next_attempt_at  timestamptz not null,
    give_up_at       timestamptz not null,
    lease_owner      text,
    lease_until      timestamptz,
    last_status_code integer,
    last_error       text,
    created_at       timestamptz not null,
    delivered_at     timestamptz
);

create index webhook_delivery_due on webhook_delivery (next_attempt_at) where status = 'PENDING';
create index webhook_delivery_order on webhook_delivery (endpoint_id, subject, seq) where status = 'PENDING';
create index webhook_delivery_listing on webhook_delivery (endpoint_id, seq desc);
-- The lag gauge: the oldest pending delivery.
create index webhook_delivery_pending_age on webhook_delivery (created_at) where status = 'PENDING';
