//! Realistic demo users: varied names, emails, roles, statuses, metadata,
//! preferences and logins, spread over the past three years.

mod names;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::json;

use crate::model::{NewUser, Object, Role, Status, Timestamp};
use crate::server::users::build;
use crate::store::{Store, StoreError};

/// Users generated and inserted in one go.
const BATCH: u64 = 10_000;
const DAY_MS: i64 = 86_400_000;

/// Inserts `count` new users into the tenant. Values that happen to collide with
/// existing ones (an email) are skipped and made up again, so exactly `count`
/// go in.
pub async fn users(store: &dyn Store, tenant_id: &str, count: u64) -> Result<u64, StoreError> {
    let mut inserted = 0;
    let mut attempts = 0;
    while inserted < count {
        let batch = (count - inserted).min(BATCH);
        let users: Vec<_> = {
            let mut rng = rand::rng();
            let now = Timestamp::now().millis();
            (0..batch)
                .map(|_| build(tenant_id, user(&mut rng, now)))
                .collect()
        };
        let went_in = store.insert_users(&users).await?;
        inserted += went_in;
        attempts += 1;
        if went_in == 0 && attempts > 100 {
            return Err(StoreError::Unsupported(
                "could not make up unique demo users; the tenant is saturated".into(),
            ));
        }
    }
    Ok(inserted)
}

fn pick<'a, T: ?Sized>(rng: &mut impl Rng, items: &'a [&'a T]) -> &'a T {
    items.choose(rng).copied().unwrap_or(items[0])
}

/// One made-up user, created at some time in the past three years.
pub fn user(rng: &mut impl Rng, now_ms: i64) -> NewUser {
    let first = pick(rng, names::FIRST);
    let last = pick(rng, names::LAST);
    let domain = pick(rng, names::DOMAINS);
    let n: u32 = rng.random_range(1..100_000);
    let local = match rng.random_range(0..4) {
        0 => format!("{first}.{last}{n}"),
        1 => format!("{}{last}{n}", &first[..1]),
        2 => format!("{first}_{n}"),
        _ => format!("{last}.{first}.{n}"),
    }
    .to_lowercase()
    .chars()
    .map(|c| if c == 'ü' { 'u' } else { c })
    .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    .collect::<String>();

    let created_at = now_ms - rng.random_range(0..3 * 365 * DAY_MS);
    let last_login_at = rng.random_bool(0.92).then(|| {
        let since = (now_ms - created_at).clamp(1, 120 * DAY_MS);
        Timestamp(now_ms - rng.random_range(0..since))
    });
    let role = match rng.random_range(0..100) {
        0..4 => Role::Admin,
        4..24 => Role::Viewer,
        _ => Role::Member,
    };
    let status = if rng.random_bool(0.12) {
        Status::Inactive
    } else {
        Status::Active
    };
    let plan = pick(rng, &["free", "free", "pro", "pro", "enterprise"]);
    let mut metadata = json!({
        "plan": plan,
        "source": pick(rng, &["web", "ios", "android", "api", "import"]),
        "region": pick(rng, &["eu-west-1", "us-east-1", "us-west-2", "ap-south-1"]),
    });
    if plan == "enterprise" {
        metadata["seats"] = json!(rng.random_range(5..500));
        metadata["account_manager"] = json!(format!(
            "{} {}",
            pick(rng, names::FIRST),
            pick(rng, names::LAST)
        ));
    }
    if rng.random_bool(0.3) {
        metadata["tags"] = json!([pick(
            rng,
            &["beta", "vip", "churn-risk", "partner", "trial"]
        )]);
    }
    let preferences = json!({
        "theme": pick(rng, &["dark", "light", "system"]),
        "language": pick(rng, &["en", "en", "es", "de", "fr", "pt", "ja"]),
        "timezone": pick(rng, names::TIMEZONES),
        "notifications": {"email": rng.random_bool(0.7), "push": rng.random_bool(0.4)},
    });
    let external_ref = format!("cus_{:010x}", rng.random::<u64>() & 0xff_ffff_ffff);
    NewUser {
        external_ref: Some(external_ref),
        display_name: Some(format!("{first} {last}")),
        avatar: rng
            .random_bool(0.6)
            .then(|| format!("https://avatars.example.com/{local}.jpg")),
        email: Some(format!("{local}@{domain}")),
        role,
        status,
        metadata: into_object(metadata),
        preferences: into_object(preferences),
        conversation_count: (rng.random::<f64>().powi(3) * 400.0) as i64,
        created_at: Some(Timestamp(created_at)),
        last_login_at,
    }
}

fn into_object(v: serde_json::Value) -> Object {
    match v {
        serde_json::Value::Object(o) => o,
        _ => Object::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{validate_email, validate_object};

    #[test]
    fn made_up_users_are_valid_and_varied() {
        let mut rng = rand::rng();
        let now = Timestamp::now().millis();
        let users: Vec<_> = (0..500).map(|_| user(&mut rng, now)).collect();
        for u in &users {
            let email = u.email.as_deref().unwrap();
            assert_eq!(validate_email(email).unwrap().as_deref(), Some(email));
            validate_object("metadata", &u.metadata).unwrap();
            assert!(u.created_at.unwrap().millis() <= now);
            if let Some(login) = u.last_login_at {
                assert!(login >= u.created_at.unwrap() && login.millis() <= now);
            }
        }
        for role in Role::ALL {
            assert!(users.iter().any(|u| u.role == role), "no {role}");
        }
        assert!(users.iter().any(|u| u.status == Status::Inactive));
        let names: std::collections::HashSet<_> = users.iter().map(|u| &u.display_name).collect();
        assert!(names.len() > 300, "only {} distinct names", names.len());
    }
}
