//! The statutory dataset for the national database, built for `cdop export dataset` and for the
//! background export a coordinator starts in the browser. Anonymised: a zip of CSV files (cases,
//! the analyses' and forms' coded answers, a data dictionary) with a pseudonymous case key stable
//! for the recipient. Full: the same plus the identities, sealed in memory with age to the
//! recipient's public key (`exports.recipients`), so the plaintext never reaches the disk.
//! Callers audit the export.

use crate::config::ExportRecipient;
use crate::crypto::{envelope, keys::Keys};
use crate::domain::notification::SealedIdentity;
use crate::forms::Registry;
use crate::reports::csv;
use crate::store::{Db, dataset};

/// What to export.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Choice {
    /// Reporting years, first and last.
    pub from: i32,
    pub to: i32,
    pub areas: Vec<i64>,
    pub recipient: String,
    pub full: bool,
}

impl Choice {
    pub fn variant(&self) -> &'static str {
        if self.full { "full" } else { "anonymised" }
    }

    /// The file's name (no identifying data: recipient, variant and years).
    pub fn file_name(&self) -> String {
        let ext = if self.full { "zip.age" } else { "zip" };
        format!("dataset-{}-{}-{}-{}.{ext}", self.recipient, self.variant(), self.from, self.to)
    }
}

/// The configured recipient named `name`, with its public key; a message naming the configured
/// ones when there is none.
pub fn recipient<'a>(
    configured: &'a [ExportRecipient],
    name: &str,
) -> Result<(&'a ExportRecipient, age::x25519::Recipient), String> {
    let Some(target) = configured.iter().find(|r| r.name == name) else {
        let known: Vec<&str> = configured.iter().map(|r| r.name.as_str()).collect();
        return Err(if known.is_empty() {
            format!("{name}: no export recipients are configured (add one under [exports] recipients)")
        } else {
            format!("{name}: not configured (recipients: {})", known.join(", "))
        });
    };
    let public = target
        .recipient
        .trim()
        .parse()
        .map_err(|_| format!("{name}: the recipient's key is not an age1 recipient"))?;
    Ok((target, public))
}

/// The export's bytes and how many cases it holds. `step` is told each stage as it starts.
pub async fn build(
    db: &Db,
    registry: &Registry,
    keys: &Keys,
    configured: &[ExportRecipient],
    c: &Choice,
    step: &mut (dyn FnMut(&'static str, i32) + Send),
) -> anyhow::Result<(Vec<u8>, usize)> {
    let (target, public) = recipient(configured, &c.recipient).map_err(anyhow::Error::msg)?;
    step("Reading the cases", 10);
    let cases = dataset::cases(db, c.from, c.to, &c.areas).await?;
    step("Reading the analyses' answers", 30);
    let analysis = dataset::analysis_answers(db, c.from, c.to, &c.areas).await?;
    step("Reading the agency forms' answers", 50);
    let forms = dataset::form_answers(db, c.from, c.to, &c.areas).await?;
    step("Writing the files", 70);
    let key = |id: i64| keys.index.pseudonym(&target.name, id);
    let mut files = crate::reports::dataset::anonymised(&cases, &analysis, &forms, &key, registry).0;
    let bytes = if c.full {
        step("Adding the identities and sealing the file to the recipient", 80);
        let mut identities = csv::row(&[
            "case_key",
            "reference",
            "given_names",
            "family_name",
            "other_names",
            "date_of_birth",
            "nhs_number",
            "address",
            "postcode",
            "gp_practice",
            "date_of_death",
            "time_of_death",
            "place_of_death",
            "notified_on",
            "review_completed_on",
            "age_at_death_days",
        ]);
        // The exact dates the anonymised files leave out, for the identifiable variant only.
        let facts: std::collections::BTreeMap<i64, &dataset::CaseFacts> =
            cases.iter().map(|f| (f.id, f)).collect();
        for (id, reference, sealed) in dataset::sealed(db, c.from, c.to, &c.areas).await? {
            let plain = keys.keyring.open(&sealed).map_err(|e| anyhow::anyhow!("case {reference}: {e}"))?;
            let i: SealedIdentity =
                serde_json::from_slice(&plain).map_err(|e| anyhow::anyhow!("case {reference}: {e}"))?;
            let ch = &i.child;
            identities.push_str(&csv::row(&[
                &key(id),
                &reference,
                &ch.given_names,
                &ch.family_name,
                &ch.other_names,
                &ch.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                &ch.nhs_number.replace(' ', ""),
                &ch.address,
                &ch.postcode,
                &ch.gp_practice,
                &i.death.date_of_death.to_string(),
                &i.death.time_of_death,
                &i.death.place_detail,
                &facts.get(&id).map(|f| f.notified_at.date_naive().to_string()).unwrap_or_default(),
                &facts
                    .get(&id)
                    .and_then(|f| f.review_completed_on)
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                &facts.get(&id).and_then(|f| f.age_at_death_days).map(|d| d.to_string()).unwrap_or_default(),
            ]));
        }
        files.push(("identities.csv".into(), identities));
        let zip = crate::reports::files::zip_files(&files)?;
        envelope::seal_to(&public, &[], &zip)?
    } else {
        crate::reports::files::zip_files(&files)?
    };
    Ok((bytes, cases.len()))
}
