//! `rollup.parquet`: a segment's facts summed by the columns analyses group and filter on.
//!
//! Why: most analyses ask for sums and counts of `value` by year, scope, indicator, breakdown,
//! template or place (province, level) — at 50M facts those columns take 243K distinct
//! combinations, so the same answer can be read from 200 times fewer rows
//! (BENCHMARKS.md, "Rollups"). The engine's rule ([`crate::engine::rollup`]) answers an
//! aggregation from the rollups only when it can prove the answer is the same.
//!
//! A segment's rollup is written with its facts, in the same commit, and is never changed
//! afterwards (a segment is rewritten whole, its rollup with it): it cannot describe other
//! data than the facts beside it. A segment written before rollups existed has none, and the
//! manifest says so ([`super::Segment::rollup`]); a session then answers from the facts.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::error::ArrowError;
use datafusion::arrow::row::{RowConverter, Rows, SortField};
// hashbrown with foldhash: asked once per fact written.
use datafusion::common::HashMap;

use super::schema::facts_schema;

/// The `facts` columns a rollup keeps, in its order: each one a column analyses group or
/// filter by, of few distinct values. Identifiers (report, body, jurisdiction, division, file,
/// line) are not among them: a query that touches one is answered from the facts. The rows are
/// sorted in this order, breakdown and indicator first as in a compacted segment, so that the
/// page index finds the `total` rows of a few indicators (what analyses ask for) in a page or
/// two.
pub const DIMENSIONS: [&str; 10] = [
    "breakdown",
    "indicator",
    "year",
    "scope",
    "template",
    "unit",
    "derived",
    "origin",
    "province",
    "level",
];

/// The sum of `value` over a rollup row's facts; named as in `facts` so that `sum(value)`
/// reads the same over either.
pub const SUM: &str = "value";
/// How many facts a rollup row sums.
pub const FIGURES: &str = "rollup_figures";
/// The least `value` among them.
pub const MIN: &str = "rollup_min";
/// The greatest.
pub const MAX: &str = "rollup_max";
/// How many of them are above zero: the reports that cite a refusal reason, use a channel,
/// had a review… (`sum(CASE WHEN value > 0 THEN 1 ELSE 0 END)` in a saved query).
pub const POSITIVE: &str = "rollup_positive";

/// The file's schema: [`DIMENSIONS`] typed as in `facts`, then the sum, count, min, max and
/// count above zero.
pub fn rollup_schema() -> SchemaRef {
    let facts = facts_schema();
    let mut fields: Vec<Field> = DIMENSIONS
        .iter()
        .map(|d| {
            facts
                .field_with_name(d)
                .expect("every dimension is a facts column")
                .clone()
        })
        .collect();
    fields.extend([
        Field::new(SUM, DataType::Float64, false),
        Field::new(FIGURES, DataType::Int64, false),
        Field::new(MIN, DataType::Float64, false),
        Field::new(MAX, DataType::Float64, false),
        Field::new(POSITIVE, DataType::Int64, false),
    ]);
    Arc::new(Schema::new(fields))
}

/// Sums facts batches (of the stored `facts` schema) into rollup rows, one per distinct
/// combination of [`DIMENSIONS`], sorted by them.
pub struct RollupBuilder {
    converter: RowConverter,
    /// The distinct combinations, as Arrow rows.
    keys: Rows,
    /// Row bytes → index into the accumulators.
    index: HashMap<Box<[u8]>, usize>,
    sum: Vec<f64>,
    figures: Vec<i64>,
    min: Vec<f64>,
    max: Vec<f64>,
    positive: Vec<i64>,
}

impl RollupBuilder {
    /// An empty rollup.
    pub fn new() -> Result<Self, ArrowError> {
        let schema = rollup_schema();
        let fields = DIMENSIONS
            .iter()
            .map(|d| {
                Ok(SortField::new(
                    schema.field_with_name(d)?.data_type().clone(),
                ))
            })
            .collect::<Result<Vec<_>, ArrowError>>()?;
        let converter = RowConverter::new(fields)?;
        let keys = converter.empty_rows(0, 0);
        Ok(RollupBuilder {
            converter,
            keys,
            index: HashMap::default(),
            sum: Vec::new(),
            figures: Vec::new(),
            min: Vec::new(),
            max: Vec::new(),
            positive: Vec::new(),
        })
    }

    /// Adds a batch of facts.
    pub fn add(&mut self, facts: &RecordBatch) -> Result<(), ArrowError> {
        let columns = DIMENSIONS
            .iter()
            .map(|d| {
                facts
                    .column_by_name(d)
                    .cloned()
                    .ok_or_else(|| ArrowError::SchemaError(format!("facts without column '{d}'")))
            })
            .collect::<Result<Vec<ArrayRef>, _>>()?;
        let values = facts
            .column_by_name("value")
            .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
            .ok_or_else(|| ArrowError::SchemaError("facts without a float 'value'".into()))?;
        let rows = self.converter.convert_columns(&columns)?;
        for (i, row) in rows.iter().enumerate() {
            let v = values.value(i);
            let at = match self.index.get(row.as_ref()) {
                Some(&at) => at,
                None => {
                    let at = self.sum.len();
                    self.index.insert(row.as_ref().into(), at);
                    self.keys.push(row);
                    self.sum.push(0.0);
                    self.figures.push(0);
                    self.min.push(v);
                    self.max.push(v);
                    self.positive.push(0);
                    at
                }
            };
            self.sum[at] += v;
            self.figures[at] += 1;
            self.min[at] = self.min[at].min(v);
            self.max[at] = self.max[at].max(v);
            self.positive[at] += (v > 0.0) as i64;
        }
        Ok(())
    }

