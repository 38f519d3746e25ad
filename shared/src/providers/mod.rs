//! The LLM provider client, behind one small interface: an OpenAI-compatible
//! chat completion with retries. The worker uses it to tailor; the api uses
//! it only to validate a user's key (a one-token call).
//!
//! - DEEPSEEK: Nebius's OpenAI-compatible API (`NEBIUS_BASE_URL`,
//!   `Authorization: Bearer`, model `DEEPSEEK_MODEL`), on the operator's key.
//! - AZURE_OPENAI: the user's deployment, endpoint
//!   `https://{resource}.openai.azure.com/openai/deployments/{deployment}`
//!   (`api-key` header, `api-version` query), checked against SSRF first.

pub mod client;
pub mod endpoint;

pub use client::{
    Auth, ChatClient, ChatMessage, ChatRequest, ChatResponse, Pace, ProviderError, ProviderErrorKind, RetryPolicy,
    Target,
};
pub use endpoint::{CheckedEndpoint, EndpointError};
