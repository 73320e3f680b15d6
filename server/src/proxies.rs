//! The client's address behind a load balancer, set on each request before anything reads it;
//! which peers are believed, and how, is [`crate::configuracion::proxies`].

use crate::configuracion::proxies::{cliente, Bloque};
use axum::{
    extract::{ConnectInfo, Request, State},
    middleware::Next,
    response::Response,
};
use std::{net::SocketAddr, sync::Arc};

/// Middleware: replaces the connection's address with the client's before anything reads it.
pub async fn resolver(
    State(confiables): State<Arc<Vec<Bloque>>>,
    mut peticion: Request,
    siguiente: Next,
) -> Response {
    if !confiables.is_empty() {
        if let Some(ConnectInfo(par)) = peticion.extensions().get::<ConnectInfo<SocketAddr>>() {
            let par = *par;
            let valores = peticion
                .headers()
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok());
            let ip = cliente(par.ip(), &confiables, valores);
            peticion
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::new(ip, par.port())));
        }
    }
    siguiente.run(peticion).await
}
