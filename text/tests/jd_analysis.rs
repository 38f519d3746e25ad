//! Integration tests for `text::jd`: realistic JD fixtures, alias and
//! boundary rules, JSON shape, determinism and robustness.

use std::collections::{BTreeSet, HashMap};

use serde_json::json;
use text::jd::{JdAnalysis, MAX_INPUT_BYTES, MAX_KEYWORDS, RoleType, SkillKind, analyze, find_skills};

const BACKEND: &str = include_str!("fixtures/jds/backend.txt");
const FRONTEND: &str = include_str!("fixtures/jds/frontend.txt");
const FULLSTACK: &str = include_str!("fixtures/jds/fullstack.txt");
const DATA: &str = include_str!("fixtures/jds/data.txt");
const ML: &str = include_str!("fixtures/jds/ml.txt");
const DEVOPS: &str = include_str!("fixtures/jds/devops.txt");
const MOBILE: &str = include_str!("fixtures/jds/mobile.txt");
const SECURITY: &str = include_str!("fixtures/jds/security.txt");
const MANAGER: &str = include_str!("fixtures/jds/manager.txt");
const OTHER: &str = include_str!("fixtures/jds/other.txt");
const PLATFORM: &str = include_str!("fixtures/jds/platform.txt");

const ALL: [(&str, &str); 11] = [
    ("backend", BACKEND),
    ("frontend", FRONTEND),
    ("fullstack", FULLSTACK),
    ("data", DATA),
    ("ml", ML),
    ("devops", DEVOPS),
    ("mobile", MOBILE),
    ("security", SECURITY),
    ("manager", MANAGER),
    ("other", OTHER),
    ("platform", PLATFORM),
];

/// Words that must never appear in any keyword (stop words and boilerplate).
const NEVER_IN_KEYWORDS: &[&str] = &[
    "the",
    "and",
    "with",
    "you",
    "we",
    "our",
    "experience",
    "team",
    "teams",
    "work",
    "years",
    "year",
    "company",
    "benefits",
    "salary",
    "equal",
    "opportunity",
    "employer",
    "requirements",
    "responsibilities",
    "strong",
    "skills",
];

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// Asserts each `(name, kind)` was extracted under that kind.
fn assert_skills(a: &JdAnalysis, expected: &[(&str, SkillKind)]) {
    for (name, kind) in expected {
        assert_eq!(
            a.extracted_skills.kind_of(name),
            Some(*kind),
            "skill {name:?} as {kind:?}; got {:?}",
            a.extracted_skills
        );
    }
}

fn assert_no_skill(a: &JdAnalysis, names: &[&str]) {
    for name in names {
        assert!(!a.extracted_skills.contains(name), "unexpected skill {name:?} in {:?}", a.extracted_skills);
    }
}

fn top_terms(a: &JdAnalysis, n: usize) -> Vec<&str> {
    a.keywords.iter().take(n).map(|k| k.term.as_str()).collect()
}

/// Asserts every term is among the first `n` keywords.
fn assert_top(a: &JdAnalysis, n: usize, terms: &[&str]) {
    let top = top_terms(a, n);
    for term in terms {
        assert!(top.contains(term), "{term:?} not in top {n}: {top:?}");
    }
}

/// Asserts no keyword equals any of `terms`.
fn assert_not_keyword(a: &JdAnalysis, terms: &[&str]) {
    for term in terms {
        assert!(!a.keywords.iter().any(|k| k.term == *term), "{term:?} should not be a keyword: {:?}", a.keywords);
    }
}

