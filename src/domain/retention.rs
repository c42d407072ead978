//! Retention rules, pure: what a policy is, which policies apply to a case, and the date its
//! identifying data falls due. No storage, no keys: callers hand in the trigger dates they know.
//!
//! A case's due date is the **latest** date among the active policies that apply to its area
//! (policies naming the area, and policies for every area): keeping data longer than one rule
//! asks is safe, destroying it before another rule allows is not. While a process trigger
//! (review completion, case closure) has not happened yet, the due date is not known. Due dates
//! from the date of birth or of death are rounded up to the last day of their month, so the
//! stored (clear) date never gives away the sealed date it was computed from.

use chrono::{Datelike, Months, NaiveDate};

use crate::domain::codes::coded_enum;

coded_enum!(
    /// The date a policy counts from.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    Trigger {
        DateOfBirth = "date_of_birth", "The child's date of birth";
        DateOfDeath = "date_of_death", "The date of death";
        ReviewCompleted = "review_completed", "Review completion (the chair's sign-off)";
        CaseClosed = "case_closed", "Case closure";
    }
);

impl Trigger {
    /// Whether the trigger date is sealed (so only the service, opening the record, knows it).
    pub fn is_sealed(self) -> bool {
        matches!(self, Trigger::DateOfBirth | Trigger::DateOfDeath)
    }

    /// Short form for tables: "date of birth".
    pub fn short(self) -> &'static str {
        match self {
            Trigger::DateOfBirth => "date of birth",
            Trigger::DateOfDeath => "date of death",
            Trigger::ReviewCompleted => "review completion",
            Trigger::CaseClosed => "case closure",
        }
    }
}

coded_enum!(
    /// What happens when a case falls due.
    #[derive(serde::Serialize, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    RetentionAction {
        Destroy = "destroy", "Destroy identifying data (keep the statistical record)";
        Review = "review", "Flag for review";
    }
);

coded_enum!(
    /// What a legal hold covers.
    HoldScope {
        Case = "case", "One case";
        AreaDates = "area_dates", "Cases of an area notified between two dates";
        Theme = "theme", "Cases with a theme";
    }
);

coded_enum!(
    /// Where a case stands in the destruction queue.
    EntryStatus {
        Due = "due", "Due: waiting to be queued";
        Queued = "queued", "Queued: waiting for approval";
        Approved = "approved", "Approved: being destroyed";
        Destroyed = "destroyed", "Destroyed";
        Excluded = "excluded", "Excluded";
        Withdrawn = "withdrawn", "Withdrawn";
    }
);

impl EntryStatus {
    /// Still in the queue (the case has one open entry at most).
    pub fn is_open(self) -> bool {
        matches!(self, EntryStatus::Due | EntryStatus::Queued | EntryStatus::Approved)
    }
}

coded_enum!(
    /// The outcome an admin records for an access review.
    ReviewOutcome {
        NoChanges = "no_changes", "Every account is still needed as it is";
        ChangesMade = "changes_made", "Changes were made (accounts disabled, roles or areas changed)";
        FollowUp = "follow_up", "Follow-up needed (described in the notes)";
    }
);

/// A retention policy as the rules need it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub id: i64,
    pub name: String,
    pub trigger: Trigger,
    pub years: u32,
    pub months: u32,
    pub action: RetentionAction,
    /// Every area, or only `areas`.
    pub all_areas: bool,
    pub areas: Vec<i64>,
    pub active: bool,
}

impl Policy {
    pub fn applies_to(&self, area_id: i64) -> bool {
        self.active && (self.all_areas || self.areas.contains(&area_id))
    }

    /// "26 years", "10 years and 6 months", "9 months".
    pub fn period_words(&self) -> String {
        period_words(self.years, self.months)
    }

    /// "Closure plus: 3 years after the case closure, then destroy identifying data (…)".
    pub fn rule_words(&self) -> String {
        format!(
            "{}: {} after the {}, then {}",
            self.name,
            self.period_words(),
            self.trigger.short(),
            self.action.label().to_lowercase()
        )
    }

    /// The due date counted from `trigger` (see the module notes on rounding).
    pub fn due_from(&self, trigger: NaiveDate) -> Option<NaiveDate> {
        let due = trigger.checked_add_months(Months::new(self.years * 12 + self.months))?;
        if self.trigger.is_sealed() { end_of_month(due) } else { Some(due) }
    }
}

