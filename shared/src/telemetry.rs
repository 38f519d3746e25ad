//! One tracing setup for both binaries: logs (`RUST_LOG` filters, default
//! `info`; `LOG_FORMAT=json` for one JSON object per line), and
//! OpenTelemetry traces exported over OTLP when an endpoint is configured,
//! by the standard variables:
//!
//! - `OTEL_EXPORTER_OTLP_ENDPOINT` (or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`):
//!   tracing is off when neither is set;
//! - `OTEL_EXPORTER_OTLP_PROTOCOL`: `http/protobuf` (default) or `grpc`
//!   (plain, no TLS: send to a local or sidecar collector);
//! - `OTEL_SERVICE_NAME` (default `tailor-api` / `tailor-worker`),
//!   `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER[_ARG]`, `OTEL_BSP_*`;
//! - `OTEL_TRACES_FILTER` (ours): which spans are exported, in `RUST_LOG`'s
//!   syntax, independent of the log filter (default: ours at info).
//!
//! Spans are batched and exported on a background thread: a collector that
//! is slow or down never slows or fails a request (the batch is dropped).
//! W3C trace context travels in `traceparent` headers and in queue task
//! payloads ([`carrier`], [`parent_from`]), so one job is one trace across
//! the api and the workers. Log lines carry `trace_id` and `span_id`.

use std::collections::HashMap;

use opentelemetry::propagation::TextMapCompositePropagator;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry::{Context, global};
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

/// Keeps the trace exporter alive; dropping it flushes what is buffered.
#[must_use = "dropping it stops trace export"]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(e) = provider.shutdown()
        {
            eprintln!("trace export did not shut down cleanly: {e}");
        }
    }
}

/// Install the global subscriber for `service` (the default
/// `OTEL_SERVICE_NAME`). Call once, first thing in `main`, inside the Tokio
/// runtime (the gRPC exporter needs it).
pub fn init(default_filter: &str, service: &str) -> Telemetry {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let provider = match tracer_provider(service) {
        Ok(provider) => provider,
        Err(e) => {
            eprintln!("OpenTelemetry export is off: {e}");
            None
        }
    };
    global::set_text_map_propagator(TextMapCompositePropagator::new(vec![Box::new(TraceContextPropagator::new())]));
    // Spans are exported whatever RUST_LOG says of logs (a quiet log level
    // must not cut traces), but never the exporter's own HTTP and gRPC
    // clients' spans, which would trace every export in the next one.
    let otel = provider.as_ref().map(|p| {
        let spans = EnvFilter::try_from_env("OTEL_TRACES_FILTER").unwrap_or_else(|_| EnvFilter::new(TRACES_FILTER));
        // No thread, target or source-location attributes, busy/idle timing
        // or context activation: an instrumented future enters its span at
        // every poll, and those cost on every entry or every span; trace
        // context travels through `carrier()` instead.
        tracing_opentelemetry::layer()
            .with_tracer(p.tracer("tailor"))
            .with_threads(false)
            .with_target(false)
            .with_location(false)
            .with_tracked_inactivity(false)
            .with_context_activation(false)
            .with_filter(spans)
    });
    let fmt = log_layer(json, std::io::stdout);
    let result = tracing_subscriber::registry().with(otel).with(fmt.with_filter(filter)).try_init();
    if let Err(e) = result {
        eprintln!("tracing already initialised: {e}");
    }
    Telemetry { provider }
}

/// The log layer: one line per event to `writer`, text or JSON, with the
/// trace and span ids of the span it was written in (when traced). Ids are
/// read through the global dispatcher: install it with `init` (or
/// `set_global_default`), not as a scoped default.
pub fn log_layer<S, W>(json: bool, writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    if json {
        tracing_subscriber::fmt::layer()
            .event_format(WithTraceIds { inner: tracing_subscriber::fmt::format().json().flatten_event(true), json })
            .fmt_fields(tracing_subscriber::fmt::format::JsonFields::new())
            .with_writer(writer)
            .boxed()
    } else {
        tracing_subscriber::fmt::layer()
            .event_format(WithTraceIds { inner: tracing_subscriber::fmt::format(), json })
            .with_writer(writer)
            .boxed()
    }
}

/// The spans exported by default (`OTEL_TRACES_FILTER` overrides it): ours
/// and the HTTP server's at info, never the libraries' internals.
const TRACES_FILTER: &str = "info,sqlx=warn,apalis=warn,apalis_core=warn,apalis_postgres=warn,h2=off,hyper=off,hyper_util=off,tonic=off,tower=off,reqwest=off,opentelemetry=off,opentelemetry_sdk=off,opentelemetry_otlp=off";

