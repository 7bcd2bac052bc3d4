//! The HTTP layer's own refusals are our JSON error shape with a stable code,
//! whichever layer answers (ours, or hyper's parser), and the per-key rate limit.

mod common;

use std::time::Duration;

use common::TestServer;
use common::raw::{self, exchange};

fn headers(n: usize) -> Vec<u8> {
    let mut r = b"GET /healthz HTTP/1.1\r\nHost: x\r\n".to_vec();
    for i in 0..n {
        r.extend(format!("X-Header-{i}: v\r\n").as_bytes());
    }
    r.extend(b"\r\n");
    r
}

fn get(target_len: usize) -> Vec<u8> {
    format!(
        "GET /{} HTTP/1.1\r\nHost: x\r\n\r\n",
        "a".repeat(target_len - 1)
    )
    .into_bytes()
}

#[tokio::test]
async fn oversized_heads_are_431_and_414_in_json() {
    let s = TestServer::start(common::Db::Sqlite).await;
    let addr = s.addr();
    // Ours: past our limits, within hyper's.
    exchange(&addr, &headers(150))
        .await
        .assert_error(431, "headers_too_large");
    let big_header = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(40 * 1024)
    );
    exchange(&addr, big_header.as_bytes())
        .await
        .assert_error(431, "headers_too_large");
    exchange(&addr, &get(9 * 1024))
        .await
        .assert_error(414, "uri_too_long");
    // hyper's: past its limits too; the same answer.
    exchange(&addr, &headers(500))
        .await
        .assert_error(431, "headers_too_large");
    exchange(&addr, &get(100 * 1024))
        .await
        .assert_error(414, "uri_too_long");
    // Up to the limits is served.
    let ok = exchange(&addr, &headers(90)).await;
    assert_eq!(ok.status, 200, "{ok:?}");
    let ok = exchange(&addr, &get(8 * 1024)).await;
    assert_eq!(ok.status, 404, "{ok:?}");
}

#[tokio::test]
async fn over_http2_the_same_limits_answer_the_same_json() {
    let s = TestServer::start(common::Db::Sqlite).await;
    let addr = s.addr();
    let json = |body: Vec<u8>| -> serde_json::Value {
        serde_json::from_slice(&body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&body)))
    };
    let many: Vec<(String, String)> = (0..150).map(|i| (format!("x-h{i}"), "v".into())).collect();
    let got = json(raw::h2_body(&addr, &raw::h2_get_with("/healthz", &many)).await);
    assert_eq!(got["error"]["code"], "headers_too_large", "{got}");
    // Past hyper's HTTP/2 default of 16 KiB, within ours: still our answer.
    let big = vec![("x-big".to_string(), "a".repeat(40 * 1024))];
    let got = json(raw::h2_body(&addr, &raw::h2_get_with("/healthz", &big)).await);
    assert_eq!(got["error"]["code"], "headers_too_large", "{got}");
    let long = format!("/{}", "a".repeat(9 * 1024));
    let got = json(raw::h2_body(&addr, &raw::h2_get(&long)).await);
    assert_eq!(got["error"]["code"], "uri_too_long", "{got}");
    let got = json(raw::h2_body(&addr, &raw::h2_get("/healthz")).await);
    assert_eq!(got["status"], "ok", "{got}");
}

#[tokio::test]
async fn malformed_framing_is_400_in_json_and_the_connection_closes() {
    let s = TestServer::start(common::Db::Sqlite).await;
    let addr = s.addr();
    for bad in [
        &b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n"[..],
        b"GET / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"hello there\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n",
    ] {
        let r = exchange(&addr, bad).await;
        r.assert_error(400, "malformed_request");
        assert_eq!(
            r.header("connection"),
            Some("close"),
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
    // Behind pipelined requests, in the same write as their responses: the same.
    let mut sock = tokio::net::TcpStream::connect(&addr)
        .await
        .expect("connect");
    tokio::io::AsyncWriteExt::write_all(
        &mut sock,
        b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n\
          GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n",
    )
    .await
    .expect("write");
    for want in [200, 200] {
        let r = raw::read_response(&mut sock).await.expect("response");
        assert_eq!(r.status, want);
        r.json();
    }
    let r = raw::read_response(&mut sock).await.expect("response");
    r.assert_error(400, "malformed_request");
    // Still serving.
    let (status, _) = common::send(s.http.get(format!("{}/healthz", s.base))).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn over_the_rate_limit_a_key_gets_429_with_retry_after_and_other_keys_do_not() {
    let s = TestServer::start_with(&["--rate-limit", "1,3"]);
    s.tenant("Acme", "acme");
    let a = s.key("acme", "users:read");
    let b = s.key("acme", "users:read");
    for _ in 0..3 {
        assert_eq!(s.get("/api/v1/users", &a).await.0, 200);
    }
    let (status, headers, body) =
        common::send_full(s.req(reqwest::Method::GET, "/api/v1/users", &a)).await;
    common::assert_error(&(status, body), 429, "rate_limited");
    let retry: u64 = headers["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("whole seconds");
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    assert_eq!(headers["content-type"], "application/json");

    // Another key, and requests without one, are not counted against it.
    assert_eq!(s.get("/api/v1/users", &b).await.0, 200);
    for _ in 0..5 {
        assert_eq!(
            s.http
                .get(format!("{}/healthz", s.base))
                .send()
                .await
                .expect("healthz")
                .status(),
            200
        );
    }
    // A made-up key with the same public prefix is counted before any lookup.
    let forged = format!("{}{}", &a[..16], "x".repeat(a.len() - 16));
    assert_eq!(s.get("/api/v1/users", &forged).await.0, 429);

    tokio::time::sleep(Duration::from_secs(retry)).await;
    assert_eq!(
        s.get("/api/v1/users", &a).await.0,
        200,
        "not served again after Retry-After"
    );
}

#[tokio::test]
async fn without_the_flag_there_is_no_rate_limit() {
    let s = TestServer::start(common::Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let a = s.key("acme", "users:read");
    for _ in 0..100 {
        assert_eq!(s.get("/api/v1/users", &a).await.0, 200);
    }
}

#[tokio::test]
async fn serve_help_documents_the_limits() {
    let out = std::process::Command::new(common::BIN)
        .args(["serve", "--help"])
        .output()
        .expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--header-timeout",
        "--idle-timeout",
        "--max-connections",
        "--rate-limit",
    ] {
        assert!(
            help.contains(flag),
            "{flag} missing from serve --help:\n{help}"
        );
    }
    let bad = std::process::Command::new(common::BIN)
        .args(["serve", "--rate-limit", "0"])
        .output()
        .expect("run");
    assert!(!bad.status.success());
}
