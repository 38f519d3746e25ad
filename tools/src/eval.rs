//! `tailor-eval`: runs the worker's tailoring engine over every résumé ×
//! every JD × every mode, and measures what matters: failures, locked
//! sections changed, invented facts, unbalanced LaTeX, match-score coverage
//! before and after, bullets changed against the mode's budget, and every
//! edit's fate by gate. Optionally compiles each proposal with pdflatex.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use engine::budget::{budget_for, count_bullets};
use engine::protocol::SectionInput;
use engine::{EngineInput, prepare};
use serde::Serialize;
use serde_json::Value;
use shared::model::{AiMode, ResumeSectionType};
use shared::providers::{ChatClient, Target};
use text::latex::{SplitDocument, check_balance, check_whole_document, split};

/// One résumé × JD × mode.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PairResult {
    pub resume: String,
    pub jd: String,
    pub mode: AiMode,
    pub error: Option<String>,
    pub coverage_before: f64,
    pub coverage_after: f64,
    pub bullets_total: usize,
    pub bullets_changed: usize,
    pub proposed: usize,
    pub applied: usize,
    pub refused_by_gate: BTreeMap<String, usize>,
    pub locked_changed: usize,
    pub invented_facts: usize,
    /// The invented claims themselves (independent check), for the report.
    pub invented: Vec<String>,
    pub latex_unbalanced: bool,
    pub over_budget: bool,
    pub compiled: Option<bool>,
    /// Every refusal: `gate: reason`.
    pub refusals: Vec<String>,
}

/// What to run.
pub struct EvalConfig {
    pub resumes: PathBuf,
    pub jds: PathBuf,
    pub modes: Vec<AiMode>,
    pub lock: Vec<ResumeSectionType>,
    pub out: Option<PathBuf>,
    pub compile: bool,
    /// The model's output limit per call (long résumés take several calls).
    pub max_output_tokens: u32,
}

fn files(dir: &Path, ext: &str) -> anyhow::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .collect();
    out.sort();
    Ok(out)
}

