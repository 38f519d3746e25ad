-- The tailoring trace of each completed AI job (every edit applied or
-- refused, and why), written in the same transaction as COMPLETED. It lives
-- in our own schema, not `public` (the spec's tables only), and not in the
-- queue's table, whose finished rows the workers prune.
CREATE SCHEMA IF NOT EXISTS tailor;
CREATE TABLE tailor.ai_job_trace (
    ai_job_id  uuid PRIMARY KEY REFERENCES public."AIJob" (id) ON DELETE CASCADE,
    trace      jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- The workers prune finished queue rows by age; this keeps that cheap.
CREATE INDEX IF NOT EXISTS tailor_finished_tasks_done_at_idx ON apalis.jobs (done_at) WHERE status IN ('Done', 'Failed', 'Killed');
