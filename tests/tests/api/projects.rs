//! Projects: create, paginate newest first, get, rename.

use serde_json::json;

use harness::{TestApp, assert_problem, id_of};

#[tokio::test]
async fn create_get_rename_and_list_newest_first() {
    let app = TestApp::spawn().await;
    let res = app
        .req(reqwest::Method::POST, "/v1/projects", "user_p")
        .json(&json!({"name": "  Backend résumé  "}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let created: serde_json::Value = res.json().await.expect("json");
    assert_eq!(created["name"], "Backend résumé", "names are trimmed");
    let id = id_of(&created);
    assert_eq!(location.as_deref(), Some(format!("/v1/projects/{id}").as_str()));

    let (status, got) = app.get(&format!("/v1/projects/{id}"), "user_p").await;
    assert_eq!(status, 200);
    assert_eq!(got, created);

    let (status, renamed) =
        app.patch(&format!("/v1/projects/{id}"), "user_p", json!({"name": "Platform résumé"})).await;
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(renamed["name"], "Platform résumé");
    assert!(renamed["updatedAt"].as_str() > created["updatedAt"].as_str(), "updatedAt moves on rename");

    // Five more, then walk the pages two at a time.
    let mut expected = vec![id];
    for i in 0..5 {
        let (_, p) = app.post("/v1/projects", "user_p", json!({"name": format!("p{i}")})).await;
        expected.push(id_of(&p));
    }
    expected.reverse();
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..10 {
        let path = match &cursor {
            Some(c) => format!("/v1/projects?limit=2&cursor={c}"),
            None => "/v1/projects?limit=2".to_owned(),
        };
        let (status, page) = app.get(&path, "user_p").await;
        assert_eq!(status, 200, "{page}");
        for item in page["items"].as_array().expect("items") {
            seen.push(id_of(item));
        }
        match page["nextCursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(seen, expected, "every project once, newest first");
}

#[tokio::test]
async fn invalid_names_are_422() {
    let app = TestApp::spawn().await;
    for body in
        [json!({"name": ""}), json!({"name": "   "}), json!({"name": "x".repeat(201)}), json!({"name": 5}), json!({})]
    {
        let (status, problem) = app.post("/v1/projects", "user_p", body.clone()).await;
        assert_problem(status, &problem, 422);
    }
}
