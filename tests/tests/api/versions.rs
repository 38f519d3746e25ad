//! Versions: sections extracted on create, MANUAL children inherit locks,
//! the tree, and every way a version request can be invalid.

use serde_json::{Value, json};

use harness::{SAMPLE_RESUME, TestApp, assert_problem, id_of};

fn section_types(version: &Value) -> Vec<String> {
    version["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| s["sectionType"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn base_version_is_split_into_ordered_sections() {
    let app = TestApp::spawn().await;
    let project = app.project("user_v").await;
    let version = app.base_version("user_v", &project, SAMPLE_RESUME).await;
    assert_eq!(version["type"], "BASE");
    assert_eq!(version["status"], "DRAFT");
    assert_eq!(version["latexContent"], SAMPLE_RESUME);
    assert_eq!(section_types(&version), ["OTHER", "EXPERIENCE", "EDUCATION", "SKILLS"]);
    let sections = version["sections"].as_array().expect("sections");
    for (i, s) in sections.iter().enumerate() {
        assert_eq!(s["orderIndex"], i);
        assert_eq!(s["isLocked"], false);
    }
    // The sections are exactly the document's body, in order.
    let body: String = sections.iter().map(|s| s["content"].as_str().unwrap_or_default()).collect();
    assert!(SAMPLE_RESUME.contains(&body), "sections partition the body");

    let (status, got) = app.get(&format!("/v1/versions/{}", id_of(&version)), "user_v").await;
    assert_eq!(status, 200);
    assert_eq!(got, version);
}

#[tokio::test]
async fn manual_child_carries_its_parents_locks_and_tree_lists_both() {
    let app = TestApp::spawn().await;
    let project = app.project("user_v").await;
    let base = app.base_version("user_v", &project, SAMPLE_RESUME).await;
    let education = base["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .find(|s| s["sectionType"] == "EDUCATION")
        .expect("education section")
        .clone();
    let (status, locked) =
        app.patch(&format!("/v1/sections/{}", id_of(&education)), "user_v", json!({"isLocked": true})).await;
    assert_eq!(status, 200, "{locked}");
    assert_eq!(locked["isLocked"], true);

    let edited = SAMPLE_RESUME.replace("Cut p99 latency by 35\\%", "Cut p99 latency by a third");
    let (status, child) = app
        .post(
            &format!("/v1/projects/{project}/versions"),
            "user_v",
            json!({"latexContent": edited, "type": "MANUAL", "parentVersionId": id_of(&base)}),
        )
        .await;
    assert_eq!(status, 201, "{child}");
    assert_eq!(child["parentVersionId"], base["id"]);
    let locks: Vec<(String, bool)> = child["sections"]
        .as_array()
        .expect("sections")
        .iter()
        .map(|s| (s["sectionType"].as_str().unwrap_or_default().to_owned(), s["isLocked"].as_bool().unwrap_or(false)))
        .collect();
    assert_eq!(
        locks,
        [("OTHER".into(), false), ("EXPERIENCE".into(), false), ("EDUCATION".into(), true), ("SKILLS".into(), false)]
    );

    let (status, tree) = app.get(&format!("/v1/projects/{project}/versions"), "user_v").await;
    assert_eq!(status, 200);
    let items = tree["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], base["id"]);
    assert_eq!(items[1]["parentVersionId"], base["id"]);
    assert!(items[0].get("latexContent").is_none(), "the tree omits the LaTeX");
}

#[tokio::test]
async fn invalid_version_requests_are_422() {
    let app = TestApp::spawn().await;
    let project = app.project("user_v").await;
    let other_project = app.project("user_v").await;
    let foreign = app.base_version("user_v", &other_project, SAMPLE_RESUME).await;
    let path = format!("/v1/projects/{project}/versions");
    let cases = [
        ("manual without parent", json!({"latexContent": SAMPLE_RESUME, "type": "MANUAL"})),
        (
            "base with parent",
            json!({"latexContent": SAMPLE_RESUME, "type": "BASE", "parentVersionId": id_of(&foreign)}),
        ),
        ("ai generated", json!({"latexContent": SAMPLE_RESUME, "type": "AI_GENERATED"})),
        (
            "parent of another project",
            json!({"latexContent": SAMPLE_RESUME, "type": "MANUAL", "parentVersionId": id_of(&foreign)}),
        ),
        ("unknown type", json!({"latexContent": SAMPLE_RESUME, "type": "DRAFTY"})),
        ("not a document", json!({"latexContent": "\\section{Experience} hello", "type": "BASE"})),
        ("no end", json!({"latexContent": "\\documentclass{article}\\begin{document}hi", "type": "BASE"})),
        ("empty", json!({"latexContent": "", "type": "BASE"})),
        (
            "too large",
            json!({"latexContent": format!("\\documentclass{{article}}\\begin{{document}}{}\\end{{document}}", "x".repeat(1024 * 1024 + 1)), "type": "BASE"}),
        ),
    ];
    for (name, body) in cases {
        let (status, problem) = app.post(&path, "user_v", body).await;
        assert_problem(status, &problem, 422);
        assert!(problem["detail"].as_str().is_some_and(|d| !d.is_empty()), "{name}");
    }
    let rows: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "ResumeVersion""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(rows, 1, "no invalid request stored anything");
}
