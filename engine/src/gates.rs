//! The faithfulness gate: a tailored résumé never claims anything the person
//! did not write.
//!
//! [`facts_of`] reads the whole base LaTeX once per job and collects every
//! fact it asserts ([`Facts`]); [`check_faithful`] then vets one edit: it
//! extracts the facts of the replacement and returns the first one that is
//! **new**, i.e. present neither anywhere in the base résumé nor in the quoted
//! `original`. Rewording, reordering and moving facts between bullets are
//! fine; inventing them is not. The gate is deliberately conservative: when
//! in doubt it refuses the edit (the original stays), it never lets a claim
//! through.
//!
//! # What is read
//!
//! Only visible text. LaTeX commands are stripped but their text arguments are
//! kept (`\textbf{Go}` → `Go`; `\href{url}{text}` → url and text, the url read
//! verbatim); escapes read as their character (`\%` → `%`, `\&` → `&`);
//! `$|$`, `~`, `\\`, `\hfill` are separators. Arguments that are never
//! typeset (environment names, `[options]` of `\begin` and `\\`, lengths,
//! colours, labels, package names, column specs) are dropped. In the base and
//! in the original, `%` comments and the `comment` environment are ignored.
//! In the replacement (raw model text, escaped later by our code) a `%` is a
//! literal percent sign and every character is read, and if the replacement
//! defines macros (`\def`, `\newcommand`, `\let`, …) nothing at all is dropped,
//! so no visible text can hide from the check.
//!
//! # The facts, in the order they are extracted
//!
//! 1. **E-mails and URLs** ([`FactKind::Email`], [`FactKind::Url`]): e-mail
//!    addresses, `http(s)://`/`www.` links and bare domains with a known
//!    top-level domain (`github.com/ada`). Compared lowercased without the
//!    scheme, `www.`, `mailto:` and a trailing `/`.
//! 2. **Skills** ([`FactKind::Skill`]): every canonical skill that
//!    [`text::jd::find_skills`] finds, so aliases are the same fact
//!    (base "k8s" allows "Kubernetes"). A JD skill the person does not show
//!    is therefore never added. Also allowed: a skill named inside a longer
//!    skill of the base (names of three or more characters: "GitHub Actions"
//!    shows GitHub, "C#" does not show C); a single-word practice skill whose
//!    stem is a base word ("Mentored" allows "mentoring"); a multi-word skill
//!    whose words all occur in the quote ("data ingestion pipelines" allows
//!    "data pipelines").
//! 3. **Numbers** ([`FactKind::Number`], [`FactKind::Percentage`],
//!    [`FactKind::Money`], [`FactKind::Date`]): every digit sequence, with
//!    thousands separators, decimals and multipliers normalised (`2,000` =
//!    `2000` = `2k`; `$1.2M` = `$1,200,000`; `40 %` = `40\%` = `40 percent`).
//!    A plain number is allowed when the base has the same value in any form
//!    (so dropping a qualifier is fine: base `40%` allows `40`). A qualified
//!    one must exist with its qualifier: a percentage, an amount of money
//!    (same currency), a multiplier (`10x`, "tenfold"). Spelled-out
//!    quantities count: "three" = 3, "a dozen" = 12, "doubled"/"twice" = 2x,
//!    "tripled" = 3x, "halved" = 0.5x; "hundreds"/"thousands"/"millions" need
//!    a base value of that magnitude. A plain 4-digit number in 1950–2099 is
//!    reported as a date. "one"/"single"/ordinals are not quantities.
//!    Digits inside a skill name (`k8s`, `EC2`) are part of the skill.
//! 4. **Dates** ([`FactKind::Date`]): years as above, and a month with a year
//!    (`Mar 2021`, `March, 2021`, `03/2021`, `2021-03`), which must exist as
//!    that pair — or be a reshuffle of a month and a year both in the quote.
//! 5. **Degrees** ([`FactKind::Degree`]): B.Sc./BSc/B.S./BA/B.Eng./Bachelor,
//!    M.Sc./MSc/M.S./M.Eng./Master's, MBA, PhD/Ph.D./DPhil/Doctorate. The
//!    level must exist; a specific field (science, arts, engineering, …)
//!    must match the base unless the base names only the level.
//! 6. **Titles, organisations, proper nouns** ([`FactKind::Title`],
//!    [`FactKind::Organisation`], [`FactKind::ProperNoun`]): capitalised
//!    words and acronyms (any word with an upper-case letter: `Google`,
//!    `GDPR`, `iOS`) that do not appear anywhere in the base or the quote,
//!    compared case-insensitively and with plurals/possessives folded. A new
//!    word is reported with its whole capitalised phrase ("Staff Engineer").
//!    Exempt: the [`RESUME_VERBS`] (and their -s/-ing/-ed forms) anywhere,
//!    capitalised or not — except title words ("Lead", "Head"), which are
//!    exempt only as the opening verb of a sentence not followed by another
//!    capitalised word ("Lead the migration", not "Lead Engineer"); the first word of
//!    the replacement, of a sentence, of a line or of an item when it is a
//!    [`COMMON_WORDS`] entry ("Successfully", "Our", "Scalable"); month and
//!    weekday names; single letters. A phrase with a title word (engineer,
//!    manager, senior, staff, lead, …) is a [`FactKind::Title`]; one with a
//!    company word (Inc, Labs, University, …) or after "at"/"for"/"joined"/
//!    "with"/"from"/"by" is an [`FactKind::Organisation`]; anything else is a
//!    [`FactKind::ProperNoun`]. Acronyms are proper nouns: a new "SLA" is
//!    refused. A multi-word title made only of known words must still occur
//!    as that phrase in the base (no "Senior" borrowed from another line), or
//!    be a reshuffle of words of the quote itself.
//!
//! Lower-case words are not facts (rewording is the point of tailoring),
//! with one exception: a lower-case title — a seniority word ("senior",
//! "staff", "principal", …) and, within three words, a job noun ("staff
//! engineer", "principal backend engineer") — must be stated like a
//! capitalised one. A name written in lower case ("at google") is not
//! detected unless it is a skill.
//!
//! When several facts are new, the one that starts first in the replacement
//! is reported.
//!
//! # Cost
//!
//! Both functions are linear scans over the text plus one
//! [`find_skills`] pass (whose lexicon is built once per process):
//! [`facts_of`] is called once per job, [`check_faithful`] once per edit.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::OnceLock;

use serde::Serialize;
use text::jd::{SkillKind, find_skills};

