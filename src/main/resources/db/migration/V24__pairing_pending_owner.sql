-- The engine's claim finds unowned pending pairings, and those of replicas that died, through their
-- lease owner: its old plan walked every pending pairing (30 ms a second at 50,000, on the engine's
-- thread) to find the few nobody live held.
create index concurrently if not exists pairing_pending_owner on pairing (lease_owner) where status = 'PENDING';
