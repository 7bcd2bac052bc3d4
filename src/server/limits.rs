//! Bounds on a request's head, checked by us rather than by hyper so that the
//! refusal is our JSON (hyper's own 414 and 431 have an empty body). hyper's
//! limits are set above these (`listen`), and what still passes them is turned
//! into the same JSON on the wire (`listen::rewrite`).

use axum::http::request::Parts;

use super::ApiError;

/// Longest request target (path and query) we read; a longer one is 414.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Most header fields in one request; more is 431.
pub const MAX_HEADERS: usize = 100;
/// Most bytes of header names and values in one request; more is 431.
pub const MAX_HEADER_BYTES: usize = 32 * 1024;

/// hyper's own cap on header fields, above ours so that ours answers first.
pub const HYPER_MAX_HEADERS: usize = 4 * MAX_HEADERS;
/// The HTTP/2 header list size the server accepts (names, values and 32 bytes a
/// field), above ours for the same reason: past it the h2 crate answers a bare
/// 431 of its own, and its frames cannot be rewritten on the way out.
pub const H2_MAX_HEADER_LIST_BYTES: u32 = 4 * MAX_HEADER_BYTES as u32;

pub fn check_head(head: &Parts) -> Result<(), ApiError> {
    let uri = head
        .uri
        .path_and_query()
        .map_or(head.uri.path().len(), |pq| pq.as_str().len());
    if uri > MAX_URI_BYTES {
        return Err(ApiError::UriTooLong);
    }
    let count = head.headers.len();
    if count > MAX_HEADERS {
        return Err(too_large());
    }
    let bytes: usize = head
        .headers
        .iter()
        .map(|(name, value)| name.as_str().len() + value.len())
        .sum();
    if bytes > MAX_HEADER_BYTES {
        return Err(too_large());
    }
    Ok(())
}

/// The one message for both limits, so that hyper's own 431 (which cannot say
/// which limit it was) reads the same.
pub fn too_large() -> ApiError {
    ApiError::HeadersTooLarge(format!(
        "the request's header fields are too many or too large (at most {MAX_HEADERS} fields \
         and {} KiB)",
        MAX_HEADER_BYTES / 1024
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(uri: &str, headers: usize, value_len: usize) -> Parts {
        let mut b = Request::builder().uri(uri);
        for i in 0..headers {
            b = b.header(format!("x-h{i}"), "v".repeat(value_len));
        }
        b.body(()).expect("request").into_parts().0
    }

    #[test]
    fn limits_are_inclusive_and_each_has_its_error() {
        let long = format!("/{}", "a".repeat(MAX_URI_BYTES - 1));
        assert!(check_head(&parts(&long, 0, 0)).is_ok());
        let longer = format!("{long}a");
        assert!(matches!(
            check_head(&parts(&longer, 0, 0)),
            Err(ApiError::UriTooLong)
        ));
        assert!(check_head(&parts("/", MAX_HEADERS, 1)).is_ok());
        assert!(matches!(
            check_head(&parts("/", MAX_HEADERS + 1, 1)),
            Err(ApiError::HeadersTooLarge(_))
        ));
        assert!(matches!(
            check_head(&parts("/", 2, MAX_HEADER_BYTES / 2)),
            Err(ApiError::HeadersTooLarge(_))
        ));
    }
}
