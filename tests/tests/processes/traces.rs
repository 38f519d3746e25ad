//! One job is one trace across both binaries: the api exports over OTLP
//! HTTP/protobuf, the worker over OTLP gRPC, to a receiver that decodes the
//! real protobuf. The caller's `traceparent` is continued; the worker's span
//! is a child of the enqueue in another process; each provider attempt is a
//! client span (429 then 200: two); the compile and the completion are in
//! it; the worker's log lines carry the trace and span ids.

use std::time::Duration;

use harness::otlp::{Receiver, Span};
use harness::system::{Options, System};
use opentelemetry_proto::tonic::trace::v1::span::SpanKind;

fn exporting(endpoint: &str, protocol: &str) -> Vec<(&'static str, String)> {
    vec![
        ("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint.to_owned()),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", protocol.to_owned()),
        // Export within a fraction of a second, not the default 5 s.
        ("OTEL_BSP_SCHEDULE_DELAY", "100".into()),
        ("RUST_LOG", "info".into()),
    ]
}

fn one<'a>(spans: &'a [&Span], what: &str, wanted: impl Fn(&Span) -> bool) -> &'a Span {
    let found: Vec<&&Span> = spans.iter().filter(|s| wanted(s)).collect();
    assert_eq!(found.len(), 1, "exactly one {what} span in {spans:#?}");
    found[0]
}

#[tokio::test]
async fn one_job_is_one_trace_from_the_request_through_the_worker_to_each_provider_attempt() {
    let receiver = Receiver::start().await;
    let logs = tempfile::tempdir().expect("log dir");
    let options = Options {
        sim_args: vec!["--script".into(), "429,ok".into(), "--retry-after".into(), "1".into()],
        api_env: exporting(&receiver.http_endpoint, "http/protobuf"),
        worker_env: exporting(&receiver.grpc_endpoint, "grpc"),
        log_dir: Some(logs.path().to_owned()),
    };
    let sys = System::start_with(options, 1).await;
    let (project, version, jd) = sys.setup().await;
    // A compiled base: the proposal is compiled inside the job, so the compile is in its trace.
    sys.compile(&version).await;

    let trace_id = uuid::Uuid::new_v4().simple().to_string();
    let caller_span = &uuid::Uuid::new_v4().simple().to_string()[..16];
    let traceparent = format!("00-{trace_id}-{caller_span}-01");
    let job = sys.submit_with(&project, &version, &jd, &[("traceparent", &traceparent)]).await;
    let done = sys.wait_status(&job, &["COMPLETED", "FAILED"], Duration::from_secs(60)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");

    let received = receiver
        .wait_for(Duration::from_secs(20), |spans| {
            spans.iter().any(|s| s.trace_id == trace_id && s.name == "complete job")
                && spans.iter().any(|s| s.trace_id == trace_id && s.name == "POST /v1/projects/{projectId}/ai-jobs")
        })
        .await;
    let trace: Vec<&Span> = received.iter().filter(|s| s.trace_id == trace_id).collect();

    // The api's server span continues the caller's trace.
    let server = one(&trace, "server", |s| s.service == "tailor-api" && s.kind == SpanKind::Server);
    assert_eq!(server.parent_span_id, caller_span, "a child of the caller's span");
    assert_eq!(server.via, "http");
    assert_eq!(server.attr("http.request.method"), Some("POST"));
    assert_eq!(server.attr("http.route"), Some("/v1/projects/{projectId}/ai-jobs"));
    assert_eq!(server.attr("http.response.status_code"), Some("202"));
    let enqueue = one(&trace, "enqueue", |s| s.name == "enqueue" && s.kind == SpanKind::Producer);
    assert_eq!(enqueue.service, "tailor-api");
    assert_eq!(enqueue.attr("messaging.destination.name"), Some("tailor.ai-jobs"));
    assert!(
        trace.iter().any(|s| s.span_id == enqueue.parent_span_id && s.service == "tailor-api"),
        "the enqueue is inside the request"
    );

    // The worker, in another process, continues from the task's payload.
    let job_span = one(&trace, "worker job", |s| s.name == "tailor job");
    assert_eq!(job_span.service, "tailor-worker");
    assert_eq!(job_span.via, "grpc");
    assert_eq!(job_span.kind, SpanKind::Consumer);
    assert_eq!(job_span.parent_span_id, enqueue.span_id, "a child of the enqueue");
    assert_eq!(job_span.attr("tailor.outcome"), Some("completed"));
    let applied: usize = job_span.attr("tailor.edits.applied").and_then(|v| v.parse().ok()).expect("edits applied");
    assert!(applied > 0, "{job_span:?}");
    assert!(job_span.attr("tailor.edits.refused").is_some(), "{job_span:?}");

    // One client span per provider attempt: the 429, then the answer after its Retry-After.
    let mut attempts: Vec<&&Span> = trace.iter().filter(|s| s.kind == SpanKind::Client).collect();
    attempts.sort_by_key(|s| s.attr("http.request.resend_count").map(str::to_owned));
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert_eq!(attempts[0].attr("http.response.status_code"), Some("429"));
    assert_eq!(attempts[0].attr("http.request.resend_count"), Some("0"));
    assert_eq!(attempts[1].attr("http.response.status_code"), Some("200"));
    assert_eq!(attempts[1].attr("http.request.resend_count"), Some("1"));
    let waited: u64 = attempts[1].attr("tailor.retry_wait_ms").and_then(|v| v.parse().ok()).expect("wait");
    assert!(waited >= 1000, "the retry waited the Retry-After: {waited} ms");
    for attempt in &attempts {
        assert_eq!(attempt.service, "tailor-worker");
        assert!(is_under(&trace, attempt, &job_span.span_id), "inside the job: {attempt:?}");
    }

    // The proposal's compile and the completion are in the job too.
    let compiles: Vec<&&Span> = trace.iter().filter(|s| s.name == "compile").collect();
    assert!(!compiles.is_empty(), "the proposal was compiled in the job");
    assert!(compiles.iter().all(|s| is_under(&trace, s, &job_span.span_id)));
    assert!(compiles.iter().any(|s| s.attr("tailor.compile.outcome") == Some("succeeded")), "{compiles:#?}");
    let complete = one(&trace, "completion", |s| s.name == "complete job");
    assert_eq!(complete.parent_span_id, job_span.span_id);

    // The worker's log line for the job carries the trace id.
    let log = std::fs::read_to_string(logs.path().join("e2e-worker-0.log")).expect("worker log");
    let line =
        log.lines().find(|l| l.contains("job completed")).unwrap_or_else(|| panic!("no completion logged:\n{log}"));
    assert!(line.contains(&format!("trace_id={trace_id}")), "{line}");
    assert!(line.contains("span_id="), "{line}");
}

/// `span` descends from the span `ancestor` within `trace`.
fn is_under(trace: &[&Span], span: &Span, ancestor: &str) -> bool {
    let mut parent = span.parent_span_id.clone();
    for _ in 0..trace.len() {
        if parent == ancestor {
            return true;
        }
        match trace.iter().find(|s| s.span_id == parent) {
            Some(next) => parent = next.parent_span_id.clone(),
            None => return false,
        }
    }
    false
}
