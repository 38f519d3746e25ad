//! One chat-completion call with retries (backon): 408, 409, 429, 5xx,
//! timeouts and connection errors are retried with exponential backoff and
//! jitter, honouring `retry-after-ms` then `Retry-After`, within a total
//! budget per call; 400, 401, 403, 404 and content-filter answers never are.
//!
//! A target may be *paced*: every request on its credential first takes a
//! turn from a rate limit shared in Redis by every worker replica
//! ([`crate::ratelimit`]), so that adding replicas never turns into provider
//! 429s. A call waits for its turn (up to the client's queue wait) rather
//! than failing; if Redis is down, calls go unpaced and the provider's own
//! 429s are retried as above.

use std::net::SocketAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use backon::{ExponentialBuilder, Retryable};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use tracing::Instrument;

use sha2::{Digest, Sha256};

use super::endpoint::CheckedEndpoint;
use crate::model::AiModelProvider;
use crate::ratelimit::{Decision, Rate, RateLimiter};

/// The Azure OpenAI API version of the deployment route.
pub const AZURE_API_VERSION: &str = "2024-10-21";

/// How a request authenticates.
#[derive(Clone)]
pub enum Auth {
    /// `Authorization: Bearer <key>` (Nebius).
    Bearer(SecretString),
    /// `api-key: <key>` (Azure OpenAI).
    ApiKey(SecretString),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Auth::Bearer(_) => "Bearer(…)",
            Auth::ApiKey(_) => "ApiKey(…)",
        })
    }
}

/// Where and how to call one provider.
#[derive(Debug, Clone)]
pub struct Target {
    pub provider: AiModelProvider,
    pub chat_url: Url,
    pub auth: Auth,
    /// Sent as `model` (Nebius); `None` for Azure's deployment route.
    pub model: Option<String>,
    /// For a user's endpoint: connect only to these checked addresses.
    pub pinned: Option<(String, Vec<SocketAddr>)>,
    /// The shared requests-per-minute limit of this credential, if any.
    pub pace: Option<Pace>,
}

/// A credential's shared rate limit: its Redis key and rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pace {
    /// Derived from the endpoint and a hash of the key; never the key itself.
    pub key: String,
    pub rate: Rate,
}

impl Target {
    /// The provider's name, as messages to users say it.
    pub fn label(&self) -> &'static str {
        match self.provider {
            AiModelProvider::Deepseek => "DeepSeek",
            AiModelProvider::AzureOpenai => "Azure OpenAI",
        }
    }

    /// DeepSeek on Nebius: `{base}/chat/completions`.
    pub fn deepseek(base_url: &str, key: SecretString, model: &str) -> Result<Self, url::ParseError> {
        let base = if base_url.ends_with('/') { base_url.to_owned() } else { format!("{base_url}/") };
        Ok(Self {
            provider: AiModelProvider::Deepseek,
            chat_url: Url::parse(&base)?.join("chat/completions")?,
            auth: Auth::Bearer(key),
            model: Some(model.to_owned()),
            pinned: None,
            pace: None,
        })
    }

    /// A user's Azure OpenAI deployment, from a checked endpoint.
    pub fn azure(endpoint: &CheckedEndpoint, key: SecretString) -> Self {
        let mut chat_url = endpoint.url.clone();
        let path = format!("{}/chat/completions", chat_url.path().trim_end_matches('/'));
        chat_url.set_path(&path);
        chat_url.query_pairs_mut().append_pair("api-version", AZURE_API_VERSION);
        Self {
            provider: AiModelProvider::AzureOpenai,
            chat_url,
            auth: Auth::ApiKey(key),
            model: None,
            pinned: Some((endpoint.host.clone(), endpoint.addrs.clone())),
            pace: None,
        }
    }

    /// Limit this credential to `requests_per_minute` across every replica
    /// (0: no limit of ours). Requests are spaced evenly (burst 1): providers
    /// often enforce their per-minute limits over shorter windows.
    pub fn paced(mut self, requests_per_minute: u32) -> Self {
        self.pace = (requests_per_minute > 0).then(|| {
            let secret = match &self.auth {
                Auth::Bearer(k) | Auth::ApiKey(k) => k.expose_secret(),
            };
            let mut hash = Sha256::new();
            hash.update(self.chat_url.as_str().as_bytes());
            hash.update([0]);
            hash.update(secret.as_bytes());
            let digest = hash.finalize();
            let id: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
            Pace { key: format!("provider:{}:{id}", self.provider), rate: Rate::per_minute(requests_per_minute, 1) }
        });
        self
    }
}

