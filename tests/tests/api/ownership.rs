//! Another user's ids answer 404 on every route, exactly like missing ones.

use reqwest::Method;
use serde_json::{Value, json};

use harness::{SAMPLE_RESUME, TestApp, id_of, send};

#[tokio::test]
async fn another_users_resources_are_404_on_every_route() {
    let app = TestApp::spawn().await;
    let project = app.project("owner").await;
    let version = app.base_version("owner", &project, SAMPLE_RESUME).await;
    let section = id_of(&version["sections"][0]);
    let version = id_of(&version);
    let jd = app.jd("owner", &project).await;
    let (status, job) = app
        .post(
            &format!("/v1/projects/{project}/ai-jobs"),
            "owner",
            json!({"baseVersionId": version, "jdId": jd, "mode": "MINIMAL"}),
        )
        .await;
    assert_eq!(status, 202);
    let job = id_of(&job);
    // Give the job a proposal, so the proposal routes have something to hide.
    sqlx::query(
        r#"INSERT INTO "ProposedVersion" (id, "aiJobId", "proposedLatexContent") VALUES (gen_random_uuid(), $1, $2)"#,
    )
    .bind(uuid::Uuid::parse_str(&job).expect("uuid"))
    .bind(SAMPLE_RESUME)
    .execute(&app.pool)
    .await
    .expect("proposal");

    let version_body = json!({"latexContent": SAMPLE_RESUME, "type": "BASE"});
    let job_body = json!({"baseVersionId": version, "jdId": jd, "mode": "MINIMAL"});
    let routes: Vec<(Method, String, Option<Value>)> = vec![
        (Method::GET, format!("/v1/projects/{project}"), None),
        (Method::PATCH, format!("/v1/projects/{project}"), Some(json!({"name": "mine now"}))),
        (Method::POST, format!("/v1/projects/{project}/versions"), Some(version_body)),
        (Method::GET, format!("/v1/projects/{project}/versions"), None),
        (Method::GET, format!("/v1/versions/{version}"), None),
        (Method::PATCH, format!("/v1/sections/{section}"), Some(json!({"isLocked": true}))),
        (Method::POST, format!("/v1/projects/{project}/job-descriptions"), Some(json!({"rawText": "x"}))),
        (Method::GET, format!("/v1/projects/{project}/job-descriptions"), None),
        (Method::GET, format!("/v1/job-descriptions/{jd}"), None),
        (Method::POST, format!("/v1/projects/{project}/ai-jobs"), Some(job_body)),
        (Method::GET, format!("/v1/projects/{project}/ai-jobs"), None),
        (Method::GET, format!("/v1/ai-jobs/{job}"), None),
        (Method::GET, format!("/v1/ai-jobs/{job}/proposal"), None),
        (Method::POST, format!("/v1/ai-jobs/{job}/proposal/accept"), None),
        (Method::DELETE, format!("/v1/ai-jobs/{job}/proposal"), None),
        (Method::GET, format!("/v1/versions/{version}/diff?from={version}"), None),
    ];
    for (method, path, body) in routes {
        let mut req = app.req(method.clone(), &path, "intruder");
        if let Some(b) = &body {
            req = req.json(b);
        }
        let (status, problem) = send(req).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
        // Same answer as for an id that does not exist at all.
        let missing = path.replace(&project, &uuid::Uuid::new_v4().to_string());
        if missing != path {
            let mut req = app.req(method.clone(), &missing, "intruder");
            if let Some(b) = &body {
                req = req.json(b);
            }
            let (missing_status, missing_problem) = send(req).await;
            assert_eq!((missing_status, &missing_problem["title"]), (404, &problem["title"]), "{method} {path}");
        }
    }
    // Nothing changed for the owner.
    let (_, p) = app.get(&format!("/v1/projects/{project}"), "owner").await;
    assert_eq!(p["name"], "Backend résumé");
    let locked: bool = sqlx::query_scalar(r#"SELECT "isLocked" FROM "ResumeSection" WHERE id = $1"#)
        .bind(uuid::Uuid::parse_str(&section).expect("uuid"))
        .fetch_one(&app.pool)
        .await
        .expect("section");
    assert!(!locked);
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), "owner").await;
    assert_eq!(status, 200, "the owner still sees the proposal");
}
