//! The task handler: claim the AIJob, run the tailoring, record the outcome.

use std::sync::Arc;

use apalis::prelude::*;
use secrecy::SecretString;
use serde_json::{Value, json};
use shared::crypto::row_binding;
use shared::model::AiModelProvider;
use shared::providers::{ProviderErrorKind, Target};
use shared::queue::TailorTask;
use tracing::Instrument;
use uuid::Uuid;

use shared::db::retry_while_unavailable;

use crate::WorkerState;
use crate::jobs::ClaimedJob;
use crate::proposal_compile::{self, Verdict};
use engine as tailor;

/// How long a transition is retried while PostgreSQL is unavailable before
/// the task fails (and apalis tries it again, up to its attempts).
const DB_RETRY_BUDGET: std::time::Duration = std::time::Duration::from_secs(60);

/// Handle one queue task. Returns `Err` only for infrastructure failures
/// (database unreachable), recorded as a failed attempt so that the task is
/// tried again a few times; a job that fails on its own merits is recorded
/// FAILED and its task removed. The returned value says how the job ended
/// (for apalis' tracing; the AI queue keeps no task results); the job's
/// trace (every edit applied or refused, and why) is stored with its
/// completion.
pub async fn handle(task: TailorTask, state: Data<Arc<WorkerState>>) -> Result<Value, BoxDynError> {
    // The job's span continues the trace of the request that queued it.
    let span = tracing::info_span!(
        "tailor job",
        otel.kind = "consumer",
        ai_job.id = %task.ai_job_id,
        tailor.edits.proposed = tracing::field::Empty,
        tailor.edits.applied = tracing::field::Empty,
        tailor.edits.refused = tracing::field::Empty,
        tailor.outcome = tracing::field::Empty,
    );
    shared::telemetry::set_parent(&span, shared::telemetry::parent_from(&task.trace));
    let job_id = task.ai_job_id;
    let result = handle_job(task, state.clone()).instrument(span).await;
    if let Err(e) = &result {
        record_failed_attempt(&state, job_id, &e.to_string()).await;
    }
    result
}

/// The AI queue runs without apalis' acknowledgements (every ending of a
/// job removes or re-queues its task in our own statements), so a failed
/// attempt is recorded here. While the database stays away it is kept and
/// the sweeper records it later (`WorkerState::unrecorded`): a task is never
/// left held by a live worker that no longer runs it.
async fn record_failed_attempt(state: &WorkerState, job_id: Uuid, error: &str) {
    tracing::warn!(ai_job.id = %job_id, %error, "attempt failed; the task goes back to the queue");
    let recorded =
        retry_while_unavailable(DB_RETRY_BUDGET, || shared::queue::fail_ai_task_attempt(&state.pool, job_id, error))
            .await;
    if let Err(e) = recorded {
        tracing::error!(ai_job.id = %job_id, error = %e, "failed attempt not recorded yet; the sweeper will");
        if let Ok(mut unrecorded) = state.unrecorded.lock() {
            unrecorded.push((job_id, error.to_owned()));
        }
    }
}

