//! The stored facts and reports, loaded for the checks (which look across reports, scopes and
//! years, so they read the tables whole).

use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int32Type};

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

fn strings(b: &RecordBatch, name: &str) -> Vec<String> {
    b.column_by_name(name)
        .and_then(|c| {
            c.as_string_opt::<i32>()
                .map(|a| (0..a.len()).map(|i| a.value(i).to_string()).collect())
        })
        .unwrap_or_default()
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
            let (ids, ind, brk, tpl, file) = (
                strings(&b, "report_id"),
                strings(&b, "indicator"),
                strings(&b, "breakdown"),
                strings(&b, "template"),
                strings(&b, "source_file"),
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
                strings(&b, "report_id"),
                strings(&b, "body"),
                strings(&b, "scope"),
                strings(&b, "sha256"),
                strings(&b, "source_file"),
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
