-- Single-flight refresh across replicas. The holder of a live lease (judged by the database's now())
-- is the only one calling Frame.io for the device; a lease that ran out without being released means
-- its holder died between sending a refresh and writing the result, so the outcome is unknown.
alter table device
    add column refresh_lease_owner    varchar(200),
    add column refresh_lease_until    timestamptz,
    -- the last refresh that ended without new tokens, so callers who waited on it get its answer
    -- and keep-alive does not hammer an upstream that is down
    add column refresh_failed_by      varchar(200),
    add column refresh_failure        varchar(200),
    add column refresh_failed_at      timestamptz,
    -- a refresh was sent and its answer never came: the stored refresh token may be spent
    add column refresh_unknown_since  timestamptz;

create index device_keep_alive on device (refresh_token_issued_at) where state = 'PAIRED';
create index device_model_listing on device (model, device_id);

-- Tokens of a revoked device that still have to be revoked at Frame.io. Retried with capped
-- exponential backoff until Frame.io confirms, then destroyed. Claimed like pairings: a lease judged
-- by now(), attempts scheduled in domain time. A device shows its upstream revocation PENDING while
-- any row of it here is not done.
create table device_revocation (
    id                 uuid          primary key,
    device_id          varchar(128)  not null,
    model              varchar(64)   not null references device_model (model),
    client_version     varchar(64)   not null,
    refresh_token_enc  text,
    access_token_enc   text,
    created_at         timestamptz   not null,
    attempts           integer       not null default 0,
    next_attempt_at    timestamptz   not null,
    last_error         varchar(200),
    lease_owner        varchar(200),
    lease_until        timestamptz,
    done_at            timestamptz
);
create index device_revocation_due on device_revocation (next_attempt_at) where done_at is null;
create index device_revocation_device on device_revocation (device_id) where done_at is null;
