//! `capsule-admin bootstrap --url https://<api> --email <email> [--name <name>]`: makes a
//! deployed stack able to trade (see README "Deploy"). The password comes from
//! `CAPSULE_ADMIN_PASSWORD`, else from the terminal without echo, else from stdin's first line.
//!
//! `capsule-admin backfill --table <table> [--endpoint <url>]`: lists in the back office the
//! orders and products written before their listing existed, with the AWS credentials of
//! the environment (or the local emulator at `--endpoint`). Safe to run again.
use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use local::operator::{bootstrap, Bootstrapped};

const USAGE: &str = "usage: capsule-admin bootstrap --url <API URL> --email <admin email> [--name <admin name>]\n\
    The password is read from CAPSULE_ADMIN_PASSWORD, else typed (not echoed), else from stdin.\n\
    usage: capsule-admin backfill --table <DynamoDB table> [--endpoint <emulator URL>]";

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    match run(std::env::args().skip(1).collect()).await {
        Ok(message) => {
            println!("{message}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Vec<String>) -> Result<String, String> {
    let (command, options) = args.split_first().ok_or(USAGE)?;
    if command == "backfill" {
        return backfill(options).await;
    }
    if command != "bootstrap" {
        return Err(USAGE.to_string());
    }
    let mut url = None;
    let mut email = None;
    let mut name = "Admin".to_string();
    for pair in options.chunks(2) {
        match pair {
            [flag, value] if flag == "--url" => url = Some(value.clone()),
            [flag, value] if flag == "--email" => email = Some(value.clone()),
            [flag, value] if flag == "--name" => name = value.clone(),
            _ => return Err(USAGE.to_string()),
        }
    }
    let (url, email) = url.zip(email).ok_or(USAGE)?;
    let password = password()?;
    match bootstrap(&url, &email, &name, &password).await? {
        Bootstrapped::Created(user_id) => Ok(format!("bootstrapped: {email} is the first admin ({user_id})")),
        Bootstrapped::Already => Ok("already bootstrapped: nothing changed".to_string()),
    }
}

async fn backfill(options: &[String]) -> Result<String, String> {
    let (mut table, mut endpoint) = (None, None);
    for pair in options.chunks(2) {
        match pair {
            [flag, value] if flag == "--table" => table = Some(value.clone()),
            [flag, value] if flag == "--endpoint" => endpoint = Some(value.clone()),
            _ => return Err(USAGE.to_string()),
        }
    }
    let table = table.ok_or(USAGE)?;
    let sdk = match endpoint {
        Some(endpoint) => local::emulator_sdk(&endpoint).await,
        None => shared::sdk::Limits::LAMBDA.loader().load().await,
    };
    let done = shared::store::Store::from_sdk(&sdk, table).backfill_listings().await.map_err(|e| e.to_string())?;
    Ok(format!("backfilled: {} orders and {} products listed", done.orders, done.products))
}

fn password() -> Result<String, String> {
    if let Ok(password) = std::env::var("CAPSULE_ADMIN_PASSWORD") {
        return Ok(password);
    }
    if std::io::stdin().is_terminal() {
        return rpassword::prompt_password("Password for the first admin (8 to 128 characters): ")
            .map_err(|e| e.to_string());
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| e.to_string())?;
    Ok(line.trim_end_matches(['\r', '\n']).to_string())
}
