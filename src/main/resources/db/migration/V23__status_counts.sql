-- GET /api/v1/stats counts every pairing by status and every device by state. Counting the tables
-- takes a full scan (a quarter of a second at a million pairings), so the counts are kept as they
-- change: triggers that fire only when rows are added or removed, or a status/state is set. The
-- poll engine's schedule writes never set status, so they never fire them.
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

-- A status change (one row per statement in practice: a finish, an authorization, a cancel).
create function pairing_count_status_change() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    insert into pairing_status_count as c (status, shard, n) values (old.status, slot, -1), (new.status, slot, 1)
        on conflict (status, shard) do update set n = c.n + excluded.n;
    return null;
end
$$;

-- Rows added or removed: one upsert per status per statement, not per row. Counting per row would
-- update one counter row once for every row of a large statement (a batch of pairings, a
-- retention round), and each update of a row already updated in the same transaction costs more
-- than the last.
create function pairing_count_rows() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    if tg_op = 'INSERT' then
        insert into pairing_status_count as c (status, shard, n)
            select status, slot, count(*) from added group by status
            on conflict (status, shard) do update set n = c.n + excluded.n;
    else
        insert into pairing_status_count as c (status, shard, n)
            select status, slot, -count(*) from removed group by status
            on conflict (status, shard) do update set n = c.n + excluded.n;
    end if;
    return null;
end
$$;

create function device_count_state_change() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    insert into device_state_count as c (state, shard, n) values (old.state, slot, -1), (new.state, slot, 1)
        on conflict (state, shard) do update set n = c.n + excluded.n;
    return null;
end
$$;

create function device_count_rows() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    if tg_op = 'INSERT' then
        insert into device_state_count as c (state, shard, n)
            select state, slot, count(*) from added group by state
            on conflict (state, shard) do update set n = c.n + excluded.n;
    else
        insert into device_state_count as c (state, shard, n)
            select state, slot, -count(*) from removed group by state
            on conflict (state, shard) do update set n = c.n + excluded.n;
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
create trigger pairing_rows_added_counted after insert on pairing
    referencing new table as added for each statement execute function pairing_count_rows();
create trigger pairing_rows_removed_counted after delete on pairing
    referencing old table as removed for each statement execute function pairing_count_rows();
create trigger pairing_status_changed_counted after update of status on pairing
    for each row when (old.status is distinct from new.status) execute function pairing_count_status_change();
create trigger pairing_truncated_counted after truncate on pairing
    for each statement execute function status_counts_reset('pairing_status_count');

create trigger device_rows_added_counted after insert on device
    referencing new table as added for each statement execute function device_count_rows();
create trigger device_rows_removed_counted after delete on device
    referencing old table as removed for each statement execute function device_count_rows();
create trigger device_state_changed_counted after update of state on device
    for each row when (old.state is distinct from new.state) execute function device_count_state_change();
create trigger device_truncated_counted after truncate on device
    for each statement execute function status_counts_reset('device_state_count');

insert into pairing_status_count (status, shard, n) select status, 0, count(*) from pairing group by status;
insert into device_state_count (state, shard, n) select state, 0, count(*) from device group by state;
