//! `make dev`: the emulator (unless AWS_ENDPOINT_URL points at one), then the whole stack.
use std::time::Duration;

use local::emulator::{answers, wait_until_answering};
use local::{console_port, seed, start, storefront_port, Options, DEV_PORT};
use tokio::process::Child;

const DEFAULT_EMULATOR_PORT: u16 = 4566;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shared::telemetry::init(false);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(DEV_PORT);
    let storefront_port: u16 =
        std::env::var("STOREFRONT_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(storefront_port(port));
    let console_port: u16 =
        std::env::var("CONSOLE_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(console_port(port));
    // Bound first: the stack must know the storefront's and the console's origins to let
    // them call the API.
    let storefront_listener = tokio::net::TcpListener::bind(("127.0.0.1", storefront_port))
        .await
        .map_err(|e| format!("the storefront's port {storefront_port} is taken ({e}): set STOREFRONT_PORT"))?;
    let console_listener = tokio::net::TcpListener::bind(("127.0.0.1", console_port))
        .await
        .map_err(|e| format!("the console's port {console_port} is taken ({e}): set CONSOLE_PORT"))?;
    let (endpoint, mut emulator) = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => (url.trim_end_matches('/').to_string(), None),
        _ => {
            let url = format!("http://127.0.0.1:{DEFAULT_EMULATOR_PORT}");
            let child =
                if answers(&url).await { None } else { Some(local::emulator::spawn(DEFAULT_EMULATOR_PORT, false)?) };
            (url, child)
        }
    };
    if !wait_until_answering(&endpoint, Duration::from_secs(20)).await {
        stop(&mut emulator).await;
        return Err(format!("the AWS emulator at {endpoint} does not answer").into());
    }
    let mut options = Options::local(endpoint.clone(), port);
    // `make dev PAYMENTS=stripe`: Stripe mode against a localstripe of its own; else the
    // STRIPE_* variables (PAYMENT_PROVIDER=stripe, a Stripe test account) or the sandbox.
    let localstripe = match std::env::var("PAYMENTS").as_deref() {
        Ok("stripe") => Some(local::stripe::Localstripe::start().await?),
        _ => None,
    };
    options.stripe = match &localstripe {
        Some(emulator) => Some(emulator.stack_settings()),
        None => local::LocalStripe::from_env()?,
    };
    options.allowed_origins.extend(local::storefront::origins(&storefront_listener)?);
    options.allowed_origins.extend(local::console::origins(&console_listener)?);
    let stack = match start(options).await {
        Ok(stack) => stack,
        Err(e) => {
            stop(&mut emulator).await;
            return Err(e.into());
        }
    };
    let base = &stack.base_url;
    if let Some(emulator) = &localstripe {
        emulator.send_events_to(&format!("{base}/webhooks/stripe"), local::stripe::WEBHOOK_SECRET).await?;
        println!(
            "Stripe mode: localstripe at {} (test cards: 4242424242424242, 4000000000000002 declined)",
            emulator.url
        );
    }
    let storefront = local::storefront::serve(storefront_listener, base)?;
    let console = local::console::serve(console_listener, base)?;
    println!();
    println!("Storefront:  {}   (also at {base}/, same origin)", storefront.url);
    println!("Console:     {}   (operators; sign in as the admin below)", console.url);
    println!("Capsule is running at {base}  (AWS emulator: {endpoint})");
    println!("  catalogue   {base}/products        search: {base}/products?q=ete");
    println!("  outbox      {base}/dev/outbox      clock: {base}/dev/clock");
    println!("  admin       {} / {}", seed::ADMIN_EMAIL, seed::ADMIN_PASSWORD);
    println!("Try: curl -s {base}/products | python3 -m json.tool      (Ctrl-C stops everything)");
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    drop(console);
    drop(storefront);
    drop(stack);
    stop(&mut emulator).await;
    Ok(())
}

async fn stop(emulator: &mut Option<Child>) {
    if let Some(child) = emulator.as_mut() {
        let _ = child.kill().await;
    }
}
