-- The schema of shared/spec/database.md, exactly: table, column and enum names
-- are the spec's own (quoted, camelCase), so the database is the one a Prisma
-- client of the same schema would read. Native types throughout.
--
-- Append-only: never edit this file once applied; add a new migration.

CREATE TYPE "ResumeVersionType" AS ENUM ('BASE', 'MANUAL', 'AI_GENERATED');
CREATE TYPE "ResumeVersionStatus" AS ENUM ('DRAFT', 'COMPILED', 'ERROR', 'ACTIVE');
CREATE TYPE "ResumeSectionType" AS ENUM ('EDUCATION', 'EXPERIENCE', 'PROJECTS', 'SKILLS', 'ACHIEVEMENTS', 'OTHER');
CREATE TYPE "AIJobStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETED', 'FAILED');
CREATE TYPE "AIMode" AS ENUM ('MINIMAL', 'BALANCED', 'AGGRESSIVE');
CREATE TYPE "AIModelProvider" AS ENUM ('DEEPSEEK', 'AZURE_OPENAI');

-- Keeps "updatedAt" current on every UPDATE, whoever issues it.
CREATE FUNCTION tailor_set_updated_at() RETURNS trigger AS $$
BEGIN
    NEW."updatedAt" := now();
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TABLE "User" (
    "id"        uuid        PRIMARY KEY,
    "clerkId"   text        NOT NULL,
    "email"     text        NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now(),
    "updatedAt" timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "User_clerkId_key" UNIQUE ("clerkId")
);

CREATE TABLE "ResumeProject" (
    "id"        uuid        PRIMARY KEY,
    "userId"    uuid        NOT NULL REFERENCES "User" ("id") ON DELETE CASCADE,
    "name"      text        NOT NULL,
    "createdAt" timestamptz NOT NULL DEFAULT now(),
    "updatedAt" timestamptz NOT NULL DEFAULT now()
);
-- GET /v1/projects: the caller's projects, newest first, keyset-paginated.
CREATE INDEX "ResumeProject_userId_createdAt_idx" ON "ResumeProject" ("userId", "createdAt" DESC, "id" DESC);

CREATE TABLE "ResumeVersion" (
    "id"              uuid                  PRIMARY KEY,
    "projectId"       uuid                  NOT NULL REFERENCES "ResumeProject" ("id") ON DELETE CASCADE,
    "parentVersionId" uuid                  REFERENCES "ResumeVersion" ("id") ON DELETE RESTRICT,
    "type"            "ResumeVersionType"   NOT NULL,
    "status"          "ResumeVersionStatus" NOT NULL DEFAULT 'DRAFT',
    "latexContent"    text                  NOT NULL,
    "pdfUrl"          text,
    "createdAt"       timestamptz           NOT NULL DEFAULT now(),
    "updatedAt"       timestamptz           NOT NULL DEFAULT now()
);
CREATE INDEX "ResumeVersion_projectId_createdAt_idx" ON "ResumeVersion" ("projectId", "createdAt", "id");
CREATE INDEX "ResumeVersion_parentVersionId_idx" ON "ResumeVersion" ("parentVersionId");
-- At most one ACTIVE version per project, enforced by the database.
CREATE UNIQUE INDEX "ResumeVersion_one_active_per_project" ON "ResumeVersion" ("projectId") WHERE "status" = 'ACTIVE';

CREATE TABLE "ResumeSection" (
    "id"          uuid                PRIMARY KEY,
    "versionId"   uuid                NOT NULL REFERENCES "ResumeVersion" ("id") ON DELETE CASCADE,
    "sectionType" "ResumeSectionType" NOT NULL,
    "content"     text                NOT NULL,
    "isLocked"    boolean             NOT NULL DEFAULT false,
    "orderIndex"  integer             NOT NULL,
    "createdAt"   timestamptz         NOT NULL DEFAULT now(),
    "updatedAt"   timestamptz         NOT NULL DEFAULT now(),
    -- Sections of one version are an ordered partition: one row per position.
    -- (Two sections of the same type are fine; two at the same index are not.)
    CONSTRAINT "ResumeSection_versionId_orderIndex_key" UNIQUE ("versionId", "orderIndex")
);

