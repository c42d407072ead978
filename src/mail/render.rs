//! Email bodies from templates under `templates/email/`, plain text and HTML. Only the case
//! reference, the area and a link go in: never a name, NHS number, date of birth, address or
//! circumstances.

use askama::Template;

/// A rendered email, ready to queue.
#[derive(Debug, Clone)]
pub struct RenderedEmail {
    pub template: &'static str,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// An `.ics` calendar invitation to attach.
    pub calendar: Option<String>,
}

#[derive(Template)]
#[template(path = "email/case.txt")]
struct CaseText<'a> {
    intro: &'a str,
    reference: &'a str,
    area: &'a str,
    link: &'a str,
    action: &'a str,
}

#[derive(Template)]
#[template(path = "email/case.html")]
struct CaseHtml<'a> {
    intro: &'a str,
    reference: &'a str,
    area: &'a str,
    link: &'a str,
    action: &'a str,
}

fn case_email(
    template: &'static str,
    subject: String,
    intro: &str,
    reference: &str,
    area: &str,
    link: &str,
    action: &str,
) -> askama::Result<RenderedEmail> {
    Ok(RenderedEmail {
        template,
        subject,
        text: CaseText { intro, reference, area, link, action }.render()?,
        html: CaseHtml { intro, reference, area, link, action }.render()?,
        calendar: None,
    })
}

/// To designated doctors and coordinators: a new (or newly accepted) notification.
pub fn new_notification(reference: &str, area: &str, base_url: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "new_notification",
        format!("New child death notification {reference} ({area})"),
        "A child death has been notified to the Child Death Overview Panel.",
        reference,
        area,
        &format!("{base_url}/cases/{reference}"),
        "Sign in to see the notification and start the review.",
    )
}

/// To admins: the periodic access review is due.
pub fn access_review_due(base_url: &str, due: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "access_review_due",
        "The access review is due".to_string(),
        &format!("The periodic review of who can use the CDOP service was due on {due}."),
        "Access review",
        "All areas",
        &format!("{base_url}/admin/access-review"),
        "Sign in, check every account's roles, areas and recent use, and record the review.",
    )
}

/// To admins: someone signed in through a single sign-on provider and was given an account
/// that waits for an admin to approve it (no name or address: the page shows them).
pub fn account_awaiting_approval(
    base_url: &str,
    user_id: i64,
    provider: &str,
) -> askama::Result<RenderedEmail> {
    case_email(
        "account_awaiting_approval",
        "An account is waiting for approval".to_string(),
        &format!(
            "Someone signed in with {provider} who had no account in the CDOP service. An account was set up for them, disabled until an admin approves it."
        ),
        "Account approval",
        "All areas",
        &format!("{base_url}/admin/users/{user_id}"),
        "Sign in, check who they are, then enable the account and give it roles and areas (or leave it disabled).",
    )
}

/// To coordinators: a notification sent without an account is waiting for triage.
pub fn waiting_for_triage(reference: &str, area: &str, base_url: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "waiting_for_triage",
        format!("Notification {reference} is waiting for triage ({area})"),
        "A professional without an account has notified a child death. It needs to be accepted or rejected.",
        reference,
        area,
        &format!("{base_url}/triage"),
        "Sign in to triage it.",
    )
}

/// To whoever notified through the public form: a receipt carrying only the reference.
pub fn receipt(reference: &str, area: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "receipt",
        format!("Child death notification received: {reference}"),
        "Thank you. The Child Death Overview Panel has received your notification. Quote the reference below if you contact the panel about it.",
        reference,
        area,
        "",
        "You do not need to do anything else now. The panel's coordinator may contact you for more information.",
    )
}

/// What a form email is about: the case reference, the area, the agency, the form and its due date
/// (never anything about the child).
pub struct FormMail<'a> {
    pub reference: &'a str,
    pub area: &'a str,
    pub agency: &'a str,
    pub form: &'a str,
    /// The due date in words ("8 January 2027").
    pub due: &'a str,
}

/// To an agency professional: the single-use link to one form of one case.
pub fn form_request(m: &FormMail<'_>, link: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "form_request",
        format!("Information requested for child death review {} (due {})", m.reference, m.due),
        &format!(
            "The Child Death Overview Panel asks {} to complete the {} for case {} by {}. The link below opens the form for this case only; you do not need an account. You can save your answers and come back with the same link until you submit.",
            m.agency, m.form, m.reference, m.due
        ),
        m.reference,
        m.area,
        link,
        "The link works until the form is submitted or it expires. Do not forward this email: the link is for you only.",
    )
}

/// To an agency professional: a reminder carrying the form's link (sealed with the request, so a
/// reminder can repeat it; `None` for requests made before links were kept, which point to the
/// first email instead).
pub fn form_reminder(
    m: &FormMail<'_>,
    requested_on: &str,
    overdue: bool,
    link: Option<&str>,
) -> askama::Result<RenderedEmail> {
    let (subject, first) = if overdue {
        (
            format!("Overdue: information for child death review {}", m.reference),
            format!("The {} for case {} was due from {} on {}.", m.form, m.reference, m.agency, m.due),
        )
    } else {
        (
            format!("Reminder: information for child death review {} is due {}", m.reference, m.due),
            format!(
                "A reminder that the {} for case {} is due from {} by {}.",
                m.form, m.reference, m.agency, m.due
            ),
        )
    };
    let after = "If your agency had no involvement with the child or family, contact the panel's coordinator and quote the case reference.";
    match link {
        Some(link) => case_email(
            "form_reminder",
            subject,
            &format!(
                "{first} The link below opens the form where you left off; anything you saved is kept (the panel first asked on {requested_on})."
            ),
            m.reference,
            m.area,
            link,
            &format!("{after} Do not forward this email: the link is for you only."),
        ),
        None => case_email(
            "form_reminder",
            subject,
            &format!(
                "{first} Open the form with the link in the email the panel sent you on {requested_on} (subject: Information requested for child death review {}).",
                m.reference
            ),
            m.reference,
            m.area,
            "",
            &format!("{after} If you cannot find that email, the coordinator can send a new link."),
        ),
    }
}

