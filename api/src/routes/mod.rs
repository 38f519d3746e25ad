//! The HTTP surface: one module per resource, each exposing `router()`, all
//! documented with utoipa so `/openapi.json` is generated from this code.

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::response::IntoResponse;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::error::ApiError;
use crate::state::AppState;

pub mod ai_jobs;
pub mod api_keys;
pub mod deletion;
pub mod diffs;
pub mod health;
pub mod job_descriptions;
pub mod me;
pub mod openapi;
pub mod pdfs;
pub mod projects;
pub mod proposals;
pub mod sections;
pub mod versions;

/// The OpenAPI document's fixed parts; paths are added by the routers.
#[derive(OpenApi)]
#[openapi(
    info(title = "Tailor API", description = "Tailor a LaTeX résumé to a job description with an LLM."),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
    components(schemas(crate::error::Problem))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A Clerk session token."))
                    .build(),
            ),
        );
    }
}

/// All routes and their OpenAPI description (finished by [`openapi::finish`]).
pub fn api_router() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let (routes, mut doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(health::router())
        .merge(me::router())
        .merge(projects::router())
        .merge(versions::router())
        .merge(pdfs::router())
        .merge(sections::router())
        .merge(job_descriptions::router())
        .merge(ai_jobs::router())
        .merge(proposals::router())
        .merge(diffs::router())
        .merge(api_keys::router())
        .merge(deletion::router())
        .split_for_parts();
    openapi::finish(&mut doc);
    (routes, doc)
}

/// The OpenAPI document (also served at `/openapi.json`).
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().1
}

/// After routing: the matched route, kept in the response for the trace
/// layer (which runs outside the router and cannot see it otherwise).
async fn keep_route(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let route = request.extensions().get::<MatchedPath>().cloned();
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(route);
    }
    response
}

/// The request's method, kept in the response for the metrics.
async fn keep_method(request: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    let method = request.method().clone();
    let mut response = next.run(request).await;
    response.extensions_mut().insert(method);
    response
}

/// The server span of a request (OpenTelemetry HTTP conventions), a child
/// of the caller's `traceparent` when it sent one.
fn request_span(request: &axum::http::Request<axum::body::Body>) -> tracing::Span {
    let method = request.method().as_str();
    let span = tracing::info_span!(
        "HTTP request",
        otel.name = %method,
        otel.kind = "server",
        http.request.method = %method,
        url.path = %request.uri().path(),
        http.route = tracing::field::Empty,
        http.response.status_code = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
    );
    shared::telemetry::set_parent(&span, shared::telemetry::parent_from_headers(request.headers()));
    span
}

/// Name the span after its route, and time the request by method, route and status.
fn record_response(response: &axum::response::Response, latency: std::time::Duration, span: &tracing::Span) {
    let status = response.status();
    let route = response.extensions().get::<MatchedPath>().map_or("unmatched", |r| r.as_str());
    let method = response.extensions().get::<axum::http::Method>().map_or("", |m| m.as_str());
    span.record("http.route", route);
    span.record("otel.name", format!("{method} {route}"));
    span.record("http.response.status_code", status.as_u16());
    if status.is_server_error() {
        span.record("otel.status_code", "ERROR");
    }
    metrics::histogram!(
        shared::metrics::HTTP_DURATION,
        "method" => method.to_owned(),
        "route" => route.to_owned(),
        "status" => status.as_u16().to_string()
    )
    .record(latency.as_secs_f64());
}

/// CORS for the browser origins in `CORS_ALLOWED_ORIGINS` (none: no CORS
/// headers at all, and browsers on other origins cannot call the API).
/// Origins are matched exactly; credentials are bearer tokens, never cookies.
fn cors_layer(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE, HeaderName::from_static("traceparent")])
            .expose_headers([
                header::LOCATION,
                header::RETRY_AFTER,
                header::ETAG,
                header::CONTENT_DISPOSITION,
                HeaderName::from_static("x-request-id"),
            ])
            .max_age(CORS_MAX_AGE),
    )
}

/// How long a browser may cache a preflight's answer.
pub const CORS_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(600);

/// `app` behind CORS. Only a real preflight (`OPTIONS` with
/// `Access-Control-Request-Method`) is answered by the CORS layer; any other
/// `OPTIONS` reaches the routes, which answer 405 with `Allow` as for any
/// method a path does not document.
fn with_cors(app: Router, origins: &[String]) -> Router {
    let Some(layer) = cors_layer(origins) else { return app };
    let with_cors = app.clone().layer(layer);
    Router::new().fallback_service(tower::service_fn(move |request: axum::extract::Request| {
        let bare_options = request.method() == Method::OPTIONS
            && !request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
        let target = if bare_options { app.clone() } else { with_cors.clone() };
        target.oneshot(request)
    }))
}

/// Whether the client already has the representation tagged `etag`
/// (`If-None-Match` names it, or `*`): then the answer is 304.
pub fn not_modified(request: &axum::http::HeaderMap, etag: &str) -> bool {
    request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|given| given.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
}

/// The complete application: routes, `/openapi.json`, fallbacks and layers.
pub fn router(state: AppState, max_body_bytes: usize, cors_origins: &[String]) -> Router {
    let (routes, openapi) = api_router();
    let openapi = std::sync::Arc::new(openapi);
    let request_id = HeaderName::from_static("x-request-id");
    let in_flight = state.in_flight.clone();
    let app = routes
        .route(
            "/openapi.json",
            axum::routing::get(move || {
                let doc = openapi.clone();
                async move { axum::Json(doc.as_ref().clone()) }
            }),
        )
        .route_layer(axum::middleware::from_fn(keep_route))
        .fallback(|| async { ApiError::NotFound("route") })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state);
    with_cors(app, cors_origins)
        .layer(CatchPanicLayer::custom(|_| ApiError::internal(anyhow::anyhow!("handler panicked")).into_response()))
        .layer(axum::middleware::from_fn_with_state(in_flight, crate::limits::deadline))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(axum::middleware::from_fn(keep_method))
        .layer(TraceLayer::new_for_http().make_span_with(request_span).on_response(
            |response: &axum::response::Response, latency, span: &tracing::Span| {
                record_response(response, latency, span)
            },
        ))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}
