//! What we read from a document before TeX runs it: which engine it needs,
//! and whether it reaches outside its own directory or for a shell.
//!
//! The compile sandbox makes such reaches harmless whatever the document
//! does (shell escape off, `openin_any=p`/`openout_any=p`, a private
//! filesystem view); this check turns the plain attempts into a clear
//! refusal before anything runs, instead of a file silently not found. A
//! document that hides an attempt from it (`\csname`, catcode changes) still
//! meets the sandbox, and a shell command TeX refused still fails the compile
//! (the worker reads `runsystem(…)` in the log).

use std::borrow::Cow;

use super::lexer::{Lexer, TokenKind, line_and_column, matching_brace};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The TeX engine a document needs (chosen from the document, never by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Pdflatex,
    Xelatex,
}

impl Engine {
    /// The program's name (and the value stored in `tailor.version_compile.engine`).
    pub fn as_str(self) -> &'static str {
        match self {
            Engine::Pdflatex => "pdflatex",
            Engine::Xelatex => "xelatex",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pdflatex" => Some(Engine::Pdflatex),
            "xelatex" => Some(Engine::Xelatex),
            _ => None,
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Packages that only work under a Unicode engine (XeLaTeX or LuaLaTeX).
const UNICODE_ENGINE_PACKAGES: &[&str] =
    &["fontspec", "unicode-math", "polyglossia", "xeCJK", "xltxtra", "xunicode", "mathspec", "realscripts"];

/// Commands that only exist with `fontspec` loaded (a class may load it for
/// the document, e.g. Awesome-CV-like classes).
const FONTSPEC_COMMANDS: &[&str] =
    &["setmainfont", "setsansfont", "setmonofont", "newfontfamily", "defaultfontfeatures"];

/// The engine `doc` needs: XeLaTeX when a `% !TEX program = …` magic comment
/// asks for XeLaTeX or LuaLaTeX, or when the document loads `fontspec`,
/// `unicode-math` or another package of a Unicode engine (or uses
/// `\setmainfont` and its family); pdfLaTeX otherwise.
///
/// LuaLaTeX is never run: Lua code in a document can open any file the
/// process can, whatever `openin_any` says, so a document that asks for it
/// gets XeLaTeX, which compiles `fontspec` documents the same way.
pub fn engine_for(doc: &str) -> Engine {
    if let Some(program) = magic_program(doc) {
        return if matches!(program.as_str(), "xelatex" | "lualatex" | "xetex" | "luatex" | "lualatex-dev") {
            Engine::Xelatex
        } else {
            Engine::Pdflatex
        };
    }
    for token in Lexer::new(doc) {
        let name = match token.kind {
            TokenKind::Command(name) => name,
            // `\begin{document}` ends the preamble: packages load before it.
            TokenKind::Begin("document") => break,
            _ => continue,
        };
        if FONTSPEC_COMMANDS.contains(&name) {
            return Engine::Xelatex;
        }
        if matches!(name, "usepackage" | "RequirePackage")
            && file_argument(doc, token.end)
                .is_some_and(|(arg, _)| arg.split(',').map(str::trim).any(|p| UNICODE_ENGINE_PACKAGES.contains(&p)))
        {
            return Engine::Xelatex;
        }
    }
    Engine::Pdflatex
}

/// The program named by a `% !TEX program = name` (or `TS-program`) magic
/// comment among the document's leading comment lines, in lower case.
fn magic_program(doc: &str) -> Option<String> {
    for line in doc.lines().take(40) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix('%') else { break };
        let comment = comment.trim_start().trim_start_matches('%').trim_start();
        let Some(rest) = comment.strip_prefix('!') else { continue };
        let rest = rest.trim_start();
        let lower = rest.to_ascii_lowercase();
        let Some(after_tex) = lower.strip_prefix("tex") else { continue };
        let after_tex = after_tex.trim_start();
        let after_key =
            after_tex.strip_prefix("ts-program").or_else(|| after_tex.strip_prefix("program")).map(str::trim_start);
        if let Some(value) = after_key.and_then(|v| v.strip_prefix('=')) {
            return Some(value.trim().to_owned());
        }
    }
    None
}

/// What a document reaches for that it may not have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// A shell command (`\write18`, `\input|"cmd"`).
    Shell,
    /// A file outside the document's directory (absolute, `..`, `~`, hidden).
    ReadOutside,
    /// Writing a file outside the document's directory.
    WriteOutside,
}

