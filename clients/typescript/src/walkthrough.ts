// The README's walk-through, written against the client generated from
// /openapi.json. It is type-checked (scripts/ts-client.sh), which is the
// proof that a front end's toolchain can use the document: every path,
// parameter, body and answer below is checked against it, errors included
// (each is a Problem, `application/problem+json`).
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

type Problem = components["schemas"]["Problem"];
type AiJob = components["schemas"]["AiJob"];

function fail(what: string, problem: Problem | undefined, status: number): never {
  throw new Error(`${what}: ${status} ${problem?.title ?? ""} ${problem?.detail ?? ""}`);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function walkthrough(baseUrl: string, token: string, latexContent: string, rawText: string) {
  const api = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

  const me = await api.GET("/v1/me");
  if (!me.data) fail("me", me.error, me.response.status);
  console.log("user", me.data.id);

  const project = await api.POST("/v1/projects", { body: { name: "Backend résumé" } });
  if (!project.data) fail("create project", project.error, project.response.status);
  const projectId = project.data.id;

  const base = await api.POST("/v1/projects/{projectId}/versions", {
    params: { path: { projectId } },
    body: { type: "BASE", latexContent },
  });
  if (!base.data) fail("create version", base.error, base.response.status);
  for (const section of base.data.sections) {
    console.log("section", section.orderIndex, section.sectionType, section.isLocked);
  }

  const jd = await api.POST("/v1/projects/{projectId}/job-descriptions", {
    params: { path: { projectId } },
    body: { rawText },
  });
  if (!jd.data) fail("create job description", jd.error, jd.response.status);
  console.log("skills", jd.data.extractedSkills);

  const created = await api.POST("/v1/projects/{projectId}/ai-jobs", {
    params: { path: { projectId } },
    body: { baseVersionId: base.data.id, jdId: jd.data.id, mode: "BALANCED" },
  });
  if (!created.data) {
    if (created.response.status === 429) {
      console.log("retry after", created.response.headers.get("Retry-After"), "s");
    }
    fail("create job", created.error, created.response.status);
  }

  // Long-poll until the job leaves QUEUED and RUNNING.
  let job: AiJob = created.data;
  while (job.status === "QUEUED" || job.status === "RUNNING") {
    const next = await api.GET("/v1/ai-jobs/{jobId}", {
      params: { path: { jobId: job.id }, query: { waitSeconds: 20, ifStatus: job.status } },
    });
    if (!next.data) fail("get job", next.error, next.response.status);
    job = next.data;
    await sleep(100);
  }
  if (job.status === "FAILED") throw new Error(`job failed: ${job.errorMessage ?? "?"}`);

  const proposal = await api.GET("/v1/ai-jobs/{jobId}/proposal", { params: { path: { jobId: job.id } } });
  if (!proposal.data) fail("proposal", proposal.error, proposal.response.status);

  // Accept only the edits of the first two sections that have any (ids from
  // the section-by-section view); without a body, everything is accepted.
  const edits = proposal.data.sections.flatMap((section) => section.edits).slice(0, 2);
  const accepted = await api.POST("/v1/ai-jobs/{jobId}/proposal/accept", {
    params: { path: { jobId: job.id } },
    body: { edits },
  });
  if (!accepted.data) fail("accept", accepted.error, accepted.response.status);
  const versionId = accepted.data.id;

  const diff = await api.GET("/v1/versions/{versionId}/diff", {
    params: { path: { versionId }, query: { from: base.data.id } },
  });
  if (!diff.data) fail("diff", diff.error, diff.response.status);
  console.log("rewritten", diff.data.rewritten.length);

  const latex = await api.GET("/v1/versions/{versionId}/latex", { params: { path: { versionId } }, parseAs: "text" });
  if (latex.data === undefined) fail("latex", latex.error, latex.response.status);
  console.log("latex bytes", latex.data.length, latex.response.headers.get("Content-Disposition"));

  const compiling = await api.POST("/v1/versions/{versionId}/compile", { params: { path: { versionId } } });
  if (!compiling.data) fail("compile", compiling.error, compiling.response.status);
  let version = compiling.data;
  while (version.compile?.state === "PENDING") {
    await sleep(500);
    const next = await api.GET("/v1/versions/{versionId}", { params: { path: { versionId } } });
    if (!next.data) fail("get version", next.error, next.response.status);
    version = next.data;
  }
  const activated = await api.POST("/v1/versions/{versionId}/activate", { params: { path: { versionId } } });
  if (!activated.data) fail("activate", activated.error, activated.response.status);
  console.log("active", activated.data.id, activated.data.status, activated.data.pdfUrl);

  const pdf = await api.GET("/v1/versions/{versionId}/pdf", {
    params: { path: { versionId } },
    parseAs: "blob",
  });
  if (!pdf.data) fail("pdf", pdf.error, pdf.response.status);
  console.log("pdf bytes", pdf.data.size);
}
