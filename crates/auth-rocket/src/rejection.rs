//! Refusals, rendered as the core decided, and how a refusal of a request
//! guard reaches the client (catchers, and the fairing on the way out).

use std::io::Cursor;
use std::sync::Mutex;

use auth_core::Error;
use auth_core::http::{HttpConfig, Rejection, Rendered, Via};
use rocket::http::Status;
use rocket::request::Request;
use rocket::response::{self, Responder, Response};
use rocket::{Catcher, catcher};

use crate::Auth;

/// A refusal ready to send: the core's [`Rejection`] rendered under the
/// app's [`HttpConfig`] (status, `Content-Type`, `Cache-Control:
/// no-store`, challenge, `Retry-After`, cookie clearing and the JSON body).
/// [`Responder`] writes exactly that and nothing else.
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

    /// The response, as Rocket's type.
    pub(crate) fn response(&self) -> Response<'static> {
        let Rendered {
            status,
            headers,
            body,
        } = self.rendered.clone();
        let mut response = Response::new();
        response.set_status(Status::new(status));
        for (name, value) in headers {
            // Every header the core renders is one the adapter sends,
            // `set-cookie` once per cookie.
            if name == "set-cookie" {
                response.adjoin_raw_header(name, value);
            } else {
                response.set_raw_header(name, value);
            }
        }
        response.set_sized_body(body.len(), Cursor::new(body));
        response
    }
}

impl<'r> Responder<'r, 'static> for AuthRejection {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        Ok(self.response())
    }
}

/// The refusal a request guard gave, kept in the request so that the
/// catcher (for a required guard) or the fairing (for an `Option<...>`
/// guard whose refusal must stand) can send it.
#[derive(Default)]
struct Recorded(Mutex<Option<Record>>);

struct Record {
    rejection: AuthRejection,
    /// Not a "no credentials" case: even an `Option<...>` guard's request
    /// gets this refusal, never the handler's answer.
    stands: bool,
    /// Sent already (by the catcher).
    sent: bool,
}

fn recorded<'a>(request: &'a Request<'_>) -> &'a Recorded {
    request.local_cache(Recorded::default)
}

/// Keeps `rejection` as the request's refusal. A refusal that stands is
/// never replaced; one that does not (a missing credential an
/// `Option<...>` guard turned into `None`) gives way to a later one.
pub(crate) fn record(request: &Request<'_>, rejection: AuthRejection, stands: bool) {
    let mut slot = recorded(request)
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if slot.as_ref().is_some_and(|r| r.stands) {
        return;
    }
    *slot = Some(Record {
        rejection,
        stands,
        sent: false,
    });
}

/// The refusal that must replace the handler's answer: one that stands
/// and was not sent by a catcher.
pub(crate) fn standing(request: &Request<'_>) -> Option<AuthRejection> {
    let slot = recorded(request)
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    slot.as_ref()
        .filter(|r| r.stands && !r.sent)
        .map(|r| r.rejection.clone())
}

/// What the catcher for `status` sends: the guard's refusal when one was
/// recorded for this status (or stands), else the core's answer for a
/// refusal of Rocket's own (404 `not_found` for an unknown route, 400
/// `invalid_request`, 500 `internal_error`).
fn caught(status: Status, request: &Request<'_>) -> AuthRejection {
    {
        let mut slot = recorded(request)
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(record) = slot.as_mut()
            && (record.stands || record.rejection.status() == status.code)
        {
            record.sent = true;
            return record.rejection.clone();
        }
    }
    let rejection = match status.code {
        404 => Rejection::not_found(),
        400..=499 => Rejection::invalid_request("the request is malformed", false),
        _ => Rejection::from_error(
            &Error::Misuse("auth-rocket: the request failed before the handler"),
            Via::Body,
        ),
    };
    match request.rocket().state::<Auth>() {
        Some(auth) => auth.refuse(&rejection),
        None => AuthRejection::new(&rejection, &fallback_config()),
    }
}

/// The configuration a refusal is rendered under when the app has no
/// [`Auth`] (the fairing was not attached; logged where it is found).
fn fallback_config() -> HttpConfig {
    HttpConfig::new("", auth_core::http::CookieConfig::new(0))
        .unwrap_or_else(|_| unreachable!("an empty realm is quotable"))
}

/// The catcher of every status: the recorded refusal, or the core's.
#[derive(Clone, Copy, Debug)]
struct Catch;

#[rocket::async_trait]
impl catcher::Handler for Catch {
    async fn handle<'r>(&self, status: Status, request: &'r Request<'_>) -> catcher::Result<'r> {
        Ok(caught(status, request).response())
    }
}

/// The default catcher (every status) that renders refusals as the core
/// decides, at base `/`. [`Auth::fairing`](crate::Auth::fairing)
/// registers it; an app that attaches the fairing must not register a
/// default catcher of its own at `/` (Rocket refuses the collision at
/// launch), but may add catchers for other bases or statuses.
#[must_use]
pub fn catchers() -> Vec<Catcher> {
    vec![Catcher::new(None, Catch)]
}
