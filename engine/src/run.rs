//! One tailoring run, the same for the worker and `tailor-eval`, in two
//! pure halves around the provider calls the caller makes: [`prepare`]
//! checks the input and builds the requests (one per group of sections,
//! so each answer fits the model's output limit); [`Prepared::finish`]
//! reads the answers, applies their edits through the gates, and measures
//! the match score before and after.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use text::enums::AiMode;
use text::jd::{ExtractedSkills, Keyword, MatchScore, ResumeTerms};
use text::latex::split;

use super::answer::read_answer;
use super::apply::{Gate, Proposal, Refusal, apply_answer_with};
use super::prompt::{Message, build_input, messages};
use super::protocol::{Edit, EditAnswer, SectionInput, TailorInput};

/// At most this many refusals are kept one by one in a trace; the rest are
/// counted by gate (a hostile answer of thousands of edits stays small).
pub const MAX_TRACED_REFUSALS: usize = 200;

/// The output limit when the caller knows none (DeepSeek-V3: 8K tokens).
pub const DEFAULT_MAX_OUTPUT_TOKENS: u32 = 8192;

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
    /// The model's output limit per call, in tokens.
    pub max_output_tokens: u32,
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
    /// One entry per provider call.
    pub calls: Vec<CallTrace>,
    /// Entries of the answers that were not edits, and why.
    pub unreadable: Vec<String>,
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

/// Tokens a call used, as the provider counted them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// The provider's answer to one request.
#[derive(Debug, Clone)]
pub struct ProviderAnswer {
    pub content: String,
    pub attempts: u32,
    /// It hit the token limit (`finish_reason: "length"`).
    pub truncated: bool,
    pub usage: Option<Usage>,
}

/// One provider call of a run, in the trace.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallTrace {
    /// The sections this call was asked to edit.
    pub sections: Vec<usize>,
    /// Edits read from its answer.
    pub edits: usize,
    /// The answer was cut at the token limit; the edits before the cut were kept.
    pub cut: bool,
    /// Why the call gave nothing, when it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// The job's trace: every edit's fate, kept with the queue task's result so
/// the API can show it next to the proposal.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Trace {
    pub proposed: usize,
    /// With their ids (see [`crate::review`]).
    pub applied: Vec<super::review::AppliedEdit>,
    /// At most [`MAX_TRACED_REFUSALS`]; the rest in `refusedBeyond`.
    pub refused: Vec<super::apply::Refusal>,
    /// Refusals beyond those listed, counted by gate.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub refused_beyond: BTreeMap<Gate, usize>,
    /// Entries of the answers that were not edits, and why (at most 20).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
    pub attempts: u32,
    pub score_before: f64,
    pub score_after: f64,
    /// The provider calls: sections asked, edits read, cut, usage.
    pub calls: Vec<CallTrace>,
    /// What the run cost, over every call.
    pub usage: Usage,
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
        let refused = &self.proposal.refused;
        let mut refused_beyond = BTreeMap::new();
        for r in refused.iter().skip(MAX_TRACED_REFUSALS) {
            *refused_beyond.entry(r.gate).or_insert(0) += 1;
        }
        let usage = self.calls.iter().filter_map(|c| c.usage).fold(Usage::default(), |sum, u| Usage {
            prompt_tokens: sum.prompt_tokens + u.prompt_tokens,
            completion_tokens: sum.completion_tokens + u.completion_tokens,
        });
        Trace {
            proposed: self.proposed,
            applied: super::review::AppliedEdit::identified(&self.proposal.applied),
            refused: refused.iter().take(MAX_TRACED_REFUSALS).cloned().collect(),
            refused_beyond,
            unreadable: self.unreadable.iter().take(20).cloned().collect(),
            attempts: self.attempts,
            score_before: self.score_before.score,
            score_after: self.score_after.score,
            calls: self.calls.clone(),
            usage,
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

/// What a run reads from its base version whatever the job: the facts an
/// edit may not invent ([`super::gates::facts_of`]) and the terms its match
/// score counts. A version is never overwritten, so a worker keeps this per
/// base version instead of reading it on every job.
pub struct BaseReading {
    pub facts: super::gates::Facts,
    pub terms: ResumeTerms,
}

impl BaseReading {
    /// Read the base version's LaTeX.
    pub fn of(latex: &str) -> Self {
        Self { facts: super::gates::facts_of(latex), terms: ResumeTerms::of(latex) }
    }
}

/// A run whose requests are built: send each of [`Prepared::requests`] to
/// the provider, then [`Prepared::finish`] with the answers, in order.
pub struct Prepared<'a> {
    pub requests: Vec<Request>,
    /// The sections each request asks to edit.
    groups: Vec<Vec<usize>>,
    mode: AiMode,
    latex: &'a str,
    /// The base's LaTeX around its sections, as [`prepare`] split it.
    preamble: &'a str,
    closing: &'a str,
    /// The JD's stored analysis, parsed.
    skills: ExtractedSkills,
    keywords: Vec<Keyword>,
    contents: Vec<String>,
    locked: Vec<bool>,
    prompt: TailorInput,
}

