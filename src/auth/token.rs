//! Token values: the plaintext shown once, its hash kept at rest, and a public id.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use sha2::{Digest, Sha256};
use subtle::{Choice, ConstantTimeEq};
use time::OffsetDateTime;

use crate::{Error, TenantId};

/// The prefix of every token scimitar generates.
///
/// It lets people and secret scanners recognise a leaked SCIM token in a paste, a log or a
/// repository. It carries no meaning for verification: registered tokens may lack it.
pub const TOKEN_PREFIX: &str = "scim_";

/// Random bytes in a generated token: 256 bits, well above the 128 bits the design requires.
pub const TOKEN_RANDOM_BYTES: usize = 32;

/// Random bytes in a [`TokenId`].
const TOKEN_ID_RANDOM_BYTES: usize = 8;

/// The longest [`TokenId`] accepted by [`TokenId::parse`] (host stores may use their own ids).
pub const MAX_TOKEN_ID_LEN: usize = 64;

/// A bearer token in plaintext: the secret itself.
///
/// It has no `Display`, its `Debug` is redacted, and reading it takes an explicit
/// [`BearerToken::expose`], so it cannot end up in a log line by accident.
///
/// Equality is constant time in the contents (lengths are not secret).
#[derive(Clone)]
pub struct BearerToken(String);

impl BearerToken {
    /// A fresh token: [`TOKEN_PREFIX`] followed by [`TOKEN_RANDOM_BYTES`] bytes from the
    /// operating system's random source, in unpadded lowercase base32 (RFC 4648 alphabet).
    ///
    /// Base32 keeps the token one "word" (double-click selects all of it), free of
    /// characters that need quoting in shells, URLs or config files, and a valid RFC 6750
    /// `b64token`.
    ///
    /// Fails with a 500 [`Error`] only if the operating system cannot supply randomness.
    pub fn generate() -> Result<Self, Error> {
        let mut random = [0u8; TOKEN_RANDOM_BYTES];
        getrandom::getrandom(&mut random).map_err(|_| Error::internal())?;
        let mut token = String::with_capacity(TOKEN_PREFIX.len() + base32_len(random.len()));
        token.push_str(TOKEN_PREFIX);
        push_base32(&mut token, &random);
        Ok(BearerToken(token))
    }

    /// The plaintext, to show once to the person who asked for it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The plaintext, consuming the token.
    pub fn into_string(self) -> String {
        self.0
    }

    /// The hash under which this token is stored.
    pub fn hash(&self) -> TokenHash {
        TokenHash::of(&self.0)
    }
}

impl PartialEq for BearerToken {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_bytes().ct_eq(other.0.as_bytes()).into()
    }
}

impl Eq for BearerToken {}

impl fmt::Debug for BearerToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BearerToken(<redacted>)")
    }
}

/// The SHA-256 digest of a token's plaintext (its UTF-8 bytes, prefix included): the only
/// form in which a token is stored.
///
/// A plain, fast hash is enough for generated tokens: with 256 random bits nobody can
/// search the input space, so a slow password hash would only cost every request time.
/// (Tokens a host [registers](crate::auth::TenantTokens::register) from its own config may
/// have less entropy; prefer generated ones.)
///
/// Equality is constant time. The `Debug` output shows none of the digest (use
/// [`TokenId`] to tell tokens apart in logs).
#[derive(Clone, Copy)]
pub struct TokenHash([u8; 32]);

impl TokenHash {
    /// The hash of a token's plaintext.
    pub fn of(token: &str) -> Self {
        TokenHash(Sha256::digest(token.as_bytes()).into())
    }

