//! The layering of DESIGN.md §3, checked by reading the source: `domain` (and `forms`, when it
//! exists) know neither the web, the store, SQL nor axum; `crypto` knows no web; `store` knows no
//! web; `reports` (when it exists) never decrypts.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else { return out };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// Lines of code (comments left out) under `src/<layer>` that mention any of `forbidden`.
fn violations(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src").join(layer);
    let files = if root.is_file() { vec![root] } else { rust_files(&root) };
    let mut found = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap_or_default();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}:{}: `{f}` in {layer}", file.display(), n + 1));
                }
            }
        }
    }
    found
}

#[test]
fn layers_depend_only_downwards() {
    let mut all = Vec::new();
    let pure = ["crate::web", "crate::store", "crate::app", "sea_orm", "sqlx", "axum", "askama"];
    all.extend(violations("domain", &pure));
    all.extend(violations("forms", &pure));
    all.extend(violations("crypto", &["crate::web", "axum"]));
    all.extend(violations("store", &["crate::web", "axum"]));
    all.extend(violations("reports", &["crate::crypto", "keyring", ".open("]));
    // Disclosure control is arithmetic on figures: no store, no web.
    all.extend(violations("reports/disclosure", &pure));
    // The identifier check opens identities for services; it knows no web.
    all.extend(violations("anonymity.rs", &["crate::web", "axum", "askama"]));
    // Retention decides and writes; pages are the web layer's business.
    all.extend(violations("retention", &["crate::web", "axum", "askama"]));
    // Documents render data they are given: no web, no SQL, no keys.
    let mut documents = pure.to_vec();
    documents.extend(["crate::crypto", "keyring"]);
    all.extend(violations("documents", &documents));
    assert!(all.is_empty(), "layering broken:\n{}", all.join("\n"));
    // The check reads real files (a test that could not fail would prove nothing).
    assert!(!rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain")).is_empty());
    assert!(!violations("web", &["crate::store"]).is_empty(), "the scan finds what is there");
    assert!(!violations("anonymity.rs", &["crate::store"]).is_empty(), "a single file is read too");
}
