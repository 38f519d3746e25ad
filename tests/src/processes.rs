//! The real binaries as child processes (`api`, `worker`, `llm-sim`), built
//! by `cargo build --bins` before the tests run (scripts/test.sh does), and
//! programs of this machine the tests drive (`prometheus`).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// Where cargo put the binaries of this build.
pub fn bin(name: &str) -> PathBuf {
    let target = option_env!("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("target"));
    let path = target.join("debug").join(name);
    assert!(path.exists(), "{} is missing: run `cargo build --workspace --bins` first", path.display());
    path
}

/// A child process, killed when dropped.
pub struct Proc {
    pub name: String,
    pub child: Child,
}

impl Proc {
    /// Start our binary `name` with `args` and `env` (on top of a minimal
    /// environment); its log goes to the test's output with `E2E_LOG` set.
    pub fn start(name: &str, args: &[&str], env: &[(&str, String)]) -> Proc {
        Self::spawn(name, bin(name), args, env, Self::output())
    }

    /// Start our binary `name`, its output (the log) written to the file `log`.
    pub fn start_logged(name: &str, args: &[&str], env: &[(&str, String)], log: &std::path::Path) -> Proc {
        let file = std::fs::File::create(log).unwrap_or_else(|e| panic!("cannot create {}: {e}", log.display()));
        let copy = file.try_clone().unwrap_or_else(|e| panic!("cannot share {}: {e}", log.display()));
        Self::spawn(name, bin(name), args, env, (Stdio::from(file), Stdio::from(copy)))
    }

    /// Start a program of this machine (`prometheus`), found on `PATH`.
    pub fn start_program(program: &str, args: &[&str]) -> Proc {
        Self::spawn(program, PathBuf::from(program), args, &[], Self::output())
    }

    /// Where output goes: the test's output with `E2E_LOG` set, else nowhere.
    fn output() -> (Stdio, Stdio) {
        if std::env::var("E2E_LOG").is_ok() {
            (Stdio::inherit(), Stdio::inherit())
        } else {
            (Stdio::null(), Stdio::null())
        }
    }

    fn spawn(name: &str, program: PathBuf, args: &[&str], env: &[(&str, String)], output: (Stdio, Stdio)) -> Proc {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("RUST_LOG", std::env::var("E2E_LOG").unwrap_or_else(|_| "warn".into()))
            .stdin(Stdio::null())
            .stdout(output.0)
            .stderr(output.1)
            .kill_on_drop(true);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = cmd.spawn().unwrap_or_else(|e| panic!("cannot start {name}: {e}"));
        Proc { name: name.to_owned(), child }
    }

    pub fn pid(&self) -> i32 {
        self.child.id().and_then(|p| i32::try_from(p).ok()).unwrap_or(0)
    }

    /// Send a signal (`KILL`, `TERM`).
    pub fn signal(&self, sig: &str) {
        let _ = std::process::Command::new("kill").arg(format!("-{sig}")).arg(self.pid().to_string()).status();
    }

    /// Wait for exit, up to `timeout`.
    pub async fn wait(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        tokio::time::timeout(timeout, self.child.wait()).await.ok().and_then(Result::ok)
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).unwrap_or(0)
}

/// Wait until `url` answers 200.
pub async fn wait_ready(url: &str, timeout: Duration) {
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if client.get(url).send().await.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        assert!(std::time::Instant::now() < deadline, "{url} not ready after {timeout:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
