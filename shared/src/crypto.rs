//! Encryption at rest for users' provider API keys: AES-256-GCM under the
//! operator's master key (`API_KEY_ENCRYPTION_KEY`), with the key's id in
//! every envelope so the master key can be rotated, and the row's identity
//! (user and provider) bound as associated data, so an envelope copied onto
//! another user's row does not decrypt.
//!
//! Envelope: `v1.<keyId>.<nonce b64url>.<ciphertext+tag b64url>`.
//!
//! Rotation: set the new key as `API_KEY_ENCRYPTION_KEY` with a new
//! `API_KEY_ENCRYPTION_KEY_ID`, and list the old ones in
//! `API_KEY_ENCRYPTION_OLD_KEYS` (`id:base64,id:base64`); envelopes under an
//! old key still open, and are re-sealed under the current key when next
//! written.

use std::collections::HashMap;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};

use crate::model::AiModelProvider;

/// Why a key ring could not be built or an envelope not opened. Messages
/// never contain key material.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    #[error("API_KEY_ENCRYPTION_KEY must be 32 bytes, base64-encoded")]
    BadMasterKey,
    #[error("API_KEY_ENCRYPTION_OLD_KEYS must be a comma list of id:base64 entries")]
    BadOldKeys,
    #[error("the stored key is not an envelope this service wrote")]
    Malformed,
    #[error("the stored key was sealed under key id {0:?}, which is not configured")]
    UnknownKeyId(String),
    #[error("the stored key does not decrypt (wrong master key, or not this row's)")]
    Undecryptable,
}

/// The master keys: the current one (seals) and older ones (open only).
#[derive(Clone)]
pub struct KeyRing {
    current_id: String,
    keys: HashMap<String, Aes256Gcm>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing").field("current_id", &self.current_id).field("keys", &self.keys.len()).finish()
    }
}

fn cipher_from_base64(b64: &str) -> Result<Aes256Gcm, CryptoError> {
    let bytes = STANDARD.decode(b64.trim()).map_err(|_| CryptoError::BadMasterKey)?;
    if bytes.len() != 32 {
        return Err(CryptoError::BadMasterKey);
    }
    let key = Key::<Aes256Gcm>::try_from(bytes.as_slice()).map_err(|_| CryptoError::BadMasterKey)?;
    Ok(Aes256Gcm::new(&key))
}

/// The associated data that binds an envelope to its row.
pub fn row_binding(user_id: uuid::Uuid, provider: AiModelProvider) -> Vec<u8> {
    format!("UserAPIKey|{user_id}|{provider}").into_bytes()
}

impl KeyRing {
    /// Build from the current key (base64 of 32 bytes), its id, and older
    /// keys as `id:base64,id:base64`.
    pub fn new(current_b64: &SecretString, current_id: &str, old: Option<&str>) -> Result<Self, CryptoError> {
        let mut keys = HashMap::new();
        keys.insert(current_id.to_owned(), cipher_from_base64(current_b64.expose_secret())?);
        for entry in old.unwrap_or("").split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (id, b64) = entry.split_once(':').ok_or(CryptoError::BadOldKeys)?;
            keys.insert(id.trim().to_owned(), cipher_from_base64(b64)?);
        }
        Ok(Self { current_id: current_id.to_owned(), keys })
    }

    /// Read `API_KEY_ENCRYPTION_KEY`, `API_KEY_ENCRYPTION_KEY_ID` (default
    /// `k1`) and `API_KEY_ENCRYPTION_OLD_KEYS`.
    pub fn from_env() -> Result<Self, CryptoError> {
        let current = std::env::var("API_KEY_ENCRYPTION_KEY").map_err(|_| CryptoError::BadMasterKey)?;
        let id = std::env::var("API_KEY_ENCRYPTION_KEY_ID").unwrap_or_else(|_| "k1".into());
        let old = std::env::var("API_KEY_ENCRYPTION_OLD_KEYS").ok();
        Self::new(&SecretString::from(current), id.trim(), old.as_deref())
    }

    /// Encrypt `plaintext` under the current key, bound to `aad`.
    pub fn seal(&self, plaintext: &SecretString, aad: &[u8]) -> Result<String, CryptoError> {
        let cipher = self.keys.get(&self.current_id).ok_or(CryptoError::BadMasterKey)?;
        let mut nonce = [0u8; 12];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(&nonce.into(), Payload { msg: plaintext.expose_secret().as_bytes(), aad })
            .map_err(|_| CryptoError::Undecryptable)?;
        Ok(format!("v1.{}.{}.{}", self.current_id, URL_SAFE_NO_PAD.encode(nonce), URL_SAFE_NO_PAD.encode(sealed)))
    }

    /// Decrypt an envelope written by [`seal`](Self::seal) with the same `aad`.
    pub fn open(&self, envelope: &str, aad: &[u8]) -> Result<SecretString, CryptoError> {
        let mut parts = envelope.split('.');
        let (Some("v1"), Some(id), Some(nonce), Some(body), None) =
            (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(CryptoError::Malformed);
        };
        let cipher = self.keys.get(id).ok_or_else(|| CryptoError::UnknownKeyId(id.to_owned()))?;
        let nonce: [u8; 12] =
            URL_SAFE_NO_PAD.decode(nonce).ok().and_then(|n| n.try_into().ok()).ok_or(CryptoError::Malformed)?;
        let body = URL_SAFE_NO_PAD.decode(body).map_err(|_| CryptoError::Malformed)?;
        let plain =
            cipher.decrypt(&nonce.into(), Payload { msg: &body, aad }).map_err(|_| CryptoError::Undecryptable)?;
        String::from_utf8(plain).map(SecretString::from).map_err(|_| CryptoError::Undecryptable)
    }

    /// Whether an envelope was sealed under an older key.
    pub fn is_stale(&self, envelope: &str) -> bool {
        envelope.split('.').nth(1).is_some_and(|id| id != self.current_id)
    }
}

