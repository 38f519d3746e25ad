//! AI jobs: 202 QUEUED with the task written in the same transaction; the
//! references are checked; a failed enqueue leaves nothing behind.

use serde_json::json;
use uuid::Uuid;

use harness::{SAMPLE_RESUME, TestApp, assert_problem, id_of};

async fn setup(app: &TestApp, sub: &str) -> (String, String, String) {
    let project = app.project(sub).await;
    let version = app.base_version(sub, &project, SAMPLE_RESUME).await;
    let jd = app.jd(sub, &project).await;
    (project, id_of(&version), jd)
}

#[tokio::test]
async fn create_answers_202_queued_with_its_task_enqueued() {
    let app = TestApp::spawn().await;
    let (project, version, jd) = setup(&app, "user_q").await;
    let res = app
        .req(reqwest::Method::POST, &format!("/v1/projects/{project}/ai-jobs"), "user_q")
        .json(&json!({"baseVersionId": version, "jdId": jd, "mode": "BALANCED"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 202);
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let job: serde_json::Value = res.json().await.expect("json");
    assert_eq!(job["status"], "QUEUED");
    assert_eq!(job["mode"], "BALANCED");
    assert_eq!(job["errorMessage"], serde_json::Value::Null);
    let id = id_of(&job);
    assert_eq!(location.as_deref(), Some(format!("/v1/ai-jobs/{id}").as_str()));

    // Exactly one task on the shared queue, carrying this job and the default provider.
    let tasks: Vec<(String, Vec<u8>)> =
        sqlx::query_as("SELECT job_type, job FROM apalis.jobs").fetch_all(&app.pool).await.expect("tasks");
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].0, shared::queue::QUEUE_NAME);
    let payload: shared::queue::TailorTask = serde_json::from_slice(&tasks[0].1).expect("payload");
    assert_eq!(payload.ai_job_id.to_string(), id);
    assert_eq!(payload.provider, shared::model::AiModelProvider::Deepseek);

    let (status, polled) = app.get(&format!("/v1/ai-jobs/{id}"), "user_q").await;
    assert_eq!(status, 200);
    assert_eq!(polled, job);
    let (status, list) = app.get(&format!("/v1/projects/{project}/ai-jobs"), "user_q").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0], job);
}

#[tokio::test]
async fn failure_between_insert_and_enqueue_leaves_neither_row() {
    let app = TestApp::spawn().await;
    let (project, version, jd) = setup(&app, "user_q").await;
    // A real failure inside the transaction: the queue's table refuses the insert.
    sqlx::query(
        "CREATE FUNCTION refuse_task() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'queue unavailable'; END; $$ LANGUAGE plpgsql",
    )
    .execute(&app.pool)
    .await
    .expect("function");
    sqlx::query("CREATE TRIGGER refuse_task BEFORE INSERT ON apalis.jobs FOR EACH ROW EXECUTE FUNCTION refuse_task()")
        .execute(&app.pool)
        .await
        .expect("trigger");
    let (status, problem) = app
        .post(
            &format!("/v1/projects/{project}/ai-jobs"),
            "user_q",
            json!({"baseVersionId": version, "jdId": jd, "mode": "MINIMAL"}),
        )
        .await;
    assert_problem(status, &problem, 500);
    let jobs: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "AIJob""#).fetch_one(&app.pool).await.expect("count");
    let tasks: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs").fetch_one(&app.pool).await.expect("count");
    assert_eq!((jobs, tasks), (0, 0), "the AIJob insert was rolled back with the failed enqueue");
    assert!(!problem.to_string().contains("queue unavailable"), "internal causes are not leaked: {problem}");
}

#[tokio::test]
async fn invalid_job_requests_are_422() {
    let app = TestApp::spawn().await;
    let (project, version, jd) = setup(&app, "user_q").await;
    let (other_project, other_version, other_jd) = setup(&app, "user_q").await;
    let _ = other_project;
    let path = format!("/v1/projects/{project}/ai-jobs");
    for body in [
        json!({"baseVersionId": other_version, "jdId": jd, "mode": "MINIMAL"}),
        json!({"baseVersionId": version, "jdId": other_jd, "mode": "MINIMAL"}),
        json!({"baseVersionId": Uuid::new_v4(), "jdId": jd, "mode": "MINIMAL"}),
        json!({"baseVersionId": version, "jdId": jd, "mode": "EXTREME"}),
        json!({"baseVersionId": version, "jdId": jd, "mode": "MINIMAL", "provider": "OPENAI"}),
        json!({"baseVersionId": version, "jdId": jd}),
    ] {
        let (status, problem) = app.post(&path, "user_q", body).await;
        assert_problem(status, &problem, 422);
    }
}

