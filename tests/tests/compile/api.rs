//! Compiles through the API with real workers on a local store: every
//! résumé of the evaluation set becomes COMPILED with its PDF and previews;
//! hostile documents end ERROR and the worker goes on; 20 compiles across
//! two workers all finish; activation switches atomically.

use std::path::Path;
use std::time::{Duration, Instant};

use harness::{TestApp, TestWorker, assert_problem, id_of};
use serde_json::{Value, json};

use crate::sandbox::pdf_text;

const USER: &str = "user_compile";

/// The résumés of `eval/` with their candidate's name as the PDF shows it.
pub const EVAL_RESUMES: &[(&str, &str)] = &[
    ("altacv-like.tex", "Okonkwo “Kay” Adeyemi-Brandt"),
    ("article-macros.tex", "Theodora Vance"),
    ("awesome-like.tex", "Jonas Ekwueme-Hart"),
    ("data-scientist.tex", "Rasmus Oyelaran-Kettle"),
    ("jake.tex", "Marisol Quintero"),
    ("moderncv-banking.tex", "Priyanka Ravindran"),
    ("moderncv-classic.tex", "Kwabena Asante-Lindqvist"),
    ("plain-itemize.tex", "Mei-Ling Castellanos"),
    ("very-long.tex", "Helena Marchetti-Osei"),
];

pub fn eval_resume(file: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../eval/resumes").join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Poll the version until its compile is no longer PENDING.
pub async fn wait_compiled(app: &TestApp, sub: &str, version: &str, timeout: Duration) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let (status, body) = app.get(&format!("/v1/versions/{version}"), sub).await;
        assert_eq!(status, 200, "{body}");
        let state = body["compile"]["state"].as_str().unwrap_or_default();
        if state == "SUCCEEDED" || state == "FAILED" {
            return body;
        }
        assert!(Instant::now() < deadline, "version {version} still {state:?} after {timeout:?}: {body}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A GET with headers, answering (status, headers, body bytes).
async fn get_raw(
    app: &TestApp,
    path: &str,
    sub: &str,
    etag: Option<&str>,
) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = app.req(reqwest::Method::GET, path, sub);
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let res = req.send().await.expect("request");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.bytes().await.expect("body").to_vec();
    (status, headers, body)
}

async fn version(app: &TestApp, project: &str, latex: &str) -> String {
    id_of(&app.base_version(USER, project, latex).await)
}

async fn tasks_of(app: &TestApp, version: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT count(*) FROM apalis.jobs WHERE job_type = 'tailor.compile' AND idempotency_key LIKE $1 || ':%'",
    )
    .bind(version)
    .fetch_one(&app.pool)
    .await
    .expect("count tasks")
}

