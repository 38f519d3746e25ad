//! PDFs: compile a version (queue work for the compile workers), download
//! its PDF, see a page's preview, and download a compiled proposal.
//!
//! Files are never public: every route checks ownership in its query, then
//! serves the bytes itself (a local store) or redirects to a presigned URL
//! of at most 15 minutes (an S3 store). A version's content never changes,
//! so its PDF never does either: the ETag is the PDF's SHA-256.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::compile::{CompileErrorLine, CompileState, CompileView, Engine, content_disposition, version_preview_key};
use shared::queue::enqueue_compile;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::versions::{VersionWithSections, load_owned_version, version_view};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Path, Query};
use crate::state::AppState;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(compile_version))
        .routes(routes!(version_pdf))
        .routes(routes!(version_preview))
        .routes(routes!(proposal_pdf))
}

/// A version's compile record, if it was ever asked for.
pub async fn load_compile(db: impl sqlx::PgExecutor<'_>, version_id: Uuid) -> ApiResult<Option<CompileView>> {
    let row = sqlx::query!(
        r#"SELECT state, engine, pages, runs, duration_ms, message, errors, log_tail, requested_at, finished_at
           FROM tailor.version_compile WHERE version_id = $1"#,
        version_id
    )
    .fetch_optional(db)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let state = CompileState::parse(&row.state)
        .ok_or_else(|| ApiError::internal(anyhow::anyhow!("unknown compile state {:?}", row.state)))?;
    let errors: Vec<CompileErrorLine> = serde_json::from_value(row.errors).unwrap_or_default();
    Ok(Some(CompileView {
        state,
        engine: row.engine.as_deref().and_then(Engine::parse),
        pages: row.pages,
        runs: row.runs,
        duration_ms: row.duration_ms,
        message: row.message,
        errors,
        log_tail: row.log_tail,
        requested_at: row.requested_at,
        finished_at: row.finished_at,
    }))
}

/// Compile the version to PDF, in the background and in a sandbox. 202 with
/// the version while its compile is pending (a second request queues
/// nothing more); 200 once it has compiled (a version's content never
/// changes, so neither does its PDF). A compile that FAILED is queued again.
/// Follow `compile.state` on `GET /v1/versions/{id}`.
#[utoipa::path(post, path = "/v1/versions/{versionId}/compile", tag = "pdf",
    params(("versionId" = Uuid, Path)),
    responses(
        (status = 200, body = VersionWithSections, description = "Already compiled"),
        (status = 202, body = VersionWithSections, description = "Compile queued or pending: follow `compile.state` on `GET /v1/versions/{versionId}`"),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
    ))]
async fn compile_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
) -> ApiResult<(StatusCode, axum::Json<VersionWithSections>)> {
    load_owned_version(&state.pool, &user, version_id).await?;
    let mut tx = state.pool.begin().await?;
    let queued = request_compile(&mut tx, version_id).await?;
    tx.commit().await?;
    if queued {
        tracing::info!(version.id = %version_id, "compile queued");
    }
    let view = version_view(&state.pool, &user, version_id).await?;
    let status = match view.compile.as_ref().map(|c| c.state) {
        Some(CompileState::Succeeded) => StatusCode::OK,
        _ => StatusCode::ACCEPTED,
    };
    Ok((status, axum::Json(view)))
}

/// Record a compile request for `version_id` and queue its task, on `conn`
/// (inside the caller's transaction). A new request, or a FAILED one asked
/// again, queues a task (true); a PENDING or SUCCEEDED one is left as it is
/// (false). Racing requests are ordered by the row's lock.
pub async fn request_compile(conn: &mut sqlx::PgConnection, version_id: Uuid) -> ApiResult<bool> {
    let queued = sqlx::query_scalar!(
        r#"INSERT INTO tailor.version_compile AS c (version_id, state) VALUES ($1, 'PENDING')
           ON CONFLICT (version_id) DO UPDATE
             SET state = 'PENDING', request_seq = c.request_seq + 1, requested_at = now(), finished_at = NULL,
                 engine = NULL, pages = NULL, runs = NULL, duration_ms = NULL,
                 errors = '[]', message = NULL, log_tail = NULL
             WHERE c.state = 'FAILED'
           RETURNING request_seq"#,
        version_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(request_seq) = queued else { return Ok(false) };
    enqueue_compile(conn, version_id, request_seq).await.map_err(ApiError::internal)?;
    Ok(true)
}

/// `?download=` of the PDF routes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct DownloadParams {
    /// `true`: `Content-Disposition: attachment` (save), else `inline` (show).
    pub download: Option<bool>,
}

