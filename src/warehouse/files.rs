//! Parquet files of the warehouse: how they are written (settings, durability) and read.

use std::fs::File;
use std::path::Path;

use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::{EnabledStatistics, WriterProperties};

use super::{io, WarehouseError};

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

/// Writes one batch as a Parquet file with [`writer_properties`], made durable.
pub(crate) fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), WarehouseError> {
    write_parquet_with(path, batch, true)
}

/// Writes one batch as a Parquet file; `sync`: made durable before returning (otherwise the
/// caller makes it durable, with everything else its commit wrote, in one sync).
pub(crate) fn write_parquet_with(
    path: &Path,
    batch: &RecordBatch,
    sync: bool,
) -> Result<(), WarehouseError> {
    let props = writer_properties();
    let file = File::create(path).map_err(io(path))?;
    let perr = |source| WarehouseError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let mut w = ArrowWriter::try_new(file, batch.schema(), Some(props)).map_err(perr)?;
    w.write(batch).map_err(perr)?;
    let file = w.into_inner().map_err(perr)?;
    if sync {
        file.sync_all().map_err(io(path))?;
    }
    Ok(())
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
    let mut all = Vec::new();
    for_each_batch(path, columns, |b| {
        all.push(b);
        Ok(())
    })?;
    Ok(all)
}

/// Streams the named columns of a Parquet file (all with `None`) batch by batch, so a large
/// file is never held whole.
pub(crate) fn for_each_batch(
    path: &Path,
    columns: Option<&[&str]>,
    mut f: impl FnMut(RecordBatch) -> Result<(), WarehouseError>,
) -> Result<(), WarehouseError> {
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
    for batch in builder.build().map_err(perr)? {
        f(batch.map_err(|source| WarehouseError::Arrow {
            path: path.to_path_buf(),
            source,
        })?)?;
    }
    Ok(())
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), WarehouseError> {
    File::open(dir).and_then(|d| d.sync_all()).map_err(io(dir))
}