#[tokio::test]
async fn azure_jobs_need_a_valid_azure_key() {
    let app = TestApp::spawn().await;
    let (project, version, jd) = setup(&app, "user_az").await;
    let path = format!("/v1/projects/{project}/ai-jobs");
    let body = json!({"baseVersionId": version, "jdId": jd, "mode": "AGGRESSIVE", "provider": "AZURE_OPENAI"});

    let (status, problem) = app.post(&path, "user_az", body.clone()).await;
    assert_problem(status, &problem, 422);
    assert!(problem["detail"].as_str().unwrap_or_default().contains("api-keys"), "{problem}");

    sqlx::query(
        r#"INSERT INTO "UserAPIKey" (id, "userId", provider, "apiKey", endpoint, "isValid", "validationError")
           SELECT gen_random_uuid(), id, 'AZURE_OPENAI', 'sealed', 'https://x.openai.azure.com', false, 'Azure OpenAI rejected the API key (401)'
           FROM "User" WHERE "clerkId" = 'user_az'"#,
    )
    .execute(&app.pool)
    .await
    .expect("insert key");
    let (status, problem) = app.post(&path, "user_az", body.clone()).await;
    assert_problem(status, &problem, 422);
    assert!(problem["detail"].as_str().unwrap_or_default().contains("invalid"), "{problem}");

    sqlx::query(r#"UPDATE "UserAPIKey" SET "isValid" = true, "validationError" = NULL"#)
        .execute(&app.pool)
        .await
        .expect("update");
    let (status, job) = app.post(&path, "user_az", body).await;
    assert_eq!(status, 202, "{job}");
    let payload: Vec<u8> = sqlx::query_scalar("SELECT job FROM apalis.jobs").fetch_one(&app.pool).await.expect("task");
    let task: shared::queue::TailorTask = serde_json::from_slice(&payload).expect("payload");
    assert_eq!(task.provider, shared::model::AiModelProvider::AzureOpenai);
}

/// The api groups the submissions that arrive together into one statement
/// (`shared::queue::submit_ai_jobs`): each one is still checked on its own,
/// and each task is ranked behind its own user's unfinished jobs, counting
/// those earlier in the same statement.
#[tokio::test]
async fn submissions_in_one_statement_are_each_checked_and_ranked_within_their_user() {
    use shared::model::{AiMode, AiModelProvider};
    use shared::queue::{Submission, submit_ai_jobs};

    let app = TestApp::spawn().await;
    let (a_project, a_version, a_jd) = setup(&app, "user_a").await;
    let (b_project, b_version, b_jd) = setup(&app, "user_b").await;
    let user_id = |sub: &'static str| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(r#"SELECT id FROM "User" WHERE "clerkId" = $1"#)
                .bind(sub)
                .fetch_one(&pool)
                .await
                .expect("user")
        }
    };
    let (a, b) = (user_id("user_a").await, user_id("user_b").await);
    let uuid = |s: &str| Uuid::parse_str(s).expect("uuid");
    let of = |user_id, project: &str, version: &str, jd: &str| Submission {
        user_id,
        project_id: uuid(project),
        base_version_id: uuid(version),
        jd_id: uuid(jd),
        mode: AiMode::Balanced,
        provider: AiModelProvider::Deepseek,
    };
    // User A has one job waiting already.
    let (status, body) = app
        .post(
            &format!("/v1/projects/{a_project}/ai-jobs"),
            "user_a",
            json!({"baseVersionId": a_version, "jdId": a_jd, "mode": "BALANCED"}),
        )
        .await;
    assert_eq!(status, 202, "{body}");

    let batch = [
        of(a, &a_project, &a_version, &a_jd),
        of(b, &b_project, &b_version, &b_jd),
        // B's ids under A: not A's project, so nothing is inserted for it.
        of(a, &b_project, &b_version, &b_jd),
        of(a, &a_project, &a_version, &a_jd),
        // A's project with B's version: not the project's version.
        of(a, &a_project, &b_version, &a_jd),
        of(b, &b_project, &b_version, &b_jd),
    ];
    let jobs: Vec<_> = batch.into_iter().map(|s| s.prepare().expect("prepared")).collect();
    let mut conn = app.pool.acquire().await.expect("connection");
    let inserted = submit_ai_jobs(&mut conn, &jobs).await.expect("submitted");
    let shape: Vec<bool> = inserted.iter().map(Option::is_some).collect();
    assert_eq!(shape, [true, true, false, true, false, true]);

    let ranks: Vec<(String, i32)> =
        sqlx::query_as(r#"SELECT t.idempotency_key, t.priority FROM apalis.jobs t ORDER BY t.idempotency_key"#)
            .fetch_all(&app.pool)
            .await
            .expect("tasks");
    assert_eq!(ranks.len(), 5, "one task per inserted job: {ranks:?}");
    let rank_of = |i: usize| {
        let id = inserted[i].as_ref().expect("inserted").id.to_string();
        ranks.iter().find(|(key, _)| *key == id).map(|(_, p)| 1_000_000 - p).expect("its task")
    };
    // A: one waiting before, then the 1st and 4th of the batch: 2nd and 3rd in line.
    assert_eq!((rank_of(0), rank_of(3)), (2, 3));
    // B: nothing before, then the 2nd and 6th: 1st and 2nd.
    assert_eq!((rank_of(1), rank_of(5)), (1, 2));
    for job in inserted.iter().flatten() {
        assert_eq!(job.status, shared::model::AiJobStatus::Queued);
    }
}
