//! Verification of Clerk session tokens (RS256 JWTs).
//!
//! [`ClerkVerifier`] checks the `Authorization: Bearer <token>` credentials that
//! the front end obtains from Clerk. The signing key comes from exactly one of:
//!
//! * a PEM-encoded RSA public key ([`ClerkConfig::jwt_key_pem`], Clerk's "JWT
//!   public key", networkless verification), or
//! * a JWKS URL ([`ClerkConfig::jwks_url`], e.g.
//!   `https://<your-instance>.clerk.accounts.dev/.well-known/jwks.json`).
//!
//! # What is checked
//!
//! 1. Shape: three base64url segments, at most [`MAX_TOKEN_LEN`] bytes.
//! 2. Header: `alg` must be exactly `RS256`. Anything else (`none`, `HS*`,
//!    `ES*`, `PS*`, `RS384`, …) is rejected *before* any key lookup, which
//!    rules out algorithm-confusion attacks. Tokens carrying a `crit` header
//!    are rejected (no JWS extension is supported).
//! 3. Signature, with the PEM key or with the JWKS key whose `kid` matches the
//!    header's `kid`. A token without `kid` is only accepted against a JWKS if
//!    that JWKS holds exactly one usable key.
//! 4. Claims, with [`ClerkConfig::leeway_secs`] of clock-skew leeway:
//!    `exp` is required and must not have passed; `nbf`, when present, must
//!    have passed; `iat`, when present, must not be in the future; `iss` must
//!    equal [`ClerkConfig::issuer`] when one is configured (a trailing `/` is
//!    ignored on both sides); when [`ClerkConfig::authorized_parties`] is
//!    non-empty, an `azp` claim, when present, must be one of them; `sub` must be
//!    a non-empty string of at most [`MAX_SUBJECT_LEN`] characters without
//!    control characters.
//!
//! `aud` is not checked: Clerk session tokens carry no audience (this matches
//! the behaviour of Clerk's own SDKs when no audience is configured).
//!
//! # JWKS caching
//!
//! The JWKS is fetched lazily on first use and cached in memory. It is fetched
//! again only when a token names a `kid` the cache does not know, at most once
//! per [`ClerkConfig::jwks_min_refresh_interval`], and concurrent refreshes are
//! coalesced into a single request. When the JWKS endpoint is unreachable,
//! tokens signed by a cached key keep working; other tokens fail with
//! [`AuthError::KeysUnavailable`], which callers should map to
//! `503 Service Unavailable` rather than `401` (see [`AuthError::is_unavailable`]).
//!
//! Only keys with `kty: "RSA"`, `use` absent or `"sig"`, `alg` absent or
//! `"RS256"` and a modulus of 2048 to 4096 bits are used; other keys are
//! ignored.
//!
//! Tokens are never logged.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::alphabet;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Map, Value};
use tokio::sync::{Mutex, RwLock};
use tracing::{debug, info, warn};

/// Default clock-skew leeway, in seconds, applied to `exp`, `nbf` and `iat`.
pub const DEFAULT_LEEWAY_SECS: u64 = 5;

/// Largest accepted [`ClerkConfig::leeway_secs`].
pub const MAX_LEEWAY_SECS: u64 = 300;

/// Default minimum delay between two JWKS fetches.
pub const DEFAULT_JWKS_MIN_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// Default [`ClerkConfig::jwks_max_age`].
pub const DEFAULT_JWKS_MAX_AGE: Duration = Duration::from_secs(300);

/// Default timeout of a JWKS request (connection, headers and body).
pub const DEFAULT_HTTP_TIMEOUT: Duration = Duration::from_secs(5);

/// Longest token accepted, in bytes. Clerk session tokens are far smaller
/// (they have to fit in a cookie).
pub const MAX_TOKEN_LEN: usize = 16 * 1024;

/// Longest `sub` claim accepted, in characters.
pub const MAX_SUBJECT_LEN: usize = 255;

/// Claims from which [`VerifiedClaims::email`] is taken, in order of preference.
///
/// Clerk session tokens carry no e-mail address by default; one is added by
/// customising the session token, e.g. `{"email": "{{user.primary_email_address}}"}`.
pub const EMAIL_CLAIMS: [&str; 3] = ["email", "primary_email", "email_address"];

/// Largest JWKS response body accepted, in bytes.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Longest `kid` accepted in a token header.
const MAX_KID_LEN: usize = 128;
/// Accepted RSA modulus sizes, in bits.
const MIN_RSA_BITS: usize = 2048;
const MAX_RSA_BITS: usize = 4096;
/// Largest public exponent accepted (the limit of the `rsa` crate).
const MAX_RSA_EXPONENT: u64 = (1 << 33) - 1;

/// base64url that tolerates padding: some JWKS publishers pad `n` and `e`.
const B64_URL_LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Configuration of a [`ClerkVerifier`].
///
/// Exactly one of [`jwt_key_pem`](Self::jwt_key_pem) and
/// [`jwks_url`](Self::jwks_url) must be set; blank strings count as unset.
#[derive(Clone, Debug)]
pub struct ClerkConfig {
    /// PEM-encoded RSA public key (`-----BEGIN PUBLIC KEY-----` or
    /// `-----BEGIN RSA PUBLIC KEY-----`). Literal `\n` sequences, as found in
    /// single-line environment variables, are turned into newlines.
    pub jwt_key_pem: Option<String>,
    /// URL of the JWKS. Must be `https`, except for loopback hosts
    /// (`localhost`, `127.0.0.0/8`, `::1`), which may use plain `http`.
    pub jwks_url: Option<String>,
    /// Expected `iss` claim, e.g. `https://clerk.example.com`. When set, tokens
    /// without this exact issuer are rejected.
    pub issuer: Option<String>,
    /// Accepted `azp` (authorized party) values, i.e. the origins of the front
    /// ends, e.g. `https://app.example.com`. Empty: `azp` is not checked.
    pub authorized_parties: Vec<String>,
    /// Clock-skew leeway in seconds for `exp`, `nbf` and `iat`. Default 5,
    /// at most [`MAX_LEEWAY_SECS`].
    pub leeway_secs: u64,
    /// Minimum delay between two JWKS fetches triggered by unknown `kid`s.
    /// Default 30 s.
    pub jwks_min_refresh_interval: Duration,
    /// How long a fetched key set is used before it is fetched again, so a
    /// key Clerk withdrew stops verifying tokens (within this plus the
    /// verification cache's 60 s). If the refetch fails, the old set is kept.
    /// Default 5 min.
    pub jwks_max_age: Duration,
    /// Timeout of one JWKS request. Must not be zero. Default 5 s.
    pub http_timeout: Duration,
}

impl Default for ClerkConfig {
    fn default() -> Self {
        Self {
            jwt_key_pem: None,
            jwks_url: None,
            issuer: None,
            authorized_parties: Vec::new(),
            leeway_secs: DEFAULT_LEEWAY_SECS,
            jwks_min_refresh_interval: DEFAULT_JWKS_MIN_REFRESH_INTERVAL,
            jwks_max_age: DEFAULT_JWKS_MAX_AGE,
            http_timeout: DEFAULT_HTTP_TIMEOUT,
        }
    }
}

impl ClerkConfig {
    /// A default configuration verifying with the given PEM public key.
    pub fn with_pem(pem: impl Into<String>) -> Self {
        Self { jwt_key_pem: Some(pem.into()), ..Self::default() }
    }

    /// A default configuration verifying with keys from the given JWKS URL.
    pub fn with_jwks_url(url: impl Into<String>) -> Self {
        Self { jwks_url: Some(url.into()), ..Self::default() }
    }
}

/// Why a [`ClerkConfig`] was rejected by [`ClerkVerifier::new`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// Neither a PEM key nor a JWKS URL is configured.
    #[error("Clerk auth: configure either a PEM public key or a JWKS URL (neither is set)")]
    NoKeySource,
    /// Both a PEM key and a JWKS URL are configured.
    #[error("Clerk auth: configure either a PEM public key or a JWKS URL, not both")]
    BothKeySources,
    /// The PEM is not a usable RSA public key.
    #[error("Clerk auth: the PEM is not a usable RSA public key: {0}")]
    InvalidPem(String),
    /// The JWKS URL is unusable.
    #[error("Clerk auth: invalid JWKS URL: {0}")]
    InvalidJwksUrl(String),
    /// The issuer is configured but blank.
    #[error("Clerk auth: the issuer is set but empty")]
    EmptyIssuer,
    /// The leeway exceeds [`MAX_LEEWAY_SECS`].
    #[error("Clerk auth: the leeway must not exceed {MAX_LEEWAY_SECS} seconds")]
    LeewayTooLarge,
    /// The HTTP timeout is zero.
    #[error("Clerk auth: the HTTP timeout must be greater than zero")]
    ZeroHttpTimeout,
    /// The HTTP client could not be built.
    #[error("Clerk auth: cannot build the HTTP client: {0}")]
    HttpClient(String),
}