/// The kind of fact an edit invented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum FactKind {
    /// A quantity: `2,000`, `3.5`, `10x`, "three", "tripled".
    Number,
    /// A percentage: `40%`, "40 percent".
    Percentage,
    /// An amount of money: `$1.2M`, `€50k`.
    Money,
    /// A year or a month with a year.
    Date,
    /// A link or a bare domain.
    Url,
    /// An e-mail address.
    Email,
    /// A company, university or other organisation.
    Organisation,
    /// A job title.
    Title,
    /// An academic degree.
    Degree,
    /// A skill of the lexicon (`text/data/skills.json`).
    Skill,
    /// Any other capitalised name or acronym.
    ProperNoun,
}

impl FactKind {
    /// The kind with its article, as used in messages ("a number").
    pub fn describe(self) -> &'static str {
        match self {
            FactKind::Number => "a number",
            FactKind::Percentage => "a percentage",
            FactKind::Money => "an amount of money",
            FactKind::Date => "a date",
            FactKind::Url => "a URL",
            FactKind::Email => "an e-mail address",
            FactKind::Organisation => "an organisation",
            FactKind::Title => "a title",
            FactKind::Degree => "a degree",
            FactKind::Skill => "a skill",
            FactKind::ProperNoun => "a name",
        }
    }
}

/// A fact that an edit introduces and the base résumé does not contain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// What kind of fact it is.
    pub kind: FactKind,
    /// The fact as the replacement writes it (a skill by its canonical name).
    pub value: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "introduces {} ({}), which the base résumé does not contain", self.value, self.kind.describe())
    }
}

impl std::error::Error for Violation {}

/// FxHash: a small, fast, non-cryptographic hasher for the fact sets. Their
/// keys are short words of one résumé, so flooding is not a concern, and
/// SipHash would dominate [`facts_of`] in debug builds.
#[derive(Debug, Default, Clone, Copy)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type FxSet<T> = HashSet<T, BuildHasherDefault<FxHasher>>;

/// Everything the base résumé asserts that an edit must not invent.
///
/// Built by [`facts_of`]; opaque apart from a few read-only queries.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// Normalised facts (numbers, urls, e-mails, dates, degrees, skills).
    keys: FxSet<Key>,
    /// Every numeric value, for "thousands of" and similar magnitudes.
    magnitudes: Vec<f64>,
    /// Months named anywhere (1–12).
    months: FxSet<u8>,
    /// Degree levels present, whatever their field.
    degree_levels: FxSet<DegreeLevel>,
    /// The base's skill mentions as written, lowercased and flattened, so a
    /// skill named inside a longer one counts ("GitHub Actions" → GitHub).
    skill_text: String,
    /// The visible text, lowercased, every non-alphanumeric run folded to one
    /// space, padded with spaces: the base's words and names, for word and
    /// phrase look-ups.
    flat: String,
}

impl Facts {
    /// Whether the base shows this canonical skill (e.g. `"Kubernetes"`).
    pub fn has_skill(&self, canonical_name: &str) -> bool {
        self.keys.contains(&Key::Skill(canonical_name.to_owned()))
    }

    /// Whether the base contains this word anywhere (case-insensitive).
    pub fn has_word(&self, word: &str) -> bool {
        known_word(self, &word.to_lowercase())
    }

    /// Whether nothing was found (an empty or command-only base).
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty() && self.flat.trim().is_empty()
    }
}

/// Collects the facts of the whole base résumé (LaTeX source, preamble
/// included; comments ignored). Call once per job.
pub fn facts_of(base_resume_text: &str) -> Facts {
    let visible = visible_text(base_resume_text, Mode::Source);
    let scan = scan(&visible);
    let mut facts = Facts { flat: flatten(&visible), skill_text: String::from(" "), ..Facts::default() };
    for found in scan.found {
        match &found.key {
            Key::Degree(level, _) => {
                facts.degree_levels.insert(*level);
            }
            Key::MonthYear(_, month) => {
                facts.months.insert(*month);
            }
            _ => {}
        }
        if found.kind == FactKind::Skill {
            facts.skill_text.push_str(flatten(&found.raw).trim_start());
            facts.skill_text.push_str("| ");
        }
        for value in &found.values {
            if let Ok(v) = value.parse::<f64>() {
                facts.magnitudes.push(v);
            }
            facts.keys.insert(Key::Value(value.clone()));
        }
        facts.keys.insert(found.key);
    }
    facts.months.extend(scan.months);
    facts
}

/// `Ok(())` when `replacement` asserts nothing that is neither in the base
/// résumé (`facts`) nor in the quoted `original`; otherwise the first new
/// fact (by position in the replacement).
pub fn check_faithful(facts: &Facts, original: &str, replacement: &str) -> Result<(), Violation> {
    let quoted = facts_of(original);
    let mode = if defines_macros(replacement) { Mode::KeepAll } else { Mode::Replacement };
    let visible = visible_text(replacement, mode);
    let scan = scan(&visible);
    let mut violations: Vec<(usize, Violation)> = Vec::new();
    for found in &scan.found {
        if !allowed(facts, &quoted, found) {
            violations.push((found.start, Violation { kind: found.kind, value: found.surface.clone() }));
        }
    }
    violations.extend(proper_noun_violations(facts, &quoted, &scan));
    violations.sort_by_key(|(start, v)| (*start, v.kind as u8));
    match violations.into_iter().next() {
        Some((_, v)) => Err(v),
        None => Ok(()),
    }
}

// ---------------------------------------------------------------------------
// Data

