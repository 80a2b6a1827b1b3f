//! The few lines every Lambda `main` needs: logs, the app built once, the runtime loop.
use std::convert::Infallible;
use std::future::Future;

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};
use lambda_http::{Body, Request, Response};
use lambda_runtime::LambdaEvent;

use crate::App;

async fn app() -> Result<App, lambda_runtime::Error> {
    crate::telemetry::init(true);
    Ok(App::from_env().await?)
}

/// Runs `serve` with the app built once: for a function whose triggers the helpers below
/// do not cover alone (a schedule and a queue).
pub async fn with_app<F, Fut>(serve: F) -> Result<(), lambda_runtime::Error>
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = Result<(), lambda_runtime::Error>>,
{
    serve(app().await?).await
}

/// Serves an HTTP API function.
pub async fn http<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(App, Request) -> Fut,
    Fut: Future<Output = Response<Body>> + Send,
{
    let app = app().await?;
    lambda_http::run(lambda_http::service_fn(|req| {
        let outcome = handler(app.clone(), req);
        async move { Ok::<_, Infallible>(outcome.await) }
    }))
    .await
}

/// Serves an SQS consumer that reports partial batch failures.
pub async fn sqs<F, Fut>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(App, SqsEvent) -> Fut,
    Fut: Future<Output = SqsBatchResponse> + Send,
{
    let app = app().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|event: LambdaEvent<SqsEvent>| {
        let outcome = handler(app.clone(), event.payload);
        async move { Ok::<_, Infallible>(outcome.await) }
    }))
    .await
}

/// Serves a scheduled job (an EventBridge schedule invokes it).
pub async fn scheduled<F, Fut, T, E>(handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(App) -> Fut,
    Fut: Future<Output = Result<T, E>> + Send,
    T: serde::Serialize,
    E: std::error::Error + Send + Sync + 'static,
{
    let app = app().await?;
    lambda_runtime::run(lambda_runtime::service_fn(|_event: LambdaEvent<serde_json::Value>| {
        let outcome = handler(app.clone());
        async move { outcome.await.map_err(lambda_runtime::Error::from) }
    }))
    .await
}
