//! The console's HTTP transport for both dialects: one method per request. It
//! knows the wire (paths, query parameters, bodies, the error shape) and
//! nothing of the screen or of how the two views of a user are joined (that is
//! `console::view`): failures come back as a [`ClientError`] that the console
//! turns into words.
//!
//! It is written to the specs, not to raven-server: [`wire`] reads answers
//! that leave out what the specs do not promise, [`vendor`] reads other
//! servers' error bodies.

mod audit;
mod remove;
pub mod scim;
mod vendor;
mod wire;

pub use audit::AuditQuery;

pub use wire::{EaiList, RavenList, utc};

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

use super::key::{KEY_PATH, KeyInfo};
use super::{EAI_BASE, RAVEN_BASE, eai, raven};
use crate::model::{Role, Status};

/// Why a call failed, in terms the console can explain.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ClientError {
    #[error("cannot reach {url}: {reason}")]
    Unreachable { url: String, reason: String },
    #[error("{url} did not answer in time")]
    Timeout { url: String },
    #[error("the server refused the key: {message}")]
    Unauthorized { message: String },
    #[error("not allowed ({code}): {message}")]
    Forbidden { code: String, message: String },
    #[error("not found ({code}): {message}")]
    NotFound { code: String, message: String },
    #[error("the server answered {status} ({code}): {message}")]
    Api {
        status: u16,
        code: String,
        message: String,
        /// The request field the server blames (400s and 409s), so a form can show the message beside it.
        field: Option<String>,
        /// On a 409: the user that already holds the unique value.
        user_id: Option<String>,
    },
    #[error("unexpected answer from {url}: {reason}")]
    Decode { url: String, reason: String },
    #[error("no Users API at {url}: both {RAVEN_BASE} and {EAI_BASE} answered 404")]
    NoApi { url: String },
    /// `--api raven` or `--api eai` against a server whose base path of that dialect is 404.
    #[error("{url} does not speak the {dialect} ({path} answered 404)")]
    NoDialect {
        url: String,
        dialect: &'static str,
        path: &'static str,
    },
    /// An https:// URL whose server answered the TLS handshake in plain HTTP.
    #[error("{url} does not speak TLS: {reason}")]
    PlainHttp { url: String, reason: String },
    /// The console was started read-only, so it sends no write at all.
    #[error("read-only: no write is sent")]
    ReadOnly,
    #[error("not a usable server URL: {0}")]
    BadUrl(String),
}

impl ClientError {
    /// Worth retrying later without anyone changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            ClientError::Unreachable { .. } | ClientError::Timeout { .. } => true,
            ClientError::Api { status, .. } => *status >= 500 || *status == 429,
            _ => false,
        }
    }

    /// A 412: the user changed since the version the request was conditional on.
    pub fn is_precondition_failed(&self) -> bool {
        matches!(self, ClientError::Api { status: 412, .. })
    }
}

/// One user as one dialect sent it.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched<T> {
    pub user: T,
    /// Top-level fields the server sent that the spec does not name.
    pub extra: serde_json::Map<String, serde_json::Value>,
    pub etag: Option<String>,
}

/// One page of a list, in either dialect, with the filters that went with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    pub offset: u64,
    pub limit: u32,
    pub external_ref: Option<String>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub search: Option<String>,
    /// The order asked for (`sort=`, a raven-server extension); `None` is the
    /// server's default, newest first. Sent to a dialect only as it spells it.
    pub sort: Option<crate::store::Sort>,
}

