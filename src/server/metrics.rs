//! `GET /metrics` in the Prometheus text format: requests by route, method and
//! status, their latency, connections open, the store's pool, rate-limit
//! refusals. The recorder is process-wide and installed only by `serve`, so a
//! server embedded in the console records nothing and serves no page.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
use super::error::ApiError;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Connections open now (the accept loop's registry keeps it).
pub const CONNECTIONS_OPEN: &str = "raven_http_connections_open";
/// Requests refused by the per-key rate limit.
pub const RATE_LIMITED: &str = "raven_rate_limited_total";

/// Request latency buckets, in seconds: a list page takes ~1 ms, a deep search
/// tens, a stuck database the 30 s timeout.
const BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];

/// Installs the process's recorder; later calls keep the first.
pub fn install() -> anyhow::Result<()> {
    if HANDLE.get().is_some() {
        return Ok(());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full("raven_http_request_duration_seconds".into()),
            BUCKETS,
        )?
        .install_recorder()?;
    metrics::describe_counter!(
        "raven_http_requests_total",
        "Requests answered, by route, method and status"
    );
    metrics::describe_histogram!(
        "raven_http_request_duration_seconds",
        metrics::Unit::Seconds,
        "Time from a request's head to its response, by route and method"
    );
    metrics::describe_gauge!(CONNECTIONS_OPEN, "Client connections open now");
    metrics::describe_counter!(
        RATE_LIMITED,
        "Requests refused by the per-key rate limit (429)"
    );
    metrics::counter!(RATE_LIMITED).absolute(0);
    metrics::describe_gauge!(
        "raven_store_pool_connections",
        "Connections of the store's pool, by state (idle, busy)"
    );
    let _ = HANDLE.set(handle);
    Ok(())
}

/// The label of a request's method: a client may send any token as its
/// method, and each one would otherwise be a new series, kept for as long as
/// the process lives.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        Method::TRACE => "TRACE",
        Method::CONNECT => "CONNECT",
        _ => "other",
    }
}

/// Counts and times one request under the route it matched (the pattern, such
/// as `/api/v1/users/{user_id}`, never the id: one series per route).
fn record(route: Option<&str>, method: &Method, status: StatusCode, elapsed: Duration) {
    let route = route.unwrap_or("unmatched").to_owned();
    let method = method_label(method);
    metrics::counter!(
        "raven_http_requests_total",
        "route" => route.clone(), "method" => method, "status" => status.as_u16().to_string()
    )
    .increment(1);
    metrics::histogram!(
        "raven_http_request_duration_seconds",
        "route" => route, "method" => method
    )
    .record(elapsed.as_secs_f64());
}

/// The page. 404 where no recorder was installed.
pub async fn page(State(state): State<AppState>) -> Response {
    let Some(handle) = HANDLE.get() else {
        return ApiError::NotFound {
            code: "not_found",
            message: "metrics are not recorded by this server".into(),
        }
        .into_response();
    };
    let (size, idle) = state.store.pool_use();
    metrics::gauge!("raven_store_pool_connections", "state" => "idle").set(idle as f64);
    metrics::gauge!("raven_store_pool_connections", "state" => "busy")
        .set(f64::from(size) - idle as f64);
    handle.run_upkeep();
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        handle.render(),
    )
        .into_response()
}

/// Times each request for `record`. A layer of the router, so the route it
/// matched is known; the timeout's answers are counted like any other.
pub async fn measure(req: Request, next: Next) -> Response {
    if HANDLE.get().is_none() {
        return next.run(req).await;
    }
    let started = std::time::Instant::now();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let method = req.method().clone();
    let response = next.run(req).await;
    let route = route.as_ref().map(MatchedPath::as_str);
    record(route, &method, response.status(), started.elapsed());
    response
}
