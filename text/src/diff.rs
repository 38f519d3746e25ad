//! Résumé-level differences between two versions of a LaTeX document.
//!
//! [`diff_documents`] reports what a person reading the résumé would call a
//! change: a bullet or line that was added, removed, or rewritten, labelled
//! with the section it belongs to. It never looks at characters on its own
//! and never fails: text that is not a whole document is still compared.
//!
//! # How two versions are compared
//!
//! 1. **Sections.** Both documents are cut with [`split`]; the preamble and
//!    the closing `\end{document}` part are not compared (they hold layout,
//!    not résumé content). If either text is not a whole document, each
//!    whole text is compared as one [`ResumeSectionType::Other`] section
//!    without a title.
//! 2. **Section alignment.** A section's key is its type and lower-cased
//!    title. Keys that occur exactly once on each side are paired directly,
//!    wherever the sections are, so reordering sections changes nothing.
//!    The remaining sections are aligned on their key sequence with
//!    `similar`, and what is still unpaired between two aligned sections is
//!    paired by type, except [`ResumeSectionType::Other`] (a renamed
//!    section, `Experience` → `Work Experience`, is compared item by item
//!    and its heading line shows as rewritten). A section left unpaired has
//!    all its items added (only in `to`) or removed (only in `from`).
//! 3. **Items** ([`section_items`]): one per logical line. A bullet (a line
//!    starting with `\item`, `\resumeItem`, `\cvitem`, … see
//!    [`BULLET_COMMANDS`]) takes the following lines until the next bullet,
//!    a blank line, a line starting with `\end{`, or a line without text
//!    once its braces are closed. Every other line with text is an item,
//!    the heading line included. Comments are removed (comment-only lines
//!    are skipped without ending a bullet, `comment` environments are
//!    skipped), and lines without text are structure and skipped: only
//!    commands, environment names, `[options]`, lengths, braces and
//!    punctuation (`\begin{itemize}[leftmargin=0.15in]`,
//!    `\resumeItemListEnd`, `\vspace{-4pt}`, `}}`). An item's text is its
//!    lines trimmed and joined, with runs of white space collapsed to one
//!    space, so re-indenting or re-wrapping a bullet is not a change.
//! 4. **Item alignment.** The items of two paired sections are aligned with
//!    `similar`'s patience diff. An item that left one place and appears,
//!    identical, in another place of the same section is a **move** and is
//!    not reported: reordering bullets or skill lines is not a change. (A
//!    move to another section is a removal plus an addition, and an item
//!    that was both moved and edited is also reported as removed + added.)
//! 5. **Rewrites.** Between two aligned anchors, the removed and added items
//!    are paired greedily, most similar first, when their [`similarity`] is
//!    at least [`REWRITE_THRESHOLD`]; those pairs are rewrites and the rest
//!    are removed or added.
//!
//! Added items and rewrites are listed in the order of the `to` document,
//! removed items in the order of the `from` document.
//!
//! # Limits
//!
//! The work is bounded so that hostile input cannot stall a request: each
//! alignment has a time budget ([`ALIGNMENT_TIME_LIMIT`] per call of
//! [`diff_documents`]) after which `similar` settles for a correct but less
//! minimal alignment; very long items and very large change blocks are
//! compared approximately (see [`similarity`]). None of this is reached by
//! real résumés, which take well under a millisecond.

use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::Hash;
use std::ops::Range;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use similar::{Algorithm, DiffOp, capture_diff_slices, capture_diff_slices_deadline, get_diff_ratio};

use crate::enums::ResumeSectionType;
use crate::latex::lexer::{find_closing_bracket, matching_brace};
use crate::latex::{HEADING_ENVIRONMENTS, Lexer, TokenKind, split, strip_comments};

/// The [`similarity`] from which a removed and an added item at the same
/// place are reported as one [`Rewrite`] rather than separately.
pub const REWRITE_THRESHOLD: f64 = 0.5;

pub use crate::latex::BULLET_COMMANDS;

/// The time `similar` gets for all alignments of one [`diff_documents`]
/// call before it falls back to a coarser (still correct) alignment.
pub const ALIGNMENT_TIME_LIMIT: Duration = Duration::from_millis(250);

/// Two items with more tokens than this together are compared by their
/// token multisets only.
const MAX_EXACT_TOKENS: usize = 1_000;

/// Work (the square of the combined token count, summed over comparisons)
/// allowed for exact similarities in one [`diff_documents`] call; past it,
/// similarities are estimated from token multisets.
const EXACT_WORK_BUDGET: usize = 16_000_000;

