//! Free text that people who must not see identities read: panel chairs and members (the
//! anonymised roles), admins, partner agencies receiving actions and briefings, and the public
//! reading a saved report's name. Such text can only be stored as a [`Checked`] (or a
//! [`SealedChecked`]), and the only way to make one is [`Checked::check`]: the store's functions
//! for those columns take nothing else, so a new page or API that writes one cannot skip the
//! identifier check.
//!
//! The check is [`crate::domain::redact`]'s: every known identifier of the cases concerned, and
//! identifiers found by their shape (any UK postcode, NHS numbers with a valid check digit, phone
//! numbers, email addresses, dates next to a birth cue, titled names, names next to a
//! relationship word). A certain finding always refuses the text; a *suspected* one (a postcode
//! nobody on the case has, a titled or relationship-adjacent name) refuses it until the writer
//! confirms, word by word, that it identifies no one — a meeting venue's postcode, say.
//!
//! Pure: std only.

use super::redact::{self, Certainty, Identifier};

/// A field's findings travel to the page under this suffix (`minutes.acknowledge`), one suspected
/// text per line, so the page can offer to confirm them.
pub const ACKNOWLEDGE_SUFFIX: &str = ".acknowledge";

/// Text that passed the identifier check (possibly with suspected findings its writer confirmed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Checked {
    text: String,
    confirmed: usize,
}

/// A [`Checked`] text sealed for storage: the only form the store accepts for sealed free text
/// that anonymised readers open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedChecked(Vec<u8>);

/// The label of a finding that is a detail known for a case (a name, a date, an address).
pub const KNOWN: &str = "known for a case";

/// Something the check found: the words as written and what they look like.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub words: String,
    pub label: String,
    /// Found by its shape only: the writer may confirm it identifies no one.
    pub suspected: bool,
}

