//! Each function's release binary as Lambda starts it: its size, the time from exec to its
//! first `GET /runtime/invocation/next` on a stub Runtime API served here (the poll is held,
//! as Lambda holds it until an event comes), and its peak memory (VmHWM) at that moment.
use std::error::Error;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// Issue 11's goals for one function.
const GOAL_SIZE_MB: f64 = 8.0;
const GOAL_INIT_MS: f64 = 20.0;
const GOAL_PEAK_RSS_MB: f64 = 40.0;

/// How long a function may take to poll before it is reported as not starting.
const POLL_DEADLINE: Duration = Duration::from_secs(10);
const NEXT_INVOCATION: &str = "GET /2018-06-01/runtime/invocation/next ";

struct Start {
    init: Duration,
    peak_rss_kb: u64,
}

/// Measures every function `runs` times and prints one row each, then the goals.
pub fn run(runs: usize) -> Result<(), Box<dyn Error>> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().ok_or("no workspace")?;
    let release = release_dir(workspace);
    let names = function_names(workspace)?;
    if let Some(missing) = names.iter().find(|name| !release.join(name).is_file()) {
        return Err(format!("{} is not built: run `make release` first", release.join(missing).display()).into());
    }
    println!(
        "\n## Cold start of each function ({}; {runs} starts each: init median (fastest), peak RSS the highest)\n",
        release.display()
    );
    println!("| function | binary | init (exec → first poll) | peak RSS |");
    println!("|---|---:|---:|---:|");
    let mut misses = Vec::new();
    for name in &names {
        let binary = release.join(name);
        let size_mb = binary.metadata()?.len() as f64 / 1e6;
        let mut starts = (0..runs).map(|_| start(&binary)).collect::<Result<Vec<_>, _>>()?;
        starts.sort_by_key(|s| s.init);
        let init_ms = starts[starts.len() / 2].init.as_secs_f64() * 1000.0;
        let fastest_ms = starts[0].init.as_secs_f64() * 1000.0;
        let rss_mb = starts.iter().map(|s| s.peak_rss_kb).max().unwrap_or(0) as f64 / 1024.0;
        println!("| {name} | {size_mb:.1} MB | {init_ms:.1} ms ({fastest_ms:.1}) | {rss_mb:.1} MB |");
        for (what, value, goal) in
            [("binary", size_mb, GOAL_SIZE_MB), ("init", init_ms, GOAL_INIT_MS), ("RSS", rss_mb, GOAL_PEAK_RSS_MB)]
        {
            if value > goal {
                misses.push(format!("{name} {what} {value:.1} > {goal}"));
            }
        }
    }
    println!("| goal | ≤ {GOAL_SIZE_MB} MB | ≤ {GOAL_INIT_MS} ms | ≤ {GOAL_PEAK_RSS_MB} MB |");
    match misses.as_slice() {
        [] => println!("\nEvery function meets the three goals."),
        _ => println!("\nMissed: {}.", misses.join("; ")),
    }
    Ok(())
}

/// Where `cargo build --release` put the binaries (`CARGO_TARGET_DIR` if set).
fn release_dir(workspace: &Path) -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| workspace.join("target"), PathBuf::from);
    target.join("release")
}

/// One function per folder under `functions/`; its binary has the folder's name.
fn function_names(workspace: &Path) -> Result<Vec<String>, Box<dyn Error>> {
    let mut names = std::fs::read_dir(workspace.join("functions"))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("Cargo.toml").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect::<Vec<_>>();
    names.sort();
    Ok(names)
}

