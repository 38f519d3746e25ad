//! Reading the model's answer the way a careful reader would: whatever the
//! model wrapped around its JSON, however loosely it typed it, and however
//! it was cut off, every edit it clearly meant is kept, and every one it
//! botched is set aside with the reason (the others go on).
//!
//! - `<think>…</think>` blocks (DeepSeek R1 and others) are dropped; so is
//!   a code fence around the JSON.
//! - The answer is the first JSON value in the text that reads as one: an
//!   object with its list under `edits` (or `changes`, `modifications`,
//!   `suggestions`, `replacements`), or a bare array of edits; prose before
//!   or after it (even prose with braces) is ignored. `null` is no edits.
//! - Each edit is read on its own: `section` may be a number or a numeric
//!   string; the quote may be `original` (or `quote`, `old`), the new text
//!   `replacement` (or `new`). One malformed edit is refused, not the rest.
//! - An answer cut off mid-list (the token limit) keeps every complete edit
//!   before the cut.

use serde_json::Value;

use super::protocol::Edit;

/// The keys a list of edits is found under.
const LIST_KEYS: &[&str] = &["edits", "changes", "modifications", "suggestions", "replacements"];

/// At most this many edits are read from one answer; the rest are counted.
pub const MAX_EDITS_PER_ANSWER: usize = 400;

/// What an answer holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Answer {
    /// The edits read, in the answer's order.
    pub edits: Vec<Edit>,
    /// Entries that are not edits, each with why (`edit 3: …`).
    pub unreadable: Vec<String>,
    /// The answer stops mid-list: what is here is what came before the cut.
    pub cut: bool,
    /// Edits beyond [`MAX_EDITS_PER_ANSWER`], not read.
    pub over_limit: usize,
}

/// Read `content`; `truncated` when the provider said the answer hit its
/// token limit. `Err` when there is no list of edits in it at all.
pub fn read_answer(content: &str, truncated: bool) -> Result<Answer, String> {
    let text = strip_fences(&strip_thinking(content));
    if let Some(list) = first_answer_value(&text) {
        let mut answer = edits_of(list);
        answer.cut = truncated;
        return Ok(answer);
    }
    // No whole answer: salvage the complete edits of a list cut short.
    if let Some(answer) = salvage(&text) {
        return Ok(answer);
    }
    if truncated {
        return Err("the answer was cut off at the token limit before its first complete edit".into());
    }
    Err("the answer contains no JSON list of edits".into())
}

/// `content` without `<think>…</think>` blocks (an unclosed one at the
/// start hides everything).
fn strip_thinking(content: &str) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("<think>") {
        out.push_str(&rest[..start]);
        match rest[start..].find("</think>") {
            Some(end) => rest = &rest[start + end + "</think>".len()..],
            None => return out,
        }
    }
    out.push_str(rest);
    out
}

/// The content of the first code fence, when the text has one.
fn strip_fences(text: &str) -> String {
    let Some(open) = text.find("```") else { return text.to_owned() };
    let after = &text[open + 3..];
    let body_start = after.find('\n').map_or(0, |i| i + 1);
    let body = &after[body_start..];
    match body.find("```") {
        Some(close) => body[..close].to_owned(),
        None => body.to_owned(),
    }
}

