//! Information gathering pages: requesting forms (staff), the agency's emailed link, completing
//! forms page by page, and the Outstanding information page.

pub mod link;
pub mod outstanding;
pub mod requests;
pub mod respond;

use crate::domain::policy::Principal;
use crate::gathering::Acting;
use crate::web::auth::AuthContext;

/// The signed-in user (or token) acting in information gathering, for its audit events.
pub fn acting<'a>(me: &'a Principal, ctx: &'a AuthContext) -> Acting<'a> {
    Acting { actor: me.actor(), roles: &me.roles, request_id: &ctx.request_id }
}