/// An attempt to reach outside, where it is and what it named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutsideReach {
    pub reach: Reach,
    /// The command, e.g. `\input`.
    pub command: String,
    /// The file or command it named (bounded), or empty.
    pub target: String,
    /// 1-based line in the document.
    pub line: usize,
}

impl std::fmt::Display for OutsideReach {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (command, line) = (&self.command, self.line);
        match self.reach {
            Reach::Shell => {
                write!(f, "the document runs a shell command ({command} on line {line}); shell escape is not allowed")
            }
            Reach::ReadOutside => write!(
                f,
                "the document reads {:?} ({command} on line {line}), a file outside the document; only the document itself and TeX Live's own files can be read",
                self.target
            ),
            Reach::WriteOutside => write!(
                f,
                "the document writes {:?} ({command} on line {line}) outside its own directory, which is not allowed",
                self.target
            ),
        }
    }
}

/// Commands whose argument names a file to read.
const READ_COMMANDS: &[&str] = &[
    "input",
    "include",
    "InputIfFileExists",
    "IfFileExists",
    "openin",
    "includegraphics",
    "includepdf",
    "includesvg",
    "lstinputlisting",
    "verbatiminput",
    "VerbatimInput",
    "inputminted",
    "import",
    "subimport",
    "inputfrom",
    "subfile",
    "pdffiledump",
    "pdfmdfivesum",
    "pdffilesize",
    "pdffilemoddate",
    "pdfximage",
    "pdfobj",
    "XeTeXpdffile",
    "XeTeXpicfile",
    "usepackage",
    "RequirePackage",
    "documentclass",
    "LoadClass",
    "bibliography",
    "addbibresource",
    "loadglsentries",
    "CatchFileDef",
    "CatchFileEdef",
];

/// Commands whose argument names a file to write.
const WRITE_COMMANDS: &[&str] = &["openout", "filecontents"];

/// The first attempt in `doc` to run a shell command or to reach a file
/// outside its own directory, if any. TeX's `^^` notation is decoded first,
/// so `^^5cwrite18` is read as TeX would read it.
pub fn outside_reach(doc: &str) -> Option<OutsideReach> {
    let decoded = decode_carets(doc);
    let text: &str = &decoded;
    let at = |reach: Reach, command: &str, target: &str, offset: usize| OutsideReach {
        reach,
        command: format!("\\{command}"),
        target: target.chars().take(120).collect(),
        line: line_and_column(text, offset).0,
    };
    for token in Lexer::new(text) {
        let name = match token.kind {
            TokenKind::Command(name) => name,
            // `\begin{filecontents}{name}` writes `name`.
            TokenKind::Begin(env) if env.starts_with("filecontents") => "filecontents",
            _ => continue,
        };
        if name == "ShellEscape" || (name == "write" && writes_to_stream_18(text, token.end)) {
            return Some(at(Reach::Shell, name, "", token.start));
        }
        let reads = READ_COMMANDS.contains(&name) || name == "special";
        let writes = WRITE_COMMANDS.contains(&name);
        if !reads && !writes {
            continue;
        }
        if name == "special" {
            if let Some(file) = special_file(text, token.end).filter(|f| is_outside(f)) {
                return Some(at(Reach::ReadOutside, name, &file, token.start));
            }
            continue;
        }
        let Some((arg, _)) = file_argument_of(text, name, token.end) else { continue };
        for file in arg.split(',').map(str::trim).filter(|f| !f.is_empty()) {
            let file = file.trim_matches('"');
            if file.starts_with('|') {
                return Some(at(Reach::Shell, name, file, token.start));
            }
            if is_outside(file) {
                let reach = if writes { Reach::WriteOutside } else { Reach::ReadOutside };
                return Some(at(reach, name, file, token.start));
            }
        }
    }
    None
}