/// Common résumé verbs, whitespace-separated: past tenses, plus every form
/// of the irregular ones. Allowed even when the base never uses them,
/// capitalised or not; regular -s/-ing/-ed forms of these are recognised too
/// ("Developing", "develops", "develop").
pub const RESUME_VERBS: &str = "\
accelerated accomplished achieved acquired adapted added addressed administered adopted advanced advised
advocated aligned allocated analysed analyzed answered anticipated applied appointed approved architected
arranged assembled assessed assisted attained audited augmented authored automated balanced benchmarked
boosted bootstrapped briefed broadened budgeted calculated captured catalogued centralised centralized chaired
championed changed clarified coached coded collaborated collected combined communicated compiled completed
composed computed conceived conceptualized condensed conducted configured consolidated constructed consulted
contributed controlled converted coordinated corrected created cultivated curated customised customized
debugged decreased decommissioned defined delegated delivered demonstrated deployed deprecated designed
detected determined developed devised diagnosed digitised digitized directed discovered documented drafted
edited educated earned eliminated enabled encouraged engineered enhanced ensured established evaluated
examined exceeded executed expanded expedited experimented explained explored extended extracted facilitated
finalised finalized fixed forecasted formalised formalized formulated fostered founded generated guided
handled harmonized headed helped hired identified implemented improved increased influenced informed initiated
innovated inspected installed instituted instrumented integrated interviewed introduced investigated launched
leveraged lowered maintained managed mapped maximised maximized measured mentored merged migrated minimised
minimized modeled modelled modernised modernized modified monitored motivated moved navigated negotiated
onboarded operated optimised optimized orchestrated organised organized overhauled owned paired parallelized
partnered performed piloted pioneered planned ported prepared presented prevented prioritised prioritized
produced profiled programmed promoted proposed prototyped provided provisioned published raised reached
rearchitected recovered recruited redesigned reduced refactored refined released remediated removed
reorganised reorganized replaced reported researched resolved restored restructured retained revamped reviewed
revised saved scaled scoped scripted secured served shaped shipped simplified slashed solved spearheaded
specified stabilised stabilized standardised standardized steered streamlined strengthened structured
supervised supported surpassed sustained tested tracked trained transformed transitioned translated triaged
tuned unified upgraded used utilised utilized validated verified worked build builds building built rebuild
rebuilding rebuilt lead leads leading led drive drives driving drove driven write writes writing wrote written
rewrite rewrote rewriting run runs running ran grow grows growing grew grown teach teaching taught oversee
oversees overseeing oversaw overseen make makes making made take took taking taken cut cuts cutting set
setting bring bringing brought win winning won give gave giving given speak spoke speaking spoken sell sold
selling hold held holding keep kept keeping begin began begun seek sought meet met meeting spend spent send
sent understand understood undertake undertook undertaken troubleshoot troubleshooting troubleshot shipping
mentoring own owning
";

/// Common English words that may open a sentence, line or item without being
/// a name ("Successfully", "Our", "Cross-functional"): function words and
/// adjectives, adverbs and nouns that often start a résumé bullet. Only
/// exempt in that first position. Whitespace-separated.
pub const COMMON_WORDS: &str = "\
a about above across after again against all along also although always among an and another any around as at
based because before below beside besides between beyond both but by during each either every few following
for from further he her here his how however i if in including inside into is it its later many more most my
neither no nor not of off on once only onto or other our out outside over per prior she since so some such
than that the their then there these they this those through throughout thus to together toward towards under
until up upon using via we what when where which while who with within without yet you your actively
additionally agile annual automated automatic best better broad business client clients collaboratively
complex comprehensive consistently continuous core critical cross current currently custom customer customers
daily data dedicated deep distributed dynamic early effective effectively efficient efficiently end enterprise
entire existing expert extensive external fast faster first full fully functional global hands high highly
improved independently initial internal key large latency legacy live low lower main major manual member
mission modern monthly multiple new now numerous ongoing open operational overall partly performance personal
present primary proactively production public quarterly rapid rapidly real regular regularly reliable remote
responsible robust scalable secure several significant significantly simple small smooth solid stable
strategic strong successful successfully team teams technical top various weekly whole wide worldwide zero
";

/// Words that make a capitalised phrase a job title.
const TITLE_WORDS: &str = "\
administrator advocate analyst architect assistant associate ceo cfo chair chairman chief cio ciso co-founder
cofounder consultant contractor coo coordinator cpo cto designer developer director engineer evangelist
executive fellow founder freelancer head instructor intern junior jr lead lecturer maintainer manager officer
owner partner president principal professor programmer researcher scientist senior specialist sr staff
strategist supervisor technician tester vice vp
";

/// Words that make a capitalised phrase an organisation.
const ORG_WORDS: &str = "\
academy ag agency association bank capital co college company consulting corp corporation council department
foundation gmbh group holdings hospital inc institute lab laboratories labs llc llp ltd media ministry
networks partners plc school society software solutions studio studios systems technologies university
ventures
";

/// Words that, right before a capitalised phrase, make it an organisation.
const ORG_PREPOSITIONS: &[&str] = &["at", "for", "joined", "join", "with", "from", "by"];

/// Words that may sit inside a capitalised phrase ("Bank of America").
const PHRASE_CONNECTORS: &[&str] = &["of", "and", "for", "de", "the", "du", "von", "van"];

const MONTHS: &[(&str, u8)] = &[
    ("jan", 1),
    ("january", 1),
    ("feb", 2),
    ("february", 2),
    ("mar", 3),
    ("march", 3),
    ("apr", 4),
    ("april", 4),
    ("may", 5),
    ("jun", 6),
    ("june", 6),
    ("jul", 7),
    ("july", 7),
    ("aug", 8),
    ("august", 8),
    ("sep", 9),
    ("sept", 9),
    ("september", 9),
    ("oct", 10),
    ("october", 10),
    ("nov", 11),
    ("november", 11),
    ("dec", 12),
    ("december", 12),
];

const WEEKDAYS: &str = "\
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
";

/// Spelled-out cardinals.
const CARDINALS: &[(&str, u64)] = &[
    ("zero", 0),
    ("two", 2),
    ("three", 3),
    ("four", 4),
    ("five", 5),
    ("six", 6),
    ("seven", 7),
    ("eight", 8),
    ("nine", 9),
    ("ten", 10),
    ("eleven", 11),
    ("twelve", 12),
    ("thirteen", 13),
    ("fourteen", 14),
    ("fifteen", 15),
    ("sixteen", 16),
    ("seventeen", 17),
    ("eighteen", 18),
    ("nineteen", 19),
    ("twenty", 20),
    ("thirty", 30),
    ("forty", 40),
    ("fifty", 50),
    ("sixty", 60),
    ("seventy", 70),
    ("eighty", 80),
    ("ninety", 90),
];

/// Spelled-out scales (multiply what precedes them; alone they mean 1×).
const SCALES: &[(&str, u64)] =
    &[("dozen", 12), ("hundred", 100), ("thousand", 1_000), ("million", 1_000_000), ("billion", 1_000_000_000)];

/// Plural magnitudes ("thousands of users"): the lower bound.
const MAGNITUDES: &[(&str, u64)] =
    &[("dozens", 12), ("hundreds", 100), ("thousands", 1_000), ("millions", 1_000_000), ("billions", 1_000_000_000)];

