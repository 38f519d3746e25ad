//! AI tailoring jobs: create (the AIJob row and its queue task in ONE
//! transaction, answered 202 at once), poll (plain, or long-poll with
//! `waitSeconds`), follow as Server-Sent Events, list.
//!
//! Long-polls and event streams follow the job through [`crate::job_watch`]:
//! the caller's ownership is checked once, on the request's own read, then
//! each change comes from the job's one shared reader (woken by the workers'
//! status events through Redis, re-reading on a timer when Redis is down).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::Deserialize;
use shared::model::{AiJob, AiJobStatus, AiMode, AiModelProvider};
use tokio::time::Instant;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::projects::{ensure_owned, location};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path, Query};
use crate::job_watch::{Follow, Seen};
use crate::pagination::{Cursor, Page, PageParams, page};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(create_job, list_jobs)).routes(routes!(get_job)).routes(routes!(job_events))
}

/// Longest long-poll a client may ask for.
pub const MAX_WAIT_SECONDS: u64 = 60;
/// An event stream is closed after this long even if the job is not final
/// (the client reconnects and gets the current state first).
const MAX_STREAM: Duration = Duration::from_secs(3600);

/// Body of `POST /v1/projects/{projectId}/ai-jobs`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(examples(json!({
    "baseVersionId": "0197a5b0-7c1e-7d2a-9f10-3c4b5a6d7e8f",
    "jdId": "0197a5b0-8d2f-7e3b-8a21-4d5c6b7e8f90",
    "mode": "BALANCED"
})))]
pub struct AiJobInput {
    /// The version to tailor; must belong to this project.
    pub base_version_id: Uuid,
    /// The job description to tailor toward; must belong to this project.
    pub jd_id: Uuid,
    pub mode: AiMode,
    /// Default DEEPSEEK (the operator's Nebius credentials). AZURE_OPENAI
    /// needs a valid key stored with `PUT /v1/api-keys/AZURE_OPENAI`.
    pub provider: Option<AiModelProvider>,
}

/// Record a QUEUED job and enqueue it, atomically.
#[utoipa::path(post, path = "/v1/projects/{projectId}/ai-jobs", tag = "ai-jobs", request_body = AiJobInput,
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 202, description = "Recorded and queued (status QUEUED)", body = AiJob,
            headers(
                ("Location" = String, description = "poll here"),
                ("Content-Location" = String, description = "the job's URL: the body is the job's representation there"),
                ("ETag" = String, description = "the job's state, as `GET /v1/ai-jobs/{jobId}` tags it: its first poll can send it in `If-None-Match`"),
            ),
            links(
                ("GetAiJob" = (operation_id = "get_job", parameters(("jobId" = "$response.body#/id")))),
                ("FollowAiJob" = (operation_id = "job_events", parameters(("jobId" = "$response.body#/id")))),
                ("GetProposal" = (operation_id = "get_proposal", parameters(("jobId" = "$response.body#/id")))),
                ("AcceptProposal" = (operation_id = "accept_proposal", parameters(("jobId" = "$response.body#/id")))),
                ("RejectProposal" = (operation_id = "reject_proposal", parameters(("jobId" = "$response.body#/id")))),
                ("GetProposalPdf" = (operation_id = "proposal_pdf", parameters(("jobId" = "$response.body#/id")))),
            )),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
        (status = 422, body = Problem, description = "`baseVersionId` or `jdId` is not of this project, or AZURE_OPENAI without a valid stored key"),
        (status = 429, body = Problem, description = "Too many AI jobs submitted (per minute, or the daily `AI_JOBS_PER_DAY` quota): retry after `Retry-After` seconds"),
    ))]
