-- Lists filtered by a finished status; pending ones are read through pairing_due (V1).
create index concurrently if not exists pairing_status_listing on pairing (status, created_at desc, id desc)
    where status <> 'PENDING';
