//! The drift test: apply the migrations to a fresh, empty database and
//! compare the live catalog with the schema as `shared::model::schema`
//! declares it — table by table, column by column, enum value by value.

use std::collections::{BTreeMap, BTreeSet};

use shared::model::schema::{FOREIGN_KEYS, TABLES, UNIQUE_KEYS, enums};

use harness::TestDb;

#[tokio::test]
async fn migrations_produce_exactly_the_declared_schema() {
    let db = TestDb::empty().await;
    let pool = db.pool().await;
    shared::db::migrate(&pool).await.expect("migrations apply to an empty database");

    // Tables: the spec's tables are the only ones in `public`.
    let live: BTreeSet<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&pool)
    .await
    .expect("tables")
    .into_iter()
    .collect();
    let declared: BTreeSet<String> = TABLES.iter().map(|t| t.name.to_owned()).collect();
    assert_eq!(live, declared, "tables in public differ from the declaration");

    // Columns: name, type and nullability, in order.
    for table in TABLES {
        let live: Vec<(String, String, bool)> = sqlx::query_as(
            "SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull
             FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relname = $1 AND a.attnum > 0 AND NOT a.attisdropped
             ORDER BY a.attnum",
        )
        .bind(table.name)
        .fetch_all(&pool)
        .await
        .expect("columns");
        let declared: Vec<(String, String, bool)> =
            table.columns.iter().map(|c| (c.name.to_owned(), c.pg_type.to_owned(), c.nullable)).collect();
        assert_eq!(live, declared, "columns of {} differ from the declaration", table.name);
    }

    // Enums: exactly the declared types, values in order.
    let live: BTreeMap<String, Vec<String>> = sqlx::query_as::<_, (String, Vec<String>)>(
        "SELECT t.typname::text, array_agg(e.enumlabel::text ORDER BY e.enumsortorder)
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
         WHERE n.nspname = 'public' GROUP BY t.typname",
    )
    .fetch_all(&pool)
    .await
    .expect("enums")
    .into_iter()
    .collect();
    let declared: BTreeMap<String, Vec<String>> = enums()
        .into_iter()
        .map(|(name, values)| (name.to_owned(), values.into_iter().map(str::to_owned).collect()))
        .collect();
    assert_eq!(live, declared, "enum types differ from the declaration");

    // Foreign keys.
    let live: BTreeSet<(String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace",
    )
    .fetch_all(&pool)
    .await
    .expect("foreign keys")
    .into_iter()
    .map(|(t, c, r): (String, String, String)| (t.trim_matches('"').to_owned(), c, r.trim_matches('"').to_owned()))
    .collect();
    let declared: BTreeSet<(String, String, String)> =
        FOREIGN_KEYS.iter().map(|(t, c, r)| ((*t).to_owned(), (*c).to_owned(), (*r).to_owned())).collect();
    assert_eq!(live, declared, "foreign keys differ from the declaration");

    // Unique constraints required by the spec.
    for (table, cols) in UNIQUE_KEYS {
        let found: bool = sqlx::query_scalar(
            "SELECT EXISTS (
               SELECT 1 FROM pg_constraint c
               WHERE c.contype = 'u' AND c.conrelid = format('%I', $1::text)::regclass
                 AND (SELECT array_agg(a.attname::text ORDER BY k.ord)
                      FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) = $2::text[])",
        )
        .bind(table)
        .bind(cols.iter().map(|c| (*c).to_owned()).collect::<Vec<_>>())
        .fetch_one(&pool)
        .await
        .expect("unique");
        assert!(found, "missing unique constraint on {table}{cols:?}");
    }

    // One ACTIVE version per project: a partial unique index.
    let active: Option<String> = sqlx::query_scalar(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename = 'ResumeVersion'
           AND indexdef LIKE 'CREATE UNIQUE INDEX%' AND indexdef LIKE '%WHERE%ACTIVE%'",
    )
    .fetch_optional(&pool)
    .await
    .expect("indexes");
    assert!(active.is_some_and(|d| d.contains("\"projectId\"")), "no partial unique index for ACTIVE versions");

    // Every foreign-key column leads some index (lookups and cascades stay indexed).
    let unindexed: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
         WHERE c.contype = 'f' AND c.connamespace = 'public'::regnamespace
           AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.conrelid AND i.indkey[0] = c.conkey[1])",
    )
    .fetch_all(&pool)
    .await
    .expect("fk indexes");
    assert!(unindexed.is_empty(), "foreign keys without an index: {unindexed:?}");

    // The queue's tables live in their own schema.
    let queue_tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'apalis' ORDER BY 1",
    )
    .fetch_all(&pool)
    .await
    .expect("apalis tables");
    assert!(
        queue_tables.contains(&"jobs".to_owned()) && queue_tables.contains(&"workers".to_owned()),
        "{queue_tables:?}"
    );

    // Migrations are idempotent: running them again is a no-op.
    shared::db::migrate(&pool).await.expect("second run is a no-op");
    pool.close().await;
}