/// Most item pairs compared in one change block; larger blocks compare each
/// removed item only with the added items near its relative position.
const MAX_BLOCK_COMPARISONS: usize = 4_096;

/// Environments whose arguments after the name are layout (column specs,
/// widths, counts), never text.
const LAYOUT_ENVIRONMENTS: &[&str] = &[
    "itemize",
    "enumerate",
    "description",
    "center",
    "flushleft",
    "flushright",
    "tabular",
    "tabular*",
    "tabularx",
    "tabulary",
    "longtable",
    "array",
    "minipage",
    "multicols",
    "multicols*",
    "paracol",
    "adjustwidth",
    "list",
    "wrapfigure",
];

/// Units that make a brace group such as `{-4pt}` a length.
const UNITS: &[&str] = &["pt", "pc", "in", "bp", "cm", "mm", "dd", "cc", "sp", "ex", "em", "mu", "px", "fil", "fill"];

/// What changed between two versions of a résumé.
///
/// Serialised as `{"added": [...], "removed": [...], "rewritten": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocumentDiff {
    /// Items only in the new version, in its document order.
    pub added: Vec<DiffItem>,
    /// Items only in the old version, in its document order.
    pub removed: Vec<DiffItem>,
    /// Items changed in place, in the new version's document order.
    pub rewritten: Vec<Rewrite>,
}

impl DocumentDiff {
    /// Whether nothing changed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.rewritten.is_empty()
    }
}

/// An item that was added or removed.
///
/// Serialised as `{"section": "EXPERIENCE", "sectionTitle": "Experience", "text": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DiffItem {
    /// The type of the section holding the item.
    pub section: ResumeSectionType,
    /// That section's title as plain words; `null` for the text before the
    /// first heading.
    pub section_title: Option<String>,
    /// The item's LaTeX source, trimmed, with white space collapsed.
    pub text: String,
}

/// An item whose text changed in place.
///
/// Serialised as `{"section", "sectionTitle", "old", "new", "similarity"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Rewrite {
    /// The type of the section holding the item in the new version.
    pub section: ResumeSectionType,
    /// That section's title in the new version.
    pub section_title: Option<String>,
    /// The item's text in the old version.
    pub old: String,
    /// The item's text in the new version.
    pub new: String,
    /// [`similarity`] of `old` and `new`, rounded to two decimals; between
    /// [`REWRITE_THRESHOLD`] and 0.99.
    pub similarity: f64,
}

/// Compares two versions of a LaTeX résumé at the level of sections and
/// items (see the [module documentation](self) for the rules).
///
/// Never fails: if either text is not a whole document, both are compared
/// as a single untitled [`ResumeSectionType::Other`] section. Identical
/// texts give an empty diff.
#[must_use]
pub fn diff_documents(from: &str, to: &str) -> DocumentDiff {
    if from == to {
        return DocumentDiff::default();
    }
    let (old, new) = match (split(from), split(to)) {
        (Ok(a), Ok(b)) => (
            a.sections.iter().map(|s| Section::new(s.section_type, s.title.clone(), s.content)).collect(),
            b.sections.iter().map(|s| Section::new(s.section_type, s.title.clone(), s.content)).collect(),
        ),
        _ => (
            vec![Section::new(ResumeSectionType::Other, None, from)],
            vec![Section::new(ResumeSectionType::Other, None, to)],
        ),
    };
    Differ::new(&old, &new).run()
}

/// Cuts a section's source into the items it is compared by, in order (see
/// the [module documentation](self), point 3).
///
/// ```
/// use text::diff::section_items;
/// let items = section_items(
///     "\\section{Skills}\n\\begin{itemize}\n  \\item Rust, Go\n    and SQL % main\n\\end{itemize}\n",
/// );
/// assert_eq!(items, ["\\section{Skills}", "\\item Rust, Go and SQL"]);
/// ```
#[must_use]
pub fn section_items(content: &str) -> Vec<String> {
    let mut items = Vec::new();
    let mut bullet: Option<Bullet> = None;
    let mut in_comment_environment = false;
    for raw in content.lines() {
        if in_comment_environment {
            in_comment_environment = !raw.contains(r"\end{comment}");
            continue;
        }
        if raw.trim().is_empty() {
            flush(&mut bullet, &mut items);
            continue;
        }
        let line = if raw.contains('%') { strip_comments(raw) } else { raw }.trim();
        if line.is_empty() {
            // A comment-only line: as if it were not there.
            continue;
        }
        if line.starts_with(r"\begin{comment}") {
            flush(&mut bullet, &mut items);
            in_comment_environment = !line.contains(r"\end{comment}");
            continue;
        }
        if is_bullet_start(line) {
            flush(&mut bullet, &mut items);
            bullet = Some(Bullet::new(line));
            continue;
        }
        if let Some(open) = bullet.as_mut() {
            if !line.starts_with(r"\end{") && (open.depth > 0 || has_text(line)) {
                open.push(line);
                continue;
            }
            flush(&mut bullet, &mut items);
        }
        if has_text(line) {
            items.push(collapse_spaces(line));
        }
    }
    flush(&mut bullet, &mut items);
    items
}

