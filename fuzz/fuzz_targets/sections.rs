//! The section splitter on any input: when it accepts a document, the
//! preamble, sections and closing partition it byte for byte.
#![no_main]

use libfuzzer_sys::fuzz_target;
use text::latex::split;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Fuzzing usually finds no `\begin{document}`: give it one half the time.
    let wrapped;
    let doc = if data.first().is_some_and(|b| b % 2 == 0) {
        wrapped = format!("\\documentclass{{article}}\n\\begin{{document}}\n{text}\n\\end{{document}}\n");
        wrapped.as_str()
    } else {
        text
    };
    let Ok(split) = split(doc) else { return };
    assert_eq!(split.reassemble(), doc);
    let body: String = split.sections.iter().map(|s| s.content).collect();
    assert_eq!(format!("{}{body}{}", split.preamble, split.closing), doc);
    assert!(split.sections.iter().all(|s| !s.content.is_empty()));
});
