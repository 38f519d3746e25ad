//! Deleting projects, job descriptions and versions, each refusal, and the
//! LaTeX download.

use harness::{SAMPLE_RESUME, TestApp, assert_problem, id_of, worker_jobs};
use serde_json::json;
use uuid::Uuid;

const USER: &str = "user_del";

async fn queued_job(app: &TestApp) -> (String, String, String, String) {
    let (project, base, jd) = app.tailoring_setup(USER, SAMPLE_RESUME).await;
    let base = id_of(&base);
    let job = app.submit(USER, &project, &base, &jd, "BALANCED", "DEEPSEEK").await;
    (project, base, jd, job)
}

async fn finish(app: &TestApp, job: &str) {
    let jobs = worker_jobs(&app.pool);
    let id: Uuid = job.parse().expect("uuid");
    assert!(jobs.claim(id).await.expect("claim").is_some());
    assert!(jobs.complete(id, SAMPLE_RESUME, r#"{"applied": []}"#).await.expect("complete"));
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned())).fetch_one(&app.pool).await.expect(sql)
}

#[tokio::test]
async fn a_job_description_in_use_by_a_pending_job_cannot_go_then_can() {
    let app = TestApp::spawn().await;
    let (project, _, jd, job) = queued_job(&app).await;
    let (status, problem) = app.delete(&format!("/v1/job-descriptions/{jd}"), USER).await;
    assert_problem(status, &problem, 409);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains(&job) && d.contains("QUEUED")), "{problem}");
    let (status, problem) = app.delete(&format!("/v1/job-descriptions/{jd}"), "someone_else").await;
    assert_problem(status, &problem, 404);

    finish(&app, &job).await;
    let (status, _) = app.delete(&format!("/v1/job-descriptions/{jd}"), USER).await;
    assert_eq!(status, 204);
    let (status, problem) = app.get(&format!("/v1/job-descriptions/{jd}"), USER).await;
    assert_problem(status, &problem, 404);
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}"), USER).await;
    assert_eq!(status, 404, "the finished job that used it went with it");
    assert_eq!(count(&app, r#"SELECT count(*) FROM "ProposedVersion""#).await, 0);
    let (status, _) = app.get(&format!("/v1/projects/{project}"), USER).await;
    assert_eq!(status, 200, "the project stays");
    let (status, problem) = app.delete(&format!("/v1/job-descriptions/{jd}"), USER).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn only_a_leaf_version_that_is_not_active_nor_in_use_can_go() {
    let app = TestApp::spawn().await;
    let (project, base, _, _pending_job) = queued_job(&app).await;
    let (status, child) = app
        .post(
            &format!("/v1/projects/{project}/versions"),
            USER,
            json!({"type": "MANUAL", "parentVersionId": base, "latexContent": SAMPLE_RESUME.replace("Go", "Rust")}),
        )
        .await;
    assert_eq!(status, 201, "{child}");
    let child = id_of(&child);

    // The base has a child and a pending job: 409 with the reason.
    let (status, problem) = app.delete(&format!("/v1/versions/{base}"), USER).await;
    assert_problem(status, &problem, 409);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("child")), "{problem}");
    // An ACTIVE leaf: 409.
    let (status, _) = app.post(&format!("/v1/versions/{child}/activate"), USER, json!({})).await;
    assert_eq!(status, 200);
    let (status, problem) = app.delete(&format!("/v1/versions/{child}"), USER).await;
    assert_problem(status, &problem, 409);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("ACTIVE")), "{problem}");
    // Another user: 404.
    let (status, problem) = app.delete(&format!("/v1/versions/{child}"), "someone_else").await;
    assert_problem(status, &problem, 404);
    // Activate the base back; the child, a leaf, goes.
    let (status, _) = app.post(&format!("/v1/versions/{base}/activate"), USER, json!({})).await;
    assert_eq!(status, 200);
    let (status, _) = app.delete(&format!("/v1/versions/{child}"), USER).await;
    assert_eq!(status, 204);
    let (status, _) = app.get(&format!("/v1/versions/{child}"), USER).await;
    assert_eq!(status, 404);
    // The base is now a leaf, but ACTIVE and the base of a pending job.
    let (status, _) = app.post(&format!("/v1/versions/{base}/activate"), USER, json!({})).await;
    assert_eq!(status, 200);
    let (status, problem) = app.delete(&format!("/v1/versions/{base}"), USER).await;
    assert_problem(status, &problem, 409);
}

