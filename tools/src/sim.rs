//! `llm-sim`: a local OpenAI-compatible server for development, demos, tests
//! and load tests — NEVER a production provider. It answers Tailor's
//! tailoring prompt deterministically and plausibly (it moves the JD's skills
//! forward in skills lists and rewords bullets' leading verbs; it never adds
//! a fact), and can inject faults: latency, 429 with Retry-After, 5xx, hangs,
//! an RPM limit, or a scripted sequence of answers.
//!
//! Routes: `POST /v1/chat/completions`, `GET /v1/models`, and Azure's
//! `POST /openai/deployments/{deployment}/chat/completions`.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::serve::ListenerExt;
use engine::protocol::{Edit, EditAnswer, TailorInput, extract_input};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use shared::model::{AiMode, ResumeSectionType};

/// One scripted answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripted {
    /// Answer normally.
    Ok,
    /// Answer this status (429 carries `Retry-After: retry_after_secs`).
    Status(u16),
    /// Never answer (until the client gives up).
    Hang,
    /// A 200 whose body is not a chat completion.
    Garbage,
    /// A 200 chat completion cut off (`finish_reason: length`).
    Truncated,
    /// A 200 chat completion whose content is not the requested JSON.
    NotJson,
}

/// How the simulator behaves.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub latency: Duration,
    /// Probability of a 429 per request.
    pub rate_429: f64,
    /// Probability of a 5xx (`error_status`) per request.
    pub rate_5xx: f64,
    pub error_status: u16,
    /// Probability of hanging.
    pub rate_hang: f64,
    pub retry_after_secs: u64,
    /// Requests allowed per `rpm_window` (0: unlimited); over it, 429.
    pub rpm: u32,
    /// The sliding window `rpm` counts over (a minute; shorter in tests).
    pub rpm_window: Duration,
    /// When set, only this key (Bearer or api-key) is accepted; others get 401.
    pub require_key: Option<String>,
    /// Scripted answers for the first requests, in order; then `Ok`.
    pub script: Vec<Scripted>,
    pub seed: u64,
    /// Also propose edits the gates must refuse: invented employers, numbers,
    /// degrees and skills, edits to locked sections, wrong quotes, unbalanced
    /// braces, and changes beyond the mode's budget.
    pub bad_edits: bool,
    /// Like a careless model, put a character pdfLaTeX cannot typeset (an
    /// emoji) into every third honest edit: the gates cannot see it, only a
    /// compile can (the worker's `compile` gate must refuse exactly those).
    pub careless_edits: bool,
    /// How the answer is shaped: the habits of real models (see [`crate::sim_style`]).
    pub styles: Vec<crate::sim_style::Style>,
}

/// What a careless edit adds: pdfLaTeX stops on it ("Unicode character …
/// not set up for use with LaTeX").
pub const CARELESS_MARK: &str = "\u{1F680} ";

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            latency: Duration::ZERO,
            rate_429: 0.0,
            rate_5xx: 0.0,
            error_status: 503,
            rate_hang: 0.0,
            retry_after_secs: 1,
            rpm: 0,
            rpm_window: Duration::from_secs(60),
            require_key: None,
            script: Vec::new(),
            seed: 7,
            bad_edits: false,
            careless_edits: false,
            styles: Vec::new(),
        }
    }
}

/// Counters a test can read.
#[derive(Debug, Default)]
pub struct SimStats {
    pub requests: AtomicU64,
    pub chat_requests: AtomicU64,
    pub status_429: AtomicU64,
}

struct Sim {
    config: SimConfig,
    script: Mutex<VecDeque<Scripted>>,
    rng: Mutex<rand::rngs::StdRng>,
    window: Mutex<VecDeque<Instant>>,
    stats: Arc<SimStats>,
}

/// The router and its counters.
pub fn router(config: SimConfig) -> (Router, Arc<SimStats>) {
    let stats = Arc::new(SimStats::default());
    let sim = Arc::new(Sim {
        script: Mutex::new(config.script.iter().copied().collect()),
        rng: Mutex::new(rand::rngs::StdRng::seed_from_u64(config.seed)),
        window: Mutex::new(VecDeque::new()),
        stats: stats.clone(),
        config,
    });
    let router = Router::new()
        .route("/v1/chat/completions", post(chat))
        .route("/openai/deployments/{deployment}/chat/completions", post(chat))
        .route("/v1/models", get(models))
        .route("/sim/stats", get(stats_json))
        .with_state(sim);
    (router, stats)
}

