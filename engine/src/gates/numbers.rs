//! Numbers, percentages, amounts, multipliers and dates, in digits or in
//! words, normalised so that `2,000` = `2000` = `2k` and `40 %` = `40\%`.

use super::*;

/// `int.frac × 10^shift` as a canonical decimal string.
pub(super) fn canonical(int: &str, frac: &str, shift: usize) -> String {
    let mut digits = format!("{int}{frac}");
    let point = int.len() + shift;
    while digits.len() < point {
        digits.push('0');
    }
    let (whole, fraction) = digits.split_at(point);
    let whole = whole.trim_start_matches('0');
    let fraction = fraction.trim_end_matches('0');
    let whole = if whole.is_empty() { "0" } else { whole };
    if fraction.is_empty() { whole.to_owned() } else { format!("{whole}.{fraction}") }
}

pub(super) fn is_year(value: u64) -> bool {
    (1950..=2099).contains(&value)
}

/// Finds numbers in `text` (links and skills already blanked) and blanks
/// them, so the word pass sees no digits.
pub(super) fn scan_numbers(text: &mut String, found: &mut Vec<Found>) {
    let mut blanks = Vec::new();
    let t: &str = text;
    let b = t.as_bytes();
    let at = |i: usize| b.get(i).copied();
    let digit = |i: usize| at(i).is_some_and(|c| c.is_ascii_digit());
    let char_at = |i: usize| t.get(i..).and_then(|s| s.chars().next());
    let char_before = |i: usize| t.get(..i).and_then(|s| s.chars().next_back());
    let not_alnum = |i: usize| !char_at(i).is_some_and(char::is_alphanumeric);
    let word_at = |i: usize| -> &str {
        let s = t.get(i..).unwrap_or_default();
        &s[..s.find(|c: char| !c.is_alphabetic()).unwrap_or(s.len())]
    };
    // Currency symbols are `$` or non-ASCII; codes are three ASCII letters.
    let symbol = |c: char| {
        if c != '$' && c.is_ascii() {
            return None;
        }
        CURRENCIES.iter().find(|(s, _)| s.chars().count() == 1 && s.starts_with(c)).map(|(_, v)| *v)
    };
    let code = |w: &str| {
        if w.len() != 3 || !w.bytes().all(|b| b.is_ascii_alphabetic()) {
            return None;
        }
        CURRENCIES.iter().find(|(s, _)| s.len() == 3 && s.eq_ignore_ascii_case(w)).map(|(_, v)| *v)
    };
    let mut i = 0;
    while let Some(offset) = b.get(i..).and_then(|rest| rest.iter().position(u8::is_ascii_digit)) {
        i += offset;
        let glued_letter = char_before(i).is_some_and(char::is_alphabetic);
        let mut j = i;
        let mut int = String::new();
        while digit(j) {
            int.push(char::from(b[j]));
            j += 1;
        }
        let mut frac = String::new();
        let mut separators = false;
        let mut version = false;
        loop {
            if at(j) == Some(b',') && frac.is_empty() && !version && (1..=3).all(|d| digit(j + d)) && !digit(j + 4) {
                int.push_str(&t[j + 1..j + 4]);
                separators = true;
                j += 4;
            } else if at(j) == Some(b'.') && digit(j + 1) {
                let first = frac.is_empty() && !version;
                version |= !first;
                j += 1;
                while digit(j) {
                    if first {
                        frac.push(char::from(b[j]));
                    }
                    j += 1;
                }
            } else {
                break;
            }
        }
        let raw = &t[i..j];
        let mantissa = canonical(&int, &frac, 0);
        if glued_letter {
            // "p99", "IPv6": the digits are a fact, the word stays.
            found.push(Found {
                start: i,
                kind: FactKind::Number,
                key: Key::Value(mantissa.clone()),
                surface: raw.to_owned(),
                values: vec![mantissa],
                stem: None,
                raw: String::new(),
            });
            i = j;
            continue;
        }
        // Multiplier suffix: 2k, 1.2M, 5mm, 3B, 3bn, 10x, 10×, "2 million", "10-fold".
        let mut shift = 0;
        let mut times = false;
        match (at(j), at(j + 1)) {
            (Some(b'k' | b'K'), _) if not_alnum(j + 1) => (shift, j) = (3, j + 1),
            (Some(b'm' | b'M'), _) if not_alnum(j + 1) => (shift, j) = (6, j + 1),
            (Some(b'm'), Some(b'm' | b'n')) | (Some(b'M'), Some(b'M')) if not_alnum(j + 2) => (shift, j) = (6, j + 2),
            (Some(b'B'), _) if not_alnum(j + 1) => (shift, j) = (9, j + 1),
            (Some(b'b'), Some(b'n')) if not_alnum(j + 2) => (shift, j) = (9, j + 2),
            (Some(b'x' | b'X'), _) if not_alnum(j + 1) => (times, j) = (true, j + 1),
            _ if t[j..].starts_with('×') && not_alnum(j + '×'.len_utf8()) => (times, j) = (true, j + '×'.len_utf8()),
            _ => {}
        }
        if shift == 0 && !times {
            if at(j) == Some(b' ') {
                let word = word_at(j + 1);
                let scale = ["thousand", "million", "billion"].iter().position(|w| w.eq_ignore_ascii_case(word));
                if let Some(p) = scale {
                    shift = 3 * (p + 1);
                    j += 1 + word.len();
                }
            } else if at(j) == Some(b'-') && word_at(j + 1).eq_ignore_ascii_case("fold") {
                times = true;
                j += 5;
            }
        }
        // Percent: 40%, 40 %, 40\% (already unescaped), 40 percent, 40 per cent.
        let mut percent = true;
        if at(j) == Some(b'%') {
            j += 1;
        } else if at(j) == Some(b' ') && at(j + 1) == Some(b'%') {
            j += 2;
        } else if at(j) == Some(b' ') && word_at(j + 1).eq_ignore_ascii_case("percent") {
            j += 8;
        } else if at(j) == Some(b' ')
            && word_at(j + 1).eq_ignore_ascii_case("per")
            && at(j + 4) == Some(b' ')
            && word_at(j + 5).eq_ignore_ascii_case("cent")
        {
            j += 9;
        } else {
            percent = false;
        }
        if at(j) == Some(b'+') {
            j += 1;
        }
        // Currency: a symbol or code before ("$5", "€ 5", "USD 5"), or after ("5€", "5 EUR").
        let mut start = i;
        let mut currency: Option<&str> = None;
        let before = if at(i.wrapping_sub(1)) == Some(b' ') { i - 1 } else { i };
        if let Some(c) = char_before(before)
            && let Some(sym) = symbol(c)
        {
            currency = Some(sym);
            start = before - c.len_utf8();
        } else if before < i
            && before >= 3
            && let Some(word) = t.get(before - 3..before)
            && let Some(sym) = code(word)
            && !char_before(before - 3).is_some_and(char::is_alphanumeric)
        {
            currency = Some(sym);
            start = before - 3;
        }
        if currency.is_none() {
            let after = if at(j) == Some(b' ') { j + 1 } else { j };
            if let Some(c) = char_at(after).filter(|c| *c != '$')
                && let Some(sym) = symbol(c)
            {
                currency = Some(sym);
                j = after + c.len_utf8();
            } else if at(j) == Some(b' ')
                && let Some(sym) = t.get(j + 1..j + 4).and_then(code)
                && !char_at(j + 4).is_some_and(char::is_alphanumeric)
            {
                currency = Some(sym);
                j += 4;
            }
        }
        let value = canonical(&int, &frac, shift);
        let surface = t[start..j].split_whitespace().collect::<Vec<_>>().join(" ");
        let year = int.len() == 4 && frac.is_empty() && !separators && shift == 0 && int.parse().is_ok_and(is_year);
        let (kind, key) = if version {
            (FactKind::Number, Key::Marked(format!("v{raw}")))
        } else if let Some(sym) = currency {
            (FactKind::Money, Key::Marked(format!("{sym}{value}")))
        } else if percent {
            (FactKind::Percentage, Key::Marked(format!("{value}%")))
        } else if times {
            (FactKind::Number, Key::Marked(format!("{value}x")))
        } else if year {
            (FactKind::Date, Key::Value(value.clone()))
        } else {
            (FactKind::Number, Key::Value(value.clone()))
        };
        let plain_year = kind == FactKind::Date;
        found.push(Found { start, kind, key, surface, values: vec![mantissa, value], stem: None, raw: String::new() });
        // Month and year: "Mar 2021", "March, 2021", "2021-03", "03/2021".
        if plain_year {
            let year: u16 = int.parse().unwrap_or(0);
            let mut k = i;
            while k > 0 && i - k < 3 && matches!(at(k - 1), Some(b' ' | b',' | b'.')) {
                k -= 1;
            }
            let prefix = &t[..k];
            let word_start =
                k - prefix.chars().rev().take_while(|c| c.is_alphabetic()).map(char::len_utf8).sum::<usize>();
            if k < i
                && let Some(month) = month_of(&t[word_start..k].to_lowercase())
            {
                found.push(month_year(word_start, year, month, &t[word_start..j]));
            }
            if at(j) == Some(b'-') && digit(j + 1) && digit(j + 2) && !digit(j + 3) {
                let month: u8 = t[j + 1..j + 3].parse().unwrap_or(0);
                if (1..=12).contains(&month) {
                    found.push(month_year(i, year, month, &t[i..j + 3]));
                }
            }
        }
        let plain = frac.is_empty() && shift == 0 && !percent && !times && currency.is_none();
        if plain && int.len() <= 2 && at(j) == Some(b'/') && (1..=4).all(|d| digit(j + d)) && !digit(j + 5) {
            let month: u8 = int.parse().unwrap_or(0);
            let year: u16 = t[j + 1..j + 5].parse().unwrap_or(0);
            if (1..=12).contains(&month) && is_year(u64::from(year)) {
                found.push(month_year(i, year, month, &t[i..j + 5]));
            }
        }
        blanks.push((start, j));
        i = j.max(i + 1);
    }
    blank_all(text, &blanks);
}