/// How alike two items are, from 0 (nothing in common) to 1 (the same
/// tokens in the same order).
///
/// Both texts are cut into tokens (runs of letters and digits, and every
/// other character except white space on its own) and the ratio is
/// `2 * matched / (tokens in old + tokens in new)` over a longest common
/// subsequence found by `similar`. Tokens rather than characters, because
/// any two English sentences share half their letters in order; words
/// rather than `similar`'s word diff, because that counts the spaces
/// between words as matches. When the two texts have more than 1,000 tokens
/// together, the ratio is estimated from the token multisets (an upper
/// bound).
#[must_use]
pub fn similarity(old: &str, new: &str) -> f64 {
    let mut vocabulary = HashMap::new();
    let old = Tokens::new(old, &mut vocabulary);
    let new = Tokens::new(new, &mut vocabulary);
    let mut work = EXACT_WORK_BUDGET;
    old.similarity(&new, &mut work)
}

/// A section reduced to what is compared.
struct Section {
    section_type: ResumeSectionType,
    title: Option<String>,
    items: Vec<String>,
}

impl Section {
    fn new(section_type: ResumeSectionType, title: Option<String>, content: &str) -> Self {
        Self { section_type, title, items: section_items(content) }
    }

    /// What sections are matched by: type and lower-cased title.
    fn key(&self) -> (ResumeSectionType, Option<String>) {
        (self.section_type, self.title.as_deref().map(str::to_lowercase))
    }
}

/// Where an item is: (section index, item index) in its document.
type Position = (usize, usize);

/// Compares two lists of sections and collects the results.
struct Differ<'a> {
    old: &'a [Section],
    new: &'a [Section],
    deadline: Option<Instant>,
    /// What is left of [`EXACT_WORK_BUDGET`].
    work: usize,
    added: Vec<(Position, DiffItem)>,
    removed: Vec<(Position, DiffItem)>,
    rewritten: Vec<(Position, Rewrite)>,
}

impl<'a> Differ<'a> {
    fn new(old: &'a [Section], new: &'a [Section]) -> Self {
        Self {
            old,
            new,
            deadline: Instant::now().checked_add(ALIGNMENT_TIME_LIMIT),
            work: EXACT_WORK_BUDGET,
            added: Vec::new(),
            removed: Vec::new(),
            rewritten: Vec::new(),
        }
    }

    fn run(mut self) -> DocumentDiff {
        let pairs = self.pair_sections();
        let mut old_paired = vec![false; self.old.len()];
        let mut new_paired = vec![false; self.new.len()];
        for &(i, j) in &pairs {
            old_paired[i] = true;
            new_paired[j] = true;
            self.diff_items(i, j);
        }
        for (i, section) in self.old.iter().enumerate() {
            if !old_paired[i] {
                for k in 0..section.items.len() {
                    self.remove(i, k);
                }
            }
        }
        for (j, section) in self.new.iter().enumerate() {
            if !new_paired[j] {
                for k in 0..section.items.len() {
                    self.add(j, k);
                }
            }
        }
        self.added.sort_by_key(|(position, _)| *position);
        self.removed.sort_by_key(|(position, _)| *position);
        self.rewritten.sort_by_key(|(position, _)| *position);
        DocumentDiff {
            added: self.added.into_iter().map(|(_, item)| item).collect(),
            removed: self.removed.into_iter().map(|(_, item)| item).collect(),
            rewritten: self.rewritten.into_iter().map(|(_, rewrite)| rewrite).collect(),
        }
    }