#[tokio::test]
async fn the_queue_columns_and_fetch_order_we_rely_on_are_there() {
    let db = TestDb::empty().await;
    let pool = db.pool().await;
    shared::db::migrate(&pool).await.expect("migrations apply to an empty database");
    let live: BTreeMap<String, String> = sqlx::query_as::<_, (String, String)>(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = 'apalis' AND table_name = 'jobs'",
    )
    .fetch_all(&pool)
    .await
    .expect("columns")
    .into_iter()
    .collect();
    for (column, data_type) in shared::queue::TASK_COLUMNS {
        assert_eq!(live.get(*column).map(String::as_str), Some(*data_type), "apalis.jobs.{column}");
    }
    // Fair share relies on apalis taking the highest priority first, then the oldest.
    let fetch: String = sqlx::query_scalar("SELECT pg_get_functiondef('apalis.get_jobs'::regproc)")
        .fetch_one(&pool)
        .await
        .expect("apalis.get_jobs");
    assert!(fetch.contains("ORDER BY priority DESC, run_at ASC"), "{fetch}");
    // The queue table's autovacuum settings (our migration) are in place.
    let options: Vec<String> =
        sqlx::query_scalar("SELECT unnest(reloptions) FROM pg_class WHERE oid = 'apalis.jobs'::regclass")
            .fetch_all(&pool)
            .await
            .expect("reloptions");
    assert!(options.contains(&"autovacuum_vacuum_scale_factor=0".to_owned()), "{options:?}");
}

#[tokio::test]
async fn updated_at_moves_on_every_update_and_versions_are_immutable() {
    let db = TestDb::migrated().await;
    let pool = db.pool().await;
    let user: uuid::Uuid = sqlx::query_scalar(
        r#"INSERT INTO "User" (id, "clerkId", email) VALUES (gen_random_uuid(), 'u1', '') RETURNING id"#,
    )
    .fetch_one(&pool)
    .await
    .expect("user");
    let project: uuid::Uuid = sqlx::query_scalar(
        r#"INSERT INTO "ResumeProject" (id, "userId", name) VALUES (gen_random_uuid(), $1, 'p') RETURNING id"#,
    )
    .bind(user)
    .fetch_one(&pool)
    .await
    .expect("project");
    let before: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar(r#"SELECT "updatedAt" FROM "ResumeProject" WHERE id = $1"#)
            .bind(project)
            .fetch_one(&pool)
            .await
            .expect("read");
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let after: chrono::DateTime<chrono::Utc> =
        sqlx::query_scalar(r#"UPDATE "ResumeProject" SET name = 'q' WHERE id = $1 RETURNING "updatedAt""#)
            .bind(project)
            .fetch_one(&pool)
            .await
            .expect("update");
    assert!(after > before, "updatedAt did not move: {before} → {after}");

    let version: uuid::Uuid = sqlx::query_scalar(
        r#"INSERT INTO "ResumeVersion" (id, "projectId", type, status, "latexContent")
           VALUES (gen_random_uuid(), $1, 'BASE', 'DRAFT', 'x') RETURNING id"#,
    )
    .bind(project)
    .fetch_one(&pool)
    .await
    .expect("version");
    let rewrite = sqlx::query(r#"UPDATE "ResumeVersion" SET "latexContent" = 'y' WHERE id = $1"#)
        .bind(version)
        .execute(&pool)
        .await;
    assert!(rewrite.is_err(), "a version's content must never be overwritten");
    sqlx::query(r#"UPDATE "ResumeVersion" SET status = 'COMPILED' WHERE id = $1"#)
        .bind(version)
        .execute(&pool)
        .await
        .expect("status may move");

    let second = sqlx::query(
        r#"INSERT INTO "ResumeVersion" (id, "projectId", type, status, "latexContent")
           VALUES (gen_random_uuid(), $1, 'BASE', 'ACTIVE', 'x'), (gen_random_uuid(), $1, 'BASE', 'ACTIVE', 'y')"#,
    )
    .bind(project)
    .execute(&pool)
    .await;
    assert!(second.is_err(), "two ACTIVE versions in one project must be refused");
    pool.close().await;
}