/// Why a token was rejected.
///
/// The `Display` text is safe to return to clients: it never contains the
/// token nor internal details. [`AuthError::code`] gives a stable
/// machine-readable code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No bearer token was presented.
    #[error("missing bearer token")]
    MissingToken,
    /// The token is not a well-formed JWT.
    #[error("malformed token")]
    Malformed,
    /// The token's `alg` is not `RS256`. Holds the (sanitised) algorithm name.
    #[error("unsupported token algorithm `{0}`")]
    UnsupportedAlgorithm(String),
    /// No known key matches the token's `kid`.
    #[error("token signed with an unknown key")]
    UnknownKey,
    /// The signature does not verify.
    #[error("invalid token signature")]
    BadSignature,
    /// `exp` has passed.
    #[error("token has expired")]
    Expired,
    /// `nbf` or `iat` is in the future.
    #[error("token is not yet valid")]
    NotYetValid,
    /// `iss` is missing or is not the configured issuer.
    #[error("token issuer is not accepted")]
    WrongIssuer,
    /// `azp` is not one of the authorized parties.
    #[error("token authorized party is not accepted")]
    UnauthorizedParty,
    /// `sub` is missing, empty, too long or not a plain string.
    #[error("token has no valid subject")]
    MissingSubject,
    /// A registered claim (`exp`, `nbf`, `iat`) is missing or has the wrong type.
    #[error("token claim `{0}` is missing or invalid")]
    InvalidClaim(&'static str),
    /// The signing keys cannot be obtained (JWKS endpoint down or serving
    /// garbage). Holds details for logs; they are not part of `Display`.
    /// Map to `503`, not `401`.
    #[error("authentication is temporarily unavailable")]
    KeysUnavailable(String),
}

impl AuthError {
    /// `true` when the failure is on the server side (the signing keys cannot
    /// be fetched), so the request should get `503` rather than `401`.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, Self::KeysUnavailable(_))
    }

    /// A stable, machine-readable code for API error bodies and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingToken => "missing_token",
            Self::Malformed => "malformed_token",
            Self::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            Self::UnknownKey => "unknown_key",
            Self::BadSignature => "bad_signature",
            Self::Expired => "token_expired",
            Self::NotYetValid => "token_not_yet_valid",
            Self::WrongIssuer => "wrong_issuer",
            Self::UnauthorizedParty => "unauthorized_party",
            Self::MissingSubject => "missing_subject",
            Self::InvalidClaim(_) => "invalid_claim",
            Self::KeysUnavailable(_) => "keys_unavailable",
        }
    }
}

/// The identity carried by a verified session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedClaims {
    /// The Clerk user id (`sub`), e.g. `user_2abc…`.
    pub sub: String,
    /// The first non-empty string among the [`EMAIL_CLAIMS`] claims, if any.
    pub email: Option<String>,
    /// The Clerk session id (`sid`), if present.
    pub session_id: Option<String>,
}

/// Extracts the token from an `Authorization` header value of the form
/// `Bearer <token>`.
///
/// The scheme is matched case-insensitively and surrounding whitespace is
/// ignored. Returns [`AuthError::MissingToken`] for an empty value, another
/// scheme or a missing token, and [`AuthError::Malformed`] when the token
/// contains whitespace.
pub fn bearer_token(header_value: &str) -> Result<&str, AuthError> {
    let value = header_value.trim();
    let Some((scheme, rest)) = value.split_once(|c: char| c.is_ascii_whitespace()) else {
        return Err(AuthError::MissingToken);
    };
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::MissingToken);
    }
    let token = rest.trim();
    if token.is_empty() {
        Err(AuthError::MissingToken)
    } else if token.contains(char::is_whitespace) {
        Err(AuthError::Malformed)
    } else {
        Ok(token)
    }
}

/// Verifies Clerk session tokens. Cheap to clone (the state is shared behind
/// an `Arc`), `Send + Sync`; build one at start-up and share it.
#[derive(Clone)]
pub struct ClerkVerifier {
    inner: Arc<Inner>,
}

struct Inner {
    keys: KeySource,
    validation: Validation,
    issuer: Option<String>,
    authorized_parties: Vec<String>,
    leeway_secs: u64,
    verified: VerifiedCache,
}

/// Tokens already verified, by SHA-256 of the whole token, with the unix
/// time until which each may be trusted without checking its signature
/// again: its `exp` (plus leeway), and at most [`VerifiedCache::TTL`] after
/// it was verified. A token is immutable and its signature covers every
/// byte, so a hit is exactly as trustworthy as a fresh verification; it saves
/// the RSA signature check that dominates an authenticated request's cost.
struct VerifiedCache {
    tokens: crate::cache::Cache<[u8; 32], VerifiedClaims>,
}

impl Default for VerifiedCache {
    fn default() -> Self {
        Self { tokens: crate::cache::Cache::new(Self::CAPACITY) }
    }
}

impl VerifiedCache {
    /// Longest a verification is reused (bounds how long a signing key Clerk
    /// has withdrawn keeps vouching for a token it signed).
    const TTL: i64 = 60;
    /// Most tokens remembered.
    const CAPACITY: usize = 100_000;

    fn key(token: &str) -> [u8; 32] {
        use sha2::Digest as _;
        sha2::Sha256::digest(token.as_bytes()).into()
    }

    fn get(&self, key: &[u8; 32]) -> Option<VerifiedClaims> {
        self.tokens.get(key)
    }

    fn put(&self, key: [u8; 32], claims: &VerifiedClaims, until: i64, now: i64) {
        let ttl = std::time::Duration::from_secs(until.saturating_sub(now).max(0).unsigned_abs());
        self.tokens.insert(key, claims.clone(), ttl);
    }
}

enum KeySource {
    Pem(Arc<DecodingKey>),
    Jwks(Box<JwksSource>),
}

impl fmt::Debug for ClerkVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let source = match &self.inner.keys {
            KeySource::Pem(_) => "pem".to_owned(),
            KeySource::Jwks(jwks) => format!("jwks({})", jwks.url),
        };
        f.debug_struct("ClerkVerifier")
            .field("keys", &source)
            .field("issuer", &self.inner.issuer)
            .field("authorized_parties", &self.inner.authorized_parties)
            .field("leeway_secs", &self.inner.leeway_secs)
            .finish()
    }
}

impl ClerkVerifier {
    /// Builds a verifier. Fails when not exactly one key source is configured,
    /// when the PEM is not an RSA public key (2048–4096 bits), when the JWKS
    /// URL is not `https` (plain `http` is allowed for loopback hosts only),
    /// when the issuer is blank, the leeway exceeds [`MAX_LEEWAY_SECS`] or the
    /// HTTP timeout is zero. Does no network I/O.
    pub fn new(cfg: ClerkConfig) -> Result<Self, ConfigError> {
        if cfg.leeway_secs > MAX_LEEWAY_SECS {
            return Err(ConfigError::LeewayTooLarge);
        }
        let pem = non_blank(cfg.jwt_key_pem);
        let url = non_blank(cfg.jwks_url);
        let keys = match (pem, url) {
            (None, None) => return Err(ConfigError::NoKeySource),
            (Some(_), Some(_)) => return Err(ConfigError::BothKeySources),
            (Some(pem), None) => KeySource::Pem(Arc::new(decoding_key_from_pem(&pem)?)),
            (None, Some(url)) => KeySource::Jwks(Box::new(JwksSource::new(
                &url,
                cfg.http_timeout,
                cfg.jwks_min_refresh_interval,
                cfg.jwks_max_age,
            )?)),
        };

        let issuer = match cfg.issuer {
            Some(issuer) if issuer.trim().is_empty() => return Err(ConfigError::EmptyIssuer),
            Some(issuer) => Some(issuer.trim().to_owned()),
            None => None,
        };
        let authorized_parties =
            cfg.authorized_parties.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).map(str::to_owned).collect();

        let mut validation = Validation::new(Algorithm::RS256);
        validation.leeway = cfg.leeway_secs;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp"]);

