//! Compiling a LaTeX document to PDF, as hostile code: in a fresh temporary
//! directory, under a fixed job name, in the [`sandbox`], with the engine the
//! document needs, rerun while LaTeX asks (at most [`MAX_RUNS`] runs, as
//! latexmk would), and the page previews rendered by poppler's `pdftoppm`
//! in the same sandbox.
//!
//! Every way a document can fail ends as a [`Failed`] with one sentence a
//! person understands, the errors read from the log ([`log`]) and the log's
//! tail; only what is not the document's fault (no temporary directory, no
//! `prlimit`) is an `Err`.

pub mod log;
pub mod sandbox;

use std::path::Path;
use std::time::{Duration, Instant};

use shared::compile::{CompileErrorLine, Engine};
use text::latex::preflight::{engine_for, outside_reach};
use tokio::io::AsyncReadExt;
use tracing::Instrument;

pub use sandbox::{Isolation, Limits, Sandbox};

/// At most this many TeX runs per compile (latexmk's reruns, bounded).
pub const MAX_RUNS: u32 = 3;

/// Preview resolution, in dots per inch (an A4 page is then 910 × 1286).
pub const PREVIEW_DPI: u32 = 110;

/// The most of TeX's log we read (a hostile log is bounded by the output
/// size limit anyway).
const MAX_LOG_BYTES: u64 = 2 * 1024 * 1024;

/// The fontconfig setup XeLaTeX compiles use (TeX Live's fonts by name).
pub const FONTS_CONF: &str = include_str!("fonts.conf");

/// A successful compile.
#[derive(Debug, Clone)]
pub struct Compiled {
    pub pdf: Vec<u8>,
    pub pages: u32,
    pub engine: Engine,
    pub runs: u32,
    pub duration: Duration,
    /// One PNG per page, when previews were asked for (empty if poppler failed).
    pub previews: Vec<Vec<u8>>,
}

/// A compile that failed, and why.
#[derive(Debug, Clone)]
pub struct Failed {
    pub message: String,
    pub errors: Vec<CompileErrorLine>,
    pub log_tail: Option<String>,
    pub engine: Engine,
    pub runs: u32,
    pub duration: Duration,
}

/// Compiles documents; cheap to clone.
#[derive(Debug, Clone)]
pub struct Compiler {
    sandbox: Sandbox,
    /// Where each compile's temporary directory is made (the system's
    /// temporary directory unless set).
    work_root: Option<std::path::PathBuf>,
}

impl Compiler {
    /// A compiler over `sandbox`, after checking that the engines and
    /// poppler are installed (a compile worker without TeX fails at start,
    /// not at its first task).
    pub async fn new(sandbox: Sandbox) -> anyhow::Result<Self> {
        for program in ["pdflatex", "xelatex", "pdftoppm", "prlimit"] {
            let found = tokio::process::Command::new(program)
                .arg(if program == "prlimit" { "--version" } else { "-v" })
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .status()
                .await
                .is_ok();
            anyhow::ensure!(
                found,
                "{program} is not installed: a worker that takes the compile queue needs TeX Live and poppler \
                 (scripts/ensure-tools.sh installs them)"
            );
        }
        Ok(Self { sandbox, work_root: None })
    }

    /// Make each compile's directory under `root` instead of the system's
    /// temporary directory.
    pub fn with_work_root(mut self, root: impl Into<std::path::PathBuf>) -> Self {
        self.work_root = Some(root.into());
        self
    }

    pub fn limits(&self) -> &Limits {
        &self.sandbox.limits
    }

    pub fn isolation(&self) -> Isolation {
        self.sandbox.isolation
    }

    /// Compile `latex`; with `previews`, also render every page to PNG.
    /// Each compile is a span and a `tailor_compile_duration_seconds` sample.
    pub async fn compile(&self, latex: &str, previews: bool) -> std::io::Result<Result<Compiled, Failed>> {
        let engine = engine_for(latex);
        let span = tracing::info_span!(
            "compile",
            tailor.compile.engine = engine.as_str(),
            tailor.compile.outcome = tracing::field::Empty,
            tailor.compile.pages = tracing::field::Empty,
        );
        let started = Instant::now();
        let result = self.compile_in_sandbox(latex, previews).instrument(span.clone()).await;
        let outcome = match &result {
            Ok(Ok(compiled)) => {
                span.record("tailor.compile.pages", compiled.pages);
                "succeeded"
            }
            Ok(Err(_)) => "failed",
            Err(_) => "error",
        };
        span.record("tailor.compile.outcome", outcome);
        metrics::histogram!(shared::metrics::COMPILE_DURATION, "engine" => engine.as_str(), "outcome" => outcome)
            .record(started.elapsed().as_secs_f64());
        result
    }

