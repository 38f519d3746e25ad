//! Splitting a résumé into its sections, and naming what each section is.
//!
//! [`split`] cuts a whole document into a preamble, a list of sections that
//! cover the body exactly, and the closing `\end{document}` part, so that
//! [`SplitDocument::reassemble`] gives back the input byte for byte.
//!
//! A section begins at a heading: a control word from [`HEADING_COMMANDS`]
//! followed by optional `*`, optional `[short title]` and a `{title}`, or
//! `\begin{env}{title}` for an environment in [`HEADING_ENVIRONMENTS`]. Only
//! headings at the top level of the body count: outside comments, outside
//! brace groups (`\textbf{\section{X}}` is not a boundary), outside
//! [`OPAQUE_ENVIRONMENTS`](super::validate::OPAQUE_ENVIRONMENTS) and `\verb`.
//! Headings inside ordinary environments (`paracol` in AltaCV) do count.
//! `\subsection` and friends are never boundaries.
//!
//! Limits: `\input`/`\include` are not followed, text hidden with
//! `\iffalse … \fi` is still scanned, and when a layout environment wraps
//! all sections (AltaCV's `\begin{paracol}{2}`) its `\begin` lands in the
//! first section and its `\end` in the last, so those two sections do not
//! balance on their own.

use crate::enums::ResumeSectionType;

use super::lexer::{Lexer, TokenKind, find_closing_bracket, matching_brace, skip_blanks, skip_space};
use super::validate::{DocumentError, check_whole_document};

/// Control words that start a section when followed by `{title}` (with an
/// optional `*` and `[short title]` in between).
///
/// | command | used by |
/// |---|---|
/// | `\section` | `article`, Jake's résumé, moderncv, Deedy, Friggeri, most hand-made CVs |
/// | `\cvsection` | AltaCV (`\cvsection[sidebar]{T}`), Awesome-CV |
/// | `\cvSection` | variants of the above |
/// | `\cvsect` | Developer CV |
/// | `\resumeSection`, `\resumesection` | common in custom résumé macros |
/// | `\sectionTitle`, `\sectiontitle` | common in custom résumé macros |
pub const HEADING_COMMANDS: &[&str] =
    &["section", "cvsection", "cvSection", "cvsect", "resumeSection", "resumesection", "sectionTitle", "sectiontitle"];

/// Environments whose `\begin{env}{title}` starts a section, as in the
/// "Medium Length Professional CV" template's `\begin{rSection}{Education}`.
/// The section runs to the next heading, so a section's `\end{env}` stays in
/// it.
pub const HEADING_ENVIRONMENTS: &[&str] = &["rSection"];

/// A whole document cut into parts that borrow from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitDocument<'a> {
    /// Everything up to the body: the preamble and the `\begin{document}`
    /// line.
    pub preamble: &'a str,
    /// The body's sections in order; they cover the body exactly.
    pub sections: Vec<ExtractedSection<'a>>,
    /// `\end{document}` (from the start of its line) and anything after it.
    pub closing: &'a str,
}

impl SplitDocument<'_> {
    /// Joins the parts back together. For a document produced by [`split`]
    /// this is exactly the input.
    #[must_use]
    pub fn reassemble(&self) -> String {
        let len =
            self.preamble.len() + self.sections.iter().map(|s| s.content.len()).sum::<usize>() + self.closing.len();
        let mut out = String::with_capacity(len);
        out.push_str(self.preamble);
        for section in &self.sections {
            out.push_str(section.content);
        }
        out.push_str(self.closing);
        out
    }
}

/// One section of a résumé body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedSection<'a> {
    /// What the section is, from [`classify`] of its title; the text before
    /// the first heading is [`ResumeSectionType::Other`].
    pub section_type: ResumeSectionType,
    /// The heading's title as plain words (see [`normalize_title`]); `None`
    /// for the text before the first heading and for empty titles.
    pub title: Option<String>,
    /// The source: from the start of the heading's line, including the
    /// blank and comment lines directly above it, up to the next section.
    /// Never empty.
    pub content: &'a str,
}

