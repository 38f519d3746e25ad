//! The compiler itself: every hostile document ends as a failure within its
//! limit, with a message a person understands, nothing written outside its
//! directory and nothing of the host in its output; real templates compile
//! with the engine they need.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use worker::compile::{Compiler, Failed, Limits, Sandbox};

/// Short limits, so the hostile documents end fast.
fn limits() -> Limits {
    Limits {
        timeout: Duration::from_secs(8),
        cpu: Duration::from_secs(4),
        memory_bytes: 1024 * 1024 * 1024,
        max_output_bytes: 10 * 1024 * 1024,
        max_pages: 20,
    }
}

/// A compiler whose temporary directories go under a directory of the test's own.
async fn compiler(root: &Path) -> Compiler {
    let sandbox = Sandbox::new(None, limits()).await.expect("sandbox");
    Compiler::new(sandbox).await.expect("TeX Live is installed (scripts/ensure-tools.sh)").with_work_root(root)
}

fn doc(body: &str) -> String {
    format!("\\documentclass{{article}}\n\\begin{{document}}\nHello.\n{body}\n\\end{{document}}\n")
}

/// Everything in `dir`, recursively.
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            out.push(e.path());
            if e.path().is_dir() {
                out.extend(files_under(&e.path()));
            }
        }
    }
    out
}

/// Compile `latex`, expecting a failure within the limit, with nothing left
/// behind and nothing of the host in what the user sees.
async fn refused(latex: &str) -> Failed {
    let root = tempfile::tempdir().expect("root");
    let compiler = compiler(root.path()).await;
    let started = Instant::now();
    let outcome = compiler.compile(latex, true).await.expect("the sandbox itself works");
    let elapsed = started.elapsed();
    let failed = match outcome {
        Ok(c) => panic!("compiled ({} pages) but should have failed:\n{latex}", c.pages),
        Err(f) => f,
    };
    assert!(elapsed <= limits().timeout + Duration::from_secs(3), "took {elapsed:?}");
    assert!(!failed.message.is_empty());
    assert_eq!(files_under(root.path()), Vec::<PathBuf>::new(), "the compile left files behind");
    let shown = format!("{} {:?} {}", failed.message, failed.errors, failed.log_tail.as_deref().unwrap_or(""));
    for secret in host_secrets() {
        assert!(!shown.contains(&secret), "{secret:?} of the host leaked: {shown}");
    }
    failed
}

/// What must never appear: the first line of /etc/passwd, the host name.
fn host_secrets() -> Vec<String> {
    let mut secrets = Vec::new();
    if let Ok(passwd) = std::fs::read_to_string("/etc/passwd") {
        secrets.extend(passwd.lines().next().map(str::to_owned));
    }
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if host.len() >= 6 {
            secrets.push(host.to_owned());
        }
    }
    secrets
}

#[tokio::test]
async fn shell_escape_in_every_spelling_is_an_error_and_runs_nothing() {
    let marker = std::env::temp_dir().join(format!("tailor-pwned-{}", uuid::Uuid::new_v4().simple()));
    let m = marker.display();
    for body in [
        format!("\\write18{{touch {m}}}"),
        format!("\\immediate\\write18{{touch {m}}}"),
        // Hidden from the preflight check; TeX refuses it and the log tells.
        format!("\\expandafter\\csname immediate\\endcsname\\csname write\\endcsname18{{touch {m}}}"),
    ] {
        let failed = refused(&doc(&body)).await;
        assert!(failed.message.contains("shell"), "{body}: {}", failed.message);
        assert!(!marker.exists(), "{body} ran a command");
    }
}

#[tokio::test]
async fn reading_outside_the_document_is_an_error() {
    for body in [
        "\\input{/etc/passwd}",
        "\\newread\\r\\openin\\r=/etc/hostname \\read\\r to\\x \\x",
        "\\newread\\r\\openin\\r=../../../etc/hostname \\read\\r to\\x \\x",
        "\\pdffiledump length 100 {/etc/passwd}",
    ] {
        let failed = refused(&doc(body)).await;
        assert!(failed.message.contains("outside the document"), "{body}: {}", failed.message);
        assert_eq!(failed.runs, 0, "refused before TeX ran");
    }
    // Hidden from the preflight check, the sandbox still refuses the file.
    let failed = refused(&doc("\\csname input\\endcsname{/etc/passwd}")).await;
    assert!(failed.message.contains("passwd"), "{}", failed.message);
}

