//! The demo storefront (`storefront/`, embedded): served at `/` of the gateway, and on a
//! second origin of its own whose pages call the gateway across origins, as a real shop's
//! would. Its files live under `/storefront/`, a prefix no API route uses. Its script is
//! `storefront/dist/app.js`, bundled from `storefront/src/*.ts` by `make storefront` and
//! committed, so that the stack builds with cargo alone (`make test` checks it is fresh).
use tokio::net::TcpListener;

use crate::site::{File, Site};

pub use crate::site::{origins, Served as Storefront};

pub static SITE: Site = Site {
    name: "storefront",
    files: &[
        File::html("/", include_str!("../../storefront/index.html")),
        File::script("/storefront/app.js", include_str!("../../storefront/dist/app.js")),
        File::style("/storefront/style.css", include_str!("../../storefront/style.css")),
    ],
    config_path: "/storefront/config.js",
    // Pictures may come from any https origin (products' `image_url`): an image runs
    // nothing and carries no token.
    img_src: "'self' https:",
};

/// Serves the storefront on `listener`, its script calling the API at `api`.
pub fn serve(listener: TcpListener, api: &str) -> std::io::Result<Storefront> {
    crate::site::serve(&SITE, listener, api)
}
