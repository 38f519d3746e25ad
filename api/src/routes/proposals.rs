//! Proposals: read the AI job's ProposedVersion (with its edits, each with
//! an id, and its sections before and after), accept it whole or only some
//! of its edits (a new AI_GENERATED version, child of the job's base, with
//! its VersionDiff, in one transaction), or reject it (delete).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use shared::model::{ProposedVersion, ResumeVersionType};
use text::jd::{ExtractedSkills, Keyword, MatchScore, match_score};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::diffs::store_diff;
use super::projects::location;
use super::versions::{VersionWithSections, insert_version, load_sections, off_runtime, prepare_sections};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::Path;
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get_proposal, reject_proposal)).routes(routes!(accept_proposal))
}

/// A proposal with what a reviewer needs: the match score of the base and of
/// the proposal against the job's JD, and the edits' fates (applied, and
/// refused with the gate and reason).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProposalView {
    #[serde(flatten)]
    pub proposal: ProposedVersion,
    pub match_score: MatchComparison,
    /// The job's trace (`proposed`, `applied` with each edit's `id`,
    /// `refused` with `gate` and `reason`, `attempts`); null if none was kept.
    #[schema(value_type = Option<Object>)]
    pub edits: Option<Value>,
    /// Every section of the base beside the proposal's, with the ids of the
    /// applied edits in it.
    pub sections: Vec<engine::review::SectionReview>,
}

/// Match scores against the job's JD.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MatchComparison {
    pub base: MatchScore,
    pub proposal: MatchScore,
}

/// The job's proposal (404 until the job has completed with one).
#[utoipa::path(get, path = "/v1/ai-jobs/{jobId}/proposal", tag = "ai-jobs",
    params(("jobId" = Uuid, Path)),
    responses(
        (status = 200, description = "The proposal", body = ProposalView),
        (status = 404, body = Problem, description = "No such job, not the caller's, or no proposal (yet, or rejected)"),
    ))]
