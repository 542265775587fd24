-- Where an authorized pairing's device landed in Frame.io (GET /v2/devices/me), shown as the
-- pairing's frameioDevice; null until Frame.io answered. Part of the resource, but filling it in is
-- no change of the pairing: version and updated_at stay, so nothing is announced.
alter table pairing
    add column frameio_device_id      varchar(255),
    add column frameio_device_name    varchar(255),
    add column frameio_project_id     varchar(255),
    add column frameio_project_name   text,
    -- scheduling of the lookup: never part of the resource. Due from the authorization on, retried
    -- with backoff in domain time; null once it succeeded or gave up. The lease, like the revocation
    -- jobs', is judged by the database's now().
    add column device_lookup_due_at        timestamptz,
    add column device_lookup_attempts      integer not null default 0,
    add column device_lookup_error         varchar(200),
    add column device_lookup_lease_owner   varchar(200),
    add column device_lookup_lease_until   timestamptz;

create index pairing_device_lookup_due on pairing (device_lookup_due_at) where device_lookup_due_at is not null;
