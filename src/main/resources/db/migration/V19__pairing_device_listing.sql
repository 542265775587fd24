-- Lists filtered by device stay on an index at any table size. Finished pairings only: the poll
-- engine rewrites pending rows every interval, and each of those writes would also have to add an
-- entry here; pending rows are found through pairing_one_pending_per_device instead.
-- Alone in its migration, CONCURRENTLY: see docs/operations.md, "Database migrations".
create index concurrently if not exists pairing_device_listing on pairing (device_id, created_at desc, id desc)
    where status <> 'PENDING';