async fn get_proposal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
) -> ApiResult<axum::Json<ProposalView>> {
    let row = sqlx::query!(
        r#"SELECT pv.id, pv."aiJobId" AS ai_job_id, pv."proposedLatexContent" AS proposed_latex_content,
                  pv."createdAt" AS created_at, pv."updatedAt" AS updated_at,
                  v."latexContent" AS base_latex, jd."extractedSkills" AS skills, jd.keywords
           FROM "ProposedVersion" pv
           JOIN "AIJob" j ON j.id = pv."aiJobId"
           JOIN "ResumeProject" p ON p.id = j."projectId"
           JOIN "ResumeVersion" v ON v.id = j."baseVersionId"
           JOIN "JobDescription" jd ON jd.id = j."jdId"
           WHERE pv."aiJobId" = $1 AND p."userId" = $2"#,
        job_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("proposal"))?;
    let skills: ExtractedSkills = serde_json::from_value(row.skills).unwrap_or_default();
    let keywords: Vec<Keyword> = serde_json::from_value(row.keywords).unwrap_or_default();
    let match_score = MatchComparison {
        base: match_score(&skills, &keywords, &row.base_latex),
        proposal: match_score(&skills, &keywords, &row.proposed_latex_content),
    };
    let mut edits: Option<Value> =
        sqlx::query_scalar!("SELECT trace FROM tailor.ai_job_trace WHERE ai_job_id = $1", job_id)
            .fetch_optional(&state.pool)
            .await?;
    let applied = edits.as_ref().map(engine::review::applied_edits).unwrap_or_default();
    // Traces written before edits had ids get them, as they would have been given.
    if let Some(list) = edits.as_mut().and_then(|t| t.get_mut("applied")).and_then(Value::as_array_mut) {
        for (entry, edit) in list.iter_mut().zip(&applied) {
            if let Some(entry) = entry.as_object_mut() {
                entry.entry("id").or_insert_with(|| Value::String(edit.id.clone()));
            }
        }
    }
    let (base, proposed) = (row.base_latex.clone(), row.proposed_latex_content.clone());
    let sections = off_runtime(move || engine::review::sections(&base, &proposed, &applied)).await?;
    Ok(axum::Json(ProposalView {
        proposal: ProposedVersion {
            id: row.id,
            ai_job_id: row.ai_job_id,
            proposed_latex_content: row.proposed_latex_content,
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
        match_score,
        edits,
        sections,
    }))
}

/// Body of `POST /v1/ai-jobs/{jobId}/proposal/accept` (optional).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(examples(json!({"edits": ["e1", "e3"]})))]
pub struct AcceptInput {
    /// The ids of the applied edits to accept (`edits.applied[].id` of the
    /// proposal); the others are left out. Absent (or no body): all of them.
    #[schema(min_items = 1, max_items = 1000)]
    pub edits: Option<Vec<String>>,
}

/// Accept the proposal, whole or only the edits named in the body: a new
/// AI_GENERATED version (parent: the job's base version; sections
/// extracted; the base's locks carried) holding exactly those edits applied
/// to the base, and its diff from the base, in one transaction. Accepting
/// the same content twice answers 409.
#[utoipa::path(post, path = "/v1/ai-jobs/{jobId}/proposal/accept", tag = "ai-jobs",
    request_body(content = Option<AcceptInput>, description = "Only these edits (optional: without a body, all)"),
    params(("jobId" = Uuid, Path)),
    responses(
        (status = 201, description = "The new AI_GENERATED version", body = VersionWithSections,
            headers(("Location" = String, description = "the new version's URL")),
            links(
                ("GetVersion" = (operation_id = "get_version", parameters(("versionId" = "$response.body#/id")))),
                ("DiffFromBase" = (operation_id = "get_diff", parameters(
                    ("versionId" = "$response.body#/id"), ("from" = "$response.body#/parentVersionId")))),
            )),
        (status = 404, body = Problem, description = "No such job, not the caller's, or no proposal"),
        (status = 409, body = Problem, description = "This proposal (or this choice of its edits) has already been accepted"),
        (status = 422, body = Problem, description = "An id that is not an applied edit of this proposal, an edit in a section locked since, or an empty list"),
    ))]
