use tracing_subscriber::EnvFilter;

/// JSON logs on Lambda (CloudWatch parses them), readable lines locally.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    let _ =
        if json { builder.json().flatten_event(true).without_time().try_init() } else { builder.compact().try_init() };
}