async fn handle_job(task: TailorTask, state: Data<Arc<WorkerState>>) -> Result<Value, BoxDynError> {
    if let Some(deferred) = retry_while_unavailable(DB_RETRY_BUDGET, || defer_until_a_turn(&state, &task)).await? {
        return Ok(deferred);
    }
    let Some(job) = retry_while_unavailable(DB_RETRY_BUDGET, || state.jobs.claim(task.ai_job_id)).await? else {
        tracing::info!(ai_job.id = %task.ai_job_id, "job already final; task dropped");
        retry_while_unavailable(DB_RETRY_BUDGET, || shared::queue::drop_ai_task(&state.pool, task.ai_job_id)).await?;
        return Ok(json!({"skipped": "the job was already final"}));
    };
    if let Ok(mut set) = state.in_flight.lock() {
        set.insert(job.id);
    }
    let claimed = chrono::Utc::now();
    record_duration("pickup", job.created_at, claimed);
    let outcome = run_job(&state, &job, task.provider).await;
    if let Ok(mut set) = state.in_flight.lock() {
        set.remove(&job.id);
    }
    match outcome? {
        Outcome::Proposal(mut output) => {
            let compile = match compile_proposal(&state, &job, &mut output).await? {
                Ok(compile) => compile,
                Err(message) => {
                    tracing::warn!(ai_job.id = %job.id, error = %message, "job failed");
                    retry_while_unavailable(DB_RETRY_BUDGET, || state.jobs.fail(job.id, &message)).await?;
                    return Ok(json!({"failed": message}));
                }
            };
            let mut trace = output.trace();
            trace.compile = compile;
            record_edits(&output);
            let trace = serde_json::to_string(&trace)?;
            let latex = &output.proposal.latex;
            if retry_while_unavailable(DB_RETRY_BUDGET, || state.jobs.complete(job.id, latex, &trace))
                .instrument(tracing::info_span!("complete job"))
                .await?
            {
                record_end("completed", &job, claimed);
                tracing::info!(
                    ai_job.id = %job.id, applied = output.proposal.applied.len(), refused = output.proposal.refused.len(),
                    score_before = output.score_before.score, score_after = output.score_after.score, "job completed"
                );
            } else if retry_while_unavailable(DB_RETRY_BUDGET, || crate::jobs::job_is_gone(&state.pool, job.id)).await?
            {
                // Its project, JD or base was deleted while it ran: the
                // proposal's stored PDF (if any) goes too.
                tracing::info!(ai_job.id = %job.id, "job deleted while it ran; proposal discarded");
                if let Err(e) = state.storage.delete_prefix(&shared::compile::proposal_prefix(job.id)).await {
                    tracing::warn!(ai_job.id = %job.id, error = %e, "files of a deleted job could not be removed");
                }
            } else {
                tracing::warn!(ai_job.id = %job.id, "job finished elsewhere; proposal discarded");
            }
            Ok(
                json!({"completed": {"applied": output.proposal.applied.len(), "refused": output.proposal.refused.len()}}),
            )
        }
        Outcome::Failed(message) => {
            tracing::warn!(ai_job.id = %job.id, error = %message, "job failed");
            if retry_while_unavailable(DB_RETRY_BUDGET, || state.jobs.fail(job.id, &message)).await? {
                record_end("failed", &job, claimed);
            }
            Ok(json!({"failed": message}))
        }
    }
}

/// `tailor_job_duration_seconds{phase}` from `from` to `to`.
fn record_duration(phase: &'static str, from: chrono::DateTime<chrono::Utc>, to: chrono::DateTime<chrono::Utc>) {
    let secs = (to - from).to_std().map_or(0.0, |d| d.as_secs_f64());
    metrics::histogram!(shared::metrics::JOB_DURATION, "phase" => phase).record(secs);
}

/// The job ended with `outcome`: count it, time its run and its whole life,
/// and say so on its span.
fn record_end(outcome: &'static str, job: &ClaimedJob, claimed: chrono::DateTime<chrono::Utc>) {
    let now = chrono::Utc::now();
    metrics::counter!(shared::metrics::JOBS, "outcome" => outcome).increment(1);
    record_duration("run", claimed, now);
    record_duration("total", job.created_at, now);
    tracing::Span::current().record("tailor.outcome", outcome);
}

/// Edits applied and refused (by gate), as metrics and on the job's span.
fn record_edits(output: &tailor::EngineOutput) {
    let applied = output.proposal.applied.len();
    let refused = output.proposal.refused.len();
    metrics::counter!(shared::metrics::EDITS, "result" => "applied", "gate" => "none").increment(applied as u64);
    for r in &output.proposal.refused {
        let gate = serde_json::to_value(r.gate).ok().and_then(|g| g.as_str().map(str::to_owned)).unwrap_or_default();
        metrics::counter!(shared::metrics::EDITS, "result" => "refused", "gate" => gate).increment(1);
    }
    let span = tracing::Span::current();
    span.record("tailor.edits.proposed", output.proposed);
    span.record("tailor.edits.applied", applied);
    span.record("tailor.edits.refused", refused);
}

/// When the base version has compiled, compile the proposal (dropping the
/// edits that break it) before the job completes: `Ok(Ok(record))`, or
/// `Ok(Err(message))` when no edit survives. A tailoring-only worker without
/// TeX leaves the proposal uncompiled (it warned at start).
async fn compile_proposal(
    state: &WorkerState,
    job: &ClaimedJob,
    output: &mut tailor::EngineOutput,
) -> Result<Result<Option<tailor::ProposalCompile>, String>, BoxDynError> {
    let (true, Some(compiler)) = (job.base_compiled, state.compiler.as_ref()) else { return Ok(Ok(None)) };
    match proposal_compile::compile_proposal(compiler, &state.storage, job, output).await? {
        Verdict::Compiled(record) => Ok(Ok(Some(record))),
        Verdict::BaseFails(why) => {
            tracing::warn!(ai_job.id = %job.id, reason = %why, "the base no longer compiles here; proposal left uncompiled");
            Ok(Ok(None))
        }
        Verdict::NothingCompiles(message) => Ok(Err(message)),
    }
}

/// How a job ended, unless the database failed us.
enum Outcome {
    Proposal(Box<tailor::EngineOutput>),
    Failed(String),
}

