//! Rate limits per client address, counted in the database (`store::rate_limits`) so every
//! instance on one database enforces one allowance, and timed by the service clock. What counts
//! is chosen so real users are not locked out by others behind the same proxy: sign-in and link
//! limits count *failures* (a wrong password, an unknown link), so a valid link always opens and
//! colleagues' successful sign-ins use up nothing; the public notification form counts the
//! notifications sent.

use std::net::IpAddr;

use chrono::TimeDelta;

use crate::context::Context;
use crate::store::rate_limits;
use crate::web::error::{WebError, WebResult};

/// One limit: what it counts, how many, over how long.
#[derive(Debug, Clone, Copy)]
pub struct Limit {
    pub bucket: &'static str,
    pub limit: u32,
    pub window: TimeDelta,
}

impl Limit {
    /// Failed sign-ins (passwords and two-factor codes) per minute.
    pub fn login(cx: &Context) -> Limit {
        Limit { bucket: "login", limit: cx.config.auth.login_rate_per_minute, window: TimeDelta::minutes(1) }
    }

    /// Unknown links of one kind (`form-link`, `briefing-link`, `owner-link`) per hour.
    pub fn link(cx: &Context, bucket: &'static str) -> Limit {
        Limit { bucket, limit: cx.config.forms.link_attempts_per_hour, window: TimeDelta::hours(1) }
    }

    /// Notifications sent through the public form per hour.
    pub fn notify(cx: &Context) -> Limit {
        Limit { bucket: "notify", limit: cx.config.notify.public_rate_per_hour, window: TimeDelta::hours(1) }
    }

    /// Whether `ip` has used up this allowance (records nothing).
    pub async fn exhausted(&self, cx: &Context, ip: IpAddr) -> WebResult<bool> {
        let since = cx.clock.now() - self.window;
        Ok(rate_limits::count(&cx.db, self.bucket, &ip.to_string(), since).await? >= u64::from(self.limit))
    }

    /// Counts one hit against `ip`'s allowance.
    pub async fn hit(&self, cx: &Context, ip: IpAddr) -> WebResult<()> {
        rate_limits::record(&cx.db, self.bucket, &ip.to_string(), cx.clock.now()).await?;
        Ok(())
    }

    /// A link that opens nothing: counted against the address's allowance; `429` once the
    /// allowance is used up, so links cannot be guessed at speed. Links that open never count.
    pub async fn unknown(&self, cx: &Context, ip: IpAddr) -> WebResult<()> {
        if self.exhausted(cx, ip).await? {
            return Err(WebError::TooManyRequests);
        }
        self.hit(cx, ip).await
    }

    /// Counts a hit unless the allowance is used up; false when it is (nothing recorded).
    pub async fn allow(&self, cx: &Context, ip: IpAddr) -> WebResult<bool> {
        if self.exhausted(cx, ip).await? {
            return Ok(false);
        }
        self.hit(cx, ip).await?;
        Ok(true)
    }
}
