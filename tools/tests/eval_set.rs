//! `tailor-eval` on the repository's evaluation set with the simulator: the
//! promises hold on every pair, with honest edits and with hostile ones.

use std::path::PathBuf;

use secrecy::SecretString;
use shared::model::{AiMode, ResumeSectionType};
use shared::providers::{ChatClient, RetryPolicy, Target};
use tools::eval::{EvalConfig, run, summary};
use tools::sim::SimConfig;

async fn evaluate(bad_edits: bool, lock: Vec<ResumeSectionType>) -> serde_json::Value {
    let (router, _) = tools::sim::router(SimConfig { bad_edits, ..SimConfig::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("eval");
    let config = EvalConfig {
        resumes: root.join("resumes"),
        jds: root.join("jds"),
        modes: AiMode::ALL.to_vec(),
        lock,
        out: None,
        compile: false,
        max_output_tokens: 8192,
    };
    let target =
        Target::deepseek(&format!("http://{addr}/v1/"), SecretString::from("sim".to_owned()), "sim").expect("target");
    let client = ChatClient::new(RetryPolicy::default()).expect("client");
    let results = run(&config, &client, &target).await.expect("eval runs");
    server.abort();
    summary(&results)
}

fn assert_promises_hold(s: &serde_json::Value) {
    assert!(s["pairs"].as_u64().unwrap_or(0) >= 8 * 6 * 3, "{s}");
    for key in ["failed", "lockedChanged", "inventedFacts", "latexUnbalanced", "overBudget"] {
        assert_eq!(s[key], 0, "{key}: {s}");
    }
    for (mode, m) in s["modes"].as_object().expect("modes") {
        let (before, after) = (m["coverageBefore"].as_f64().unwrap_or(1.0), m["coverageAfter"].as_f64().unwrap_or(0.0));
        assert!(after > before, "{mode}: coverage {before} → {after}");
        assert!(m["maxChangedBulletShare"].as_f64() <= m["budgetShare"].as_f64(), "{mode}: {m}");
    }
}

#[tokio::test]
async fn honest_edits_raise_coverage_within_budget_and_break_nothing() {
    let s = evaluate(false, vec![ResumeSectionType::Education]).await;
    assert_promises_hold(&s);
}

#[tokio::test]
async fn every_hostile_edit_is_refused_by_a_gate() {
    let s = evaluate(true, vec![ResumeSectionType::Education]).await;
    assert_promises_hold(&s);
    let gates = &s["refusedByGate"];
    // Unbalanced braces are caught by the markup gate before the balance gate.
    for gate in ["faithfulness", "lock", "quote", "markup", "budget"] {
        assert!(gates[gate].as_u64().unwrap_or(0) > 0, "no edit refused by {gate}: {gates}");
    }
}
