//! Where clients connect from and to: node URLs (loopback only), and sockets bound to one of
//! several 127.0.0.x source addresses so one machine can open more connections than one
//! address has ephemeral ports (and stays under a node's per-address cap).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use anyhow::{bail, Context};
use tokio::net::{TcpSocket, TcpStream};

/// A node: its socket address and its `Host` header value.
#[derive(Debug, Clone)]
pub struct Node {
    pub addr: SocketAddr,
    pub host: String,
    pub base: String,
}

impl Node {
    /// `http://127.0.0.1:8080` → a node. Anything outside 127.0.0.0/8 is refused: this tool
    /// opens thousands of connections and must never point them at another machine.
    pub fn parse(url: &str) -> anyhow::Result<Node> {
        let url = url.trim().trim_end_matches('/');
        let Some(host) = url.strip_prefix("http://") else {
            bail!("{url}: only http:// URLs are supported");
        };
        if host.contains('/') {
            bail!("{url}: give the node's base URL, without a path");
        }
        let addr: SocketAddr = host
            .replace("localhost", "127.0.0.1")
            .parse()
            .with_context(|| format!("{url}: expected http://127.0.0.x:PORT"))?;
        match addr.ip() {
            IpAddr::V4(ip) if ip.is_loopback() => {}
            _ => bail!("{url}: only loopback (127.0.0.0/8) targets are allowed"),
        }
        Ok(Node {
            addr,
            host: host.to_owned(),
            base: url.to_owned(),
        })
    }

    pub fn parse_list(urls: &str) -> anyhow::Result<Vec<Node>> {
        let nodes = urls
            .split(',')
            .filter(|u| !u.trim().is_empty())
            .map(Node::parse)
            .collect::<anyhow::Result<Vec<_>>>()?;
        if nodes.is_empty() {
            bail!("no node URL given");
        }
        Ok(nodes)
    }
}

/// The source address of client `i` when spreading over `k` addresses: 127.0.0.(1 + i % k).
pub fn source_of(i: usize, k: usize) -> Ipv4Addr {
    let k = k.clamp(1, 250);
    Ipv4Addr::new(127, 0, 0, 1 + (i % k) as u8)
}

/// Connects to `to` from `from` (port chosen by the kernel).
pub async fn connect_from(from: Ipv4Addr, to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    let stream = socket.connect(to).await?;
    // Small messages must leave at once, not wait for Nagle.
    stream.set_nodelay(true)?;
    Ok(stream)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_nodes() {
        assert!(Node::parse("http://127.0.0.1:8080").is_ok());
        assert!(Node::parse("http://127.0.0.9:1/").is_ok());
        assert!(Node::parse("http://10.0.0.1:8080").is_err());
        assert!(Node::parse("https://127.0.0.1:8080").is_err());
        assert_eq!(
            Node::parse_list("http://127.0.0.1:1,http://127.0.0.1:2")
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn sources_cycle() {
        assert_eq!(source_of(0, 4), Ipv4Addr::new(127, 0, 0, 1));
        assert_eq!(source_of(5, 4), Ipv4Addr::new(127, 0, 0, 2));
    }
}