/// The OTLP tracer provider the environment asks for, or `None` when no
/// endpoint is configured.
fn tracer_provider(service: &str) -> Result<Option<SdkTracerProvider>, String> {
    let endpoint = ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"]
        .iter()
        .find_map(|name| crate::env::var(name));
    let Some(_) = endpoint else { return Ok(None) };
    let protocol = crate::env::var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
        .or_else(|| crate::env::var("OTEL_EXPORTER_OTLP_PROTOCOL"))
        .unwrap_or_else(|| "http/protobuf".into());
    // The builders read the endpoint, headers and timeout from the same variables.
    let exporter = match protocol.as_str() {
        "grpc" => opentelemetry_otlp::SpanExporter::builder().with_tonic().with_protocol(Protocol::Grpc).build(),
        "http/protobuf" => {
            opentelemetry_otlp::SpanExporter::builder().with_http().with_protocol(Protocol::HttpBinary).build()
        }
        other => return Err(format!("OTEL_EXPORTER_OTLP_PROTOCOL={other:?} is not grpc or http/protobuf")),
    }
    .map_err(|e| format!("cannot build the OTLP exporter: {e}"))?;
    let mut resource = opentelemetry_sdk::Resource::builder();
    if crate::env::var("OTEL_SERVICE_NAME").is_none() {
        resource = resource.with_service_name(service.to_owned());
    }
    Ok(Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource.build()).build()))
}

/// For tests: log through the test harness's captured output, once.
pub fn init_for_tests() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_test_writer().try_init();
}

/// The current span's W3C trace context (`traceparent`, `tracestate`), to
/// carry in a queue task or an outgoing request. Empty when tracing is off.
pub fn carrier() -> HashMap<String, String> {
    let mut carrier = HashMap::new();
    let cx = tracing::Span::current().context();
    global::get_text_map_propagator(|p| p.inject_context(&cx, &mut carrier));
    carrier
}

/// The context a carrier (task payload, request headers) holds.
pub fn parent_from(carrier: &HashMap<String, String>) -> Context {
    global::get_text_map_propagator(|p| p.extract(carrier))
}

/// The context of an incoming request's `traceparent`/`tracestate` headers.
pub fn parent_from_headers(headers: &reqwest::header::HeaderMap) -> Context {
    if !headers.contains_key("traceparent") {
        return Context::new();
    }
    let carrier: HashMap<String, String> = ["traceparent", "tracestate"]
        .iter()
        .filter_map(|name| Some(((*name).to_owned(), headers.get(*name)?.to_str().ok()?.to_owned())))
        .collect();
    parent_from(&carrier)
}

/// Make `span` a child of `parent` (a remote context); a no-op when tracing is off.
pub fn set_parent(span: &tracing::Span, parent: Context) {
    use opentelemetry::trace::TraceContextExt;
    if parent.has_active_span() {
        let _ = span.set_parent(parent);
    }
}

/// Puts `trace_id` and `span_id` on every log line written inside a traced span.
struct WithTraceIds<F> {
    inner: F,
    json: bool,
}

impl<S, N, F> FormatEvent<S, N> for WithTraceIds<F>
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        use opentelemetry::trace::TraceContextExt;
        let cx = tracing::Span::current().context();
        let span = cx.span();
        let ids = span.span_context();
        if !ids.is_valid() {
            return self.inner.format_event(ctx, writer, event);
        }
        let (trace_id, span_id) = (ids.trace_id(), ids.span_id());
        if !self.json {
            write!(writer, "trace_id={trace_id} span_id={span_id} ")?;
            return self.inner.format_event(ctx, writer, event);
        }
        // A JSON line: the ids become its first fields.
        let mut line = String::new();
        self.inner.format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(writer, "{{\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\",{rest}"),
            None => writer.write_str(&line),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_carrier_round_trips_a_remote_context() {
        global::set_text_map_propagator(TraceContextPropagator::new());
        let mut carrier = HashMap::new();
        carrier.insert("traceparent".to_owned(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".to_owned());
        use opentelemetry::trace::TraceContextExt;
        let cx = parent_from(&carrier);
        assert_eq!(cx.span().span_context().trace_id().to_string(), "4bf92f3577b34da6a3ce929d0e0e4736");
        assert!(!parent_from(&HashMap::new()).span().span_context().is_valid());
    }
}
