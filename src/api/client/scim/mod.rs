//! The SCIM 2.0 dialect of the client (RFC 7643 schemas, RFC 7644 protocol):
//! discovery through `/ServiceProviderConfig` and `/Schemas`, and one method
//! per request on `/Users`. Users come and go as the JSON resources the
//! server sent (`console::view::scim` reads them); bodies are
//! `application/scim+json`.
//!
//! `--url` may name the server's root (the endpoints are then under
//! `/scim/v2`) or the SCIM base itself (`https://host/scim/v2`): [`ScimSite`]
//! remembers which, and what the server says it supports.

pub mod filter;

use reqwest::{Method, RequestBuilder, Response, StatusCode, header};
use serde::Deserialize;
use serde_json::Value;

use super::{Client, ClientError, ListQuery};

/// The media type of every SCIM body (RFC 7644 §3.1).
pub const SCIM_JSON: &str = "application/scim+json";
/// The core User schema.
pub const USER_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// raven-server's extension: the user's metadata and preferences.
pub const RAVEN_EXTENSION: &str = "urn:raven:params:scim:schemas:extension:2.0:User";
/// A PATCH body's schema (RFC 7644 §3.5.2).
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Where the endpoints are when `--url` names the server's root.
const UNDER_ROOT: &str = "scim/v2/";

/// What a SCIM server is, as its `/ServiceProviderConfig` and `/Schemas` say.
/// `Copy`, so it travels with the dialects in every request the console makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScimSite {
    /// The endpoints are under `/scim/v2` of the URL given, not at the URL itself.
    pub under_root: bool,
    /// ETags (`meta.version`, `If-Match`) are supported.
    pub etag: bool,
    /// `sortBy` / `sortOrder` are supported.
    pub sort: bool,
    /// `filter` is supported.
    pub filter: bool,
    /// The User schema has `roles`.
    pub roles: bool,
    /// Learnt from a refused search: the server takes no `or` in a filter
    /// (RFC 7644 lets a server support only some operators), so a search
    /// looks at `displayName` alone.
    pub no_or: bool,
}

impl ScimSite {
    /// The path of `endpoint` ("Users", "Users/{id}") relative to the client's URL.
    fn path(&self, endpoint: &str) -> String {
        match self.under_root {
            true => format!("{UNDER_ROOT}{endpoint}"),
            false => endpoint.to_string(),
        }
    }

    fn user_path(&self, id: &str) -> String {
        self.path(&format!("Users/{}", super::encode_segment(id)))
    }
}

/// A `ListResponse` (RFC 7644 §3.4.2). Every count is optional: a server
/// that leaves one out is read as saying nothing about it.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScimList {
    #[serde(default)]
    pub total_results: Option<u64>,
    #[serde(default)]
    pub items_per_page: Option<u64>,
    #[serde(default)]
    pub start_index: Option<u64>,
    /// Absent when the page is empty (RFC 7644 allows it).
    #[serde(default, rename = "Resources")]
    pub resources: Vec<Value>,
}

#[derive(Debug, Default, Deserialize)]
struct Feature {
    #[serde(default)]
    supported: bool,
}

/// The parts of `/ServiceProviderConfig` the console acts on.
#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default)]
    etag: Feature,
    #[serde(default)]
    sort: Feature,
    #[serde(default)]
    filter: Feature,
}

impl Client {
    fn scim_request(&self, method: Method, path: &str) -> Result<RequestBuilder, ClientError> {
        let req = self
            .http
            .request(method, self.url(path)?)
            .header(header::ACCEPT, format!("{SCIM_JSON}, application/json"));
        Ok(match &self.token {
            Some(t) => req.bearer_auth(t),
            None => req,
        })
    }