/// `GET /sim/stats`: the counters, for load tests and scenario scripts.
async fn stats_json(State(sim): State<Arc<Sim>>) -> axum::Json<serde_json::Value> {
    let s = &sim.stats;
    axum::Json(serde_json::json!({
        "requests": s.requests.load(Ordering::Relaxed),
        "chatRequests": s.chat_requests.load(Ordering::Relaxed),
        "status429": s.status_429.load(Ordering::Relaxed),
    }))
}

fn presented_key(headers: &HeaderMap) -> Option<String> {
    if let Some(k) = headers.get("api-key").and_then(|v| v.to_str().ok()) {
        return Some(k.to_owned());
    }
    let auth = headers.get("authorization")?.to_str().ok()?;
    auth.strip_prefix("Bearer ").map(str::to_owned)
}

fn error(status: StatusCode, message: &str, retry_after: Option<u64>) -> Response {
    let mut r = (status, Json(json!({"error": {"message": message, "type": "sim_error"}}))).into_response();
    if let Some(secs) = retry_after {
        r.headers_mut().insert("retry-after", HeaderValue::from(secs));
    }
    r
}

async fn models(State(sim): State<Arc<Sim>>, headers: HeaderMap) -> Response {
    sim.stats.requests.fetch_add(1, Ordering::Relaxed);
    if let Some(resp) = check_key(&sim, &headers) {
        return resp;
    }
    Json(json!({"object": "list", "data": [{"id": "llm-sim", "object": "model", "owned_by": "tailor-dev"}]}))
        .into_response()
}

fn check_key(sim: &Sim, headers: &HeaderMap) -> Option<Response> {
    let key = presented_key(headers);
    match (&sim.config.require_key, key) {
        (_, None) => Some(error(StatusCode::UNAUTHORIZED, "missing API key", None)),
        (Some(required), Some(k)) if *required != k => Some(error(StatusCode::UNAUTHORIZED, "invalid API key", None)),
        _ => None,
    }
}

fn over_rpm(sim: &Sim) -> bool {
    if sim.config.rpm == 0 {
        return false;
    }
    let Ok(mut window) = sim.window.lock() else { return false };
    let now = Instant::now();
    while window.front().is_some_and(|t| now.duration_since(*t) >= sim.config.rpm_window) {
        window.pop_front();
    }
    if window.len() >= sim.config.rpm as usize {
        return true;
    }
    window.push_back(now);
    false
}

async fn chat(State(sim): State<Arc<Sim>>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    sim.stats.requests.fetch_add(1, Ordering::Relaxed);
    sim.stats.chat_requests.fetch_add(1, Ordering::Relaxed);
    if let Some(resp) = check_key(&sim, &headers) {
        return resp;
    }
    let scripted = sim.script.lock().ok().and_then(|mut s| s.pop_front()).unwrap_or(Scripted::Ok);
    let roll: f64 = sim.rng.lock().map(|mut r| r.r#gen::<f64>()).unwrap_or(1.0);
    if sim.config.latency > Duration::ZERO {
        tokio::time::sleep(sim.config.latency).await;
    }
    let c = &sim.config;
    let behaviour = match scripted {
        Scripted::Ok if roll < c.rate_429 => Scripted::Status(429),
        Scripted::Ok if roll < c.rate_429 + c.rate_5xx => Scripted::Status(c.error_status),
        Scripted::Ok if roll < c.rate_429 + c.rate_5xx + c.rate_hang => Scripted::Hang,
        other => other,
    };
    if behaviour == Scripted::Ok && over_rpm(&sim) {
        sim.stats.status_429.fetch_add(1, Ordering::Relaxed);
        return error(StatusCode::TOO_MANY_REQUESTS, "rate limit (rpm) exceeded", Some(c.retry_after_secs));
    }
    match behaviour {
        Scripted::Status(429) => {
            sim.stats.status_429.fetch_add(1, Ordering::Relaxed);
            return error(StatusCode::TOO_MANY_REQUESTS, "rate limited", Some(c.retry_after_secs));
        }
        Scripted::Status(code) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return error(status, "simulated failure", None);
        }
        Scripted::Hang => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            return error(StatusCode::GATEWAY_TIMEOUT, "hung", None);
        }
        Scripted::Garbage => return (StatusCode::OK, "<html>not json</html>").into_response(),
        _ => {}
    }
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let user = request["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default();
    let content = match (behaviour, extract_input(user)) {
        (Scripted::NotJson, _) => ("Sure! Here is a better résumé: ...".to_owned(), "stop"),
        (_, Some(input)) => {
            let mut answer = propose(&input);
            if let Some(max) = input.max_edits {
                answer.edits.truncate(max);
            }
            if c.careless_edits {
                make_careless(&mut answer.edits);
            }
            if c.bad_edits {
                // First, so each is judged against the original text.
                let mut edits = bad_edits(&input);
                edits.append(&mut answer.edits);
                answer.edits = edits;
            }
            let mut styles = c.styles.clone();
            if behaviour == Scripted::Truncated {
                styles.push(crate::sim_style::Style::Truncate);
            }
            crate::sim_style::render(&answer, &styles)
        }
        (_, None) => ("ok".to_owned(), "stop"),
    };
    let (mut content, mut finish) = content;
    // Like a real model, never more than `max_tokens` (about 4 characters a token).
    if let Some(max) = request["max_tokens"].as_u64().map(|t| t as usize * 4)
        && content.len() > max
    {
        let mut cut = max;
        while !content.is_char_boundary(cut) {
            cut -= 1;
        }
        content.truncate(cut);
        finish = "length";
    }
    Json(json!({
        "id": format!("chatcmpl-sim-{}", sim.stats.chat_requests.load(Ordering::Relaxed)),
        "object": "chat.completion",
        "created": chrono::Utc::now().timestamp(),
        "model": request["model"].as_str().unwrap_or("llm-sim"),
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish}],
        "usage": {
            "prompt_tokens": user.len() / 4,
            "completion_tokens": content.len() / 4,
            "total_tokens": user.len() / 4 + content.len() / 4
        }
    }))
    .into_response()
}

