//! What one user or one client may hold of the api: open streams and
//! long-polls per user, requests in flight, each request's deadline, the
//! header-read timeout, the daily job quota, key-check rate and reuse,
//! sections per version; and CORS for browser front ends.

use std::time::{Duration, Instant};

use harness::{SAMPLE_RESUME, Sim, TestApp, assert_problem, id_of};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tools::sim::SimConfig;

async fn queued_job(app: &TestApp, sub: &str) -> String {
    let (project, base, jd) = app.tailoring_setup(sub, SAMPLE_RESUME).await;
    app.submit(sub, &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await
}

fn retry_after(res: &reqwest::Response) -> Option<u64> {
    res.headers().get("retry-after")?.to_str().ok()?.parse().ok()
}

#[tokio::test]
async fn a_user_holds_at_most_the_cap_of_streams_and_long_polls() {
    let app = TestApp::spawn_with(|c| c.max_waits_per_user = 2).await;
    let job = queued_job(&app, "user_w").await;
    let events = format!("/v1/ai-jobs/{job}/events");
    let first = app.req(reqwest::Method::GET, &events, "user_w").send().await.expect("first");
    let second = app.req(reqwest::Method::GET, &events, "user_w").send().await.expect("second");
    assert_eq!((first.status().as_u16(), second.status().as_u16()), (200, 200));

    // A third stream, or a long-poll, is over the cap.
    let third = app.req(reqwest::Method::GET, &events, "user_w").send().await.expect("third");
    assert_eq!(third.status(), 429);
    assert_eq!(retry_after(&third), Some(1));
    let long_poll = app
        .req(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}?waitSeconds=5"), "user_w")
        .send()
        .await
        .expect("long-poll");
    assert_eq!(long_poll.status(), 429);
    let problem: serde_json::Value = long_poll.json().await.expect("problem");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("at most 2")), "{problem}");
    // Plain polling is not a wait, and is never refused for it.
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}"), "user_w").await;
    assert_eq!(status, 200);

    // Another user is not affected.
    let other = queued_job(&app, "user_w2").await;
    let theirs = app.req(reqwest::Method::GET, &format!("/v1/ai-jobs/{other}/events"), "user_w2").send().await;
    assert_eq!(theirs.expect("other user").status(), 200);

    // A client that goes away gives its slot back.
    drop(first);
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let again = app.req(reqwest::Method::GET, &events, "user_w").send().await.expect("again");
        if again.status() == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the closed stream's slot never came back");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(second);
}

#[tokio::test]
async fn over_the_in_flight_limit_the_api_answers_503_at_once_and_health_still_answers() {
    let app = TestApp::spawn_with(|c| c.max_in_flight = 1).await;
    let job = queued_job(&app, "user_f").await;
    // A long-poll holds the one slot for 3 s.
    let hold = app.req(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}?waitSeconds=3"), "user_f").send();
    let hold = tokio::spawn(hold);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let refused = app.req(reqwest::Method::GET, "/v1/me", "user_f").send().await.expect("me");
    assert!(started.elapsed() < Duration::from_secs(2), "refused at once, not queued behind the long-poll");
    assert_eq!(refused.status(), 503);
    assert_eq!(retry_after(&refused), Some(1));
    assert_eq!(refused.headers().get("content-type").map(|v| v.as_bytes()), Some(&b"application/problem+json"[..]));
    let health = reqwest::get(app.url("/healthz")).await.expect("healthz");
    assert_eq!(health.status(), 200, "liveness is never refused for being busy");
    assert_eq!(hold.await.expect("join").expect("long-poll").status(), 200);
    let (status, _) = app.get("/v1/me", "user_f").await;
    assert_eq!(status, 200, "the slot is free again");
}

#[tokio::test]
async fn a_request_past_its_deadline_answers_503() {
    let app = TestApp::spawn_with(|c| c.request_timeout = Duration::from_secs(1)).await;
    let job = queued_job(&app, "user_d").await;
    let started = Instant::now();
    let (status, problem) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=10"), "user_d").await;
    assert_problem(status, &problem, 503);
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("longer than 1 s")), "{problem}");
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let app = TestApp::spawn_with(|c| c.header_read_timeout = Duration::from_secs(1)).await;
    let addr = app.url("").trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n").await.expect("partial headers");
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(10), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the connection");
    assert!(started.elapsed() < Duration::from_secs(5), "within the timeout: {:?}", started.elapsed());
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"), "no answer to an unfinished request");
    // Everyone else is served meanwhile and after.
    assert_eq!(reqwest::get(app.url("/healthz")).await.expect("healthz").status(), 200);
}