pub fn period_words(years: u32, months: u32) -> String {
    let y = match years {
        0 => String::new(),
        1 => "1 year".to_string(),
        n => format!("{n} years"),
    };
    let m = match months {
        0 => String::new(),
        1 => "1 month".to_string(),
        n => format!("{n} months"),
    };
    match (y.is_empty(), m.is_empty()) {
        (false, false) => format!("{y} and {m}"),
        (true, false) => m,
        _ => y,
    }
}

fn end_of_month(d: NaiveDate) -> Option<NaiveDate> {
    let first_next = if d.month() == 12 {
        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)?
    };
    first_next.pred_opt()
}

/// The trigger dates known for one case (the sealed ones only when the caller opened the record).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Triggers {
    pub date_of_birth: Option<NaiveDate>,
    pub date_of_death: Option<NaiveDate>,
    pub review_completed: Option<NaiveDate>,
    pub closed: Option<NaiveDate>,
}

impl Triggers {
    pub fn get(&self, t: Trigger) -> Option<NaiveDate> {
        match t {
            Trigger::DateOfBirth => self.date_of_birth,
            Trigger::DateOfDeath => self.date_of_death,
            Trigger::ReviewCompleted => self.review_completed,
            Trigger::CaseClosed => self.closed,
        }
    }
}

/// A case's retention outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `None` while it cannot be known (no policy applies, or a trigger has not happened yet).
    pub due_on: Option<NaiveDate>,
    /// The policy that gave the date (the latest one).
    pub policy_id: Option<i64>,
}

/// Whether any policy that applies to the area counts from a sealed date (so the record must be
/// opened to compute it).
pub fn needs_sealed(policies: &[Policy], area_id: i64) -> bool {
    policies.iter().any(|p| p.applies_to(area_id) && p.trigger.is_sealed())
}

/// The due date of a case in `area_id` with the `known` triggers. While any applicable policy's
/// date is not known (a step still to come, a date of birth not recorded, a record that did not
/// open) the latest date cannot be known, so neither can the due date. `override_on` (a date an
/// approver set when excluding the case) can only put the date later, never earlier.
pub fn decide(
    policies: &[Policy],
    area_id: i64,
    known: &Triggers,
    override_on: Option<NaiveDate>,
) -> Decision {
    let mut latest: Option<(NaiveDate, i64)> = None;
    for p in policies.iter().filter(|p| p.applies_to(area_id)) {
        let Some(due) = known.get(p.trigger).and_then(|t| p.due_from(t)) else {
            return Decision { due_on: None, policy_id: None };
        };
        if latest.is_none_or(|(d, _)| due > d) {
            latest = Some((due, p.id));
        }
    }
    match latest {
        Some((d, id)) => Decision { due_on: Some(override_on.map_or(d, |o| o.max(d))), policy_id: Some(id) },
        None => Decision { due_on: None, policy_id: None },
    }
}

/// A policy as typed in the form, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInput {
    pub name: String,
    pub trigger: Trigger,
    pub years: u32,
    pub months: u32,
    pub action: RetentionAction,
    pub all_areas: bool,
    pub areas: Vec<i64>,
}

