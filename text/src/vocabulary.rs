//! Words and command names more than one reader needs, in one place: the
//! commands that start a bullet, and the words of job titles.

/// Commands that start one bullet when they begin a line: `\item`, Jake's
/// `\resumeItem` and `\resumeSubItem`, moderncv's `\cvitem…` family. The
/// name must match exactly (`\itemsep` and `\resumeItemListStart` are not
/// bullets).
pub const BULLET_COMMANDS: &[&str] = &[
    "item",
    "resumeItem",
    "resumeSubItem",
    "cvitem",
    "cvitemwithcomment",
    "cvlistitem",
    "cvdoubleitem",
    "cvlistdoubleitem",
];

/// Job nouns: what a role is called ("senior backend *engineer*").
pub const JOB_NOUNS: &[&str] = &[
    "administrator",
    "analyst",
    "architect",
    "consultant",
    "coordinator",
    "designer",
    "developer",
    "director",
    "engineer",
    "evangelist",
    "instructor",
    "intern",
    "lecturer",
    "maintainer",
    "manager",
    "officer",
    "professor",
    "programmer",
    "researcher",
    "scientist",
    "specialist",
    "strategist",
    "supervisor",
    "technician",
    "tester",
];

/// Seniority words: before a job noun they make a title ("staff engineer").
/// "lead" and "head" are not here: in lower case they are usually verbs.
pub const SENIORITY: &[&str] =
    &["senior", "sr", "staff", "principal", "junior", "jr", "chief", "associate", "distinguished", "founding"];

/// The other words of titles: heads, executives, founders, owners.
pub const TITLE_HEADS: &[&str] = &[
    "advocate",
    "assistant",
    "ceo",
    "cfo",
    "chair",
    "chairman",
    "cio",
    "ciso",
    "co-founder",
    "cofounder",
    "contractor",
    "coo",
    "cpo",
    "cto",
    "executive",
    "fellow",
    "founder",
    "freelancer",
    "head",
    "lead",
    "owner",
    "partner",
    "president",
    "vice",
    "vp",
];

/// `word` (lower case) or its singular, in `list`.
fn in_list(list: &[&str], word: &str) -> bool {
    list.contains(&word) || word.strip_suffix('s').is_some_and(|w| list.contains(&w))
}

/// Whether a lower-case word is a job noun, singular or plural.
pub fn is_job_noun(word: &str) -> bool {
    in_list(JOB_NOUNS, word)
}

/// Whether a lower-case word makes a phrase a job title: a job noun, a
/// seniority word or a head ("Staff Engineer", "Head of Platform").
pub fn is_title_word(word: &str) -> bool {
    is_job_noun(word) || in_list(SENIORITY, word) || in_list(TITLE_HEADS, word)
}

/// Whether a lower-case word names a role on a job description's title
/// line: a job noun, or "lead", "head", "vp", "cto", "sre", "devops".
pub fn is_role_word(word: &str) -> bool {
    is_job_noun(word) || matches!(word, "lead" | "head" | "vp" | "cto" | "sre" | "devops")
}

/// Organisations well known enough to be named in lower case ("graduate of
/// mit", "interned at google"): a name an edit writes without a capital
/// must still be one the person wrote.
pub const KNOWN_ORGANISATIONS: &[&str] = &[
    "accenture",
    "adobe",
    "airbnb",
    "alibaba",
    "amazon",
    "amd",
    "anthropic",
    "apple",
    "asana",
    "atlassian",
    "aws",
    "baidu",
    "berkeley",
    "bloomberg",
    "boeing",
    "bytedance",
    "caltech",
    "cambridge",
    "cisco",
    "citadel",
    "citi",
    "cloudflare",
    "cmu",
    "coinbase",
    "columbia",
    "cornell",
    "databricks",
    "datadog",
    "deepmind",
    "deloitte",
    "dropbox",
    "epfl",
    "eth",
    "facebook",
    "figma",
    "github",
    "gitlab",
    "goldman",
    "google",
    "harvard",
    "ibm",
    "imperial",
    "infosys",
    "intel",
    "jpmorgan",
    "kpmg",
    "linkedin",
    "lyft",
    "mckinsey",
    "meta",
    "microsoft",
    "mit",
    "mozilla",
    "netflix",
    "nvidia",
    "openai",
    "oracle",
    "oxford",
    "palantir",
    "paypal",
    "pinterest",
    "princeton",
    "pwc",
    "qualcomm",
    "reddit",
    "salesforce",
    "samsung",
    "sap",
    "shopify",
    "slack",
    "snowflake",
    "spacex",
    "spotify",
    "stanford",
    "stripe",
    "tcs",
    "tencent",
    "tesla",
    "twitter",
    "uber",
    "ucl",
    "ucla",
    "uiuc",
    "vmware",
    "wipro",
    "yahoo",
    "yale",
    "zoom",
];

/// Words after "at" or "joined" that do not name an organisation ("at
/// scale", "at least", "joined the team").
pub const NOT_ORGANISATIONS: &[&str] = &[
    "a", "all", "an", "any", "best", "both", "cost", "each", "every", "first", "full", "hand", "home", "its", "large",
    "last", "launch", "least", "length", "level", "lower", "most", "my", "night", "once", "one", "our", "peak",
    "present", "rest", "risk", "runtime", "scale", "speed", "startup", "the", "their", "this", "these", "those",
    "times", "top", "twice", "volume", "work", "worst",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_roles_and_job_nouns() {
        assert!(is_job_noun("engineers") && is_job_noun("manager") && !is_job_noun("lead"));
        assert!(is_title_word("lead") && is_title_word("staff") && is_title_word("cto") && !is_title_word("rust"));
        assert!(is_role_word("devops") && is_role_word("developers") && !is_role_word("senior"));
    }
}