async fn create_job(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Json(input): Json<AiJobInput>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<AiJob>)> {
    check_submission_rate(&state, &user).await?;
    let provider = input.provider.unwrap_or(AiModelProvider::Deepseek);
    let submission = shared::queue::Submission {
        user_id: user.id,
        project_id,
        base_version_id: input.base_version_id,
        jd_id: input.jd_id,
        mode: input.mode,
        provider,
    };
    // The insert checks ownership and references itself, so a valid
    // submission costs one statement (the job and its task together, shared
    // with the submissions that arrive meanwhile); only a refused one pays
    // for the query that says why.
    let submitted = if provider == AiModelProvider::AzureOpenai || state.jobs_per_day.is_some() {
        // More to check after the insert: in a transaction, which a refusal
        // drops (rolling the job and its task back).
        let mut tx = state.pool.begin().await?;
        let job = shared::queue::submit_ai_job(&mut tx, &submission).await.map_err(enqueue_error)?;
        if job.is_some() {
            if provider == AiModelProvider::AzureOpenai {
                ensure_valid_azure_key(&state.pool, &user).await?;
            }
            if let Some(quota) = state.jobs_per_day {
                count_against_quota(&mut tx, &user, quota).await?;
            }
            tx.commit().await?;
        }
        job
    } else {
        // With the submissions arriving meanwhile: one statement, one commit.
        state.submitter.submit(submission.prepare().map_err(ApiError::internal)?).await?
    };
    let Some(job) = submitted else {
        return Err(why_refused(&state, &user, project_id, &input).await);
    };
    tracing::info!(ai_job.id = %job.id, %provider, mode = %job.mode, "ai job queued");
    // Its first polls and its stream's first answer need no read.
    state.watcher.remember(user.id, &job);
    let url = format!("/v1/ai-jobs/{}", job.id);
    // The body is the job as `GET {url}` shows it (Content-Location), with
    // its ETag: a poller's first poll can already be a conditional one.
    let (mut headers, etag) = (location(&url), job_etag(&job));
    for (name, value) in [(header::CONTENT_LOCATION, &url), (header::ETAG, &etag)] {
        headers.insert(name, HeaderValue::from_str(value).map_err(ApiError::internal)?);
    }
    Ok((StatusCode::ACCEPTED, headers, axum::Json(job)))
}

/// A database error as any other (503 while it is unavailable); the rest
/// (a payload that would not encode) is ours.
fn enqueue_error(e: shared::queue::EnqueueError) -> ApiError {
    match e {
        shared::queue::EnqueueError::Database(e) => e.into(),
        other => ApiError::internal(other),
    }
}

/// Count one job against the user's `AI_JOBS_PER_DAY` (UTC days), inside
/// the submission's transaction: 429 over it (the caller then drops the
/// transaction, so neither the job nor the count is kept). The counter row
/// serialises one user's concurrent submissions, so the quota is exact.
async fn count_against_quota(tx: &mut sqlx::PgConnection, user: &CurrentUser, quota: u32) -> ApiResult<()> {
    let now = chrono::Utc::now();
    let today = now.date_naive();
    let count = sqlx::query_scalar!(
        r#"WITH past AS (DELETE FROM tailor.daily_jobs WHERE user_id = $1 AND day < $2)
           INSERT INTO tailor.daily_jobs (user_id, day, count) VALUES ($1, $2, 1)
           ON CONFLICT (user_id, day) DO UPDATE SET count = tailor.daily_jobs.count + 1
           RETURNING count"#,
        user.id,
        today
    )
    .fetch_one(&mut *tx)
    .await?;
    if i64::from(count) <= i64::from(quota) {
        return Ok(());
    }
    let midnight = today.succ_opt().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc());
    let retry_after_secs = midnight.map_or(3600, |m| (m - now).num_seconds().max(1).unsigned_abs());
    Err(ApiError::RateLimited {
        detail: format!("daily AI job quota reached: at most {quota} per day (UTC); it resets at midnight UTC"),
        retry_after_secs,
    })
}

