-- Each user's AI jobs per UTC day, for the AI_JOBS_PER_DAY quota. A counter
-- rather than a count of AIJob rows: deleting a project (and its jobs) must
-- not give the day's quota back. A submission deletes its user's past days.
CREATE TABLE tailor.daily_jobs (
    user_id uuid    NOT NULL REFERENCES public."User" (id) ON DELETE CASCADE,
    day     date    NOT NULL,
    count   integer NOT NULL CHECK (count >= 0),
    PRIMARY KEY (user_id, day)
);

-- A user's unfinished jobs, counted at each submission to place the new
-- task behind the user's own backlog but not behind other users' (the
-- queue task's priority).
CREATE INDEX "AIJob_unfinished_project_idx" ON "AIJob" ("projectId") WHERE "status" IN ('QUEUED', 'RUNNING');
