//! Reading TeX's log: the errors a person needs (`[{line, message,
//! context}]`), whether LaTeX asks for another run, the page count, and the
//! attempts at a shell command TeX refused.
//!
//! The engines run with `-file-line-error` and `max_print_line=1000`, so an
//! error reads `./resume.tex:12: Undefined control sequence.` (or `! LaTeX
//! Error: …` for errors raised before a file position is known), followed a
//! few lines later by `l.12 \foo`, the source TeX was reading.

use shared::compile::CompileErrorLine;

/// The main file's name inside the sandbox (the compile's fixed job name).
pub const JOB_NAME: &str = "resume";

/// At most this many errors are kept (TeX gives up after 100 anyway).
const MAX_ERRORS: usize = 20;
/// The log's tail kept for the user: at most this many lines…
const TAIL_LINES: usize = 40;
/// …and this many bytes.
const TAIL_BYTES: usize = 4096;

/// What a log says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LogReport {
    pub errors: Vec<CompileErrorLine>,
    /// LaTeX asks for another run (cross-references, outlines, last page).
    pub rerun: bool,
    /// Pages of the PDF written, from `Output written on resume.pdf (N pages`.
    pub pages: Option<u32>,
    /// A shell command TeX refused (`runsystem(…)...disabled`).
    pub shell_attempt: Option<String>,
    /// A class or package that is not installed (`File `x.cls' not found`).
    pub missing_file: Option<String>,
}

/// Read `log`.
pub fn read_log(log: &str) -> LogReport {
    let lines: Vec<&str> = log.lines().collect();
    let mut report = LogReport::default();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(command) = line.strip_prefix("runsystem(")
            && report.shell_attempt.is_none()
        {
            let command = command.rsplit_once(")...").map_or(command, |(c, _)| c);
            report.shell_attempt = Some(command.chars().take(200).collect());
        }
        if asks_for_rerun(line) {
            report.rerun = true;
        }
        if let Some(pages) = output_pages(line) {
            report.pages = Some(pages);
        }
        let Some((file, message)) = error_start(line) else {
            i += 1;
            continue;
        };
        if report.missing_file.is_none() {
            report.missing_file = missing_file(message);
        }
        // `l.<n> <context>` follows within a few lines, before the next error.
        let mut line_no = None;
        let mut context = String::new();
        let mut j = i + 1;
        while j < lines.len() && j <= i + 12 {
            // A consequence (`Emergency stop`) belongs to this error: read on.
            if error_start(lines[j]).is_some_and(|(_, m)| !is_consequence(m)) {
                break;
            }
            if let Some((n, text)) = source_line(lines[j]) {
                line_no = Some(n);
                context = text.trim().to_owned();
                // TeX splits the context at the error point: the next line
                // holds what it had not read yet.
                if let Some(rest) = lines.get(j + 1).filter(|l| !l.trim().is_empty() && l.starts_with(' ')) {
                    context.push(' ');
                    context.push_str(rest.trim());
                }
                break;
            }
            j += 1;
        }
        let message = clean_message(message);
        if !is_consequence(&message) && report.errors.len() < MAX_ERRORS {
            let error = CompileErrorLine {
                line: line_no,
                message,
                context: context.chars().take(200).collect(),
                file: file.filter(|f| !is_main_file(f)).map(|f| basename(f).to_owned()),
            };
            if !report.errors.contains(&error) {
                report.errors.push(error);
            }
        }
        i = j.max(i + 1);
    }
    report
}

/// The file and message of a line that starts an error: `file:line: msg`
/// or `! msg`.
fn error_start(line: &str) -> Option<(Option<&str>, &str)> {
    if let Some(message) = line.strip_prefix("! ") {
        return Some((None, message));
    }
    // `./resume.tex:12: message`, `/usr/…/moderncv.cls:80: message`.
    let (file, rest) = line.split_once(':')?;
    if file.is_empty() || file.contains(' ') || !file.contains('.') {
        return None;
    }
    let (number, message) = rest.split_once(": ")?;
    number.parse::<u32>().ok()?;
    Some((Some(file), message))
}

/// Whether an error line only reports the end of the run after another error.
fn is_consequence(message: &str) -> bool {
    let message = message.trim_start();
    message.starts_with("Emergency stop")
        || message.starts_with("==> Fatal error occurred")
        || message.starts_with("Job aborted")
}

