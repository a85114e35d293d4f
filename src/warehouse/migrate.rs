//! Layout upgrades in place: a warehouse of an older layout, rewritten in one atomic commit.

use std::fs;

use super::files::{read_parquet, sync_dir, write_parquet};
use super::manifest::{Checks, Manifest, Segment};
use super::{io, schema, segment_file, Table, WarehouseError, Writer};

impl Writer {
    /// Layout 2 → 3: every segment rewritten with `facts.origin` (`table`: layout 2 stored
    /// table figures only), published in one atomic commit like any other.
    pub(super) fn migrate_from_v2(&mut self) -> Result<(), WarehouseError> {
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
}
