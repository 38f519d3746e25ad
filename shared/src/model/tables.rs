//! The schema's tables (section 4 of `spec/database.md`), one struct each,
//! field for column, serialised in the schema's spelling.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;
use uuid::Uuid;

use text::enums::*;

/// `User`: an authenticated person (authentication itself is Clerk's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct User {
    pub id: Uuid,
    pub clerk_id: String,
    /// Empty when Clerk's token carried no e-mail claim.
    pub email: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `ResumeProject`: one résumé strategy ("Backend résumé").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumeProject {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `ResumeVersion`: one immutable version of a résumé, a node of the project's tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumeVersion {
    pub id: Uuid,
    pub project_id: Uuid,
    pub parent_version_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub version_type: ResumeVersionType,
    pub status: ResumeVersionStatus,
    pub latex_content: String,
    pub pdf_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `ResumeSection`: a logical section of a version, in document order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResumeSection {
    pub id: Uuid,
    pub version_id: Uuid,
    pub section_type: ResumeSectionType,
    pub content: String,
    pub is_locked: bool,
    pub order_index: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `JobDescription`: a pasted JD and its analysis (see [`crate::jd`] for the JSON shapes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobDescription {
    pub id: Uuid,
    pub project_id: Uuid,
    pub raw_text: String,
    #[schema(value_type = Object)]
    pub extracted_skills: Value,
    #[schema(value_type = Vec<Object>)]
    pub keywords: Value,
    pub role_type: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `AIJob`: one asynchronous tailoring run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiJob {
    pub id: Uuid,
    pub project_id: Uuid,
    pub base_version_id: Uuid,
    pub jd_id: Uuid,
    pub mode: AiMode,
    pub status: AiJobStatus,
    pub error_message: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `ProposedVersion`: an AI job's output, waiting for the user to accept or reject it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProposedVersion {
    pub id: Uuid,
    pub ai_job_id: Uuid,
    pub proposed_latex_content: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `UserAPIKey`: a user's own provider credential.
///
/// `api_key` holds the encrypted envelope, and is never serialised: nothing
/// that turns this row into JSON can leak it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserApiKey {
    pub id: Uuid,
    pub user_id: Uuid,
    pub provider: AiModelProvider,
    #[serde(skip_serializing)]
    #[schema(ignore)]
    pub api_key: String,
    pub endpoint: Option<String>,
    pub is_valid: bool,
    pub last_validated: Option<DateTime<Utc>>,
    pub validation_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// `VersionDiff`: what changed from one version to another, computed once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionDiff {
    pub id: Uuid,
    pub from_version_id: Uuid,
    pub to_version_id: Uuid,
    #[schema(value_type = Vec<Object>)]
    pub added: Value,
    #[schema(value_type = Vec<Object>)]
    pub removed: Value,
    #[schema(value_type = Vec<Object>)]
    pub rewritten: Value,
    pub created_at: DateTime<Utc>,
}
