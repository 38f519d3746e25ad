//! Résumé versions: BASE and MANUAL create (sections extracted, locks carried
//! from the parent), the project's version tree, one version with sections.
//!
//! Versions are immutable: there is no update route, and the database refuses
//! an UPDATE of their content (migration trigger).

use std::collections::{HashMap, HashSet};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use shared::model::{ResumeSection, ResumeSectionType, ResumeVersion, ResumeVersionStatus, ResumeVersionType};
use sqlx::PgConnection;
use text::latex::sections::{ExtractedSection, split};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use super::projects::{ensure_owned, location};
use crate::auth::CurrentUser;
use crate::error::{ApiError, ApiResult, Problem};
use crate::extract::{Json, Path};
use crate::state::AppState;

/// Largest accepted `latexContent`, in bytes (the body limit is larger, for JSON escaping).
pub const MAX_LATEX_BYTES: usize = 1024 * 1024;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create_version, list_versions))
        .routes(routes!(get_version))
        .routes(routes!(activate_version))
        .routes(routes!(match_version))
        .routes(routes!(version_latex))
}

/// `?jdId=` of the match route.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct MatchParams {
    /// A job description of the same project.
    pub jd_id: Uuid,
}

/// How well this version covers a job description of its project (computed
/// on demand: weighted coverage of the JD's skills, with aliases, and keywords).
#[utoipa::path(get, path = "/v1/versions/{versionId}/match", tag = "versions",
    params(("versionId" = Uuid, Path), MatchParams),
    responses(
        (status = 200, description = "The match score", body = text::jd::MatchScore),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
        (status = 422, body = Problem, description = "`jdId` is not a job description of this version's project"),
    ))]
async fn match_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
    crate::extract::Query(params): crate::extract::Query<MatchParams>,
) -> ApiResult<axum::Json<text::jd::MatchScore>> {
    let version = load_owned_version(&state.pool, &user, version_id).await?;
    let jd = sqlx::query!(
        r#"SELECT "extractedSkills" AS skills, keywords FROM "JobDescription" WHERE id = $1 AND "projectId" = $2"#,
        params.jd_id,
        version.project_id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or_else(|| ApiError::invalid("jdId does not name a job description of this version's project"))?;
    let skills: text::jd::ExtractedSkills = serde_json::from_value(jd.skills).unwrap_or_default();
    let keywords: Vec<text::jd::Keyword> = serde_json::from_value(jd.keywords).unwrap_or_default();
    Ok(axum::Json(text::jd::match_score(&skills, &keywords, &version.latex_content)))
}

/// Body of `POST /v1/projects/{projectId}/versions`. Its schema is written
/// by hand below: a BASE version has no parent, a MANUAL one needs one.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VersionInput {
    /// A whole LaTeX document: `\documentclass` … `\begin{document}` … `\end{document}`.
    pub latex_content: String,
    /// BASE (no parent) or MANUAL (parent required). AI_GENERATED versions are
    /// created only by accepting a proposal.
    #[serde(rename = "type")]
    pub version_type: ResumeVersionType,
    pub parent_version_id: Option<Uuid>,
}

impl utoipa::PartialSchema for VersionInput {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let latex = || {
            ObjectBuilder::new()
                .schema_type(Type::String)
                .min_length(Some(1))
                .max_length(Some(MAX_LATEX_BYTES))
                .description(Some(
                    "A whole LaTeX document (`\\documentclass` … `\\begin{document}` … `\\end{document}`), \
                     at most 1 MiB of UTF-8, without NUL characters.",
                ))
        };
        let kind = |value: &str| ObjectBuilder::new().schema_type(Type::String).enum_values(Some([value]));
        let base = ObjectBuilder::new()
            .schema_type(Type::Object)
            .title(Some("BaseVersionInput"))
            .description(Some("A BASE version: the start of a tree, without a parent."))
            .property("latexContent", latex())
            .property("type", kind("BASE"))
            .property("parentVersionId", ObjectBuilder::new().schema_type(Type::Null))
            .required("latexContent")
            .required("type")
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
        let manual = ObjectBuilder::new()
            .schema_type(Type::Object)
            .title(Some("ManualVersionInput"))
            .description(Some("A MANUAL version: a person's edit of `parentVersionId`, a version of the same project."))
            .property("latexContent", latex())
            .property("type", kind("MANUAL"))
            .property(
                "parentVersionId",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::Uuid))),
            )
            .required("latexContent")
            .required("type")
            .required("parentVersionId")
            .additional_properties(Some(utoipa::openapi::schema::AdditionalProperties::FreeForm(false)));
        OneOfBuilder::new()
            .description(Some(
                "BASE (no parent) or MANUAL (parent required). AI_GENERATED versions are created only by \
                 accepting a proposal.",
            ))
            .item(base)
            .item(manual)
            .examples([serde_json::json!({
                "type": "BASE",
                "latexContent": "\\documentclass{article}\n\\begin{document}\n\\section{Experience}\nBuilt things.\n\\end{document}\n"
            })])
            .into()
    }
}

