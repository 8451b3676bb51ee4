//! Parsing arbitrary text as a filter, a PATCH path or an attribute path never panics
//! (and, with libFuzzer's timeouts, never hangs).
#![no_main]

use libfuzzer_sys::fuzz_target;
use scimitar::{AttrPath, Filter, PatchPath};

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        if let Err(e) = s.parse::<Filter>() {
            // Rendering the caret line must not panic either.
            let _ = e.to_string();
            assert!(e.offset() <= s.len());
        }
        let _ = s.parse::<PatchPath>();
        let _ = s.parse::<AttrPath>();
    }
});
