//! Anonymised readers, tried as an attacker would: the child's name, NHS number, address and
//! postcode are planted in every free text a coordinator can write that a panel member can read
//! (meeting location, minutes, the pack's summary and narratives, a saved report's name and
//! description; the agency's narrative carries them all too). Each is refused beside its field;
//! then a panel member opens every page, PDF and file reachable from their home page and none
//! of their bytes holds an identifier. The minutes' refusal and the member's pages are scanned
//! with axe-core in a real browser.

use std::collections::{BTreeSet, VecDeque};

use chrono::{Datelike, TimeDelta};

use cdop::domain::role::Role;

use crate::browser_retention::sign_in;
use crate::browser_review::sign_out;
use crate::common::agent::{Agent, text_of_id, value_of};
use crate::common::browser::Browser;
use crate::common::{Backend, TestApp};
use crate::review::ready_case;

/// Every identifier of the case `ready_case` makes (and of its agency's narrative).
const IDENTIFIERS: &[&str] = &[
    "Zebedee",
    "Quartermaine",
    "9434765919",
    "943 476 5919",
    "CA1 1AA",
    "Example Street",
    "17/05/2019",
    "2019-05-17",
    "17 May 2019",
    "2026-11-20",
    "20 November 2026",
    "Example Surgery",
    "Cumberland Infirmary",
    "Ravensworth",
];

/// What is planted in every field.
const PLANTED: &str =
    "Discussed Zebedee Quartermaine, NHS 943 476 5919, of 1 Example Street, Carlisle CA1 1AA.";

/// The identifiers in `text` (case-insensitive: a PDF's text may change case).
fn found(text: &str) -> Vec<&'static str> {
    let lower = text.to_lowercase();
    IDENTIFIERS.iter().copied().filter(|i| lower.contains(&i.to_lowercase())).collect()
}

/// The text of a download, whatever its kind: a page as it is, a PDF through pdftotext, a zip
/// (report tables, XLSX) entry by entry.
fn readable(kind: &str, bytes: &[u8]) -> String {
    if bytes.starts_with(b"%PDF-") {
        return crate::common::pdf_text(bytes).0;
    }
    if bytes.starts_with(b"PK") {
        let mut out = String::new();
        if let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())) {
            for i in 0..zip.len() {
                if let Ok(mut f) = zip.by_index(i) {
                    let mut buf = Vec::new();
                    let _ = std::io::Read::read_to_end(&mut f, &mut buf);
                    out.push_str(&String::from_utf8_lossy(&buf));
                }
            }
        }
        return out;
    }
    let _ = kind;
    String::from_utf8_lossy(bytes).into_owned()
}

/// Same-site links of a page (`&amp;` unescaped, fragments dropped), leaving out static files
/// and signing out.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|h| h.replace("&amp;", "&"))
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .filter(|h| h.starts_with('/') && !h.starts_with("//"))
        .filter(|h| !h.starts_with("/assets") && !h.starts_with("/static") && !h.contains("logout"))
        .collect()
}