#[tokio::test]
async fn writing_outside_the_directory_is_an_error_and_writes_nothing() {
    let root = tempfile::tempdir().expect("root");
    for body in [
        "\\newwrite\\w\\immediate\\openout\\w=../x.tex\\immediate\\write\\w{hi}\\immediate\\closeout\\w",
        "\\newwrite\\w\\immediate\\csname openout\\endcsname\\w=../y.tex\\immediate\\write\\w{hi}",
    ] {
        let failed = refused(&doc(body)).await;
        assert!(failed.message.contains("outside") || failed.message.contains("write"), "{body}: {}", failed.message);
    }
    assert_eq!(files_under(root.path()), Vec::<PathBuf>::new());
}

#[tokio::test]
async fn an_endless_loop_is_stopped_at_the_limit() {
    let failed = refused(&doc("\\def\\a{\\a}\\a")).await;
    assert!(failed.message.contains("longer than") || failed.message.contains("CPU time"), "{}", failed.message);
}

#[tokio::test]
async fn too_many_pages_are_refused() {
    // Few enough pages that TeX makes them well within the CPU limit, even
    // on a loaded machine: the page limit is what refuses them.
    let failed =
        refused(&doc("\\count1=0 \\loop\\null\\newpage\\advance\\count1 by 1 \\ifnum\\count1<200\\repeat")).await;
    assert_eq!(failed.message, "the document has 200 pages; at most 20 are allowed");
}

#[tokio::test]
async fn thousands_of_pages_are_refused() {
    // Refused by the page limit, or stopped by the CPU or time limit first
    // where TeX is slow (a loaded machine): refused either way.
    let failed =
        refused(&doc("\\count1=0 \\loop\\null\\newpage\\advance\\count1 by 1 \\ifnum\\count1<5000\\repeat")).await;
    assert!(
        failed.message == "the document has 5000 pages; at most 20 are allowed"
            || failed.message.contains("CPU time")
            || failed.message.contains("longer than"),
        "{}",
        failed.message
    );
}

#[tokio::test]
async fn exhausting_tex_memory_is_an_error() {
    // Unbounded recursion: TeX's own stack runs out.
    let failed = refused(&doc("\\def\\a{\\a x}\\a")).await;
    assert!(failed.message.contains("TeX capacity exceeded"), "{}", failed.message);
    // Doubling a token list: memory and time run out, whichever first.
    let failed =
        refused(&doc("\\toks0={x}\\loop\\toks0=\\expandafter{\\the\\toks0 \\the\\toks0}\\iftrue\\repeat")).await;
    assert!(
        ["capacity", "CPU time", "longer than", "memory"].iter().any(|w| failed.message.contains(w)),
        "{}",
        failed.message
    );
}

#[tokio::test]
async fn a_missing_class_or_package_is_named() {
    let failed = refused("\\documentclass{awesome-cv}\n\\begin{document}\nx\n\\end{document}\n").await;
    assert!(failed.message.contains("awesome-cv.cls"), "{}", failed.message);
    let failed =
        refused("\\documentclass{article}\n\\usepackage{nosuchpackage}\n\\begin{document}\nx\n\\end{document}\n").await;
    assert!(failed.message.contains("nosuchpackage.sty"), "{}", failed.message);
}

#[tokio::test]
async fn a_latex_error_reports_its_line_message_and_context() {
    let failed = refused("\\documentclass{article}\n\\begin{document}\nHello.\n\n\\foo\n\\end{document}\n").await;
    let first = failed.errors.first().expect("an error");
    assert_eq!(first.line, Some(5), "{:?}", failed.errors);
    assert_eq!(first.message, "Undefined control sequence");
    assert!(first.context.contains("\\foo"), "{first:?}");
    assert!(failed.log_tail.as_deref().is_some_and(|t| !t.is_empty()));
}

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compile").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The PDF's text, by poppler's `pdftotext`, with white space collapsed.
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("x.pdf");
    std::fs::write(&path, pdf).expect("write");
    let out = std::process::Command::new("pdftotext").arg(&path).arg("-").output().expect("pdftotext");
    String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
}

