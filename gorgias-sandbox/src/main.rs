//! `gorgias-sandbox serve`: runs the sandbox standalone and prints the credentials.

use clap::{Parser, Subcommand};
use gorgias_sandbox::{
    AccountOptions, DataSizes, DatetimeStyle, OAuthOptions, RateLimitOptions, Sandbox,
    SandboxOptions,
};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "gorgias-sandbox",
    version,
    about = "A local imitation of the Gorgias REST API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the sandbox until Ctrl-C.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
struct ServeArgs {
    /// Address to bind (loopback by default).
    #[arg(long, default_value_t = IpAddr::V4(Ipv4Addr::LOCALHOST))]
    host: IpAddr,
    /// Port (0 = any free port).
    #[arg(long, default_value_t = 8089)]
    port: u16,
    /// Seed of the generated data and credentials.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Number of accounts (subdomains acme, globex, initech, umbrella, hooli, account6, ...).
    #[arg(long, default_value_t = 1)]
    accounts: usize,
    /// Tickets per account (other objects scale with it unless set).
    #[arg(long)]
    tickets: Option<usize>,
    /// Customers per account.
    #[arg(long)]
    customers: Option<usize>,
    /// Seeded events per account.
    #[arg(long)]
    events: Option<usize>,
    /// Smallest number of messages per ticket.
    #[arg(long)]
    messages_min: Option<usize>,
    /// Largest number of messages per ticket.
    #[arg(long)]
    messages_max: Option<usize>,
    /// Rate-limit window in milliseconds (default 20000).
    #[arg(long)]
    rate_limit_window_ms: Option<u64>,
    /// Turn the rate limit off.
    #[arg(long)]
    no_rate_limit: bool,
    /// Lifetime of the OAuth2 access tokens, in seconds (default 86400, as Gorgias's).
    #[arg(long)]
    access_token_lifetime_secs: Option<u64>,
    /// Answer OAuth2 refreshes with a new refresh token (and refuse the old one).
    #[arg(long)]
    rotate_refresh_tokens: bool,
    /// The form of datetimes in responses: `recorded` (`...+00:00`, what Gorgias sends),
    /// `naive` (no offset, as the official examples) or `spaced` (a space for the `T`).
    #[arg(long, value_enum, default_value_t = Style::Recorded)]
    datetime_style: Style,
}

/// `--datetime-style` values.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Style {
    Recorded,
    Naive,
    Spaced,
}

impl From<Style> for DatetimeStyle {
    fn from(s: Style) -> Self {
        match s {
            Style::Recorded => DatetimeStyle::Recorded,
            Style::Naive => DatetimeStyle::Naive,
            Style::Spaced => DatetimeStyle::Spaced,
        }
    }
}

const NAMES: &[&str] = &["acme", "globex", "initech", "umbrella", "hooli"];

fn subdomain(i: usize) -> String {
    NAMES
        .get(i)
        .map_or_else(|| format!("account{}", i + 1), |s| (*s).to_owned())
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "gorgias_sandbox=info".into()),
        )
        .init();
    let Command::Serve(args) = Cli::parse().command;
    let mut sizes = args
        .tickets
        .map_or_else(DataSizes::default, DataSizes::scaled);
    if let Some(n) = args.customers {
        sizes.customers = n;
    }
    if let Some(n) = args.events {
        sizes.events = n;
    }
    if let Some(n) = args.messages_min {
        sizes.messages_per_ticket_min = n;
    }
    if let Some(n) = args.messages_max {
        sizes.messages_per_ticket_max = n;
    }
    let mut rate_limit = RateLimitOptions::default();
    if let Some(ms) = args.rate_limit_window_ms {
        rate_limit.window = Duration::from_millis(ms.max(1));
    }
    rate_limit.enabled = !args.no_rate_limit;
    let options = SandboxOptions::default()
        .bind(SocketAddr::new(args.host, args.port))
        .seed(args.seed)
        .accounts(
            (0..args.accounts.max(1))
                .map(|i| {
                    AccountOptions::new(subdomain(i))
                        .sizes(sizes.clone())
                        .datetimes(args.datetime_style.into())
                })
                .collect(),
        )
        .rate_limit(rate_limit)
        .oauth(
            OAuthOptions::default()
                .access_token_lifetime(Duration::from_secs(
                    args.access_token_lifetime_secs.unwrap_or(86_400).max(1),
                ))
                .rotate_refresh_tokens(args.rotate_refresh_tokens),
        );
    let started = std::time::Instant::now();
    let sandbox = match Sandbox::start(options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "Gorgias sandbox listening on {} (data ready in {:.1?})",
        sandbox.base_url(),
        started.elapsed()
    );
    for a in sandbox.accounts() {
        println!();
        println!("account {}", a.subdomain);
        println!("  email:        {}", a.email);
        println!("  api_key:      {}", a.api_key);
        println!("  bearer_token: {}", a.bearer_token);
        println!("  oauth2 app:   client_id {}", a.client_id);
        println!("                client_secret {}", a.client_secret);
        println!("                refresh_token {}", a.refresh_token);
        println!(
            "  try: curl -u '{}:{}' {}/api/account",
            a.email,
            a.api_key,
            sandbox.base_url()
        );
    }
    println!();
    println!(
        "admin: {0}/__sandbox/stats  {0}/__sandbox/faults  (Ctrl-C to stop)",
        sandbox.base_url()
    );
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("cannot wait for Ctrl-C: {e}");
    }
    sandbox.shutdown().await;
    std::process::ExitCode::SUCCESS
}
