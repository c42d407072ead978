//! A real browser for the key journeys: Debian's `chromium`, driven over W3C WebDriver by
//! `chromedriver`. Both come from the project's own install step (`scripts/test`); nothing is
//! downloaded here. A missing browser fails the test with instructions; it never skips.

use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

pub struct Browser {
    driver: Child,
    base: String,
    session: String,
    http: reqwest::Client,
    _profile: tempfile::TempDir,
}

fn find_binary(names: &[&str]) -> Option<String> {
    names.iter().find(|p| std::path::Path::new(p).exists()).map(|p| p.to_string())
}

impl Browser {
    pub async fn start() -> Browser {
        let driver_path = find_binary(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"])
            .unwrap_or_else(|| panic!("chromedriver is not installed: run scripts/test (it installs chromium and chromium-driver with apt-get)"));
        let chromium = find_binary(&["/usr/bin/chromium", "/usr/lib/chromium/chromium"])
            .unwrap_or_else(|| panic!("chromium is not installed: run scripts/test (it installs chromium and chromium-driver with apt-get)"));
        let port = crate::common::smtp::free_port();
        // Its own process group, so the Chromium it starts goes with it (see Drop).
        let driver = Command::new(driver_path)
            .process_group(0)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        for _ in 0..100 {
            if http.get(format!("{base}/status")).send().await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let profile = tempfile::tempdir().expect("profile dir");
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--disable-quic", "--window-size=1280,2000",
                    format!("--user-data-dir={}", profile.path().display())
                ]
            }
        }}});
        let res: Value = http
            .post(format!("{base}/session"))
            .json(&caps)
            .send()
            .await
            .expect("new session")
            .json()
            .await
            .expect("json");
        let session = res["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("WebDriver session not created: {res}"))
            .to_string();
        Browser { driver, base, session, http, _profile: profile }
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}/session/{}{}", self.base, self.session, path);
        let mut req = self.http.request(method, url);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res: Value = req.send().await.expect("webdriver call").json().await.expect("json");
        if res["value"].get("error").is_some() {
            panic!("WebDriver {path}: {}", res["value"]);
        }
        res["value"].clone()
    }

    pub async fn goto(&self, url: &str) {
        self.call(reqwest::Method::POST, "/url", Some(json!({"url": url}))).await;
    }

    pub async fn find(&self, css: &str) -> String {
        let v = self
            .call(reqwest::Method::POST, "/element", Some(json!({"using": "css selector", "value": css})))
            .await;
        v[ELEMENT].as_str().unwrap_or_else(|| panic!("no element {css}")).to_string()
    }

    pub async fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/clear"), Some(json!({}))).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({"text": text}))).await;
    }

    pub async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/click"), Some(json!({}))).await;
    }

    pub async fn value(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.call(reqwest::Method::GET, &format!("/element/{id}/property/value"), None)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub async fn source(&self) -> String {
        self.call(reqwest::Method::GET, "/source", None).await.as_str().unwrap_or_default().to_string()
    }

    /// Waits (up to ten seconds) for the current page to contain `text`, then returns the page.
    /// A click that submits a form returns before the next page has always loaded.
    pub async fn wait_for(&self, text: &str) -> String {
        let mut page = String::new();
        for _ in 0..100 {
            page = self.source().await;
            if page.contains(text) {
                return page;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the page never showed `{text}`: {page}");
    }

    /// Runs a script in the page (WebDriver executes it outside the page's CSP) and returns its value.
    pub async fn script(&self, body: &str, args: Vec<Value>) -> Value {
        self.call(reqwest::Method::POST, "/execute/sync", Some(json!({"script": body, "args": args}))).await
    }

    /// Runs an asynchronous script: it receives a callback as its last argument and calls it with
    /// the result.
    pub async fn script_async(&self, body: &str, args: Vec<Value>) -> Value {
        self.call(reqwest::Method::POST, "/execute/async", Some(json!({"script": body, "args": args}))).await
    }

    /// Injects the `axe-core` npm package and scans the page: the violations, as "id: help @ targets".
    pub async fn axe(&self) -> Vec<String> {
        let source =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/node_modules/axe-core/axe.min.js"))
                .expect("node_modules/axe-core (installed by npm ci from package.json)");
        self.script(&format!("{source}\n;return true;"), vec![]).await;
        let v = self
            .call(
                reqwest::Method::POST,
                "/execute/async",
                Some(json!({"script": "const done = arguments[arguments.length - 1];\
                    axe.run(document, {resultTypes: ['violations']})\
                      .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' @ ' + v.nodes.map(n => n.target.join(' ')).join(', '))))\
                      .catch(e => done(['axe failed: ' + e]));", "args": []})),
            )
            .await;
        v.as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    }

    /// Scans the page with axe and panics naming every violation.
    pub async fn assert_accessible(&self, what: &str) {
        let violations = self.axe().await;
        assert!(violations.is_empty(), "axe-core violations on {what}:\n{}", violations.join("\n"));
    }

    /// The checks every page state gets: axe-core finds no violation, and at 390 px wide the page
    /// does not scroll sideways.
    pub async fn check_page(&self, what: &str) {
        self.assert_accessible(what).await;
        self.set_viewport_width(390).await;
        let sideways = self.scrolls_sideways().await;
        self.set_viewport_width(0).await;
        assert!(!sideways, "{what} scrolls sideways at 390 px wide");
    }

    /// Whether the page is wider than the window (it would scroll sideways).
    pub async fn scrolls_sideways(&self) -> bool {
        self.script("return document.documentElement.scrollWidth > window.innerWidth + 1;", vec![])
            .await
            .as_bool()
            .unwrap_or(true)
    }

    /// Emulates a phone-sized viewport `width` CSS pixels wide (0: back to the window's size).
    pub async fn set_viewport_width(&self, width: u32) {
        let (cmd, params) = if width == 0 {
            ("Emulation.clearDeviceMetricsOverride", json!({}))
        } else {
            (
                "Emulation.setDeviceMetricsOverride",
                json!({"width": width, "height": 844, "deviceScaleFactor": 1, "mobile": true}),
            )
        };
        self.call(reqwest::Method::POST, "/goog/cdp/execute", Some(json!({"cmd": cmd, "params": params})))
            .await;
    }

    /// Presses Enter in the element (a text box).
    pub async fn press_enter(&self, css: &str) {
        let id = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({"text": "\u{E007}"})))
            .await;
    }

    /// Sends `keys` (WebDriver key codes: "\u{E00D}" Space, "\u{E007}" Enter) to the element, as a
    /// keyboard user would once it has focus.
    pub async fn press(&self, css: &str, keys: &str) {
        let id = self.find(css).await;
        self.call(reqwest::Method::POST, &format!("/element/{id}/value"), Some(json!({"text": keys}))).await;
    }

    pub async fn back(&self) {
        self.call(reqwest::Method::POST, "/back", Some(json!({}))).await;
    }

    pub async fn refresh(&self) {
        self.call(reqwest::Method::POST, "/refresh", Some(json!({}))).await;
    }

    pub async fn url(&self) -> String {
        self.call(reqwest::Method::GET, "/url", None).await.as_str().unwrap_or_default().to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Chromium's processes outlive a killed chromedriver and pile up run after run (they once
        // filled this machine's memory): end the whole process group.
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.driver.id())])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