pub(super) fn month_year(start: usize, year: u16, month: u8, surface: &str) -> Found {
    Found {
        start,
        kind: FactKind::Date,
        key: Key::MonthYear(year, month),
        surface: surface.split_whitespace().collect::<Vec<_>>().join(" "),
        values: Vec::new(),
        stem: None,
        raw: String::new(),
    }
}

// --- Words -----------------------------------------------------------------

/// Characters between two words that end a sentence, line or item.
pub(super) fn is_boundary(c: char) -> bool {
    matches!(
        c,
        BREAK
            | '.'
            | '!'
            | '?'
            | ':'
            | ';'
            | '|'
            | '•'
            | '·'
            | '('
            | ')'
            | '['
            | ']'
            | '"'
            | '“'
            | '”'
            | '—'
            | '–'
            | '-'
            | '*'
            | '/'
    )
}

pub(super) fn lookup<'a>(table: &'a [(&'a str, u64)], word: &str) -> Option<u64> {
    table.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
}

/// Spelled-out numbers starting at token `i`.
pub(super) fn number_words_at(text: &str, tokens: &[Token], i: usize, found: &mut Vec<Found>) -> Option<usize> {
    let lower = tokens[i].lower(text);
    let push = |found: &mut Vec<Found>, key: Key, end: usize, values: Vec<String>| {
        found.push(Found {
            start: tokens[i].start,
            kind: FactKind::Number,
            key,
            surface: collapse(&text[tokens[i].start..end]),
            values,
            stem: None,
            raw: String::new(),
        });
    };
    if let Some((_, factor)) = MULTIPLIERS.iter().find(|(w, _)| *w == lower) {
        push(found, Key::Marked(format!("{factor}x")), tokens[i].end, Vec::new());
        return Some(1);
    }
    if let Some(bound) = lookup(MAGNITUDES, &lower) {
        push(found, Key::Magnitude(bound), tokens[i].end, Vec::new());
        return Some(1);
    }
    // A run of cardinals and scales: "twenty-five", "two hundred", "a dozen".
    let mut total: u64 = 0;
    let mut current: u64 = 0;
    let mut consumed = 0;
    for (k, token) in tokens[i..].iter().enumerate() {
        if k > 0 && !token.glued {
            break;
        }
        let word = token.lower(text);
        let next_is_scale = tokens.get(i + k + 1).is_some_and(|t| t.glued && lookup(SCALES, &t.lower(text)).is_some());
        let mut ok = true;
        let parts: Vec<&str> = word.split('-').collect();
        for (p, part) in parts.iter().enumerate() {
            let last_part = p + 1 == parts.len();
            if let Some(v) = lookup(CARDINALS, part) {
                current = current.saturating_add(v);
            } else if *part == "one" && last_part && next_is_scale {
                current = current.saturating_add(1);
            } else if let Some(scale) = lookup(SCALES, part) {
                if scale >= 1_000 {
                    total = total.saturating_add(current.max(1).saturating_mul(scale));
                    current = 0;
                } else {
                    current = current.max(1).saturating_mul(scale);
                }
            } else {
                ok = false;
                break;
            }
        }
        if !ok {
            break;
        }
        consumed = k + 1;
    }
    if consumed == 0 {
        return None;
    }
    let value = total.saturating_add(current).to_string();
    push(found, Key::Value(value.clone()), tokens[i + consumed - 1].end, vec![value]);
    Some(consumed)
}
