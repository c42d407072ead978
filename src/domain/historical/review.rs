//! The completed review of a historical record: its dates, outcome, factor domains and themes,
//! checked against the Analysis Form's codes.

use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::Vocabulary;
use super::cells::{Row, one_of};
use crate::domain::analysis::{CATEGORY, DOMAIN, FACTORS, GRADE, GRADE_2, IDENTIFIED, MODIFIABLE, THEMES};
use crate::forms::answers::{Answer, Answers};

/// A completed review of a historical record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Review {
    pub cdrm_on: Option<NaiveDate>,
    pub panel_on: Option<NaiveDate>,
    pub completed_on: NaiveDate,
    pub category: String,
    pub modifiable: String,
    pub factor_domains: Vec<String>,
    pub themes: Vec<String>,
    /// Completed before the current Analysis Form applied: recorded on this legacy version.
    pub legacy: Option<String>,
}

impl Review {
    /// The review as Analysis Form answers: the outcome, one factor line graded 2 per domain,
    /// and the themes. On the legacy form, each domain named is scored 2 on its own scale
    /// ("factors identified that may have contributed"), which is what the column says.
    pub fn answers(&self) -> Answers {
        let mut a = Answers::new();
        a.insert(CATEGORY.into(), Answer::Code(self.category.clone()));
        a.insert(MODIFIABLE.into(), Answer::Code(self.modifiable.clone()));
        if self.legacy.is_some() {
            for d in &self.factor_domains {
                a.insert(super::legacy_score_item(d), Answer::Code(super::LEGACY_SCORE_2.into()));
            }
            return a;
        }
        if !self.factor_domains.is_empty() {
            let rows = self
                .factor_domains
                .iter()
                .map(|d| {
                    BTreeMap::from([
                        (DOMAIN.to_string(), Answer::Code(d.clone())),
                        (GRADE.to_string(), Answer::Code(GRADE_2.into())),
                    ])
                })
                .collect();
            a.insert(FACTORS.into(), Answer::Rows(rows));
        }
        if !self.themes.is_empty() {
            a.insert(THEMES.into(), Answer::Codes(self.themes.clone()));
        }
        a
    }
}

pub(super) fn read_review(
    row: &mut Row<'_>,
    current: &Vocabulary,
    death: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Review> {
    let cdrm_on = row.date("cdrm_on", false);
    let panel_on = row.date("panel_on", false);
    let completed_on = row.date("review_completed_on", false);
    // A review completed before the current form applied is recorded on the legacy form.
    let legacy = match (completed_on, current.legacy()) {
        (Some(done), Some(l)) if done < l.until => Some(l),
        _ => None,
    };
    let v = legacy.map(|l| l.vocabulary.as_ref()).unwrap_or(current);
    let category = row.get("category").to_ascii_lowercase();
    let modifiable = row.get("modifiable").to_ascii_lowercase();
    let factor_domains = row.codes_from("factor_domains", &v.domains);
    let themes = if let Some(l) = legacy {
        if !row.get("themes").is_empty() {
            row.fail(
                "themes",
                format!(
                    "is given, but a review completed before {} is recorded on the legacy form {}, which has no themes: leave it blank",
                    l.until, l.version
                ),
            );
        }
        Vec::new()
    } else {
        row.codes_from("themes", &v.themes)
    };
    for (column, d) in [("cdrm_on", cdrm_on), ("panel_on", panel_on), ("review_completed_on", completed_on)] {
        if let Some(d) = d {
            if d > today {
                row.fail(column, format!("{d} is in the future"));
            }
            if let Some(death) = death
                && d < death
            {
                row.fail(column, format!("{d} is before the date of death {death}"));
            }
        }
    }
    let reviewed = completed_on.is_some() || !category.is_empty() || !modifiable.is_empty();
    if !reviewed {
        for (column, present) in [
            ("factor_domains", !factor_domains.is_empty()),
            ("themes", !themes.is_empty()),
            ("panel_on", panel_on.is_some()),
        ] {
            if present {
                row.fail(column, "is given, but the review is not completed: add review_completed_on, category and modifiable, or leave it blank");
            }
        }
        return None;
    }
    let needs = "with a completed review (review_completed_on, category and modifiable go together)";
    if completed_on.is_none() && row.get("review_completed_on").is_empty() {
        row.fail("review_completed_on", format!("is empty; it is required {needs}"));
    }
    if category.is_empty() {
        row.fail("category", format!("is empty; it is required {needs} (one of: {})", one_of(&v.categories)));
    } else if !v.categories.contains(&category) {
        row.fail("category", format!("‘{category}’ is not one of: {}", one_of(&v.categories)));
    }
    if modifiable.is_empty() {
        row.fail(
            "modifiable",
            format!("is empty; it is required {needs} (one of: {})", one_of(&v.modifiable)),
        );
    } else if !v.modifiable.contains(&modifiable) {
        row.fail("modifiable", format!("‘{modifiable}’ is not one of: {}", one_of(&v.modifiable)));
    } else if modifiable != IDENTIFIED && !factor_domains.is_empty() {
        // Modifiable factors identified may come without their domains (left not recorded),
        // but domains with a factor graded 2 cannot go with another outcome.
        row.fail(
            "factor_domains",
            format!("is given, but modifiable is ‘{modifiable}’: domains with a factor graded 2 go with ‘identified’"),
        );
    }
    if let (Some(c), Some(p)) = (cdrm_on, panel_on)
        && p < c
    {
        row.fail("panel_on", format!("{p} is before the CDRM on {c}"));
    }
    if let (Some(p), Some(done)) = (panel_on, completed_on)
        && done < p
    {
        row.fail("review_completed_on", format!("{done} is before the panel on {p}"));
    }
    Some(Review {
        cdrm_on,
        panel_on,
        completed_on: completed_on?,
        category,
        modifiable,
        factor_domains,
        themes,
        legacy: legacy.map(|l| l.version.clone()),
    })
}
