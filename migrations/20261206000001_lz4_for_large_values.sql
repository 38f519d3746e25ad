-- The large values every job writes: its trace (about 2 kB of JSON for the
-- load tests' job) and its proposal's LaTeX (a real résumé is 5–15 kB), like
-- each version's. Past about 2 kB a row's value is compressed inline, and
-- pglz compressing traces was about 1 % of the machine's CPU under load
-- (perf, `bench.sh --queue`). lz4 compresses several times faster at a
-- similar ratio. Existing values stay as they are; reads handle both. A
-- server built without lz4 keeps pglz (a notice says so).
DO $$
BEGIN
    ALTER TABLE tailor.ai_job_trace ALTER COLUMN trace SET COMPRESSION lz4;
    ALTER TABLE "ProposedVersion" ALTER COLUMN "proposedLatexContent" SET COMPRESSION lz4;
    ALTER TABLE "ResumeVersion" ALTER COLUMN "latexContent" SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this PostgreSQL has no lz4: large values stay compressed with pglz';
END $$;
