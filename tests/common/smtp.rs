//! A small real SMTP server for tests: accepts mail over TCP and keeps each message.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

#[derive(Debug, Clone)]
pub struct Received {
    pub recipients: Vec<String>,
    pub data: String,
}

#[derive(Clone, Default)]
pub struct Mailbox(Arc<Mutex<Vec<Received>>>);

impl Mailbox {
    pub fn messages(&self) -> Vec<Received> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }

    /// Waits until at least `n` messages have arrived (or `seconds` pass).
    pub async fn wait_for(&self, n: usize, seconds: u64) -> Vec<Received> {
        for _ in 0..seconds * 20 {
            let m = self.messages();
            if m.len() >= n {
                return m;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        self.messages()
    }
}

pub struct SmtpServer {
    pub port: u16,
    pub mailbox: Mailbox,
    task: tokio::task::JoinHandle<()>,
}

impl SmtpServer {
    /// Listens on `port` (0: any free port).
    pub async fn start(port: u16) -> SmtpServer {
        Self::start_slow(port, std::time::Duration::ZERO).await
    }

    /// Like [`SmtpServer::start`], taking `delay` to accept each message (a slow relay).
    pub async fn start_slow(port: u16, delay: std::time::Duration) -> SmtpServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind smtp");
        let port = listener.local_addr().expect("addr").port();
        let mailbox = Mailbox::default();
        let store = mailbox.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let store = store.clone();
                tokio::spawn(async move {
                    let (read, mut write) = stream.into_split();
                    let mut lines = BufReader::new(read).lines();
                    let _ = write.write_all(b"220 test ESMTP\r\n").await;
                    let mut recipients = Vec::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let upper = line.to_ascii_uppercase();
                        let reply: &[u8] = if upper.starts_with("EHLO") || upper.starts_with("HELO") {
                            b"250 test\r\n"
                        } else if upper.starts_with("MAIL FROM")
                            || upper.starts_with("RSET")
                            || upper.starts_with("NOOP")
                        {
                            b"250 OK\r\n"
                        } else if upper.starts_with("RCPT TO") {
                            let addr = line
                                .split(':')
                                .nth(1)
                                .unwrap_or("")
                                .trim()
                                .trim_matches(['<', '>'])
                                .to_string();
                            recipients.push(addr);
                            b"250 OK\r\n"
                        } else if upper == "DATA" {
                            let _ = write.write_all(b"354 go ahead\r\n").await;
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            if !delay.is_zero() {
                                tokio::time::sleep(delay).await;
                            }
                            if let Ok(mut m) = store.0.lock() {
                                m.push(Received { recipients: std::mem::take(&mut recipients), data });
                            }
                            b"250 queued\r\n"
                        } else if upper == "QUIT" {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            break;
                        } else {
                            b"502 not implemented\r\n"
                        };
                        if write.write_all(reply).await.is_err() {
                            break;
                        }
                    }
                });
            }
        });
        SmtpServer { port, mailbox, task }
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A free TCP port (bound and released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}
