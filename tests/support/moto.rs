//! A moto_server on a free loopback port for the tests, killed on drop, and the boto3 helper
//! that populates it (`moto_populate.py`).

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The command that installs what these tests need (also in `crates/overreach-fetch/README.md`).
pub const INSTALL_HINT: &str = "run the test command of crates/overreach-fetch/README.md: \
     `python3 -m pip install 'moto[server]' boto3 && cargo test -p overreach-cli --test fetch_moto`";

/// A running moto_server; the process is killed when this is dropped (also on panic).
#[derive(Debug)]
pub struct Moto {
    child: Child,
    pub port: u16,
}

impl Moto {
    /// Starts `moto_server` with AWS managed policies loaded; panics with the install hint
    /// when it is not on PATH (these tests never skip silently).
    pub fn start() -> Moto {
        Moto::start_program("moto_server").unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts `program` as moto_server; `Err` says what to do when it cannot be started.
    pub fn start_program(program: &str) -> Result<Moto, String> {
        let port = free_port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start `{program}` ({e}): {INSTALL_HINT}"))?;
        let mut moto = Moto { child, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(format!(
                    "`{program}` exited with {status} before listening: {INSTALL_HINT}"
                ));
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "`{program}` did not listen on port {port} within 30 s"
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(moto)
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Runs `moto_populate.py` against this server with `args`; returns its JSON manifest.
    pub fn populate(&self, args: &[&str]) -> serde_json::Value {
        let script =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/support/moto_populate.py");
        let out = Command::new("python3")
            .arg(script)
            .arg(self.url())
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run python3 ({e}): {INSTALL_HINT}"));
        assert!(
            out.status.success(),
            "moto_populate.py failed: {}\n{INSTALL_HINT}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago (bind port 0, read it, release it).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