/// Why a submission inserted nothing: 404 for a project that is not the
/// caller's, 422 for a version or JD that is not the project's.
async fn why_refused(state: &AppState, user: &CurrentUser, project_id: Uuid, input: &AiJobInput) -> ApiError {
    if let Err(e) = ensure_owned(&state.pool, user, project_id).await {
        return e;
    }
    let refs = sqlx::query!(
        r#"SELECT
             EXISTS (SELECT 1 FROM "ResumeVersion" WHERE id = $1 AND "projectId" = $3) AS "version_ok!",
             EXISTS (SELECT 1 FROM "JobDescription" WHERE id = $2 AND "projectId" = $3) AS "jd_ok!""#,
        input.base_version_id,
        input.jd_id,
        project_id
    )
    .fetch_one(&state.pool)
    .await;
    match refs {
        Err(e) => e.into(),
        Ok(r) if !r.version_ok => ApiError::invalid("baseVersionId does not name a version of this project"),
        Ok(r) if !r.jd_ok => ApiError::invalid("jdId does not name a job description of this project"),
        // Deleted between the insert and this check.
        Ok(_) => ApiError::NotFound("project"),
    }
}

/// 429 when the caller is over their AI job submission rate (shared by every
/// replica in Redis). While Redis is down, submissions are let through: the
/// limit protects provider spend, which the workers' per-credential pacing
/// also bounds, and refusing every submission would be the worse failure.
async fn check_submission_rate(state: &AppState, user: &CurrentUser) -> ApiResult<()> {
    let Some(rate) = state.submission_rate else { return Ok(()) };
    crate::limits::check_rate(&state.limiter, &format!("submit:{}", user.id), rate, "AI jobs submitted").await
}

/// 422 unless the caller has an Azure OpenAI key that last validated.
async fn ensure_valid_azure_key(pool: &sqlx::PgPool, user: &CurrentUser) -> ApiResult<()> {
    let key = sqlx::query!(
        r#"SELECT "isValid" AS is_valid, "validationError" AS validation_error
           FROM "UserAPIKey" WHERE "userId" = $1 AND provider = 'AZURE_OPENAI'"#,
        user.id
    )
    .fetch_optional(pool)
    .await?;
    match key {
        None => Err(ApiError::invalid(
            "provider AZURE_OPENAI needs your Azure OpenAI key: store it with PUT /v1/api-keys/AZURE_OPENAI",
        )),
        Some(k) if !k.is_valid => Err(ApiError::invalid(format!(
            "your stored Azure OpenAI key is marked invalid ({}); store a new one or re-validate it",
            k.validation_error.as_deref().unwrap_or("no reason recorded")
        ))),
        Some(_) => Ok(()),
    }
}

/// Long-poll parameters of `GET /v1/ai-jobs/{jobId}`.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WaitParams {
    /// Wait up to this many seconds (at most 60) for the status to differ
    /// from `ifStatus`; answers at once when it already does. 0 or absent: no wait.
    #[param(minimum = 0, maximum = 60)]
    pub wait_seconds: Option<u64>,
    /// The status the caller last saw (default: the current one).
    pub if_status: Option<AiJobStatus>,
}

/// Poll one job; with `waitSeconds`, long-poll: answer as soon as its status
/// differs from `ifStatus`, or with the current state at the deadline.
#[utoipa::path(get, path = "/v1/ai-jobs/{jobId}", tag = "ai-jobs",
    params(("jobId" = Uuid, Path), WaitParams),
    responses(
        (status = 200, description = "The job", body = AiJob,
            headers(("ETag" = String, description = "the job's state (status and last change); send it back in `If-None-Match`"))),
        (status = 304, description = "Not modified: the job is still as the `If-None-Match` ETag says",
            headers(("ETag" = String, description = "the job's state"))),
        (status = 400, body = Problem, description = "A malformed parameter, or one this route does not take"),
        (status = 404, body = Problem, description = "No such job, or not the caller's"),
        (status = 422, body = Problem, description = "`waitSeconds` is above 60"),
        (status = 429, body = Problem, description = "A long-poll while the caller already holds `MAX_WAITS_PER_USER` streams and long-polls open"),
    ))]
