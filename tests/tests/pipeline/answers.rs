//! Answers shaped like real models', through the real api and worker with
//! the provider faked at the HTTP boundary (`llm-sim --style`): each ends
//! COMPLETED with the edits a careful reader would keep, or FAILED with a
//! message that says what the model did.

use std::time::Duration;

use harness::{Sim, TestApp, TestWorker, id_of};
use serde_json::Value;
use tools::sim::SimConfig;
use tools::sim_style::Style;

const USER: &str = "user_answers";
const RESUME: &str = include_str!("../../../examples/resume.tex");

/// One AGGRESSIVE job on `resume` against a simulator with `styles`:
/// (final job, proposal view or Null, chat requests made).
async fn job_with(styles: Vec<Style>, resume: &str, tweak: impl FnOnce(&mut worker::Config)) -> (Value, Value, u64) {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig { styles, ..SimConfig::default() }).await;
    let mut config = app.worker_config(Some(&sim));
    tweak(&mut config);
    let worker = TestWorker::start(config);
    let (project, base, jd) = app.tailoring_setup(USER, resume).await;
    let job = app.submit(USER, &project, &id_of(&base), &jd, "AGGRESSIVE", "DEEPSEEK").await;
    let done = app.wait_final(USER, &job, Duration::from_secs(60)).await;
    let (_, proposal) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), USER).await;
    worker.stop().await.expect("stop");
    (done, proposal, sim.chat_requests())
}

fn applied(proposal: &Value) -> usize {
    proposal["edits"]["applied"].as_array().map_or(0, Vec::len)
}

/// The edits a careful reader keeps of the clean answer, for comparison.
async fn clean_applied() -> usize {
    let (done, proposal, _) = job_with(vec![], RESUME, |_| {}).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    applied(&proposal)
}

#[tokio::test]
async fn wrapped_and_loosely_typed_answers_keep_every_edit() {
    let clean = clean_applied().await;
    assert!(clean > 0);
    for styles in [
        vec![Style::Think],
        vec![Style::ProseAfter],
        vec![Style::Prose, Style::Fenced],
        vec![Style::Strings],
        vec![Style::Changes],
        vec![Style::BareArray],
        vec![Style::Nbsp],
        vec![Style::Curly, Style::Unescaped],
    ] {
        let (done, proposal, calls) = job_with(styles.clone(), RESUME, |_| {}).await;
        assert_eq!(done["status"], "COMPLETED", "{styles:?}: {done}");
        assert_eq!(applied(&proposal), clean, "{styles:?}: every edit kept: {}", proposal["edits"]);
        assert_eq!(calls, 1, "{styles:?}");
    }
}

#[tokio::test]
async fn one_malformed_edit_is_refused_and_the_rest_go_on() {
    let clean = clean_applied().await;
    let (done, proposal, _) = job_with(vec![Style::OneMalformed], RESUME, |_| {}).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(applied(&proposal), clean);
    let unreadable = proposal["edits"]["unreadable"].as_array().expect("unreadable");
    assert_eq!(unreadable.len(), 1, "{unreadable:?}");
    assert!(unreadable[0].as_str().is_some_and(|r| r.contains("not a number")), "{unreadable:?}");
}

#[tokio::test]
async fn null_edits_fail_saying_so() {
    let (done, _, _) = job_with(vec![Style::Null], RESUME, |_| {}).await;
    assert_eq!(done["status"], "FAILED", "{done}");
    let message = done["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains("proposed no usable edit (0 proposed"), "{message}");
}

#[tokio::test]
async fn an_answer_cut_at_the_token_limit_keeps_its_complete_edits() {
    let clean = clean_applied().await;
    let (done, proposal, calls) = job_with(vec![Style::Truncate], RESUME, |_| {}).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let kept = applied(&proposal);
    assert!(kept > 0 && kept < clean, "{kept} of {clean}");
    assert_eq!(proposal["edits"]["calls"][0]["cut"], true, "the trace says the answer was cut");
    assert_eq!(calls, 1, "not asked again");
}

#[tokio::test]
async fn a_slow_answer_within_the_timeout_is_one_call() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig { latency: Duration::from_secs(2), ..SimConfig::default() }).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let (project, base, jd) = app.tailoring_setup(USER, RESUME).await;
    let job = app.submit(USER, &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    let done = app.wait_final(USER, &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(sim.chat_requests(), 1, "paid once");
    worker.stop().await.expect("stop");
}

#[tokio::test]
async fn a_huge_answer_is_bounded_and_its_view_stays_small() {
    // A model with a large output limit: the 2 MB answer arrives whole.
    let (done, proposal, _) = job_with(vec![Style::Huge], RESUME, |c| c.max_output_tokens = 1_000_000).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let view = serde_json::to_string(&proposal).expect("json");
    assert!(view.len() < 256 * 1024, "the proposal view is {} bytes", view.len());
    let edits = &proposal["edits"];
    assert!(edits["refused"].as_array().is_some_and(|r| r.len() <= engine::run::MAX_TRACED_REFUSALS));
    assert!(edits["unreadable"].to_string().contains("beyond the limit"), "{}", edits["unreadable"]);
}

#[tokio::test]
async fn usage_is_read_and_shown_with_the_proposal() {
    let (done, proposal, _) = job_with(vec![], RESUME, |_| {}).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let usage = &proposal["edits"]["usage"];
    assert!(usage["promptTokens"].as_u64().is_some_and(|t| t > 100), "{usage}");
    assert!(usage["completionTokens"].as_u64().is_some_and(|t| t > 0), "{usage}");
}

#[tokio::test]
async fn a_very_long_resume_is_tailored_in_calls_that_fit_the_output_limit() {
    let resume = include_str!("../../../eval/resumes/very-long.tex");
    let (done, proposal, calls) = job_with(vec![], resume, |c| c.max_output_tokens = 8192).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let traced = proposal["edits"]["calls"].as_array().expect("calls");
    assert!(traced.len() > 1, "split into groups: {traced:?}");
    assert_eq!(traced.len() as u64, calls);
    for call in traced {
        assert_eq!(call["cut"], false, "every group answered under the limit: {call}");
        assert!(call["error"].is_null(), "{call}");
    }
    assert!(traced.iter().filter(|c| c["edits"].as_u64() > Some(0)).count() > 1, "{traced:?}");
    assert!(applied(&proposal) > 80, "{}", applied(&proposal));
}