/// Multiplier words, as the `x` key they mean.
const MULTIPLIERS: &[(&str, &str)] = &[
    ("double", "2"),
    ("doubled", "2"),
    ("doubles", "2"),
    ("doubling", "2"),
    ("twice", "2"),
    ("twofold", "2"),
    ("triple", "3"),
    ("tripled", "3"),
    ("triples", "3"),
    ("tripling", "3"),
    ("threefold", "3"),
    ("quadruple", "4"),
    ("quadrupled", "4"),
    ("quadrupling", "4"),
    ("fourfold", "4"),
    ("fivefold", "5"),
    ("tenfold", "10"),
    ("halve", "0.5"),
    ("halved", "0.5"),
    ("halving", "0.5"),
];

/// Top-level domains that make a bare `name.tld` a URL. Code file extensions
/// (`.js`, `.go`, `.rs`, `.py`, `.sh`, `.md`) are deliberately absent.
const TLDS: &str = "\
ai app at au be blog br ca cc ch cloud cn co com cz de design dev dk edu es eu fi fm fr gg gov gr hk ie il in
info io it jp kr ly me mx net nl no nz org page pl pt ro ru se sg site studio tech tools tv tw uk us xyz za
";

/// Currency symbols and codes, with the symbol they normalise to.
const CURRENCIES: &[(&str, &str)] = &[
    ("$", "$"),
    ("usd", "$"),
    ("€", "€"),
    ("eur", "€"),
    ("£", "£"),
    ("gbp", "£"),
    ("¥", "¥"),
    ("jpy", "¥"),
    ("₹", "₹"),
    ("inr", "₹"),
    ("chf", "CHF"),
];

/// The words of a whitespace-separated list, as a set built once.
fn word_set(cell: &'static OnceLock<FxSet<&'static str>>, list: &'static str) -> &'static FxSet<&'static str> {
    cell.get_or_init(|| list.split_whitespace().collect())
}

fn verbs() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, RESUME_VERBS)
}

fn common_words() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, COMMON_WORDS)
}

fn title_words() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, TITLE_WORDS)
}

fn org_words() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, ORG_WORDS)
}

fn tlds() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, TLDS)
}

fn in_list(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

fn month_of(lower: &str) -> Option<u8> {
    MONTHS.iter().find(|(name, _)| *name == lower).map(|(_, n)| *n)
}

/// Whether `lw` (lowercase) is a résumé verb or a regular form of one.
fn is_resume_verb(lw: &str) -> bool {
    let set = verbs();
    if set.contains(lw) {
        return true;
    }
    let past_forms = |stem: &str| -> bool {
        if stem.len() < 2 {
            return false;
        }
        let doubled = stem.chars().last().map(|c| format!("{stem}{c}ed")).unwrap_or_default();
        [format!("{stem}ed"), format!("{stem}d"), doubled].iter().any(|f| set.contains(f.as_str()))
            || stem.strip_suffix('y').is_some_and(|s| set.contains(format!("{s}ied").as_str()))
    };
    if let Some(stem) = lw.strip_suffix("ing") {
        return past_forms(stem) || set.contains(format!("{stem}e").as_str()) || past_forms(&format!("{stem}e"));
    }
    if let Some(stem) = lw.strip_suffix("ies") {
        return set.contains(format!("{stem}ied").as_str());
    }
    if let Some(stem) = lw.strip_suffix("es")
        && past_forms(stem)
    {
        return true;
    }
    if let Some(stem) = lw.strip_suffix('s') {
        return past_forms(stem);
    }
    past_forms(lw)
}

// ---------------------------------------------------------------------------
// Visible text

/// Separator emitted for line breaks, items and structural commands.
const BREAK: char = '\n';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Base résumé or quoted original: comments are comments.
    Source,
    /// Raw model text: `%` is a percent sign, `&` and `#` are characters.
    Replacement,
    /// Replacement that defines macros: like `Replacement`, but no argument
    /// is ever dropped.
    KeepAll,
}

/// What a control word does to the visible text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    /// Its first `n` mandatory arguments and its `[options]` are never
    /// typeset (lengths, colours, labels, package names).
    Drop(usize),
    /// Formats text in place: separates words, not items.
    Inline,
    /// Prints this text.
    Symbol(&'static str),
}