async fn get_job(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
    Query(params): Query<WaitParams>,
    request: HeaderMap,
) -> ApiResult<axum::response::Response> {
    // A poller that sends back its ETag is answered from the status events'
    // cache: it learns of a change once the change's event has arrived.
    let cached = if request.contains_key(header::IF_NONE_MATCH) { Cached::Any } else { Cached::FinalOnly };
    let job = wait_for_job(&state, &user, job_id, &params, cached).await?;
    // A poller that sends back the ETag it has gets 304 while nothing
    // changed: no body to build, send or parse.
    let tag = job_etag(&job);
    let etag = HeaderValue::from_str(&tag).map_err(ApiError::internal)?;
    let unchanged = super::not_modified(&request, &tag);
    let mut response =
        if unchanged { StatusCode::NOT_MODIFIED.into_response() } else { axum::Json(job).into_response() };
    response.headers_mut().insert(header::ETAG, etag);
    Ok(response)
}

/// The job's ETag: its status and its last change (weak: the same state
/// may be serialised differently).
fn job_etag(job: &AiJob) -> String {
    format!("W/\"{}-{}\"", job.status, job.updated_at.timestamp_micros())
}

/// The job now, or (with `waitSeconds`) once its status differs from
/// `ifStatus`, or at the deadline.
async fn wait_for_job(
    state: &AppState,
    user: &CurrentUser,
    job_id: Uuid,
    params: &WaitParams,
    cached: Cached,
) -> ApiResult<AiJob> {
    let wait = params.wait_seconds.unwrap_or(0);
    if wait > MAX_WAIT_SECONDS {
        return Err(ApiError::invalid(format!("waitSeconds must be between 0 and {MAX_WAIT_SECONDS}")));
    }
    if wait == 0 {
        return owned_job(state, user, job_id, cached).await;
    }
    let deadline = Instant::now() + Duration::from_secs(wait);
    let _slot = state.waits.acquire(user.id)?;
    let mut follow = state.watcher.follow(job_id);
    let mut job = owned_job(state, user, job_id, Cached::FinalOnly).await?;
    let seen = params.if_status.unwrap_or(job.status);
    while job.status == seen && !job.status.is_terminal() {
        match follow.next(deadline).await {
            Some(Seen::Job(next)) => job = next.as_ref().clone(),
            Some(Seen::Gone) => return Err(ApiError::NotFound("ai job")),
            Some(Seen::Unread) | None => break,
        }
    }
    Ok(job)
}

/// Which cached states of a job a request may be answered with.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Cached {
    /// Any: the request polls with the ETag it has, and sees a change once
    /// its event has arrived (milliseconds after the commit, at most
    /// `KNOWN_FOR` if the event was lost); or it is a stream's first
    /// answer, which the stream itself corrects with every later state.
    Any,
    /// Only a final one (which no longer changes): a look without an ETag
    /// (a plain poll, a long-poll's first answer) is the request's only
    /// answer, so it shows what the database holds, never a state an event
    /// in flight is about to replace.
    FinalOnly,
}

/// The job, if the caller owns it; 404 otherwise. Answered from the status
/// events' cache when it knows the job as the caller's and is current
/// (`JobWatcher::known`), and the state is one `cached` allows; else read.
async fn owned_job(state: &AppState, user: &CurrentUser, job_id: Uuid, cached: Cached) -> ApiResult<AiJob> {
    if let Some(job) = state.watcher.known(user.id, job_id, cached == Cached::FinalOnly) {
        return Ok(job);
    }
    let job = sqlx::query_as!(
        AiJob,
        r#"SELECT j.id, j."projectId" AS project_id, j."baseVersionId" AS base_version_id, j."jdId" AS jd_id,
                  j.mode AS "mode: AiMode", j.status AS "status: AiJobStatus", j."errorMessage" AS error_message,
                  j."createdAt" AS created_at, j."updatedAt" AS updated_at
           FROM "AIJob" j JOIN "ResumeProject" p ON p.id = j."projectId"
           WHERE j.id = $1 AND p."userId" = $2"#,
        job_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("ai job"))?;
    state.watcher.remember(user.id, &job);
    Ok(job)
}

