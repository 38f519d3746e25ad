//! Users' provider keys: validated before storing, encrypted at rest, never
//! returned; user endpoints are checked against SSRF.

use harness::{Sim, TestApp, assert_problem};
use serde_json::json;
use tools::sim::{Scripted, SimConfig};

const KEY: &str = "azure-secret-key-abcdef123456";

#[tokio::test]
async fn a_valid_key_is_stored_encrypted_and_never_returned() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig { require_key: Some(KEY.into()), ..SimConfig::default() }).await;
    let endpoint = format!("{}/openai/deployments/gpt-4o", sim.base);
    let res = app
        .req(reqwest::Method::PUT, "/v1/api-keys/AZURE_OPENAI", "user_k")
        .json(&json!({"apiKey": KEY, "endpoint": endpoint}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    let text = res.text().await.expect("text");
    assert!(!text.contains(KEY) && !text.contains("abcdef123456"), "the key never comes back: {text}");
    let view: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(view["provider"], "AZURE_OPENAI");
    assert_eq!(view["isValid"], true);
    assert_eq!(view["keyHint"], "…3456");
    assert!(view["lastValidated"].is_string());
    assert_eq!(sim.chat_requests(), 1, "validated against the provider before storing");

    let stored: String =
        sqlx::query_scalar(r#"SELECT "apiKey" FROM "UserAPIKey""#).fetch_one(&app.pool).await.expect("row");
    assert!(!stored.contains(KEY) && stored.starts_with("v1.test."), "encrypted at rest: {stored}");

    let (_, list) = app.get("/v1/api-keys", "user_k").await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(!list.to_string().contains(KEY));

    let (status, revalidated) = app.post("/v1/api-keys/AZURE_OPENAI/validate", "user_k", json!({})).await;
    assert_eq!(status, 200, "{revalidated}");
    assert_eq!(revalidated["isValid"], true);

    let (status, _) = app.delete("/v1/api-keys/AZURE_OPENAI", "user_k").await;
    assert_eq!(status, 204);
    let (status, body) = app.delete("/v1/api-keys/AZURE_OPENAI", "user_k").await;
    assert_problem(status, &body, 404);
}

#[tokio::test]
async fn rejected_keys_are_not_stored_and_revalidation_records_the_reason() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig {
        script: vec![Scripted::Status(401), Scripted::Ok, Scripted::Status(403)],
        ..SimConfig::default()
    })
    .await;
    let body = json!({"apiKey": KEY, "endpoint": format!("{}/openai/deployments/gpt-4o", sim.base)});
    let (status, problem) = app.put("/v1/api-keys/AZURE_OPENAI", "user_k", body.clone()).await;
    assert_problem(status, &problem, 422);
    assert!(problem["detail"].as_str().unwrap_or_default().contains("401"), "{problem}");
    let rows: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "UserAPIKey""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(rows, 0);

    let (status, _) = app.put("/v1/api-keys/AZURE_OPENAI", "user_k", body).await;
    assert_eq!(status, 200);
    let (status, view) = app.post("/v1/api-keys/AZURE_OPENAI/validate", "user_k", json!({})).await;
    assert_eq!(status, 200);
    assert_eq!(view["isValid"], false);
    assert_eq!(view["validationError"], "Azure OpenAI rejected the API key (403)");
}

#[tokio::test]
async fn deepseek_keys_and_bad_input_are_422() {
    let app = TestApp::spawn().await;
    let (status, problem) = app.put("/v1/api-keys/DEEPSEEK", "user_k", json!({"apiKey": KEY})).await;
    assert_problem(status, &problem, 422);
    for body in [
        json!({"apiKey": "", "endpoint": "https://x.openai.azure.com/openai/deployments/d"}),
        json!({"apiKey": "has space", "endpoint": "https://x.openai.azure.com/openai/deployments/d"}),
        json!({"apiKey": KEY}),
        json!({"apiKey": KEY, "endpoint": "   "}),
    ] {
        let (status, problem) = app.put("/v1/api-keys/AZURE_OPENAI", "user_k", body).await;
        assert_problem(status, &problem, 422);
    }
    let (status, problem) = app.put("/v1/api-keys/OPENAI", "user_k", json!({"apiKey": KEY})).await;
    assert_problem(status, &problem, 400);
    let (status, problem) = app.post("/v1/api-keys/AZURE_OPENAI/validate", "user_k", json!({})).await;
    assert_problem(status, &problem, 404);
}

#[tokio::test]
async fn user_endpoints_are_checked_against_ssrf() {
    // The production setting: no insecure endpoints.
    let app = TestApp::spawn_with(|c| c.allow_insecure_azure = false).await;
    // A redirecting "provider" on loopback is also refused (and never followed).
    for endpoint in [
        "http://contoso.openai.azure.com/openai/deployments/d",
        "https://10.0.0.8/openai/deployments/d",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/openai/deployments/d",
        "https://localhost/openai/deployments/d",
        "https://evil.example.com/openai/deployments/d",
        "https://contoso.openai.azure.com.evil.example.com/openai/deployments/d",
        "https://user:pw@contoso.openai.azure.com/openai/deployments/d",
        "file:///etc/passwd",
        "not a url",
    ] {
        let (status, problem) =
            app.put("/v1/api-keys/AZURE_OPENAI", "user_k", json!({"apiKey": KEY, "endpoint": endpoint})).await;
        assert_problem(status, &problem, 422);
    }
    let rows: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "UserAPIKey""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(rows, 0);
}

#[tokio::test]
async fn redirects_are_never_followed() {
    // A local server that redirects everything to another local server.
    use axum::response::Redirect;
    let target = Sim::start(SimConfig::default()).await;
    let to = format!("{}/openai/deployments/gpt-4o/chat/completions", target.base);
    let router = axum::Router::new().fallback(move || {
        let to = to.clone();
        async move { Redirect::temporary(&to) }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let app = TestApp::spawn().await;
    let (status, problem) = app
        .put(
            "/v1/api-keys/AZURE_OPENAI",
            "user_k",
            json!({"apiKey": KEY, "endpoint": format!("http://{addr}/openai/deployments/d")}),
        )
        .await;
    assert_problem(status, &problem, 422);
    assert_eq!(target.chat_requests(), 0, "the redirect was not followed");
    server.abort();
}