fn skill_names(text: &str) -> Vec<String> {
    find_skills(text).into_iter().map(|m| m.name).collect()
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

#[test]
fn backend_fixture() {
    let a = analyze(BACKEND);
    assert_eq!(a.role_type, RoleType::Backend);
    assert_skills(
        &a,
        &[
            ("Go", SkillKind::Language),
            ("PostgreSQL", SkillKind::Database),
            ("Kubernetes", SkillKind::Devops),
            ("Kafka", SkillKind::Backend),
            ("gRPC", SkillKind::Backend),
            ("REST", SkillKind::Backend),
            ("Redis", SkillKind::Database),
            ("Terraform", SkillKind::Devops),
            ("Amazon Web Services", SkillKind::Cloud),
            ("Distributed Systems", SkillKind::Practice),
            ("PCI DSS", SkillKind::Security),
        ],
    );
    // "k8s", "Kubernetes" and "(k8s)" all count; "Postgres" folds into PostgreSQL.
    assert_eq!(a.extracted_skills.get("Kubernetes").map(|s| s.mentions), Some(5));
    assert_eq!(a.extracted_skills.get("PostgreSQL").map(|s| s.mentions), Some(5));
    // "Go-to-market" is not Go: 6 real mentions (incl. "golang").
    assert_eq!(a.extracted_skills.get("Go").map(|s| s.mentions), Some(6));
    assert_top(&a, 5, &["kubernetes", "go", "postgresql"]);
    assert_top(&a, 30, &["payments", "ledger", "distributed systems"]);
    assert_not_keyword(&a, &["k8s", "postgres", "golang", "market"]);
}

#[test]
fn frontend_fixture() {
    let a = analyze(FRONTEND);
    assert_eq!(a.role_type, RoleType::Frontend);
    assert_skills(
        &a,
        &[
            ("React", SkillKind::Frontend),
            ("TypeScript", SkillKind::Language),
            ("Next.js", SkillKind::Frontend),
            ("Storybook", SkillKind::Frontend),
            ("Accessibility", SkillKind::Frontend),
            ("Tailwind CSS", SkillKind::Frontend),
            ("Jest", SkillKind::Testing),
            ("Playwright", SkillKind::Testing),
            ("GraphQL", SkillKind::Backend),
            ("Figma", SkillKind::Tool),
        ],
    );
    // "We react quickly to feedback" is not React.
    assert_eq!(a.extracted_skills.get("React").map(|s| s.mentions), Some(3));
    // "WCAG" is an alias of Accessibility.
    assert!(a.extracted_skills.get("Accessibility").is_some_and(|s| s.mentions >= 2));
    assert_no_skill(&a, &["Java", "JavaScript"]);
    assert_top(&a, 5, &["accessibility", "design systems", "react", "typescript"]);
    assert_not_keyword(&a, &["frontend development"]);
}

#[test]
fn fullstack_fixture() {
    let a = analyze(FULLSTACK);
    assert_eq!(a.role_type, RoleType::Fullstack);
    assert_skills(
        &a,
        &[
            ("React", SkillKind::Frontend),
            ("Node.js", SkillKind::Backend),
            ("Express", SkillKind::Backend),
            ("PostgreSQL", SkillKind::Database),
            ("TypeScript", SkillKind::Language),
            ("JavaScript", SkillKind::Language),
            ("Java", SkillKind::Language),
            ("AWS Lambda", SkillKind::Cloud),
            ("Amazon SQS", SkillKind::Cloud),
            ("CI/CD", SkillKind::Devops),
            ("Cypress", SkillKind::Testing),
        ],
    );
    // "JavaScript" does not count as "Java" (2 real mentions).
    assert_eq!(a.extracted_skills.get("Java").map(|s| s.mentions), Some(2));
    assert_eq!(a.extracted_skills.get("JavaScript").map(|s| s.mentions), Some(1));
    assert_top(&a, 5, &["node.js", "react", "postgresql"]);
    assert_top(&a, 20, &["booking widget"]);
    // The company name on the first line is not a key phrase.
    assert_not_keyword(&a, &["harbor", "pine", "harbor pine"]);
}

#[test]
fn data_fixture() {
    let a = analyze(DATA);
    assert_eq!(a.role_type, RoleType::Data);
    assert_skills(
        &a,
        &[
            ("Spark", SkillKind::Data),
            ("Airflow", SkillKind::Data),
            ("dbt", SkillKind::Data),
            ("Snowflake", SkillKind::Data),
            ("Databricks", SkillKind::Data),
            ("Great Expectations", SkillKind::Data),
            ("Data Modeling", SkillKind::Data),
            ("ETL", SkillKind::Data),
            ("Kafka", SkillKind::Backend),
            ("Amazon S3", SkillKind::Cloud),
            ("SQL", SkillKind::Language),
            ("Python", SkillKind::Language),
        ],
    );
    // "PySpark" is an alias of Spark.
    assert!(a.extracted_skills.get("Spark").is_some_and(|s| s.mentions >= 5));
    assert_top(&a, 8, &["spark", "dbt", "airflow", "snowflake"]);
    assert_not_keyword(&a, &["pyspark", "apache airflow"]);
}

#[test]
fn ml_fixture() {
    let a = analyze(ML);
    assert_eq!(a.role_type, RoleType::Ml);
    assert_skills(
        &a,
        &[
            ("Machine Learning", SkillKind::Ml),
            ("PyTorch", SkillKind::Ml),
            ("scikit-learn", SkillKind::Ml),
            ("MLflow", SkillKind::Ml),
            ("Large Language Models", SkillKind::Ml),
            ("Retrieval-Augmented Generation", SkillKind::Ml),
            ("Recommender Systems", SkillKind::Ml),
            ("Ray", SkillKind::Ml),
            ("C++", SkillKind::Language),
            ("Kubernetes", SkillKind::Devops),
            ("A/B Testing", SkillKind::Data),
        ],
    );
    // "scikit-learn (sklearn)" counts twice.
    assert_eq!(a.extracted_skills.get("scikit-learn").map(|s| s.mentions), Some(2));
    assert_top(&a, 5, &["machine learning", "pytorch"]);
    assert_top(&a, 30, &["ranking", "ranking models"]);
}

#[test]
fn devops_fixture() {
    let a = analyze(DEVOPS);
    assert_eq!(a.role_type, RoleType::Devops);
    assert_skills(
        &a,
        &[
            ("Kubernetes", SkillKind::Devops),
            ("Terraform", SkillKind::Devops),
            ("Amazon Web Services", SkillKind::Cloud),
            ("Amazon EKS", SkillKind::Cloud),
            ("Helm", SkillKind::Devops),
            ("Argo CD", SkillKind::Devops),
            ("Prometheus", SkillKind::Devops),
            ("CI/CD", SkillKind::Devops),
            ("GitOps", SkillKind::Devops),
            ("Site Reliability Engineering", SkillKind::Devops),
            ("HashiCorp Vault", SkillKind::Devops),
            ("TCP/IP", SkillKind::Devops),
            ("Go", SkillKind::Language),
        ],
    );
    // "react quickly to incidents" is not React.
    assert_no_skill(&a, &["React"]);
    assert_top(&a, 3, &["kubernetes"]);
    assert_top(&a, 10, &["terraform", "amazon web services"]);
}

#[test]
fn platform_fixture_long() {
    assert!(PLATFORM.len() > 4_000, "the long fixture should stay ~5 KB");
    let a = analyze(PLATFORM);
    assert_eq!(a.role_type, RoleType::Devops);
    assert_skills(
        &a,
        &[
            ("Kubernetes", SkillKind::Devops),
            ("Backstage", SkillKind::Devops),
            ("Crossplane", SkillKind::Devops),
            ("Jenkins", SkillKind::Devops),
            ("Platform Engineering", SkillKind::Devops),
            ("Bazel", SkillKind::Tool),
            ("Monorepo", SkillKind::Practice),
            ("Amazon EKS", SkillKind::Cloud),
        ],
    );
    assert_eq!(a.extracted_skills.get("Kubernetes").map(|s| s.mentions), Some(7));
    // "our recruiting team" in the EEO paragraph is not a management skill.
    assert_no_skill(&a, &["Technical Hiring"]);
    assert_top(&a, 3, &["kubernetes", "platform"]);
    assert_not_keyword(&a, &["cobalt harbor", "cobalt harbor logistics", "careers"]);
}

#[test]
fn mobile_fixture() {
    let a = analyze(MOBILE);
    assert_eq!(a.role_type, RoleType::Mobile);
    assert_skills(
        &a,
        &[
            ("iOS", SkillKind::Mobile),
            ("Swift", SkillKind::Language),
            ("SwiftUI", SkillKind::Mobile),
            ("UIKit", SkillKind::Mobile),
            ("Objective-C", SkillKind::Language),
            ("Core Data", SkillKind::Mobile),
            ("XCTest", SkillKind::Testing),
            ("App Store", SkillKind::Mobile),
            ("Kotlin", SkillKind::Language),
            ("Jetpack Compose", SkillKind::Mobile),
        ],
    );
    // "swift feedback" (lowercase) is not Swift.
    assert_eq!(a.extracted_skills.get("Swift").map(|s| s.mentions), Some(3));
    assert_top(&a, 3, &["ios", "swift"]);
}

#[test]
fn security_fixture() {
    let a = analyze(SECURITY);
    assert_eq!(a.role_type, RoleType::Security);
    assert_skills(
        &a,
        &[
            ("Application Security", SkillKind::Security),
            ("Threat Modeling", SkillKind::Security),
            ("SAST", SkillKind::Security),
            ("Burp Suite", SkillKind::Security),
            ("Penetration Testing", SkillKind::Security),
            ("OWASP", SkillKind::Security),
            ("OAuth", SkillKind::Security),
            ("OpenID Connect", SkillKind::Security),
            ("SOC 2", SkillKind::Security),
            ("PCI DSS", SkillKind::Security),
            ("IAM", SkillKind::Security),
            ("Semgrep", SkillKind::Security),
        ],
    );
    // "OIDC" is an alias of OpenID Connect; "TS/SCI clearance" is not TypeScript.
    assert_eq!(a.extracted_skills.get("OpenID Connect").map(|s| s.mentions), Some(2));
    assert_eq!(a.extracted_skills.get("TypeScript").map(|s| s.mentions), Some(1));
    assert_top(&a, 5, &["security", "application security"]);
}

#[test]
fn manager_fixture() {
    let a = analyze(MANAGER);
    assert_eq!(a.role_type, RoleType::Management);
    assert_skills(
        &a,
        &[
            ("People Management", SkillKind::Practice),
            ("Performance Management", SkillKind::Practice),
            ("One-on-Ones", SkillKind::Practice),
            ("Technical Hiring", SkillKind::Practice),
            ("Career Coaching", SkillKind::Practice),
            ("Roadmapping", SkillKind::Practice),
            ("Agile", SkillKind::Practice),
            ("Spark", SkillKind::Data),
            ("Airflow", SkillKind::Data),
            ("Snowflake", SkillKind::Data),
        ],
    );
    assert_top(&a, 10, &["people management", "engineering manager"]);
    assert_not_keyword(&a, &["meridian freight", "meridian"]);
}

#[test]
fn non_engineering_fixture_is_other() {
    let a = analyze(OTHER);
    assert_eq!(a.role_type, RoleType::Other);
    assert!(a.extracted_skills.is_empty(), "{:?}", a.extracted_skills);
    assert_top(&a, 5, &["accounts", "coffee"]);
}

#[test]
fn keywords_are_well_formed_for_every_fixture() {
    for (name, text) in ALL {
        let a = analyze(text);
        let k = &a.keywords;
        assert!(!k.is_empty() && k.len() <= MAX_KEYWORDS, "{name}: {}", k.len());
        assert_eq!(k.first().map(|k| k.weight), Some(1.0), "{name}");
        let mut seen = BTreeSet::new();
        for (i, kw) in k.iter().enumerate() {
            assert!(kw.weight > 0.0 && kw.weight <= 1.0, "{name}: {kw:?}");
            assert_eq!(kw.term, kw.term.to_lowercase(), "{name}: {kw:?}");
            assert!(seen.insert(kw.term.clone()), "{name}: duplicate {kw:?}");
            assert!(kw.term.split(' ').count() <= 3, "{name}: {kw:?}");
            for word in kw.term.split(' ') {
                assert!(!NEVER_IN_KEYWORDS.contains(&word), "{name}: boilerplate {word:?} in {kw:?}");
            }
            if let Some(prev) = i.checked_sub(1).and_then(|p| k.get(p)) {
                assert!(
                    prev.weight > kw.weight || (prev.weight == kw.weight && prev.term < kw.term),
                    "{name}: order {prev:?} then {kw:?}"
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Aliases, boundaries and case rules
// ---------------------------------------------------------------------------

#[test]
fn java_is_not_javascript() {
    assert_eq!(skill_names("JavaScript and TypeScript"), ["JavaScript", "TypeScript"]);
    assert_eq!(skill_names("Java, JavaScript, js, ES6"), ["Java", "JavaScript", "JavaScript", "JavaScript"]);
    assert_eq!(skill_names("tests in ts, index.ts and TSX"), ["TypeScript"]);
}

#[test]
fn go_is_not_the_verb() {
    assert!(skill_names("we go to market fast, ready to go, go live").is_empty());
    assert!(skill_names("Go-to-market strategy. Go live next week. Go-getter!").is_empty());
    assert!(skill_names("Let's go! main.go and go.mod").is_empty());
    assert_eq!(skill_names("We write Go. Also Golang and GoLang."), ["Go", "Go", "Go"]);
    assert_eq!(skill_names("Python/Go/Rust"), ["Python", "Go", "Rust"]);
}

#[test]
fn punctuated_skills() {
    assert_eq!(skill_names("C++, C# and .NET"), ["C++", "C#", ".NET"]);
    assert_eq!(skill_names("cpp / csharp / dotnet / .NET Core"), ["C++", "C#", ".NET", ".NET"]);
    assert_eq!(skill_names("Node.js, nodejs, Node and node.js"), ["Node.js"; 4]);
    assert_eq!(skill_names("a graph node"), Vec::<String>::new());
    assert_eq!(skill_names("CI/CD, CI / CD, ci-cd and continuous integration"), ["CI/CD"; 4]);
    assert_eq!(skill_names("ASP.NET Core"), ["ASP.NET"]);
    assert_eq!(skill_names("mail us at jobs@example.net"), Vec::<String>::new());
    assert_eq!(skill_names("C\\# and R\\&D budget"), ["C#"]);
    assert_eq!(skill_names("scikit-learn, sklearn, scikit learn"), ["scikit-learn"; 3]);
}

#[test]
fn case_sensitive_aliases() {
    assert!(skill_names("react to alerts; the rest of the day; swift delivery; spark joy").is_empty());
    assert_eq!(skill_names("React, REST APIs, Swift, Spark"), ["React", "REST", "Swift", "Spark"]);
    assert_eq!(skill_names("restful services and rest apis"), ["REST", "REST"]);
    assert_eq!(skill_names("ML and ml"), ["Machine Learning"]);
}

#[test]
fn urls_verbs_and_latex() {
    assert!(skill_names("Apply at https://jobs.example.com/go or http://k8s.io").is_empty());
    assert!(skill_names("- Excel at communication\n- Spring into action").is_empty());
    assert_eq!(skill_names("SQL and Excel; Java/Spring"), ["SQL", "Excel", "Java", "Spring"]);
    let resume = "\\item Built \\textbf{Go} services on \\href{https://k8s.io}{Kubernetes}; C\\# and .NET";
    assert_eq!(skill_names(resume), ["Go", "Kubernetes", "C#", ".NET"]);
}

#[test]
fn single_letter_languages_need_a_list() {
    assert_eq!(skill_names("Python, R and SQL"), ["Python", "R", "SQL"]);
    assert_eq!(skill_names("C/C++ and Rust"), ["C", "C++", "Rust"]);
    assert_eq!(skill_names("proficiency in C"), ["C"]);
    assert!(skill_names("R&D, Series C, C-level, Plan C works, vitamin C").is_empty());
    assert!(skill_names("c, r and go").is_empty());
}

#[test]
fn multi_word_aliases_cross_lines() {
    assert_eq!(skill_names("machine\nlearning"), ["Machine Learning"]);
    assert_eq!(skill_names("continuous\n    integration"), ["CI/CD"]);
    assert_eq!(skill_names("Amazon Web\r\nServices"), ["Amazon Web Services"]);
    assert_eq!(skill_names("machine-learning"), ["Machine Learning"]);
    // Longest match wins.
    assert_eq!(skill_names("React Native and React"), ["React Native", "React"]);
    assert_eq!(skill_names("Spring Boot and Spring"), ["Spring Boot", "Spring"]);
}

#[test]
fn find_skills_reports_byte_spans() {
    let text = "Naïve k8s—Postgres, C++ and Node.js";
    let mentions = find_skills(text);
    let spans: Vec<(&str, &str, SkillKind)> =
        mentions.iter().map(|m| (m.name.as_str(), text.get(m.start..m.end).unwrap_or("?"), m.kind)).collect();
    assert_eq!(
        spans,
        [
            ("Kubernetes", "k8s", SkillKind::Devops),
            ("PostgreSQL", "Postgres", SkillKind::Database),
            ("C++", "C++", SkillKind::Language),
            ("Node.js", "Node.js", SkillKind::Backend),
        ]
    );
}

// ---------------------------------------------------------------------------
// JSON shape and determinism
// ---------------------------------------------------------------------------

#[test]
fn json_snapshot_of_a_small_jd() {
    let text = "Backend Engineer\n\nRequirements:\n- Go and Postgres (PostgreSQL)\n\
                - k8s experience required\n- Go services on Kubernetes\n";
    let value = serde_json::to_value(analyze(text)).unwrap_or_default();
    let expected = json!({
        "extractedSkills": {
            "database": [ { "name": "PostgreSQL", "mentions": 2 } ],
            "devops":   [ { "name": "Kubernetes", "mentions": 2 } ],
            "language": [ { "name": "Go", "mentions": 2 } ]
        },
        "keywords": [
            { "term": "kubernetes", "weight": 1.0 },
            { "term": "go", "weight": 0.87 },
            { "term": "postgresql", "weight": 0.87 },
            { "term": "services", "weight": 0.217 },
            { "term": "backend", "weight": 0.121 }
        ],
        "roleType": "backend"
    });
    assert_eq!(value, expected);
}

#[test]
fn json_round_trips_and_is_stable() {
    for (name, text) in ALL {
        let a = analyze(text);
        let b = analyze(text);
        assert_eq!(a, b, "{name}");
        let sa = serde_json::to_string(&a).unwrap_or_default();
        let sb = serde_json::to_string(&b).unwrap_or_default();
        assert!(!sa.is_empty());
        assert_eq!(sa, sb, "{name}: not byte-identical");
        let parsed: serde_json::Value = serde_json::from_str(&sa).unwrap_or_default();
        assert_eq!(parsed, serde_json::to_value(&a).unwrap_or_default(), "{name}");
        let back: JdAnalysis = serde_json::from_str(&sa).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(back, a, "{name}");
    }
}

#[test]
fn enums_serialise_lowercase() {
    let roles: Vec<String> = RoleType::ALL.iter().map(|r| serde_json::to_string(r).unwrap_or_default()).collect();
    assert_eq!(
        roles,
        [
            "\"backend\"",
            "\"frontend\"",
            "\"fullstack\"",
            "\"data\"",
            "\"ml\"",
            "\"devops\"",
            "\"mobile\"",
            "\"security\"",
            "\"management\"",
            "\"other\""
        ]
    );
    let v = serde_json::to_value(find_skills("Kubernetes")).unwrap_or_default();
    assert_eq!(v, json!([{ "name": "Kubernetes", "kind": "devops", "start": 0, "end": 10 }]));
}

// ---------------------------------------------------------------------------
// Robustness
// ---------------------------------------------------------------------------

#[test]
fn empty_and_whitespace_text() {
    for text in ["", " ", "\n\n\t  \r\n", "\u{FEFF}", "---\n***\n"] {
        let a = analyze(text);
        assert!(a.extracted_skills.is_empty(), "{text:?}");
        assert!(a.keywords.is_empty(), "{text:?}");
        assert_eq!(a.role_type, RoleType::Other, "{text:?}");
        assert!(find_skills(text).is_empty());
    }
}

#[test]
fn very_long_text_is_capped() {
    let mut text = String::new();
    while text.len() < 3 * MAX_INPUT_BYTES {
        text.push_str(BACKEND);
    }
    let a = analyze(&text);
    assert_eq!(a.role_type, RoleType::Backend);
    assert!(a.extracted_skills.contains("Kubernetes"));
    let mentions = find_skills(&text);
    assert!(mentions.iter().all(|m| m.end <= MAX_INPUT_BYTES));
    // One enormous "word", and multi-byte characters across the cap.
    let blob = "x".repeat(MAX_INPUT_BYTES * 2);
    assert!(analyze(&blob).keywords.is_empty());
    let wide = "日本語 Rust ".repeat(MAX_INPUT_BYTES / 8);
    assert!(analyze(&wide).extracted_skills.contains("Rust"));
}

/// A tiny deterministic generator (xorshift64*), to avoid a dev-dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[test]
fn random_tricky_text_never_panics_and_spans_are_valid() {
    const PIECES: &[&str] = &[
        "C",
        "+",
        "#",
        ".",
        "NET",
        "Go",
        "go",
        "-",
        "\n",
        " ",
        " ",
        "é",
        "\\",
        "k8s",
        "R",
        "&",
        "D",
        "/",
        ",",
        "\u{00AD}",
        "🙂",
        "Node",
        "js",
        "machine",
        "learning",
        "(",
        ")",
        "1.",
        "•",
        "Requirements:",
        "ts",
        "Series",
        "’s",
        "REST",
        "CI",
        "CD",
        ":",
        "\u{200B}",
        "İ",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut counts: HashMap<String, usize> = HashMap::new();
    for _ in 0..2_000 {
        let len = (rng.next() % 60) as usize;
        let text: String =
            (0..len).filter_map(|_| PIECES.get((rng.next() % PIECES.len() as u64) as usize).copied()).collect();
        let a = analyze(&text);
        assert!(a.keywords.len() <= MAX_KEYWORDS);
        assert!(a.keywords.iter().all(|k| k.weight > 0.0 && k.weight <= 1.0));
        for m in find_skills(&text) {
            let slice = text.get(m.start..m.end);
            assert!(slice.is_some_and(|s| !s.is_empty()), "{text:?} {m:?}");
            *counts.entry(m.name).or_default() += 1;
        }
    }
    // The generator does hit the matcher.
    assert!(counts.contains_key("Kubernetes") && counts.contains_key("C#"), "{counts:?}");
}

// ---------------------------------------------------------------------------
// Lexicon data
// ---------------------------------------------------------------------------

#[test]
fn lexicon_file_is_consistent() {
    let raw = include_str!("../data/skills.json");
    let value: serde_json::Value = serde_json::from_str(raw).unwrap_or_default();
    let skills = value["skills"].as_array().cloned().unwrap_or_default();
    assert!(skills.len() >= 250, "only {} skills", skills.len());
    let mut names = BTreeSet::new();
    let mut aliases: HashMap<String, String> = HashMap::new();
    for skill in &skills {
        let name = skill["name"].as_str().unwrap_or_default().to_string();
        assert!(!name.is_empty(), "{skill}");
        assert!(names.insert(name.to_lowercase()), "duplicate name {name}");
        let kind: Result<SkillKind, _> = serde_json::from_value(skill["kind"].clone());
        assert!(kind.is_ok(), "{name}: bad kind {}", skill["kind"]);
        let listed = skill["aliases"].as_array().cloned().unwrap_or_default();
        let own = std::iter::once(name.clone())
            .chain(listed.iter().map(|a| a.as_str().or(a["alias"].as_str()).unwrap_or_default().to_string()));
        for alias in own {
            assert!(!alias.trim().is_empty(), "{name}: empty alias");
            let key = alias.to_lowercase();
            if let Some(prev) = aliases.insert(key.clone(), name.clone()) {
                assert_eq!(prev, name, "alias {alias:?} maps to {prev} and {name}");
            }
        }
    }
    // Every canonical name is found by the matcher as itself, when written in
    // a list context with its own capitalisation.
    for skill in &skills {
        let name = skill["name"].as_str().unwrap_or_default();
        let found = skill_names(&format!("Skills: {name}, and more"));
        assert_eq!(found, [name], "canonical name {name:?} is not matched as itself");
    }
}
