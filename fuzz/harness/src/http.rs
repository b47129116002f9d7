//! `http_request`: the request headers a client controls, through the
//! readers and the refusals every adapter renders.

use auth_core::Error;
use auth_core::http::{
    CookieConfig, CsrfHeaders, HttpConfig, Rejection, Via, bearer, csrf, find_cookie,
};

/// Splits `data` into the fields of a request: `Authorization` values, the
/// query, `Cookie` values, `Sec-Fetch-Site`, `Origin`, `Host`,
/// `X-CSRF-Token`, and the method, separated by `0xff` (which no header
/// value may hold). Within the header lists, `0xfe` separates values.
struct Request<'a> {
    authorization: Vec<&'a [u8]>,
    query: Option<&'a str>,
    cookies: Vec<&'a [u8]>,
    headers: CsrfHeaders<'a>,
    method: &'a str,
}

fn optional(field: Option<&[u8]>) -> Option<&[u8]> {
    field.filter(|f| !f.is_empty())
}

fn list(field: Option<&[u8]>) -> Vec<&[u8]> {
    optional(field).map_or_else(Vec::new, |f| f.split(|&b| b == 0xfe).collect())
}

impl<'a> Request<'a> {
    fn parse(data: &'a [u8]) -> Self {
        let mut fields = data.split(|&b| b == 0xff);
        let mut next = || fields.next();
        let authorization = list(next());
        let query = optional(next()).and_then(|q| std::str::from_utf8(q).ok());
        let cookies = list(next());
        let headers = CsrfHeaders {
            sec_fetch_site: optional(next()),
            origin: optional(next()),
            host: optional(next()),
            csrf_token: optional(next()),
        };
        let method = next()
            .and_then(|m| std::str::from_utf8(m).ok())
            .unwrap_or("POST");
        Self {
            authorization,
            query,
            cookies,
            headers,
            method,
        }
    }
}

/// Whether `value` may be sent as an HTTP header value as is: visible
/// ASCII, space and tab, nothing that could end the header.
fn is_header_value(value: &str) -> bool {
    value
        .bytes()
        .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
}

/// A rendered refusal must be a well-formed response: its headers sendable
/// as they are, its body JSON with exactly `error` and `message`, the code
/// the rejection's own.
fn check_rendered(rejection: &Rejection, config: &HttpConfig) {
    let rendered = rejection.render(config);
    assert_eq!(rendered.status, rejection.status());
    for (name, value) in &rendered.headers {
        assert!(
            is_header_value(value),
            "{name}: {value:?} is not a header value"
        );
    }
    let body: serde_json::Value =
        serde_json::from_str(&rendered.body).expect("a refusal's body is JSON");
    let object = body.as_object().expect("a refusal's body is an object");
    assert_eq!(object.len(), 2, "{}", rendered.body);
    assert_eq!(object["error"], rejection.code());
    assert_eq!(object["message"], rejection.message());
}

/// Reads `data` as a request's credentials and CSRF headers. Returns how
/// many of the readers accepted what they were given.
///
/// # Panics
///
/// When a reader accepts what it promises to refuse (a Bearer token that
/// is not a `b64token` of the one header, a cookie value with a `;`, a
/// refused safe method), refuses with another status than it promises, or
/// a refusal renders into a response that is not well formed.
pub fn http_request(data: &[u8]) -> usize {
    let config = HttpConfig::new("fuzz", CookieConfig::new(3600))
        .expect("a fixed realm")
        .allow_origin("https://app.example")
        .expect("a fixed origin");
    let request = Request::parse(data);
    let mut accepted = 0;
    match bearer(&request.authorization, request.query) {
        Ok(Some(token)) => {
            // Values that are not UTF-8 count as absent.
            let readable: Vec<&[u8]> = request
                .authorization
                .iter()
                .copied()
                .filter(|h| core::str::from_utf8(h).is_ok())
                .collect();
            assert_eq!(readable.len(), 1, "one header, one token");
            let body = token.trim_end_matches('=');
            assert!(
                !body.is_empty()
                    && body
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)),
                "{token:?} is not a b64token"
            );
            let header = readable[0].trim_ascii_end();
            assert!(
                header.ends_with(token.as_bytes()),
                "the token is the header's"
            );
            accepted += 1;
        }
        Ok(None) => {}
        Err(rejection) => {
            assert_eq!(
                (rejection.status(), rejection.code()),
                (400, "invalid_request")
            );
            check_rendered(&rejection, &config);
        }
    }
    match find_cookie(&request.cookies, config.cookies().session_name()) {
        Ok(Some(value)) => {
            assert!(!value.contains(';'), "a cookie value ends at ';'");
            accepted += 1;
        }
        Ok(None) => {}
        Err(rejection) => {
            assert_eq!(
                (rejection.status(), rejection.code()),
                (400, "invalid_request")
            );
            check_rendered(&rejection, &config);
        }
    }
    let token = "rjYpTSnmu8KFtnWQrbfD8zTy0Xg2Z0Hm3bpodXv5e1Q";
    match config.check_csrf(request.method, request.headers, token) {
        Ok(()) => accepted += 1,
        Err(rejection) => {
            assert_eq!((rejection.status(), rejection.code()), (403, "csrf"));
            assert!(
                !csrf::is_safe_method(request.method),
                "a safe method refused"
            );
            check_rendered(&rejection, &config);
        }
    }
    // Every refusal the core can make renders well, whatever came in: the
    // request's bytes stand in for the error's detail and a role.
    let detail = String::from_utf8_lossy(data).into_owned();
    for via in [Via::Bearer, Via::Cookie, Via::Body] {
        for error in [
            Error::MissingClaim(detail.clone()),
            Error::StoreUnavailable(detail.clone()),
            Error::RefreshReused {
                user_id: detail.clone(),
                family_id: detail.clone(),
            },
        ] {
            check_rendered(&Rejection::from_error(&error, via), &config);
        }
        check_rendered(&Rejection::insufficient_scope(&detail, via), &config);
    }
    accepted
}
