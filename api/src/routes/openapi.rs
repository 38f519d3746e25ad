//! The finishing pass over `/openapi.json`: every answer an operation can
//! give is documented, and every error is `application/problem+json`.
//!
//! Route annotations (`#[utoipa::path]`) document what a handler decides
//! itself: its success, and its own 404, 409, 422 or 429. What the shared
//! machinery answers is added here from the operation's shape, so no route
//! can forget it:
//!
//! | the operation has | it can also answer |
//! |---|---|
//! | bearer security | 401 (no valid token), 503 (database or signing keys unavailable) |
//! | path or query parameters | 400 (a malformed id, number, enum value or query string) |
//! | a JSON body | 400 (malformed JSON), 413 (over `MAX_BODY_BYTES`), 415 (not JSON), 422 (wrong type, unknown field, invalid value) |
//! | anything | 500 (a bug: logged, never caused by the request) |
//!
//! Then every 4xx/5xx documented with the [`Problem`] schema is served as
//! `application/problem+json` (which is what [`crate::error::ApiError`]
//! sends), every 429 documents `Retry-After`, and every response has a
//! description (OpenAPI requires one).
//!
//! 405 is not an operation's answer: it is what a path answers to a method
//! it does not document (with `Allow`), so it has no place in an operation.
//!
//! [`Problem`]: crate::error::Problem

use std::borrow::Cow;

use utoipa::openapi::path::{Operation, ParameterIn, PathItem};
use utoipa::openapi::schema::{Object, ObjectBuilder, Schema, Type};
use utoipa::openapi::{Content, Header, KnownFormat, OpenApi, Ref, RefOr, Response, SchemaFormat};
use utoipa::{PartialSchema, ToSchema};

/// The media type of every error body (RFC 9457).
pub const PROBLEM_JSON: &str = "application/problem+json";

/// Shared responses, referenced from operations as `#/components/responses/{name}`.
const SHARED: &[(u16, &str, &str)] = &[
    (
        400,
        "BadRequest",
        "Malformed: a path parameter that is not a valid id or value, a malformed query string, or a body that is not valid JSON.",
    ),
    (
        401,
        "Unauthorized",
        "No valid credentials: the `Authorization: Bearer <token>` header is missing, malformed, expired or not signed by Clerk.",
    ),
    (
        413,
        "PayloadTooLarge",
        "The request body is larger than the server's limit (`MAX_BODY_BYTES`, 2 MiB by default).",
    ),
    (415, "UnsupportedMediaType", "The request body is not `Content-Type: application/json`."),
    (
        422,
        "UnprocessableContent",
        "Well-formed JSON that does not fit: a wrong type, a missing or unknown field, an unknown enum value, or a value the operation refuses (the `detail` says which).",
    ),
    (429, "TooManyRequests", "Rate limited: retry after the `Retry-After` delay."),
    (500, "InternalServerError", "An unexpected error on our side (a bug). It is logged; the request can be retried."),
    (
        503,
        "ServiceUnavailable",
        "A dependency (the database, the token signing keys, a provider, the file store) is unavailable; retry shortly.",
    ),
];

/// Complete the generated document (see the module's documentation).
pub fn finish(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    for &(status, name, description) in SHARED {
        components.responses.insert(name.to_owned(), RefOr::T(problem_response(status, description)));
    }
    let globally_secured = doc.security.as_ref().is_some_and(|s| !s.is_empty());
    for item in doc.paths.paths.values_mut() {
        for operation in operations(item) {
            complete(operation, globally_secured);
        }
    }
    add_openapi_json(doc);
}

/// Every operation of a path item.
fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.put.as_mut(),
        item.post.as_mut(),
        item.delete.as_mut(),
        item.options.as_mut(),
        item.head.as_mut(),
        item.patch.as_mut(),
        item.trace.as_mut(),
        item.query.as_mut(),
    ]
    .into_iter()
    .flatten()
    .chain(item.additional_operations.values_mut())
}