/// A file named by a driver `\special` that embeds one in the PDF:
/// xdvipdfmx's `pdf:fstream @x (file)`, `pdf:image (file)`, `pdf:epdf`…
/// (pdfTeX and XeTeX do not check `openin_any` for these).
fn special_file(text: &str, pos: usize) -> Option<String> {
    let (arg, _) = file_argument(text, pos)?;
    let lower = arg.to_ascii_lowercase();
    if !["fstream", "image", "epdf", "img", "bxobj", "include"].iter().any(|k| lower.contains(k)) {
        return None;
    }
    // `(file)` strings, then bare words after an image keyword.
    let parenthesised = arg.split('(').skip(1).filter_map(|rest| rest.split(')').next());
    let words = arg.split_whitespace().skip_while(|w| !w.to_ascii_lowercase().contains("image")).skip(1);
    parenthesised.chain(words).map(str::trim).find(|f| is_outside(f)).map(str::to_owned)
}

/// Whether a file name leaves the document's directory (as `openin_any=p`
/// understands it): absolute, home-relative, with a `..` segment, a hidden
/// file, or a variable to expand.
fn is_outside(file: &str) -> bool {
    let file = file.trim();
    file.starts_with('/')
        || file.starts_with('\\')
        || file.starts_with('~')
        || file.starts_with('$')
        || (file.starts_with('.') && !file.starts_with("./"))
        || file.split(['/', '\\']).any(|segment| segment == ".." || (segment.starts_with('.') && segment != "."))
        || file.as_bytes().get(1) == Some(&b':')
}

/// Whether the `\write` ending at `pos` writes to stream 18 (the shell):
/// `\write18`, `\write 18`, `\write="12` (hex), `\write'22` (octal).
fn writes_to_stream_18(text: &str, pos: usize) -> bool {
    let rest = text[pos..].trim_start_matches([' ', '\t', '\n', '\r']);
    let rest = rest.strip_prefix('=').map(|r| r.trim_start()).unwrap_or(rest);
    let number: String;
    let value = if let Some(hex) = rest.strip_prefix('"') {
        number = hex.chars().take_while(char::is_ascii_hexdigit).collect();
        u32::from_str_radix(&number, 16).ok()
    } else if let Some(oct) = rest.strip_prefix('\'') {
        number = oct.chars().take_while(|c| ('0'..='7').contains(c)).collect();
        u32::from_str_radix(&number, 8).ok()
    } else {
        number = rest.chars().take_while(char::is_ascii_digit).collect();
        number.parse().ok()
    };
    value == Some(18)
}

