//! `gongkai compact`: many small segments (one per ingest) become one segment per year, its
//! facts clustered by breakdown and indicator.
//!
//! Why this layout (measured in shared/perf-notes.md and BENCHMARKS.md): with rows clustered
//! by indicator, row group and page statistics prune most of a file for the analysts' queries
//! (an indicator, a year). Breakdown comes first because nearly every analysis asks for the
//! `total` rows, and the 2019/2021 table 三 prints seven applicant columns beside each total:
//! clustered by indicator alone, a page of totals is also a page of the other seven, read and
//! thrown away. Pages are capped at 8,192 rows so the page index prunes finely. Keeping a
//! year per segment keeps the files a year's size and a report's replacement a rewrite of one
//! year; the bloom filter on `report_id` keeps "all figures of one report" cheap although a
//! report's rows are spread through its year. The sort runs in DataFusion,
//! which spills under `--memory-limit`. Like every commit, the new generation appears in one
//! atomic rename: killed at any moment, the warehouse is before or after.

use std::fs::File;

use datafusion::parquet::arrow::ArrowWriter;
use futures::StreamExt;

use super::{segment_file, writer_properties, Segment, Table, Warehouse, WarehouseError, Writer};
use crate::engine::Engine;

/// What compaction did.
pub struct Compacted {
    /// Segments before.
    pub before: usize,
    /// Segments after (one per year).
    pub after: usize,
    /// Facts written.
    pub facts: u64,
}

fn order_of(table: Table) -> &'static str {
    match table {
        Table::Facts => "breakdown, indicator, scope, jurisdiction, report_id",
        _ => "report_id",
    }
}

/// Rewrites the warehouse as one segment per year.
pub async fn compact(
    writer: &mut Writer,
    memory_limit: Option<usize>,
) -> Result<Compacted, WarehouseError> {
    let warehouse = Warehouse::open(writer.dir())?;
    let before = warehouse.manifest().segments.len();
    let engine =
        Engine::open_with_limit(&warehouse, memory_limit).map_err(|e| df(&warehouse, e))?;
    let years_batches = engine
        .sql("SELECT DISTINCT year FROM reports ORDER BY year")
        .await
        .map_err(|e| df(&warehouse, e))?;
    let mut years = Vec::new();
    for b in &years_batches {
        if let Some(a) = b
            .column(0)
            .as_any()
            .downcast_ref::<datafusion::arrow::array::Int32Array>()
        {
            years.extend(a.values().iter().copied());
        }
    }
    let generation = writer.next_generation();
    let mut segments = Vec::new();
    let mut facts = 0;
    for year in years {
        let (id, dir) = writer.new_segment_dir(generation)?;
        let mut counts = [0u64; 4];
        for (k, table) in Table::ALL.iter().enumerate() {
            let path = segment_file(writer.dir(), &id, *table);
            let sql = format!(
                "SELECT * FROM {} WHERE {} ORDER BY {}",
                table.name(),
                year_filter(*table, year),
                order_of(*table)
            );
            let df_ = engine
                .context()
                .sql(&sql)
                .await
                .map_err(|e| df(&warehouse, e))?;
            let mut stream = df_.execute_stream().await.map_err(|e| df(&warehouse, e))?;
            let file = File::create(&path).map_err(|source| WarehouseError::Io {
                path: path.clone(),
                source,
            })?;
            let perr = |source| WarehouseError::Parquet {
                path: path.clone(),
                source,
            };
            let mut w = ArrowWriter::try_new(file, table.schema(), Some(writer_properties()))
                .map_err(perr)?;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| df(&warehouse, e))?;
                // Queries read strings as views; the files keep the stored schema.
                let batch = stored(batch, &table.schema()).map_err(perr)?;
                counts[k] += batch.num_rows() as u64;
                w.write(&batch).map_err(perr)?;
            }
            let file = w.into_inner().map_err(perr)?;
            file.sync_all().map_err(|source| WarehouseError::Io {
                path: path.clone(),
                source,
            })?;
        }
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| WarehouseError::Io {
                path: dir.clone(),
                source,
            })?;
        facts += counts[0];
        segments.push(Segment {
            id,
            facts: counts[0],
            reports: counts[1],
        });
    }
    let after = segments.len();
    writer.replace_all(segments, generation)?;
    Ok(Compacted {
        before,
        after,
        facts,
    })
}

/// Rows of one year: `unmapped` and `problems` have no year column, so they follow their
/// reports.
fn year_filter(table: Table, year: i32) -> String {
    match table {
        Table::Facts | Table::Reports => format!("year = {year}"),
        _ => format!("report_id IN (SELECT report_id FROM reports WHERE year = {year})"),
    }
}

fn df(w: &Warehouse, e: datafusion::error::DataFusionError) -> WarehouseError {
    WarehouseError::Compact {
        path: w.dir().to_path_buf(),
        message: e.to_string(),
    }
}

/// `batch` cast to the stored schema (query sessions read strings as `Utf8View`).
fn stored(
    batch: datafusion::arrow::array::RecordBatch,
    schema: &datafusion::arrow::datatypes::SchemaRef,
) -> Result<datafusion::arrow::array::RecordBatch, datafusion::parquet::errors::ParquetError> {
    let columns = batch
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| datafusion::arrow::compute::cast(c, f.data_type()))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(datafusion::arrow::array::RecordBatch::try_new(
        schema.clone(),
        columns,
    )?)
}
