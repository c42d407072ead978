//! Key rotation (a service over `crypto` and `store`): re-seal every record to a new service
//! identity (plus the recovery recipients), in batches, verifying each record opens with the new
//! identity and no longer with the old before it is written. Progress is the `sealed_key` column itself, so an interrupted rotation resumes
//! where it stopped; the old identity keeps opening every record not yet re-sealed.

use age::x25519::{Identity, Recipient};

use crate::crypto::envelope::{open_with, seal_to};
use crate::store::sealed::{self, SealedTable};
use crate::store::{self, Db, cases, form_requests, outbox};

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub cases_resealed: u64,
    pub mail_resealed: u64,
    /// Kept versions of amended notifications, and drafts.
    pub versions_resealed: u64,
    pub drafts_resealed: u64,
    /// Form requests (the recipient and the answers of each, under one key).
    pub forms_resealed: u64,
    /// Review records: minutes, pack summaries and narratives, analyses, actions, briefings,
    /// distribution lists, family contacts, key workers.
    pub review_resealed: u64,
    /// References (or `mail #id`) of records the old identities could not open.
    pub failed: Vec<String>,
    /// Records still to do when a `limit` stopped the run early.
    pub remaining: u64,
}

struct Resealed {
    id: i64,
    label: String,
    /// Every sealed field of the record, re-sealed (all or nothing).
    sealed: Option<Vec<Vec<u8>>>,
}

/// Re-seals one record; `None` when it cannot be opened or the result does not verify.
fn reseal(old: &[Identity], new: &Identity, recovery: &[Recipient], ciphertext: &[u8]) -> Option<Vec<u8>> {
    let plaintext = open_with(old, ciphertext).ok()?;
    let resealed = seal_to(&new.to_public(), recovery, &plaintext).ok()?;
    let opens_with_new = open_with(std::slice::from_ref(new), &resealed).ok()? == plaintext;
    let old_only: Vec<Identity> = old.iter().filter(|i| i.to_public() != new.to_public()).cloned().collect();
    let closed_to_old = old_only.is_empty() || open_with(&old_only, &resealed).is_err();
    (opens_with_new && closed_to_old).then_some(resealed)
}

/// The kinds of sealed record.
#[derive(Clone, Copy)]
enum Kind {
    Case,
    Mail,
    Version,
    Draft,
    Form,
    Review(&'static SealedTable),
}

impl Kind {
    /// The table of a kind kept in one sealed column.
    fn table(self) -> Option<&'static SealedTable> {
        match self {
            Kind::Version => Some(&sealed::CASE_VERSIONS),
            Kind::Draft => Some(&sealed::DRAFTS),
            Kind::Review(t) => Some(t),
            Kind::Case | Kind::Mail | Kind::Form => None,
        }
    }

    /// The next batch not sealed to `key`, as (id, label, ciphertext).
    async fn batch(
        self,
        db: &Db,
        key: &str,
        after: i64,
        take: u64,
    ) -> anyhow::Result<Vec<(i64, String, Vec<Vec<u8>>)>> {
        Ok(match self {
            Kind::Case => cases::not_sealed_to(db, key, after, take)
                .await?
                .into_iter()
                .map(|c| (c.id, c.reference, vec![c.sealed]))
                .collect(),
            Kind::Mail => outbox::unsent_not_sealed_to(db, key, after, take)
                .await?
                .into_iter()
                .filter_map(|m| m.sealed_to.map(|s| (m.id, format!("mail #{}", m.id), vec![s])))
                .collect(),

            Kind::Form => form_requests::not_sealed_to(db, key, after, take)
                .await?
                .into_iter()
                .map(|r| {
                    let mut blobs = vec![r.recipient_sealed];
                    blobs.extend(r.answers_sealed);
                    (r.id, format!("form request #{}", r.id), blobs)
                })
                .collect(),
            Kind::Version | Kind::Draft | Kind::Review(_) => {
                let t = self.table().ok_or_else(|| anyhow::anyhow!("a sealed table"))?;
                sealed::not_sealed_to(db, t, key, after, take)
                    .await?
                    .into_iter()
                    .map(|(id, blob)| (id, format!("{} #{id}", t.label), vec![blob]))
                    .collect()
            }
        })
    }

