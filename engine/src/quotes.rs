//! Finding a quote the way a person would: when the model's quote is not in
//! the section byte for byte, it is looked for again with typographic
//! quotes and dashes, non-breaking and repeated spaces, and LaTeX's escapes
//! (`\%`, `\&`, `\_`, `\#`, `\$`, `~`) all read as their plain form. The
//! span that matches is the real quote the gates then see; a quote that
//! matches in two places is still ambiguous.

/// Where `quote` stands in `section`: `Ok(span)` when it occurs exactly
/// once (exactly, or else once after normalising both), `Err(0)` when it is
/// nowhere, `Err(n)` when it occurs `n > 1` times.
pub fn find(section: &str, quote: &str) -> Result<std::ops::Range<usize>, usize> {
    let mut exact = section.match_indices(quote);
    match (exact.next(), exact.next()) {
        (Some((at, _)), None) => return Ok(at..at + quote.len()),
        (Some(_), Some(_)) => return Err(2 + exact.count()),
        (None, _) => {}
    }
    let (plain_section, starts, ends) = normalise(section);
    let (plain_quote, _, _) = normalise(quote);
    let plain_quote = plain_quote.trim();
    if plain_quote.is_empty() {
        return Err(0);
    }
    let found: Vec<usize> = plain_section.match_indices(plain_quote).map(|(i, _)| i).collect();
    match found.as_slice() {
        [at] => Ok(starts[*at]..ends[at + plain_quote.len() - 1]),
        other => Err(other.len()),
    }
}

/// `text` in plain form, with, for each byte of it, the byte offsets in
/// `text` where the character it comes from starts and ends.
fn normalise(text: &str) -> (String, Vec<usize>, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let (mut starts, mut ends) = (Vec::with_capacity(text.len()), Vec::with_capacity(text.len()));
    let mut push = |out: &mut String, c: char, start: usize, end: usize| {
        out.push(c);
        for _ in 0..c.len_utf8() {
            starts.push(start);
            ends.push(end);
        }
    };
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let end = at + c.len_utf8();
        match c {
            '\\' if chars.peek().is_some_and(|(_, n)| "%&_#$".contains(*n)) => {
                if let Some((n_at, n)) = chars.next() {
                    push(&mut out, n, at, n_at + n.len_utf8());
                }
            }
            c if c.is_whitespace() || c == '~' => {
                // A run of white space reads as one space.
                let mut run_end = end;
                while let Some(&(n_at, n)) = chars.peek() {
                    if !(n.is_whitespace() || n == '~') {
                        break;
                    }
                    run_end = n_at + n.len_utf8();
                    chars.next();
                }
                push(&mut out, ' ', at, run_end);
            }
            '‘' | '’' | '‚' | '′' | '`' => push(&mut out, '\'', at, end),
            '“' | '”' | '„' | '″' => push(&mut out, '"', at, end),
            '–' | '—' | '‐' | '‑' | '−' => push(&mut out, '-', at, end),
            _ => push(&mut out, c, at, end),
        }
    }
    (out, starts, ends)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECTION: &str = "\\item Cut p99 by 35\\% with pooling \\& batching\n\\item It's the  team's - tool\n";

    #[test]
    fn exact_quotes_are_found_as_they_are() {
        assert_eq!(find(SECTION, "Cut p99"), Ok(6..13));
        assert_eq!(find(SECTION, "\\item"), Err(2));
        assert_eq!(find(SECTION, "nowhere"), Err(0));
    }

    #[test]
    fn quotes_are_found_as_a_person_would() {
        let span = find(SECTION, "by 35% with pooling & batching").expect("escapes");
        assert_eq!(&SECTION[span], "by 35\\% with pooling \\& batching");
        let span = find(SECTION, "It’s the team’s – tool").expect("typography and spaces");
        assert_eq!(&SECTION[span], "It's the  team's - tool");
        let span = find(SECTION, "Cut\u{a0}p99").expect("nbsp");
        assert_eq!(&SECTION[span], "Cut p99");
        assert_eq!(find("a  b and a b", "a\u{a0}b"), Err(2), "still ambiguous");
    }
}
