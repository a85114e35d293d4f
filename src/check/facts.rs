//! The stored facts and reports, read for the checks in passes of bounded size.
//!
//! The rules look within a report, across the two scopes of one body and year, and across
//! consecutive years of one body. So the reports are read whole (one small row each), and the
//! facts a pass at a time: each pass holds whole (year, body) groups of one segment and at
//! most [`PASS_FACTS`] facts, and reads only that segment's row groups whose `year` and
//! `report_id` statistics can hold them (the rule across years keeps what it needs of every
//! report between passes). Memory is bounded by the pass, not the warehouse (a national warehouse of
//! 50M facts did not fit in memory when every fact was held at once).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema};
use datafusion::arrow::error::ArrowError;
// hashbrown with foldhash: these maps are asked once per row or dictionary value.
use datafusion::common::HashMap;
use datafusion::parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::file::metadata::RowGroupMetaData;
use datafusion::parquet::file::statistics::Statistics;

use crate::warehouse::{read_parquet_columns, Table, Warehouse, WarehouseError};

/// Text that many facts share (an indicator code, a file name): stored once, counted.
pub type Text = Arc<str>;

/// Facts held in memory at once: about 110 bytes each, so a pass stays near 250 MiB whatever
/// the size of the warehouse.
pub const PASS_FACTS: u64 = 2_000_000;

/// A fact as stored.
#[derive(Debug, Clone)]
pub struct StoredFact {
    /// `facts.report_id`
    pub report_id: Text,
    /// `facts.indicator`
    pub indicator: Text,
    /// `facts.breakdown`
    pub breakdown: Text,
    /// `facts.value`
    pub value: f64,
    /// `facts.derived`
    pub derived: bool,
    /// `facts.template`
    pub template: Text,
    /// `facts.origin` (`table` or `prose`)
    pub origin: Text,
    /// `facts.source_file`
    pub source_file: Text,
    /// `facts.source_line`
    pub source_line: i32,
}

/// A report as stored.
#[derive(Debug, Clone)]
pub struct StoredReport {
    /// `reports.report_id`
    pub report_id: Text,
    /// `reports.body`
    pub body: Text,
    /// `reports.scope`
    pub scope: Text,
    /// `reports.year`
    pub year: i32,
    /// `reports.sha256`
    pub sha256: Text,
    /// `reports.source_file`
    pub source_file: Text,
    /// `reports.figures`: the facts it stored (sizes the passes).
    pub figures: u64,
    /// The segment it is stored in (position in the manifest): a pass reads only the
    /// segments of its reports.
    pub segment: usize,
}

/// One allocation per distinct text.
#[derive(Default)]
struct Interner(HashMap<Text, ()>);

impl Interner {
    fn get(&mut self, s: &str) -> Text {
        if let Some((t, _)) = self.0.get_key_value(s) {
            return t.clone();
        }
        let t: Text = Arc::from(s);
        self.0.insert(t.clone(), ());
        t
    }
}

fn no_column(path: &Path, name: &str) -> WarehouseError {
    WarehouseError::Arrow {
        path: path.to_path_buf(),
        source: ArrowError::SchemaError(format!("no column '{name}'")),
    }
}

/// Calls `f` with each row's text of a string column, whatever string encoding the file
/// uses: a segment rewritten by another tool may hold Utf8View, LargeUtf8 or
/// dictionary-encoded strings. A missing column or one that is no string is an error naming
/// the file, never an empty column indexed later.
fn each_string(
    b: &RecordBatch,
    name: &str,
    path: &Path,
    mut f: impl FnMut(&str),
) -> Result<(), WarehouseError> {
    let column = b
        .column_by_name(name)
        .ok_or_else(|| no_column(path, name))?;
    let utf8 = cast(column, &DataType::Utf8).map_err(|e| WarehouseError::Arrow {
        path: path.to_path_buf(),
        source: ArrowError::SchemaError(format!(
            "column '{name}' is {} where text was expected: {e}",
            column.data_type()
        )),
    })?;
    let a = utf8.as_string::<i32>();
    (0..a.len()).for_each(|i| f(a.value(i)));
    Ok(())
}

