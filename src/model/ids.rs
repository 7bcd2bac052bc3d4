use rand::Rng;
use rand::distr::Alphanumeric;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";

fn lower_alnum(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| LOWER_ALNUM[rng.random_range(0..LOWER_ALNUM.len())] as char)
        .collect()
}

/// A new user id: `usr_` and 14 random lowercase letters and digits (72 bits).
pub fn new_user_id() -> String {
    format!("usr_{}", lower_alnum(14))
}

/// A new tenant id: `ten_` and 8 random lowercase letters and digits.
pub fn new_tenant_id() -> String {
    format!("ten_{}", lower_alnum(8))
}

/// `len` random base62 characters, from the operating system's generator.
pub fn base62(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_prefix_and_length() {
        let u = new_user_id();
        assert!(u.starts_with("usr_") && u.len() == 18, "{u}");
        let t = new_tenant_id();
        assert!(t.starts_with("ten_") && t.len() == 12, "{t}");
        assert_ne!(new_user_id(), new_user_id());
        assert!(base62(32).chars().all(|c| c.is_ascii_alphanumeric()));
    }
}
