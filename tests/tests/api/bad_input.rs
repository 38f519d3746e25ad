//! Bad input answers a precise problem+json, never a 500, and stores nothing.

use reqwest::Method;
use serde_json::json;

use harness::{TestApp, assert_problem, send, token_for};

#[tokio::test]
async fn every_kind_of_bad_input_has_its_status() {
    let app = TestApp::spawn().await;
    let token = token_for("user_bad");
    let post_raw = |path: &str, body: Vec<u8>, content_type: Option<&str>| {
        let mut req = app.client.post(app.url(path)).bearer_auth(&token).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        send(req)
    };

    // Malformed JSON: 400.
    let (status, body) = post_raw("/v1/projects", b"{\"name\": ".to_vec(), Some("application/json")).await;
    assert_problem(status, &body, 400);
    // Not JSON at all: 415.
    let (status, body) = post_raw("/v1/projects", b"name=x".to_vec(), Some("application/x-www-form-urlencoded")).await;
    assert_problem(status, &body, 415);
    // Wrong type: 422.
    let (status, body) = post_raw("/v1/projects", br#"{"name": ["x"]}"#.to_vec(), Some("application/json")).await;
    assert_problem(status, &body, 422);
    // Unknown field: 422.
    let (status, body) =
        post_raw("/v1/projects", br#"{"name": "x", "owner": "me"}"#.to_vec(), Some("application/json")).await;
    assert_problem(status, &body, 422);
    // Over the body limit (2 MiB): 413.
    let huge = format!(r#"{{"name": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let (status, body) = post_raw("/v1/projects", huge.into_bytes(), Some("application/json")).await;
    assert_problem(status, &body, 413);
    // Malformed ids: 400; unknown ids: 404.
    for path in ["/v1/projects/not-a-uuid", "/v1/versions/123", "/v1/ai-jobs/%00", "/v1/job-descriptions/zz"] {
        let (status, body) = app.get(path, "user_bad").await;
        assert_problem(status, &body, 400);
    }
    let (status, body) = app.get(&format!("/v1/projects/{}", uuid::Uuid::new_v4()), "user_bad").await;
    assert_problem(status, &body, 404);
    // Pagination parameters.
    let (status, body) = app.get("/v1/projects?cursor=garbage", "user_bad").await;
    assert_problem(status, &body, 400);
    let (status, body) = app.get("/v1/projects?limit=0", "user_bad").await;
    assert_problem(status, &body, 422);
    let (status, body) = app.get("/v1/projects?limit=abc", "user_bad").await;
    assert_problem(status, &body, 400);
    // Numbers and times Rust reads but PostgreSQL cannot store, or out of any range: 4xx, never 500.
    use base64::Engine as _;
    let cursor = |raw: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw);
    let id = uuid::Uuid::nil();
    for raw in [format!("-211000000000000000|{id}"), format!("9223372036854775807|{id}"), format!("-0|{id}")] {
        let (status, body) = app.get(&format!("/v1/projects?cursor={}", cursor(&raw)), "user_bad").await;
        assert!(status == 400 || status == 200, "{raw}: {status} {body}");
        assert_ne!(status, 500);
    }
    let (status, body) =
        app.get(&format!("/v1/projects?cursor={}", cursor(&format!("-211000000000000000|{id}"))), "user_bad").await;
    assert_problem(status, &body, 400);
    for query in ["limit=99999999999999999999", "limit=-1", "limit=1e3", "limit=9223372036854775807"] {
        let (status, body) = app.get(&format!("/v1/projects?{query}"), "user_bad").await;
        assert!(status == 400 || status == 422, "{query}: {status} {body}");
    }
    let job = uuid::Uuid::new_v4();
    for query in ["waitSeconds=18446744073709551616", "waitSeconds=-5", "waitSeconds=61", "ifStatus=DONE"] {
        let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?{query}"), "user_bad").await;
        assert!(status == 400 || status == 422, "{query}: {status} {body}");
    }
    let version = uuid::Uuid::new_v4();
    for query in ["page=4294967296", "page=-1", "page=0", "page=4294967295"] {
        let (status, body) = app.get(&format!("/v1/versions/{version}/preview?{query}"), "user_bad").await;
        assert!(matches!(status, 400 | 404 | 422), "{query}: {status} {body}");
    }
    // JSON nested far deeper than any body needs: refused (4xx), and the api lives on.
    for deep in [
        format!(r#"{{"name": {}1{}}}"#, "[".repeat(100_000), "]".repeat(100_000)),
        format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("{}{}", r#"{"a":"#.repeat(50_000), "}".repeat(50_000)),
    ] {
        let (status, body) = post_raw("/v1/projects", deep.into_bytes(), Some("application/json")).await;
        assert!(status == 400 || status == 422, "{status} {body}");
    }
    let (status, body) = app.get("/v1/me", "user_bad").await;
    assert_eq!(status, 200, "{body}");
    // Unknown routes and methods.
    let (status, body) = app.get("/v1/nothing-here", "user_bad").await;
    assert_problem(status, &body, 404);
    let (status, body) = send(app.client.request(Method::DELETE, app.url("/v1/projects")).bearer_auth(&token)).await;
    assert_problem(status, &body, 405);
    // Section lock with a wrong type.
    let (status, body) =
        app.patch(&format!("/v1/sections/{}", uuid::Uuid::new_v4()), "user_bad", json!({"isLocked": "yes"})).await;
    assert_problem(status, &body, 422);

    let projects: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "ResumeProject""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(projects, 0, "no bad request stored anything");
}

#[tokio::test]
async fn health_readiness_and_openapi() {
    let app = TestApp::spawn().await;
    let (status, _) = send(app.client.get(app.url("/healthz"))).await;
    assert_eq!(status, 200);
    let (status, ready) = send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(status, 200, "{ready}");
    assert_eq!(ready, json!({"postgres": "ok", "redis": "ok"}));

    let (status, doc) = send(app.client.get(app.url("/openapi.json"))).await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().is_some_and(|v| v.starts_with("3.1")), "{}", doc["openapi"]);
    let paths = doc["paths"].as_object().expect("paths");
    for (path, method) in [
        ("/healthz", "get"),
        ("/readyz", "get"),
        ("/v1/me", "get"),
        ("/v1/projects", "post"),
        ("/v1/projects", "get"),
        ("/v1/projects/{projectId}", "get"),
        ("/v1/projects/{projectId}", "patch"),
        ("/v1/projects/{projectId}/versions", "post"),
        ("/v1/projects/{projectId}/versions", "get"),
        ("/v1/versions/{versionId}", "get"),
        ("/v1/sections/{sectionId}", "patch"),
        ("/v1/projects/{projectId}/job-descriptions", "post"),
        ("/v1/projects/{projectId}/job-descriptions", "get"),
        ("/v1/job-descriptions/{jdId}", "get"),
        ("/v1/projects/{projectId}/ai-jobs", "post"),
        ("/v1/projects/{projectId}/ai-jobs", "get"),
        ("/v1/ai-jobs/{jobId}", "get"),
    ] {
        assert!(paths.get(path).and_then(|p| p.get(method)).is_some(), "{method} {path} missing from /openapi.json");
    }
}

#[tokio::test]
async fn readiness_reports_a_dead_redis_but_stays_ready() {
    let app = TestApp::spawn_with(|c| c.redis_url = "redis://127.0.0.1:1".into()).await;
    let (status, ready) = send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(status, 200);
    assert_eq!(ready, json!({"postgres": "ok", "redis": "down"}));
}

#[tokio::test]
async fn a_dead_database_answers_503_quickly() {
    let app = TestApp::spawn_with(|c| c.database_url = "postgres://postgres@127.0.0.1:1/nothing".into()).await;
    let started = std::time::Instant::now();
    let (status, body) = app.get("/v1/me", "user_x").await;
    assert_problem(status, &body, 503);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "took {:?}", started.elapsed());
    let (status, _) = send(app.client.get(app.url("/readyz"))).await;
    assert_eq!(status, 503);
}
