//! The one writer: commits (documents kept, segments written, the manifest swapped), the
//! findings of `check`, and the garbage an interrupted commit leaves.

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use sha2::{Digest, Sha256};

use super::files::{
    read_parquet, read_parquet_columns, sync_dir, write_parquet, write_parquet_with,
};
use super::manifest::{
    read_manifest, read_manifest_of_any_version, Checks, Manifest, Segment, MANIFEST,
};
use super::schema::PerTable;
use super::{io, rollup, rollup_file, schema, segment_file, Change, Table, WarehouseError};
use crate::model::Document;

/// The report index: report_id → (segment id, sha256, source_file).
type ReportIndex = BTreeMap<String, (String, String, String)>;

/// Exclusive write access to a warehouse: holds the lock until dropped.
pub struct Writer {
    pub(super) dir: PathBuf,
    pub(super) manifest: Manifest,
    _lock: File,
    /// Where the last [`Writer::commit`] spent its time.
    pub times: CommitTimes,
    /// The stored reports as of `manifest`, carried from one commit to the next of a run:
    /// read from the segments at every commit, it made a long ingest quadratic. `None`: read
    /// it at the next commit.
    index: Option<ReportIndex>,
}

/// Seconds a commit spent in each stage (`ingest --timings` adds them up).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct CommitTimes {
    /// Reading the stored reports' ids (what is added, replaced or unchanged).
    pub index: f64,
    /// Writing the kept copies of the documents.
    pub documents: f64,
    /// Encoding the new segment (Arrow, then Parquet) and writing it, and rewriting segments
    /// that lose replaced reports.
    pub segments: f64,
    /// Making the documents and segments durable (one `syncfs` on Linux).
    pub sync: f64,
    /// Writing the manifest and making it durable (the commit point).
    pub publish: f64,
}

impl Writer {
    /// Opens (creating if needed) a warehouse for writing; refuses if another process writes.
    pub fn open(dir: &Path) -> Result<Self, WarehouseError> {
        Self::open_with(dir, false)
    }

    /// Opens a warehouse to be rebuilt from scratch: a manifest of an older layout (or an
    /// unreadable one) is no obstacle, since the rebuild replaces everything it names.
    pub fn open_for_rebuild(dir: &Path) -> Result<Self, WarehouseError> {
        Self::open_with(dir, true)
    }

