//! The faithfulness gate, case by case.

use text::latex::plain::visible_text;

use super::*;

/// A realistic base résumé (Jake's template) used by most tests.
const BASE: &str = r"\documentclass[letterpaper,11pt]{article}
\usepackage[margin=0.75in]{geometry}
\usepackage[hidelinks]{hyperref}
\newcommand{\resumeItem}[1]{\item\small{#1}}
\begin{document}
\begin{center}
  {\Huge \textbf{Ada Example}} \\
  ada@example.com $|$ +1 555 0100 $|$ \href{https://github.com/ada-example}{github.com/ada-example}
\end{center}
%-----------EXPERIENCE----------- Staff Engineer at Google (a comment)
\section{Experience}
\textbf{Senior Software Engineer} \hfill Jan 2021 -- Present \\
\textit{Northwind Payments} \hfill Remote
\begin{itemize}[leftmargin=*]
  \resumeItem{Built a payments ledger service in Go on Postgres handling 2,000 requests/s}
  \resumeItem{Cut p99 latency by 35\% by introducing connection pooling and query batching}
  \resumeItem{Led the migration of 14 services from VMs to k8s with Helm charts, saving \$1.2M a year}
  \resumeItem{Mentored three engineers; doubled deploy frequency}
\end{itemize}
\textbf{Software Engineer} \hfill Jun 2018 -- Dec 2020 \\
\textit{Contoso Analytics} \hfill Berlin
\begin{itemize}[leftmargin=*]
  \resumeItem{Wrote data ingestion pipelines in Python processing 40 GB/day}
  \resumeItem{Introduced CI/CD with GitHub Actions and Docker, cutting release time from days to hours}
\end{itemize}
\section{Projects}
\textbf{tinyqueue} -- a PostgreSQL-backed job queue in Rust (\url{https://tinyqueue.dev}) \\
\section{Education}
\textbf{Example University} \hfill 2014 -- 2018 \\
B.Sc. Computer Science
\section{Technical Skills}
\textbf{Languages}: Go, Rust, Python, SQL \\
\textbf{Infrastructure}: Redis, Docker, Terraform, AWS
\end{document}
";

fn facts() -> Facts {
    facts_of(BASE)
}

fn check(original: &str, replacement: &str) -> Result<(), Violation> {
    check_faithful(&facts(), original, replacement)
}

#[track_caller]
fn assert_ok(original: &str, replacement: &str) {
    if let Err(v) = check(original, replacement) {
        panic!("{replacement:?} was refused: {v}");
    }
}

#[track_caller]
fn assert_violation(original: &str, replacement: &str, kind: FactKind, value: &str) {
    match check(original, replacement) {
        Ok(()) => panic!("{replacement:?} passed, expected {kind:?} {value:?}"),
        Err(v) => assert_eq!((v.kind, v.value.as_str()), (kind, value), "{replacement:?}: {v}"),
    }
}

const LEDGER: &str = "Built a payments ledger service in Go on Postgres handling 2,000 requests/s";
const LATENCY: &str = r"Cut p99 latency by 35\% by introducing connection pooling and query batching";

// --- Visible text ------------------------------------------------------

#[test]
fn visible_text_keeps_arguments_and_drops_markup() {
    let v = visible_text(r"\textbf{Go} and \emph{Rust} \\ 50\% \& more % comment");
    assert!(v.contains("Go") && v.contains("Rust") && v.contains("50% & more"), "{v:?}");
    assert!(!v.contains("comment"));
    let v = visible_text(r"\href{https://x.io/a\_b}{my site}");
    assert!(v.contains("https://x.io/a_b") && v.contains("my site"), "{v:?}");
    let v = visible_text(r"\begin{itemize}[leftmargin=*] \item A \end{itemize}");
    assert!(!v.contains("leftmargin") && !v.contains("itemize"), "{v:?}");
    let v = visible_text(r"\begin{tabular*}{\textwidth}{l@{\extracolsep{\fill}}r} x \end{tabular*}");
    assert_eq!(v.trim(), "x");
    let v = visible_text(r"a \vspace{-2pt} b \textcolor{blue}{c} \\[4pt] d");
    assert!(!v.contains('2') && !v.contains("blue") && !v.contains('4'), "{v:?}");
}

#[test]
fn replacement_percent_is_literal_and_hidden_text_is_read() {
    // The replacement is read as escaped: a raw `%` is a percent sign.
    assert_violation(LATENCY, "cut costs by 40% for Acme", FactKind::Percentage, "40%");
    // An unclosed option group does not swallow the rest.
    let v = visible_text(r"\begin{itemize}[ at Google");
    assert!(v.contains("Google"), "{v:?}");
}

#[test]
fn comment_environment_is_ignored_in_the_base() {
    let f = facts_of("\\begin{comment}\nWorked at Initech in 2003\n\\end{comment}\nBuilt things");
    assert!(!f.has_word("initech"));
    assert!(f.has_word("built"));
}

// --- Numbers -----------------------------------------------------------

#[test]
fn invented_numbers_are_refused_with_their_kind() {
    assert_violation(LATENCY, "Cut costs by 40% by introducing connection pooling", FactKind::Percentage, "40%");
    assert_violation(LATENCY, r"Cut costs by 40\% with pooling", FactKind::Percentage, "40%");
    assert_violation(LATENCY, "Cut costs by 40 % with pooling", FactKind::Percentage, "40 %");
    assert_violation(LEDGER, "Built a ledger handling 5,000 requests/s", FactKind::Number, "5,000");
    assert_violation(LEDGER, "Built a ledger handling 3.5k requests/s", FactKind::Number, "3.5k");
    assert_violation(LEDGER, "Built a ledger 10x faster than before", FactKind::Number, "10x");
    assert_violation(LEDGER, r"Built a ledger that saved \$2M", FactKind::Money, "$2M");
    assert_violation(LEDGER, "Built a ledger that saved €50k", FactKind::Money, "€50k");
    assert_violation(LEDGER, "Built a ledger serving 20+ teams", FactKind::Number, "20+");
    assert_violation(LEDGER, "Built a ledger with 7 engineers", FactKind::Number, "7");
    assert_violation(LEDGER, "Built a ledger in Go 1.22.1", FactKind::Number, "1.22.1");
    assert_violation(LATENCY, "Cut p95 latency by 35%", FactKind::Number, "95");
}

#[test]
fn reused_numbers_in_any_form_are_fine() {
    assert_ok(LEDGER, "Built a Go ledger on Postgres serving 2000 requests/s");
    assert_ok(LEDGER, "Built a Go ledger on Postgres serving 2k requests/s");
    assert_ok(LATENCY, "Reduced p99 latency 35 % through connection pooling");
    assert_ok(LATENCY, "Reduced p99 latency by 35 percent");
    // Moving a number from another bullet is allowed: it is in the base.
    assert_ok(LEDGER, "Built a Go ledger on Postgres serving 2,000 requests/s for 14 services");
    assert_ok(LEDGER, r"Built a Go ledger on Postgres saving \$1,200,000 a year");
    assert_ok(LEDGER, "Built a Go ledger on Postgres saving $1.2 million a year");
    // Dropping a qualifier is fine: 35% in the base allows 35.
    assert_ok(LEDGER, "Built a ledger for 35 teams");
}

#[test]
fn spelled_out_quantities_count() {
    assert_violation(LEDGER, "Built a Go ledger that tripled throughput", FactKind::Number, "tripled");
    assert_violation(LEDGER, "Built five Go services", FactKind::Number, "five");
    assert_violation(LEDGER, "Built a dozen Go services", FactKind::Number, "dozen");
    assert_violation(LEDGER, "Built Go services used by billions of users", FactKind::Number, "billions");
    assert_violation(LEDGER, "Built Go services, halved costs", FactKind::Number, "halved");
    assert_violation(LEDGER, "Built twenty-five Go services", FactKind::Number, "twenty-five");
    // In the base: "three engineers", "doubled", 2,000 (thousands), 14 (a dozen and more),
    // $1.2M (millions).
    assert_ok(LEDGER, "Built Go services saving millions");
    assert_ok(LEDGER, "Built a Go ledger on Postgres with 3 engineers");
    assert_ok(LEDGER, "Built a Go ledger on Postgres that doubled throughput");
    assert_ok(LEDGER, "Built a Go ledger on Postgres twice as fast");
    assert_ok(LEDGER, "Built a Go ledger on Postgres handling thousands of requests/s");
    assert_ok(LEDGER, "Built a Go ledger on Postgres for dozens of services");
    // "one" and ordinals are not quantities.
    assert_ok(LEDGER, "Built one Go ledger on Postgres, the first of its kind");
}

#[test]
fn numbers_inside_skills_are_not_numbers() {
    let f = facts_of("Deployed on Kubernetes and AWS");
    assert!(check_faithful(&f, "Deployed on Kubernetes", "Deployed on k8s").is_ok());
}

// --- Dates -------------------------------------------------------------

#[test]
fn dates() {
    assert_violation("Jan 2021 -- Present", "Jan 2019 -- Present", FactKind::Date, "Jan 2019");
    assert_violation("Jan 2021 -- Present", "Mar 2021 -- Present", FactKind::Date, "Mar 2021");
    assert_violation("Jan 2021 -- Present", "03/2021 -- Present", FactKind::Date, "03/2021");
    assert_violation("2014 -- 2018", "2013 -- 2018", FactKind::Date, "2013");
    assert_ok("Jan 2021 -- Present", "January 2021 -- Present");
    assert_ok("Jan 2021 -- Present", "Jun 2018 -- Present");
    assert_ok("2014 -- 2018", "2014–2018");
    assert_ok("2014 -- 2018", "2014-2018");
    // A reshuffle of the quote's own month and years.
    assert_ok("Jun 2018 -- Dec 2020", "Dec 2018 -- Jun 2020");
}

// --- Links -------------------------------------------------------------

#[test]
fn urls_and_emails() {
    assert_violation("ada@example.com", "ada@contoso.com", FactKind::Email, "ada@contoso.com");
    assert_violation("ada@example.com", "ada@example.com | linkedin.com/in/ada", FactKind::Url, "linkedin.com/in/ada");
    assert_violation("ada@example.com", "see https://ada.dev/blog", FactKind::Url, "https://ada.dev/blog");
    assert_ok("ada@example.com", "ADA@EXAMPLE.COM");
    assert_ok("ada@example.com", r"\href{mailto:ada@example.com}{ada@example.com}");
    assert_ok("ada@example.com", "https://www.github.com/ada-example/ | tinyqueue.dev");
    assert_ok("ada@example.com", r"\href{https://github.com/ada-example}{GitHub}");
    // Code file names and skills are not domains.
    let f = facts_of("Wrote main.go and Node.js services");
    assert!(check_faithful(&f, "x", "Wrote main.go and Node.js services").is_ok());
}

// --- Degrees -----------------------------------------------------------

#[test]
fn degrees() {
    assert_violation("B.Sc. Computer Science", "PhD Computer Science", FactKind::Degree, "PhD");
    assert_violation("B.Sc. Computer Science", "M.Sc. Computer Science", FactKind::Degree, "M.Sc");
    assert_violation("B.Sc. Computer Science", "MBA, Computer Science", FactKind::Degree, "MBA");
    assert_violation("B.Sc. Computer Science", "Master's in Computer Science", FactKind::Degree, "Master's");
    assert_violation("B.Sc. Computer Science", "B.A. Computer Science", FactKind::Degree, "B.A");
    assert_ok("B.Sc. Computer Science", "BSc Computer Science");
    assert_ok("B.Sc. Computer Science", "Bachelor of Science, Computer Science");
    assert_ok("B.Sc. Computer Science", "Bachelor's degree in Computer Science");
    // "Master" without a degree context is a word, not a degree.
    let f = facts_of("Scrum Master for two teams");
    assert!(check_faithful(&f, "x", "Scrum Master for two teams").is_ok());
}

// --- Skills ------------------------------------------------------------

#[test]
fn skills() {
    assert_violation(LEDGER, "Built a Go ledger on Azure", FactKind::Skill, "Microsoft Azure");
    assert_violation(LEDGER, "Built a Go ledger with Kafka", FactKind::Skill, "Kafka");
    assert_violation(LEDGER, "Built a Java ledger", FactKind::Skill, "Java");
    assert_violation(LEDGER, "Built a ledger with golang and gRPC", FactKind::Skill, "gRPC");
    // Aliases are the same skill.
    assert_ok(LEDGER, "Built a Golang ledger on PostgreSQL, deployed to Kubernetes");
    assert_ok(LEDGER, "Built a ledger in Go on PostgreSQL deployed with Terraform on Amazon Web Services");
    // A skill named inside a longer one in the base: "GitHub Actions" shows GitHub,
    // but "C#" does not show C.
    assert_ok(LEDGER, "Built a ledger, hosted on GitHub");
    let csharp = facts_of("Built services in C# and C++");
    assert!(check_faithful(&csharp, "x", "Built services in C, C# and C++").is_err());
    // Stems of practice skills: "Mentored" allows "mentoring".
    assert_ok("Mentored three engineers", "Mentoring three engineers");
}

#[test]
fn kubernetes_needs_kubernetes_or_an_alias_in_the_base() {
    let without = facts_of("Built Go services on Docker");
    assert_eq!(
        check_faithful(&without, "Built Go services", "Built Go services on Kubernetes"),
        Err(Violation { kind: FactKind::Skill, value: "Kubernetes".into() })
    );
    let with_alias = facts_of("Built Go services on k8s");
    assert_eq!(check_faithful(&with_alias, "Built Go services", "Built Go services on Kubernetes"), Ok(()));
    let postgres = facts_of("Tuned Postgres queries");
    assert_eq!(check_faithful(&postgres, "Tuned Postgres queries", "Tuned PostgreSQL queries"), Ok(()));
}

// --- Names, titles, organisations ----------------------------------------

#[test]
fn invented_employers_titles_and_names() {
    assert_violation(LEDGER, "Built a Go ledger at Google", FactKind::Organisation, "Google");
    assert_violation(LEDGER, "Built a Go ledger for Acme Corp", FactKind::Organisation, "Acme Corp");
    assert_violation(LEDGER, "As Staff Engineer, built a Go ledger", FactKind::Title, "Staff Engineer");
    assert_violation(LEDGER, "Principal Engineer: built a Go ledger", FactKind::Title, "Principal Engineer");
    assert_violation(LEDGER, "Lead Engineer for a Go ledger", FactKind::Title, "Lead Engineer");
    assert_violation(LEDGER, "Built a Go ledger used by Stripe", FactKind::Organisation, "Stripe");
    assert_violation(LEDGER, "Built a GDPR-compliant Go ledger", FactKind::Skill, "GDPR");
    assert_violation(LEDGER, "Built a SOX-compliant Go ledger", FactKind::ProperNoun, "SOX-compliant");
    assert_violation(LEDGER, "Built a Go ledger tracking KPIs", FactKind::ProperNoun, "KPIs");
    assert_violation(LEDGER, "Built a Go ledger meeting the SLA", FactKind::ProperNoun, "SLA");
    assert_violation(LEDGER, "Google partnered on a Go ledger", FactKind::ProperNoun, "Google");
    // The comment in the base ("Staff Engineer at Google") is not the base.
    assert_violation(LEDGER, "Built a Go ledger as Staff Engineer", FactKind::Title, "Staff Engineer");
    // Lower-case titles are titles too.
    assert_violation(LEDGER, "Built a Go ledger as staff engineer", FactKind::Title, "staff engineer");
    assert_violation(
        LEDGER,
        "Built a Go ledger as principal backend engineer",
        FactKind::Title,
        "principal backend engineer",
    );
    assert_ok(LEDGER, "Built a Go ledger as senior software engineer");
    assert_ok(LEDGER, "Built a Go ledger and trained staff on it");
}

#[test]
fn title_inflation_from_known_words_is_refused() {
    // "Senior" and "Engineer" are both in the base, but never "Senior Engineer"
    // for the Contoso role; the quote does not contain "Senior".
    assert_violation(r"\textbf{Software Engineer}", r"\textbf{Senior Engineer}", FactKind::Title, "Senior Engineer");
    assert_ok(r"\textbf{Senior Software Engineer}", r"\textbf{Senior Software Engineer}");
    assert_ok(r"\textbf{Software Engineer}", r"\textbf{Software Engineer}");
}

#[test]
fn known_names_in_any_case_are_fine() {
    assert_ok(LEDGER, "Built a Go ledger at Northwind Payments");
    assert_ok(LEDGER, "Built a Go ledger for Contoso Analytics in Berlin");
    assert_ok(LEDGER, "Built the Tinyqueue job queue");
    assert_ok(LEDGER, "Built Payments Ledger services");
    assert_ok(LEDGER, "Built a Go ledger (Senior Software Engineer, Northwind Payments)");
}

#[test]
fn stronger_verbs_and_rewording_are_fine() {
    assert_ok(LEDGER, "Architected a payments ledger service in Go on Postgres handling 2,000 requests/s");
    assert_ok(LEDGER, "Spearheaded and shipped a Go payments ledger on Postgres at 2,000 requests/s");
    assert_ok(LEDGER, "Designed, built and operated a high-throughput payments ledger in Go");
    assert_ok(LATENCY, "Drove a 35% cut in p99 latency by introducing connection pooling and query batching");
    assert_ok(LATENCY, "Reduced p99 latency 35% via connection pooling. Successfully batched queries");
    assert_ok(LATENCY, "Orchestrated pooling; Optimizing queries cut p99 latency by 35%");
    assert_ok(LEDGER, "Engineered a scalable, reliable payments ledger service. Scalable by design");
    assert_ok(LEDGER, "Cross-functional work: built a payments ledger in Go");
    assert_ok(LEDGER, "Developing a ledger; Leading its rollout; Owning its reliability");
}

#[test]
fn latex_noise_never_produces_violations() {
    let noisy = r"\resumeItem{\textbf{Built} a \emph{payments} ledger in \texttt{Go} on Postgres \\ handling 2,000 requests/s $|$ R\&D \& ops}";
    assert_ok(LEDGER, noisy);
    assert_ok(LEDGER, r"\textbf{}\textit{}{} \\ \\[2pt] $|$ $\cdot$ \hfill \vspace{-4pt} \& \quad Built a ledger");
    assert_ok(LEDGER, r"\resumeItem{Built a ledger} % a comment in the quote style");
    assert_ok(LEDGER, r"\begin{itemize}[leftmargin=0.15in, label={}] \item Built a ledger \end{itemize}");
    assert_ok(LEDGER, r"\small{Built a ledger}\normalsize \hspace{0.5em} \textcolor{gray}{in Go}");
    assert_ok(LEDGER, r"\textbf{Languages}: Go, Rust, Python, SQL \\");
    assert_ok(LEDGER, "Built {a ledger} in Go ~ on Postgres -- handling 2{,}000 requests/s");
}

#[test]
fn violation_message() {
    let v = Violation { kind: FactKind::Number, value: "40%".into() };
    assert_eq!(v.to_string(), "introduces 40% (a number), which the base résumé does not contain");
    let v = Violation { kind: FactKind::Percentage, value: "40%".into() };
    assert_eq!(v.to_string(), "introduces 40% (a percentage), which the base résumé does not contain");
}

#[test]
fn the_first_violation_is_the_earliest() {
    assert_violation(LEDGER, "Built a Kafka ledger at Google with 40% savings", FactKind::Skill, "Kafka");
    assert_violation(LEDGER, "Saved 40% with a Kafka ledger", FactKind::Percentage, "40%");
}

#[test]
fn verb_list_is_large_and_lowercase() {
    let verbs = RESUME_VERBS.split_whitespace().count();
    assert!(verbs >= 150, "{verbs}");
    assert_eq!(verbs, self::verbs().len(), "no duplicates");
    let all = [RESUME_VERBS, COMMON_WORDS, ORG_WORDS, TLDS, WEEKDAYS, DEGREE_WORDS];
    let lists = [text::vocabulary::JOB_NOUNS, text::vocabulary::SENIORITY, text::vocabulary::TITLE_HEADS];
    let words = all.iter().flat_map(|l| l.split_whitespace()).chain(lists.iter().flat_map(|l| l.iter().copied()));
    assert!(words.into_iter().all(|w| w.chars().all(|c| c.is_lowercase() || c == '-')));
    assert!(triggers().0.iter().all(|w| w.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
    for w in ["architected", "Architecting", "develops", "develop", "optimizing", "unifies", "planning", "led"] {
        assert!(is_resume_verb(&w.to_lowercase()), "{w}");
    }
    assert!(!is_resume_verb("google"));
    assert!(!is_resume_verb("staff"));
}

#[test]
fn empty_and_odd_inputs_never_panic() {
    let f = facts_of("");
    assert!(f.is_empty());
    for text in [
        "",
        "\\",
        "{",
        "}",
        "$",
        "%",
        "\\\\",
        "\\begin",
        "\\href{",
        "é\\",
        "1,",
        "1.",
        "$1",
        "x@",
        "@y.com",
        "\u{0}",
        "🦀 2,000,0",
    ] {
        let _ = facts_of(text);
        let _ = check_faithful(&facts(), text, text);
        let _ = check_faithful(&f, "a", text);
    }
}

/// A tiny deterministic generator (xorshift) for the permutation property.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = usize::try_from(self.next() % (i as u64 + 1)).unwrap_or(0);
            items.swap(i, j);
        }
    }
}

#[test]
fn random_latex_soup_never_panics() {
    const FUZZ_ROUNDS: usize = 400;
    const PIECES: &[&str] = &[
        "\\",
        "{",
        "}",
        "[",
        "]",
        "%",
        "$",
        "&",
        "#",
        "_",
        "~",
        "^",
        "@",
        ".",
        ",",
        "-",
        "/",
        ":",
        " ",
        "\n",
        "\t",
        "\\\\",
        "\\%",
        "\\$",
        "\\&",
        "\\item",
        "\\textbf{",
        "\\href{",
        "\\begin{",
        "\\end{",
        "\\begin{comment}",
        "itemize}",
        "\\vspace{",
        "\\newcommand{",
        "\\'",
        "1",
        "2,000",
        "3.5",
        "40",
        "k",
        "M",
        "x",
        "%",
        "2019",
        "Jan",
        "May",
        "B.Sc.",
        "PhD",
        "Master's",
        "Go",
        "k8s",
        "Kubernetes",
        "Google",
        "Staff",
        "Engineer",
        "senior",
        "engineer",
        "at",
        "www.",
        "http://",
        "a@b.io",
        "é",
        "€",
        "£",
        "×",
        "’",
        "—",
        "–",
        "\u{a0}",
        "\u{200b}",
        "\u{ad}",
        "🦀",
        "Ｇ",
        "twenty",
        "-",
        "five",
        "dozens",
        "doubled",
        "per",
        "cent",
    ];
    let base = facts();
    let mut rng = Rng(0x2545_F491_4F6C_DD1D);
    for _ in 0..FUZZ_ROUNDS {
        let len = usize::try_from(rng.next() % 40).unwrap_or(0);
        let text: String =
            (0..len).map(|_| PIECES[usize::try_from(rng.next() % PIECES.len() as u64).unwrap_or(0)]).collect();
        let facts = facts_of(&text);
        let _ = check_faithful(&facts, &text, &text);
        let _ = check_faithful(&base, LEDGER, &text);
        let _ = check_faithful(&facts, "", &text);
    }
}

#[test]
fn permutations_of_the_originals_own_words_never_violate() {
    let base = facts();
    let corpus = [
        r"\resumeItem{Built a payments ledger service in Go on Postgres handling 2,000 requests/s}",
        r"\resumeItem{Cut p99 latency by 35\% by introducing connection pooling and query batching}",
        r"\resumeItem{Led the migration of 14 services from VMs to k8s with Helm charts, saving \$1.2M a year}",
        r"\resumeItem{Mentored three engineers; doubled deploy frequency}",
        r"\textbf{Senior Software Engineer} \hfill Jan 2021 -- Present \\",
        r"\textbf{Software Engineer} \hfill Jun 2018 -- Dec 2020 \\",
        r"\textit{Contoso Analytics} \hfill Berlin",
        r"\resumeItem{Wrote data ingestion pipelines in Python processing 40 GB/day}",
        r"\resumeItem{Introduced CI/CD with GitHub Actions and Docker, cutting release time from days to hours}",
        r"\textbf{tinyqueue} -- a PostgreSQL-backed job queue in Rust (\url{https://tinyqueue.dev}) \\",
        r"\textbf{Example University} \hfill 2014 -- 2018 \\",
        "B.Sc. Computer Science",
        r"\textbf{Languages}: Go, Rust, Python, SQL \\",
        r"\textbf{Infrastructure}: Redis, Docker, Terraform, AWS",
        r"ada@example.com $|$ +1 555 0100 $|$ \href{https://github.com/ada-example}{github.com/ada-example}",
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut checked = 0;
    for original in corpus {
        assert!(BASE.contains(original), "corpus line not in base: {original}");
        let mut words: Vec<&str> = original.split_whitespace().collect();
        for _ in 0..200 {
            rng.shuffle(&mut words);
            let replacement = words.join(" ");
            if let Err(v) = check_faithful(&base, original, &replacement) {
                panic!("{original:?} permuted to {replacement:?}: {v}");
            }
            // Also against an empty base: the quote alone must support it.
            if let Err(v) = check_faithful(&Facts::default(), original, &replacement) {
                panic!("(empty base) {original:?} permuted to {replacement:?}: {v}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, corpus.len() * 200);
}

/// A long one-page résumé (Jake's template, ~6 KB), for timing.
const LONG: &str = r#"\documentclass[letterpaper,11pt]{article}
\usepackage{latexsym}
\usepackage[empty]{fullpage}
\usepackage{titlesec}
\usepackage[usenames,dvipsnames]{color}
\usepackage{enumitem}
\usepackage[hidelinks]{hyperref}
\usepackage{fancyhdr}
\usepackage{tabularx}
\pagestyle{fancy}
\fancyhf{}
\renewcommand{\headrulewidth}{0pt}
\addtolength{\oddsidemargin}{-0.5in}
\addtolength{\textwidth}{1in}
\titleformat{\section}{\vspace{-4pt}\scshape\raggedright\large}{}{0em}{}[\color{black}\titlerule \vspace{-5pt}]
\newcommand{\resumeItem}[1]{\item\small{{#1 \vspace{-2pt}}}}
\newcommand{\resumeSubheading}[4]{
  \vspace{-2pt}\item
\begin{tabular*}{0.97\textwidth}[t]{l@{\extracolsep{\fill}}r}
  \textbf{#1} & #2 \\
  \textit{\small#3} & \textit{\small #4} \\
\end{tabular*}\vspace{-7pt}
}
\newcommand{\resumeSubHeadingListStart}{\begin{itemize}[leftmargin=0.15in, label={}]}
\newcommand{\resumeSubHeadingListEnd}{\end{itemize}}
\newcommand{\resumeItemListStart}{\begin{itemize}}
\newcommand{\resumeItemListEnd}{\end{itemize}\vspace{-5pt}}
\begin{document}
\begin{center}
\textbf{\Huge \scshape Margaret Okonkwo-Hale} \\ \vspace{1pt}
\small +44 20 7946 0958 $|$ \href{mailto:margaret.hale@example.org}{\underline{margaret.hale@example.org}} $|$
\href{https://linkedin.com/in/mokhale}{\underline{linkedin.com/in/mokhale}} $|$
\href{https://github.com/mokhale}{\underline{github.com/mokhale}}
\end{center}
%-----------EXPERIENCE-----------
\section{Experience}
  \resumeSubHeadingListStart
\resumeSubheading
  {Staff Software Engineer}{Mar 2022 -- Present}
  {Brightwater Logistics}{London, UK}
  \resumeItemListStart
    \resumeItem{Led a team of 6 engineers rebuilding the shipment tracking platform in Go and Kafka, serving 40M events/day}
    \resumeItem{Designed an event-sourced pricing engine on PostgreSQL that cut quote latency from 900ms to 120ms}
    \resumeItem{Introduced contract testing with Pact across 23 microservices, reducing integration incidents by 60\%}
    \resumeItem{Drove the move from Jenkins to GitHub Actions, halving median build time to 7 minutes}
    \resumeItem{Partnered with product and finance to retire a legacy billing system, saving \pounds 480k per year}
    \resumeItem{Ran the architecture review board and mentored four senior engineers toward staff promotions}
  \resumeItemListEnd
\resumeSubheading
  {Senior Backend Engineer}{Jan 2019 -- Feb 2022}
  {Kestrel Health}{Manchester, UK}
  \resumeItemListStart
    \resumeItem{Built HIPAA-aware appointment APIs in Python/Django and gRPC handling 1,800 requests/s at peak}
    \resumeItem{Migrated 31 services from EC2 to Kubernetes (EKS) using Terraform and Helm, with zero downtime}
    \resumeItem{Implemented OpenTelemetry tracing and Grafana dashboards, lowering mean time to recovery by 45\%}
    \resumeItem{Cut monthly AWS spend by \$36,000 by right-sizing RDS instances and adopting Graviton nodes}
    \resumeItem{Wrote the on-call handbook and ran blameless postmortems for 50+ incidents}
  \resumeItemListEnd
\resumeSubheading
  {Software Engineer}{Sep 2016 -- Dec 2018}
  {Northwind Payments}{Remote}
  \resumeItemListStart
    \resumeItem{Developed fraud-scoring features in Scala on Apache Spark over 2.5 TB of daily transactions}
    \resumeItem{Reduced chargeback rate from 0.9\% to 0.4\% with a rules engine tuned alongside the risk team}
    \resumeItem{Maintained Redis-backed rate limiting for the public REST API used by 12,000 merchants}
    \resumeItem{Automated PCI DSS evidence collection, saving roughly three weeks of audit preparation each year}
  \resumeItemListEnd
\resumeSubheading
  {Junior Developer}{Jul 2014 -- Aug 2016}
  {Contoso Analytics}{Berlin, Germany}
  \resumeItemListStart
    \resumeItem{Shipped React dashboards in TypeScript for 200 enterprise customers}
    \resumeItem{Wrote ETL jobs in Airflow loading Snowflake, replacing nightly cron scripts}
    \resumeItem{Improved test coverage of the reporting service from 35\% to 80\% with pytest}
  \resumeItemListEnd
  \resumeSubHeadingListEnd
%-----------PROJECTS-----------
\section{Projects}
\resumeSubHeadingListStart
  \resumeProjectHeading
      {\textbf{tinyqueue} $|$ \emph{Rust, PostgreSQL, Tokio}}{2021 -- Present}
      \resumeItemListStart
        \resumeItem{Open-source job queue using SKIP LOCKED and LISTEN/NOTIFY; 1.4k GitHub stars}
        \resumeItem{Benchmarked at 25,000 jobs/s on a single c6g.xlarge instance}
      \resumeItemListEnd
  \resumeProjectHeading
      {\textbf{ledgerlint} $|$ \emph{Go, WebAssembly}}{2020}
      \resumeItemListStart
        \resumeItem{Static checker for double-entry bookkeeping rules, adopted by two fintech startups}
      \resumeItemListEnd
\resumeSubHeadingListEnd
%-----------EDUCATION-----------
\section{Education}
  \resumeSubHeadingListStart
\resumeSubheading
  {University of Edinburgh}{Edinburgh, UK}
  {M.Sc. in Computer Science, Distinction}{Sep 2013 -- Aug 2014}
\resumeSubheading
  {University of Leeds}{Leeds, UK}
  {B.Sc. Mathematics, First Class Honours}{Sep 2010 -- Jun 2013}
  \resumeSubHeadingListEnd
%-----------SKILLS-----------
\section{Technical Skills}
 \begin{itemize}[leftmargin=0.15in, label={}]
\small{\item{
 \textbf{Languages}{: Go, Python, Rust, Scala, TypeScript, SQL} \\
 \textbf{Frameworks}{: Django, gRPC, React, Tokio, Spark} \\
 \textbf{Infrastructure}{: Kubernetes, Terraform, Helm, AWS (EKS, RDS, S3), Kafka, Redis} \\
 \textbf{Practices}{: Event sourcing, contract testing, SRE, incident management}
}}
 \end{itemize}
\section{Certifications \& Awards}
AWS Certified Solutions Architect -- Professional (2021) \\
Speaker, GopherCon UK 2023: ``Back-pressure in event pipelines''
\end{document}
"#;

#[test]
fn the_long_resume_supports_realistic_rewrites() {
    let facts = facts_of(LONG);
    let ok = [
        (
            "Led a team of 6 engineers rebuilding the shipment tracking platform in Go and Kafka, serving 40M events/day",
            "Led 6 engineers to rebuild a high-throughput shipment tracking platform in Go and Apache Kafka processing 40M events/day",
        ),
        (
            r"Introduced contract testing with Pact across 23 microservices, reducing integration incidents by 60\%",
            "Championed contract testing (Pact) across 23 microservices, reducing integration incidents by 60%",
        ),
        (
            r"Partnered with product and finance to retire a legacy billing system, saving \pounds 480k per year",
            "Partnered with Product and Finance to retire a legacy billing system, saving £480k annually",
        ),
        (
            "Built HIPAA-aware appointment APIs in Python/Django and gRPC handling 1,800 requests/s at peak",
            "Built HIPAA-compliant REST and gRPC appointment APIs in Python/Django sustaining 1.8k requests/s at peak",
        ),
        (
            "Migrated 31 services from EC2 to Kubernetes (EKS) using Terraform and Helm, with zero downtime",
            "Migrated 31 services from EC2 to Amazon EKS with Terraform and Helm charts, with zero downtime",
        ),
        (
            "Maintained Redis-backed rate limiting for the public REST API used by 12,000 merchants",
            "Maintained Redis-backed rate limiting for a public RESTful API serving 12k merchants",
        ),
        (
            r"\textbf{Languages}{: Go, Python, Rust, Scala, TypeScript, SQL} \\",
            r"\textbf{Languages}{: Go, SQL, Python, TypeScript, Rust, Scala} \\",
        ),
        (
            "Speaker, GopherCon UK 2023: ``Back-pressure in event pipelines''",
            "Speaker at GopherCon UK 2023 on back-pressure in event pipelines",
        ),
        ("{M.Sc. in Computer Science, Distinction}", "{MSc Computer Science (Distinction)}"),
    ];
    for (original, replacement) in ok {
        assert!(LONG.contains(original), "{original}");
        if let Err(v) = check_faithful(&facts, original, replacement) {
            panic!("{replacement:?}: {v}");
        }
    }
    let refused = [
        ("Led a team of 6 engineers", "Led a team of 6 engineers at Amazon", FactKind::Organisation, "Amazon"),
        (
            "Led a team of 6 engineers",
            "Led a team of 6 engineers as Engineering Manager",
            FactKind::Title,
            "Engineering Manager",
        ),
        ("Led a team of 6 engineers", "Led a team of 8 engineers", FactKind::Number, "8"),
        ("Led a team of 6 engineers", "Led a team of 6 engineers using Java", FactKind::Skill, "Java"),
        (
            "Led a team of 6 engineers",
            "Led a team of 6 engineers, improving observability",
            FactKind::Skill,
            "Observability",
        ),
        ("cut quote latency from 900ms to 120ms", "cut quote latency by 87%", FactKind::Percentage, "87%"),
        ("cut quote latency from 900ms to 120ms", "cut p99 quote latency from 900ms to 120ms", FactKind::Number, "99"),
        ("{Mar 2022 -- Present}", "{Jan 2021 -- Present}", FactKind::Date, "Jan 2021"),
        ("{B.Sc. Mathematics, First Class Honours}", "{B.Sc. Mathematics, PhD candidate}", FactKind::Degree, "PhD"),
    ];
    for (original, replacement, kind, value) in refused {
        assert!(LONG.contains(original), "{original}");
        let verdict = check_faithful(&facts, original, replacement);
        assert_eq!(verdict, Err(Violation { kind, value: value.to_owned() }), "{replacement}");
    }
}

#[test]
fn hiding_tricks_do_not_hide_facts() {
    let hidden = [
        ("Built a Go ledger at Goo\u{200b}gle", FactKind::Organisation, "Google"),
        ("Built a Go ledger at Goo\u{ad}gle", FactKind::Organisation, "Google"),
        (r"Built a Go ledger \textbf{at \emph{Google}}", FactKind::Organisation, "Google"),
        ("Built a Go ledger % at Google", FactKind::Organisation, "Google"),
        (r"Built a Go ledger \iffalse at Google \fi", FactKind::Organisation, "Google"),
        (r"\begin{itemize}[at Google", FactKind::Organisation, "Google"),
        (r"\renewcommand{\label}[1]{#1}\label{Google}", FactKind::ProperNoun, "Google"),
        (r"Built a Go ledger (\href{https://evil.example.com}{my site})", FactKind::Url, "https://evil.example.com"),
        ("Built a Go ledger, contact ada@evil.io", FactKind::Email, "ada@evil.io"),
        ("Built a Go ledger at ＧＯＯＧＬＥ", FactKind::Organisation, "GOOGLE"),
        (r"Built a Go ledger saving USD 3M", FactKind::Money, "USD 3M"),
        ("Built a Go ledger, 5 x faster", FactKind::Number, "5"),
    ];
    for (replacement, kind, value) in hidden {
        match check(LEDGER, replacement) {
            Ok(()) => panic!("{replacement:?} passed"),
            Err(v) => assert_eq!((v.kind, v.value.as_str()), (kind, value), "{replacement:?}"),
        }
    }
}

#[test]
fn months_without_years_and_weekdays_are_not_names() {
    assert_ok(LEDGER, "Built a Go ledger in March, shipped on Mondays");
    assert_ok(LEDGER, "Built a Go ledger in May; it may scale");
    assert_violation(LEDGER, "Built a Go ledger in May 2021", FactKind::Date, "May 2021");
}
