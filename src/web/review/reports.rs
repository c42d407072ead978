//! Review reports: inter-rater agreement of the independent pre-panel categorisation, per
//! reporting year (reviews completed in the year), for one area or all the user's areas.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::domain::dates::ReportingYear;
use crate::reports::agreement::Agreement;
use crate::review::prepanel;
use crate::store::areas;
use crate::web::AppState;
use crate::web::auth::{AuthContext, CurrentUser};
use crate::web::error::WebResult;
use crate::web::form_body::Choice;
use crate::web::page::Page;
use crate::web::params::Q;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgreementQuery {
    pub year: String,
    pub area: String,
}

/// One question's figures, in words.
pub struct Line {
    pub question: &'static str,
    pub cases: usize,
    pub cases_for_kappa: usize,
    pub raters: usize,
    pub ratings: usize,
    pub with_decision: String,
    pub kappa: String,
    pub strength: &'static str,
}

impl Line {
    fn of(question: &'static str, a: &Agreement) -> Line {
        Line {
            question,
            cases: a.cases,
            cases_for_kappa: a.cases_for_kappa,
            raters: a.raters,
            ratings: a.ratings,
            with_decision: a
                .with_decision
                .map(|p| format!("{:.0}%", p * 100.0))
                .unwrap_or_else(|| "–".into()),
            kappa: a.kappa.map(|k| format!("{k:.2}")).unwrap_or_else(|| "–".into()),
            strength: a.kappa.map(strength).unwrap_or("Not enough ratings"),
        }
    }
}

/// Landis and Koch's words for a kappa value.
fn strength(k: f64) -> &'static str {
    match k {
        k if k < 0.0 => "Poor (less than chance)",
        k if k <= 0.20 => "Slight",
        k if k <= 0.40 => "Fair",
        k if k <= 0.60 => "Moderate",
        k if k <= 0.80 => "Substantial",
        _ => "Almost perfect",
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/agreement.html")]
struct AgreementTemplate {
    page: Page,
    year: String,
    years: Vec<Choice>,
    areas: Vec<Choice>,
    area_words: String,
    lines: Vec<Line>,
}

/// `GET /reports/agreement`.
pub async fn agreement(
    State(state): State<AppState>,
    ctx: AuthContext,
    CurrentUser(me): CurrentUser,
    Q(q): Q<AgreementQuery>,
) -> WebResult<Response> {
    let current = ReportingYear::of(state.clock.today());
    let year = ReportingYear::parse(&q.year).filter(|y| *y <= current).unwrap_or(current);
    let mine: Vec<_> =
        areas::list(&state.db).await?.into_iter().filter(|a| me.area_ids.contains(&a.id)).collect();
    let chosen: Vec<i64> = match q.area.parse::<i64>() {
        Ok(a) if me.area_ids.contains(&a) => vec![a],
        _ => me.area_ids.clone(),
    };
    let area_words = if chosen.len() == 1 {
        mine.iter().find(|a| a.id == chosen[0]).map(|a| a.name.clone()).unwrap_or_default()
    } else {
        "All your areas".into()
    };
    let (category, modifiable) = prepanel::agreement(&state, year.start(), year.end(), &chosen).await?;
    let mut area_choices = vec![Choice::new("", "All your areas", chosen.len() != 1 || mine.len() == 1)];
    area_choices.extend(
        mine.iter()
            .map(|a| Choice::new(a.id.to_string(), a.name.clone(), chosen == [a.id] && mine.len() > 1)),
    );
    Ok(AgreementTemplate {
        page: Page::for_user(&ctx, "Agreement of pre-panel categorisation", "/reports/agreement"),
        year: year.to_string(),
        years: (0..5)
            .map(|n| {
                let y = ReportingYear(current.0 - n);
                Choice::new(y.0.to_string(), y.to_string(), y == year)
            })
            .collect(),
        areas: area_choices,
        area_words,
        lines: vec![Line::of("Category of death", &category), Line::of("Modifiable factors", &modifiable)],
    }
    .into_response())
}