impl Checked {
    /// Checks `text` against the known identifiers `ids` and every identifier shape. Suspected
    /// findings whose words are in `confirmed` (compared ignoring case and surrounding spaces)
    /// pass; anything else found refuses the text.
    pub fn check(text: &str, ids: &[Identifier], confirmed: &[String]) -> Result<Checked, Vec<Problem>> {
        let mut problems = Vec::new();
        let mut accepted = 0;
        for f in redact::findings(text, ids) {
            let suspected = f.certainty == Certainty::Suspected;
            if suspected && confirmed.iter().any(|c| same_words(c, &f.words)) {
                accepted += 1;
                continue;
            }
            // Whose detail it is stays unsaid: the writer may not be allowed to know (a chair
            // typing a guessed name would otherwise learn it is the child's mother's).
            let label = if f.certainty == Certainty::Known { KNOWN.to_string() } else { f.label };
            let p = Problem { words: f.words, label, suspected };
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
        if problems.is_empty() {
            Ok(Checked { text: text.to_string(), confirmed: accepted })
        } else {
            Err(problems)
        }
    }

    /// Text the service wrote itself (no person's words in it), or an empty value.
    pub fn service_text(text: &str) -> Checked {
        Checked { text: text.to_string(), confirmed: 0 }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// How many suspected findings the writer confirmed (for the audit event).
    pub fn confirmed(&self) -> usize {
        self.confirmed
    }

    /// Seals the text with `seal` (the keyring's).
    pub fn seal<E>(&self, seal: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>) -> Result<SealedChecked, E> {
        seal(self.text.as_bytes()).map(SealedChecked)
    }
}

impl SealedChecked {
    /// A record holding several texts (an analysis's answers, a briefing's points), sealed
    /// together: `record` is serialised by the caller from the texts in `checked`, each of which
    /// passed the check (the proof the store's signature asks for).
    pub fn of_record<E>(
        checked: &[Checked],
        record: &[u8],
        seal: impl FnOnce(&[u8]) -> Result<Vec<u8>, E>,
    ) -> Result<SealedChecked, E> {
        let _ = checked;
        seal(record).map(SealedChecked)
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

fn same_words(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    norm(a) == norm(b)
}

/// The message for a field whose text was refused: every finding, in order.
pub fn message(problems: &[Problem]) -> String {
    let certain: Vec<String> =
        problems.iter().filter(|p| !p.suspected).map(|p| format!("‘{}’ ({})", p.words, p.label)).collect();
    let suspected: Vec<String> =
        problems.iter().filter(|p| p.suspected).map(|p| format!("‘{}’ ({})", p.words, p.label)).collect();
    match (certain.is_empty(), suspected.is_empty()) {
        (false, true) => format!(
            "The text still identifies someone: {}. Replace it with a role label such as [child] or [mother]",
            certain.join(", ")
        ),
        (false, false) => format!(
            "The text still identifies someone: {}. Replace it with a role label such as [child] or [mother]. It may also name someone: {}",
            certain.join(", "),
            suspected.join(", ")
        ),
        _ => format!(
            "This may identify someone: {}. Replace it with a role label such as [mother], or confirm below that it identifies no one",
            suspected.join(", ")
        ),
    }
}

/// The field problems for a refused text, as services report them: the message for `field`,
/// and, when every finding is suspected, the words that may be confirmed under
/// `{field}.acknowledge`.
pub fn field_problems(field: &str, problems: &[Problem]) -> Vec<(String, String)> {
    let mut out = vec![(field.to_string(), message(problems))];
    if problems.iter().all(|p| p.suspected) {
        let words: Vec<&str> = problems.iter().map(|p| p.words.as_str()).collect();
        out.push((format!("{field}{ACKNOWLEDGE_SUFFIX}"), words.join("\n")));
    }
    out
}

/// `text` in runs, with each role label (`[child]`, `[date of birth]`: letters, spaces and
/// hyphens in square brackets) marked, so a page can highlight what the redactor replaced.
pub fn segments(text: &str) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after = &rest[open + 1..];
        let label_end = after.find(']').filter(|end| {
            let inner = &after[..*end];
            (1..=40).contains(&inner.chars().count())
                && inner.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-')
        });
        match label_end {
            Some(end) => {
                if open > 0 {
                    out.push((rest[..open].to_string(), false));
                }
                out.push((rest[open..open + end + 2].to_string(), true));
                rest = &after[end + 1..];
            }
            None => {
                out.push((rest[..open + 1].to_string(), false));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        out.push((rest.to_string(), false));
    }
    // Join neighbouring plain runs.
    let mut joined: Vec<(String, bool)> = Vec::new();
    for (t, marked) in out {
        match joined.last_mut() {
            Some((last, false)) if !marked => last.push_str(&t),
            _ => joined.push((t, marked)),
        }
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::redact::Known;

    fn child() -> Vec<Identifier> {
        vec![Identifier { known: Known::Name("Zebedee Quillfeather".into()), label: "child".into() }]
    }

    #[test]
    fn a_known_identifier_always_refuses_and_clean_text_passes() {
        let problems = Checked::check("Discussed Zebedee at length.", &child(), &["Zebedee".into()])
            .expect_err("a known name cannot be confirmed away");
        assert_eq!(
            problems,
            vec![Problem { words: "Zebedee".into(), label: KNOWN.into(), suspected: false }]
        );
        assert!(
            message(&problems).starts_with("The text still identifies someone: ‘Zebedee’ (known for a case)")
        );
        assert_eq!(field_problems("minutes", &problems).len(), 1, "nothing to confirm");
        let ok = Checked::check("Discussed the case at length.", &child(), &[]).expect("clean");
        assert_eq!(ok.as_str(), "Discussed the case at length.");
        assert_eq!(ok.confirmed(), 0);
    }

    #[test]
    fn a_suspected_finding_passes_only_once_its_words_are_confirmed() {
        let text = "The panel met at the Civic Centre, CA3 8QG.";
        let problems = Checked::check(text, &child(), &[]).expect_err("a postcode by its shape");
        assert!(problems.iter().all(|p| p.suspected), "{problems:?}");
        let fields = field_problems("location", &problems);
        assert_eq!(fields[1], ("location.acknowledge".to_string(), "CA3 8QG".to_string()));
        let ok = Checked::check(text, &child(), &[" ca3  8qg ".into()]).expect("confirmed");
        assert_eq!(ok.confirmed(), 1);
        assert!(Checked::check(text, &child(), &["CA1 1AA".into()]).is_err(), "other words confirm nothing");
    }

    #[test]
    fn segments_mark_each_role_label() {
        let s = segments("[child] was seen by [GP] at [address]; a [bracket] and [x] ok [not-a-label!]");
        let marked: Vec<&str> = s.iter().filter(|(_, m)| *m).map(|(t, _)| t.as_str()).collect();
        assert_eq!(marked, ["[child]", "[GP]", "[address]", "[bracket]", "[x]"]);
        let whole: String = s.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(whole, "[child] was seen by [GP] at [address]; a [bracket] and [x] ok [not-a-label!]");
        assert_eq!(segments("plain"), vec![("plain".to_string(), false)]);
        assert_eq!(segments("[open"), vec![("[open".to_string(), false)]);
    }

    #[test]
    fn sealing_goes_through_the_checked_text() {
        let ok = Checked::check("Plain words.", &[], &[]).expect("clean");
        let sealed = ok.seal(|b| Ok::<_, ()>(b.iter().rev().copied().collect())).expect("sealed");
        assert_eq!(sealed.bytes(), b".sdrow nialP");
    }
}
