//! `GET /api/v1/openapi.json`: the API's contract, an OpenAPI 3.1 document written by hand
//! beside this file (so it reads like documentation and diffs like code). A test checks it
//! parses and names every operation.

use axum::response::{IntoResponse, Response};
use http::{header, HeaderValue};

pub const DOCUMENTO: &str = include_str!("openapi.json");

pub async fn documento() -> Response {
    let mut r = DOCUMENTO.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
