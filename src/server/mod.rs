//! The Users API server: both dialects over one store.

mod auth;
pub mod cli;
mod duplicate_keys;
mod eai;
mod error;
mod extract;
mod history;
mod key;
mod limits;
mod listen;
mod log;
pub mod metrics;
pub mod openapi;
mod openapi_parts;
mod pages;
mod ratelimit;
mod raven;
mod respond;
pub mod scim;
pub mod users;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::net::TcpListener;

pub use error::ApiError;
pub use listen::{ConnLimits, Timeouts};
pub use log::use_fields as log_request_fields;
pub use ratelimit::RateLimit;

use crate::api::{EAI_BASE, RAVEN_BASE};
use crate::store::Store;

/// Largest request body; a larger one is 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// A request still unanswered after this long is cut off (503), so a stuck
/// client or database cannot hold a connection for ever.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    /// List pages already encoded (`pages`).
    pub pages: Arc<pages::PageCache>,
}

impl AppState {
    fn new(store: Arc<dyn Store>) -> Self {
        AppState {
            store,
            pages: Arc::default(),
        }
    }
}

/// How `serve` bounds its clients; the defaults are `raven-server serve`'s.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    pub connections: ConnLimits,
    /// Per API key; `None`: no limit.
    pub rate_limit: Option<RateLimit>,
}

/// The router of both dialects, `/healthz`, and JSON answers for unknown paths
/// and methods.
pub fn router(store: Arc<dyn Store>) -> Router {
    router_with(store, None)
}

/// `router` with a per-key rate limit.
pub fn router_with(store: Arc<dyn Store>, rate_limit: Option<RateLimit>) -> Router {
    let raven_one = format!("{RAVEN_BASE}/{{user_id}}");
    let raven_history = format!("{RAVEN_BASE}/{{user_id}}/history");
    let eai_me = format!("{EAI_BASE}/me");
    let eai_one = format!("{EAI_BASE}/{{id}}");
    let routes = Router::new()
        .route(RAVEN_BASE, get(raven::list).post(raven::create))
        .route(
            &raven_one,
            get(raven::get).patch(raven::patch).delete(raven::delete),
        )
        .route(EAI_BASE, get(eai::list))
        .route(&eai_me, get(eai::get_me).patch(eai::patch_me))
        .route(&eai_one, get(eai::get).patch(eai::patch))
        .route(&raven_history, get(history::user_history))
        .route(crate::api::audit::AUDIT_PATH, get(history::audit))
        .route(crate::api::key::KEY_PATH, get(key::get))
        .nest(scim::SCIM_BASE, scim::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/openapi.json", get(openapi::serve))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(axum::middleware::from_fn(reads_in_one_snapshot))
        .layer(axum::middleware::from_fn(timeout));
    // Outside the timeout and before any handler, so a refused request reads nothing.
    let routes = match rate_limit {
        Some(limit) => routes.layer(axum::middleware::from_fn_with_state(
            ratelimit::KeyLimiter::start(limit),
            ratelimit::limit,
        )),
        None => routes,
    };
    routes
        .layer(axum::middleware::from_fn(metrics::measure))
        .layer(axum::middleware::from_fn(log::request))
        .with_state(AppState::new(store))
}

/// `GET /metrics` alone, to merge into `router` or, `standalone`, to serve on
/// an address of its own (`serve --metrics-listen`) that need not be public.
pub fn metrics_router(store: Arc<dyn Store>, standalone: bool) -> Router {
    let page = Router::new().route("/metrics", get(metrics::page));
    let page = if standalone {
        page.fallback(not_found)
            .method_not_allowed_fallback(method_not_allowed)
    } else {
        page
    };
    page.with_state(AppState::new(store))
}

/// Serves until `shutdown` resolves, then stops taking connections and lets the
/// requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    store: Arc<dyn Store>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, store, ServeOptions::default(), shutdown).await
}

pub async fn serve_with(
    listener: TcpListener,
    store: Arc<dyn Store>,
    options: ServeOptions,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router_with(store, options.rate_limit);
    listen::serve(listener, app, options.connections, shutdown).await
}

/// Serves `app` under `connections`' limits until `shutdown`, as `serve_with`.
pub async fn serve_router(
    listener: TcpListener,
    app: Router,
    connections: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::serve(listener, app, connections, shutdown).await
}

/// Liveness: the process answers. It does not ask the database, so an
/// orchestrator does not restart replicas that only wait for it to come back.
async fn healthz() -> Response {
    axum::Json(serde_json::json!({"status": "ok"})).into_response()
}

/// Readiness: 200 only while the database answers, so a load balancer sends
/// requests elsewhere meanwhile (503 `unavailable` in our shape).
async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => axum::Json(serde_json::json!({"status": "ready"})).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound {
        code: "not_found",
        message: format!("no such endpoint; the Users APIs are under {RAVEN_BASE} and {EAI_BASE}"),
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// A request that writes nothing reads its key and its answer in one read
/// transaction: one lock on the database's log instead of two
/// (docs/BENCHMARKS.md, finding 18).
async fn reads_in_one_snapshot(req: Request, next: Next) -> Response {
    if req.method().is_safe() {
        crate::store::one_snapshot(next.run(req)).await
    } else {
        next.run(req).await
    }
}

/// Cuts off a request still unanswered after `REQUEST_TIMEOUT`, with our JSON error.
async fn timeout(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(response) => response,
        Err(_) => ApiError::Timeout.into_response(),
    }
}
