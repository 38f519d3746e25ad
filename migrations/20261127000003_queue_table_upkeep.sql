-- The queue table (apalis.jobs) churns: each task is inserted, updated twice
-- (fetched, locked) and deleted with its job's completion, within seconds.
-- PostgreSQL's default autovacuum waits until a fifth of a table is dead; a
-- small, hot table needs a fixed low threshold and no cost delay, so that a
-- fetch does not walk thousands of dead index entries.
ALTER TABLE apalis.jobs SET (
    autovacuum_vacuum_scale_factor = 0,
    autovacuum_vacuum_threshold = 500,
    autovacuum_vacuum_insert_scale_factor = 0,
    autovacuum_vacuum_insert_threshold = 1000,
    autovacuum_analyze_scale_factor = 0,
    autovacuum_analyze_threshold = 1000,
    autovacuum_vacuum_cost_delay = 0
);
