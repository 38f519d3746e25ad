//! Keyset pagination for lists ordered newest first by (`createdAt`, `id`).
//!
//! `?limit=N` (1–100, default 20) and `?cursor=…` (opaque, from the previous
//! page's `nextCursor`). Keyset, not OFFSET: a page costs the same however
//! deep it is, and rows inserted meanwhile do not shift later pages.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::error::ApiError;

pub const DEFAULT_LIMIT: i64 = 20;
pub const MAX_LIMIT: i64 = 100;

/// Longest cursor this API issues: base64url of `<i64 micros>|<uuid>` is 76 characters.
pub const MAX_CURSOR_CHARS: usize = 80;

/// Query parameters of a paginated list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// Items per page, 1–100 (default 20); outside that range 422.
    #[param(minimum = 1, maximum = 100, default = 20)]
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page, passed back unchanged. Opaque: a
    /// cursor this API did not issue answers 400.
    #[param(min_length = 1, max_length = 80, pattern = r"^[A-Za-z0-9_-]+$")]
    pub cursor: Option<String>,
}

/// One page of a list.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A decoded position: strictly after (older than) this row.
#[derive(Debug, Clone, Copy)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
}

impl PageParams {
    /// The validated limit and decoded cursor.
    pub fn resolve(&self) -> Result<(i64, Option<Cursor>), ApiError> {
        let limit = self.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::invalid(format!("limit must be between 1 and {MAX_LIMIT}")));
        }
        let cursor = self.cursor.as_deref().map(Cursor::decode).transpose()?;
        Ok((limit, cursor))
    }
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}", self.created_at.timestamp_micros(), self.id))
    }

    /// Decode a cursor; 400 for anything this API could not have issued,
    /// including a well-formed one whose time PostgreSQL cannot store
    /// (chrono reaches years ±262 143, `timestamptz` only 4713 BC–294276 AD).
    pub fn decode(raw: &str) -> Result<Self, ApiError> {
        let bad = || ApiError::BadRequest("cursor is not one this API issued".into());
        if raw.len() > MAX_CURSOR_CHARS {
            return Err(bad());
        }
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| bad())?;
        let text = std::str::from_utf8(&bytes).map_err(|_| bad())?;
        let (micros, id) = text.split_once('|').ok_or_else(bad)?;
        let micros: i64 = micros.parse().map_err(|_| bad())?;
        if micros < PG_MIN_MICROS {
            return Err(bad());
        }
        Ok(Cursor {
            created_at: DateTime::from_timestamp_micros(micros).ok_or_else(bad)?,
            id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// The earliest instant PostgreSQL stores: 4714-11-24 00:00:00 UTC (4713 BC),
/// in microseconds since the Unix epoch.
pub const PG_MIN_MICROS: i64 = -210_866_803_200_000_000;
// No upper bound is needed: chrono's latest instant (year 262 143) is before
// PostgreSQL's (294276 AD), and `DateTime::from_timestamp_micros` refuses later ones.

/// Build a page from `limit + 1` fetched rows.
pub fn page<T>(mut rows: Vec<T>, limit: i64, key: impl Fn(&T) -> Cursor) -> Page<T> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let next_cursor = if rows.len() > limit {
        rows.truncate(limit);
        rows.last().map(|r| key(r).encode())
    } else {
        None
    };
    Page { items: rows, next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            created_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("ts"),
            id: Uuid::now_v7(),
        };
        let back = Cursor::decode(&c.encode()).expect("decode");
        assert_eq!(back.created_at, c.created_at);
        assert_eq!(back.id, c.id);
        // The extremes this API could meet still decode.
        let earliest =
            Cursor { created_at: DateTime::from_timestamp_micros(PG_MIN_MICROS).expect("ts"), id: Uuid::max() };
        assert!(Cursor::decode(&earliest.encode()).is_ok());
        assert!(earliest.encode().len() <= MAX_CURSOR_CHARS);
        let latest = Cursor { created_at: DateTime::<Utc>::MAX_UTC, id: Uuid::max() };
        assert!(Cursor::decode(&latest.encode()).is_ok());
        let id = Uuid::nil();
        let before_pg = URL_SAFE_NO_PAD.encode(format!("-211000000000000000|{id}"));
        let just_before_pg = URL_SAFE_NO_PAD.encode(format!("{}|{id}", PG_MIN_MICROS - 1));
        let too_long = "A".repeat(MAX_CURSOR_CHARS + 1);
        for bad in
            ["", "!!!", "bm90aGluZw", &URL_SAFE_NO_PAD.encode("12|not-a-uuid"), &before_pg, &just_before_pg, &too_long]
        {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limit_is_bounded() {
        let p = |limit| PageParams { limit: Some(limit), cursor: None };
        assert!(p(0).resolve().is_err());
        assert!(p(101).resolve().is_err());
        assert_eq!(p(100).resolve().map(|r| r.0).ok(), Some(100));
        assert_eq!(PageParams::default().resolve().map(|r| r.0).ok(), Some(DEFAULT_LIMIT));
    }
}
