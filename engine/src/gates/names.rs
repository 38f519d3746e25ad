//! Words: degrees, and the capitalised (or lower-case) names, titles and
//! organisations an edit may not invent.

use super::*;

pub(super) fn stem_of(word: &str) -> &str {
    for suffix in ["ship", "ing", "ed", "s"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 4
        {
            return stem;
        }
    }
    word
}

pub(super) fn strip_possessive(word: &str) -> &str {
    word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word)
}

// --- Links -----------------------------------------------------------------

/// Splits `text` into words: alphanumeric runs, joined by an inner `-`, `.`
/// or apostrophe ("co-founder", "B.Sc", "Google's").
pub(super) fn tokenize(text: &str) -> Vec<Token> {
    // A byte loop with an ASCII fast path: this runs over the whole résumé,
    // and iterator adaptors cost several times more in debug builds.
    let bytes = text.as_bytes();
    let char_at = |i: usize| -> char { text.get(i..).and_then(|s| s.chars().next()).unwrap_or(' ') };
    let is_word_char = |i: usize| -> bool {
        match bytes.get(i) {
            Some(b) if b.is_ascii() => b.is_ascii_alphanumeric(),
            Some(_) => char_at(i).is_alphanumeric(),
            None => false,
        }
    };
    let mut tokens: Vec<Token> = Vec::new();
    let (mut boundary, mut only_spaces, mut ampersands, mut other) = (false, true, 0, false);
    let mut i = 0;
    while i < bytes.len() {
        if !is_word_char(i) {
            // Part of the gap before the next word.
            let b = bytes[i];
            let c = if b.is_ascii() { char::from(b) } else { char_at(i) };
            boundary |= is_boundary(c);
            only_spaces &= b == b' ';
            if b == b'&' {
                ampersands += 1;
            } else if !c.is_whitespace() {
                other = true;
            }
            i += c.len_utf8();
            continue;
        }
        let start = i;
        let (mut upper, mut digit) = (false, false);
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_lowercase() {
                i += 1;
            } else if b.is_ascii_uppercase() {
                upper = true;
                i += 1;
            } else if b.is_ascii_digit() {
                digit = true;
                i += 1;
            } else if matches!(b, b'-' | b'.' | b'\'') && is_word_char(i + 1) {
                i += 1;
            } else if b.is_ascii() {
                break;
            } else {
                let c = char_at(i);
                let next = i + c.len_utf8();
                if c.is_alphanumeric() {
                    upper |= c.is_uppercase();
                } else if !(c == '’' && is_word_char(next)) {
                    break;
                }
                i = next;
            }
        }
        let first = tokens.is_empty();
        let initial = first || boundary;
        let glued = !first && (only_spaces || (ampersands == 1 && !other));
        tokens.push(Token { start, end: i, upper, digit, initial, glued, used: false });
        (boundary, only_spaces, ampersands, other) = (false, true, 0, false);
    }
    tokens
}

/// Degree abbreviations and words that [`degree_at`] may recognise.
pub(super) const DEGREE_WORDS: &str = "bsc bsci bs ba beng be btech bba bachelor bachelors msc ms ma meng mtech mphil masters \
master mba emba phd dphil doctorate doctoral";

