//! Integration tests for `text::latex`: real-world résumé fixtures, a
//! property test over generated documents, and the error cases.

use proptest::prelude::*;
use text::enums::ResumeSectionType::{self, Achievements, Education, Experience, Other, Projects, Skills};
use text::latex::{
    BalanceErrorKind, DocumentError, ExtractedSection, HEADING_COMMANDS, HEADING_ENVIRONMENTS, check_balance,
    check_whole_document, classify, split,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const JAKE: &str = include_str!("fixtures/resumes/jake.tex");
const MODERNCV: &str = include_str!("fixtures/resumes/moderncv.tex");
const ALTACV: &str = include_str!("fixtures/resumes/altacv.tex");
const PLAIN: &str = include_str!("fixtures/resumes/plain.tex");
const AWESOME: &str = include_str!("fixtures/resumes/awesome.tex");
const RSECTION: &str = include_str!("fixtures/resumes/rsection.tex");

fn outline<'a>(sections: &'a [ExtractedSection<'_>]) -> Vec<(ResumeSectionType, Option<&'a str>)> {
    sections.iter().map(|s| (s.section_type, s.title.as_deref())).collect()
}

/// Splits a fixture and checks what holds for every fixture: the round trip,
/// the expected (type, title) outline, where each section starts, and
/// balance.
fn check_fixture(name: &str, doc: &str, expected: &[(ResumeSectionType, Option<&str>)]) -> TestResult {
    let parts = split(doc)?;
    assert_eq!(parts.reassemble(), doc, "{name}: round trip");
    assert_eq!(outline(&parts.sections), expected, "{name}: outline");
    assert!(parts.preamble.trim_end().ends_with("\\begin{document}"), "{name}");
    assert!(parts.closing.trim_start().starts_with("\\end{document}"), "{name}");
    for section in &parts.sections {
        assert!(!section.content.is_empty(), "{name}: empty section");
        if section.title.is_none() && section.section_type == Other {
            continue;
        }
        let start = section.content.trim_start();
        let starts_with_heading = HEADING_COMMANDS.iter().any(|c| start.starts_with(&format!("\\{c}")))
            || HEADING_ENVIRONMENTS.iter().any(|e| start.starts_with(&format!("\\begin{{{e}}}")));
        assert!(
            start.starts_with('%') || starts_with_heading,
            "{name}: section {:?} starts with {:?}",
            section.title,
            start.lines().next()
        );
    }
    check_balance(doc)?;
    Ok(())
}

#[test]
fn jakes_resume() -> TestResult {
    check_fixture(
        "jake",
        JAKE,
        &[
            (Other, None),
            (Education, Some("Education")),
            (Experience, Some("Experience")),
            (Projects, Some("Projects")),
            (Skills, Some("Technical Skills")),
        ],
    )?;
    let parts = split(JAKE)?;
    // Banners travel with their heading; the commented-out Leadership section
    // sits above Technical Skills and is not a heading.
    let skills = parts.sections.last().map(|s| s.content.trim_start()).unwrap_or_default();
    assert!(skills.starts_with("%-----------LEADERSHIP"));
    assert!(skills.contains("%-----------PROGRAMMING SKILLS-----------\n\\section{Technical Skills}"));
    let header = parts.sections.first().map(|s| s.content).unwrap_or_default();
    assert!(header.starts_with("\n%----------HEADING----------\n\\begin{center}"));
    assert!(header.ends_with("\\end{center}\n"));
    let experience = parts.sections.get(2).map(|s| s.content).unwrap_or_default();
    assert!(experience.starts_with("\n\n%-----------EXPERIENCE-----------\n\\section{Experience}\n"));
    assert!(experience.ends_with("  \\resumeSubHeadingListEnd\n"));
    Ok(())
}

#[test]
fn moderncv() -> TestResult {
    check_fixture(
        "moderncv",
        MODERNCV,
        &[
            (Other, None),
            (Education, Some("Education")),
            (Other, Some("Master thesis")),
            (Experience, Some("Experience")),
            (Other, Some("Languages")),
            (Skills, Some("Computer skills")),
            (Other, Some("Interests")),
        ],
    )?;
    let parts = split(MODERNCV)?;
    assert!(parts.closing.ends_with("%% end of file `cv.tex'.\n"));
    let interests = parts.sections.last().map(|s| s.content).unwrap_or_default();
    assert!(interests.starts_with("\n% \\section{Extra 1}"));
    Ok(())
}

#[test]
fn altacv() -> TestResult {
    check_fixture(
        "altacv",
        ALTACV,
        &[
            (Other, None),
            (Experience, Some("Experience")),
            (Projects, Some("Projects")),
            (Other, Some("A Day of My Life")),
            (Other, Some("My Life Philosophy")),
            (Skills, Some("Skills & Tools")),
            (Other, Some("Languages")),
            (Education, Some("Education")),
            (Other, Some("Most Proud of")),
        ],
    )?;
    let parts = split(ALTACV)?;
    let header = parts.sections.first().map(|s| s.content).unwrap_or_default();
    assert!(header.starts_with("\\name{Mei-Ling Vasquez}"));
    assert!(header.ends_with("\\begin{paracol}{2}\n"));
    let last = parts.sections.last().map(|s| s.content).unwrap_or_default();
    assert!(last.ends_with("\\end{paracol}\n\n"));
    Ok(())
}

#[test]
fn plain_article() -> TestResult {
    check_fixture(
        "plain",
        PLAIN,
        &[
            (Other, None),
            (Other, Some("Summary")),
            (Experience, Some("Work History")),
            (Projects, Some("Selected Projects & Achievements")),
            (Skills, Some("Skills & Tools")),
            (Other, Some("Volunteer Experience")),
            (Education, Some("Education")),
            (Achievements, Some("Certifications")),
        ],
    )?;
    let parts = split(PLAIN)?;
    let work = parts.sections.get(2).map(|s| s.content).unwrap_or_default();
    assert!(work.contains("\\section{Fake}"), "verbatim stays inside its section");
    assert!(work.contains("\\subsection*{Earlier roles"), "subsections are not boundaries");
    let projects = parts.sections.get(3).map(|s| s.content).unwrap_or_default();
    assert!(projects.contains("\\begin{comment}\n\\section*{Publications}"));
    Ok(())
}

#[test]
fn awesome_cv() -> TestResult {
    check_fixture(
        "awesome",
        AWESOME,
        &[
            (Other, None),
            (Other, Some("Summary")),
            (Experience, Some("Work Experience")),
            (Achievements, Some("Honors & Awards")),
            (Achievements, Some("Certificates")),
            (Projects, Some("Open Source")),
            (Education, Some("Education")),
            (Skills, Some("Skills")),
            (Other, Some("Extracurricular Activity")),
        ],
    )?;
    let parts = split(AWESOME)?;
    let open_source = parts.sections.get(5).map(|s| s.content.trim_start()).unwrap_or_default();
    assert!(open_source.contains("%\\cvsection{Presentation}"));
    Ok(())
}

#[test]
fn medium_length_professional_cv() -> TestResult {
    // The body opens with a banner directly above the first heading, so there
    // is no header section.
    check_fixture(
        "rsection",
        RSECTION,
        &[
            (Education, Some("Education")),
            (Experience, Some("Professional Experience")),
            (Skills, Some("Technical Strengths")),
            (Other, Some("Publications")),
        ],
    )?;
    let parts = split(RSECTION)?;
    for section in &parts.sections {
        assert!(section.content.trim_end().ends_with("\\end{rSection}"));
    }
    Ok(())
}

#[test]
fn a_replaced_section_reassembles_into_the_tailored_document() -> TestResult {
    let parts = split(JAKE)?;
    let tailored = "\n%-----------EXPERIENCE-----------\n\\section{Experience}\n  Tailored.\n";
    let mut out = String::from(parts.preamble);
    for section in &parts.sections {
        out.push_str(if section.section_type == Experience { tailored } else { section.content });
    }
    out.push_str(parts.closing);
    let again = split(&out)?;
    assert_eq!(outline(&again.sections), outline(&parts.sections));
    assert_eq!(again.sections.get(2).map(|s| s.content), Some(tailored));
    check_balance(&out)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// Negative and edge cases.

const BODY: &str = "\\section{Education}\nx\n";

#[test]
fn whole_document_errors() {
    let check = |doc: &str| check_whole_document(doc).err();
    assert_eq!(
        check(&format!("\\begin{{document}}\n{BODY}\\end{{document}}\n")),
        Some(DocumentError::MissingDocumentClass)
    );
    assert_eq!(
        check(&format!("\\documentclass{{article}}\n{BODY}\\end{{document}}\n")),
        Some(DocumentError::MissingBeginDocument)
    );
    assert_eq!(
        check(&format!("\\documentclass{{article}}\n\\begin{{document}}\n{BODY}")),
        Some(DocumentError::MissingEndDocument)
    );
    assert_eq!(
        check(&format!("\\begin{{document}}\n\\documentclass{{article}}\n{BODY}\\end{{document}}\n")),
        Some(DocumentError::DocumentClassAfterBegin { line: 2 })
    );
    assert_eq!(
        check("\\documentclass{article}\n\\end{document}\nx\n\\begin{document}\n"),
        Some(DocumentError::EndBeforeBegin { line: 2 })
    );
    assert_eq!(
        check(&format!("\\documentclass{{article}}\n% \\begin{{document}}\n{BODY}\\end{{document}}\n")),
        Some(DocumentError::MissingBeginDocument)
    );
    assert_eq!(
        check(&format!(
            "\\documentclass{{article}}\n\\begin{{document}}\n{BODY}\\begin{{document}}\n\\end{{document}}\n"
        )),
        Some(DocumentError::DuplicateBeginDocument { line: 5 })
    );
    assert_eq!(
        check("\\documentclass{article}\n\\begin{document}\n\\end{document}\n\\end{document}"),
        Some(DocumentError::DuplicateEndDocument { line: 4 })
    );
    assert_eq!(
        check("% \\documentclass{article}\n\\begin{document}\n\\end{document}"),
        Some(DocumentError::MissingDocumentClass)
    );
    assert_eq!(check(""), Some(DocumentError::Empty));
    assert_eq!(check("  \r\n\t\n"), Some(DocumentError::Empty));
    assert_eq!(
        check("\\documentclass{article}\n\\begin{document}\0\\end{document}"),
        Some(DocumentError::ContainsNul { offset: 40 })
    );
    assert_eq!(check(BODY), Some(DocumentError::MissingDocumentClass));
    assert!(split(BODY).is_err());
}

#[test]
fn whole_document_error_messages() {
    let message = |doc: &str| check_whole_document(doc).err().map(|e| e.to_string());
    assert_eq!(
        message("\\begin{document}\n\\end{document}").as_deref(),
        Some("LaTeX is not a whole document: no \\documentclass before \\begin{document}")
    );
    assert_eq!(
        message("\\documentclass{a}\n\\begin{document}\n\\begin{document}\n\\end{document}").as_deref(),
        Some("LaTeX is not a whole document: a second \\begin{document} on line 3")
    );
    let err: Box<dyn std::error::Error> = Box::new(DocumentError::MissingEndDocument);
    assert_eq!(err.to_string(), "LaTeX is not a whole document: no \\end{document}");
}

#[test]
fn whole_document_accepts_escapes_and_trailing_text() -> TestResult {
    let doc = "\\documentclass[a4paper, 11pt]{article}\n\\newcommand{\\pct}{50\\%} % \\begin{document}\n\
               \\begin{document}\nx \\\\% \\end{document}\n\\end{document}\n% notes after the end\n";
    let layout = check_whole_document(doc)?;
    assert_eq!(doc.get(layout.body_start..layout.body_end), Some("x \\\\% \\end{document}\n"));
    Ok(())
}

#[test]
fn balance_failures() -> TestResult {
    let kind = |text: &str| check_balance(text).err().map(|e| e.kind);
    assert_eq!(kind("\\textbf{unclosed"), Some(BalanceErrorKind::UnclosedBrace));
    assert_eq!(kind("stray } brace"), Some(BalanceErrorKind::UnmatchedCloseBrace));
    assert_eq!(
        kind("\\begin{itemize}\n\\item a\n"),
        Some(BalanceErrorKind::UnclosedEnvironment { name: "itemize".into() })
    );
    assert_eq!(
        kind("\\begin{enumerate}\n\\item a\n\\end{itemize}\n"),
        Some(BalanceErrorKind::MismatchedEnd { open: "enumerate".into(), open_line: 1, found: "itemize".into() })
    );
    assert_eq!(kind("\\end{itemize}"), Some(BalanceErrorKind::UnmatchedEnd { name: "itemize".into() }));

    let err = check_balance("\\section{A}\n\\begin{itemize}\n  \\item {x\n\\end{itemize}\n")
        .err()
        .ok_or("an open brace inside itemize must fail")?;
    assert_eq!((err.line, err.column, err.offset), (4, 1, 39));
    assert_eq!(
        err.to_string(),
        "unbalanced LaTeX at line 4, column 1 (byte 39): `\\end{itemize}` comes while a `{` \
         from line 3 is still open"
    );
    let err = check_balance("ok\n\\begin{itemize}\n").err();
    assert_eq!(
        err.map(|e| e.to_string()).as_deref(),
        Some(
            "unbalanced LaTeX at line 2, column 1 (byte 3): `\\begin{itemize}` is never \
             closed by `\\end{itemize}`"
        )
    );
    Ok(())
}

#[test]
fn balance_successes() -> TestResult {
    check_balance("Braces \\{ and \\} are text; so is 50\\%.")?;
    check_balance("% a comment with { and \\begin{itemize}\nplain % and } here\n")?;
    check_balance("line break \\\\% then a comment {\n")?;
    check_balance("\\begin{itemize}\n  \\item {\\bf a} \\verb|}|\n\\end{itemize}\n")?;
    check_balance("\\begin{lstlisting}\nif (x) { % not a comment\n\\end{lstlisting}\n")?;
    check_balance("\\begin{minted}{rust}\nfn main() {\n\\end{minted}\n")?;
    check_balance("")?;
    for (_, doc) in fixtures() {
        let parts = split(doc)?;
        // The preamble alone (definitions included) and the document balance.
        check_balance(parts.preamble.trim_end().trim_end_matches("\\begin{document}"))?;
    }
    Ok(())
}

fn fixtures() -> [(&'static str, &'static str); 6] {
    [
        ("jake", JAKE),
        ("moderncv", MODERNCV),
        ("altacv", ALTACV),
        ("plain", PLAIN),
        ("awesome", AWESOME),
        ("rsection", RSECTION),
    ]
}

#[test]
fn sections_of_simple_fixtures_balance() -> TestResult {
    // Templates without a layout environment around the sections keep each
    // section balanced on its own, which is what lets a section be replaced.
    for doc in [JAKE, MODERNCV, PLAIN, AWESOME, RSECTION] {
        for section in split(doc)?.sections {
            check_balance(section.content)?;
        }
    }
    Ok(())
}

#[test]
fn empty_and_whitespace_bodies() -> TestResult {
    let parts = split("\\documentclass{article}\n\\begin{document}\n\\end{document}\n")?;
    assert!(parts.sections.is_empty());
    let doc = "\\documentclass{article}\n\\begin{document}\n\n  \n\\end{document}";
    let parts = split(doc)?;
    assert_eq!(outline(&parts.sections), [(Other, None)]);
    assert_eq!(parts.reassemble(), doc);
    Ok(())
}

// ---------------------------------------------------------------------------
// Property test over generated documents.

/// Titles as written in LaTeX, and as they read once normalised.
const TITLES: &[(&str, &str)] = &[
    ("Education", "Education"),
    ("Experience", "Experience"),
    ("Work Experience", "Work Experience"),
    ("\\textbf{Work} Experience", "Work Experience"),
    ("Professional Experience", "Professional Experience"),
    ("Employment History", "Employment History"),
    ("Work History", "Work History"),
    ("Career", "Career"),
    ("Academic Background", "Academic Background"),
    ("Qualifications", "Qualifications"),
    ("Projects", "Projects"),
    ("Personal Projects", "Personal Projects"),
    ("Open Source", "Open Source"),
    ("\\emph{Selected} Projects", "Selected Projects"),
    ("Skills", "Skills"),
    ("Technical Skills", "Technical Skills"),
    ("Skills \\& Tools", "Skills & Tools"),
    ("Technologies", "Technologies"),
    ("Core Competencies", "Core Competencies"),
    ("Awards", "Awards"),
    ("Honors~\\&~Awards", "Honors & Awards"),
    ("Honours", "Honours"),
    ("Achievements", "Achievements"),
    ("Accomplishments", "Accomplishments"),
    ("Certifications", "Certifications"),
    ("Projects \\& Achievements", "Projects & Achievements"),
    ("Summary", "Summary"),
    ("Publications", "Publications"),
    ("Interests", "Interests"),
    ("Languages", "Languages"),
    ("Volunteering", "Volunteering"),
    ("\\faBriefcase\\ Experience", "Experience"),
    ("100\\% Remote Work", "100% Remote Work"),
    ("Awards {\\small (2020--2024)}", "Awards (2020--2024)"),
    ("Expérience professionnelle", "Expérience professionnelle"),
    ("Ключевые навыки", "Ключевые навыки"),
    ("职业经历", "职业经历"),
    ("", ""),
];

/// Preamble lines, some of them traps.
const PREAMBLE_LINES: &[&str] = &[
    "\\usepackage[utf8]{inputenc}",
    "\\usepackage{enumitem}",
    "\\titleformat{\\section}{\\large\\scshape}{}{0em}{}[\\titlerule]",
    "\\titlespacing*{\\section}{0pt}{8pt}{4pt}",
    "% \\begin{document} only in a comment",
    "% \\end{document} as well",
    "\\newcommand{\\resumeItemListStart}{\\begin{itemize}}",
    "\\newcommand{\\resumeItemListEnd}{\\end{itemize}\\vspace{-5pt}}",
    "\\def\\openCentre{\\begin{center}}",
    "\\newcommand{\\pct}{50\\%} % escaped percent",
    "\\name{Jane}{Doe}",
    "",
];

/// Header-block lines with content (not blank, not comments).
const HEADER_LINES: &[&str] = &[
    "\\begin{center} \\textbf{Jane Doe} \\end{center}",
    "{\\Huge\\scshape Zoë Ångström-Nakamura} \\\\",
    "zoe@example.com $|$ +44 7700 900000 \\\\% phone last",
    "\\makecvtitle",
    "\\makecvheader[C]",
];

/// Comment and blank lines that may sit above headings or in the header.
const FILLER_LINES: &[&str] =
    &["", "   ", "%-----------SECTION-----------", "% \\section{Old} commented out {", "  %%%%%%%%%%"];

fn text() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 ,.;:()'éüßøЖж漢字–—-]{0,30}"
}

/// One or more body lines, always balanced and never a top-level heading.
fn body_block() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        text().prop_map(|t| vec![t]),
        text().prop_map(|t| vec![format!("  \\item {t}")]),
        (text(), text()).prop_map(|(a, b)| vec![format!("{a} grew 40\\% and {b}")]),
        (text(), text()).prop_map(|(a, b)| vec![format!("{a} R\\&D {b}")]),
        text().prop_map(|t| vec![format!("% {t} \\section{{Commented}} {{")]),
        (text(), text()).prop_map(|(a, b)| vec![format!("{a} % {b} }} \\end{{itemize}}")]),
        text().prop_map(|t| vec![format!("{{\\bf {t}}} \\{{literal\\}}")]),
        text().prop_map(|t| vec![format!("\\textbf{{{t}}} \\hfill 2019 -- 2024")]),
        prop::collection::vec(text(), 1..4).prop_map(|items| {
            let mut lines = vec!["\\begin{itemize}[leftmargin=*]".to_owned()];
            lines.extend(items.into_iter().map(|t| format!("  \\item {t}")));
            lines.push("\\end{itemize}".to_owned());
            lines
        }),
        Just(vec![String::new()]),
        Just(vec!["\\subsection{Sub-part}".to_owned()]),
        Just(vec!["see \\verb|\\section{V}| and \\verb+{+".to_owned()]),
        Just(vec!["line \\\\% \\section{Hidden}".to_owned()]),
        Just(vec!["\\textbf{\\section{Nested}}".to_owned()]),
        Just(vec![
            "\\begin{verbatim}".to_owned(),
            "\\section{In verbatim} { % 100%".to_owned(),
            "\\end{verbatim}".to_owned(),
        ]),
    ]
}

