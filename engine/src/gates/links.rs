//! E-mail addresses and URLs: found first, compared without scheme,
//! `www.`, `mailto:` and a trailing `/`.

use super::*;

pub(super) fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

pub(super) fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

pub(super) fn normalise_url(url: &str) -> String {
    let lower = url.to_lowercase();
    let mut s = lower.as_str();
    for prefix in ["https://", "http://", "ftp://", "mailto:"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s = s.strip_prefix("www.").unwrap_or(s);
    s.trim_end_matches('/').to_owned()
}

/// Whether `host` (lowercase) is `label(.label)+` ending in a known TLD.
pub(super) fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        && labels.last().is_some_and(|tld| tlds().contains(tld))
        && labels.iter().any(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
}

/// E-mails, then links with a scheme or `www.`, then bare domains.
pub(super) fn find_links(text: &str) -> Vec<(usize, usize, FactKind, Key)> {
    let mut out: Vec<(usize, usize, FactKind, Key)> = Vec::new();
    let overlaps =
        |out: &[(usize, usize, FactKind, Key)], s: usize, e: usize| out.iter().any(|(a, b, ..)| s < *b && *a < e);
    for (at, _) in text.match_indices('@') {
        let local_start =
            at - text[..at].chars().rev().take_while(|c| is_email_local(*c)).map(char::len_utf8).sum::<usize>();
        let domain = text[at + 1..].chars().take_while(|c| is_domain_char(*c)).collect::<String>();
        let domain = domain.trim_end_matches(['.', '-']);
        let local = text[local_start..at].trim_start_matches('.');
        let tld_ok =
            domain.rsplit('.').next().is_some_and(|t| t.len() >= 2 && t.chars().all(|c| c.is_ascii_alphabetic()));
        if local.is_empty() || !domain.contains('.') || !tld_ok {
            continue;
        }
        let start = at - local.len();
        let end = at + 1 + domain.len();
        if !overlaps(&out, start, end) {
            out.push((start, end, FactKind::Email, Key::Email(text[start..end].to_lowercase())));
        }
    }
    let has_scheme = text.contains("://") || text.contains("www.") || text.contains("WWW.");
    let lower = if has_scheme { text.to_ascii_lowercase() } else { String::new() };
    for prefix in ["https://", "http://", "ftp://", "www."] {
        for (start, _) in lower.match_indices(prefix) {
            let prev_ok =
                !text[..start].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '.' || c == '/');
            if !prev_ok {
                continue;
            }
            let len =
                text[start..].find(|c: char| c.is_whitespace() || "<>\"|{}".contains(c)).unwrap_or(text.len() - start);
            let url = text[start..start + len].trim_end_matches(|c: char| ".,;:!?)]'\"".contains(c));
            let end = start + url.len();
            if url.len() > prefix.len() && !overlaps(&out, start, end) {
                out.push((start, end, FactKind::Url, Key::Url(normalise_url(url))));
            }
        }
    }
    // Bare domains: the whitespace-delimited chunk around each dot.
    let mut done = 0;
    for (dot, _) in text.match_indices('.') {
        if dot < done {
            continue;
        }
        let offset = text[..dot]
            .rfind(char::is_whitespace)
            .map_or(0, |w| w + text[w..].chars().next().map_or(1, char::len_utf8));
        let end = text[dot..].find(char::is_whitespace).map_or(text.len(), |w| dot + w);
        done = end;
        let chunk = &text[offset..end];
        let lead = chunk.len() - chunk.trim_start_matches(|c: char| "([{<\"'“‘".contains(c)).len();
        let core = chunk[lead..].trim_end_matches(|c: char| ")]}>\"'.,;:!?”’|".contains(c));
        let host = core.split('/').next().unwrap_or_default();
        let start = offset + lead;
        let end = start + core.len();
        if is_domain(host) && !overlaps(&out, start, end) {
            out.push((start, end, FactKind::Url, Key::Url(normalise_url(core))));
        }
    }
    out.sort_by_key(|(start, ..)| *start);
    out
}

// --- Numbers ---------------------------------------------------------------