/// The version's PDF (404 until it has compiled). A local store's bytes are
/// served here with an `ETag`; an S3 store answers 302 to a presigned URL.
#[utoipa::path(get, path = "/v1/versions/{versionId}/pdf", tag = "pdf",
    params(("versionId" = Uuid, Path), DownloadParams),
    responses(
        (status = 200, content_type = "application/pdf", body = super::openapi::Binary, description = "The PDF",
            headers(
                ("ETag" = String, description = "the PDF's SHA-256, quoted"),
                ("Content-Disposition" = String, description = "`inline`, or `attachment` with `?download=true`, with a file name"),
            )),
        (status = 302, description = "Redirect to a presigned URL of the store (at most 15 minutes)",
            headers(("Location" = String, description = "the presigned URL"), ("ETag" = String, description = "the PDF's SHA-256, quoted"))),
        (status = 304, description = "Not modified (`If-None-Match`)", headers(("ETag" = String, description = "the PDF's SHA-256, quoted"))),
        (status = 404, body = Problem, description = "No such version, not the caller's, or not compiled yet"),
    ))]
async fn version_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
    Query(params): Query<DownloadParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let row = sqlx::query!(
        r#"SELECT c.pdf_key, c.pdf_sha256, p.name AS project_name
           FROM "ResumeVersion" v
           JOIN "ResumeProject" p ON p.id = v."projectId"
           LEFT JOIN tailor.version_compile c ON c.version_id = v.id AND c.state = 'SUCCEEDED'
           WHERE v.id = $1 AND p."userId" = $2"#,
        version_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("version"))?;
    let (Some(key), Some(sha)) = (row.pdf_key, row.pdf_sha256) else {
        return Err(ApiError::Absent(
            "the version has no PDF yet: compile it with POST /v1/versions/{versionId}/compile".into(),
        ));
    };
    let file = File { key, etag: sha, content_type: "application/pdf", name: row.project_name, extension: "pdf" };
    serve(&state, &headers, file, params.download.unwrap_or(false)).await
}

/// `?page=` of the preview route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PreviewParams {
    /// The page, from 1 (default 1); a page the PDF does not have answers 404.
    #[param(minimum = 1, maximum = 4_294_967_295_u64, default = 1)]
    pub page: Option<u32>,
}

/// A PNG of one page of the version's PDF (made once, when it compiled).
#[utoipa::path(get, path = "/v1/versions/{versionId}/preview", tag = "pdf",
    params(("versionId" = Uuid, Path), PreviewParams),
    responses(
        (status = 200, content_type = "image/png", body = super::openapi::Binary, description = "The page as PNG",
            headers(("ETag" = String, description = "the page's validator, quoted"))),
        (status = 302, description = "Redirect to a presigned URL of the store (at most 15 minutes)",
            headers(("Location" = String, description = "the presigned URL"), ("ETag" = String, description = "the page's validator, quoted"))),
        (status = 304, description = "Not modified (`If-None-Match`)", headers(("ETag" = String, description = "the page's validator, quoted"))),
        (status = 404, body = Problem, description = "No such version, not the caller's, not compiled yet, or no such page"),
        (status = 422, body = Problem, description = "`page` is 0"),
    ))]
async fn version_preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
    Query(params): Query<PreviewParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let page = params.page.unwrap_or(1);
    if page == 0 {
        return Err(ApiError::invalid("page starts at 1"));
    }
    let row = sqlx::query!(
        r#"SELECT c.pages, c.pdf_sha256, p.name AS project_name
           FROM "ResumeVersion" v
           JOIN "ResumeProject" p ON p.id = v."projectId"
           LEFT JOIN tailor.version_compile c ON c.version_id = v.id AND c.state = 'SUCCEEDED'
           WHERE v.id = $1 AND p."userId" = $2"#,
        version_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("version"))?;
    let (Some(pages), Some(sha)) = (row.pages, row.pdf_sha256) else {
        return Err(ApiError::Absent(
            "the version has no preview yet: compile it with POST /v1/versions/{versionId}/compile".into(),
        ));
    };
    if i64::from(page) > i64::from(pages) {
        return Err(ApiError::Absent(format!("the PDF has {pages} page(s); there is no page {page}")));
    }
    let file = File {
        key: version_preview_key(version_id, page),
        etag: format!("{sha}-p{page}"),
        content_type: "image/png",
        name: format!("{} p{page}", row.project_name),
        extension: "png",
    };
    serve(&state, &headers, file, false).await
}

