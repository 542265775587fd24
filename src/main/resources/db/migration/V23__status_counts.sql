-- GET /api/v1/stats counts every pairing by status and every device by state. Counting the tables
-- takes a full scan (a quarter of a second at a million pairings), so the counts are kept as they
-- change: row triggers that fire only when a row is added, removed, or its status/state is set.
-- The poll engine's schedule writes never set status, so they never fire them.
-- Each count is split over 16 rows chosen by the writing connection, so concurrent transactions
-- rarely wait on the same counter row; a reader sums them.
create table pairing_status_count (
    status  varchar(16)  not null,
    shard   smallint     not null,
    n       bigint       not null,
    primary key (status, shard)
);

create table device_state_count (
    state   varchar(24)  not null,
    shard   smallint     not null,
    n       bigint       not null,
    primary key (state, shard)
);

create function pairing_count_status() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into pairing_status_count as c (status, shard, n) values (old.status, slot, -1)
            on conflict (status, shard) do update set n = c.n - 1;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into pairing_status_count as c (status, shard, n) values (new.status, slot, 1)
            on conflict (status, shard) do update set n = c.n + 1;
    end if;
    return null;
end
$$;

create function device_count_state() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    if tg_op in ('UPDATE', 'DELETE') then
        insert into device_state_count as c (state, shard, n) values (old.state, slot, -1)
            on conflict (state, shard) do update set n = c.n - 1;
    end if;
    if tg_op in ('UPDATE', 'INSERT') then
        insert into device_state_count as c (state, shard, n) values (new.state, slot, 1)
            on conflict (state, shard) do update set n = c.n + 1;
    end if;
    return null;
end
$$;

create function status_counts_reset() returns trigger
    language plpgsql as $$
begin
    execute format('delete from %I', tg_argv[0]);
    return null;
end
$$;

-- The triggers come first and the counts after them, in this one transaction: creating a trigger
-- locks the table against writers until commit, so no change falls between the count and the trigger.
create trigger pairing_status_counted after insert or delete on pairing
    for each row execute function pairing_count_status();
create trigger pairing_status_changed_counted after update of status on pairing
    for each row when (old.status is distinct from new.status) execute function pairing_count_status();
create trigger pairing_truncated_counted after truncate on pairing
    for each statement execute function status_counts_reset('pairing_status_count');

create trigger device_state_counted after insert or delete on device
    for each row execute function device_count_state();
create trigger device_state_changed_counted after update of state on device
    for each row when (old.state is distinct from new.state) execute function device_count_state();
create trigger device_truncated_counted after truncate on device
    for each statement execute function status_counts_reset('device_state_count');

insert into pairing_status_count (status, shard, n) select status, 0, count(*) from pairing group by status;
insert into device_state_count (state, shard, n) select state, 0, count(*) from device group by state;
