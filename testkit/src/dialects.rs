//! One test body, run on both SQL dialects: each body is written once, and each dialect still
//! gets a test of its own, named `<body>::postgres` and `<body>::sqlite`, so CI runs and names
//! both.

/// Runs each named `async fn(StoreKind)` as `<name>::postgres` and `<name>::sqlite`. With
/// `db:` first, each takes a fresh migrated `TestDb` of that dialect instead.
#[macro_export]
macro_rules! on_both_stores {
    (db: $($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                use $crate::db::{fresh_store, StoreKind};
                super::$name(fresh_store(StoreKind::Postgres).await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                use $crate::db::{fresh_store, StoreKind};
                super::$name(fresh_store(StoreKind::Sqlite).await).await;
            }
        }
    )*};
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                super::$name($crate::db::StoreKind::Postgres).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$name($crate::db::StoreKind::Sqlite).await;
            }
        }
    )*};
}
