//! Measures `fetch_account` against a fresh moto_server holding N roles and N customer managed
//! policies (one attached to each role), for each N given (default: 100 2000).
//!
//! ```text
//! cargo run --release -p overreach-fetch --example moto_bench -- 100 2000
//! ```
//!
//! Needs `moto_server`, python3 and boto3 (see this crate's README). Populating uses boto3
//! (`tests/support/moto_populate.py --scale N`), not the aws CLI.

use std::error::Error;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use overreach_fetch::{
    AwsOptions, Credentials, FetchOptions, Recorder, fetch_account, load_sdk_config,
};

struct Moto(Child);

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() -> Result<(), Box<dyn Error>> {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let sizes = if sizes.is_empty() {
        vec![100, 2000]
    } else {
        sizes
    };
    let runtime = tokio::runtime::Runtime::new()?;
    for n in sizes {
        let port = TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let _moto = Moto(
            Command::new("moto_server")
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .map_err(|e| {
                    format!("cannot start moto_server ({e}): see crates/overreach-fetch/README.md")
                })?,
        );
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
        let url = format!("http://127.0.0.1:{port}");
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/moto_populate.py");
        let started = Instant::now();
        let status = Command::new("python3")
            .arg(&script)
            .arg(&url)
            .args(["--scale", &n.to_string()])
            .stdout(Stdio::null())
            .status()?;
        if !status.success() {
            return Err(format!("populating failed: {status}").into());
        }
        let populate = started.elapsed();
        let aws = AwsOptions {
            endpoint_url: Some(url),
            region: Some("us-east-1".into()),
            max_attempts: 1,
            credentials: Some(Credentials::new("bench", "bench", None, None, "bench")),
            ..AwsOptions::default()
        };
        let mut times = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let snapshot = runtime.block_on(async {
                let config = load_sdk_config(&aws).await;
                fetch_account(
                    &config,
                    &FetchOptions::default(),
                    &Recorder::with_output(false, true),
                )
                .await
            })?;
            times.push(started.elapsed());
            if snapshot.roles.len() != n || !snapshot.errors.is_empty() {
                return Err(format!(
                    "expected {n} roles, got {}; errors: {:?}",
                    snapshot.roles.len(),
                    snapshot.errors
                )
                .into());
            }
        }
        times.sort();
        println!(
            "{n} roles + {n} policies (+1,485 AWS managed): populate {:.1} s; fetch min {:.2} s, median {:.2} s, max {:.2} s",
            populate.as_secs_f64(),
            times[0].as_secs_f64(),
            times[1].as_secs_f64(),
            times[2].as_secs_f64()
        );
    }
    Ok(())
}