        Ok(Self {
            inner: Arc::new(Inner {
                keys,
                validation,
                issuer,
                authorized_parties,
                leeway_secs: cfg.leeway_secs,
                verified: VerifiedCache::default(),
            }),
        })
    }

    /// Verifies a session token (without the `Bearer ` prefix, see
    /// [`bearer_token`]) and returns the identity it carries.
    pub async fn verify(&self, token: &str) -> Result<VerifiedClaims, AuthError> {
        let result = self.verify_inner(token).await;
        if let Err(err) = &result {
            debug!(reason = err.code(), "session token rejected");
        }
        result
    }

    async fn verify_inner(&self, token: &str) -> Result<VerifiedClaims, AuthError> {
        if token.is_empty() {
            return Err(AuthError::MissingToken);
        }
        let cache_key = VerifiedCache::key(token);
        let now = unix_now();
        if let Some(claims) = self.inner.verified.get(&cache_key) {
            return Ok(claims);
        }
        let header = parse_header(token)?;
        let key = match &self.inner.keys {
            KeySource::Pem(key) => Arc::clone(key),
            KeySource::Jwks(jwks) => jwks.key_for(header.kid.as_deref()).await?,
        };
        let data =
            jsonwebtoken::decode::<Map<String, Value>>(token, &key, &self.inner.validation).map_err(map_jwt_error)?;
        let claims = self.check_claims(&data.claims)?;
        if let Some(exp) = data.claims.get("exp").and_then(numeric_date) {
            let leeway = i64::try_from(self.inner.leeway_secs).unwrap_or(0);
            let until = exp.saturating_add(leeway).min(now.saturating_add(VerifiedCache::TTL));
            self.inner.verified.put(cache_key, &claims, until, now);
        }
        Ok(claims)
    }

    /// Checks the claims jsonwebtoken does not check (or not the way we want).
    fn check_claims(&self, claims: &Map<String, Value>) -> Result<VerifiedClaims, AuthError> {
        if let Some(expected) = &self.inner.issuer {
            match claims.get("iss") {
                Some(Value::String(iss)) if iss.trim_end_matches('/') == expected.trim_end_matches('/') => {}
                _ => return Err(AuthError::WrongIssuer),
            }
        }

        if !self.inner.authorized_parties.is_empty() {
            match claims.get("azp") {
                None => {}
                Some(Value::String(azp)) if self.inner.authorized_parties.contains(azp) => {}
                Some(_) => return Err(AuthError::UnauthorizedParty),
            }
        }

        if let Some(iat) = claims.get("iat") {
            let iat = numeric_date(iat).ok_or(AuthError::InvalidClaim("iat"))?;
            let leeway = i64::try_from(self.inner.leeway_secs).unwrap_or(i64::MAX);
            if iat > unix_now().saturating_add(leeway) {
                return Err(AuthError::NotYetValid);
            }
        }

        let sub = match claims.get("sub") {
            Some(Value::String(sub)) if is_valid_subject(sub) => sub.clone(),
            _ => return Err(AuthError::MissingSubject),
        };
        let email = EMAIL_CLAIMS.iter().find_map(|name| non_empty_str(claims.get(*name))).map(str::to_owned);
        let session_id = non_empty_str(claims.get("sid")).map(str::to_owned);

        Ok(VerifiedClaims { sub, email, session_id })
    }
}

/// The parts of a JOSE header we need.
struct TokenHeader {
    kid: Option<String>,
}

/// Checks the token's shape and header, and that `alg` is `RS256`.
fn parse_header(token: &str) -> Result<TokenHeader, AuthError> {
    if token.len() > MAX_TOKEN_LEN {
        return Err(AuthError::Malformed);
    }
    let mut parts = token.split('.');
    let (Some(header), Some(payload), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(AuthError::Malformed);
    };
    if header.is_empty() || ![header, payload, signature].iter().all(|p| is_base64url(p)) {
        return Err(AuthError::Malformed);
    }

    let bytes = URL_SAFE_NO_PAD.decode(header).map_err(|_| AuthError::Malformed)?;
    let fields: Map<String, Value> = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;

    match fields.get("alg") {
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(Value::String(alg)) => return Err(AuthError::UnsupportedAlgorithm(sanitize_alg(alg))),
        _ => return Err(AuthError::Malformed),
    }
    if fields.contains_key("crit") {
        return Err(AuthError::Malformed);
    }
    if payload.is_empty() || signature.is_empty() {
        return Err(AuthError::Malformed);
    }
    let kid = match fields.get("kid") {
        None => None,
        Some(Value::String(kid)) if is_valid_kid(kid) => Some(kid.clone()),
        Some(_) => return Err(AuthError::Malformed),
    };
    Ok(TokenHeader { kid })
}

/// Maps jsonwebtoken's errors to ours.
fn map_jwt_error(err: jsonwebtoken::errors::Error) -> AuthError {
    match err.kind() {
        ErrorKind::ExpiredSignature => AuthError::Expired,
        ErrorKind::ImmatureSignature => AuthError::NotYetValid,
        ErrorKind::InvalidSignature => AuthError::BadSignature,
        ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
        ErrorKind::MissingRequiredClaim(claim) | ErrorKind::InvalidClaimFormat(claim) => {
            AuthError::InvalidClaim(match claim.as_str() {
                "exp" => "exp",
                "nbf" => "nbf",
                "iat" => "iat",
                "iss" => "iss",
                "sub" => "sub",
                _ => "unknown",
            })
        }
        ErrorKind::InvalidRsaKey(_) | ErrorKind::InvalidKeyFormat => {
            warn!(error = %err, "a Clerk verification key is unusable");
            AuthError::BadSignature
        }
        _ => AuthError::Malformed,
    }
}

/// Parses, validates and normalises a PEM public key.
fn decoding_key_from_pem(pem: &str) -> Result<DecodingKey, ConfigError> {
    let pem = if pem.contains("\\n") { pem.replace("\\n", "\n") } else { pem.to_owned() };
    let pem = pem.trim();
    if pem.contains("PRIVATE KEY") {
        return Err(ConfigError::InvalidPem("this is a private key; configure the public key".to_owned()));
    }
    let key = DecodingKey::from_rsa_pem(pem.as_bytes()).map_err(|e| ConfigError::InvalidPem(e.to_string()))?;
    // Extracting the public components parses the key completely, so garbage
    // is reported now instead of as "invalid signature" on every request.
    let jwk =
        Jwk::from_decoding_key(&key, Some(Algorithm::RS256)).map_err(|e| ConfigError::InvalidPem(e.to_string()))?;
    let AlgorithmParameters::RSA(params) = &jwk.algorithm else {
        return Err(ConfigError::InvalidPem("not an RSA key".to_owned()));
    };
    let n = URL_SAFE_NO_PAD.decode(&params.n).map_err(|e| ConfigError::InvalidPem(e.to_string()))?;
    let e = URL_SAFE_NO_PAD.decode(&params.e).map_err(|e| ConfigError::InvalidPem(e.to_string()))?;
    check_rsa_components(&n, &e).map_err(ConfigError::InvalidPem)?;
    Ok(DecodingKey::from_rsa_raw_components(&n, &e))
}

/// Checks an RSA public key's modulus size and exponent.
fn check_rsa_components(n: &[u8], e: &[u8]) -> Result<(), String> {
    let n = strip_leading_zeros(n);
    let bits = match n.first() {
        Some(first) => (n.len() - 1) * 8 + (8 - first.leading_zeros() as usize),
        None => 0,
    };
    if !(MIN_RSA_BITS..=MAX_RSA_BITS).contains(&bits) {
        return Err(format!("RSA modulus has {bits} bits, expected {MIN_RSA_BITS} to {MAX_RSA_BITS}"));
    }
    let e = strip_leading_zeros(e);
    if e.len() > 8 {
        return Err("RSA public exponent too large".to_owned());
    }
    let exponent = e.iter().fold(0_u64, |acc, b| (acc << 8) | u64::from(*b));
    if exponent < 3 || exponent % 2 == 0 || exponent > MAX_RSA_EXPONENT {
        return Err(format!("unusable RSA public exponent {exponent}"));
    }
    Ok(())
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|b| *b != 0).unwrap_or(bytes.len());
    &bytes[start..]
}