/// `l.12 \foo` → (12, `\foo`).
fn source_line(line: &str) -> Option<(u32, &str)> {
    let rest = line.strip_prefix("l.")?;
    let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let n = rest[..digits].parse().ok()?;
    Some((n, &rest[digits..]))
}

fn clean_message(message: &str) -> String {
    let message = message.trim();
    let message = message.strip_suffix('.').unwrap_or(message);
    message.chars().take(300).collect()
}

fn is_main_file(file: &str) -> bool {
    let name = basename(file);
    name == format!("{JOB_NAME}.tex") || name == JOB_NAME
}

fn basename(file: &str) -> &str {
    file.rsplit('/').next().unwrap_or(file)
}

/// `LaTeX Error: File `awesome-cv.cls' not found` → `awesome-cv.cls`.
fn missing_file(message: &str) -> Option<String> {
    let rest = message.split_once("File `")?.1;
    let (name, after) = rest.split_once('\'')?;
    after.trim_start().starts_with("not found").then(|| name.to_owned())
}

/// The messages latexmk reruns on.
fn asks_for_rerun(line: &str) -> bool {
    line.contains("Rerun to get")
        || line.contains("Label(s) may have changed")
        || line.contains("Please rerun LaTeX")
        || line.contains("Please (re)run")
        || (line.contains("Rerun LaTeX") && !line.starts_with("Package:"))
}