#[tokio::test]
async fn every_eval_resume_compiles_to_a_pdf_with_previews() {
    let app = TestApp::spawn().await;
    let worker = TestWorker::start(app.worker_config(None));
    let project = app.project(USER).await;
    let mut versions = Vec::new();
    for (file, name) in EVAL_RESUMES {
        let id = version(&app, &project, &eval_resume(file)).await;
        let (status, body) = app.post(&format!("/v1/versions/{id}/compile"), USER, json!({})).await;
        assert_eq!(status, 202, "{file}: {body}");
        assert_eq!(body["compile"]["state"], "PENDING", "{body}");
        assert_eq!(body["status"], "DRAFT");
        // A second request while pending queues nothing more.
        let (status, _) = app.post(&format!("/v1/versions/{id}/compile"), USER, json!({})).await;
        assert!(status == 202 || status == 200, "{file}: {status}");
        versions.push((id, *file, *name));
    }
    for (id, file, name) in &versions {
        let body = wait_compiled(&app, USER, id, Duration::from_secs(120)).await;
        assert_eq!(body["compile"]["state"], "SUCCEEDED", "{file}: {body}");
        assert_eq!(body["status"], "COMPILED", "{file}");
        assert_eq!(body["pdfUrl"], format!("/v1/versions/{id}/pdf"), "{file}");
        assert_eq!(body["compile"]["engine"], "pdflatex", "{file}");
        assert_eq!(tasks_of(&app, id).await, 1, "{file}: one task for the pending requests");
        let pages = body["compile"]["pages"].as_u64().expect("pages");

        let (status, headers, pdf) = get_raw(&app, &format!("/v1/versions/{id}/pdf"), USER, None).await;
        assert_eq!(status, 200, "{file}");
        assert_eq!(headers["content-type"], "application/pdf");
        let disposition = headers["content-disposition"].to_str().expect("ascii");
        assert!(disposition.starts_with("inline; filename=\"Backend r_sum_.pdf\""), "{disposition}");
        assert!(pdf_text(&pdf).contains(name), "{file}: the PDF's text lacks {name}");
        let etag = headers["etag"].to_str().expect("etag").to_owned();
        let (status, _, body) = get_raw(&app, &format!("/v1/versions/{id}/pdf"), USER, Some(&etag)).await;
        assert_eq!((status, body.len()), (304, 0), "{file}: If-None-Match");

        let (status, headers, png) =
            get_raw(&app, &format!("/v1/versions/{id}/preview?page={pages}"), USER, None).await;
        assert_eq!(status, 200, "{file}");
        assert_eq!(headers["content-type"], "image/png");
        assert!(png.starts_with(b"\x89PNG"), "{file}");
        let (status, _) = app.get(&format!("/v1/versions/{id}/preview?page={}", pages + 1), USER).await;
        assert_eq!(status, 404, "{file}: no such page");

        // Compiled already: 200, nothing queued.
        let (status, body) = app.post(&format!("/v1/versions/{id}/compile"), USER, json!({})).await;
        assert_eq!(status, 200, "{file}: {body}");
        assert_eq!(tasks_of(&app, id).await, 1, "{file}");
    }
    let (status, _, pdf) =
        get_raw(&app, &format!("/v1/versions/{}/pdf?download=true", versions[0].0), USER, None).await;
    assert_eq!(status, 200);
    assert!(pdf.starts_with(b"%PDF"));
    worker.stop().await.expect("worker stops");
}

#[tokio::test]
async fn hostile_documents_end_as_error_and_the_worker_goes_on() {
    let app = TestApp::spawn().await;
    let mut config = app.worker_config(None);
    config.compile_limits.timeout = Duration::from_secs(8);
    config.compile_limits.cpu = Duration::from_secs(4);
    let worker = TestWorker::start(config);
    let project = app.project(USER).await;
    let hostile = [
        ("\\write18{touch /tmp/tailor-pwned}", "shell"),
        ("\\input{/etc/passwd}", "outside the document"),
        ("\\def\\a{\\a}\\a", "stopped"),
        // Few enough pages for TeX to make within the limits on a loaded
        // machine: the page limit refuses them.
        ("\\count1=0 \\loop\\null\\newpage\\advance\\count1 by 1 \\ifnum\\count1<300\\repeat", "at most 20"),
    ];
    let mut ids = Vec::new();
    for (body, _) in &hostile {
        let latex = format!("\\documentclass{{article}}\n\\begin{{document}}\nHostile.\n{body}\n\\end{{document}}\n");
        ids.push(version(&app, &project, &latex).await);
    }
    let missing = version(&app, &project, "\\documentclass{awesome-cv}\n\\begin{document}\nx\n\\end{document}\n").await;
    let good = version(&app, &project, &eval_resume("jake.tex")).await;
    for id in ids.iter().chain([&missing, &good]) {
        let (status, body) = app.post(&format!("/v1/versions/{id}/compile"), USER, json!({})).await;
        assert_eq!(status, 202, "{body}");
    }
    for (id, (body, expected)) in ids.iter().zip(&hostile) {
        let version = wait_compiled(&app, USER, id, Duration::from_secs(60)).await;
        assert_eq!(version["compile"]["state"], "FAILED", "{body}: {version}");
        assert_eq!(version["status"], "ERROR", "{body}");
        assert!(version["pdfUrl"].is_null());
        let message = version["compile"]["message"].as_str().expect("message");
        assert!(message.contains(expected), "{body}: {message}");
        let (status, problem) = app.get(&format!("/v1/versions/{id}/pdf"), USER).await;
        assert_problem(status, &problem, 404);
    }
    assert!(!Path::new("/tmp/tailor-pwned").exists());
    let version = wait_compiled(&app, USER, &missing, Duration::from_secs(60)).await;
    assert!(version["compile"]["message"].as_str().is_some_and(|m| m.contains("awesome-cv.cls")), "{version}");
    // TeX stops where it was reading, after the class name (line 1 or 2).
    assert!(version["compile"]["errors"][0]["line"].as_u64().is_some_and(|l| l <= 2), "{version}");
    let version = wait_compiled(&app, USER, &good, Duration::from_secs(60)).await;
    assert_eq!(version["status"], "COMPILED", "the worker went on: {version}");

    // A FAILED compile may be asked again: it is queued anew.
    let (status, body) = app.post(&format!("/v1/versions/{missing}/compile"), USER, json!({})).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["compile"]["state"], "PENDING");
    assert_eq!(tasks_of(&app, &missing).await, 2);
    let version = wait_compiled(&app, USER, &missing, Duration::from_secs(60)).await;
    assert_eq!(version["compile"]["state"], "FAILED");
    worker.stop().await.expect("worker stops");
}