/// Known control words, sorted by name (bytewise) for binary search; any
/// other multi-letter command separates items.
const COMMANDS: &[(&str, Command)] = &[
    ("Huge", Command::Inline),
    ("LARGE", Command::Inline),
    ("LaTeX", Command::Symbol("LaTeX")),
    ("Large", Command::Inline),
    ("MakeLowercase", Command::Inline),
    ("MakeUppercase", Command::Inline),
    ("RequirePackage", Command::Drop(1)),
    ("TeX", Command::Symbol("TeX")),
    ("addtocounter", Command::Drop(2)),
    ("addtolength", Command::Drop(2)),
    ("addvspace", Command::Drop(1)),
    ("bf", Command::Inline),
    ("bfseries", Command::Inline),
    ("centering", Command::Inline),
    ("cite", Command::Drop(1)),
    ("color", Command::Drop(1)),
    ("colorbox", Command::Drop(1)),
    ("definecolor", Command::Drop(3)),
    ("documentclass", Command::Drop(1)),
    ("dots", Command::Symbol("…")),
    ("em", Command::Inline),
    ("emph", Command::Inline),
    ("enlargethispage", Command::Drop(1)),
    ("enspace", Command::Inline),
    ("ensuremath", Command::Inline),
    ("eqref", Command::Drop(1)),
    ("euro", Command::Symbol("€")),
    ("faIcon", Command::Drop(1)),
    ("fcolorbox", Command::Drop(2)),
    ("fontsize", Command::Drop(2)),
    ("footnote", Command::Inline),
    ("footnotesize", Command::Inline),
    ("geometry", Command::Drop(1)),
    ("hbox", Command::Inline),
    ("hspace", Command::Drop(1)),
    ("huge", Command::Inline),
    ("hyperlink", Command::Drop(1)),
    ("hypersetup", Command::Drop(1)),
    ("hypertarget", Command::Drop(1)),
    ("include", Command::Drop(1)),
    ("includegraphics", Command::Drop(1)),
    ("input", Command::Drop(1)),
    ("it", Command::Inline),
    ("itshape", Command::Inline),
    ("kern", Command::Inline),
    ("label", Command::Drop(1)),
    ("large", Command::Inline),
    ("ldots", Command::Symbol("…")),
    ("linespread", Command::Drop(1)),
    ("lowercase", Command::Inline),
    ("makebox", Command::Drop(0)),
    ("mathbf", Command::Inline),
    ("mathrm", Command::Inline),
    ("mbox", Command::Inline),
    ("mdseries", Command::Inline),
    ("moderncvcolor", Command::Drop(1)),
    ("moderncvstyle", Command::Drop(1)),
    ("negthinspace", Command::Inline),
    ("newcommand", Command::Drop(1)),
    ("newenvironment", Command::Drop(1)),
    ("nobreakspace", Command::Inline),
    ("nocite", Command::Drop(1)),
    ("noindent", Command::Inline),
    ("normalfont", Command::Inline),
    ("normalsize", Command::Inline),
    ("pagecolor", Command::Drop(1)),
    ("pagenumbering", Command::Drop(1)),
    ("pageref", Command::Drop(1)),
    ("pagestyle", Command::Drop(1)),
    ("parbox", Command::Drop(1)),
    ("phantom", Command::Inline),
    ("photo", Command::Drop(1)),
    ("pounds", Command::Symbol("£")),
    ("providecommand", Command::Drop(1)),
    ("raggedleft", Command::Inline),
    ("raggedright", Command::Inline),
    ("raisebox", Command::Drop(1)),
    ("ref", Command::Drop(1)),
    ("renewcommand", Command::Drop(1)),
    ("resizebox", Command::Drop(2)),
    ("rm", Command::Inline),
    ("rmfamily", Command::Inline),
    ("rule", Command::Drop(2)),
    ("sc", Command::Inline),
    ("scalebox", Command::Drop(1)),
    ("scriptsize", Command::Inline),
    ("scshape", Command::Inline),
    ("selectfont", Command::Inline),
    ("setcounter", Command::Drop(2)),
    ("setlength", Command::Drop(2)),
    ("setlist", Command::Drop(1)),
    ("setmainfont", Command::Drop(1)),
    ("setsansfont", Command::Drop(1)),
    ("settowidth", Command::Drop(2)),
    ("sf", Command::Inline),
    ("sffamily", Command::Inline),
    ("sl", Command::Inline),
    ("slshape", Command::Inline),
    ("small", Command::Inline),
    ("space", Command::Inline),
    ("ss", Command::Symbol("ss")),
    ("strut", Command::Inline),
    ("text", Command::Inline),
    ("textampersand", Command::Symbol("&")),
    ("textasciitilde", Command::Symbol("~")),
    ("textbf", Command::Inline),
    ("textcolor", Command::Drop(1)),
    ("textdollar", Command::Symbol("$")),
    ("textellipsis", Command::Symbol("…")),
    ("textemdash", Command::Symbol("—")),
    ("textendash", Command::Symbol("–")),
    ("texteuro", Command::Symbol("€")),
    ("textit", Command::Inline),
    ("textmd", Command::Inline),
    ("textnormal", Command::Inline),
    ("textpercent", Command::Symbol("%")),
    ("textrm", Command::Inline),
    ("textsc", Command::Inline),
    ("textsf", Command::Inline),
    ("textsl", Command::Inline),
    ("textsterling", Command::Symbol("£")),
    ("textsubscript", Command::Inline),
    ("textsuperscript", Command::Inline),
    ("texttt", Command::Inline),
    ("textup", Command::Inline),
    ("textyen", Command::Symbol("¥")),
    ("thinspace", Command::Inline),
    ("thispagestyle", Command::Drop(1)),
    ("tiny", Command::Inline),
    ("titleformat", Command::Drop(5)),
    ("titlespacing", Command::Drop(4)),
    ("tt", Command::Inline),
    ("ttfamily", Command::Inline),
    ("uline", Command::Inline),
    ("underline", Command::Inline),
    ("uppercase", Command::Inline),
    ("upshape", Command::Inline),
    ("urlstyle", Command::Drop(1)),
    ("usepackage", Command::Drop(1)),
    ("usetikzlibrary", Command::Drop(1)),
    ("vspace", Command::Drop(1)),
];

/// Extra non-text arguments after `\begin{env}` (column specs, widths).
const ENV_ARGS: &[(&str, usize)] = &[
    ("adjustbox", 1),
    ("array", 1),
    ("longtable", 1),
    ("minipage", 1),
    ("multicols", 1),
    ("multicols*", 1),
    ("tabular", 1),
    ("tabular*", 2),
    ("tabularx", 2),
    ("tabulary", 2),
    ("wrapfigure", 2),
];

/// Commands that let a replacement redefine what other commands print.
const DEFINING_COMMANDS: &[&str] = &[
    "\\def",
    "\\edef",
    "\\gdef",
    "\\xdef",
    "\\let",
    "\\newcommand",
    "\\renewcommand",
    "\\providecommand",
    "\\DeclareRobustCommand",
    "\\catcode",
    "\\csname",
    "\\newenvironment",
    "\\renewenvironment",
];

