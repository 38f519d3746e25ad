//! Role classification from the title and the skills in the body.
//!
//! # Scoring
//!
//! **Title.** The candidate title lines are the first three non-empty lines
//! plus any line among the first fifteen that starts with `Title:`,
//! `Job title:`, `Position:` or `Role:`. Their words (lowercased, hyphens
//! split: "Full-Stack" → `full stack`) are scanned left to right for the
//! cues in [`TITLE_CUES`], longest cue first, each cue giving a weight to one
//! role ("engineering manager" 14, "manager" 12, "backend" 10, "site
//! reliability" 10, "platform engineer" 10, "data platform" 11, "ai" 6, …).
//! Only lines containing a role noun ("engineer", "developer", "manager",
//! "scientist", …) count fully; the very first line counts ×0.4 without one
//! (it may be a bare title such as "Data Platform", or a company name such as
//! "Acme Security", which must stay weak evidence); other lines without a
//! role noun are skipped. Long lines (> 12 words) count half. A role's title score is its best
//! weighted cue over all title lines.
//!
//! **Body.** Every distinct skill found gives `1 + 0.25 × min(mentions − 1, 4)`
//! to the roles it indicates: by default through its kind (frontend →
//! frontend; backend → backend; database → backend ×0.75 and data ×0.25;
//! devops → devops; cloud → devops ×0.5; data → data; ml → ml; mobile →
//! mobile; security → security; languages, testing, tools and practices →
//! nothing), or through the skill's own `roles` in the lexicon (Go →
//! backend, Swift → mobile, "People Management" → management, …).
//! Full-stack body evidence is `1.5 × min(frontend, backend)` when both are at
//! least 2. Each body score is capped at 8, so a single title cue (≥ 10)
//! outweighs any body evidence and the body only breaks title ties or decides
//! when the title says nothing.
//!
//! **Decision.** The role with the highest `title + body` wins; exact ties go
//! to the first of management, security, ml, data, devops, mobile,
//! fullstack, frontend, backend. When the best total is below 3 the role is
//! [`RoleType::Other`].

use super::RoleType;
use super::SkillKind;
use super::lexicon::{Lexicon, SkillMatch, Tokens};

/// Title lines considered from the top of the text.
const TITLE_LINES: usize = 3;
/// Lines searched for an explicit "Title:" prefix.
const PREFIX_LINES: usize = 15;
const NO_ROLE_NOUN_FACTOR: f64 = 0.4;
const LONG_LINE_WORDS: usize = 12;
const LONG_LINE_FACTOR: f64 = 0.5;
const BODY_CAP: f64 = 8.0;
const FULLSTACK_MIN: f64 = 2.0;
const FULLSTACK_FACTOR: f64 = 1.5;
const MIN_SCORE: f64 = 3.0;

/// Exact-tie order (most specific first).
const TIE_ORDER: [RoleType; 9] = [
    RoleType::Management,
    RoleType::Security,
    RoleType::Ml,
    RoleType::Data,
    RoleType::Devops,
    RoleType::Mobile,
    RoleType::Fullstack,
    RoleType::Frontend,
    RoleType::Backend,
];

