//! Users' own provider keys. Validated against the provider before they are
//! stored, encrypted at rest (AES-256-GCM, see `shared::crypto`), never
//! returned (a masked hint at most), never logged.
//!
//! One key per provider per user. Only AZURE_OPENAI takes a user key (key +
//! endpoint of the deployment); DEEPSEEK always runs on the operator's
//! Nebius credentials, so storing a DEEPSEEK key is refused with 422 rather
//! than keeping a secret that would never be used.

use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use shared::crypto::{mask, row_binding};
use shared::model::AiModelProvider;
use shared::providers::{ChatMessage, ChatRequest, ProviderErrorKind, Target};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Longest accepted key, in characters.
pub const MAX_KEY_CHARS: usize = 512;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list_keys)).routes(routes!(put_key, delete_key)).routes(routes!(validate_key))
}

/// Body of `PUT /v1/api-keys/{provider}`.
#[derive(Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiKeyInput {
    /// The provider key: 1–512 characters, without white space or control
    /// characters. Write-only: never returned or logged.
    #[schema(value_type = String, write_only, min_length = 1, max_length = 512, pattern = r"^[^\s\x00-\x1F\x7F-\x9F]+$")]
    pub api_key: SecretString,
    /// Required for AZURE_OPENAI: the deployment's URL,
    /// `https://{resource}.openai.azure.com/openai/deployments/{deployment}`
    /// (or a `.cognitiveservices.azure.com` / `.services.ai.azure.com` host).
    pub endpoint: Option<String>,
}

/// A stored key as the API shows it: everything but the key.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApiKeyView {
    pub id: Uuid,
    pub provider: AiModelProvider,
    pub endpoint: Option<String>,
    pub is_valid: bool,
    pub last_validated: Option<DateTime<Utc>>,
    pub validation_error: Option<String>,
    /// The key's last four characters, e.g. `…x7Qz`.
    pub key_hint: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The caller's keys.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyView>,
}