fn defines_macros(text: &str) -> bool {
    DEFINING_COMMANDS.iter().any(|cmd| {
        text.match_indices(cmd)
            .any(|(i, _)| !text[i + cmd.len()..].chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
    })
}

/// The text LaTeX would print, roughly, with [`BREAK`] between items.
fn visible_text(src: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(src.len());
    let bytes = src.as_bytes();
    let mut i = 0;
    let mut after_close = false;
    while i < src.len() {
        // Copy a run of ordinary text at once. The stop bytes are ASCII or
        // the lead bytes of U+00A0/U+00AD (0xC2) and U+200B (0xE2), so the
        // run always ends on a character boundary.
        let run = bytes[i..]
            .iter()
            .position(|b| {
                matches!(b, b'%' | b'\\' | b'{' | b'}' | b'$' | b'~' | b'&' | b'#' | b'\r' | b'\t' | 0xC2 | 0xE2)
            })
            .unwrap_or(src.len() - i);
        if run > 0 {
            out.push_str(&src[i..i + run]);
            i += run;
            after_close = false;
            continue;
        }
        let Some(c) = src[i..].chars().next() else {
            break;
        };
        let next = i + c.len_utf8();
        let was_close = std::mem::replace(&mut after_close, false);
        match c {
            '%' if mode == Mode::Source => {
                i = src[i..].find('\n').map_or(src.len(), |n| i + n);
                continue;
            }
            '\\' => {
                i = control_sequence(src, next, &mut out, mode);
                continue;
            }
            '{' if was_close => out.push(BREAK),
            '{' => {}
            '}' => after_close = true,
            '$' => {
                if src[next..].starts_with(|d: char| d.is_ascii_digit()) {
                    out.push('$');
                }
            }
            '~' => out.push(' '),
            '&' if mode == Mode::Source => out.push(BREAK),
            '#' if mode == Mode::Source && src[next..].starts_with(|d: char| d.is_ascii_digit()) => {
                i = next + 1;
                continue;
            }
            '\r' | '\t' | '\u{a0}' => out.push(' '),
            '\u{ad}' | '\u{200b}' => {}
            _ => out.push(c),
        }
        i = next;
    }
    out
}

/// Handles the control sequence after a backslash at `start`; returns where
/// scanning resumes.
fn control_sequence(src: &str, start: usize, out: &mut String, mode: Mode) -> usize {
    let Some(c) = src[start..].chars().next() else {
        return start;
    };
    if !c.is_ascii_alphabetic() {
        let next = start + c.len_utf8();
        match c {
            '\\' => {
                out.push(BREAK);
                let after_star = if src[next..].starts_with('*') { next + 1 } else { next };
                return if mode == Mode::KeepAll { after_star } else { skip_args(src, after_star, 0) };
            }
            '%' | '&' | '$' | '#' | '_' | '{' | '}' => out.push(c),
            ',' | ';' | ':' | '!' | ' ' | '>' | '\n' | '\t' => out.push(' '),
            '-' | '/' | '@' | '\'' | '"' | '^' | '`' | '~' | '=' | '.' => {}
            _ => out.push(c),
        }
        return next;
    }
    let name_end = start + src[start..].bytes().take_while(u8::is_ascii_alphabetic).count();
    let name = &src[start..name_end];
    let mut k = if src[name_end..].starts_with('*') { name_end + 1 } else { name_end };
    match name {
        "begin" | "end" => {
            let Some((env, after)) = group_content(src, k) else {
                out.push(BREAK);
                return k;
            };
            if mode == Mode::KeepAll {
                out.push(BREAK);
                return k;
            }
            if name == "begin" && env == "comment" && mode == Mode::Source {
                return src[after..].find("\\end{comment}").map_or(src.len(), |n| after + n + "\\end{comment}".len());
            }
            out.push(BREAK);
            let extra =
                if name == "begin" { ENV_ARGS.iter().find(|(e, _)| *e == env).map_or(0, |(_, n)| *n) } else { 0 };
            if name == "begin" { skip_args(src, after, extra) } else { after }
        }
        "href" | "url" | "nolinkurl" => {
            if let Some((url, after)) = group_content(src, k) {
                out.push(' ');
                out.push_str(&unescape_url(url));
                out.push(' ');
                k = after;
            }
            k
        }
        _ => {
            let command = COMMANDS.binary_search_by(|(cmd, _)| cmd.as_bytes().cmp(name.as_bytes())).ok();
            match command.and_then(|n| COMMANDS.get(n)).map(|(_, c)| *c) {
                Some(Command::Drop(n)) => {
                    out.push(' ');
                    return if mode == Mode::KeepAll { k } else { skip_args(src, k, n) };
                }
                Some(Command::Symbol(symbol)) => {
                    out.push_str(symbol);
                    return k;
                }
                Some(Command::Inline) => {
                    out.push(' ');
                    return k;
                }
                None => {}
            }
            if name.len() == 1 {
                // Accents and special letters: `\c{c}`, `\v{s}`, `\o`.
                k
            } else {
                out.push(BREAK);
                k
            }
        }
    }
}

/// The raw content of the brace group starting at `k` (after optional
/// spaces), and the index after its closing brace.
fn group_content(src: &str, k: usize) -> Option<(&str, usize)> {
    let open = skip_blanks(src, k);
    if src.as_bytes().get(open) != Some(&b'{') {
        return None;
    }
    let close = balanced_end(src, open, b'{', b'}')?;
    Some((src.get(open + 1..close - 1)?, close))
}

/// The index of the first byte at or after `k` that is not a space or tab.
fn skip_blanks(src: &str, mut k: usize) -> usize {
    let bytes = src.as_bytes();
    while k < bytes.len() && (bytes[k] == b' ' || bytes[k] == b'\t') {
        k += 1;
    }
    k
}

/// Index just after the delimiter that closes the one at `open`, or `None`
/// when it is never closed (then nothing is skipped: text cannot hide).
/// Both delimiters are ASCII, so a plain byte scan is exact.
fn balanced_end(src: &str, open: usize, open_b: u8, close_b: u8) -> Option<usize> {
    let bytes = src.as_bytes();
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'\\' {
            i += 2;
            continue;
        }
        if b == open_b {
            depth += 1;
        } else if b == close_b {
            depth = depth.saturating_sub(1);
            if depth == 0 {
                return Some(i + 1);
            }
        }
        i += 1;
    }
    None
}

/// Skips `[options]` (directly after the command) and `n` brace groups.
fn skip_args(src: &str, mut k: usize, mut n: usize) -> usize {
    loop {
        let at = skip_blanks(src, k);
        let delims = match src.as_bytes().get(at) {
            Some(b'[') if at == k || n > 0 => (b'[', b']'),
            Some(b'{') if n > 0 => {
                n -= 1;
                (b'{', b'}')
            }
            _ => return k,
        };
        match balanced_end(src, at, delims.0, delims.1) {
            Some(end) => k = end,
            None => return k,
        }
    }
}

fn unescape_url(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut chars = url.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\'
            && let Some(&n) = chars.peek()
            && "%#_&~$".contains(n)
        {
            continue;
        }
        out.push(c);
    }
    out
}

/// Lowercase text with every non-alphanumeric run folded to one space, padded.
fn flatten(text: &str) -> String {
    // A plain byte loop: this runs over the whole résumé, and iterator
    // adaptors cost several times more in debug builds.
    let bytes = text.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(bytes.len() + 2);
    out.push(b' ');
    let mut space = true;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b.is_ascii_alphanumeric() {
            out.push(b.to_ascii_lowercase());
            space = false;
            i += 1;
            continue;
        }
        let c = if b.is_ascii() { char::from(b) } else { text[i..].chars().next().unwrap_or(' ') };
        if c.is_alphanumeric() {
            let mut buf = [0u8; 4];
            for lower in c.to_lowercase() {
                out.extend_from_slice(lower.encode_utf8(&mut buf).as_bytes());
            }
            space = false;
        } else if !space {
            out.push(b' ');
            space = true;
        }
        i += c.len_utf8();
    }
    if !space {
        out.push(b' ');
    }
    String::from_utf8(out).unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Extraction

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DegreeLevel {
    Bachelor,
    Master,
    Mba,
    Doctorate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Science,
    Arts,
    Engineering,
    Technology,
    Business,
    Philosophy,
}

/// A normalised fact.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Url(String),
    Email(String),
    /// A plain number by canonical value ("2000", "3.5").
    Value(String),
    /// A qualified number: "40%", "$1200000", "10x", "v1.2.3".
    Marked(String),
    /// "thousands of": the lower bound.
    Magnitude(u64),
    MonthYear(u16, u8),
    Degree(DegreeLevel, Option<Field>),
    Skill(String),
}

