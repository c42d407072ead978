//! The statutory dataset export: the anonymised variant holds no identifier (checked in the raw
//! bytes and in every file inside), and keys cases by a pseudonym stable per recipient; the full
//! variant opens only with the `age` CLI and the recipient's identity. Both audited.

use std::io::Read;

use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::{Backend, TestApp, notification};

const NHS: [&str; 3] = ["9434765919", "9434765870", "9434765862"];

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).expect("entry");
            let mut text = String::new();
            f.read_to_string(&mut text).expect("utf-8");
            (f.name().map(|n| n.to_string()).unwrap_or_default(), text)
        })
        .collect()
}

both_backends!(dataset_exports_anonymised_and_sealed_to_the_recipient, |backend: Backend| async move {
    let app = TestApp::spawn(backend).await;
    let north = app.area("Northshire").await;
    let token = app.token_for("notifier@example.org", &[Role::Coordinator], &[north]).await;
    for nhs in NHS {
        let (status, body) = app
            .notify_api(&token, &notification("Northshire", "Zebedee", "Quillfeather", nhs, "ZZ9 9ZZ"))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let year = cdop::domain::dates::ReportingYear::of(app.state.clock.today()).0.to_string();
    let env = [("CDOP__DATABASE__URL", app.db.url.as_str())];
    let generated =
        crate::common::process::run(&app.dir, &env, &["keys", "generate", "--out", "recipient.txt"]);
    assert!(generated.status.success(), "{}", String::from_utf8_lossy(&generated.stderr));
    let identity = std::fs::read_to_string(app.dir.join("recipient.txt")).expect("identity");
    let public = identity
        .lines()
        .find_map(|l| l.strip_prefix("# public key: "))
        .expect("the public key line")
        .to_string();
    std::fs::write(
        app.dir.join("export.toml"),
        format!("[exports]\nrecipients = [{{ name = \"ncmd\", recipient = \"{public}\" }}, {{ name = \"other\", recipient = \"{public}\" }}]\n"),
    )
    .expect("config");
    let export = |args: &[&str]| {
        let mut all = vec!["--config", "export.toml", "export", "dataset", "--from", &year, "--to", &year];
        all.extend_from_slice(args);
        crate::common::process::run(&app.dir, &env, &all)
    };

    // Anonymised: no identifier anywhere, a pseudonym per recipient.
    let out = export(&["--recipient", "ncmd", "--out", "anon.zip"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let raw = std::fs::read(app.dir.join("anon.zip")).expect("written");
    let files = unzip(&raw);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["cases.csv", "analysis_answers.csv", "form_answers.csv", "data_dictionary.csv"]);
    let identifiers = [
        "Zebedee",
        "Quillfeather",
        "ZZ9 9ZZ",
        "ZZ99ZZ",
        NHS[0],
        NHS[1],
        NHS[2],
        "943 476 5919",
        "1 Example Street",
        "Example Surgery",
        "Cumberland Infirmary",
        "2019-05-17",
        "2026-11-20",
    ];
    for id in identifiers {
        assert!(!raw.windows(id.len()).any(|w| w == id.as_bytes()), "{id} in the raw bytes");
        for (name, text) in &files {
            assert!(!text.contains(id), "{id} in {name}");
        }
    }
    let references = app.sql_strings("SELECT reference FROM cases").await;
    let cases = &files[0].1;
    for r in &references {
        assert!(!cases.contains(r.as_str()), "the case reference is not in the anonymised export");
    }
    assert_eq!(cases.lines().count(), 4, "a header and three cases: {cases}");
    let keys_of = |text: &str| -> Vec<String> {
        text.lines().skip(1).map(|l| l.split(',').next().unwrap_or("").to_string()).collect()
    };
    let ncmd_keys = keys_of(cases);
    let again = export(&["--recipient", "ncmd", "--out", "again.zip"]);
    assert!(again.status.success());
    assert_eq!(
        keys_of(&unzip(&std::fs::read(app.dir.join("again.zip")).expect("written"))[0].1),
        ncmd_keys,
        "stable per recipient"
    );
    let other = export(&["--recipient", "other", "--out", "other.zip"]);
    assert!(other.status.success());
    let other_keys = keys_of(&unzip(&std::fs::read(app.dir.join("other.zip")).expect("written"))[0].1);
    assert!(other_keys.iter().all(|k| !ncmd_keys.contains(k)), "another recipient's keys differ");
    assert!(files[3].1.contains("case_key") && files[3].1.contains("factors.grade"), "the dictionary");

    // Full: an age file that opens with the recipient's identity only.
    let out = export(&["--recipient", "ncmd", "--full", "--out", "full.age"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let sealed = std::fs::read(app.dir.join("full.age")).expect("written");
    assert!(sealed.starts_with(b"age-encryption.org/v1"), "an age file");
    for id in identifiers {
        assert!(!sealed.windows(id.len()).any(|w| w == id.as_bytes()), "{id} in the ciphertext");
    }
    let opened = std::process::Command::new("age")
        .args(["-d", "-i", "recipient.txt", "full.age"])
        .current_dir(&app.dir)
        .output()
        .expect("the age CLI (Debian age) is needed by the tests");
    assert!(opened.status.success(), "{}", String::from_utf8_lossy(&opened.stderr));
    let files = unzip(&opened.stdout);
    let identities = &files.iter().find(|(n, _)| n == "identities.csv").expect("identities").1;
    assert!(
        identities.contains("Zebedee") && identities.contains(NHS[1]) && identities.contains(&references[0]),
        "{identities}"
    );
    assert_eq!(keys_of(identities), ncmd_keys, "the identities join the cases by the same key");
    let wrong = std::process::Command::new("age")
        .args(["-d", "-i", "data/keys/identity.age.txt", "full.age"])
        .current_dir(&app.dir)
        .output()
        .expect("age");
    assert!(!wrong.status.success(), "the service's own identity does not open it");

    let refused = export(&["--recipient", "nobody", "--out", "x.zip"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("recipients: ncmd, other"));
    let audited = app
        .sql_strings("SELECT details FROM audit_events WHERE action = 'dataset.exported' ORDER BY seq")
        .await;
    assert_eq!(audited.len(), 4);
    assert!(
        audited[0].starts_with("variant=anonymised") && audited[3].starts_with("variant=full"),
        "{audited:?}"
    );
});
