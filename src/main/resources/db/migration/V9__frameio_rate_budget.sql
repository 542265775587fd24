-- One rate budget for the fleet. Frame.io limits calls per user and endpoint, and every device of
-- a model calls under that model's credentials from a few gateway addresses: a 429 seen by one
-- replica pauses the endpoint for the model on all of them. paused_until is domain time (the
-- replicas' clocks, held to the database's by the clock-skew check).
create table frameio_rate_pause (
    model         varchar(64)  not null,
    endpoint      varchar(32)  not null,
    paused_until  timestamptz  not null,
    -- the pause length without Retry-After or x-ratelimit-window: 1 s doubling to 60 s
    backoff_ms    bigint       not null,
    cause         varchar(32)  not null,
    updated_at    timestamptz  not null default now(),
    updated_by    varchar(200),
    primary key (model, endpoint)
);

-- GATEWAY_FRAMEIO_MAX_RATE as one token bucket for all replicas, refilled by the database's clock.
-- Replicas take tokens a few at a time, so the row is touched at most a few times per second each.
create table frameio_rate_bucket (
    id           smallint          primary key,
    tokens       double precision  not null,
    refilled_at  timestamptz       not null
);
