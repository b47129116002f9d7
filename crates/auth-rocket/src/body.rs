//! Request bodies, refused as the core says.

use auth_core::http::{body_too_large, check_json_content_type, parse_json_body};
use rocket::data::{self, Data, FromData, ToByteUnit};
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::Request;
use serde::de::DeserializeOwned;

pub use auth_core::http::MAX_BODY_LEN;

use crate::AuthRejection;
use crate::guards::{auth_of, refuse};

/// A JSON request body of type `T` (a login form, a refresh token), as a
/// data guard.
///
/// Refused with 400 `invalid_request` and a message that says which: a
/// `Content-Type` other than `application/json`, a body over
/// [`MAX_BODY_LEN`] bytes, or one that is not JSON of the expected shape
/// (the core decides: [`auth_core::http::parse_json_body`]). The refusal is
/// the same JSON as every other, and the same as auth-axum's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct JsonBody<T>(pub T);

#[rocket::async_trait]
impl<'r, T: DeserializeOwned + Send> FromData<'r> for JsonBody<T> {
    type Error = AuthRejection;

    async fn from_data(request: &'r Request<'_>, data: Data<'r>) -> data::Outcome<'r, Self> {
        let auth = match auth_of(request) {
            Ok(auth) => auth,
            Err(rendered) => return Outcome::Error((Status::new(rendered.status()), rendered)),
        };
        let content_type = request.headers().get_one("content-type").map(str::as_bytes);
        let read = match check_json_content_type(content_type) {
            Ok(()) => data.open(MAX_BODY_LEN.bytes()).into_bytes().await,
            Err(rejection) => return refuse(request, auth, &rejection, true),
        };
        let bytes = match read {
            Ok(bytes) if bytes.is_complete() => bytes.into_inner(),
            _ => return refuse(request, auth, &body_too_large(), true),
        };
        match parse_json_body(&bytes) {
            Ok(value) => Outcome::Success(Self(value)),
            Err(rejection) => refuse(request, auth, &rejection, true),
        }
    }
}
