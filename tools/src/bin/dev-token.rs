//! `dev-token`: generate a local RSA key pair and mint Clerk-like session
//! tokens. For local development and tests only.
//!
//! ```text
//! dev-token keygen --dir .dev/auth [--kid dev] [--force]
//! dev-token mint --key .dev/auth/dev-private.pem --sub user_123 [--email a@b.c]
//! ```

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use tools::token::{Minter, TokenSpec, generate_keypair, jwks_json};

const PRIVATE_FILE: &str = "dev-private.pem";
const PUBLIC_FILE: &str = "dev-public.pem";
const JWKS_FILE: &str = "jwks.json";
const DEFAULT_KID: &str = "dev";
const DEFAULT_TTL_SECS: u64 = 3600;

const HELP: &str = "\
dev-token: generate a local RSA key pair and mint Clerk-like RS256 session tokens.

FOR LOCAL DEVELOPMENT AND TESTS ONLY. Never configure a production deployment
to trust these keys or tokens.

USAGE:
    dev-token keygen --dir DIR [--kid KID] [--force]
    dev-token mint --key FILE --sub SUBJECT [--email EMAIL] [--ttl-secs N]
                   [--issuer URL] [--azp ORIGIN] [--kid KID]
    dev-token [COMMAND] --help

COMMANDS:
    keygen   Write DIR/dev-private.pem (mode 0600), DIR/dev-public.pem and
             DIR/jwks.json, creating DIR if needed. Existing files are not
             overwritten unless --force is given.
               --dir DIR        output directory (required)
               --kid KID        key id written to the JWKS (default: dev)
               --force          overwrite existing files

    mint     Print a signed token, and nothing else, on stdout.
               --key FILE       private key PEM written by keygen (required)
               --sub SUBJECT    user id, e.g. user_123 (required)
               --email EMAIL    add an `email` claim
               --ttl-secs N     lifetime in seconds (default: 3600)
               --issuer URL     add an `iss` claim
               --azp ORIGIN     add an `azp` claim, e.g. http://localhost:3000
               --kid KID        key id in the token header (default: dev)

EXAMPLES:
    dev-token keygen --dir .dev/auth
    TOKEN=$(dev-token mint --key .dev/auth/dev-private.pem --sub user_123)
    curl -H \"Authorization: Bearer $TOKEN\" http://localhost:8080/...
";

/// A parsed command line.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Help,
    Keygen {
        dir: PathBuf,
        kid: String,
        force: bool,
    },
    Mint {
        key: PathBuf,
        sub: String,
        email: Option<String>,
        ttl_secs: u64,
        issuer: Option<String>,
        azp: Option<String>,
        kid: String,
    },
}

/// A command-line mistake (exit code 2).
#[derive(Debug, PartialEq, Eq)]
struct UsageError(String);

