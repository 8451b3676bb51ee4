//! Canonical filter text: lower-case keywords, single spaces, JSON literals, and
//! parentheses exactly where the tree needs them, so that parsing the output gives back
//! an equal tree.

use std::fmt;

use super::ast::{CompValue, CompareOp, Filter};

impl fmt::Display for CompareOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for CompValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CompValue::Null => f.write_str("null"),
            CompValue::Bool(b) => write!(f, "{b}"),
            CompValue::Number(n) => write!(f, "{n}"),
            CompValue::String(s) => {
                let quoted = serde_json::to_string(s).map_err(|_| fmt::Error)?;
                f.write_str(&quoted)
            }
        }
    }
}

impl fmt::Display for Filter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Filter::Present(path) => write!(f, "{path} pr"),
            Filter::Compare(path, op, value) => write!(f, "{path} {op} {value}"),
            Filter::ValuePath(path, inner) => write!(f, "{path}[{inner}]"),
            Filter::Not(inner) => write!(f, "not ({inner})"),
            Filter::And(operands) => write_joined(f, operands, " and ", |child| {
                matches!(child, Filter::And(_) | Filter::Or(_))
            }),
            Filter::Or(operands) => {
                write_joined(f, operands, " or ", |child| matches!(child, Filter::Or(_)))
            }
        }
    }
}

fn write_joined(
    f: &mut fmt::Formatter<'_>,
    operands: &[Filter],
    sep: &str,
    needs_parens: impl Fn(&Filter) -> bool,
) -> fmt::Result {
    for (i, child) in operands.iter().enumerate() {
        if i > 0 {
            f.write_str(sep)?;
        }
        if needs_parens(child) {
            write!(f, "({child})")?;
        } else {
            write!(f, "{child}")?;
        }
    }
    Ok(())
}
