//! The compile queue's handler: compile a version in the sandbox, store its
//! PDF and page previews, and record the outcome on
//! `tailor.version_compile` and on the version's status (COMPILED or ERROR;
//! an ACTIVE version stays ACTIVE), in one statement.
//!
//! A task acts only on the request it was queued for (`request_seq`) while
//! that request is PENDING, so a redelivered or stale task records nothing
//! twice. Storage or database failures fail the task, and apalis tries it
//! again (the sweeper fails the request once every attempt has).

use std::sync::Arc;

use apalis::prelude::*;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use shared::compile::{version_pdf_key, version_pdf_path, version_preview_key};
use shared::db::retry_while_unavailable;
use shared::queue::CompileTask;
use shared::storage::{Storage, StoredFile};
use sqlx::PgPool;
use tracing::Instrument;
use uuid::Uuid;

use crate::WorkerState;
use crate::compile::{Compiled, Failed};

const DB_RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// Handle one compile task, in a span that continues the trace of the
/// request that queued it.
pub async fn handle(task: CompileTask, state: Data<Arc<WorkerState>>) -> Result<Value, BoxDynError> {
    let span = tracing::info_span!("compile task", otel.kind = "consumer", version.id = %task.version_id);
    shared::telemetry::set_parent(&span, shared::telemetry::parent_from(&task.trace));
    handle_task(&task, state).instrument(span).await
}

async fn handle_task(task: &CompileTask, state: Data<Arc<WorkerState>>) -> Result<Value, BoxDynError> {
    let Some(compiler) = state.compiler.as_ref() else {
        return Err("this worker has no compiler; it should not take the compile queue".into());
    };
    let pool = &state.pool;
    let Some(pending) = retry_while_unavailable(DB_RETRY_BUDGET, || load(pool, task)).await? else {
        return Ok(json!({"skipped": "the compile request is no longer pending"}));
    };
    let outcome = compiler.compile(&pending.latex, true).await?;
    match outcome {
        Ok(compiled) => {
            let key = store(&state.storage, task.version_id, &pending.project_name, &compiled).await?;
            let recorded =
                retry_while_unavailable(DB_RETRY_BUDGET, || record_success(pool, task, &key, &compiled)).await?;
            if !recorded {
                let version = task.version_id;
                let gone =
                    retry_while_unavailable(DB_RETRY_BUDGET, || crate::jobs::version_is_gone(pool, version)).await?;
                if gone {
                    // Deleted while it compiled: what was just stored goes too.
                    let prefix = shared::compile::version_prefix(version);
                    if let Err(e) = state.storage.delete_prefix(&prefix).await {
                        tracing::warn!(version.id = %version, error = %e, "files of a deleted version could not be removed");
                    }
                    return Ok(json!({"skipped": "the version was deleted while it compiled"}));
                }
            }
            tracing::info!(
                version.id = %task.version_id, engine = %compiled.engine, pages = compiled.pages, runs = compiled.runs,
                duration_ms = compiled.duration.as_millis() as u64, recorded, "version compiled"
            );
            Ok(json!({"compiled": {"pages": compiled.pages, "engine": compiled.engine}}))
        }
        Err(failed) => {
            retry_while_unavailable(DB_RETRY_BUDGET, || record_failure(pool, task, &failed)).await?;
            tracing::info!(version.id = %task.version_id, reason = %failed.message, "version did not compile");
            Ok(json!({"failed": failed.message}))
        }
    }
}

/// A pending request, with what its compile needs.
struct Pending {
    latex: String,
    project_name: String,
}

async fn load(pool: &PgPool, task: &CompileTask) -> Result<Option<Pending>, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT v."latexContent" AS latex, p.name AS project_name
           FROM tailor.version_compile c
           JOIN "ResumeVersion" v ON v.id = c.version_id
           JOIN "ResumeProject" p ON p.id = v."projectId"
           WHERE c.version_id = $1 AND c.request_seq = $2 AND c.state = 'PENDING'"#,
        task.version_id,
        task.request_seq
    )
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| Pending { latex: r.latex, project_name: r.project_name }))
}