/// Splits a whole document into preamble, sections and closing.
///
/// The body (see [`check_whole_document`]) is cut by [`split_body`].
///
/// # Errors
///
/// The [`DocumentError`] from [`check_whole_document`] when `doc` is not a
/// whole document.
pub fn split(doc: &str) -> Result<SplitDocument<'_>, DocumentError> {
    let layout = check_whole_document(doc)?;
    // Both offsets are just after an ASCII byte or at the start of a line, so
    // they are character boundaries, and body_start <= body_end.
    let preamble = &doc[..layout.body_start];
    let body = &doc[layout.body_start..layout.body_end];
    let closing = &doc[layout.body_end..];
    Ok(SplitDocument { preamble, sections: split_body(body), closing })
}

/// Cuts a document body (or any fragment) into sections that cover it
/// exactly, in order.
///
/// * Text before the first heading is one section of type
///   [`ResumeSectionType::Other`] with no title, if it is not empty.
/// * Each heading starts a section at the beginning of its line, extended
///   upwards over the blank lines and comment-only lines directly above it,
///   so banners such as `%-----------EXPERIENCE-----------` travel with their
///   heading. A second heading on the same line as the previous one starts
///   its section at the heading itself.
/// * An empty body gives no sections; no section is empty.
#[must_use]
pub fn split_body(body: &str) -> Vec<ExtractedSection<'_>> {
    let headings = find_headings(body);
    let bytes = body.as_bytes();
    let mut starts = Vec::with_capacity(headings.len());
    let mut previous: Option<usize> = None;
    for heading in &headings {
        starts.push(section_start(bytes, heading.offset, previous));
        previous = Some(heading.offset);
    }

    let mut sections = Vec::with_capacity(headings.len() + 1);
    let first = starts.first().copied().unwrap_or(body.len());
    if first > 0 {
        sections.push(ExtractedSection {
            section_type: ResumeSectionType::Other,
            title: None,
            content: &body[..first],
        });
    }
    for (i, (heading, &start)) in headings.into_iter().zip(&starts).enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(body.len());
        let section_type = heading.title.as_deref().map_or(ResumeSectionType::Other, classify);
        sections.push(ExtractedSection { section_type, title: heading.title, content: &body[start..end] });
    }
    sections
}

/// The longest `[short title]` of a heading that is looked for, in bytes.
const MAX_SHORT_TITLE: usize = 256;

/// A heading found in a body.
struct Heading {
    /// Byte offset of the heading's `\`.
    offset: usize,
    /// The normalised title, `None` when it is empty.
    title: Option<String>,
}

impl Heading {
    fn new(offset: usize, title: String) -> Self {
        let title = (!title.is_empty()).then_some(title);
        Self { offset, title }
    }
}

/// Finds the top-level headings of `body`, in order.
fn find_headings(body: &str) -> Vec<Heading> {
    let mut headings = Vec::new();
    let mut depth = 0_usize;
    for token in Lexer::new(body) {
        match token.kind {
            TokenKind::OpenBrace => depth += 1,
            TokenKind::CloseBrace => depth = depth.saturating_sub(1),
            TokenKind::Command(name) if depth == 0 && HEADING_COMMANDS.contains(&name) => {
                if let Some(title) = heading_title(body, token.end, true) {
                    headings.push(Heading::new(token.start, title));
                }
            }
            TokenKind::Begin(name) if depth == 0 && HEADING_ENVIRONMENTS.contains(&name) => {
                if let Some(title) = heading_title(body, token.end, false) {
                    headings.push(Heading::new(token.start, title));
                }
            }
            _ => {}
        }
    }
    headings
}

/// Parses a heading's arguments starting at `pos`: `[*][[short]]{title}`
/// when `options` is set, else just `{title}`. Returns the normalised title
/// (possibly empty), or `None` when there is no `{title}`.
fn heading_title(text: &str, pos: usize, options: bool) -> Option<String> {
    let bytes = text.as_bytes();
    let mut pos = skip_space(bytes, pos);
    if options {
        if bytes.get(pos) == Some(&b'*') {
            pos = skip_space(bytes, pos + 1);
        }
        if bytes.get(pos) == Some(&b'[') {
            pos = skip_space(bytes, find_closing_bracket(text, pos, MAX_SHORT_TITLE)? + 1);
        }
    }
    if bytes.get(pos) != Some(&b'{') {
        return None;
    }
    let close = matching_brace(text, pos)?;
    Some(normalize_title(text.get(pos + 1..close)?))
}

