//! `make dev`: the emulator (unless AWS_ENDPOINT_URL points at one), then the whole stack.
use std::process::Stdio;
use std::time::{Duration, Instant};

use local::{seed, start, Options};
use tokio::process::{Child, Command};

const DEFAULT_EMULATOR_PORT: u16 = 4566;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    shared::telemetry::init(false);
    let port: u16 = std::env::var("PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(3000);
    let (endpoint, mut emulator) = match std::env::var("AWS_ENDPOINT_URL") {
        Ok(url) if !url.trim().is_empty() => (url.trim_end_matches('/').to_string(), None),
        _ => {
            let url = format!("http://127.0.0.1:{DEFAULT_EMULATOR_PORT}");
            let child = if answers(&url).await { None } else { Some(start_emulator(DEFAULT_EMULATOR_PORT)?) };
            (url, child)
        }
    };
    if !wait_until_answering(&endpoint, Duration::from_secs(20)).await {
        stop(&mut emulator).await;
        return Err(format!("the AWS emulator at {endpoint} does not answer").into());
    }
    let stack = match start(Options::local(endpoint.clone(), port)).await {
        Ok(stack) => stack,
        Err(e) => {
            stop(&mut emulator).await;
            return Err(e.into());
        }
    };
    let base = &stack.base_url;
    println!();
    println!("Capsule is running at {base}  (AWS emulator: {endpoint})");
    println!("  catalogue   {base}/products        search: {base}/products?q=ete");
    println!("  outbox      {base}/dev/outbox      clock: {base}/dev/clock");
    println!("  admin       {} / {}", seed::ADMIN_EMAIL, seed::ADMIN_PASSWORD);
    println!("Try: curl -s {base}/products | python3 -m json.tool      (Ctrl-C stops everything)");
    tokio::signal::ctrl_c().await?;
    println!("stopping");
    drop(stack);
    stop(&mut emulator).await;
    Ok(())
}

fn start_emulator(port: u16) -> std::io::Result<Child> {
    let python = std::env::var("CAPSULE_PYTHON").unwrap_or_else(|_| ".venv/bin/python".to_string());
    Command::new(python)
        .args(["local/emulator.py", "--port", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
}

async fn answers(endpoint: &str) -> bool {
    reqwest::get(format!("{endpoint}/moto-api/data.json")).await.is_ok_and(|r| r.status().is_success())
}

async fn wait_until_answering(endpoint: &str, within: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if answers(endpoint).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

async fn stop(emulator: &mut Option<Child>) {
    if let Some(child) = emulator.as_mut() {
        let _ = child.kill().await;
    }
}