/// Keys obtained from a JWKS endpoint, fetched lazily and cached.
struct JwksSource {
    url: reqwest::Url,
    client: reqwest::Client,
    min_refresh_interval: Duration,
    max_age: Duration,
    state: RwLock<JwksState>,
    /// Held while a fetch is in flight: refreshes are serialised, and callers
    /// that waited reuse the outcome of the fetch they waited for.
    refresh: Mutex<()>,
}

#[derive(Default)]
struct JwksState {
    /// The last successfully fetched key set (kept when later fetches fail).
    keys: Option<Arc<KeySet>>,
    /// Number of fetch attempts so far, successful or not.
    attempts: u64,
    /// When the last attempt finished.
    last_attempt: Option<Instant>,
    /// When `keys` were fetched.
    fetched_at: Option<Instant>,
    /// Why the last attempt failed; `None` when it succeeded.
    last_error: Option<String>,
}

impl JwksState {
    /// The key for `kid`, or the error explaining its absence given the
    /// outcome of the last fetch.
    fn lookup(&self, kid: Option<&str>) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.keys.as_ref().and_then(|keys| keys.find(kid)) {
            return Ok(key);
        }
        match &self.last_error {
            Some(error) => Err(AuthError::KeysUnavailable(error.clone())),
            None => Err(AuthError::UnknownKey),
        }
    }
}

struct KeySet {
    keys: Vec<(Option<String>, Arc<DecodingKey>)>,
}

impl KeySet {
    fn find(&self, kid: Option<&str>) -> Option<Arc<DecodingKey>> {
        match kid {
            Some(kid) => {
                self.keys.iter().find(|(key_id, _)| key_id.as_deref() == Some(kid)).map(|(_, key)| Arc::clone(key))
            }
            None => match self.keys.as_slice() {
                [(_, only)] => Some(Arc::clone(only)),
                _ => None,
            },
        }
    }

    fn kids(&self) -> Vec<&str> {
        self.keys.iter().map(|(kid, _)| kid.as_deref().unwrap_or("<none>")).collect()
    }
}

impl JwksSource {
    fn new(
        url: &str,
        timeout: Duration,
        min_refresh_interval: Duration,
        max_age: Duration,
    ) -> Result<Self, ConfigError> {
        let url = reqwest::Url::parse(url.trim()).map_err(|e| ConfigError::InvalidJwksUrl(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if is_loopback_host(url.host_str()) => {}
            "http" => {
                return Err(ConfigError::InvalidJwksUrl(
                    "plain http is only allowed for loopback hosts; use https".to_owned(),
                ));
            }
            other => {
                return Err(ConfigError::InvalidJwksUrl(format!("unsupported scheme `{other}`")));
            }
        }
        if timeout.is_zero() {
            return Err(ConfigError::ZeroHttpTimeout);
        }
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // The keys come from exactly the configured URL: a redirect
            // elsewhere is an error, and no proxy from the environment is used.
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent(concat!("tailor-api/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ConfigError::HttpClient(error_chain(&e)))?;
        Ok(Self {
            url,
            client,
            min_refresh_interval,
            max_age,
            state: RwLock::new(JwksState::default()),
            refresh: Mutex::new(()),
        })
    }

    /// Returns the key for `kid`, fetching the JWKS when the cache is cold,
    /// older than `max_age`, or does not know `kid` (subject to the refresh
    /// interval).
    async fn key_for(&self, kid: Option<&str>) -> Result<Arc<DecodingKey>, AuthError> {
        let seen_attempts = {
            let state = self.state.read().await;
            let fresh = state.fetched_at.is_some_and(|at| at.elapsed() < self.max_age);
            if fresh && let Some(key) = state.keys.as_ref().and_then(|keys| keys.find(kid)) {
                return Ok(key);
            }
            state.attempts
        };

        let _refreshing = self.refresh.lock().await;
        {
            let state = self.state.read().await;
            if state.attempts != seen_attempts {
                // Another caller fetched while we waited: use its outcome.
                return state.lookup(kid);
            }
            if let Some(last) = state.last_attempt
                && last.elapsed() < self.min_refresh_interval
            {
                debug!(kid, "JWKS refresh skipped: last fetch is too recent");
                return state.lookup(kid);
            }
        }

        let fetched = self.fetch().await;
        let mut state = self.state.write().await;
        state.attempts = state.attempts.wrapping_add(1);
        state.last_attempt = Some(Instant::now());
        match fetched {
            Ok(keys) => {
                info!(url = %self.url, kids = ?keys.kids(), "fetched Clerk JWKS");
                state.keys = Some(Arc::new(keys));
                state.fetched_at = state.last_attempt;
                state.last_error = None;
            }
            Err(error) => {
                warn!(url = %self.url, %error, "cannot fetch Clerk JWKS");
                state.last_error = Some(error);
            }
        }
        state.lookup(kid)
    }

    /// Downloads and parses the JWKS. The error is meant for logs.
    async fn fetch(&self) -> Result<KeySet, String> {
        let mut response = self
            .client
            .get(self.url.clone())
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("request failed: {}", error_chain(&e)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("unexpected HTTP status {status}"));
        }
        if response.content_length().is_some_and(|len| len > MAX_JWKS_BYTES as u64) {
            return Err(format!("response larger than {MAX_JWKS_BYTES} bytes"));
        }
        let mut body = Vec::new();
        while let Some(chunk) =
            response.chunk().await.map_err(|e| format!("reading the response failed: {}", error_chain(&e)))?
        {
            if body.len() + chunk.len() > MAX_JWKS_BYTES {
                return Err(format!("response larger than {MAX_JWKS_BYTES} bytes"));
            }
            body.extend_from_slice(&chunk);
        }
        parse_jwks(&body)
    }
}

/// Parses a JWKS document, keeping the usable RS256 signing keys.
fn parse_jwks(body: &[u8]) -> Result<KeySet, String> {
    #[derive(Deserialize)]
    struct RawJwks {
        keys: Vec<Value>,
    }

    let raw: RawJwks = serde_json::from_slice(body)
        .map_err(|e| format!("response is not a JSON {{\"keys\": [...]}} document: {e}"))?;
    let mut keys: Vec<(Option<String>, Arc<DecodingKey>)> = Vec::new();
    for (index, jwk) in raw.keys.iter().enumerate() {
        match rsa_signing_key(jwk) {
            Ok(Some((kid, key))) => {
                if kid.is_some() && keys.iter().any(|(known, _)| *known == kid) {
                    warn!(index, ?kid, "ignoring JWKS key with a duplicate kid");
                } else {
                    keys.push((kid, Arc::new(key)));
                }
            }
            Ok(None) => debug!(index, "ignoring JWKS key that is not an RS256 signing key"),
            Err(reason) => warn!(index, %reason, "ignoring unusable JWKS key"),
        }
    }
    if keys.is_empty() {
        return Err("the JWKS contains no usable RS256 signing key".to_owned());
    }
    Ok(KeySet { keys })
}

/// `Ok(None)` for keys that are not meant for RS256 signatures, `Err` for
/// RS256 signing keys that are broken.
fn rsa_signing_key(jwk: &Value) -> Result<Option<(Option<String>, DecodingKey)>, String> {
    let Some(fields) = jwk.as_object() else {
        return Err("not a JSON object".to_owned());
    };
    if fields.get("kty").and_then(Value::as_str) != Some("RSA") {
        return Ok(None);
    }
    match fields.get("use") {
        None => {}
        Some(Value::String(usage)) if usage == "sig" => {}
        Some(_) => return Ok(None),
    }
    match fields.get("alg") {
        None => {}
        Some(Value::String(alg)) if alg == "RS256" => {}
        Some(_) => return Ok(None),
    }
    if let Some(ops) = fields.get("key_ops") {
        let verifies = ops.as_array().is_some_and(|ops| ops.iter().any(|op| op.as_str() == Some("verify")));
        if !verifies {
            return Ok(None);
        }
    }
    let kid = match fields.get("kid") {
        None => None,
        Some(Value::String(kid)) if is_valid_kid(kid) => Some(kid.clone()),
        Some(_) => return Err("invalid kid".to_owned()),
    };
    let component = |name: &str| -> Result<Vec<u8>, String> {
        let value = fields.get(name).and_then(Value::as_str).ok_or_else(|| format!("missing `{name}`"))?;
        B64_URL_LENIENT.decode(value).map_err(|e| format!("`{name}` is not base64url: {e}"))
    };
    let n = component("n")?;
    let e = component("e")?;
    check_rsa_components(&n, &e)?;
    Ok(Some((kid, DecodingKey::from_rsa_raw_components(&n, &e))))
}

fn non_blank(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn non_empty_str(value: Option<&Value>) -> Option<&str> {
    value.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn is_base64url(part: &str) -> bool {
    part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_valid_kid(kid: &str) -> bool {
    !kid.is_empty() && kid.len() <= MAX_KID_LEN && kid.bytes().all(|b| b.is_ascii_graphic())
}

fn is_valid_subject(sub: &str) -> bool {
    !sub.trim().is_empty() && sub.chars().count() <= MAX_SUBJECT_LEN && !sub.chars().any(char::is_control)
}

/// The algorithm name, if it is short and plain, for error messages.
fn sanitize_alg(alg: &str) -> String {
    if !alg.is_empty() && alg.len() <= 16 && alg.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        alg.to_owned()
    } else {
        "<invalid>".to_owned()
    }
}

/// A JWT NumericDate (seconds since the epoch, possibly fractional).
fn numeric_date(value: &Value) -> Option<i64> {
    if let Some(secs) = value.as_i64() {
        return Some(secs);
    }
    let secs = value.as_f64()?;
    // `as` saturates; finite values only.
    secs.is_finite().then(|| secs.floor() as i64)
}

fn unix_now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)).unwrap_or(0)
}

fn is_loopback_host(host: Option<&str>) -> bool {
    match host {
        Some("localhost") => true,
        Some(host) => {
            host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        None => false,
    }
}

/// An error and its sources, for logs.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    //! Tests for the Clerk verifier. Keys come from `tools::token` (generated
    //! once per test binary); a local axum server plays the JWKS endpoint.

    use std::net::SocketAddr;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use axum::Router;
    use axum::extract::State;
    use axum::http::header::CONTENT_TYPE;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use jsonwebtoken::{EncodingKey, Header};
    use serde_json::json;
    use tokio::sync::oneshot;
    use tokio::task::{JoinHandle, JoinSet};
    use tools::token::{DevKeyPair, Minter, TokenSpec, generate_keypair, jwks_json};

    use super::*;

    const ISSUER: &str = "https://clerk.tailor.test";

    fn primary() -> &'static DevKeyPair {
        static PAIR: OnceLock<DevKeyPair> = OnceLock::new();
        PAIR.get_or_init(|| generate_keypair("kid-primary").expect("generate primary key pair"))
    }

