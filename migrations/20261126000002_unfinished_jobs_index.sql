-- Unfinished AI jobs (QUEUED or RUNNING) are few; the worker's sweeper looks
-- them up often to fail the ones whose queue task gave up.
CREATE INDEX "AIJob_unfinished_idx" ON "AIJob" ("updatedAt") WHERE "status" IN ('QUEUED', 'RUNNING');