impl ToSchema for VersionInput {}

/// A version with its sections in document order.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionWithSections {
    #[serde(flatten)]
    pub version: ResumeVersion,
    pub sections: Vec<ResumeSection>,
    /// Its compile to PDF, once asked for (`POST /v1/versions/{id}/compile`).
    pub compile: Option<shared::compile::CompileView>,
}

/// A node of the version tree (without the LaTeX).
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionNode {
    pub id: Uuid,
    pub project_id: Uuid,
    pub parent_version_id: Option<Uuid>,
    #[serde(rename = "type")]
    pub version_type: ResumeVersionType,
    pub status: ResumeVersionStatus,
    pub pdf_url: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The project's versions, oldest first; `parentVersionId` links the tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionTree {
    pub items: Vec<VersionNode>,
}

/// Most sections one version may have. A real résumé has a dozen or two;
/// the cap bounds the work (and rows) one request can cause.
pub const MAX_SECTIONS: usize = 500;

/// Split `latex` if it is a document we can store: at most
/// [`MAX_LATEX_BYTES`], one Tailor can split, with at most [`MAX_SECTIONS`].
fn split_checked(latex: &str) -> ApiResult<text::latex::sections::SplitDocument<'_>> {
    if latex.len() > MAX_LATEX_BYTES {
        return Err(ApiError::invalid(format!("latexContent must be at most {MAX_LATEX_BYTES} bytes")));
    }
    let doc = split(latex).map_err(|e| ApiError::invalid(e.to_string()))?;
    if doc.sections.len() > MAX_SECTIONS {
        return Err(ApiError::invalid(format!(
            "latexContent has {} sections; a version may have at most {MAX_SECTIONS}",
            doc.sections.len()
        )));
    }
    Ok(doc)
}

/// A version's sections, split from its LaTeX and with their locks decided:
/// all the CPU work of creating a version, done by [`prepare_sections`] off
/// the async threads and before any transaction opens.
#[derive(Debug)]
pub struct PreparedSections {
    sections: Vec<(ResumeSectionType, String)>,
    locked: Vec<bool>,
}

/// Split `latex` (refused as [`split_checked`] says) and decide which
/// sections inherit a lock from `locks_from` (the parent's LaTeX and its
/// sections in order): a new section is locked if it matches a locked parent
/// section by type and heading title (the n-th of that pair matching the
/// n-th), or by byte-identical content. Runs on the blocking pool.
pub async fn prepare_sections(
    latex: String,
    locks_from: Option<(String, Vec<ResumeSection>)>,
) -> ApiResult<PreparedSections> {
    off_runtime(move || {
        let doc = split_checked(&latex)?;
        let locked = match &locks_from {
            Some((parent_latex, parent_sections)) => carried_locks(&doc.sections, parent_latex, parent_sections),
            None => vec![false; doc.sections.len()],
        };
        let sections = doc.sections.into_iter().map(|s| (s.section_type, s.content.to_owned())).collect();
        Ok(PreparedSections { sections, locked })
    })
    .await?
}

/// Run CPU-bound work on the blocking pool, so that it never holds up the
/// async threads serving everyone else.
pub async fn off_runtime<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(work).await.map_err(ApiError::internal)
}

