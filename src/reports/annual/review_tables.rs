//! The annual report's review sections: category and modifiable factors, contributory factors
//! and themes, information gathering and completeness, agreement, and actions.

use super::builders::{modifiable_columns, modifiable_table, theme_rows};
use super::figures;
use super::parts::{ChartSpec, Part, Plan};
use super::tables::Builder;
use super::{Block, Data, Labels, Params, tally};
use crate::domain::dates::AgeBand;
use crate::reports::table::{Basis, Percent, ShownTable, Table};

/// The heading of the column of each row's reviews as a share of all the reviews completed.
const SHARE_OF_REVIEWS: &str = "% of reviews";

/// The row summing the two bands under one year (0 to 27 days, 28 to 364 days).
pub(crate) const UNDER_ONE: &str = "Under 1 year (0 to 364 days)";

/// Sections 4 to 8 of the annual report.
pub(super) fn plan(b: &mut Builder<'_>, params: &Params, labels: &Labels, data: &Data, plan: &mut Plan) {
    let y = params.year;
    let reviewed_cohort = format!("reviewed:{}", y.0);
    let reviewed_total: u64 = data.reviewed.iter().map(|c| c.n).sum();
    let reviewed_all = format!("{reviewed_cohort}|all");
    // 4. Reviews: category and modifiable factors.
    let modifiable_columns = modifiable_columns(labels);
    let modifiable_table = |key: &str, title: &str, dim: &str, idx: usize, order: &[(String, String)]| {
        let m = tally(&data.reviewed, &[idx, 1]);
        modifiable_table(
            key,
            title,
            &reviewed_cohort,
            "Reviews completed in the year; the percentage is taken over the reviews with enough information to decide (modifiable factors identified, or none identified). Reviews with insufficient information are counted in their own column.",
            dim,
            order,
            &modifiable_columns,
            |r, c| m.get(&vec![r.to_string(), c.to_string()]).copied().unwrap_or(0),
        )
    };
    let mut reviews = Vec::new();
    let mut category = modifiable_table(
        "reviewed-category-modifiable",
        "Reviews completed by category of death and modifiable factors",
        "category",
        0,
        &labels.categories,
    );
    category.share_label = SHARE_OF_REVIEWS.into();
    reviews.push(Part::Counts {
        index: b.add(category),
        chart: ChartSpec::Rows { what: "reviews completed by category of death" },
    });
    let ages: Vec<(String, String)> =
        AgeBand::ALL.iter().map(|a| (a.code().into(), a.label().into())).collect();
    let mut by_age = modifiable_table(
        "reviewed-age-modifiable",
        "Reviews completed by age at death and modifiable factors",
        "age_band",
        2,
        &ages,
    );
    by_age.share_label = SHARE_OF_REVIEWS.into();
    by_age.subtotals = vec![(UNDER_ONE.into(), vec![0, 1])];
    reviews.push(Part::Counts { index: b.add(by_age), chart: ChartSpec::None });
    let ca = tally(&data.reviewed, &[0, 2]);
    let t = Table {
        key: "reviewed-category-age".into(),
        title: "Reviews completed by category of death and age at death".into(),
        basis: Basis::Reviewed,
        cohort: reviewed_cohort.clone(),
        denominator: "Reviews completed in the year".into(),
        row_dimension: "category".into(),
        column_dimension: "age_band".into(),
        row_heading: "Category of death".into(),
        rows: labels.categories.clone(),
        columns: ages.clone(),
        counts: labels
            .categories
            .iter()
            .map(|(c, _)| {
                ages.iter().map(|(a, _)| ca.get(&vec![c.clone(), a.clone()]).copied().unwrap_or(0)).collect()
            })
            .collect(),
        percent: Percent::None,
        percent_label: String::new(),
        multi_valued: false,
        notes: Vec::new(),
        shared_rows: Vec::new(),
        names: Default::default(),
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    };
    reviews.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    plan.push(("reviews", "Reviews completed: category of death and modifiable factors", reviews));

    // 5. Factors and themes.
    let mut factors = Vec::new();
    let fd = tally(&data.factor_domains, &[0, 1]);
    let mut domains = labels.domains.clone();
    domains.push(("not_recorded".into(), "Domain not recorded".into()));
    let t = Table {
        key: "reviewed-factor-domains".into(),
        title: "Reviews with a factor that may have contributed to the death (graded 2), by domain".into(),
        basis: Basis::Reviewed,
        cohort: format!("factors:{}", y.0),
        denominator: "Reviews completed in the year; a review counts once in each domain it has such a factor in, so the rows do not add up.".into(),
        row_dimension: "domain".into(),
        column_dimension: "modifiable".into(),
        row_heading: "Domain".into(),
        rows: domains.clone(),
        columns: modifiable_columns.clone(),
        counts: domains
            .iter()
            .map(|(d, _)| {
                modifiable_columns
                    .iter()
                    .map(|(c, _)| fd.get(&vec![d.clone(), c.clone()]).copied().unwrap_or(0))
                    .collect()
            })
            .collect(),
        percent: Percent::Of(reviewed_all.clone(), reviewed_total),
        percent_label: "% of reviews completed".into(),
        multi_valued: true,
        notes: vec!["Domain not recorded: modifiable factors identified, with no domain recorded (reviews imported from a previous system without their domains, or recorded before April 2019 on the legacy form, which scores domains on its own scale).".into()],
        shared_rows: Vec::new(),
        names: Default::default(),
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    };
    factors.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    // Safeguarding practice reviews: the analysis form's referral question, every review once.
    let answered = tally(&data.safeguarding, &[0]);
    let mut t = Table::one_way(
        "reviewed-safeguarding-referral",
        "Reviews completed: referred to the Child Safeguarding Practice Review Panel",
        Basis::Reviewed,
        &reviewed_cohort,
        "safeguarding_referral",
        [("yes", "Referred"), ("no", "Not referred"), ("not_known", "Not known"), ("", "Not answered")]
            .iter()
            .map(|(k, l)| {
                (k.to_string(), l.to_string(), answered.get(&vec![k.to_string()]).copied().unwrap_or(0))
            })
            .collect(),
    );
    t.denominator = "Reviews completed in the year".into();
    t.notes.push("From the Analysis Form's question on referral to the national Child Safeguarding Practice Review Panel (a rapid review or local practice review follows locally; the form records the referral only). Reviews recorded before April 2019 on the legacy form have no answer.".into());
    factors.push(Part::Counts { index: b.add(t), chart: ChartSpec::None });
    let theme_rows = theme_rows(labels, &data.themes);
    let mut t = Table::one_way(
        "reviewed-themes",
        "Themes of the reviews completed, most frequent first",
        Basis::Reviewed,
        &format!("themes:{}", y.0),
        "theme",
        theme_rows,
    );
    t.percent = Percent::Of(reviewed_all, reviewed_total);
    t.percent_label = "% of reviews completed".into();
    t.multi_valued = true;
    t.denominator =
        "Reviews completed in the year; a review can have several themes. Themes no review had are left out."
            .into();
    factors.push(Part::Counts {
        index: b.add(t),
        chart: ChartSpec::Rows { what: "reviews completed by theme" },
    });
    plan.push(("factors", "Contributory factors and themes", factors));

    // 6. Information gathering.
    let mut gathering = Vec::new();
    let requests = tally(&data.requests, &[0, 1]);
    let agencies: Vec<(String, String)> =
        crate::domain::codes::AgencyType::ALL.iter().map(|a| (a.code().into(), a.label().into())).collect();
    let status_columns: Vec<(String, String)> = vec![
        ("submitted".into(), "Returned".into()),
        ("open".into(), "Not yet returned".into()),
        ("withdrawn".into(), "Withdrawn".into()),
    ];
    let status_of = |agency: &str, col: &str| -> u64 {
        match col {
            "open" => ["requested", "in_progress"]
                .iter()
                .map(|s| requests.get(&vec![agency.to_string(), s.to_string()]).copied().unwrap_or(0))
                .sum(),
            s => requests.get(&vec![agency.to_string(), s.to_string()]).copied().unwrap_or(0),
        }
    };
    let t = Table {
        key: "agency-returns".into(),
        title: "Agency forms requested in the year, by agency type".into(),
        basis: Basis::Notified,
        cohort: format!("requests:{}", y.0),
        denominator: "Forms requested from agencies in the year (by date of request); the total is every form requested.".into(),
        row_dimension: "agency_type".into(),
        column_dimension: "request_status".into(),
        row_heading: "Agency type".into(),
        rows: agencies.clone(),
        columns: status_columns.clone(),
        counts: agencies.iter().map(|(a, _)| status_columns.iter().map(|(c, _)| status_of(a, c)).collect()).collect(),
        percent: Percent::Columns { numerator: vec![0], denominator: vec![0, 1] },
        percent_label: "% returned (of forms not withdrawn)".into(),
        multi_valued: false,
        notes: Vec::new(),
        shared_rows: Vec::new(),
        names: Default::default(),
        filter_dims: Vec::new(),
        share_label: String::new(),
        subtotals: Vec::new(),
    };
    let returns = b.add(t);
    gathering.push(Part::Counts { index: returns, chart: ChartSpec::None });
    let (days, mode) = (data.return_days.clone(), params.mode.clone());
    gathering.push(Part::Later(Box::new(move |shown: &[ShownTable]| {
        Block::Figures(figures::return_days(&days, &agencies, shown.get(returns), &mode))
    })));
    let completeness = b.add(figures::completeness_table(data, labels, y.0));
    let (mode, decimals) = (params.mode.clone(), params.rate_rule.percent_decimals);
    gathering.push(Part::Later(Box::new(move |shown: &[ShownTable]| {
        Block::Figures(figures::completeness(shown.get(completeness), &mode, decimals))
    })));
    plan.push(("information", "Information gathering and data completeness", gathering));

    // 7. Agreement, 8. Actions.
    // The reviews the entries cover are a count like any other: printed in a table of reviews
    // with and without an entry, suppressed with the rest, and the agreement figures follow it.
    if let Some(agreement) = data.agreement.clone() {
        let with = agreement.0.cases as u64;
        let mut t = Table::one_way(
            "prepanel-reviews",
            "Reviews completed with and without members' pre-panel entries",
            Basis::Reviewed,
            &reviewed_cohort,
            "prepanel",
            vec![
                ("yes".into(), "With at least one pre-panel entry".into(), with),
                ("no".into(), "Without".into(), reviewed_total.saturating_sub(with)),
            ],
        );
        t.denominator = "Reviews completed in the year".into();
        let index = b.add(t);
        plan.push((
            "agreement",
            "Agreement of independent pre-panel categorisation",
            vec![
                Part::Counts { index, chart: ChartSpec::None },
                Part::Later(Box::new(move |shown: &[ShownTable]| {
                    Block::Figures(figures::agreement(&agreement, shown.get(index)))
                })),
            ],
        ));
    }
    let actions = tally(&data.actions, &[0]);
    let mut t = Table::one_way(
        "actions",
        "Actions from the panel's recommendations",
        Basis::Reviewed,
        &format!("actions:{}", y.0),
        "action_measure",
        [
            ("raised", "Raised in the year"),
            ("implemented", "Implemented in the year"),
            ("overdue", "Open and past their due date at the end of the year"),
        ]
        .iter()
        .map(|(k, l)| (k.to_string(), l.to_string(), actions.get(&vec![k.to_string()]).copied().unwrap_or(0)))
        .collect(),
    );
    t.percent = Percent::None;
    t.multi_valued = true;
    t.denominator = "Actions in the register for these areas; an action can be raised and implemented in the same year, so the rows do not add up.".into();
    plan.push(("actions", "Actions", vec![Part::Counts { index: b.add(t), chart: ChartSpec::None }]));
}
