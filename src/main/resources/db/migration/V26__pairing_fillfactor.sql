-- Room on each page for the next version of its rows, so a poll's write stays on the row's page
-- (a heap-only update) instead of moving the row. Applies to pages written from now on.
alter table pairing set (fillfactor = 80);