async fn accept_proposal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
    body: Result<Option<axum::Json<Option<AcceptInput>>>, axum::extract::rejection::JsonRejection>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<VersionWithSections>)> {
    // No body, `null`, `{}`: everything; `{"edits": [...]}`: those.
    let chosen = body?.and_then(|axum::Json(input)| input).and_then(|input| input.edits);
    if chosen.as_ref().is_some_and(Vec::is_empty) {
        return Err(ApiError::invalid("edits must name at least one edit (without a body, all are accepted)"));
    }
    // Read and prepare first (splitting, locks, the diff: CPU work, off the
    // async threads), then write in a short transaction that locks the
    // proposal and checks it was not accepted meanwhile.
    let proposal = sqlx::query!(
        r#"SELECT pv."proposedLatexContent" AS latex, pv."createdAt" AS created_at,
                  j."projectId" AS project_id, j."baseVersionId" AS base_version_id,
                  b."latexContent" AS base_latex
           FROM "ProposedVersion" pv
           JOIN "AIJob" j ON j.id = pv."aiJobId"
           JOIN "ResumeProject" p ON p.id = j."projectId"
           JOIN "ResumeVersion" b ON b.id = j."baseVersionId"
           WHERE pv."aiJobId" = $1 AND p."userId" = $2"#,
        job_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("proposal"))?;
    let base_sections = load_sections(&state.pool, proposal.base_version_id).await?;
    let latex = match chosen {
        None => proposal.latex.clone(),
        Some(ids) => {
            let trace = sqlx::query_scalar!("SELECT trace FROM tailor.ai_job_trace WHERE ai_job_id = $1", job_id)
                .fetch_optional(&state.pool)
                .await?
                .ok_or_else(|| ApiError::invalid("this proposal kept no list of its edits: accept it whole"))?;
            let applied = engine::review::applied_edits(&trace);
            let locked: Vec<bool> = base_sections.iter().map(|s| s.is_locked).collect();
            let base = proposal.base_latex.clone();
            off_runtime(move || engine::review::accept(&base, &locked, &applied, &ids))
                .await?
                .map_err(|refused| ApiError::invalid(refused.to_string()))?
        }
    };
    let prepared = prepare_sections(latex.clone(), Some((proposal.base_latex.clone(), base_sections))).await?;
    let (base_latex, new_latex) = (proposal.base_latex.clone(), latex.clone());
    let diff = off_runtime(move || text::diff::diff_documents(&base_latex, &new_latex)).await?;

    let mut tx = state.pool.begin().await?;
    // Lock the proposal: concurrent accepts of one proposal are serialised.
    let still_there = sqlx::query_scalar!(
        r#"SELECT 1 AS "one!" FROM "ProposedVersion" WHERE "aiJobId" = $1 AND "createdAt" = $2 FOR UPDATE"#,
        job_id,
        proposal.created_at
    )
    .fetch_optional(&mut *tx)
    .await?;
    if still_there.is_none() {
        return Err(ApiError::NotFound("proposal"));
    }
    let already = sqlx::query_scalar!(
        r#"SELECT EXISTS (
             SELECT 1 FROM "ResumeVersion"
             WHERE "parentVersionId" = $1 AND type = 'AI_GENERATED'
               AND "createdAt" >= $2 AND "latexContent" = $3) AS "exists!""#,
        proposal.base_version_id,
        proposal.created_at,
        latex
    )
    .fetch_one(&mut *tx)
    .await?;
    if already {
        return Err(ApiError::Conflict("this proposal (or this choice of its edits) has already been accepted".into()));
    }
    let created = insert_version(
        &mut tx,
        proposal.project_id,
        Some(proposal.base_version_id),
        ResumeVersionType::AiGenerated,
        &latex,
        prepared,
    )
    .await?;
    store_diff(&mut tx, proposal.base_version_id, created.version.id, &diff).await?;
    // A user who compiled the base wants the accepted version's PDF too: its
    // compile is queued with it (the proposal itself was compiled already).
    let base_compiled = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM tailor.version_compile WHERE version_id = $1 AND state = 'SUCCEEDED') AS "exists!""#,
        proposal.base_version_id
    )
    .fetch_one(&mut *tx)
    .await?;
    let compile_queued = base_compiled && super::pdfs::request_compile(&mut tx, created.version.id).await?;
    tx.commit().await?;
    let mut created = created;
    if compile_queued {
        created.compile = super::pdfs::load_compile(&state.pool, created.version.id).await?;
    }
    tracing::info!(ai_job.id = %job_id, version.id = %created.version.id, "proposal accepted");
    let url = format!("/v1/versions/{}", created.version.id);
    Ok((StatusCode::CREATED, location(&url), axum::Json(created)))
}

/// Reject the proposal: it is deleted.
#[utoipa::path(delete, path = "/v1/ai-jobs/{jobId}/proposal", tag = "ai-jobs",
    params(("jobId" = Uuid, Path)),
    responses(
        (status = 204, description = "Rejected: the proposal is deleted"),
        (status = 404, body = Problem, description = "No such job, not the caller's, or no proposal"),
    ))]
async fn reject_proposal(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
) -> ApiResult<StatusCode> {
    let deleted = sqlx::query!(
        r#"DELETE FROM "ProposedVersion" pv USING "AIJob" j, "ResumeProject" p
           WHERE pv."aiJobId" = $1 AND j.id = pv."aiJobId" AND p.id = j."projectId" AND p."userId" = $2"#,
        job_id,
        user.id
    )
    .execute(&state.pool)
    .await?
    .rows_affected();
    if deleted == 0 { Err(ApiError::NotFound("proposal")) } else { Ok(StatusCode::NO_CONTENT) }
}
