//! Integration tests for `text::diff`: hand-made edits of the real-world
//! fixtures, the JSON shape, and property tests over generated résumés and
//! arbitrary text.

use proptest::prelude::*;
use serde_json::json;
use text::diff::{DiffItem, DocumentDiff, REWRITE_THRESHOLD, Rewrite, diff_documents, section_items, similarity};
use text::enums::ResumeSectionType::{self, Achievements, Experience, Other, Projects, Skills};
use text::latex::{classify, split};

const JAKE: &str = include_str!("fixtures/resumes/jake.tex");
const FIXTURES: &[(&str, &str)] = &[
    ("jake", JAKE),
    ("moderncv", include_str!("fixtures/resumes/moderncv.tex")),
    ("altacv", include_str!("fixtures/resumes/altacv.tex")),
    ("plain", include_str!("fixtures/resumes/plain.tex")),
    ("awesome", include_str!("fixtures/resumes/awesome.tex")),
    ("rsection", include_str!("fixtures/resumes/rsection.tex")),
];

const LATENCY_42: &str = r"\resumeItem{Rebuilt the shipment-tracking ingestion pipeline in Rust, cutting p99 latency by 42\% and cloud spend by \$18k/month}";
const LATENCY_45: &str = r"\resumeItem{Rebuilt the shipment-tracking ingestion pipeline in Rust, cutting p99 latency by 45\% and cloud spend by \$18k/month}";
const MIGRATION: &str = r"\resumeItem{Led migration of 60+ services from a monolithic PostgreSQL instance to partitioned tables with zero downtime}";
const CONTRACT_TESTS: &str = r"\resumeItem{Introduced contract tests between the routing \& billing teams, reducing integration incidents by 30\%}";
const WORKSHOP: &str = r"\resumeItem{Co-authored a workshop paper on mixed-precision iterative refinement}";
const MENTORED: &str = r"\resumeItem{Mentored three undergraduates through their first HPC projects}";
const FRAMEWORKS: &str = r"\textbf{Frameworks}{: Tokio, Axum, React, FastAPI, gRPC} \\";
const TOOLS: &str = r"\textbf{Developer Tools}{: Git, Docker, Kubernetes, Terraform, GitHub Actions} \\";

/// `doc` with `from` replaced by `to`, checking that `from` occurs exactly once.
fn edit(doc: &str, from: &str, to: &str) -> String {
    assert_eq!(doc.matches(from).count(), 1, "{from:?} must occur once");
    doc.replacen(from, to, 1)
}

fn item(section: ResumeSectionType, title: &str, text: &str) -> DiffItem {
    DiffItem { section, section_title: Some(title.to_owned()), text: text.to_owned() }
}

/// The `section_items` of each section of a document, or of the whole text
/// when it is not one: what `diff_documents` compares.
fn all_items(doc: &str) -> Vec<String> {
    match split(doc) {
        Ok(parts) => parts.sections.iter().flat_map(|s| section_items(s.content)).collect(),
        Err(_) => section_items(doc),
    }
}

/// What holds for any diff of `from` and `to`: every old item is kept,
/// rewritten or removed, every new item kept, rewritten or added; the texts
/// come from the right side; similarities are in range.
fn check_consistent(from: &str, to: &str, diff: &DocumentDiff) {
    let (old, new) = if split(from).is_ok() && split(to).is_ok() {
        (all_items(from), all_items(to))
    } else {
        (section_items(from), section_items(to))
    };
    assert_eq!(old.len() - diff.removed.len(), new.len() - diff.added.len(), "{diff:#?}");
    assert!(diff.removed.len() + diff.rewritten.len() <= old.len());
    assert!(diff.added.len() + diff.rewritten.len() <= new.len());
    for removed in &diff.removed {
        assert!(old.contains(&removed.text), "{removed:?}");
    }
    for added in &diff.added {
        assert!(new.contains(&added.text), "{added:?}");
    }
    for rewrite in &diff.rewritten {
        assert!(old.contains(&rewrite.old) && new.contains(&rewrite.new), "{rewrite:?}");
        assert_ne!(rewrite.old, rewrite.new);
        assert!((REWRITE_THRESHOLD..1.0).contains(&rewrite.similarity), "{rewrite:?}");
        assert!(((rewrite.similarity * 100.0).round() / 100.0 - rewrite.similarity).abs() < 1e-12);
    }
}

