//! Extractors that turn every rejection into a precise problem+json answer:
//! malformed JSON 400, wrong types or unknown enum values 422, a body that is
//! not JSON 415, a body over the limit 413, a malformed id or query 400.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts};
use axum::http::StatusCode;

use crate::error::ApiError;

/// `axum::Json`, with our rejection.
#[derive(Debug, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct Json<T>(pub T);

/// `axum::extract::Path`, with our rejection.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

/// `axum::extract::Query`, with our rejection.
#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

impl From<JsonRejection> for ApiError {
    fn from(rejection: JsonRejection) -> Self {
        let detail = rejection.body_text();
        match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => {
                ApiError::PayloadTooLarge("the request body is larger than the limit (see MAX_BODY_BYTES)".into())
            }
            StatusCode::UNSUPPORTED_MEDIA_TYPE => {
                ApiError::UnsupportedMediaType("expected a JSON body with `Content-Type: application/json`".into())
            }
            StatusCode::UNPROCESSABLE_ENTITY => ApiError::Unprocessable(detail),
            _ => ApiError::BadRequest(detail),
        }
    }
}

impl From<PathRejection> for ApiError {
    fn from(rejection: PathRejection) -> Self {
        match rejection {
            PathRejection::FailedToDeserializePathParams(e) => {
                ApiError::BadRequest(format!("malformed path parameter: {}", e.body_text()))
            }
            other => ApiError::internal(anyhow::anyhow!("path extraction: {other}")),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(rejection: QueryRejection) -> Self {
        ApiError::BadRequest(format!("malformed query string: {}", rejection.body_text()))
    }
}