/// Insert a version of `latex` and its `prepared` sections on `conn`
/// (normally inside a transaction).
pub async fn insert_version(
    conn: &mut PgConnection,
    project_id: Uuid,
    parent_version_id: Option<Uuid>,
    version_type: ResumeVersionType,
    latex: &str,
    prepared: PreparedSections,
) -> ApiResult<VersionWithSections> {
    let PreparedSections { sections, locked } = prepared;
    let version = sqlx::query_as!(
        ResumeVersion,
        r#"INSERT INTO "ResumeVersion" (id, "projectId", "parentVersionId", type, status, "latexContent")
           VALUES ($1, $2, $3, $4, 'DRAFT', $5)
           RETURNING id, "projectId" AS project_id, "parentVersionId" AS parent_version_id,
                     type AS "version_type: ResumeVersionType", status AS "status: ResumeVersionStatus",
                     "latexContent" AS latex_content, "pdfUrl" AS pdf_url,
                     "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        Uuid::now_v7(),
        project_id,
        parent_version_id,
        version_type as ResumeVersionType,
        latex
    )
    .fetch_one(&mut *conn)
    .await?;

    let ids: Vec<Uuid> = sections.iter().map(|_| Uuid::now_v7()).collect();
    let types: Vec<String> = sections.iter().map(|(t, _)| t.as_str().to_owned()).collect();
    let order: Vec<i32> = (0..sections.len()).map(|i| i32::try_from(i).unwrap_or(i32::MAX)).collect();
    let contents: Vec<String> = sections.into_iter().map(|(_, c)| c).collect();
    let sections = sqlx::query_as!(
        ResumeSection,
        r#"INSERT INTO "ResumeSection" (id, "versionId", "sectionType", content, "isLocked", "orderIndex")
           SELECT u.id, $1, u.t::"ResumeSectionType", u.c, u.l, u.o
           FROM UNNEST($2::uuid[], $3::text[], $4::text[], $5::bool[], $6::int4[]) AS u(id, t, c, l, o)
           RETURNING id, "versionId" AS version_id, "sectionType" AS "section_type: ResumeSectionType",
                     content, "isLocked" AS is_locked, "orderIndex" AS order_index,
                     "createdAt" AS created_at, "updatedAt" AS updated_at"#,
        version.id,
        &ids,
        &types,
        &contents,
        &locked,
        &order
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut sections = sections;
    sections.sort_by_key(|s| s.order_index);
    Ok(VersionWithSections { version, sections, compile: None })
}

/// Which of `new` sections inherit a lock from the parent's sections, in
/// time linear in the number of sections (hash lookups, no pairwise scans).
fn carried_locks(new: &[ExtractedSection<'_>], parent_latex: &str, parent: &[ResumeSection]) -> Vec<bool> {
    // The parent's titles come from splitting its LaTeX again: its sections
    // are exactly that split, in the same order.
    let parent_titles: Vec<Option<String>> = match split(parent_latex) {
        Ok(doc) if doc.sections.len() == parent.len() => doc.sections.into_iter().map(|s| s.title).collect(),
        _ => vec![None; parent.len()],
    };
    type Key = (ResumeSectionType, Option<String>);
    let key = |t: ResumeSectionType, title: &Option<String>| -> Key { (t, title.as_deref().map(str::to_lowercase)) };
    // For each (type, title): the lock of its 1st, 2nd, … occurrence in the parent.
    let mut parent_locks: HashMap<Key, Vec<bool>> = HashMap::new();
    for (section, title) in parent.iter().zip(&parent_titles) {
        parent_locks.entry(key(section.section_type, title)).or_default().push(section.is_locked);
    }
    let locked_contents: HashSet<&str> = parent.iter().filter(|s| s.is_locked).map(|s| s.content.as_str()).collect();
    let mut seen: HashMap<Key, usize> = HashMap::new();
    new.iter()
        .map(|s| {
            let k = key(s.section_type, &s.title);
            let nth = seen.entry(k.clone()).or_insert(0);
            let by_position = parent_locks.get(&k).and_then(|locks| locks.get(*nth)).copied().unwrap_or(false);
            *nth += 1;
            by_position || locked_contents.contains(s.content)
        })
        .collect()
}

/// Load a version's sections in order.
pub async fn load_sections(db: impl sqlx::PgExecutor<'_>, version_id: Uuid) -> ApiResult<Vec<ResumeSection>> {
    Ok(sqlx::query_as!(
        ResumeSection,
        r#"SELECT id, "versionId" AS version_id, "sectionType" AS "section_type: ResumeSectionType",
                  content, "isLocked" AS is_locked, "orderIndex" AS order_index,
                  "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "ResumeSection" WHERE "versionId" = $1 ORDER BY "orderIndex""#,
        version_id
    )
    .fetch_all(db)
    .await?)
}

/// Load one of the caller's versions; 404 if missing or not theirs.
pub async fn load_owned_version(
    db: impl sqlx::PgExecutor<'_>,
    user: &CurrentUser,
    version_id: Uuid,
) -> ApiResult<ResumeVersion> {
    sqlx::query_as!(
        ResumeVersion,
        r#"SELECT v.id, v."projectId" AS project_id, v."parentVersionId" AS parent_version_id,
                  v.type AS "version_type: ResumeVersionType", v.status AS "status: ResumeVersionStatus",
                  v."latexContent" AS latex_content, v."pdfUrl" AS pdf_url,
                  v."createdAt" AS created_at, v."updatedAt" AS updated_at
           FROM "ResumeVersion" v JOIN "ResumeProject" p ON p.id = v."projectId"
           WHERE v.id = $1 AND p."userId" = $2"#,
        version_id,
        user.id
    )
    .fetch_optional(db)
    .await?
    .ok_or(ApiError::NotFound("version"))
}

/// One of the caller's versions with its sections and compile, read in one
/// snapshot, so a compile that commits meanwhile is seen whole (status,
/// `pdfUrl` and `compile` agree) or not at all.
pub async fn version_view(pool: &sqlx::PgPool, user: &CurrentUser, version_id: Uuid) -> ApiResult<VersionWithSections> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY").execute(&mut *tx).await?;
    let version = load_owned_version(&mut *tx, user, version_id).await?;
    let sections = load_sections(&mut *tx, version_id).await?;
    let compile = super::pdfs::load_compile(&mut *tx, version_id).await?;
    tx.commit().await?;
    Ok(VersionWithSections { version, sections, compile })
}

/// Create a BASE or MANUAL version; its sections are extracted, and a MANUAL
/// child carries its parent's locks over to the matching sections.
#[utoipa::path(post, path = "/v1/projects/{projectId}/versions", tag = "versions", request_body = VersionInput,
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 201, description = "The version with its sections", body = VersionWithSections,
            headers(("Location" = String, description = "the new version's URL")),
            links(
                ("GetVersion" = (operation_id = "get_version", parameters(("versionId" = "$response.body#/id")))),
                ("ActivateVersion" = (operation_id = "activate_version", parameters(("versionId" = "$response.body#/id")))),
                ("CompileVersion" = (operation_id = "compile_version", parameters(("versionId" = "$response.body#/id")))),
                ("GetVersionPdf" = (operation_id = "version_pdf", parameters(("versionId" = "$response.body#/id")))),
                ("GetVersionPreview" = (operation_id = "version_preview", parameters(("versionId" = "$response.body#/id")))),
                ("DiffFromParent" = (operation_id = "get_diff", parameters(
                    ("versionId" = "$response.body#/id"), ("from" = "$response.body#/parentVersionId")))),
                ("LockFirstSection" = (operation_id = "set_lock", parameters(("sectionId" = "$response.body#/sections/0/id")))),
            )),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
        (status = 422, body = Problem, description = "The LaTeX is not a document Tailor can read, or `parentVersionId` is not a version of this project"),
    ))]
