//! The task handler: claim the AIJob, run the tailoring, record the outcome.

use std::sync::Arc;

use apalis::prelude::*;
use secrecy::SecretString;
use shared::crypto::row_binding;
use shared::latex::split;
use shared::model::{AiModelProvider, ResumeSection, ResumeSectionType};
use shared::providers::{ChatRequest, ProviderErrorKind, Target};
use shared::queue::TailorTask;
use uuid::Uuid;

use crate::WorkerState;
use crate::jobs::{self, ClaimedJob};
use crate::tailor;

/// Handle one queue task. Returns `Err` only for infrastructure failures
/// (database unreachable), so apalis retries the task a few times; a job
/// that fails on its own merits is recorded FAILED and the task succeeds.
pub async fn handle(task: TailorTask, state: Data<Arc<WorkerState>>) -> Result<(), BoxDynError> {
    let Some(job) = jobs::claim(&state.pool, task.ai_job_id).await? else {
        tracing::info!(ai_job.id = %task.ai_job_id, "job already final; task acknowledged");
        return Ok(());
    };
    if let Ok(mut set) = state.in_flight.lock() {
        set.insert(job.id);
    }
    let outcome = run_job(&state, &job, task.provider).await;
    if let Ok(mut set) = state.in_flight.lock() {
        set.remove(&job.id);
    }
    match outcome {
        Ok(Outcome::Proposal(latex)) => {
            if !jobs::complete(&state.pool, job.id, &latex).await? {
                tracing::warn!(ai_job.id = %job.id, "job finished elsewhere; proposal discarded");
            } else {
                tracing::info!(ai_job.id = %job.id, "job completed");
            }
        }
        Ok(Outcome::Failed(message)) => {
            tracing::warn!(ai_job.id = %job.id, error = %message, "job failed");
            jobs::fail(&state.pool, job.id, &message).await?;
        }
        Err(db) => return Err(db.into()),
    }
    Ok(())
}

/// How a job ended, unless the database failed us.
enum Outcome {
    Proposal(String),
    Failed(String),
}

struct Loaded {
    user_id: Uuid,
    latex: String,
    sections: Vec<ResumeSection>,
    role_type: String,
    skills: serde_json::Value,
    keywords: serde_json::Value,
}

async fn load(state: &WorkerState, job: &ClaimedJob) -> Result<Loaded, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT p."userId" AS user_id, v."latexContent" AS latex, j."roleType" AS role_type,
                  j."extractedSkills" AS skills, j.keywords
           FROM "ResumeVersion" v
           JOIN "ResumeProject" p ON p.id = v."projectId"
           JOIN "JobDescription" j ON j.id = $2
           WHERE v.id = $1"#,
        job.base_version_id,
        job.jd_id
    )
    .fetch_one(&state.pool)
    .await?;
    let sections = sqlx::query_as!(
        ResumeSection,
        r#"SELECT id, "versionId" AS version_id, "sectionType" AS "section_type: ResumeSectionType",
                  content, "isLocked" AS is_locked, "orderIndex" AS order_index,
                  "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "ResumeSection" WHERE "versionId" = $1 ORDER BY "orderIndex""#,
        job.base_version_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(Loaded {
        user_id: row.user_id,
        latex: row.latex,
        sections,
        role_type: row.role_type,
        skills: row.skills,
        keywords: row.keywords,
    })
}