/// Title cues: lowercased words, role, weight.
pub(crate) const TITLE_CUES: &[(&[&str], RoleType, f64)] = &[
    // management
    (&["engineering", "manager"], RoleType::Management, 14.0),
    (&["manager"], RoleType::Management, 12.0),
    (&["director"], RoleType::Management, 12.0),
    (&["head", "of"], RoleType::Management, 12.0),
    (&["vp"], RoleType::Management, 12.0),
    (&["vice", "president"], RoleType::Management, 12.0),
    (&["cto"], RoleType::Management, 12.0),
    (&["chief", "technology", "officer"], RoleType::Management, 12.0),
    (&["management"], RoleType::Management, 10.0),
    (&["team", "lead"], RoleType::Management, 8.0),
    // fullstack
    (&["full", "stack"], RoleType::Fullstack, 10.0),
    (&["fullstack"], RoleType::Fullstack, 10.0),
    // frontend
    (&["frontend"], RoleType::Frontend, 10.0),
    (&["front", "end"], RoleType::Frontend, 10.0),
    (&["ui", "engineer"], RoleType::Frontend, 10.0),
    (&["ui", "developer"], RoleType::Frontend, 10.0),
    (&["ui"], RoleType::Frontend, 6.0),
    (&["web", "developer"], RoleType::Frontend, 7.0),
    (&["web", "engineer"], RoleType::Frontend, 7.0),
    (&["react"], RoleType::Frontend, 7.0),
    (&["javascript"], RoleType::Frontend, 5.0),
    // backend
    (&["backend"], RoleType::Backend, 10.0),
    (&["back", "end"], RoleType::Backend, 10.0),
    (&["server", "side"], RoleType::Backend, 10.0),
    (&["api"], RoleType::Backend, 6.0),
    (&["distributed", "systems"], RoleType::Backend, 7.0),
    (&["golang"], RoleType::Backend, 6.0),
    (&["go"], RoleType::Backend, 6.0),
    (&["java"], RoleType::Backend, 5.0),
    // data
    (&["data", "engineer"], RoleType::Data, 10.0),
    (&["data", "engineering"], RoleType::Data, 10.0),
    (&["analytics", "engineer"], RoleType::Data, 10.0),
    (&["data", "platform"], RoleType::Data, 11.0),
    (&["data", "infrastructure"], RoleType::Data, 11.0),
    (&["data", "analyst"], RoleType::Data, 10.0),
    (&["data", "scientist"], RoleType::Data, 10.0),
    (&["data", "science"], RoleType::Data, 10.0),
    (&["data", "warehouse"], RoleType::Data, 10.0),
    (&["big", "data"], RoleType::Data, 10.0),
    (&["business", "intelligence"], RoleType::Data, 10.0),
    (&["bi"], RoleType::Data, 8.0),
    (&["etl"], RoleType::Data, 8.0),
    (&["analytics"], RoleType::Data, 6.0),
    (&["data"], RoleType::Data, 5.0),
    // ml
    (&["machine", "learning", "platform"], RoleType::Ml, 12.0),
    (&["machine", "learning", "infrastructure"], RoleType::Ml, 12.0),
    (&["ml", "platform"], RoleType::Ml, 12.0),
    (&["ml", "infrastructure"], RoleType::Ml, 12.0),
    (&["machine", "learning"], RoleType::Ml, 10.0),
    (&["ml"], RoleType::Ml, 10.0),
    (&["mlops"], RoleType::Ml, 10.0),
    (&["ai", "engineer"], RoleType::Ml, 10.0),
    (&["deep", "learning"], RoleType::Ml, 10.0),
    (&["computer", "vision"], RoleType::Ml, 10.0),
    (&["nlp"], RoleType::Ml, 10.0),
    (&["applied", "scientist"], RoleType::Ml, 10.0),
    (&["research", "scientist"], RoleType::Ml, 9.0),
    (&["llm"], RoleType::Ml, 9.0),
    (&["ai"], RoleType::Ml, 6.0),
    // devops / sre / platform
    (&["devops"], RoleType::Devops, 10.0),
    (&["dev", "ops"], RoleType::Devops, 10.0),
    (&["site", "reliability"], RoleType::Devops, 10.0),
    (&["sre"], RoleType::Devops, 10.0),
    (&["platform", "engineer"], RoleType::Devops, 10.0),
    (&["platform", "engineering"], RoleType::Devops, 10.0),
    (&["infrastructure", "engineer"], RoleType::Devops, 10.0),
    (&["cloud", "engineer"], RoleType::Devops, 10.0),
    (&["cloud", "infrastructure"], RoleType::Devops, 10.0),
    (&["release", "engineer"], RoleType::Devops, 9.0),
    (&["reliability"], RoleType::Devops, 8.0),
    (&["infrastructure"], RoleType::Devops, 8.0),
    (&["production", "engineer"], RoleType::Devops, 8.0),
    (&["platform"], RoleType::Devops, 6.0),
    (&["kubernetes"], RoleType::Devops, 6.0),
    (&["cloud"], RoleType::Devops, 5.0),
    (&["systems", "engineer"], RoleType::Devops, 5.0),
    // mobile
    (&["ios"], RoleType::Mobile, 10.0),
    (&["android"], RoleType::Mobile, 10.0),
    (&["mobile"], RoleType::Mobile, 10.0),
    (&["react", "native"], RoleType::Mobile, 10.0),
    (&["flutter"], RoleType::Mobile, 10.0),
    (&["swift"], RoleType::Mobile, 7.0),
    (&["kotlin"], RoleType::Mobile, 6.0),
    // security
    (&["security"], RoleType::Security, 10.0),
    (&["appsec"], RoleType::Security, 10.0),
    (&["infosec"], RoleType::Security, 10.0),
    (&["cybersecurity"], RoleType::Security, 10.0),
    (&["devsecops"], RoleType::Security, 10.0),
    (&["penetration"], RoleType::Security, 10.0),
    (&["pentester"], RoleType::Security, 10.0),
    (&["red", "team"], RoleType::Security, 10.0),
    (&["blue", "team"], RoleType::Security, 10.0),
    (&["cyber"], RoleType::Security, 8.0),
    (&["detection"], RoleType::Security, 8.0),
    (&["threat"], RoleType::Security, 8.0),
    (&["vulnerability"], RoleType::Security, 8.0),
];

