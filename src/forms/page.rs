//! The page model: one section of a form as plain data the web layer renders with GOV.UK
//! components (no HTML here).

use super::answers::{Answers, FieldError, Raw, field_name, posted_rows, visible};
use super::definition::{FormVersion, Item, Kind, NOT_APPLICABLE, NOT_KNOWN};

#[derive(Debug, Clone)]
pub struct OptionView {
    pub code: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
    /// "Not known" / "Not applicable": shown after an "or" divider, exclusive in a checkbox list.
    pub exclusive: bool,
}

#[derive(Debug, Clone)]
pub struct ItemView {
    pub key: String,
    /// The posted name (`key`, or `group.ROW.field`).
    pub name: String,
    /// The HTML id (the name with `.` as `-`).
    pub id: String,
    pub kind: &'static str,
    pub label: String,
    pub hint: String,
    pub required: bool,
    pub unit: String,
    pub options: Vec<OptionView>,
    /// "Not known" / "Not applicable" for dates, numbers and text.
    pub status_options: Vec<OptionView>,
    pub value: String,
    pub day: String,
    pub month: String,
    pub year: String,
    pub error: Option<String>,
    /// Rendered but hidden: its condition names an item on this page and does not hold yet.
    pub hidden: bool,
    /// The condition as the page script reads it: the controlling field's name and answers.
    pub show_if_item: String,
    pub show_if_values: String,
    /// A group's rows (each a list of field views) and whether another row may be added.
    pub rows: Vec<Vec<ItemView>>,
    pub can_add_row: bool,
    /// The row to focus when the page is shown again after "Add another" or "Remove".
    pub focus_row: Option<usize>,
    pub decimals: u8,
}

/// Which row of which group the page focuses after "Add another" (the new row) or "Remove" (the
/// row now in its place, or the last one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowFocus {
    pub group: String,
    pub row: usize,
}

/// Marks the focused row on the group it names, among `items`.
pub fn focus(items: &mut [ItemView], target: &RowFocus) {
    for v in items.iter_mut().filter(|v| v.kind == "group" && v.key == target.group) {
        v.focus_row = Some(target.row.min(v.rows.len().saturating_sub(1)));
    }
}

#[derive(Debug, Clone)]
pub struct PageModel {
    pub index: usize,
    pub count: usize,
    pub title: String,
    pub hint: String,
    pub items: Vec<ItemView>,
}

fn values<'a>(raw: &'a Raw, name: &str) -> Vec<&'a str> {
    raw.iter().filter(|(k, _)| k == name).map(|(_, v)| v.as_str()).collect()
}

fn first(raw: &Raw, name: &str) -> String {
    values(raw, name).first().map(|v| v.to_string()).unwrap_or_default()
}

fn view(item: &Item, name: String, raw: &Raw, errors: &[FieldError]) -> ItemView {
    let picked = values(raw, &name);
    let status = first(raw, &format!("{name}-status"));
    let special = |code: &str, label: &str, checked: bool| OptionView {
        code: code.into(),
        label: label.into(),
        hint: String::new(),
        checked,
        exclusive: true,
    };
    let mut options: Vec<OptionView> = match item.kind {
        Kind::YesNoNk => [("yes", "Yes"), ("no", "No")]
            .iter()
            .map(|(c, l)| OptionView {
                code: (*c).into(),
                label: (*l).into(),
                hint: String::new(),
                checked: picked.contains(c),
                exclusive: false,
            })
            .collect(),
        Kind::Choice | Kind::MultiChoice => item
            .options
            .iter()
            .map(|o| OptionView {
                code: o.code.clone(),
                label: o.label.clone(),
                hint: o.hint.clone(),
                checked: picked.contains(&o.code.as_str()),
                exclusive: false,
            })
            .collect(),
        _ => Vec::new(),
    };
    let mut status_options = Vec::new();
    let target = if matches!(item.kind, Kind::YesNoNk | Kind::Choice | Kind::MultiChoice) {
        &mut options
    } else {
        &mut status_options
    };
    let is_status = !matches!(item.kind, Kind::YesNoNk | Kind::Choice | Kind::MultiChoice);
    let checked = |code: &str| if is_status { status == code } else { picked.contains(&code) };
    if item.offers_not_known() {
        target.push(special(NOT_KNOWN, "Not known", checked(NOT_KNOWN)));
    }
    if item.not_applicable {
        target.push(special(NOT_APPLICABLE, "Not applicable", checked(NOT_APPLICABLE)));
    }
    let error = errors
        .iter()
        .find(|e| e.field == name || e.field.starts_with(&format!("{name}-")))
        .map(|e| e.message.clone());
    ItemView {
        key: item.key.clone(),
        id: name.replace('.', "-"),
        kind: item.kind.code(),
        label: item.label.clone(),
        hint: item.hint.clone(),
        required: item.required,
        unit: item.unit.clone().unwrap_or_default(),
        options,
        status_options,
        value: first(raw, &name),
        day: first(raw, &format!("{name}-day")),
        month: first(raw, &format!("{name}-month")),
        year: first(raw, &format!("{name}-year")),
        error,
        hidden: false,
        show_if_item: String::new(),
        show_if_values: String::new(),
        rows: Vec::new(),
        can_add_row: false,
        focus_row: None,
        decimals: item.decimals.unwrap_or(0),
        name,
    }
}

/// The model of section `index` of `version`. `raw` holds the values to show (stored answers, or
/// what was just posted), `answers` the answers conditions are evaluated on, and `errors` the
/// problems to show next to their fields.
pub fn page(
    version: &FormVersion,
    index: usize,
    raw: &Raw,
    answers: &Answers,
    errors: &[FieldError],
) -> Option<PageModel> {
    let sections = version.sections();
    let section = sections.get(index)?;
    let on_page: Vec<&str> = section.items.iter().map(|i| i.key.as_str()).collect();
    let mut items = Vec::new();
    for item in &section.items {
        let shown = visible(item, answers);
        let same_page = item.show_if.as_ref().is_some_and(|c| on_page.contains(&c.item.as_str()));
        if !shown && !same_page {
            continue;
        }
        let mut v = view(item, item.key.clone(), raw, errors);
        if let Some(c) = &item.show_if
            && same_page
        {
            v.hidden = !shown;
            v.show_if_item = c.item.clone();
            v.show_if_values = c.any_of.join(" ");
        }
        if item.kind == Kind::Group {
            let n = posted_rows(raw, &item.key).max(1);
            v.rows = (0..n)
                .map(|row| {
                    item.fields
                        .iter()
                        .map(|f| view(f, field_name(f, Some((&item.key, row))), raw, errors))
                        .collect()
                })
                .collect();
            v.can_add_row = n < item.max_rows.unwrap_or(50) as usize;
            v.value = n.to_string();
        }
        items.push(v);
    }
    Some(PageModel {
        index,
        count: sections.len(),
        title: section.heading.label.clone(),
        hint: section.heading.hint.clone(),
        items,
    })
}

/// Items of section `index` shown now but not on the page the user last saw: a follow-up the
/// answers just revealed (without JavaScript the page shows it after "Continue").
pub fn newly_revealed(version: &FormVersion, index: usize, before: &Answers, after: &Answers) -> bool {
    version.sections().get(index).is_some_and(|s| {
        s.items.iter().any(|i| {
            i.show_if.is_some() && visible(i, after) && !visible(i, before) && !after.contains_key(&i.key)
        })
    })
}
