//! What a client may hold on to (SECURITY.md, "Availability"): every connection
//! that has not sent a complete request head within the header timeout is
//! closed, whatever it sent; an idle kept-alive connection (HTTP/1.1 or HTTP/2)
//! is closed after the idle timeout; at the connection cap the server sheds idle
//! connections rather than stop answering.

mod common;

use std::time::Duration;

use common::raw::{self, H2_PREFACE};
use common::{Db, TestServer};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::time::Instant;

/// Past the default cap of 1,024.
const FLOOD: usize = 1100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_silent_sockets_neither_locks_clients_out_nor_stays_open() {
    raw::raise_open_files_limit();
    let s = TestServer::start(Db::Sqlite).await;
    let addr = s.addr();
    let started = Instant::now();
    let mut socks = Vec::with_capacity(FLOOD);
    for i in 0..FLOOD {
        let mut sock = TcpStream::connect(&addr).await.expect("connect");
        // Whatever they send short of a request head: nothing, part of a line, an HTTP/2 preface.
        let _ = match i % 3 {
            0 => Ok(()),
            1 => sock.write_all(b"GET /heal").await,
            _ => sock.write_all(H2_PREFACE).await,
        };
        socks.push(sock);
    }

    let asked = Instant::now();
    let health = tokio::time::timeout(
        Duration::from_secs(5),
        s.http.get(format!("{}/healthz", s.base)).send(),
    )
    .await
    .expect("/healthz answered while the silent sockets are held")
    .expect("request");
    assert_eq!(health.status(), 200);
    eprintln!(
        "{FLOOD} silent sockets opened in {:?}; /healthz answered in {:?}",
        asked - started,
        asked.elapsed()
    );

    let deadline = started + Duration::from_secs(15);
    let closed = futures::future::join_all(
        socks
            .iter_mut()
            .map(|sock| raw::closed_before(sock, deadline)),
    )
    .await;
    let open = closed.iter().filter(|c| !**c).count();
    assert_eq!(open, 0, "{open} of {FLOOD} sockets still open after 15 s");
    eprintln!(
        "all closed by the server {:?} after the first connected",
        started.elapsed()
    );
}

#[tokio::test]
async fn an_http2_preface_and_then_nothing_is_closed_after_the_header_timeout() {
    let s = TestServer::start_with(&["--header-timeout", "1"]);
    let mut sock = TcpStream::connect(s.addr()).await.expect("connect");
    sock.write_all(H2_PREFACE).await.expect("preface");
    let sent = Instant::now();
    assert!(
        !raw::closed_before(&mut sock, sent + Duration::from_millis(800)).await,
        "closed before the header timeout"
    );
    assert!(
        raw::closed_before(&mut sock, sent + Duration::from_secs(4)).await,
        "an HTTP/2 preface alone held the connection open"
    );
}

#[tokio::test]
async fn an_idle_http1_keep_alive_connection_is_closed_after_the_idle_timeout() {
    let s = TestServer::start_with(&["--idle-timeout", "1", "--header-timeout", "5"]);
    let mut sock = TcpStream::connect(s.addr()).await.expect("connect");
    let get = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    sock.write_all(get).await.expect("write");
    assert_eq!(
        raw::read_response(&mut sock)
            .await
            .expect("response")
            .status,
        200
    );
    // Within the idle timeout the connection is still good for another request.
    tokio::time::sleep(Duration::from_millis(400)).await;
    sock.write_all(get).await.expect("write");
    assert_eq!(
        raw::read_response(&mut sock)
            .await
            .expect("response")
            .status,
        200
    );
    let answered = Instant::now();
    assert!(
        raw::closed_before(&mut sock, answered + Duration::from_secs(4)).await,
        "an idle keep-alive connection stayed open"
    );
    let idle = answered.elapsed();
    // The server's idle time starts a moment before this client read the response.
    assert!(idle >= Duration::from_millis(500), "closed after {idle:?}");
}

#[tokio::test]
async fn an_idle_http2_connection_gets_a_goaway_and_is_closed_after_the_idle_timeout() {
    let s = TestServer::start_with(&["--idle-timeout", "1", "--header-timeout", "5"]);
    let mut sock = TcpStream::connect(s.addr()).await.expect("connect");
    let mut hello = H2_PREFACE.to_vec();
    hello.extend(raw::frame(raw::SETTINGS, 0, 0, &[]));
    hello.extend(raw::h2_get("/healthz"));
    sock.write_all(&hello).await.expect("write");

    let deadline = Instant::now() + Duration::from_secs(6);
    let mut answered = None;
    let mut goaway = false;
    while let Some(f) = raw::read_frame(&mut sock, deadline).await {
        match f.kind {
            raw::SETTINGS if f.flags & 1 == 0 => {
                sock.write_all(&raw::frame(raw::SETTINGS, 1, 0, &[]))
                    .await
                    .expect("settings ack");
            }
            raw::HEADERS if f.stream == 1 => {
                // :status 200 from HPACK's static table.
                assert_eq!(f.payload.first(), Some(&0x88), "not a 200");
                if f.flags & raw::END_STREAM != 0 {
                    answered = Some(Instant::now());
                }
            }
            raw::DATA if f.stream == 1 && f.flags & raw::END_STREAM != 0 => {
                answered = Some(Instant::now());
            }
            raw::GOAWAY => goaway = true,
            _ => {}
        }
    }
    let answered = answered.expect("the HTTP/2 request was answered");
    let idle = answered.elapsed();
    assert!(goaway, "no GOAWAY before the close");
    assert!(
        idle >= Duration::from_millis(500) && idle < Duration::from_secs(4),
        "closed {idle:?} after the response"
    );
}

