//! Proposals that compile: when an AI job's base version has compiled, the
//! worker compiles the proposal before the job completes. If it fails where
//! the base compiled, the edits that broke it are found by compiling: the
//! edits on the lines TeX's log names, or else a binary search for the first
//! edit whose addition makes the document fail, repeated until what is left
//! compiles. They are refused by the `compile` gate with TeX's reason, and
//! the proposal offered is what compiles. Its PDF is stored for
//! `GET /v1/ai-jobs/{id}/proposal/pdf`.
//!
//! Searching costs compiles, so it is bounded ([`MAX_COMPILES`],
//! [`TIME_BUDGET`]); edits it could not clear within the bound are refused
//! too, never offered unverified.

use std::time::{Duration, Instant};

use shared::compile::{content_disposition, proposal_pdf_key};
use shared::storage::{Storage, StoredFile};
use text::jd::match_score;
use text::latex::split;

use crate::compile::{Compiled, Compiler, Failed};
use crate::compile_task::sha256_hex;
use crate::jobs::ClaimedJob;
use engine::{Edit, EngineOutput, Gate, ProposalCompile, Refusal, apply_subset};

/// At most this many compiles per proposal (the first included).
pub const MAX_COMPILES: u32 = 12;
/// And at most this long searching.
pub const TIME_BUDGET: Duration = Duration::from_secs(120);

/// What compiling the proposal found.
#[derive(Debug)]
pub enum Verdict {
    /// What compiles is in the output now (some edits may have been refused);
    /// its PDF is stored.
    Compiled(ProposalCompile),
    /// The base itself does not compile here any more (TeX Live changed?):
    /// there is nothing to compare with, so the proposal stands as it is.
    BaseFails(String),
    /// No edit survives: with any of them the document fails.
    NothingCompiles(String),
}

/// Failures that are not the proposal's: the sandbox or storage.
#[derive(Debug, thiserror::Error)]
pub enum Infrastructure {
    #[error("the compile sandbox failed: {0}")]
    Sandbox(#[from] std::io::Error),
    #[error("storing the proposal's PDF failed: {0}")]
    Storage(#[from] shared::storage::StorageError),
}

/// Compile `output`'s proposal for `job`, dropping the edits that break it.
pub async fn compile_proposal(
    compiler: &Compiler,
    storage: &Storage,
    job: &ClaimedJob,
    output: &mut EngineOutput,
) -> Result<Verdict, Infrastructure> {
    let started = Instant::now();
    let mut search = Search { compiler, compiles: 0, started };
    let first = search.compile(&output.proposal.latex).await?;
    let compiled = match first {
        Ok(pdf) => pdf,
        Err(failed) => {
            if let Err(base) = search.compile(&job.latex).await? {
                return Ok(Verdict::BaseFails(base.message));
            }
            let Some(compiled) = drop_breaking_edits(&mut search, job, output, failed).await? else {
                return Ok(Verdict::NothingCompiles(
                    "every edit the model proposed broke the compile of a résumé that compiles".into(),
                ));
            };
            compiled
        }
    };
    let key = proposal_pdf_key(job.id);
    let file = StoredFile {
        bytes: compiled.pdf.clone().into(),
        content_type: "application/pdf",
        content_disposition: Some(content_disposition("inline", &job.project_name, "pdf")),
    };
    storage.put(&key, file).await?;
    Ok(Verdict::Compiled(ProposalCompile {
        engine: compiled.engine,
        pages: compiled.pages,
        compiles: search.compiles,
        duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        pdf_key: key,
        pdf_sha256: sha256_hex(&compiled.pdf),
    }))
}

/// Counts compiles against the bounds.
struct Search<'a> {
    compiler: &'a Compiler,
    compiles: u32,
    started: Instant,
}

impl Search<'_> {
    fn exhausted(&self) -> bool {
        self.compiles >= MAX_COMPILES || self.started.elapsed() >= TIME_BUDGET
    }

    async fn compile(&mut self, latex: &str) -> std::io::Result<Result<Compiled, Failed>> {
        self.compiles += 1;
        self.compiler.compile(latex, false).await
    }
}