/// Run the tailoring for a claimed job.
/// While the operator's DeepSeek rate is taken further ahead than
/// `PROVIDER_DEFER_OVER_SECS`, a DEEPSEEK task goes back to the queue until about when
/// its turn would come, and its job stays QUEUED: waiting for the provider
/// does not hold a worker slot that another job could use, and when the
/// task comes back it is ranked as before (fair share; see
/// `shared::queue::submit_ai_jobs`). A job that has already waited
/// `PROVIDER_QUEUE_WAIT_SECS` is not deferred again: it runs, and fails
/// saying so if no turn comes.
async fn defer_until_a_turn(state: &WorkerState, task: &TailorTask) -> Result<Option<Value>, sqlx::Error> {
    let Some(target) = state.deepseek.as_ref().filter(|_| task.provider == AiModelProvider::Deepseek) else {
        return Ok(None);
    };
    let Some(wait) = state.client.turn_wait(target).await.filter(|w| *w > state.defer_over) else {
        return Ok(None);
    };
    let waited = sqlx::query_scalar!(
        r#"SELECT EXTRACT(EPOCH FROM now() - "createdAt")::float8 AS "secs!" FROM "AIJob"
           WHERE id = $1 AND status = 'QUEUED'"#,
        task.ai_job_id
    )
    .fetch_optional(&state.pool)
    .await?;
    if waited.is_none_or(|secs| secs >= state.client.queue_wait().as_secs_f64()) {
        return Ok(None);
    }
    // Back a little before the turn: the wait only shrinks meanwhile.
    let back_in = (wait - state.defer_over / 2).as_secs_f64();
    if !shared::queue::defer_ai_task(&state.pool, task.ai_job_id, back_in).await? {
        return Ok(None);
    }
    metrics::counter!(shared::metrics::JOBS_DEFERRED).increment(1);
    tracing::info!(
        ai_job.id = %task.ai_job_id, turn_in_s = wait.as_secs(), back_in_s = back_in.round(),
        "no DeepSeek turn soon: task put back in the queue, job stays QUEUED"
    );
    Ok(Some(json!({"deferred": {"backInSeconds": back_in.round()}})))
}

async fn run_job(state: &WorkerState, job: &ClaimedJob, provider: AiModelProvider) -> Result<Outcome, sqlx::Error> {
    tracing::info!(ai_job.id = %job.id, %provider, mode = %job.mode, "running job");
    let target = match target_for(state, provider, job.user_id).await? {
        Ok(t) => t,
        Err(message) => return Ok(Outcome::Failed(message)),
    };
    let sections = job
        .sections
        .iter()
        .enumerate()
        .map(|(index, s)| tailor::SectionInput {
            index,
            section_type: s.section_type,
            locked: s.is_locked,
            content: s.content.clone(),
        })
        .collect();
    let input = tailor::EngineInput {
        mode: job.mode,
        role_type: &job.role_type,
        skills: &job.skills,
        keywords: &job.keywords,
        latex: &job.latex,
        sections,
        max_output_tokens: state.max_output_tokens,
    };
    let prepared = match tailor::prepare(input) {
        Ok(p) => p,
        Err(unusable) => return Ok(Outcome::Failed(unusable.0)),
    };
    // One call per group of sections (a long résumé needs several), at
    // once: the provider's shared pacing spaces them.
    let calls = prepared.requests.iter().map(|r| {
        let request = shared::providers::ChatRequest::new(r.pairs(), r.max_tokens, r.temperature, r.json);
        let target = &target;
        async move { state.client.chat(target, &request).await }
    });
    let mut answers = Vec::with_capacity(prepared.requests.len());
    for result in futures::future::join_all(calls).await {
        answers.push(match result {
            Ok(a) => Ok(tailor::ProviderAnswer {
                content: a.content,
                attempts: a.attempts,
                truncated: a.truncated,
                usage: a
                    .usage
                    .map(|u| tailor::Usage { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens }),
            }),
            Err(e) => {
                if e.kind == ProviderErrorKind::Auth && provider == AiModelProvider::AzureOpenai {
                    mark_key_invalid(state, job.user_id, &e.message).await?;
                }
                Err(e.message)
            }
        });
    }
    let base_readings = state.base_readings.of(job.base_version_id, &job.latex);
    match prepared.finish_with(answers, target.label(), &base_readings) {
        Ok(output) => Ok(Outcome::Proposal(Box::new(output))),
        Err(unusable) => Ok(Outcome::Failed(unusable.0)),
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
                Ok(checked) => Ok(Ok(Target::azure(&checked, key).paced(state.azure_rpm))),
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