/// Checks what was typed; `Err` lists (field, message) in form order.
pub fn parse_policy(
    name: &str,
    trigger: &str,
    years: &str,
    months: &str,
    action: &str,
    all_areas: bool,
    areas: &[i64],
) -> Result<PolicyInput, Vec<(String, String)>> {
    let mut problems = Vec::new();
    let name = match crate::domain::text::one_line(name, 120, "Enter a name for the policy", "The name") {
        Ok(n) => n,
        Err(m) => {
            problems.push(("name".into(), m));
            String::new()
        }
    };
    let trigger = Trigger::parse(trigger);
    if trigger.is_none() {
        problems.push(("trigger".into(), "Choose the date the policy counts from".into()));
    }
    let number = |field: &str, v: &str, max: u32, what: &str, problems: &mut Vec<(String, String)>| {
        let v = v.trim();
        if v.is_empty() {
            return Some(0);
        }
        match v.parse::<u32>() {
            Ok(n) if n <= max => Some(n),
            Ok(_) => {
                problems.push((field.into(), format!("{what} must be {max} or fewer")));
                None
            }
            Err(_) => {
                problems.push((field.into(), format!("{what} must be a whole number, like 6")));
                None
            }
        }
    };
    let y = number("years", years, 150, "Years", &mut problems);
    let m = number("months", months, 11, "Months", &mut problems);
    if let (Some(0), Some(0)) = (y, m) {
        problems.push(("years".into(), "Enter how long to keep the data: at least 1 month".into()));
    }
    let action = RetentionAction::parse(action);
    if action.is_none() {
        problems.push(("action".into(), "Choose what happens when a case falls due".into()));
    }
    if !all_areas && areas.is_empty() {
        problems.push(("areas".into(), "Choose the areas the policy applies to, or every area".into()));
    }
    match (trigger, y, m, action) {
        (Some(trigger), Some(years), Some(months), Some(action)) if problems.is_empty() => Ok(PolicyInput {
            name,
            trigger,
            years,
            months,
            action,
            all_areas,
            areas: if all_areas { Vec::new() } else { areas.to_vec() },
        }),
        _ => Err(problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    fn policy(id: i64, trigger: Trigger, years: u32, months: u32, areas: &[i64]) -> Policy {
        Policy {
            id,
            name: format!("p{id}"),
            trigger,
            years,
            months,
            action: RetentionAction::Destroy,
            all_areas: areas.is_empty(),
            areas: areas.to_vec(),
            active: true,
        }
    }

    #[test]
    fn sealed_triggers_round_to_the_end_of_the_month_and_process_triggers_do_not() {
        let dob = policy(1, Trigger::DateOfBirth, 26, 0, &[]);
        assert_eq!(dob.due_from(d(2010, 2, 3)), Some(d(2036, 2, 29)), "2036 is a leap year");
        assert_eq!(dob.due_from(d(2010, 12, 31)), Some(d(2036, 12, 31)));
        let closed = policy(2, Trigger::CaseClosed, 10, 6, &[]);
        assert_eq!(closed.due_from(d(2020, 8, 31)), Some(d(2031, 2, 28)), "month end clamps");
        assert_eq!(closed.period_words(), "10 years and 6 months");
        assert_eq!(policy(3, Trigger::CaseClosed, 0, 1, &[]).period_words(), "1 month");
    }

    #[test]
    fn the_latest_applicable_date_wins_and_a_pending_process_trigger_leaves_it_unknown() {
        let policies = vec![
            policy(1, Trigger::DateOfBirth, 26, 0, &[]),
            policy(2, Trigger::CaseClosed, 30, 0, &[7]),
            Policy { active: false, ..policy(3, Trigger::DateOfDeath, 99, 0, &[]) },
        ];
        let born = Triggers { date_of_birth: Some(d(2010, 5, 4)), ..Triggers::default() };
        // Area 1: only the all-areas policy applies.
        assert_eq!(
            decide(&policies, 1, &born, None),
            Decision { due_on: Some(d(2036, 5, 31)), policy_id: Some(1) }
        );
        // Area 7: closure + 30 also applies, but the case is not closed yet.
        assert_eq!(decide(&policies, 7, &born, None).due_on, None);
        let closed = Triggers { closed: Some(d(2012, 1, 10)), ..born };
        assert_eq!(
            decide(&policies, 7, &closed, None),
            Decision { due_on: Some(d(2042, 1, 10)), policy_id: Some(2) }
        );
        // An approver's date puts it later, never earlier.
        assert_eq!(decide(&policies, 1, &born, Some(d(2040, 1, 1))).due_on, Some(d(2040, 1, 1)));
        assert_eq!(decide(&policies, 1, &born, Some(d(2030, 1, 1))).due_on, Some(d(2036, 5, 31)));
        // No date of birth recorded (or the record did not open): not known, even when another
        // policy's date is.
        assert_eq!(decide(&policies, 1, &Triggers::default(), None).due_on, None);
        let closed_only = Triggers { closed: Some(d(2012, 1, 10)), ..Triggers::default() };
        assert_eq!(decide(&policies, 7, &closed_only, None).due_on, None);
        assert!(needs_sealed(&policies, 1));
        assert!(!needs_sealed(&policies[1..2], 7));
    }

    #[test]
    fn policy_input_problems_are_named_by_field() {
        let ok = parse_policy(" Closure ", "case_closed", "10", "", "destroy", false, &[2]).expect("valid");
        assert_eq!((ok.name.as_str(), ok.years, ok.months, ok.areas.clone()), ("Closure", 10, 0, vec![2]));
        let bad = parse_policy("", "later", "ten", "12", "burn", false, &[]).expect_err("invalid");
        let fields: Vec<&str> = bad.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(fields, ["name", "trigger", "years", "months", "action", "areas"]);
        let zero = parse_policy("Z", "case_closed", "0", "0", "review", true, &[]).expect_err("zero");
        assert_eq!(zero[0].1, "Enter how long to keep the data: at least 1 month");
    }
}
