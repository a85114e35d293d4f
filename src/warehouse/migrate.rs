//! Layout upgrades in place: a warehouse of an older layout, rewritten in one atomic commit.

use std::fs;

use super::files::{for_each_batch, read_parquet, sync_dir, write_parquet};
use super::manifest::{Checks, Manifest, Segment};
use super::rollup::{RollupBuilder, DIMENSIONS, SUM};
use super::{io, rollup_file, schema, segment_file, Table, WarehouseError, Writer};

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
            // Layout 2 had no rollups, and the facts changed: `add_rollups` sums them anew.
            segments.push(Segment {
                id,
                rollup: false,
                ..seg.clone()
            });
        }
        // Findings name rows, not columns: still those of this content.
        self.publish_same_content(generation, segments)
    }

    /// Gives every segment written before rollups its `rollup.parquet`, summed from its facts,
    /// and names them in one new generation (the data unchanged, its findings still current).
    /// Until that manifest is published no reader looks at the new files: killed midway, the
    /// warehouse is as it was, with a stray file the next run writes over. Returns how many
    /// segments gained one.
    pub fn add_rollups(&mut self) -> Result<usize, WarehouseError> {
        let mut segments = self.manifest.segments.clone();
        let mut added = 0;
        let columns: Vec<&str> = DIMENSIONS.iter().copied().chain([SUM]).collect();
        for seg in segments.iter_mut().filter(|s| !s.rollup) {
            let path = rollup_file(&self.dir, &seg.id);
            let arrow = |source| WarehouseError::Arrow {
                path: path.clone(),
                source,
            };
            let mut summed = RollupBuilder::new().map_err(arrow)?;
            let facts = segment_file(&self.dir, &seg.id, Table::Facts);
            for_each_batch(&facts, Some(&columns), |b| summed.add(&b).map_err(arrow))?;
            write_parquet(&path, &summed.finish().map_err(arrow)?)?;
            seg.rollup = true;
            added += 1;
        }
        if added == 0 {
            return Ok(0);
        }
        self.publish_same_content(self.manifest.generation + 1, segments)?;
        Ok(added)
    }

    /// Publishes `segments` as `generation` when they hold the same reports and figures as
    /// the current ones (a layout upgrade, rollups added): the last check's findings still
    /// describe them and are carried over.
    fn publish_same_content(
        &mut self,
        generation: u64,
        segments: Vec<Segment>,
    ) -> Result<(), WarehouseError> {
        let manifest = Manifest {
            generation,
            segments,
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
