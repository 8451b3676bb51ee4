//! The command line both example servers accept (the contract in DESIGN.md).

use std::fmt;
use std::net::SocketAddr;

use scimitar::auth::is_b64token;

/// The default listening address.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The longest tenant name accepted on the command line and in admin URLs.
pub const MAX_TENANT_NAME_LEN: usize = 64;

/// The shortest admin token accepted: short shared secrets are guessable.
pub const MIN_ADMIN_TOKEN_LEN: usize = 16;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Start the server.
    Run(Args),
    /// Print [`help`] and exit.
    Help,
}

/// The server's options. `Debug` redacts the tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct Args {
    /// `--bind ADDR`.
    pub bind: SocketAddr,
    /// `--tenant NAME=TOKEN`, in order.
    pub tenants: Vec<(String, String)>,
    /// `--require ATTR,...`, in order, without duplicates.
    pub require: Vec<String>,
    /// `--max-length N`.
    pub max_length: Option<usize>,
    /// `--admin-token TOKEN`.
    pub admin_token: Option<String>,
    /// `--public-url URL`.
    pub public_url: Option<String>,
    /// `--database-url URL` (scheme checked by [`database_kind`]).
    pub database_url: Option<String>,
}

/// The database a `--database-url` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DatabaseKind {
    /// `sqlite:...` (e.g. `sqlite://scim.db`).
    Sqlite,
    /// `postgres:...` or `postgresql:...`.
    Postgres,
}

/// The database `url` names by its scheme (case-insensitive), if a supported one.
pub fn database_kind(url: &str) -> Option<DatabaseKind> {
    let scheme = url.split_once(':')?.0.to_ascii_lowercase();
    match scheme.as_str() {
        "sqlite" => Some(DatabaseKind::Sqlite),
        "postgres" | "postgresql" => Some(DatabaseKind::Postgres),
        _ => None,
    }
}

impl Default for Args {
    fn default() -> Self {
        Args {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tenants: Vec::new(),
            require: Vec::new(),
            max_length: None,
            admin_token: None,
            public_url: None,
            database_url: None,
        }
    }
}

impl fmt::Debug for Args {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenants: Vec<&str> = self.tenants.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("Args")
            .field("bind", &self.bind)
            .field("tenants", &tenants)
            .field("require", &self.require)
            .field("max_length", &self.max_length)
            .field(
                "admin_token",
                &self.admin_token.as_ref().map(|_| "<redacted>"),
            )
            .field("public_url", &self.public_url)
            // The URL may hold a password: show only which database.
            .field("database", &self.database_url.as_deref().map(database_kind))
            .finish()
    }
}

/// A command-line mistake, with a message for the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArgsError(pub String);

impl fmt::Display for ArgsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (see --help)", self.0)
    }
}

impl std::error::Error for ArgsError {}

/// The `--help` text; `program` is the binary's name.
pub fn help(program: &str) -> String {
    format!(
        "\
{program}: a SCIM 2.0 service provider built on scimitar, in memory or on SQLite/PostgreSQL.

SCIM is served under /scim/v2. Each organization (tenant) is identified by its bearer token.

USAGE:
    {program} [OPTIONS]

OPTIONS:
    --bind ADDR            Address to listen on [default: {DEFAULT_BIND}]
    --tenant NAME=TOKEN    Enable SCIM for organization NAME with this bearer token
                           (at least 16 characters of A-Z a-z 0-9 - . _ ~ + /).
                           Repeatable. Without any --tenant, organization 'default' is
                           enabled with a fresh random token, printed once at start-up.
                           With --database-url the token is stored: changing or removing
                           this flag later does not revoke it (use the admin API).
    --require ATTR,...     Extra required User attributes, e.g.
                           externalId,name.givenName,name.familyName,emails
    --max-length N         Longest accepted string value, in characters
    --admin-token TOKEN    Turn on the admin API and page at /admin (at least 16
                           characters of A-Z a-z 0-9 - . _ ~ + /); without it they
                           do not exist
    --public-url URL       This server's public URL (origin, or the SCIM base ending in
                           /scim/v2), used in meta.location and printed for the IdP
    --database-url URL     Keep Users, Groups, token hashes and custom attributes in
                           this database, so they survive a restart:
                           sqlite://PATH (file created if missing) or
                           postgres://USER@HOST/DB. Without it everything is in memory.
                           If organization 'default' is already enabled in the database,
                           its token is not shown again (rotate it in the admin API).
    -h, --help             Print this help

Tokens given on the command line are visible to other local users (ps); prefer the
generated token or the admin API outside a laptop, or pass them in the environment:

ENVIRONMENT:
    SCIMITAR_ADMIN_TOKEN   The admin token, when --admin-token is not given
    SCIMITAR_TENANTS       NAME=TOKEN[,NAME=TOKEN...], when no --tenant is given

LOGGING:
    RUST_LOG sets the log filter [default: info], e.g. RUST_LOG=debug or RUST_LOG=warn.
"
    )
}

