-- Live pairing status (SSE): every committed change of a pairing's version is announced on the
-- channel 'pairing_changed' as '<id>:<version>'. One trigger covers every writer (API, poll
-- engine, cancel) without any of them knowing; NOTIFY is delivered on commit only, so a rolled
-- back change is never announced. Listeners read the row itself; the payload only says which.
create function pairing_notify_change() returns trigger
    language plpgsql as $$
begin
    perform pg_notify('pairing_changed', new.id::text || ':' || new.version::text);
    return null;
end
$$;

create trigger pairing_changed
    after update on pairing
    for each row
    when (new.version is distinct from old.version)
    execute function pairing_notify_change();
