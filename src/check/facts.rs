//! The stored facts and reports, loaded for the checks (which look across reports, scopes and
//! years, so they read the tables whole).

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Float64Type, Int32Type};
use datafusion::arrow::error::ArrowError;

use crate::warehouse::{read_parquet, Table, Warehouse, WarehouseError};

/// A fact as stored.
#[derive(Debug, Clone)]
pub struct StoredFact {
    /// `facts.report_id`
    pub report_id: String,
    /// `facts.indicator`
    pub indicator: String,
    /// `facts.breakdown`
    pub breakdown: String,
    /// `facts.value`
    pub value: f64,
    /// `facts.derived`
    pub derived: bool,
    /// `facts.template`
    pub template: String,
    /// `facts.origin` (`table` or `prose`)
    pub origin: String,
    /// `facts.source_file`
    pub source_file: String,
    /// `facts.source_line`
    pub source_line: i32,
}

/// A report as stored.
#[derive(Debug, Clone)]
pub struct StoredReport {
    /// `reports.report_id`
    pub report_id: String,
    /// `reports.body`
    pub body: String,
    /// `reports.scope`
    pub scope: String,
    /// `reports.year`
    pub year: i32,
    /// `reports.sha256`
    pub sha256: String,
    /// `reports.source_file`
    pub source_file: String,
}

/// A string column as text, whatever string encoding the file uses: a segment rewritten by
/// another tool may hold Utf8View, LargeUtf8 or dictionary-encoded strings. A missing column or
/// one that is no string is an error naming the file, never an empty column indexed later.
fn strings(b: &RecordBatch, name: &str, path: &Path) -> Result<Vec<String>, WarehouseError> {
    let err = |source| WarehouseError::Arrow {
        path: path.to_path_buf(),
        source,
    };
    let column = b
        .column_by_name(name)
        .ok_or_else(|| err(ArrowError::SchemaError(format!("no column '{name}'"))))?;
    let utf8 = cast(column, &DataType::Utf8).map_err(|e| {
        err(ArrowError::SchemaError(format!(
            "column '{name}' is {} where text was expected: {e}",
            column.data_type()
        )))
    })?;
    let a = utf8.as_string::<i32>();
    Ok((0..a.len()).map(|i| a.value(i).to_string()).collect())
}

fn ints(b: &RecordBatch, name: &str) -> Vec<i32> {
    b.column_by_name(name)
        .and_then(|c| {
            c.as_primitive_opt::<Int32Type>()
                .map(|a| a.values().to_vec())
        })
        .unwrap_or_default()
}

/// Every fact and report of the warehouse.
pub fn load(w: &Warehouse) -> Result<(Vec<StoredFact>, Vec<StoredReport>), WarehouseError> {
    let mut facts = Vec::new();
    for path in w.table_files(Table::Facts) {
        for b in read_parquet(&path)? {
            let origin = strings(&b, "origin", &path)?;
            let (ids, ind, brk, tpl, file) = (
                strings(&b, "report_id", &path)?,
                strings(&b, "indicator", &path)?,
                strings(&b, "breakdown", &path)?,
                strings(&b, "template", &path)?,
                strings(&b, "source_file", &path)?,
            );
            let lines = ints(&b, "source_line");
            let values: Vec<f64> = b
                .column_by_name("value")
                .and_then(|c| {
                    c.as_primitive_opt::<Float64Type>()
                        .map(|a| a.values().to_vec())
                })
                .unwrap_or_default();
            let derived: Vec<bool> = b
                .column_by_name("derived")
                .and_then(|c| {
                    c.as_boolean_opt()
                        .map(|a| (0..a.len()).map(|i| a.value(i)).collect())
                })
                .unwrap_or_default();
            for i in 0..b.num_rows().min(values.len()).min(ids.len()) {
                facts.push(StoredFact {
                    report_id: ids[i].clone(),
                    indicator: ind[i].clone(),
                    breakdown: brk[i].clone(),
                    value: values[i],
                    derived: derived.get(i).copied().unwrap_or(false),
                    template: tpl[i].clone(),
                    origin: origin[i].clone(),
                    source_file: file[i].clone(),
                    source_line: lines.get(i).copied().unwrap_or(0),
                });
            }
        }
    }
    let mut reports = Vec::new();
    for path in w.table_files(Table::Reports) {
        for b in read_parquet(&path)? {
            let (ids, body, scope, sha, file) = (
                strings(&b, "report_id", &path)?,
                strings(&b, "body", &path)?,
                strings(&b, "scope", &path)?,
                strings(&b, "sha256", &path)?,
                strings(&b, "source_file", &path)?,
            );
            let years = ints(&b, "year");
            for i in 0..ids.len() {
                reports.push(StoredReport {
                    report_id: ids[i].clone(),
                    body: body[i].clone(),
                    scope: scope[i].clone(),
                    year: years.get(i).copied().unwrap_or(0),
                    sha256: sha[i].clone(),
                    source_file: file[i].clone(),
                });
            }
        }
    }
    Ok((facts, reports))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{DictionaryArray, LargeStringArray, StringViewArray};
    use datafusion::arrow::datatypes::{Field, Int32Type as Key, Schema};

    use super::*;

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
                strings(&b, col, p).expect(col),
                ["济南市", "review.corrected"]
            );
        }
        // A missing column is an error naming the file.
        let e = strings(&b, "indicator", p).unwrap_err().to_string();
        assert!(e.contains("seg.parquet") && e.contains("indicator"), "{e}");
    }
}