#[test]
fn identical_and_reformatted_fixtures_give_empty_diffs() {
    for &(name, doc) in FIXTURES {
        assert!(diff_documents(doc, doc).is_empty(), "{name}");
        // Not byte-identical, so the full comparison runs.
        let variants = [
            format!("{doc}\n"),
            doc.replace('\n', "\r\n"),
            doc.replace('\n', "\n \t "),
            doc.replace("\n\n", "\n\n% a comment line\n"),
        ];
        for (k, variant) in variants.iter().enumerate() {
            assert_ne!(variant, doc);
            assert_eq!(diff_documents(doc, variant), DocumentDiff::default(), "{name}: variant {k}");
        }
    }
}

#[test]
fn a_changed_bullet_is_rewritten() {
    let diff = diff_documents(JAKE, &edit(JAKE, LATENCY_42, LATENCY_45));
    assert!(diff.added.is_empty() && diff.removed.is_empty(), "{diff:#?}");
    let [rewrite] = diff.rewritten.as_slice() else { panic!("one rewrite expected: {diff:#?}") };
    assert_eq!(rewrite.section, Experience);
    assert_eq!(rewrite.section_title.as_deref(), Some("Experience"));
    assert_eq!((rewrite.old.as_str(), rewrite.new.as_str()), (LATENCY_42, LATENCY_45));
    assert!((0.5..1.0).contains(&rewrite.similarity), "{}", rewrite.similarity);
}

#[test]
fn a_new_bullet_is_added() {
    let to = edit(JAKE, MIGRATION, &format!("{MIGRATION}\n        {MENTORED}"));
    let expected = DocumentDiff { added: vec![item(Experience, "Experience", MENTORED)], ..DocumentDiff::default() };
    assert_eq!(diff_documents(JAKE, &to), expected);
}

#[test]
fn a_deleted_bullet_is_removed() {
    let to = edit(JAKE, &format!("        {MIGRATION}\n"), "");
    let expected = DocumentDiff { removed: vec![item(Experience, "Experience", MIGRATION)], ..DocumentDiff::default() };
    assert_eq!(diff_documents(JAKE, &to), expected);
}

#[test]
fn reordered_bullets_and_skill_lines_are_moves_not_changes() {
    let bullets = format!("{MIGRATION}\n        {CONTRACT_TESTS}");
    let swapped = edit(JAKE, &bullets, &format!("{CONTRACT_TESTS}\n        {MIGRATION}"));
    let skills = format!("{FRAMEWORKS}\n     {TOOLS}");
    let swapped = edit(&swapped, &skills, &format!("{TOOLS}\n     {FRAMEWORKS}"));
    // A bullet moved to another job of the same section is a move too.
    let moved = edit(&edit(JAKE, &format!("        {WORKSHOP}\n"), ""), MIGRATION, &format!("{MIGRATION}\n{WORKSHOP}"));
    assert!(diff_documents(JAKE, &swapped).is_empty());
    assert!(diff_documents(JAKE, &moved).is_empty());
}

#[test]
fn a_bullet_moved_to_another_section_is_removed_and_added() {
    let to = edit(
        &edit(JAKE, &format!("        {WORKSHOP}\n"), ""),
        r"\section{Projects}",
        &format!("\\section{{Projects}}\n{WORKSHOP}"),
    );
    let expected = DocumentDiff {
        added: vec![item(Projects, "Projects", WORKSHOP)],
        removed: vec![item(Experience, "Experience", WORKSHOP)],
        rewritten: vec![],
    };
    assert_eq!(diff_documents(JAKE, &to), expected);
}

/// `JAKE`'s section starting at `heading`, with the banner above it, up to
/// the next banner.
fn jake_section(heading: &str) -> &'static str {
    let start = JAKE.find(heading).unwrap_or_default();
    let start = JAKE[..start].rfind("\n%-----------").map_or(start, |i| i + 1);
    let end = JAKE[start + 1..].find("\n%-----------").map_or(JAKE.len(), |i| start + 2 + i);
    &JAKE[start..end]
}

#[test]
fn reordered_sections_are_not_changes() {
    let education = jake_section(r"\section{Education}");
    let projects = jake_section(r"\section{Projects}");
    assert!(education.contains(r"\resumeSubheading") && projects.contains("Tidepool"));
    let to = edit(&edit(JAKE, education, "@EDUCATION@"), projects, education).replacen("@EDUCATION@", projects, 1);
    assert_ne!(to, JAKE);
    assert!(split(&to).is_ok());
    assert!(diff_documents(JAKE, &to).is_empty());
}

