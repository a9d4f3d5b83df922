//! Test databases: a fresh, migrated Postgres database or SQLite file per test, removed on drop.
//!
//! Postgres is `postgres://postgres@127.0.0.1:5432/postgres` unless `CREASE_TEST_PG_URL` says
//! otherwise. An unreachable server fails the test: a skipped store test would pass silently.

use std::ops::Deref;
use std::path::PathBuf;
use std::time::Duration;

use crease::store::{Store, StoreOptions};
use sqlx::Connection;

const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A migrated store on a database of its own. Derefs to the `Store`.
pub struct TestDb {
    pub store: Store,
    /// The URL the store was opened with, for raw access in tests.
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Postgres { admin_url: String, name: String },
    Sqlite { path: PathBuf },
}

pub fn options() -> StoreOptions {
    StoreOptions {
        max_connections: 5,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Duration::from_secs(10),
    }
}

pub fn pg_admin_url() -> String {
    std::env::var("CREASE_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned())
}

/// `url` with its database name replaced by `name` (query string kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    // Past "scheme://", the last '/' starts the database name, if there is one.
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let prefix = match base[authority_start..].rfind('/') {
        Some(i) => &base[..authority_start + i],
        None => base,
    };
    match query {
        Some(q) => format!("{prefix}/{name}?{q}"),
        None => format!("{prefix}/{name}"),
    }
}

/// The two SQL dialects a node runs on; every store test runs on both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreKind {
    Postgres,
    Sqlite,
}

/// A fresh, migrated database of `kind`.
pub async fn fresh_store(kind: StoreKind) -> TestDb {
    match kind {
        StoreKind::Postgres => postgres_store().await,
        StoreKind::Sqlite => sqlite_store().await,
    }
}

/// A fresh database `crease_t_<random>` on the test Postgres server, migrated.
pub async fn postgres_store() -> TestDb {
    let db = postgres_empty().await;
    db.store.migrate().await.expect("Postgres migrations apply");
    db
}

/// A fresh database `crease_t_<random>` on the test Postgres server, with no tables yet: what
/// an operator's first command finds.
pub async fn postgres_empty() -> TestDb {
    let admin_url = pg_admin_url();
    let name = format!("crease_t_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .unwrap_or_else(|e| {
            panic!(
            "Postgres is unreachable at {admin_url} ({e}). The store tests need a real server: \
             start one, or point CREASE_TEST_PG_URL at one (trust auth, may CREATE DATABASE)."
        )
        });
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    let _ = admin.close().await;
    // From here the database exists: build the guard first so a failure below still drops it.
    let url = with_database(&admin_url, &name);
    let cleanup = Cleanup::Postgres { admin_url, name };
    let store = match Store::connect(&url, &options()).await {
        Ok(s) => s,
        Err(e) => {
            drop_now(&cleanup);
            panic!("cannot connect to the test database: {e}");
        }
    };
    TestDb {
        store,
        url,
        cleanup,
    }
}

/// A copy of `src` as it is now, taken as a backup is (`CREATE DATABASE … TEMPLATE`): new
/// connections to `src` are refused and open ones ended for the moment of the copy, as a
/// template must have no other session, then `src` takes connections again. Nodes on `src`
/// see their connections dropped once, and reconnect.
pub async fn postgres_copy(src: &TestDb) -> TestDb {
    let Cleanup::Postgres { admin_url, name } = &src.cleanup else {
        panic!("only a Postgres database can be copied as a template");
    };
    let copy = format!("crease_t_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("admin connection");
    admin_exec(
        &mut admin,
        &format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"),
        "close the source to new connections",
    )
    .await;
    admin_exec(
        &mut admin,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
        ),
        "end the source's sessions",
    )
    .await;
    // CREATE DATABASE waits a few seconds for ended sessions to go; a slow exit is retried.
    let copied = admin_retried(
        &mut admin,
        &format!("CREATE DATABASE \"{copy}\" TEMPLATE \"{name}\""),
    )
    .await;
    admin_exec(
        &mut admin,
        &format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS true"),
        "reopen the source",
    )
    .await;
    let _ = admin.close().await;
    if let Err(e) = copied {
        panic!("cannot copy {name}: {e}");
    }
    let url = with_database(admin_url, &copy);
    let cleanup = Cleanup::Postgres {
        admin_url: admin_url.clone(),
        name: copy,
    };
    let store = match Store::connect(&url, &options()).await {
        Ok(s) => s,
        Err(e) => {
            drop_now(&cleanup);
            panic!("cannot connect to the copy: {e}");
        }
    };
    TestDb {
        store,
        url,
        cleanup,
    }
}