    /// Pairs old and new sections: unique keys directly, then the rest by
    /// key sequence, then what is left between those by type. Returns
    /// `(old index, new index)` pairs, each index at most once.
    fn pair_sections(&self) -> Vec<(usize, usize)> {
        let mut keys = HashMap::new();
        let old_keys: Vec<usize> = self.old.iter().map(|s| intern(&mut keys, s.key())).collect();
        let new_keys: Vec<usize> = self.new.iter().map(|s| intern(&mut keys, s.key())).collect();

        let mut counts: HashMap<usize, (usize, usize)> = HashMap::new();
        for &key in &old_keys {
            counts.entry(key).or_default().0 += 1;
        }
        for &key in &new_keys {
            counts.entry(key).or_default().1 += 1;
        }
        let is_unique = |key: &usize| counts.get(key) == Some(&(1, 1));

        let old_by_unique_key: HashMap<usize, usize> =
            old_keys.iter().enumerate().filter(|(_, key)| is_unique(key)).map(|(i, &key)| (key, i)).collect();
        let mut pairs: Vec<(usize, usize)> =
            new_keys.iter().enumerate().filter_map(|(j, key)| old_by_unique_key.get(key).map(|&i| (i, j))).collect();

        let old_rest: Vec<usize> = (0..old_keys.len()).filter(|&i| !old_keys.get(i).is_some_and(is_unique)).collect();
        let new_rest: Vec<usize> = (0..new_keys.len()).filter(|&j| !new_keys.get(j).is_some_and(is_unique)).collect();
        let rest_keys = |rest: &[usize], keys: &[usize]| -> Vec<usize> {
            rest.iter().filter_map(|&i| keys.get(i).copied()).collect()
        };
        let by_key = common_pairs(
            &rest_keys(&old_rest, &old_keys),
            &rest_keys(&new_rest, &new_keys),
            Algorithm::Myers,
            self.deadline,
        );

        let mut types = HashMap::new();
        for (old_gap, new_gap) in gaps(&by_key, old_rest.len(), new_rest.len()) {
            let (Some(old_gap), Some(new_gap)) = (old_rest.get(old_gap), new_rest.get(new_gap)) else {
                continue;
            };
            // `Other` is a catch-all: two different `Other` sections are
            // not one renamed section, so each gets a type id of its own.
            let mut type_ids = |gap: &[usize], sections: &[Section], side: bool| -> Vec<usize> {
                gap.iter()
                    .filter_map(|&i| {
                        let section = sections.get(i)?;
                        let own = (section.section_type == ResumeSectionType::Other).then_some((side, i));
                        Some(intern(&mut types, (section.section_type, own)))
                    })
                    .collect()
            };
            let old_types = type_ids(old_gap, self.old, false);
            let new_types = type_ids(new_gap, self.new, true);
            for (a, b) in common_pairs(&old_types, &new_types, Algorithm::Myers, self.deadline) {
                if let (Some(&i), Some(&j)) = (old_gap.get(a), new_gap.get(b)) {
                    pairs.push((i, j));
                }
            }
        }
        for (a, b) in by_key {
            if let (Some(&i), Some(&j)) = (old_rest.get(a), new_rest.get(b)) {
                pairs.push((i, j));
            }
        }
        pairs
    }

    /// Compares the items of the paired sections `i` (old) and `j` (new).
    fn diff_items(&mut self, i: usize, j: usize) {
        let (old_sections, new_sections) = (self.old, self.new);
        let (Some(old), Some(new)) = (old_sections.get(i), new_sections.get(j)) else {
            return;
        };
        if old.items == new.items {
            return;
        }
        let mut ids = HashMap::new();
        let old_ids: Vec<usize> = old.items.iter().map(|t| intern(&mut ids, t.as_str())).collect();
        let new_ids: Vec<usize> = new.items.iter().map(|t| intern(&mut ids, t.as_str())).collect();
        let anchors = common_pairs(&old_ids, &new_ids, Algorithm::Patience, self.deadline);

        let mut old_done = vec![false; old_ids.len()];
        let mut new_done = vec![false; new_ids.len()];
        for &(a, b) in &anchors {
            old_done[a] = true;
            new_done[b] = true;
        }
        // Moves: identical text that left one place and arrived at another.
        let mut departed: HashMap<usize, VecDeque<usize>> = HashMap::new();
        for (a, &id) in old_ids.iter().enumerate() {
            if !old_done[a] {
                departed.entry(id).or_default().push_back(a);
            }
        }
        for (b, &id) in new_ids.iter().enumerate() {
            if !new_done[b]
                && let Some(a) = departed.get_mut(&id).and_then(VecDeque::pop_front)
            {
                old_done[a] = true;
                new_done[b] = true;
            }
        }
        for (old_gap, new_gap) in gaps(&anchors, old_ids.len(), new_ids.len()) {
            let old_left: Vec<usize> = old_gap.filter(|&a| !old_done[a]).collect();
            let new_left: Vec<usize> = new_gap.filter(|&b| !new_done[b]).collect();
            self.pair_block((i, &old_left), (j, &new_left));
        }
    }