/// Leading verbs and a stronger word for the same act (no new facts).
const VERBS: &[(&str, &str)] = &[
    ("Built", "Developed"),
    ("Wrote", "Authored"),
    ("Led", "Drove"),
    ("Made", "Created"),
    ("Helped", "Supported"),
    ("Introduced", "Established"),
    ("Implemented", "Engineered"),
    ("Cut", "Reduced"),
    ("Improved", "Strengthened"),
    ("Worked on", "Contributed to"),
    ("Designed", "Architected"),
    ("Created", "Built"),
    ("Developed", "Built"),
    ("Managed", "Led"),
    ("Ran", "Operated"),
];

fn bullet_text(line: &str) -> Option<usize> {
    for marker in ["\\resumeItem{", "\\item "] {
        if let Some(i) = line.find(marker) {
            return Some(i + marker.len());
        }
    }
    None
}

/// The deterministic proposal for a tailoring input.
pub fn propose(input: &TailorInput) -> EditAnswer {
    let skills: Vec<String> = input.jd_skills.iter().map(|s| s.to_lowercase()).collect();
    let share = match input.mode {
        AiMode::Minimal => 0.25,
        AiMode::Balanced => 0.5,
        AiMode::Aggressive => 1.0,
    };
    let resume_lower: String = input.sections.iter().map(|s| s.content.to_lowercase()).collect();
    // JD phrases the résumé lacks that state no fact (no skill, number or
    // name): the vocabulary a bullet can be framed in.
    let mut phrases = input
        .jd_keywords
        .iter()
        .filter(|k| {
            k.split_whitespace().count() <= 3
                && k.chars().all(|c| c.is_ascii_lowercase() || c == ' ' || c == '-')
                && !resume_lower.contains(k.as_str())
                && text::jd::find_skills(k).is_empty()
        })
        .cycle()
        .take(64);
    let mut edits = Vec::new();
    for section in input.sections.iter().filter(|s| !s.locked) {
        match section.section_type {
            ResumeSectionType::Skills if input.mode != AiMode::Minimal => {
                for line in section.content.lines() {
                    if let Some(edit) = reorder_skills_line(section.index, line, &skills) {
                        edits.push(edit);
                    }
                }
            }
            ResumeSectionType::Experience | ResumeSectionType::Projects => {
                let bullets: Vec<&str> = section.content.lines().filter(|l| bullet_text(l).is_some()).collect();
                let allowed =
                    ((bullets.len() as f64) * share).floor().max(if bullets.is_empty() { 0.0 } else { 1.0 }) as usize;
                let mut made = 0;
                for line in bullets {
                    if made >= allowed {
                        break;
                    }
                    let Some(start) = bullet_text(line) else { continue };
                    if section.content.matches(line).count() != 1 {
                        continue;
                    }
                    let text = &line[start..];
                    let reworded = match VERBS.iter().find(|(from, _)| text.starts_with(&format!("{from} "))) {
                        Some((from, to)) => format!("{}{}{}", &line[..start], to, &text[from.len()..]),
                        None => line.to_owned(),
                    };
                    let replacement = match phrases.next() {
                        Some(phrase) => frame(&reworded, phrase),
                        None => reworded,
                    };
                    if replacement == line {
                        continue;
                    }
                    edits.push(Edit {
                        section: section.index,
                        original: line.to_owned(),
                        replacement,
                        reason: Some("stronger verb and the JD's vocabulary for the same work".into()),
                    });
                    made += 1;
                }
            }
            _ => {}
        }
    }
    EditAnswer { edits }
}

