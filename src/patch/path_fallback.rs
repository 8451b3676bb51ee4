//! A small recursive-descent reader of PATCH paths, used until the filter grammar's
//! `FromStr for PatchPath` is available on this branch. It accepts the RFC 7644 PATH form:
//! attribute paths with an optional URN and sub-attribute, and value paths with
//! `and`/`or`/`not`/parentheses, every comparison operator and `pr`.

use crate::error::{Error, Result};
use crate::filter::{CompValue, CompareOp, Filter};
use crate::path::{AttrPath, PatchPath};

const MAX_DEPTH: usize = 32;

pub(crate) fn parse(input: &str) -> Result<PatchPath> {
    let mut p = Parser { s: input, pos: 0 };
    let attr = p.attr_path(true)?;
    if p.eat("[") {
        if attr.sub().is_some() {
            return Err(p.err("a value path filter follows an attribute, not a sub-attribute"));
        }
        let filter = p.filter(0)?;
        p.ws();
        if !p.eat("]") {
            return Err(p.err("expected ']'"));
        }
        let sub = if p.eat(".") { Some(p.name()?) } else { None };
        p.end()?;
        return Ok(PatchPath::Value { attr, filter, sub });
    }
    p.end()?;
    Ok(PatchPath::Attr(attr))
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.s.get(self.pos..).unwrap_or("")
    }
    fn err(&self, msg: &str) -> Error {
        Error::invalid_path(format!("{msg} at offset {}", self.pos))
    }
    fn end(&self) -> Result<()> {
        if self.pos == self.s.len() {
            Ok(())
        } else {
            Err(self.err("unexpected input"))
        }
    }
    fn ws(&mut self) {
        let n = self.rest().len() - self.rest().trim_start_matches(' ').len();
        self.pos += n;
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }
    fn keyword(&mut self, k: &str) -> bool {
        let r = self.rest();
        let ok = r.get(..k.len()).is_some_and(|h| h.eq_ignore_ascii_case(k))
            && r.get(k.len()..)
                .is_some_and(|t| t.is_empty() || t.starts_with([' ', '(', ')', ']']));
        if ok {
            self.pos += k.len();
        }
        ok
    }
    fn name(&mut self) -> Result<String> {
        let r = self.rest();
        let n = r
            .char_indices()
            .find(|(i, c)| {
                !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-' || (*c == '$' && *i == 0))
            })
            .map_or(r.len(), |(i, _)| i);
        let name = r.get(..n).unwrap_or("");
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit() || c == '-') {
            return Err(self.err("expected an attribute name"));
        }
        self.pos += n;
        Ok(name.to_string())
    }
    fn attr_path(&mut self, top: bool) -> Result<AttrPath> {
        let r = self.rest();
        let mut urn = None;
        if r.get(..4).is_some_and(|h| h.eq_ignore_ascii_case("urn:")) {
            let stop = r
                .find(|c: char| c == '[' || (!top && c == ' '))
                .unwrap_or(r.len());
            let head = r.get(..stop).unwrap_or("");
            // The URN ends at the last ':' before the attribute name; the name itself
            // (with a possible `.sub`) contains no ':'.
            if let Some(colon) = head.rfind(':') {
                urn = Some(head.get(..colon).unwrap_or("").to_string());
                self.pos += colon + 1;
            }
        }
        let name = self.name()?;
        let sub = if self.rest().starts_with('.') && !self.rest().starts_with(".[") {
            self.pos += 1;
            Some(self.name()?)
        } else {
            None
        };
        Ok(AttrPath::new(urn, name, sub))
    }
    fn filter(&mut self, depth: usize) -> Result<Filter> {
        if depth > MAX_DEPTH {
            return Err(self.err("filter nests too deeply"));
        }
        let mut ors = vec![self.and(depth)?];
        loop {
            self.ws();
            if self.keyword("or") {
                self.ws();
                ors.push(self.and(depth)?);
            } else {
                break;
            }
        }
        Ok(if ors.len() == 1 {
            ors.pop().unwrap_or(Filter::And(Vec::new()))
        } else {
            Filter::Or(ors)
        })
    }
    fn and(&mut self, depth: usize) -> Result<Filter> {
        let mut ands = vec![self.unary(depth)?];
        loop {
            let save = self.pos;
            self.ws();
            if self.keyword("and") {
                self.ws();
                ands.push(self.unary(depth)?);
            } else {
                self.pos = save;
                break;
            }
        }
        Ok(if ands.len() == 1 {
            ands.pop().unwrap_or(Filter::And(Vec::new()))
        } else {
            Filter::And(ands)
        })
    }
    fn unary(&mut self, depth: usize) -> Result<Filter> {
        self.ws();
        if self.keyword("not") {
            self.ws();
            if !self.eat("(") {
                return Err(self.err("expected '(' after 'not'"));
            }
            let f = self.filter(depth + 1)?;
            self.ws();
            if !self.eat(")") {
                return Err(self.err("expected ')'"));
            }
            return Ok(Filter::Not(Box::new(f)));
        }
        if self.eat("(") {
            let f = self.filter(depth + 1)?;
            self.ws();
            if !self.eat(")") {
                return Err(self.err("expected ')'"));
            }
            return Ok(f);
        }
        let path = self.attr_path(false)?;
        if !self.eat(" ") {
            return Err(self.err("expected an operator"));
        }
        self.ws();
        if self.keyword("pr") {
            return Ok(Filter::Present(path));
        }
        let ops = [
            ("eq", CompareOp::Eq),
            ("ne", CompareOp::Ne),
            ("co", CompareOp::Co),
            ("sw", CompareOp::Sw),
            ("ew", CompareOp::Ew),
            ("gt", CompareOp::Gt),
            ("lt", CompareOp::Lt),
            ("ge", CompareOp::Ge),
            ("le", CompareOp::Le),
        ];
        let op = ops
            .iter()
            .find(|(k, _)| {
                self.rest()
                    .get(..2)
                    .is_some_and(|h| h.eq_ignore_ascii_case(k))
            })
            .map(|(_, o)| *o)
            .ok_or_else(|| self.err("unknown operator"))?;
        self.pos += 2;
        if !self.eat(" ") {
            return Err(self.err("expected a value"));
        }
        self.ws();
        let value = self.comp_value()?;
        Ok(Filter::Compare(path, op, value))
    }
    fn comp_value(&mut self) -> Result<CompValue> {
        let r = self.rest();
        if r.starts_with('"') {
            let mut escaped = false;
            let mut end = None;
            for (i, c) in r.char_indices().skip(1) {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or_else(|| self.err("unterminated string"))?;
            let lit = r.get(..=end).unwrap_or("");
            let s: String =
                serde_json::from_str(lit).map_err(|_| self.err("invalid string literal"))?;
            self.pos += end + 1;
            return Ok(CompValue::String(s));
        }
        for (k, v) in [
            ("true", CompValue::Bool(true)),
            ("false", CompValue::Bool(false)),
            ("null", CompValue::Null),
        ] {
            if self.keyword(k) {
                return Ok(v);
            }
        }
        let n = r
            .find(|c: char| !(c.is_ascii_digit() || "+-.eE".contains(c)))
            .unwrap_or(r.len());
        let num: serde_json::Number = r
            .get(..n)
            .and_then(|t| serde_json::from_str(t).ok())
            .ok_or_else(|| self.err("invalid value"))?;
        self.pos += n;
        Ok(CompValue::Number(num))
    }
}
