//! Helpers for end-to-end tests (see tests/tests/).
