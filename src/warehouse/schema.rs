//! The warehouse's tables: their Arrow schemas, and reports turned into record batches.
//!
//! Table and column names are a contract (saved queries and later tools rely on them):
//! `facts`, `reports`, `unmapped`, `problems`, `indicators`.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int32Builder, Int64Array, RecordBatch,
    StringArray, StringBuilder, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use datafusion::arrow::error::ArrowError;

use crate::catalog::{catalog, Kind};
use crate::model::Document;

/// A table the warehouse stores in its segments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    /// One row per figure.
    Facts,
    /// One row per report.
    Reports,
    /// Rows that map to no indicator.
    Unmapped,
    /// Cells left out, with the reason.
    Problems,
}

impl Table {
    /// Every stored table.
    pub const ALL: [Table; 4] = [
        Table::Facts,
        Table::Reports,
        Table::Unmapped,
        Table::Problems,
    ];

    /// The SQL name, also the Parquet file's stem in a segment.
    pub fn name(self) -> &'static str {
        match self {
            Table::Facts => "facts",
            Table::Reports => "reports",
            Table::Unmapped => "unmapped",
            Table::Problems => "problems",
        }
    }

    /// The table's schema.
    pub fn schema(self) -> SchemaRef {
        match self {
            Table::Facts => facts_schema(),
            Table::Reports => reports_schema(),
            Table::Unmapped => unmapped_schema(),
            Table::Problems => problems_schema(),
        }
    }
}

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, false)
}

fn utf8_null(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn int32(name: &str) -> Field {
    Field::new(name, DataType::Int32, false)
}

/// Columns shared by every row about one report: who, when, which template.
fn report_columns() -> Vec<Field> {
    vec![
        utf8("report_id"),
        utf8("jurisdiction"),
        utf8("body"),
        utf8("scope"),
        int32("year"),
        utf8("template"),
    ]
}

/// Where the report sits in the gazetteer (NULL when its jurisdiction did not resolve).
fn place_columns() -> [Field; 3] {
    [
        utf8_null("division_code"),
        utf8_null("province"),
        utf8_null("level"),
    ]
}

/// `facts`: one row per figure.
pub fn facts_schema() -> SchemaRef {
    let mut f = report_columns();
    f.extend([
        utf8("indicator"),
        utf8("breakdown"),
        Field::new("value", DataType::Float64, false),
        utf8("unit"),
        Field::new("derived", DataType::Boolean, false),
        utf8("origin"),
        utf8("source_file"),
        int32("source_line"),
    ]);
    f.extend(place_columns());
    Arc::new(Schema::new(f))
}

/// A layout-2 batch of `table` in today's schema: `facts.origin` is `table` (layout 2 stored
/// table figures only), `reports.scope_reason` NULL (layout 2 kept no reason).
pub fn upgrade_from_v2(table: Table, batch: &RecordBatch) -> Result<RecordBatch, ArrowError> {
    let schema = table.schema();
    let rows = batch.num_rows();
    let cols = schema
        .fields()
        .iter()
        .map(|f| match batch.column_by_name(f.name()) {
            Some(c) => Ok(c.clone()),
            None if f.name() == "origin" => {
                Ok(Arc::new(StringArray::from(vec!["table"; rows])) as ArrayRef)
            }
            None if f.is_nullable() => Ok(datafusion::arrow::array::new_null_array(
                f.data_type(),
                rows,
            )),
            None => Err(ArrowError::SchemaError(format!(
                "layout-2 {} without column '{}'",
                table.name(),
                f.name()
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    RecordBatch::try_new(schema, cols)
}

/// `reports`: one row per report.
pub fn reports_schema() -> SchemaRef {
    let mut f = report_columns();
    f.extend([
        utf8("title"),
        utf8("source_file"),
        utf8("sha256"),
        Field::new(
            "ingested_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("figures", DataType::Int64, false),
        Field::new("unmapped", DataType::Int64, false),
        Field::new("problems", DataType::Int64, false),
        utf8_null("scope_reason"),
    ]);
    f.extend(place_columns());
    Arc::new(Schema::new(f))
}

/// `unmapped`: table rows that map to no indicator.
pub fn unmapped_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("report_id"),
        utf8("source_file"),
        int32("source_line"),
        utf8("label"),
        utf8("raw_value"),
    ]))
}

/// `problems`: cells left out, and why.
pub fn problems_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("report_id"),
        utf8("source_file"),
        int32("source_line"),
        utf8("label"),
        utf8("raw_text"),
        utf8_null("indicator"),
        utf8("message"),
    ]))
}

/// `checks`: one row per data-quality finding (`gongkai check`).
pub fn checks_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("report_id"),
        utf8("rule"),
        utf8("severity"),
        utf8("indicators"),
        Field::new("expected", DataType::Float64, true),
        Field::new("actual", DataType::Float64, true),
        utf8("source_file"),
        utf8("source_lines"),
        utf8("message"),
    ]))
}

