//! Tests of `review.rs`.

use super::*;
use crate::forms::answers::{missing_required, read_items, to_raw};
use crate::forms::definition::Item;

fn facts(age_band: &str, expected: bool, death: NaiveDate) -> CaseFacts {
    CaseFacts {
        age_band: age_band.into(),
        expected,
        sudden: !expected,
        imd_decile: Some(3),
        death,
        notified: death + days(2),
    }
}

#[test]
fn decisions_are_valid_analyses_with_plausible_shares() {
    let reg = super::super::shipped_forms();
    let version = reg.version("analysis", "DHSC-2018").unwrap_or_else(|| panic!("no analysis form"));
    let mut rng = super::super::rng(Some(3));
    let death = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default();
    let bands = ["0-27d", "28-364d", "1-4y", "5-9y", "10-14y", "15-17y"];
    let mut modifiable = 0;
    let mut suicide_teen = 0;
    let mut teens = 0;
    for n in 0..3000 {
        let band = bands[n % bands.len()];
        let d = decision(&mut rng, &facts(band, n % 2 == 0, death));
        // The stored answers pass the form's own checks and the modifiable rule.
        let items: Vec<&Item> = version.items.iter().collect();
        let (read, errors) = read_items(&items, &to_raw(&version, &d.answers));
        assert!(errors.is_empty(), "{n}: {errors:?}");
        let read: Answers = read.into_iter().filter_map(|(k, v)| v.map(|v| (k, v))).collect();
        assert_eq!(read, d.answers, "{n}: the answers survive the page round trip");
        assert!(missing_required(&version, &d.answers).is_empty(), "{n}");
        assert!(crate::domain::analysis::problems(&version, &d.answers).is_empty(), "{n}: {:?}", d.answers);
        modifiable += usize::from(d.modifiable == "identified");
        if band == "15-17y" {
            teens += 1;
            suicide_teen += usize::from(d.category == "suicide_self_harm");
        }
        if d.category == "malignancy" || d.category == "perinatal_neonatal" {
            assert!(!d.themes.contains(&"safe_sleep"));
        }
    }
    // About four in ten with modifiable factors; suicide common among older unexpected teens.
    assert!((900..1600).contains(&modifiable), "{modifiable}");
    assert!(suicide_teen * 100 / teens > 15, "{suicide_teen} of {teens}");
}

#[test]
fn plans_keep_to_the_past_and_to_the_order_of_the_process() {
    let mut rng = super::super::rng(Some(9));
    let today = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap_or_default();
    let (mut signed, mut within_year, mut open) = (0, 0, 0);
    for n in 0..2000 {
        let death = today - days(n % 1100);
        let p = plan(&mut rng, &facts("28-364d", n % 3 == 0, death), today);
        for r in &p.requests {
            assert!(r.requested > death && r.requested <= today);
            assert!(r.closed.is_none_or(|c| c > r.requested && c <= today));
        }
        if let Some(ready) = p.ready {
            assert!(p.cdrm.is_none_or(|c| c > ready));
            assert!(p.panels.iter().all(|(d, _)| *d > ready));
        } else {
            assert!(p.panels.is_empty() && p.cdrm.is_none());
        }
        if let Some(s) = p.signed {
            signed += 1;
            let (reviewed_at, why) = p.panels.last().copied().unwrap_or((today, None));
            assert!(why.is_none() && s >= reviewed_at && s <= today);
            within_year += usize::from(s - death <= days(365));
            assert!(p.closed.is_none_or(|c| c > s && c <= today));
            assert!(!p.ratings.is_empty());
        } else {
            open += 1;
            assert!(p.closed.is_none() && p.action.is_none());
        }
    }
    assert!(signed > 1000 && open > 200, "{signed} signed, {open} open");
    // Most reviews completed within a year of the death, not all.
    let share = within_year * 100 / signed;
    assert!((40..95).contains(&share), "{share}% within a year");
}

#[test]
fn panels_meet_on_the_second_tuesday() {
    let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
    assert_eq!(panel_day(2026, 11), d(2026, 11, 10));
    assert_eq!(next_panel(d(2026, 11, 10)), d(2026, 11, 10));
    assert_eq!(next_panel(d(2026, 11, 11)), d(2026, 12, 8));
    assert_eq!(next_panel(d(2026, 12, 9)), d(2027, 1, 12));
}
