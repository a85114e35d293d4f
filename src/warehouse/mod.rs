//! The Parquet warehouse: a directory that changes only by complete commits.
//!
//! Layout of a warehouse directory (default `data/`):
//!
//! ```text
//! manifest.json                    the current generation: which segments are live
//! segments/<id>/facts.parquet      one segment per commit (or per rewrite), one file per table
//! segments/<id>/reports.parquet
//! segments/<id>/unmapped.parquet
//! segments/<id>/problems.parquet
//! documents/<sha256>.<ext>         every ingested document, content-addressed (provenance)
//! .lock                            held (flock) by the one process writing
//! ```
//!
//! Why a manifest: a commit writes its new segment files first, then replaces `manifest.json`
//! by an atomic rename. Until that rename, readers (and a crash) see the previous generation
//! complete; after it, the new one. Files no manifest names are garbage from an interrupted
//! commit and are removed by the next writer. Replacing a report (same body, year and scope)
//! rewrites the segments that held it without its rows.

pub mod schema;

use std::collections::{BTreeMap, HashSet};
use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use datafusion::arrow::array::{Array, BooleanArray, RecordBatch, StringArray};
use datafusion::arrow::compute::filter_record_batch;
use datafusion::arrow::error::ArrowError;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::Document;
pub use schema::Table;

const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "gongkai-warehouse";
/// Layout version: 2 added the place columns (division_code, province, level); 3 added
/// `facts.origin` (table or prose) and `reports.scope_reason`. A version-2 warehouse is upgraded in place by the first
/// writer that opens it ([`Writer::open`], `gongkai migrate`).
const VERSION: u32 = 3;

/// What can go wrong with a warehouse; every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum WarehouseError {
    /// A file or directory operation failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `manifest.json` is unreadable or not ours.
    #[error("{}: not a valid gongkai manifest: {message}", path.display())]
    Manifest {
        /// The manifest's path.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A Parquet file is corrupt or not of the expected schema.
    #[error("{}: {source}", path.display())]
    Parquet {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: ParquetError,
    },
    /// Building a batch failed.
    #[error("{}: {source}", path.display())]
    Arrow {
        /// The file being written or read.
        path: PathBuf,
        /// The cause.
        source: ArrowError,
    },
    /// Another process is writing.
    #[error("{}: another gongkai process is writing to this warehouse; try again when it has finished", path.display())]
    Locked {
        /// The lock file.
        path: PathBuf,
    },
    /// Compaction could not read or sort the warehouse.
    #[error("{}: compaction failed (the warehouse is as it was): {message}", path.display())]
    Compact {
        /// The warehouse.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// There is no warehouse where one was asked for.
    #[error("{}: no warehouse here (no {MANIFEST}); create one with `gongkai ingest --data {} REPORT…`", path.display(), path.display())]
    Missing {
        /// The directory.
        path: PathBuf,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WarehouseError + '_ {
    move |source| WarehouseError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// One live segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Segment {
    /// The directory name under `segments/`.
    pub id: String,
    /// Rows in its `facts.parquet`.
    pub facts: u64,
    /// Reports in it.
    pub reports: u64,
}

/// The contents of `manifest.json`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always `gongkai-warehouse`.
    pub format: String,
    /// Layout version.
    pub version: u32,
    /// Increases by one with every commit.
    pub generation: u64,
    /// The live segments, oldest first.
    pub segments: Vec<Segment>,
    /// The findings of the last `gongkai check`, and the generation they were computed on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checks: Option<Checks>,
}

/// Where the findings of `gongkai check` are.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Checks {
    /// File name in the warehouse directory.
    pub file: String,
    /// The generation they describe (older than the manifest's: stale).
    pub generation: u64,
}

impl Manifest {
    fn empty() -> Self {
        Manifest {
            format: FORMAT.into(),
            version: VERSION,
            generation: 0,
            segments: Vec::new(),
            checks: None,
        }
    }
}

/// What a commit did to one report.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// A new report.
    Added {
        /// Its id.
        report_id: String,
        /// Figures stored.
        figures: usize,
    },
    /// A report with the same key, from another document, was replaced.
    Replaced {
        /// Its id.
        report_id: String,
        /// Figures stored.
        figures: usize,
        /// Where the replaced report came from.
        previous_source: String,
    },
    /// The same document was ingested before: nothing changed.
    Unchanged {
        /// Its id.
        report_id: String,
    },
    /// A copy of a document earlier in the same batch (the same bytes): nothing to store.
    Duplicate {
        /// Its id.
        report_id: String,
        /// The earlier document.
        of: String,
    },
}

/// An open warehouse directory.
#[derive(Debug)]
pub struct Warehouse {
    dir: PathBuf,
    manifest: Manifest,
}

