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
//! segments/<id>/rollup.parquet     its facts summed by year, indicator, place… (see `rollup`)
//! documents/<sha256>.<ext>         every ingested document, content-addressed (provenance)
//! .lock                            held (flock) by the one process writing
//! ```
//!
//! Why a manifest: a commit writes its new segment files first, then replaces `manifest.json`
//! by an atomic rename. Until that rename, readers (and a crash) see the previous generation
//! complete; after it, the new one. Files no manifest names are garbage from an interrupted
//! commit and are removed by the next writer. Replacing a report (same body, year and scope)
//! rewrites the segments that held it without its rows.

mod files;
mod manifest;
mod migrate;
pub mod rollup;
pub mod schema;
mod verify;
mod writer;

use std::fs;
use std::path::{Path, PathBuf};

use datafusion::arrow::error::ArrowError;
use datafusion::parquet::errors::ParquetError;

pub use files::{read_parquet, read_parquet_columns};
pub(crate) use files::{write_parquet, writer_properties};
use manifest::{read_manifest, MANIFEST};
pub use manifest::{Checks, Manifest, Segment};
pub use schema::Table;
pub use writer::{CommitTimes, Writer};

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

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WarehouseError + '_ {
    move |source| WarehouseError::Io {
        path: path.to_path_buf(),
        source,
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

    /// The rollup files of the live segments, when every one has its rollup (a warehouse
    /// with a segment written before rollups is answered from its facts alone).
    pub fn rollup_files(&self) -> Option<Vec<PathBuf>> {
        let segments = &self.manifest.segments;
        (!segments.is_empty() && segments.iter().all(|s| s.rollup)).then(|| {
            segments
                .iter()
                .map(|s| rollup_file(&self.dir, &s.id))
                .collect()
        })
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

/// A segment's rollup file.
pub(crate) fn rollup_file(dir: &Path, id: &str) -> PathBuf {
    dir.join("segments").join(id).join("rollup.parquet")
}

pub(crate) fn segment_file(dir: &Path, id: &str, table: Table) -> PathBuf {
    dir.join("segments")
        .join(id)
        .join(format!("{}.parquet", table.name()))
}
