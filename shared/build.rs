//! `sqlx::migrate!` embeds `migrations/` at compile time, but Cargo does not
//! know that: without this, a new migration file is not built in until
//! something else in this crate changes.
fn main() {
    println!("cargo:rerun-if-changed=../migrations");
}
