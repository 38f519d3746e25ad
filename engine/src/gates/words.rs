//! The word lists the faithfulness gate reads with: résumé verbs, common
//! sentence openers, organisation words, months, number words, currencies.

use super::*;

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

/// Words that make a capitalised phrase an organisation.
pub(super) const ORG_WORDS: &str = "\
academy ag agency association bank capital co college company consulting corp corporation council department
foundation gmbh group holdings hospital inc institute lab laboratories labs llc llp ltd media ministry
networks partners plc school society software solutions studio studios systems technologies university
ventures
";

/// Words that, right before a capitalised phrase, make it an organisation.
pub(super) const ORG_PREPOSITIONS: &[&str] = &["at", "for", "joined", "join", "with", "from", "by"];

/// Words that may sit inside a capitalised phrase ("Bank of America").
pub(super) const PHRASE_CONNECTORS: &[&str] = &["of", "and", "for", "de", "the", "du", "von", "van"];

pub(super) const MONTHS: &[(&str, u8)] = &[
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

pub(super) const WEEKDAYS: &str = "\
monday tuesday wednesday thursday friday saturday sunday mon tue wed thu fri sat sun
";

/// Spelled-out cardinals.
pub(super) const CARDINALS: &[(&str, u64)] = &[
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
pub(super) const SCALES: &[(&str, u64)] =
    &[("dozen", 12), ("hundred", 100), ("thousand", 1_000), ("million", 1_000_000), ("billion", 1_000_000_000)];

/// Plural magnitudes ("thousands of users"): the lower bound.
pub(super) const MAGNITUDES: &[(&str, u64)] =
    &[("dozens", 12), ("hundreds", 100), ("thousands", 1_000), ("millions", 1_000_000), ("billions", 1_000_000_000)];

/// Multiplier words, as the `x` key they mean.
pub(super) const MULTIPLIERS: &[(&str, &str)] = &[
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
pub(super) const TLDS: &str = "\
ai app at au be blog br ca cc ch cloud cn co com cz de design dev dk edu es eu fi fm fr gg gov gr hk ie il in
info io it jp kr ly me mx net nl no nz org page pl pt ro ru se sg site studio tech tools tv tw uk us xyz za
";

/// Currency symbols and codes, with the symbol they normalise to.
pub(super) const CURRENCIES: &[(&str, &str)] = &[
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
pub(super) fn word_set(
    cell: &'static OnceLock<FxSet<&'static str>>,
    list: &'static str,
) -> &'static FxSet<&'static str> {
    cell.get_or_init(|| list.split_whitespace().collect())
}

pub(super) fn verbs() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, RESUME_VERBS)
}

pub(super) fn common_words() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, COMMON_WORDS)
}

pub(super) fn org_words() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, ORG_WORDS)
}

pub(super) fn tlds() -> &'static FxSet<&'static str> {
    static SET: OnceLock<FxSet<&'static str>> = OnceLock::new();
    word_set(&SET, TLDS)
}

pub(super) fn in_list(list: &str, word: &str) -> bool {
    list.split_whitespace().any(|w| w == word)
}

pub(super) fn month_of(lower: &str) -> Option<u8> {
    MONTHS.iter().find(|(name, _)| *name == lower).map(|(_, n)| *n)
}

/// Whether `lw` (lowercase) is a résumé verb or a regular form of one.
pub(super) fn is_resume_verb(lw: &str) -> bool {
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
