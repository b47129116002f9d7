//! Refusals, rendered as the core decided.

use auth_core::http::{HttpConfig, Rejection, Rendered};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// A refusal ready to send: the core's [`Rejection`] rendered under the
/// app's [`HttpConfig`] (status, `Content-Type`, `Cache-Control:
/// no-store`, challenge, `Retry-After`, cookie clearing and the JSON body).
/// [`IntoResponse`] writes exactly that and nothing else.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthRejection {
    rendered: Rendered,
}

impl AuthRejection {
    /// Renders `rejection` under `config`.
    #[must_use]
    pub fn new(rejection: &Rejection, config: &HttpConfig) -> Self {
        Self {
            rendered: rejection.render(config),
        }
    }

    /// The rendered response.
    #[must_use]
    pub const fn rendered(&self) -> &Rendered {
        &self.rendered
    }

    /// The HTTP status code.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.rendered.status
    }
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        let Rendered {
            status,
            headers,
            body,
        } = self.rendered;
        let mut response = body.into_response();
        *response.status_mut() =
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let map = response.headers_mut();
        for (name, value) in headers {
            // The core renders only lower-case names and header-safe values
            // (quotable text, cookie tokens, digits); one that were not
            // would be dropped rather than sent broken.
            let (Ok(name), Ok(value)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::try_from(value),
            ) else {
                continue;
            };
            if name == SET_COOKIE {
                map.append(name, value);
            } else {
                map.insert(name, value);
            }
        }
        response
    }
}
