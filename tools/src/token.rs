//! Clerk-like RS256 session tokens for local development and tests.
//!
//! **Never use these keys or tokens in production.** They exist so that the
//! API can be exercised (README curl walk-through, integration tests, load
//! generator) without a Clerk instance: generate a key pair with
//! [`generate_keypair`], configure the API with its public PEM (or serve
//! [`jwks_json`]), and mint tokens with [`Minter`] or [`mint`].
//!
//! Minted tokens look like Clerk session tokens: header `{"alg":"RS256",
//! "typ":"JWT","kid":…}` and claims `sub`, `iat`, `nbf`, `exp`, `sid`, plus
//! `iss`, `azp` and `email` when set.

use std::fmt;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use jsonwebtoken::jwk::{Jwk, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use serde::Serialize;
use serde_json::{Value, json};

/// Size of generated RSA keys, in bits.
pub const KEY_BITS: usize = 2048;

/// Default lifetime of a minted token.
pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// How far before `iat` the default `nbf` lies (Clerk does the same).
pub const DEFAULT_NBF_SKEW_SECS: i64 = 10;

/// Longest key id accepted (the API rejects longer ones).
const MAX_KID_LEN: usize = 128;

/// An RSA key pair for signing development tokens.
#[derive(Clone, PartialEq, Eq)]
pub struct DevKeyPair {
    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub private_pem: String,
    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`), the format of
    /// Clerk's "JWT public key".
    pub public_pem: String,
    /// Key id to put in token headers and in the JWKS.
    pub kid: String,
}

impl fmt::Debug for DevKeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DevKeyPair")
            .field("private_pem", &"[redacted]")
            .field("public_pem", &self.public_pem)
            .field("kid", &self.kid)
            .finish()
    }
}

/// Generates a fresh RSA-2048 key pair (takes a fraction of a second with an
/// optimised `rsa` crate, much longer unoptimised).
pub fn generate_keypair(kid: &str) -> Result<DevKeyPair> {
    check_kid(kid)?;
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS).context("generating the RSA key")?;
    let private_pem = private.to_pkcs8_pem(LineEnding::LF).context("encoding the private key")?.to_string();
    let public_pem = private.to_public_key().to_public_key_pem(LineEnding::LF).context("encoding the public key")?;
    Ok(DevKeyPair { private_pem, public_pem, kid: kid.to_owned() })
}

/// Builds a JWKS document `{"keys":[{"kty","use","alg","kid","n","e"}]}`
/// holding the given RSA public key.
pub fn jwks_json(public_pem: &str, kid: &str) -> Result<Value> {
    check_kid(kid)?;
    ensure!(!public_pem.contains("PRIVATE KEY"), "expected an RSA public key PEM, got a private key");
    let key = DecodingKey::from_rsa_pem(public_pem.as_bytes()).context("expected an RSA public key PEM")?;
    let mut jwk = Jwk::from_decoding_key(&key, Some(Algorithm::RS256)).context("expected an RSA public key PEM")?;
    jwk.common.key_id = Some(kid.to_owned());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let jwk = serde_json::to_value(&jwk).context("serialising the JWK")?;
    Ok(json!({ "keys": [jwk] }))
}

/// What to put in a minted token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSpec {
    /// `sub`: the user id, e.g. `user_123`.
    pub sub: String,
    /// `email` claim (Clerk adds it through session-token customisation).
    pub email: Option<String>,
    /// `iss`; omitted when `None`.
    pub issuer: Option<String>,
    /// `azp` (the front-end origin); omitted when `None`.
    pub azp: Option<String>,
    /// `kid` header; omitted when `None`.
    pub kid: Option<String>,
    /// Lifetime: `exp = iat + ttl`. Set `issued_at` in the past to mint an
    /// already expired token.
    pub ttl: Duration,
    /// `nbf` (Unix seconds). `None`: `iat - 10 s`, like Clerk.
    pub not_before: Option<i64>,
    /// `iat` (Unix seconds). `None`: now.
    pub issued_at: Option<i64>,
}

impl TokenSpec {
    /// A spec for `sub`, valid from now for one hour, with no optional claims
    /// and no `kid`.
    pub fn new(sub: impl Into<String>) -> Self {
        Self {
            sub: sub.into(),
            email: None,
            issuer: None,
            azp: None,
            kid: None,
            ttl: DEFAULT_TTL,
            not_before: None,
            issued_at: None,
        }
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iat: i64,
    nbf: i64,
    exp: i64,
    sid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    azp: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

/// Mints RS256 tokens with a private key parsed once. Use it when minting
/// many tokens (tests, load generation).
#[derive(Clone)]
pub struct Minter {
    key: EncodingKey,
}

impl fmt::Debug for Minter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Minter").finish_non_exhaustive()
    }
}

impl Minter {
    /// Parses an RSA private key PEM (PKCS#8 or PKCS#1).
    pub fn from_pem(private_pem: &str) -> Result<Self> {
        let key = EncodingKey::from_rsa_pem(private_pem.as_bytes()).context("expected an RSA private key PEM")?;
        // Deriving the public components parses the key completely, so a
        // public key or garbage fails here rather than on the first mint.
        Jwk::from_encoding_key(&key, Algorithm::RS256).context("expected an RSA private key PEM")?;
        Ok(Self { key })
    }

    /// Mints a signed token for `spec`.
    pub fn mint(&self, spec: &TokenSpec) -> Result<String> {
        if let Some(kid) = &spec.kid {
            check_kid(kid)?;
        }
        let iat = spec.issued_at.unwrap_or_else(|| chrono::Utc::now().timestamp());
        let ttl = i64::try_from(spec.ttl.as_secs()).context("ttl is too large")?;
        let Some(exp) = iat.checked_add(ttl) else {
            bail!("issued_at + ttl overflows");
        };
        let nbf = match spec.not_before {
            Some(nbf) => nbf,
            None => iat.saturating_sub(DEFAULT_NBF_SKEW_SECS),
        };
        let claims = Claims {
            sub: &spec.sub,
            iat,
            nbf,
            exp,
            sid: format!("sess_dev_{}", uuid::Uuid::new_v4().simple()),
            iss: spec.issuer.as_deref(),
            azp: spec.azp.as_deref(),
            email: spec.email.as_deref(),
        };
        let mut header = Header::new(Algorithm::RS256);
        header.kid.clone_from(&spec.kid);
        jsonwebtoken::encode(&header, &claims, &self.key).context("signing the token")
    }
}

/// Mints one RS256 token. Parses the PEM on every call: prefer [`Minter`] for
/// many tokens.
pub fn mint(private_pem: &str, spec: &TokenSpec) -> Result<String> {
    Minter::from_pem(private_pem)?.mint(spec)
}

/// Key ids must be non-empty printable ASCII of at most 128 bytes (the API
/// rejects anything else).
fn check_kid(kid: &str) -> Result<()> {
    ensure!(
        !kid.is_empty() && kid.len() <= MAX_KID_LEN && kid.bytes().all(|b| b.is_ascii_graphic()),
        "invalid kid {kid:?}: use 1 to {MAX_KID_LEN} printable ASCII characters without spaces"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::OnceLock;

    use jsonwebtoken::dangerous::insecure_decode;

    use super::*;

    fn pair() -> &'static DevKeyPair {
        static PAIR: OnceLock<DevKeyPair> = OnceLock::new();
        PAIR.get_or_init(|| generate_keypair("dev").expect("generate key pair"))
    }

    /// Header and claims of a token, without verifying it.
    fn decode_unverified(token: &str) -> (Header, Value) {
        let data = insecure_decode::<Value>(token).expect("decodable token");
        (data.header, data.claims)
    }

    #[test]
    fn keygen_and_jwks_shape() {
        let pair = pair();
        assert!(pair.private_pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        assert!(pair.public_pem.starts_with("-----BEGIN PUBLIC KEY-----"));
        assert_eq!(pair.kid, "dev");
        assert!(!format!("{pair:?}").contains("PRIVATE"));

        let jwks = jwks_json(&pair.public_pem, "dev").expect("jwks");
        let keys = jwks["keys"].as_array().expect("keys array");
        assert_eq!(keys.len(), 1);
        let key = &keys[0];
        assert_eq!(key["kty"], "RSA");
        assert_eq!(key["use"], "sig");
        assert_eq!(key["alg"], "RS256");
        assert_eq!(key["kid"], "dev");
        assert_eq!(key["e"], "AQAB");
        let n = key["n"].as_str().expect("n");
        // 256 bytes of modulus = 342 base64url characters without padding.
        assert_eq!(n.len(), 342);
        assert!(n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        assert!(DecodingKey::from_rsa_components(n, "AQAB").is_ok());
    }

    #[test]
    fn jwks_json_rejects_private_keys_and_garbage() {
        assert!(jwks_json(&pair().private_pem, "dev").is_err());
        assert!(jwks_json("garbage", "dev").is_err());
        assert!(jwks_json(&pair().public_pem, "").is_err());
        assert!(jwks_json(&pair().public_pem, "with space").is_err());
    }

    #[test]
    fn minted_token_has_clerk_like_header_and_claims() {
        let mut spec = TokenSpec::new("user_123");
        spec.kid = Some("dev".to_owned());
        spec.email = Some("a@b.c".to_owned());
        spec.issuer = Some("https://clerk.tailor.test".to_owned());
        spec.azp = Some("http://localhost:3000".to_owned());
        spec.issued_at = Some(1_700_000_000);
        spec.ttl = Duration::from_secs(120);
        let token = mint(&pair().private_pem, &spec).expect("mint");

        assert_eq!(token.split('.').count(), 3);
        let (header, claims) = decode_unverified(&token);
        assert_eq!(header.alg, Algorithm::RS256);
        assert_eq!(header.typ.as_deref(), Some("JWT"));
        assert_eq!(header.kid.as_deref(), Some("dev"));
        assert_eq!(claims["sub"], "user_123");
        assert_eq!(claims["iat"], 1_700_000_000);
        assert_eq!(claims["nbf"], 1_700_000_000 - DEFAULT_NBF_SKEW_SECS);
        assert_eq!(claims["exp"], 1_700_000_120);
        assert_eq!(claims["email"], "a@b.c");
        assert_eq!(claims["iss"], "https://clerk.tailor.test");
        assert_eq!(claims["azp"], "http://localhost:3000");
        assert!(claims["sid"].as_str().is_some_and(|s| s.starts_with("sess_")));

        let (header, bare) = decode_unverified(&mint(&pair().private_pem, &TokenSpec::new("u")).expect("mint"));
        assert_eq!(header.kid, None);
        assert!(bare.get("iss").is_none() && bare.get("azp").is_none());
        assert!(bare.get("email").is_none());
    }

    #[test]
    fn minter_rejects_public_keys_and_garbage() {
        assert!(Minter::from_pem(&pair().public_pem).is_err());
        assert!(Minter::from_pem("garbage").is_err());
        let minter = Minter::from_pem(&pair().private_pem).expect("minter");
        let mut spec = TokenSpec::new("u");
        spec.kid = Some("bad kid".to_owned());
        assert!(minter.mint(&spec).is_err());
        spec.kid = None;
        spec.issued_at = Some(i64::MAX);
        assert!(minter.mint(&spec).is_err(), "overflow is an error");
    }

    #[test]
    fn minting_many_tokens_is_fast_enough() {
        let minter = Minter::from_pem(&pair().private_pem).expect("minter");
        let spec = TokenSpec::new("user_load");
        let started = std::time::Instant::now();
        for _ in 0..50 {
            minter.mint(&spec).expect("mint");
        }
        // Generous bound: ~1-3 ms per token with the optimised rsa profile.
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}
