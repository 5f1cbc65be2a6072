//! Serving speed: full 100-record pages over loopback with keep-alive, the sandbox on one
//! core (a current-thread runtime), the rate limit off. Prints one JSON line with the median
//! of 5 full walks per endpoint.

use gorgias_sandbox::{DataSizes, Sandbox, SandboxOptions};
use serde::Deserialize;
use serde_json::value::RawValue;
use std::time::Instant;

#[derive(Deserialize)]
struct Page<'a> {
    #[serde(borrow)]
    data: Vec<&'a RawValue>,
    meta: Meta,
}

#[derive(Deserialize)]
struct Meta {
    next_cursor: Option<String>,
}

struct Run {
    records: usize,
    pages: usize,
    bytes: usize,
    secs: f64,
}

async fn walk(client: &reqwest::Client, base: &str, auth: &str, path: &str) -> Run {
    let start = Instant::now();
    let (mut records, mut pages, mut bytes) = (0, 0, 0);
    let mut cursor: Option<String> = None;
    loop {
        let mut req = client
            .get(format!("{base}{path}"))
            .header("Authorization", auth);
        if let Some(c) = &cursor {
            req = req.query(&[("cursor", c)]);
        }
        let body = req
            .send()
            .await
            .expect("request")
            .bytes()
            .await
            .expect("body");
        let page: Page<'_> = serde_json::from_slice(&body).expect("page");
        records += page.data.len();
        pages += 1;
        bytes += body.len();
        match page.meta.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    Run {
        records,
        pages,
        bytes,
        secs: start.elapsed().as_secs_f64(),
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let tickets: usize = std::env::var("BENCH_TICKETS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000);
    let (tx, rx) = std::sync::mpsc::channel();
    // The server: one core.
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let started = Instant::now();
            let opts = SandboxOptions::default()
                .sizes(DataSizes::scaled(tickets))
                .without_rate_limit();
            let sb = Sandbox::start(opts).await.expect("sandbox");
            tx.send((sb.clone(), started.elapsed().as_secs_f64()))
                .expect("send");
            std::future::pending::<()>().await;
        });
    });
    let (sb, gen_secs) = rx.recv().expect("sandbox started");
    let base = sb.base_url();
    let auth = sb.accounts()[0].basic_header();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut results = Vec::new();
    for path in [
        "/api/tickets?limit=100&order_by=updated_datetime:desc",
        "/api/messages?limit=100",
    ] {
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("client");
        let runs: Vec<Run> = rt.block_on(async {
            walk(&client, &base, &auth, path).await; // warm-up
            let mut v = Vec::new();
            for _ in 0..5 {
                v.push(walk(&client, &base, &auth, path).await);
            }
            v
        });
        let rps = median(runs.iter().map(|r| r.records as f64 / r.secs).collect());
        let pps = median(runs.iter().map(|r| r.pages as f64 / r.secs).collect());
        let mbps = median(runs.iter().map(|r| r.bytes as f64 / r.secs / 1e6).collect());
        results.push(serde_json::json!({
            "path": path,
            "records_per_walk": runs[0].records,
            "pages_per_walk": runs[0].pages,
            "median_records_per_s": rps.round(),
            "median_pages_per_s": (pps * 10.0).round() / 10.0,
            "median_mb_per_s": (mbps * 10.0).round() / 10.0,
        }));
    }
    let line = serde_json::json!({
        "bench": "gorgias-sandbox/serve",
        "tickets": tickets,
        "server_threads": 1,
        "generation_secs": (gen_secs * 100.0).round() / 100.0,
        "runs": 5,
        "results": results,
    });
    println!("{line}");
}