    /// Reports one change block: the removed items `old.1` of old section
    /// `old.0` and the added items `new.1` of new section `new.0`, pairing
    /// similar ones as rewrites.
    fn pair_block(&mut self, (i, old_items): (usize, &[usize]), (j, new_items): (usize, &[usize])) {
        let (old_sections, new_sections) = (self.old, self.new);
        let (Some(old), Some(new)) = (old_sections.get(i), new_sections.get(j)) else {
            return;
        };
        let mut candidates: Vec<(f64, usize, usize)> = Vec::new();
        if !old_items.is_empty() && !new_items.is_empty() {
            let mut vocabulary = HashMap::new();
            let mut tokens = |section: &'a Section, items: &[usize]| -> Vec<Tokens> {
                items
                    .iter()
                    .map(|&k| Tokens::new(section.items.get(k).map_or("", String::as_str), &mut vocabulary))
                    .collect()
            };
            let old_tokens = tokens(old, old_items);
            let new_tokens = tokens(new, new_items);
            for (a, old_token) in old_tokens.iter().enumerate() {
                for b in comparison_window(a, old_tokens.len(), new_tokens.len()) {
                    if let Some(new_token) = new_tokens.get(b) {
                        let score = old_token.similarity(new_token, &mut self.work);
                        if score >= REWRITE_THRESHOLD {
                            candidates.push((score, a, b));
                        }
                    }
                }
            }
            candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
        }

        let mut old_used = vec![false; old_items.len()];
        let mut new_used = vec![false; new_items.len()];
        for (score, a, b) in candidates {
            if old_used[a] || new_used[b] {
                continue;
            }
            old_used[a] = true;
            new_used[b] = true;
            if let (Some(&ka), Some(&kb)) = (old_items.get(a), new_items.get(b))
                && let (Some(old_text), Some(new_text)) = (old.items.get(ka), new.items.get(kb))
            {
                let rewrite = Rewrite {
                    section: new.section_type,
                    section_title: new.title.clone(),
                    old: old_text.clone(),
                    new: new_text.clone(),
                    // A rewrite is never reported as identical.
                    similarity: ((score * 100.0).round() / 100.0).min(0.99),
                };
                self.rewritten.push(((j, kb), rewrite));
            }
        }
        for (a, &k) in old_items.iter().enumerate() {
            if !old_used[a] {
                self.remove(i, k);
            }
        }
        for (b, &k) in new_items.iter().enumerate() {
            if !new_used[b] {
                self.add(j, k);
            }
        }
    }

    /// Reports item `k` of old section `i` as removed.
    fn remove(&mut self, i: usize, k: usize) {
        if let Some(item) = diff_item(self.old, i, k) {
            self.removed.push(((i, k), item));
        }
    }

    /// Reports item `k` of new section `j` as added.
    fn add(&mut self, j: usize, k: usize) {
        if let Some(item) = diff_item(self.new, j, k) {
            self.added.push(((j, k), item));
        }
    }
}

fn diff_item(sections: &[Section], i: usize, k: usize) -> Option<DiffItem> {
    let section = sections.get(i)?;
    Some(DiffItem {
        section: section.section_type,
        section_title: section.title.clone(),
        text: section.items.get(k)?.clone(),
    })
}

/// A small id for `key`, the same for equal keys.
fn intern<K: Hash + Eq>(ids: &mut HashMap<K, usize>, key: K) -> usize {
    let next = ids.len();
    *ids.entry(key).or_insert(next)
}

/// Index pairs `(i, j)` with `old[i] == new[j]`, increasing in both, on a
/// common subsequence found by `algorithm`.
///
/// Values that occur on one side only cannot be matched, so they are left
/// out before aligning: that keeps `similar` fast on inputs with little in
/// common, where Myers' algorithm is slowest.
fn common_pairs(old: &[usize], new: &[usize], algorithm: Algorithm, deadline: Option<Instant>) -> Vec<(usize, usize)> {
    let in_old: HashSet<usize> = old.iter().copied().collect();
    let in_new: HashSet<usize> = new.iter().copied().collect();
    let (old_at, old_kept): (Vec<usize>, Vec<usize>) =
        old.iter().enumerate().filter(|(_, v)| in_new.contains(v)).map(|(i, &v)| (i, v)).unzip();
    let (new_at, new_kept): (Vec<usize>, Vec<usize>) =
        new.iter().enumerate().filter(|(_, v)| in_old.contains(v)).map(|(j, &v)| (j, v)).unzip();
    let mut pairs = Vec::new();
    for op in capture_diff_slices_deadline(algorithm, &old_kept, &new_kept, deadline) {
        if let DiffOp::Equal { old_index, new_index, len } = op {
            for k in 0..len {
                if let (Some(&i), Some(&j)) = (old_at.get(old_index + k), new_at.get(new_index + k)) {
                    pairs.push((i, j));
                }
            }
        }
    }
    pairs
}