fn usage(message: impl Into<String>) -> UsageError {
    UsageError(message.into())
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let command = match parse_args(args) {
        Ok(command) => command,
        Err(UsageError(message)) => {
            eprintln!("dev-token: {message}\nRun `dev-token --help` for usage.");
            return ExitCode::from(2);
        }
    };
    let result = match command {
        Command::Help => {
            print!("{HELP}");
            Ok(())
        }
        Command::Keygen { dir, kid, force } => keygen(&dir, &kid, force),
        Command::Mint { key, sub, email, ttl_secs, issuer, azp, kid } => {
            mint(&key, sub, email, ttl_secs, issuer, azp, kid)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("dev-token: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the arguments (without the program name).
fn parse_args(args: Vec<OsString>) -> Result<Command, UsageError> {
    let args = args
        .into_iter()
        .map(|arg| arg.into_string().map_err(|arg| usage(format!("argument is not valid UTF-8: {arg:?}"))))
        .collect::<Result<Vec<String>, UsageError>>()?;
    if args.iter().any(|a| a == "--help" || a == "-h") {
        return Ok(Command::Help);
    }
    let Some((command, rest)) = args.split_first() else {
        return Err(usage("missing command (keygen or mint)"));
    };
    match command.as_str() {
        "help" => Ok(Command::Help),
        "keygen" => {
            let mut flags = Flags::parse(rest, &["--dir", "--kid"], &["--force"])?;
            let dir = flags.required("--dir")?;
            let kid = flags.take("--kid").unwrap_or_else(|| DEFAULT_KID.to_owned());
            Ok(Command::Keygen { dir: PathBuf::from(dir), kid, force: flags.switch("--force") })
        }
        "mint" => {
            let mut flags =
                Flags::parse(rest, &["--key", "--sub", "--email", "--ttl-secs", "--issuer", "--azp", "--kid"], &[])?;
            let key = PathBuf::from(flags.required("--key")?);
            let sub = flags.required("--sub")?;
            let ttl_secs = match flags.take("--ttl-secs") {
                None => DEFAULT_TTL_SECS,
                Some(text) => match text.parse::<u64>() {
                    Ok(secs) if secs > 0 => secs,
                    _ => {
                        return Err(usage(format!("--ttl-secs: expected a positive integer, got {text:?}")));
                    }
                },
            };
            Ok(Command::Mint {
                key,
                sub,
                email: flags.take("--email"),
                ttl_secs,
                issuer: flags.take("--issuer"),
                azp: flags.take("--azp"),
                kid: flags.take("--kid").unwrap_or_else(|| DEFAULT_KID.to_owned()),
            })
        }
        other => Err(usage(format!("unknown command {other:?} (expected keygen or mint)"))),
    }
}

/// `--name value` / `--name=value` options and `--name` switches.
struct Flags {
    values: Vec<(String, String)>,
    switches: Vec<String>,
}

impl Flags {
    fn parse(args: &[String], valued: &[&str], switches: &[&str]) -> Result<Self, UsageError> {
        let mut flags = Self { values: Vec::new(), switches: Vec::new() };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            let (name, inline) = match arg.split_once('=') {
                Some((name, value)) if name.starts_with("--") => (name, Some(value.to_owned())),
                _ => (arg.as_str(), None),
            };
            if valued.contains(&name) {
                let value = match inline {
                    Some(value) => value,
                    None => iter.next().cloned().ok_or_else(|| usage(format!("{name} needs a value")))?,
                };
                if value.trim().is_empty() {
                    return Err(usage(format!("{name} needs a non-empty value")));
                }
                if flags.values.iter().any(|(known, _)| known == name) {
                    return Err(usage(format!("{name} given more than once")));
                }
                flags.values.push((name.to_owned(), value));
            } else if switches.contains(&name) && inline.is_none() {
                flags.switches.push(name.to_owned());
            } else if name.starts_with('-') {
                return Err(usage(format!("unknown option {name}")));
            } else {
                return Err(usage(format!("unexpected argument {arg:?}")));
            }
        }
        Ok(flags)
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.values.iter().position(|(known, _)| known == name)?;
        Some(self.values.swap_remove(index).1)
    }

    fn required(&mut self, name: &str) -> Result<String, UsageError> {
        self.take(name).ok_or_else(|| usage(format!("missing required option {name}")))
    }

    fn switch(&self, name: &str) -> bool {
        self.switches.iter().any(|known| known == name)
    }
}

/// `dev-token keygen`.
fn keygen(dir: &Path, kid: &str, force: bool) -> Result<()> {
    let private_path = dir.join(PRIVATE_FILE);
    let public_path = dir.join(PUBLIC_FILE);
    let jwks_path = dir.join(JWKS_FILE);
    let paths = [&private_path, &public_path, &jwks_path];

    if !force {
        let existing: Vec<String> =
            paths.iter().filter(|path| path.exists()).map(|path| path.display().to_string()).collect();
        if !existing.is_empty() {
            bail!("refusing to overwrite {} (use --force to replace)", existing.join(", "));
        }
    }

    let pair = generate_keypair(kid)?;
    let jwks = jwks_json(&pair.public_pem, &pair.kid)?;
    let jwks = serde_json::to_string_pretty(&jwks).context("serialising the JWKS")? + "\n";

    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    write_file(&private_path, pair.private_pem.as_bytes(), force, true)?;
    write_file(&public_path, pair.public_pem.as_bytes(), force, false)?;
    write_file(&jwks_path, jwks.as_bytes(), force, false)?;

    println!("wrote {} (RSA-2048 private key, mode 0600; keep it out of version control)", private_path.display());
    println!("wrote {} (public key PEM)", public_path.display());
    println!("wrote {} (JWKS with kid {kid:?})", jwks_path.display());
    println!("These keys are for local development and tests only.");
    Ok(())
}

/// Writes `contents` to `path`; `create_new` unless `overwrite`. Secret
/// files get mode 0600 on Unix (also when overwriting an existing file).
fn write_file(path: &Path, contents: &[u8], overwrite: bool, secret: bool) -> Result<()> {
    let mut options = OpenOptions::new();
    options.write(true);
    if overwrite {
        options.create(true).truncate(true);
    } else {
        options.create_new(true);
    }
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).with_context(|| format!("creating {}", path.display()))?;
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::PermissionsExt as _;
        file.set_permissions(fs::Permissions::from_mode(0o600))
            .with_context(|| format!("restricting permissions of {}", path.display()))?;
    }
    #[cfg(not(unix))]
    let _ = secret;
    file.write_all(contents).and_then(|()| file.sync_all()).with_context(|| format!("writing {}", path.display()))
}

/// `dev-token mint`.
fn mint(
    key: &Path,
    sub: String,
    email: Option<String>,
    ttl_secs: u64,
    issuer: Option<String>,
    azp: Option<String>,
    kid: String,
) -> Result<()> {
    let pem = fs::read_to_string(key).with_context(|| format!("reading {}", key.display()))?;
    let minter = Minter::from_pem(&pem).with_context(|| format!("loading {}", key.display()))?;
    let mut spec = TokenSpec::new(sub);
    spec.email = email;
    spec.issuer = issuer;
    spec.azp = azp;
    spec.kid = Some(kid);
    spec.ttl = Duration::from_secs(ttl_secs);
    let token = minter.mint(&spec)?;
    println!("{token}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, UsageError> {
        parse_args(args.iter().map(OsString::from).collect())
    }

    #[test]
    fn parses_keygen() {
        assert_eq!(
            parse(&["keygen", "--dir", "out"]),
            Ok(Command::Keygen { dir: PathBuf::from("out"), kid: "dev".to_owned(), force: false })
        );
        assert_eq!(
            parse(&["keygen", "--force", "--dir=out", "--kid", "k1"]),
            Ok(Command::Keygen { dir: PathBuf::from("out"), kid: "k1".to_owned(), force: true })
        );
    }

    #[test]
    fn parses_mint() {
        assert_eq!(
            parse(&[
                "mint",
                "--key",
                "k.pem",
                "--sub",
                "user_1",
                "--email",
                "a@b.c",
                "--ttl-secs",
                "60",
                "--issuer",
                "https://i",
                "--azp",
                "http://localhost:3000",
            ]),
            Ok(Command::Mint {
                key: PathBuf::from("k.pem"),
                sub: "user_1".to_owned(),
                email: Some("a@b.c".to_owned()),
                ttl_secs: 60,
                issuer: Some("https://i".to_owned()),
                azp: Some("http://localhost:3000".to_owned()),
                kid: "dev".to_owned(),
            })
        );
    }

    #[test]
    fn help_and_misuse() {
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
        assert_eq!(parse(&["mint", "-h"]), Ok(Command::Help));
        assert!(HELP.contains("FOR LOCAL DEVELOPMENT AND TESTS ONLY"));
        for bad in [
            &[][..],
            &["frobnicate"],
            &["keygen"],
            &["keygen", "--dir"],
            &["keygen", "--dir", "a", "--dir", "b"],
            &["keygen", "--dir", "a", "--bogus"],
            &["keygen", "--dir", "a", "stray"],
            &["keygen", "--dir", "a", "--force=yes"],
            &["mint", "--key", "k.pem"],
            &["mint", "--sub", "u"],
            &["mint", "--key", "k.pem", "--sub", ""],
            &["mint", "--key", "k.pem", "--sub", "u", "--ttl-secs", "0"],
            &["mint", "--key", "k.pem", "--sub", "u", "--ttl-secs", "-5"],
            &["mint", "--key", "k.pem", "--sub", "u", "--force"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