#[test]
fn a_new_section_is_all_added_and_a_removed_one_all_removed() {
    let awards = "\\section{Awards}\n  \\resumeSubHeadingListStart\n    \\resumeItem{ACM ICPC regional finalist (2019)}\n    \
                  \\resumeItem{Dean's List, six semesters}\n  \\resumeSubHeadingListEnd\n\n";
    let to = edit(JAKE, "%-----------PROJECTS-----------\n", &format!("{awards}%-----------PROJECTS-----------\n"));
    let added = [
        "\\section{Awards}",
        r"\resumeItem{ACM ICPC regional finalist (2019)}",
        r"\resumeItem{Dean's List, six semesters}",
    ];
    let expected = DocumentDiff {
        added: added.iter().map(|text| item(Achievements, "Awards", text)).collect(),
        ..DocumentDiff::default()
    };
    assert_eq!(diff_documents(JAKE, &to), expected);

    let projects = jake_section(r"\section{Projects}");
    let diff = diff_documents(JAKE, &edit(JAKE, projects, ""));
    let removed: Vec<DiffItem> = section_items(projects).iter().map(|text| item(Projects, "Projects", text)).collect();
    assert_eq!(removed.len(), 6);
    assert_eq!(diff, DocumentDiff { removed, ..DocumentDiff::default() });
}

#[test]
fn a_renamed_section_is_compared_item_by_item() {
    let to = edit(JAKE, r"\section{Experience}", r"\section{Work Experience}");
    let diff = diff_documents(JAKE, &to);
    let expected = DocumentDiff {
        rewritten: vec![Rewrite {
            section: Experience,
            section_title: Some("Work Experience".to_owned()),
            old: r"\section{Experience}".to_owned(),
            new: r"\section{Work Experience}".to_owned(),
            similarity: 0.91,
        }],
        ..DocumentDiff::default()
    };
    assert_eq!(diff, expected);
}

#[test]
fn different_other_sections_are_not_paired() {
    let moderncv = FIXTURES[1].1;
    let to = edit(moderncv, r"\section{Interests}", r"\section{Publications}");
    let items = [
        r"\cvitem{Running}{Completed the Stockholm Marathon three times}",
        r"\cvitem{Open data}{Maintains a \LaTeX{} template for municipal budget reports}",
    ];
    let section = |heading: &str, title: &str| -> Vec<DiffItem> {
        std::iter::once(heading).chain(items).map(|text| item(Other, title, text)).collect()
    };
    let expected = DocumentDiff {
        added: section(r"\section{Publications}", "Publications"),
        removed: section(r"\section{Interests}", "Interests"),
        rewritten: vec![],
    };
    assert_eq!(diff_documents(moderncv, &to), expected);
}

#[test]
fn jake_with_two_edits_gives_the_exact_diff() {
    // One bullet reworded, one replaced by an unrelated one.
    let to = edit(JAKE, LATENCY_42, LATENCY_45);
    let to = edit(&to, WORKSHOP, MENTORED);
    let expected = DocumentDiff {
        added: vec![item(Experience, "Experience", MENTORED)],
        removed: vec![item(Experience, "Experience", WORKSHOP)],
        rewritten: vec![Rewrite {
            section: Experience,
            section_title: Some("Experience".to_owned()),
            old: LATENCY_42.to_owned(),
            new: LATENCY_45.to_owned(),
            similarity: 0.97,
        }],
    };
    assert_eq!(diff_documents(JAKE, &to), expected);
    assert!(similarity(WORKSHOP, MENTORED) < REWRITE_THRESHOLD);
}

#[test]
fn results_follow_document_order() {
    // Edits made bottom-up in the text; results still come top-down.
    let to = edit(JAKE, TOOLS, r"\textbf{Developer Tools}{: Git, Docker, Kubernetes, Terraform, Nix} \\");
    let to =
        edit(&to, r"\section{Technical Skills}", "\\section{Technical Skills}\nCertified Kubernetes Administrator");
    let to = edit(&to, MIGRATION, &format!("{MIGRATION}\n        {MENTORED}"));
    let to = edit(&to, "{Austin Community College}{Austin, TX}", "{Austin Community College}{Round Rock, TX}");
    let diff = diff_documents(JAKE, &to);
    let sections: Vec<_> = diff.added.iter().map(|a| a.section).collect();
    assert_eq!(sections, [Experience, Skills]);
    let rewritten: Vec<_> = diff.rewritten.iter().map(|r| r.section).collect();
    assert_eq!(rewritten, [ResumeSectionType::Education, Skills]);
    check_consistent(JAKE, &to, &diff);
}