#[derive(Debug, Clone)]
struct GeneratedSection {
    filler: Vec<&'static str>,
    indent: bool,
    form: usize,
    title: usize,
    after_heading: &'static str,
    body: Vec<Vec<String>>,
}

#[derive(Debug, Clone)]
struct GeneratedDocument {
    class: &'static str,
    preamble: Vec<&'static str>,
    begin_spaces: bool,
    header: Option<(Vec<&'static str>, Vec<&'static str>, Vec<&'static str>)>,
    sections: Vec<GeneratedSection>,
    end_indent: bool,
    trailer: &'static str,
    crlf: bool,
}

/// Every supported heading form: each command plain, starred and with a
/// short title, then each heading environment. Returns (open, close, end).
fn heading_forms() -> Vec<(String, &'static str, Option<String>)> {
    let mut forms = Vec::new();
    for command in HEADING_COMMANDS {
        forms.push((format!("\\{command}{{"), "}", None));
        forms.push((format!("\\{command}*{{"), "}", None));
        forms.push((format!("\\{command}[Short {{t}}]{{"), "}", None));
    }
    for environment in HEADING_ENVIRONMENTS {
        forms.push((format!("\\begin{{{environment}}}{{"), "}", Some(format!("\\end{{{environment}}}"))));
    }
    forms
}

fn section() -> impl Strategy<Value = GeneratedSection> {
    (
        prop::collection::vec(prop::sample::select(FILLER_LINES), 0..3),
        any::<bool>(),
        0..heading_forms().len(),
        0..TITLES.len(),
        prop::sample::select(&["", " % heading comment", "\\label{sec:x}", " \\hfill"][..]),
        prop::collection::vec(body_block(), 0..6),
    )
        .prop_map(|(filler, indent, form, title, after_heading, body)| GeneratedSection {
            filler,
            indent,
            form,
            title,
            after_heading,
            body,
        })
}

fn document() -> impl Strategy<Value = GeneratedDocument> {
    let header = (
        prop::collection::vec(prop::sample::select(FILLER_LINES), 0..3),
        prop::collection::vec(prop::sample::select(HEADER_LINES), 1..4),
        prop::collection::vec(prop::sample::select(FILLER_LINES), 0..3),
    );
    (
        prop::sample::select(
            &[
                "\\documentclass{article}",
                "\\documentclass[letterpaper,11pt]{article}",
                "\\documentclass[11pt,a4paper,sans]{moderncv}",
                "\\documentclass[10pt,a4paper,ragged2e]{altacv}",
            ][..],
        ),
        prop::collection::vec(prop::sample::select(PREAMBLE_LINES), 0..6),
        any::<bool>(),
        prop::option::of(header),
        prop::collection::vec(section(), 0..9),
        any::<bool>(),
        prop::sample::select(&["", "% after the end", "\\section{Ignored after the end}"][..]),
        any::<bool>(),
    )
        .prop_map(|(class, preamble, begin_spaces, header, sections, end_indent, trailer, crlf)| {
            GeneratedDocument { class, preamble, begin_spaces, header, sections, end_indent, trailer, crlf }
        })
}

/// The rendered document with what `split` should find in it.
struct Rendered {
    doc: String,
    preamble: String,
    closing: String,
    header: bool,
    headings: Vec<(String, ResumeSectionType, Option<String>)>,
}

fn render(generated: &GeneratedDocument) -> Rendered {
    let eol = if generated.crlf { "\r\n" } else { "\n" };
    let forms = heading_forms();
    let mut preamble = String::new();
    for line in std::iter::once(generated.class).chain(generated.preamble.iter().copied()) {
        preamble.push_str(line);
        preamble.push_str(eol);
    }
    preamble.push_str("\\begin{document}");
    if generated.begin_spaces {
        preamble.push_str("  ");
    }
    preamble.push_str(eol);

    let mut body = String::new();
    let mut push = |line: &str| {
        body.push_str(line);
        body.push_str(eol);
    };
    if let Some((above, content, below)) = &generated.header {
        for line in above.iter().chain(content).chain(below) {
            push(line);
        }
    }
    let mut headings = Vec::new();
    for section in &generated.sections {
        for line in &section.filler {
            push(line);
        }
        let (open, close, end) =
            forms.get(section.form).cloned().unwrap_or_else(|| ("\\section{".to_owned(), "}", None));
        let (raw, plain) = TITLES.get(section.title).copied().unwrap_or(("", ""));
        let heading = format!("{open}{raw}{close}");
        let indent = if section.indent { "  " } else { "" };
        push(&format!("{indent}{heading}{}", section.after_heading));
        for block in &section.body {
            for line in block {
                push(line);
            }
        }
        if let Some(end) = end {
            push(&end);
        }
        let title = (!plain.is_empty()).then(|| plain.to_owned());
        headings.push((heading, classify(plain), title));
    }

    let mut closing = String::new();
    if generated.end_indent {
        closing.push_str("  ");
    }
    closing.push_str("\\end{document}");
    if !generated.trailer.is_empty() {
        closing.push_str(eol);
        closing.push_str(generated.trailer);
    }
    closing.push_str(eol);

    Rendered {
        doc: format!("{preamble}{body}{closing}"),
        preamble,
        closing,
        header: generated.header.is_some(),
        headings,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn split_round_trips_generated_documents(generated in document()) {
        let rendered = render(&generated);
        let parts = split(&rendered.doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(parts.reassemble(), rendered.doc.as_str());
        prop_assert_eq!(parts.preamble, rendered.preamble.as_str());
        prop_assert_eq!(parts.closing, rendered.closing.as_str());
        prop_assert!(parts.sections.iter().all(|s| !s.content.is_empty()));
        prop_assert_eq!(
            parts.sections.len(),
            rendered.headings.len() + usize::from(rendered.header)
        );

        let sections = if rendered.header {
            let first = parts.sections.first();
            prop_assert_eq!(first.map(|s| (s.section_type, s.title.is_none())), Some((Other, true)));
            parts.sections.get(1..).unwrap_or_default()
        } else {
            &parts.sections[..]
        };
        for (section, (heading, section_type, title)) in sections.iter().zip(&rendered.headings) {
            prop_assert_eq!(section.section_type, *section_type);
            prop_assert_eq!(&section.title, title);
            prop_assert!(section.content.contains(heading.as_str()));
        }
        check_balance(&rendered.doc).map_err(|e| TestCaseError::fail(e.to_string()))?;
    }

    #[test]
    fn split_never_panics_and_round_trips(doc in "(\\\\documentclass\\{a\\}|\\\\begin\\{document\\}|\\\\end\\{document\\}|\\\\section\\{[a-z ]{0,8}\\}|\\\\cvsection\\*?\\[x\\]\\{S\\}|[%{}\\\\\\[\\]*\\n\\r a-zé]){0,40}") {
        if let Ok(parts) = split(&doc) {
            prop_assert_eq!(parts.reassemble(), doc.as_str());
            prop_assert!(parts.sections.iter().all(|s| !s.content.is_empty()));
        }
        let _ = check_balance(&doc);
    }
}