/// Each row of a string column mapped by `f`, which is called once per distinct value when
/// the column is dictionary-encoded (as the checks read them: a row group of facts holds a
/// few thousand report ids and ~150 indicator codes over half a million rows).
fn mapped<T: Clone>(
    b: &RecordBatch,
    name: &str,
    path: &Path,
    mut f: impl FnMut(&str) -> T,
) -> Result<Vec<T>, WarehouseError> {
    let column = b
        .column_by_name(name)
        .ok_or_else(|| no_column(path, name))?;
    if let Some(d) = column.as_dictionary_opt::<Int32Type>() {
        if let (Some(values), 0) = (d.values().as_string_opt::<i32>(), d.null_count()) {
            let each: Vec<T> = (0..values.len()).map(|i| f(values.value(i))).collect();
            return d
                .keys()
                .values()
                .iter()
                .map(|&k| each.get(k as usize).cloned())
                .collect::<Option<Vec<T>>>()
                .ok_or_else(|| WarehouseError::Arrow {
                    path: path.to_path_buf(),
                    source: ArrowError::InvalidArgumentError(format!(
                        "column '{name}': a dictionary key out of range"
                    )),
                });
        }
    }
    let mut out = Vec::with_capacity(b.num_rows());
    each_string(b, name, path, |s| out.push(f(s)))?;
    Ok(out)
}

fn ints(b: &RecordBatch, name: &str) -> Vec<i32> {
    b.column_by_name(name)
        .and_then(|c| {
            c.as_primitive_opt::<Int32Type>()
                .map(|a| a.values().to_vec())
        })
        .unwrap_or_default()
}

/// Every report of the warehouse, in stored order.
pub fn load_reports(w: &Warehouse) -> Result<Vec<StoredReport>, WarehouseError> {
    let mut texts = Interner::default();
    let mut reports = Vec::new();
    let columns = [
        "report_id",
        "body",
        "scope",
        "year",
        "sha256",
        "source_file",
        "figures",
    ];
    for (segment, path) in w.table_files(Table::Reports).into_iter().enumerate() {
        for b in read_parquet_columns(&path, Some(&columns))? {
            let ids = mapped(&b, "report_id", &path, |s| texts.get(s))?;
            let body = mapped(&b, "body", &path, |s| texts.get(s))?;
            let scope = mapped(&b, "scope", &path, |s| texts.get(s))?;
            let sha = mapped(&b, "sha256", &path, |s| texts.get(s))?;
            let file = mapped(&b, "source_file", &path, |s| texts.get(s))?;
            let years = ints(&b, "year");
            let figures: Vec<i64> = b
                .column_by_name("figures")
                .and_then(|c| {
                    c.as_primitive_opt::<Int64Type>()
                        .map(|a| a.values().to_vec())
                })
                .unwrap_or_default();
            for (i, report_id) in ids.into_iter().enumerate() {
                reports.push(StoredReport {
                    report_id,
                    body: body[i].clone(),
                    scope: scope[i].clone(),
                    year: years.get(i).copied().unwrap_or(0),
                    sha256: sha[i].clone(),
                    source_file: file[i].clone(),
                    figures: figures.get(i).copied().unwrap_or(0).max(0) as u64,
                    segment,
                });
            }
        }
    }
    Ok(reports)
}

/// Reports read together: whole (year, body) groups, at most `budget` facts unless one group
/// alone holds more. Indices into the reports given.
///
/// Passes follow the storage: each group goes with the segment holding its first report, and
/// a pass holds groups of one segment, in (year, body, report_id) order. So a compacted
/// warehouse (a segment per year, row groups by ranges of reports) reads a year's file a
/// range at a time, and a warehouse of many small ingest segments reads each file once —
/// grouped by year and body across segments, every pass would read every file.
pub fn passes(reports: &[StoredReport], budget: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..reports.len()).collect();
    order.sort_by(|&a, &b| {
        let (x, y) = (&reports[a], &reports[b]);
        (x.year, &x.body, x.segment, &x.report_id).cmp(&(y.year, &y.body, y.segment, &y.report_id))
    });
    // Whole (year, body) groups, each with the segment of its first report.
    let mut groups: Vec<(usize, &[usize])> = Vec::new();
    let mut i = 0;
    while i < order.len() {
        let first = &reports[order[i]];
        let end = order[i..]
            .iter()
            .position(|&j| reports[j].year != first.year || reports[j].body != first.body)
            .map_or(order.len(), |n| i + n);
        groups.push((first.segment, &order[i..end]));
        i = end;
    }
    groups.sort_by_key(|(segment, _)| *segment);
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut pass: Vec<usize> = Vec::new();
    let (mut held, mut pass_segment) = (0, None);
    for (segment, group) in groups {
        let facts: u64 = group.iter().map(|&j| reports[j].figures).sum();
        if !pass.is_empty() && (held + facts > budget || pass_segment != Some(segment)) {
            out.push(std::mem::take(&mut pass));
            held = 0;
        }
        pass.extend_from_slice(group);
        held += facts;
        pass_segment = Some(segment);
    }
    if !pass.is_empty() {
        out.push(pass);
    }
    out
}

