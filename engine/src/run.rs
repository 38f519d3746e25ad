//! One tailoring run, the same for the worker and `tailor-eval`, in two
//! pure halves around the provider call the caller makes: [`prepare`] checks
//! the input and builds the request; [`Prepared::finish`] parses the answer,
//! applies the edits through the gates, and measures the match score before
//! and after.

use serde::Serialize;
use serde_json::Value;
use text::enums::AiMode;
use text::jd::{ExtractedSkills, Keyword, MatchScore, match_score};
use text::latex::split;

use super::apply::{Proposal, apply_answer, parse_answer};
use super::prompt::{Message, build_input, messages};
use super::protocol::{SectionInput, TailorInput};

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

/// Why a run produced no proposal: the input or the answer cannot be used
/// (a message for the user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unusable(pub String);

impl std::fmt::Display for Unusable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// What to ask the provider.
#[derive(Debug, Clone)]
pub struct Request {
    pub messages: Vec<Message>,
    pub max_tokens: u32,
    pub temperature: f32,
    /// Ask for a JSON object (`response_format`).
    pub json: bool,
}

impl Request {
    /// The messages as `(role, content)` pairs, for the provider client.
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.messages.iter().map(|m| (m.role, m.content.as_str()))
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
    pub engine: text::latex::preflight::Engine,
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

/// A run whose request is built: send [`Prepared::request`] to the
/// provider, then [`Prepared::finish`] with its answer.
pub struct Prepared<'a> {
    pub request: Request,
    mode: AiMode,
    latex: &'a str,
    skills: &'a Value,
    keywords: &'a Value,
    contents: Vec<String>,
    locked: Vec<bool>,
    prompt: TailorInput,
}

/// Check the input and build the provider request.
pub fn prepare(input: EngineInput<'_>) -> Result<Prepared<'_>, Unusable> {
    let doc = split(input.latex).map_err(|e| Unusable(format!("the base version is not a whole document: {e}")))?;
    if let Some((command, line)) = text::latex::commands::first_catcode_change(input.latex) {
        return Err(Unusable(format!(
            "this résumé changes how TeX reads characters (\\{command} on line {line}), so Tailor cannot be sure it \
             reads the text as TeX does, and does not edit it"
        )));
    }
    if doc.sections.len() != input.sections.len() {
        return Err(Unusable("the base version's sections do not match its LaTeX".into()));
    }
    let contents: Vec<String> = input.sections.iter().map(|s| s.content.clone()).collect();
    let locked: Vec<bool> = input.sections.iter().map(|s| s.locked).collect();
    let prompt = build_input(input.mode, input.role_type, input.skills, input.keywords, input.sections);
    let request =
        Request { messages: messages(&prompt).map_err(Unusable)?, max_tokens: 4096, temperature: 0.2, json: true };
    Ok(Prepared {
        request,
        mode: input.mode,
        latex: input.latex,
        skills: input.skills,
        keywords: input.keywords,
        contents,
        locked,
        prompt,
    })
}

impl Prepared<'_> {
    /// Turn the provider's answer (`content`, after `attempts` calls, from
    /// `provider`, named in messages) into a proposal.
    pub fn finish(&self, content: &str, attempts: u32, provider: &str) -> Result<EngineOutput, Unusable> {
        let doc = split(self.latex).map_err(|e| Unusable(format!("the base version is not a whole document: {e}")))?;
        let parsed =
            parse_answer(content).map_err(|why| Unusable(format!("{provider} returned an unusable answer: {why}")))?;
        let proposed = parsed.edits.len();
        let (skills, keywords) = jd_terms(self.skills, self.keywords);
        let context = super::apply::Context {
            mode: self.mode,
            base_latex: self.latex,
            jd_skills: &self.prompt.jd_skills,
            jd_keywords: &self.prompt.jd_keywords,
        };
        let proposal = apply_answer(doc.preamble, &self.contents, &self.locked, doc.closing, &parsed, &context)
            .map_err(Unusable)?;
        if proposal.applied.is_empty() {
            return Err(Unusable(format!(
                "{provider} proposed no usable edit ({proposed} proposed, {} refused{})",
                proposal.refused.len(),
                proposal.refused.first().map(|r| format!(", e.g. {}", r.reason)).unwrap_or_default()
            )));
        }
        let score_before = match_score(&skills, &keywords, self.latex);
        let score_after = match_score(&skills, &keywords, &proposal.latex);
        Ok(EngineOutput { proposal, proposed, attempts, score_before, score_after })
    }
}
