//! Proposals that compile: against a careless model (an emoji pdfLaTeX
//! cannot typeset in every third edit, which no gate can see), the worker
//! compiles the proposal of a compiled base, finds exactly the edits that
//! break it, refuses them by the `compile` gate, and offers what compiles.

use std::time::Duration;

use harness::{Sim, TestApp, TestWorker, id_of};
use serde_json::{Value, json};
use tools::sim::{CARELESS_MARK, SimConfig};

use crate::api::{eval_resume, wait_compiled};
use crate::sandbox::pdf_text;

const USER: &str = "user_proposal_pdf";

async fn careless_setup() -> (TestApp, Sim, TestWorker) {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig { careless_edits: true, ..SimConfig::default() }).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    (app, sim, worker)
}

fn edits_with_mark(trace: &Value, list: &str) -> usize {
    trace[list].as_array().map_or(0, |edits| {
        edits.iter().filter(|e| e["replacement"].as_str().is_some_and(|r| r.contains(CARELESS_MARK.trim()))).count()
    })
}

#[tokio::test]
async fn edits_that_break_the_compile_are_refused_and_the_rest_compile() {
    let (app, _sim, worker) = careless_setup().await;
    let (project, version, jd) = app.tailoring_setup(USER, &eval_resume("jake.tex")).await;
    let base = id_of(&version);
    app.post(&format!("/v1/versions/{base}/compile"), USER, json!({})).await;
    assert_eq!(wait_compiled(&app, USER, &base, Duration::from_secs(60)).await["status"], "COMPILED");

    let job = app.submit(USER, &project, &base, &jd, "AGGRESSIVE", "DEEPSEEK").await;
    let done = app.wait_final(USER, &job, Duration::from_secs(120)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let (status, proposal) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), USER).await;
    assert_eq!(status, 200, "{proposal}");
    let trace = &proposal["edits"];
    let refused_by_compile: Vec<&Value> =
        trace["refused"].as_array().expect("refused").iter().filter(|r| r["gate"] == "compile").collect();
    assert!(!refused_by_compile.is_empty(), "the careless edits were caught: {trace}");
    assert!(
        refused_by_compile.iter().all(|r| r["reason"].as_str().is_some_and(|s| s.contains("does not compile"))),
        "{refused_by_compile:?}"
    );
    assert_eq!(edits_with_mark(trace, "applied"), 0, "no careless edit is offered: {trace}");
    assert!(trace["applied"].as_array().is_some_and(|a| !a.is_empty()), "the good edits stay: {trace}");
    let latex = proposal["proposedLatexContent"].as_str().expect("latex");
    assert!(!latex.contains(CARELESS_MARK.trim()));
    let compile = &trace["compile"];
    assert_eq!(compile["engine"], "pdflatex", "{trace}");
    assert!(compile["compiles"].as_u64().is_some_and(|n| n > 1), "found by compiling: {compile}");

    let res =
        app.req(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}/proposal/pdf"), USER).send().await.expect("get");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    let pdf = res.bytes().await.expect("pdf");
    assert!(pdf_text(&pdf).contains("Marisol Quintero"));

    // Accepting it queues the new version's compile, which succeeds.
    let (status, accepted) = app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), USER, json!({})).await;
    assert_eq!(status, 201, "{accepted}");
    let new = id_of(&accepted);
    assert_eq!(wait_compiled(&app, USER, &new, Duration::from_secs(60)).await["status"], "COMPILED");

    // A stranger sees nothing; a rejected proposal has no PDF.
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}/proposal/pdf"), "user_other").await;
    assert_eq!(status, 404);
    app.delete(&format!("/v1/ai-jobs/{job}/proposal"), USER).await;
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}/proposal/pdf"), USER).await;
    assert_eq!(status, 404);
    worker.stop().await.expect("worker stops");
}

#[tokio::test]
async fn a_base_never_compiled_skips_the_compile() {
    let (app, _sim, worker) = careless_setup().await;
    let (project, version, jd) = app.tailoring_setup(USER, &eval_resume("jake.tex")).await;
    let base = id_of(&version);
    let job = app.submit(USER, &project, &base, &jd, "AGGRESSIVE", "DEEPSEEK").await;
    let done = app.wait_final(USER, &job, Duration::from_secs(60)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let (_, proposal) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), USER).await;
    assert!(proposal["edits"]["compile"].is_null(), "{proposal}");
    assert!(edits_with_mark(&proposal["edits"], "applied") > 0, "nothing compiled, nothing caught");
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}/proposal/pdf"), USER).await;
    assert_eq!(status, 404, "{body}");
    worker.stop().await.expect("worker stops");
}
