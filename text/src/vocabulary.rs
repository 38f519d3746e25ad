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
