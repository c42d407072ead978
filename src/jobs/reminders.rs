//! Reminders, every `forms.reminder_interval_seconds`: agencies' overdue forms
//! (`gathering::send_due_reminders`), owners of overdue actions
//! (`review::actions::send_due_reminders`) and learning-briefing recipients who have not
//! acknowledged (`review::briefings::send_due_reminders`). Safe with several instances on one
//! PostgreSQL: rows are claimed with `FOR UPDATE SKIP LOCKED`, and each (subject, schedule point)
//! is recorded under a unique index in the same transaction as its outbox row, so a point is sent
//! once, across restarts and SMTP outages (the outbox retries the sending).

use std::time::Duration;

use crate::context::Context;

pub async fn run(cx: Context, mut stop: tokio::sync::watch::Receiver<bool>) {
    let every = Duration::from_secs(cx.config.forms.reminder_interval_seconds.max(1));
    cx.metrics.worker_started("reminders", every);
    loop {
        let mut ok = true;
        if let Err(e) = crate::gathering::send_due_reminders(&cx).await {
            ok = false;
            tracing::warn!(error = %e, "form reminders failed; trying again later");
        }
        if let Err(e) = crate::review::actions::send_due_reminders(&cx).await {
            ok = false;
            tracing::warn!(error = %e, "action reminders failed; trying again later");
        }
        if let Err(e) = crate::review::briefings::send_due_reminders(&cx).await {
            ok = false;
            tracing::warn!(error = %e, "briefing reminders failed; trying again later");
        }
        cx.metrics.pass("reminders", ok);
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = stop.wait_for(|stopped| *stopped) => return,
        }
    }
}