/// A hint safe to show: the last four characters, e.g. `…x7Qz`.
pub fn mask(secret: &SecretString) -> String {
    let s = secret.expose_secret();
    let tail: String = s.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    if s.chars().count() <= 8 { "…".to_owned() } else { format!("…{tail}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(byte: u8) -> SecretString {
        SecretString::from(STANDARD.encode([byte; 32]))
    }

    #[test]
    fn seal_open_round_trip_and_binding() {
        let ring = KeyRing::new(&key(1), "k1", None).expect("ring");
        let user = uuid::Uuid::new_v4();
        let aad = row_binding(user, AiModelProvider::AzureOpenai);
        let secret = SecretString::from("sk-very-secret-azure-key".to_owned());
        let env = ring.seal(&secret, &aad).expect("seal");
        assert!(!env.contains("very-secret"), "{env}");
        assert!(env.starts_with("v1.k1."));
        assert_eq!(ring.open(&env, &aad).expect("open").expose_secret(), "sk-very-secret-azure-key");
        // Two seals of one secret differ (fresh nonce).
        assert_ne!(ring.seal(&secret, &aad).expect("seal"), env);
        // Another row's binding does not open it.
        let other = row_binding(uuid::Uuid::new_v4(), AiModelProvider::AzureOpenai);
        assert!(matches!(ring.open(&env, &other), Err(CryptoError::Undecryptable)));
        // Tampering is detected.
        let mut tampered = env.clone();
        tampered.pop();
        tampered.push(if env.ends_with('A') { 'B' } else { 'A' });
        assert!(ring.open(&tampered, &aad).is_err());
        assert!(matches!(ring.open("plain-key", &aad), Err(CryptoError::Malformed)));
    }

    #[test]
    fn rotation_keeps_old_envelopes_readable() {
        let old = KeyRing::new(&key(1), "k1", None).expect("ring");
        let aad = b"row".to_vec();
        let env = old.seal(&SecretString::from("secret-value-1".to_owned()), &aad).expect("seal");
        let rotated = KeyRing::new(&key(2), "k2", Some(&format!("k1:{}", STANDARD.encode([1u8; 32])))).expect("ring");
        assert!(rotated.is_stale(&env));
        assert_eq!(rotated.open(&env, &aad).expect("open").expose_secret(), "secret-value-1");
        let resealed = rotated.seal(&SecretString::from("secret-value-1".to_owned()), &aad).expect("seal");
        assert!(!rotated.is_stale(&resealed));
        let without_old = KeyRing::new(&key(2), "k2", None).expect("ring");
        assert!(matches!(without_old.open(&env, &aad), Err(CryptoError::UnknownKeyId(_))));
    }

    #[test]
    fn bad_master_keys_are_refused() {
        assert!(KeyRing::new(&SecretString::from("short".to_owned()), "k1", None).is_err());
        assert!(KeyRing::new(&SecretString::from(STANDARD.encode([0u8; 16])), "k1", None).is_err());
        assert!(KeyRing::new(&key(1), "k1", Some("nocolon")).is_err());
    }

    #[test]
    fn masks_show_at_most_four_characters() {
        assert_eq!(mask(&SecretString::from("sk-1234567890abcd".to_owned())), "…abcd");
        assert_eq!(mask(&SecretString::from("short".to_owned())), "…");
    }
}