/// Retry and timeout settings.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Total time one call may spend, retries and waits included.
    pub budget: Duration,
    /// One HTTP attempt's timeout: long enough for a whole generation (a
    /// call that times out is not retried: it may already be billed). The
    /// first attempt always gets all of it, whatever the budget.
    pub request_timeout: Duration,
    pub min_delay: Duration,
    pub max_delay: Duration,
    /// Largest answer body accepted, in bytes.
    pub max_response_bytes: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            budget: Duration::from_secs(120),
            request_timeout: Duration::from_secs(300),
            min_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            max_response_bytes: 8 * 1024 * 1024,
        }
    }
}

/// One chat message.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: String,
    pub content: String,
}

/// What to ask.
#[derive(Debug, Clone)]
pub struct ChatRequest {
    pub messages: Vec<ChatMessage>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Ask for `response_format: {"type": "json_object"}`.
    pub json: bool,
}

impl ChatRequest {
    /// A request of `(role, content)` messages.
    pub fn new<'a>(
        messages: impl IntoIterator<Item = (&'a str, &'a str)>,
        max_tokens: u32,
        temperature: f32,
        json: bool,
    ) -> Self {
        let messages = messages
            .into_iter()
            .map(|(role, content)| ChatMessage { role: role.into(), content: content.into() })
            .collect();
        Self { messages, max_tokens, temperature, json }
    }
}

/// The answer.
#[derive(Debug, Clone)]
pub struct ChatResponse {
    pub content: String,
    pub attempts: u32,
    /// `finish_reason: "length"`: the model hit the token limit and the
    /// content stops mid-answer (the engine keeps what is complete).
    pub truncated: bool,
    /// What the call cost, as the provider counted it.
    pub usage: Option<Usage>,
}

/// Tokens a call used (`usage` of the chat completion).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    #[serde(alias = "prompt_tokens")]
    pub prompt_tokens: u64,
    #[serde(alias = "completion_tokens")]
    pub completion_tokens: u64,
}

/// What went wrong, classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderErrorKind {
    /// 401/403: the key is wrong or lacks access; a user's key is marked invalid.
    Auth,
    /// 429 until the budget ran out, or a Retry-After beyond it.
    RateLimited,
    /// 5xx / 408 / 409 until the budget ran out.
    Unavailable,
    Timeout,
    Connection,
    /// 400 / 404 / other 4xx: our request or the deployment is wrong.
    Rejected,
    ContentFilter,
    /// Not a chat completion, or cut off.
    Malformed,
}

/// A failed call, with a message a user can act on (never a secret).
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ProviderErrorKind,
    pub message: String,
    pub status: Option<u16>,
    pub attempts: u32,
}

/// One attempt's failure.
#[derive(Debug)]
enum Attempt {
    Status {
        status: StatusCode,
        retry_after: Option<Duration>,
        detail: String,
    },
    Timeout,
    Connect(String),
    Malformed(String),
    /// The answer's body is over the policy's limit.
    TooLarge,
    ContentFilter,
    /// No turn under the credential's shared limit within the allowed wait.
    NoTurn {
        waited: Duration,
        rate: Rate,
    },
}

