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
