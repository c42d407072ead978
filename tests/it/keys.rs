//! Key rotation and verification, through the command line.

use cdop::crypto::envelope::{Keyring, open_with};
use cdop::domain::role::Role;

use crate::both_backends;
use crate::common::process::run;
use crate::common::{TestApp, notification};

both_backends!(rotation_reseals_everything_resumably_and_verifies, |backend| async move {
    // Mail cannot be delivered here, so the notifier's sealed receipt stays queued for rotation.
    let port = crate::common::smtp::free_port();
    let app = TestApp::spawn_with(
        backend,
        move |c| {
            c.mail.transport = cdop::config::MailTransportKind::Smtp;
            c.mail.smtp.host = "127.0.0.1".into();
            c.mail.smtp.port = port;
            c.mail.smtp.tls = cdop::config::SmtpTls::None;
            c.mail.retry_base_seconds = 3600;
        },
        axum::Router::new(),
    )
    .await;
    let area = app.area("Cumberland").await;
    let token = app.token_for("co@example.org", &[Role::Coordinator], &[area]).await;
    for (i, nhs) in
        ["943 476 5919", "401 023 2137", "999 000 0018", "999 000 0026", "999 000 0034"].iter().enumerate()
    {
        let (status, body) = app
            .notify_api(&token, &notification("Cumberland", &format!("Child{i}"), "Rotated", nhs, "CA1 1AA"))
            .await;
        assert_eq!(status, 201, "{body}");
    }
    // A public notification: its receipt goes to the notifier, whose address is sealed.
    let mut rng = cdop::demo::rng(Some(9));
    let now = cdop::store::now();
    let input = cdop::demo::notification(&mut rng, "Cumberland", now, 1);
    let parsed = cdop::domain::notification::parse(&input, now.date_naive()).expect("valid");
    cdop::intake::notify(
        &app.state,
        parsed,
        cdop::intake::Origin {
            actor: cdop::domain::audit::Actor::Anonymous,
            source: cdop::domain::codes::Source::Public,
            request_id: "t",
            area_scope: None,
            synthetic: false,
            notified_at: None,
            submission: None,
        },
    )
    .await
    .expect("public notification");
    // A review record (an analysis draft) is sealed too, and must follow the rotation.
    let first = cdop::store::cases::batch_after(&app.state.db, 0, 1).await.expect("cases")[0].id;
    let analysis = cdop::store::analyses::insert(
        &app.state.db,
        cdop::store::analyses::NewRevision {
            case_id: first,
            revision: 1,
            form_version: "DHSC-2018".into(),
            sealed: Some(
                cdop::domain::anonymity::SealedChecked::of_record(&[], b"{\"answers\":{}}", |b| {
                    app.state.keys.keyring.seal(b)
                })
                .expect("sealed"),
            ),
            sealed_key: app.state.keys.keyring.key_id(),
            category: None,
            modifiable: None,
            by: None,
            at: cdop::store::now(),
        },
        &[],
    )
    .await
    .expect("analysis");
    let data = app.dir.join("data");
    let old = Keyring::load_identities(&data.join("keys/identity.age.txt")).expect("old identity");
    let new_file = app.dir.join("new-identity.txt");
    let envs = [
        ("CDOP__DATABASE__URL", app.db.url.as_str()),
        ("CDOP__STORAGE__DATA_DIR", data.to_str().expect("utf-8")),
    ];
    let out = run(&app.dir, &envs, &["keys", "generate", "--out", new_file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let new = Keyring::load_identities(&new_file).expect("new identity");

    // An interrupted rotation (here: stopped after two records) leaves the rest on the old key.
    let out = run(
        &app.dir,
        &envs,
        &[
            "keys",
            "rotate",
            "--new-identity",
            new_file.to_str().expect("utf-8"),
            "--batch-size",
            "1",
            "--limit",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("remain: run the same command again"));
    let all = cdop::store::cases::batch_after(&app.state.db, 0, 100).await.expect("cases");
    let on_new = all.iter().filter(|c| open_with(&new, &c.sealed).is_ok()).count();
    assert_eq!(on_new, 2, "stopped after two records");
    assert!(
        all.iter().all(|c| open_with(&old, &c.sealed).is_ok() || open_with(&new, &c.sealed).is_ok()),
        "nothing lost mid-way"
    );

    // Run again: it resumes and finishes.
    let out = run(&app.dir, &envs, &["keys", "rotate", "--new-identity", new_file.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Rotation complete"));
    let all = cdop::store::cases::batch_after(&app.state.db, 0, 100).await.expect("cases");
    assert_eq!(all.len(), 6);
    for c in &all {
        assert!(open_with(&new, &c.sealed).is_ok(), "{} opens with the new identity", c.reference);
        assert!(open_with(&old, &c.sealed).is_err(), "{} no longer opens with the old", c.reference);
    }
    // Emails not yet sent were re-sealed too.
    use sea_orm::EntityTrait;
    let mail = cdop::store::entities::mail_outbox::Entity::find().all(&app.state.db).await.expect("mail");
    let sealed: Vec<_> =
        mail.iter().filter(|m| m.status != "sent").filter_map(|m| m.sealed_to.as_ref()).collect();
    assert!(sealed.iter().all(|s| open_with(&new, s).is_ok()));

    let sealed =
        cdop::store::sealed::not_sealed_to(&app.state.db, &cdop::store::sealed::TABLES[3], "", 0, 10)
            .await
            .expect("analyses");
    let (_, blob) = sealed.iter().find(|(id, _)| *id == analysis).expect("the analysis");
    assert!(open_with(&new, blob).is_ok() && open_with(&old, blob).is_err(), "review records rotate too");
    // Verify with the old configuration fails; pointed at the new identity it passes.
    let out = run(&app.dir, &envs, &["keys", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("do not open"));
    let mut with_new = envs.to_vec();
    with_new.push(("CDOP__CRYPTO__IDENTITY_FILE", new_file.to_str().expect("utf-8")));
    let out = run(&app.dir, &with_new, &["keys", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (rows, _) =
        cdop::store::audit::search(&app.state.db, &Default::default(), 0, 500).await.expect("audit");
    assert!(rows.iter().any(|e| e.action == "keys.rotated"));
});
