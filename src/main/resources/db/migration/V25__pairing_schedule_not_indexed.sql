-- No index holds the schedule any more (the claim goes by lease owner, V24), so the write every poll
-- makes (next_poll_at, last_poll_at, interval, backoff) can be a heap-only update: no new entry in
-- any of the table's indexes per poll, and no index bloat from 10,000 of them a second.
drop index concurrently if exists pairing_due;
