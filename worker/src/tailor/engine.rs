//! One tailoring run, the same for the worker and `tailor-eval`: build the
//! prompt, make one provider call, parse the answer, apply the edits through
//! the gates, and measure the match score before and after.

use serde::Serialize;
use serde_json::Value;
use shared::jd::{ExtractedSkills, Keyword, MatchScore, match_score};
use shared::latex::split;
use shared::model::AiMode;
use shared::providers::{ChatClient, ChatRequest, ProviderError, Target};

use super::apply::{Proposal, apply_answer, parse_answer};
use super::prompt::{build_input, messages};
use super::protocol::SectionInput;

/// What a run needs: the mode, the JD's stored analysis and the base version.
pub struct EngineInput<'a> {
    pub mode: AiMode,
    pub role_type: &'a str,
    /// `JobDescription.extractedSkills` as stored.
    pub skills: &'a Value,
    /// `JobDescription.keywords` as stored.
    pub keywords: &'a Value,
    /// The base version's LaTeX.
    pub latex: &'a str,
    /// Its sections, in order, with their locks.
    pub sections: Vec<SectionInput>,
}

/// What a run produced.
#[derive(Debug, Clone)]
pub struct EngineOutput {
    pub proposal: Proposal,
    /// Edits the model proposed, before the gates.
    pub proposed: usize,
    pub attempts: u32,
    pub score_before: MatchScore,
    pub score_after: MatchScore,
}

/// Why a run produced no proposal.
#[derive(Debug, Clone)]
pub enum EngineError {
    /// The provider call failed (after retries).
    Provider(ProviderError),
    /// The input or the answer cannot be used; a message for the user.
    Unusable(String),
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::Provider(e) => write!(f, "{}", e.message),
            EngineError::Unusable(m) => f.write_str(m),
        }
    }
}

/// The job's trace: every edit's fate, kept with the queue task's result so
/// the API can show it next to the proposal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    pub proposed: usize,
    pub applied: Vec<super::protocol::Edit>,
    pub refused: Vec<super::apply::Refusal>,
    pub attempts: u32,
    pub score_before: f64,
    pub score_after: f64,
    /// The proposal's compile, when its base had compiled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compile: Option<ProposalCompile>,
}

/// How the proposal compiled (recorded when its base version had compiled).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProposalCompile {
    pub engine: shared::compile::Engine,
    pub pages: u32,
    /// Compiles it took to find the edits that broke it (1 when none did).
    pub compiles: u32,
    pub duration_ms: u64,
    /// The stored PDF (`GET /v1/ai-jobs/{id}/proposal/pdf`).
    pub pdf_key: String,
    pub pdf_sha256: String,
}

impl EngineOutput {
    pub fn trace(&self) -> Trace {
        Trace {
            proposed: self.proposed,
            applied: self.proposal.applied.clone(),
            refused: self.proposal.refused.clone(),
            attempts: self.attempts,
            score_before: self.score_before.score,
            score_after: self.score_after.score,
            compile: None,
        }
    }
}

/// Parse the stored JD analysis (lenient: a malformed value scores as empty).
pub fn jd_terms(skills: &Value, keywords: &Value) -> (ExtractedSkills, Vec<Keyword>) {
    (
        serde_json::from_value(skills.clone()).unwrap_or_default(),
        serde_json::from_value(keywords.clone()).unwrap_or_default(),
    )
}

/// Run the engine once.
pub async fn tailor(client: &ChatClient, target: &Target, input: EngineInput<'_>) -> Result<EngineOutput, EngineError> {
    let doc = split(input.latex)
        .map_err(|e| EngineError::Unusable(format!("the base version is not a whole document: {e}")))?;
    if doc.sections.len() != input.sections.len() {
        return Err(EngineError::Unusable("the base version's sections do not match its LaTeX".into()));
    }
    let contents: Vec<String> = input.sections.iter().map(|s| s.content.clone()).collect();
    let locked: Vec<bool> = input.sections.iter().map(|s| s.locked).collect();
    let prompt_input = build_input(input.mode, input.role_type, input.skills, input.keywords, input.sections);
    let request = ChatRequest {
        messages: messages(&prompt_input).map_err(EngineError::Unusable)?,
        max_tokens: 4096,
        temperature: 0.2,
        json: true,
    };
    let answer = client.chat(target, &request).await.map_err(EngineError::Provider)?;
    let parsed = parse_answer(&answer.content)
        .map_err(|why| EngineError::Unusable(format!("{} returned an unusable answer: {why}", target_label(target))))?;
    let proposed = parsed.edits.len();
    let (skills, keywords) = jd_terms(input.skills, input.keywords);
    let context = super::apply::Context {
        mode: input.mode,
        base_latex: input.latex,
        jd_skills: &prompt_input.jd_skills,
        jd_keywords: &prompt_input.jd_keywords,
    };
    let proposal = apply_answer(doc.preamble, &contents, &locked, doc.closing, &parsed, &context)
        .map_err(EngineError::Unusable)?;
    if proposal.applied.is_empty() {
        return Err(EngineError::Unusable(format!(
            "{} proposed no usable edit ({} proposed, {} refused{})",
            target_label(target),
            proposed,
            proposal.refused.len(),
            proposal.refused.first().map(|r| format!(", e.g. {}", r.reason)).unwrap_or_default()
        )));
    }
    let score_before = match_score(&skills, &keywords, input.latex);
    let score_after = match_score(&skills, &keywords, &proposal.latex);
    Ok(EngineOutput { proposal, proposed, attempts: answer.attempts, score_before, score_after })
}

fn target_label(target: &Target) -> &'static str {
    match target.provider {
        shared::model::AiModelProvider::Deepseek => "DeepSeek",
        shared::model::AiModelProvider::AzureOpenai => "Azure OpenAI",
    }
}
