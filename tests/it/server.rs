//! The server itself: timeouts for slow headers, idle connections and slow requests, and the
//! operators' metrics endpoint on its own address.

use reqwest::StatusCode;

use crate::common::smtp::free_port;
use crate::common::{Backend, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_headers_idle_connections_and_slow_requests_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let slow = axum::Router::new().route(
        "/test/slow",
        axum::routing::get(|| async {
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
            "finally"
        }),
    );
    let app = TestApp::spawn_with(
        Backend::Sqlite,
        |c| {
            c.server.header_timeout_seconds = 1;
            c.server.request_timeout_seconds = 2;
        },
        slow,
    )
    .await;
    let secs = std::time::Duration::from_secs;

    // A header trickled one byte every 300 ms: the connection is closed after about a second.
    let stream = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    let (mut read, mut write) = stream.into_split();
    let started = std::time::Instant::now();
    tokio::spawn(async move {
        for b in b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if write.write_all(&[*b]).await.is_err() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
    });
    let mut buf = [0u8; 512];
    let closed = tokio::time::timeout(secs(5), read.read(&mut buf)).await;
    assert!(closed.is_ok(), "the trickling connection was still open after 5 s");
    let waited = started.elapsed();
    assert!(waited >= std::time::Duration::from_millis(900) && waited < secs(3), "closed after {waited:?}");

    // An idle kept-alive connection: closed about a second after its last response.
    let mut stream = tokio::net::TcpStream::connect(app.addr).await.expect("connect");
    stream.write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n").await.expect("sent");
    let n = stream.read(&mut buf).await.expect("response");
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"), "answered");
    let idle = std::time::Instant::now();
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(secs(5), stream.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "the idle connection was still open after 5 s");
    assert!(idle.elapsed() < secs(3), "closed after {:?}", idle.elapsed());

    // A request that takes longer than the request timeout: 408.
    let res = reqwest::get(app.url("/test/slow")).await.expect("answered");
    assert_eq!(res.status(), StatusCode::REQUEST_TIMEOUT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_served_on_their_own_address() {
    let port = free_port();
    let app = TestApp::spawn_with(
        Backend::Postgres,
        move |c| c.server.metrics_bind = format!("127.0.0.1:{port}"),
        axum::Router::new(),
    )
    .await;
    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }
    assert_eq!(app.get("/cases/CDOP-2026-0001").await.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND, "not on the service's own port");
    let metrics = reqwest::get(format!("http://127.0.0.1:{port}/metrics")).await.expect("scraped");
    assert_eq!(metrics.status(), StatusCode::OK);
    assert!(
        metrics.headers()["content-type"].to_str().unwrap_or("").starts_with("text/plain; version=0.0.4")
    );
    let text = metrics.text().await.expect("text");
    for line in [
        "cdop_http_requests_total{route=\"/healthz\",method=\"GET\",status=\"200\"} 3",
        "cdop_http_request_duration_seconds_count{route=\"/healthz\"} 3",
        "cdop_http_requests_total{route=\"/cases/{reference}\",method=\"GET\",status=\"303\"} 1",
        "cdop_outbox_unsent 0",
        "cdop_export_jobs_waiting 0",
        "cdop_database_up 1",
        "cdop_worker_late{worker=\"mail\"} 0",
        "cdop_worker_failures_total{worker=\"reminders\"} 0",
    ] {
        assert!(text.contains(line), "{line} in\n{text}");
    }
    assert!(!text.contains("CDOP-2026-0001"), "route templates only, never a path");
    // Ready: every worker is within its interval.
    let ready: serde_json::Value = app.get("/readyz").await.json().await.expect("json");
    assert_eq!(ready["status"], "ready");
}
