//! `queue-bench` against the real PostgreSQL (`TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`): each test works in its own
//! fresh database, dropped at the end (even after a panic).

use std::time::Duration;

use sqlx::{Connection, PgConnection, PgPool};
use tools::queue_bench::{self, DrainOptions, PickupOptions};
use uuid::Uuid;

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `admin_url` pointed at database `name`.
fn db_url(name: &str) -> String {
    let admin = admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_owned(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    match base.rfind('/') {
        Some(i) if base[..i].contains("://") => format!("{}/{name}{query}", &base[..i]),
        _ => format!("{base}/{name}{query}"),
    }
}

async fn exec(conn: &mut PgConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(conn).await.map(|_| ())
}

/// A fresh, empty database, dropped when this is dropped.
struct ScratchDb {
    name: String,
    url: String,
}

impl ScratchDb {
    async fn create() -> ScratchDb {
        let name = format!("tailor_qbench_{}", Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url()).await.expect("connect to the admin database");
        exec(&mut admin, format!(r#"CREATE DATABASE "{name}""#)).await.expect("create the test database");
        let _ = admin.close().await;
        let url = db_url(&name);
        ScratchDb { name, url }
    }

    async fn pool(&self) -> PgPool {
        PgPool::connect(&self.url).await.expect("connect to the test database")
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(mut admin) = PgConnection::connect(&admin_url()).await {
                    let _ = exec(&mut admin, format!(r#"DROP DATABASE IF EXISTS "{name}" WITH (FORCE)"#)).await;
                }
            });
        })
        .join();
    }
}

async fn queue_rows(pool: &PgPool, queue: &str) -> (i64, i64) {
    sqlx::query_as("SELECT count(*) FILTER (WHERE status = 'Done'), count(*) FROM apalis.jobs WHERE job_type = $1")
        .bind(queue)
        .fetch_one(pool)
        .await
        .expect("count the queue's rows")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drain_runs_every_task_then_deletes_them() {
    let db = ScratchDb::create().await;
    let opts = DrainOptions { tasks: 500, batch: 100, concurrency: 8, keep: true, ..DrainOptions::new(&db.url) };

    // Kept: every task is there, Done.
    let report = queue_bench::drain(&opts).await.expect("drain");
    assert_eq!((report.tasks, report.batch, report.concurrency), (500, 100, 8));
    assert!(report.tasks_per_sec > 0.0, "{report:?}");
    assert!(report.secs > 0.0 && report.handled_secs <= report.secs, "{report:?}");
    let pool = db.pool().await;
    assert_eq!(queue_rows(&pool, &opts.queue).await, (500, 500));

    // The normal run starts by deleting those leftovers and ends by deleting its own rows.
    let report = queue_bench::drain(&DrainOptions { keep: false, ..opts.clone() }).await.expect("drain");
    assert!(report.tasks_per_sec > 0.0, "{report:?}");
    assert_eq!(queue_rows(&pool, &opts.queue).await, (0, 0));
    let workers: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.workers WHERE worker_type = $1")
        .bind(&opts.queue)
        .fetch_one(&pool)
        .await
        .expect("count workers");
    assert_eq!(workers, 0);

    // The JSON shape consumers read.
    let json = serde_json::to_value(&report).expect("serialize");
    for key in ["tasks", "batch", "concurrency", "secs", "tasksPerSec"] {
        assert!(json.get(key).is_some(), "missing {key} in {json}");
    }
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickup_records_every_task_pushed() {
    let db = ScratchDb::create().await;
    let opts = PickupOptions { rate: 20, seconds: 2, ..PickupOptions::new(&db.url) };
    let report = queue_bench::pickup(&opts).await.expect("pickup");
    assert_eq!(report.rate, 20);
    assert!((35..=45).contains(&report.tasks), "{report:?}");
    let p = report.pickup_ms;
    assert!(p.p50 > 0.0 && p.p50 <= p.p90 && p.p90 <= p.p99 && p.p99 <= p.max, "{report:?}");

    let json = serde_json::to_value(&report).expect("serialize");
    for key in ["p50", "p90", "p99", "max"] {
        assert!(json["pickupMs"].get(key).is_some(), "missing pickupMs.{key} in {json}");
        assert!(json["pushMs"].get(key).is_some(), "missing pushMs.{key} in {json}");
    }
    let pool = db.pool().await;
    assert_eq!(queue_rows(&pool, &opts.queue).await, (0, 0));
    pool.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_server_answers_404_and_200() {
    let db = ScratchDb::create().await;
    let pool = db.pool().await;
    shared::db::migrate(&pool).await.expect("migrate");

    let (user, project, version, jd, job) =
        (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let mut tx = pool.begin().await.expect("begin");
    sqlx::query(r#"INSERT INTO "User" (id, "clerkId", email) VALUES ($1, $2, $3)"#)
        .bind(user)
        .bind(format!("user_{}", user.simple()))
        .bind("bench@example.com")
        .execute(&mut *tx)
        .await
        .expect("insert User");
    sqlx::query(r#"INSERT INTO "ResumeProject" (id, "userId", name) VALUES ($1, $2, 'bench')"#)
        .bind(project)
        .bind(user)
        .execute(&mut *tx)
        .await
        .expect("insert ResumeProject");
    sqlx::query(
        r#"INSERT INTO "ResumeVersion" (id, "projectId", type, "latexContent") VALUES ($1, $2, 'BASE', '\section{X}')"#,
    )
    .bind(version)
    .bind(project)
    .execute(&mut *tx)
    .await
    .expect("insert ResumeVersion");
    sqlx::query(
        r#"INSERT INTO "JobDescription" (id, "projectId", "rawText", "extractedSkills", keywords, "roleType")
           VALUES ($1, $2, 'Rust engineer', '[]'::jsonb, '[]'::jsonb, 'engineering')"#,
    )
    .bind(jd)
    .bind(project)
    .execute(&mut *tx)
    .await
    .expect("insert JobDescription");
    sqlx::query(
        r#"INSERT INTO "AIJob" (id, "projectId", "baseVersionId", "jdId", mode) VALUES ($1, $2, $3, $4, 'BALANCED')"#,
    )
    .bind(job)
    .bind(project)
    .bind(version)
    .bind(jd)
    .execute(&mut *tx)
    .await
    .expect("insert AIJob");
    tx.commit().await.expect("commit");

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(queue_bench::serve_select(listener, pool.clone(), async move {
        let _ = stopped.await;
    }));

    let http = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().expect("client");
    let base = format!("http://{addr}");
    let health = http.get(format!("{base}/bare/healthz")).send().await.expect("healthz");
    assert_eq!(health.status(), 200);

    let missing = http.get(format!("{base}/bare/ai-jobs/{}", Uuid::new_v4())).send().await.expect("get missing");
    assert_eq!(missing.status(), 404);

    let found = http.get(format!("{base}/bare/ai-jobs/{job}")).send().await.expect("get job");
    assert_eq!(found.status(), 200);
    let body: serde_json::Value = found.json().await.expect("json body");
    assert_eq!(body["id"], job.to_string());
    assert_eq!(body["status"], "QUEUED");
    assert!(body["errorMessage"].is_null(), "{body}");
    assert!(body["updatedAt"].is_string(), "{body}");

    let _ = stop.send(());
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("server stops")
        .expect("server task")
        .expect("server result");
    pool.close().await;
}