/// Run the tailoring for a claimed job.
async fn run_job(state: &WorkerState, job: &ClaimedJob, provider: AiModelProvider) -> Result<Outcome, sqlx::Error> {
    tracing::info!(ai_job.id = %job.id, %provider, mode = %job.mode, "running job");
    let loaded = load(state, job).await?;
    let target = match target_for(state, provider, loaded.user_id).await? {
        Ok(t) => t,
        Err(message) => return Ok(Outcome::Failed(message)),
    };
    let doc = match split(&loaded.latex) {
        Ok(d) if d.sections.len() == loaded.sections.len() => d,
        _ => return Ok(Outcome::Failed("the base version's sections do not match its LaTeX".into())),
    };
    let input = tailor::build_input(job.mode, &loaded.role_type, &loaded.skills, &loaded.keywords, &loaded.sections);
    let messages = match tailor::messages(&input) {
        Ok(m) => m,
        Err(message) => return Ok(Outcome::Failed(message)),
    };
    let request = ChatRequest { messages, max_tokens: 4096, temperature: 0.2, json: true };
    let answer = match state.client.chat(&target, &request).await {
        Ok(a) => a,
        Err(e) => {
            if e.kind == ProviderErrorKind::Auth && provider == AiModelProvider::AzureOpenai {
                mark_key_invalid(state, loaded.user_id, &e.message).await?;
            }
            return Ok(Outcome::Failed(e.message));
        }
    };
    let parsed = match tailor::parse_answer(&answer.content) {
        Ok(p) => p,
        Err(why) => return Ok(Outcome::Failed(format!("{} returned an unusable answer: {why}", label(provider)))),
    };
    let contents: Vec<String> = loaded.sections.iter().map(|s| s.content.clone()).collect();
    let locked: Vec<bool> = loaded.sections.iter().map(|s| s.is_locked).collect();
    match tailor::apply_answer(doc.preamble, &contents, &locked, doc.closing, &parsed) {
        Ok(p) if p.applied.is_empty() => Ok(Outcome::Failed(format!(
            "{} proposed no usable edit ({} refused{})",
            label(provider),
            p.refused.len(),
            p.refused.first().map(|r| format!(", e.g. {}", r.reason)).unwrap_or_default()
        ))),
        Ok(p) => {
            tracing::info!(ai_job.id = %job.id, applied = p.applied.len(), refused = p.refused.len(), attempts = answer.attempts, "proposal built");
            Ok(Outcome::Proposal(p.latex))
        }
        Err(why) => Ok(Outcome::Failed(why)),
    }
}

fn label(provider: AiModelProvider) -> &'static str {
    match provider {
        AiModelProvider::Deepseek => "DeepSeek",
        AiModelProvider::AzureOpenai => "Azure OpenAI",
    }
}

/// The provider target for this job, or a message for the user.
async fn target_for(
    state: &WorkerState,
    provider: AiModelProvider,
    user_id: Uuid,
) -> Result<Result<Target, String>, sqlx::Error> {
    match provider {
        AiModelProvider::Deepseek => Ok(state.deepseek.clone().ok_or_else(|| {
            "DEEPSEEK is not available on this server (the operator has not configured NEBIUS_API_KEY)".to_owned()
        })),
        AiModelProvider::AzureOpenai => {
            let row = sqlx::query!(
                r#"SELECT "apiKey" AS api_key, endpoint, "isValid" AS is_valid FROM "UserAPIKey"
                   WHERE "userId" = $1 AND provider = 'AZURE_OPENAI'"#,
                user_id
            )
            .fetch_optional(&state.pool)
            .await?;
            let Some(row) = row else {
                return Ok(Err("no Azure OpenAI key is stored for this user".into()));
            };
            if !row.is_valid {
                return Ok(Err("the stored Azure OpenAI key is marked invalid; store or re-validate it".into()));
            }
            let key: SecretString =
                match state.keyring.open(&row.api_key, &row_binding(user_id, AiModelProvider::AzureOpenai)) {
                    Ok(k) => k,
                    Err(e) => return Ok(Err(format!("the stored Azure OpenAI key cannot be used: {e}"))),
                };
            let Some(endpoint) = row.endpoint else {
                return Ok(Err("the stored Azure OpenAI key has no endpoint".into()));
            };
            match shared::providers::endpoint::check(&endpoint, state.allow_insecure_azure).await {
                Ok(checked) => Ok(Ok(Target::azure(&checked, key))),
                Err(e) => Ok(Err(format!("the stored Azure OpenAI endpoint is refused: {e}"))),
            }
        }
    }
}

async fn mark_key_invalid(state: &WorkerState, user_id: Uuid, reason: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"UPDATE "UserAPIKey" SET "isValid" = false, "validationError" = $2, "lastValidated" = now()
           WHERE "userId" = $1 AND provider = 'AZURE_OPENAI'"#,
        user_id,
        reason
    )
    .execute(&state.pool)
    .await?;
    Ok(())
}