/// `Output written on resume.pdf (2 pages, 12345 bytes).` → 2.
fn output_pages(line: &str) -> Option<u32> {
    let rest = line.strip_prefix("Output written on ")?;
    let (_, counts) = rest.split_once(" (")?;
    let digits: String = counts.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

/// The end of the log for the user: the last lines, bounded, with `from`
/// (the sandbox's directory when it is a real path) shown as `.`.
pub fn tail(log: &str, from: Option<&str>) -> String {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.len().saturating_sub(TAIL_LINES);
    let mut tail = lines[start..].join("\n");
    if let Some(dir) = from.filter(|d| !d.is_empty()) {
        tail = tail.replace(dir, ".");
    }
    if tail.len() > TAIL_BYTES {
        let mut cut = tail.len() - TAIL_BYTES;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = tail[cut..].to_owned();
    }
    tail
}

/// One sentence that says why a compile failed, from what the log says.
pub fn summary(report: &LogReport) -> String {
    if let Some(command) = &report.shell_attempt {
        return format!(
            "the document runs a shell command ({}), and shell escape is not allowed",
            command.chars().take(80).collect::<String>()
        );
    }
    if let Some(file) = &report.missing_file {
        let kind = match file.rsplit('.').next() {
            Some("cls") => "class",
            Some("sty") => "package",
            _ => "file",
        };
        return format!(
            "the {kind} {file} is not available: it is not part of the TeX Live installed here (a class or package of your own must be pasted into the document)"
        );
    }
    match report.errors.first() {
        Some(e) if e.message.starts_with("TeX capacity exceeded") => {
            format!("{}: the document exhausts TeX's memory (an endless recursion?)", e.message)
        }
        Some(e) => {
            let place = match (&e.file, e.line) {
                (Some(file), Some(line)) => format!("{file}, line {line}"),
                (None, Some(line)) => format!("line {line}"),
                (Some(file), None) => file.clone(),
                (None, None) => "the document".into(),
            };
            let context = if e.context.is_empty() { String::new() } else { format!(" at `{}`", e.context) };
            format!("LaTeX error in {place}: {}{context}", e.message)
        }
        None => "TeX stopped with an error but wrote none to its log".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UNDEFINED: &str =
        "This is pdfTeX, Version 3.141592653-2.6-1.40.24 (TeX Live 2022/Debian) (preloaded format=pdflatex)
 restricted \\write18 enabled.
(./resume.tex
LaTeX2e <2022-11-01> patch level 1
./resume.tex:12: Undefined control sequence.
l.12 \\foo
          
The control sequence at the end of the top line
[1{/var/lib/texmf/fonts/map/pdftex/updmap/pdftex.map}] (./resume.aux) )
Output written on resume.pdf (1 page, 11176 bytes).
";

    #[test]
    fn an_undefined_command_gives_its_line_message_and_context() {
        let r = read_log(UNDEFINED);
        assert_eq!(
            r.errors,
            vec![CompileErrorLine {
                line: Some(12),
                message: "Undefined control sequence".into(),
                context: "\\foo".into(),
                file: None
            }]
        );
        assert_eq!(r.pages, Some(1));
        assert!(!r.rerun);
        assert_eq!(summary(&r), "LaTeX error in line 12: Undefined control sequence at `\\foo`");
    }

    #[test]
    fn a_missing_class_is_named() {
        let log = "(./resume.tex
! LaTeX Error: File `awesome-cv.cls' not found.

Type X to quit or <RETURN> to proceed,
or enter new name. (Default extension: cls)

Enter file name: 
./resume.tex:1: Emergency stop.
<read *> 
         
l.1 \\documentclass{awesome-cv}
                             \\begin
./resume.tex:1:  ==> Fatal error occurred, no output PDF file produced!
";
        let r = read_log(log);
        assert_eq!(r.missing_file.as_deref(), Some("awesome-cv.cls"));
        assert_eq!(r.errors.len(), 1, "{:?}", r.errors);
        assert_eq!(r.errors[0].message, "LaTeX Error: File `awesome-cv.cls' not found");
        assert_eq!(r.errors[0].line, Some(1), "the line comes after the emergency stop");
        assert_eq!(r.errors[0].context, "\\documentclass{awesome-cv} \\begin");
        assert!(summary(&r).contains("class awesome-cv.cls is not available"), "{}", summary(&r));
    }

    #[test]
    fn errors_in_a_package_name_the_file_not_its_host_path() {
        let log =
            "/usr/share/texlive/texmf-dist/tex/latex/moderncv/moderncv.cls:80: Package keyval Error: foo undefined.
l.80 \\ProcessOptions
";
        let r = read_log(log);
        assert_eq!(r.errors[0].file.as_deref(), Some("moderncv.cls"));
        assert_eq!(r.errors[0].line, Some(80));
        assert!(!summary(&r).contains("/usr/share"), "{}", summary(&r));
    }

    #[test]
    fn repeated_errors_are_listed_once_and_capacity_is_explained() {
        let log = "./resume.tex:4: Package fontspec Error: The font \"X\" cannot be found.
l.4 \\begin
./resume.tex:4: Package fontspec Error: The font \"X\" cannot be found.
l.4 \\begin
";
        assert_eq!(read_log(log).errors.len(), 1);
        let log = "./resume.tex:1: TeX capacity exceeded, sorry [input stack size=10000].
l.1 \\def\\a{\\a x}\\a
";
        let r = read_log(log);
        assert!(
            summary(&r).starts_with("TeX capacity exceeded, sorry [input stack size=10000]: the document exhausts")
        );
    }

    #[test]
    fn reruns_pages_and_shell_attempts_are_read() {
        let log = "Package: rerunfilecheck 2022-07-10 v1.10 Rerun checks for auxiliary files (HO)
runsystem(touch /tmp/pwned)...disabled.
LaTeX Warning: Label(s) may have changed. Rerun to get cross-references right.
Output written on resume.pdf (5000 pages, 886716 bytes).
";
        let r = read_log(log);
        assert!(r.rerun);
        assert_eq!(r.pages, Some(5000));
        assert_eq!(r.shell_attempt.as_deref(), Some("touch /tmp/pwned"));
        assert!(summary(&r).contains("shell escape is not allowed"));
        // The package banner alone asks for nothing.
        assert!(!read_log("Package: rerunfilecheck 2022-07-10 v1.10 Rerun checks for auxiliary files (HO)\n").rerun);
        assert_eq!(read_log("Output written on resume.pdf (1 page).\n").pages, Some(1));
    }

    #[test]
    fn the_tail_is_bounded_and_hides_the_sandbox_directory() {
        let log: String = (0..100).map(|i| format!("/tmp/.tmpAbC/resume.tex line {i}\n")).collect();
        let t = tail(&log, Some("/tmp/.tmpAbC"));
        assert_eq!(t.lines().count(), TAIL_LINES);
        assert!(t.ends_with("./resume.tex line 99"));
        assert!(!t.contains(".tmpAbC"));
        assert!(tail(&"x".repeat(10_000), None).len() <= TAIL_BYTES);
    }
}
