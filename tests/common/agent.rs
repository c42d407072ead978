//! A browser-like HTTP client: its own cookie jar, and it remembers the CSRF token of the last
//! page it read so form posts carry it, as a browser's would.

use std::sync::Mutex;

use reqwest::StatusCode;

pub struct Agent {
    pub client: reqwest::Client,
    pub base: String,
    csrf: Mutex<String>,
}

/// The value of the first `name="csrf_token"` input in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\" value=\"")?;
    let rest = &html[at + "name=\"csrf_token\" value=\"".len()..];
    rest.find('"').map(|end| rest[..end].to_string())
}

/// The text of the element with `id="…"` (first text up to the next `<`).
pub fn text_of_id(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[at..];
    let open = rest.find('>')?;
    let rest = &rest[open + 1..];
    let close = rest.find('<')?;
    Some(rest[..close].trim().to_string())
}

/// The `value` of the input named `name`.
pub fn value_of(html: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("name=\"{name}\""))?;
    let tag_start = html[..at].rfind('<')?;
    let tag_end = at + html[at..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let v = tag.split("value=\"").nth(1)?;
    Some(unescape(&v[..v.find('"')?]))
}

fn unescape(s: &str) -> String {
    s.replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// What a browser would send for a form page as shown: text inputs, checked boxes and radios,
/// selected options and textareas (a rough parser, enough for the service's own markup).
pub fn form_fields(html: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for chunk in html.split('<').skip(1) {
        let tag = chunk.split('>').next().unwrap_or_default();
        let attr = |name: &str| -> Option<String> {
            let key = format!(" {name}=\"");
            let at = tag.find(&key)? + key.len();
            Some(unescape(&tag[at..at + tag[at..].find('"')?]))
        };
        if tag.starts_with("input ") {
            let (Some(name), kind) = (attr("name"), attr("type").unwrap_or_default()) else { continue };
            if matches!(kind.as_str(), "checkbox" | "radio") && !tag.contains(" checked") {
                continue;
            }
            out.push((name, attr("value").unwrap_or_default()));
        } else if tag.starts_with("textarea ") {
            if let Some(name) = attr("name") {
                let text = chunk.split_once('>').map(|(_, t)| t).unwrap_or_default();
                out.push((name, unescape(text)));
            }
        } else if tag.starts_with("select ") {
            let Some(name) = attr("name") else { continue };
            let rest = &html[html.find(tag).unwrap_or(0)..];
            let select = rest.split("</select>").next().unwrap_or_default();
            if let Some(selected) = select.split("<option ").find(|o| o.contains(" selected")) {
                let v =
                    selected.split("value=\"").nth(1).and_then(|v| v.split('"').next()).unwrap_or_default();
                out.push((name, unescape(v)));
            }
        }
    }
    out
}

/// The text of each `<td>` in `html`, in order (tags stripped, trimmed).
pub fn cells(html: &str) -> Vec<String> {
    html.split("<td")
        .skip(1)
        .map(|c| {
            let c = &c[c.find('>').map(|i| i + 1).unwrap_or(0)..];
            let c = &c[..c.find("</td>").unwrap_or(c.len())];
            let mut out = String::new();
            let mut tag = false;
            for ch in c.chars() {
                match ch {
                    '<' => tag = true,
                    '>' => tag = false,
                    _ if !tag => out.push(ch),
                    _ => {}
                }
            }
            out.trim().to_string()
        })
        .collect()
}

impl Agent {
    pub fn new(base: &str) -> Agent {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Agent { client, base: base.to_string(), csrf: Mutex::new(String::new()) }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// GET, reading the body and remembering its CSRF token.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self.client.get(self.url(path)).send().await.expect("GET sent");
        let status = res.status();
        let body = res.text().await.expect("body");
        self.remember(&body);
        (status, body)
    }

    /// GET, returning the response as it came (headers included).
    pub async fn response(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET sent")
    }

    /// GET a download: the status, the content type and the raw bytes.
    pub async fn download(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let res = self.client.get(self.url(path)).send().await.expect("GET sent");
        let status = res.status();
        let kind = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        (status, kind, res.bytes().await.expect("body").to_vec())
    }

    fn remember(&self, html: &str) {
        if let Some(token) = csrf_in(html)
            && let Ok(mut c) = self.csrf.lock()
        {
            *c = token;
        }
    }

    pub fn csrf(&self) -> String {
        self.csrf.lock().map(|c| c.clone()).unwrap_or_default()
    }

    /// POSTs a form with the remembered CSRF token (fetching the sign-in page first if none).
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        if self.csrf().is_empty() {
            self.page("/login").await;
        }
        let token = self.csrf();
        let mut form: Vec<(&str, &str)> = vec![("csrf_token", token.as_str())];
        form.extend_from_slice(fields);
        self.client.post(self.url(path)).form(&form).send().await.expect("POST sent")
    }

    /// POSTs and reads the body (remembering its CSRF token).
    pub async fn post_page(
        &self,
        path: &str,
        fields: &[(&str, &str)],
    ) -> (StatusCode, String, Option<String>) {
        let res = self.post(path, fields).await;
        let status = res.status();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = res.text().await.expect("body");
        self.remember(&body);
        (status, body, location)
    }

    /// Reveals a case's identifying details (POST, then the redirect); returns the page shown.
    pub async fn reveal(&self, reference: &str) -> String {
        let (status, _, to) = self.post_page(&format!("/cases/{reference}/reveal"), &[]).await;
        assert_eq!(status, 303, "a reveal redirects");
        self.page(&to.expect("redirect")).await.1
    }

    /// Signs in with a password; returns where the service sent us next.
    pub async fn login(&self, email: &str, password: &str) -> String {
        self.page("/login").await;
        let (status, body, location) =
            self.post_page("/login", &[("email", email), ("password", password)]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "sign-in should redirect: {body}");
        let to = location.unwrap_or_default();
        // Pick up the new session's CSRF token.
        self.page(&to).await;
        to
    }
}
