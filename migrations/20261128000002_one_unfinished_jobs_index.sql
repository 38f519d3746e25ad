-- Two partial indexes held the unfinished AI jobs (QUEUED or RUNNING):
-- AIJob_unfinished_idx on "updatedAt" (for the sweeper) and
-- AIJob_unfinished_project_idx on "projectId" (for the fair-share count at
-- each submission). The sweeper filters on status only, which the second
-- serves as well (it scans the few unfinished jobs either way). Every job
-- writes its AIJob row three times (QUEUED, RUNNING, final), and every write
-- inserted into both: one is enough.
DROP INDEX IF EXISTS "AIJob_unfinished_idx";