    fn secondary() -> &'static DevKeyPair {
        static PAIR: OnceLock<DevKeyPair> = OnceLock::new();
        PAIR.get_or_init(|| generate_keypair("kid-secondary").expect("generate secondary key pair"))
    }

    fn minter(pair: &DevKeyPair) -> Minter {
        Minter::from_pem(&pair.private_pem).expect("minter from generated key")
    }

    fn mint(pair: &DevKeyPair, spec: &TokenSpec) -> String {
        minter(pair).mint(spec).expect("mint token")
    }

    fn spec(sub: &str) -> TokenSpec {
        TokenSpec::new(sub)
    }

    fn spec_with_kid(sub: &str, kid: &str) -> TokenSpec {
        let mut spec = TokenSpec::new(sub);
        spec.kid = Some(kid.to_owned());
        spec
    }

    fn pem_verifier_with(tweak: impl FnOnce(&mut ClerkConfig)) -> ClerkVerifier {
        let mut cfg = ClerkConfig::with_pem(primary().public_pem.clone());
        tweak(&mut cfg);
        ClerkVerifier::new(cfg).expect("valid PEM config")
    }

    fn pem_verifier() -> ClerkVerifier {
        pem_verifier_with(|_| {})
    }

    fn now() -> i64 {
        unix_now()
    }

    fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A token with the given header and claims and a bogus signature.
    fn hand_built(header: &Value, claims: &Value, signature: &str) -> String {
        format!("{}.{}.{}", b64(header.to_string().as_bytes()), b64(claims.to_string().as_bytes()), signature)
    }

    /// Signs arbitrary claims with the primary key (for claim sets `TokenSpec`
    /// cannot express).
    fn sign_claims(claims: &Value) -> String {
        let key = EncodingKey::from_rsa_pem(primary().private_pem.as_bytes()).expect("rsa key");
        jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key).expect("encode")
    }

    fn valid_claims() -> Value {
        json!({ "sub": "user_123", "iat": now(), "exp": now() + 600 })
    }

    // ---------------------------------------------------------------- PEM

    #[tokio::test]
    async fn pem_valid_token_is_accepted_and_claims_extracted() {
        let mut spec = spec("user_2abcDEF");
        spec.email = Some("ada@example.com".to_owned());
        let token = mint(primary(), &spec);

        let claims = pem_verifier().verify(&token).await.expect("valid token");
        assert_eq!(claims.sub, "user_2abcDEF");
        assert_eq!(claims.email.as_deref(), Some("ada@example.com"));
        assert!(claims.session_id.is_some_and(|sid| sid.starts_with("sess_")));
    }

    #[tokio::test]
    async fn alternative_email_claims_are_read() {
        let mut claims = valid_claims();
        claims["primary_email"] = json!("p@example.com");
        claims["email"] = json!(42);
        let verified = pem_verifier().verify(&sign_claims(&claims)).await.expect("valid token");
        assert_eq!(verified.email.as_deref(), Some("p@example.com"));
        assert_eq!(verified.session_id, None);
    }

    #[tokio::test]
    async fn pem_with_escaped_newlines_is_accepted() {
        let escaped = primary().public_pem.replace('\n', "\\n");
        let verifier = ClerkVerifier::new(ClerkConfig::with_pem(escaped)).expect("escaped PEM");
        let token = mint(primary(), &spec("user_1"));
        assert!(verifier.verify(&token).await.is_ok());
    }

    #[tokio::test]
    async fn expired_token_is_rejected() {
        let mut spec = spec("user_1");
        spec.issued_at = Some(now() - 7200);
        spec.ttl = Duration::from_secs(3600);
        let token = mint(primary(), &spec);
        assert_eq!(pem_verifier().verify(&token).await, Err(AuthError::Expired));
    }

    #[tokio::test]
    async fn a_verified_token_is_reused_until_it_expires_and_a_tampered_one_never_is() {
        let verifier = pem_verifier();
        let token = mint(primary(), &spec("user_cached"));
        let first = verifier.verify(&token).await.expect("valid");
        assert_eq!(verifier.verify(&token).await, Ok(first.clone()), "same claims from the cache");
        // One byte of the signature changed: not the cached token, so verified, and refused.
        let mut tampered = token.clone().into_bytes();
        let last = tampered.len() - 2;
        tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert_eq!(verifier.verify(&tampered).await, Err(AuthError::BadSignature));
        // A cached entry past its time is not served.
        let key = VerifiedCache::key(&token);
        verifier.inner.verified.put(key, &first, now() - 1, now());
        assert_eq!(verifier.inner.verified.get(&key), None);
    }

    #[tokio::test]
    async fn expiry_within_leeway_is_accepted() {
        let mut spec = spec("user_1");
        spec.issued_at = Some(now() - 62);
        spec.ttl = Duration::from_secs(60);
        let token = mint(primary(), &spec);
        assert!(pem_verifier().verify(&token).await.is_ok());
    }

    #[tokio::test]
    async fn leeway_is_configurable() {
        let mut spec = spec("user_1");
        spec.issued_at = Some(now() - 62);
        spec.ttl = Duration::from_secs(60);
        let token = mint(primary(), &spec);
        let strict = pem_verifier_with(|cfg| cfg.leeway_secs = 0);
        assert_eq!(strict.verify(&token).await, Err(AuthError::Expired));
    }

    #[tokio::test]
    async fn nbf_in_the_future_is_rejected() {
        let mut spec = spec("user_1");
        spec.not_before = Some(now() + 60);
        let token = mint(primary(), &spec);
        assert_eq!(pem_verifier().verify(&token).await, Err(AuthError::NotYetValid));
    }

    #[tokio::test]
    async fn nbf_within_leeway_is_accepted() {
        let mut spec = spec("user_1");
        spec.not_before = Some(now() + 3);
        let token = mint(primary(), &spec);
        assert!(pem_verifier().verify(&token).await.is_ok());
    }

    #[tokio::test]
    async fn iat_in_the_future_is_rejected() {
        let mut spec = spec("user_1");
        spec.issued_at = Some(now() + 120);
        spec.not_before = Some(now() - 10);
        let token = mint(primary(), &spec);
        assert_eq!(pem_verifier().verify(&token).await, Err(AuthError::NotYetValid));
    }

    #[tokio::test]
    async fn missing_or_non_numeric_exp_is_rejected() {
        let verifier = pem_verifier();
        let no_exp = sign_claims(&json!({ "sub": "user_1", "iat": now() }));
        assert_eq!(verifier.verify(&no_exp).await, Err(AuthError::InvalidClaim("exp")));
        let text_exp = sign_claims(&json!({ "sub": "user_1", "exp": "tomorrow" }));
        assert_eq!(verifier.verify(&text_exp).await, Err(AuthError::InvalidClaim("exp")));
        let text_iat = sign_claims(&json!({ "sub": "user_1", "exp": now() + 60, "iat": "x" }));
        assert_eq!(verifier.verify(&text_iat).await, Err(AuthError::InvalidClaim("iat")));
    }

    #[tokio::test]
    async fn alg_none_is_rejected() {
        let token = hand_built(&json!({ "alg": "none", "typ": "JWT" }), &valid_claims(), "");
        assert_eq!(pem_verifier().verify(&token).await, Err(AuthError::UnsupportedAlgorithm("none".to_owned())));
    }

    #[tokio::test]
    async fn hs256_signed_with_the_public_pem_is_rejected() {
        // The classic RS256 -> HS256 confusion: the attacker uses the (public)
        // verification key as the HMAC secret.
        let secret = EncodingKey::from_secret(primary().public_pem.as_bytes());
        let token =
            jsonwebtoken::encode(&Header::new(Algorithm::HS256), &valid_claims(), &secret).expect("encode HS256");
        assert_eq!(pem_verifier().verify(&token).await, Err(AuthError::UnsupportedAlgorithm("HS256".to_owned())));
    }

    #[tokio::test]
    async fn every_other_algorithm_is_rejected_before_key_lookup() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        for alg in [
            "HS256", "HS384", "HS512", "ES256", "ES384", "PS256", "PS384", "PS512", "RS384", "RS512", "EdDSA", "rs256",
            "",
        ] {
            let header = json!({ "alg": alg, "kid": "kid-primary" });
            let token = hand_built(&header, &valid_claims(), "c2lnbmF0dXJl");
            let result = verifier.verify(&token).await;
            assert!(matches!(result, Err(AuthError::UnsupportedAlgorithm(_))), "{alg}: {result:?}");
        }
        let weird = hand_built(&json!({ "alg": "x".repeat(100) }), &valid_claims(), "c2ln");
        assert_eq!(verifier.verify(&weird).await, Err(AuthError::UnsupportedAlgorithm("<invalid>".to_owned())));
        assert_eq!(server.hits(), 0, "no JWKS fetch for rejected algorithms");
        server.stop().await;
    }

    #[tokio::test]
    async fn token_signed_by_another_key_is_rejected() {
        let token = mint(secondary(), &spec("user_1"));
        assert_eq!(pem_verifier().verify(&token).await, Err(AuthError::BadSignature));
    }

    #[tokio::test]
    async fn tampered_payload_is_rejected() {
        let token = mint(primary(), &spec("user_1"));
        let forged_claims = json!({ "sub": "user_admin", "exp": now() + 600 });
        let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
        parts[1] = b64(forged_claims.to_string().as_bytes());
        let forged = parts.join(".");
        assert_eq!(pem_verifier().verify(&forged).await, Err(AuthError::BadSignature));
    }

    #[tokio::test]
    async fn issuer_is_enforced_when_configured() {
        let verifier = pem_verifier_with(|cfg| cfg.issuer = Some(ISSUER.to_owned()));

        let mut good = spec("user_1");
        good.issuer = Some(ISSUER.to_owned());
        assert!(verifier.verify(&mint(primary(), &good)).await.is_ok());

        let mut slash = spec("user_1");
        slash.issuer = Some(format!("{ISSUER}/"));
        assert!(verifier.verify(&mint(primary(), &slash)).await.is_ok());

        let mut wrong = spec("user_1");
        wrong.issuer = Some("https://evil.example".to_owned());
        assert_eq!(verifier.verify(&mint(primary(), &wrong)).await, Err(AuthError::WrongIssuer));

        let missing = mint(primary(), &spec("user_1"));
        assert_eq!(verifier.verify(&missing).await, Err(AuthError::WrongIssuer));

        // Without a configured issuer any issuer is accepted.
        assert!(pem_verifier().verify(&mint(primary(), &wrong)).await.is_ok());
    }

    #[tokio::test]
    async fn azp_is_checked_against_authorized_parties() {
        let verifier = pem_verifier_with(|cfg| {
            cfg.authorized_parties = vec!["https://app.tailor.test".to_owned()];
        });

        let mut listed = spec("user_1");
        listed.azp = Some("https://app.tailor.test".to_owned());
        assert!(verifier.verify(&mint(primary(), &listed)).await.is_ok());

        let mut unlisted = spec("user_1");
        unlisted.azp = Some("https://evil.example".to_owned());
        assert_eq!(verifier.verify(&mint(primary(), &unlisted)).await, Err(AuthError::UnauthorizedParty));

        let absent = mint(primary(), &spec("user_1"));
        assert!(verifier.verify(&absent).await.is_ok(), "absent azp is accepted");

        let mut numeric = valid_claims();
        numeric["azp"] = json!(1);
        assert_eq!(verifier.verify(&sign_claims(&numeric)).await, Err(AuthError::UnauthorizedParty));

        // Without a list, any azp is accepted.
        assert!(pem_verifier().verify(&mint(primary(), &unlisted)).await.is_ok());
    }

    #[tokio::test]
    async fn missing_or_invalid_subject_is_rejected() {
        let verifier = pem_verifier();
        let no_sub = sign_claims(&json!({ "exp": now() + 600 }));
        assert_eq!(verifier.verify(&no_sub).await, Err(AuthError::MissingSubject));

        for sub in [json!(""), json!("   "), json!(42), json!(null), json!("a\nb")] {
            let token = sign_claims(&json!({ "sub": sub, "exp": now() + 600 }));
            assert_eq!(verifier.verify(&token).await, Err(AuthError::MissingSubject), "{sub}");
        }

        let longest = "u".repeat(MAX_SUBJECT_LEN);
        assert!(verifier.verify(&mint(primary(), &spec(&longest))).await.is_ok());
        let too_long = "u".repeat(MAX_SUBJECT_LEN + 1);
        assert_eq!(verifier.verify(&mint(primary(), &spec(&too_long))).await, Err(AuthError::MissingSubject));
    }

    #[tokio::test]
    async fn garbage_is_rejected() {
        let verifier = pem_verifier();
        assert_eq!(verifier.verify("").await, Err(AuthError::MissingToken));

        let valid = mint(primary(), &spec("user_1"));
        let valid_header = valid.split('.').next().unwrap_or_default().to_owned();
        let garbage = [
            "abc".to_owned(),
            "a.b.c".to_owned(),
            "a.b".to_owned(),
            "a.b.c.d".to_owned(),
            "...".to_owned(),
            ".".repeat(10 * 1024),
            "x".repeat(MAX_TOKEN_LEN + 1),
            "é.é.é".to_owned(),
            format!("{valid_header}.."),
            format!("{valid_header}.e30."),
            format!("{}.e30.c2ln", b64(b"not json")),
            format!("{}.e30.c2ln", b64(b"[1,2]")),
            format!("{}.e30.c2ln", b64(br#"{"kid":"k"}"#)),
            format!("{}.e30.c2ln", b64(br#"{"alg":"RS256","crit":["b64"]}"#)),
            format!("{}.e30.c2ln", b64(br#"{"alg":"RS256","kid":7}"#)),
            format!("{valid_header}.!!!.c2ln"),
            format!("{valid_header}.e30.c2ln"),
            format!("{valid_header}.bm90IGpzb24.c2ln"),
            format!("{valid} "),
        ];
        for token in &garbage {
            let result = verifier.verify(token).await;
            assert!(
                matches!(result, Err(AuthError::Malformed | AuthError::BadSignature)),
                "{:?}: {result:?}",
                token.chars().take(40).collect::<String>()
            );
        }
        for token in ["abc", "a.b.c", "a.b"] {
            assert_eq!(verifier.verify(token).await, Err(AuthError::Malformed));
        }
        assert_eq!(verifier.verify(&".".repeat(10 * 1024)).await, Err(AuthError::Malformed));
    }

    #[test]
    fn bearer_token_parsing() {
        assert_eq!(bearer_token("Bearer abc.def.ghi"), Ok("abc.def.ghi"));
        assert_eq!(bearer_token("bearer abc"), Ok("abc"));
        assert_eq!(bearer_token("  BEARER   abc  "), Ok("abc"));
        assert_eq!(bearer_token("Bearer\tabc"), Ok("abc"));
        assert_eq!(bearer_token(""), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("   "), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("Bearer"), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("Bearer   "), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("Basic dXNlcjpwYXNz"), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("Bearerabc"), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("abc.def.ghi"), Err(AuthError::MissingToken));
        assert_eq!(bearer_token("Bearer abc def"), Err(AuthError::Malformed));
    }

    #[test]
    fn config_errors() {
        let pem = primary().public_pem.clone();
        let new = |cfg: ClerkConfig| ClerkVerifier::new(cfg).err();

        assert_eq!(new(ClerkConfig::default()), Some(ConfigError::NoKeySource));
        let blank =
            ClerkConfig { jwt_key_pem: Some("  ".to_owned()), jwks_url: Some(String::new()), ..ClerkConfig::default() };
        assert_eq!(new(blank), Some(ConfigError::NoKeySource));
        let both = ClerkConfig {
            jwks_url: Some("https://clerk.tailor.test/.well-known/jwks.json".to_owned()),
            ..ClerkConfig::with_pem(pem.clone())
        };
        assert_eq!(new(both), Some(ConfigError::BothKeySources));

        for bad_pem in [
            "not a pem".to_owned(),
            primary().private_pem.clone(),
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".to_owned(),
        ] {
            assert!(
                matches!(new(ClerkConfig::with_pem(bad_pem)), Some(ConfigError::InvalidPem(_))),
                "bad PEM accepted"
            );
        }

        for bad_url in ["not a url", "http://clerk.tailor.test/jwks", "ftp://127.0.0.1/jwks"] {
            assert!(
                matches!(new(ClerkConfig::with_jwks_url(bad_url)), Some(ConfigError::InvalidJwksUrl(_))),
                "{bad_url}"
            );
        }
        for good_url in [
            "https://clerk.tailor.test/.well-known/jwks.json",
            "http://localhost:3000/jwks.json",
            "http://127.0.0.1:3000/jwks.json",
            "http://[::1]:3000/jwks.json",
        ] {
            assert!(ClerkVerifier::new(ClerkConfig::with_jwks_url(good_url)).is_ok(), "{good_url}");
        }

        let zero_timeout = ClerkConfig {
            http_timeout: Duration::ZERO,
            ..ClerkConfig::with_jwks_url("https://clerk.tailor.test/jwks")
        };
        assert_eq!(new(zero_timeout), Some(ConfigError::ZeroHttpTimeout));

        let empty_issuer = ClerkConfig { issuer: Some(" ".to_owned()), ..ClerkConfig::with_pem(pem) };
        assert_eq!(new(empty_issuer), Some(ConfigError::EmptyIssuer));

        let huge_leeway = ClerkConfig { leeway_secs: u64::MAX, ..ClerkConfig::with_pem(primary().public_pem.clone()) };
        assert_eq!(new(huge_leeway), Some(ConfigError::LeewayTooLarge));
    }

    #[test]
    fn rsa_component_checks() {
        let n_2048 = [&[0x80_u8][..], &[0_u8; 255][..]].concat();
        assert!(check_rsa_components(&n_2048, &[1, 0, 1]).is_ok());
        assert!(check_rsa_components(&[[0_u8].as_slice(), &n_2048].concat(), &[1, 0, 1]).is_ok());
        assert!(check_rsa_components(&n_2048[..128], &[1, 0, 1]).is_err(), "1024 bits");
        assert!(check_rsa_components(&[0xff_u8; 513], &[1, 0, 1]).is_err(), "4104 bits");
        assert!(check_rsa_components(&n_2048, &[1]).is_err(), "e = 1");
        assert!(check_rsa_components(&n_2048, &[1, 0, 0]).is_err(), "even e");
        assert!(check_rsa_components(&n_2048, &[]).is_err(), "empty e");
    }

    #[test]
    fn errors_are_client_safe_and_classified() {
        let unavailable = AuthError::KeysUnavailable("connect to 10.0.0.1 failed".to_owned());
        assert!(unavailable.is_unavailable());
        assert!(!unavailable.to_string().contains("10.0.0.1"));
        assert!(!AuthError::Expired.is_unavailable());
        assert_eq!(AuthError::Expired.code(), "token_expired");
    }

    #[test]
    fn verifier_is_clone_send_sync_and_its_future_is_send() {
        fn assert_traits<T: Clone + Send + Sync + 'static>() {}
        fn assert_send<T: Send>(_: &T) {}
        assert_traits::<ClerkVerifier>();
        let verifier = pem_verifier();
        let future = verifier.verify("x");
        assert_send(&future);
    }

    // --------------------------------------------------------------- JWKS

    struct ServerState {
        body: tokio::sync::RwLock<String>,
        hits: AtomicUsize,
        delay: Duration,
    }

    /// A local JWKS endpoint that counts its requests.
    struct JwksServer {
        addr: SocketAddr,
        state: Arc<ServerState>,
        shutdown: oneshot::Sender<()>,
        task: JoinHandle<()>,
    }

    async fn serve_jwks(State(state): State<Arc<ServerState>>) -> impl IntoResponse {
        state.hits.fetch_add(1, Ordering::SeqCst);
        if !state.delay.is_zero() {
            tokio::time::sleep(state.delay).await;
        }
        let body = state.body.read().await.clone();
        ([(CONTENT_TYPE, "application/json")], body)
    }

    impl JwksServer {
        async fn start(body: String, delay: Duration) -> Self {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind JWKS server");
            let addr = listener.local_addr().expect("local addr");
            let state =
                Arc::new(ServerState { body: tokio::sync::RwLock::new(body), hits: AtomicUsize::new(0), delay });
            let app = Router::new().route("/.well-known/jwks.json", get(serve_jwks)).with_state(Arc::clone(&state));
            let (shutdown, stopped) = oneshot::channel::<()>();
            let task = tokio::spawn(async move {
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = stopped.await;
                    })
                    .await;
            });
            Self { addr, state, shutdown, task }
        }

        fn url(&self) -> String {
            format!("http://{}/.well-known/jwks.json", self.addr)
        }

        fn hits(&self) -> usize {
            self.state.hits.load(Ordering::SeqCst)
        }

        async fn set_body(&self, body: String) {
            *self.state.body.write().await = body;
        }

        /// Stops the server and waits until its connections are closed.
        async fn stop(self) {
            let _ = self.shutdown.send(());
            tokio::time::timeout(Duration::from_secs(10), self.task)
                .await
                .expect("JWKS server shut down in time")
                .expect("JWKS server task");
        }
    }

    fn jwks_of(pairs: &[&DevKeyPair]) -> String {
        let keys: Vec<Value> = pairs
            .iter()
            .flat_map(|pair| {
                let jwks = jwks_json(&pair.public_pem, &pair.kid).expect("jwks_json");
                jwks["keys"].as_array().cloned().unwrap_or_default()
            })
            .collect();
        json!({ "keys": keys }).to_string()
    }

    fn jwks_verifier(server: &JwksServer, min_refresh: Duration) -> ClerkVerifier {
        let cfg = ClerkConfig { jwks_min_refresh_interval: min_refresh, ..ClerkConfig::with_jwks_url(server.url()) };
        ClerkVerifier::new(cfg).expect("valid JWKS config")
    }

    #[tokio::test]
    async fn jwks_token_is_verified_and_keys_are_cached() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        assert_eq!(server.hits(), 0, "JWKS is fetched lazily");

        let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
        let claims = verifier.verify(&token).await.expect("valid token");
        assert_eq!(claims.sub, "user_1");
        assert_eq!(server.hits(), 1);

        let other = mint(primary(), &spec_with_kid("user_2", "kid-primary"));
        assert!(verifier.verify(&other).await.is_ok());
        assert!(verifier.clone().verify(&token).await.is_ok());
        assert_eq!(server.hits(), 1, "second verification uses the cache");
        server.stop().await;
    }

    #[tokio::test]
    async fn a_withdrawn_key_stops_verifying_once_the_key_set_is_refetched() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let cfg = ClerkConfig {
            jwks_min_refresh_interval: Duration::ZERO,
            jwks_max_age: Duration::from_secs(2),
            ..ClerkConfig::with_jwks_url(server.url())
        };
        let verifier = ClerkVerifier::new(cfg).expect("valid JWKS config");
        // Minted first: signing is slow in a debug build.
        let tokens: Vec<String> =
            (1..=3).map(|i| mint(primary(), &spec_with_kid(&format!("user_{i}"), "kid-primary"))).collect();
        assert!(verifier.verify(&tokens[0]).await.is_ok());
        // Clerk rotates: the primary key is withdrawn. Within the max age the
        // set is not refetched.
        server.set_body(jwks_of(&[secondary()])).await;
        assert!(verifier.verify(&tokens[1]).await.is_ok());
        assert_eq!(server.hits(), 1);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(verifier.verify(&tokens[2]).await, Err(AuthError::UnknownKey), "refetched, and the key is gone");
        assert_eq!(server.hits(), 2);
        server.stop().await;
    }

    #[tokio::test]
    async fn jwks_redirects_are_not_followed() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        // A server that redirects to the real JWKS: the keys must come from the configured URL itself.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let target = server.url();
        let app = Router::new().route(
            "/jwks",
            get(move || {
                let target = target.clone();
                async move { axum::response::Redirect::temporary(&target) }
            }),
        );
        let redirector = tokio::spawn(async move { axum::serve(listener, app).await });
        let cfg = ClerkConfig {
            jwks_min_refresh_interval: Duration::ZERO,
            ..ClerkConfig::with_jwks_url(format!("http://{addr}/jwks"))
        };
        let verifier = ClerkVerifier::new(cfg).expect("valid JWKS config");
        let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
        let refused = verifier.verify(&token).await;
        assert!(matches!(&refused, Err(AuthError::KeysUnavailable(why)) if why.contains("307")), "{refused:?}");
        assert_eq!(server.hits(), 0, "the redirect was not followed");
        redirector.abort();
        server.stop().await;
    }

    #[tokio::test]
    async fn jwks_rotation_triggers_exactly_one_refetch() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        let old = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
        assert!(verifier.verify(&old).await.is_ok());
        assert_eq!(server.hits(), 1);

        server.set_body(jwks_of(&[secondary()])).await;
        let new = mint(secondary(), &spec_with_kid("user_1", "kid-secondary"));
        assert!(verifier.verify(&new).await.is_ok());
        assert_eq!(server.hits(), 2, "one refetch for the new kid");
        assert!(verifier.verify(&new).await.is_ok());
        assert_eq!(server.hits(), 2, "the new key is cached");
        server.stop().await;
    }

    #[tokio::test]
    async fn unknown_kid_within_refresh_interval_does_not_refetch() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::from_secs(60));
        let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
        assert!(verifier.verify(&token).await.is_ok());
        assert_eq!(server.hits(), 1);

        server.set_body(jwks_of(&[secondary()])).await;
        let unknown = mint(secondary(), &spec_with_kid("user_1", "kid-secondary"));
        for _ in 0..3 {
            assert_eq!(verifier.verify(&unknown).await, Err(AuthError::UnknownKey));
        }
        assert_eq!(server.hits(), 1, "refresh is rate limited");
        server.stop().await;
    }

    #[tokio::test]
    async fn jwks_down_with_cached_key_still_verifies() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
        assert!(verifier.verify(&token).await.is_ok());
        server.stop().await;

        assert!(verifier.verify(&token).await.is_ok(), "cached key still works");

        // A kid the cache does not know needs the (dead) endpoint: 503, not 401.
        let unknown = mint(secondary(), &spec_with_kid("user_1", "kid-secondary"));
        let result = verifier.verify(&unknown).await;
        assert!(matches!(&result, Err(e) if e.is_unavailable()), "{result:?}");

        assert!(verifier.verify(&token).await.is_ok(), "cache survives failed refresh");
    }

    #[tokio::test]
    async fn jwks_down_with_cold_cache_is_unavailable() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        server.stop().await;

        let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
        let result = verifier.verify(&token).await;
        assert!(matches!(result, Err(AuthError::KeysUnavailable(_))), "{result:?}");
        let err = result.err().unwrap_or(AuthError::Malformed);
        assert!(err.is_unavailable());
        assert!(!err.to_string().contains("127.0.0.1"), "no internals in Display");
    }

    #[tokio::test]
    async fn jwks_serving_garbage_is_unavailable() {
        for body in [
            "<html>oops</html>".to_owned(),
            json!({ "nokeys": [] }).to_string(),
            json!({ "keys": [] }).to_string(),
            json!({ "keys": [{ "kty": "RSA", "use": "enc", "n": "AQAB", "e": "AQAB" }] }).to_string(),
        ] {
            let server = JwksServer::start(body.clone(), Duration::ZERO).await;
            let verifier = jwks_verifier(&server, Duration::ZERO);
            let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));
            let result = verifier.verify(&token).await;
            assert!(matches!(result, Err(AuthError::KeysUnavailable(_))), "{body}: {result:?}");
            server.stop().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_verifications_on_cold_cache_fetch_once() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::from_millis(200)).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        let token = mint(primary(), &spec_with_kid("user_1", "kid-primary"));

        let mut tasks = JoinSet::new();
        for _ in 0..32 {
            let verifier = verifier.clone();
            let token = token.clone();
            tasks.spawn(async move { verifier.verify(&token).await });
        }
        while let Some(joined) = tasks.join_next().await {
            let result = joined.expect("task completed");
            assert!(result.is_ok(), "{result:?}");
        }
        assert_eq!(server.hits(), 1, "concurrent refreshes are coalesced");
        server.stop().await;
    }

    #[tokio::test]
    async fn token_without_kid_needs_a_single_key_jwks() {
        let single = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let no_kid = mint(primary(), &spec("user_1"));
        assert!(jwks_verifier(&single, Duration::ZERO).verify(&no_kid).await.is_ok());
        single.stop().await;

        let double = JwksServer::start(jwks_of(&[primary(), secondary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&double, Duration::ZERO);
        assert_eq!(verifier.verify(&no_kid).await, Err(AuthError::UnknownKey));
        let with_kid = mint(secondary(), &spec_with_kid("user_1", "kid-secondary"));
        assert!(verifier.verify(&with_kid).await.is_ok());
        double.stop().await;
    }

    #[tokio::test]
    async fn only_rs256_signing_keys_are_used() {
        let jwk = |kid: &str| -> Value {
            let jwks = jwks_json(&primary().public_pem, kid).expect("jwks_json");
            jwks["keys"][0].clone()
        };
        let mut enc = jwk("kid-enc");
        enc["use"] = json!("enc");
        let mut rs512 = jwk("kid-rs512");
        rs512["alg"] = json!("RS512");
        let mut wrapping = jwk("kid-ops");
        wrapping["key_ops"] = json!(["wrapKey"]);
        let mut bare = jwk("kid-bare");
        if let Some(fields) = bare.as_object_mut() {
            fields.remove("use");
            fields.remove("alg");
        }
        let ec = json!({ "kty": "EC", "crv": "P-256", "kid": "kid-ec", "x": "AA", "y": "AA" });
        let weak = json!({ "kty": "RSA", "kid": "kid-weak", "n": b64(&[0xff; 64]), "e": "AQAB" });
        let body = json!({
            "keys": [enc, rs512, wrapping, ec, weak, "junk", bare, jwk("kid-primary")]
        });

        let server = JwksServer::start(body.to_string(), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::from_secs(60));
        for kid in ["kid-primary", "kid-bare"] {
            let token = mint(primary(), &spec_with_kid("user_1", kid));
            assert!(verifier.verify(&token).await.is_ok(), "{kid}");
        }
        for kid in ["kid-enc", "kid-rs512", "kid-ops", "kid-ec", "kid-weak"] {
            let token = mint(primary(), &spec_with_kid("user_1", kid));
            assert_eq!(verifier.verify(&token).await, Err(AuthError::UnknownKey), "{kid}");
        }
        assert_eq!(server.hits(), 1);
        server.stop().await;
    }

    #[tokio::test]
    async fn jwks_token_signed_by_wrong_key_with_known_kid_is_rejected() {
        let server = JwksServer::start(jwks_of(&[primary()]), Duration::ZERO).await;
        let verifier = jwks_verifier(&server, Duration::ZERO);
        let forged = mint(secondary(), &spec_with_kid("user_1", "kid-primary"));
        assert_eq!(verifier.verify(&forged).await, Err(AuthError::BadSignature));
        server.stop().await;
    }
}
