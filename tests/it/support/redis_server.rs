//! A Redis server of a test's own: `redis-server` on a free port with no persistence, for the
//! faults that kill, stop or empty Redis itself, which must never touch the Redis every other
//! test shares. Killed when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::app::eventually;

pub struct PrivateRedis {
    port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// `--save ""` and `--appendonly no`: a restart comes back empty, as a cache server without
/// persistence does.
fn spawn(port: u16) -> Child {
    Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server starts (install Redis: these tests need a real server)")
}

impl PrivateRedis {
    /// A running server on a free port, answering PING.
    pub async fn start() -> PrivateRedis {
        for _ in 0..5 {
            let mut redis = PrivateRedis {
                port: free_port(),
                child: None,
            };
            if redis.launch().await {
                return redis;
            }
        }
        panic!("redis-server could not bind a port in five tries");
    }

    /// Starts the process on this server's port; false if it exited (the port was taken).
    async fn launch(&mut self) -> bool {
        self.child = Some(spawn(self.port));
        let exited = eventually("the private redis-server to answer", || {
            let exited = self
                .child
                .as_mut()
                .is_some_and(|c| c.try_wait().ok().flatten().is_some());
            let url = self.url();
            async move {
                if exited {
                    return Some(true);
                }
                ping(&url).await.then_some(false)
            }
        })
        .await;
        !exited
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    fn pid(&self) -> i32 {
        let child = self.child.as_ref().expect("the server is running");
        i32::try_from(child.id()).expect("a pid")
    }

    fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on the pid of a child this struct spawned and has not reaped.
        let rc = unsafe { libc::kill(self.pid(), sig) };
        assert_eq!(rc, 0, "signal {sig} delivered to redis-server");
    }

    /// SIGKILL: the server and everything it held are gone at once.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGSTOP: connections stay open and nothing answers, as a hung server.
    pub fn pause(&self) {
        self.signal(libc::SIGSTOP);
    }

    /// SIGCONT after [`pause`](Self::pause).
    pub fn resume(&self) {
        self.signal(libc::SIGCONT);
    }

    /// Starts the server again on the same port, empty. The port was this server's a moment
    /// ago; another process taking it in between fails the test.
    pub async fn restart(&mut self) {
        self.kill();
        assert!(
            self.launch().await,
            "redis-server restarts on port {}",
            self.port
        );
    }

    /// FLUSHALL: every key gone while the connections stay up.
    pub async fn flushall(&self) {
        let mut c = self.connection().await;
        let _: () = redis::cmd("FLUSHALL")
            .query_async(&mut c)
            .await
            .expect("FLUSHALL");
    }

    pub async fn get(&self, key: &str) -> Option<Vec<u8>> {
        let mut c = self.connection().await;
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut c)
            .await
            .expect("GET")
    }

    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        redis::Client::open(self.url())
            .expect("redis URL")
            .get_multiplexed_async_connection()
            .await
            .expect("a connection to the private redis-server")
    }
}

async fn ping(url: &str) -> bool {
    let Ok(client) = redis::Client::open(url) else {
        return false;
    };
    let Ok(Ok(mut c)) = tokio::time::timeout(
        Duration::from_millis(500),
        client.get_multiplexed_async_connection(),
    )
    .await
    else {
        return false;
    };
    redis::cmd("PING")
        .query_async::<String>(&mut c)
        .await
        .is_ok()
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        // SIGKILL ends a stopped process too.
        self.kill();
    }
}
