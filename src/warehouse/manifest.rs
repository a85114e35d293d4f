//! `manifest.json`: which segments are live in the current generation, and the layout version.

use std::fs;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{io, WarehouseError};

pub(super) const MANIFEST: &str = "manifest.json";
pub(super) const FORMAT: &str = "gongkai-warehouse";
/// Layout version: 2 added the place columns (division_code, province, level); 3 added
/// `facts.origin` (table or prose) and `reports.scope_reason`. A version-2 warehouse is upgraded in place by the first
/// writer that opens it ([`Writer::open`], `gongkai migrate`).
pub(super) const VERSION: u32 = 3;

/// One live segment.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Segment {
    /// The directory name under `segments/`.
    pub id: String,
    /// Rows in its `facts.parquet`.
    pub facts: u64,
    /// Reports in it.
    pub reports: u64,
    /// It has a `rollup.parquet` of its facts (segments written before rollups have none).
    #[serde(default)]
    pub rollup: bool,
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
    pub(super) fn empty() -> Self {
        Manifest {
            format: FORMAT.into(),
            version: VERSION,
            generation: 0,
            segments: Vec::new(),
            checks: None,
        }
    }
}

pub(super) fn read_manifest(path: &Path) -> Result<Manifest, WarehouseError> {
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

pub(super) fn read_manifest_of_any_version(path: &Path) -> Result<Manifest, WarehouseError> {
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