/// Store the PDF and every page's preview; returns the PDF's key.
pub async fn store(
    storage: &Storage,
    version_id: Uuid,
    project_name: &str,
    compiled: &Compiled,
) -> Result<String, shared::storage::StorageError> {
    let key = version_pdf_key(version_id);
    let disposition = shared::compile::content_disposition("inline", project_name, "pdf");
    storage
        .put(
            &key,
            StoredFile {
                bytes: compiled.pdf.clone().into(),
                content_type: "application/pdf",
                content_disposition: Some(disposition),
            },
        )
        .await?;
    for (i, png) in compiled.previews.iter().enumerate() {
        let page = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let file = StoredFile { bytes: png.clone().into(), content_type: "image/png", content_disposition: None };
        storage.put(&version_preview_key(version_id, page), file).await?;
    }
    Ok(key)
}

/// The hex SHA-256 of a file (its strong ETag).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

async fn record_success(pool: &PgPool, task: &CompileTask, key: &str, c: &Compiled) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query_scalar!(
        r#"WITH done AS (
             UPDATE tailor.version_compile
             SET state = 'SUCCEEDED', engine = $3, pages = $4, runs = $5, duration_ms = $6,
                 pdf_key = $7, pdf_sha256 = $8, pdf_bytes = $9,
                 errors = '[]', message = NULL, log_tail = NULL, finished_at = now()
             WHERE version_id = $1 AND request_seq = $2 AND state = 'PENDING'
             RETURNING version_id
           ), version AS (
             UPDATE "ResumeVersion" v
             SET status = CASE WHEN v.status = 'ACTIVE' THEN 'ACTIVE'::"ResumeVersionStatus" ELSE 'COMPILED' END,
                 "pdfUrl" = $10
             FROM done WHERE v.id = done.version_id
             RETURNING v.id
           )
           SELECT count(*) AS "moved!" FROM version"#,
        task.version_id,
        task.request_seq,
        c.engine.as_str(),
        i32::try_from(c.pages).unwrap_or(i32::MAX),
        i32::try_from(c.runs).unwrap_or(i32::MAX),
        i32::try_from(c.duration.as_millis()).unwrap_or(i32::MAX),
        key,
        sha256_hex(&c.pdf),
        i64::try_from(c.pdf.len()).unwrap_or(i64::MAX),
        version_pdf_path(task.version_id)
    )
    .fetch_one(pool)
    .await?;
    Ok(moved == 1)
}

async fn record_failure(pool: &PgPool, task: &CompileTask, f: &Failed) -> Result<bool, sqlx::Error> {
    let errors = serde_json::to_value(&f.errors).unwrap_or_else(|_| json!([]));
    let moved = sqlx::query_scalar!(
        r#"WITH done AS (
             UPDATE tailor.version_compile
             SET state = 'FAILED', engine = $3, pages = NULL, runs = $4, duration_ms = $5,
                 pdf_key = NULL, pdf_sha256 = NULL, pdf_bytes = NULL,
                 errors = $6, message = $7, log_tail = $8, finished_at = now()
             WHERE version_id = $1 AND request_seq = $2 AND state = 'PENDING'
             RETURNING version_id
           ), version AS (
             UPDATE "ResumeVersion" v
             SET status = CASE WHEN v.status = 'ACTIVE' THEN 'ACTIVE'::"ResumeVersionStatus" ELSE 'ERROR' END
             FROM done WHERE v.id = done.version_id
             RETURNING v.id
           )
           SELECT count(*) AS "moved!" FROM version"#,
        task.version_id,
        task.request_seq,
        f.engine.as_str(),
        i32::try_from(f.runs).unwrap_or(i32::MAX),
        i32::try_from(f.duration.as_millis()).unwrap_or(i32::MAX),
        errors,
        f.message,
        f.log_tail
    )
    .fetch_one(pool)
    .await?;
    Ok(moved == 1)
}
