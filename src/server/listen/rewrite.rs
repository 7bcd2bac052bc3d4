//! hyper answers a request it cannot parse by itself, before any service sees
//! it: `HTTP/1.1 400|414|431`, `content-length: 0`, `date`, and nothing else
//! (hyper 1.x, `proto/h1/role.rs`, `Server::on_error`), then closes the
//! connection. This recognises that reply in what hyper writes and builds ours
//! in its place: the same status, our JSON error shape.
//!
//! Why the match cannot hit one of our own responses: every response of ours
//! has a `content-type` and a JSON body, and JSON never holds a raw CR or LF, so
//! a status line and header block in that exact form can only be hyper's. The
//! reply is the last thing hyper writes on the connection, so it is looked for
//! at the end of a write only.

use crate::server::ApiError;
use crate::server::limits;

/// hyper's reply is about 90 bytes; anything longer is not it.
const MAX_REPLY: usize = 256;
const STATUS_LINE: &[u8] = b"HTTP/1.1 ";

/// hyper's bodiless error reply found at the end of a write.
#[derive(Debug, PartialEq, Eq)]
pub struct HyperReply {
    /// Where it starts in the buffer; it runs to the end.
    pub at: usize,
    pub status: u16,
    pub date: Option<Vec<u8>>,
}

/// The reply `buf` ends with, if it ends with one.
pub fn find(buf: &[u8]) -> Option<HyperReply> {
    if !buf.ends_with(b"\r\n\r\n") {
        return None;
    }
    let from = buf.len().saturating_sub(MAX_REPLY);
    let tail = &buf[from..];
    (0..tail.len())
        .filter(|&i| tail[i..].starts_with(STATUS_LINE))
        .find_map(|i| parse(&tail[i..]).map(|(status, date)| (from + i, status, date)))
        .map(|(at, status, date)| HyperReply { at, status, date })
}

/// The status and date of `head` when it is exactly hyper's reply.
fn parse(head: &[u8]) -> Option<(u16, Option<Vec<u8>>)> {
    let mut headers = [httparse::EMPTY_HEADER; 4];
    let mut response = httparse::Response::new(&mut headers);
    let n = match response.parse(head) {
        Ok(httparse::Status::Complete(n)) => n,
        _ => return None,
    };
    if n != head.len() || response.version != Some(1) {
        return None;
    }
    let status = response.code?;
    if !matches!(status, 400 | 414 | 431) {
        return None;
    }
    let mut date = None;
    let mut length_zero = false;
    for h in response.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") && h.value == b"0" {
            length_zero = true;
        } else if h.name.eq_ignore_ascii_case("date") {
            date = Some(h.value.to_vec());
        } else if !(h.name.eq_ignore_ascii_case("connection") && h.value == b"close") {
            return None;
        }
    }
    length_zero.then_some((status, date))
}

/// Our answer in place of hyper's: same status, JSON body, and the connection closes.
pub fn ours(reply: &HyperReply) -> Vec<u8> {
    let error = match reply.status {
        414 => ApiError::UriTooLong,
        431 => limits::too_large(),
        _ => ApiError::Malformed,
    };
    let status = error.status();
    let body = error.body_bytes();
    let mut out = Vec::with_capacity(160 + body.len());
    out.extend_from_slice(
        format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
             connection: close\r\n",
            status.as_u16(),
            status.canonical_reason().unwrap_or(""),
            body.len()
        )
        .as_bytes(),
    );
    if let Some(date) = &reply.date {
        out.extend_from_slice(b"date: ");
        out.extend_from_slice(date);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As hyper 1.12 writes it (seen on the wire).
    const HYPER_400: &[u8] =
        b"HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\
                               date: Tue, 01 Dec 2026 21:00:00 GMT\r\n\r\n";

    #[test]
    fn finds_hyper_reply_alone_or_after_earlier_bytes() {
        let found = find(HYPER_400).expect("found");
        assert_eq!(found.at, 0);
        assert_eq!(found.status, 400);
        let without_connection = b"HTTP/1.1 431 Request Header Fields Too Large\r\n\
                                   content-length: 0\r\n\r\n";
        assert_eq!(find(without_connection).map(|r| r.status), Some(431));
        let mut buf =
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"
                .to_vec();
        let start = buf.len();
        buf.extend_from_slice(HYPER_400);
        assert_eq!(find(&buf).map(|r| r.at), Some(start));
    }

    #[test]
    fn never_matches_our_own_responses() {
        for ours in [
            &b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n"[..],
            b"HTTP/1.1 204 No Content\r\ndate: x\r\n\r\n",
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n5\r\n[\"a\"]\r\n0\r\n\r\n",
            b"{\"x\":\"HTTP/1.1 400 Bad Request\"}\r\n0\r\n\r\n",
        ] {
            assert_eq!(find(ours), None, "{}", String::from_utf8_lossy(ours));
        }
    }

    #[test]
    fn ours_is_json_with_the_same_status_and_date() {
        let reply = find(HYPER_400).expect("found");
        let text = String::from_utf8(ours(&reply)).expect("utf-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        assert!(head.starts_with("HTTP/1.1 400 Bad Request\r\n"), "{head}");
        assert!(head.contains("content-type: application/json"));
        assert!(head.contains("date: Tue, 01 Dec 2026 21:00:00 GMT"));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let json: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(json["error"]["code"], "malformed_request");
        for (status, code) in [(414, "uri_too_long"), (431, "headers_too_large")] {
            let text = String::from_utf8(ours(&HyperReply {
                at: 0,
                status,
                date: None,
            }))
            .expect("utf-8");
            assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{text}");
            assert!(text.contains(code), "{text}");
        }
    }
}