/// Follow one job as Server-Sent Events: `event: status` with the AIJob as
/// `data`, first its current state, then each change; the stream ends after
/// COMPLETED or FAILED. Comments keep idle connections open.
#[utoipa::path(get, path = "/v1/ai-jobs/{jobId}/events", tag = "ai-jobs",
    params(("jobId" = Uuid, Path)),
    responses(
        (status = 200, content_type = "text/event-stream", body = super::openapi::JobStatusEvent,
            description = "A stream of `status` events, each with the AIJob as `data`"),
        (status = 404, body = Problem, description = "No such job, or not the caller's"),
        (status = 429, body = Problem, description = "The caller already holds `MAX_WAITS_PER_USER` streams and long-polls open")))]
async fn job_events(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
) -> ApiResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let slot = state.waits.acquire(user.id)?;
    let follow = state.watcher.follow(job_id);
    // The first state may come from the cache even while the job can still
    // change: an event in flight arrives on this stream next, and a lost one
    // is caught by the reader's re-read (`job_watch::RECHECK_WITH_EVENTS`).
    let first = owned_job(&state, &user, job_id, Cached::Any).await?;
    let stream =
        EventStream { follow, _slot: slot, pending: Some(first), last: None, ends: Instant::now() + MAX_STREAM };
    let events = futures::stream::unfold(stream, |mut s| async move { s.next().await.map(|event| (Ok(event), s)) });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

/// The state of one event stream.
struct EventStream {
    follow: Follow,
    /// The user's open-wait slot, held while the stream is open.
    _slot: crate::limits::WaitSlot,
    /// A state read but not yet sent.
    pending: Option<AiJob>,
    /// What was last sent (status and error), to send only changes.
    last: Option<(AiJobStatus, Option<String>)>,
    ends: Instant,
}

impl EventStream {
    /// The next event, or `None` when the stream is over.
    async fn next(&mut self) -> Option<Event> {
        if self.last.as_ref().is_some_and(|(status, _)| status.is_terminal()) {
            return None;
        }
        loop {
            if let Some(job) = self.pending.take() {
                let key = (job.status, job.error_message.clone());
                if self.last.as_ref() != Some(&key) {
                    self.last = Some(key);
                    let event = Event::default().event("status").id(job.status.to_string());
                    return Some(event.json_data(&job).unwrap_or_else(|_| Event::default().event("status")));
                }
            }
            match self.follow.next(self.ends).await {
                Some(Seen::Job(job)) => self.pending = Some(job.as_ref().clone()),
                // Gone (its project deleted), the stream's hour is up, or no
                // further state will come: nothing more to say.
                Some(Seen::Gone | Seen::Unread) | None => return None,
            }
        }
    }
}

/// The project's jobs, newest first.
#[utoipa::path(get, path = "/v1/projects/{projectId}/ai-jobs", tag = "ai-jobs",
    params(("projectId" = Uuid, Path), PageParams),
    responses(
        (status = 200, description = "One page of the project's jobs", body = Page<AiJob>),
        (status = 400, body = Problem, description = "`cursor` is not one this API issued, or a parameter is malformed"),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
        (status = 422, body = Problem, description = "`limit` is outside 1–100"),
    ))]
async fn list_jobs(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Query(params): Query<PageParams>,
) -> ApiResult<axum::Json<Page<AiJob>>> {
    let (limit, cursor) = params.resolve()?;
    ensure_owned(&state.pool, &user, project_id).await?;
    let rows = sqlx::query_as!(
        AiJob,
        r#"SELECT id, "projectId" AS project_id, "baseVersionId" AS base_version_id, "jdId" AS jd_id,
                  mode AS "mode: AiMode", status AS "status: AiJobStatus", "errorMessage" AS error_message,
                  "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "AIJob"
           WHERE "projectId" = $1 AND ($2::timestamptz IS NULL OR ("createdAt", id) < ($2, $3))
           ORDER BY "createdAt" DESC, id DESC LIMIT $4"#,
        project_id,
        cursor.map(|c| c.created_at),
        cursor.map(|c| c.id).unwrap_or_default(),
        limit + 1
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(page(rows, limit, |j| Cursor { created_at: j.created_at, id: j.id })))
}
