-- Batches started from the web console's batch mode: which pairings one pasted list started (and
-- why the others did not), so the batch page can follow them from any replica and any session of
-- the same key. Kept out of the session on purpose: every console request, each poll included,
-- reads the whole session. Rows older than 30 days are dropped when a new batch is stored.
CREATE TABLE console_batch (
	id                UUID         NOT NULL PRIMARY KEY,
	created_by_key_id UUID         NOT NULL,
	created_at        TIMESTAMPTZ  NOT NULL,
	lines             JSONB        NOT NULL
);

CREATE INDEX console_batch_created_at ON console_batch (created_at);