#[test]
fn text_that_is_not_a_document_is_one_other_section() {
    let diff = diff_documents("Jane Doe\n\\item Rust and Go\n", "Jane Doe\n\\item Rust, Go and SQL\n\\item Kafka\n");
    let expected = DocumentDiff {
        added: vec![DiffItem { section: Other, section_title: None, text: r"\item Kafka".to_owned() }],
        removed: vec![],
        rewritten: vec![Rewrite {
            section: Other,
            section_title: None,
            old: r"\item Rust and Go".to_owned(),
            new: r"\item Rust, Go and SQL".to_owned(),
            similarity: 0.67,
        }],
    };
    assert_eq!(diff, expected);
    // One side a document, the other not: both compared as whole texts.
    let diff = diff_documents(JAKE, "not a résumé");
    assert_eq!(diff.added, [DiffItem { section: Other, section_title: None, text: "not a résumé".to_owned() }]);
    assert_eq!(diff.removed.len(), section_items(JAKE).len());
    assert!(diff.removed.iter().all(|removed| removed.section == Other && removed.section_title.is_none()));
    assert!(diff_documents("", "").is_empty());
    assert!(diff_documents("", "\n\n% only a comment\n").is_empty());
}

#[test]
fn json_shape() -> Result<(), serde_json::Error> {
    let from = "\\documentclass{article}\n\\begin{document}\n\\section{Skills}\nRust, Go\n\\section{Experience}\n\
                \\begin{itemize}\n\\item Built a compiler in Rust\n\\item Wrote docs\n\\end{itemize}\n\\end{document}\n";
    let to = "\\documentclass{article}\n\\begin{document}\n\\section{Skills}\nRust, Go, SQL\n\\section{Experience}\n\
              \\begin{itemize}\n\\item Built a compiler in Rust\n\\item Ran the on-call rota\n\\end{itemize}\n\\end{document}\n";
    let diff = diff_documents(from, to);
    let value = serde_json::to_value(&diff)?;
    assert_eq!(
        value,
        json!({
            "added": [
                { "section": "EXPERIENCE", "sectionTitle": "Experience", "text": "\\item Ran the on-call rota" }
            ],
            "removed": [
                { "section": "EXPERIENCE", "sectionTitle": "Experience", "text": "\\item Wrote docs" }
            ],
            "rewritten": [
                { "section": "SKILLS", "sectionTitle": "Skills", "old": "Rust, Go", "new": "Rust, Go, SQL", "similarity": 0.75 }
            ]
        })
    );
    assert_eq!(serde_json::from_value::<DocumentDiff>(value)?, diff);
    let untitled = serde_json::to_value(DiffItem { section: Other, section_title: None, text: "x".to_owned() })?;
    assert_eq!(untitled, json!({ "section": "OTHER", "sectionTitle": null, "text": "x" }));
    Ok(())
}

#[test]
fn large_and_hostile_inputs_stay_bounded() {
    // Two unrelated 4,000-line texts, then one long line against its
    // reverse: bounded by the work limits, not by luck.
    let old: String = (0..4_000).map(|i| format!("\\item old line {i} alpha beta gamma\n")).collect();
    let new: String = (0..4_000).map(|i| format!("\\item new line {i} alpha beta delta\n")).collect();
    let diff = diff_documents(&old, &new);
    check_consistent(&old, &new, &diff);
    let words: Vec<String> = (0..20_000).map(|i| format!("w{}", i % 50)).collect();
    let forward = words.join(" ");
    let backward: String = words.iter().rev().cloned().collect::<Vec<_>>().join(" ");
    let diff = diff_documents(&forward, &backward);
    check_consistent(&forward, &backward, &diff);
    // No timing assertion here (timed tests flake on a shared machine): the
    // work limits in `diff.rs` bound this; a blow-up shows as a hung test.
}

/// A generated résumé: titled sections of bullets.
type Model = Vec<(String, Vec<String>)>;

