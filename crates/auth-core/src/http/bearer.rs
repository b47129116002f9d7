//! Reading a Bearer token from a request (RFC 6750 §2.1).

use super::{Rejection, readable};

/// The most bytes an `Authorization` header may have; more is a malformed
/// request (400), refused before it is read. Twice the verifier's default
/// token limit, so a token the verifier would refuse as `too_large` still
/// gets that answer.
pub const MAX_AUTHORIZATION_LEN: usize = 2 * crate::jwt::DEFAULT_MAX_TOKEN_LEN;

/// Whether `b` may appear in an RFC 6750 `b64token` (before its `=`s).
const fn is_b64token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// [`is_b64token_char`] for every byte, looked up: a token is a few
/// hundred bytes read on every Bearer request, and a lookup folded over
/// them has no branch per byte.
const B64TOKEN: [bool; 256] = {
    let mut table = [false; 256];
    let mut b = 0;
    while b < 256 {
        // `b < 256`, so the cast keeps its value.
        #[allow(clippy::cast_possible_truncation)]
        let byte = b as u8;
        table[b] = is_b64token_char(byte);
        b += 1;
    }
    table
};

/// Whether every byte of `text` may appear in a `b64token`.
fn all_b64token(text: &str) -> bool {
    text.bytes()
        .fold(true, |ok, b| ok & B64TOKEN[usize::from(b)])
}

/// The Bearer token of a request, from its `Authorization` headers (all of
/// them, as sent) and its query string (`None` without one). A header
/// value that is not UTF-8 counts as absent (see the [module
/// docs](super#header-values-that-are-not-utf-8)).
///
/// - No `Authorization` header, or one of another scheme (`Basic ...`):
///   `Ok(None)`; the route then answers 401 with a bare challenge
///   ([`Rejection::unauthenticated`]).
/// - `Bearer TOKEN` (the scheme in any case, one or more spaces, a
///   `b64token`): `Ok(Some(TOKEN))`.
///
/// Refused with 400 `invalid_request` and its Bearer challenge: more than
/// one `Authorization` header; a header over [`MAX_AUTHORIZATION_LEN`]
/// bytes; `Bearer` with nothing after it or anything that is not a
/// `b64token`; an `access_token` parameter in the query (RFC 6750 §2.3:
/// tokens in URIs end up in logs and histories, so this library never
/// reads them, and a token sent that way beside the header is sent "more
/// than one way", which §2 forbids).
pub fn bearer<'a>(
    authorization: &[&'a [u8]],
    query: Option<&str>,
) -> Result<Option<&'a str>, Rejection> {
    let mut headers = authorization.iter().filter_map(|h| readable(h));
    let (first, second) = (headers.next(), headers.next());
    let in_query = query.is_some_and(|q| {
        q.split('&')
            .any(|param| param.split('=').next() == Some("access_token"))
    });
    if in_query {
        let why = if first.is_none() {
            "access tokens are not accepted in the URI; use the Authorization header"
        } else {
            "the access token is sent in more than one way"
        };
        return Err(Rejection::invalid_request(why, true));
    }
    let header = match (first, second) {
        (None, _) => return Ok(None),
        (Some(one), None) => one,
        (Some(_), Some(_)) => {
            return Err(Rejection::invalid_request(
                "more than one Authorization header",
                true,
            ));
        }
    };
    if header.len() > MAX_AUTHORIZATION_LEN {
        return Err(Rejection::invalid_request(
            "the Authorization header is too large",
            true,
        ));
    }
    let header = header.trim_ascii();
    let (scheme, rest) = header.split_once(' ').unwrap_or((header, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Ok(None);
    }
    let token = rest.trim_start_matches(' ');
    let body = token.trim_end_matches('=');
    if body.is_empty() || !all_b64token(body) {
        return Err(Rejection::invalid_request(
            "the Authorization header is not a valid Bearer credential",
            true,
        ));
    }
    Ok(Some(token))
}