/// `\item Built X.` → `\item Built X, with a focus on <phrase>.` (inside a
/// trailing `}` for `\resumeItem{…}`).
fn frame(line: &str, phrase: &str) -> String {
    let trimmed = line.trim_end();
    let (body, close) = match trimmed.strip_suffix('}') {
        Some(b) if trimmed.contains("\\resumeItem{") => (b, "}"),
        _ => (trimmed, ""),
    };
    let (body, period) = match body.strip_suffix('.') {
        Some(b) => (b, "."),
        None => (body, ""),
    };
    format!("{body}, with a focus on {phrase}{period}{close}")
}

/// Put [`CARELESS_MARK`] at the start of the text of every third bullet edit.
pub fn make_careless(edits: &mut [Edit]) {
    for edit in edits.iter_mut().filter(|e| bullet_text(&e.replacement).is_some()).step_by(3) {
        if let Some(start) = bullet_text(&edit.replacement) {
            edit.replacement.insert_str(start, CARELESS_MARK);
            edit.reason = Some("CARELESS: a character pdfLaTeX cannot typeset".into());
        }
    }
}

/// Edits a careless or lying model would propose; every one must be refused.
pub fn bad_edits(input: &TailorInput) -> Vec<Edit> {
    let mut edits = Vec::new();
    let bad = |section: usize, original: &str, replacement: String, why: &str| Edit {
        section,
        original: original.to_owned(),
        replacement,
        reason: Some(format!("BAD: {why}")),
    };
    let unlocked_bullets: Vec<(usize, &str)> = input
        .sections
        .iter()
        .filter(|s| !s.locked)
        .flat_map(|s| s.content.lines().filter(|l| bullet_text(l).is_some()).map(move |l| (s.index, l)))
        .filter(|(index, line)| input.sections[*index].content.matches(line).count() == 1)
        .collect();
    if let Some((section, line)) = unlocked_bullets.first() {
        let trimmed = line.trim_end();
        let (head, close) = match trimmed.strip_suffix('}') {
            Some(h) if line.contains("\\resumeItem{") => (h, "}"),
            _ => (trimmed, ""),
        };
        edits.push(bad(*section, line, format!("{head} at Google{close}"), "invented employer"));
        edits.push(bad(*section, line, format!("{head}, cutting costs by 73%{close}"), "invented number"));
        edits.push(bad(*section, line, format!("{head} while completing a PhD{close}"), "invented degree"));
        edits.push(bad(*section, line, format!("{head} as Staff Engineer{close}"), "invented title"));
        edits.push(bad(*section, line, format!("{head} {{{close}"), "unbalanced braces"));
        // Text TeX reads differently from a naive reader.
        edits.push(bad(*section, line, format!("{head} ^^5cinput{{/etc/hostname}}{close}"), "^^ notation"));
        edits.push(bad(*section, line, format!("{head} ^^\u{1}input{close}"), "raw control character after ^^"));
        edits.push(bad(*section, line, format!("{head}\u{1b}[31m{close}"), "control character"));
        edits.push(bad(*section, line, format!("{}\\", line.trim_end()), "trailing backslash joins the next line"));
        edits.push(bad(*section, line, format!("{head}, cutting costs by ５０％{close}"), "fullwidth digits"));
        edits.push(bad(*section, line, format!("{head} in ٥ weeks{close}"), "Arabic-Indic digits"));
        // A lower-case organisation, and a second edit that would
        // capitalise the first one's output.
        edits.push(bad(*section, line, format!("{head}, graduate of mit{close}"), "lower-case organisation"));
        edits.push(bad(*section, "graduate of mit", "graduate of MIT".into(), "launders an earlier edit"));
        edits.push(bad(*section, line, format!("{head} at google{close}"), "lower-case organisation"));
        let whole: String = input.sections.iter().map(|s| s.content.as_str()).collect();
        let facts = engine::gates::facts_of(&whole);
        if let Some(skill) = input.jd_skills.iter().find(|s| !facts.has_skill(s)) {
            edits.push(bad(*section, line, format!("{head} with {skill}{close}"), "invented skill"));
        }
    }
    // Over the budget: reword every bullet, whatever the mode allows.
    for (section, line) in unlocked_bullets.iter().skip(1) {
        let Some(start) = bullet_text(line) else { continue };
        edits.push(bad(*section, line, format!("{}Successfully {}", &line[..start], &line[start..]), "over budget"));
    }
    let locked_line = input.sections.iter().filter(|s| s.locked).find_map(|s| {
        s.content.lines().find(|l| !l.trim().is_empty() && s.content.matches(*l).count() == 1).map(|l| (s.index, l))
    });
    if let Some((index, line)) = locked_line {
        edits.push(bad(index, line, format!("{line} (updated)"), "edit to a locked section"));
    }
    if let Some(first) = input.sections.iter().find(|s| !s.locked) {
        edits.push(bad(first.index, "This sentence is not in the résumé.", "Anything".into(), "wrong quote"));
    }
    edits
}