/// The report index: report_id → (segment id, sha256, source_file).
type ReportIndex = BTreeMap<String, (String, String, String)>;

impl Warehouse {
    /// Opens an existing warehouse for reading.
    pub fn open(dir: &Path) -> Result<Self, WarehouseError> {
        let path = dir.join(MANIFEST);
        if !path.exists() {
            return Err(WarehouseError::Missing {
                path: dir.to_path_buf(),
            });
        }
        let manifest = read_manifest(&path)?;
        Ok(Warehouse {
            dir: dir.to_path_buf(),
            manifest,
        })
    }

    /// No warehouse yet at `dir`: every table empty (the shell still opens, and files can be
    /// queried by name).
    pub fn empty(dir: &Path) -> Self {
        Warehouse {
            dir: dir.to_path_buf(),
            manifest: Manifest::empty(),
        }
    }

    /// True when `dir` holds a warehouse (of any layout version).
    pub fn exists(dir: &Path) -> bool {
        dir.join(MANIFEST).is_file()
    }

    /// The warehouse directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The current manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The Parquet files of a table, one per live segment.
    pub fn table_files(&self, table: Table) -> Vec<PathBuf> {
        self.manifest
            .segments
            .iter()
            .map(|s| segment_file(&self.dir, &s.id, table))
            .collect()
    }

    /// The findings file of the last `gongkai check`, if any, and whether it is stale.
    pub fn checks_file(&self) -> Option<(PathBuf, bool)> {
        self.manifest.checks.as_ref().map(|c| {
            (
                self.dir.join(&c.file),
                c.generation != self.manifest.generation,
            )
        })
    }

    /// Verifies the warehouse's integrity: every file the manifest names exists, is Parquet
    /// of the expected schema, reads to the end, and holds the rows the manifest counts; every
    /// kept document matches its hash. Returns one sentence per problem (empty: sound).
    pub fn verify(&self) -> Vec<String> {
        use sha2::{Digest, Sha256};
        let mut problems = Vec::new();
        let mut shas = std::collections::BTreeSet::new();
        for seg in &self.manifest.segments {
            for table in Table::ALL {
                let path = segment_file(&self.dir, &seg.id, table);
                match read_parquet(&path) {
                    Err(e) => problems.push(e.to_string()),
                    Ok(batches) => {
                        let expected = table.schema();
                        if let Some(b) = batches.first() {
                            let got: Vec<(String, String)> = b
                                .schema()
                                .fields()
                                .iter()
                                .map(|f| (f.name().clone(), f.data_type().to_string()))
                                .collect();
                            let want: Vec<(String, String)> = expected
                                .fields()
                                .iter()
                                .map(|f| (f.name().clone(), f.data_type().to_string()))
                                .collect();
                            if got != want {
                                problems.push(format!(
                                    "{}: not a gongkai {} file (its columns differ)",
                                    path.display(),
                                    table.name()
                                ));
                                continue;
                            }
                        }
                        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
                        let counted = match table {
                            Table::Facts => Some(seg.facts as usize),
                            Table::Reports => Some(seg.reports as usize),
                            _ => None,
                        };
                        if counted.is_some_and(|c| c != rows) {
                            problems.push(format!(
                                "{}: {rows} rows, the manifest counts {}",
                                path.display(),
                                counted.unwrap_or(0)
                            ));
                        }
                        if table == Table::Reports {
                            for b in &batches {
                                if let Some(a) = b
                                    .column_by_name("sha256")
                                    .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                                {
                                    shas.extend((0..a.len()).map(|i| a.value(i).to_string()));
                                }
                            }
                        }
                    }
                }
            }
        }
        // The kept documents listed once (a scan per hash made this quadratic: 247,280
        // documents took minutes).
        let kept: std::collections::HashMap<String, PathBuf> =
            fs::read_dir(self.dir.join("documents"))
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter_map(|p| {
                            let stem = p.file_stem()?.to_str()?.to_string();
                            Some((stem, p))
                        })
                        .collect()
                })
                .unwrap_or_default();
        for sha in shas {
            match kept.get(&sha).cloned() {
                None => problems.push(format!(
                    "{}: no kept copy of document {sha}",
                    self.dir.join("documents").display()
                )),
                Some(p) => match fs::read(&p) {
                    Ok(bytes) if format!("{:x}", Sha256::digest(&bytes)) == sha => {}
                    Ok(_) => {
                        problems.push(format!("{}: content does not match its hash", p.display()))
                    }
                    Err(e) => problems.push(format!("{}: {e}", p.display())),
                },
            }
        }
        if let Some((path, _)) = self.checks_file() {
            if let Err(e) = read_parquet(&path) {
                problems.push(e.to_string());
            }
        }
        problems
    }

    /// Where the kept copy of a document with this hash lives, if it was kept.
    pub fn document_path(&self, sha256: &str) -> Option<PathBuf> {
        let dir = self.dir.join("documents");
        // The extensions ingest collects from a directory first: the prose check asks for
        // every report's document, and a directory scan each time was quadratic.
        for ext in ["txt", "pdf", "html", "htm", "md", "markdown", "text"] {
            let p = dir.join(format!("{sha256}.{ext}"));
            if p.is_file() {
                return Some(p);
            }
        }
        fs::read_dir(&dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.file_stem().and_then(|s| s.to_str()) == Some(sha256))
    }
}