/// The facts of each of the given reports (in their order), each report's in stored order
/// (file by file, row by row).
pub fn load_facts(
    w: &Warehouse,
    reports: &[&StoredReport],
) -> Result<Vec<Vec<StoredFact>>, WarehouseError> {
    let index: HashMap<&str, usize> = reports
        .iter()
        .enumerate()
        .map(|(i, r)| (&*r.report_id, i))
        .collect();
    let (Some(first), Some(last)) = (
        reports.iter().map(|r| r.year).min(),
        reports.iter().map(|r| r.year).max(),
    ) else {
        return Ok(Vec::new());
    };
    let lowest = reports.iter().map(|r| &*r.report_id).min().unwrap_or("");
    let highest = reports.iter().map(|r| &*r.report_id).max().unwrap_or("");
    let mut texts = Interner::default();
    let mut facts: Vec<Vec<StoredFact>> = vec![Vec::new(); reports.len()];
    let segments: std::collections::BTreeSet<usize> = reports.iter().map(|r| r.segment).collect();
    let files = w.table_files(Table::Facts);
    for path in segments.iter().filter_map(|&s| files.get(s)) {
        for b in read_facts(path, (first, last), (lowest, highest))? {
            let at = mapped(&b, "report_id", path, |s| index.get(s).copied())?;
            if at.iter().all(Option::is_none) {
                continue;
            }
            let indicator = mapped(&b, "indicator", path, |s| texts.get(s))?;
            let breakdown = mapped(&b, "breakdown", path, |s| texts.get(s))?;
            let template = mapped(&b, "template", path, |s| texts.get(s))?;
            let origin = mapped(&b, "origin", path, |s| texts.get(s))?;
            let file = mapped(&b, "source_file", path, |s| texts.get(s))?;
            let lines = ints(&b, "source_line");
            let values = b
                .column_by_name("value")
                .and_then(|c| c.as_primitive_opt::<Float64Type>())
                .ok_or_else(|| no_column(path, "value"))?;
            let derived = b.column_by_name("derived").and_then(|c| c.as_boolean_opt());
            for (i, r) in at.iter().enumerate() {
                let Some(r) = r else { continue };
                facts[*r].push(StoredFact {
                    report_id: reports[*r].report_id.clone(),
                    indicator: indicator[i].clone(),
                    breakdown: breakdown[i].clone(),
                    value: values.value(i),
                    derived: derived.is_some_and(|d| d.value(i)),
                    template: template[i].clone(),
                    origin: origin[i].clone(),
                    source_file: file[i].clone(),
                    source_line: lines.get(i).copied().unwrap_or(0),
                });
            }
        }
    }
    Ok(facts)
}

/// Columns the checks read from `facts`.
const FACT_COLUMNS: [&str; 9] = [
    "report_id",
    "indicator",
    "breakdown",
    "value",
    "derived",
    "template",
    "origin",
    "source_file",
    "source_line",
];

/// The check columns of the row groups of one facts file that can hold reports of `years`
/// with ids in `ids` (by the row groups' statistics), strings read as dictionaries.
fn read_facts(
    path: &PathBuf,
    years: (i32, i32),
    ids: (&str, &str),
) -> Result<Vec<RecordBatch>, WarehouseError> {
    let perr = |source| WarehouseError::Parquet {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(|source| WarehouseError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    // The footer is read once; the schema it gives is asked again with strings as
    // dictionaries, so that each distinct id or code is looked up once per batch.
    let stored = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new()).map_err(perr)?;
    let schema = Schema::new(
        stored
            .schema()
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::Utf8 => Field::new(
                    f.name(),
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                    f.is_nullable(),
                ),
                _ => f.as_ref().clone(),
            })
            .collect::<Vec<_>>(),
    );
    let options = ArrowReaderOptions::new().with_schema(Arc::new(schema));
    let metadata =
        ArrowReaderMetadata::try_new(stored.metadata().clone(), options).map_err(perr)?;
    let builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
    let groups: Vec<usize> = builder
        .metadata()
        .row_groups()
        .iter()
        .enumerate()
        .filter(|(_, g)| may_hold(g, years, ids))
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::columns(builder.parquet_schema(), FACT_COLUMNS);
    let reader = builder
        .with_row_groups(groups)
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(perr)?;
    reader
        .collect::<Result<Vec<_>, ArrowError>>()
        .map_err(|source| WarehouseError::Arrow {
            path: path.to_path_buf(),
            source,
        })
}

