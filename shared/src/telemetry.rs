use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt;
use tracing_subscriber::prelude::*;

/// Crates whose own logs carry raw requests and events (bodies with card numbers, tokens):
/// pinned to `info` whatever `RUST_LOG` asks, so that tracing Capsule never logs secrets.
const PINNED: &[&str] = &[
    "lambda_runtime",
    "lambda_runtime_api_client",
    "lambda_http",
    "aws_smithy_runtime",
    "aws_smithy_runtime_api",
    "aws_smithy_http_client",
    "aws_sigv4",
    "aws_config",
    "hyper",
    "hyper_util",
    "h2",
    "rustls",
    "reqwest",
];

/// The log levels: `directives` (`RUST_LOG`'s syntax, e.g. `debug` or `shared=debug,info`;
/// `info` when absent or invalid), with the crates that would log raw payloads held at
/// `info`. `Targets`, not `EnvFilter`: the same directives without the regex engine in
/// every binary.
pub fn filter(directives: Option<&str>) -> Targets {
    let base = directives
        .filter(|d| !d.trim().is_empty())
        .and_then(|d| d.parse::<Targets>().ok())
        .unwrap_or_else(|| Targets::new().with_default(LevelFilter::INFO));
    PINNED.iter().fold(base, |targets, crate_name| targets.with_target(*crate_name, LevelFilter::INFO))
}

/// JSON logs on Lambda (CloudWatch parses them), readable lines locally.
pub fn init(json: bool) {
    let logs = tracing_subscriber::registry().with(filter(std::env::var("RUST_LOG").ok().as_deref()));
    let layer = fmt::layer().with_target(false);
    let _ = if json {
        logs.with(layer.json().flatten_event(true).without_time()).try_init()
    } else {
        logs.with(layer.compact()).try_init()
    };
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn trace_never_reaches_the_crates_that_log_raw_payloads() {
        let subscriber = tracing_subscriber::registry().with(filter(Some("trace,lambda_runtime=trace")));
        tracing::subscriber::with_default(subscriber, || {
            assert!(tracing::enabled!(target: "shared::orders", Level::TRACE));
            assert!(tracing::enabled!(target: "lambda_runtime", Level::INFO));
            assert!(!tracing::enabled!(target: "lambda_runtime", Level::DEBUG));
            assert!(!tracing::enabled!(target: "lambda_runtime::layers::trace", Level::TRACE));
            assert!(!tracing::enabled!(target: "lambda_http", Level::DEBUG));
            assert!(!tracing::enabled!(target: "aws_smithy_runtime::client::orchestrator", Level::TRACE));
            assert!(!tracing::enabled!(target: "hyper", Level::DEBUG));
        });
    }
}