/// One fact found in a text.
#[derive(Debug, Clone)]
struct Found {
    /// Byte offset in the visible text.
    start: usize,
    kind: FactKind,
    key: Key,
    surface: String,
    /// Plain values this fact also asserts (a number's mantissa and value).
    values: Vec<String>,
    /// For single-word practice skills: the stem of the matched word.
    stem: Option<String>,
    /// For skills: the matched text as written ("k8s" for Kubernetes).
    raw: String,
}

/// A word of the visible text.
#[derive(Debug, Clone)]
struct Token {
    /// Byte range in the scanned text.
    start: usize,
    end: usize,
    /// Has an upper-case letter.
    upper: bool,
    /// Has an ASCII digit.
    digit: bool,
    /// First word of the text, or after a sentence end, line break or item.
    initial: bool,
    /// Only spaces (or a lone `&`) separate it from the previous token.
    glued: bool,
    /// Consumed as a degree, a month or a spelled-out number.
    used: bool,
}

impl Token {
    fn text<'a>(&self, text: &'a str) -> &'a str {
        text.get(self.start..self.end).unwrap_or_default()
    }

    fn lower<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let word = self.text(text);
        if self.upper { Cow::Owned(word.to_lowercase()) } else { Cow::Borrowed(word) }
    }
}

/// What [`scan`] finds in a visible text.
struct Scan {
    /// The visible text with links, skills and numbers blanked out.
    text: String,
    found: Vec<Found>,
    /// Tokens of the text left after links, skills and numbers were removed.
    tokens: Vec<Token>,
    /// Months named anywhere.
    months: FxSet<u8>,
}

fn scan(visible: &str) -> Scan {
    let mut text = visible.to_owned();
    let mut found = Vec::new();
    let mut spans = Vec::new();
    for (start, end, kind, key) in find_links(&text) {
        found.push(simple(start, kind, key, &text[start..end]));
        spans.push((start, end));
    }
    blank_all(&mut text, &spans);
    spans.clear();
    for mention in find_skills(&text) {
        let surface = text.get(mention.start..mention.end).unwrap_or_default().to_owned();
        let stem = (mention.kind == SkillKind::Practice && surface.chars().all(char::is_alphabetic))
            .then(|| stem_of(&surface.to_lowercase()).to_owned());
        spans.push((mention.start, mention.end));
        found.push(Found {
            start: mention.start,
            kind: FactKind::Skill,
            key: Key::Skill(mention.name.clone()),
            surface: mention.name,
            values: Vec::new(),
            stem,
            raw: surface,
        });
    }
    blank_all(&mut text, &spans);
    scan_numbers(&mut text, &mut found);
    let mut tokens = tokenize(&text);
    let mut months = FxSet::default();
    scan_words(&text, &mut tokens, &mut found, &mut months);
    Scan { text, found, tokens, months }
}

fn simple(start: usize, kind: FactKind, key: Key, surface: &str) -> Found {
    Found { start, kind, key, surface: surface.trim().to_owned(), values: Vec::new(), stem: None, raw: String::new() }
}

/// Replaces each `text[start..end]` by spaces (same byte length, so offsets
/// hold). Spans come from `str` offsets, so they lie on character boundaries.
fn blank_all(text: &mut String, spans: &[(usize, usize)]) {
    if spans.is_empty() {
        return;
    }
    let mut bytes = std::mem::take(text).into_bytes();
    for &(start, end) in spans {
        if let Some(range) = bytes.get_mut(start..end) {
            range.fill(b' ');
        }
    }
    *text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
}

fn stem_of(word: &str) -> &str {
    for suffix in ["ship", "ing", "ed", "s"] {
        if let Some(stem) = word.strip_suffix(suffix)
            && stem.chars().count() >= 4
        {
            return stem;
        }
    }
    word
}

fn strip_possessive(word: &str) -> &str {
    word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word)
}

// --- Links -----------------------------------------------------------------

fn is_email_local(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._%+-".contains(c)
}

fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '.' || c == '-'
}

fn normalise_url(url: &str) -> String {
    let lower = url.to_lowercase();
    let mut s = lower.as_str();
    for prefix in ["https://", "http://", "ftp://", "mailto:"] {
        s = s.strip_prefix(prefix).unwrap_or(s);
    }
    s = s.strip_prefix("www.").unwrap_or(s);
    s.trim_end_matches('/').to_owned()
}

