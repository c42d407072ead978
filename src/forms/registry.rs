//! Every form definition the service knows, loaded once at start-up from `forms.dir`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use chrono::NaiveDate;

use super::definition::{self, CaseFacts, DefinitionError, Family, FormVersion};

/// All versions of every form, by code; versions ordered by the date they apply from.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    forms: BTreeMap<String, Vec<Arc<FormVersion>>>,
}

/// A supplementary form suggested for a case, with why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub code: String,
    pub reason: String,
}

impl Registry {
    /// Builds a registry from parsed files, checking the rules that span versions.
    pub fn from_versions(versions: Vec<FormVersion>) -> Result<Registry, Vec<DefinitionError>> {
        let mut forms: BTreeMap<String, Vec<Arc<FormVersion>>> = BTreeMap::new();
        for v in versions {
            forms.entry(v.code.clone()).or_default().push(Arc::new(v));
        }
        let mut errors = Vec::new();
        for list in forms.values_mut() {
            list.sort_by(|a, b| a.applies_from.cmp(&b.applies_from).then(a.version.cmp(&b.version)));
            let first = &list[0];
            for v in list.iter().skip(1) {
                if v.family != first.family {
                    errors.push(DefinitionError {
                        file: v.file.clone(),
                        key: None,
                        message: format!("family differs from {} of the same form", first.file),
                    });
                }
                if v.applies_from == first.applies_from && !v.legacy && !first.legacy {
                    errors.push(DefinitionError {
                        file: v.file.clone(),
                        key: None,
                        message: format!("applies from the same date as {}", first.file),
                    });
                }
            }
            let refs: Vec<&FormVersion> = list.iter().map(|v| v.as_ref()).collect();
            errors.extend(definition::check_versions(&refs));
        }
        if !forms.contains_key("reporting") && !forms.is_empty() {
            errors.push(DefinitionError {
                file: "reporting/".into(),
                key: None,
                message: "no Reporting Form is defined (a folder `reporting` with at least one version)"
                    .into(),
            });
        }
        if errors.is_empty() { Ok(Registry { forms }) } else { Err(errors) }
    }

    /// Parses and checks definitions given as (path under the forms directory, contents).
    /// The definitions built into the binary (`config/forms` at build time).
    pub fn shipped() -> Result<Registry, Vec<DefinitionError>> {
        let files: Vec<(String, String)> =
            super::shipped::SHIPPED.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
        Registry::from_files(&files)
    }

    pub fn from_files(files: &[(String, String)]) -> Result<Registry, Vec<DefinitionError>> {
        let mut versions = Vec::new();
        let mut errors = Vec::new();
        for (rel, text) in files {
            match definition::parse(rel, text) {
                Ok(v) => versions.push(v),
                Err(e) => errors.extend(e),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Registry::from_versions(versions)
    }

    /// Reads and checks every `*.toml` under `dir` (recursively). All faults are returned at once.
    pub fn load_dir(dir: &Path) -> Result<Registry, Vec<DefinitionError>> {
        let mut files = Vec::new();
        collect(dir, dir, &mut files).map_err(|e| {
            vec![DefinitionError { file: dir.display().to_string(), key: None, message: e.to_string() }]
        })?;
        files.sort();
        if files.is_empty() {
            return Err(vec![DefinitionError {
                file: dir.display().to_string(),
                key: None,
                message: "holds no form definitions (*.toml)".into(),
            }]);
        }
        let mut texts = Vec::new();
        for rel in files {
            match std::fs::read_to_string(dir.join(&rel)) {
                Ok(text) => texts.push((rel, text)),
                Err(e) => return Err(vec![DefinitionError { file: rel, key: None, message: e.to_string() }]),
            }
        }
        Registry::from_files(&texts)
    }

    /// Form codes with their versions, reporting form first.
    pub fn forms(&self) -> impl Iterator<Item = (&str, &[Arc<FormVersion>])> {
        let reporting = self.forms.get_key_value("reporting");
        reporting
            .into_iter()
            .chain(self.forms.iter().filter(|(k, _)| k.as_str() != "reporting"))
            .map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    pub fn version(&self, code: &str, version: &str) -> Option<Arc<FormVersion>> {
        self.forms.get(code)?.iter().find(|v| v.version == version).cloned()
    }

    /// The version new requests get on `date`: the newest non-legacy version already in force,
    /// or, before any is, the earliest non-legacy one.
    pub fn current(&self, code: &str, date: NaiveDate) -> Option<Arc<FormVersion>> {
        let live: Vec<&Arc<FormVersion>> = self.forms.get(code)?.iter().filter(|v| !v.legacy).collect();
        live.iter().rev().find(|v| v.applies_from <= date).or(live.first()).map(|v| Arc::clone(v))
    }

    /// The title of a form (from its newest version).
    pub fn title(&self, code: &str) -> Option<&str> {
        self.forms.get(code)?.last().map(|v| v.title.as_str())
    }

    /// Supplementary forms that can be requested on `date`, in title order.
    pub fn supplementary(&self, date: NaiveDate) -> Vec<Arc<FormVersion>> {
        let mut out: Vec<Arc<FormVersion>> = self
            .forms
            .iter()
            .filter(|(_, v)| v.first().is_some_and(|f| f.family == Family::Supplementary))
            .filter_map(|(code, _)| self.current(code, date))
            .collect();
        out.sort_by(|a, b| a.title.cmp(&b.title));
        out
    }

    /// Supplementary forms whose rules match the case's coded facts.
    pub fn suggest(&self, facts: &CaseFacts, date: NaiveDate) -> Vec<Suggestion> {
        self.supplementary(date)
            .iter()
            .filter_map(|v| {
                v.suggest
                    .iter()
                    .find(|r| r.matches(facts))
                    .map(|r| Suggestion { code: v.code.clone(), reason: r.reason.clone() })
            })
            .collect()
    }
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect(root, &path, out)?;
        } else if path.extension().is_some_and(|e| e == "toml")
            && let Ok(rel) = path.strip_prefix(root)
        {
            out.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
    Ok(())
}
