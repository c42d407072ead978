//! The start page.

use askama::Template;
use askama_web::WebTemplate;

use crate::web::page::Page;

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomeTemplate {
    page: Page,
}

pub async fn show() -> HomeTemplate {
    HomeTemplate { page: Page::anonymous("Start") }
}