/// Per-role scores, indexed like [`RoleType::ALL`].
type Scores = [f64; RoleType::ALL.len()];

fn idx(role: RoleType) -> usize {
    RoleType::ALL.iter().position(|r| *r == role).unwrap_or(0)
}

/// Classifies the role of a tokenised JD.
pub(crate) fn classify(lex: &Lexicon, t: &Tokens<'_>, matches: &[SkillMatch]) -> RoleType {
    let title = title_scores(t);
    let body = body_scores(lex, matches);
    let mut best = RoleType::Other;
    let mut best_score = f64::NEG_INFINITY;
    for role in TIE_ORDER {
        let i = idx(role);
        let total = title.get(i).copied().unwrap_or(0.0) + body.get(i).copied().unwrap_or(0.0);
        if total > best_score {
            best = role;
            best_score = total;
        }
    }
    if best_score < MIN_SCORE { RoleType::Other } else { best }
}

/// Best weighted title cue per role.
fn title_scores(t: &Tokens<'_>) -> Scores {
    let mut scores: Scores = [0.0; RoleType::ALL.len()];
    for (n, line) in t.lines().enumerate().take(PREFIX_LINES) {
        if n >= TITLE_LINES && !has_title_prefix(t, &line) {
            continue;
        }
        let words: Vec<&str> = line.clone().filter(|&i| t.is_alnum(i)).map(|i| t.lower(i)).collect();
        let mut factor = if words.iter().any(|w| crate::vocabulary::is_role_word(w)) {
            1.0
        } else if n == 0 {
            NO_ROLE_NOUN_FACTOR
        } else {
            continue;
        };
        if words.len() > LONG_LINE_WORDS {
            factor *= LONG_LINE_FACTOR;
        }
        let mut k = 0;
        while k < words.len() {
            let rest = words.get(k..).unwrap_or_default();
            let cue = TITLE_CUES
                .iter()
                .filter(|(cue, _, _)| rest.starts_with(cue))
                .max_by(|a, b| a.0.len().cmp(&b.0.len()).then(b.2.total_cmp(&a.2)));
            match cue {
                Some((words, role, weight)) => {
                    if let Some(s) = scores.get_mut(idx(*role)) {
                        *s = s.max(weight * factor);
                    }
                    k += words.len().max(1);
                }
                None => k += 1,
            }
        }
    }
    scores
}

/// Whether a line starts with "Title:", "Job title:", "Position:" or "Role:".
fn has_title_prefix(t: &Tokens<'_>, line: &std::ops::Range<usize>) -> bool {
    let s = line.start;
    let colon_at = |i: usize| i < line.end && t.punct(i) == Some(':');
    match t.lower(s) {
        "title" | "position" | "role" => colon_at(s + 1),
        "job" => t.lower(s + 1) == "title" && colon_at(s + 2),
        _ => false,
    }
}

/// The default role evidence of a skill kind.
fn kind_roles(kind: SkillKind) -> &'static [(RoleType, f64)] {
    match kind {
        SkillKind::Frontend => &[(RoleType::Frontend, 1.0)],
        SkillKind::Backend => &[(RoleType::Backend, 1.0)],
        SkillKind::Database => &[(RoleType::Backend, 0.75), (RoleType::Data, 0.25)],
        SkillKind::Devops => &[(RoleType::Devops, 1.0)],
        SkillKind::Cloud => &[(RoleType::Devops, 0.5)],
        SkillKind::Data => &[(RoleType::Data, 1.0)],
        SkillKind::Ml => &[(RoleType::Ml, 1.0)],
        SkillKind::Mobile => &[(RoleType::Mobile, 1.0)],
        SkillKind::Security => &[(RoleType::Security, 1.0)],
        SkillKind::Language | SkillKind::Testing | SkillKind::Tool | SkillKind::Practice => &[],
    }
}

