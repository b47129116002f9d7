//! Request bodies, refused as the core says.

use auth_core::http::{body_too_large, check_json_content_type, parse_json_body};
use axum::extract::{FromRef, FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

pub use auth_core::http::MAX_BODY_LEN;

use crate::{Auth, AuthRejection};

/// A JSON request body of type `T` (a login form, a refresh token).
///
/// Refused with 400 `invalid_request` and a message that says which: a
/// `Content-Type` other than `application/json`, a body over
/// [`MAX_BODY_LEN`] bytes, or one that is not JSON of the expected shape
/// (the core decides: [`auth_core::http::parse_json_body`]).
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
        let content_type = crate::extract::one(req.headers(), &CONTENT_TYPE);
        check_json_content_type(content_type).map_err(|r| auth.refuse(&r))?;
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_LEN)
            .await
            .map_err(|_| auth.refuse(&body_too_large()))?;
        parse_json_body(&bytes)
            .map(JsonBody)
            .map_err(|r| auth.refuse(&r))
    }
}