/// Parses the arguments after the program name.
pub fn parse<I, S>(args: I) -> Result<Command, ArgsError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut out = Args::default();
    let mut it = args.into_iter().map(Into::into);
    while let Some(arg) = it.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
            _ => (arg.clone(), None),
        };
        let mut value = |name: &str| -> Result<String, ArgsError> {
            match inline.clone().or_else(|| it.next()) {
                Some(v) => Ok(v),
                None => Err(ArgsError(format!("{name} needs a value"))),
            }
        };
        match flag.as_str() {
            "--bind" => {
                let v = value("--bind")?;
                out.bind = v.parse().map_err(|_| {
                    ArgsError(format!(
                        "--bind: '{v}' is not an IP address and port such as {DEFAULT_BIND}"
                    ))
                })?;
            }
            "--tenant" => {
                let v = value("--tenant")?;
                let (name, token) = v.split_once('=').ok_or_else(|| {
                    ArgsError("--tenant: expected NAME=TOKEN, e.g. acme=<token>".into())
                })?;
                check_tenant_name(name).map_err(|m| ArgsError(format!("--tenant: {m}")))?;
                if out.tenants.iter().any(|(n, _)| n == name) {
                    return Err(ArgsError(format!(
                        "--tenant: organization '{name}' is given twice"
                    )));
                }
                out.tenants.push((name.to_owned(), token.to_owned()));
            }
            "--require" => {
                let v = value("--require")?;
                for attr in v.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                    if !attr
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '_' | '-'))
                    {
                        return Err(ArgsError(format!(
                            "--require: '{attr}' is not an attribute path"
                        )));
                    }
                    if !out.require.iter().any(|a| a.eq_ignore_ascii_case(attr)) {
                        out.require.push(attr.to_owned());
                    }
                }
            }
            "--max-length" => {
                let v = value("--max-length")?;
                let n: usize = v.parse().map_err(|_| {
                    ArgsError(format!("--max-length: '{v}' is not a positive integer"))
                })?;
                if n == 0 {
                    return Err(ArgsError("--max-length: must be at least 1".into()));
                }
                out.max_length = Some(n);
            }
            "--admin-token" => {
                let v = value("--admin-token")?;
                // It travels as `Authorization: Bearer <token>`, so it must be a
                // credential that header can carry, or no admin request ever succeeds.
                if v.chars().count() < MIN_ADMIN_TOKEN_LEN || !is_b64token(&v) {
                    return Err(ArgsError(format!(
                        "--admin-token: must be at least {MIN_ADMIN_TOKEN_LEN} characters of \
                         A-Z, a-z, 0-9, '-', '.', '_', '~', '+', '/' (optionally ending in '=')"
                    )));
                }
                out.admin_token = Some(v);
            }
            "--public-url" => {
                let v = value("--public-url")?;
                let lower = v.to_ascii_lowercase();
                if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                    return Err(ArgsError(format!(
                        "--public-url: '{v}' must start with http:// or https://"
                    )));
                }
                out.public_url = Some(v);
            }
            "--database-url" => {
                let v = value("--database-url")?;
                if database_kind(&v).is_none() {
                    return Err(ArgsError(
                        "--database-url: expected sqlite://PATH or postgres://... \
                         (postgresql:// also accepted)"
                            .into(),
                    ));
                }
                out.database_url = Some(v);
            }
            other => return Err(ArgsError(format!("unknown argument '{other}'"))),
        }
    }
    Ok(Command::Run(out))
}

/// The environment variable read when `--admin-token` is not given.
pub const ENV_ADMIN_TOKEN: &str = "SCIMITAR_ADMIN_TOKEN";

/// The environment variable read when no `--tenant` is given: `NAME=TOKEN[,NAME=TOKEN...]`.
pub const ENV_TENANTS: &str = "SCIMITAR_TENANTS";