/// The file argument of `name` (whose control word ends at `pos`), with the
/// offset after it: skips a star, optional `[…]` arguments, a stream
/// (`\openin\r=`), the keywords of pdfTeX's file primitives, and the first
/// argument of `\CatchFileDef{\cmd}`.
fn file_argument_of<'a>(text: &'a str, name: &str, pos: usize) -> Option<(Cow<'a, str>, usize)> {
    let bytes = text.as_bytes();
    let skip_ws = |p: usize| skip_white(bytes, p);
    let mut pos = skip_ws(pos);
    match name {
        "openin" | "openout" => {
            // The stream: a control sequence or a number, then an optional `=`.
            if bytes.get(pos) == Some(&b'\\') {
                pos += 1;
                while bytes.get(pos).is_some_and(u8::is_ascii_alphabetic) {
                    pos += 1;
                }
            } else {
                while bytes.get(pos).is_some_and(u8::is_ascii_digit) {
                    pos += 1;
                }
            }
            pos = skip_ws(pos);
            if bytes.get(pos) == Some(&b'=') {
                pos = skip_ws(pos + 1);
            }
        }
        // pdfTeX's file primitives take keywords before the `{file}`
        // (`\pdfximage width 2cm {x.png}`, `\pdfobj stream file {x}`,
        // `\pdffiledump offset 0 length 9 {x}`): the file is the first
        // group within a short distance. `\pdfobj` and `\pdfmdfivesum`
        // read a file only with the `file` keyword.
        "pdfximage" | "pdfobj" | "pdfmdfivesum" | "pdffiledump" | "pdffilesize" | "pdffilemoddate" => {
            let mut window_end = text.len().min(pos + 200);
            while !text.is_char_boundary(window_end) {
                window_end -= 1;
            }
            let window = &text[pos..window_end];
            let open = pos + window.find('{')?;
            if matches!(name, "pdfobj" | "pdfmdfivesum") && !text[pos..open].contains("file") {
                return None;
            }
            let close = matching_brace(text, open)?;
            return Some((Cow::Borrowed(&text[open + 1..close]), close + 1));
        }
        "CatchFileDef" | "CatchFileEdef" => {
            // `{\cmd}` or `\cmd` first.
            if bytes.get(pos) == Some(&b'{') {
                pos = skip_ws(matching_brace(text, pos)? + 1);
            } else if bytes.get(pos) == Some(&b'\\') {
                pos += 1;
                while bytes.get(pos).is_some_and(u8::is_ascii_alphabetic) {
                    pos += 1;
                }
                pos = skip_ws(pos);
            }
        }
        _ => {}
    }
    file_argument(text, pos)
}

/// The argument at `pos` after a star and optional `[…]` arguments: a
/// braced group's content, or a bare TeX file name (up to a space, a brace
/// or a backslash).
fn file_argument(text: &str, pos: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = text.as_bytes();
    let skip_ws = |p: usize| skip_white(bytes, p);
    let mut pos = skip_ws(pos);
    if bytes.get(pos) == Some(&b'*') {
        pos = skip_ws(pos + 1);
    }
    while bytes.get(pos) == Some(&b'[') {
        let close = pos + text[pos..].find(']')?;
        pos = skip_ws(close + 1);
    }
    match bytes.get(pos)? {
        b'{' => {
            let close = matching_brace(text, pos)?;
            Some((Cow::Borrowed(&text[pos + 1..close]), close + 1))
        }
        b'\\' | b'}' | b'%' => None,
        _ => {
            let end = text[pos..].find([' ', '\t', '\n', '\r', '{', '}', '\\', '%']).map_or(text.len(), |i| pos + i);
            Some((Cow::Borrowed(&text[pos..end]), end))
        }
    }
}

/// The offset of the first byte at or after `pos` that is not white space
/// (line breaks included: a file argument may follow on the next line).
fn skip_white(bytes: &[u8], mut pos: usize) -> usize {
    while matches!(bytes.get(pos), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        pos += 1;
    }
    pos
}

/// `doc` with TeX's `^^` notation decoded (`^^5c` → `\`, `^^M` → CR), as
/// TeX reads it with the default catcodes, repeated since a decoded `^`
/// may start another one. Unchanged text is borrowed.
fn decode_carets(doc: &str) -> Cow<'_, str> {
    let mut text = Cow::Borrowed(doc);
    for _ in 0..4 {
        if !text.contains("^^") {
            break;
        }
        let decoded = decode_carets_once(&text);
        if decoded == *text {
            break;
        }
        text = Cow::Owned(decoded);
    }
    text
}