async fn create_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
    Json(input): Json<VersionInput>,
) -> ApiResult<(StatusCode, HeaderMap, axum::Json<VersionWithSections>)> {
    ensure_owned(&state.pool, &user, project_id).await?;
    match (input.version_type, input.parent_version_id) {
        (ResumeVersionType::Base, Some(_)) => {
            return Err(ApiError::invalid("a BASE version has no parentVersionId"));
        }
        (ResumeVersionType::Manual, None) => {
            return Err(ApiError::invalid("a MANUAL version needs parentVersionId"));
        }
        (ResumeVersionType::AiGenerated, _) => {
            return Err(ApiError::invalid(
                "AI_GENERATED versions are created by accepting a proposal (POST /v1/ai-jobs/{jobId}/proposal/accept)",
            ));
        }
        _ => {}
    }
    let parent = match input.parent_version_id {
        Some(parent_id) => {
            let parent = sqlx::query!(
                r#"SELECT "latexContent" AS latex FROM "ResumeVersion" WHERE id = $1 AND "projectId" = $2"#,
                parent_id,
                project_id
            )
            .fetch_optional(&state.pool)
            .await?
            .ok_or_else(|| ApiError::invalid("parentVersionId does not name a version of this project"))?;
            Some((parent.latex, load_sections(&state.pool, parent_id).await?))
        }
        None => None,
    };
    let latex = input.latex_content;
    let prepared = prepare_sections(latex.clone(), parent).await?;
    let mut tx = state.pool.begin().await?;
    let created =
        insert_version(&mut tx, project_id, input.parent_version_id, input.version_type, &latex, prepared).await?;
    tx.commit().await?;
    let url = format!("/v1/versions/{}", created.version.id);
    Ok((StatusCode::CREATED, location(&url), axum::Json(created)))
}