    fn scim_write(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        if_match: Option<&str>,
    ) -> Result<RequestBuilder, ClientError> {
        if self.read_only {
            return Err(ClientError::ReadOnly);
        }
        let mut req = self.scim_request(method, path)?;
        if let Some(body) = body {
            req = req
                .header(header::CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        if let Some(tag) = if_match {
            req = req.header(header::IF_MATCH, tag);
        }
        Ok(req)
    }

    async fn scim_json(&self, req: RequestBuilder) -> Result<(Value, Option<String>), ClientError> {
        super::decode(self.send(req).await?).await
    }

    /// Finds the SCIM endpoints and what they support: `None` when neither
    /// `/scim/v2/ServiceProviderConfig` nor `/ServiceProviderConfig` under the
    /// URL is there.
    pub async fn scim_discover(&self) -> Result<Option<ScimSite>, ClientError> {
        // A URL that already ends in the SCIM base is asked there first.
        let given = self.base.path().trim_end_matches('/').ends_with("/scim/v2");
        let order = if given { [false, true] } else { [true, false] };
        for under_root in order {
            let site = ScimSite {
                under_root,
                ..ScimSite::default()
            };
            let req = self.scim_request(Method::GET, &site.path("ServiceProviderConfig"))?;
            let config = match self.scim_json(req).await {
                Ok((v, _)) => v,
                Err(e) if is_absent(&e) => continue,
                Err(e) => return Err(e),
            };
            let config: Config =
                serde_json::from_value(config).map_err(|e| ClientError::Decode {
                    url: self
                        .url(&site.path("ServiceProviderConfig"))
                        .map(|u| u.to_string())
                        .unwrap_or_default(),
                    reason: e.to_string(),
                })?;
            return Ok(Some(ScimSite {
                under_root,
                etag: config.etag.supported,
                sort: config.sort.supported,
                filter: config.filter.supported,
                roles: self.scim_has_roles(&site).await?,
                no_or: false,
            }));
        }
        Ok(None)
    }

    /// Whether the server's User schema (from `/Schemas`) has `roles`: a
    /// server without them cannot be filtered or edited by role.
    async fn scim_has_roles(&self, site: &ScimSite) -> Result<bool, ClientError> {
        let req = self.scim_request(Method::GET, &site.path("Schemas"))?;
        let v = match self.scim_json(req).await {
            Ok((v, _)) => v,
            Err(e) if e.is_transient() || matches!(e, ClientError::Unauthorized { .. }) => {
                return Err(e);
            }
            // No /Schemas to read: the core schema's `roles` is optional, so assume none.
            Err(_) => return Ok(false),
        };
        // A ListResponse of schemas, or (some servers) a bare array.
        let schemas = v
            .get("Resources")
            .and_then(Value::as_array)
            .or_else(|| v.as_array())
            .cloned()
            .unwrap_or_default();
        Ok(schemas
            .iter()
            .filter(|s| s.get("id").and_then(Value::as_str) == Some(USER_SCHEMA))
            .flat_map(|s| s.get("attributes").and_then(Value::as_array).cloned())
            .flatten()
            .any(|a| a.get("name").and_then(Value::as_str) == Some("roles")))
    }

    /// One page of `GET /Users`: `startIndex` is 1-based, the filters become
    /// a SCIM filter, `sort` (a field as the other dialects spell it) is sent
    /// only when the server supports sorting.
    pub async fn scim_list(
        &self,
        site: &ScimSite,
        q: &ListQuery,
        sort: Option<&str>,
    ) -> Result<ScimList, ClientError> {
        let mut query = vec![
            ("startIndex", (q.offset + 1).to_string()),
            ("count", q.limit.to_string()),
        ];
        query.extend(filter::filter(q, site.no_or).map(|f| ("filter", f)));
        if site.sort
            && let Some((by, descending)) = sort.and_then(filter::sort_by)
        {
            query.push(("sortBy", by.to_string()));
            let order = if descending {
                "descending"
            } else {
                "ascending"
            };
            query.push(("sortOrder", order.to_string()));
        }
        let req = self
            .scim_request(Method::GET, &site.path("Users"))?
            .query(&query);
        let (v, _) = self.scim_json(req).await?;
        serde_json::from_value(v).map_err(|e| ClientError::Decode {
            url: site.path("Users"),
            reason: e.to_string(),
        })
    }

    /// `GET /Users/{id}`: the resource and its ETag (the header, else `meta.version`).
    pub async fn scim_get(
        &self,
        site: &ScimSite,
        id: &str,
    ) -> Result<(Value, Option<String>), ClientError> {
        let req = self.scim_request(Method::GET, &site.user_path(id))?;
        let (v, etag) = self.scim_json(req).await?;
        let etag = etag.or_else(|| version(&v));
        Ok((v, etag))
    }

    /// `PATCH /Users/{id}` with these operations. `None` when the server
    /// answered 204 without the resource (RFC 7644 allows either).
    pub async fn scim_patch(
        &self,
        site: &ScimSite,
        id: &str,
        operations: &[Value],
        if_match: Option<&str>,
    ) -> Result<(Option<Value>, Option<String>), ClientError> {
        let body = serde_json::json!({"schemas": [PATCH_OP], "Operations": operations});
        let req = self.scim_write(Method::PATCH, &site.user_path(id), Some(&body), if_match)?;
        let resp = self.send(req).await?;
        if resp.status() == StatusCode::NO_CONTENT {
            return Ok((None, etag_of(&resp)));
        }
        let (v, etag) = super::decode::<Value>(resp).await?;
        let etag = etag.or_else(|| version(&v));
        Ok((Some(v), etag))
    }

    /// `POST /Users`.
    pub async fn scim_create(
        &self,
        site: &ScimSite,
        user: &Value,
    ) -> Result<(Value, Option<String>), ClientError> {
        let req = self.scim_write(Method::POST, &site.path("Users"), Some(user), None)?;
        let (v, etag) = self.scim_json(req).await?;
        let etag = etag.or_else(|| version(&v));
        Ok((v, etag))
    }

    /// `DELETE /Users/{id}`; with `if_match`, only that version.
    pub async fn scim_delete(
        &self,
        site: &ScimSite,
        id: &str,
        if_match: Option<&str>,
    ) -> Result<(), ClientError> {
        let req = self.scim_write(Method::DELETE, &site.user_path(id), None, if_match)?;
        self.send(req).await.map(drop)
    }
}

/// A 404 (or 405) on a discovery path: no SCIM there.
fn is_absent(e: &ClientError) -> bool {
    matches!(
        e,
        ClientError::NotFound { .. }
            | ClientError::Api {
                status: 404 | 405,
                ..
            }
    ) || matches!(e, ClientError::Decode { .. })
}

fn etag_of(resp: &Response) -> Option<String> {
    resp.headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `meta.version` of a resource: its ETag when the header is missing.
pub fn version(v: &Value) -> Option<String> {
    v.pointer("/meta/version")
        .and_then(Value::as_str)
        .map(str::to_string)
}
