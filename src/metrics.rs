//! What one instance counts for its operators: requests by route, method and status with latency
//! histograms, and each background worker's passes and failures. Rendered in the Prometheus text
//! format by `web::metrics` (with the database's gauges: outbox depth and age, queued exports);
//! `/readyz` asks [`Metrics::late_workers`]. Counts are per instance (Prometheus sums them); route
//! templates only, never a path or query (they could carry identifying data).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Upper bounds of the latency buckets, in seconds.
pub const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<String, Histogram>,
    workers: BTreeMap<&'static str, Worker>,
}

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

struct Worker {
    every: Duration,
    started: Instant,
    last_pass: Option<Instant>,
    passes: u64,
    failures: u64,
}

impl Worker {
    /// A worker is late when no pass has completed (successfully or not) for two intervals and a
    /// minute: it is stuck or has stopped. Failing passes are counted, not late: a failing worker
    /// is an alert (`cdop_worker_failures_total`), not a reason to take the web out of service.
    fn late(&self, now: Instant) -> bool {
        let since = self.last_pass.unwrap_or(self.started);
        now.duration_since(since) > self.every * 2 + Duration::from_secs(60)
    }
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> Option<T> {
        self.inner.lock().ok().map(|mut inner| f(&mut inner))
    }

    /// One request answered: its route template, method, status and time taken.
    pub fn request(&self, route: &str, method: &str, status: u16, elapsed: Duration) {
        let secs = elapsed.as_secs_f64();
        self.with(|m| {
            *m.requests.entry((route.to_string(), method.to_string(), status)).or_default() += 1;
            let h = m.latency.entry(route.to_string()).or_default();
            for (i, upper) in BUCKETS.iter().enumerate() {
                if secs <= *upper {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += secs;
        });
    }

    /// A worker has started; it should complete a pass every `every`.
    pub fn worker_started(&self, name: &'static str, every: Duration) {
        self.with(|m| {
            m.workers.insert(
                name,
                Worker { every, started: Instant::now(), last_pass: None, passes: 0, failures: 0 },
            );
        });
    }

    /// A worker completed a pass (`ok` false: it failed and will try again).
    pub fn pass(&self, name: &'static str, ok: bool) {
        self.with(|m| {
            if let Some(w) = m.workers.get_mut(name) {
                w.last_pass = Some(Instant::now());
                w.passes += 1;
                if !ok {
                    w.failures += 1;
                }
            }
        });
    }

    /// Workers that have not completed a pass in twice their interval (plus a minute).
    pub fn late_workers(&self) -> Vec<&'static str> {
        let now = Instant::now();
        self.with(|m| m.workers.iter().filter(|(_, w)| w.late(now)).map(|(n, _)| *n).collect())
            .unwrap_or_default()
    }

    /// This instance's counters in the Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let now = Instant::now();
        self.with(|m| {
            let _ = writeln!(out, "# HELP cdop_http_requests_total Requests answered, by route template, method and status.");
            let _ = writeln!(out, "# TYPE cdop_http_requests_total counter");
            for ((route, method, status), n) in &m.requests {
                let _ = writeln!(
                    out,
                    "cdop_http_requests_total{{route=\"{}\",method=\"{method}\",status=\"{status}\"}} {n}",
                    label(route)
                );
            }
            let _ = writeln!(out, "# HELP cdop_http_request_duration_seconds Time to answer, by route template.");
            let _ = writeln!(out, "# TYPE cdop_http_request_duration_seconds histogram");
            for (route, h) in &m.latency {
                let route = label(route);
                for (i, upper) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "cdop_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{upper}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(out, "cdop_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}", h.count);
                let _ = writeln!(out, "cdop_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", h.sum);
                let _ = writeln!(out, "cdop_http_request_duration_seconds_count{{route=\"{route}\"}} {}", h.count);
            }
            let _ = writeln!(out, "# HELP cdop_worker_passes_total Passes each background worker completed.");
            let _ = writeln!(out, "# TYPE cdop_worker_passes_total counter");
            for (name, w) in &m.workers {
                let _ = writeln!(out, "cdop_worker_passes_total{{worker=\"{name}\"}} {}", w.passes);
            }
            let _ = writeln!(out, "# HELP cdop_worker_failures_total Passes that failed (tried again later).");
            let _ = writeln!(out, "# TYPE cdop_worker_failures_total counter");
            for (name, w) in &m.workers {
                let _ = writeln!(out, "cdop_worker_failures_total{{worker=\"{name}\"}} {}", w.failures);
            }
            let _ = writeln!(out, "# HELP cdop_worker_seconds_since_pass Seconds since the worker last completed a pass (since it started, before the first).");
            let _ = writeln!(out, "# TYPE cdop_worker_seconds_since_pass gauge");
            for (name, w) in &m.workers {
                let since = now.duration_since(w.last_pass.unwrap_or(w.started)).as_secs_f64();
                let _ = writeln!(out, "cdop_worker_seconds_since_pass{{worker=\"{name}\"}} {since:.1}");
            }
            let _ = writeln!(out, "# HELP cdop_worker_late Whether the worker has not completed a pass in twice its interval (1: /readyz fails).");
            let _ = writeln!(out, "# TYPE cdop_worker_late gauge");
            for (name, w) in &m.workers {
                let _ = writeln!(out, "cdop_worker_late{{worker=\"{name}\"}} {}", u8::from(w.late(now)));
            }
        });
    }
}

/// A label value with `\`, `"` and line breaks escaped.
fn label(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_requests_into_buckets_and_flags_late_workers() {
        let m = Metrics::default();
        m.request("/cases/{reference}", "GET", 200, Duration::from_millis(30));
        m.request("/cases/{reference}", "GET", 200, Duration::from_millis(700));
        m.worker_started("reminders", Duration::from_secs(60));
        m.pass("reminders", false);
        let mut out = String::new();
        m.render(&mut out);
        assert!(out.contains(
            "cdop_http_requests_total{route=\"/cases/{reference}\",method=\"GET\",status=\"200\"} 2"
        ));
        assert!(out.contains(
            "cdop_http_request_duration_seconds_bucket{route=\"/cases/{reference}\",le=\"0.05\"} 1"
        ));
        assert!(
            out.contains(
                "cdop_http_request_duration_seconds_bucket{route=\"/cases/{reference}\",le=\"1\"} 2"
            )
        );
        assert!(out.contains("cdop_worker_failures_total{worker=\"reminders\"} 1"));
        assert!(out.contains("cdop_worker_late{worker=\"reminders\"} 0"));
        assert!(m.late_workers().is_empty());
        let w = Worker {
            every: Duration::from_secs(1),
            started: Instant::now(),
            last_pass: None,
            passes: 0,
            failures: 0,
        };
        assert!(w.late(Instant::now() + Duration::from_secs(63)));
        assert!(!w.late(Instant::now() + Duration::from_secs(61)));
    }
}