/// Every word that can start a month, a degree or a spelled-out number (a
/// cheap filter before the real parsers), and their first letters as a bit
/// mask (`a` = bit 0).
pub(super) fn triggers() -> &'static (FxSet<&'static str>, u32) {
    static SET: OnceLock<(FxSet<&'static str>, u32)> = OnceLock::new();
    SET.get_or_init(|| {
        let mut set: FxSet<&'static str> = DEGREE_WORDS.split_whitespace().collect();
        set.extend(MONTHS.iter().map(|(w, _)| *w));
        set.extend(CARDINALS.iter().chain(SCALES).chain(MAGNITUDES).map(|(w, _)| *w));
        set.extend(MULTIPLIERS.iter().map(|(w, _)| *w));
        set.insert("one");
        let initials = set.iter().filter_map(|w| w.bytes().next()).fold(0u32, |mask, b| mask | 1 << (b - b'a'));
        (set, initials)
    })
}

/// Degrees, months and spelled-out numbers among `tokens`.
pub(super) fn scan_words(text: &str, tokens: &mut [Token], found: &mut Vec<Found>, months: &mut FxSet<u8>) {
    let (trigger_set, initials) = triggers();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        let first = text.as_bytes().get(token.start).map_or(0, u8::to_ascii_lowercase);
        let may_trigger = first.is_ascii_lowercase() && initials & (1 << (first - b'a')) != 0;
        if token.digit || token.end - token.start > 12 || !may_trigger {
            i += 1;
            continue;
        }
        let lower = token.lower(text);
        let first_part = lower.split('-').next().unwrap_or_default();
        let joined = lower.bytes().any(|b| b == b'.' || b == b'\'' || b == 0xE2);
        let triggered = trigger_set.contains(first_part)
            || (joined && trigger_set.contains(strip_possessive(&lower).replace('.', "").as_str()));
        if !triggered {
            i += 1;
            continue;
        }
        if let Some(month) = month_of(&lower) {
            // "may" is a month only when capitalised.
            if lower != "may" || token.text(text).starts_with('M') {
                months.insert(month);
                tokens[i].used = true;
            }
            i += 1;
            continue;
        }
        let consumed = degree_at(text, tokens, i, found).or_else(|| number_words_at(text, tokens, i, found));
        if let Some(consumed) = consumed {
            tokens[i..i + consumed].iter_mut().for_each(|t| t.used = true);
            i += consumed;
        } else {
            i += 1;
        }
    }
}

/// A degree starting at token `i`: pushes it and returns how many tokens it
/// covers.
pub(super) fn degree_at(text: &str, tokens: &[Token], i: usize, found: &mut Vec<Found>) -> Option<usize> {
    let token = &tokens[i];
    let word = token.text(text);
    let lower = token.lower(text);
    let dotted = word.contains('.');
    let upper = word.chars().all(|c| !c.is_lowercase());
    let possessive = word.ends_with("'s") || word.ends_with("’s");
    let compact = strip_possessive(&lower).replace('.', "");
    let next = tokens.get(i + 1).filter(|t| t.glued).map(|t| t.lower(text));
    let next_is = |words: &[&str]| next.as_deref().is_some_and(|n| words.contains(&n));
    use DegreeLevel::{Bachelor, Doctorate, Master, Mba};
    use Field::{Arts, Business, Engineering, Philosophy, Science, Technology};
    let (level, mut field) = match compact.as_str() {
        "bsc" | "bsci" => (Bachelor, Some(Science)),
        "bs" if dotted || upper => (Bachelor, Some(Science)),
        "ba" if dotted || upper => (Bachelor, Some(Arts)),
        "beng" => (Bachelor, Some(Engineering)),
        "be" if dotted => (Bachelor, Some(Engineering)),
        "btech" => (Bachelor, Some(Technology)),
        "bba" => (Bachelor, Some(Business)),
        "bachelor" | "bachelors" => (Bachelor, None),
        "msc" => (Master, Some(Science)),
        "ms" if dotted || (upper && next_is(&["in", "of"])) => (Master, Some(Science)),
        "ma" if dotted => (Master, Some(Arts)),
        "meng" => (Master, Some(Engineering)),
        "mtech" => (Master, Some(Technology)),
        "mphil" => (Master, Some(Philosophy)),
        "masters" => (Master, None),
        "master" if possessive || next_is(&["of", "degree", "in"]) => (Master, None),
        "mba" | "emba" => (Mba, Some(Business)),
        "phd" | "dphil" | "doctorate" | "doctoral" => (Doctorate, None),
        _ => return None,
    };
    let mut consumed = 1;
    let mut end = token.end;
    if next_is(&["of"])
        && let Some(subject) = tokens.get(i + 2).filter(|t| t.glued)
    {
        let f = match subject.lower(text).as_ref() {
            "science" | "sciences" => Some(Science),
            "arts" => Some(Arts),
            "engineering" => Some(Engineering),
            "technology" => Some(Technology),
            "business" => Some(Business),
            "philosophy" => Some(Philosophy),
            _ => None,
        };
        if f.is_some() && level != Doctorate {
            field = f;
            consumed = 3;
            end = subject.end;
        }
    }
    found.push(Found {
        start: token.start,
        kind: FactKind::Degree,
        key: Key::Degree(level, field),
        surface: collapse(&text[token.start..end]),
        values: Vec::new(),
        stem: None,
        raw: String::new(),
    });
    Some(consumed)
}

