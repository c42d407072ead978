//! Builds the front-end assets that the binary embeds.
//!
//! GOV.UK Frontend comes from the npm package pinned in `package-lock.json`. The stylesheet is
//! compiled from `static/src/app.scss` with a system font stack (the GOV.UK typeface is
//! restricted), and the compiled CSS plus the GOV.UK Frontend JavaScript are written to
//! `OUT_DIR`, where `src/web/assets.rs` embeds them. A fresh clone therefore builds with
//! `cargo build` alone, provided Node.js (>= 20.19) and npm are installed.
//!
//! Set `CDOP_PREBUILT_ASSETS=DIR` (a directory holding `app.css` and `govuk-frontend.min.js`,
//! as produced by `npm ci && npm run build`) to build without Node.js, e.g. in a Docker stage.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::{env, fs};

fn main() {
    println!("cargo:rerun-if-changed=package.json");
    println!("cargo:rerun-if-changed=package-lock.json");
    println!("cargo:rerun-if-changed=static/src");
    println!("cargo:rerun-if-env-changed=CDOP_PREBUILT_ASSETS");
    println!("cargo:rerun-if-changed=config/forms");
    let out = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    embed_forms(&root, &out);

    if let Ok(dir) = env::var("CDOP_PREBUILT_ASSETS") {
        let dir = PathBuf::from(dir);
        for name in ["app.css", "govuk-frontend.min.js"] {
            copy(&dir.join(name), &out.join(name));
        }
        return;
    }

    ensure_node_modules(&root);
    let sass = root.join("node_modules/sass/sass.js");
    let status = Command::new("node")
        .arg(&sass)
        .args(["--no-source-map", "--style=compressed", "--load-path=node_modules"])
        .arg(root.join("static/src/app.scss"))
        .arg(out.join("app.css"))
        .current_dir(&root)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => fail(&format!("compiling static/src/app.scss with sass failed: {other:?}")),
    }
    copy(
        &root.join("node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js"),
        &out.join("govuk-frontend.min.js"),
    );
}

/// Writes `forms.rs`: every definition under `config/forms`, embedded, so a binary run away from
/// the repository still has the shipped forms (`forms.dir` overrides them with files).
fn embed_forms(root: &Path, out: &Path) {
    fn walk(dir: &Path, base: &Path, found: &mut Vec<(String, PathBuf)>) {
        let Ok(entries) = fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                println!("cargo:rerun-if-changed={}", path.display());
                walk(&path, base, found);
            } else if path.extension().is_some_and(|e| e == "toml") {
                let rel = path.strip_prefix(base).unwrap_or(&path).to_string_lossy().replace('\\', "/");
                println!("cargo:rerun-if-changed={}", path.display());
                found.push((rel, path));
            }
        }
    }
    let base = root.join("config/forms");
    let mut found = Vec::new();
    walk(&base, &base, &mut found);
    found.sort();
    let rows: String = found
        .iter()
        .map(|(rel, path)| format!("    ({rel:?}, include_str!({:?})),\n", path.display().to_string()))
        .collect();
    let code = format!(
        "/// The shipped form definitions: (path under config/forms, contents).\npub static SHIPPED: &[(&str, &str)] = &[\n{rows}];\n"
    );
    fs::write(out.join("forms.rs"), code).unwrap_or_else(|e| fail(&format!("writing forms.rs: {e}")));
}

/// Runs `npm ci` when `node_modules` is missing or holds other versions than `package.json` pins.
fn ensure_node_modules(root: &Path) {
    let manifest = fs::read_to_string(root.join("package.json"))
        .unwrap_or_else(|e| fail(&format!("reading package.json: {e}")));
    let up_to_date = ["axe-core", "govuk-frontend", "sass"].iter().all(|pkg| {
        let installed = fs::read_to_string(root.join("node_modules").join(pkg).join("package.json"))
            .ok()
            .and_then(|text| json_string(&text, "version"));
        installed.is_some_and(|v| manifest.contains(&format!("\"{pkg}\": \"{v}\"")))
    });
    if up_to_date {
        return;
    }
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--ignore-scripts"])
        .current_dir(root)
        .status();
    match status {
        Ok(s) if s.success() => {}
        other => fail(&format!(
            "`npm ci` failed ({other:?}); install Node.js >= 20.19 and npm, or set CDOP_PREBUILT_ASSETS"
        )),
    }
}

/// The value of the first `"key": "value"` pair in a JSON text (enough for package.json).
fn json_string(text: &str, key: &str) -> Option<String> {
    let start = text.find(&format!("\"{key}\""))?;
    let rest = &text[start + key.len() + 2..];
    let open = rest.find('"')?;
    let rest = &rest[open + 1..];
    let close = rest.find('"')?;
    Some(rest[..close].to_string())
}

fn copy(from: &Path, to: &Path) {
    if let Err(e) = fs::copy(from, to) {
        fail(&format!("copying {} to {}: {e}", from.display(), to.display()));
    }
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