/// The project's version tree, oldest first.
#[utoipa::path(get, path = "/v1/projects/{projectId}/versions", tag = "versions",
    params(("projectId" = Uuid, Path)),
    responses(
        (status = 200, description = "Every version of the project, oldest first", body = VersionTree),
        (status = 404, body = Problem, description = "No such project, or not the caller's"),
    ))]
async fn list_versions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(project_id): Path<Uuid>,
) -> ApiResult<axum::Json<VersionTree>> {
    ensure_owned(&state.pool, &user, project_id).await?;
    let items = sqlx::query_as!(
        VersionNode,
        r#"SELECT id, "projectId" AS project_id, "parentVersionId" AS parent_version_id,
                  type AS "version_type: ResumeVersionType", status AS "status: ResumeVersionStatus",
                  "pdfUrl" AS pdf_url, "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "ResumeVersion" WHERE "projectId" = $1 ORDER BY "createdAt", id"#,
        project_id
    )
    .fetch_all(&state.pool)
    .await?;
    Ok(axum::Json(VersionTree { items }))
}

/// One version with its LaTeX and sections.
#[utoipa::path(get, path = "/v1/versions/{versionId}", tag = "versions",
    params(("versionId" = Uuid, Path)),
    responses(
        (status = 200, description = "The version", body = VersionWithSections),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
    ))]
async fn get_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
) -> ApiResult<axum::Json<VersionWithSections>> {
    Ok(axum::Json(version_view(&state.pool, &user, version_id).await?))
}

/// Make the version its project's one ACTIVE version. The switch is atomic
/// (the project row is locked, and the database allows one ACTIVE version
/// per project); the version it replaces returns to COMPILED if it has a
/// PDF, else DRAFT. Activating the ACTIVE version changes nothing.
#[utoipa::path(post, path = "/v1/versions/{versionId}/activate", tag = "versions",
    params(("versionId" = Uuid, Path)),
    responses(
        (status = 200, description = "The version, now ACTIVE", body = VersionWithSections),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
    ))]
async fn activate_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
) -> ApiResult<axum::Json<VersionWithSections>> {
    let mut tx = state.pool.begin().await?;
    let project_id = sqlx::query_scalar!(
        r#"SELECT p.id FROM "ResumeVersion" v JOIN "ResumeProject" p ON p.id = v."projectId"
           WHERE v.id = $1 AND p."userId" = $2 FOR UPDATE OF p"#,
        version_id,
        user.id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(ApiError::NotFound("version"))?;
    sqlx::query!(
        r#"UPDATE "ResumeVersion"
           SET status = CASE WHEN "pdfUrl" IS NOT NULL THEN 'COMPILED'::"ResumeVersionStatus" ELSE 'DRAFT' END
           WHERE "projectId" = $1 AND status = 'ACTIVE' AND id <> $2"#,
        project_id,
        version_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(r#"UPDATE "ResumeVersion" SET status = 'ACTIVE' WHERE id = $1 AND status <> 'ACTIVE'"#, version_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(version.id = %version_id, project.id = %project_id, "version activated");
    Ok(axum::Json(version_view(&state.pool, &user, version_id).await?))
}

/// The version's LaTeX source as a file, named after the project.
#[utoipa::path(get, path = "/v1/versions/{versionId}/latex", tag = "versions",
    params(("versionId" = Uuid, Path)),
    responses(
        (status = 200, content_type = "application/x-tex", body = String, description = "The LaTeX source",
            headers(("Content-Disposition" = String, description = "`attachment`, with a file name from the project's name"))),
        (status = 404, body = Problem, description = "No such version, or not the caller's"),
    ))]
async fn version_latex(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(version_id): Path<Uuid>,
) -> ApiResult<axum::response::Response> {
    use axum::http::{HeaderValue, header};
    use axum::response::IntoResponse;
    let row = sqlx::query!(
        r#"SELECT v."latexContent" AS latex, p.name FROM "ResumeVersion" v
           JOIN "ResumeProject" p ON p.id = v."projectId"
           WHERE v.id = $1 AND p."userId" = $2"#,
        version_id,
        user.id
    )
    .fetch_optional(&state.pool)
    .await?
    .ok_or(ApiError::NotFound("version"))?;
    let disposition = shared::compile::content_disposition("attachment", &row.name, "tex");
    let mut response = row.latex.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/x-tex; charset=utf-8"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&disposition).map_err(|e| ApiError::internal(anyhow::anyhow!("disposition: {e}")))?,
    );
    Ok(response)
}