struct Row {
    id: Uuid,
    provider: AiModelProvider,
    api_key: String,
    endpoint: Option<String>,
    is_valid: bool,
    last_validated: Option<DateTime<Utc>>,
    validation_error: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

fn view(state: &AppState, user: &CurrentUser, row: Row) -> ApiKeyView {
    let key_hint = state
        .keyring
        .open(&row.api_key, &row_binding(user.id, row.provider))
        .map(|k| mask(&k))
        .unwrap_or_else(|_| "…".to_owned());
    ApiKeyView {
        id: row.id,
        provider: row.provider,
        endpoint: row.endpoint,
        is_valid: row.is_valid,
        last_validated: row.last_validated,
        validation_error: row.validation_error,
        key_hint,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn only_azure(provider: AiModelProvider) -> ApiResult<()> {
    match provider {
        AiModelProvider::AzureOpenai => Ok(()),
        AiModelProvider::Deepseek => {
            Err(ApiError::invalid("DEEPSEEK runs on the service's own credentials; no user key is needed or stored"))
        }
    }
}

/// 429 when the caller is over `API_KEY_CHECKS_PER_MINUTE` key writes and
/// validations (each may call the provider).
async fn check_key_rate(state: &AppState, user: &CurrentUser) -> ApiResult<()> {
    let key = format!("keycheck:{}", user.id);
    crate::limits::check_rate(&state.limiter, &key, state.key_check_rate, "key writes and validations").await
}

/// The outcome of asking the provider whether a key works.
#[derive(Clone)]
pub enum Check {
    Valid,
    /// The provider said no (401/403/404, a refused endpoint): a reason for the user.
    Invalid(String),
    /// We could not tell (timeout, 5xx, 429).
    Unknown(String),
}

/// The provider's verdict, from [`KeyChecks`] when it was asked about this
/// key at this endpoint within `API_KEY_CHECK_CACHE_SECS`: a repeated `PUT`
/// or `validate` within it makes no outbound call. "Could not tell" is not
/// kept.
async fn check_with_provider(state: &AppState, key: &SecretString, endpoint: &str) -> Check {
    let cache_key = {
        use sha2::Digest as _;
        let mut digest = sha2::Sha256::new();
        digest.update(endpoint.as_bytes());
        digest.update([0]);
        digest.update(key.expose_secret().as_bytes());
        <[u8; 32]>::from(digest.finalize())
    };
    if let Some(check) = state.key_checks.get(&cache_key) {
        return check;
    }
    let check = ask_provider(state, key, endpoint).await;
    if !matches!(check, Check::Unknown(_)) {
        state.key_checks.insert(cache_key, check.clone(), state.key_check_ttl);
    }
    check
}

/// Verdicts of [`check_with_provider`], by a digest of endpoint and key.
pub type KeyChecks = crate::cache::Cache<[u8; 32], Check>;

async fn ask_provider(state: &AppState, key: &SecretString, endpoint: &str) -> Check {
    let checked = match shared::providers::endpoint::check(endpoint, state.allow_insecure_azure).await {
        Ok(c) => c,
        Err(e) => return Check::Invalid(e.to_string()),
    };
    let target = Target::azure(&checked, key.clone());
    let request = ChatRequest {
        messages: vec![ChatMessage { role: "user".into(), content: "ping".into() }],
        max_tokens: 1,
        temperature: 0.0,
        json: false,
    };
    match state.providers.chat(&target, &request).await {
        // A one-token answer may be cut off: that still proves the key works.
        Ok(_) => Check::Valid,
        Err(e) if e.kind == ProviderErrorKind::Malformed || e.kind == ProviderErrorKind::ContentFilter => Check::Valid,
        Err(e) if matches!(e.kind, ProviderErrorKind::Auth | ProviderErrorKind::Rejected) => Check::Invalid(e.message),
        Err(e) => Check::Unknown(e.message),
    }
}

/// Store or replace the caller's key for `provider`, after validating it.
#[utoipa::path(put, path = "/v1/api-keys/{provider}", tag = "api-keys", request_body = ApiKeyInput,
    params(("provider" = AiModelProvider, Path)),
    responses(
        (status = 200, description = "Validated and stored", body = ApiKeyView,
            links(
                ("ValidateKey" = (operation_id = "validate_key", parameters(("provider" = "$response.body#/provider")))),
                ("DeleteKey" = (operation_id = "delete_key", parameters(("provider" = "$response.body#/provider")))),
            )),
        (status = 422, body = Problem, description = "DEEPSEEK (it takes no user key), a missing or malformed endpoint, or a key the provider rejected (not stored)"),
        (status = 429, body = Problem, description = "Too many key writes and validations (`API_KEY_CHECKS_PER_MINUTE`)"),
        (status = 503, body = Problem, description = "The provider could not be reached to validate the key (not stored)"),
    ))]
async fn put_key(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(provider): Path<AiModelProvider>,
    Json(input): Json<ApiKeyInput>,
) -> ApiResult<axum::Json<ApiKeyView>> {
    only_azure(provider)?;
    let key = input.api_key.expose_secret();
    if key.trim().is_empty() {
        return Err(ApiError::invalid("apiKey must not be empty"));
    }
    if key.chars().count() > MAX_KEY_CHARS || key.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(ApiError::invalid(format!(
            "apiKey must be at most {MAX_KEY_CHARS} characters, without spaces or control characters"
        )));
    }
    let endpoint = input.endpoint.as_deref().map(str::trim).filter(|e| !e.is_empty()).ok_or_else(|| {
        ApiError::invalid("endpoint is required for AZURE_OPENAI (https://{resource}.openai.azure.com/openai/deployments/{deployment})")
    })?;
    let endpoint = shared::providers::endpoint::check_shape(endpoint, state.allow_insecure_azure)
        .map_err(|e| ApiError::invalid(e.to_string()))?
        .to_string();
    check_key_rate(&state, &user).await?;
    match check_with_provider(&state, &input.api_key, &endpoint).await {
        Check::Valid => {}
        Check::Invalid(reason) => return Err(ApiError::invalid(format!("the key was not stored: {reason}"))),
        Check::Unknown(reason) => {
            return Err(ApiError::Unavailable(format!("the key could not be validated now ({reason}); retry shortly")));
        }
    }
    let sealed = state
        .keyring
        .seal(&input.api_key, &row_binding(user.id, provider))
        .map_err(|e| ApiError::internal(anyhow::anyhow!("sealing a key: {e}")))?;
    let row = sqlx::query_as!(
        Row,
        r#"INSERT INTO "UserAPIKey" (id, "userId", provider, "apiKey", endpoint, "isValid", "lastValidated", "validationError")
           VALUES ($1, $2, $3, $4, $5, true, now(), NULL)
           ON CONFLICT ("userId", provider) DO UPDATE SET
             "apiKey" = EXCLUDED."apiKey", endpoint = EXCLUDED.endpoint, "isValid" = true,
             "lastValidated" = EXCLUDED."lastValidated", "validationError" = NULL
           RETURNING id, provider AS "provider: AiModelProvider", "apiKey" AS api_key, endpoint,
                     "isValid" AS is_valid, "lastValidated" AS last_validated, "validationError" AS validation_error,
                     "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        Uuid::now_v7(),
        user.id,
        provider as AiModelProvider,
        sealed,
        endpoint
    )
    .fetch_one(&state.pool)
    .await?;
    tracing::info!(user.id = %user.id, %provider, "provider key stored");
    Ok(axum::Json(view(&state, &user, row)))
}

