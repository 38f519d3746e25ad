//! Running an untrusted TeX (or poppler) process: OS limits from `prlimit`,
//! isolation from `bwrap` where the platform allows it, a wall-clock
//! deadline from us.
//!
//! - **Limits** (`prlimit`, util-linux): CPU seconds (SIGXCPU, then SIGKILL),
//!   address space, the size of any file written, no core dumps.
//! - **Isolation** (`bwrap`, bubblewrap): fresh user, PID, network, IPC and
//!   UTS namespaces (so no network at all), every capability dropped, a
//!   filesystem that holds only `/usr`, TeX Live's configuration and fonts
//!   (read-only) and the compile's own directory (the only writable place,
//!   at `/work`), plus a private `/tmp`. The process dies with the worker.
//!   Isolation is required: TeX's own restrictions (shell escape off,
//!   `openin_any=p`, `openout_any=p`) do not cover pdfTeX's `\pdfobj file`
//!   or xdvipdfmx's `fstream` special, which embed any readable file (the
//!   worker's `/proc/<pid>/environ`, with its secrets) into the PDF. Where
//!   user namespaces are not allowed, the worker refuses to compile unless
//!   the operator opts into [`Isolation::Rlimits`] (`COMPILE_SANDBOX=rlimits`:
//!   the limits and TeX's restrictions only, for development machines).
//! - **Deadline**: the whole process group is killed when it passes.
//!
//! No `unsafe` (the workspace forbids it): the limits are set by `prlimit`
//! exec'ing into the sandbox, not by a `pre_exec` hook.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// How a compile is isolated from the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// bubblewrap namespaces and a private filesystem view, plus the limits.
    Bubblewrap,
    /// The limits and TeX's own restrictions only.
    Rlimits,
}

impl std::str::FromStr for Isolation {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "bwrap" | "bubblewrap" => Ok(Isolation::Bubblewrap),
            "rlimits" | "none" => Ok(Isolation::Rlimits),
            other => Err(format!("{other:?} is not bwrap or rlimits")),
        }
    }
}

/// What one compile may use.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Wall clock for the whole compile (every run, and the previews).
    pub timeout: Duration,
    /// CPU time of each process.
    pub cpu: Duration,
    /// Address space of each process, in bytes.
    pub memory_bytes: u64,
    /// Largest file a process may write (the PDF included), in bytes.
    pub max_output_bytes: u64,
    /// Most pages a PDF may have.
    pub max_pages: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(45),
            cpu: Duration::from_secs(30),
            memory_bytes: 2 * 1024 * 1024 * 1024,
            max_output_bytes: 20 * 1024 * 1024,
            max_pages: 20,
        }
    }
}

/// How a sandboxed process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// It exited with this code.
    Exited(i32),
    /// A signal ended it (CPU limit: SIGXCPU 24 or SIGKILL 9; output size: SIGXFSZ 25).
    Signalled(i32),
    /// The deadline passed; its process group was killed.
    TimedOut,
}

/// Where the compile's directory appears to the sandboxed process.
const SANDBOX_DIR: &str = "/work";

/// Runs processes under the limits and isolation.
#[derive(Debug, Clone)]
pub struct Sandbox {
    pub isolation: Isolation,
    pub limits: Limits,
}

impl Sandbox {
    /// Bubblewrap, unless `isolation` opts into the limits only; fails when
    /// bubblewrap is missing or may not create its namespaces here.
    pub async fn new(isolation: Option<Isolation>, limits: Limits) -> anyhow::Result<Self> {
        let isolation = match isolation {
            Some(Isolation::Rlimits) => {
                tracing::warn!(
                    "COMPILE_SANDBOX=rlimits: compiles run with OS limits and TeX's own restrictions only; a document \
                     can then embed any file this process may read into its PDF. Never in production."
                );
                Isolation::Rlimits
            }
            Some(Isolation::Bubblewrap) | None => {
                anyhow::ensure!(
                    bubblewrap_works().await,
                    "bubblewrap is missing or may not create user namespaces here, and compiles need its isolation \
                     (allow user namespaces for this process, see deploy/k8s/worker.yaml; or, on a development \
                     machine only, set COMPILE_SANDBOX=rlimits)"
                );
                Isolation::Bubblewrap
            }
        };
        Ok(Self { isolation, limits })
    }

    /// The directory `dir` as the sandboxed process sees it.
    pub fn visible_dir(&self, dir: &Path) -> PathBuf {
        match self.isolation {
            Isolation::Bubblewrap => PathBuf::from(SANDBOX_DIR),
            Isolation::Rlimits => dir.to_path_buf(),
        }
    }

