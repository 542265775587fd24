-- Retention: terminal pairings and audit events older than their configured age are deleted.
create index pairing_terminal_completed on pairing (completed_at) where status <> 'PENDING';
create index audit_event_at on audit_event (at, id);

-- Background tasks that one replica at a time runs per period: whoever moves next_run_at on
-- claims the run.
create table scheduled_task (
    name         varchar(64)   primary key,
    next_run_at  timestamptz   not null,
    last_run_by  varchar(160),
    last_run_at  timestamptz
);
