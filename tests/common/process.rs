//! Runs the `cdop` binary itself, for tests of the command line, exit codes and signals.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

pub fn cdop_bin() -> &'static str {
    env!("CARGO_BIN_EXE_cdop")
}

/// A `cdop` command run in `dir` with only the given `CDOP_*` variables set.
pub fn command(dir: &Path, envs: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(cdop_bin());
    cmd.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("CDOP_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("CDOP__LOG__LEVEL", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd
}

pub fn run(dir: &Path, envs: &[(&str, &str)], args: &[&str]) -> Output {
    command(dir, envs).args(args).output().expect("cdop runs")
}

/// Reads `child`'s standard output (piped) until a line starting with `prefix`: returns the rest
/// of that line and the lines before it. None when no such line came within `timeout` (the child
/// is then killed).
pub fn wait_for_line(child: &mut Child, prefix: &str, timeout: Duration) -> Option<(String, Vec<String>)> {
    let stdout = child.stdout.take().expect("stdout piped");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let deadline = Instant::now() + timeout;
    let mut before = Vec::new();
    loop {
        match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(line) => match line.strip_prefix(prefix) {
                Some(rest) => return Some((rest.to_string(), before)),
                None => before.push(line),
            },
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
}

/// A running `cdop serve`, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// What `cdop serve` printed before it was listening.
    pub preamble: Vec<String>,
}

impl Server {
    /// Starts `cdop serve` on an ephemeral port and waits for its "listening" line.
    pub fn start(dir: &Path, envs: &[(&str, &str)]) -> Server {
        let mut all = vec![("CDOP__SERVER__BIND", "127.0.0.1:0")];
        all.extend_from_slice(envs);
        let mut child = command(dir, &all)
            .arg("serve")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("cdop serve starts");
        let Some((url, preamble)) =
            wait_for_line(&mut child, "cdop is listening on ", Duration::from_secs(60))
        else {
            panic!("cdop serve did not report that it was listening");
        };
        Server { child, base: url.trim_end_matches('/').to_string(), preamble }
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let status =
            Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill runs");
        assert!(status.success());
    }

    /// Waits for the process to exit and returns its exit code.
    pub fn wait(&mut self, timeout: Duration) -> Option<i32> {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