/// The stretches between consecutive `pairs` (and before the first and
/// after the last) that are not empty on both sides, as (old, new) ranges.
/// `pairs` must increase in both indices.
fn gaps(pairs: &[(usize, usize)], old_len: usize, new_len: usize) -> Vec<(Range<usize>, Range<usize>)> {
    let mut out = Vec::new();
    let (mut old_from, mut new_from) = (0, 0);
    for &(i, j) in pairs.iter().chain(std::iter::once(&(old_len, new_len))) {
        let (old_gap, new_gap) = (old_from..i.max(old_from), new_from..j.max(new_from));
        if !old_gap.is_empty() || !new_gap.is_empty() {
            out.push((old_gap, new_gap));
        }
        (old_from, new_from) = (i + 1, j + 1);
    }
    out
}

/// Which added items (indices into a block of `new_len`) the removed item
/// `a` of `old_len` is compared with: all of them, unless the block is
/// larger than [`MAX_BLOCK_COMPARISONS`] pairs, then a window around the
/// same relative position.
fn comparison_window(a: usize, old_len: usize, new_len: usize) -> Range<usize> {
    if old_len.saturating_mul(new_len) <= MAX_BLOCK_COMPARISONS {
        return 0..new_len;
    }
    let half = (MAX_BLOCK_COMPARISONS / old_len.max(1) / 2).max(1);
    let center = a.saturating_mul(new_len) / old_len.max(1);
    center.saturating_sub(half).min(new_len)..center.saturating_add(half + 1).min(new_len)
}

/// An item cut into interned tokens.
struct Tokens {
    /// The tokens in order.
    sequence: Vec<usize>,
    /// The same tokens sorted, for the multiset bound.
    sorted: Vec<usize>,
}

impl Tokens {
    fn new<'t>(text: &'t str, vocabulary: &mut HashMap<&'t str, usize>) -> Self {
        let mut sequence = Vec::new();
        let mut word_start: Option<usize> = None;
        for (at, c) in text.char_indices() {
            if c.is_alphanumeric() {
                word_start.get_or_insert(at);
                continue;
            }
            if let Some(start) = word_start.take()
                && let Some(word) = text.get(start..at)
            {
                sequence.push(intern(vocabulary, word));
            }
            if !c.is_whitespace()
                && let Some(symbol) = text.get(at..at + c.len_utf8())
            {
                sequence.push(intern(vocabulary, symbol));
            }
        }
        if let Some(word) = word_start.and_then(|start| text.get(start..)) {
            sequence.push(intern(vocabulary, word));
        }
        let mut sorted = sequence.clone();
        sorted.sort_unstable();
        Self { sequence, sorted }
    }

    /// The ratio described at [`similarity`], charging exact comparisons to
    /// `work` and estimating once it is spent. Below [`REWRITE_THRESHOLD`]
    /// the value is only an upper bound.
    fn similarity(&self, other: &Self, work: &mut usize) -> f64 {
        let total = self.sequence.len() + other.sequence.len();
        if total == 0 {
            return 1.0;
        }
        let upper_bound = 2.0 * multiset_overlap(&self.sorted, &other.sorted) as f64 / total as f64;
        let cost = total.saturating_mul(total);
        if upper_bound < REWRITE_THRESHOLD || total > MAX_EXACT_TOKENS || cost > *work {
            return upper_bound;
        }
        *work -= cost;
        let ops = capture_diff_slices(Algorithm::Myers, &self.sequence, &other.sequence);
        f64::from(get_diff_ratio(&ops, self.sequence.len(), other.sequence.len()))
    }
}

/// The size of the multiset intersection of two sorted sequences.
fn multiset_overlap(a: &[usize], b: &[usize]) -> usize {
    let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
    let mut common = 0;
    while let (Some(&&x), Some(&&y)) = (a.peek(), b.peek()) {
        match x.cmp(&y) {
            std::cmp::Ordering::Less => {
                a.next();
            }
            std::cmp::Ordering::Greater => {
                b.next();
            }
            std::cmp::Ordering::Equal => {
                common += 1;
                a.next();
                b.next();
            }
        }
    }
    common
}

/// A bullet being read: its text so far and its unclosed braces.
struct Bullet {
    text: String,
    depth: isize,
}

impl Bullet {
    fn new(line: &str) -> Self {
        Self { text: line.to_owned(), depth: brace_delta(line) }
    }