/// Puts `backup` (from [`postgres_copy`]) in `target`'s place, as a restore does: `target`'s
/// database is closed to new connections, its sessions ended and dropped, and the backup
/// renamed to its name. A node on `target`'s URL reconnects to the older history.
pub async fn postgres_restore(target: &TestDb, backup: TestDb) {
    let (
        Cleanup::Postgres { admin_url, name },
        Cleanup::Postgres {
            name: backup_name, ..
        },
    ) = (&target.cleanup, &backup.cleanup)
    else {
        panic!("only Postgres databases are restored");
    };
    // A rename needs the backup to have no session: the backup's own pool goes first.
    backup.store.close().await;
    let mut admin = sqlx::PgConnection::connect(admin_url)
        .await
        .expect("admin connection");
    admin_exec(
        &mut admin,
        &format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS false"),
        "close the target to new connections",
    )
    .await;
    // FORCE ends the sessions; one that raced in before the ALTER is ended on a retry.
    let dropped = admin_retried(
        &mut admin,
        &format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
    )
    .await;
    if let Err(e) = dropped {
        panic!("cannot drop {name} for the restore: {e}");
    }
    admin_exec(
        &mut admin,
        &format!("ALTER DATABASE \"{backup_name}\" RENAME TO \"{name}\""),
        "the backup takes the target's name",
    )
    .await;
    let _ = admin.close().await;
    // The backup's name is gone; its drop finds nothing to remove.
    drop(backup);
}

/// Runs one statement on the admin connection; the test fails, saying `what`, if it fails.
async fn admin_exec(admin: &mut sqlx::PgConnection, sql: &str, what: &str) {
    if let Err(e) = sqlx::raw_sql(sql).execute(&mut *admin).await {
        panic!("{what}: {e}");
    }
}

/// Runs a statement that may meet sessions that are still ending: up to five tries.
async fn admin_retried(admin: &mut sqlx::PgConnection, sql: &str) -> Result<(), sqlx::Error> {
    let mut tried = Ok(());
    for _ in 0..5 {
        tried = sqlx::raw_sql(sql).execute(&mut *admin).await.map(drop);
        if tried.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tried
}

/// A fresh SQLite file in the temp directory, migrated.
pub async fn sqlite_store() -> TestDb {
    let db = sqlite_empty().await;
    db.store.migrate().await.expect("SQLite migrations apply");
    db
}

/// A fresh SQLite file in the temp directory, with no tables yet.
pub async fn sqlite_empty() -> TestDb {
    let path = std::env::temp_dir().join(format!("crease_t_{:016x}.db", rand::random::<u64>()));
    let url = format!("sqlite:{}", path.display());
    let cleanup = Cleanup::Sqlite { path };
    let store = Store::connect(&url, &options())
        .await
        .expect("SQLite file opens");
    TestDb {
        store,
        url,
        cleanup,
    }
}

impl Deref for TestDb {
    type Target = Store;
    fn deref(&self) -> &Store {
        &self.store
    }
}

impl TestDb {
    /// Runs one statement outside the store, to plant rows the API would never write.
    pub async fn execute_raw(&self, sql: &str) {
        match &self.store {
            Store::Postgres(_) => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("raw connect");
                sqlx::query(sql)
                    .execute(&mut c)
                    .await
                    .expect("raw statement");
                let _ = c.close().await;
            }
            Store::Sqlite(_) => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("raw connect");
                sqlx::query(sql)
                    .execute(&mut c)
                    .await
                    .expect("raw statement");
                let _ = c.close().await;
            }
        }
    }

    /// The first column of every row of `sql`, as text.
    pub async fn strings_raw(&self, sql: &str) -> Vec<String> {
        match &self.store {
            Store::Postgres(_) => {
                let mut c = sqlx::PgConnection::connect(&self.url)
                    .await
                    .expect("raw connect");
                let v = sqlx::query_scalar(sql)
                    .fetch_all(&mut c)
                    .await
                    .expect("raw query");
                let _ = c.close().await;
                v
            }
            Store::Sqlite(_) => {
                let mut c = sqlx::SqliteConnection::connect(&self.url)
                    .await
                    .expect("raw connect");
                let v = sqlx::query_scalar(sql)
                    .fetch_all(&mut c)
                    .await
                    .expect("raw query");
                let _ = c.close().await;
                v
            }
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        drop_now(&self.cleanup);
    }
}

/// Removes the database. Drop cannot await, and may run inside a runtime that must not be
/// blocked on, so Postgres is dropped from a thread with a runtime of its own, joined here.
/// `WITH (FORCE)` ends the pool's connections, which the test no longer uses.
fn drop_now(cleanup: &Cleanup) {
    match cleanup {
        Cleanup::Sqlite { path } => {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
        Cleanup::Postgres { admin_url, name } => {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            let joined = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime for dropping the test database");
                rt.block_on(async {
                    let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
                    sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .execute(&mut admin)
                        .await?;
                    admin.close().await
                })
            })
            .join();
            if !matches!(joined, Ok(Ok(()))) {
                eprintln!("warning: test database could not be dropped: {joined:?}");
            }
        }
    }
}

#[test]
fn database_name_is_replaced_in_urls() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        with_database("postgres://u:p@h/db?sslmode=disable", "x"),
        "postgres://u:p@h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5432", "x"),
        "postgres://h:5432/x"
    );
}