/// Where the section of the heading at `heading` starts: the start of its
/// line, moved up over blank and comment-only lines, but never back to or
/// before the previous heading. A heading on the same line as the previous
/// one starts at itself.
fn section_start(bytes: &[u8], heading: usize, previous: Option<usize>) -> usize {
    // Only look back as far as the previous heading, so that many headings
    // on one line stay linear.
    let floor = previous.map_or(0, |p| p + 1);
    let newline = bytes.get(floor..heading).and_then(|between| between.iter().rposition(|&b| b == b'\n'));
    let mut start = match (newline, previous) {
        (Some(i), _) => floor + i + 1,
        (None, Some(_)) => return heading,
        (None, None) => 0,
    };
    while start > 0 {
        let above = line_start(bytes, start - 1);
        if previous.is_some_and(|p| p >= above) {
            break;
        }
        let is_blank_or_comment = bytes
            .get(above..start - 1)
            .is_some_and(|line| line.iter().find(|b| !matches!(b, b' ' | b'\t' | b'\r')).is_none_or(|&b| b == b'%'));
        if !is_blank_or_comment {
            break;
        }
        start = above;
    }
    start
}

/// The offset of the start of the line containing `pos`.
fn line_start(bytes: &[u8], pos: usize) -> usize {
    bytes.get(..pos).and_then(|before| before.iter().rposition(|&b| b == b'\n')).map_or(0, |i| i + 1)
}

/// Commands whose first `n` brace arguments are not text (lengths, colours,
/// labels, file names) and are dropped from titles.
const NON_TEXT_ARGUMENTS: &[(&str, usize)] = &[
    ("hspace", 1),
    ("vspace", 1),
    ("color", 1),
    ("textcolor", 1),
    ("colorbox", 1),
    ("fcolorbox", 2),
    ("label", 1),
    ("includegraphics", 1),
    ("raisebox", 1),
    ("fontsize", 2),
    ("rule", 2),
    ("phantom", 1),
    ("hphantom", 1),
    ("vphantom", 1),
    ("footnote", 1),
    ("index", 1),
    ("faIcon", 1),
    ("setlength", 2),
];