#[tokio::test]
async fn a_slow_but_complete_request_head_is_served() {
    let s = TestServer::start_with(&["--header-timeout", "3"]);
    let mut sock = TcpStream::connect(s.addr()).await.expect("connect");
    let request = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    // About 1.5 s for the whole head, a few bytes at a time.
    for chunk in request.chunks(5) {
        sock.write_all(chunk).await.expect("write");
        tokio::time::sleep(Duration::from_millis(130)).await;
    }
    let response = raw::read_response(&mut sock).await.expect("response");
    assert_eq!(response.status, 200);
    assert_eq!(response.json()["status"], "ok");
}

#[tokio::test]
async fn a_later_request_head_that_stalls_is_cut_off_by_the_header_timeout() {
    let s = TestServer::start_with(&["--header-timeout", "1", "--idle-timeout", "30"]);
    let mut sock = TcpStream::connect(s.addr()).await.expect("connect");
    sock.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(
        raw::read_response(&mut sock)
            .await
            .expect("response")
            .status,
        200
    );
    sock.write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("write");
    let started = Instant::now();
    assert!(
        raw::closed_before(&mut sock, started + Duration::from_secs(4)).await,
        "a stalled second head was held for the whole idle timeout"
    );
}

#[tokio::test]
async fn at_the_cap_a_new_client_is_served_by_shedding_the_longest_idle_never_a_busy_one() {
    let s = TestServer::start_with(&["--max-connections", "3"]);
    s.tenant("Acme", "acme");
    let key = s.key("acme", "users:write");
    let addr = s.addr();
    let health = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    // Long enough to see a close that is due, short enough to keep the test quick.
    let soon = || Instant::now() + Duration::from_millis(300);
    let due = || Instant::now() + Duration::from_secs(3);

    // A: served once, then idle.
    let mut a = TcpStream::connect(&addr).await.expect("connect");
    a.write_all(health).await.expect("write");
    assert_eq!(
        raw::read_response(&mut a).await.expect("response").status,
        200
    );
    // B: busy, its handler waiting for a body that is still coming.
    let mut b = TcpStream::connect(&addr).await.expect("connect");
    let post = format!(
        "POST /api/v1/users HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"display_name\""
    );
    b.write_all(post.as_bytes()).await.expect("write");
    // C: silent.
    let mut c = TcpStream::connect(&addr).await.expect("connect");
    tokio::time::sleep(Duration::from_millis(200)).await;

    // At the cap, D is served: the silent C goes first.
    let mut d = TcpStream::connect(&addr).await.expect("connect");
    d.write_all(health).await.expect("write");
    assert_eq!(
        raw::read_response(&mut d).await.expect("response").status,
        200
    );
    assert!(
        raw::closed_before(&mut c, due()).await,
        "the silent one was kept"
    );
    assert!(
        !raw::closed_before(&mut a, soon()).await,
        "a served one went before a silent one"
    );

    // Next, E: the one idle the longest (A) goes; the busy B never.
    let mut e = TcpStream::connect(&addr).await.expect("connect");
    e.write_all(health).await.expect("write");
    assert_eq!(
        raw::read_response(&mut e).await.expect("response").status,
        200
    );
    assert!(
        raw::closed_before(&mut a, due()).await,
        "the longest idle was kept"
    );
    assert!(
        !raw::closed_before(&mut b, soon()).await,
        "a busy connection was shed"
    );
}

#[tokio::test]
async fn sigterm_with_silent_half_sent_and_idle_connections_open_exits_at_once() {
    let mut s = TestServer::start(Db::Sqlite).await;
    let addr = s.addr();
    let _silent = TcpStream::connect(&addr).await.expect("connect");
    let mut half = TcpStream::connect(&addr).await.expect("connect");
    half.write_all(b"GET /healthz HTTP/1.1\r\nHo")
        .await
        .expect("write");
    let mut idle = TcpStream::connect(&addr).await.expect("connect");
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .expect("write");
    assert_eq!(
        raw::read_response(&mut idle)
            .await
            .expect("response")
            .status,
        200
    );

    let signalled = Instant::now();
    let pid = s.pid().to_string();
    assert!(
        std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill")
            .success()
    );
    let code = loop {
        if let Some(code) = s.try_wait() {
            break code;
        }
        assert!(
            signalled.elapsed() < Duration::from_secs(5),
            "open connections held the shutdown"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(code.success(), "exit status {code:?}");
}
