//! SCIM 2.0 at /scim/v2 against the real server on both stores: discovery,
//! CRUD, every filter operator and attribute against a brute-force answer,
//! sorting and paging, PATCH forms, errors with scimType, If-Match, the other
//! dialects seeing the same users, and keys' scopes and bound users.

mod common;

use common::TestServer;
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

const CORE: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const EXT: &str = "urn:raven:params:scim:schemas:extension:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";

async fn scim(
    s: &TestServer,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
    if_match: Option<&str>,
) -> (u16, HeaderMap, Value) {
    let mut req = s.req(method, &format!("/scim/v2{path}"), key);
    if let Some(b) = body {
        req = req
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    if let Some(tag) = if_match {
        req = req.header("if-match", tag);
    }
    let (status, headers, body) = common::send_full(req).await;
    (status.as_u16(), headers, body)
}

async fn get(s: &TestServer, path: &str, key: &str) -> (u16, Value) {
    let (st, _, b) = scim(s, Method::GET, path, key, None, None).await;
    (st, b)
}

/// Asserts a SCIM error: status, scimType (if any) and a detail.
fn assert_scim_error(got: &(u16, Value), status: u16, scim_type: Option<&str>) {
    assert_eq!(got.0, status, "{}", got.1);
    assert_eq!(got.1["schemas"], json!([ERROR]), "{}", got.1);
    assert_eq!(got.1["status"], status.to_string(), "{}", got.1);
    assert_eq!(got.1["scimType"].as_str(), scim_type, "{}", got.1);
    assert!(
        got.1["detail"].as_str().is_some_and(|d| !d.is_empty()),
        "{}",
        got.1
    );
}

fn user_body(user_name: &str, name: &str, email: Option<&str>) -> Value {
    let mut b = json!({"schemas": [CORE], "userName": user_name, "displayName": name});
    if let Some(e) = email {
        b["emails"] = json!([{"value": e, "type": "work", "primary": true}]);
    }
    b
}

async fn create(s: &TestServer, key: &str, body: Value) -> Value {
    let (st, headers, b) = scim(s, Method::POST, "/Users", key, Some(body), None).await;
    assert_eq!(st, 201, "{b}");
    assert_eq!(headers["content-type"], "application/scim+json");
    assert_eq!(
        headers["etag"].to_str().unwrap(),
        b["meta"]["version"].as_str().unwrap()
    );
    b
}

fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources: {list}"))
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The filter's answer, unpaged, as a set of ids.
async fn filtered(s: &TestServer, key: &str, filter: &str) -> Vec<String> {
    let q = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("filter", filter)
        .append_pair("count", "100")
        .finish();
    let (st, b) = get(s, &format!("/Users?{q}"), key).await;
    assert_eq!(st, 200, "{filter}: {b}");
    assert_eq!(
        b["totalResults"].as_u64().unwrap() as usize,
        b["Resources"].as_array().unwrap().len(),
        "{filter}"
    );
    let mut got = ids(&b);
    got.sort();
    got
}

on_both_stores! {
    async fn discovery_describes_what_is_supported(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read");
        let (st, _, spc) = scim(&s, Method::GET, "/ServiceProviderConfig", &key, None, None).await;
        assert_eq!(st, 200);
        assert_eq!(spc["patch"]["supported"], true);
        assert_eq!(spc["bulk"]["supported"], false);
        assert_eq!(spc["filter"], json!({"supported": true, "maxResults": 100}));
        assert_eq!(spc["etag"]["supported"], true);
        assert_eq!(spc["sort"]["supported"], true);
        assert_eq!(spc["changePassword"]["supported"], false);
        assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
        let (_, types) = get(&s, "/ResourceTypes", &key).await;
        assert_eq!(types["totalResults"], 1);
        assert_eq!(types["Resources"][0]["schema"], CORE);
        assert_eq!(types["Resources"][0]["schemaExtensions"][0]["schema"], EXT);
        let (_, schemas) = get(&s, "/Schemas", &key).await;
        let names: Vec<&str> = schemas["Resources"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
        assert_eq!(names, [CORE, EXT]);
        let core = &schemas["Resources"][0]["attributes"];
        let attrs: Vec<&str> = core.as_array().unwrap().iter().map(|a| a["name"].as_str().unwrap()).collect();
        assert_eq!(attrs, ["userName", "name", "displayName", "emails", "active", "roles"]);
        assert_eq!(core[0]["uniqueness"], "server");
        let (st, one) = get(&s, &format!("/Schemas/{EXT}"), &key).await;
        assert_eq!((st, one["id"].as_str()), (200, Some(EXT)));
        assert_scim_error(&get(&s, "/Schemas/urn:nope", &key).await, 404, None);
        assert_scim_error(&get(&s, "/Groups", &key).await, 404, None);
        let (st, _, _) = scim(&s, Method::POST, "/.search", &key, Some(json!({})), None).await;
        assert_eq!(st, 501);
    }

    async fn create_read_replace_delete(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let mut body = user_body("Bjensen", "Barbara Jensen", Some("BJensen@Example.com"));
        body["externalId"] = json!("bj-1");
        body["active"] = json!(false);
        body["roles"] = json!([{"value": "viewer"}]);
        body[EXT] = json!({"metadata": {"plan": "pro"}, "preferences": {"theme": "dark"}, "avatar": "https://a/b.png"});
        // What this server does not keep is ignored, as identity providers send much.
        body["title"] = json!("Tour Guide");
        let created = create(&s, &key, body).await;
        let id = created["id"].as_str().unwrap().to_string();
        assert_eq!(created["userName"], "Bjensen");
        assert_eq!(created["name"], json!({"formatted": "Barbara Jensen"}));
        assert_eq!(created["emails"], json!([{"value": "bjensen@example.com", "type": "work"}]));
        assert_eq!(created["active"], false);
        assert_eq!(created["roles"], json!([{"value": "viewer"}]));
        assert_eq!(created[EXT]["metadata"], json!({"plan": "pro"}));
        assert_eq!(created["meta"]["version"], "\"v1\"");
        assert!(created["meta"]["location"].as_str().unwrap().ends_with(&format!("/scim/v2/Users/{id}")));
        assert!(created.get("title").is_none());

        let (st, got) = get(&s, &format!("/Users/{id}"), &key).await;
        assert_eq!((st, &got), (200, &created));

        let mut put = user_body("bjensen2", "Babs", None);
        put["externalId"] = json!("bj-2");
        let (st, h, replaced) = scim(&s, Method::PUT, &format!("/Users/{id}"), &key, Some(put), Some("\"v1\"")).await;
        assert_eq!(st, 200, "{replaced}");
        assert_eq!(h["etag"], "\"v2\"");
        assert_eq!(replaced["userName"], "bjensen2");
        assert!(replaced.get("emails").is_none(), "PUT clears what it leaves out: {replaced}");
        // Without the extension and active/roles, those stay as they were.
        assert_eq!(replaced[EXT]["metadata"], json!({"plan": "pro"}));
        assert_eq!(replaced["active"], false);
        assert_eq!(replaced["roles"][0]["value"], "viewer");

        // A stale If-Match writes nothing.
        let stale = scim(&s, Method::PUT, &format!("/Users/{id}"), &key, Some(user_body("x", "X", None)), Some("\"v1\"")).await;
        assert_scim_error(&(stale.0, stale.2.clone()), 412, None);
        assert_eq!(stale.1["etag"], "\"v2\"");
        let stale = scim(&s, Method::DELETE, &format!("/Users/{id}"), &key, None, Some("\"v1\"")).await;
        assert_eq!(stale.0, 412);

        let (st, _, body) = scim(&s, Method::DELETE, &format!("/Users/{id}"), &key, None, Some("\"v2\"")).await;
        assert_eq!((st, body), (204, Value::Null));
        assert_scim_error(&get(&s, &format!("/Users/{id}"), &key).await, 404, None);
        let (st, _, _) = scim(&s, Method::DELETE, &format!("/Users/{id}"), &key, None, None).await;
        assert_eq!(st, 404);
    }

    async fn every_filter_operator_and_attribute(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let mut all = Vec::new();
        for (i, (user, name, email, role, active)) in [
            ("ann", "Ann Sonning", Some("ann@acme.io"), "admin", true),
            ("bob", "Bob Larsson", Some("bob@globex.com"), "member", true),
            ("cy", "Cy Sonny", None, "viewer", false),
            ("dee", "Dee Ward", Some("dee@acme.io"), "member", false),
        ].into_iter().enumerate() {
            let mut b = user_body(user, name, email);
            b["roles"] = json!([{"value": role}]);
            b["active"] = json!(active);
            if i % 2 == 0 {
                b["externalId"] = json!(format!("ext-{i}"));
            }
            let u = create(&s, &key, b).await;
            all.push(u);
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let id = |i: usize| all[i]["id"].as_str().unwrap().to_string();
        let set = |v: &[usize]| { let mut x: Vec<String> = v.iter().map(|&i| id(i)).collect(); x.sort(); x };
        let created2 = all[2]["meta"]["created"].as_str().unwrap().to_string();
        let cases: Vec<(String, Vec<usize>)> = vec![
            (r#"userName eq "ANN""#.into(), vec![0]),
            (r#"userName ne "ann""#.into(), vec![1, 2, 3]),
            ("userName pr".into(), vec![0, 1, 2, 3]),
            (r#"externalId eq "ext-2""#.into(), vec![2]),
            (r#"externalId ne "ext-2""#.into(), vec![0, 1, 3]),
            ("externalId pr".into(), vec![0, 2]),
            (format!(r#"id eq "{}""#, id(1)), vec![1]),
            (r#"displayName eq "bob larsson""#.into(), vec![1]),
            (r#"displayName co "sonn""#.into(), vec![0, 2]),
            (r#"displayName co "on""#.into(), vec![0, 1, 2]),
            (r#"displayName sw "Ann""#.into(), vec![0]),
            (r#"displayName ew "ward""#.into(), vec![3]),
            (r#"name.formatted co "sonny""#.into(), vec![2]),
            (r#"emails.value eq "BOB@globex.com""#.into(), vec![1]),
            (r#"emails.value co "acme""#.into(), vec![0, 3]),
            (r#"emails.value sw "dee""#.into(), vec![3]),
            (r#"emails.value ew ".com""#.into(), vec![1]),
            ("emails pr".into(), vec![0, 1, 3]),
            ("not (emails pr)".into(), vec![2]),
            (r#"emails[type eq "work" and value co "acme.io"]"#.into(), vec![0, 3]),
            ("active eq true".into(), vec![0, 1]),
            ("active ne true".into(), vec![2, 3]),
            (r#"roles.value eq "member""#.into(), vec![1, 3]),
            (r#"roles[value ne "member"]"#.into(), vec![0, 2]),
            (r#"roles.value eq "admin" or roles.value eq "viewer""#.into(), vec![0, 2]),
            (format!(r#"meta.created ge "{created2}""#), vec![2, 3]),
            (format!(r#"meta.created lt "{created2}""#), vec![0, 1]),
            (format!(r#"meta.created eq "{created2}""#), vec![2]),
            (format!(r#"meta.lastModified gt "{created2}""#), vec![3]),
            (format!(r#"meta.lastModified le "{created2}""#), vec![0, 1, 2]),
            (r#"displayName co "son" and active eq true"#.into(), vec![0, 1]),
            (r#"(displayName co "acme" or emails.value co "acme") and roles.value eq "member""#.into(), vec![3]),
            (r#"not (active eq true) and not (roles.value eq "viewer")"#.into(), vec![3]),
            (r#"not (active eq true or roles.value eq "viewer")"#.into(), vec![3]),
            (r#"displayName co "son" and emails.value co "acme""#.into(), vec![0]),
            ("active eq true and active eq false".into(), vec![]),
        ];
        for (f, want) in cases {
            assert_eq!(filtered(&s, &key, &f).await, set(&want), "{f}");
        }
        for bad in [
            r#"userName co "an""#,
            r#"externalId sw "ext""#,
            r#"userName eq "ann" or displayName eq "x""#,
            r#"not (displayName co "son")"#,
            r#"title eq "x""#,
            r#"userName eq"#,
            r#"meta.created gt "yesterday""#,
        ] {
            let q = url::form_urlencoded::Serializer::new(String::new()).append_pair("filter", bad).finish();
            assert_scim_error(&get(&s, &format!("/Users?{q}"), &key).await, 400, Some("invalidFilter"));
        }
    }

    async fn sorting_paging_and_attributes(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let mut made = Vec::new();
        for (u, n) in [("carl", "Carl"), ("anna", "anna"), ("Bert", "Bert"), ("dora", "Dora"), ("eve", "Eve")] {
            made.push(create(&s, &key, user_body(u, n, Some(&format!("{u}@x.io")))).await);
        }
        let (_, b) = get(&s, "/Users?sortBy=userName", &key).await;
        let names: Vec<&str> = b["Resources"].as_array().unwrap().iter().map(|r| r["userName"].as_str().unwrap()).collect();
        assert_eq!(names, ["anna", "Bert", "carl", "dora", "eve"]);
        let (_, b) = get(&s, "/Users?sortBy=displayName&sortOrder=descending", &key).await;
        let names: Vec<&str> = b["Resources"].as_array().unwrap().iter().map(|r| r["displayName"].as_str().unwrap()).collect();
        assert_eq!(names, ["Eve", "Dora", "Carl", "Bert", "anna"]);

        // 1-based pages; below 1 is 1; count 0 gives the total alone.
        let (_, p1) = get(&s, "/Users?sortBy=emails.value&startIndex=1&count=2", &key).await;
        let (_, p2) = get(&s, "/Users?sortBy=emails.value&startIndex=3&count=2", &key).await;
        let (_, p0) = get(&s, "/Users?sortBy=emails.value&startIndex=0&count=2", &key).await;
        assert_eq!((p1["totalResults"].as_u64(), p1["itemsPerPage"].as_u64(), p1["startIndex"].as_u64()), (Some(5), Some(2), Some(1)));
        assert_eq!(p2["Resources"][0]["userName"], "carl");
        assert_eq!(ids(&p0), ids(&p1));
        let (_, none) = get(&s, "/Users?count=0", &key).await;
        assert_eq!((none["totalResults"].as_u64(), none["Resources"].as_array().map(Vec::len)), (Some(5), Some(0)));
        let (_, beyond) = get(&s, "/Users?startIndex=99", &key).await;
        assert_eq!((beyond["totalResults"].as_u64(), ids(&beyond).len()), (Some(5), 0));

        let (_, b) = get(&s, "/Users?attributes=userName,emails.value&count=1", &key).await;
        let r = &b["Resources"][0];
        assert_eq!(common::keys(r), ["emails", "id", "schemas", "userName"]);
        assert_eq!(r["emails"][0], json!({"value": r["emails"][0]["value"]}));
        let id = made[0]["id"].as_str().unwrap();
        let (_, one) = get(&s, &format!("/Users/{id}?excludedAttributes=meta,emails,id"), &key).await;
        assert!(one.get("meta").is_none() && one.get("emails").is_none() && one["id"] == id, "{one}");

        // POST .search takes the same parameters in its body.
        let (st, _, found) = scim(&s, Method::POST, "/Users/.search", &key, Some(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": "userName sw \"ann\" or userName eq \"eve\"",
            "attributes": ["userName"],
        })), None).await;
        assert_scim_error(&(st, found), 400, Some("invalidFilter"));
        let (st, _, found) = scim(&s, Method::POST, "/Users/.search", &key, Some(json!({
            "filter": "emails.value co \"ann\"", "sortBy": "userName", "count": 10, "attributes": ["userName"],
        })), None).await;
        assert_eq!(st, 200, "{found}");
        assert_eq!(found["Resources"], json!([{"schemas": [CORE, EXT], "id": made[1]["id"], "userName": "anna"}]));

        for bad in ["sortBy=title", "sortOrder=sideways", "count=many", "startIndex=x", "limit=5"] {
            assert_scim_error(&get(&s, &format!("/Users?{bad}"), &key).await, 400, Some("invalidValue"));
        }
    }

    async fn patch_in_every_form(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let u = create(&s, &key, user_body("bj", "Babs", Some("bj@x.io"))).await;
        let path = format!("/Users/{}", u["id"].as_str().unwrap());
        let patch = |ops: Value| json!({"schemas": [PATCH_OP], "Operations": ops});
        let run = |ops: Value| {
            let (s, path) = (&s, path.clone());
            let body = patch(ops);
            let key = key.clone();
            async move { scim(s, Method::PATCH, &path, &key, Some(body), None).await }
        };
        let (st, _, r) = run(json!([{"op": "replace", "path": "name.formatted", "value": "Barbara"}])).await;
        assert_eq!(st, 200, "{r}");
        assert_eq!((r["displayName"].as_str(), r["name"]["formatted"].as_str()), (Some("Barbara"), Some("Barbara")));
        let (_, _, r) = run(json!([{"op": "Replace", "value": {"active": false, "externalId": "e-1"}}])).await;
        assert_eq!((r["active"].clone(), r["externalId"].clone()), (json!(false), json!("e-1")));
        let (_, _, r) = run(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "New@X.io"}])).await;
        assert_eq!(r["emails"][0]["value"], "new@x.io");
        let (_, _, r) = run(json!([{"op": "add", "path": "roles", "value": [{"value": "admin"}]}])).await;
        assert_eq!(r["roles"], json!([{"value": "admin"}]));
        let (_, _, r) = run(json!([{"op": "add", "value": {EXT: {"metadata": {"plan": "pro"}}}}])).await;
        assert_eq!(r[EXT]["metadata"], json!({"plan": "pro"}));
        let (_, _, r) = run(json!([{"op": "add", "path": format!("{EXT}:preferences"), "value": {"theme": "dark"}}])).await;
        assert_eq!(r[EXT]["preferences"], json!({"theme": "dark"}));
        let (_, _, r) = run(json!([
            {"op": "remove", "path": "emails[value ew \"x.io\"]"},
            {"op": "remove", "path": "externalId"},
            {"op": "remove", "path": format!("{EXT}:preferences")},
        ])).await;
        assert!(r.get("emails").is_none() && r.get("externalId").is_none(), "{r}");
        assert_eq!(r[EXT]["preferences"], json!({}));
        assert_eq!(r["meta"]["version"], "\"v8\"");

        let t = |got: (u16, HeaderMap, Value)| (got.0, got.2["scimType"].as_str().map(str::to_string));
        assert_eq!(t(run(json!([{"op": "remove"}])).await), (400, Some("noTarget".into())));
        assert_eq!(t(run(json!([{"op": "remove", "path": "userName"}])).await), (400, Some("mutability".into())));
        assert_eq!(t(run(json!([{"op": "replace", "path": "id", "value": "usr_x"}])).await), (400, Some("mutability".into())));
        assert_eq!(t(run(json!([{"op": "replace", "path": "emails[type eq", "value": "x"}])).await), (400, Some("invalidPath".into())));
        assert_eq!(t(run(json!([{"op": "jump", "path": "x"}])).await), (400, Some("invalidSyntax".into())));
        assert_eq!(t(run(json!([{"op": "replace", "path": "roles[value eq \"admin\"].value", "value": "owner"}])).await), (400, Some("invalidValue".into())));
        assert_eq!(t(run(json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "not an email"}])).await), (400, Some("invalidValue".into())));
        let (st, _, b) = scim(&s, Method::PATCH, &path, &key, Some(json!({"Operations": []})), None).await;
        assert_scim_error(&(st, b), 400, Some("invalidSyntax"));
        let (_, now) = get(&s, &path, &key).await;
        assert_eq!(now["meta"]["version"], "\"v8\"", "refused PATCHes wrote nothing");
        // If-Match: the current version passes, another is 412.
        let (st, _, _) = scim(&s, Method::PATCH, &path, &key, Some(patch(json!([{"op": "replace", "path": "displayName", "value": "B"}]))), Some("\"v7\"")).await;
        assert_eq!(st, 412);
        let (st, h, _) = scim(&s, Method::PATCH, &path, &key, Some(patch(json!([{"op": "replace", "path": "displayName", "value": "B"}]))), Some("\"v8\"")).await;
        assert_eq!((st, h["etag"].to_str().unwrap()), (200, "\"v9\""));
    }

    async fn errors_conflicts_and_content_types(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        create(&s, &key, user_body("taken", "T", Some("t@x.io"))).await;
        let conflict = |b: Value| { let s = &s; let key = key.clone(); async move { let (st, _, b) = scim(s, Method::POST, "/Users", &key, Some(b), None).await; (st, b) } };
        assert_scim_error(&conflict(user_body("TAKEN", "x", None)).await, 409, Some("uniqueness"));
        assert_scim_error(&conflict(user_body("other", "x", Some("T@x.io"))).await, 409, Some("uniqueness"));
        assert_scim_error(&conflict(json!({"schemas": [CORE], "displayName": "no userName"})).await, 400, Some("invalidValue"));
        assert_scim_error(&conflict(json!({"schemas": ["urn:x"], "userName": "x"})).await, 400, Some("invalidSyntax"));
        assert_scim_error(&conflict(json!({"schemas": [CORE], "userName": "x", "displayName": "n".repeat(201)})).await, 400, Some("invalidValue"));
        let (st, _, b) = scim(&s, Method::POST, "/Users", &key, Some(json!("nope")), None).await;
        assert_scim_error(&(st, b), 400, Some("invalidSyntax"));
        let raw = common::send(s.req(Method::POST, "/scim/v2/Users", &key).header("content-type", "application/scim+json").body("{\"userName\": ")).await;
        assert_scim_error(&(raw.0.as_u16(), raw.1), 400, Some("invalidSyntax"));
        // application/json is taken too; text/plain is not.
        let plain = common::send(s.req(Method::POST, "/scim/v2/Users", &key).json(&user_body("json", "J", None))).await;
        assert_eq!(plain.0.as_u16(), 201, "{}", plain.1);
        let text = common::send(s.req(Method::POST, "/scim/v2/Users", &key).header("content-type", "text/plain").body("{}")).await;
        assert_eq!(text.0.as_u16(), 415);
        let none = common::send(s.http.get(format!("{}/scim/v2/Users", s.base))).await;
        assert_scim_error(&(none.0.as_u16(), none.1), 401, None);
        let (st, _, b) = scim(&s, Method::POST, "/Users/usr_x", &key, Some(json!({})), None).await;
        assert_scim_error(&(st, b), 405, None);
    }

    async fn one_user_in_every_dialect(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let mut body = user_body("jdoe", "John Doe", Some("john@acme.io"));
        body["externalId"] = json!("j-1");
        body["roles"] = json!([{"value": "admin"}]);
        body[EXT] = json!({"metadata": {"plan": "pro"}});
        let u = create(&s, &key, body).await;
        let id = u["id"].as_str().unwrap();
        let (_, raven) = s.get(&format!("/api/v1/users/{id}"), &key).await;
        assert_eq!((raven["display_name"].as_str(), raven["external_ref"].as_str()), (Some("John Doe"), Some("j-1")));
        assert_eq!(raven["metadata"], json!({"plan": "pro"}));
        let (_, eai) = s.get(&format!("/api/eai/v3/users/{id}"), &key).await;
        assert_eq!((eai["email"].as_str(), eai["role"].as_str()), (Some("john@acme.io"), Some("admin")));
        // Back: an EAI and a Raven write, under the ETag SCIM gave.
        let r = common::send_full(s.req(Method::PATCH, &format!("/api/eai/v3/users/{id}"), &key)
            .header("if-match", u["meta"]["version"].as_str().unwrap())
            .json(&json!({"name": "Johnny", "status": "inactive", "preferences": {"lang": "en"}}))).await;
        assert_eq!(r.0.as_u16(), 200, "{}", r.2);
        s.patch(&format!("/api/v1/users/{id}"), &key, json!({"metadata": {"plan": "team"}})).await;
        let (_, back) = get(&s, &format!("/Users/{id}"), &key).await;
        assert_eq!(back["displayName"], "Johnny");
        assert_eq!(back["active"], false);
        assert_eq!(back["userName"], "jdoe", "the other dialects keep the userName");
        assert_eq!(back[EXT], json!({"metadata": {"plan": "team"}, "preferences": {"lang": "en"}}));
        assert_eq!(back["meta"]["version"], "\"v3\"");
        // A user made through Raven has the id as its userName; with an email, the email.
        let (_, made) = s.post("/api/v1/users", &key, json!({"display_name": "Raven Made"})).await;
        let rid = made["user_id"].as_str().unwrap();
        let (_, r) = get(&s, &format!("/Users/{rid}"), &key).await;
        assert_eq!(r["userName"], rid);
        // Deleted through SCIM: gone everywhere, and the audit says so.
        let (st, _, _) = scim(&s, Method::DELETE, &format!("/Users/{id}"), &key, None, None).await;
        assert_eq!(st, 204);
        assert_eq!(s.get(&format!("/api/v1/users/{id}"), &key).await.0, 404);
        assert_eq!(s.get(&format!("/api/eai/v3/users/{id}"), &key).await.0, 404);
        let (_, list) = s.get("/api/eai/v3/users?search=john", &key).await;
        assert_eq!(list["total"], 0, "{list}");
        let (_, audit) = s.get(&format!("/api/v1/audit?user_id={id}"), &key).await;
        assert_eq!(audit["events"][0]["action"], "delete");
        assert_eq!(audit["events"][0]["changes"]["userName"], Value::Null);
        assert_eq!(audit["events"][0]["changes"]["username"], json!({"from": "jdoe", "to": null}));
        // And one deleted through Raven is gone from SCIM.
        let r = common::send(s.req(Method::DELETE, &format!("/api/v1/users/{rid}"), &key)).await;
        assert_eq!(r.0.as_u16(), 204);
        assert_scim_error(&get(&s, &format!("/Users/{rid}"), &key).await, 404, None);
    }

    async fn scopes_and_bound_keys_as_in_the_other_dialects(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        s.tenant("Globex", "globex");
        let admin = s.key("acme", "users:read,users:write");
        let member = create(&s, &admin, user_body("mo", "Mo", Some("mo@acme.io"))).await;
        let other = create(&s, &admin, user_body("tess", "Tess", Some("tess@acme.io"))).await;
        let (mid, oid) = (member["id"].as_str().unwrap(), other["id"].as_str().unwrap());
        let read_only = s.key("acme", "users:read");
        let bound = s.bound_key("acme", "users:read,users:write", mid);
        let globex = s.key("globex", "users:read,users:write");
        let patch = |v: Value| json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": v}]});

        assert_eq!(get(&s, "/Users", &read_only).await.0, 200);
        let (st, _, b) = scim(&s, Method::POST, "/Users", &read_only, Some(user_body("x", "X", None)), None).await;
        assert_scim_error(&(st, b), 403, None);
        let (st, _, _) = scim(&s, Method::DELETE, &format!("/Users/{oid}"), &read_only, None, None).await;
        assert_eq!(st, 403);

        // Another tenant's user is not there.
        assert_scim_error(&get(&s, &format!("/Users/{oid}"), &globex).await, 404, None);
        let (_, list) = get(&s, "/Users", &globex).await;
        assert_eq!(list["totalResults"], 0);
        let (st, _, _) = scim(&s, Method::PATCH, &format!("/Users/{oid}"), &globex, Some(patch(json!({"displayName": "X"}))), None).await;
        assert_eq!(st, 404);

        // A bound member: its own user, its name and preferences only; no list, no delete.
        assert_eq!(get(&s, &format!("/Users/{mid}"), &bound).await.0, 200);
        assert_eq!(get(&s, &format!("/Users/{oid}"), &bound).await.0, 403);
        assert_eq!(get(&s, "/Users", &bound).await.0, 403);
        let (st, _, r) = scim(&s, Method::PATCH, &format!("/Users/{mid}"), &bound, Some(patch(json!({"displayName": "Mo B."}))), None).await;
        assert_eq!((st, r["displayName"].as_str()), (200, Some("Mo B.")));
        for change in [json!({"userName": "boss"}), json!({"roles": [{"value": "admin"}]}), json!({"active": false}), json!({"externalId": "x"})] {
            let (st, _, b) = scim(&s, Method::PATCH, &format!("/Users/{mid}"), &bound, Some(patch(change.clone())), None).await;
            assert_scim_error(&(st, b), 403, None);
        }
        let (st, _, _) = scim(&s, Method::DELETE, &format!("/Users/{mid}"), &bound, None, None).await;
        assert_eq!(st, 403);
        // Made admin, the same key may list and delete.
        s.patch(&format!("/api/eai/v3/users/{mid}"), &admin, json!({"role": "admin"})).await;
        assert_eq!(get(&s, "/Users", &bound).await.0, 200);
        let (st, _, _) = scim(&s, Method::DELETE, &format!("/Users/{oid}"), &bound, None, None).await;
        assert_eq!(st, 204);
    }
}
