//! Raw TCP for what an HTTP client library will not send: malformed framing,
//! oversized heads, silent and half-sent connections, bare HTTP/2 frames.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;

pub const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[derive(Debug)]
pub struct RawResponse {
    pub status: u16,
    /// Header lines as sent, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "status {} body is not JSON ({e}): {:?}",
                self.status,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    /// Asserts our JSON error shape with this status and code.
    pub fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{self:?}");
        assert_eq!(
            self.header("content-type"),
            Some("application/json"),
            "{self:?}"
        );
        let json = self.json();
        assert_eq!(json["error"]["code"], code, "{json}");
        assert!(
            json["error"]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{json}"
        );
    }
}

/// Connects, sends `request`, and reads one response.
pub async fn exchange(addr: &str, request: &[u8]) -> RawResponse {
    let mut sock = TcpStream::connect(addr).await.expect("connect");
    // The server may answer and close before it has read everything.
    let _ = sock.write_all(request).await;
    read_response(&mut sock).await.unwrap_or_else(|| {
        panic!(
            "no response to {:?}",
            String::from_utf8_lossy(&request[..request.len().min(200)])
        )
    })
}

/// Reads one response (head, then a body of its content-length), and not a
/// byte more, so that pipelined responses can be read one by one; `None` on EOF
/// first.
pub async fn read_response(sock: &mut TcpStream) -> Option<RawResponse> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(10), sock.read(&mut byte))
            .await
            .expect("response within 10 s")
            .ok()?;
        if n == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()?
        .split(' ')
        .nth(1)?
        .parse()
        .expect("status code");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("content-length"));
    let mut body = vec![0u8; length];
    sock.read_exact(&mut body).await.ok()?;
    Some(RawResponse {
        status,
        headers,
        body,
    })
}

/// Whether the server closed `sock` (EOF or reset) before `deadline`; what it
/// sends meanwhile is read and dropped.
pub async fn closed_before(sock: &mut TcpStream, deadline: Instant) -> bool {
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout_at(deadline, sock.read(&mut chunk)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => {}
        }
    }
}

/// Raises the soft open-files limit to the hard one: a test that holds a
/// thousand sockets must not be stopped by a default of 1,024.
pub fn raise_open_files_limit() {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) == 0 && lim.rlim_cur < lim.rlim_max {
            lim.rlim_cur = lim.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &lim);
        }
    }
}

/// One HTTP/2 frame: type, flags, stream id, payload.
pub struct Frame {
    pub kind: u8,
    pub flags: u8,
    pub stream: u32,
    pub payload: Vec<u8>,
}

pub const DATA: u8 = 0;
pub const HEADERS: u8 = 1;
pub const SETTINGS: u8 = 4;
pub const GOAWAY: u8 = 7;
pub const END_STREAM: u8 = 1;

pub fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut f = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    f.extend_from_slice(&stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

pub const CONTINUATION: u8 = 9;
const END_HEADERS: u8 = 4;

/// An HPACK integer with an `n`-bit prefix, the prefix's other bits `flags`.
fn hpack_int(out: &mut Vec<u8>, flags: u8, n: u32, mut v: usize) {
    let max = (1usize << n) - 1;
    if v < max {
        out.push(flags | v as u8);
        return;
    }
    out.push(flags | max as u8);
    v -= max;
    while v >= 128 {
        out.push((v % 128) as u8 | 0x80);
        v /= 128;
    }
    out.push(v as u8);
}

fn hpack_str(out: &mut Vec<u8>, s: &[u8]) {
    hpack_int(out, 0, 7, s.len());
    out.extend_from_slice(s);
}

/// `GET path` on stream 1 with extra header fields, as HEADERS and as many
/// CONTINUATION frames as it takes (HPACK literals, no Huffman).
pub fn h2_get_with(path: &str, extra: &[(String, String)]) -> Vec<u8> {
    let mut block = vec![0x82, 0x86]; // :method GET, :scheme http
    hpack_int(&mut block, 0x40, 6, 4); // :path, literal with incremental indexing
    hpack_str(&mut block, path.as_bytes());
    block.extend_from_slice(&[0x41, 0x01, b'x']); // :authority x
    for (name, value) in extra {
        block.push(0x00); // literal, new name, not indexed
        hpack_str(&mut block, name.as_bytes());
        hpack_str(&mut block, value.as_bytes());
    }
    let mut out = Vec::new();
    let chunks: Vec<&[u8]> = block.chunks(16_384).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let last = if i + 1 == chunks.len() {
            END_HEADERS
        } else {
            0
        };
        if i == 0 {
            out.extend(frame(HEADERS, last | END_STREAM, 1, chunk));
        } else {
            out.extend(frame(CONTINUATION, last, 1, chunk));
        }
    }
    out
}

pub fn h2_get(path: &str) -> Vec<u8> {
    h2_get_with(path, &[])
}

/// Sends one HTTP/2 request on a new connection and returns the response's body.
pub async fn h2_body(addr: &str, request: &[u8]) -> Vec<u8> {
    let mut sock = TcpStream::connect(addr).await.expect("connect");
    let mut hello = H2_PREFACE.to_vec();
    hello.extend(frame(SETTINGS, 0, 0, &[]));
    hello.extend_from_slice(request);
    sock.write_all(&hello).await.expect("write");
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut body = Vec::new();
    while let Some(f) = read_frame(&mut sock, deadline).await {
        match f.kind {
            SETTINGS if f.flags & 1 == 0 => {
                sock.write_all(&frame(SETTINGS, 1, 0, &[]))
                    .await
                    .expect("ack");
            }
            DATA if f.stream == 1 => {
                body.extend_from_slice(&f.payload);
                if f.flags & END_STREAM != 0 {
                    break;
                }
            }
            HEADERS if f.stream == 1 && f.flags & END_STREAM != 0 => break,
            _ => {}
        }
    }
    body
}

/// The next frame; `None` on EOF, reset, or `deadline`.
pub async fn read_frame(sock: &mut TcpStream, deadline: Instant) -> Option<Frame> {
    let mut head = [0u8; 9];
    tokio::time::timeout_at(deadline, sock.read_exact(&mut head))
        .await
        .ok()?
        .ok()?;
    let len = (usize::from(head[0]) << 16) | (usize::from(head[1]) << 8) | usize::from(head[2]);
    let mut payload = vec![0u8; len];
    tokio::time::timeout_at(deadline, sock.read_exact(&mut payload))
        .await
        .ok()?
        .ok()?;
    Some(Frame {
        kind: head[3],
        flags: head[4],
        stream: u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff,
        payload,
    })
}