    fn open_with(dir: &Path, rebuild: bool) -> Result<Self, WarehouseError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        let lock_path = dir.join(".lock");
        let lock = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(io(&lock_path))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(fs::TryLockError::WouldBlock) => {
                return Err(WarehouseError::Locked { path: lock_path })
            }
            Err(fs::TryLockError::Error(source)) => {
                return Err(WarehouseError::Io {
                    path: lock_path,
                    source,
                })
            }
        }
        let path = dir.join(MANIFEST);
        let manifest = match (path.exists(), rebuild) {
            (false, _) => Manifest::empty(),
            (true, false) => read_manifest_of_any_version(&path)?,
            (true, true) => read_manifest(&path).unwrap_or_else(|_| Manifest::empty()),
        };
        let mut writer = Writer {
            dir: dir.to_path_buf(),
            manifest,
            _lock: lock,
            times: CommitTimes::default(),
            index: None,
        };
        if writer.manifest.version == 2 {
            writer.migrate_from_v2()?;
        }
        Ok(writer)
    }

    /// Stores the reports of `docs` in one commit; the changes come back in the order of the
    /// documents and their reports. With `rebuild`, the new generation holds
    /// only these documents. A report whose key is already stored from the same document is
    /// left as it is; from another document, it is replaced.
    pub fn commit(
        &mut self,
        docs: &[Document],
        rebuild: bool,
    ) -> Result<Vec<Change>, WarehouseError> {
        self.times = CommitTimes::default();
        let mut clock = std::time::Instant::now();
        let mut lap = || {
            let now = std::time::Instant::now();
            let secs = now.duration_since(clock).as_secs_f64();
            clock = now;
            secs
        };
        let mut index = if rebuild {
            ReportIndex::new()
        } else {
            match self.index.take() {
                Some(index) => index,
                None => self.report_index()?,
            }
        };
        self.times.index = lap();
        let Plan {
            changes,
            keep,
            replaced,
        } = plan(docs, &index);
        if keep.is_empty() && !rebuild {
            self.index = Some(index);
            return Ok(changes);
        }
        let generation = self.manifest.generation + 1;
        for d in &keep {
            self.keep_document(d)?;
        }
        self.times.documents = lap();
        let mut segments = Vec::new();
        let mut rewrote = false;
        if !rebuild {
            let touched: HashSet<&str> = replaced
                .iter()
                .filter_map(|id| index.get(id).map(|(seg, _, _)| seg.as_str()))
                .collect();
            for seg in &self.manifest.segments {
                if touched.contains(seg.id.as_str()) {
                    rewrote = true;
                    if let Some(s) = self.rewrite_without(seg, &replaced, generation)? {
                        segments.push(s);
                    }
                } else {
                    segments.push(seg.clone());
                }
            }
        }
        let mut added = None;
        if !keep.is_empty() {
            let refs: Vec<&Document> = keep.iter().collect();
            let segment = self.write_segment(&refs, generation)?;
            added = Some(segment.id.clone());
            segments.push(segment);
        }
        self.times.segments = lap();
        // Everything the manifest will name made durable before it names it.
        self.sync_written(&keep)?;
        self.times.sync = lap();
        let manifest = Manifest {
            generation,
            segments,
            checks: self.manifest.checks.clone(),
            ..Manifest::empty()
        };
        self.publish(manifest)?;
        self.times.publish = lap();
        // The new segment's reports, as `report_index` would read them back; segments
        // rewritten without replaced reports have new ids: read the index afresh then.
        if !rewrote {
            if let Some(seg) = added {
                for d in &keep {
                    for r in &d.reports {
                        index.insert(
                            r.report_id(),
                            (seg.clone(), d.sha256.clone(), d.source_file.clone()),
                        );
                    }
                }
            }
            self.index = Some(index);
        }
        Ok(changes)
    }

    /// Stores the findings of `gongkai check` for the current generation (atomically, like
    /// any commit).
    pub fn store_checks(&mut self, batch: &RecordBatch) -> Result<(), WarehouseError> {
        let generation = self.manifest.generation;
        // Named by generation and content: unique by construction, and the same findings
        // give the same file.
        let tmp = self.dir.join(".checks.parquet.tmp");
        write_parquet(&tmp, batch)?;
        let bytes = fs::read(&tmp).map_err(io(&tmp))?;
        let hash = Sha256::digest(&bytes);
        let short: String = hash.iter().take(6).map(|b| format!("{b:02x}")).collect();
        let file = format!("checks-{generation:08}-{short}.parquet");
        let path = self.dir.join(&file);
        fs::rename(&tmp, &path).map_err(io(&path))?;
        let old = self.manifest.checks.clone();
        let mut manifest = self.manifest.clone();
        manifest.checks = Some(Checks {
            file: file.clone(),
            generation,
        });
        self.publish(manifest)?;
        if let Some(old) = old.filter(|o| o.file != file) {
            let _ = fs::remove_file(self.dir.join(old.file));
        }
        Ok(())
    }

    /// report_id → (segment, sha256, source_file) over the live segments.
    fn report_index(&self) -> Result<ReportIndex, WarehouseError> {
        let mut index = ReportIndex::new();
        for seg in &self.manifest.segments {
            let path = segment_file(&self.dir, &seg.id, Table::Reports);
            for batch in read_parquet_columns(&path, Some(&["report_id", "sha256", "source_file"]))?
            {
                let col = |name: &str| -> Result<StringArray, WarehouseError> {
                    batch
                        .column_by_name(name)
                        .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned())
                        .ok_or_else(|| WarehouseError::Manifest {
                            path: path.clone(),
                            message: format!("no string column '{name}'"),
                        })
                };
                let (ids, shas, files) = (col("report_id")?, col("sha256")?, col("source_file")?);
                for i in 0..batch.num_rows() {
                    index.insert(
                        ids.value(i).to_string(),
                        (
                            seg.id.clone(),
                            shas.value(i).to_string(),
                            files.value(i).to_string(),
                        ),
                    );
                }
            }
        }
        Ok(index)
    }

    fn keep_document(&self, d: &Document) -> Result<(), WarehouseError> {
        let dir = self.dir.join("documents");
        fs::create_dir_all(&dir).map_err(io(&dir))?;
        let path = dir.join(format!("{}.{}", d.sha256, d.extension));
        if path.exists() {
            return Ok(());
        }
        let tmp = dir.join(format!(".{}.tmp", d.sha256));
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(&d.bytes).map_err(io(&tmp))?;
        // Made durable for the whole commit at once (see `sync_documents`): one fsync per
        // document made ingest of many small reports disk-bound.
        fs::rename(&tmp, &path).map_err(io(&path))
    }

    /// Makes everything this commit wrote (kept documents, new and rewritten segments)
    /// durable before the manifest names it: on Linux one `syncfs` for the commit instead of
    /// an fsync per file and directory; elsewhere each document (segment files were synced as
    /// they were written).
    fn sync_written(&self, docs: &[Document]) -> Result<(), WarehouseError> {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let _ = docs;
            let d = File::open(&self.dir).map_err(io(&self.dir))?;
            // SAFETY: syncfs takes a file descriptor we own for the duration of the call.
            if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
                return Err(WarehouseError::Io {
                    path: self.dir.clone(),
                    source: std::io::Error::last_os_error(),
                });
            }
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
            if docs.is_empty() {
                return Ok(());
            }
            let dir = self.dir.join("documents");
            for doc in docs {
                let path = dir.join(format!("{}.{}", doc.sha256, doc.extension));
                File::open(&path)
                    .and_then(|f| f.sync_all())
                    .map_err(io(&path))?;
            }
            sync_dir(&dir)
        }
    }

    pub(crate) fn new_segment_dir(
        &self,
        generation: u64,
    ) -> Result<(String, PathBuf), WarehouseError> {
        // Unique by construction, not by the clock: the first free sequence number of this
        // generation and process, claimed by `create_dir` (which fails on an existing one).
        let parent = self.dir.join("segments");
        fs::create_dir_all(&parent).map_err(io(&parent))?;
        let pid = std::process::id() % 100_000;
        for seq in 0u32.. {
            let id = format!("{generation:08}-{pid:05}-{seq:09}");
            let path = parent.join(&id);
            match fs::create_dir(&path) {
                Ok(()) => return Ok((id, path)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(io(&path)(e)),
            }
        }
        Err(io(&parent)(std::io::Error::other(
            "no free segment name left in this generation",
        )))
    }

    fn write_segment(
        &self,
        docs: &[&Document],
        generation: u64,
    ) -> Result<Segment, WarehouseError> {
        let (id, dir) = self.new_segment_dir(generation)?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_micros() as i64)
            .unwrap_or(0);
        let batches = schema::batches(docs, now).map_err(|source| WarehouseError::Arrow {
            path: dir.clone(),
            source,
        })?;
        self.finish_segment(id, &dir, &batches)
    }

    /// Writes a copy of a segment without the given reports; `None` when nothing is left.
    fn rewrite_without(
        &self,
        seg: &Segment,
        drop: &HashSet<String>,
        generation: u64,
    ) -> Result<Option<Segment>, WarehouseError> {
        let kept = PerTable::try_build(|table| {
            let path = segment_file(&self.dir, &seg.id, table);
            let mut parts = Vec::new();
            for batch in read_parquet(&path)? {
                let ids = batch
                    .column_by_name("report_id")
                    .and_then(|c| c.as_any().downcast_ref::<StringArray>().cloned())
                    .ok_or_else(|| WarehouseError::Manifest {
                        path: path.clone(),
                        message: "no string column 'report_id'".into(),
                    })?;
                let mask: BooleanArray = (0..ids.len())
                    .map(|i| Some(!drop.contains(ids.value(i))))
                    .collect();
                let b =
                    filter_record_batch(&batch, &mask).map_err(|source| WarehouseError::Arrow {
                        path: path.clone(),
                        source,
                    })?;
                parts.push(b);
            }
            datafusion::arrow::compute::concat_batches(&table.schema(), &parts).map_err(|source| {
                WarehouseError::Arrow {
                    path: path.clone(),
                    source,
                }
            })
        })?;
        if kept.reports.num_rows() == 0 {
            return Ok(None);
        }
        let (id, dir) = self.new_segment_dir(generation)?;
        self.finish_segment(id, &dir, &kept).map(Some)
    }

    /// Writes a new segment's files and makes its directory durable.
    fn finish_segment(
        &self,
        id: String,
        dir: &Path,
        batches: &PerTable<RecordBatch>,
    ) -> Result<Segment, WarehouseError> {
        // On Linux the commit's one `syncfs` (see `sync_written`) makes these durable.
        let linux = cfg!(target_os = "linux");
        for table in Table::ALL {
            write_parquet_with(
                &segment_file(&self.dir, &id, table),
                batches.get(table),
                !linux,
            )?;
        }
        let rollup_path = rollup_file(&self.dir, &id);
        let summed = rollup::rollup(&batches.facts).map_err(|source| WarehouseError::Arrow {
            path: rollup_path.clone(),
            source,
        })?;
        write_parquet_with(&rollup_path, &summed, !linux)?;
        if !linux {
            sync_dir(dir)?;
        }
        Ok(Segment {
            id,
            facts: batches.facts.num_rows() as u64,
            reports: batches.reports.num_rows() as u64,
            rollup: true,
        })
    }

    /// The manifest as of the last commit.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The next generation number.
    pub(crate) fn next_generation(&self) -> u64 {
        self.manifest.generation + 1
    }

    /// The warehouse directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes `segments` the whole content of the warehouse in one atomic step (compaction).
    pub(crate) fn replace_all(
        &mut self,
        segments: Vec<Segment>,
        generation: u64,
    ) -> Result<(), WarehouseError> {
        let manifest = Manifest {
            generation,
            segments,
            checks: self.manifest.checks.clone(),
            ..Manifest::empty()
        };
        self.publish(manifest)
    }

    /// Makes `manifest` the current generation (atomic rename), then removes what it no
    /// longer names.
    pub(super) fn publish(&mut self, manifest: Manifest) -> Result<(), WarehouseError> {
        let path = self.dir.join(MANIFEST);
        let tmp = self.dir.join(".manifest.json.tmp");
        let text =
            serde_json::to_string_pretty(&manifest).map_err(|e| WarehouseError::Manifest {
                path: tmp.clone(),
                message: e.to_string(),
            })?;
        let mut f = File::create(&tmp).map_err(io(&tmp))?;
        f.write_all(text.as_bytes()).map_err(io(&tmp))?;
        f.sync_all().map_err(io(&tmp))?;
        fs::rename(&tmp, &path).map_err(io(&path))?;
        sync_dir(&self.dir)?;
        self.manifest = manifest;
        self.collect_garbage();
        Ok(())
    }

    /// Removes segment directories no manifest names (left by replaced segments or by an
    /// interrupted commit). Failure to remove is harmless: readers never list directories.
    fn collect_garbage(&self) {
        let live: HashSet<&str> = self
            .manifest
            .segments
            .iter()
            .map(|s| s.id.as_str())
            .collect();
        let live_checks = self.manifest.checks.as_ref().map(|c| c.file.as_str());
        if let Ok(entries) = fs::read_dir(&self.dir) {
            for e in entries.flatten() {
                let name = e.file_name();
                let name = name.to_string_lossy();
                if name.starts_with("checks-")
                    && name.ends_with(".parquet")
                    && Some(name.as_ref()) != live_checks
                {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        let Ok(entries) = fs::read_dir(self.dir.join("segments")) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name();
            if !live.contains(name.to_string_lossy().as_ref()) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
}

/// What a commit does, decided before anything is written: each report's change (in the order
/// of the documents and their reports), the documents to store (reduced to their reports that
/// are new or replace others), and the stored reports they replace. Pure, so that the rules —
/// a copy in the batch is a duplicate, a later document with the same key wins, the same
/// document again changes nothing — are tested without a warehouse.
#[derive(Debug, Default)]
pub(super) struct Plan {
    pub changes: Vec<Change>,
    pub keep: Vec<Document>,
    pub replaced: HashSet<String>,
}

pub(super) fn plan(docs: &[Document], index: &ReportIndex) -> Plan {
    let mut changes = Vec::new();
    let mut replaced: HashSet<String> = HashSet::new();
    let mut new_docs: Vec<(&Document, HashSet<String>)> = Vec::new();
    // A later document of the same batch with the same key replaces an earlier one.
    let mut in_batch: std::collections::HashMap<String, (String, String)> =
        std::collections::HashMap::new();
    for d in docs {
        let mut fresh = HashSet::new();
        for r in &d.reports {
            let id = r.report_id();
            if let Some((first, sha)) = in_batch.get(&id) {
                if *sha == d.sha256 {
                    changes.push(Change::Duplicate {
                        report_id: id.clone(),
                        of: first.clone(),
                    });
                    continue;
                }
            }
            if let Some((earlier, _)) =
                in_batch.insert(id.clone(), (d.source_file.clone(), d.sha256.clone()))
            {
                fresh.insert(id.clone());
                changes.push(Change::Replaced {
                    report_id: id.clone(),
                    figures: r.figures.len(),
                    previous_source: earlier,
                });
                if index.contains_key(&id) {
                    replaced.insert(id);
                }
                continue;
            }
            match index.get(&id) {
                Some((_, sha, _)) if *sha == d.sha256 => {
                    changes.push(Change::Unchanged { report_id: id })
                }
                Some((_, _, source)) => {
                    fresh.insert(id.clone());
                    changes.push(Change::Replaced {
                        report_id: id.clone(),
                        figures: r.figures.len(),
                        previous_source: source.clone(),
                    });
                    replaced.insert(id);
                }
                None => {
                    fresh.insert(id.clone());
                    changes.push(Change::Added {
                        report_id: id,
                        figures: r.figures.len(),
                    });
                }
            }
        }
        if !fresh.is_empty() {
            new_docs.push((d, fresh));
        }
    }
    // Within one batch, a later document with the same key wins over an earlier one.
    let mut seen = HashSet::new();
    let mut keep: Vec<Document> = Vec::new();
    for (d, fresh) in new_docs.iter().rev() {
        let mut d = (*d).clone();
        d.reports
            .retain(|r| fresh.contains(&r.report_id()) && seen.insert(r.report_id()));
        if !d.reports.is_empty() {
            keep.push(d);
        }
    }
    keep.reverse();
    Plan {
        changes,
        keep,
        replaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segment_directories_of_one_generation_never_collide() {
        let dir = tempfile::tempdir().expect("tempdir");
        let w = Writer::open(dir.path()).expect("writer");
        let mut ids = std::collections::HashSet::new();
        for _ in 0..50 {
            let (id, path) = w.new_segment_dir(7).expect("segment dir");
            assert!(path.is_dir());
            assert!(ids.insert(id), "a segment name was given twice");
        }
    }

    fn doc(file: &str, sha: &str, bodies: &[&str]) -> Document {
        use crate::model::{Place, Report, ReportMeta, Scope, Template};
        Document {
            source_file: file.into(),
            sha256: sha.into(),
            extension: "txt".into(),
            bytes: Vec::new(),
            reports: bodies
                .iter()
                .map(|b| Report {
                    meta: ReportMeta {
                        jurisdiction: String::new(),
                        body: b.to_string(),
                        year: 2017,
                        scope: Scope::Whole,
                        scope_reason: String::new(),
                        template: Template::National2014,
                        title: String::new(),
                        place: Place::default(),
                    },
                    figures: Vec::new(),
                    unmapped: Vec::new(),
                    problems: Vec::new(),
                    notes: Vec::new(),
                    lines: (1, 1),
                })
                .collect(),
        }
    }

    fn kinds(p: &Plan) -> Vec<&'static str> {
        p.changes
            .iter()
            .map(|c| match c {
                Change::Added { .. } => "added",
                Change::Replaced { .. } => "replaced",
                Change::Unchanged { .. } => "unchanged",
                Change::Duplicate { .. } => "duplicate",
            })
            .collect()
    }

    #[test]
    fn a_plan_adds_new_reports_and_leaves_a_document_ingested_again() {
        let mut index = ReportIndex::new();
        index.insert(
            "甲/2017/whole".into(),
            ("seg".into(), "s1".into(), "a.txt".into()),
        );
        let p = plan(
            &[doc("a.txt", "s1", &["甲"]), doc("b.txt", "s2", &["乙"])],
            &index,
        );
        assert_eq!(kinds(&p), ["unchanged", "added"]);
        assert_eq!(p.keep.len(), 1);
        assert_eq!(p.keep[0].source_file, "b.txt");
        assert!(p.replaced.is_empty());
    }

    #[test]
    fn a_plan_replaces_a_stored_report_from_another_document() {
        let mut index = ReportIndex::new();
        index.insert(
            "甲/2017/whole".into(),
            ("seg".into(), "old".into(), "old.txt".into()),
        );
        let p = plan(&[doc("new.txt", "new", &["甲"])], &index);
        assert_eq!(kinds(&p), ["replaced"]);
        assert!(p.replaced.contains("甲/2017/whole"));
        assert_eq!(p.keep.len(), 1);
    }

    #[test]
    fn in_one_batch_a_copy_is_a_duplicate_and_a_later_document_wins() {
        let index = ReportIndex::new();
        let p = plan(
            &[
                doc("a.txt", "s1", &["甲"]),
                doc("copy.txt", "s1", &["甲"]),
                doc("b.txt", "s2", &["甲"]),
            ],
            &index,
        );
        assert_eq!(kinds(&p), ["added", "duplicate", "replaced"]);
        // The report is stored once, from the last document.
        assert_eq!(p.keep.len(), 1);
        assert_eq!(p.keep[0].source_file, "b.txt");
        assert!(p.replaced.is_empty(), "nothing stored was replaced");
    }
}
