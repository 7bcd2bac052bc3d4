//! The service hyper calls for each request on one connection: it counts the
//! request in flight until its response body is done, so that the connection's
//! idle time starts when the response did, and it refuses a head over our
//! limits (`server::limits`) before the router sees it.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{Request, Response};
use axum::response::IntoResponse;
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::service::Service;
use hyper_util::service::TowerToHyperService;

use super::state::ConnState;
use crate::server::limits;

#[derive(Clone)]
pub struct ConnService {
    app: TowerToHyperService<Router>,
    state: Arc<ConnState>,
}

impl ConnService {
    pub fn new(app: Router, state: Arc<ConnState>) -> Self {
        ConnService {
            app: TowerToHyperService::new(app),
            state,
        }
    }
}

type Answer = Result<Response<Tracked>, Infallible>;

impl Service<Request<Incoming>> for ConnService {
    type Response = Response<Tracked>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Answer> + Send>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        let guard = InFlight::new(Arc::clone(&self.state));
        let (head, body) = req.into_parts();
        if let Err(e) = limits::check_head(&head) {
            let response = e.into_response();
            // The request log's line, which the router never sees for this one;
            // the path cut short, since its length may be the problem.
            let path: String = head.uri.path().chars().take(120).collect();
            tracing::info!(
                target: "raven::http",
                "{} {path} {} 0.0ms",
                head.method,
                response.status().as_u16()
            );
            let response = response.map(|b| Tracked::new(b, guard));
            return Box::pin(std::future::ready(Ok(response)));
        }
        let answer = self.app.call(Request::from_parts(head, body));
        Box::pin(async move {
            let response = match answer.await {
                Ok(r) => r,
                Err(never) => match never {},
            };
            Ok(response.map(|b| Tracked::new(b, guard)))
        })
    }
}

/// One request, from its complete head until its response body is done or dropped.
struct InFlight(Arc<ConnState>);

impl InFlight {
    fn new(state: Arc<ConnState>) -> Self {
        state.request_started();
        InFlight(state)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_ended();
    }
}

/// A response body that holds its request's place in flight.
pub struct Tracked {
    inner: Body,
    _in_flight: InFlight,
}

impl Tracked {
    fn new(inner: Body, in_flight: InFlight) -> Self {
        Tracked {
            inner,
            _in_flight: in_flight,
        }
    }
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