    /// A hash a host store loaded from its database.
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        TokenHash(bytes)
    }

    /// The 32 digest bytes, e.g. for a `BYTEA`/`BLOB` column.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The digest as 64 lowercase hex digits, e.g. for a text column.
    pub fn to_hex(&self) -> String {
        let mut out = String::with_capacity(64);
        for b in self.0 {
            out.push(hex_digit(b >> 4));
            out.push(hex_digit(b & 0x0f));
        }
        out
    }

    /// Parses 64 hex digits (either case), as written by [`TokenHash::to_hex`].
    pub fn from_hex(hex: &str) -> Result<Self, Error> {
        let invalid = || Error::invalid_value("token hash: expected 64 hex digits");
        let bytes = hex.as_bytes();
        if bytes.len() != 64 {
            return Err(invalid());
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
            match pair {
                [hi, lo] => {
                    let hi = hex_value(*hi).ok_or_else(invalid)?;
                    let lo = hex_value(*lo).ok_or_else(invalid)?;
                    *slot = (hi << 4) | lo;
                }
                _ => return Err(invalid()),
            }
        }
        Ok(TokenHash(out))
    }
}

impl ConstantTimeEq for TokenHash {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for TokenHash {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for TokenHash {}

// Written by hand only because `PartialEq` is; it hashes exactly the bytes `eq` compares.
impl Hash for TokenHash {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

// No digit of the digest: a registered token may be low-entropy, and even a short prefix
// of its hash in a log would let a reader confirm guesses offline (see `TokenId`).
impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenHash(<redacted>)")
    }
}

/// The public, non-secret name of one token of a tenant: what the admin API lists and what
/// [`revoke`](crate::auth::TenantTokens::revoke) takes. Safe to log.
///
/// Generated ids are random (`tok_` and 16 hex digits), never derived from the token or its
/// hash: an id derived from the hash of a low-entropy registered token would let anyone who
/// sees the id test guesses offline.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenId(Box<str>);

impl TokenId {
    /// A fresh random id.
    pub fn generate() -> Result<Self, Error> {
        let mut random = [0u8; TOKEN_ID_RANDOM_BYTES];
        getrandom::getrandom(&mut random).map_err(|_| Error::internal())?;
        let mut id = String::with_capacity(4 + 2 * TOKEN_ID_RANDOM_BYTES);
        id.push_str("tok_");
        for b in random {
            id.push(hex_digit(b >> 4));
            id.push(hex_digit(b & 0x0f));
        }
        Ok(TokenId(id.into()))
    }

    /// Parses an id from a URL segment or a database column: 1 to [`MAX_TOKEN_ID_LEN`]
    /// characters of `A-Z a-z 0-9 _ -`.
    pub fn parse(s: &str) -> Result<Self, Error> {
        let ok = !s.is_empty()
            && s.len() <= MAX_TOKEN_ID_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(TokenId(s.into()))
        } else {
            Err(Error::invalid_value(format!(
                "token id: expected 1 to {MAX_TOKEN_ID_LEN} characters of A-Z, a-z, 0-9, '_' or '-'"
            )))
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for TokenId {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        TokenId::parse(s)
    }
}

impl fmt::Debug for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenId({:?})", &*self.0)
    }
}

impl fmt::Display for TokenId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl serde::Serialize for TokenId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A token just issued by [`enable`](crate::auth::TenantTokens::enable) or
/// [`rotate`](crate::auth::TenantTokens::rotate): the only time its plaintext exists.
///
/// Hand [`IssuedToken::secret`] to the administrator once and drop the value; only the
/// hash is kept. `Debug` redacts the secret, and there is deliberately no `Display` or
/// `Serialize`: the host writes the secret into its response explicitly.
#[derive(Clone)]
pub struct IssuedToken {
    pub(crate) tenant: TenantId,
    pub(crate) id: TokenId,
    pub(crate) created: OffsetDateTime,
    pub(crate) token: BearerToken,
}

impl IssuedToken {
    /// The tenant the token authenticates as.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The token's public id.
    pub fn id(&self) -> &TokenId {
        &self.id
    }

    /// When the token was issued (UTC).
    pub fn created(&self) -> OffsetDateTime {
        self.created
    }