    async fn compile_in_sandbox(&self, latex: &str, previews: bool) -> std::io::Result<Result<Compiled, Failed>> {
        let started = Instant::now();
        let limits = &self.sandbox.limits;
        let deadline = started + limits.timeout;
        let engine = engine_for(latex);
        let failed = |message: String, errors: Vec<CompileErrorLine>, log_tail: Option<String>, runs: u32| Failed {
            message,
            errors,
            log_tail,
            engine,
            runs,
            duration: started.elapsed(),
        };
        if let Some(reach) = outside_reach(latex) {
            let error = CompileErrorLine {
                line: u32::try_from(reach.line).ok(),
                message: reach.to_string(),
                context: reach.target.clone(),
                file: None,
            };
            return Ok(Err(failed(reach.to_string(), vec![error], None, 0)));
        }

        let mut builder = tempfile::Builder::new();
        builder.prefix("tailor-compile-");
        let dir = match &self.work_root {
            Some(root) => builder.tempdir_in(root)?,
            None => builder.tempdir()?,
        };
        tokio::fs::write(dir.path().join(format!("{}.tex", log::JOB_NAME)), latex).await?;
        tokio::fs::write(dir.path().join(".fonts.conf"), FONTS_CONF).await?;
        let env = tex_environment(&self.sandbox.visible_dir(dir.path()));
        let host_dir = dir.path().display().to_string();
        let main_file = format!("{}.tex", log::JOB_NAME);
        let job = format!("-jobname={}", log::JOB_NAME);
        let args =
            ["-interaction=nonstopmode", "-file-line-error", "-no-shell-escape", job.as_str(), main_file.as_str()];

        let mut runs = 0;
        let report = loop {
            runs += 1;
            let end = self.sandbox.run(dir.path(), engine.as_str(), &args, &env, deadline).await?;
            let log_text = read_bounded(&dir.path().join(format!("{}.log", log::JOB_NAME))).await;
            let report = log::read_log(&log_text);
            let tail = || Some(log::tail(&log_text, Some(&host_dir))).filter(|t| !t.is_empty());
            match end {
                sandbox::End::TimedOut => {
                    let message = format!(
                        "the compile took longer than {} s and was stopped (an endless loop, or far more than a résumé)",
                        limits.timeout.as_secs()
                    );
                    return Ok(Err(failed(message, report.errors, tail(), runs)));
                }
                sandbox::End::Signalled(signal) => {
                    return Ok(Err(failed(signal_message(signal, limits), report.errors, tail(), runs)));
                }
                sandbox::End::Exited(code) => {
                    if report.shell_attempt.is_some() || code != 0 {
                        return Ok(Err(failed(log::summary(&report), report.errors.clone(), tail(), runs)));
                    }
                    if report.rerun && runs < MAX_RUNS {
                        continue;
                    }
                    break report;
                }
            }
        };

        let pdf_path = dir.path().join(format!("{}.pdf", log::JOB_NAME));
        let pdf = match tokio::fs::read(&pdf_path).await {
            Ok(pdf) if pdf.starts_with(b"%PDF") => pdf,
            _ => return Ok(Err(failed("TeX finished but wrote no PDF".into(), report.errors, None, runs))),
        };
        let pages = report.pages.unwrap_or(1);
        if pages > limits.max_pages {
            let message = format!("the document has {pages} pages; at most {} are allowed", limits.max_pages);
            return Ok(Err(failed(message, vec![], None, runs)));
        }
        let previews = if previews { self.render(dir.path(), pages, deadline).await } else { Vec::new() };
        Ok(Ok(Compiled { pdf, pages, engine, runs, duration: started.elapsed(), previews }))
    }

