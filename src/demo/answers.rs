//! Plausible answers to any agency form: every visible question answered, sometimes "Not known",
//! now and then left blank, as real returns are. Pure; checked against every shipped definition.

use chrono::{NaiveDate, TimeDelta};
use rand::RngExt;
use rand::rngs::StdRng;

use super::chance;
use crate::forms::answers::{Answer, Answers};
use crate::forms::definition::{FormVersion, Item, Kind, NOT_APPLICABLE, NOT_KNOWN, TextFormat};

/// Plausible answers to an agency form of any definition: every visible question answered,
/// sometimes "Not known", now and then left blank, as real returns are.
pub fn form_answers(rng: &mut StdRng, version: &FormVersion, death: NaiveDate) -> Answers {
    let mut a = Answers::new();
    for item in version.items.iter().filter(|i| i.is_question()) {
        if !crate::forms::answers::visible(item, &a) {
            continue;
        }
        if !item.required && chance(rng, 4) {
            continue;
        }
        if let Some(answer) = answer(rng, item, death) {
            a.insert(item.key.clone(), answer);
        }
    }
    crate::forms::answers::prune(version, &mut a);
    a
}

/// One of the item's options, at random (the item has some).
fn option(rng: &mut StdRng, item: &Item) -> String {
    item.options[rng.random_range(0..item.options.len())].code.clone()
}

fn answer(rng: &mut StdRng, item: &Item, death: NaiveDate) -> Option<Answer> {
    if item.offers_not_known() && chance(rng, 8) {
        return Some(Answer::Code(NOT_KNOWN.into()));
    }
    if item.not_applicable && chance(rng, 3) {
        return Some(Answer::Code(NOT_APPLICABLE.into()));
    }
    Some(match item.kind {
        Kind::Heading => return None,
        Kind::YesNoNk => Answer::Code(if chance(rng, 50) { "yes" } else { "no" }.into()),
        Kind::Choice if item.options.is_empty() => return None,
        Kind::Choice => Answer::Code(option(rng, item)),
        Kind::MultiChoice if item.options.is_empty() => return None,
        Kind::MultiChoice => {
            let mut codes: Vec<String> = Vec::new();
            for _ in 0..rng.random_range(1..3) {
                let c = option(rng, item);
                if !codes.contains(&c) {
                    codes.push(c);
                }
            }
            // Kept in the definition's order, as the page posts them.
            codes.sort_by_key(|c| item.options.iter().position(|o| &o.code == c));
            Answer::Codes(codes)
        }
        Kind::Date => Answer::Date(death - TimeDelta::days(rng.random_range(0..60))),
        Kind::Number => {
            let (lo, hi) = (item.min.unwrap_or(0.0), item.max.unwrap_or(100.0).max(item.min.unwrap_or(0.0)));
            let x = lo + (hi - lo) * rng.random_range(0..1000) as f64 / 1000.0;
            let places = usize::from(item.decimals.unwrap_or(0));
            let s = format!("{x:.places$}");
            Answer::Number(s)
        }
        Kind::Text if item.format == Some(TextFormat::Icd10) => Answer::Text("R99".into()),
        Kind::Text if item.format == Some(TextFormat::GravidityParity) => Answer::Text("G2 P1".into()),
        Kind::Text => Answer::Text("Synthetic answer".into()),
        Kind::Narrative => Answer::Text(
            "Synthetic narrative for demonstration. It describes no real child or family.".into(),
        ),
        Kind::Group => {
            let n = rng.random_range(0..3usize).min(item.max_rows.unwrap_or(3) as usize);
            if n == 0 {
                return None;
            }
            let rows = (0..n)
                .map(|_| {
                    item.fields
                        .iter()
                        .filter_map(|f| answer(rng, f, death).map(|a| (f.key.clone(), a)))
                        .collect()
                })
                .collect();
            Answer::Rows(rows)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::answers::{missing_required, read_items, to_raw};

    #[test]
    fn synthetic_agency_answers_pass_every_form_definition() {
        let reg = super::super::shipped_forms();
        let mut rng = super::super::rng(Some(5));
        let death = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap_or_default();
        let mut forms = 0;
        for (_, versions) in reg.forms() {
            for version in versions.iter().filter(|v| v.family != crate::forms::definition::Family::Analysis)
            {
                forms += 1;
                for n in 0..50 {
                    let a = form_answers(&mut rng, version, death);
                    let items: Vec<&Item> = version.items.iter().collect();
                    let (_, errors) = read_items(&items, &to_raw(version, &a));
                    assert!(errors.is_empty(), "{} {} #{n}: {errors:?}", version.code, version.version);
                    assert!(missing_required(version, &a).is_empty(), "{} #{n}", version.code);
                }
            }
        }
        assert!(forms >= 8, "{forms}");
    }
}
