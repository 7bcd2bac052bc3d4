//! The console's HTTP client for both dialects. It knows the wire (paths, query
//! parameters, bodies, the error shape) and nothing of the screen: failures come
//! back as a [`ClientError`] that the console turns into words.
//!
//! It is written to the specs, not to raven-server: [`wire`] reads answers
//! that leave out what the specs do not promise, [`vendor`] reads other
//! servers' error bodies.

mod vendor;
mod wire;

pub use wire::utc;

use std::time::Duration;

use reqwest::{Method, RequestBuilder, Response, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

use super::key::{KEY_PATH, KeyInfo};
use super::{EAI_BASE, RAVEN_BASE, eai, raven};
use crate::model::{Role, Status};

/// Which dialects a server speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dialects {
    pub raven: bool,
    pub eai: bool,
}

impl Dialects {
    pub const BOTH: Dialects = Dialects {
        raven: true,
        eai: true,
    };
    pub const RAVEN: Dialects = Dialects {
        raven: true,
        eai: false,
    };
    pub const EAI: Dialects = Dialects {
        raven: false,
        eai: true,
    };

    pub fn label(self) -> &'static str {
        match (self.raven, self.eai) {
            (true, true) => "raven v1 + eai v3",
            (true, false) => "raven v1",
            (false, true) => "eai v3",
            (false, false) => "none",
        }
    }
}

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

/// One page of a list, in either dialect, with the filters that went with it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListQuery {
    pub offset: u64,
    pub limit: u32,
    pub external_ref: Option<String>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub search: Option<String>,
}

/// A user in a list, joined from whichever dialects answered.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserRow {
    pub id: String,
    pub name: Option<String>,
    pub email: Option<String>,
    pub external_ref: Option<String>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub last_login_at: Option<String>,
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    pub rows: Vec<UserRow>,
    /// `None` when the server did not say (the specs' examples have it, a vendor may not).
    pub total: Option<u64>,
    /// The page size the server says it used (Raven's `limit`), which may be
    /// less than the one asked for.
    pub limit: Option<u32>,
}

/// One user as each dialect shows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct UserDetail {
    pub raven: Option<raven::User>,
    pub eai: Option<eai::User>,
    pub etag: Option<String>,
    /// Top-level fields the server sent that neither spec names, shown as they came.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// EAI's status, which its profile does not carry: from the list, found by email.
    pub status: Option<Status>,
}

/// Who the key acts as.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    /// An unbound key: the whole tenant, within its scopes.
    Tenant,
    /// A key bound to one user.
    User(Box<eai::User>),
    /// The server has no EAI dialect, so there is no `me` to ask.
    Unknown,
}

/// What connecting learnt: the dialects, who the key acts as, and (from
/// servers with `GET /api/v1/key`) what it may do.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub dialects: Dialects,
    pub principal: Principal,
    pub key: Option<KeyInfo>,
}