/// Check the input and build the provider requests: one per group of
/// unlocked sections whose edits fit the model's output limit.
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
    let max_tokens = if input.max_output_tokens == 0 { DEFAULT_MAX_OUTPUT_TOKENS } else { input.max_output_tokens };
    let groups = super::groups::plan(&input.sections, max_tokens);
    if groups.is_empty() {
        return Err(Unusable("every section is locked: there is nothing to tailor".into()));
    }
    let prompt = build_input(input.mode, input.role_type, input.skills, input.keywords, input.sections);
    let (skills, keywords) = jd_terms(input.skills, input.keywords);
    let mut requests = Vec::with_capacity(groups.len());
    for group in &groups {
        let mut call = prompt.clone();
        // Sections outside the group are context for this call.
        for s in call.sections.iter_mut() {
            s.locked = s.locked || !group.sections.contains(&s.index);
        }
        call.max_edits = Some(group.max_edits);
        let messages = messages(&call).map_err(Unusable)?;
        requests.push(Request { messages, max_tokens, temperature: 0.2, json: true });
    }
    Ok(Prepared {
        requests,
        groups: groups.into_iter().map(|g| g.sections).collect(),
        mode: input.mode,
        latex: input.latex,
        preamble: doc.preamble,
        closing: doc.closing,
        skills,
        keywords,
        contents,
        locked,
        prompt,
    })
}

impl Prepared<'_> {
    /// Turn the provider's answers (one per request, in order; `Err` with a
    /// message when a call failed) from `provider` (named in messages) into
    /// a proposal. One failed or unreadable call does not lose the others;
    /// the run fails only when none of them gave an edit.
    pub fn finish(
        &self,
        answers: Vec<Result<ProviderAnswer, String>>,
        provider: &str,
    ) -> Result<EngineOutput, Unusable> {
        self.finish_with(answers, provider, &BaseReading::of(self.latex))
    }

    /// [`Self::finish`] with the base already read ([`BaseReading::of`] the
    /// input's `latex`).
    pub fn finish_with(
        &self,
        answers: Vec<Result<ProviderAnswer, String>>,
        provider: &str,
        base: &BaseReading,
    ) -> Result<EngineOutput, Unusable> {
        let mut edits: Vec<Edit> = Vec::new();
        let mut outside: Vec<Refusal> = Vec::new();
        let mut unreadable: Vec<String> = Vec::new();
        let mut calls = Vec::with_capacity(answers.len());
        let mut attempts = 0;
        let mut failures = Vec::new();
        for (group, answer) in self.groups.iter().zip(answers) {
            let mut call = CallTrace { sections: group.clone(), ..CallTrace::default() };
            match answer {
                Err(why) => {
                    failures.push(why.clone());
                    call.error = Some(why);
                }
                Ok(answer) => {
                    attempts += answer.attempts;
                    call.usage = answer.usage;
                    match read_answer(&answer.content, answer.truncated) {
                        Err(why) => {
                            let why = format!("{provider} returned an unusable answer: {why}");
                            failures.push(why.clone());
                            call.error = Some(why);
                        }
                        Ok(read) => {
                            call.edits = read.edits.len();
                            call.cut = read.cut;
                            unreadable.extend(read.unreadable);
                            if read.over_limit > 0 {
                                unreadable.push(format!(
                                    "{} more edits beyond the limit of one answer were not read",
                                    read.over_limit
                                ));
                            }
                            for edit in read.edits {
                                if group.contains(&edit.section) {
                                    edits.push(edit);
                                } else if self.locked.get(edit.section).copied().unwrap_or(false) {
                                    outside.push(Refusal {
                                        section: edit.section,
                                        gate: Gate::Lock,
                                        reason: "the section is locked".into(),
                                    });
                                } else {
                                    outside.push(Refusal {
                                        section: edit.section,
                                        gate: Gate::Section,
                                        reason: format!("this call asked to edit sections {group:?} only"),
                                    });
                                }
                            }
                        }
                    }
                }
            }
            calls.push(call);
        }
        if failures.len() == self.groups.len() {
            return Err(Unusable(failures.into_iter().next().unwrap_or_else(|| format!("{provider} gave no answer"))));
        }
        let proposed = edits.len() + outside.len();
        let context = super::apply::Context {
            mode: self.mode,
            base_latex: self.latex,
            jd_skills: &self.prompt.jd_skills,
            jd_keywords: &self.prompt.jd_keywords,
        };
        let mut proposal = apply_answer_with(
            self.preamble,
            &self.contents,
            &self.locked,
            self.closing,
            &EditAnswer { edits },
            &context,
            &base.facts,
        )
        .map_err(Unusable)?;
        proposal.refused.extend(outside);
        if proposal.applied.is_empty() {
            let cut = calls.iter().any(|c| c.cut);
            return Err(Unusable(format!(
                "{provider} proposed no usable edit ({proposed} proposed, {} refused{}{})",
                proposal.refused.len(),
                proposal.refused.first().map(|r| format!(", e.g. {}", r.reason)).unwrap_or_default(),
                if cut { "; its answer was cut off at the token limit" } else { "" }
            )));
        }
        let score_before = base.terms.score(&self.skills, &self.keywords);
        let score_after = ResumeTerms::of(&proposal.latex).score(&self.skills, &self.keywords);
        Ok(EngineOutput { proposal, proposed, attempts, score_before, score_after, calls, unreadable })
    }
}