/// The first JSON value in `text` that is an answer, as its list (`None`
/// for `null`).
fn first_answer_value(text: &str) -> Option<Option<Vec<Value>>> {
    // Candidates are bounded: prose full of braces cannot make this quadratic.
    let candidates = text.char_indices().filter(|&(_, c)| c == '{' || c == '[').take(64);
    for (at, _) in candidates {
        let mut values = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        let Some(Ok(value)) = values.next() else { continue };
        match value {
            Value::Array(items) if items.iter().all(looks_like_edit) && !items.is_empty() => return Some(Some(items)),
            Value::Object(mut map) => {
                for key in LIST_KEYS {
                    match map.remove(*key) {
                        Some(Value::Array(items)) => return Some(Some(items)),
                        Some(Value::Null) => return Some(None),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    None
}

fn looks_like_edit(value: &Value) -> bool {
    value.as_object().is_some_and(|m| ["original", "quote", "old"].iter().any(|k| m.contains_key(*k)))
}

/// The complete edits of a list that was cut off: the elements after its
/// `[` that parse, up to the first that does not.
fn salvage(text: &str) -> Option<Answer> {
    let list_start = LIST_KEYS
        .iter()
        .filter_map(|key| {
            let at = text.find(&format!("\"{key}\""))?;
            Some(at + text[at..].find('[')?)
        })
        .min()
        .or_else(|| text.find('['))?;
    let mut items = Vec::new();
    let mut pos = list_start + 1;
    loop {
        let rest = &text[pos..];
        let skipped = rest.len() - rest.trim_start_matches(|c: char| c.is_whitespace() || c == ',').len();
        pos += skipped;
        if text[pos..].starts_with(']') || pos >= text.len() {
            break;
        }
        let mut values = serde_json::Deserializer::from_str(&text[pos..]).into_iter::<Value>();
        match values.next() {
            Some(Ok(value)) => {
                items.push(value);
                pos += values.byte_offset();
            }
            _ => break,
        }
    }
    if items.is_empty() {
        return None;
    }
    let mut answer = edits_of(Some(items));
    answer.cut = true;
    Some(answer)
}

/// Each item read on its own.
fn edits_of(list: Option<Vec<Value>>) -> Answer {
    let mut answer = Answer::default();
    for (i, item) in list.unwrap_or_default().into_iter().enumerate() {
        if answer.edits.len() + answer.unreadable.len() >= MAX_EDITS_PER_ANSWER {
            answer.over_limit += 1;
            continue;
        }
        match edit_of(&item) {
            Ok(edit) => answer.edits.push(edit),
            Err(why) => answer.unreadable.push(format!("edit {}: {why}", i + 1)),
        }
    }
    answer
}

/// One edit, leniently typed.
fn edit_of(item: &Value) -> Result<Edit, String> {
    let map = item.as_object().ok_or("not an object")?;
    let field = |keys: &[&str]| keys.iter().find_map(|k| map.get(*k));
    let section = match field(&["section", "section_index", "sectionIndex", "index"]) {
        Some(Value::Number(n)) => n.as_u64().ok_or("`section` is not a whole number")?,
        Some(Value::String(s)) => s.trim().parse::<u64>().map_err(|_| format!("`section` {s:?} is not a number"))?,
        Some(_) => return Err("`section` is not a number".into()),
        None => return Err("no `section`".into()),
    };
    let text = |keys: &[&str], name: &str| match field(keys) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(_) => Err(format!("`{name}` is not text")),
        None => Err(format!("no `{name}`")),
    };
    let original = text(&["original", "quote", "old"], "original")?;
    let replacement = text(&["replacement", "new"], "replacement")?;
    let reason = map.get("reason").and_then(Value::as_str).map(str::to_owned);
    Ok(Edit { section: usize::try_from(section).map_err(|_| "`section` is too large")?, original, replacement, reason })
}

#[cfg(test)]
mod tests {
    use super::*;

    const EDIT: &str = r#"{"section": 1, "original": "a", "replacement": "b"}"#;

    fn read(content: &str) -> Answer {
        read_answer(content, false).unwrap_or_else(|e| panic!("{content:?}: {e}"))
    }

    #[test]
    fn wrappers_are_dropped() {
        assert_eq!(read(&format!("```json\n{{\"edits\": [{EDIT}]}}\n```")).edits.len(), 1);
        let think = format!("<think>draft: {{\"edits\": []}} hmm</think>\n{{\"edits\": [{EDIT}]}}");
        assert_eq!(read(&think).edits.len(), 1);
        let prose = format!("Here you go:\n{{\"edits\": [{EDIT}]}}\nHope it helps {{\"x\": 1}}!");
        assert_eq!(read(&prose).edits.len(), 1);
    }

    #[test]
    fn loose_shapes_are_read() {
        assert_eq!(read(&format!("{{\"changes\": [{EDIT}]}}")).edits.len(), 1);
        assert_eq!(read(&format!("[{EDIT}, {EDIT}]")).edits.len(), 2);
        assert_eq!(read("{\"edits\": null}"), Answer::default());
        let strings = read(r#"{"edits": [{"section": "2", "quote": "a", "new": "b"}]}"#);
        assert_eq!(strings.edits[0].section, 2);
    }

    #[test]
    fn one_malformed_edit_is_set_aside() {
        let a = read(&format!("{{\"edits\": [{EDIT}, {{\"section\": \"first\", \"original\": [1]}}, {EDIT}]}}"));
        assert_eq!(a.edits.len(), 2);
        assert_eq!(a.unreadable, ["edit 2: `section` \"first\" is not a number"]);
    }

    #[test]
    fn a_cut_answer_keeps_its_complete_edits() {
        let cut = format!("{{\"edits\": [{EDIT}, {EDIT}, {{\"section\": 1, \"orig");
        let a = read_answer(&cut, true).expect("salvaged");
        assert_eq!((a.edits.len(), a.cut), (2, true));
        assert!(read_answer("{\"edits\": [{\"sect", true).is_err());
        assert!(read_answer("I cannot help with that", false).is_err());
        assert!(read_answer("{\"edits\": 5}", false).is_err());
    }

    #[test]
    fn huge_answers_are_bounded() {
        let list = vec![EDIT; MAX_EDITS_PER_ANSWER + 10].join(",");
        let a = read(&format!("{{\"edits\": [{list}]}}"));
        assert_eq!((a.edits.len(), a.over_limit), (MAX_EDITS_PER_ANSWER, 10));
    }
}