/// Starts the binary once against a fresh stub Runtime API and stops it at its first poll.
/// The same stub answers Secrets Manager: a function reads the secrets it is given at cold
/// start, before its first poll, as deployed (`local::resources::FUNCTION_SECRETS`).
fn start(binary: &Path) -> Result<Start, Box<dyn Error>> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let port = listener.local_addr()?.port();
    let (polled, first_poll) = mpsc::channel();
    let done = Arc::new(AtomicBool::new(false));
    let acceptor = {
        let done = Arc::clone(&done);
        thread::spawn(move || {
            for stream in listener.incoming() {
                if done.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let polled = polled.clone();
                thread::spawn(move || {
                    if let Some(found) = serve(stream).transpose() {
                        let _ = polled.send(found);
                    }
                });
            }
        })
    };
    let started = Instant::now();
    let mut child = Command::new(binary)
        .env_clear()
        .envs(lambda_environment(binary, port))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let outcome = match first_poll.recv_timeout(POLL_DEADLINE) {
        Ok(Ok((at, line, _held))) if line.starts_with(NEXT_INVOCATION) => {
            peak_rss_kb(&child).map(|peak_rss_kb| Start { init: at - started, peak_rss_kb })
        }
        Ok(Ok((_, line, _))) => Err(format!("{}: unexpected request {line:?}", binary.display()).into()),
        Ok(Err(e)) => Err(format!("{}: stub Runtime API: {e}", binary.display()).into()),
        Err(_) => Err(format!("{}: no poll within {POLL_DEADLINE:?} (does it start?)", binary.display()).into()),
    };
    stop(&mut child);
    done.store(true, Ordering::SeqCst);
    let _ = TcpStream::connect(("127.0.0.1", port)); // wakes the acceptor to see it is done
    let _ = acceptor.join();
    outcome
}

/// One connection to the stub: Secrets Manager's calls are answered, as many as come; the
/// first other request (the runtime's poll) is handed back with when it arrived and its
/// connection (held open, as Lambda holds the poll). `None` when the connection just ends.
fn serve(stream: TcpStream) -> std::io::Result<Option<(Instant, String, TcpStream)>> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let at = Instant::now();
        let mut length = 0;
        let mut secrets_manager = false;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
            let lower = header.to_ascii_lowercase();
            if let Some(value) = lower.strip_prefix("content-length:") {
                length = value.trim().parse().unwrap_or(0);
            }
            secrets_manager |= lower.starts_with("x-amz-target:") && lower.contains("secretsmanager.getsecretvalue");
        }
        if !secrets_manager {
            return Ok(Some((at, line, stream)));
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body)?;
        let asked: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        let arn = asked["SecretId"].as_str().unwrap_or("bench");
        let answer = serde_json::json!({
            "ARN": arn, "Name": arn.rsplit(':').next().unwrap_or(arn),
            "SecretString": "a-bench-secret-of-at-least-64-bytes-0123456789abcdef0123456789abcdef",
            "VersionId": "1", "VersionStages": ["AWSCURRENT"],
        })
        .to_string();
        // One write, sent at once: `write!` on the socket makes several small segments, and
        // Nagle's algorithm held the later ones until the client's delayed ACK (40 ms a
        // secret after the first, on the same connection), which no Secrets Manager does.
        let response = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{answer}",
            answer.len()
        );
        (&stream).write_all(response.as_bytes())?;
    }
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// What Lambda sets for a function, with dummy credentials and Capsule's configuration.
fn lambda_environment(binary: &Path, port: u16) -> Vec<(&'static str, String)> {
    let name = binary.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let queue = |q: &str| format!("https://sqs.eu-west-1.amazonaws.com/123456789012/{q}");
    let mut environment = vec![
        ("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{port}")),
        ("AWS_LAMBDA_FUNCTION_NAME", name.clone()),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/bench".into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", "bench".into()),
        ("AWS_REGION", "eu-west-1".into()),
        ("AWS_ACCESS_KEY_ID", "bench".into()),
        ("AWS_SECRET_ACCESS_KEY", "bench".into()),
        ("AWS_SESSION_TOKEN", "bench".into()),
        ("TABLE_NAME", "capsule".into()),
        ("NOTIFICATIONS_QUEUE_URL", queue("notifications")),
        ("PAYMENT_EVENTS_QUEUE_URL", queue("payment-events")),
        ("RENEWALS_QUEUE_URL", queue("renewals")),
        ("EVENT_BUS_NAME", "capsule".into()),
        ("SENDER_EMAIL", "shop@capsule.test".into()),
        ("AWS_ENDPOINT_URL_SECRETS_MANAGER", format!("http://127.0.0.1:{port}")),
    ];
    for secret in local::resources::secrets_of(&name) {
        let arn = format!("arn:aws:secretsmanager:eu-west-1:123456789012:secret:{}", secret.logical_id());
        environment.push((secret.arn_variable(), arn));
    }
    environment
}

/// The process's peak resident set so far, from /proc (Linux only, as Lambda is).
fn peak_rss_kb(child: &Child) -> Result<u64, Box<dyn Error>> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id()))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmHWM in /proc/<pid>/status".into())
}