/// Find and refuse the edits that break the compile; returns the compile of
/// what is left, or `None` when nothing is. Each round reads the failure:
/// the edits on the lines where TeX reported errors are refused at once
/// (TeX in nonstop mode reports every error of a run); when no error falls
/// on an edit, a binary search finds the first edit whose addition makes
/// the document fail (the base alone compiles). Then what is left is
/// compiled again, until it compiles or the bounds are reached.
async fn drop_breaking_edits(
    search: &mut Search<'_>,
    job: &ClaimedJob,
    output: &mut EngineOutput,
    first_failure: Failed,
) -> std::io::Result<Option<Compiled>> {
    let doc = split(&job.latex).map_err(|e| std::io::Error::other(format!("the base does not split: {e}")))?;
    let contents: Vec<String> = job.sections.iter().map(|s| s.content.clone()).collect();
    let edits: Vec<Edit> = output.proposal.applied.clone();
    // The document of a set of edits (indices into `edits`), with the byte
    // range each edit's replacement covers.
    let document = |indices: &[usize]| {
        let chosen: Vec<&Edit> = indices.iter().filter_map(|&i| edits.get(i)).collect();
        let (latex, spans) = apply_subset(doc.preamble, &contents, doc.closing, &chosen);
        let spans: Vec<(usize, std::ops::Range<usize>)> =
            spans.into_iter().filter_map(|(k, range)| indices.get(k).map(|&i| (i, range))).collect();
        (latex, spans)
    };

    let mut current: Vec<usize> = (0..edits.len()).collect();
    let mut refused: Vec<(usize, String)> = Vec::new();
    let mut failure = first_failure;
    let mut compiled = None;
    while !current.is_empty() {
        let (latex, spans) = document(&current);
        let blamed = blame_by_line(&latex, &spans, &failure);
        if blamed.is_empty() {
            // Bisect: the smallest prefix of `current` that fails.
            let (mut ok, mut fails) = (0, current.len());
            while fails - ok > 1 && !search.exhausted() {
                let mid = (ok + fails) / 2;
                match search.compile(&document(&current[..mid]).0).await? {
                    Ok(_) => ok = mid,
                    Err(f) => {
                        fails = mid;
                        failure = f;
                    }
                }
            }
            if fails - ok > 1 {
                break;
            }
            let culprit = current.remove(fails - 1);
            refused.push((culprit, format!("the proposal does not compile with this edit: {}", failure.message)));
        } else {
            for (i, reason) in blamed {
                current.retain(|&c| c != i);
                refused.push((i, reason));
            }
        }
        if current.is_empty() || search.exhausted() {
            break;
        }
        match search.compile(&document(&current).0).await? {
            Ok(pdf) => {
                compiled = Some(pdf);
                break;
            }
            Err(f) => failure = f,
        }
    }
    // Out of compiles or time: what was not shown to compile is not offered.
    if compiled.is_none() {
        for &i in &current {
            refused.push((
                i,
                format!("the proposal could not be shown to compile with this edit within {MAX_COMPILES} compiles"),
            ));
        }
        current.clear();
    }
    record(output, job, &edits, &current, &refused, document(&current).0);
    Ok(compiled)
}

/// The edits (of `spans`) on whose lines TeX reported an error in the
/// document itself, each with the error as its reason.
fn blame_by_line(latex: &str, spans: &[(usize, std::ops::Range<usize>)], failure: &Failed) -> Vec<(usize, String)> {
    let line_of = |offset: usize| latex.get(..offset).map_or(0, |before| before.matches('\n').count() + 1);
    let mut blamed: Vec<(usize, String)> = Vec::new();
    for error in failure.errors.iter().filter(|e| e.file.is_none()) {
        let Some(line) = error.line.map(|l| l as usize) else { continue };
        for (i, range) in spans {
            let (first, last) = (line_of(range.start), line_of(range.end));
            if (first..=last).contains(&line) && !blamed.iter().any(|(b, _)| b == i) {
                let context = if error.context.is_empty() { String::new() } else { format!(" at `{}`", error.context) };
                blamed.push((
                    *i,
                    format!("the proposal does not compile with this edit: line {line}: {}{context}", error.message),
                ));
            }
        }
    }
    blamed
}

/// Put the outcome into the engine's output: the proposal of the kept
/// edits, the refusals by the compile gate, the match score after.
fn record(
    output: &mut EngineOutput,
    job: &ClaimedJob,
    edits: &[Edit],
    kept: &[usize],
    refused: &[(usize, String)],
    latex: String,
) {
    output.proposal.applied = kept.iter().filter_map(|&i| edits.get(i).cloned()).collect();
    for (i, reason) in refused {
        if let Some(edit) = edits.get(*i) {
            output.proposal.refused.push(Refusal {
                section: edit.section,
                gate: Gate::Compile,
                reason: reason.clone(),
            });
        }
    }
    let (skills, keywords) = engine::run::jd_terms(&job.skills, &job.keywords);
    output.score_after = match_score(&skills, &keywords, &latex);
    output.proposal.latex = latex;
}