/// The engine's input sections of a split résumé, those of the types in
/// `lock` locked.
pub fn section_inputs(doc: &SplitDocument<'_>, lock: &[ResumeSectionType]) -> Vec<SectionInput> {
    doc.sections
        .iter()
        .enumerate()
        .map(|(index, s)| SectionInput {
            index,
            section_type: s.section_type,
            locked: lock.contains(&s.section_type),
            content: s.content.to_owned(),
        })
        .collect()
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Run every pair.
pub async fn run(config: &EvalConfig, client: &ChatClient, target: &Target) -> anyhow::Result<Vec<PairResult>> {
    let resumes = files(&config.resumes, "tex")?;
    let jds = files(&config.jds, "txt")?;
    anyhow::ensure!(!resumes.is_empty(), "no .tex files in {}", config.resumes.display());
    anyhow::ensure!(!jds.is_empty(), "no .txt files in {}", config.jds.display());
    if let Some(out) = &config.out {
        std::fs::create_dir_all(out)?;
    }
    let mut results = Vec::new();
    for resume_path in &resumes {
        let latex = std::fs::read_to_string(resume_path)?;
        let doc = split(&latex).map_err(|e| anyhow::anyhow!("{}: {e}", resume_path.display()))?;
        let sections = section_inputs(&doc, &config.lock);
        let claims = crate::fact_check::BaseClaims::of(&latex);
        let bullets_total: usize = sections.iter().map(|s| count_bullets(&s.content)).sum();
        for jd_path in &jds {
            let analysis = text::jd::analyze(&std::fs::read_to_string(jd_path)?);
            let skills = serde_json::to_value(&analysis.extracted_skills)?;
            let keywords = serde_json::to_value(&analysis.keywords)?;
            let role = serde_json::to_value(analysis.role_type)?;
            for mode in &config.modes {
                let input = EngineInput {
                    mode: *mode,
                    role_type: role.as_str().unwrap_or("other"),
                    skills: &skills,
                    keywords: &keywords,
                    latex: &latex,
                    sections: sections.clone(),
                    max_output_tokens: config.max_output_tokens,
                };
                let mut result = PairResult {
                    resume: stem(resume_path),
                    jd: stem(jd_path),
                    mode: *mode,
                    error: None,
                    coverage_before: 0.0,
                    coverage_after: 0.0,
                    bullets_total,
                    bullets_changed: 0,
                    proposed: 0,
                    applied: 0,
                    refused_by_gate: BTreeMap::new(),
                    locked_changed: 0,
                    invented_facts: 0,
                    invented: Vec::new(),
                    latex_unbalanced: false,
                    over_budget: false,
                    compiled: None,
                    refusals: Vec::new(),
                };
                match tailor_once(client, target, input).await {
                    Err(e) => {
                        result.error = Some(e);
                        result.coverage_after = result.coverage_before;
                    }
                    Ok(output) => {
                        let proposal = &output.proposal;
                        result.coverage_before = output.score_before.score;
                        result.coverage_after = output.score_after.score;
                        result.proposed = output.proposed;
                        result.applied = proposal.applied.len();
                        for r in &proposal.refused {
                            let gate = serde_json::to_value(r.gate)?.as_str().unwrap_or("?").to_owned();
                            result.refusals.push(format!("{gate}: {}", r.reason));
                            *result.refused_by_gate.entry(gate).or_default() += 1;
                        }
                        measure(&mut result, &latex, &sections, &proposal.latex, &claims);
                        if let Some(out) = &config.out {
                            let name =
                                format!("{}__{}__{}.tex", result.resume, result.jd, mode.as_str().to_lowercase());
                            std::fs::write(out.join(&name), &proposal.latex)?;
                            if config.compile {
                                result.compiled = Some(compile(&out.join(&name)));
                            }
                        }
                    }
                }
                results.push(result);
            }
        }
    }
    Ok(results)
}

/// Independent checks of a proposal against its base, not trusting the engine.
fn measure(
    result: &mut PairResult,
    base: &str,
    sections: &[SectionInput],
    proposal: &str,
    claims: &crate::fact_check::BaseClaims,
) {
    result.latex_unbalanced = check_whole_document(proposal).is_err() || check_balance(proposal).is_err();
    match split(proposal) {
        Ok(doc) if doc.sections.len() == sections.len() => {
            result.locked_changed =
                sections.iter().zip(&doc.sections).filter(|(s, p)| s.locked && s.content != p.content).count();
        }
        _ => result.locked_changed = sections.iter().filter(|s| s.locked).count().max(1),
    }
    let diff = text::diff::diff_documents(base, proposal);
    // Independent of the gates: see `fact_check`.
    let invented: Vec<String> = diff
        .rewritten
        .iter()
        .map(|r| r.new.as_str())
        .chain(diff.added.iter().map(|a| a.text.as_str()))
        .flat_map(|text| claims.invented(text))
        .collect();
    result.invented_facts = invented.len();
    result.invented = invented;
    result.bullets_changed = diff.rewritten.iter().filter(|r| count_bullets(&r.old) > 0).count();
    let budget = budget_for(result.mode);
    let share =
        if result.bullets_total == 0 { 0.0 } else { result.bullets_changed as f64 / result.bullets_total as f64 };
    result.over_budget = share > budget.max_changed_bullet_share + 1e-9;
}

/// One engine run against `target`: prepare, ask, finish.
async fn tailor_once(
    client: &shared::providers::ChatClient,
    target: &shared::providers::Target,
    input: EngineInput<'_>,
) -> Result<engine::EngineOutput, String> {
    let prepared = prepare(input).map_err(|e| e.0)?;
    let mut answers = Vec::with_capacity(prepared.requests.len());
    for r in &prepared.requests {
        let request = shared::providers::ChatRequest::new(r.pairs(), r.max_tokens, r.temperature, r.json);
        answers.push(client.chat(target, &request).await.map(provider_answer).map_err(|e| e.message));
    }
    prepared.finish(answers, target.label()).map_err(|e| e.0)
}

/// The client's answer as the engine reads it.
pub fn provider_answer(a: shared::providers::ChatResponse) -> engine::ProviderAnswer {
    engine::ProviderAnswer {
        content: a.content,
        attempts: a.attempts,
        truncated: a.truncated,
        usage: a
            .usage
            .map(|u| engine::Usage { prompt_tokens: u.prompt_tokens, completion_tokens: u.completion_tokens }),
    }
}

/// Compile with pdflatex in a scratch directory.
fn compile(tex: &Path) -> bool {
    let Ok(dir) = std::env::temp_dir().canonicalize().map(|d| d.join(format!("tailor-eval-{}", uuid::Uuid::new_v4())))
    else {
        return false;
    };
    if std::fs::create_dir_all(&dir).is_err() {
        return false;
    }
    let ok = std::process::Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "-output-directory"])
        .arg(&dir)
        .arg(tex)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { (sum / n as f64 * 1000.0).round() / 1000.0 }
}