    /// Every page of `resume.pdf` in `dir` as PNG, rendered by `pdftoppm` in
    /// the sandbox (a PDF is parsed by poppler, so it is untrusted input too).
    /// Empty when poppler fails: the PDF stands without its previews.
    async fn render(&self, dir: &Path, pages: u32, deadline: Instant) -> Vec<Vec<u8>> {
        let dpi = PREVIEW_DPI.to_string();
        let last = pages.to_string();
        let pdf = format!("{}.pdf", log::JOB_NAME);
        let args = ["-png", "-r", dpi.as_str(), "-f", "1", "-l", last.as_str(), pdf.as_str(), "page"];
        let env = tex_environment(&self.sandbox.visible_dir(dir));
        match self.sandbox.run(dir, "pdftoppm", &args, &env, deadline).await {
            Ok(sandbox::End::Exited(0)) => {}
            other => {
                tracing::warn!(outcome = ?other, "pdftoppm failed; the PDF is kept without previews");
                return Vec::new();
            }
        }
        // pdftoppm pads the page number to the width of the last one.
        let mut files: Vec<(u32, std::path::PathBuf)> = match std::fs::read_dir(dir) {
            Ok(entries) => entries
                .filter_map(Result::ok)
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let n = name.strip_prefix("page-")?.strip_suffix(".png")?.parse().ok()?;
                    Some((n, e.path()))
                })
                .collect(),
            Err(_) => return Vec::new(),
        };
        files.sort();
        let mut out = Vec::with_capacity(files.len());
        for (_, path) in files {
            match tokio::fs::read(&path).await {
                Ok(png) => out.push(png),
                Err(_) => return Vec::new(),
            }
        }
        out
    }
}

/// The environment of a sandboxed TeX run in `dir` (as the process sees it):
/// shell escape off, reads and writes confined to `dir` (paranoid mode: no
/// absolute paths, no `..`, no hidden files), every TeX tree of the user's
/// own inside `dir`, no on-the-fly font generation (slow, and it writes
/// outside), unwrapped log lines for the parser.
fn tex_environment(dir: &Path) -> Vec<(&'static str, String)> {
    let d = dir.display().to_string();
    vec![
        ("HOME", d.clone()),
        ("TMPDIR", d.clone()),
        ("TEXMFOUTPUT", d.clone()),
        ("TEXMFHOME", format!("{d}/.texmf")),
        ("TEXMFVAR", format!("{d}/.texmf-var")),
        ("TEXMFCONFIG", format!("{d}/.texmf-config")),
        ("FONTCONFIG_FILE", format!("{d}/.fonts.conf")),
        ("openin_any", "p".into()),
        ("openout_any", "p".into()),
        ("shell_escape", "f".into()),
        ("MKTEXTFM", "0".into()),
        ("MKTEXPK", "0".into()),
        ("MKTEXMF", "0".into()),
        ("max_print_line", "1000".into()),
        ("error_line", "254".into()),
        ("half_error_line", "238".into()),
        ("LANG", "C.UTF-8".into()),
    ]
}

/// Why a signal ended TeX, for a person.
fn signal_message(signal: i32, limits: &Limits) -> String {
    const SIGKILL: i32 = 9;
    const SIGXCPU: i32 = 24;
    const SIGXFSZ: i32 = 25;
    match signal {
        SIGXCPU | SIGKILL => format!(
            "the compile used more than {} s of CPU time and was stopped (an endless loop?)",
            limits.cpu.as_secs()
        ),
        SIGXFSZ => {
            format!("the compile's output grew beyond {} MB and was stopped", limits.max_output_bytes / (1024 * 1024))
        }
        other => format!(
            "TeX was stopped by signal {other}: the document needs more than the {} MB of memory a compile may use",
            limits.memory_bytes / (1024 * 1024)
        ),
    }
}

/// A file's text (lossy UTF-8), at most [`MAX_LOG_BYTES`]; empty if absent.
async fn read_bounded(path: &Path) -> String {
    let Ok(file) = tokio::fs::File::open(path).await else { return String::new() };
    let mut bytes = Vec::new();
    if file.take(MAX_LOG_BYTES).read_to_end(&mut bytes).await.is_err() {
        return String::new();
    }
    String::from_utf8_lossy(&bytes).into_owned()
}
