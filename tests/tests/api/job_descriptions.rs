//! Job descriptions are stored with their analysis.

use serde_json::json;

use harness::{SAMPLE_JD, TestApp, assert_problem, id_of};

#[tokio::test]
async fn jd_is_analysed_once_and_stored() {
    let app = TestApp::spawn().await;
    let project = app.project("user_j").await;
    let (status, jd) =
        app.post(&format!("/v1/projects/{project}/job-descriptions"), "user_j", json!({"rawText": SAMPLE_JD})).await;
    assert_eq!(status, 201, "{jd}");
    assert_eq!(jd["rawText"], SAMPLE_JD);
    assert_eq!(jd["roleType"], "backend");
    let skills = jd["extractedSkills"].to_string();
    for skill in ["\"Go\"", "\"PostgreSQL\"", "\"Kubernetes\"", "\"Docker\""] {
        assert!(skills.contains(skill), "{skill} missing from {skills}");
    }
    assert!(jd["keywords"].as_array().is_some_and(|k| !k.is_empty()), "{jd}");

    // Stored, not recomputed: the row holds exactly what was returned.
    let stored: serde_json::Value =
        sqlx::query_scalar(r#"SELECT "extractedSkills" FROM "JobDescription" WHERE id = $1"#)
            .bind(uuid::Uuid::parse_str(&id_of(&jd)).expect("uuid"))
            .fetch_one(&app.pool)
            .await
            .expect("row");
    assert_eq!(stored, jd["extractedSkills"]);

    let (status, got) = app.get(&format!("/v1/job-descriptions/{}", id_of(&jd)), "user_j").await;
    assert_eq!(status, 200);
    assert_eq!(got, jd);
    let (status, list) = app.get(&format!("/v1/projects/{project}/job-descriptions"), "user_j").await;
    assert_eq!(status, 200);
    assert_eq!(list["items"][0], jd);
}

#[tokio::test]
async fn empty_or_huge_jd_is_422() {
    let app = TestApp::spawn().await;
    let project = app.project("user_j").await;
    let path = format!("/v1/projects/{project}/job-descriptions");
    for body in [
        json!({"rawText": ""}),
        json!({"rawText": " \n\t"}),
        json!({"rawText": "x".repeat(100_001)}),
        json!({"rawText": null}),
    ] {
        let (status, problem) = app.post(&path, "user_j", body).await;
        assert_problem(status, &problem, 422);
    }
}