/// Whether `host` (lowercase) is `label(.label)+` ending in a known TLD.
fn is_domain(host: &str) -> bool {
    let labels: Vec<&str> = host.split('.').collect();
    labels.len() >= 2
        && labels
            .iter()
            .all(|l| !l.is_empty() && l.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        && labels.last().is_some_and(|tld| tlds().contains(tld))
        && labels.iter().any(|l| l.chars().any(|c| c.is_ascii_alphabetic()))
}

/// E-mails, then links with a scheme or `www.`, then bare domains.
fn find_links(text: &str) -> Vec<(usize, usize, FactKind, Key)> {
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

/// `int.frac × 10^shift` as a canonical decimal string.
fn canonical(int: &str, frac: &str, shift: usize) -> String {
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

fn is_year(value: u64) -> bool {
    (1950..=2099).contains(&value)
}

/// Finds numbers in `text` (links and skills already blanked) and blanks
/// them, so the word pass sees no digits.
fn scan_numbers(text: &mut String, found: &mut Vec<Found>) {
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

fn month_year(start: usize, year: u16, month: u8, surface: &str) -> Found {
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
fn is_boundary(c: char) -> bool {
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

/// Splits `text` into words: alphanumeric runs, joined by an inner `-`, `.`
/// or apostrophe ("co-founder", "B.Sc", "Google's").
fn tokenize(text: &str) -> Vec<Token> {
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

fn lookup<'a>(table: &'a [(&'a str, u64)], word: &str) -> Option<u64> {
    table.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
}

/// Degree abbreviations and words that [`degree_at`] may recognise.
const DEGREE_WORDS: &str = "bsc bsci bs ba beng be btech bba bachelor bachelors msc ms ma meng mtech mphil masters \
master mba emba phd dphil doctorate doctoral";

/// Every word that can start a month, a degree or a spelled-out number (a
/// cheap filter before the real parsers), and their first letters as a bit
/// mask (`a` = bit 0).
fn triggers() -> &'static (FxSet<&'static str>, u32) {
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
fn scan_words(text: &str, tokens: &mut [Token], found: &mut Vec<Found>, months: &mut FxSet<u8>) {
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
fn degree_at(text: &str, tokens: &[Token], i: usize, found: &mut Vec<Found>) -> Option<usize> {
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

/// Spelled-out numbers starting at token `i`.
fn number_words_at(text: &str, tokens: &[Token], i: usize, found: &mut Vec<Found>) -> Option<usize> {
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

/// `text` with every whitespace run folded to one space, trimmed.
fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

// ---------------------------------------------------------------------------
// Checking

/// Whether the base (or the quote) allows `found`.
fn allowed(facts: &Facts, quoted: &Facts, found: &Found) -> bool {
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
fn has_stem(f: &Facts, stem: &str) -> bool {
    let needle = format!(" {stem}");
    f.flat.match_indices(&needle).any(|(i, _)| {
        let rest = &f.flat[i + 1..];
        stem_of(&rest[..rest.find(' ').unwrap_or(rest.len())]) == stem
    })
}

/// Whether the text contains the lowercase word `lower` (or its plural or
/// singular, without a possessive; a hyphenated word as its parts in a row).
fn known_word(f: &Facts, lower: &str) -> bool {
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

fn is_title_word(lower: &str) -> bool {
    let bare = strip_possessive(lower);
    title_words().contains(bare) || bare.strip_suffix('s').is_some_and(|s| title_words().contains(s))
}

fn is_org_word(lower: &str) -> bool {
    org_words().contains(lower.trim_end_matches('.'))
}

/// A token that may be a name: it has an upper-case letter, no digit, and at
/// least two letters.
fn is_candidate(text: &str, token: &Token) -> bool {
    !token.used
        && token.upper
        && !token.digit
        && token.text(text).chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
}

/// Why a capitalised token needs no support from the base.
fn exempt(token: &Token, lower: &str, before_capitalised: bool) -> bool {
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

fn is_connector(text: &str, token: &Token) -> bool {
    PHRASE_CONNECTORS.contains(&token.text(text))
}

/// Capitalised phrases of the replacement with words the base never uses,
/// and multi-word titles the base never states.
fn proper_noun_violations(facts: &Facts, quoted: &Facts, scan: &Scan) -> Vec<(usize, Violation)> {
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
    out
}

/// Seniority words that, in lower case before a job noun, make a title.
/// "lead" and "head" are left out: in lower case they are usually verbs.
const SENIORITY: &[&str] =
    &["senior", "sr", "staff", "principal", "junior", "jr", "chief", "associate", "distinguished", "founding"];

/// Job nouns that end a lower-case title ("senior backend engineer").
const JOB_NOUNS: &str = "\
engineer developer manager architect scientist analyst designer consultant director officer researcher
programmer administrator specialist
";

/// Lower-case titles ("as staff engineer"): a seniority word, up to two
/// words, then a job noun, which must be stated in the base or the quote.
fn lowercase_titles(facts: &Facts, quoted: &Facts, scan: &Scan) -> Vec<(usize, Violation)> {
    let (text, tokens) = (scan.text.as_str(), &scan.tokens);
    let mut out = Vec::new();
    for (i, token) in tokens.iter().enumerate() {
        if token.upper || token.used || !SENIORITY.contains(&token.text(text)) {
            continue;
        }
        let noun = (i + 1..tokens.len().min(i + 4)).take_while(|&k| tokens[k].glued && !tokens[k].initial).find(|&k| {
            let word = tokens[k].text(text);
            in_list(JOB_NOUNS, word) || word.strip_suffix('s').is_some_and(|w| in_list(JOB_NOUNS, w))
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

#[cfg(test)]
mod tests {
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
        let v = visible_text(r"\textbf{Go} and \emph{Rust} \\ 50\% \& more % comment", Mode::Source);
        assert!(v.contains("Go") && v.contains("Rust") && v.contains("50% & more"), "{v:?}");
        assert!(!v.contains("comment"));
        let v = visible_text(r"\href{https://x.io/a\_b}{my site}", Mode::Source);
        assert!(v.contains("https://x.io/a_b") && v.contains("my site"), "{v:?}");
        let v = visible_text(r"\begin{itemize}[leftmargin=*] \item A \end{itemize}", Mode::Source);
        assert!(!v.contains("leftmargin") && !v.contains("itemize"), "{v:?}");
        let v = visible_text(r"\begin{tabular*}{\textwidth}{l@{\extracolsep{\fill}}r} x \end{tabular*}", Mode::Source);
        assert_eq!(v.trim(), "x");
        let v = visible_text(r"a \vspace{-2pt} b \textcolor{blue}{c} \\[4pt] d", Mode::Source);
        assert!(!v.contains('2') && !v.contains("blue") && !v.contains('4'), "{v:?}");
    }

    #[test]
    fn replacement_percent_is_literal_and_hidden_text_is_read() {
        let v = visible_text("cut costs by 40% for Acme", Mode::Replacement);
        assert!(v.contains("40% for Acme"), "{v:?}");
        // An unclosed option group does not swallow the rest.
        let v = visible_text(r"\begin{itemize}[ at Google", Mode::Replacement);
        assert!(v.contains("Google"), "{v:?}");
        // Macro definitions: nothing is dropped.
        assert!(defines_macros(r"\renewcommand{\label}[1]{#1}\label{Google}"));
        assert!(!defines_macros(r"\letter"));
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
        assert_violation(
            "ada@example.com",
            "ada@example.com | linkedin.com/in/ada",
            FactKind::Url,
            "linkedin.com/in/ada",
        );
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
        assert_violation(
            r"\textbf{Software Engineer}",
            r"\textbf{Senior Engineer}",
            FactKind::Title,
            "Senior Engineer",
        );
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
        let all = [RESUME_VERBS, COMMON_WORDS, TITLE_WORDS, ORG_WORDS, TLDS, WEEKDAYS, JOB_NOUNS, DEGREE_WORDS];
        assert!(all.iter().flat_map(|l| l.split_whitespace()).all(|w| w.chars().all(|c| c.is_lowercase() || c == '-')));
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
            (
                "cut quote latency from 900ms to 120ms",
                "cut p99 quote latency from 900ms to 120ms",
                FactKind::Number,
                "99",
            ),
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
            (
                r"Built a Go ledger (\href{https://evil.example.com}{my site})",
                FactKind::Url,
                "https://evil.example.com",
            ),
            ("Built a Go ledger, contact ada@evil.io", FactKind::Email, "ada@evil.io"),
            ("Built a Go ledger at ＧＯＯＧＬＥ", FactKind::Organisation, "ＧＯＯＧＬＥ"),
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
}
