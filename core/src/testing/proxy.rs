//! [`TcpProxy`]: a TCP forwarder that tests can cut, to simulate an outage.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// A TCP forwarder from `127.0.0.1:<ephemeral>` to a target (Redis, Postgres…).
///
/// Point a client at [`TcpProxy::addr`] instead of the server, then
/// [`sever`](TcpProxy::sever) the proxy to simulate an outage without touching the
/// shared server, and [`restore`](TcpProxy::restore) it to end the outage.
///
/// While severed, the port stays bound (so `restore` cannot lose it) but every new
/// connection is accepted and closed at once: clients see a reset or an immediate
/// end of stream, as when a server is down behind a load balancer.
///
/// ```no_run
/// # async fn t() -> std::io::Result<()> {
/// let proxy = strata::testing::TcpProxy::start("127.0.0.1:6379").await?;
/// let url = format!("redis://{}", proxy.addr());
/// proxy.sever();   // every connection through the proxy dies
/// proxy.restore(); // new connections reach Redis again
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    severed: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
    accept: JoinHandle<()>,
}

impl TcpProxy {
    /// Listen on an ephemeral loopback port, forwarding to `target`.
    ///
    /// # Errors
    /// When `target` does not resolve or the listening socket cannot be bound.
    pub async fn start(target: &str) -> io::Result<Self> {
        let target = tokio::net::lookup_host(target)
            .await?
            .next()
            .ok_or_else(|| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{target} does not resolve"),
                )
            })?;
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let severed = Arc::new(AtomicBool::new(false));
        let (cuts, _) = watch::channel(0);
        let accept = tokio::spawn(accept_loop(
            listener,
            target,
            Arc::clone(&severed),
            cuts.clone(),
        ));
        Ok(Self {
            addr,
            severed,
            cuts,
            accept,
        })
    }

    /// The address clients should connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Drop every open connection and refuse new ones until [`TcpProxy::restore`].
    pub fn sever(&self) {
        self.severed.store(true, Ordering::SeqCst);
        self.cuts.send_modify(|cut| *cut += 1);
        tracing::debug!(addr = %self.addr, "proxy severed");
    }

    /// Forward new connections again.
    pub fn restore(&self) {
        self.severed.store(false, Ordering::SeqCst);
        tracing::debug!(addr = %self.addr, "proxy restored");
    }

    /// Whether the proxy is severed.
    pub fn is_severed(&self) -> bool {
        self.severed.load(Ordering::SeqCst)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cuts.send_modify(|cut| *cut += 1);
    }
}

async fn accept_loop(
    listener: TcpListener,
    target: SocketAddr,
    severed: Arc<AtomicBool>,
    cuts: watch::Sender<u64>,
) {
    loop {
        let client = match listener.accept().await {
            Ok((client, _)) => client,
            Err(err) => {
                tracing::debug!(error = %err, "proxy accept failed");
                continue;
            }
        };
        if severed.load(Ordering::SeqCst) {
            // Reset rather than close gracefully, like a dead server.
            let _ = client.set_zero_linger();
            drop(client);
            continue;
        }
        let cut = cuts.subscribe();
        tokio::spawn(forward(client, target, cut));
    }
}

/// Copy bytes both ways until either side closes or the proxy is severed.
async fn forward(mut client: TcpStream, target: SocketAddr, mut cut: watch::Receiver<u64>) {
    let mut server = match TcpStream::connect(target).await {
        Ok(server) => server,
        Err(err) => {
            tracing::debug!(error = %err, %target, "proxy cannot reach its target");
            return;
        }
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        _ = cut.changed() => {
            let _ = client.set_zero_linger();
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    /// An echo server on an ephemeral port.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = socket.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        addr
    }

    async fn round_trip(stream: &mut TcpStream) -> io::Result<[u8; 4]> {
        stream.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        stream.read_exact(&mut buf).await?;
        Ok(buf)
    }

    #[tokio::test]
    async fn forwards_severs_and_restores() {
        let proxy = TcpProxy::start(&echo().await.to_string()).await.unwrap();
        let mut open = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(&round_trip(&mut open).await.unwrap(), b"ping");

        proxy.sever();
        assert!(proxy.is_severed());
        assert!(
            round_trip(&mut open).await.is_err(),
            "open connection survived"
        );
        let mut refused = TcpStream::connect(proxy.addr()).await.unwrap();
        assert!(
            round_trip(&mut refused).await.is_err(),
            "new connection forwarded"
        );

        proxy.restore();
        let mut again = TcpStream::connect(proxy.addr()).await.unwrap();
        assert_eq!(&round_trip(&mut again).await.unwrap(), b"ping");
    }
}