/// `text` with every whitespace run folded to one space, trimmed.
pub(super) fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// Checking

/// Whether the base (or the quote) allows `found`.
pub(super) fn allowed(facts: &Facts, quoted: &Facts, found: &Found) -> bool {
    let in_either = |f: &dyn Fn(&Facts) -> bool| f(facts) || f(quoted);
    match &found.key {
        Key::Skill(name) => {
            let named = flatten(name);
            let words: Vec<&str> = found.raw.split_whitespace().collect();
            in_either(&|f| {
                f.keys.contains(&found.key)
                    || found.stem.as_deref().is_some_and(|s| has_stem(f, s))
                    || (named.trim().len() >= 3 && f.skill_text.contains(&named))
            }) || (words.len() >= 2 && words.iter().all(|w| known_word(quoted, &w.to_lowercase())))
        }
        Key::Magnitude(bound) => in_either(&|f| {
            let low = *bound as f64;
            f.keys.contains(&found.key) || f.magnitudes.iter().any(|v| *v >= low && *v < low * 1_000.0)
        }),
        Key::MonthYear(year, month) => {
            in_either(&|f| f.keys.contains(&found.key))
                || (quoted.months.contains(month) && quoted.keys.contains(&Key::Value(year.to_string())))
        }
        Key::Degree(level, field) => in_either(&|f| {
            f.keys.contains(&found.key)
                || f.keys.contains(&Key::Degree(*level, None))
                || (field.is_none() && f.degree_levels.contains(level))
        }),
        _ => in_either(&|f| f.keys.contains(&found.key)),
    }
}

/// Whether some word of the text has this stem ("mentor" for "Mentored").
pub(super) fn has_stem(f: &Facts, stem: &str) -> bool {
    let needle = format!(" {stem}");
    f.flat.match_indices(&needle).any(|(i, _)| {
        let rest = &f.flat[i + 1..];
        stem_of(&rest[..rest.find(' ').unwrap_or(rest.len())]) == stem
    })
}

/// Whether the text contains the lowercase word `lower` (or its plural or
/// singular, without a possessive; a hyphenated word as its parts in a row).
pub(super) fn known_word(f: &Facts, lower: &str) -> bool {
    let norm = flatten(strip_possessive(lower));
    let phrase = norm.trim();
    if phrase.is_empty() {
        return false;
    }
    let stem =
        phrase.strip_suffix("es").or_else(|| phrase.strip_suffix('s')).filter(|s| !s.is_empty()).unwrap_or(phrase);
    let needle = format!(" {stem}");
    f.flat.match_indices(&needle).any(|(i, _)| {
        let rest = &f.flat[i + 1..];
        let (head, last) = phrase.rsplit_once(' ').unwrap_or(("", phrase));
        let Some(rest) = rest.strip_prefix(head).map(|r| r.trim_start()) else {
            return false;
        };
        let word = &rest[..rest.find(' ').unwrap_or(rest.len())];
        word == last
            || word.strip_suffix('s') == Some(last)
            || word.strip_suffix("es") == Some(last)
            || last.strip_suffix('s') == Some(word)
            || last.strip_suffix("es") == Some(word)
    })
}

pub(super) fn is_title_word(lower: &str) -> bool {
    text::vocabulary::is_title_word(strip_possessive(lower))
}

