//! The `cdop` binary: first run, restarts, configuration errors, migrations, signals.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::process::{Server, run};
use crate::common::{Backend, TestDatabase};

fn get(base: &str, path: &str) -> (u16, String) {
    let addr = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("write");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, response)
}

#[test]
fn fresh_start_serves_and_creates_the_embedded_database_then_restarts_without_reapplying() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &[]);
    let (status, _) = get(&server.base, "/healthz");
    assert_eq!(status, 200);
    assert!(dir.path().join("data/cdop.sqlite").is_file(), "embedded database created under ./data");
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0), "clean exit on SIGTERM");

    let status = run(dir.path(), &[], &["migrate", "status"]);
    let listing = String::from_utf8_lossy(&status.stdout).to_string();
    assert!(listing.contains("0 pending"), "{listing}");

    let mut again = Server::start(dir.path(), &[]);
    let (status, body) = get(&again.base, "/readyz");
    assert_eq!(status, 200, "{body}");
    again.terminate();
    assert_eq!(again.wait(Duration::from_secs(20)), Some(0));
    let out = run(dir.path(), &[], &["migrate"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Nothing to do"), "no migration is applied twice");
}

#[test]
fn invalid_bind_exits_2_naming_the_key_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &[("CDOP__SERVER__BIND", "nonsense")], &["serve"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server.bind"), "{err}");
    assert!(err.contains("CDOP__SERVER__BIND"), "names the source: {err}");
    assert!(std::fs::read_dir(dir.path()).expect("readable").next().is_none(), "nothing created");
}

#[test]
fn an_address_in_use_exits_2_before_creating_the_database_keys_or_admin() {
    let dir = tempfile::tempdir().expect("tempdir");
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = taken.local_addr().expect("addr").to_string();
    let out = run(dir.path(), &[("CDOP__SERVER__BIND", addr.as_str())], &["serve", "--area", "Cumberland"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("server.bind"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!stdout.contains("password"), "no one-time password printed: {stdout}");
    assert!(std::fs::read_dir(dir.path()).expect("readable").next().is_none(), "nothing created");
}

#[test]
fn unreachable_database_exits_2_naming_the_key_and_creates_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(
        dir.path(),
        &[("CDOP__DATABASE__URL", "postgres://cdop:hunter2secret@127.0.0.1:1/cdop")],
        &["serve"],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database.url"), "{err}");
    assert!(!err.contains("hunter2secret"), "the password is never printed: {err}");
    assert!(std::fs::read_dir(dir.path()).expect("readable").next().is_none(), "nothing created");
}

#[test]
fn check_config_prints_redacted_configuration_and_rejects_bad_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("prod.toml"), "[mail.smtp]\npassword = \"smtp-secret-value\"\n")
        .expect("write");
    let out = run(dir.path(), &[], &["check-config", "--config", "prod.toml"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[server]") && text.contains("bind = \"127.0.0.1:8080\""), "{text}");
    assert!(!text.contains("smtp-secret-value"), "secrets are redacted");
    assert!(text.contains("prod.toml"), "sources are named");
    assert!(!dir.path().join("data").exists(), "check-config changes nothing");

    std::fs::write(dir.path().join("bad.toml"), "[log]\nformat = \"yaml\"\n").expect("write");
    let out = run(dir.path(), &[], &["check-config", "--config", "bad.toml"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("log.format") && err.contains("bad.toml"), "{err}");
}

fn serve_and_terminate_during_slow_request(backend: Backend) {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let db = rt.block_on(TestDatabase::create(backend, dir.path()));
    let mut server = Server::start(dir.path(), &[("CDOP__DATABASE__URL", &db.url)]);
    let addr = server.base.trim_start_matches("http://").to_string();
    // A slow request: the body arrives in two parts, with SIGTERM in between.
    let mut stream = TcpStream::connect(&addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("timeout");
    let body = "email=a%40example.org&password=not-the-password&csrf_token=x";
    write!(
        stream,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        body.len(),
        &body[..10]
    )
    .expect("write head");
    std::thread::sleep(Duration::from_millis(300));
    server.terminate();
    std::thread::sleep(Duration::from_millis(500));
    assert!(server.child.try_wait().expect("status").is_none(), "still finishing the request");
    stream.write_all(&body.as_bytes()[10..]).expect("write rest");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    assert!(response.starts_with("HTTP/1.1 "), "a complete response arrived: {response}");
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0));
    drop(db);
}

#[test]
fn sigterm_lets_a_slow_request_finish_sqlite() {
    serve_and_terminate_during_slow_request(Backend::Sqlite);
}

#[test]
fn sigterm_lets_a_slow_request_finish_postgres() {
    serve_and_terminate_during_slow_request(Backend::Postgres);
}

#[test]
fn first_run_prints_a_one_time_admin_password_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut server = Server::start(dir.path(), &[]);
    let printed = server.preamble.join("\n");
    assert!(printed.contains("admin@localhost"), "{printed}");
    let password = printed
        .lines()
        .find_map(|l| l.trim().strip_prefix("password:"))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("password printed")
        .to_string();
    assert_eq!(password.len(), 19);
    // Signing in with it leads straight to choosing a new password.
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let agent = crate::common::agent::Agent::new(&server.base);
        assert_eq!(agent.login("admin@localhost", &password).await, "/account/password");
    });
    server.terminate();
    assert_eq!(server.wait(Duration::from_secs(20)), Some(0));
    // Not printed again on the next start.
    let mut again = Server::start(dir.path(), &[]);
    assert!(!again.preamble.join("\n").contains("password:"));
    again.terminate();
    again.wait(Duration::from_secs(20));
}