/// The summary: the JSON object printed as the last line.
pub fn summary(results: &[PairResult]) -> Value {
    let mut by_gate: BTreeMap<String, usize> = BTreeMap::new();
    for r in results {
        for (g, n) in &r.refused_by_gate {
            *by_gate.entry(g.clone()).or_default() += n;
        }
    }
    let mut modes = serde_json::Map::new();
    for mode in AiMode::ALL {
        let of_mode: Vec<&PairResult> = results.iter().filter(|r| r.mode == *mode).collect();
        if of_mode.is_empty() {
            continue;
        }
        let max_share = of_mode
            .iter()
            .map(|r| if r.bullets_total == 0 { 0.0 } else { r.bullets_changed as f64 / r.bullets_total as f64 })
            .fold(0.0, f64::max);
        modes.insert(
            mode.as_str().to_owned(),
            serde_json::json!({
                "pairs": of_mode.len(),
                "coverageBefore": mean(of_mode.iter().map(|r| r.coverage_before)),
                "coverageAfter": mean(of_mode.iter().map(|r| r.coverage_after)),
                "maxChangedBulletShare": (max_share * 1000.0).round() / 1000.0,
                "budgetShare": budget_for(*mode).max_changed_bullet_share,
                "overBudget": of_mode.iter().filter(|r| r.over_budget).count(),
            }),
        );
    }
    let compiled: Vec<bool> = results.iter().filter_map(|r| r.compiled).collect();
    serde_json::json!({
        "pairs": results.len(),
        "failed": results.iter().filter(|r| r.error.is_some()).count(),
        "lockedChanged": results.iter().map(|r| r.locked_changed).sum::<usize>(),
        "inventedFacts": results.iter().map(|r| r.invented_facts).sum::<usize>(),
        "latexUnbalanced": results.iter().filter(|r| r.latex_unbalanced).count(),
        "overBudget": results.iter().filter(|r| r.over_budget).count(),
        "coverageBefore": mean(results.iter().map(|r| r.coverage_before)),
        "coverageAfter": mean(results.iter().map(|r| r.coverage_after)),
        "editsProposed": results.iter().map(|r| r.proposed).sum::<usize>(),
        "editsApplied": results.iter().map(|r| r.applied).sum::<usize>(),
        "refusedByGate": by_gate,
        "compiled": compiled.iter().filter(|c| **c).count(),
        "compileFailed": compiled.iter().filter(|c| !**c).count(),
        "modes": modes,
    })
}

/// One table row per pair.
pub fn table(results: &[PairResult]) -> String {
    let mut out = format!(
        "{:<22} {:<20} {:<10} {:>6} {:>6} {:>9} {:>4} {:>4} {:<40} {}\n",
        "resume", "jd", "mode", "cov0", "cov1", "bullets", "prop", "appl", "refused by gate", "status"
    );
    for r in results {
        let refused: Vec<String> = r.refused_by_gate.iter().map(|(g, n)| format!("{g}:{n}")).collect();
        let status = match (&r.error, r.compiled) {
            (Some(e), _) => format!("FAILED: {}", e.chars().take(60).collect::<String>()),
            (None, Some(false)) => "ok, DID NOT COMPILE".into(),
            (None, Some(true)) => "ok, compiles".into(),
            (None, None) => "ok".into(),
        };
        let status = if r.invented.is_empty() {
            status
        } else {
            format!("{status}; INVENTED {}", r.invented.join(", ").chars().take(120).collect::<String>())
        };
        out.push_str(&format!(
            "{:<22} {:<20} {:<10} {:>6.3} {:>6.3} {:>4}/{:<4} {:>4} {:>4} {:<40} {}\n",
            r.resume.chars().take(22).collect::<String>(),
            r.jd.chars().take(20).collect::<String>(),
            r.mode.as_str(),
            r.coverage_before,
            r.coverage_after,
            r.bullets_changed,
            r.bullets_total,
            r.proposed,
            r.applied,
            refused.join(" "),
            status
        ));
    }
    out
}
