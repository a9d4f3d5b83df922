//! Opening stores: URLs, dialects, migrations, and a server that is not there.

use crease::store::{Store, StoreError};

use super::{event, new_match};
use crate::support::db::{postgres_store, sqlite_store};

#[tokio::test]
async fn in_memory_sqlite_works_without_a_file() {
    let store = Store::connect("sqlite::memory:", &crate::support::db::options())
        .await
        .unwrap();
    assert_eq!(store.kind(), "sqlite");
    store.migrate().await.unwrap();
    let m = store
        .create_match(&new_match("memory", None))
        .await
        .unwrap();
    store
        .append(&event(m.id, 1, "ball", "in_progress"))
        .await
        .unwrap();
    assert_eq!(store.current_seq(m.id).await.unwrap(), Some(1));
    assert_eq!(store.list_matches().await.unwrap().len(), 1);
}

#[tokio::test]
async fn kinds_and_migrations_are_idempotent() {
    let (pg, lite) = (postgres_store().await, sqlite_store().await);
    assert_eq!((pg.kind(), lite.kind()), ("postgres", "sqlite"));
    pg.migrate().await.expect("a second migrate is a no-op");
    lite.migrate().await.expect("a second migrate is a no-op");
}

#[tokio::test]
async fn unreachable_postgres_is_unavailable() {
    let opts = crease::store::StoreOptions {
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_millis(500),
        statement_timeout: std::time::Duration::from_secs(1),
    };
    // Port 1 on loopback: nothing listens there.
    let err = Store::connect("postgres://postgres@127.0.0.1:1/x", &opts)
        .await
        .err()
        .unwrap();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    let err = Store::connect("mysql://x", &opts).await.err().unwrap();
    assert!(matches!(err, StoreError::Other(_)), "{err:?}");
}