CREATE TABLE "JobDescription" (
    "id"              uuid        PRIMARY KEY,
    "projectId"       uuid        NOT NULL REFERENCES "ResumeProject" ("id") ON DELETE CASCADE,
    "rawText"         text        NOT NULL,
    "extractedSkills" jsonb       NOT NULL,
    "keywords"        jsonb       NOT NULL,
    "roleType"        text        NOT NULL,
    "createdAt"       timestamptz NOT NULL DEFAULT now(),
    "updatedAt"       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX "JobDescription_projectId_createdAt_idx" ON "JobDescription" ("projectId", "createdAt" DESC, "id" DESC);

CREATE TABLE "AIJob" (
    "id"            uuid          PRIMARY KEY,
    "projectId"     uuid          NOT NULL REFERENCES "ResumeProject" ("id") ON DELETE CASCADE,
    "baseVersionId" uuid          NOT NULL REFERENCES "ResumeVersion" ("id") ON DELETE RESTRICT,
    "jdId"          uuid          NOT NULL REFERENCES "JobDescription" ("id") ON DELETE RESTRICT,
    "mode"          "AIMode"      NOT NULL,
    "status"        "AIJobStatus" NOT NULL DEFAULT 'QUEUED',
    "errorMessage"  text,
    "createdAt"     timestamptz   NOT NULL DEFAULT now(),
    "updatedAt"     timestamptz   NOT NULL DEFAULT now()
);
CREATE INDEX "AIJob_projectId_createdAt_idx" ON "AIJob" ("projectId", "createdAt" DESC, "id" DESC);
CREATE INDEX "AIJob_baseVersionId_idx" ON "AIJob" ("baseVersionId");
CREATE INDEX "AIJob_jdId_idx" ON "AIJob" ("jdId");

CREATE TABLE "ProposedVersion" (
    "id"                   uuid        PRIMARY KEY,
    "aiJobId"              uuid        NOT NULL REFERENCES "AIJob" ("id") ON DELETE CASCADE,
    "proposedLatexContent" text        NOT NULL,
    "createdAt"            timestamptz NOT NULL DEFAULT now(),
    "updatedAt"            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT "ProposedVersion_aiJobId_key" UNIQUE ("aiJobId")
);

CREATE TABLE "UserAPIKey" (
    "id"              uuid              PRIMARY KEY,
    "userId"          uuid              NOT NULL REFERENCES "User" ("id") ON DELETE CASCADE,
    "provider"        "AIModelProvider" NOT NULL,
    -- Holds the AES-256-GCM ciphertext envelope, never the plain key.
    "apiKey"          text              NOT NULL,
    "endpoint"        text,
    "isValid"         boolean           NOT NULL DEFAULT true,
    "lastValidated"   timestamptz,
    "validationError" text,
    "createdAt"       timestamptz       NOT NULL DEFAULT now(),
    "updatedAt"       timestamptz       NOT NULL DEFAULT now(),
    CONSTRAINT "UserAPIKey_userId_provider_key" UNIQUE ("userId", "provider")
);

CREATE TABLE "VersionDiff" (
    "id"            uuid        PRIMARY KEY,
    "fromVersionId" uuid        NOT NULL REFERENCES "ResumeVersion" ("id") ON DELETE CASCADE,
    "toVersionId"   uuid        NOT NULL REFERENCES "ResumeVersion" ("id") ON DELETE CASCADE,
    "added"         jsonb       NOT NULL,
    "removed"       jsonb       NOT NULL,
    "rewritten"     jsonb       NOT NULL,
    "createdAt"     timestamptz NOT NULL DEFAULT now(),
    -- Computed once per ordered pair, then read back.
    CONSTRAINT "VersionDiff_fromVersionId_toVersionId_key" UNIQUE ("fromVersionId", "toVersionId")
);
CREATE INDEX "VersionDiff_toVersionId_idx" ON "VersionDiff" ("toVersionId");

CREATE TRIGGER "User_set_updatedAt" BEFORE UPDATE ON "User" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "ResumeProject_set_updatedAt" BEFORE UPDATE ON "ResumeProject" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "ResumeVersion_set_updatedAt" BEFORE UPDATE ON "ResumeVersion" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "ResumeSection_set_updatedAt" BEFORE UPDATE ON "ResumeSection" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "JobDescription_set_updatedAt" BEFORE UPDATE ON "JobDescription" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "AIJob_set_updatedAt" BEFORE UPDATE ON "AIJob" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "ProposedVersion_set_updatedAt" BEFORE UPDATE ON "ProposedVersion" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();
CREATE TRIGGER "UserAPIKey_set_updatedAt" BEFORE UPDATE ON "UserAPIKey" FOR EACH ROW EXECUTE FUNCTION tailor_set_updated_at();

-- A version's content is never changed after creation (spec: versions are
-- NEVER overwritten). Only status and pdfUrl may move.
CREATE FUNCTION tailor_forbid_version_rewrite() RETURNS trigger AS $$
BEGIN
    IF NEW."latexContent" IS DISTINCT FROM OLD."latexContent"
       OR NEW."projectId" IS DISTINCT FROM OLD."projectId"
       OR NEW."parentVersionId" IS DISTINCT FROM OLD."parentVersionId"
       OR NEW."type" IS DISTINCT FROM OLD."type" THEN
        RAISE EXCEPTION 'ResumeVersion % is immutable', OLD."id" USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER "ResumeVersion_immutable" BEFORE UPDATE ON "ResumeVersion" FOR EACH ROW EXECUTE FUNCTION tailor_forbid_version_rewrite();

-- Same for a section's content: only its lock may change.
CREATE FUNCTION tailor_forbid_section_rewrite() RETURNS trigger AS $$
BEGIN
    IF NEW."content" IS DISTINCT FROM OLD."content"
       OR NEW."versionId" IS DISTINCT FROM OLD."versionId"
       OR NEW."sectionType" IS DISTINCT FROM OLD."sectionType"
       OR NEW."orderIndex" IS DISTINCT FROM OLD."orderIndex" THEN
        RAISE EXCEPTION 'ResumeSection % content is immutable', OLD."id" USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER "ResumeSection_immutable" BEFORE UPDATE ON "ResumeSection" FOR EACH ROW EXECUTE FUNCTION tailor_forbid_section_rewrite();
