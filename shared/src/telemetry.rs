use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// JSON logs on Lambda (CloudWatch parses them), readable lines locally. `RUST_LOG` sets
/// the levels (`debug`, `shared=debug,info`); `info` without it. `Targets`, not
/// `EnvFilter`: the same directives without the regex engine in every binary.
pub fn init(json: bool) {
    let filter = std::env::var("RUST_LOG")
        .ok()
        .filter(|directives| !directives.trim().is_empty())
        .and_then(|directives| directives.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    let layer = fmt::layer().with_target(false);
    let logs = tracing_subscriber::registry().with(filter);
    let _ = if json {
        logs.with(layer.json().flatten_event(true).without_time()).try_init()
    } else {
        logs.with(layer.compact()).try_init()
    };
}