/// [`parse`], then the secrets the command line did not give from the environment
/// ([`ENV_ADMIN_TOKEN`], [`ENV_TENANTS`]; `env` reads a variable), checked as the flags
/// are. Secrets in the environment are not visible to other local users as arguments are
/// (`ps`). A flag given on the command line wins over its variable.
pub fn parse_with_env<I, S>(
    args: I,
    env: impl Fn(&str) -> Option<String>,
) -> Result<Command, ArgsError>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut out = match parse(args)? {
        Command::Run(a) => a,
        Command::Help => return Ok(Command::Help),
    };
    // Each variable is checked by the parser of its flag; the message names the variable.
    let from_env = |var: &str, flag: &str, values: Vec<String>| -> Result<Args, ArgsError> {
        let mut argv = Vec::new();
        for v in values {
            argv.push(flag.to_owned());
            argv.push(v);
        }
        match parse(argv) {
            Ok(Command::Run(a)) => Ok(a),
            Ok(Command::Help) => Ok(Args::default()),
            Err(ArgsError(m)) => Err(ArgsError(format!(
                "{var}: {}",
                m.strip_prefix(&format!("{flag}: ")).unwrap_or(&m)
            ))),
        }
    };
    if out.admin_token.is_none() {
        if let Some(v) = env(ENV_ADMIN_TOKEN).filter(|v| !v.is_empty()) {
            out.admin_token = from_env(ENV_ADMIN_TOKEN, "--admin-token", vec![v])?.admin_token;
        }
    }
    if out.tenants.is_empty() {
        if let Some(v) = env(ENV_TENANTS).filter(|v| !v.trim().is_empty()) {
            let pairs = v
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(str::to_owned)
                .collect();
            out.tenants = from_env(ENV_TENANTS, "--tenant", pairs)?.tenants;
        }
    }
    Ok(Command::Run(out))
}