/// `\textbf{Languages}: Go, Rust, Python` → JD skills first, same items.
fn reorder_skills_line(section: usize, line: &str, jd_skills: &[String]) -> Option<Edit> {
    // Only the plain items between the label's markup and the line's end
    // markup move; every command and brace stays where it is.
    let segments: Vec<&str> = line.split(',').collect();
    if segments.len() < 3 {
        return None;
    }
    let first = segments[0];
    let cut = first.rfind(['}', ':']).map(|i| i + 1).unwrap_or(0);
    let last = segments[segments.len() - 1];
    let end = last.find(['\\', '}']).unwrap_or(last.len());
    let (head, tail) = (&first[..cut], &last[end..]);
    let mut items: Vec<&str> = vec![first[cut..].trim()];
    items.extend(segments[1..segments.len() - 1].iter().map(|s| s.trim()));
    items.push(last[..end].trim());
    let plain = |i: &&str| !i.is_empty() && !i.contains(['\\', '{', '}', '(', ')', '$', '%', '&']);
    if !items.iter().all(plain) {
        return None;
    }
    let rank = |item: &str| {
        let lower = item.to_lowercase();
        jd_skills.iter().position(|s| lower == *s || lower.contains(s.as_str())).unwrap_or(usize::MAX)
    };
    let mut sorted = items.clone();
    sorted.sort_by_key(|i| rank(i));
    if sorted == items {
        return None;
    }
    let lead = if first[cut..].starts_with(' ') { " " } else { "" };
    let gap = if last[..end].ends_with(' ') { " " } else { "" };
    let replacement = format!("{head}{lead}{}{gap}{tail}", sorted.join(", "));
    Some(Edit { section, original: line.to_owned(), replacement, reason: Some("JD skills first".into()) })
}

/// Serve on `addr` until the process ends.
pub async fn serve(addr: std::net::SocketAddr, config: SimConfig) -> anyhow::Result<()> {
    let (router, _stats) = router(config);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::warn!(addr = %listener.local_addr()?, "llm-sim: LOCAL LLM SIMULATOR for development and tests — not a real model");
    let listener = listener.tap_io(|tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, router).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use engine::protocol::SectionInput;

    fn input(mode: AiMode) -> TailorInput {
        TailorInput {
            mode,
            role_type: "backend".into(),
            jd_skills: vec!["Kubernetes".into(), "Go".into()],
            jd_keywords: vec![],
            max_edits: None,
            sections: vec![
                SectionInput {
                    index: 0,
                    section_type: ResumeSectionType::Experience,
                    locked: false,
                    content: "\\section{Experience}\n\\item Built a Go service\n\\item Wrote docs\n".into(),
                },
                SectionInput {
                    index: 1,
                    section_type: ResumeSectionType::Skills,
                    locked: false,
                    content: "\\section{Skills}\n\\textbf{Tools}: Python, Rust, Go, Kubernetes \\\\\n".into(),
                },
                SectionInput {
                    index: 2,
                    section_type: ResumeSectionType::Experience,
                    locked: true,
                    content: "\\item Built more\n".into(),
                },
            ],
        }
    }

    #[test]
    fn proposals_only_touch_unlocked_sections_and_keep_items() {
        let answer = propose(&input(AiMode::Aggressive));
        assert!(answer.edits.iter().all(|e| e.section != 2));
        let skills = answer.edits.iter().find(|e| e.section == 1).expect("skills edit");
        assert_eq!(skills.replacement, "\\textbf{Tools}: Kubernetes, Go, Python, Rust \\\\");
        assert!(answer.edits.iter().any(|e| e.replacement.contains("Developed a Go service")));
        assert!(propose(&input(AiMode::Minimal)).edits.iter().all(|e| e.section != 1), "MINIMAL never reorders");
    }
}
