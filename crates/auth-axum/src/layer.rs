//! A role requirement, per route or per router.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use auth_core::http::Rejection;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use tower::{Layer, Service};

use crate::Auth;
use crate::extract::find_user;

/// A layer that lets a request through only when its [`User`](crate::User)
/// (by Bearer token or session cookie, CSRF-checked) has a role: 401
/// without credentials, 403 `insufficient_scope` without the role, and the
/// extractors' own refusals for bad credentials. The user it found is kept
/// in the request, so the handler's `User` costs no second store read.
///
/// ```
/// # use auth_axum::{Auth, RequireRole, User};
/// # use axum::{Router, routing::get};
/// # fn app(auth: Auth) -> Router {
/// async fn dashboard(user: User) -> String { user.id }
/// Router::new()
///     .route("/admin/dashboard", get(dashboard))
///     // every route of this router (route_layer: unknown paths stay 404)
///     .route_layer(RequireRole::new(&auth, "admin"))
///     .with_state(auth)
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RequireRole {
    auth: Auth,
    role: Arc<str>,
}

impl RequireRole {
    /// Requires `role` under `auth`.
    #[must_use]
    pub fn new(auth: &Auth, role: &str) -> Self {
        Self {
            auth: auth.clone(),
            role: role.into(),
        }
    }
}

impl<S> Layer<S> for RequireRole {
    type Service = RequireRoleService<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RequireRoleService {
            inner,
            auth: self.auth.clone(),
            role: self.role.clone(),
        }
    }
}

/// The service [`RequireRole`] wraps around a route.
#[derive(Clone, Debug)]
pub struct RequireRoleService<S> {
    inner: S,
    auth: Auth,
    role: Arc<str>,
}

impl<S> Service<Request> for RequireRoleService<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request) -> Self::Future {
        // The service that was polled ready handles this request; a clone
        // takes its place for the next one.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let auth = self.auth.clone();
        let role = self.role.clone();
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let user = match find_user(&auth, &mut parts).await {
                Ok(Some(user)) => user,
                Ok(None) => {
                    let bearer = auth.inner.tokens.is_some();
                    let refused = Rejection::unauthenticated(bearer, false);
                    return Ok(auth.refuse(&refused).into_response());
                }
                Err((rejection, _)) => return Ok(auth.refuse(&rejection).into_response()),
            };
            if let Err(refused) = user.require_role(&auth, &role) {
                return Ok(refused.into_response());
            }
            inner.call(Request::from_parts(parts, body)).await
        })
    }
}