/// To an agency professional who submitted a form: the receipt (reference, date, what was sent).
pub fn form_receipt(m: &FormMail<'_>, submitted_on: &str, what: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "form_receipt",
        format!("Received: {} for child death review {}", m.form, m.reference),
        &format!(
            "Thank you. The Child Death Overview Panel received the {} from {} for case {} on {submitted_on}. {what}",
            m.form, m.agency, m.reference
        ),
        m.reference,
        m.area,
        "",
        "You do not need to do anything else. Quote the case reference if you contact the panel about it. The link in the panel's emails no longer opens the form.",
    )
}

/// To the case's coordinators: an agency submitted its form.
pub fn form_submitted(m: &FormMail<'_>, base_url: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "form_submitted",
        format!("Form submitted for case {} ({})", m.reference, m.agency),
        &format!("{} has submitted the {} for case {}.", m.agency, m.form, m.reference),
        m.reference,
        m.area,
        &format!("{base_url}/cases/{}/requests", m.reference),
        "Sign in to see the information requested for this case.",
    )
}

/// To the case's coordinators: a form is still overdue after the configured reminders.
pub fn form_overdue(m: &FormMail<'_>, reminders: u32, base_url: &str) -> askama::Result<RenderedEmail> {
    case_email(
        "form_overdue",
        format!("Overdue form for case {} ({})", m.reference, m.agency),
        &format!(
            "The {} for case {} was due from {} on {} and is still outstanding after {reminders} reminders.",
            m.form, m.reference, m.agency, m.due
        ),
        m.reference,
        m.area,
        &format!("{base_url}/outstanding"),
        "Sign in to see outstanding information and chase it.",
    )
}

/// To a meeting's attendees: the invitation (the calendar file is attached by the caller). The
/// "reference" line lists the case references on the agenda; nothing identifies a child.
pub fn meeting_invitation(
    kind: &str,
    when: &str,
    location: &str,
    references: &str,
    areas: &str,
    link: &str,
) -> askama::Result<RenderedEmail> {
    case_email(
        "meeting_invitation",
        format!("Invitation: {kind}, {when}"),
        &format!(
            "You are invited to the {kind} on {when}. Place or video link: {location}. A calendar invitation is attached."
        ),
        references,
        areas,
        link,
        "Sign in to see the agenda. Anonymised case packs open to attendees once published.",
    )
}

/// To an action's owner: an action from the panel's review, or a reminder that it is overdue.
pub fn action_email(
    reference: &str,
    area: &str,
    description: &str,
    due: &str,
    overdue: bool,
    link: Option<&str>,
) -> askama::Result<RenderedEmail> {
    let (template, subject, first) = if overdue {
        (
            "action_overdue",
            format!("Overdue action {reference} from the Child Death Overview Panel"),
            format!("Action {reference} was due on {due} and is not yet marked implemented."),
        )
    } else {
        (
            "action_assigned",
            format!("Action {reference} from the Child Death Overview Panel (due {due})"),
            format!(
                "The Child Death Overview Panel has asked your organisation to take action {reference} by {due}."
            ),
        )
    };
    case_email(
        template,
        subject,
        &format!("{first} The action: {description}"),
        reference,
        area,
        link.unwrap_or(""),
        if link.is_some() {
            "Use the link to tell the panel how the action is going, or that it is implemented: no account is needed. Do not forward this email: the link is for the action's owner."
        } else {
            "Reply to the panel's coordinator (quoting the action reference) with progress, or when it is implemented."
        },
    )
}

/// To a partner agency on the distribution list: a learning briefing to read and acknowledge.
pub fn briefing_email(title: &str, area: &str, link: &str, reminder: bool) -> askama::Result<RenderedEmail> {
    let subject = if reminder {
        format!("Reminder: please acknowledge the learning briefing ‘{title}’")
    } else {
        format!("Learning briefing from the Child Death Overview Panel: {title}")
    };
    case_email(
        if reminder { "briefing_reminder" } else { "briefing" },
        subject,
        "The Child Death Overview Panel shares what it has learned from the reviews it completed, so that it is acted on locally. The link below opens the briefing; please read it and acknowledge receipt there.",
        title,
        area,
        link,
        "The link is for you only: do not forward this email. Share the briefing itself (it contains no personal details) with colleagues who should act on it.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_reference_area_and_link_only() {
        let e =
            new_notification("CDOP-2026-0001", "Cumberland", "https://cdop.example.org").expect("renders");
        assert!(e.subject.contains("CDOP-2026-0001") && e.subject.contains("Cumberland"));
        assert!(e.text.contains("https://cdop.example.org/cases/CDOP-2026-0001"));
        assert!(e.html.contains("href=\"https://cdop.example.org/cases/CDOP-2026-0001\""));
        let r = receipt("CDOP-2026-0002", "Cumberland").expect("renders");
        assert!(!r.text.contains("http"), "receipts carry no link");
    }
}
