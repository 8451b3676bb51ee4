//! Whatever parses prints (`Display`) to text that parses back to the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimitar::filter::FilterLimits;
use scimitar::{Filter, PatchPath};

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    // Canonical text can be a little longer than the input (`not(` prints as `not (`).
    let relaxed = FilterLimits::default().with_max_len(usize::MAX);
    if let Ok(f) = s.parse::<Filter>() {
        let printed = f.to_string();
        match Filter::parse_with(&printed, &relaxed) {
            Ok(back) => assert_eq!(back, f, "{s:?} printed as {printed:?}"),
            Err(e) => panic!("{s:?} printed as {printed:?} does not parse:\n{e}"),
        }
    }
    if let Ok(p) = s.parse::<PatchPath>() {
        let printed = p.to_string();
        match PatchPath::parse_with(&printed, &relaxed) {
            Ok(back) => assert_eq!(back, p, "{s:?} printed as {printed:?}"),
            Err(e) => panic!("{s:?} printed as {printed:?} does not parse:\n{e}"),
        }
    }
});
