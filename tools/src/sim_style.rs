//! How real models shape their answers, for `llm-sim --style`: DeepSeek's
//! and R1's `<think>` drafts, prose around the JSON, loosely typed JSON, a
//! malformed edit among good ones, other keys for the list, typographic
//! characters in quotes, unescaped LaTeX specials, answers cut at the token
//! limit, and huge answers. Each style reshapes the simulator's honest
//! edits without changing what they say, so a careful reader keeps them.

use engine::protocol::EditAnswer;
use serde_json::{Value, json};

/// One habit of real models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `<think>…{draft}…</think>` before the answer.
    Think,
    /// Prose before the JSON.
    Prose,
    /// The JSON, then a sentence that contains `{…}`.
    ProseAfter,
    /// Inside a ```json fence.
    Fenced,
    /// `"section": "2"` and other numbers as strings.
    Strings,
    /// One malformed edit among the good ones.
    OneMalformed,
    /// The list under `changes` instead of `edits`.
    Changes,
    /// The list alone, as a bare array.
    BareArray,
    /// `"edits": null`.
    Null,
    /// A non-breaking space in each quote.
    Nbsp,
    /// Curly apostrophes and quotes, and en dashes, in quotes.
    Curly,
    /// `%`, `&`, `_` in quotes where the LaTeX has `\%`, `\&`, `\_`.
    Unescaped,
    /// Cut off at ~60 % with `finish_reason: "length"`.
    Truncate,
    /// 12,000 edits (about 2 MB).
    Huge,
}

impl std::str::FromStr for Style {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "think" => Style::Think,
            "prose" => Style::Prose,
            "prose-after" => Style::ProseAfter,
            "fenced" => Style::Fenced,
            "strings" => Style::Strings,
            "one-malformed" => Style::OneMalformed,
            "changes" => Style::Changes,
            "bare-array" => Style::BareArray,
            "null" => Style::Null,
            "nbsp" => Style::Nbsp,
            "curly" => Style::Curly,
            "unescaped" => Style::Unescaped,
            "truncate" => Style::Truncate,
            "huge" => Style::Huge,
            other => return Err(format!("unknown style {other:?}")),
        })
    }
}

/// Every style, for `tailor-eval --styles all`.
pub const ALL: &[Style] = &[
    Style::Think,
    Style::Prose,
    Style::ProseAfter,
    Style::Fenced,
    Style::Strings,
    Style::OneMalformed,
    Style::Changes,
    Style::BareArray,
    Style::Nbsp,
    Style::Curly,
    Style::Unescaped,
    Style::Truncate,
];

impl Style {
    pub fn name(self) -> &'static str {
        match self {
            Style::Think => "think",
            Style::Prose => "prose",
            Style::ProseAfter => "prose-after",
            Style::Fenced => "fenced",
            Style::Strings => "strings",
            Style::OneMalformed => "one-malformed",
            Style::Changes => "changes",
            Style::BareArray => "bare-array",
            Style::Null => "null",
            Style::Nbsp => "nbsp",
            Style::Curly => "curly",
            Style::Unescaped => "unescaped",
            Style::Truncate => "truncate",
            Style::Huge => "huge",
        }
    }
}

/// The answer's text in `styles`, and its `finish_reason`.
pub fn render(answer: &EditAnswer, styles: &[Style]) -> (String, &'static str) {
    let has = |s: Style| styles.contains(&s);
    let mut edits: Vec<Value> = answer
        .edits
        .iter()
        .map(|e| {
            let mut original = e.original.clone();
            if has(Style::Unescaped) {
                original = original.replace("\\%", "%").replace("\\&", "&").replace("\\_", "_");
            }
            if has(Style::Curly) {
                original = original.replace('\'', "’").replace(" - ", " – ");
            }
            if has(Style::Nbsp) {
                original = original.replacen(' ', "\u{a0}", 1);
            }
            let section = if has(Style::Strings) { json!(e.section.to_string()) } else { json!(e.section) };
            json!({"section": section, "original": original, "replacement": e.replacement, "reason": e.reason})
        })
        .collect();
    if has(Style::OneMalformed) {
        let at = edits.len() / 2;
        edits.insert(at, json!({"section": "first", "original": ["not", "a", "quote"]}));
    }
    if has(Style::Huge) {
        let template = edits.first().cloned().unwrap_or(json!({"section": 0, "original": "x", "replacement": "y"}));
        while edits.len() < 12_000 {
            edits.push(template.clone());
        }
    }
    let list = Value::Array(edits);
    let value = if has(Style::Null) {
        json!({"edits": null})
    } else if has(Style::BareArray) {
        list
    } else if has(Style::Changes) {
        json!({"changes": list})
    } else {
        json!({"edits": list})
    };
    let mut text = serde_json::to_string_pretty(&value).unwrap_or_else(|_| "{\"edits\": []}".into());
    let mut finish = "stop";
    if has(Style::Truncate) {
        let mut cut = text.len() * 6 / 10;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        finish = "length";
    }
    if has(Style::Fenced) {
        text = format!("```json\n{text}\n```");
    }
    if has(Style::Prose) {
        text = format!("Here are the edits I propose, each quoting the résumé exactly:\n\n{text}");
    }
    if has(Style::ProseAfter) {
        text = format!(
            "{text}\n\nI kept every fact as written {{as requested}}; let me know if {{\"more\": true}} helps."
        );
    }
    if has(Style::Think) {
        text = format!(
            "<think>\nThe user wants edits. A first draft: {{\"edits\": [{{\"section\": 1, \"original\": \"draft\"}}]}}. \
             Better to quote exactly.\n</think>\n{text}"
        );
    }
    (text, finish)
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::protocol::Edit;

    fn answer() -> EditAnswer {
        EditAnswer {
            edits: vec![Edit {
                section: 1,
                original: "Cut p99 by 35\\% it's".into(),
                replacement: "x".into(),
                reason: None,
            }],
        }
    }

    #[test]
    fn styles_reshape_without_changing_what_is_said() {
        let (text, finish) =
            render(&answer(), &[Style::Think, Style::Strings, Style::Nbsp, Style::Curly, Style::Unescaped]);
        assert_eq!(finish, "stop");
        assert!(text.starts_with("<think>") && text.contains("\"section\": \"1\""), "{text}");
        assert!(text.contains("Cut\u{a0}p99 by 35% it’s"), "{text}");
        let (text, finish) = render(&answer(), &[Style::Truncate]);
        assert_eq!(finish, "length");
        assert!(serde_json::from_str::<Value>(&text).is_err(), "cut off: {text}");
        let (text, _) = render(&answer(), &[Style::BareArray]);
        assert!(text.trim_start().starts_with('['));
        assert_eq!("one-malformed".parse::<Style>(), Ok(Style::OneMalformed));
        assert!("shouting".parse::<Style>().is_err());
    }
}