/// Turns a LaTeX title into plain words.
///
/// Commands are dropped but the text in their arguments is kept
/// (`\textbf{Work} Experience` → `Work Experience`), except for arguments
/// that are not text (`\hspace{2pt}`, `\textcolor{red}{…}`'s colour).
/// Escaped specials become the character (`\&` → `&`, `\%` → `%`), `~`,
/// `\\` and spacing commands become spaces, accents are dropped
/// (`\'e` → `e`), `\LaTeX` and `\TeX` are kept, comments and `$` are
/// removed, and runs of white space collapse to one space.
#[must_use]
pub fn normalize_title(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.peek().copied() {
                Some((j, n)) if n.is_ascii_alphabetic() => {
                    let mut end = j;
                    while let Some(&(k, l)) = chars.peek() {
                        if !l.is_ascii_alphabetic() {
                            break;
                        }
                        end = k + l.len_utf8();
                        chars.next();
                    }
                    let name = &raw[j..end];
                    match name {
                        "LaTeX" | "TeX" => out.push_str(name),
                        "ldots" | "dots" | "textellipsis" => out.push('…'),
                        "textendash" => out.push('–'),
                        "textemdash" => out.push('—'),
                        "textbar" => out.push('|'),
                        "textbackslash" => out.push('\\'),
                        "newline" | "linebreak" | "par" | "quad" | "qquad" | "enspace" | "enskip" | "space" => {
                            out.push(' ')
                        }
                        _ => {
                            if let Some(&(_, count)) = NON_TEXT_ARGUMENTS.iter().find(|(n, _)| *n == name) {
                                let resume = skip_arguments(raw, end, count);
                                while chars.peek().is_some_and(|&(k, _)| k < resume) {
                                    chars.next();
                                }
                            }
                        }
                    }
                }
                Some((_, n)) => {
                    chars.next();
                    match n {
                        '&' | '%' | '$' | '#' | '_' | '{' | '}' => out.push(n),
                        '\\' | ' ' | ',' | ';' | ':' | '>' | '\n' | '\t' => out.push(' '),
                        _ => {}
                    }
                }
                None => {}
            },
            '%' => {
                let eol = raw[i..].find('\n').map_or(raw.len(), |k| i + k);
                while chars.peek().is_some_and(|&(k, _)| k < eol) {
                    chars.next();
                }
            }
            '{' | '}' | '$' => {}
            '~' => out.push(' '),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Skips an optional `*`, an optional `[...]` and `count` brace groups
/// starting at `pos`; returns where the text resumes.
fn skip_arguments(text: &str, pos: usize, count: usize) -> usize {
    let bytes = text.as_bytes();
    let mut pos = skip_blanks(bytes, pos);
    if bytes.get(pos) == Some(&b'*') {
        pos = skip_blanks(bytes, pos + 1);
    }
    if bytes.get(pos) == Some(&b'[')
        && let Some(close) = find_closing_bracket(text, pos, usize::MAX)
    {
        pos = skip_blanks(bytes, close + 1);
    }
    for _ in 0..count {
        match matching_brace(text, pos) {
            Some(close) => pos = skip_blanks(bytes, close + 1),
            None => break,
        }
    }
    pos
}

/// Keywords that decide a title's type. Each is one or more whole words,
/// matched case-insensitively against the title's words.
const KEYWORDS: &[(&str, ResumeSectionType)] = {
    use ResumeSectionType::{Achievements, Education, Experience, Other, Projects, Skills};
    &[
        // Experience
        ("experience", Experience),
        ("experiences", Experience),
        ("employment", Experience),
        ("work history", Experience),
        ("career", Experience),
        ("internship", Experience),
        ("internships", Experience),
        ("professional background", Experience),
        // Education
        ("education", Education),
        ("academic background", Education),
        ("academic history", Education),
        ("academics", Education),
        ("qualifications", Education),
        ("qualification", Education),
        ("coursework", Education),
        ("schooling", Education),
        // Projects
        ("projects", Projects),
        ("project", Projects),
        ("open source", Projects),
        ("portfolio", Projects),
        // Skills
        ("skills", Skills),
        ("skill", Skills),
        ("technologies", Skills),
        ("technology", Skills),
        ("tools", Skills),
        ("core competencies", Skills),
        ("competencies", Skills),
        ("expertise", Skills),
        ("programming languages", Skills),
        ("tech stack", Skills),
        ("strengths", Skills),
        // Achievements
        ("awards", Achievements),
        ("award", Achievements),
        ("honors", Achievements),
        ("honor", Achievements),
        ("honours", Achievements),
        ("honour", Achievements),
        ("achievements", Achievements),
        ("achievement", Achievements),
        ("accomplishments", Achievements),
        ("accomplishment", Achievements),
        ("certifications", Achievements),
        ("certification", Achievements),
        ("certificates", Achievements),
        ("certificate", Achievements),
        ("licenses", Achievements),
        ("scholarships", Achievements),
        ("distinctions", Achievements),
        // Other, listed so that they can come first and win
        ("summary", Other),
        ("objective", Other),
        ("profile", Other),
        ("about", Other),
        ("career summary", Other),
        ("career objective", Other),
        ("career profile", Other),
        ("qualifications summary", Other),
        ("publications", Other),
        ("interests", Other),
        ("hobbies", Other),
        ("languages", Other),
        ("volunteering", Other),
        ("volunteer", Other),
        ("references", Other),
    ]
};

/// Names the kind of a section from its (plain) title.
///
/// The title is lower-cased and cut into words (letters and digits); the
/// keyword phrase that appears **first** decides, and at the same position
/// the longer phrase wins. So `Projects & Achievements` is Projects,
/// `Awards and Projects` is Achievements, `Summary of Qualifications` is
/// Other and `Career Objective` is Other while `Career` is Experience.
///
/// | type | keywords |
/// |---|---|
/// | Experience | experience(s), work history, employment (history), career, internship(s), professional background |
/// | Education | education, academic background, academic history, academics, qualification(s), coursework, schooling |
/// | Projects | project(s), open source, portfolio |
/// | Skills | skill(s), technology/technologies, tools, (core) competencies, expertise, programming languages, tech stack, strengths |
/// | Achievements | award(s), honor(s), honour(s), achievement(s), accomplishment(s), certification(s), certificate(s), licenses, scholarships, distinctions |
/// | Other | summary, objective, profile, about, career summary/objective/profile, qualifications summary, publications, interests, hobbies, languages, volunteer(ing), references |
///
/// Anything with no keyword (`Publications`, `A Day of My Life`) is Other.
#[must_use]
pub fn classify(title: &str) -> ResumeSectionType {
    let lower = title.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    // The first position where a phrase matches decides; there, the longest.
    for at in 0..words.len() {
        let rest = &words[at..];
        let longest = keyword_phrases()
            .iter()
            .filter(|(phrase, _)| rest.starts_with(phrase))
            .max_by_key(|(phrase, _)| phrase.len());
        if let Some(&(_, section_type)) = longest {
            return section_type;
        }
    }
    ResumeSectionType::Other
}

/// [`KEYWORDS`] cut into words once: every heading of every split (a run
/// splits each edited body again) is classified.
fn keyword_phrases() -> &'static [(Vec<&'static str>, ResumeSectionType)] {
    static PHRASES: std::sync::LazyLock<Vec<(Vec<&'static str>, ResumeSectionType)>> =
        std::sync::LazyLock::new(|| KEYWORDS.iter().map(|&(phrase, t)| (phrase.split(' ').collect(), t)).collect());
    &PHRASES
}

#[cfg(test)]
mod tests {
    use super::*;
    use ResumeSectionType::{Achievements, Education, Experience, Other, Projects, Skills};

    fn outline<'a>(sections: &'a [ExtractedSection<'a>]) -> Vec<(ResumeSectionType, Option<&'a str>, &'a str)> {
        sections.iter().map(|s| (s.section_type, s.title.as_deref(), s.content)).collect()
    }

    #[test]
    fn classify_table() {
        for (title, expected) in [
            ("Experience", Experience),
            ("Work Experience", Experience),
            ("PROFESSIONAL EXPERIENCE", Experience),
            ("Employment", Experience),
            ("Employment History", Experience),
            ("Work History", Experience),
            ("Career", Experience),
            ("Internships", Experience),
            ("Education", Education),
            ("Academic Background", Education),
            ("Qualifications", Education),
            ("Projects", Projects),
            ("Personal Projects", Projects),
            ("Open-Source Contributions", Projects),
            ("Skills", Skills),
            ("Technical Skills", Skills),
            ("Technologies", Skills),
            ("Tools", Skills),
            ("Core Competencies", Skills),
            ("Skills & Tools", Skills),
            ("Programming Languages", Skills),
            ("Technical Strengths", Skills),
            ("Awards", Achievements),
            ("Honors & Awards", Achievements),
            ("Honours", Achievements),
            ("Achievements", Achievements),
            ("Accomplishments", Achievements),
            ("Certifications", Achievements),
            ("Summary", Other),
            ("Publications", Other),
            ("Interests", Other),
            ("Languages", Other),
            ("Volunteering", Other),
            ("Volunteer Experience", Other),
            ("Career Objective", Other),
            ("Summary of Qualifications", Other),
            ("A Day of My Life", Other),
            ("", Other),
            ("Projects & Achievements", Projects),
            ("Awards and Projects", Achievements),
            ("Education & Certifications", Education),
            ("Experienced", Other),
        ] {
            assert_eq!(classify(title), expected, "{title:?}");
        }
    }

    #[test]
    fn normalize_titles() {
        for (raw, plain) in [
            ("Education", "Education"),
            (r"\textbf{Work} Experience", "Work Experience"),
            (r"Skills \& Tools", "Skills & Tools"),
            (r"  Honors~\&\ Awards ", "Honors & Awards"),
            (r"\faBriefcase\ Experience", "Experience"),
            (r"\hspace{2pt}\textcolor{red}{Projects}", "Projects"),
            (r"Exp\'erience \emph{professionnelle}", "Experience professionnelle"),
            (r"\LaTeX{} Skills", "LaTeX Skills"),
            ("Work % comment\n History", "Work History"),
            (r"100\% {\small{Remote}}", "100% Remote"),
            (r"\textbf{}", ""),
            (r"Tools\\ \& Tech", "Tools & Tech"),
            (r"\", ""),
        ] {
            assert_eq!(normalize_title(raw), plain, "{raw:?}");
        }
    }

    #[test]
    fn body_without_headings() {
        assert!(split_body("").is_empty());
        assert_eq!(outline(&split_body("Name\n")), vec![(Other, None, "Name\n")]);
    }

    #[test]
    fn banners_and_blank_lines_travel_with_their_heading() {
        let body = "Name\n\n%--- EDU ---\n  % more\n\\section{Education}\nA\n\n\\section*{Skills}\nB\n%end\n";
        assert_eq!(
            outline(&split_body(body)),
            vec![
                (Other, None, "Name\n"),
                (Education, Some("Education"), "\n%--- EDU ---\n  % more\n\\section{Education}\nA\n"),
                (Skills, Some("Skills"), "\n\\section*{Skills}\nB\n%end\n"),
            ]
        );
    }

    #[test]
    fn headings_that_do_not_count() {
        let body = "% \\section{Old}\n\\textbf{\\section{Boxed}}\n\\subsection{Sub}\n\
                    \\verb|\\section{V}|\n\\begin{verbatim}\n\\section{Verb}\n\\end{verbatim}\n\
                    x \\\\% \\section{Hidden}\n\\section\n\\let\\s\\section\n";
        assert_eq!(outline(&split_body(body)), vec![(Other, None, body)]);
    }

    #[test]
    fn heading_forms() {
        let body = "\\section[Short]{\\textbf{Work} Experience}\n\\cvsection*{Skills \\& Tools}\n\
                    \\cvsection[p1]{Projects}\\resumeSection{Awards}\n\\begin{rSection}{Education}\n\
                    x\n\\end{rSection}\n\\sectionTitle{}\n\\section\n  {Summary}\n";
        let sections = split_body(body);
        let got: Vec<_> = outline(&sections).into_iter().map(|(t, n, _)| (t, n)).collect();
        assert_eq!(
            got,
            vec![
                (Experience, Some("Work Experience")),
                (Skills, Some("Skills & Tools")),
                (Projects, Some("Projects")),
                (Achievements, Some("Awards")),
                (Education, Some("Education")),
                (Other, None),
                (Other, Some("Summary")),
            ]
        );
        let contents: Vec<_> = sections.iter().map(|s| s.content).collect();
        assert_eq!(contents.get(2), Some(&"\\cvsection[p1]{Projects}"));
        assert_eq!(contents.get(3), Some(&"\\resumeSection{Awards}\n"));
        assert_eq!(contents.concat(), body);
    }

    #[test]
    fn split_and_reassemble() -> Result<(), DocumentError> {
        let doc = "\\documentclass{article}\r\n\\begin{document}\r\n\\section{Education}\r\nx\r\n\\end{document}\r\n";
        let parts = split(doc)?;
        assert_eq!(parts.preamble, "\\documentclass{article}\r\n\\begin{document}\r\n");
        assert_eq!(parts.closing, "\\end{document}\r\n");
        assert_eq!(parts.sections.len(), 1);
        assert_eq!(parts.reassemble(), doc);

        let doc = "\\documentclass{article}\\begin{document}\\end{document}";
        let parts = split(doc)?;
        assert!(parts.sections.is_empty());
        assert_eq!(parts.reassemble(), doc);
        Ok(())
    }
}
