//! `gongkai check --warehouse`: every file the manifest names, read and counted.

use std::fs;
use std::path::PathBuf;

use datafusion::arrow::array::{Array, StringArray};

use super::rollup::{rollup_schema, RollupBuilder};
use super::{read_parquet, rollup_file, segment_file, Table, Warehouse};

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
                        if table == Table::Facts && seg.rollup {
                            problems.extend(verify_rollup(&self.dir, &seg.id, &batches));
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
}

/// A segment's rollup against its facts, summed again in the order they are stored (the order
/// the rollup was summed in, so even the float sums must be equal).
fn verify_rollup(
    dir: &std::path::Path,
    id: &str,
    facts: &[datafusion::arrow::array::RecordBatch],
) -> Option<String> {
    let path = rollup_file(dir, id);
    let stored = match read_parquet(&path) {
        Ok(b) => b,
        Err(e) => return Some(e.to_string()),
    };
    let stored = datafusion::arrow::compute::concat_batches(&rollup_schema(), &stored);
    let mut again = RollupBuilder::new().ok()?;
    for b in facts {
        again.add(b).ok()?;
    }
    match (stored, again.finish()) {
        (Ok(stored), Ok(again)) if stored == again => None,
        (Err(e), _) => Some(format!("{}: {e}", path.display())),
        _ => Some(format!(
            "{}: does not match the segment's facts (queries answered from it would be wrong)",
            path.display()
        )),
    }
}
