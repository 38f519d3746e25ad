//! What api and worker share about compiling a version to PDF: the record in
//! `tailor.version_compile` as the API shows it, the errors read from TeX's
//! log, and where a version's files live in the object store.
//!
//! The spec's `ResumeVersion` carries only the outcome (status COMPILED or
//! ERROR, `pdfUrl`); everything else about a compile is here. Status moves
//! only as the spec defines it: an ACTIVE version stays ACTIVE whatever its
//! compile does.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// Where a compile stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompileState {
    /// Requested; a worker will compile it.
    Pending,
    /// The PDF is stored; the version's `pdfUrl` points at it.
    Succeeded,
    /// TeX failed or a sandbox limit stopped it; see `message` and `errors`.
    Failed,
}

impl CompileState {
    pub fn as_str(self) -> &'static str {
        match self {
            CompileState::Pending => "PENDING",
            CompileState::Succeeded => "SUCCEEDED",
            CompileState::Failed => "FAILED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "PENDING" => Some(CompileState::Pending),
            "SUCCEEDED" => Some(CompileState::Succeeded),
            "FAILED" => Some(CompileState::Failed),
            _ => None,
        }
    }
}

pub use text::latex::preflight::Engine;

/// One error read from TeX's log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompileErrorLine {
    /// The line of the document (or of `file`) where TeX stopped, when known.
    pub line: Option<u32>,
    /// TeX's message, e.g. "Undefined control sequence".
    pub message: String,
    /// The source TeX was reading, e.g. `\foo`.
    pub context: String,
    /// The file the error is in when it is not the document itself (a class or package).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
}

/// A version's compile, as `GET /v1/versions/{id}` shows it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CompileView {
    pub state: CompileState,
    pub engine: Option<Engine>,
    pub pages: Option<i32>,
    /// TeX runs made (reruns for cross-references, at most 3).
    pub runs: Option<i32>,
    pub duration_ms: Option<i32>,
    /// Why it failed, in one sentence; null unless FAILED.
    pub message: Option<String>,
    pub errors: Vec<CompileErrorLine>,
    /// The end of TeX's log; null unless FAILED.
    pub log_tail: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
}

/// Where every stored file of a version lives (its PDF and previews). Keys
/// name nothing a user wrote: the ids are ours, page numbers integers.
pub fn version_prefix(version_id: Uuid) -> String {
    format!("versions/{version_id}/")
}

/// Where every stored file of an AI job's proposal lives.
pub fn proposal_prefix(ai_job_id: Uuid) -> String {
    format!("proposals/{ai_job_id}/")
}

/// The PDF of a version.
pub fn version_pdf_key(version_id: Uuid) -> String {
    format!("{}resume.pdf", version_prefix(version_id))
}

/// The PNG preview of page `page` (1-based).
pub fn version_preview_key(version_id: Uuid, page: u32) -> String {
    format!("{}page-{page}.png", version_prefix(version_id))
}

/// The PDF of an AI job's proposal (compiled when its base had compiled).
pub fn proposal_pdf_key(ai_job_id: Uuid) -> String {
    format!("{}resume.pdf", proposal_prefix(ai_job_id))
}

/// The API path a version's PDF is served at: PDFs are never public, so
/// `pdfUrl` is this path on our API (the owner's token required).
pub fn version_pdf_path(version_id: Uuid) -> String {
    format!("/v1/versions/{version_id}/pdf")
}

/// A `Content-Disposition` value naming the file after the project, e.g.
/// `attachment; filename="Backend r_sum_.pdf"; filename*=UTF-8''Backend%20r%C3%A9sum%C3%A9.pdf`
/// (RFC 6266: an ASCII fallback, then the exact name in UTF-8).
pub fn content_disposition(disposition: &str, project_name: &str, extension: &str) -> String {
    let name: String = project_name.chars().filter(|c| !c.is_control()).collect::<String>().trim().to_owned();
    let name = if name.is_empty() { "resume".to_owned() } else { name };
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')') { c } else { '_' })
        .collect();
    let exact = percent_encoding::utf8_percent_encode(&format!("{name}.{extension}"), RFC5987).to_string();
    format!("{disposition}; filename=\"{ascii}.{extension}\"; filename*=UTF-8''{exact}")
}

/// What RFC 5987 leaves unencoded in an `ext-value`: letters, digits and
/// `!#$&+-.^_`|~`; everything else is percent-encoded.
const RFC5987: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_names_the_project_safely() {
        assert_eq!(
            content_disposition("attachment", "Backend résumé", "pdf"),
            "attachment; filename=\"Backend r_sum_.pdf\"; filename*=UTF-8''Backend%20r%C3%A9sum%C3%A9.pdf"
        );
        let hostile = content_disposition("inline", "a\"; x=\r\n/../b", "pdf");
        assert!(!hostile.contains('\r') && !hostile.contains('\n'), "{hostile}");
        assert!(hostile.starts_with("inline; filename=\"a__ x__.._b.pdf\""), "{hostile}");
        assert!(content_disposition("inline", "  ", "png").contains("filename=\"resume.png\""));
    }

    #[test]
    fn states_and_engines_round_trip_through_their_stored_names() {
        for s in [CompileState::Pending, CompileState::Succeeded, CompileState::Failed] {
            assert_eq!(CompileState::parse(s.as_str()), Some(s));
            assert_eq!(serde_json::to_value(s).ok(), Some(serde_json::Value::String(s.as_str().into())));
        }
        for e in [Engine::Pdflatex, Engine::Xelatex] {
            assert_eq!(Engine::parse(e.as_str()), Some(e));
            assert_eq!(serde_json::to_value(e).ok(), Some(serde_json::Value::String(e.as_str().into())));
        }
        assert_eq!(CompileState::parse("DONE"), None);
        assert_eq!(Engine::parse("lualatex"), None);
    }
}