#[tokio::test]
async fn real_templates_compile_with_the_engine_they_need() {
    let root = tempfile::tempdir().expect("root");
    let compiler = compiler(root.path()).await;
    // (file, engine, text the PDF must hold, runs: None where any of 1–3 is right)
    for (file, engine, name, runs) in [
        ("moderncv-symbols.tex", "pdflatex", "Kwabena Asante-Lindqvist", None),
        ("jake-glyphtounicode.tex", "pdflatex", "Marisol Quintero", None),
        ("xelatex-fontspec.tex", "xelatex", "Zoë Łukasiewicz-Ñúñez", None),
        // "Page 1 of 1" needs the second run: the first knows no last page.
        ("lastpage-reruns.tex", "pdflatex", "Page 1 of 1", Some(2)),
    ] {
        let compiled = match compiler.compile(&fixture(file), true).await.expect("sandbox") {
            Ok(c) => c,
            Err(f) => panic!("{file} failed: {} {:?}\n{}", f.message, f.errors, f.log_tail.unwrap_or_default()),
        };
        assert_eq!(compiled.engine.as_str(), engine, "{file}");
        assert!(pdf_text(&compiled.pdf).contains(name), "{file}: {}", pdf_text(&compiled.pdf));
        assert!((1..=worker::compile::MAX_RUNS).contains(&compiled.runs), "{file}: {} runs", compiled.runs);
        if let Some(runs) = runs {
            assert_eq!(compiled.runs, runs, "{file}: reruns while LaTeX asks, and no more");
        }
        assert_eq!(compiled.previews.len(), compiled.pages as usize, "{file}: one preview per page");
        assert!(compiled.previews.iter().all(|p| p.starts_with(b"\x89PNG")), "{file}");
    }
    assert_eq!(files_under(root.path()), Vec::<PathBuf>::new(), "temporary directories are removed");
}

#[tokio::test]
async fn a_magic_comment_asks_for_xelatex() {
    let root = tempfile::tempdir().expect("root");
    let compiler = compiler(root.path()).await;
    let latex =
        "% !TEX program = xelatex\n\\documentclass{article}\n\\begin{document}\nΑλίκη Ωμέγα → ✓\n\\end{document}\n";
    let compiled = compiler.compile(latex, false).await.expect("sandbox").map_err(|f| f.message).expect("compiles");
    assert_eq!(compiled.engine.as_str(), "xelatex");
    assert!(compiled.previews.is_empty(), "no previews unless asked");
}

/// pdfTeX's `\pdfobj file` ignores `openin_any`: hidden from the preflight
/// check, it embeds whatever the sandbox lets it read. With bubblewrap that
/// is the sandbox's own files, never the host's `/etc/passwd` nor another
/// process's environment.
#[tokio::test]
async fn files_embedded_by_pdftex_primitives_come_from_the_sandbox_only() {
    let root = tempfile::tempdir().expect("root");
    let compiler = compiler(root.path()).await;
    assert_eq!(compiler.isolation(), worker::compile::Isolation::Bubblewrap, "compiles need bubblewrap");
    let embed = |file: &str| {
        doc(&format!(
            "\\pdfcompresslevel=0 \\pdfobjcompresslevel=0
\\immediate\\csname pdfobj\\endcsname stream file {{{file}}}\\pdfcatalog{{/Embedded \\the\\pdflastobj\\space 0 R}}"
        ))
    };
    // PID 1 of the sandbox is its own init, whose environment is the one we gave.
    let pdf = compiler
        .compile(&embed("/proc/1/environ"), false)
        .await
        .expect("sandbox")
        .map_err(|f| f.message)
        .expect("embedding a file the sandbox has compiles");
    let text = String::from_utf8_lossy(&pdf.pdf);
    assert!(text.contains("openin_any=p"), "the sandbox's own environment is what it can embed");
    if let Ok(url) = std::env::var("TEST_DATABASE_URL") {
        assert!(!text.contains(&url), "the test process's environment is in the PDF");
    }
    // The host's files are not there to embed.
    if let Ok(Ok(c)) = compiler.compile(&embed("/etc/passwd"), false).await {
        let text = String::from_utf8_lossy(&c.pdf);
        for secret in host_secrets() {
            assert!(!text.contains(&secret), "{secret:?} of the host is in the PDF");
        }
    }
}