    fn push(&mut self, line: &str) {
        self.text.push(' ');
        self.text.push_str(line);
        self.depth += brace_delta(line);
    }
}

/// Ends the open bullet, keeping it if it has text.
fn flush(bullet: &mut Option<Bullet>, items: &mut Vec<String>) {
    if let Some(done) = bullet.take()
        && has_text(&done.text)
    {
        items.push(collapse_spaces(&done.text));
    }
}

fn collapse_spaces(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a (trimmed) line starts with one of [`BULLET_COMMANDS`].
fn is_bullet_start(line: &str) -> bool {
    Lexer::new(line)
        .next()
        .is_some_and(|t| matches!(t.kind, TokenKind::Command(name) if BULLET_COMMANDS.contains(&name)))
}

/// Opening minus closing braces (escaped ones, comments and verbatim do not count).
fn brace_delta(line: &str) -> isize {
    Lexer::new(line)
        .map(|t| match t.kind {
            TokenKind::OpenBrace => 1,
            TokenKind::CloseBrace => -1,
            _ => 0,
        })
        .sum()
}

/// Whether a brace group's contents is a length: `-4pt`, `0.97\textwidth`.
fn is_length(group: &str) -> bool {
    let number = group.trim().trim_start_matches(['-', '+']);
    let digits = number.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
    let Some(unit) = number.get(digits..).map(str::trim_start) else {
        return false;
    };
    digits > 0
        && (UNITS.contains(&unit)
            || unit
                .strip_prefix('\\')
                .is_some_and(|name| !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphabetic())))
}

/// The end of the brace group opening at `open` if it is not text: a
/// layout argument, or a length. Only groups that start like a number are
/// measured, so ordinary text is not scanned twice.
fn skippable_group(line: &str, open: usize, layout_arguments: bool) -> Option<usize> {
    let first = line.get(open + 1..)?.trim_start().bytes().next()?;
    if !layout_arguments && !matches!(first, b'0'..=b'9' | b'-' | b'+' | b'.') {
        return None;
    }
    let close = matching_brace(line, open)?;
    (layout_arguments || line.get(open + 1..close).is_some_and(is_length)).then_some(close)
}

