//! Reading configuration from the environment, the same way in both binaries:
//! values are trimmed, an empty value counts as unset, and a value that does
//! not parse fails fast naming the variable.

/// The variable's trimmed value, or `None` when unset or empty.
pub fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A variable that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{name}={value:?} is invalid: {reason}")]
pub struct InvalidVar {
    pub name: String,
    pub value: String,
    pub reason: String,
}

/// The parsed variable, or `default` when unset.
pub fn parse_or<T: std::str::FromStr>(name: &str, default: T) -> Result<T, InvalidVar>
where
    T::Err: std::fmt::Display,
{
    match var(name) {
        None => Ok(default),
        Some(value) => {
            value.parse().map_err(|e: T::Err| InvalidVar { name: name.to_owned(), reason: e.to_string(), value })
        }
    }
}
