//! Reading a Bearer token from a request (RFC 6750 §2.1).

use super::Rejection;

/// The most bytes an `Authorization` header may have; more is a malformed
/// request (400), refused before it is read. Twice the verifier's default
/// token limit, so a token the verifier would refuse as `too_large` still
/// gets that answer.
pub const MAX_AUTHORIZATION_LEN: usize = 2 * crate::jwt::DEFAULT_MAX_TOKEN_LEN;

/// Whether `b` may appear in an RFC 6750 `b64token` (before its `=`s).
const fn is_b64token_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/')
}

/// The Bearer token of a request, from its `Authorization` headers (all of
/// them, as sent) and its query string (`None` without one).
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
    let in_query = query.is_some_and(|q| {
        q.split('&')
            .any(|param| param.split('=').next() == Some("access_token"))
    });
    if in_query {
        let why = if authorization.is_empty() {
            "access tokens are not accepted in the URI; use the Authorization header"
        } else {
            "the access token is sent in more than one way"
        };
        return Err(Rejection::invalid_request(why, true));
    }
    let header = match authorization {
        [] => return Ok(None),
        [one] => *one,
        _ => {
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
    let scheme_end = header
        .iter()
        .position(|&b| b == b' ')
        .unwrap_or(header.len());
    if !header[..scheme_end].eq_ignore_ascii_case(b"bearer") {
        return Ok(None);
    }
    let spaces = header[scheme_end..]
        .iter()
        .take_while(|&&b| b == b' ')
        .count();
    let token = &header[scheme_end + spaces..];
    let body_end = token
        .iter()
        .position(|&b| !is_b64token_char(b))
        .unwrap_or(token.len());
    let valid = body_end > 0 && token[body_end..].iter().all(|&b| b == b'=');
    if !valid {
        return Err(Rejection::invalid_request(
            "the Authorization header is not a valid Bearer credential",
            true,
        ));
    }
    // b64token characters are ASCII, so this is always text.
    Ok(core::str::from_utf8(token).ok())
}
