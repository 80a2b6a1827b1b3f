use tracing_subscriber::filter::Directive;
use tracing_subscriber::EnvFilter;

/// Crates whose own logs carry raw requests and events (bodies with card numbers, tokens):
/// pinned to `info` whatever `RUST_LOG` asks, so that tracing Capsule never logs secrets.
const PINNED: &[&str] = &[
    "lambda_runtime=info",
    "lambda_runtime_api_client=info",
    "lambda_http=info",
    "aws_smithy_runtime=info",
    "aws_smithy_runtime_api=info",
    "aws_smithy_http_client=info",
    "aws_sigv4=info",
    "aws_config=info",
    "hyper=info",
    "hyper_util=info",
    "h2=info",
    "rustls=info",
    "reqwest=info",
];

/// The log filter: `directives` (`RUST_LOG`'s syntax; `info` when absent or invalid), with
/// the crates that would log raw payloads held at `info`.
pub fn filter(directives: Option<&str>) -> EnvFilter {
    let mut filter = directives.and_then(|d| EnvFilter::try_new(d).ok()).unwrap_or_else(|| EnvFilter::new("info"));
    for pinned in PINNED {
        if let Ok(directive) = pinned.parse::<Directive>() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// JSON logs on Lambda (CloudWatch parses them), readable lines locally.
pub fn init(json: bool) {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref());
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ =
        if json { builder.json().flatten_event(true).without_time().try_init() } else { builder.compact().try_init() };
}

#[cfg(test)]
mod tests {
    use tracing::Level;

    use super::*;

    #[test]
    fn trace_never_reaches_the_crates_that_log_raw_payloads() {
        let subscriber = tracing_subscriber::fmt().with_env_filter(filter(Some("trace,lambda_runtime=trace"))).finish();
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
