//! Whether a process is the one listening on a port.
//!
//! A test picks a free port, releases it and starts a node on it; in between, another test's
//! node can take the same port. Ours then fails to bind and exits, and the other node answers
//! its readiness probe, so the test would go on against a node with the wrong settings. Asking
//! the kernel who holds the listening socket closes that gap.

/// True when `pid` holds a socket listening on TCP `port` (IPv4 or IPv6), from `/proc`.
pub fn listens_on(pid: u32, port: u16) -> bool {
    let inodes: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| std::fs::read_to_string(table).ok())
        .flat_map(|text| listening_inodes(&text, port))
        .collect();
    if inodes.is_empty() {
        return false;
    }
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
        .any(|target| {
            let target = target.to_string_lossy();
            inodes.iter().any(|i| target == format!("socket:[{i}]"))
        })
}

/// The socket inodes of a `/proc/net/tcp` table's rows that listen (state `0A`) on `port`.
fn listening_inodes(table: &str, port: u16) -> Vec<String> {
    let port = format!(":{port:04X}");
    table
        .lines()
        .skip(1)
        .filter_map(|row| {
            let cols: Vec<&str> = row.split_whitespace().collect();
            let (local, state, inode) = (cols.get(1)?, cols.get(3)?, cols.get(9)?);
            (local.ends_with(&port) && *state == "0A").then(|| inode.to_string())
        })
        .collect()
}

#[test]
fn this_process_is_seen_listening_on_its_own_port_and_not_on_another() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    assert!(listens_on(std::process::id(), port));
    drop(listener);
    assert!(!listens_on(std::process::id(), port));
}
