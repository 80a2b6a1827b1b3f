//! The operators' console (`console/`, embedded): served by `make dev` on an origin of its
//! own (the port after the storefront's), whose pages call the gateway's admin API across
//! origins. Its files live under `/console/`, a prefix no API route uses. Its script is
//! `console/dist/app.js`, bundled from `console/src/*.ts` by `make console` and committed,
//! so that the stack builds with cargo alone (`make test` checks it is fresh).
use tokio::net::TcpListener;

use crate::site::{File, Site};

pub use crate::site::{origins, Served as Console};

pub static SITE: Site = Site {
    name: "console",
    files: &[
        File::html("/", include_str!("../../console/index.html")),
        File::script("/console/app.js", include_str!("../../console/dist/app.js")),
        File::style("/console/style.css", include_str!("../../console/style.css")),
    ],
    config_path: "/console/config.js",
    // Products' images are URLs of the operator's choosing (see the storefront's).
    img_src: "'self' https:",
};

/// Serves the console on `listener`, its script calling the API at `api`.
pub fn serve(listener: TcpListener, api: &str) -> std::io::Result<Console> {
    crate::site::serve(&SITE, listener, api)
}
