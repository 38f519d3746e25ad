//! The schema declared as data: every table of `spec/database.md` with its
//! columns (PostgreSQL type, nullability) and every enum with its values.
//!
//! Two tests keep it honest: the drift test (`api/tests/schema_drift.rs`)
//! applies the migrations to a fresh database and compares the live catalog
//! with [`TABLES`] and [`enums`]; the unit tests below compare [`TABLES`] with
//! the serde field names of the Rust types in [`super`].

use text::enums::*;

/// One column: name as the schema spells it, `format_type` of its type as
/// PostgreSQL reports it, and whether it may be NULL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnDecl {
    pub name: &'static str,
    pub pg_type: &'static str,
    pub nullable: bool,
}

/// One table and its columns, in declaration order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDecl {
    pub name: &'static str,
    pub columns: &'static [ColumnDecl],
}

const fn col(name: &'static str, pg_type: &'static str) -> ColumnDecl {
    ColumnDecl { name, pg_type, nullable: false }
}

const fn null(name: &'static str, pg_type: &'static str) -> ColumnDecl {
    ColumnDecl { name, pg_type, nullable: true }
}

const TS: &str = "timestamp with time zone";

/// Every table of the schema, all in the `public` schema.
pub const TABLES: &[TableDecl] = &[
    TableDecl {
        name: "User",
        columns: &[
            col("id", "uuid"),
            col("clerkId", "text"),
            col("email", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "ResumeProject",
        columns: &[
            col("id", "uuid"),
            col("userId", "uuid"),
            col("name", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "ResumeVersion",
        columns: &[
            col("id", "uuid"),
            col("projectId", "uuid"),
            null("parentVersionId", "uuid"),
            col("type", "\"ResumeVersionType\""),
            col("status", "\"ResumeVersionStatus\""),
            col("latexContent", "text"),
            null("pdfUrl", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "ResumeSection",
        columns: &[
            col("id", "uuid"),
            col("versionId", "uuid"),
            col("sectionType", "\"ResumeSectionType\""),
            col("content", "text"),
            col("isLocked", "boolean"),
            col("orderIndex", "integer"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "JobDescription",
        columns: &[
            col("id", "uuid"),
            col("projectId", "uuid"),
            col("rawText", "text"),
            col("extractedSkills", "jsonb"),
            col("keywords", "jsonb"),
            col("roleType", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "AIJob",
        columns: &[
            col("id", "uuid"),
            col("projectId", "uuid"),
            col("baseVersionId", "uuid"),
            col("jdId", "uuid"),
            col("mode", "\"AIMode\""),
            col("status", "\"AIJobStatus\""),
            null("errorMessage", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "ProposedVersion",
        columns: &[
            col("id", "uuid"),
            col("aiJobId", "uuid"),
            col("proposedLatexContent", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "UserAPIKey",
        columns: &[
            col("id", "uuid"),
            col("userId", "uuid"),
            col("provider", "\"AIModelProvider\""),
            col("apiKey", "text"),
            null("endpoint", "text"),
            col("isValid", "boolean"),
            null("lastValidated", TS),
            null("validationError", "text"),
            col("createdAt", TS),
            col("updatedAt", TS),
        ],
    },
    TableDecl {
        name: "VersionDiff",
        columns: &[
            col("id", "uuid"),
            col("fromVersionId", "uuid"),
            col("toVersionId", "uuid"),
            col("added", "jsonb"),
            col("removed", "jsonb"),
            col("rewritten", "jsonb"),
            col("createdAt", TS),
        ],
    },
];

/// Foreign keys the schema requires: (table, column, referenced table).
pub const FOREIGN_KEYS: &[(&str, &str, &str)] = &[
    ("ResumeProject", "userId", "User"),
    ("ResumeVersion", "projectId", "ResumeProject"),
    ("ResumeVersion", "parentVersionId", "ResumeVersion"),
    ("ResumeSection", "versionId", "ResumeVersion"),
    ("JobDescription", "projectId", "ResumeProject"),
    ("AIJob", "projectId", "ResumeProject"),
    ("AIJob", "baseVersionId", "ResumeVersion"),
    ("AIJob", "jdId", "JobDescription"),
    ("ProposedVersion", "aiJobId", "AIJob"),
    ("UserAPIKey", "userId", "User"),
    ("VersionDiff", "fromVersionId", "ResumeVersion"),
    ("VersionDiff", "toVersionId", "ResumeVersion"),
];

/// Unique constraints the schema requires: (table, columns).
pub const UNIQUE_KEYS: &[(&str, &[&str])] =
    &[("User", &["clerkId"]), ("ProposedVersion", &["aiJobId"]), ("UserAPIKey", &["userId", "provider"])];

/// Every enum type with its values in declaration order, read off the Rust
/// enums themselves.
pub fn enums() -> Vec<(&'static str, Vec<&'static str>)> {
    fn values<T: Copy>(all: &[T], f: fn(T) -> &'static str) -> Vec<&'static str> {
        all.iter().map(|v| f(*v)).collect()
    }
    vec![
        (ResumeVersionType::PG_TYPE, values(ResumeVersionType::ALL, ResumeVersionType::as_str)),
        (ResumeVersionStatus::PG_TYPE, values(ResumeVersionStatus::ALL, ResumeVersionStatus::as_str)),
        (ResumeSectionType::PG_TYPE, values(ResumeSectionType::ALL, ResumeSectionType::as_str)),
        (AiJobStatus::PG_TYPE, values(AiJobStatus::ALL, AiJobStatus::as_str)),
        (AiMode::PG_TYPE, values(AiMode::ALL, AiMode::as_str)),
        (AiModelProvider::PG_TYPE, values(AiModelProvider::ALL, AiModelProvider::as_str)),
    ]
}

/// The declaration of one table, by name.
pub fn table(name: &str) -> Option<&'static TableDecl> {
    TABLES.iter().find(|t| t.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::*;
    use chrono::Utc;
    use serde::Serialize;
    use uuid::Uuid;

    fn keys<T: Serialize>(value: &T) -> Vec<String> {
        match serde_json::to_value(value) {
            Ok(serde_json::Value::Object(map)) => map.keys().cloned().collect(),
            other => panic!("not an object: {other:?}"),
        }
    }

    fn declared(name: &str) -> Vec<String> {
        let mut cols: Vec<String> = table(name)
            .unwrap_or_else(|| panic!("table {name} not declared"))
            .columns
            .iter()
            .map(|c| c.name.to_owned())
            .collect();
        cols.sort();
        cols
    }

    fn sorted(mut v: Vec<String>) -> Vec<String> {
        v.sort();
        v
    }

    #[test]
    fn rust_types_serialise_exactly_the_declared_columns() {
        let id = Uuid::nil();
        let now = Utc::now();
        let j = serde_json::json!({});
        assert_eq!(
            sorted(keys(&User { id, clerk_id: String::new(), email: String::new(), created_at: now, updated_at: now })),
            declared("User")
        );
        assert_eq!(
            sorted(keys(&ResumeProject { id, user_id: id, name: String::new(), created_at: now, updated_at: now })),
            declared("ResumeProject")
        );
        assert_eq!(
            sorted(keys(&ResumeVersion {
                id,
                project_id: id,
                parent_version_id: None,
                version_type: ResumeVersionType::Base,
                status: ResumeVersionStatus::Draft,
                latex_content: String::new(),
                pdf_url: None,
                created_at: now,
                updated_at: now,
            })),
            declared("ResumeVersion")
        );
        assert_eq!(
            sorted(keys(&ResumeSection {
                id,
                version_id: id,
                section_type: ResumeSectionType::Other,
                content: String::new(),
                is_locked: false,
                order_index: 0,
                created_at: now,
                updated_at: now,
            })),
            declared("ResumeSection")
        );
        assert_eq!(
            sorted(keys(&JobDescription {
                id,
                project_id: id,
                raw_text: String::new(),
                extracted_skills: j.clone(),
                keywords: j.clone(),
                role_type: String::new(),
                created_at: now,
                updated_at: now,
            })),
            declared("JobDescription")
        );
        assert_eq!(
            sorted(keys(&AiJob {
                id,
                project_id: id,
                base_version_id: id,
                jd_id: id,
                mode: AiMode::Minimal,
                status: AiJobStatus::Queued,
                error_message: None,
                created_at: now,
                updated_at: now,
            })),
            declared("AIJob")
        );
        assert_eq!(
            sorted(keys(&ProposedVersion {
                id,
                ai_job_id: id,
                proposed_latex_content: String::new(),
                created_at: now,
                updated_at: now,
            })),
            declared("ProposedVersion")
        );
        // apiKey is declared but deliberately never serialised.
        let mut api_key_cols = keys(&UserApiKey {
            id,
            user_id: id,
            provider: AiModelProvider::AzureOpenai,
            api_key: "secret".into(),
            endpoint: None,
            is_valid: true,
            last_validated: None,
            validation_error: None,
            created_at: now,
            updated_at: now,
        });
        assert!(!api_key_cols.iter().any(|k| k == "apiKey"));
        api_key_cols.push("apiKey".into());
        assert_eq!(sorted(api_key_cols), declared("UserAPIKey"));
        assert_eq!(
            sorted(keys(&VersionDiff {
                id,
                from_version_id: id,
                to_version_id: id,
                added: j.clone(),
                removed: j.clone(),
                rewritten: j,
                created_at: now,
            })),
            declared("VersionDiff")
        );
        assert_eq!(TABLES.len(), 9, "every table of the spec is declared once");
    }

    #[test]
    fn enums_round_trip_through_their_schema_spelling() {
        for (name, values) in enums() {
            assert!(!values.is_empty(), "{name}");
        }
        for v in AiJobStatus::ALL {
            let json = serde_json::to_string(v).expect("serialise");
            assert_eq!(json, format!("\"{}\"", v.as_str()));
            let back: AiJobStatus = serde_json::from_str(&json).expect("deserialise");
            assert_eq!(back, *v);
            assert_eq!(v.as_str().parse::<AiJobStatus>().ok(), Some(*v));
        }
        assert!("queued".parse::<AiJobStatus>().is_err());
        assert_eq!(AiModelProvider::AzureOpenai.as_str(), "AZURE_OPENAI");
    }
}