impl Attempt {
    /// A short name for traces (`error.type`).
    fn kind(&self) -> &'static str {
        match self {
            Attempt::Status { .. } => "http_status",
            Attempt::Timeout => "timeout",
            Attempt::Connect(_) => "connection",
            Attempt::Malformed(_) => "malformed_answer",
            Attempt::TooLarge => "answer_too_large",
            Attempt::ContentFilter => "content_filter",
            Attempt::NoTurn { .. } => "no_turn",
        }
    }

    fn retryable(&self) -> bool {
        match self {
            Attempt::Status { status, .. } => matches!(status.as_u16(), 408 | 409 | 429) || status.is_server_error(),
            // A connection that failed cost nothing; a generation that timed
            // out may already be billed, so it is not run again blindly.
            Attempt::Connect(_) => true,
            Attempt::Timeout
            | Attempt::Malformed(_)
            | Attempt::TooLarge
            | Attempt::ContentFilter
            | Attempt::NoTurn { .. } => false,
        }
    }
}

/// `retry-after-ms`, then `Retry-After` (seconds or an HTTP date).
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let ms = headers.get("retry-after-ms").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<f64>().ok());
    if let Some(ms) = ms.filter(|ms| ms.is_finite() && *ms >= 0.0) {
        return Some(Duration::from_secs_f64(ms / 1000.0));
    }
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(raw).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}