pub(super) fn is_org_word(lower: &str) -> bool {
    org_words().contains(lower.trim_end_matches('.'))
}

/// A token that may be a name: it has an upper-case letter, no digit, and at
/// least two letters.
pub(super) fn is_candidate(text: &str, token: &Token) -> bool {
    !token.used
        && token.upper
        && !token.digit
        && token.text(text).chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
}

/// Why a capitalised token needs no support from the base.
pub(super) fn exempt(token: &Token, lower: &str, before_capitalised: bool) -> bool {
    let bare = strip_possessive(lower);
    let weekday = in_list(WEEKDAYS, bare) || bare.strip_suffix('s').is_some_and(|b| in_list(WEEKDAYS, b));
    if month_of(bare).is_some() || weekday {
        return true;
    }
    let parts: Vec<&str> = bare.split('-').filter(|p| !p.is_empty()).collect();
    if parts.len() > 1 {
        // "Cross-functional", "Co-Led": every part must be exempt on its own.
        return parts.iter().enumerate().all(|(n, part)| {
            is_resume_verb(part) || ((token.initial || n > 0) && common_words().contains(part)) || part.len() <= 2
        });
    }
    if is_title_word(bare) {
        // "Lead the migration" is a verb; "Lead Engineer" is a title.
        return token.initial && !before_capitalised && is_resume_verb(bare);
    }
    if is_resume_verb(bare) {
        return true;
    }
    token.initial && common_words().contains(bare)
}

pub(super) fn is_connector(text: &str, token: &Token) -> bool {
    PHRASE_CONNECTORS.contains(&token.text(text))
}

/// Capitalised phrases of the replacement with words the base never uses,
/// and multi-word titles the base never states.
pub(super) fn proper_noun_violations(facts: &Facts, quoted: &Facts, scan: &Scan) -> Vec<(usize, Violation)> {
    let (text, tokens) = (scan.text.as_str(), &scan.tokens);
    let joins = |t: &Token| t.glued && !t.initial;
    let mut out = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if !is_candidate(text, &tokens[i]) {
            i += 1;
            continue;
        }
        // The phrase: capitalised tokens joined by spaces or connectors.
        let mut end = i + 1;
        loop {
            match tokens.get(end) {
                Some(t) if joins(t) && is_candidate(text, t) => end += 1,
                Some(t) if joins(t) && is_connector(text, t) => match tokens.get(end + 1) {
                    Some(n) if joins(n) && is_candidate(text, n) => end += 2,
                    _ => break,
                },
                _ => break,
            }
        }
        let phrase = &tokens[i..end];
        let lowers: Vec<Cow<'_, str>> = phrase.iter().map(|t| t.lower(text)).collect();
        let connector = |k: usize| is_connector(text, &phrase[k]);
        let is_exempt = |k: usize| {
            let next_cap = phrase.get(k + 1).is_some_and(|t| is_candidate(text, t));
            connector(k) || exempt(&phrase[k], &lowers[k], next_cap)
        };
        let is_known = |k: usize| known_word(facts, &lowers[k]) || known_word(quoted, &lowers[k]);
        // Trim an exempt opening word that is not part of the name ("Drove" in
        // "Drove Google"); inside a sentence it stays ("Engineering Manager").
        let mut first = 0;
        while first < phrase.len() && phrase[first].initial && is_exempt(first) && !is_title_word(&lowers[first]) {
            first += 1;
        }
        let mut last = phrase.len();
        while last > first && (connector(last - 1) || (is_exempt(last - 1) && !is_known(last - 1))) {
            last -= 1;
        }
        if first < last {
            let core = &phrase[first..last];
            let core_lowers = &lowers[first..last];
            let surface = collapse(&text[core[0].start..core[core.len() - 1].end]);
            let has_title = core_lowers.iter().any(|w| is_title_word(w));
            let new_word = (first..last).any(|k| !connector(k) && !is_known(k) && !is_exempt(k));
            let prev = (i + first).checked_sub(1).map(|p| tokens[p].lower(text));
            let kind = if has_title {
                FactKind::Title
            } else if core_lowers.iter().any(|w| is_org_word(w))
                || prev.as_deref().is_some_and(|p| ORG_PREPOSITIONS.contains(&p))
            {
                FactKind::Organisation
            } else {
                FactKind::ProperNoun
            };
            let title_phrase_new = has_title && core.len() >= 2 && {
                let flat = flatten(&surface);
                let singular = flat.strip_suffix("s ").map(|s| format!("{s} "));
                let stated =
                    |f: &Facts| f.flat.contains(&flat) || singular.as_ref().is_some_and(|s| f.flat.contains(s));
                let own_words = core_lowers.iter().all(|w| known_word(quoted, w));
                !stated(facts) && !stated(quoted) && !own_words
            };
            if new_word || title_phrase_new {
                out.push((core[0].start, Violation { kind, value: surface }));
            }
        }
        i = end;
    }
    out.extend(lowercase_titles(facts, quoted, scan));
    out.extend(lowercase_organisations(facts, quoted, scan));
    out
}

