//! Authentication at the HTTP boundary: every bad token is a 401
//! problem+json; users are created on first sight, race-free.

use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tools::token::{Minter, TokenSpec};

use harness::{TestApp, assert_problem, send, token_with};

async fn me_with(app: &TestApp, auth: Option<&str>) -> (u16, Value) {
    let mut req = app.client.request(Method::GET, app.url("/v1/me"));
    if let Some(a) = auth {
        req = req.header("authorization", a);
    }
    send(req).await
}

#[tokio::test]
async fn bad_credentials_answer_401_problem() {
    let app = TestApp::spawn().await;
    let now = chrono::Utc::now().timestamp();

    // Issued two hours ago for one hour: expired an hour ago.
    let expired = token_with(&TokenSpec {
        issued_at: Some(now - 7200),
        ttl: Duration::from_secs(3600),
        ..TokenSpec::new("user_a")
    });
    let not_yet = token_with(&TokenSpec { not_before: Some(now + 600), ..TokenSpec::new("user_a") });
    let other_key = {
        let other = tools::token::generate_keypair("other").expect("keygen");
        Minter::from_pem(&other.private_pem).expect("pem").mint(&TokenSpec::new("user_a")).expect("mint")
    };
    let header = base64url(r#"{"alg":"none","typ":"JWT"}"#);
    let claims = base64url(&format!(r#"{{"sub":"user_a","exp":{}}}"#, now + 3600));
    let alg_none = format!("{header}.{claims}.");

    for (name, auth) in [
        ("missing", None),
        ("not bearer", Some("Basic dXNlcjpwYXNz".to_owned())),
        ("garbage", Some("Bearer not-a-jwt".to_owned())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("not yet valid", Some(format!("Bearer {not_yet}"))),
        ("another key", Some(format!("Bearer {other_key}"))),
        ("alg none", Some(format!("Bearer {alg_none}"))),
    ] {
        let (status, body) = me_with(&app, auth.as_deref()).await;
        assert_problem(status, &body, 401);
        assert!(!body["detail"].as_str().unwrap_or_default().is_empty(), "{name}: {body}");
    }
    let users: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "User""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(users, 0, "no user may be created by a rejected token");
}

fn base64url(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
}

#[tokio::test]
async fn user_is_created_on_first_sight_with_email() {
    let app = TestApp::spawn().await;
    let token = token_with(&TokenSpec { email: Some("ada@example.com".into()), ..TokenSpec::new("user_ada") });
    let (status, first) = me_with(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["clerkId"], "user_ada");
    assert_eq!(first["email"], "ada@example.com");
    let (_, second) = me_with(&app, Some(&format!("Bearer {token}"))).await;
    assert_eq!(first["id"], second["id"]);
}

#[tokio::test]
async fn concurrent_first_requests_create_one_user() {
    let app = TestApp::spawn().await;
    let token = token_with(&TokenSpec::new("user_race"));
    let mut handles = Vec::new();
    for _ in 0..24 {
        let req = app.client.get(app.url("/v1/me")).bearer_auth(&token).timeout(Duration::from_secs(20));
        handles.push(tokio::spawn(send(req)));
    }
    let mut ids = std::collections::BTreeSet::new();
    for h in handles {
        let (status, body) = h.await.expect("join");
        assert_eq!(status, 200, "{body}");
        ids.insert(body["id"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(ids.len(), 1, "every request saw the same user: {ids:?}");
    let rows: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "User" WHERE "clerkId" = 'user_race'"#)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(rows, 1);
}