impl From<(Dialects, Principal)> for Connection {
    fn from((dialects, principal): (Dialects, Principal)) -> Connection {
        Connection {
            dialects,
            principal,
            key: None,
        }
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
    async fn speaks(&self, base: &str) -> Result<bool, ClientError> {
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

    /// Checks that the server speaks the dialects the admin named (`--api raven|eai`),
    /// so a wrong choice is said as such, not as a missing user.
    pub async fn require(&self, wanted: Dialects) -> Result<Dialects, ClientError> {
        for (on, base, dialect) in [
            (wanted.raven, RAVEN_BASE, "Raven Users API v1"),
            (wanted.eai, EAI_BASE, "EAI Users REST API v3"),
        ] {
            if on && !self.speaks(base).await? {
                return Err(ClientError::NoDialect {
                    url: self.base_url().to_string(),
                    dialect,
                    path: base,
                });
            }
        }
        Ok(wanted)
    }

    /// Asks each base path what it is: a 404 there means that dialect is absent.
    pub async fn detect(&self) -> Result<Dialects, ClientError> {
        let (raven, eai) = tokio::join!(self.speaks(RAVEN_BASE), self.speaks(EAI_BASE));
        let dialects = Dialects {
            raven: raven?,
            eai: eai?,
        };
        if dialects == Dialects::default() {
            return Err(ClientError::NoApi {
                url: self.base_url().to_string(),
            });
        }
        Ok(dialects)
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

    /// `GET /api/eai/v3/users/me`: the bound user, or the whole tenant.
    pub async fn me(&self) -> Result<Principal, ClientError> {
        match self
            .get_json::<eai::User>(&format!("{EAI_BASE}/me"), &[])
            .await
        {
            Ok((mut user, _)) => {
                wire::eai_user_utc(&mut user);
                Ok(Principal::User(Box::new(user)))
            }
            // raven-server says `no_current_user`; any 404 there means the same.
            Err(ClientError::NotFound { .. } | ClientError::Api { status: 404, .. }) => {
                Ok(Principal::Tenant)
            }
            Err(e @ (ClientError::Unauthorized { .. } | ClientError::PlainHttp { .. })) => Err(e),
            // Every key of an inactive user is refused: say so now, not at each request.
            Err(e @ ClientError::Forbidden { .. }) if is_user_inactive(&e) => Err(e),
            Err(e) if e.is_transient() => Err(e),
            // A `me` of its own shape, or none: who the key is stays unknown.
            Err(_) => Ok(Principal::Unknown),
        }
    }

    /// One page, joined by id across the dialects the server speaks. Each
    /// dialect is sent only the filters it serves.
    pub async fn list(&self, dialects: Dialects, q: &ListQuery) -> Result<Page, ClientError> {
        let mut common = vec![
            ("limit", q.limit.to_string()),
            ("offset", q.offset.to_string()),
        ];
        let ext = q.external_ref.clone().map(|v| ("external_ref", v));
        let eai_filters: Vec<(&str, String)> = [
            q.role.map(|r| ("role", r.as_str().to_string())),
            q.status.map(|s| ("status", s.as_str().to_string())),
            q.search.clone().map(|s| ("search", s)),
        ]
        .into_iter()
        .flatten()
        .collect();
        match (dialects.raven, dialects.eai) {
            (true, false) => {
                common.extend(ext);
                let (list, _) = self
                    .get_json::<wire::RavenList>(RAVEN_BASE, &common)
                    .await?;
                Ok(Page {
                    total: list.total,
                    limit: list.limit,
                    rows: list.users.into_iter().map(raven_row).collect(),
                })
            }
            (false, true) => {
                common.extend(eai_filters);
                let (list, _) = self.get_json::<wire::EaiList>(EAI_BASE, &common).await?;
                Ok(Page {
                    total: list.total,
                    limit: None,
                    rows: list.data.into_iter().map(eai_row).collect(),
                })
            }
            (true, true) => {
                // Both lists of one server share filters and order, so page N of
                // one holds the same users as page N of the other.
                common.extend(ext);
                common.extend(eai_filters);
                let (r, e) = tokio::join!(
                    self.get_json::<wire::RavenList>(RAVEN_BASE, &common),
                    self.get_json::<wire::EaiList>(EAI_BASE, &common),
                );
                let (r, e) = (r?.0, e?.0);
                let rows = e
                    .data
                    .into_iter()
                    .map(|u| {
                        let mut row = eai_row(u);
                        if let Some(rv) = r.users.iter().find(|x| x.user_id == row.id) {
                            row.external_ref = rv.external_ref.clone();
                            row.created_at = Some(wire::utc(&rv.created_at));
                        }
                        row
                    })
                    .collect();
                // The EAI page drives the rows; either may say how many there are.
                Ok(Page {
                    total: e.total.or(r.total),
                    limit: r.limit,
                    rows,
                })
            }
            (false, false) => Err(ClientError::NoApi {
                url: self.base_url().to_string(),
            }),
        }
    }

    /// One user from every dialect the server speaks.
    pub async fn get(&self, dialects: Dialects, id: &str) -> Result<UserDetail, ClientError> {
        let id = encode_segment(id);
        let raven_path = format!("{RAVEN_BASE}/{id}");
        let eai_path = format!("{EAI_BASE}/{id}");
        let (r, e) = tokio::join!(
            async {
                match dialects.raven {
                    true => Some(self.get_json::<serde_json::Value>(&raven_path, &[]).await),
                    false => None,
                }
            },
            async {
                match dialects.eai {
                    true => Some(self.get_json::<serde_json::Value>(&eai_path, &[]).await),
                    false => None,
                }
            },
        );
        let mut detail = UserDetail::default();
        if let Some(r) = r {
            let (v, etag) = r?;
            let mut u: raven::User = from_value(&raven_path, &v)?;
            wire::raven_user_utc(&mut u);
            detail.extra.extend(wire::extras(&v, wire::RAVEN_KNOWN));
            detail.raven = Some(u);
            detail.etag = etag;
        }
        if let Some(e) = e {
            let (v, etag) = e?;
            let mut u: eai::User = from_value(&eai_path, &v)?;
            wire::eai_user_utc(&mut u);
            for (k, x) in wire::extras(&v, wire::EAI_KNOWN) {
                detail.extra.entry(k).or_insert(x);
            }
            detail.eai = Some(u);
            detail.etag = detail.etag.or(etag);
            detail.status = self.status_of(&detail).await;
        }
        Ok(detail)
    }

    /// The user's EAI status: a field of the profile where a server sends one,
    /// else the list item found by searching for the email. Best effort: a
    /// key that may not list, or a user without email, leaves it unknown.
    async fn status_of(&self, d: &UserDetail) -> Option<Status> {
        if let Some(s) = d.extra.get("status").and_then(|v| v.as_str()) {
            return s.parse().ok();
        }
        let e = d.eai.as_ref()?;
        let email = e.email.clone()?;
        let q = [
            ("search", email),
            ("limit", "10".to_string()),
            ("offset", "0".to_string()),
        ];
        let (list, _) = self.get_json::<wire::EaiList>(EAI_BASE, &q).await.ok()?;
        list.data
            .into_iter()
            .find(|u| u.id == e.id)
            .map(|u| u.status)
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

fn is_user_inactive(e: &ClientError) -> bool {
    matches!(e, ClientError::Forbidden { code, .. } if code == "user_inactive")
}

fn encode_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn raven_row(mut u: raven::UserSummary) -> UserRow {
    wire::raven_summary_utc(&mut u);
    UserRow {
        id: u.user_id,
        name: u.display_name,
        external_ref: u.external_ref,
        created_at: Some(u.created_at),
        ..UserRow::default()
    }
}

fn eai_row(mut u: eai::UserSummary) -> UserRow {
    wire::eai_summary_utc(&mut u);
    UserRow {
        id: u.id,
        name: u.name,
        email: u.email,
        role: Some(u.role),
        status: Some(u.status),
        last_login_at: u.last_login_at,
        ..UserRow::default()
    }
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
        let err = c.detect().await.unwrap_err();
        assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");
        assert!(err.is_transient());
    }
}