#[tokio::test]
async fn the_daily_quota_refuses_the_next_job_and_keeps_nothing_of_it() {
    let app = TestApp::spawn_with(|c| c.jobs_per_day = Some(2)).await;
    let user = app.user("user_q");
    let (project, base, jd) = user.tailoring_setup(SAMPLE_RESUME).await;
    for _ in 0..2 {
        user.submit(&project, &base, &jd).await.expect("within the quota");
    }
    let refused = user.submit(&project, &base, &jd).await.expect_err("over the quota");
    assert_eq!(refused.status, 429);
    assert!(refused.retry_after.is_some_and(|s| (1..=86_400).contains(&s)), "until midnight UTC: {refused:?}");
    assert!(refused.detail().contains("at most 2 per day"), "{refused:?}");
    assert_eq!(user.jobs(project.id).await.expect("jobs").items.len(), 2, "the refused job was not recorded");
    let tasks: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs").fetch_one(&app.pool).await.expect("tasks");
    assert_eq!(tasks, 2, "nor queued");
    // Deleting the project (and its jobs with it) does not give the day's quota back.
    sqlx::query(r#"DELETE FROM "ResumeProject" WHERE id = $1"#)
        .bind(project.id)
        .execute(&app.pool)
        .await
        .expect("delete");
    let (project, base, jd) = user.tailoring_setup(SAMPLE_RESUME).await;
    assert_eq!(user.submit(&project, &base, &jd).await.expect_err("still over").status, 429);
    // Another user has their own quota.
    let other = app.user("user_q2");
    let (project, base, jd) = other.tailoring_setup(SAMPLE_RESUME).await;
    other.submit(&project, &base, &jd).await.expect("another user's own quota");
}

#[tokio::test]
async fn key_checks_are_rate_limited_and_a_recent_verdict_is_reused() {
    let app = TestApp::spawn_with(|c| {
        c.key_checks_per_minute = 3;
        c.key_check_cache_ttl = Duration::from_secs(60);
    })
    .await;
    let sim = Sim::start(SimConfig::default()).await;
    let body = json!({"apiKey": "azure-key-0123456789", "endpoint": format!("{}/openai/deployments/gpt-4o", sim.base)});
    let (status, view) = app.put("/v1/api-keys/AZURE_OPENAI", "user_r", body.clone()).await;
    assert_eq!(status, 200, "{view}");
    let (status, view) = app.post("/v1/api-keys/AZURE_OPENAI/validate", "user_r", json!({})).await;
    assert_eq!((status, view["isValid"].as_bool()), (200, Some(true)), "{view}");
    assert_eq!(sim.chat_requests(), 1, "the second check reused the provider's verdict");
    // The burst is spent: the next write is refused before any outbound call.
    let mut refused = None;
    for _ in 0..3 {
        let (status, problem) = app.put("/v1/api-keys/AZURE_OPENAI", "user_r", body.clone()).await;
        if status == 429 {
            refused = Some(problem);
            break;
        }
    }
    let problem = refused.expect("a write over the rate is refused");
    assert!(problem["detail"].as_str().is_some_and(|d| d.contains("key writes and validations")), "{problem}");
    assert_eq!(sim.chat_requests(), 1);
    // Another user is not limited by it.
    let (status, _) = app.put("/v1/api-keys/AZURE_OPENAI", "user_r2", body).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_version_over_the_section_cap_is_refused_with_the_reason() {
    let app = TestApp::spawn().await;
    let project = app.project("user_s").await;
    let body = |n: usize| {
        let sections: String = (0..n).map(|i| format!("\\section{{S{i}}}\nText {i}.\n")).collect();
        json!({"type": "BASE", "latexContent": format!("\\documentclass{{article}}\n\\begin{{document}}\n{sections}\\end{{document}}\n")})
    };
    let (status, version) = app.post(&format!("/v1/projects/{project}/versions"), "user_s", body(500)).await;
    assert_eq!(status, 201, "{version}");
    assert_eq!(version["sections"].as_array().map(Vec::len), Some(500), "one per heading");
    let (status, problem) = app.post(&format!("/v1/projects/{project}/versions"), "user_s", body(501)).await;
    assert_problem(status, &problem, 422);
    assert!(
        problem["detail"].as_str().is_some_and(|d| d.contains("501 sections") && d.contains("at most 500")),
        "{problem}"
    );
}

#[tokio::test]
async fn cors_answers_preflights_for_allowed_origins_only() {
    let app = TestApp::spawn_with(|c| c.cors_allowed_origins = vec!["http://localhost:5173".into()]).await;
    let http = reqwest::Client::new();
    let preflight = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, app.url("/v1/projects"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.expect("preflight");
    assert_eq!(allowed.status(), 200);
    let header = |res: &reqwest::Response, name: &str| {
        res.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_lowercase)
    };
    assert_eq!(header(&allowed, "access-control-allow-origin").as_deref(), Some("http://localhost:5173"));
    let methods = header(&allowed, "access-control-allow-methods").unwrap_or_default();
    assert!(methods.contains("post") && methods.contains("delete"), "{methods}");
    let headers = header(&allowed, "access-control-allow-headers").unwrap_or_default();
    assert!(headers.contains("authorization") && headers.contains("content-type"), "{headers}");

    let refused = preflight("https://evil.example").await.expect("preflight");
    assert_eq!(header(&refused, "access-control-allow-origin"), None, "another origin gets no grant");

    // An actual request from the allowed origin carries the grant and exposes Location.
    let res = app
        .req(reqwest::Method::POST, "/v1/projects", "user_c")
        .header("Origin", "http://localhost:5173")
        .json(&json!({"name": "From the browser"}))
        .send()
        .await
        .expect("create");
    assert_eq!(res.status(), 201);
    assert_eq!(header(&res, "access-control-allow-origin").as_deref(), Some("http://localhost:5173"));
    assert!(header(&res, "access-control-expose-headers").is_some_and(|h| h.contains("location")));

    // Without CORS_ALLOWED_ORIGINS, no grant at all.
    let closed = TestApp::spawn().await;
    let res = http
        .request(reqwest::Method::OPTIONS, closed.url("/v1/projects"))
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("preflight");
    assert_eq!(header(&res, "access-control-allow-origin"), None);
}
