//! Errors of the filter and path parsers: a byte offset, a message and a caret rendering.

use std::fmt;

use crate::error::Error;

/// What kind of problem a [`FilterError`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FilterErrorKind {
    /// The text does not follow the grammar.
    Syntax,
    /// The text is longer than [`FilterLimits::max_len`](super::FilterLimits::max_len).
    TooLong,
    /// Groups, `not` or value paths nest deeper than
    /// [`FilterLimits::max_depth`](super::FilterLimits::max_depth).
    TooDeep,
    /// More terms (attribute expressions and value paths) than
    /// [`FilterLimits::max_terms`](super::FilterLimits::max_terms).
    TooManyTerms,
}

/// A filter that could not be parsed.
///
/// [`offset`](FilterError::offset) is the byte where parsing failed. `Display` prints the
/// message, then the input (a window of it, for long input) with a caret under that byte.
/// Converts to a 400 `invalidFilter` [`Error`].
///
/// ```
/// use scimitar::Filter;
///
/// let err = r#"(userName eq "a""#.parse::<Filter>().unwrap_err();
/// assert_eq!(err.offset(), 16);
/// assert_eq!(
///     err.to_string(),
///     "expected 'and', 'or' or ')' at byte 16\n  (userName eq \"a\"\n                  ^"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilterError {
    inner: Box<Inner>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    kind: FilterErrorKind,
    offset: usize,
    message: String,
    /// The part of the input shown under the message (all of it when short).
    window: String,
    /// Byte offset of `window` in the input.
    window_start: usize,
    /// Whether input was cut off after `window`.
    truncated_after: bool,
}

/// Longest input shown whole; longer input is shown as a window around the offset.
const WHOLE_INPUT_MAX: usize = 120;
/// Bytes shown on each side of the offset in a window.
const WINDOW_SIDE: usize = 40;

impl FilterError {
    pub(crate) fn new(
        kind: FilterErrorKind,
        input: &str,
        offset: usize,
        message: impl Into<String>,
    ) -> Self {
        let offset = floor_char_boundary(input, offset.min(input.len()));
        let (start, end) = if input.len() <= WHOLE_INPUT_MAX {
            (0, input.len())
        } else {
            (
                floor_char_boundary(input, offset.saturating_sub(WINDOW_SIDE)),
                ceil_char_boundary(input, offset.saturating_add(WINDOW_SIDE)),
            )
        };
        let window = input.get(start..end).unwrap_or_default().to_owned();
        FilterError {
            inner: Box::new(Inner {
                kind,
                offset,
                message: message.into(),
                window,
                window_start: start,
                truncated_after: end < input.len(),
            }),
        }
    }

    /// The byte offset in the input where parsing failed.
    pub fn offset(&self) -> usize {
        self.inner.offset
    }

    /// What went wrong, without the position.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// The kind of problem: syntax or an exceeded limit.
    pub fn kind(&self) -> FilterErrorKind {
        self.inner.kind
    }
}

impl fmt::Display for FilterError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &self.inner;
        write!(f, "{} at byte {}\n  ", inner.message, inner.offset)?;
        let lead = if inner.window_start > 0 { "..." } else { "" };
        f.write_str(lead)?;
        // Control characters (tabs, newlines) would break the caret alignment.
        for c in inner.window.chars() {
            let shown = if c.is_control() { ' ' } else { c };
            write!(f, "{shown}")?;
        }
        if inner.truncated_after {
            f.write_str("...")?;
        }
        let before = inner
            .window
            .get(..inner.offset.saturating_sub(inner.window_start))
            .unwrap_or_default();
        let column = lead.len() + before.chars().count();
        write!(f, "\n  {:column$}^", "")
    }
}

impl std::error::Error for FilterError {}

impl From<FilterError> for Error {
    fn from(e: FilterError) -> Self {
        Error::invalid_filter(format!("{} at byte {}", e.message(), e.offset()))
    }
}

/// A PATCH path or attribute path that could not be parsed.
///
/// Same information as [`FilterError`], but converts to a 400 `invalidPath` [`Error`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError(FilterError);

impl PathError {
    pub(crate) fn new(inner: FilterError) -> Self {
        PathError(inner)
    }
    /// The byte offset in the path where parsing failed.
    pub fn offset(&self) -> usize {
        self.0.offset()
    }
    /// What went wrong, without the position.
    pub fn message(&self) -> &str {
        self.0.message()
    }
    /// The kind of problem: syntax or an exceeded limit.
    pub fn kind(&self) -> FilterErrorKind {
        self.0.kind()
    }
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for PathError {}

impl From<PathError> for Error {
    fn from(e: PathError) -> Self {
        Error::invalid_path(format!("{} at byte {}", e.message(), e.offset()))
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    #[test]
    fn caret_under_offset() {
        let e = FilterError::new(FilterErrorKind::Syntax, "a eq", 4, "expected a value");
        assert_eq!(e.to_string(), "expected a value at byte 4\n  a eq\n      ^");
    }

    #[test]
    fn caret_counts_chars_not_bytes() {
        let e = FilterError::new(FilterErrorKind::Syntax, "é\tx", 3, "m");
        assert_eq!(e.to_string(), "m at byte 3\n  é x\n    ^");
    }

    #[test]
    fn long_input_is_windowed() {
        let input = "a".repeat(1000);
        let e = FilterError::new(FilterErrorKind::TooLong, &input, 500, "too long");
        let shown = e.to_string();
        let lines: Vec<&str> = shown.lines().collect();
        assert_eq!(lines[1], format!("  ...{}...", "a".repeat(80)));
        assert_eq!(lines[2].find('^'), Some(2 + 3 + 40));
    }

    #[test]
    fn converts_to_invalid_filter_and_invalid_path() {
        let e = FilterError::new(FilterErrorKind::Syntax, "x", 1, "expected an operator");
        let err: Error = e.clone().into();
        assert_eq!(err.kind(), ErrorKind::InvalidFilter);
        assert_eq!(err.detail(), "expected an operator at byte 1");
        let err: Error = PathError::new(e).into();
        assert_eq!(err.kind(), ErrorKind::InvalidPath);
    }
}