fn complete(operation: &mut Operation, globally_secured: bool) {
    let secured = match &operation.security {
        None => globally_secured,
        // `security: []` (or `[{}]`) opts out.
        Some(requirements) => !requirements.is_empty() && requirements.iter().any(|r| r != &Default::default()),
    };
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has_parameters = parameters.iter().any(|p| match p {
        RefOr::T(p) => matches!(p.parameter_in, ParameterIn::Path | ParameterIn::Query),
        RefOr::Ref(_) => true,
    });
    let has_body = operation.request_body.is_some();

    let mut shared: Vec<u16> = vec![500];
    if secured {
        shared.extend([401, 503]);
    }
    if has_parameters || has_body {
        shared.push(400);
    }
    if has_body {
        shared.extend([413, 415, 422]);
    }
    let responses = &mut operation.responses.responses;
    for status in shared {
        if let Some((_, name, _)) = SHARED.iter().find(|(s, _, _)| *s == status) {
            responses
                .entry(status.to_string())
                .or_insert_with(|| RefOr::Ref(Ref::new(format!("#/components/responses/{name}"))));
        }
    }
    for (status, response) in responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        let code: u16 = status.parse().unwrap_or(0);
        if code >= 400 {
            as_problem(response);
        }
        if code == 429 {
            response.headers.entry("Retry-After".to_owned()).or_insert_with(retry_after);
        }
        if response.description.is_empty() {
            response.description = SHARED
                .iter()
                .find(|(s, _, _)| *s == code)
                .map(|(_, _, d)| (*d).to_owned())
                .or_else(|| default_description(code).map(str::to_owned))
                .unwrap_or_else(|| format!("HTTP {status}"));
        }
    }
}

/// A response documented with the `Problem` schema (or without a body) is
/// served as `application/problem+json`; another body (e.g. `/readyz`'s 503)
/// is left as it is.
fn as_problem(response: &mut Response) {
    let problem_ref = Ref::from_schema_name(crate::error::Problem::name());
    let is_problem = |content: &RefOr<Content>| match content {
        RefOr::T(c) => matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location == problem_ref.ref_location),
        RefOr::Ref(_) => false,
    };
    if response.content.is_empty() || response.content.values().all(is_problem) {
        response.content.clear();
        response.content.insert(PROBLEM_JSON.to_owned(), RefOr::T(Content::new(Some(problem_ref))));
    }
}

fn problem_response(status: u16, description: &str) -> Response {
    let mut response = Response::new(description);
    as_problem(&mut response);
    if status == 429 {
        response.headers.insert("Retry-After".to_owned(), retry_after());
    }
    response
}

fn retry_after() -> RefOr<Header> {
    let schema = ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).build();
    let mut header = Header::new(schema);
    header.description = Some("Seconds to wait before retrying.".to_owned());
    RefOr::T(header)
}

fn default_description(status: u16) -> Option<&'static str> {
    Some(match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No content",
        302 => "Found: follow `Location`",
        304 => "Not modified",
        404 => "Not found, or not the caller's (the two answer alike)",
        409 => "Conflicts with the resource's current state",
        _ => return None,
    })
}

/// `GET /openapi.json` documents itself.
fn add_openapi_json(doc: &mut OpenApi) {
    let mut operation = Operation::new();
    operation.tags = Some(vec!["health".to_owned()]);
    operation.summary = Some("This OpenAPI document.".to_owned());
    operation.operation_id = Some("openapi_json".to_owned());
    operation.security = Some(Vec::new());
    let object: Schema = ObjectBuilder::new().schema_type(Type::Object).build().into();
    let mut ok = Response::new("The OpenAPI 3.1 description of every route");
    ok.content.insert("application/json".to_owned(), RefOr::T(Content::new(Some(object))));
    operation.responses.responses.insert("200".to_owned(), RefOr::T(ok));
    complete(&mut operation, false);
    let mut item = PathItem::default();
    item.get = Some(operation);
    doc.paths.paths.insert("/openapi.json".to_owned(), item);
}

/// The bytes of a file (a PDF, a PNG), for `content_type = …, body = Binary`.
pub struct Binary;

impl PartialSchema for Binary {
    fn schema() -> RefOr<Schema> {
        let object: Object = ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)))
            .build();
        RefOr::T(object.into())
    }
}

impl ToSchema for Binary {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Binary")
    }
}

/// One Server-Sent Event of `GET /v1/ai-jobs/{jobId}/events`, as OpenAPI 3.1
/// describes an event stream (one schema per event): `event: status`, the
/// status as `id`, and the AIJob as JSON in `data`.
pub struct JobStatusEvent;

impl PartialSchema for JobStatusEvent {
    fn schema() -> RefOr<Schema> {
        let event = ObjectBuilder::new().schema_type(Type::String).enum_values(Some(["status"]));
        let id = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(shared::model::AiJobStatus::ALL.iter().map(|s| s.as_str())));
        let data = ObjectBuilder::new()
            .schema_type(Type::String)
            .description(Some("The AIJob, as JSON"))
            .content_media_type("application/json")
            .content_schema(Some(Ref::from_schema_name(shared::model::AiJob::name())));
        let object: Object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("One `status` event: the job's state, first as it is, then at each change."))
            .property("event", event)
            .property("id", id)
            .property("data", data)
            .required("event")
            .required("data")
            .build();
        RefOr::T(object.into())
    }
}

impl ToSchema for JobStatusEvent {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("JobStatusEvent")
    }
}