    /// The rollup rows, sorted by [`DIMENSIONS`] (their Arrow rows compare as the values
    /// do, ascending, NULL first).
    pub fn finish(self) -> Result<RecordBatch, ArrowError> {
        let mut order: Vec<usize> = (0..self.sum.len()).collect();
        order.sort_unstable_by(|&a, &b| self.keys.row(a).cmp(&self.keys.row(b)));
        let mut columns = self
            .converter
            .convert_rows(order.iter().map(|&i| self.keys.row(i)))?;
        let pick = |v: &[f64]| Float64Array::from_iter_values(order.iter().map(|&i| v[i]));
        let count = |v: &[i64]| Int64Array::from_iter_values(order.iter().map(|&i| v[i]));
        columns.push(Arc::new(pick(&self.sum)));
        columns.push(Arc::new(count(&self.figures)));
        columns.push(Arc::new(pick(&self.min)));
        columns.push(Arc::new(pick(&self.max)));
        columns.push(Arc::new(count(&self.positive)));
        RecordBatch::try_new(rollup_schema(), columns)
    }
}

/// The rollup of one batch of facts.
pub fn rollup(facts: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let mut b = RollupBuilder::new()?;
    b.add(facts)?;
    b.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Array, BooleanArray, Int32Array, StringArray};

    /// Facts of the stored schema: every column but those given is a constant.
    fn facts(indicators: &[&str], provinces: &[Option<&str>], values: &[f64]) -> RecordBatch {
        let schema = facts_schema();
        let n = values.len();
        let columns: Vec<ArrayRef> = schema
            .fields()
            .iter()
            .map(|f| -> ArrayRef {
                match (f.name().as_str(), f.data_type()) {
                    ("indicator", _) => Arc::new(StringArray::from(indicators.to_vec())),
                    ("province", _) => Arc::new(StringArray::from(provinces.to_vec())),
                    ("value", _) => Arc::new(Float64Array::from(values.to_vec())),
                    (_, DataType::Int32) => Arc::new(Int32Array::from(vec![2022; n])),
                    (_, DataType::Boolean) => Arc::new(BooleanArray::from(vec![false; n])),
                    (name, _) => Arc::new(StringArray::from(vec![name; n])),
                }
            })
            .collect();
        RecordBatch::try_new(schema, columns).unwrap()
    }

    #[test]
    fn a_rollup_row_sums_counts_and_bounds_the_facts_of_its_combination() {
        let f = facts(
            &["a", "b", "a", "a", "b"],
            &[
                Some("江苏省"),
                Some("江苏省"),
                Some("江苏省"),
                None,
                Some("江苏省"),
            ],
            &[1.0, 10.0, 0.0, 7.0, 2.5],
        );
        let r = rollup(&f).unwrap();
        assert_eq!(r.schema(), rollup_schema());
        let col = |name: &str| r.column_by_name(name).unwrap().clone();
        let ind = col("indicator");
        let ind = ind.as_any().downcast_ref::<StringArray>().unwrap();
        let prov = col("province");
        let prov = prov.as_any().downcast_ref::<StringArray>().unwrap();
        let sum = col(SUM);
        let sum = sum.as_any().downcast_ref::<Float64Array>().unwrap();
        let n = col(FIGURES);
        let n = n.as_any().downcast_ref::<Int64Array>().unwrap();
        let min = col(MIN);
        let min = min.as_any().downcast_ref::<Float64Array>().unwrap();
        let max = col(MAX);
        let max = max.as_any().downcast_ref::<Float64Array>().unwrap();
        let pos = col(POSITIVE);
        let pos = pos.as_any().downcast_ref::<Int64Array>().unwrap();
        let rows: Vec<_> = (0..r.num_rows())
            .map(|i| {
                (
                    ind.value(i).to_string(),
                    prov.is_valid(i).then(|| prov.value(i).to_string()),
                    sum.value(i),
                    n.value(i),
                    min.value(i),
                    max.value(i),
                    pos.value(i),
                )
            })
            .collect();
        // By indicator (then province, NULL first); NULL province a combination of its own.
        assert_eq!(
            rows,
            vec![
                ("a".into(), None, 7.0, 1, 7.0, 7.0, 1),
                ("a".into(), Some("江苏省".into()), 1.0, 2, 0.0, 1.0, 1),
                ("b".into(), Some("江苏省".into()), 12.5, 2, 2.5, 10.0, 2),
            ]
        );
    }

    #[test]
    fn batches_added_one_by_one_sum_as_one() {
        let a = facts(&["a", "b"], &[None, None], &[1.0, 2.0]);
        let b = facts(&["b", "c"], &[None, None], &[3.0, 4.0]);
        let mut builder = RollupBuilder::new().unwrap();
        builder.add(&a).unwrap();
        builder.add(&b).unwrap();
        let r = builder.finish().unwrap();
        let one =
            rollup(&datafusion::arrow::compute::concat_batches(&facts_schema(), &[a, b]).unwrap())
                .unwrap();
        assert_eq!(r, one);
        assert_eq!(r.num_rows(), 3);
    }
}