#[tokio::test]
async fn twenty_compiles_across_two_workers_all_finish() {
    let app = TestApp::spawn().await;
    let mut first = app.worker_config(None);
    first.name_prefix = "compile-a".into();
    let mut second = app.worker_config(None);
    second.name_prefix = "compile-b".into();
    let (a, b) = (TestWorker::start(first), TestWorker::start(second));
    let project = app.project(USER).await;
    let mut ids = Vec::new();
    for i in 0..20 {
        let (file, _) = EVAL_RESUMES[i % EVAL_RESUMES.len()];
        ids.push(version(&app, &project, &eval_resume(file)).await);
    }
    let paths: Vec<String> = ids.iter().map(|id| format!("/v1/versions/{id}/compile")).collect();
    let submits = paths.iter().map(|path| app.post(path, USER, json!({})));
    for (status, body) in futures::future::join_all(submits).await {
        assert_eq!(status, 202, "{body}");
    }
    for id in &ids {
        let version = wait_compiled(&app, USER, id, Duration::from_secs(180)).await;
        assert_eq!(version["status"], "COMPILED", "{version}");
    }
    let by_worker: Vec<(String, i64)> = sqlx::query_as(
        "SELECT split_part(lock_by, '-', 1) || '-' || split_part(lock_by, '-', 2), count(*)
         FROM apalis.jobs WHERE job_type = 'tailor.compile' GROUP BY 1 ORDER BY 1",
    )
    .fetch_all(&app.pool)
    .await
    .expect("tasks by worker");
    assert_eq!(by_worker.len(), 2, "both workers compiled: {by_worker:?}");
    a.stop().await.expect("stop");
    b.stop().await.expect("stop");
}