#[derive(Deserialize)]
struct Completion {
    choices: Vec<Choice>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct Choice {
    message: Option<ChoiceMessage>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct ChoiceMessage {
    content: Option<String>,
}

/// How much of an error answer's body is read (for its message).
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A reusable HTTP client for provider calls (no redirects, ever).
#[derive(Debug, Clone)]
pub struct ChatClient {
    http: reqwest::Client,
    policy: RetryPolicy,
    limiter: Option<RateLimiter>,
    /// Longest wait for a paced target's first turn (not part of the budget).
    queue_wait: Duration,
}

impl ChatClient {
    pub fn new(policy: RetryPolicy) -> Result<Self, reqwest::Error> {
        let http = Self::builder(&policy).build()?;
        Ok(Self { http, policy, limiter: None, queue_wait: Duration::ZERO })
    }

    /// Pace targets that have a [`Pace`] with `limiter`; a call waits up to
    /// `queue_wait` for its first turn.
    pub fn with_limiter(mut self, limiter: RateLimiter, queue_wait: Duration) -> Self {
        self.limiter = Some(limiter);
        self.queue_wait = queue_wait;
        self
    }

    /// How long a call to `target` would now wait for its turn under the
    /// credential's shared limit; `None` when it is not paced (or Redis is
    /// down, and calls go unpaced).
    pub async fn turn_wait(&self, target: &Target) -> Option<Duration> {
        let (Some(limiter), Some(pace)) = (&self.limiter, &target.pace) else { return None };
        limiter.peek(&pace.key, pace.rate).await.ok()
    }

    /// Longest wait for a paced call's first turn (`PROVIDER_QUEUE_WAIT_SECS`).
    pub fn queue_wait(&self) -> Duration {
        self.queue_wait
    }

    /// Wait for a turn under `target`'s shared limit, at most `max_wait`.
    /// Without a limit, or with Redis down, go at once.
    async fn take_turn(&self, target: &Target, max_wait: Duration) -> Result<(), Attempt> {
        let (Some(limiter), Some(pace)) = (&self.limiter, &target.pace) else { return Ok(()) };
        match limiter.acquire(&pace.key, pace.rate, max_wait).await {
            Ok(Decision::Go { wait }) => {
                if !wait.is_zero() {
                    tracing::debug!(
                        provider = target.label(),
                        wait_ms = wait.as_millis() as u64,
                        "waiting for a turn under the shared rate limit"
                    );
                    tokio::time::sleep(wait).await;
                }
                Ok(())
            }
            Ok(Decision::Refused { retry_after }) => {
                tracing::debug!(
                    provider = target.label(),
                    retry_after_ms = retry_after.as_millis() as u64,
                    "no turn within the allowed wait"
                );
                Err(Attempt::NoTurn { waited: max_wait, rate: pace.rate })
            }
            Err(e) => {
                tracing::debug!(provider = target.label(), error = %e, "rate limiter unavailable; calling unpaced");
                Ok(())
            }
        }
    }

    fn builder(policy: &RetryPolicy) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // Calls go straight to the provider: a proxy named by the
            // environment (HTTPS_PROXY…) would see every prompt and key.
            .no_proxy()
            .timeout(policy.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("tailor/", env!("CARGO_PKG_VERSION")))
    }

    pub fn policy(&self) -> &RetryPolicy {
        &self.policy
    }

    /// The client for `target`: a pinned one for a user's endpoint.
    fn http_for(&self, target: &Target) -> Result<reqwest::Client, ProviderError> {
        match &target.pinned {
            None => Ok(self.http.clone()),
            Some((host, addrs)) => Self::builder(&self.policy).resolve_to_addrs(host, addrs).build().map_err(|e| {
                fail(target, ProviderErrorKind::Connection, format!("cannot build a client: {e}"), None, 0)
            }),
        }
    }

    /// One chat completion, retried within the policy's budget.
    pub async fn chat(&self, target: &Target, request: &ChatRequest) -> Result<ChatResponse, ProviderError> {
        let http = self.http_for(target)?;
        // The first turn under a shared limit is queueing, not retrying: it
        // is bounded by the queue wait, and the budget starts after it.
        let queued = Instant::now();
        if let Err(no_turn) = self.take_turn(target, self.queue_wait).await {
            return Err(self.explain(target, no_turn, 0, queued.elapsed(), None));
        }
        let started = Instant::now();
        // The first attempt always has the whole request timeout.
        let deadline = started + self.policy.budget.max(self.policy.request_timeout);
        // Shared with the retry closures; atomics keep the future Send.
        let attempts = AtomicU32::new(0);
        let over_budget: Mutex<Option<Duration>> = Mutex::new(None);
        let last_wait_ms = AtomicU64::new(0);
        let body = self.body(target, request);

        let result = (|| async {
            if attempts.fetch_add(1, Ordering::Relaxed) > 0 {
                self.take_turn(target, deadline.saturating_duration_since(Instant::now())).await?;
            }
            let waited = Duration::from_millis(last_wait_ms.load(Ordering::Relaxed));
            self.traced_attempt(&http, target, &body, deadline, attempts.load(Ordering::Relaxed), waited).await
        })
        .retry(
            ExponentialBuilder::default()
                .with_min_delay(self.policy.min_delay)
                .with_max_delay(self.policy.max_delay)
                .with_jitter()
                .without_max_times(),
        )
        .sleep(tokio::time::sleep)
        .when(|e: &Attempt| e.retryable() && Instant::now() < deadline)
        .adjust(|e: &Attempt, backoff: Option<Duration>| {
            let wait = match e {
                Attempt::Status { retry_after: Some(ra), .. } => *ra,
                _ => backoff?,
            };
            let left = deadline.saturating_duration_since(Instant::now());
            if wait > left {
                if let Ok(mut slot) = over_budget.lock() {
                    *slot = Some(wait);
                }
                return None;
            }
            Some(wait)
        })
        .notify(|e: &Attempt, wait: Duration| {
            last_wait_ms.store(u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), Ordering::Relaxed);
            metrics::counter!(crate::metrics::PROVIDER_RETRIES, "provider" => target.provider.as_str()).increment(1);
            tracing::warn!(provider = target.label(), error = ?e, retry_wait_ms = wait.as_millis() as u64, "provider attempt failed; retrying");
        })
        .await;

        let n = attempts.load(Ordering::Relaxed);
        let over_budget = over_budget.lock().ok().and_then(|g| *g);
        match result {
            Ok(answer) => {
                if let Some(usage) = answer.usage {
                    let provider = target.provider.as_str();
                    metrics::counter!(crate::metrics::PROVIDER_TOKENS, "provider" => provider, "kind" => "prompt")
                        .increment(usage.prompt_tokens);
                    metrics::counter!(crate::metrics::PROVIDER_TOKENS, "provider" => provider, "kind" => "completion")
                        .increment(usage.completion_tokens);
                }
                Ok(ChatResponse { attempts: n, ..answer })
            }
            Err(last) => Err(self.explain(target, last, n, started.elapsed(), over_budget)),
        }
    }

