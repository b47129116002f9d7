//! Request bodies, refused as the core says.

use auth_core::http::Rejection;
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::{Auth, AuthRejection};

/// The most bytes a [`JsonBody`] reads; a longer body is refused unread.
pub const MAX_BODY_LEN: usize = 16 * 1024;

/// A JSON request body of type `T` (a login form, a refresh token).
///
/// Refused with 400 `invalid_request` and a message that says which: a
/// `Content-Type` other than `application/json`, a body over
/// [`MAX_BODY_LEN`] bytes, or one that is not JSON of the expected shape.
/// The refusal is the same JSON as every other (`axum::Json`'s own
/// rejections are plain text with other statuses).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonBody<T>(pub T);

impl<S, T> FromRequest<S> for JsonBody<T>
where
    T: DeserializeOwned,
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let refuse = |why| auth.refuse(&Rejection::invalid_request(why, false));
        let is_json = req
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"));
        if !is_json {
            return Err(refuse(
                "the request body must be JSON (Content-Type: application/json)",
            ));
        }
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_LEN)
            .await
            .map_err(|_| refuse("the request body is too large or was cut short"))?;
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|_| refuse("the request body is not the expected JSON"))
    }
}
