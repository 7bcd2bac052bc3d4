//! Realistic demo users: varied names, emails, roles, statuses, metadata,
//! preferences and logins, spread over the past three years.

mod names;

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::json;

use crate::model::build_user;
use crate::model::{NewUser, Object, Role, Status, Timestamp, User};
use crate::store::{PageRequest, Store, StoreError, UserFilter};

/// Users generated and inserted in one go.
const BATCH: u64 = 10_000;
const DAY_MS: i64 = 86_400_000;
/// Demo users were created over the past three years.
const SPAN_MS: i64 = 3 * 365 * DAY_MS;

/// Inserts `count` new users into the tenant, as one bulk load. Values that
/// happen to collide with existing ones (an email) are skipped and made up
/// again, so exactly `count` go in. The next batch is made up on another thread
/// while the store inserts this one.
pub async fn users(store: &dyn Store, tenant_id: &str, count: u64) -> Result<u64, StoreError> {
    let now = Timestamp::now().millis();
    // Into a tenant that has users, the new ones come after its newest: users
    // added in creation order keep the store's fast path for searches (see
    // migrations/sqlite/0003) and the indexes on creation time grow at their ends.
    let newest = store
        .list_users(
            tenant_id,
            &UserFilter::default(),
            PageRequest {
                limit: 1,
                offset: 0,
            },
        )
        .await?
        .users
        .first()
        .map(|u| u.created_at.millis());
    let span = Span {
        start: newest
            .map_or(now - SPAN_MS, |n| (n + 1).max(now - SPAN_MS))
            .min(now),
        end: now,
    };
    let made = std::sync::atomic::AtomicU64::new(0);
    let make = |n: u64| {
        let tenant_id = tenant_id.to_string();
        let first = made.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        tokio::task::spawn_blocking(move || batch(&tenant_id, first, n, count, span))
    };
    let mut load = store.bulk_load(count).await?;
    let mut inserted = 0;
    let mut attempts = 0;
    let mut next = (count > 0).then(|| make(count.min(BATCH)));
    while let Some(made) = next.take() {
        let users = made
            .await
            .map_err(|e| StoreError::Unsupported(format!("making up users: {e}")))?;
        // Assume they all go in; any that do not are made up again below.
        let planned = inserted + users.len() as u64;
        if planned < count {
            next = Some(make((count - planned).min(BATCH)));
        }
        let went_in = load.insert(&users).await?;
        inserted += went_in;
        attempts += 1;
        if went_in == 0 && attempts > 100 {
            return Err(StoreError::Unsupported(
                "could not make up unique demo users; the tenant is saturated".into(),
            ));
        }
        if next.is_none() && inserted < count {
            next = Some(make((count - inserted).min(BATCH)));
        }
    }
    load.finish().await?;
    Ok(inserted)
}

/// When the users of a seed were created (ms since the epoch).
#[derive(Clone, Copy)]
struct Span {
    start: i64,
    end: i64,
}

/// Users `first..first + n` of `count`, created in that order: the i-th at
/// about i/count of the way through the span. Users beyond `count` (made up
/// again after a collision) come last, at its end.
fn batch(tenant_id: &str, first: u64, n: u64, count: u64, span: Span) -> Vec<User> {
    let mut rng = rand::rng();
    let step = ((span.end - span.start) as f64) / (count.max(1) as f64);
    (first..first + n)
        .map(|i| {
            let created = if i < count {
                // Within its own step, so that the order holds after rounding.
                let jitter = if step >= 1.0 {
                    rng.random_range(0.0..step)
                } else {
                    0.0
                };
                (span.start + (i as f64 * step + jitter) as i64).min(span.end)
            } else {
                span.end
            };
            build_user(tenant_id, user_created(&mut rng, span.end, created))
        })
        .collect()
}

fn pick<'a, T: ?Sized>(rng: &mut impl Rng, items: &'a [&'a T]) -> &'a T {
    items.choose(rng).copied().unwrap_or(items[0])
}

/// One made-up user, created at some time in the past three years.
pub fn user(rng: &mut impl Rng, now_ms: i64) -> NewUser {
    let created_at = now_ms - rng.random_range(0..SPAN_MS);
    user_created(rng, now_ms, created_at)
}

/// One made-up user, created at `created_at` (ms since the epoch, not after `now_ms`).
pub fn user_created(rng: &mut impl Rng, now_ms: i64, created_at: i64) -> NewUser {
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
        username: None,
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

    #[tokio::test]
    async fn seeds_come_in_creation_order_even_into_a_tenant_with_users() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("seed.db").display());
        let store = crate::store::SqliteStore::open(&url).await.unwrap();
        let tenant = crate::model::Tenant {
            id: "ten_seed0001".into(),
            slug: "seed".into(),
            name: "Seed".into(),
            created_at: Timestamp::now(),
        };
        store.insert_tenant(&tenant).await.unwrap();
        // The bulk load into an empty table, then one into a tenant with
        // users, the newest created just now.
        assert_eq!(users(&store, &tenant.id, 3_000).await.unwrap(), 3_000);
        let just_now = build_user(&tenant.id, NewUser::default());
        store
            .insert_user(&just_now, &crate::model::Actor::command_line())
            .await
            .unwrap();
        assert_eq!(users(&store, &tenant.id, 500).await.unwrap(), 500);
        assert!(store.tenant_ordered(&tenant.id).await);
        let times: Vec<i64> = sqlx::query_scalar("SELECT created_at FROM users ORDER BY seq")
            .fetch_all(store.pool())
            .await
            .unwrap();
        assert_eq!(times.len(), 3_501);
        assert!(times.windows(2).all(|w| w[0] <= w[1]));
        assert!(
            times[0] < Timestamp::now().millis() - 300 * DAY_MS,
            "spread over years"
        );
    }
}