/// Whether a line (without comments) has text a reader would see, rather
/// than only structure: commands, environment names, `[options]` after a
/// command, lengths, layout environments' arguments, braces and
/// punctuation.
fn has_text(line: &str) -> bool {
    let mut lexer = Lexer::new(line);
    // `[` right after a command (or its options) opens options.
    let mut after_command = false;
    // Brace groups right after `\begin{env}` of a layout environment are
    // its layout arguments.
    let mut layout_arguments = false;
    while let Some(token) = lexer.next() {
        match token.kind {
            TokenKind::Command(_) | TokenKind::End(_) => {
                if line[token.end..].starts_with('*') {
                    lexer.seek(token.end + 1);
                }
                after_command = true;
                layout_arguments = false;
            }
            TokenKind::Begin(environment) => {
                after_command = true;
                layout_arguments =
                    !HEADING_ENVIRONMENTS.contains(&environment) && LAYOUT_ENVIRONMENTS.contains(&environment);
            }
            TokenKind::OpenBrace => match skippable_group(line, token.start, layout_arguments) {
                Some(close) => {
                    lexer.seek(close + 1);
                    after_command = layout_arguments;
                }
                None => {
                    after_command = false;
                    layout_arguments = false;
                }
            },
            TokenKind::Text => {
                let text = &line[token.start..token.end];
                let trimmed = text.trim_start();
                let open = token.start + (text.len() - trimmed.len());
                if after_command
                    && trimmed.starts_with('[')
                    && let Some(close) = find_closing_bracket(line, open, line.len())
                {
                    lexer.seek(close + 1);
                    continue;
                }
                if trimmed.chars().any(char::is_alphanumeric) {
                    return true;
                }
                if !trimmed.is_empty() {
                    after_command = false;
                    layout_arguments = false;
                }
            }
            TokenKind::Verb { .. } | TokenKind::Opaque { .. } => return true,
            _ => {
                after_command = false;
                layout_arguments = false;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_has_no_text() {
        for line in [
            r"\begin{itemize}",
            r"\end{itemize}",
            r"\begin{itemize}[leftmargin=0.15in, label={}]",
            r"\resumeItemListStart",
            r"\resumeSubHeadingListEnd",
            r"\resumeItemListEnd",
            r"\end{itemize}\vspace{-5pt}",
            r"\vspace{-4pt}",
            r"\vspace{\baselineskip}",
            r"\small{\item{",
            r"}}",
            r"{",
            r"$|$",
            r"\\",
            r"\begin{tabular*}{0.97\textwidth}[t]{l@{\extracolsep{\fill}}r}",
            r"\begin{tabular}{ @{} >{\bfseries}l @{\hspace{6ex}} l }",
            r"\begin{paracol}{2}",
            r"\begin{minipage}[t]{0.5\linewidth}",
            r"\end{rSection}",
            r"\item",
            r"\newpage",
        ] {
            assert!(!has_text(line), "{line:?}");
        }
    }

    #[test]
    fn lines_with_text() {
        for line in [
            r"\section{Education}",
            r"\begin{rSection}{Education}",
            r"\begin{rSubsection}{Helix \& Vine}{2019}{Engineer}{Cambridge, MA}",
            r"\textbf{Languages}{: Rust, Go} \\",
            r"{University of Texas at Austin}{Austin, TX}",
            r"{2022}",
            r"Zürich",
            r"\item Built things",
            r"[PDF] link",
            r"\cvsection[sidebar]{Experience}",
            r"é",
        ] {
            assert!(has_text(line), "{line:?}");
        }
    }

    #[test]
    fn items_of_jake_style_sections() {
        let content = "\n%-----------EXPERIENCE-----------\n\\section{Experience}\n  \\resumeSubHeadingListStart\n\n\
                       \x20   \\resumeSubheading\n      {Engineer}{2021 -- Present}\n      \\resumeItemListStart\n\
                       \x20       \\resumeItem{Rebuilt   the pipeline}\n        % \\resumeItem{Hidden}\n\
                       \x20       \\resumeItem{Led a\n          migration}\n      \\resumeItemListEnd\n\
                       \x20 \\resumeSubHeadingListEnd\n";
        assert_eq!(
            section_items(content),
            [
                r"\section{Experience}",
                r"{Engineer}{2021 -- Present}",
                r"\resumeItem{Rebuilt the pipeline}",
                r"\resumeItem{Led a migration}",
            ]
        );
    }

    #[test]
    fn bullets_end_at_blank_lines_bullets_and_end() {
        let content = "\\item one\ncontinued\n\nafter blank\n\\item two\n\\item three\n\\end{itemize}\nafter end\n";
        assert_eq!(
            section_items(content),
            [r"\item one continued", "after blank", r"\item two", r"\item three", "after end"]
        );
    }

    #[test]
    fn open_braces_carry_a_bullet_over_structure() {
        let content = "\\resumeItem{\n  Built it\n}\n\\resumeItemListEnd\nNext\n";
        assert_eq!(section_items(content), [r"\resumeItem{ Built it }", "Next"]);
    }

    #[test]
    fn comment_environments_are_skipped() {
        let content = "A\n\\begin{comment}\nhidden\n\\end{comment}\nB\n\\begin{comment} x \\end{comment}\nC\n";
        assert_eq!(section_items(content), ["A", "B", "C"]);
    }

    #[test]
    fn gaps_between_anchors() {
        assert_eq!(gaps(&[], 2, 1), vec![(0..2, 0..1)]);
        assert_eq!(gaps(&[(0, 0), (2, 1)], 3, 3), vec![(1..2, 1..1), (3..3, 2..3)]);
        assert_eq!(gaps(&[(0, 0)], 1, 1), vec![]);
    }

    #[test]
    fn windows_stay_in_range() {
        assert_eq!(comparison_window(3, 10, 10), 0..10);
        for (a, old_len, new_len) in [(0, 10_000, 10_000), (9_999, 10_000, 10_000), (5, 10, 100_000), (0, 100_000, 1)] {
            let window = comparison_window(a, old_len, new_len);
            assert!(window.end <= new_len && window.start <= window.end, "{window:?}");
            assert!(window.len().saturating_mul(old_len) <= 2 * MAX_BLOCK_COMPARISONS + 3 * old_len);
        }
    }

    #[test]
    fn similarity_is_token_based() {
        assert!((similarity("a b c", "a b c") - 1.0).abs() < f64::EPSILON);
        assert!(similarity("", "") >= 1.0);
        assert!(similarity("Rust", "Python") < f64::EPSILON);
        let edited = similarity(r"\item Cut latency by 42\%", r"\item Cut latency by 45\%");
        assert!((0.8..1.0).contains(&edited), "{edited}");
    }

    #[test]
    fn identical_sections_bypassing_the_fast_path() {
        let sections = || vec![Section::new(ResumeSectionType::Skills, Some("Skills".into()), "Rust\nGo\n")];
        let (old, new) = (sections(), sections());
        assert!(Differ::new(&old, &new).run().is_empty());
    }
}
