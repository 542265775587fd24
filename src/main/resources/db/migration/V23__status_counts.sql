-- GET /api/v1/stats counts every pairing by status and every device by state. Counting the tables
-- takes a full scan (a quarter of a second at a million pairings), so the counts are kept as they
-- change: triggers that fire only when rows are added or removed, or a status/state is set. The
-- poll engine's schedule writes never set status, so they never fire them.
-- Each count is split over 16 rows chosen by the writing connection, so concurrent transactions
-- rarely wait on the same counter row; a reader sums them. One table and one set of functions
-- serve both counted tables: the triggers name the kind ('pairing', 'device') and the column.
create table status_count (
    kind    varchar(16)  not null,
    value   varchar(24)  not null,
    shard   smallint     not null,
    n       bigint       not null,
    primary key (kind, value, shard)
);

-- Rows added or removed: one upsert per value per statement, not per row. Counting per row would
-- update one counter row once for every row of a large statement (a batch of pairings, a
-- retention round), and each update of a row already updated in the same transaction costs more
-- than the last. Arguments: the kind, the counted column.
create function status_count_rows() returns trigger
    language plpgsql as $$
begin
    execute format('insert into status_count as c (kind, value, shard, n)
                        select %L, %I, pg_backend_pid() %% 16, %s count(*) from %I group by %I
                        on conflict (kind, value, shard) do update set n = c.n + excluded.n',
        tg_argv[0], tg_argv[1], case tg_op when 'INSERT' then '' else '-' end,
        case tg_op when 'INSERT' then 'added' else 'removed' end, tg_argv[1]);
    return null;
end
$$;

-- A status change: one row per statement in practice (a finish, an authorization, a cancel).
create function status_count_change() returns trigger
    language plpgsql as $$
declare
    slot smallint := pg_backend_pid() % 16;
begin
    insert into status_count as c (kind, value, shard, n)
        values (tg_argv[0], to_jsonb(old) ->> tg_argv[1], slot, -1), (tg_argv[0], to_jsonb(new) ->> tg_argv[1], slot, 1)
        on conflict (kind, value, shard) do update set n = c.n + excluded.n;
    return null;
end
$$;

create function status_count_reset() returns trigger
    language plpgsql as $$
begin
    delete from status_count where kind = tg_argv[0];
    return null;
end
$$;

-- The triggers come first and the counts after them, in this one transaction: creating a trigger
-- locks the table against writers until commit, so no change falls between the count and the trigger.
create trigger pairing_rows_added_counted after insert on pairing
    referencing new table as added for each statement execute function status_count_rows('pairing', 'status');
create trigger pairing_rows_removed_counted after delete on pairing
    referencing old table as removed for each statement execute function status_count_rows('pairing', 'status');
create trigger pairing_status_changed_counted after update of status on pairing
    for each row when (old.status is distinct from new.status) execute function status_count_change('pairing', 'status');
create trigger pairing_truncated_counted after truncate on pairing
    for each statement execute function status_count_reset('pairing');

create trigger device_rows_added_counted after insert on device
    referencing new table as added for each statement execute function status_count_rows('device', 'state');
create trigger device_rows_removed_counted after delete on device
    referencing old table as removed for each statement execute function status_count_rows('device', 'state');
create trigger device_state_changed_counted after update of state on device
    for each row when (old.state is distinct from new.state) execute function status_count_change('device', 'state');
create trigger device_truncated_counted after truncate on device
    for each statement execute function status_count_reset('device');

insert into status_count (kind, value, shard, n) select 'pairing', status, 0, count(*) from pairing group by status;
insert into status_count (kind, value, shard, n) select 'device', state, 0, count(*) from device group by state;
