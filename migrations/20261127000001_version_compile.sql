-- The compile of each version to PDF: requested (PENDING), then SUCCEEDED
-- with where its PDF and page previews are stored, or FAILED with the errors
-- read from TeX's log. The spec's ResumeVersion carries only the outcome
-- (status COMPILED / ERROR, pdfUrl); the details live here, in our own
-- schema, like the tailoring traces. The files themselves are in the object
-- store (STORAGE_URL), never in the database.
CREATE TABLE tailor.version_compile (
    version_id   uuid PRIMARY KEY REFERENCES public."ResumeVersion" (id) ON DELETE CASCADE,
    state        text NOT NULL CHECK (state IN ('PENDING', 'SUCCEEDED', 'FAILED')),
    -- Bumped by each request that queues a compile (a FAILED one may be
    -- asked again); names the queue task (idempotency key `<version>:<seq>`)
    -- so a stale task cannot record over a newer request.
    request_seq  integer NOT NULL DEFAULT 1,
    engine       text CHECK (engine IN ('pdflatex', 'xelatex')),
    pages        integer,
    runs         integer,
    duration_ms  integer,
    pdf_key      text,
    pdf_sha256   text,
    pdf_bytes    bigint,
    -- [{line, message, context, file?}] read from the log, at most a few dozen.
    errors       jsonb NOT NULL DEFAULT '[]',
    -- One sentence a person understands; set when FAILED.
    message      text,
    -- The end of TeX's log (bounded), when there is one.
    log_tail     text,
    requested_at timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz
);
-- The sweeper looks for pending compiles whose queue task gave up.
CREATE INDEX version_compile_pending_idx ON tailor.version_compile (requested_at) WHERE state = 'PENDING';
