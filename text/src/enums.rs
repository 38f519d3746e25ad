//! The schema's enums (section 3 of `spec/database.md`), as plain types the
//! pure code uses (section kinds, modes) and, with the `sqlx` feature, mapped
//! to their PostgreSQL types for `shared`'s queries.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! schema_enum {
    ($(#[doc = $doc:literal])* $name:ident = $pg:literal { $($variant:ident = $value:literal),+ $(,)? }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name {
            $(
                #[serde(rename = $value)]
                $variant,
            )+
        }

        // Hand-written rather than derived: the derive does not see the
        // `rename` above through this macro and would document the Rust
        // names (`AiGenerated`) instead of the values on the wire.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                let doc = [$($doc),*].map(str::trim).join(" ");
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description((!doc.is_empty()).then_some(doc))
                    .enum_values(Some([$($value),+]))
                    .into()
            }
        }

        impl ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        // Hand-written rather than derived: the type's name is case-sensitive
        // (quoted), and sqlx resolves names through `::regtype`, which folds
        // unquoted names to lower case.
        #[cfg(feature = "sqlx")]
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                sqlx::postgres::PgTypeInfo::with_name(concat!("\"", $pg, "\""))
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'q> sqlx::Encode<'q, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<'q, sqlx::Postgres>>::encode_by_ref(&self.as_str(), buf)
            }
        }

        #[cfg(feature = "sqlx")]
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<'r, sqlx::Postgres>>::decode(value)?;
                Ok(text.parse::<$name>()?)
            }
        }

        impl $name {
            /// Every value, in the order the schema lists them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// The PostgreSQL enum type's name.
            pub const PG_TYPE: &'static str = $pg;

            /// The value as the schema spells it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $value),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = UnknownEnumValue;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($value => Ok($name::$variant),)+
                    _ => Err(UnknownEnumValue { type_name: $pg, value: s.to_owned() }),
                }
            }
        }
    };
}

/// A string that is not one of an enum's values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a {type_name} value")]
pub struct UnknownEnumValue {
    /// The enum's schema name.
    pub type_name: &'static str,
    /// What was given.
    pub value: String,
}

schema_enum! {
    /// How a version came to be.
    ResumeVersionType = "ResumeVersionType" {
        Base = "BASE",
        Manual = "MANUAL",
        AiGenerated = "AI_GENERATED",
    }
}

schema_enum! {
    /// Where a version stands (compilation, activation).
    ResumeVersionStatus = "ResumeVersionStatus" {
        Draft = "DRAFT",
        Compiled = "COMPILED",
        Error = "ERROR",
        Active = "ACTIVE",
    }
}

schema_enum! {
    /// What a section of a résumé is about.
    ResumeSectionType = "ResumeSectionType" {
        Education = "EDUCATION",
        Experience = "EXPERIENCE",
        Projects = "PROJECTS",
        Skills = "SKILLS",
        Achievements = "ACHIEVEMENTS",
        Other = "OTHER",
    }
}

schema_enum! {
    /// Lifecycle of an AI job: QUEUED → RUNNING → COMPLETED | FAILED.
    AiJobStatus = "AIJobStatus" {
        Queued = "QUEUED",
        Running = "RUNNING",
        Completed = "COMPLETED",
        Failed = "FAILED",
    }
}

impl AiJobStatus {
    /// COMPLETED and FAILED are final: nothing moves a job out of them.
    pub fn is_terminal(self) -> bool {
        matches!(self, AiJobStatus::Completed | AiJobStatus::Failed)
    }
}

schema_enum! {
    /// How far the tailoring may go.
    AiMode = "AIMode" {
        Minimal = "MINIMAL",
        Balanced = "BALANCED",
        Aggressive = "AGGRESSIVE",
    }
}

schema_enum! {
    /// Which LLM provider runs a job.
    AiModelProvider = "AIModelProvider" {
        Deepseek = "DEEPSEEK",
        AzureOpenai = "AZURE_OPENAI",
    }
}

#[cfg(test)]
mod schema_tests {
    use super::*;
    use utoipa::PartialSchema;

    /// The documented values are exactly the values serde reads and writes.
    fn documents_wire_values<T: PartialSchema + Serialize + Copy>(all: &[T]) {
        let schema = serde_json::to_value(T::schema()).expect("schema");
        let wire: Vec<serde_json::Value> = all.iter().map(|v| serde_json::to_value(v).expect("value")).collect();
        assert_eq!(schema["enum"], serde_json::Value::Array(wire), "{schema}");
        assert!(schema["description"].as_str().is_some_and(|d| !d.is_empty()), "{schema}");
    }

    #[test]
    fn schemas_document_the_wire_values() {
        documents_wire_values(ResumeVersionType::ALL);
        documents_wire_values(ResumeVersionStatus::ALL);
        documents_wire_values(ResumeSectionType::ALL);
        documents_wire_values(AiJobStatus::ALL);
        documents_wire_values(AiMode::ALL);
        documents_wire_values(AiModelProvider::ALL);
    }
}
