-- Lists filtered by model; finished pairings only, for the reason given in V19.
create index concurrently if not exists pairing_model_listing on pairing (model, created_at desc, id desc)
    where status <> 'PENDING';
