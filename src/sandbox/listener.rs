//! A TCP listener whose connections a request handler can sever.
//!
//! Injecting a dropped connection needs more than any response axum can build: the client
//! must see the socket close with no status line at all. Each accepted stream carries a
//! shared "killed" flag, handed to requests as [`Connection`] connect-info; once a handler
//! sets it, the stream refuses to write, so hyper abandons the connection and closes the
//! socket before a single byte of the answer leaves.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// The sandbox's listener: plain TCP with severable connections.
pub(crate) struct SandboxListener {
    tcp: TcpListener,
}

impl SandboxListener {
    pub(crate) fn new(tcp: TcpListener) -> Self {
        SandboxListener { tcp }
    }
}

impl Listener for SandboxListener {
    type Io = SeverableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            match self.tcp.accept().await {
                Ok((stream, addr)) => {
                    let killed = Arc::new(AtomicBool::new(false));
                    return (SeverableStream { stream, killed }, addr);
                }
                // Per-connection failures (the peer gave up during the handshake) are
                // routine; anything else (e.g. out of file descriptors) gets a pause so the
                // loop does not spin.
                Err(err) => {
                    if !matches!(
                        err.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) {
                        tracing::warn!(%err, "sandbox accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

/// A TCP stream that fails every write once severed.
pub(crate) struct SeverableStream {
    stream: TcpStream,
    killed: Arc<AtomicBool>,
}

impl SeverableStream {
    fn severed(&self) -> Option<io::Error> {
        self.killed.load(Ordering::SeqCst).then(|| {
            io::Error::new(
                io::ErrorKind::ConnectionAborted,
                "sandbox dropped the connection",
            )
        })
    }
}

impl AsyncRead for SeverableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for SeverableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(err) = self.severed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(err) = self.severed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(err) = self.severed() {
            return Poll::Ready(Err(err));
        }
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Per-request handle on the connection the request arrived on.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    killed: Arc<AtomicBool>,
}

impl Connection {
    /// Makes the connection fail its next write, so the request is never answered.
    pub(crate) fn sever(&self) {
        self.killed.store(true, Ordering::SeqCst);
    }
}

impl Connected<IncomingStream<'_, SandboxListener>> for Connection {
    fn connect_info(stream: IncomingStream<'_, SandboxListener>) -> Self {
        Connection {
            killed: stream.io().killed.clone(),
        }
    }
}
