//! Bounds on what a client-supplied filter may cost to parse.

/// Limits applied while parsing a filter or a PATCH path.
///
/// A filter arrives from the network, so its size, nesting and number of comparisons are
/// bounded before any of it is evaluated. Exceeding a limit is a
/// [`FilterError`](super::FilterError), which converts to 400 `invalidFilter`.
///
/// The depth limit is checked while parsing (not afterwards), so deeply nested input is
/// rejected before it can exhaust the stack. Raising `max_depth` far above the default
/// (say, past a few thousand) trades that guarantee away on threads with small stacks.
///
/// ```
/// use scimitar::filter::FilterLimits;
/// use scimitar::Filter;
///
/// let limits = FilterLimits::default().with_max_terms(2);
/// assert!(Filter::parse_with(r#"a eq 1 or b eq 2"#, &limits).is_ok());
/// assert!(Filter::parse_with(r#"a eq 1 or b eq 2 or c eq 3"#, &limits).is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FilterLimits {
    max_len: usize,
    max_depth: usize,
    max_terms: usize,
}

impl FilterLimits {
    /// Default maximum filter length in bytes (8 KiB).
    pub const DEFAULT_MAX_LEN: usize = 8192;
    /// Default maximum nesting depth of `( )`, `not ( )` and `[ ]`.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// Default maximum number of terms: each attribute expression (`attr op value`,
    /// `attr pr`) and each value path (`attr[...]`) counts one.
    pub const DEFAULT_MAX_TERMS: usize = 1000;

    /// The default limits: 8 KiB, depth 64, 1000 terms.
    pub const DEFAULT: FilterLimits = FilterLimits {
        max_len: Self::DEFAULT_MAX_LEN,
        max_depth: Self::DEFAULT_MAX_DEPTH,
        max_terms: Self::DEFAULT_MAX_TERMS,
    };

    /// The default limits (same as [`FilterLimits::DEFAULT`]).
    pub const fn new() -> Self {
        Self::DEFAULT
    }

    /// Sets the maximum length of the filter text in bytes.
    pub const fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
    /// Sets the maximum nesting depth of groups, `not` and value paths.
    pub const fn with_max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }
    /// Sets the maximum number of terms (attribute expressions and value paths).
    pub const fn with_max_terms(mut self, max_terms: usize) -> Self {
        self.max_terms = max_terms;
        self
    }

    /// The maximum length of the filter text in bytes.
    pub const fn max_len(&self) -> usize {
        self.max_len
    }
    /// The maximum nesting depth of groups, `not` and value paths.
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }
    /// The maximum number of terms (attribute expressions and value paths).
    pub const fn max_terms(&self) -> usize {
        self.max_terms
    }
}

impl Default for FilterLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
