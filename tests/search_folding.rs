//! Search is case-insensitive by Unicode case folding, for needles of every
//! length, on both stores (src/model/fold.rs has the decisions).

mod common;

use common::TestServer;
use serde_json::json;

async fn names(s: &TestServer, key: &str, needle: &str) -> Vec<String> {
    let q: String = url::form_urlencoded::byte_serialize(needle.as_bytes()).collect();
    let (status, list) = s
        .get(&format!("/api/eai/v3/users?search={q}&limit=100"), key)
        .await;
    assert_eq!(status, 200, "{list}");
    let mut found: Vec<String> = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(list["total"], found.len(), "{needle}: {list}");
    found.sort();
    found
}

on_both_stores! {
    async fn every_needle_length_folds_case_the_same_way(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        for name in [
            "Änne Müller", "änne schmidt", "ΣΊΣΥΦΟΣ Papadopoulos", "σίσυφος Georgiou",
            "Odysseus", "ǅoko Petrović", "İstanbul Office", "Ilık Su", "Straße Team", "Anne Plain",
        ] {
            let (status, u) = s.post("/api/v1/users", &key, json!({"display_name": name})).await;
            assert_eq!(status, 201, "{u}");
        }
        let both_annes = vec!["Änne Müller".to_string(), "änne schmidt".to_string()];
        for needle in ["Ä", "ÄN", "äNn", "ÄNNE", "änne", "  äN "] {
            assert_eq!(names(&s, &key, needle).await, both_annes, "needle {needle:?}");
        }
        let sisyphus = vec!["ΣΊΣΥΦΟΣ Papadopoulos".to_string(), "σίσυφος Georgiou".to_string()];
        // Final sigma, small sigma and capital sigma are one letter.
        for needle in ["ς", "Σ", "σί", "ΣΊΣ", "ίσυφος", "ΊΣΥΦΟΣ"] {
            assert_eq!(names(&s, &key, needle).await, sisyphus, "needle {needle:?}");
        }
        for needle in ["ǆ", "Ǆ", "ǅo", "ǆOKO"] {
            assert_eq!(names(&s, &key, needle).await, vec!["ǅoko Petrović"], "needle {needle:?}");
        }
        // Dotted capital İ is found by itself only; dotless ı is a letter of its own.
        assert_eq!(names(&s, &key, "İ").await, vec!["İstanbul Office"]);
        assert_eq!(names(&s, &key, "İST").await, vec!["İstanbul Office"]);
        assert_eq!(names(&s, &key, "ist").await, Vec::<String>::new());
        assert_eq!(names(&s, &key, "LıK").await, vec!["Ilık Su"]);
        assert_eq!(names(&s, &key, "Lı").await, vec!["Ilık Su"]);
        assert_eq!(names(&s, &key, "LIK").await, Vec::<String>::new());
        // One letter for one: ß is not ss, at any length.
        assert_eq!(names(&s, &key, "ẞ").await, vec!["Straße Team"]);
        assert_eq!(names(&s, &key, "STRAẞE").await, vec!["Straße Team"]);
        assert_eq!(names(&s, &key, "strass").await, Vec::<String>::new());
        // Folding is not accent-stripping.
        assert_eq!(names(&s, &key, "ann").await, vec!["Anne Plain"]);

        // A renamed user is found by its new name only, at every length.
        let (_, list) = s.get("/api/v1/users?search=Plain", &key).await;
        let id = list["users"][0]["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/v1/users/{id}"), &key, json!({"display_name": "ÅSA Berg"})).await;
        assert_eq!(names(&s, &key, "ås").await, vec!["ÅSA Berg"]);
        assert_eq!(names(&s, &key, "åsa b").await, vec!["ÅSA Berg"]);
        assert_eq!(names(&s, &key, "plain").await, Vec::<String>::new());
    }
}