/// Body evidence per role from the skills found (capped).
fn body_scores(lex: &Lexicon, matches: &[SkillMatch]) -> Scores {
    let mut mentions = vec![0u32; lex.len()];
    for m in matches {
        if let Some(c) = mentions.get_mut(m.skill) {
            *c = c.saturating_add(1);
        }
    }
    let mut scores: Scores = [0.0; RoleType::ALL.len()];
    for (id, &count) in mentions.iter().enumerate() {
        if count == 0 {
            continue;
        }
        let Some(skill) = lex.skill(id) else { continue };
        let strength = 1.0 + 0.25 * f64::from(count.saturating_sub(1).min(4));
        let mut add = |role: RoleType, w: f64| {
            if let Some(s) = scores.get_mut(idx(role)) {
                *s += strength * w;
            }
        };
        match &skill.roles {
            Some(roles) => roles.iter().for_each(|r| add(*r, 1.0)),
            None => kind_roles(skill.kind).iter().for_each(|(r, w)| add(*r, *w)),
        }
    }
    let fe = scores.get(idx(RoleType::Frontend)).copied().unwrap_or(0.0);
    let be = scores.get(idx(RoleType::Backend)).copied().unwrap_or(0.0);
    let both = fe.min(be);
    if both >= FULLSTACK_MIN
        && let Some(s) = scores.get_mut(idx(RoleType::Fullstack))
    {
        *s += FULLSTACK_FACTOR * both;
    }
    for s in &mut scores {
        *s = s.min(BODY_CAP);
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::super::analyze;
    use super::*;

    fn role(text: &str) -> RoleType {
        analyze(text).role_type
    }

    #[test]
    fn titles_decide() {
        assert_eq!(role("Senior Backend Engineer\nWe use React."), RoleType::Backend);
        assert_eq!(role("Site Reliability Engineer"), RoleType::Devops);
        assert_eq!(role("Platform Engineer"), RoleType::Devops);
        assert_eq!(role("Data Engineer"), RoleType::Data);
        assert_eq!(role("Machine Learning Engineer"), RoleType::Ml);
        assert_eq!(role("Engineering Manager, Data Platform"), RoleType::Management);
        assert_eq!(role("Full-Stack Developer"), RoleType::Fullstack);
        assert_eq!(role("Full Stack Engineer"), RoleType::Fullstack);
        assert_eq!(role("iOS Engineer"), RoleType::Mobile);
        assert_eq!(role("Senior Android Developer"), RoleType::Mobile);
        assert_eq!(role("Security Engineer"), RoleType::Security);
        assert_eq!(role("Front-End Engineer"), RoleType::Frontend);
    }

    #[test]
    fn title_prefix_lines_count() {
        let text = "Northwind Ltd\nLondon\nHybrid\nAbout us: we sell tea.\nJob Title: Data Engineer\n";
        assert_eq!(role(text), RoleType::Data);
    }

    #[test]
    fn company_name_is_weak_evidence() {
        // "Security" in a company line (no role noun) loses to the real title.
        let text = "Acme Security Inc\nSenior Backend Engineer\n";
        assert_eq!(role(text), RoleType::Backend);
    }

    #[test]
    fn body_decides_without_title_cue() {
        let fe = "Software Engineer\nReact, TypeScript, CSS, Redux, Webpack, Storybook, Next.js";
        assert_eq!(role(fe), RoleType::Frontend);
        let fs = "Software Engineer\nReact, CSS, Redux, Next.js with Node.js, Django, GraphQL, gRPC";
        assert_eq!(role(fs), RoleType::Fullstack);
    }

    #[test]
    fn nothing_convincing_is_other() {
        assert_eq!(role(""), RoleType::Other);
        assert_eq!(role("Account Executive\nClose deals and delight customers."), RoleType::Other);
        assert_eq!(role("We like Git and Jira."), RoleType::Other);
    }

    #[test]
    fn cue_table_is_lowercase() {
        for (words, _, weight) in TITLE_CUES {
            assert!(*weight > 0.0);
            assert!(!words.is_empty());
            assert!(words.iter().all(|w| *w == w.to_lowercase()));
        }
    }
}