pub(crate) fn segment_file(dir: &Path, id: &str, table: Table) -> PathBuf {
    dir.join("segments")
        .join(id)
        .join(format!("{}.parquet", table.name()))
}

fn read_manifest(path: &Path) -> Result<Manifest, WarehouseError> {
    let m = read_manifest_of_any_version(path)?;
    if m.version == 2 {
        return Err(WarehouseError::Manifest {
            path: path.to_path_buf(),
            message: format!(
                "layout version 2 (before facts.origin and reports.scope_reason); upgrade it in place: gongkai migrate --data {}",
                path.parent().unwrap_or(Path::new(".")).display()
            ),
        });
    }
    Ok(m)
}

fn read_manifest_of_any_version(path: &Path) -> Result<Manifest, WarehouseError> {
    let text = fs::read_to_string(path).map_err(io(path))?;
    let m: Manifest = serde_json::from_str(&text).map_err(|e| WarehouseError::Manifest {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if m.format != FORMAT || (m.version != VERSION && m.version != 2) {
        return Err(WarehouseError::Manifest {
            path: path.to_path_buf(),
            message: format!(
                "format '{}' version {} (expected {FORMAT} {VERSION}); rebuild it: gongkai ingest --rebuild --data DIR REPORTS…",
                m.format, m.version
            ),
        });
    }
    Ok(m)
}

/// Exclusive write access to a warehouse: holds the lock until dropped.
pub struct Writer {
    dir: PathBuf,
    manifest: Manifest,
    _lock: File,
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
        };
        if writer.manifest.version == 2 {
            writer.migrate_from_v2()?;
        }
        Ok(writer)
    }

    /// Layout 2 → 3: every segment rewritten with `facts.origin` (`table`: layout 2 stored
    /// table figures only), published in one atomic commit like any other.
    fn migrate_from_v2(&mut self) -> Result<(), WarehouseError> {
        let generation = self.manifest.generation + 1;
        let mut segments = Vec::new();
        for seg in &self.manifest.segments.clone() {
            let (id, dir) = self.new_segment_dir(generation)?;
            for table in Table::ALL {
                let from = segment_file(&self.dir, &seg.id, table);
                let to = segment_file(&self.dir, &id, table);
                if !matches!(table, Table::Facts | Table::Reports) {
                    fs::copy(&from, &to).map_err(io(&to))?;
                    continue;
                }
                let mut parts = Vec::new();
                for batch in read_parquet(&from)? {
                    parts.push(schema::upgrade_from_v2(table, &batch).map_err(|source| {
                        WarehouseError::Arrow {
                            path: from.clone(),
                            source,
                        }
                    })?);
                }
                let schema = table.schema();
                let merged = datafusion::arrow::compute::concat_batches(&schema, &parts).map_err(
                    |source| WarehouseError::Arrow {
                        path: from.clone(),
                        source,
                    },
                )?;
                write_parquet(&to, &merged)?;
            }
            sync_dir(&dir)?;
            segments.push(Segment { id, ..seg.clone() });
        }
        let manifest = Manifest {
            generation,
            segments,
            // Findings name rows, not columns: still those of this content.
            checks: self
                .manifest
                .checks
                .clone()
                .map(|c| Checks { generation, ..c }),
            ..Manifest::empty()
        };
        self.publish(manifest)
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
        let index = if rebuild {
            ReportIndex::new()
        } else {
            self.report_index()?
        };
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
        if keep.is_empty() && !rebuild {
            return Ok(changes);
        }
        let generation = self.manifest.generation + 1;
        for d in &keep {
            self.keep_document(d)?;
        }
        if !keep.is_empty() {
            self.sync_documents(&keep)?;
        }
        let mut segments = Vec::new();
        if !rebuild {
            let touched: HashSet<&str> = replaced
                .iter()
                .filter_map(|id| index.get(id).map(|(seg, _, _)| seg.as_str()))
                .collect();
            for seg in &self.manifest.segments {
                if touched.contains(seg.id.as_str()) {
                    if let Some(s) = self.rewrite_without(seg, &replaced, generation)? {
                        segments.push(s);
                    }
                } else {
                    segments.push(seg.clone());
                }
            }
        }
        if !keep.is_empty() {
            let refs: Vec<&Document> = keep.iter().collect();
            segments.push(self.write_segment(&refs, generation)?);
        }
        let manifest = Manifest {
            generation,
            segments,
            checks: self.manifest.checks.clone(),
            ..Manifest::empty()
        };
        self.publish(manifest)?;
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

    /// Makes every document written by this commit durable before the manifest names them:
    /// one `syncfs` on Linux instead of an fsync per file.
    fn sync_documents(&self, docs: &[Document]) -> Result<(), WarehouseError> {
        let dir = self.dir.join("documents");
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let _ = docs;
            let d = File::open(&dir).map_err(io(&dir))?;
            // SAFETY: syncfs takes a file descriptor we own for the duration of the call.
            if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
                return Err(WarehouseError::Io {
                    path: dir,
                    source: std::io::Error::last_os_error(),
                });
            }
            Ok(())
        }
        #[cfg(not(target_os = "linux"))]
        {
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
        for (table, batch) in Table::ALL.iter().zip(batches.iter()) {
            write_parquet(&segment_file(&self.dir, &id, *table), batch)?;
        }
        sync_dir(&dir)?;
        Ok(Segment {
            id,
            facts: batches[0].num_rows() as u64,
            reports: batches[1].num_rows() as u64,
        })
    }

    /// Writes a copy of a segment without the given reports; `None` when nothing is left.
    fn rewrite_without(
        &self,
        seg: &Segment,
        drop: &HashSet<String>,
        generation: u64,
    ) -> Result<Option<Segment>, WarehouseError> {
        let mut kept: Vec<RecordBatch> = Vec::new();
        for table in Table::ALL {
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
            let merged = datafusion::arrow::compute::concat_batches(&table.schema(), &parts)
                .map_err(|source| WarehouseError::Arrow {
                    path: path.clone(),
                    source,
                })?;
            kept.push(merged);
        }
        if kept[1].num_rows() == 0 {
            return Ok(None);
        }
        let (id, dir) = self.new_segment_dir(generation)?;
        for (table, batch) in Table::ALL.iter().zip(kept.iter()) {
            write_parquet(&segment_file(&self.dir, &id, *table), batch)?;
        }
        sync_dir(&dir)?;
        Ok(Some(Segment {
            id,
            facts: kept[0].num_rows() as u64,
            reports: kept[1].num_rows() as u64,
        }))
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
    fn publish(&mut self, manifest: Manifest) -> Result<(), WarehouseError> {
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

/// The Parquet settings of every warehouse file: zstd, page-level statistics (pruning by
/// indicator and year), and a bloom filter on `report_id` so that "all figures of one report"
/// stays cheap in large files.
pub(crate) fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::try_new(3).unwrap_or_default()))
        .set_statistics_enabled(EnabledStatistics::Page)
        .set_column_bloom_filter_enabled("report_id".into(), true)
        // Sized for the reports of a row group, not the default million values.
        .set_column_bloom_filter_max_ndv("report_id".into(), 20_000)
        .set_max_row_group_row_count(Some(1 << 20))
        // Small pages: the page index then finds a few indicators' rows in a row group
        // holding every indicator of ~2,000 reports.
        .set_data_page_row_count_limit(4096)
        .build()
}

