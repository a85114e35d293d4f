//! `gongkai check --warehouse`: every file the manifest names, read and counted.

use std::fs;
use std::path::PathBuf;

use datafusion::arrow::array::{Array, StringArray};

use super::files::for_each_batch;
use super::rollup::{rollup_schema, RollupBuilder};
use super::{read_parquet, rollup_file, segment_file, Table, Warehouse, WarehouseError};

impl Warehouse {
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
                let want: Vec<(String, String)> = columns(&table.schema());
                let mut rows = 0usize;
                let mut foreign = false;
                let mut summed = (table == Table::Facts && seg.rollup)
                    .then(RollupBuilder::new)
                    .and_then(Result::ok);
                // Streamed batch by batch: a compacted year's facts are millions of rows.
                let read = for_each_batch(&path, None, |b| {
                    if rows == 0 && columns(&b.schema()) != want {
                        foreign = true;
                    }
                    if foreign {
                        return Ok(());
                    }
                    rows += b.num_rows();
                    if let Some(s) = summed.as_mut() {
                        s.add(&b).map_err(|source| WarehouseError::Arrow {
                            path: path.clone(),
                            source,
                        })?;
                    }
                    if let Some(a) = b
                        .column_by_name("sha256")
                        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
                    {
                        shas.extend((0..a.len()).map(|i| a.value(i).to_string()));
                    }
                    Ok(())
                });
                if let Err(e) = read {
                    problems.push(e.to_string());
                    continue;
                }
                if foreign {
                    problems.push(format!(
                        "{}: not a gongkai {} file (its columns differ)",
                        path.display(),
                        table.name()
                    ));
                    continue;
                }
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
                if let Some(summed) = summed {
                    problems.extend(verify_rollup(&self.dir, &seg.id, summed));
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
}

/// Column names and types, to compare a file's schema with the expected one.
fn columns(schema: &datafusion::arrow::datatypes::Schema) -> Vec<(String, String)> {
    schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .collect()
}

/// A segment's rollup against its facts summed again in the order they are stored (the
/// order the rollup was summed in, so even the float sums must be equal).
fn verify_rollup(dir: &std::path::Path, id: &str, again: RollupBuilder) -> Option<String> {
    let path = rollup_file(dir, id);
    let stored = match read_parquet(&path) {
        Ok(b) => b,
        Err(e) => return Some(e.to_string()),
    };
    let stored = datafusion::arrow::compute::concat_batches(&rollup_schema(), &stored);
    match (stored, again.finish()) {
        (Ok(stored), Ok(again)) if stored == again => None,
        (Err(e), _) => Some(format!("{}: {e}", path.display())),
        _ => Some(format!(
            "{}: does not match the segment's facts (queries answered from it would be wrong)",
            path.display()
        )),
    }
}