/// The caller's stored keys (never the keys themselves).
#[utoipa::path(get, path = "/v1/api-keys", tag = "api-keys",
    responses((status = 200, description = "The caller's keys, without the keys", body = ApiKeyList)))]
async fn list_keys(State(state): State<AppState>, user: CurrentUser) -> ApiResult<axum::Json<ApiKeyList>> {
    let rows = sqlx::query_as!(
        Row,
        r#"SELECT id, provider AS "provider: AiModelProvider", "apiKey" AS api_key, endpoint,
                  "isValid" AS is_valid, "lastValidated" AS last_validated, "validationError" AS validation_error,
                  "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "UserAPIKey" WHERE "userId" = $1 ORDER BY provider"#,
        user.id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(ApiKeyList { items: rows.into_iter().map(|r| view(&state, &user, r)).collect() }))
}

/// Validate the stored key again and record the result.
#[utoipa::path(post, path = "/v1/api-keys/{provider}/validate", tag = "api-keys",
    params(("provider" = AiModelProvider, Path)),
    responses(
        (status = 200, description = "Validated again; `isValid` and `validationError` say how it went", body = ApiKeyView),
        (status = 404, body = Problem, description = "No key stored for this provider"),
        (status = 422, body = Problem, description = "DEEPSEEK takes no user key"),
        (status = 429, body = Problem, description = "Too many key writes and validations (`API_KEY_CHECKS_PER_MINUTE`)"),
        (status = 503, body = Problem, description = "The provider could not be reached to validate the key"),
    ))]
async fn validate_key(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(provider): Path<AiModelProvider>,
) -> ApiResult<axum::Json<ApiKeyView>> {
    only_azure(provider)?;
    let row = sqlx::query!(
        r#"SELECT "apiKey" AS api_key, endpoint FROM "UserAPIKey" WHERE "userId" = $1 AND provider = $2"#,
        user.id,
        provider as AiModelProvider
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("api key"))?;
    check_key_rate(&state, &user).await?;
    let (valid, error) = match state.keyring.open(&row.api_key, &row_binding(user.id, provider)) {
        Err(e) => (false, Some(format!("the stored key cannot be decrypted: {e}"))),
        Ok(key) => match check_with_provider(&state, &key, row.endpoint.as_deref().unwrap_or_default()).await {
            Check::Valid => (true, None),
            Check::Invalid(reason) => (false, Some(reason)),
            Check::Unknown(reason) => {
                return Err(ApiError::Unavailable(format!(
                    "the key could not be validated now ({reason}); retry shortly"
                )));
            }
        },
    };
    let row = sqlx::query_as!(
        Row,
        r#"UPDATE "UserAPIKey" SET "isValid" = $3, "validationError" = $4, "lastValidated" = now()
           WHERE "userId" = $1 AND provider = $2
           RETURNING id, provider AS "provider: AiModelProvider", "apiKey" AS api_key, endpoint,
                     "isValid" AS is_valid, "lastValidated" AS last_validated, "validationError" AS validation_error,
                     "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        user.id,
        provider as AiModelProvider,
        valid,
        error
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("api key"))?;
    Ok(axum::Json(view(&state, &user, row)))
}

/// Delete the caller's key for `provider`.
#[utoipa::path(delete, path = "/v1/api-keys/{provider}", tag = "api-keys",
    params(("provider" = AiModelProvider, Path)),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, body = Problem, description = "No key stored for this provider"),
    ))]
async fn delete_key(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(provider): Path<AiModelProvider>,
) -> ApiResult<StatusCode> {
    let deleted = sqlx::query!(
        r#"DELETE FROM "UserAPIKey" WHERE "userId" = $1 AND provider = $2"#,
        user.id,
        provider as AiModelProvider
    )
    .execute(&state.pool)
    .await?
    .rows_affected();
    if deleted == 0 { Err(ApiError::NotFound("api key")) } else { Ok(StatusCode::NO_CONTENT) }
}
