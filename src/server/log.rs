use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

/// Whether request lines carry their parts as fields (`--log-format json`)
/// rather than in the one line of text a person reads.
static FIELDS: AtomicBool = AtomicBool::new(false);

/// Logs each request's method, path, status and milliseconds as fields.
pub fn use_fields(on: bool) {
    FIELDS.store(on, Ordering::Relaxed);
}

/// One log line per request: method, path, status, milliseconds. Neither the
/// query string nor any header is logged, so no key or search term leaks.
pub async fn request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_string();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if FIELDS.load(Ordering::Relaxed) {
        tracing::info!(target: "raven::http", method = %method, path, status, ms, "request");
    } else {
        tracing::info!(target: "raven::http", "{method} {path} {status} {ms:.1}ms");
    }
    response
}
