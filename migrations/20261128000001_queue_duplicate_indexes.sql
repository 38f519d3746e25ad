-- apalis' first migration created two indexes that later ones duplicated:
-- unique_job_id (the same as the primary key jobs_pkey) and LIdx (the same
-- as idx_apalis_jobs_lock_by). apalis dropped its other early duplicates
-- (TIdx, SIdx, JTIdx, Idx) in 20260824233636_streamline_indices but kept
-- these two. Every insert and every lock of a task wrote both twice over.
DROP INDEX IF EXISTS apalis.unique_job_id;
DROP INDEX IF EXISTS apalis.lidx;
