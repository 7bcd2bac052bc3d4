//! The socket as hyper sees it: it tells the connection's state when bytes
//! come and go and whether the client speaks HTTP/2, and it puts our JSON in
//! place of hyper's own bodiless error reply (`rewrite.rs`).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;

use super::rewrite;
use super::state::ConnState;

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

pub struct Io {
    inner: TcpStream,
    state: Arc<ConnState>,
    /// How much of the HTTP/2 preface the client's first bytes matched; `None` once decided.
    preface: Option<usize>,
    /// Our reply in place of hyper's, being written.
    replacing: Option<Replacing>,
}

struct Replacing {
    bytes: Vec<u8>,
    written: usize,
    /// How many of hyper's bytes to report written once ours are out.
    stands_for: usize,
}

impl Io {
    pub fn new(inner: TcpStream, state: Arc<ConnState>) -> Self {
        Io {
            inner,
            state,
            preface: Some(0),
            replacing: None,
        }
    }

    fn note_read(&mut self, bytes: &[u8]) {
        self.state.bytes_read();
        if let Some(matched) = self.preface {
            let want = &H2_PREFACE[matched..];
            let n = want.len().min(bytes.len());
            self.preface = if want[..n] != bytes[..n] {
                None
            } else if matched + n == H2_PREFACE.len() {
                self.state.set_h2();
                None
            } else {
                Some(matched + n)
            };
        }
    }
}

impl AsyncRead for Io {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        ready!(Pin::new(&mut this.inner).poll_read(cx, buf))?;
        if buf.filled().len() > before {
            this.note_read(&buf.filled()[before..]);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for Io {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if this.replacing.is_none() && !this.state.is_h2() {
            if let Some(reply) = rewrite::find(buf) {
                if reply.at > 0 {
                    // What comes before it first, so that ours starts a write of its own.
                    return this.write_through(cx, &buf[..reply.at]);
                }
                this.replacing = Some(Replacing {
                    bytes: rewrite::ours(&reply),
                    written: 0,
                    stands_for: buf.len(),
                });
            }
        }
        if let Some(r) = &mut this.replacing {
            while r.written < r.bytes.len() {
                let n = ready!(Pin::new(&mut this.inner).poll_write(cx, &r.bytes[r.written..]))?;
                if n == 0 {
                    return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
                }
                r.written += n;
            }
            let stands_for = r.stands_for;
            this.replacing = None;
            this.state.bytes_written();
            return Poll::Ready(Ok(stands_for));
        }
        this.write_through(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    /// hyper then gathers a response into one buffer, so that its error reply
    /// is always seen whole, at the end of a write.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

impl Io {
    fn write_through(&mut self, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let n = ready!(Pin::new(&mut self.inner).poll_write(cx, buf))?;
        if n > 0 {
            self.state.bytes_written();
        }
        Poll::Ready(Ok(n))
    }
}