/// `indicators`: the catalog, as a table.
pub fn indicators_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        utf8("code"),
        utf8("templates"),
        utf8("label_zh"),
        utf8("unit"),
        utf8("kind"),
        utf8_null("parent"),
        utf8_null("relation"),
        utf8_null("derived_in"),
        utf8("label_en"),
    ]))
}

/// The catalog as one record batch.
pub fn indicators_batch() -> Result<RecordBatch, ArrowError> {
    let all = catalog().indicators();
    let col = |f: fn(&crate::catalog::Indicator) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(all.iter().map(f)))
    };
    let opt = |f: fn(&crate::catalog::Indicator) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter(all.iter().map(|i| {
            let v = f(i);
            (!v.is_empty()).then_some(v)
        })))
    };
    let kind = |i: &crate::catalog::Indicator| match i.kind {
        Kind::Count => "count",
        Kind::Amount => "amount",
        Kind::Change => "change",
    };
    RecordBatch::try_new(
        indicators_schema(),
        vec![
            col(|i| i.code),
            col(|i| i.templates),
            col(|i| i.label_zh),
            col(|i| i.unit),
            Arc::new(StringArray::from_iter_values(all.iter().map(kind))),
            opt(|i| i.parent),
            opt(|i| i.relation),
            opt(|i| i.derived_in),
            col(|i| i.label_en),
        ],
    )
}

/// Column builders for the per-report columns, repeated on every row.
#[derive(Default)]
struct ReportCols {
    report_id: StringBuilder,
    jurisdiction: StringBuilder,
    body: StringBuilder,
    scope: StringBuilder,
    year: Int32Builder,
    template: StringBuilder,
    division_code: StringBuilder,
    province: StringBuilder,
    level: StringBuilder,
}

impl ReportCols {
    /// Appends one row of `r`'s columns (written straight into Arrow buffers: a corpus of
    /// millions of figures repeats these strings millions of times).
    fn push(&mut self, r: &crate::model::Report, id: &str) {
        self.report_id.append_value(id);
        self.jurisdiction.append_value(&r.meta.jurisdiction);
        self.body.append_value(&r.meta.body);
        self.scope.append_value(r.meta.scope.as_str());
        self.year.append_value(r.meta.year);
        self.template.append_value(r.meta.template.as_str());
        self.division_code
            .append_option(r.meta.place.division_code.as_deref());
        self.province
            .append_option(r.meta.place.province.as_deref());
        self.level.append_option(r.meta.place.level.as_deref());
    }

    /// The place columns, appended last.
    fn place_arrays(&mut self) -> [ArrayRef; 3] {
        [
            Arc::new(self.division_code.finish()),
            Arc::new(self.province.finish()),
            Arc::new(self.level.finish()),
        ]
    }

    fn arrays(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.report_id.finish()),
            Arc::new(self.jurisdiction.finish()),
            Arc::new(self.body.finish()),
            Arc::new(self.scope.finish()),
            Arc::new(self.year.finish()),
            Arc::new(self.template.finish()),
        ]
    }
}

/// One value per stored table, reached by the table (never by position).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PerTable<T> {
    /// `facts`
    pub facts: T,
    /// `reports`
    pub reports: T,
    /// `unmapped`
    pub unmapped: T,
    /// `problems`
    pub problems: T,
}

impl<T> PerTable<T> {
    /// Builds one value per table.
    pub fn try_build<E>(mut f: impl FnMut(Table) -> Result<T, E>) -> Result<Self, E> {
        Ok(PerTable {
            facts: f(Table::Facts)?,
            reports: f(Table::Reports)?,
            unmapped: f(Table::Unmapped)?,
            problems: f(Table::Problems)?,
        })
    }

    /// The value of `table`.
    pub fn get(&self, table: Table) -> &T {
        match table {
            Table::Facts => &self.facts,
            Table::Reports => &self.reports,
            Table::Unmapped => &self.unmapped,
            Table::Problems => &self.problems,
        }
    }

    /// The value of `table`, to change.
    pub fn get_mut(&mut self, table: Table) -> &mut T {
        match table {
            Table::Facts => &mut self.facts,
            Table::Reports => &mut self.reports,
            Table::Unmapped => &mut self.unmapped,
            Table::Problems => &mut self.problems,
        }
    }
}

/// The rows the given documents add to each table, as one batch per table.
pub fn batches(
    docs: &[&Document],
    ingested_at_micros: i64,
) -> Result<PerTable<RecordBatch>, ArrowError> {
    Ok(PerTable {
        facts: facts_batch(docs)?,
        reports: reports_batch(docs, ingested_at_micros)?,
        unmapped: unmapped_batch(docs)?,
        problems: problems_batch(docs)?,
    })
}

