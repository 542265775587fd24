-- API keys of admins, stations and devices. Only a SHA-256 of the key is kept.
create table api_key (
    id          uuid primary key,
    name        varchar(100) not null,
    role        varchar(16)  not null check (role in ('ADMIN', 'STATION', 'DEVICE')),
    key_hash    varchar(64)  not null unique,
    device_id   varchar(128),
    created_at  timestamptz  not null,
    revoked_at  timestamptz,
    check ((role = 'DEVICE') = (device_id is not null))
);
create index api_key_device on api_key (device_id) where device_id is not null;

-- A device model holds the client secret Frame.io issued for it, encrypted.
create table device_model (
    model                    varchar(64)  primary key,
    client_secret_enc        text         not null,
    scope                    varchar(64)  not null,
    default_client_version   varchar(64)  not null,
    url_pairing              boolean      not null,
    secret_updated_at        timestamptz  not null,
    created_at               timestamptz  not null,
    updated_at               timestamptz  not null
);

-- One row per pairing request; its live device code, and the poll schedule of the engine.
create table pairing (
    id                          uuid          primary key,
    device_id                   varchar(128)  not null,
    model                       varchar(64)   not null,
    client_version              varchar(64)   not null,
    url_pairing                 boolean       not null,
    status                      varchar(16)   not null
        check (status in ('PENDING', 'AUTHORIZED', 'EXPIRED', 'DENIED', 'FAILED', 'CANCELLED')),
    user_code                   varchar(64),
    verification_uri            text,
    verification_uri_complete   text,
    device_name                 text,
    device_code_enc             text,
    code_expires_at             timestamptz,
    codes_issued                integer       not null,
    interval_s                  integer       not null,
    expires_at                  timestamptz   not null,
    created_at                  timestamptz   not null,
    updated_at                  timestamptz   not null,
    completed_at                timestamptz,
    failure_reason              varchar(128),
    created_by                  varchar(100)  not null,
    created_by_key_id           uuid          not null,
    version                     bigint        not null,
    -- scheduling: never part of the resource, never changes version
    next_poll_at                timestamptz,
    last_poll_at                timestamptz,
    backoff_s                   integer       not null default 0,
    lease_owner                 varchar(160),
    lease_epoch                 bigint        not null default 0
);
create unique index pairing_one_pending_per_device on pairing (device_id) where status = 'PENDING';
create index pairing_due on pairing (next_poll_at) where status = 'PENDING';
create index pairing_created on pairing (created_at desc, id desc);
create index pairing_creator_created on pairing (created_by_key_id, created_at desc, id desc);

-- Liveness of each engine replica; a pairing leased to an instance whose lease ran out is free.
create table gateway_instance (
    id           varchar(160) primary key,
    started_at   timestamptz  not null,
    lease_until  timestamptz  not null
);

-- Token custody: one row per paired device, tokens encrypted.
create table device (
    device_id                 varchar(128) primary key,
    model                     varchar(64)  not null references device_model (model),
    client_version            varchar(64)  not null,
    state                     varchar(24)  not null check (state in ('PAIRED', 'REAUTH_REQUIRED', 'REVOKED')),
    access_token_enc          text,
    access_token_expires_at   timestamptz,
    refresh_token_enc         text,
    refresh_token_issued_at   timestamptz,
    refresh_token_expires_at  timestamptz,
    paired_at                 timestamptz  not null,
    last_refresh_at           timestamptz,
    last_pairing_id           uuid         not null,
    device_key_issued         boolean      not null default false,
    revoked_at                timestamptz,
    version                   bigint       not null default 1
);

-- Who did what to which object, written in the transaction of the change.
create table audit_event (
    id            bigserial    primary key,
    at            timestamptz  not null,
    actor         varchar(160) not null,
    action        varchar(64)  not null,
    subject_type  varchar(32)  not null,
    subject_id    varchar(160),
    detail        text
);
create index audit_event_subject on audit_event (subject_id, id desc);
create index audit_event_action on audit_event (action, id desc);
