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
        let stdout = child.stdout.take().expect("stdout piped");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut preamble = Vec::new();
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(remaining) {
                Ok(line) => {
                    if let Some(url) = line.strip_prefix("cdop is listening on ") {
                        return Server { child, base: url.trim_end_matches('/').to_string(), preamble };
                    }
                    preamble.push(line);
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("cdop serve did not report that it was listening");
                }
            }
        }
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
