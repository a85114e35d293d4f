//! `gongkai compact`: many small segments (one per ingest) become one segment per year; in it,
//! each row group holds a range of reports, its facts clustered by breakdown and indicator.
//!
//! Why this layout (measured in BENCHMARKS.md, "The layout and what each lever measured"): with rows clustered
//! by indicator, page statistics skip most of a row group for the analysts' queries (a few
//! indicators' totals). Breakdown comes first because nearly every analysis asks for the
//! `total` rows, and the 2019/2021 table 三 prints seven applicant columns beside each total:
//! clustered by indicator alone, a page of totals is also a page of the other seven, read and
//! thrown away. Each row group holding a range of reports (see [`facts_in_order`]) keeps "all
//! figures of one report" to one row group, which the `report_id` statistics pick out. A year
//! per segment keeps a report's replacement a rewrite of one year. The sort runs in
//! DataFusion, which spills under `--memory-limit`. Like every commit, the new generation
//! appears in one atomic rename: killed at any moment, the warehouse is before or after.

use std::fs::File;

use datafusion::parquet::arrow::ArrowWriter;
use futures::StreamExt;

use crate::engine::Engine;
use crate::warehouse::rollup::RollupBuilder;
use crate::warehouse::schema::PerTable;
use crate::warehouse::{
    rollup_file, segment_file, write_parquet, writer_properties, Segment, Table, Warehouse,
    WarehouseError, Writer,
};

/// What compaction did.
pub struct Compacted {
    /// Segments before.
    pub before: usize,
    /// Segments after (one per year).
    pub after: usize,
    /// Facts written.
    pub facts: u64,
}

/// Facts in a row group: a range of about 2,200 reports of the 2021 template. Chosen by
/// measurement at 50M facts against smaller groups and pages (BENCHMARKS.md, "Row-group size
/// and page size").
pub const FACTS_PER_GROUP: u64 = 1 << 19;

/// A year's facts in their stored order: `groups` ranges of reports (by report_id), each
/// sorted by breakdown, indicator, report_id. The first column, `__group`, says where a row
/// group ends; it is not stored.
///
/// Why both: an analysis asks for a few indicators' `total` rows, which the page index then
/// finds in a page or two of every row group; "all figures of one report" reads one row group,
/// which the min/max statistics of `report_id` pick out (a layout sorted by indicator alone
/// spreads a report over every page of its year: measured in BENCHMARKS.md).
fn facts_in_order(year: i32, groups: u64) -> String {
    format!(
        "SELECT CAST(coalesce(g.grp, 0) AS BIGINT) AS __group, f.* \
         FROM facts f \
         LEFT JOIN (SELECT report_id, ntile({groups}) OVER (ORDER BY report_id) AS grp \
                    FROM reports WHERE year = {year}) g ON g.report_id = f.report_id \
         WHERE f.year = {year} \
         ORDER BY __group, f.breakdown, f.indicator, f.report_id"
    )
}

/// The batch cut where its `__group` changes, without that column; a batch without one is
/// one part.
fn by_group(
    batch: &datafusion::arrow::array::RecordBatch,
) -> Vec<(Option<i64>, datafusion::arrow::array::RecordBatch)> {
    use datafusion::arrow::array::{Array, Int64Array};
    let Ok(at) = batch.schema().index_of("__group") else {
        return vec![(None, batch.clone())];
    };
    let mut rest = batch.clone();
    let col = rest.remove_column(at);
    // `__group` is cast to BIGINT in the query; were it not, the rows still go out whole
    // (one part, no cut), never with the column among the stored ones.
    let Some(groups) = col.as_any().downcast_ref::<Int64Array>() else {
        return vec![(None, rest)];
    };
    let mut parts = Vec::new();
    let mut start = 0;
    for i in 1..=groups.len() {
        if i == groups.len() || groups.value(i) != groups.value(start) {
            parts.push((Some(groups.value(start)), rest.slice(start, i - start)));
            start = i;
        }
    }
    parts
}

async fn count(engine: &Engine, sql: &str) -> Result<u64, datafusion::error::DataFusionError> {
    use datafusion::arrow::array::{Array, Int64Array};
    let batches = engine.sql(sql).await?;
    Ok(batches
        .first()
        .and_then(|b| {
            b.column(0)
                .as_any()
                .downcast_ref::<Int64Array>()
                .map(|a| a.value(0))
        })
        .unwrap_or(0) as u64)
}

/// Rewrites the warehouse as one segment per year.
pub async fn compact(
    writer: &mut Writer,
    memory_limit: Option<usize>,
    facts_per_group: u64,
) -> Result<Compacted, WarehouseError> {
    let warehouse = Warehouse::open(writer.dir())?;
    let before = warehouse.manifest().segments.len();
    let engine =
        Engine::open_for_rewrite(&warehouse, memory_limit).map_err(|e| df(&warehouse, e))?;
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
        let mut counts: PerTable<u64> = PerTable::default();
        let rollup_path = rollup_file(writer.dir(), &id);
        let arrow = |source| WarehouseError::Arrow {
            path: rollup_path.clone(),
            source,
        };
        let mut summed = RollupBuilder::new().map_err(arrow)?;
        for table in Table::ALL.iter() {
            let path = segment_file(writer.dir(), &id, *table);
            let sql = match table {
                Table::Facts => {
                    let n = count(
                        &engine,
                        &format!("SELECT count(*) FROM facts WHERE year = {year}"),
                    )
                    .await
                    .map_err(|e| df(&warehouse, e))?;
                    facts_in_order(year, n.div_ceil(facts_per_group).max(1))
                }
                _ => format!(
                    "SELECT * FROM {} WHERE {} ORDER BY report_id",
                    table.name(),
                    year_filter(*table, year),
                ),
            };
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
            let mut group: Option<i64> = None;
            while let Some(batch) = stream.next().await {
                let batch = batch.map_err(|e| df(&warehouse, e))?;
                for (bucket, part) in by_group(&batch) {
                    // One row group per range of reports.
                    if group.is_some_and(|g| Some(g) != bucket) {
                        w.flush().map_err(perr)?;
                    }
                    group = bucket;
                    // The stored schema exactly (ntile's and the join's types settle here).
                    let part = stored(part, &table.schema()).map_err(perr)?;
                    *counts.get_mut(*table) += part.num_rows() as u64;
                    if *table == Table::Facts {
                        summed.add(&part).map_err(arrow)?;
                    }
                    w.write(&part).map_err(perr)?;
                }
            }
            let file = w.into_inner().map_err(perr)?;
            file.sync_all().map_err(|source| WarehouseError::Io {
                path: path.clone(),
                source,
            })?;
        }
        let summed = summed.finish().map_err(arrow)?;
        write_parquet(&rollup_path, &summed)?;
        File::open(&dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| WarehouseError::Io {
                path: dir.clone(),
                source,
            })?;
        facts += counts.facts;
        segments.push(Segment {
            id,
            facts: counts.facts,
            reports: counts.reports,
            rollup: true,
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