    fn body(&self, target: &Target, request: &ChatRequest) -> serde_json::Value {
        let mut body = serde_json::json!({
            "messages": request.messages,
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
        });
        if let Some(model) = &target.model {
            body["model"] = serde_json::Value::String(model.clone());
        }
        if request.json {
            body["response_format"] = serde_json::json!({"type": "json_object"});
        }
        body
    }

    /// Attempt `n` (after waiting `waited` since the last one) in its own
    /// client span (OpenTelemetry HTTP client conventions, the retry and its
    /// wait as attributes), counted and timed in the provider metrics.
    async fn traced_attempt(
        &self,
        http: &reqwest::Client,
        target: &Target,
        body: &serde_json::Value,
        deadline: Instant,
        n: u32,
        waited: Duration,
    ) -> Result<ChatResponse, Attempt> {
        let provider = target.provider.as_str();
        let span = tracing::info_span!(
            "POST chat/completions",
            otel.kind = "client",
            http.request.method = "POST",
            server.address = target.chat_url.host_str().unwrap_or_default(),
            gen_ai.system = provider,
            http.request.resend_count = n.saturating_sub(1),
            tailor.retry_wait_ms = u64::try_from(waited.as_millis()).unwrap_or(u64::MAX),
            http.response.status_code = tracing::field::Empty,
            error.type = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.attempt(http, target, body, deadline).instrument(span.clone()).await;
        // The HTTP status, or what happened instead of one.
        let status = match &result {
            Err(Attempt::Status { status, .. }) => status.as_u16().to_string(),
            Err(Attempt::Timeout) => "timeout".to_owned(),
            Err(Attempt::Connect(_)) => "connection".to_owned(),
            Err(Attempt::NoTurn { .. }) => "no_turn".to_owned(),
            Ok(_) | Err(Attempt::Malformed(_) | Attempt::TooLarge | Attempt::ContentFilter) => "200".to_owned(),
        };
        if let Ok(code) = status.parse::<u16>() {
            span.record("http.response.status_code", code);
        }
        if let Err(e) = &result {
            span.record("error.type", e.kind());
            span.record("otel.status_code", "ERROR");
        }
        metrics::counter!(crate::metrics::PROVIDER_REQUESTS, "provider" => provider, "status" => status).increment(1);
        metrics::histogram!(crate::metrics::PROVIDER_DURATION, "provider" => provider)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn attempt(
        &self,
        http: &reqwest::Client,
        target: &Target,
        body: &serde_json::Value,
        deadline: Instant,
    ) -> Result<ChatResponse, Attempt> {
        let left = deadline.saturating_duration_since(Instant::now());
        let timeout = self.policy.request_timeout.min(left.max(Duration::from_millis(100)));
        let mut req = http.post(target.chat_url.clone()).json(body).timeout(timeout);
        req = match &target.auth {
            Auth::Bearer(key) => req.bearer_auth(key.expose_secret()),
            Auth::ApiKey(key) => {
                // Sensitive: never printed by the HTTP stack's debug output.
                let mut value = reqwest::header::HeaderValue::from_str(key.expose_secret())
                    .map_err(|_| Attempt::Connect("the API key is not a valid header value".into()))?;
                value.set_sensitive(true);
                req.header("api-key", value)
            }
        };
        let failed = |e: reqwest::Error| {
            if e.is_timeout() && !e.is_connect() { Attempt::Timeout } else { Attempt::Connect(without_url(&e)) }
        };
        let mut response = req.send().await.map_err(failed)?;
        let status = response.status();
        if !status.is_success() {
            let retry_after = retry_after(response.headers());
            // An error's body is read for its message only, and only so far.
            let mut text = Vec::new();
            while let Ok(Some(chunk)) = response.chunk().await {
                text.extend_from_slice(&chunk[..chunk.len().min(MAX_ERROR_BODY_BYTES - text.len())]);
                if text.len() >= MAX_ERROR_BODY_BYTES {
                    break;
                }
            }
            let text = String::from_utf8_lossy(&text);
            if status == StatusCode::BAD_REQUEST && text.contains("content_filter") {
                return Err(Attempt::ContentFilter);
            }
            return Err(Attempt::Status { status, retry_after, detail: provider_detail(&text) });
        }
        // Read the body in chunks, up to the limit: a runaway answer is
        // refused, never held whole in memory.
        let mut body: Vec<u8> = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(failed)? {
            if body.len() + chunk.len() > self.policy.max_response_bytes {
                return Err(Attempt::TooLarge);
            }
            body.extend_from_slice(&chunk);
        }
        let completion: Completion = serde_json::from_slice(&body)
            .map_err(|_| Attempt::Malformed("the answer is not a chat completion".into()))?;
        let usage = completion.usage;
        let choice = completion
            .choices
            .into_iter()
            .next()
            .ok_or_else(|| Attempt::Malformed("the answer has no choices".into()))?;
        if choice.finish_reason.as_deref() == Some("content_filter") {
            return Err(Attempt::ContentFilter);
        }
        let truncated = choice.finish_reason.as_deref() == Some("length");
        let content = choice
            .message
            .and_then(|m| m.content)
            .filter(|c| !c.trim().is_empty())
            .ok_or_else(|| Attempt::Malformed("the answer is empty".into()))?;
        Ok(ChatResponse { content, attempts: 0, truncated, usage })
    }

    fn explain(
        &self,
        target: &Target,
        last: Attempt,
        attempts: u32,
        elapsed: Duration,
        over_budget: Option<Duration>,
    ) -> ProviderError {
        let who = target.label();
        let secs = elapsed.as_secs().max(1);
        match last {
            Attempt::Status { status, retry_after, detail } => {
                let code = status.as_u16();
                let (kind, message) = match code {
                    401 | 403 => (ProviderErrorKind::Auth, format!("{who} rejected the API key ({code})")),
                    429 => match over_budget.or(retry_after).filter(|_| over_budget.is_some()) {
                        Some(wait) => (
                            ProviderErrorKind::RateLimited,
                            format!(
                                "{who} rate-limited the request and asked to retry after {} s, beyond the retry budget ({} s)",
                                wait.as_secs().max(1),
                                self.policy.budget.as_secs()
                            ),
                        ),
                        None => (
                            ProviderErrorKind::RateLimited,
                            format!("{who} rate-limited every attempt for {secs} s ({attempts} attempts)"),
                        ),
                    },
                    404 => (
                        ProviderErrorKind::Rejected,
                        format!("{who} answered 404: the deployment or model was not found{detail}"),
                    ),
                    408 | 409 => (
                        ProviderErrorKind::Unavailable,
                        format!("{who} kept failing ({code}) for {secs} s ({attempts} attempts)"),
                    ),
                    c if c >= 500 => (
                        ProviderErrorKind::Unavailable,
                        format!("{who} kept failing ({code}) for {secs} s ({attempts} attempts)"),
                    ),
                    _ => (ProviderErrorKind::Rejected, format!("{who} refused the request ({code}){detail}")),
                };
                ProviderError { kind, message, status: Some(code), attempts }
            }
            Attempt::Timeout => fail(
                target,
                ProviderErrorKind::Timeout,
                format!(
                    "did not answer within {} s; the request was not sent again, since a generation that long may \
                     already be billed ({attempts} attempts)",
                    self.policy.request_timeout.as_secs()
                ),
                None,
                attempts,
            ),
            Attempt::TooLarge => fail(
                target,
                ProviderErrorKind::Malformed,
                format!("answered more than {} MB, which is refused", self.policy.max_response_bytes / (1024 * 1024)),
                None,
                attempts,
            ),
            Attempt::Connect(e) => fail(
                target,
                ProviderErrorKind::Connection,
                format!("could not be reached ({e}) for {secs} s ({attempts} attempts)"),
                None,
                attempts,
            ),
            Attempt::Malformed(why) => fail(
                target,
                ProviderErrorKind::Malformed,
                format!("returned an unusable answer: {why}"),
                None,
                attempts,
            ),
            Attempt::ContentFilter => fail(
                target,
                ProviderErrorKind::ContentFilter,
                "content filter blocked the request or answer".into(),
                None,
                attempts,
            ),
            Attempt::NoTurn { waited, rate } => fail(
                target,
                ProviderErrorKind::RateLimited,
                format!(
                    "had no free request slot within {} s under this server's limit of {} requests/min for the credential; submit the job again later",
                    waited.as_secs().max(1),
                    rate.count
                ),
                None,
                attempts,
            ),
        }
    }
}

fn fail(target: &Target, kind: ProviderErrorKind, what: String, status: Option<u16>, attempts: u32) -> ProviderError {
    ProviderError { kind, message: format!("{} {what}", target.label()), status, attempts }
}

/// A connection error's text without the URL (which may name a user's host).
fn without_url(e: &reqwest::Error) -> String {
    let mut s = e.to_string();
    if let Some(url) = e.url() {
        s = s.replace(url.as_str(), "the endpoint");
    }
    if e.is_connect() { "connection failed".to_owned() } else { s.chars().take(120).collect() }
}

/// The provider's own error message, short, for the user: `: …`.
fn provider_detail(body: &str) -> String {
    let parsed: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = parsed
        .as_ref()
        .and_then(|v| v.pointer("/error/message").or_else(|| v.get("message")))
        .and_then(|m| m.as_str())
        .map(|m| m.chars().filter(|c| !c.is_control()).take(200).collect::<String>());
    match message {
        Some(m) if !m.is_empty() => format!(": {m}"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn retry_after_headers() {
        let mut h = HeaderMap::new();
        h.insert("retry-after-ms", HeaderValue::from_static("1500"));
        h.insert(RETRY_AFTER, HeaderValue::from_static("9"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        h.remove("retry-after-ms");
        assert_eq!(retry_after(&h), Some(Duration::from_secs(9)));
        h.insert(RETRY_AFTER, HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"));
        assert_eq!(retry_after(&h), Some(Duration::ZERO), "a date in the past means now");
        h.insert(RETRY_AFTER, HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn azure_target_uses_the_deployment_route() {
        let endpoint = CheckedEndpoint {
            url: Url::parse("https://contoso.openai.azure.com/openai/deployments/gpt4o").expect("url"),
            host: "contoso.openai.azure.com".into(),
            addrs: vec![],
        };
        let t = Target::azure(&endpoint, SecretString::from("k".to_owned()));
        assert_eq!(
            t.chat_url.as_str(),
            "https://contoso.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21"
        );
        let d = Target::deepseek("https://api.example/v1", SecretString::from("k".to_owned()), "m").expect("target");
        assert_eq!(d.chat_url.as_str(), "https://api.example/v1/chat/completions");
        assert_eq!(format!("{:?}", d.auth), "Bearer(…)", "keys never show in Debug");
    }

    #[test]
    fn provider_detail_is_short_and_clean() {
        assert_eq!(provider_detail(r#"{"error":{"message":"bad\nthing"}}"#), ": badthing");
        assert_eq!(provider_detail("<html>"), "");
    }
}
