//! Authentication of API requests.
//!
//! [`clerk`] verifies Clerk session tokens (RS256 JWTs) against a PEM public
//! key or a JWKS endpoint.

pub mod clerk;

pub use clerk::{AuthError, ClerkConfig, ClerkVerifier, ConfigError, VerifiedClaims, bearer_token};

pub mod user;
pub use user::CurrentUser;
