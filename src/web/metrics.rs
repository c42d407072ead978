//! `GET /metrics` in the Prometheus text format, served only on `server.metrics_bind` (an address
//! of its own, kept off the public port): this instance's request and worker counters
//! (`crate::metrics`), plus gauges read from the database that every instance reports alike —
//! unsent email (and the age of the oldest), queued exports (and the oldest's age).

use std::fmt::Write;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::context::Context;
use crate::store::{export_jobs, outbox};

pub fn router(cx: Context) -> Router {
    Router::new().route("/metrics", get(metrics)).with_state(cx)
}

fn age(now: chrono::DateTime<chrono::Utc>, oldest: Option<chrono::DateTime<chrono::Utc>>) -> f64 {
    oldest.map(|t| (now - t).num_milliseconds().max(0) as f64 / 1000.0).unwrap_or(0.0)
}

async fn metrics(State(cx): State<Context>) -> Response {
    let mut out = String::new();
    cx.metrics.render(&mut out);
    let now = crate::store::now();
    let gauges = async {
        let (mail, mail_oldest) = outbox::unsent_depth(&cx.db).await?;
        let failed = outbox::count_with_status(&cx.db, outbox::FAILED).await?;
        let (jobs, jobs_oldest) = export_jobs::waiting(&cx.db).await?;
        Ok::<_, crate::store::StoreError>((mail, mail_oldest, failed, jobs, jobs_oldest))
    };
    let up = match gauges.await {
        Ok((mail, mail_oldest, failed, jobs, jobs_oldest)) => {
            let rows = [
                ("cdop_outbox_unsent", "Emails waiting to be sent (pending or being sent).", mail as f64),
                (
                    "cdop_outbox_oldest_unsent_seconds",
                    "Age of the oldest unsent email (0 when none).",
                    age(now, mail_oldest),
                ),
                ("cdop_outbox_failed", "Emails that failed for good (shown to admins).", failed as f64),
                ("cdop_export_jobs_waiting", "Background exports queued or running.", jobs as f64),
                (
                    "cdop_export_oldest_waiting_seconds",
                    "Age of the oldest queued or running export (0 when none).",
                    age(now, jobs_oldest),
                ),
            ];
            for (name, help, value) in rows {
                let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}");
            }
            1
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: reading the database failed");
            0
        }
    };
    let _ = writeln!(
        out,
        "# HELP cdop_database_up Whether the database answered this scrape.\n# TYPE cdop_database_up gauge\ncdop_database_up {up}"
    );
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], out)
        .into_response()
}