#[tokio::test]
async fn activation_switches_atomically_and_survives_compiles() {
    let app = TestApp::spawn().await;
    let worker = TestWorker::start(app.worker_config(None));
    let project = app.project(USER).await;
    let base = version(&app, &project, &eval_resume("plain-itemize.tex")).await;
    let mut ids = vec![base.clone()];
    for _ in 0..4 {
        let (status, body) = app
            .post(
                &format!("/v1/projects/{project}/versions"),
                USER,
                json!({"type": "MANUAL", "parentVersionId": base, "latexContent": eval_resume("plain-itemize.tex")}),
            )
            .await;
        assert_eq!(status, 201, "{body}");
        ids.push(id_of(&body));
    }
    let (_, project_body) = app.get(&format!("/v1/projects/{project}"), USER).await;
    assert!(project_body["activeVersionId"].is_null(), "{project_body}");

    // The base compiles; then it is activated and stays ACTIVE.
    app.post(&format!("/v1/versions/{base}/compile"), USER, json!({})).await;
    let compiled = wait_compiled(&app, USER, &base, Duration::from_secs(60)).await;
    assert_eq!(compiled["status"], "COMPILED");
    let (status, body) = app.post(&format!("/v1/versions/{base}/activate"), USER, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ACTIVE");

    // Racing activations of every version: exactly one ends ACTIVE.
    for _ in 0..5 {
        let paths: Vec<String> = ids.iter().map(|id| format!("/v1/versions/{id}/activate")).collect();
        let racing = paths.iter().map(|path| app.post(path, USER, json!({})));
        for (status, body) in futures::future::join_all(racing).await {
            assert_eq!(status, 200, "{body}");
        }
        let (_, tree) = app.get(&format!("/v1/projects/{project}/versions"), USER).await;
        let items = tree["items"].as_array().expect("items");
        let active: Vec<&Value> = items.iter().filter(|v| v["status"] == "ACTIVE").collect();
        assert_eq!(active.len(), 1, "{tree}");
        let (_, project_body) = app.get(&format!("/v1/projects/{project}"), USER).await;
        assert_eq!(project_body["activeVersionId"], active[0]["id"]);
        // The others rest: COMPILED with a PDF, DRAFT without.
        for v in items.iter().filter(|v| v["status"] != "ACTIVE") {
            let expected = if v["pdfUrl"].is_null() { "DRAFT" } else { "COMPILED" };
            assert_eq!(v["status"], expected, "{v}");
        }
    }

    // An ACTIVE version that compiles stays ACTIVE, with its PDF.
    let last = ids.last().expect("a version");
    app.post(&format!("/v1/versions/{last}/activate"), USER, json!({})).await;
    app.post(&format!("/v1/versions/{last}/compile"), USER, json!({})).await;
    let compiled = wait_compiled(&app, USER, last, Duration::from_secs(60)).await;
    assert_eq!(compiled["status"], "ACTIVE", "{compiled}");
    assert_eq!(compiled["pdfUrl"], format!("/v1/versions/{last}/pdf"));
    // Switching away returns it to COMPILED, and the base to ACTIVE.
    app.post(&format!("/v1/versions/{base}/activate"), USER, json!({})).await;
    let (_, v) = app.get(&format!("/v1/versions/{last}"), USER).await;
    assert_eq!(v["status"], "COMPILED");
    worker.stop().await.expect("worker stops");
}

#[tokio::test]
async fn pdf_routes_refuse_strangers_unknown_ids_and_bad_input() {
    let app = TestApp::spawn().await;
    let project = app.project(USER).await;
    let id = version(&app, &project, &eval_resume("jake.tex")).await;
    let unknown = uuid::Uuid::new_v4();
    for path in [
        format!("/v1/versions/{id}/pdf"),
        format!("/v1/versions/{id}/preview?page=1"),
        format!("/v1/versions/{unknown}/pdf"),
        format!("/v1/versions/{unknown}/preview"),
        format!("/v1/ai-jobs/{unknown}/proposal/pdf"),
    ] {
        let (status, body) = app.get(&path, USER).await;
        assert_problem(status, &body, 404);
    }
    for path in [format!("/v1/versions/{id}/compile"), format!("/v1/versions/{id}/activate")] {
        let (status, body) = app.post(&path, "user_stranger", json!({})).await;
        assert_problem(status, &body, 404);
        let (status, body) = app.get(&format!("/v1/versions/{id}/pdf"), "user_stranger").await;
        assert_problem(status, &body, 404);
    }
    let (status, body) = app.post(&format!("/v1/versions/{unknown}/compile"), USER, json!({})).await;
    assert_problem(status, &body, 404);
    let (status, body) = app.post("/v1/versions/not-a-uuid/activate", USER, json!({})).await;
    assert_problem(status, &body, 400);
    let (status, body) = app.get(&format!("/v1/versions/{id}/preview?page=0"), USER).await;
    assert_problem(status, &body, 422);
    let (status, body) = app.get(&format!("/v1/versions/{id}/preview?page=abc"), USER).await;
    assert_problem(status, &body, 400);
    let (status, body) = app.get(&format!("/v1/versions/{id}/pdf?download=maybe"), USER).await;
    assert_problem(status, &body, 400);
    // Nothing was queued by strangers or bad requests.
    assert_eq!(tasks_of(&app, &id).await, 0);
    let (_, v) = app.get(&format!("/v1/versions/{id}"), USER).await;
    assert!(v["compile"].is_null(), "{v}");
}