impl ListQuery {
    /// The query string: the page, then each filter that is set, then the
    /// sort as `sorts` (the dialect's table) spells it.
    fn params(
        &self,
        sorts: &[(&'static str, crate::store::SortKey)],
    ) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("limit", self.limit.to_string()),
            ("offset", self.offset.to_string()),
        ];
        out.extend(self.external_ref.clone().map(|v| ("external_ref", v)));
        out.extend(self.role.map(|r| ("role", r.as_str().to_string())));
        out.extend(self.status.map(|s| ("status", s.as_str().to_string())));
        out.extend(self.search.clone().map(|s| ("search", s)));
        out.extend(
            self.sort
                .and_then(|s| super::sort::param(sorts, s))
                .map(|s| ("sort", s)),
        );
        out
    }
}

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    base: Url,
    token: Option<String>,
    /// `--read-only`: every write is refused here, before anything is sent.
    read_only: bool,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Result<Client, ClientError> {
        // "localhost:3000" is what people type; it means plain HTTP.
        let with_scheme;
        let base = if base.contains("://") {
            base
        } else {
            with_scheme = format!("http://{base}");
            &with_scheme
        };
        let mut base = Url::parse(base).map_err(|e| ClientError::BadUrl(format!("{base}: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ClientError::BadUrl(format!("{base}: only http and https")));
        }
        // A trailing slash keeps `join` from dropping a path prefix (a server behind /raven/).
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .user_agent(concat!("raven-console/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ClientError::BadUrl(e.to_string()))?;
        Ok(Client {
            http,
            base,
            token: token.filter(|t| !t.is_empty()),
            read_only: false,
        })
    }

    /// A client that never sends a write (`--read-only`).
    pub fn read_only(mut self, on: bool) -> Client {
        self.read_only = on;
        self
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The server's URL as the admin gave it, for the status line and messages.
    pub fn base_url(&self) -> &str {
        self.base.as_str().trim_end_matches('/')
    }

    fn url(&self, path: &str) -> Result<Url, ClientError> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ClientError::BadUrl(e.to_string()))
    }

    fn request(&self, method: Method, url: Url) -> RequestBuilder {
        let req = self
            .http
            .request(method, url)
            .header(header::ACCEPT, "application/json");
        match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    async fn send(&self, req: RequestBuilder) -> Result<Response, ClientError> {
        let base = self.base_url().to_string();
        let https = self.base.scheme() == "https";
        let resp = req
            .send()
            .await
            .map_err(|e| transport_error(&base, https, &e))?;
        if resp.status().is_success() {
            Ok(resp)
        } else {
            Err(api_error(resp).await)
        }
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(T, Option<String>), ClientError> {
        let url = self.url(path)?;
        let resp = self
            .send(self.request(Method::GET, url).query(query))
            .await?;
        decode(resp).await
    }

    /// Whether the server answers on `base`: a 404 there means the dialect is absent.
    pub async fn probe(&self, base: &str) -> Result<bool, ClientError> {
        let probe = [("limit", "1".to_string())];
        match self.get_json::<serde_json::Value>(base, &probe).await {
            Ok(_) => Ok(true),
            // A key bound to a user without users.manage may not list, but the dialect is there.
            Err(ClientError::Forbidden { .. }) => Ok(true),
            Err(ClientError::NotFound { .. }) => Ok(false),
            // Anything that is not JSON (an HTML 404 page, say) on the path: not this API.
            Err(ClientError::Api { status: 404, .. }) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// `GET /api/v1/key` (a raven-server extension): what the key may do.
    /// `None` from a server without it; then the console learns from refusals.
    pub async fn key_info(&self) -> Result<Option<KeyInfo>, ClientError> {
        match self.get_json::<KeyInfo>(KEY_PATH, &[]).await {
            Ok((info, _)) => Ok(Some(info)),
            Err(e @ (ClientError::Unauthorized { .. } | ClientError::PlainHttp { .. })) => Err(e),
            Err(e) if e.is_transient() => Err(e),
            // 404, 405, an HTML page, a shape of its own: not this extension.
            Err(_) => Ok(None),
        }
    }

    /// `GET /api/eai/v3/users/me`: the user the key is bound to. What a
    /// refusal or a 404 there means is the console's to say (`console::view`).
    pub async fn get_me(&self) -> Result<eai::User, ClientError> {
        let (mut user, _) = self
            .get_json::<eai::User>(&format!("{EAI_BASE}/me"), &[])
            .await?;
        wire::eai_user_utc(&mut user);
        Ok(user)
    }

    /// One page of `GET /api/v1/users` with the filters `q` names, timestamps in UTC.
    pub async fn list_raven(&self, q: &ListQuery) -> Result<RavenList, ClientError> {
        let (mut list, _) = self
            .get_json::<RavenList>(RAVEN_BASE, &q.params(super::sort::RAVEN_SORTS))
            .await?;
        list.users.iter_mut().for_each(wire::raven_summary_utc);
        Ok(list)
    }

    /// One page of `GET /api/eai/v3/users` with the filters `q` names, timestamps in UTC.
    pub async fn list_eai(&self, q: &ListQuery) -> Result<EaiList, ClientError> {
        let (mut list, _) = self
            .get_json::<EaiList>(EAI_BASE, &q.params(super::sort::EAI_SORTS))
            .await?;
        list.data.iter_mut().for_each(wire::eai_summary_utc);
        Ok(list)
    }

    /// `GET /api/v1/users/{id}`.
    pub async fn get_raven(&self, id: &str) -> Result<Fetched<raven::User>, ClientError> {
        let path = format!("{RAVEN_BASE}/{}", encode_segment(id));
        let (v, etag) = self.get_json::<serde_json::Value>(&path, &[]).await?;
        let mut user: raven::User = from_value(&path, &v)?;
        wire::raven_user_utc(&mut user);
        Ok(Fetched {
            user,
            extra: wire::extras(&v, wire::RAVEN_KNOWN),
            etag,
        })
    }

    /// `GET /api/eai/v3/users/{id}`.
    pub async fn get_eai(&self, id: &str) -> Result<Fetched<eai::User>, ClientError> {
        let path = format!("{EAI_BASE}/{}", encode_segment(id));
        let (v, etag) = self.get_json::<serde_json::Value>(&path, &[]).await?;
        let mut user: eai::User = from_value(&path, &v)?;
        wire::eai_user_utc(&mut user);
        Ok(Fetched {
            user,
            extra: wire::extras(&v, wire::EAI_KNOWN),
            etag,
        })
    }

    /// `PATCH` one user in the Raven dialect; with `if_match`, only that version.
    pub async fn patch_raven(
        &self,
        id: &str,
        patch: &raven::PatchUser,
        if_match: Option<&str>,
    ) -> Result<(raven::User, Option<String>), ClientError> {
        let (mut u, etag) = self
            .write(
                Method::PATCH,
                &format!("{RAVEN_BASE}/{}", encode_segment(id)),
                patch,
                if_match,
            )
            .await?;
        wire::raven_user_utc(&mut u);
        Ok((u, etag))
    }

    /// `PATCH` one user in the EAI dialect (preferences merge); with `if_match`, only that version.
    pub async fn patch_eai(
        &self,
        id: &str,
        patch: &eai::PatchUser,
        if_match: Option<&str>,
    ) -> Result<(eai::User, Option<String>), ClientError> {
        let (mut u, etag) = self
            .write(
                Method::PATCH,
                &format!("{EAI_BASE}/{}", encode_segment(id)),
                patch,
                if_match,
            )
            .await?;
        wire::eai_user_utc(&mut u);
        Ok((u, etag))
    }

    /// `POST /api/v1/users`.
    pub async fn create(
        &self,
        user: &raven::CreateUser,
    ) -> Result<(raven::User, Option<String>), ClientError> {
        let (mut u, etag) = self.write(Method::POST, RAVEN_BASE, user, None).await?;
        wire::raven_user_utc(&mut u);
        Ok((u, etag))
    }

    async fn write<B: serde::Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        if_match: Option<&str>,
    ) -> Result<(T, Option<String>), ClientError> {
        if self.read_only {
            return Err(ClientError::ReadOnly);
        }
        let mut req = self.request(method, self.url(path)?).json(body);
        if let Some(tag) = if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        decode(self.send(req).await?).await
    }
}

fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

async fn decode<T: DeserializeOwned>(resp: Response) -> Result<(T, Option<String>), ClientError> {
    let url = resp.url().to_string();
    let etag = resp
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = resp.bytes().await.map_err(|e| ClientError::Decode {
        url: url.clone(),
        reason: e.to_string(),
    })?;
    let value = serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
        url,
        reason: e.to_string(),
    })?;
    Ok((value, etag))
}

fn from_value<T: DeserializeOwned>(path: &str, v: &serde_json::Value) -> Result<T, ClientError> {
    T::deserialize(v).map_err(|e| ClientError::Decode {
        url: path.to_string(),
        reason: e.to_string(),
    })
}

async fn api_error(resp: Response) -> ClientError {
    let status = resp.status();
    let body = resp.bytes().await.unwrap_or_default();
    let vendor::ErrorParts {
        code,
        message,
        field,
        user_id,
    } = vendor::error_parts(&body).unwrap_or_else(|| vendor::ErrorParts {
        // No message in the body: a proxy, or a server that sends none.
        message: status.canonical_reason().unwrap_or("error").to_string(),
        ..vendor::ErrorParts::default()
    });
    match status {
        StatusCode::UNAUTHORIZED => ClientError::Unauthorized { message },
        StatusCode::FORBIDDEN => ClientError::Forbidden { code, message },
        StatusCode::NOT_FOUND if !code.is_empty() => ClientError::NotFound { code, message },
        _ => ClientError::Api {
            status: status.as_u16(),
            code,
            message,
            field,
            user_id,
        },
    }
}

fn transport_error(base: &str, https: bool, e: &reqwest::Error) -> ClientError {
    if e.is_timeout() {
        return ClientError::Timeout {
            url: base.to_string(),
        };
    }
    // The innermost cause is the one a person recognises ("Connection refused").
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        reason = s.to_string();
        source = s.source();
    }
    if https && vendor::looks_like_plain_http(&reason) {
        return ClientError::PlainHttp {
            url: base.to_string(),
            reason,
        };
    }
    ClientError::Unreachable {
        url: base.to_string(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_keeps_a_path_prefix() {
        let c = Client::new("http://host:1/raven", None).unwrap();
        assert_eq!(
            c.url(RAVEN_BASE).unwrap().as_str(),
            "http://host:1/raven/api/v1/users"
        );
        assert_eq!(c.base_url(), "http://host:1/raven");
    }

    #[test]
    fn rejects_a_url_that_is_not_http() {
        assert!(matches!(
            Client::new("ftp://x", None),
            Err(ClientError::BadUrl(_))
        ));
        assert!(matches!(
            Client::new("http://not a url", None),
            Err(ClientError::BadUrl(_))
        ));
        assert_eq!(
            Client::new("localhost:3000", None).unwrap().base_url(),
            "http://localhost:3000"
        );
    }

    #[test]
    fn ids_are_escaped_in_paths() {
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }

    #[tokio::test]
    async fn a_closed_port_is_unreachable_and_transient() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let c = Client::new(&format!("http://{addr}"), None).unwrap();
        let err = c.probe(RAVEN_BASE).await.unwrap_err();
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");
        assert!(err.is_transient());
    }
}