#[test]
fn users_and_tokens_from_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &[], &["migrate"]);
    assert!(out.status.success());
    let out = run(dir.path(), &[], &["areas", "add", "Cumberland"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = run(
        dir.path(),
        &[],
        &[
            "users",
            "create",
            "--email",
            "co@example.org",
            "--name",
            "Co Ordinator",
            "--role",
            "coordinator",
            "--area",
            "Nowhere",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no area named `Nowhere`"));
    let out = run(
        dir.path(),
        &[],
        &[
            "users",
            "create",
            "--email",
            "co@example.org",
            "--name",
            "Co Ordinator",
            "--role",
            "coordinator",
            "--role",
            "panel_chair",
            "--area",
            "cumberland",
        ],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("One-time password:"));
    let out = run(dir.path(), &[], &["users", "create", "--email", "bad", "--name", "X", "--role", "wizard"]);
    assert_eq!(out.status.code(), Some(2), "clap refuses an unknown role");

    let mut child = crate::common::process::command(dir.path(), &[])
        .args([
            "users",
            "create",
            "--email",
            "doc@example.org",
            "--name",
            "Doc",
            "--role",
            "designated_doctor",
            "--password-stdin",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child.stdin.take().expect("stdin").write_all(b"password123\n").expect("write");
    let out = child.wait_with_output().expect("output");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("12 characters"));

    let out = run(dir.path(), &[], &["tokens", "create", "--email", "co@example.org", "--expires-days", "7"]);
    assert!(out.status.success());
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.starts_with("cdop_"));
    let out = run(dir.path(), &[], &["users", "list"]);
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("co@example.org") && listing.contains("coordinator,panel_chair"), "{listing}");
    let out = run(dir.path(), &[], &["users", "disable", "--email", "co@example.org"]);
    assert!(out.status.success());
    let out = run(dir.path(), &[], &["audit", "verify"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact"));
}

#[test]
fn json_logs_are_one_object_per_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(dir.path(), &[("CDOP__LOG__FORMAT", "json"), ("CDOP__LOG__LEVEL", "info")], &["migrate"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!lines.is_empty(), "something was logged");
    for line in lines {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v.get("level").is_some() && v.get("timestamp").is_some(), "{line}");
    }
}

/// A forms directory holding one Reporting Form version with `fault` applied.
fn broken_forms(fault: impl Fn(String) -> String) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let reporting = dir.path().join("reporting");
    std::fs::create_dir_all(&reporting).expect("dir");
    let shipped = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/config/forms/reporting/NCMD-2022-04.toml"
    ))
    .expect("the shipped reporting form");
    std::fs::write(reporting.join("NCMD-2022-04.toml"), fault(shipped)).expect("write");
    dir
}

#[test]
fn broken_form_definitions_are_refused_naming_the_file_and_the_key() {
    let dir = tempfile::tempdir().expect("tempdir");
    // The shipped definitions (built into the binary when run away from the repository) pass.
    let out = run(dir.path(), &[], &["forms", "check"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8_lossy(&out.stdout);
    assert!(listing.contains("reporting") && listing.contains("NCMD-2022-04") && listing.contains("current"));
    assert!(listing.contains("LEGACY-DFE-B4") && listing.contains("legacy"));

    for (fault, wanted) in [
        (
            Box::new(|s: String| s.replacen("key = \"height\"", "key = \"maternal_bmi\"", 1))
                as Box<dyn Fn(String) -> String>,
            "reporting/NCMD-2022-04.toml: item `maternal_bmi`: duplicate key",
        ),
        (
            Box::new(|s: String| s.replacen("kind = \"narrative\"", "kind = \"essay\"", 1)),
            "reporting/NCMD-2022-04.toml: item `child_what_known`: unknown variant `essay`",
        ),
        (
            Box::new(|s: String| {
                s.replace("item = \"bereavement_support_offered\"", "item = \"no_such_item\"")
            }),
            "reporting/NCMD-2022-04.toml: item `bereavement_support_what`: show_if names `no_such_item`",
        ),
    ] {
        let forms = broken_forms(fault);
        let env = [("CDOP__FORMS__DIR", forms.path().to_str().expect("utf-8 path"))];
        let out = run(dir.path(), &env, &["forms", "check"]);
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(wanted), "{wanted} in {err}");
        // And the service refuses to start, creating nothing.
        let serve_dir = tempfile::tempdir().expect("tempdir");
        let serve_env = [env[0], ("CDOP__SERVER__BIND", "127.0.0.1:0")];
        let out = run(serve_dir.path(), &serve_env, &["serve", "--area", "Cumberland"]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains(wanted));
        assert!(std::fs::read_dir(serve_dir.path()).expect("readable").next().is_none(), "nothing created");
    }
}