/// Writes one batch as a Parquet file with [`writer_properties`].
fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), WarehouseError> {
    let props = writer_properties();
    let file = File::create(path).map_err(io(path))?;
    let perr = |source| WarehouseError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?;
    w.write(batch).map_err(perr)?;
    let file = w.into_inner().map_err(perr)?;
    file.sync_all().map_err(io(path))
}

/// Reads a whole Parquet file (used for the small per-segment report index and rewrites).
pub fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>, WarehouseError> {
    read_parquet_columns(path, None)
}

/// Reads the named columns of a Parquet file (all with `None`). An ingest reads three columns
/// of every segment's `reports` at each commit, so decoding only those counts.
pub fn read_parquet_columns(
    path: &Path,
    columns: Option<&[&str]>,
) -> Result<Vec<RecordBatch>, WarehouseError> {
    let file = File::open(path).map_err(io(path))?;
    let perr = |source| WarehouseError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let mut builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(perr)?;
    if let Some(columns) = columns {
        let mask = datafusion::parquet::arrow::ProjectionMask::columns(
            builder.parquet_schema(),
            columns.iter().copied(),
        );
        builder = builder.with_projection(mask);
    }
    let reader = builder.build().map_err(perr)?;
    reader
        .collect::<Result<Vec<_>, ArrowError>>()
        .map_err(|source| WarehouseError::Arrow {
            path: path.to_path_buf(),
            source,
        })
}

fn sync_dir(dir: &Path) -> Result<(), WarehouseError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
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
}