/// Checks an organization name: 1 to [`MAX_TENANT_NAME_LEN`] characters of `A-Z a-z 0-9 . _ -`,
/// so that it can sit in a URL path segment without escaping.
pub fn check_tenant_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_TENANT_NAME_LEN {
        return Err(format!(
            "organization name must be 1 to {MAX_TENANT_NAME_LEN} characters"
        ));
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err("organization name may contain only A-Z, a-z, 0-9, '.', '_' and '-'".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Args {
        match parse(args.iter().copied()) {
            Ok(Command::Run(a)) => a,
            other => panic!("expected Run, got {other:?}"),
        }
    }

    fn err(args: &[&str]) -> String {
        match parse(args.iter().copied()) {
            Err(e) => e.to_string(),
            other => panic!("expected an error, got {other:?}"),
        }
    }

    fn run_env(args: &[&str], vars: &[(&str, &str)]) -> Result<Args, String> {
        let env = |k: &str| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        };
        match parse_with_env(args.iter().copied(), env) {
            Ok(Command::Run(a)) => Ok(a),
            Ok(Command::Help) => Err("help".into()),
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn secrets_from_the_environment_when_the_flags_are_absent() {
        let vars = [
            (ENV_ADMIN_TOKEN, "env-admin-token-0001"),
            (
                ENV_TENANTS,
                "acme=aaaaaaaaaaaaaaaaaaaa, globex=bbbbbbbbbbbbbbbbbbbb",
            ),
        ];
        let a = run_env(&[], &vars).unwrap();
        assert_eq!(a.admin_token.as_deref(), Some("env-admin-token-0001"));
        assert_eq!(
            a.tenants,
            vec![
                ("acme".to_owned(), "aaaaaaaaaaaaaaaaaaaa".to_owned()),
                ("globex".to_owned(), "bbbbbbbbbbbbbbbbbbbb".to_owned())
            ]
        );
        // The command line wins.
        let a = run_env(
            &[
                "--admin-token",
                "flag-admin-token-01",
                "--tenant",
                "x=cccccccccccccccccccc",
            ],
            &vars,
        )
        .unwrap();
        assert_eq!(a.admin_token.as_deref(), Some("flag-admin-token-01"));
        assert_eq!(a.tenants.len(), 1);
        // Checked as the flags are, and the message names the variable.
        let e = run_env(&[], &[(ENV_ADMIN_TOKEN, "short")]).unwrap_err();
        assert!(
            e.starts_with("SCIMITAR_ADMIN_TOKEN: must be at least"),
            "{e}"
        );
        let e = run_env(&[], &[(ENV_TENANTS, "acme")]).unwrap_err();
        assert!(
            e.starts_with("SCIMITAR_TENANTS: expected NAME=TOKEN"),
            "{e}"
        );
        let e = run_env(
            &[],
            &[(ENV_TENANTS, "a=aaaaaaaaaaaaaaaaaaaa,a=bbbbbbbbbbbbbbbbbbbb")],
        )
        .unwrap_err();
        assert!(e.contains("given twice"), "{e}");
        // Empty variables are absent.
        let a = run_env(&[], &[(ENV_ADMIN_TOKEN, ""), (ENV_TENANTS, " ")]).unwrap();
        assert_eq!((a.admin_token, a.tenants.len()), (None, 0));
    }

    #[test]
    fn defaults() {
        let a = run(&[]);
        assert_eq!(a.bind.to_string(), DEFAULT_BIND);
        assert!(a.tenants.is_empty() && a.require.is_empty());
        assert_eq!(a.admin_token, None);
    }

    #[test]
    fn all_flags_both_spellings() {
        let a = run(&[
            "--bind=0.0.0.0:9000",
            "--tenant",
            "acme=aaaaaaaaaaaaaaaaaaaa",
            "--tenant=globex=b=bbbbbbbbbbbbbbbbbbb",
            "--require",
            "externalId,name.givenName",
            "--require=emails,externalId",
            "--max-length",
            "255",
            "--admin-token",
            "admin-admin-admin-1",
            "--public-url",
            "https://scim.example.com",
        ]);
        assert_eq!(a.bind.to_string(), "0.0.0.0:9000");
        assert_eq!(
            a.tenants,
            vec![
                ("acme".to_owned(), "aaaaaaaaaaaaaaaaaaaa".to_owned()),
                ("globex".to_owned(), "b=bbbbbbbbbbbbbbbbbbb".to_owned())
            ]
        );
        assert_eq!(a.require, vec!["externalId", "name.givenName", "emails"]);
        assert_eq!(a.max_length, Some(255));
        assert_eq!(a.admin_token.as_deref(), Some("admin-admin-admin-1"));
        assert_eq!(a.public_url.as_deref(), Some("https://scim.example.com"));
    }

    #[test]
    fn help_wins() {
        assert_eq!(parse(["--bind", "x", "--help"]).ok(), None);
        assert_eq!(parse(["-h"]).ok(), Some(Command::Help));
        assert!(help("example-axum").contains("--tenant NAME=TOKEN"));
    }

    #[test]
    fn mistakes_are_explained() {
        assert!(err(&["--bind", "localhost"]).contains("--bind"));
        assert!(err(&["--tenant", "acme"]).contains("NAME=TOKEN"));
        assert!(err(&["--tenant", "a b=cccccccccccccccccccc"]).contains("organization name"));
        assert!(err(&["--max-length", "0"]).contains("at least 1"));
        assert!(err(&["--admin-token", "short"]).contains("16"));
        assert!(err(&["--public-url", "scim.example.com"]).contains("http"));
        assert!(err(&["--database-url", "mysql://x"]).contains("sqlite://PATH"));
        assert!(err(&["--database-url", "scim.db"]).contains("sqlite://PATH"));
        assert!(err(&["--frobnicate"]).contains("unknown argument"));
        assert!(err(&["--bind"]).contains("needs a value"));
        assert!(err(&[
            "--tenant",
            "a=xxxxxxxxxxxxxxxxxx",
            "--tenant",
            "a=yyyyyyyyyyyyyyyyyyy"
        ])
        .contains("twice"));
    }

    #[test]
    fn admin_token_must_be_usable_as_a_bearer_credential() {
        // A token with spaces or `!` passed the length check and then never
        // authenticated: every admin request was 401.
        for bad in ["my admin pass phrase", "admin!token!0123456789"] {
            let e = err(&["--admin-token", bad]);
            assert!(e.contains("--admin-token"), "{e}");
            assert!(e.contains("A-Z"), "{e}");
        }
        let a = run(&["--admin-token", "a-Z_0.9~+/adminadmin=="]);
        assert_eq!(a.admin_token.as_deref(), Some("a-Z_0.9~+/adminadmin=="));
    }

    #[test]
    fn database_urls() {
        let a = run(&["--database-url", "sqlite://scim.db"]);
        assert_eq!(a.database_url.as_deref(), Some("sqlite://scim.db"));
        for (url, kind) in [
            ("sqlite::memory:", DatabaseKind::Sqlite),
            ("postgres://u@h/db", DatabaseKind::Postgres),
            ("PostgreSQL://u@h/db", DatabaseKind::Postgres),
        ] {
            assert_eq!(database_kind(url), Some(kind), "{url}");
        }
        let a = run(&["--database-url=postgres://u:hunter2@h/db"]);
        assert!(!format!("{a:?}").contains("hunter2"));
    }

    #[test]
    fn debug_redacts_tokens() {
        let a = run(&[
            "--tenant",
            "acme=secret-secret-secret",
            "--admin-token",
            "admin-secret-secret",
        ]);
        let s = format!("{a:?}");
        assert!(!s.contains("secret"), "{s}");
        assert!(s.contains("acme"));
    }
}