    /// The plaintext token, to show once.
    pub fn secret(&self) -> &str {
        self.token.expose()
    }

    /// The plaintext token as a [`BearerToken`], consuming this value.
    pub fn into_token(self) -> BearerToken {
        self.token
    }
}

impl fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedToken")
            .field("tenant", &self.tenant)
            .field("id", &self.id)
            .field("created", &self.created)
            .field("secret", &format_args!("<redacted>"))
            .finish()
    }
}

const fn base32_len(bytes: usize) -> usize {
    (bytes * 8).div_ceil(5)
}

/// Unpadded RFC 4648 base32 in lowercase; the alphabet is `a-z` then `2-7`.
fn push_base32(out: &mut String, bytes: &[u8]) {
    fn symbol(v: u32) -> char {
        // v < 32 by construction (masked to five bits).
        let v = (v & 0x1f) as u8;
        char::from(if v < 26 { b'a' + v } else { b'2' + (v - 26) })
    }
    let mut buffer: u32 = 0;
    let mut bits: u32 = 0;
    for &b in bytes {
        buffer = ((buffer << 8) | u32::from(b)) & 0xfff;
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(symbol(buffer >> bits));
        }
    }
    if bits > 0 {
        out.push(symbol(buffer << (5 - bits)));
    }
}

fn hex_digit(nibble: u8) -> char {
    let n = nibble & 0x0f;
    char::from(if n < 10 { b'0' + n } else { b'a' + (n - 10) })
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base32(bytes: &[u8]) -> String {
        let mut s = String::new();
        push_base32(&mut s, bytes);
        s
    }

    #[test]
    fn base32_matches_rfc4648_vectors() {
        // RFC 4648 §10, lowercased and without padding.
        assert_eq!(base32(b""), "");
        assert_eq!(base32(b"f"), "my");
        assert_eq!(base32(b"fo"), "mzxq");
        assert_eq!(base32(b"foo"), "mzxw6");
        assert_eq!(base32(b"foob"), "mzxw6yq");
        assert_eq!(base32(b"fooba"), "mzxw6ytb");
        assert_eq!(base32(b"foobar"), "mzxw6ytboi");
        assert_eq!(base32(&[0xff; 5]), "77777777");
        assert_eq!(base32_len(32), 52);
    }

    #[test]
    fn hash_hex_round_trips() {
        let h = TokenHash::of("abc");
        assert_eq!(
            h.to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(TokenHash::from_hex(&h.to_hex()).unwrap(), h);
        assert_eq!(TokenHash::from_hex(&h.to_hex().to_uppercase()).unwrap(), h);
        assert!(TokenHash::from_hex("abc").is_err());
        assert!(TokenHash::from_hex(&"g".repeat(64)).is_err());
        assert!(TokenHash::from_hex(&"é".repeat(32)).is_err());
    }

    #[test]
    fn hash_debug_is_redacted() {
        let h = TokenHash::of("abc");
        assert_eq!(format!("{h:?}"), "TokenHash(<redacted>)");
    }

    #[test]
    fn token_id_parse_bounds() {
        assert!(TokenId::parse("tok_0123abcd").is_ok());
        assert!(TokenId::parse("").is_err());
        assert!(TokenId::parse("a/b").is_err());
        assert!(TokenId::parse(&"a".repeat(MAX_TOKEN_ID_LEN)).is_ok());
        assert!(TokenId::parse(&"a".repeat(MAX_TOKEN_ID_LEN + 1)).is_err());
        let id = TokenId::generate().unwrap();
        assert_eq!(id.as_str().len(), 20);
        assert_eq!(TokenId::parse(id.as_str()).unwrap(), id);
    }

    #[test]
    fn bearer_token_debug_is_redacted() {
        let t = BearerToken::generate().unwrap();
        let dbg = format!("{t:?}");
        assert!(!dbg.contains(t.expose()));
        assert!(!dbg.contains(t.expose().get(TOKEN_PREFIX.len()..).unwrap()));
    }
}
