//! The layering of DESIGN.md §3 and the README's architecture section, checked by reading the
//! source: `domain`, `forms` and `input` know neither the web, the store, SQL nor axum; `crypto`
//! knows no web and no store; `store` knows no web; `reports` never decrypts; nothing outside the
//! web, the CLI and the wiring (`main.rs`, `app.rs`) knows the web or its state; only the
//! workflow service writes a case's status; and the modules under `src/` form no import cycle.

use std::collections::{BTreeMap, BTreeSet};
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

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// The lines of code of a file (comments left out), numbered from 1.
fn code_lines(file: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
        .map(|(n, l)| (n + 1, l.to_string()))
        .collect()
}

/// Lines of code under `src/<layer>` that mention any of `forbidden`.
fn violations(layer: &str, forbidden: &[&str]) -> Vec<String> {
    let root = src().join(layer);
    let files = if root.is_file() { vec![root] } else { rust_files(&root) };
    let mut found = Vec::new();
    for file in files {
        for (n, code) in code_lines(&file) {
            for f in forbidden {
                if code.contains(f) {
                    found.push(format!("{}:{n}: `{f}` in {layer}", file.display()));
                }
            }
        }
    }
    found
}

/// The top-level module a file under `root` belongs to: `review` for `review/packs.rs`,
/// `intake` for `intake/mod.rs`, `anonymity` for `anonymity.rs`.
fn module_of(root: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let first =
        rel.components().next().map(|c| c.as_os_str().to_string_lossy().to_string()).unwrap_or_default();
    first.trim_end_matches(".rs").to_string()
}

/// Which top-level modules each module under `root` names (`crate::x`, `crate::{x, y}`).
fn module_graph(root: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in rust_files(root) {
        let from = module_of(root, &file);
        let entry = graph.entry(from.clone()).or_default();
        for (_, code) in code_lines(&file) {
            let mut rest = code.as_str();
            while let Some(at) = rest.find("crate::") {
                rest = &rest[at + "crate::".len()..];
                let names: Vec<&str> = match rest.strip_prefix('{') {
                    Some(group) => group.split('}').next().unwrap_or("").split(',').collect(),
                    None => vec![rest],
                };
                for name in names {
                    let name: String =
                        name.trim().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                    if !name.is_empty() && name != from {
                        entry.insert(name);
                    }
                }
            }
        }
    }
    graph
}

/// The import cycles among the modules under `root`: each as the modules it goes through.
fn cycles(root: &Path) -> Vec<Vec<String>> {
    let graph = module_graph(root);
    let mut found: Vec<Vec<String>> = Vec::new();
    // A module is in a cycle when it can reach itself; report each cycle once, by its members.
    for start in graph.keys() {
        let mut path = vec![start.clone()];
        let mut seen = BTreeSet::new();
        if let Some(cycle) = reach(&graph, start, start, &mut path, &mut seen) {
            let members: BTreeSet<&String> = cycle.iter().collect();
            if !found.iter().any(|c| c.iter().collect::<BTreeSet<_>>() == members) {
                found.push(cycle);
            }
        }
    }
    found
}

fn reach(
    graph: &BTreeMap<String, BTreeSet<String>>,
    target: &str,
    at: &str,
    path: &mut Vec<String>,
    seen: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    for next in graph.get(at).into_iter().flatten() {
        if next == target {
            return Some(path.clone());
        }
        if seen.insert(next.clone()) {
            path.push(next.clone());
            if let Some(c) = reach(graph, target, next, path, seen) {
                return Some(c);
            }
            path.pop();
        }
    }
    None
}

/// Files outside the web, the CLI and the wiring that name the web or its state.
fn web_outside_web(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(root) {
        let rel = file.strip_prefix(root).unwrap_or(&file).to_string_lossy().replace('\\', "/");
        if rel.starts_with("web/") || rel.starts_with("cli/") || rel == "main.rs" || rel == "app.rs" {
            continue;
        }
        for (n, code) in code_lines(&file) {
            for f in ["crate::web", "crate::app", "AppState", "axum"] {
                if code.contains(f) {
                    found.push(format!("{rel}:{n}: `{f}` outside the web"));
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
    all.extend(violations("crypto", &["crate::web", "axum", "crate::store"]));
    all.extend(violations("input.rs", &pure));
    all.extend(violations("store", &["crate::web", "axum"]));
    all.extend(violations("reports", &["crate::crypto", "keyring", ".open("]));
    // Disclosure control is arithmetic on figures: no store, no web.
    all.extend(violations("reports/disclosure", &pure));
    // The identifier check opens identities for services; it knows no web.
    all.extend(violations("anonymity.rs", &["crate::web", "axum", "askama"]));
    // Services take the context, never the web state.
    all.extend(web_outside_web(&src()));
    // Every change of a case's status goes through the workflow service, which checks it.
    for file in rust_files(&src()) {
        let rel = file.strip_prefix(src()).unwrap_or(&file).to_string_lossy().to_string();
        if rel == "workflow.rs" || rel.starts_with("store") {
            continue;
        }
        for (n, code) in code_lines(&file) {
            if code.contains("cases::set_status(") {
                all.push(format!("{rel}:{n}: a case's status written outside `workflow.rs`"));
            }
        }
    }
    // Documents render data they are given: no web, no SQL, no keys.
    let mut documents = pure.to_vec();
    documents.extend(["crate::crypto", "keyring"]);
    all.extend(violations("documents", &documents));
    assert!(all.is_empty(), "layering broken:\n{}", all.join("\n"));
    let cycles = cycles(&src());
    assert!(
        cycles.is_empty(),
        "modules under src/ import each other in a circle:\n{}",
        cycles.iter().map(|c| format!("{} → {}", c.join(" → "), c[0])).collect::<Vec<_>>().join("\n")
    );
    // The check reads real files (a test that could not fail would prove nothing).
    assert!(!rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/domain")).is_empty());
    assert!(!violations("web", &["crate::store"]).is_empty(), "the scan finds what is there");
    assert!(!violations("anonymity.rs", &["crate::store"]).is_empty(), "a single file is read too");
}

/// The rules find what they look for: a planted tree with the web state in a service and a cycle
/// between two services fails both.
#[test]
fn the_rules_catch_planted_violations() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("folder");
        std::fs::write(file, text).expect("write");
    };
    write("web/mod.rs", "use crate::review::x;\npub struct AppState;\n");
    write("review/mod.rs", "use crate::web::AppState;\nuse crate::gathering::y;\n");
    write(
        "gathering/mod.rs",
        "// crate::review in a comment does not count\nuse crate::{store, review::z};\n",
    );
    write("store/mod.rs", "pub fn nothing() {}\n");
    write("cli/mod.rs", "use crate::web::AppState;\n");
    let outside = web_outside_web(root);
    assert_eq!(outside.len(), 2, "{outside:?}");
    assert!(outside.iter().all(|v| v.starts_with("review/mod.rs:1")), "{outside:?}");
    let found = cycles(root);
    let members: Vec<BTreeSet<String>> = found.iter().map(|c| c.iter().cloned().collect()).collect();
    assert!(members.contains(&["gathering", "review"].map(String::from).into_iter().collect()), "{found:?}");
    assert!(members.contains(&["review", "web"].map(String::from).into_iter().collect()), "{found:?}");
    // Without the planted lines there is no cycle.
    write("review/mod.rs", "pub fn x() {}\n");
    assert!(cycles(root).is_empty());
    assert!(web_outside_web(root).is_empty());
}