fn decode_carets_once(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("^^") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let mut chars = after.chars();
        let hex = |c: Option<char>| c.filter(|c| c.is_ascii_digit() || ('a'..='f').contains(c));
        match (chars.next(), chars.clone().next()) {
            (Some(a), Some(b)) if hex(Some(a)).is_some() && hex(Some(b)).is_some() => {
                let value = u8::from_str_radix(&after[..2], 16).unwrap_or(b'?');
                out.push(char::from(value));
                rest = &after[2..];
            }
            (Some(c), _) if c.is_ascii() && (c as u32) < 128 => {
                let code = c as u32;
                let value = if code < 64 { code + 64 } else { code - 64 };
                out.push(char::from_u32(value).unwrap_or('?'));
                rest = &after[c.len_utf8()..];
            }
            _ => {
                out.push_str("^^");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> String {
        format!("\\documentclass{{article}}\n\\begin{{document}}\n{body}\n\\end{{document}}\n")
    }

    #[test]
    fn fontspec_and_magic_comments_choose_xelatex() {
        assert_eq!(engine_for(&doc("hi")), Engine::Pdflatex);
        assert_eq!(
            engine_for("\\documentclass{article}\n\\usepackage{fontspec}\n\\begin{document}x\\end{document}"),
            Engine::Xelatex
        );
        assert_eq!(
            engine_for(
                "\\documentclass{article}\n\\usepackage[math-style=ISO]{amsmath,unicode-math}\n\\begin{document}x\\end{document}"
            ),
            Engine::Xelatex
        );
        assert_eq!(
            engine_for("% !TEX program = xelatex\n\\documentclass{article}\\begin{document}x\\end{document}"),
            Engine::Xelatex
        );
        assert_eq!(
            engine_for("%!TeX TS-program = LuaLaTeX\n\\documentclass{article}\\begin{document}x\\end{document}"),
            Engine::Xelatex
        );
        assert_eq!(
            engine_for(
                "% !TEX program = pdflatex\n\\documentclass{article}\n\\usepackage{fontspec}\\begin{document}x\\end{document}"
            ),
            Engine::Pdflatex
        );
        assert_eq!(
            engine_for("\\documentclass{awesome}\n\\setmainfont{Roboto}\n\\begin{document}x\\end{document}"),
            Engine::Xelatex
        );
        // A commented-out package or one named in the body does not count.
        assert_eq!(
            engine_for(
                "\\documentclass{article}\n% \\usepackage{fontspec}\n\\begin{document}\\usepackage{fontspec}\\end{document}"
            ),
            Engine::Pdflatex
        );
        assert_eq!(
            engine_for("\\documentclass{article}\n\\usepackage{fontspecx}\n\\begin{document}x\\end{document}"),
            Engine::Pdflatex
        );
    }

    #[test]
    fn shell_escapes_are_found_in_every_spelling() {
        for body in [
            "\\write18{touch /tmp/pwned}",
            "\\immediate\\write18{rm -rf ~}",
            "\\immediate\\write 18 {ls}",
            "\\write\"12{ls}",
            "\\write'22{ls}",
            "\\input|\"ls /\"",
            "\\input{|ls}",
            "\\ShellEscape{ls}",
            "^^5cwrite18{touch /tmp/x}",
            "^^5c^^77rite18{ls}",
        ] {
            let found = outside_reach(&doc(body)).unwrap_or_else(|| panic!("missed {body}"));
            assert_eq!(found.reach, Reach::Shell, "{body}");
            assert_eq!(found.line, 3, "{body}");
            assert!(found.to_string().contains("shell"), "{found}");
        }
        assert_eq!(outside_reach(&doc("\\write\\myfile{hello}")), None);
        assert_eq!(outside_reach(&doc("\\write1{hello} \\write 180{x}")), None);
        assert_eq!(outside_reach(&doc("% \\write18{ls}\n\\begin{verbatim}\\write18{ls}\\end{verbatim}")), None);
    }

    #[test]
    fn files_outside_the_directory_are_found() {
        let read = |body: &str| outside_reach(&doc(body)).map(|r| (r.reach, r.target));
        assert_eq!(read("\\input{/etc/passwd}"), Some((Reach::ReadOutside, "/etc/passwd".into())));
        assert_eq!(read("\\input /etc/passwd "), Some((Reach::ReadOutside, "/etc/passwd".into())));
        assert_eq!(read("\\newread\\r\\openin\\r=/etc/hostname"), Some((Reach::ReadOutside, "/etc/hostname".into())));
        assert_eq!(read("\\openin 5 = ../../secret.tex"), Some((Reach::ReadOutside, "../../secret.tex".into())));
        assert_eq!(read("\\includegraphics[width=1cm]{../x.png}"), Some((Reach::ReadOutside, "../x.png".into())));
        assert_eq!(read("\\pdfmdfivesum file {/etc/hostname}"), Some((Reach::ReadOutside, "/etc/hostname".into())));
        assert_eq!(
            read("\\immediate\\pdfobj stream file {/proc/1/environ}"),
            Some((Reach::ReadOutside, "/proc/1/environ".into()))
        );
        assert_eq!(read("\\pdfximage width 2cm {/etc/x.png}"), Some((Reach::ReadOutside, "/etc/x.png".into())));
        assert_eq!(
            read("\\special{pdf:fstream @leak (/etc/passwd)}"),
            Some((Reach::ReadOutside, "/etc/passwd".into()))
        );
        assert_eq!(
            read("\\special{pdf:image width 1cm (../secret.png)}"),
            Some((Reach::ReadOutside, "../secret.png".into()))
        );
        assert_eq!(
            read("\\pdffiledump offset 0 length 40 {/etc/hostname}"),
            Some((Reach::ReadOutside, "/etc/hostname".into()))
        );
        assert_eq!(
            read("\\CatchFileDef{\\x}{/proc/self/environ}{}"),
            Some((Reach::ReadOutside, "/proc/self/environ".into()))
        );
        assert_eq!(read("\\input{~/.ssh/id_rsa}"), Some((Reach::ReadOutside, "~/.ssh/id_rsa".into())));
        assert_eq!(read("\\input{.env}"), Some((Reach::ReadOutside, ".env".into())));
        assert_eq!(read("\\newwrite\\w\\immediate\\openout\\w=../x"), Some((Reach::WriteOutside, "../x".into())));
        assert_eq!(read("\\immediate\\openout3=/tmp/x.tex"), Some((Reach::WriteOutside, "/tmp/x.tex".into())));
        assert_eq!(read("\\usepackage{/usr/share/x}"), Some((Reach::ReadOutside, "/usr/share/x".into())));
        assert_eq!(read("\\input{^^2fetc/passwd}"), Some((Reach::ReadOutside, "/etc/passwd".into())));
        assert_eq!(
            read("\\begin{filecontents*}[overwrite]{../x.tex}\nx\n\\end{filecontents*}"),
            Some((Reach::WriteOutside, "../x.tex".into()))
        );
        // What documents really load is fine.
        for body in [
            "\\input{glyphtounicode}",
            "\\input{./sections/x}",
            "\\usepackage[T1]{fontenc}",
            "\\newwrite\\w\\immediate\\openout\\w=notes.out",
            "\\href{https://example.com/../x}{site}",
            "\\input{sections/experience.tex}",
            "\\immediate\\pdfobj{<< /Type /Catalog >>}",
            "\\special{pdf:docinfo << /Title (My CV) /Author (/usr) >>}",
            "\\special{pdf:put @catalog << /PageMode /UseOutlines >>}",
        ] {
            assert_eq!(outside_reach(&doc(body)), None, "{body}");
        }
    }

    #[test]
    fn a_long_keyword_window_never_cuts_a_character() {
        // Found by the `lexer` fuzz target: the 200-byte window after
        // `\pdfximage` ended inside a multi-byte character.
        for pad in 195..=201 {
            let doc = format!("\\pdfximage {}é{{/etc/x}} ü", "a".repeat(pad));
            let _ = outside_reach(&doc);
        }
    }

    #[test]
    fn caret_notation_decodes_like_tex() {
        assert_eq!(decode_carets("a^^5cb"), "a\\b");
        assert_eq!(decode_carets("^^M"), "\r");
        assert_eq!(decode_carets("x^^?"), "x\u{7f}");
        assert_eq!(decode_carets("^^5e^5c"), "\\");
        assert_eq!(decode_carets("no carets"), "no carets");
    }
}
