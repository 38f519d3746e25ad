//! Log lines written inside a traced span carry its `trace_id` and
//! `span_id`, in text and in JSON. Its own test binary: the log layer reads
//! the ids through the global dispatcher, which only one test may install.

use std::sync::{Arc, Mutex};

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

/// A writer the test reads back.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().map(|b| b.clone()).unwrap_or_default()).unwrap_or_default()
    }
}

#[test]
fn log_lines_inside_a_span_carry_its_trace_and_span_ids_in_text_and_json() {
    let (text, json) = (Buffer::default(), Buffer::default());
    let (text_writer, json_writer) = (text.clone(), json.clone());
    let provider = SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
        .with(shared::telemetry::log_layer(false, move || text_writer.clone()))
        .with(shared::telemetry::log_layer(true, move || json_writer.clone()));
    tracing::subscriber::set_global_default(subscriber).expect("the only subscriber of this test binary");

    tracing::info!("outside any span");
    let span = tracing::info_span!("work");
    let (trace_id, span_id) = {
        let _entered = span.enter();
        tracing::info!(answer = 42, "inside");
        let cx = span.context();
        let ids = cx.span().span_context().clone();
        (ids.trace_id().to_string(), ids.span_id().to_string())
    };
    assert_eq!(trace_id.len(), 32);

    let text = text.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(!lines[0].contains("trace_id="), "no ids outside a span: {}", lines[0]);
    assert!(lines[1].starts_with(&format!("trace_id={trace_id} span_id={span_id} ")), "{}", lines[1]);
    assert!(lines[1].contains("inside"), "{}", lines[1]);

    let json = json.text();
    let lines: Vec<serde_json::Value> =
        json.lines().map(|l| serde_json::from_str(l).expect("one JSON object per line")).collect();
    assert_eq!(lines.len(), 2, "{json}");
    assert!(lines[0].get("trace_id").is_none(), "{}", lines[0]);
    assert_eq!(lines[1]["trace_id"], trace_id.as_str(), "{}", lines[1]);
    assert_eq!(lines[1]["span_id"], span_id.as_str(), "{}", lines[1]);
    assert_eq!(lines[1]["answer"], 42, "{}", lines[1]);
}
