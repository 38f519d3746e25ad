//! The JSON exchanged with the model. The user message carries a
//! [`TailorInput`] between [`INPUT_BEGIN`] and [`INPUT_END`]; the model
//! answers one [`EditAnswer`] object.

use serde::{Deserialize, Serialize};
use text::enums::{AiMode, ResumeSectionType};

pub const INPUT_BEGIN: &str = "<<<TAILOR_INPUT";
pub const INPUT_END: &str = "TAILOR_INPUT>>>";

/// What the model is given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TailorInput {
    pub mode: AiMode,
    pub role_type: String,
    /// Canonical JD skills, most mentioned first.
    pub jd_skills: Vec<String>,
    /// JD keywords, heaviest first.
    pub jd_keywords: Vec<String>,
    /// Every section in order; locked ones are context only.
    pub sections: Vec<SectionInput>,
    /// The most edits this answer may hold (the output limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_edits: Option<usize>,
}

/// One section of the résumé.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SectionInput {
    pub index: usize,
    pub section_type: ResumeSectionType,
    pub locked: bool,
    pub content: String,
}

/// What the model answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EditAnswer {
    pub edits: Vec<Edit>,
}

/// Replace `original` (an exact quote from one unlocked section) with
/// `replacement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Edit {
    pub section: usize,
    pub original: String,
    pub replacement: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Extract the [`TailorInput`] from a user message (for simulators and tests).
pub fn extract_input(message: &str) -> Option<TailorInput> {
    let start = message.find(INPUT_BEGIN)? + INPUT_BEGIN.len();
    let end = start + message[start..].find(INPUT_END)?;
    serde_json::from_str(message[start..end].trim()).ok()
}
