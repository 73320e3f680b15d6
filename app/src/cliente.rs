//! The server-function client used by every page: the browser's `fetch`, plus the CSRF token the
//! server rendered into `<meta name="csrf-token">`, sent as the `X-CSRF-Token` header.

use futures::{Sink, Stream};
use server_fn::{
    client::{browser::BrowserClient, Client},
    error::FromServerFnError,
    request::browser::BrowserRequest,
    response::browser::BrowserResponse,
};
use std::future::Future;

pub use nucleo::peticion::CABECERA_CSRF;

pub struct ClientePortal;

/// The token of the current page, if it was rendered by the server.
pub fn token_csrf() -> Option<String> {
    let documento = web_sys::window()?.document()?;
    let meta = documento
        .query_selector("meta[name=\"csrf-token\"]")
        .ok()??;
    meta.get_attribute("content").filter(|t| !t.is_empty())
}

impl<E, IS, OS> Client<E, IS, OS> for ClientePortal
where
    E: FromServerFnError,
    IS: FromServerFnError,
    OS: FromServerFnError,
{
    type Request = BrowserRequest;
    type Response = BrowserResponse;

    fn send(req: Self::Request) -> impl Future<Output = Result<Self::Response, E>> + Send {
        if let Some(token) = token_csrf() {
            req.headers().append(CABECERA_CSRF, &token);
        }
        <BrowserClient as Client<E, IS, OS>>::send(req)
    }

    #[allow(clippy::type_complexity)]
    fn open_websocket(
        path: &str,
    ) -> impl Future<
        Output = Result<
            (
                impl Stream<Item = Result<server_fn::Bytes, server_fn::Bytes>> + Send + 'static,
                impl Sink<server_fn::Bytes> + Send + 'static,
            ),
            E,
        >,
    > + Send {
        <BrowserClient as Client<E, IS, OS>>::open_websocket(path)
    }

    fn spawn(future: impl Future<Output = ()> + Send + 'static) {
        <BrowserClient as Client<E, IS, OS>>::spawn(future)
    }
}

/// Full page load: used after sign-in and sign-out so the new session's CSRF token and menu come
/// from a fresh server render.
pub fn navegar_completo(ruta: &str) {
    if let Some(ventana) = web_sys::window() {
        let _ = ventana.location().assign(ruta);
    }
}