/// Opens every page and file reachable from the home page: (every path opened, the
/// identifiers found in each).
async fn crawl(agent: &Agent) -> (BTreeSet<String>, Vec<(String, Vec<&'static str>)>) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: VecDeque<String> = VecDeque::from(["/".to_string()]);
    let mut leaks = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || seen.len() > 400 {
            continue;
        }
        let (status, kind, bytes) = agent.download(&path).await;
        if !status.is_success() {
            continue;
        }
        let text = readable(&kind, &bytes);
        let hits = found(&text);
        if !hits.is_empty() {
            leaks.push((path.clone(), hits));
        }
        if kind.starts_with("text/html") {
            queue.extend(links(&text).into_iter().filter(|l| !seen.contains(l)));
        }
    }
    (seen, leaks)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panel_member_never_reads_an_identifier_planted_in_any_field() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let area = app.area("Cumberland").await;
    let coordinator = app.signed_in("coordinator@example.org", &[Role::Coordinator], &[area]).await;
    let chair_id = app.user("chair@example.org", &[Role::PanelChair], &[area]).await;
    let member = app.signed_in("member@example.org", &[Role::PanelMember], &[area]).await;
    let member_id = app.user_id("member@example.org").await;
    let reference = ready_case(&app, &coordinator).await;

    // The meeting's place: refused with the finding beside it, then a room.
    let day = app.state.clock.today() + TimeDelta::days(7);
    coordinator.page("/meetings/new").await;
    let (d, mo, y) = (day.day().to_string(), day.month().to_string(), day.year().to_string());
    let (chair_s, member_s, area_s) = (chair_id.to_string(), member_id.to_string(), area.to_string());
    let mut fields = vec![
        ("kind", "panel"),
        ("date.day", d.as_str()),
        ("date.month", mo.as_str()),
        ("date.year", y.as_str()),
        ("time", "10:00"),
        ("duration", "120"),
        ("location", PLANTED),
        ("chair", chair_s.as_str()),
        ("areas", area_s.as_str()),
        ("attendees", member_s.as_str()),
    ];
    let (status, page, _) = coordinator.post_page("/meetings/new", &fields).await;
    assert_eq!(status, 422, "{page}");
    assert!(page.contains("id=\"location-error\""), "{page}");
    fields[6] = ("location", "Room 4, Civic Centre");
    let (status, _, to) = coordinator.post_page("/meetings/new", &fields).await;
    assert_eq!(status, 303);
    let meeting = to.expect("the meeting");
    let (status, _, _) =
        coordinator.post_page(&format!("{meeting}/add"), &[("case", reference.as_str())]).await;
    assert_eq!(status, 303);

    // The pack: the summary and the narrative, each refused with the identifiers typed in.
    let pack_page = format!("/cases/{reference}/pack");
    coordinator.page(&pack_page).await;
    let (status, page, _) = coordinator
        .post_page(&format!("{pack_page}/summary"), &[("version", "0"), ("summary", PLANTED)])
        .await;
    assert_eq!(status, 422, "{page}");
    let (status, _, _) = coordinator
        .post_page(&format!("{pack_page}/summary"), &[("version", "0"), ("summary", "[child] died at home.")])
        .await;
    assert_eq!(status, 303);
    let (_, page) = coordinator.page(&pack_page).await;
    let narrative = value_of(&page, "narrative").expect("a narrative to check");
    let text = text_of_id(&page, &format!("text-{narrative}")).expect("its text");
    let version = value_of(&page, &format!("version-{narrative}")).expect("the narrative's version");
    let field = format!("text-{narrative}");
    let planted = format!("{text} {PLANTED}");
    for typed in [planted.as_str(), text.as_str()] {
        let (status, page, _) = coordinator
            .post_page(
                &format!("{pack_page}/check"),
                &[("narrative", &narrative), ("version", &version), (&field, typed), ("decision", "confirm")],
            )
            .await;
        let expected = if typed == text { 303 } else { 422 };
        assert_eq!(status, expected, "{page}");
    }
    let (_, page) = coordinator.page(&pack_page).await;
    let item = value_of(&page, "item").expect("the publish form");
    assert_eq!(coordinator.post_page(&format!("{pack_page}/publish"), &[("item", &item)]).await.0, 303);

    // A saved report the member can open: its name and its description refused in turn.
    coordinator.page("/reports/custom").await;
    for (name, description) in [(PLANTED, ""), ("Sudden infant deaths", PLANTED)] {
        let fields = crate::anonymity::saved_report(name, description, &area_s);
        let (status, page, _) = coordinator.post_page("/reports/custom", &fields).await;
        assert_eq!(status, 422, "{page}");
    }
    let fields =
        crate::anonymity::saved_report("Sudden infant deaths", "For the safe sleep campaign", &area_s);
    assert_eq!(coordinator.post_page("/reports/custom", &fields).await.0, 303);

    // The minutes, in a real browser: refused with the finding beside the field, what was typed
    // kept; then minutes that refer to the case by its reference.
    let b = Browser::start().await;
    sign_in(&b, &app, "coordinator@example.org").await;
    b.goto(&app.url(&format!("{meeting}/minutes"))).await;
    b.wait_for("Minutes of the meeting").await;
    b.type_into("#minutes", PLANTED).await;
    b.click("#save-minutes").await;
    let page = b.wait_for("There is a problem").await;
    let beside = page
        .split("id=\"minutes-error\"")
        .nth(1)
        .and_then(|s| s.split("</p>").next())
        .unwrap_or_default()
        .to_string();
    assert!(beside.contains("Zebedee Quartermaine") && beside.contains("(known for a case)"), "{beside}");
    assert_eq!(b.value("#minutes").await, PLANTED, "what was typed is kept");
    b.check_page("minutes refused for an identifier").await;
    let minutes = format!("{reference} discussed: [child]'s GP to send the records.");
    b.type_into("#minutes", &minutes).await;
    b.click("#save-minutes").await;
    b.wait_for("Minutes saved").await;
    b.goto(&app.url(&format!("{meeting}/minutes"))).await;
    b.wait_for("GP to send the records.").await;
    sign_out(&b).await;
    assert_eq!(
        app.sql_strings("SELECT CAST(id AS TEXT) FROM meetings WHERE minutes_sealed IS NOT NULL").await.len(),
        1
    );

    // The member reads the meeting, its minutes and the pack in the browser (axe on each)...
    sign_in(&b, &app, "member@example.org").await;
    for (path, text, what) in [
        (meeting.clone(), reference.clone(), "the meeting page for a member"),
        (format!("{meeting}/minutes"), "GP to send the records.".to_string(), "the minutes for a member"),
        (
            format!("{meeting}/cases/{reference}/pack"),
            "[child] died at home.".to_string(),
            "the pack for a member",
        ),
    ] {
        b.goto(&app.url(&path)).await;
        let page = b.wait_for(&text).await;
        assert!(found(&page).is_empty(), "{what}: {:?}", found(&page));
        b.check_page(what).await;
    }

    // ...and then every page and file reachable from their home page: none holds an identifier.
    let (opened, leaks) = crawl(&member).await;
    eprintln!("a panel member opened {} pages and files: {opened:?}", opened.len());
    assert!(leaks.is_empty(), "identifiers a panel member can read: {leaks:?}");
    for must in [
        format!("{meeting}/minutes"),
        format!("{meeting}/cases/{reference}/pack"),
        format!("{meeting}/cases/{reference}/pack.pdf"),
    ] {
        assert!(opened.contains(&must), "{must} was not reached: {opened:?}");
    }
    assert!(opened.iter().any(|p| p.starts_with("/reports/saved/")), "the saved report: {opened:?}");
    assert!(opened.len() > 15, "the crawl reached {} pages: {opened:?}", opened.len());
}
