//! Starting the AWS emulator launcher (`local/emulator.py`) and waiting for it to answer.
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// Starts the launcher on `port`, stopped when the `Child` is dropped. `stock` serves moto
/// without Capsule's patches (for comparisons only); `CAPSULE_FIDELITY=1` starts it in
/// fidelity mode (DynamoDB's transaction conflicts and partition throttling, local/fidelity.py).
pub fn spawn(port: u16, stock: bool) -> std::io::Result<Child> {
    // From the repository, whatever the caller's directory (a test runs in its crate's).
    let repository = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."));
    let python = std::env::var_os("CAPSULE_PYTHON").map_or_else(|| repository.join(".venv/bin/python"), Into::into);
    let mut command = Command::new(python);
    command.current_dir(repository);
    command.args(["local/emulator.py", "--port", &port.to_string()]);
    if stock {
        command.arg("--stock-moto");
    }
    if fidelity_asked() {
        command.arg("--fidelity");
    }
    command.stdout(Stdio::null()).stderr(Stdio::null()).kill_on_drop(true).spawn()
}

/// Whether the environment asks for emulators in fidelity mode (`CAPSULE_FIDELITY=1`).
pub fn fidelity_asked() -> bool {
    std::env::var("CAPSULE_FIDELITY").is_ok_and(|v| v.trim() == "1")
}

/// Whether a Capsule emulator answers at `endpoint` (a cheap route, whatever its data).
pub async fn answers(endpoint: &str) -> bool {
    reqwest::get(format!("{endpoint}/_capsule/health")).await.is_ok_and(|r| r.status().is_success())
}

pub async fn wait_until_answering(endpoint: &str, within: Duration) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if answers(endpoint).await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

/// An emulator this process launched on a free port, answering; stopped when dropped.
pub struct Launched {
    pub endpoint: String,
    process: Child,
}

impl Launched {
    /// Launches one (`stock`: moto without Capsule's patches) and waits until it answers.
    pub async fn start(stock: bool) -> std::io::Result<Self> {
        let port = free_port()?;
        let process = spawn(port, stock)?;
        let endpoint = format!("http://127.0.0.1:{port}");
        if !wait_until_answering(&endpoint, Duration::from_secs(30)).await {
            let message =
                format!("the emulator on {endpoint} did not start (run from the repository, after `make venv`)");
            return Err(std::io::Error::new(std::io::ErrorKind::TimedOut, message));
        }
        Ok(Self { endpoint, process })
    }

    /// Its process id (for the bench, which reads the CPU time it spends).
    pub fn pid(&self) -> Option<u32> {
        self.process.id()
    }
}

/// A port nobody listens on now.
pub fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?.local_addr()?.port())
}