/// The compiled proposal of an AI job (when its base version had compiled;
/// 404 otherwise, or once the proposal is rejected).
#[utoipa::path(get, path = "/v1/ai-jobs/{jobId}/proposal/pdf", tag = "pdf",
    params(("jobId" = Uuid, Path), DownloadParams),
    responses(
        (status = 200, content_type = "application/pdf", body = super::openapi::Binary, description = "The proposal's PDF",
            headers(
                ("ETag" = String, description = "the PDF's SHA-256, quoted"),
                ("Content-Disposition" = String, description = "`inline`, or `attachment` with `?download=true`, with a file name"),
            )),
        (status = 302, description = "Redirect to a presigned URL of the store (at most 15 minutes)",
            headers(("Location" = String, description = "the presigned URL"), ("ETag" = String, description = "the PDF's SHA-256, quoted"))),
        (status = 304, description = "Not modified (`If-None-Match`)", headers(("ETag" = String, description = "the PDF's SHA-256, quoted"))),
        (status = 404, body = Problem, description = "No such job, not the caller's, no proposal, or a proposal without a PDF"),
    ))]
async fn proposal_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<Uuid>,
    Query(params): Query<DownloadParams>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let row = sqlx::query!(
        r#"SELECT t.trace -> 'compile' ->> 'pdfKey' AS pdf_key, t.trace -> 'compile' ->> 'pdfSha256' AS pdf_sha256,
                  p.name AS project_name
           FROM "ProposedVersion" pv
           JOIN "AIJob" j ON j.id = pv."aiJobId"
           JOIN "ResumeProject" p ON p.id = j."projectId"
           LEFT JOIN tailor.ai_job_trace t ON t.ai_job_id = j.id
           WHERE pv."aiJobId" = $1 AND p."userId" = $2"#,
        job_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("proposal"))?;
    let (Some(key), Some(sha)) = (row.pdf_key, row.pdf_sha256) else {
        return Err(ApiError::Absent(
            "this proposal has no PDF: a proposal is compiled when its base version has compiled".into(),
        ));
    };
    let file = File {
        key,
        etag: sha,
        content_type: "application/pdf",
        name: format!("{} (proposal)", row.project_name),
        extension: "pdf",
    };
    serve(&state, &headers, file, params.download.unwrap_or(false)).await
}

/// A stored file to answer with.
struct File {
    key: String,
    /// Strong validator (without quotes).
    etag: String,
    content_type: &'static str,
    /// The download's name, before its extension.
    name: String,
    extension: &'static str,
}

/// Answer with `file`: 304 when the client has it, a redirect to a
/// presigned URL when the store can sign, else the bytes.
async fn serve(state: &AppState, request: &HeaderMap, file: File, download: bool) -> ApiResult<Response> {
    let etag = format!("\"{}\"", file.etag);
    let unchanged = super::not_modified(request, &etag);
    let mut headers = HeaderMap::new();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-cache"));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, headers).into_response());
    }
    let unavailable = |e: shared::storage::StorageError| {
        tracing::warn!(error = %e, key = %file.key, "storage unavailable");
        ApiError::Unavailable("the file store is unavailable; retry shortly".into())
    };
    if let Some(url) = state.storage.presigned_get(&file.key, state.presign_ttl).await.map_err(unavailable)? {
        if let Ok(value) = HeaderValue::from_str(url.as_str()) {
            headers.insert(header::LOCATION, value);
        }
        return Ok((StatusCode::FOUND, headers).into_response());
    }
    let bytes = state
        .storage
        .get(&file.key)
        .await
        .map_err(unavailable)?
        .ok_or_else(|| ApiError::Absent("the stored file is missing; compile the version again".into()))?;
    let disposition = content_disposition(if download { "attachment" } else { "inline" }, &file.name, file.extension);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    Ok((StatusCode::OK, headers, bytes).into_response())
}
