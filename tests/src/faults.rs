//! A TCP proxy between a stack and the AWS emulator that plays the network's faults on
//! command: the emulator stalls (requests are read and never answered), answers one
//! operation late (the request is applied, its answer held back), loses the answers of the
//! next few requests of an operation (applied, then the connection is reset), or it dies
//! (every open connection is reset, new ones are reset at once) and later comes back.
//! moto keeps its data in memory, so this is how a test loses the emulator mid-burst while
//! what it already committed survives.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Everything passes.
    None,
    /// Requests are swallowed: never forwarded, never answered.
    Stall,
    /// Requests pass, but the answers to those whose target contains `operation` are held
    /// back `by` this long: the emulator applies the write, the caller hears of it late.
    SlowAnswers { operation: &'static str, by: Duration },
    /// Connections are reset, open ones and new ones.
    Down,
}

/// The `X-Amz-Target`s (e.g. `DynamoDB_20120810.TransactWriteItems`) of the requests seen.
#[derive(Default)]
struct Seen {
    forwarded: Vec<String>,
    stalled: Vec<String>,
}

/// The answers still to lose: to requests whose target contains the operation, how many.
type Losing = Arc<Mutex<Option<(&'static str, usize)>>>;

pub struct FaultProxy {
    /// Give this to the stack as its AWS endpoint.
    pub endpoint: String,
    fault: watch::Sender<Fault>,
    seen: Arc<Mutex<Seen>>,
    losing: Losing,
    task: tokio::task::JoinHandle<()>,
}

impl FaultProxy {
    /// A proxy on a free port in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> std::io::Result<Self> {
        let upstream = upstream.trim_start_matches("http://").trim_end_matches('/').to_string();
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let endpoint = format!("http://{}", listener.local_addr()?);
        let (fault, _) = watch::channel(Fault::None);
        let seen = Arc::new(Mutex::new(Seen::default()));
        let losing = Losing::default();
        let (faults, log, lose) = (fault.clone(), seen.clone(), losing.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (faults, log, lose, upstream) = (faults.subscribe(), log.clone(), lose.clone(), upstream.clone());
                tokio::spawn(async move {
                    if *faults.borrow() == Fault::Down {
                        reset(&client);
                        return;
                    }
                    if let Ok(server) = TcpStream::connect(&upstream).await {
                        relay(client, server, faults, log, lose).await;
                    }
                });
            }
        });
        Ok(Self { endpoint, fault, seen, losing, task })
    }

    /// Loses the answers to the next `count` requests whose target contains `operation`:
    /// each reaches the emulator, which applies it, and its connection is reset before the
    /// answer comes back, as when the network drops it.
    pub fn lose_answers(&self, operation: &'static str, count: usize) {
        if let Ok(mut losing) = self.losing.lock() {
            *losing = Some((operation, count));
        }
    }

    pub fn set(&self, fault: Fault) {
        self.fault.send_replace(fault);
    }

    /// How many requests whose target contains `operation` reached the emulator.
    pub fn forwarded(&self, operation: &str) -> usize {
        self.seen.lock().map(|s| s.forwarded.iter().filter(|t| t.contains(operation)).count()).unwrap_or(0)
    }

    /// How many requests whose target contains `operation` were swallowed by a stall.
    pub fn stalled(&self, operation: &str) -> usize {
        self.seen.lock().map(|s| s.stalled.iter().filter(|t| t.contains(operation)).count()).unwrap_or(0)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Closes with RST rather than FIN: the peer sees "connection reset", as when a process dies.
fn reset(stream: &TcpStream) {
    let _ = stream.set_zero_linger();
}

/// The target of a request whose head starts this chunk (the SDK sends the head in one write).
fn target(chunk: &[u8]) -> Option<String> {
    let head = String::from_utf8_lossy(&chunk[..chunk.len().min(4096)]);
    head.starts_with("POST ").then(|| {
        head.lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("x-amz-target").then(|| value.trim().to_string())
            })
            .unwrap_or_else(|| "query-protocol".into())
    })
}

/// Whether the answer to a request for `target` is to be lost (one fewer left to lose).
fn lose(losing: &Losing, target: Option<&str>) -> bool {
    let Ok(mut losing) = losing.lock() else { return false };
    match losing.as_mut() {
        Some((operation, left)) if *left > 0 && target.is_some_and(|t| t.contains(*operation)) => {
            *left -= 1;
            true
        }
        _ => false,
    }
}

async fn relay(
    mut client: TcpStream,
    mut server: TcpStream,
    mut faults: watch::Receiver<Fault>,
    seen: Arc<Mutex<Seen>>,
    losing: Losing,
) {
    let (mut from_client, mut from_server) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    // The target of the request this connection carries now (answers come in order).
    let mut current: Option<String> = None;
    loop {
        tokio::select! {
            read = client.read(&mut from_client) => {
                let Ok(n @ 1..) = read else { return };
                let chunk = &from_client[..n];
                let fault = *faults.borrow();
                if let Some(target) = target(chunk) {
                    if let Ok(mut seen) = seen.lock() {
                        match fault {
                            Fault::Stall => seen.stalled.push(target.clone()),
                            _ => seen.forwarded.push(target.clone()),
                        }
                    }
                    current = Some(target);
                }
                match fault {
                    Fault::None | Fault::SlowAnswers { .. } => {
                        if server.write_all(chunk).await.is_err() {
                            return;
                        }
                    }
                    Fault::Stall => return swallow(client, faults).await,
                    Fault::Down => return reset(&client),
                }
            }
            read = server.read(&mut from_server) => {
                let Ok(n @ 1..) = read else { return };
                if lose(&losing, current.as_deref()) {
                    reset(&server);
                    return reset(&client);
                }
                let fault = *faults.borrow();
                if let Fault::SlowAnswers { operation, by } = fault {
                    if current.as_deref().is_some_and(|t| t.contains(operation)) {
                        tokio::time::sleep(by).await;
                    }
                }
                if client.write_all(&from_server[..n]).await.is_err() {
                    return;
                }
            }
            changed = faults.changed() => {
                if changed.is_err() || *faults.borrow() == Fault::Down {
                    reset(&server);
                    return reset(&client);
                }
            }
        }
    }
}

/// A stalled connection: reads and drops whatever comes until the client gives up or the
/// emulator "dies".
async fn swallow(mut client: TcpStream, mut faults: watch::Receiver<Fault>) {
    let mut sink = vec![0u8; 64 * 1024];
    loop {
        tokio::select! {
            read = client.read(&mut sink) => if !matches!(read, Ok(1..)) { return },
            changed = faults.changed() => {
                if changed.is_err() || *faults.borrow() == Fault::Down {
                    return reset(&client);
                }
            }
        }
    }
}