/// Lower-case titles ("as staff engineer"): a seniority word, up to two
/// words, then a job noun, which must be stated in the base or the quote.
pub(super) fn lowercase_titles(facts: &Facts, quoted: &Facts, scan: &Scan) -> Vec<(usize, Violation)> {
    let (text, tokens) = (scan.text.as_str(), &scan.tokens);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.upper || token.used || !text::vocabulary::SENIORITY.contains(&token.text(text)) {
            continue;
        }
        let noun = (i + 1..tokens.len().min(i + 4)).take_while(|&k| tokens[k].glued && !tokens[k].initial).find(|&k| {
            let word = tokens[k].text(text);
            text::vocabulary::is_job_noun(word)
        });
        let Some(noun) = noun else {
            continue;
        };
        let surface = collapse(&text[token.start..tokens[noun].end]);
        let flat = flatten(&surface);
        let singular = flat.strip_suffix("s ").map(|s| format!("{s} "));
        let stated = |f: &Facts| f.flat.contains(&flat) || singular.as_ref().is_some_and(|s| f.flat.contains(s));
        let own_words = tokens[i..=noun].iter().all(|t| known_word(quoted, &t.lower(text)));
        if !stated(facts) && !stated(quoted) && !own_words {
            out.push((token.start, Violation { kind: FactKind::Title, value: surface }));
        }
    }
    out
}

/// Organisations named in lower case: a well-known one anywhere ("graduate
/// of mit"), or any word after "at", "joined" or a graduate's "of"/"from"
/// ("interned at initech") that is neither in the base nor the quote nor an
/// ordinary word of such phrases ("at scale").
pub(super) fn lowercase_organisations(facts: &Facts, quoted: &Facts, scan: &Scan) -> Vec<(usize, Violation)> {
    let (text, tokens) = (scan.text.as_str(), &scan.tokens);
    let stated = |word: &str| known_word(facts, word) || known_word(quoted, word);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.upper || token.used || token.digit {
            continue;
        }
        let word = token.text(text);
        let well_known = text::vocabulary::KNOWN_ORGANISATIONS.contains(&word);
        let cue = i.checked_sub(1).map(|p| tokens[p].text(text)).is_some_and(|before| {
            let graduate = i
                .checked_sub(2)
                .map(|p| tokens[p].text(text))
                .is_some_and(|w| matches!(w, "graduate" | "graduated" | "alumnus" | "alumna" | "alum" | "student"));
            matches!(before, "at" | "joined" | "join") || (graduate && matches!(before, "of" | "from" | "at"))
        });
        let ordinary = text::vocabulary::NOT_ORGANISATIONS.contains(&word)
            || common_words().contains(word)
            || is_resume_verb(word)
            || word.chars().count() < 2;
        if (well_known || (cue && !ordinary)) && !stated(word) {
            out.push((token.start, Violation { kind: FactKind::Organisation, value: word.to_owned() }));
        }
    }
    out
}
