//! Test harness: starts the real application on 127.0.0.1:0 with a fresh database per test, on
//! SQLite (a temporary file) or PostgreSQL (a new database on the server named by
//! `CDOP_TEST_POSTGRES_URL`, dropped afterwards). `both_backends!` runs a test body on each.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;

use cdop::config::{Config, LoadedConfig};
use cdop::web::AppState;
use sea_orm::{ConnectionTrait, Database};
use tokio::sync::oneshot;

pub mod agent;
pub mod browser;
pub mod oidc;
pub mod process;
pub mod smtp;

pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs a test body once per backend, as two tests named `NAME::sqlite` and `NAME::postgres`.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                ($body)($crate::common::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                ($body)($crate::common::Backend::Postgres).await
            }
        }
    };
}

pub fn pg_admin_url() -> String {
    std::env::var("CDOP_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_string())
}

/// A database for one test: a temporary SQLite file, or a fresh PostgreSQL database that is
/// dropped when this value is dropped.
pub struct TestDatabase {
    pub url: String,
    pub backend: Backend,
    pg_name: Option<String>,
}

impl TestDatabase {
    pub async fn create(backend: Backend, dir: &std::path::Path) -> TestDatabase {
        match backend {
            Backend::Sqlite => TestDatabase {
                url: format!("sqlite://{}", dir.join("cdop.sqlite").display()),
                backend,
                pg_name: None,
            },
            Backend::Postgres => {
                let admin = pg_admin_url();
                let conn = Database::connect(&admin).await.unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL is not reachable at {admin} ({e}). Start it with \
                         `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, \
                         or point CDOP_TEST_POSTGRES_URL at a server where user may CREATE DATABASE."
                    )
                });
                let name = format!("cdop_test_{}", uuid::Uuid::new_v4().simple());
                conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .unwrap_or_else(|e| panic!("CREATE DATABASE on {admin} failed: {e}"));
                let _ = conn.close().await;
                let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
                TestDatabase { url: format!("{base}/{name}"), backend, pg_name: Some(name) }
            }
        }
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        let admin = pg_admin_url();
        // Drop runs inside the test's runtime; use a thread with a runtime of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                if let Ok(conn) = Database::connect(&admin).await {
                    let _ = conn
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                        .await;
                    let _ = conn.close().await;
                }
            });
        })
        .join();
    }
}

/// The configuration a test app starts from: everything under a temporary directory.
pub fn test_config(dir: &std::path::Path, db_url: &str) -> Config {
    let mut config = Config::default();
    config.server.bind = "127.0.0.1:0".parse().expect("valid address");
    config.server.shutdown_grace_seconds = 5;
    config.database.url = db_url.to_string();
    config.database.max_connections = 5;
    config.storage.data_dir = dir.join("data");
    config.log.level = "warn".into();
    // Two-factor enrolment is tested on its own; most tests sign in with a password alone.
    config.auth.mfa_required_roles = Vec::new();
    config
}

/// The password every test user gets.
pub const PASSWORD: &str = "tangerine-lighthouse-42";

/// The real application, serving on an ephemeral port.
pub struct TestApp {
    pub addr: SocketAddr,
    pub base: String,
    pub state: AppState,
    pub client: reqwest::Client,
    pub dir: PathBuf,
    pub backend: Backend,
    server: Running,
    // Declared last so it is dropped after the server stops.
    _tmp: tempfile::TempDir,
    pub db: TestDatabase,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}, axum::Router::new()).await
    }

    /// Starts the app after `tweak` has adjusted the configuration, with `extra` routes mounted
    /// under the same layers as the real ones.
    pub async fn spawn_with(
        backend: Backend,
        tweak: impl FnOnce(&mut Config),
        extra: axum::Router<AppState>,
    ) -> TestApp {
        let tmp = tempfile::tempdir().expect("temporary directory");
        let db = TestDatabase::create(backend, tmp.path()).await;
        let mut config = test_config(tmp.path(), &db.url);
        tweak(&mut config);
        let loaded = LoadedConfig::from_config(config).expect("test configuration is valid");
        cdop::telemetry::init(&loaded.config.log);
        let (state, addr, server) = start(&loaded, extra).await;
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        TestApp {
            addr,
            base: format!("http://{addr}"),
            state,
            client,
            dir: tmp.path().to_path_buf(),
            backend,
            server,
            _tmp: tmp,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A new browser-like client for this app.
    pub fn agent(&self) -> agent::Agent {
        agent::Agent::new(&self.base)
    }

    /// An area (created if missing); returns its id.
    pub async fn area(&self, name: &str) -> i64 {
        use cdop::store::areas;
        if let Some(a) = areas::find_by_name(&self.state.db, name).await.expect("db") {
            return a.id;
        }
        areas::create(&self.state.db, name).await.expect("area created").id
    }

    /// A user with `roles` in `area_ids`, password [`PASSWORD`]; returns the user id.
    pub async fn user(&self, email: &str, roles: &[cdop::domain::role::Role], area_ids: &[i64]) -> i64 {
        let hash = cdop::crypto::password::hash(PASSWORD.to_string()).await.expect("hash");
        let txn = cdop::store::begin_write(&self.state.db).await.expect("txn");
        let user = cdop::store::users::create(
            &txn,
            &cdop::store::users::NewUser {
                email: cdop::domain::email::EmailAddress::parse(email).expect("email"),
                name: format!("Test {}", email.split('@').next().unwrap_or("user")),
                password_hash: Some(hash),
                must_change_password: false,
                service_account: false,
                roles: roles.to_vec(),
                area_ids: area_ids.to_vec(),
            },
        )
        .await
        .expect("user created");
        txn.commit().await.expect("commit");
        user.id
    }

    /// Signs a new agent in as a new user with `roles` in `area_ids`.
    pub async fn signed_in(
        &self,
        email: &str,
        roles: &[cdop::domain::role::Role],
        area_ids: &[i64],
    ) -> agent::Agent {
        self.user(email, roles, area_ids).await;
        let agent = self.agent();
        let to = agent.login(email, PASSWORD).await;
        assert_eq!(to, "/", "signed in fully");
        agent
    }

    /// A user with `roles` in `area_ids` and an API token for them.
    pub async fn token_for(
        &self,
        email: &str,
        roles: &[cdop::domain::role::Role],
        area_ids: &[i64],
    ) -> String {
        let id = self.user(email, roles, area_ids).await;
        cdop::store::tokens::create(&self.state.db, id, "test", id, None).await.expect("token").0
    }

    /// POSTs a notification to the API.
    pub async fn notify_api(
        &self,
        token: &str,
        body: &serde_json::Value,
    ) -> (reqwest::StatusCode, serde_json::Value) {
        let res = reqwest::Client::new()
            .post(self.url("/api/v1/notifications"))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("sent");
        let status = res.status();
        (status, res.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Runs a SQL statement directly (to simulate time passing, or tampering).
    /// The id of the user with this email.
    pub async fn user_id(&self, email: &str) -> i64 {
        cdop::store::users::find_by_email(&self.state.db, email).await.expect("query").expect("user").id
    }

    /// The first column of every row of `sql`, as text.
    pub async fn sql_strings(&self, sql: &str) -> Vec<String> {
        use sea_orm::ConnectionTrait;
        let rows = self
            .state
            .db
            .query_all_raw(sea_orm::Statement::from_string(self.state.db.get_database_backend(), sql))
            .await
            .expect("sql runs");
        rows.iter()
            .map(|r| r.try_get_by_index::<Option<String>>(0).expect("text").unwrap_or_default())
            .collect()
    }

    pub async fn sql(&self, sql: &str) {
        use sea_orm::ConnectionTrait;
        self.state.db.execute_unprepared(sql).await.expect("sql runs");
    }

    /// A past time as an SQL literal both databases compare correctly with stored times.
    pub fn sql_time(&self, t: chrono::DateTime<chrono::Utc>) -> String {
        format!("'{}'", t.to_rfc3339_opts(chrono::SecondsFormat::Micros, false))
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("request sent")
    }

    /// A second instance of the service on this app's database and keys (its configuration is
    /// the test default adjusted by `tweak`), serving on a port of its own.
    pub async fn sibling(&self, tweak: impl FnOnce(&mut Config)) -> Sibling {
        let mut config = test_config(&self.dir, &self.db.url);
        tweak(&mut config);
        let loaded = LoadedConfig::from_config(config).expect("test configuration is valid");
        let (state, addr, server) = start(&loaded, axum::Router::new()).await;
        Sibling { base: format!("http://{addr}"), state, _server: server }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.server.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.task.take() {
            let _ = server.await;
        }
    }
}

/// The real application prepared from `loaded` and serving on 127.0.0.1:0, with `extra` routes
/// under the same layers as the real ones.
async fn start(loaded: &LoadedConfig, extra: axum::Router<AppState>) -> (AppState, SocketAddr, Running) {
    let state = AppState::new(cdop::app::prepare(loaded).await.expect("app prepares"));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let (tx, rx) = oneshot::channel::<()>();
    let router = cdop::web::router_with(state.clone(), extra);
    let task = tokio::spawn(cdop::app::serve_router(state.clone(), router, listener, async move {
        let _ = rx.await;
    }));
    (state, addr, Running { shutdown: Some(tx), task: Some(task) })
}

/// A serving instance's task, told to stop (and aborted) when dropped.
struct Running {
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

/// A second instance (see [`TestApp::sibling`]); stopped when dropped.
pub struct Sibling {
    pub base: String,
    pub state: AppState,
    _server: Running,
}

impl Sibling {
    pub fn agent(&self) -> agent::Agent {
        agent::Agent::new(&self.base)
    }
}

/// A valid notification body for the API, with the identifying values given.
pub fn notification(area: &str, given: &str, family: &str, nhs: &str, postcode: &str) -> serde_json::Value {
    let mut body = cdop::web::api::openapi::example_notification();
    body["area"] = area.into();
    body["child"]["given_names"] = given.into();
    body["child"]["family_name"] = family.into();
    body["child"]["nhs_number"] = nhs.into();
    body["child"]["postcode"] = postcode.into();
    body
}

/// The text of a PDF, read back with `pdftotext` (poppler-utils, installed by scripts/test), and
/// what `pdfinfo -meta` says of its conformance. Fails loudly when the tool is missing.
pub fn pdf_text(bytes: &[u8]) -> (String, String) {
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, bytes).expect("written");
    let run = |tool: &str, args: &[&str]| {
        let out = std::process::Command::new(tool)
            .args(args)
            .arg(&path)
            .args(if tool == "pdftotext" { vec!["-"] } else { vec![] })
            .output()
            .unwrap_or_else(|e| panic!("{tool} (Debian poppler-utils) is needed by the tests: {e}"));
        assert!(out.status.success(), "{tool} failed");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    (run("pdftotext", &["-layout"]), run("pdfinfo", &["-meta"]))
}
