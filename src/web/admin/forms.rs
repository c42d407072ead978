//! `GET /admin/forms`: the installed form definitions, their versions, which is current, and how
//! many items of each are not yet confirmed against the national forms.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::gathering::date_words;
use crate::web::AppState;
use crate::web::auth::AuthContext;
use crate::web::error::WebResult;
use crate::web::page::Page;

pub struct VersionRow {
    pub version: String,
    pub applies_from: String,
    pub state: &'static str,
    pub questions: usize,
    pub unconfirmed: usize,
    pub file: String,
    pub source: String,
}

pub struct FormRow {
    pub code: String,
    pub title: String,
    pub family: &'static str,
    pub versions: Vec<VersionRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/forms.html")]
pub struct FormsTemplate {
    page: Page,
    forms: Vec<FormRow>,
    dir: String,
}

pub async fn list(State(state): State<AppState>, ctx: AuthContext) -> WebResult<FormsTemplate> {
    let today = state.clock.today();
    let forms = state
        .forms
        .forms()
        .map(|(code, versions)| {
            let current = state.forms.current(code, today).map(|v| v.version.clone()).unwrap_or_default();
            FormRow {
                code: code.to_string(),
                title: versions.last().map(|v| v.title.clone()).unwrap_or_default(),
                family: versions.first().map(|v| v.family.label()).unwrap_or(""),
                versions: versions
                    .iter()
                    .rev()
                    .map(|v| VersionRow {
                        version: v.version.clone(),
                        applies_from: date_words(v.applies_from),
                        state: if v.version == current {
                            "Current"
                        } else if v.legacy {
                            "Legacy (historical answers only)"
                        } else if v.applies_from > today {
                            "Not yet in force"
                        } else {
                            "Earlier version"
                        },
                        questions: v.question_count(),
                        unconfirmed: v.unconfirmed(),
                        file: v.file.clone(),
                        source: v.source.clone(),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(FormsTemplate {
        page: Page::for_user(&ctx, "Forms", "/admin/forms"),
        forms,
        dir: state.config.forms.dir.clone(),
    })
}