fn facts_batch(docs: &[&Document]) -> Result<RecordBatch, ArrowError> {
    let mut rc = ReportCols::default();
    let mut templates: Vec<&'static str> = Vec::new();
    let (mut ind, mut brk, mut val, mut unit, mut der, mut file, mut line) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut origin = Vec::new();
    for d in docs {
        for r in &d.reports {
            let id = r.report_id();
            for f in &r.figures {
                rc.push(r, &id);
                templates.push(f.template.as_str());
                ind.push(f.indicator);
                brk.push(f.breakdown.as_str());
                val.push(f.value);
                unit.push(f.unit);
                der.push(f.derived);
                origin.push(f.origin.as_str());
                file.push(d.source_file.as_str());
                line.push(f.source_line as i32);
            }
        }
    }
    let mut cols = rc.arrays();
    // The template column of a fact is its table's.
    cols[5] = Arc::new(StringArray::from(templates));
    cols.extend([
        Arc::new(StringArray::from(ind)) as ArrayRef,
        Arc::new(StringArray::from(brk)),
        Arc::new(Float64Array::from(val)),
        Arc::new(StringArray::from(unit)),
        Arc::new(BooleanArray::from(der)),
        Arc::new(StringArray::from(origin)),
        Arc::new(StringArray::from(file)),
        Arc::new(Int32Array::from(line)),
    ]);
    cols.extend(rc.place_arrays());
    RecordBatch::try_new(facts_schema(), cols)
}

fn reports_batch(docs: &[&Document], ingested_at: i64) -> Result<RecordBatch, ArrowError> {
    let mut rc = ReportCols::default();
    let (mut title, mut file, mut sha, mut at, mut figs, mut unm, mut prob) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    let mut why = Vec::new();
    for d in docs {
        for r in &d.reports {
            rc.push(r, &r.report_id());
            title.push(r.meta.title.as_str());
            file.push(d.source_file.as_str());
            sha.push(d.sha256.as_str());
            at.push(ingested_at);
            figs.push(r.figures.len() as i64);
            unm.push(r.unmapped.len() as i64);
            prob.push(r.problems.len() as i64);
            why.push(r.meta.scope_reason.as_str());
        }
    }
    let mut cols = rc.arrays();
    cols.extend([
        Arc::new(StringArray::from(title)) as ArrayRef,
        Arc::new(StringArray::from(file)),
        Arc::new(StringArray::from(sha)),
        Arc::new(TimestampMicrosecondArray::from(at).with_timezone("UTC")),
        Arc::new(Int64Array::from(figs)),
        Arc::new(Int64Array::from(unm)),
        Arc::new(Int64Array::from(prob)),
        Arc::new(StringArray::from(why)),
    ]);
    cols.extend(rc.place_arrays());
    RecordBatch::try_new(reports_schema(), cols)
}

fn unmapped_batch(docs: &[&Document]) -> Result<RecordBatch, ArrowError> {
    let (mut id, mut file, mut line, mut label, mut raw) = (vec![], vec![], vec![], vec![], vec![]);
    for d in docs {
        for r in &d.reports {
            for u in &r.unmapped {
                id.push(r.report_id());
                file.push(d.source_file.as_str());
                line.push(u.source_line as i32);
                label.push(u.label.as_str());
                raw.push(u.raw_value.as_str());
            }
        }
    }
    RecordBatch::try_new(
        unmapped_schema(),
        vec![
            Arc::new(StringArray::from(id)),
            Arc::new(StringArray::from(file)),
            Arc::new(Int32Array::from(line)),
            Arc::new(StringArray::from(label)),
            Arc::new(StringArray::from(raw)),
        ],
    )
}

fn problems_batch(docs: &[&Document]) -> Result<RecordBatch, ArrowError> {
    let (mut id, mut file, mut line, mut label, mut raw, mut ind, mut msg) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for d in docs {
        for r in &d.reports {
            for p in &r.problems {
                id.push(r.report_id());
                file.push(d.source_file.as_str());
                line.push(p.source_line as i32);
                label.push(p.label.as_str());
                raw.push(p.raw_text.as_str());
                ind.push(p.indicator);
                msg.push(p.message.as_str());
            }
        }
    }
    RecordBatch::try_new(
        problems_schema(),
        vec![
            Arc::new(StringArray::from(id)),
            Arc::new(StringArray::from(file)),
            Arc::new(Int32Array::from(line)),
            Arc::new(StringArray::from(label)),
            Arc::new(StringArray::from(raw)),
            Arc::new(StringArray::from(ind)),
            Arc::new(StringArray::from(msg)),
        ],
    )
}