#[tokio::test]
async fn a_version_used_by_a_pending_job_cannot_go() {
    let app = TestApp::spawn().await;
    let (_, base, _, job) = queued_job(&app).await;
    let (status, problem) = app.delete(&format!("/v1/versions/{base}"), USER).await;
    assert_problem(status, &problem, 409);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains(&job)), "{problem}");
    finish(&app, &job).await;
    let (status, _) = app.delete(&format!("/v1/versions/{base}"), USER).await;
    assert_eq!(status, 204, "once the job is finished, the version (and the job) go");
    assert_eq!(count(&app, r#"SELECT count(*) FROM "AIJob""#).await, 0);
    assert_eq!(count(&app, r#"SELECT count(*) FROM "ResumeSection""#).await, 0);
}

const TABLES: &[&str] = &[
    r#""ResumeProject""#,
    r#""ResumeVersion""#,
    r#""ResumeSection""#,
    r#""JobDescription""#,
    r#""AIJob""#,
    r#""ProposedVersion""#,
    r#""VersionDiff""#,
    "tailor.version_compile",
    "tailor.ai_job_trace",
    "apalis.jobs",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push(count(app, &format!("SELECT count(*) FROM {table}")).await);
    }
    out
}

#[tokio::test]
async fn deleting_a_project_removes_every_row_and_queue_task_under_it() {
    let app = TestApp::spawn().await;
    // Another user's project, which must stay whole.
    let (other_project, other_base, other_jd) = app.tailoring_setup("user_other", SAMPLE_RESUME).await;
    app.submit("user_other", &other_project, &id_of(&other_base), &other_jd, "BALANCED", "DEEPSEEK").await;
    let before = counts(&app).await;

    // The project to delete: a tree of versions, a compile request, a finished
    // job with its proposal, an accepted version and its diff, a queued job.
    let (project, base, _, finished) = queued_job(&app).await;
    finish(&app, &finished).await;
    let (status, accepted) = app.post(&format!("/v1/ai-jobs/{finished}/proposal/accept"), USER, json!({})).await;
    assert_eq!(status, 201, "{accepted}");
    let (status, _) = app.post(&format!("/v1/versions/{base}/compile"), USER, json!({})).await;
    assert_eq!(status, 202);
    let jd =
        id_of(&app.post(&format!("/v1/projects/{project}/job-descriptions"), USER, json!({"rawText": "Go"})).await.1);
    let queued = app.submit(USER, &project, &id_of(&accepted), &jd, "MINIMAL", "DEEPSEEK").await;
    assert!(counts(&app).await.iter().zip(&before).all(|(now, then)| now >= then));

    let (status, problem) = app.delete(&format!("/v1/projects/{project}"), "user_other").await;
    assert_problem(status, &problem, 404);
    let (status, _) = app.delete(&format!("/v1/projects/{project}"), USER).await;
    assert_eq!(status, 204);
    let after = counts(&app).await;
    for ((table, then), now) in TABLES.iter().zip(&before).zip(&after) {
        assert_eq!(now, then, "{table}: only the other user's rows are left");
    }
    let (status, _) = app.get(&format!("/v1/ai-jobs/{queued}"), USER).await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&format!("/v1/projects/{other_project}"), "user_other").await;
    assert_eq!(status, 200);
    let (status, problem) = app.delete(&format!("/v1/projects/{project}"), USER).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn latex_downloads_as_a_file_named_after_the_project() {
    let app = TestApp::spawn().await;
    let (status, project) = app.post("/v1/projects", USER, json!({"name": "Résumé für Acme"})).await;
    assert_eq!(status, 201);
    let version = id_of(&app.base_version(USER, &id_of(&project), SAMPLE_RESUME).await);
    let res = app.req(reqwest::Method::GET, &format!("/v1/versions/{version}/latex"), USER).send().await.expect("get");
    assert_eq!(res.status(), 200);
    let header = |name: &str| res.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(header("content-type").starts_with("application/x-tex"), "{}", header("content-type"));
    let disposition = header("content-disposition");
    assert!(disposition.starts_with("attachment; filename=\"R_sum_ f_r Acme.tex\""), "{disposition}");
    assert!(disposition.contains("filename*=UTF-8''R%C3%A9sum%C3%A9%20f%C3%BCr%20Acme.tex"), "{disposition}");
    assert_eq!(res.text().await.expect("body"), SAMPLE_RESUME, "byte for byte");
    let (status, problem) = app.get(&format!("/v1/versions/{version}/latex"), "someone_else").await;
    assert_problem(status, &problem, 404);
}