/// Whether a row group's statistics allow rows of `years` with ids in `ids`; a row group
/// without statistics may hold anything.
fn may_hold(g: &RowGroupMetaData, years: (i32, i32), ids: (&str, &str)) -> bool {
    let stats = |name: &str| {
        g.columns()
            .iter()
            .find(|c| c.column_path().string() == name)
            .and_then(|c| c.statistics())
    };
    if let Some(Statistics::Int32(s)) = stats("year") {
        if let (Some(&lo), Some(&hi)) = (s.min_opt(), s.max_opt()) {
            if hi < years.0 || lo > years.1 {
                return false;
            }
        }
    }
    if let Some(Statistics::ByteArray(s)) = stats("report_id") {
        if let (Some(lo), Some(hi)) = (s.min_opt(), s.max_opt()) {
            if hi.data() < ids.0.as_bytes() || lo.data() > ids.1.as_bytes() {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{DictionaryArray, LargeStringArray, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Int32Type as Key, Schema};

    use super::*;

    fn report(body: &str, year: i32, scope: &str, segment: usize) -> StoredReport {
        StoredReport {
            report_id: format!("{body}/{year}/{scope}").into(),
            body: body.into(),
            scope: scope.into(),
            year,
            sha256: "".into(),
            source_file: "".into(),
            figures: 100,
            segment,
        }
    }

    #[test]
    fn passes_keep_a_body_year_whole_and_follow_the_segments() {
        let reports = [
            report("甲市人民政府", 2017, "whole", 0),
            report("乙市人民政府", 2017, "whole", 1),
            report("甲市人民政府", 2018, "whole", 1),
            // 甲市 2017 本级 ingested later, in another segment: still with its 全市.
            report("甲市人民政府", 2017, "own", 2),
            report("丙县人民政府", 2018, "own", 2),
        ];
        let ids = |pass: &Vec<usize>| -> Vec<String> {
            pass.iter()
                .map(|&i| reports[i].report_id.to_string())
                .collect()
        };
        let all: Vec<Vec<String>> = passes(&reports, u64::MAX).iter().map(ids).collect();
        // One pass per segment that holds a group's first report, in segment order.
        assert_eq!(
            all,
            [
                vec!["甲市人民政府/2017/whole", "甲市人民政府/2017/own"],
                vec!["乙市人民政府/2017/whole", "甲市人民政府/2018/whole"],
                vec!["丙县人民政府/2018/own"],
            ]
        );
        // A budget of one fact: a pass per group, groups never cut.
        let small = passes(&reports, 1);
        assert_eq!(small.len(), 4);
        assert!(small.iter().any(|p| p.len() == 2));
    }

    #[test]
    fn string_columns_in_any_encoding_read_alike_and_others_are_named() {
        let schema = Schema::new(vec![
            Field::new("view", DataType::Utf8View, false),
            Field::new("large", DataType::LargeUtf8, false),
            Field::new(
                "dict",
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                false,
            ),
            Field::new("n", DataType::Int32, false),
        ]);
        let dict: DictionaryArray<Key> = vec!["济南市", "review.corrected"].into_iter().collect();
        let b = RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(StringViewArray::from(vec!["济南市", "review.corrected"])),
                Arc::new(LargeStringArray::from(vec!["济南市", "review.corrected"])),
                Arc::new(dict),
                Arc::new(datafusion::arrow::array::Int32Array::from(vec![1, 2])),
            ],
        )
        .expect("batch");
        let p = Path::new("seg.parquet");
        for col in ["view", "large", "dict"] {
            assert_eq!(
                mapped(&b, col, p, str::to_string).expect(col),
                ["济南市", "review.corrected"]
            );
        }
        // A missing column is an error naming the file.
        let e = mapped(&b, "indicator", p, str::to_string)
            .unwrap_err()
            .to_string();
        assert!(e.contains("seg.parquet") && e.contains("indicator"), "{e}");
    }
}