const TITLES: &[&str] = &["Education", "Experience", "Projects", "Technical Skills", "Awards", "Summary", "Interests"];
const WORDS: &[&str] = &[
    "built",
    "led",
    "designed",
    "shipped",
    "the",
    "a",
    "service",
    "pipeline",
    "in",
    "Rust",
    "Go",
    "with",
    "latency",
    "team",
    "for",
    "users",
    "reduced",
    "cost",
    "by",
    "30\\%",
    "API",
    "migration",
];

fn render(model: &Model) -> String {
    let mut doc = String::from("\\documentclass{article}\n\\begin{document}\nJane Doe -- jane@example.com\n");
    for (title, bullets) in model {
        doc.push_str(&format!("\n%----- {title} -----\n\\section{{{title}}}\n  \\resumeItemListStart\n"));
        for bullet in bullets {
            doc.push_str(&format!("    \\resumeItem{{{bullet}}}\n"));
        }
        doc.push_str("  \\resumeItemListEnd\n");
    }
    doc.push_str("\\end{document}\n");
    doc
}

fn model() -> impl Strategy<Value = Model> {
    let bullet = prop::collection::vec(prop::sample::select(WORDS), 4..10).prop_map(|words| words.join(" "));
    let section = prop::collection::vec(bullet, 0..6);
    (Just(TITLES.to_vec()).prop_shuffle(), prop::collection::vec(section, 1..=TITLES.len())).prop_map(
        |(titles, sections)| {
            // Numbering keeps bullets unique, so every change has one reading.
            let mut serial = 0;
            titles
                .into_iter()
                .zip(sections)
                .map(|(title, bullets)| {
                    let bullets = bullets
                        .into_iter()
                        .map(|text| {
                            serial += 1;
                            format!("Item {serial}: {text}")
                        })
                        .collect();
                    (title.to_owned(), bullets)
                })
                .collect()
        },
    )
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(prop::sample::Index),
    Insert(prop::sample::Index, prop::sample::Index),
    Edit(prop::sample::Index),
    Swap(prop::sample::Index, prop::sample::Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        any::<prop::sample::Index>().prop_map(Mutation::Delete),
        any::<(prop::sample::Index, prop::sample::Index)>().prop_map(|(s, p)| Mutation::Insert(s, p)),
        any::<prop::sample::Index>().prop_map(Mutation::Edit),
        any::<(prop::sample::Index, prop::sample::Index)>().prop_map(|(a, b)| Mutation::Swap(a, b)),
    ]
}

/// `(section, bullet)` positions of all bullets.
fn bullets(model: &Model) -> Vec<(usize, usize)> {
    model.iter().enumerate().flat_map(|(s, (_, bullets))| (0..bullets.len()).map(move |b| (s, b))).collect()
}

fn bullet_item(model: &Model, section: usize, text: &str) -> DiffItem {
    let title = &model[section].0;
    item(classify(title), title, &format!("\\resumeItem{{{text}}}"))
}

