//! Reviewing a proposal like a person: accept some edits only (exactly
//! those applied to the base, shown by its diff), refusals for ids that are
//! not this proposal's and for sections locked since; the proposal section
//! by section; a project deleted while its job runs.

use std::time::Duration;

use harness::{Sim, TestApp, TestWorker, assert_problem, id_of};
use serde_json::{Value, json};
use tools::sim::SimConfig;

const USER: &str = "user_review";
const RESUME: &str = include_str!("../../../examples/resume.tex");

/// A completed AGGRESSIVE job on the example résumé: (project, base id, job id, proposal).
async fn completed_job(app: &TestApp, sim: &Sim, latex: &str) -> (String, String, String, Value) {
    let (project, base, jd) = app.tailoring_setup(USER, latex).await;
    let base = id_of(&base);
    let job = app.submit(USER, &project, &base, &jd, "AGGRESSIVE", "DEEPSEEK").await;
    app.drain(Some(sim)).await;
    let (status, proposal) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), USER).await;
    assert_eq!(status, 200, "{proposal}");
    (project, base, job, proposal)
}

fn applied(proposal: &Value) -> Vec<Value> {
    proposal["edits"]["applied"].as_array().cloned().unwrap_or_default()
}

fn changes(diff: &Value) -> usize {
    ["added", "removed", "rewritten"].iter().map(|k| diff[k].as_array().map_or(0, Vec::len)).sum()
}

#[tokio::test]
async fn some_edits_are_accepted_and_the_diff_shows_exactly_them() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let (_, base, job, proposal) = completed_job(&app, &sim, RESUME).await;
    let edits = applied(&proposal);
    assert!(edits.len() >= 2, "the example needs two edits: {edits:?}");
    // Two edits that change different text.
    let first = &edits[0];
    let other = edits
        .iter()
        .find(|e| e["original"] != first["original"] && e["section"] != first["section"])
        .or_else(|| edits.iter().find(|e| e["original"] != first["original"]))
        .expect("a second, different edit");
    let ids: Vec<&str> = edits.iter().map(|e| e["id"].as_str().expect("every applied edit has an id")).collect();
    assert!(ids.iter().all(|id| id.starts_with('e')), "{ids:?}");

    // The proposal section by section: every section, before and after, with its edits.
    let sections = proposal["sections"].as_array().expect("sections");
    let (_, base_version) = app.get(&format!("/v1/versions/{base}"), USER).await;
    assert_eq!(sections.len(), base_version["sections"].as_array().map_or(0, Vec::len));
    let with_first = sections
        .iter()
        .find(|s| s["edits"].as_array().is_some_and(|e| e.contains(&first["id"])))
        .expect("section of the first edit");
    assert_ne!(with_first["before"], with_first["after"]);
    assert!(
        sections.iter().filter(|s| s["edits"].as_array().is_some_and(Vec::is_empty)).all(|s| s["before"] == s["after"])
    );

    let (status, subset) =
        app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, json!({"edits": [first["id"]]})).await;
    assert_eq!(status, 201, "{subset}");
    let latex = subset["latexContent"].as_str().expect("latex");
    assert!(latex.contains(first["replacement"].as_str().expect("replacement")), "the chosen edit is in");
    assert!(latex.contains(other["original"].as_str().expect("original")), "the other edit is not");
    assert_eq!(subset["type"], "AI_GENERATED");
    assert_eq!(subset["parentVersionId"].as_str(), Some(base.as_str()));

    // Without `edits`, everything; then without a body, the same version again: 409.
    let (status, whole) = app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, json!({})).await;
    assert_eq!(status, 201, "{whole}");
    assert_eq!(whole["latexContent"], proposal["proposedLatexContent"]);
    let res = app
        .req(reqwest::Method::POST, &format!("/v1/ai-jobs/{job}/proposal/accept"), USER)
        .send()
        .await
        .expect("accept");
    assert_eq!(res.status(), 409);

    let diff_of = |version: &str| {
        let app = &app;
        let path = format!("/v1/versions/{version}/diff?from={base}");
        async move { app.get(&path, USER).await.1 }
    };
    let (subset_diff, whole_diff) = (diff_of(&id_of(&subset)).await, diff_of(&id_of(&whole)).await);
    assert!(changes(&subset_diff) >= 1, "{subset_diff}");
    assert!(
        changes(&subset_diff) < changes(&whole_diff),
        "the subset's diff shows less: {subset_diff} vs {whole_diff}"
    );
    // The same choice again is the same version: 409.
    let (status, again) =
        app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, json!({"edits": [first["id"]]})).await;
    assert_problem(status, &again, 409);
}

#[tokio::test]
async fn ids_not_of_this_proposal_and_sections_locked_since_are_refused() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let (_, base, job, proposal) = completed_job(&app, &sim, RESUME).await;
    let (_, _, _, other) = completed_job(&app, &sim, include_str!("../../../eval/resumes/plain-itemize.tex")).await;
    let theirs = applied(&other)[0]["id"].clone();
    assert!(applied(&proposal).iter().all(|e| e["id"] != theirs), "the other job's edits differ");

    for body in [json!({"edits": [theirs]}), json!({"edits": ["e000000000000"]}), json!({"edits": []})] {
        let (status, problem) = app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, body.clone()).await;
        assert_problem(status, &problem, 422);
    }
    let (status, problem) =
        app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, json!({"edits": ["x"], "all": true})).await;
    assert_problem(status, &problem, 422);
    // Another user cannot accept it at all.
    let (status, problem) = app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), "someone_else", json!({})).await;
    assert!(status == 404 || status == 400, "{status} {problem}");

    // The user locks a section after the proposal was made: its edits cannot be accepted.
    let edit = &applied(&proposal)[0];
    let (_, base_version) = app.get(&format!("/v1/versions/{base}"), USER).await;
    let section = &base_version["sections"][edit["section"].as_u64().expect("index") as usize];
    let (status, _) = app.patch(&format!("/v1/sections/{}", id_of(section)), USER, json!({"isLocked": true})).await;
    assert_eq!(status, 200);
    let (status, problem) =
        app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, json!({"edits": [edit["id"]]})).await;
    assert_problem(status, &problem, 422);
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("locked")), "{problem}");
}

#[tokio::test]
async fn a_project_deleted_while_its_job_runs_ends_the_job_quietly() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig { latency: Duration::from_millis(1500), ..SimConfig::default() }).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let (project, base, jd) = app.tailoring_setup(USER, RESUME).await;
    let job = app.submit(USER, &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while app.get(&format!("/v1/ai-jobs/{job}"), USER).await.1["status"] != "RUNNING" {
        assert!(std::time::Instant::now() < deadline, "the job never ran");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let (status, body) = app.delete(&format!("/v1/projects/{project}"), USER).await;
    assert_eq!(status, 204, "{body}");
    tokio::time::sleep(Duration::from_millis(2500)).await; // the provider call ends meanwhile
    let (status, problem) = app.get(&format!("/v1/ai-jobs/{job}"), USER).await;
    assert_problem(status, &problem, 404);
    // The worker goes on: the next job completes.
    let (project, base, jd) = app.tailoring_setup(USER, RESUME).await;
    let next = app.submit(USER, &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    assert_eq!(app.wait_final(USER, &next, Duration::from_secs(30)).await["status"], "COMPLETED");
    let proposals: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "ProposedVersion""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(proposals, 1, "only the second job's");
    worker.stop().await.expect("worker stops");
}