    /// Run `program args` in `dir` with `env` (and nothing else of ours),
    /// until it ends or `deadline` passes.
    pub async fn run(
        &self,
        dir: &Path,
        program: &str,
        args: &[&str],
        env: &[(&str, String)],
        deadline: Instant,
    ) -> std::io::Result<End> {
        let mut command = tokio::process::Command::new("prlimit");
        let cpu = self.limits.cpu.as_secs().max(1);
        command
            .arg(format!("--cpu={cpu}:{}", cpu + 2))
            .arg(format!("--as={}", self.limits.memory_bytes))
            .arg(format!("--fsize={}", self.limits.max_output_bytes))
            .arg("--core=0")
            .arg("--");
        match self.isolation {
            Isolation::Bubblewrap => {
                command.arg("bwrap").args(bubblewrap_args(dir)).arg("--").arg(program);
            }
            Isolation::Rlimits => {
                command.arg(program).current_dir(dir);
            }
        }
        command
            .args(args)
            .env_clear()
            .env("PATH", "/usr/local/bin:/usr/bin:/bin")
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let pid = child.id();
        let wait = tokio::time::timeout(deadline.saturating_duration_since(Instant::now()), child.wait()).await;
        let status = match wait {
            Ok(status) => status?,
            Err(_) => {
                kill_group(pid);
                let _ = child.kill().await;
                return Ok(End::TimedOut);
            }
        };
        // Whatever the process left running in its group goes too.
        kill_group(pid);
        use std::os::unix::process::ExitStatusExt;
        Ok(match (status.code(), status.signal()) {
            (_, Some(signal)) => End::Signalled(signal),
            // bubblewrap reports a child killed by a signal as 128 + signal.
            (Some(code), None) if code > 128 && self.isolation == Isolation::Bubblewrap => End::Signalled(code - 128),
            (Some(code), None) => End::Exited(code),
            (None, None) => End::Exited(-1),
        })
    }
}

/// SIGKILL the process group `pid` leads (it was started with
/// `process_group(0)`), through `kill(1)`: no `unsafe` here.
fn kill_group(pid: Option<u32>) {
    let Some(pid) = pid else { return };
    let _ = std::process::Command::new("kill")
        .args(["-KILL", "--", &format!("-{pid}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// The filesystem view: `/usr` and TeX Live's configuration, generated files
/// and fonts read-only, the compile's directory writable at `/work`.
fn bubblewrap_args(dir: &Path) -> Vec<String> {
    let mut args: Vec<String> = ["--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL"]
        .into_iter()
        .map(String::from)
        .collect();
    args.extend(["--hostname", "sandbox", "--ro-bind", "/usr", "/usr"].map(String::from));
    // /bin, /lib… are links into /usr on a merged-/usr system, directories otherwise.
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
        match std::fs::read_link(top) {
            Ok(target) => args.extend(["--symlink".into(), target.display().to_string(), top.into()]),
            Err(_) if Path::new(top).is_dir() => args.extend(["--ro-bind".into(), top.into(), top.into()]),
            Err(_) => {}
        }
    }
    for shared in ["/etc/texmf", "/var/lib/texmf", "/etc/fonts", "/var/cache/fontconfig"] {
        args.extend(["--ro-bind-try".into(), shared.into(), shared.into()]);
    }
    args.extend(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"].map(String::from));
    args.extend(["--bind".into(), dir.display().to_string(), SANDBOX_DIR.into(), "--chdir".into(), SANDBOX_DIR.into()]);
    args
}

/// Whether bubblewrap is installed and may create its namespaces here.
async fn bubblewrap_works() -> bool {
    let Ok(dir) = tempfile::tempdir() else { return false };
    let status = tokio::process::Command::new("bwrap")
        .args(bubblewrap_args(dir.path()))
        .arg("--")
        .arg("true")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .status();
    matches!(tokio::time::timeout(Duration::from_secs(10), status).await, Ok(Ok(s)) if s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isolation_is_named_in_configuration() {
        assert_eq!("bwrap".parse::<Isolation>(), Ok(Isolation::Bubblewrap));
        assert_eq!("rlimits".parse::<Isolation>(), Ok(Isolation::Rlimits));
        assert!("docker".parse::<Isolation>().is_err());
    }

    #[test]
    fn the_view_binds_only_the_compile_directory_writable() {
        let args = bubblewrap_args(Path::new("/tmp/compile-x"));
        let writable: Vec<_> =
            args.windows(3).filter(|w| w[0] == "--bind").map(|w| (w[1].clone(), w[2].clone())).collect();
        assert_eq!(writable, vec![("/tmp/compile-x".to_owned(), "/work".to_owned())]);
        assert!(args.contains(&"--unshare-all".to_owned()), "network and the rest unshared");
        assert!(!args.iter().any(|a| a == "/etc" || a == "/home" || a == "/root"), "{args:?}");
    }
}