/// Added texts and rewrites, sorted: a diff up to the order of the new side.
fn sorted_texts(diff: &DocumentDiff) -> (Vec<String>, Vec<(String, String)>) {
    let mut added: Vec<String> = diff.added.iter().map(|a| format!("{:?} {}", a.section, a.text)).collect();
    let mut rewritten: Vec<(String, String)> = diff.rewritten.iter().map(|r| (r.old.clone(), r.new.clone())).collect();
    added.sort();
    rewritten.sort();
    (added, rewritten)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn generated_documents_against_themselves_are_empty(model in model()) {
        let doc = render(&model);
        prop_assert!(diff_documents(&doc, &doc).is_empty());
        let reformatted = doc.replace("    \\resumeItem", "\t% bullet\n\t\\resumeItem").replace('\n', "\r\n");
        prop_assert_eq!(diff_documents(&doc, &reformatted), DocumentDiff::default());
    }

    #[test]
    fn one_mutation_gives_exactly_its_change(mut model in model(), change in mutation()) {
        let from = render(&model);
        let positions = bullets(&model);
        let expected = match change {
            Mutation::Delete(at) => {
                prop_assume!(!positions.is_empty());
                let (s, b) = *at.get(&positions);
                let text = model[s].1.remove(b);
                DocumentDiff { removed: vec![bullet_item(&model, s, &text)], ..DocumentDiff::default() }
            }
            Mutation::Insert(section, at) => {
                let s = section.index(model.len());
                let b = at.index(model[s].1.len() + 1);
                let text = "Mentored quokka interns on xylophone tuning".to_owned();
                model[s].1.insert(b, text.clone());
                DocumentDiff { added: vec![bullet_item(&model, s, &text)], ..DocumentDiff::default() }
            }
            Mutation::Edit(at) => {
                prop_assume!(!positions.is_empty());
                let (s, b) = *at.get(&positions);
                let old = model[s].1[b].clone();
                let new = format!("{old} quokka");
                model[s].1[b] = new.clone();
                let (old, new) = (bullet_item(&model, s, &old).text, bullet_item(&model, s, &new).text);
                let similarity = (similarity(&old, &new) * 100.0).round() / 100.0;
                let rewrite = Rewrite {
                    section: classify(&model[s].0),
                    section_title: Some(model[s].0.clone()),
                    old,
                    new,
                    similarity: similarity.min(0.99),
                };
                DocumentDiff { rewritten: vec![rewrite], ..DocumentDiff::default() }
            }
            Mutation::Swap(first, second) => {
                prop_assume!(!positions.is_empty());
                let (s, a) = *first.get(&positions);
                let b = second.index(model[s].1.len());
                model[s].1.swap(a, b);
                DocumentDiff::default()
            }
        };
        let to = render(&model);
        let diff = diff_documents(&from, &to);
        check_consistent(&from, &to, &diff);
        prop_assert_eq!(diff, expected);
    }

    #[test]
    fn many_mutations_stay_consistent(
        mut model in model(),
        changes in prop::collection::vec(mutation(), 0..8),
        shuffle_sections in any::<bool>(),
    ) {
        let from = render(&model);
        for change in changes {
            let positions = bullets(&model);
            match change {
                Mutation::Delete(at) if !positions.is_empty() => {
                    let (s, b) = *at.get(&positions);
                    model[s].1.remove(b);
                }
                Mutation::Insert(section, at) => {
                    let s = section.index(model.len());
                    let b = at.index(model[s].1.len() + 1);
                    model[s].1.insert(b, format!("Inserted {} service", at.index(1000)));
                }
                Mutation::Edit(at) if !positions.is_empty() => {
                    let (s, b) = *at.get(&positions);
                    model[s].1[b].push_str(" quokka");
                }
                Mutation::Swap(first, second) if !positions.is_empty() => {
                    let (s, a) = *first.get(&positions);
                    let b = second.index(model[s].1.len());
                    model[s].1.swap(a, b);
                }
                _ => {}
            }
        }
        if shuffle_sections {
            model.reverse();
        }
        let to = render(&model);
        let diff = diff_documents(&from, &to);
        check_consistent(&from, &to, &diff);
        // Unique titles: reversing the sections changes only the order of
        // what is reported in the new document's order.
        if shuffle_sections {
            model.reverse();
            let unshuffled = diff_documents(&from, &render(&model));
            prop_assert_eq!(&diff.removed, &unshuffled.removed);
            prop_assert_eq!(sorted_texts(&diff), sorted_texts(&unshuffled));
        }
    }

    #[test]
    fn arbitrary_text_never_panics(
        a in r"(\\documentclass\{article\}|\\begin\{document\}|\\end\{document\}|\\section\{[A-Za-z ]{0,12}\}|\\item|\\resumeItem\{|\{|\}|\\|%|\[|\]|\n|\r|[ a-zé€𝄞]{0,8}|\\begin\{comment\}|\\end\{comment\}){0,40}",
        b in r"(\\documentclass\{article\}|\\begin\{document\}|\\end\{document\}|\\section\{[A-Za-z ]{0,12}\}|\\item|\\resumeItem\{|\{|\}|\\|%|\[|\]|\n|\r|[ a-zé€𝄞]{0,8}|\\begin\{comment\}|\\end\{comment\}){0,40}",
        noise in any::<String>(),
    ) {
        prop_assert!(diff_documents(&a, &a).is_empty());
        prop_assert!(diff_documents(&noise, &noise).is_empty());
        let diff = diff_documents(&a, &b);
        check_consistent(&a, &b, &diff);
        let diff = diff_documents(&noise, &a);
        check_consistent(&noise, &a, &diff);
        let _ = similarity(&a, &noise);
    }
}