    async fn write<C: sea_orm::ConnectionTrait>(
        self,
        conn: &C,
        id: i64,
        sealed: Vec<Vec<u8>>,
        key: &str,
    ) -> anyhow::Result<()> {
        let mut blobs = sealed.into_iter();
        let first = blobs.next().ok_or_else(|| anyhow::anyhow!("nothing re-sealed"))?;
        match self {
            Kind::Case => cases::replace_sealed(conn, id, first, key).await?,
            Kind::Mail => outbox::replace_sealed_to(conn, id, first, key).await?,
            Kind::Form => form_requests::replace_sealed(conn, id, first, blobs.next(), key).await?,
            Kind::Version | Kind::Draft | Kind::Review(_) => {
                let t = self.table().ok_or_else(|| anyhow::anyhow!("a sealed table"))?;
                sealed::replace(conn, t, id, first, key).await?
            }
        }
        Ok(())
    }
}

/// Rotates up to `limit` records (all when `None`), `batch` at a time, calling `progress` after
/// each batch with the running report.
pub async fn rotate(
    db: &Db,
    old: Vec<Identity>,
    new: Identity,
    recovery: Vec<Recipient>,
    batch: u64,
    limit: Option<u64>,
    mut progress: impl FnMut(&Report),
) -> anyhow::Result<Report> {
    let new_key = new.to_public().to_string();
    let mut report = Report::default();
    let mut done = 0u64;
    let kinds = [Kind::Case, Kind::Mail, Kind::Version, Kind::Draft, Kind::Form]
        .into_iter()
        .chain(sealed::TABLES.iter().map(Kind::Review));
    for kind in kinds {
        let mut after = 0i64;
        loop {
            let take = batch.min(limit.map(|l| l.saturating_sub(done)).unwrap_or(u64::MAX));
            if take == 0 {
                break;
            }
            let work = kind.batch(db, &new_key, after, take).await?;
            let Some(last) = work.last() else { break };
            after = last.0;
            let (o, n, r) = (old.clone(), new.clone(), recovery.clone());
            let results = tokio::task::spawn_blocking(move || {
                work.into_iter()
                    .map(|(id, label, blobs)| Resealed {
                        id,
                        label,
                        sealed: blobs.iter().map(|b| reseal(&o, &n, &r, b)).collect::<Option<Vec<_>>>(),
                    })
                    .collect::<Vec<_>>()
            })
            .await?;
            let txn = store::begin_write(db).await?;
            for r in results {
                done += 1;
                match r.sealed {
                    Some(sealed) => {
                        kind.write(&txn, r.id, sealed, &new_key).await?;
                        match kind {
                            Kind::Case => report.cases_resealed += 1,
                            Kind::Mail => report.mail_resealed += 1,
                            Kind::Version => report.versions_resealed += 1,
                            Kind::Draft => report.drafts_resealed += 1,
                            Kind::Form => report.forms_resealed += 1,
                            Kind::Review(_) => report.review_resealed += 1,
                        }
                    }
                    None => report.failed.push(r.label),
                }
            }
            txn.commit().await?;
            progress(&report);
        }
    }
    let left = count_not_sealed_to(db, &new_key).await?;
    report.remaining = left.saturating_sub(report.failed.len() as u64);
    Ok(report)
}

/// Records of every kind not yet sealed to `key`.
pub async fn count_not_sealed_to(db: &Db, key: &str) -> anyhow::Result<u64> {
    Ok(cases::count_not_sealed_to(db, key).await?
        + outbox::count_unsent_not_sealed_to(db, key).await?
        + sealed::count_not_sealed_to(db, &sealed::CASE_VERSIONS, key).await?
        + sealed::count_not_sealed_to(db, &sealed::DRAFTS, key).await?
        + form_requests::count_not_sealed_to(db, key).await?
        + review_not_sealed_to(db, key).await?)
}

async fn review_not_sealed_to(db: &Db, key: &str) -> anyhow::Result<u64> {
    let mut n = 0;
    for t in sealed::TABLES {
        n += sealed::count_not_sealed_to(db, t, key).await?;
    }
    Ok(n)
}
