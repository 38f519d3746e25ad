//! A rough plain-text view of LaTeX, for matching words (match score,
//! faithfulness): comments dropped, escaped specials unescaped, command
//! names dropped but their arguments kept, braces removed.

/// The visible words of `latex`, approximately.
pub fn plain_text(latex: &str) -> String {
    let mut out = String::with_capacity(latex.len());
    for line in latex.lines() {
        let line = super::strip_comments(line);
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek().copied() {
                    Some(n) if n.is_ascii_alphabetic() => {
                        // A command name: drop it (its arguments stay as text).
                        while chars.peek().is_some_and(|n| n.is_ascii_alphabetic()) {
                            chars.next();
                        }
                        if chars.peek() == Some(&'*') {
                            chars.next();
                        }
                        out.push(' ');
                    }
                    Some('\\') => {
                        chars.next();
                        out.push('\n');
                    }
                    Some(n) => {
                        chars.next();
                        out.push(n);
                    }
                    None => {}
                },
                '{' | '}' | '$' | '~' => out.push(' '),
                other => out.push(other),
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_words_and_drops_markup() {
        let text = plain_text("\\resumeItem{Cut p99 by 35\\% with \\textbf{Go} \\& Rust} % secret\n\\section*{Skills}");
        let words: Vec<&str> = text.split_whitespace().collect();
        assert_eq!(words, ["Cut", "p99", "by", "35%", "with", "Go", "&", "Rust", "Skills"]);
    }
}
