//! The service pages every page's footer links to: help and contact (per area, from config), the
//! privacy notice, the accessibility statement and the cookies page. Public: no sign-in needed.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::config::ContactConfig;
use crate::web::AppState;
use crate::web::auth::AuthContext;
use crate::web::page::Page;

fn page(ctx: &AuthContext, title: &str, active: &str) -> Page {
    Page::for_user(ctx, title.to_string(), active)
}

#[derive(Template, WebTemplate)]
#[template(path = "info/help.html")]
pub struct HelpTemplate {
    page: Page,
    contacts: Vec<ContactConfig>,
}

pub async fn help(State(state): State<AppState>, ctx: AuthContext) -> HelpTemplate {
    HelpTemplate {
        page: page(&ctx, "Help and contact", "/help"),
        contacts: state.config.pages.contacts.clone(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "info/privacy.html")]
pub struct PrivacyTemplate {
    page: Page,
    controller: String,
    dpo_contact: String,
    retention: String,
}

pub async fn privacy(State(state): State<AppState>, ctx: AuthContext) -> PrivacyTemplate {
    let p = &state.config.pages;
    PrivacyTemplate {
        page: page(&ctx, "Privacy notice", "/privacy"),
        controller: p.controller.clone(),
        dpo_contact: p.dpo_contact.clone(),
        retention: p.retention.clone(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "info/accessibility.html")]
pub struct AccessibilityTemplate {
    page: Page,
}

pub async fn accessibility(ctx: AuthContext) -> AccessibilityTemplate {
    AccessibilityTemplate { page: page(&ctx, "Accessibility statement", "/accessibility") }
}

#[derive(Template, WebTemplate)]
#[template(path = "info/cookies.html")]
pub struct CookiesTemplate {
    page: Page,
    idle_minutes: u32,
    session_hours: u32,
}

pub async fn cookies(State(state): State<AppState>, ctx: AuthContext) -> CookiesTemplate {
    CookiesTemplate {
        page: page(&ctx, "Cookies", "/cookies"),
        idle_minutes: state.config.auth.session_idle_minutes,
        session_hours: state.config.auth.session_absolute_hours,
    }
}
