//! Query results rendered into any writer: `table` for people, `csv`/`tsv`/`json` for other
//! programs.
//!
//! Every renderer writes into an `io::Write`, so the REPL, `-c`, `-f` and tests share them. The
//! table renderer measures display columns with `unicode-width` (a Chinese character takes two
//! columns), never bytes or chars, so 济南市本级 lines up with ASCII.

mod table;
mod text;
mod xlsx;

use std::io::{self, Write};
use std::str::FromStr;

use datafusion::arrow::array::{Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::util::display::{ArrayFormatter, FormatOptions};

pub use table::{render_table, render_table_styled, truncate_to_width};
pub use text::{render_line, render_markdown, render_ndjson};
pub use xlsx::XlsxBook;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Box-drawn table, aligned by display width.
    Table,
    /// RFC 4180 CSV with a header line.
    Csv,
    /// Tab-separated values with a header line.
    Tsv,
    /// One JSON array of objects.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// A GitHub-flavoured markdown table, padded by display width.
    Markdown,
    /// One `column = value` line per cell, a blank line between rows, padded by display width.
    Line,
    /// An Excel workbook with number cells (needs a file: `--output` or `.output`).
    Xlsx,
}

impl Format {
    /// Every format's name, for help and completion.
    pub const NAMES: [&'static str; 8] = [
        "table", "csv", "tsv", "json", "ndjson", "markdown", "line", "xlsx",
    ];
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let i = [
            Format::Table,
            Format::Csv,
            Format::Tsv,
            Format::Json,
            Format::Ndjson,
            Format::Markdown,
            Format::Line,
            Format::Xlsx,
        ]
        .iter()
        .position(|x| x == self)
        .unwrap_or(0);
        f.write_str(Format::NAMES[i])
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "table" => Ok(Format::Table),
            "csv" => Ok(Format::Csv),
            "tsv" => Ok(Format::Tsv),
            "json" => Ok(Format::Json),
            "ndjson" | "jsonl" => Ok(Format::Ndjson),
            "markdown" | "md" => Ok(Format::Markdown),
            "line" => Ok(Format::Line),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(format!(
                "unknown format '{other}' (expected one of {})",
                Format::NAMES.join(", ")
            )),
        }
    }
}

/// A result: its schema and batches.
pub struct ResultSet<'a> {
    /// Column names and types.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: &'a [RecordBatch],
}

impl ResultSet<'_> {
    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Every cell as text (NULL as `None`), row by row.
    pub fn cells(&self) -> Result<Vec<Vec<Option<String>>>, io::Error> {
        let mut rows = Vec::with_capacity(self.rows());
        self.each_row(|row| {
            rows.push(row.iter().map(|c| c.map(str::to_string)).collect());
            Ok(())
        })?;
        Ok(rows)
    }

    /// Visits every row with its cells as text (NULL as `None`). The text is formatted into
    /// buffers reused from row to row, so a result of millions of rows streams out without a
    /// string per cell (the CSV of a national-scale query is mostly this loop).
    pub fn each_row(
        &self,
        mut visit: impl FnMut(&[Option<&str>]) -> io::Result<()>,
    ) -> io::Result<()> {
        use std::fmt::Write as _;
        let options = FormatOptions::default();
        let width = self.schema.fields().len();
        let mut text: Vec<String> = vec![String::new(); width];
        let mut null = vec![false; width];
        for b in self.batches {
            let formatters = b
                .columns()
                .iter()
                .map(|c| ArrayFormatter::try_new(c.as_ref(), &options))
                .collect::<Result<Vec<_>, _>>()
                .map_err(io::Error::other)?;
            // A float that holds a whole number prints without `.0` (`453`, not `453.0`):
            // counts are stored as Float64 beside amounts, and amounts keep their decimals.
            let float: Vec<bool> = b
                .columns()
                .iter()
                .map(|c| {
                    matches!(
                        c.data_type(),
                        DataType::Float16 | DataType::Float32 | DataType::Float64
                    )
                })
                .collect();
            for r in 0..b.num_rows() {
                for (j, (c, f)) in b.columns().iter().zip(&formatters).enumerate() {
                    text[j].clear();
                    // The untyped NULL column has no null buffer: every cell is null.
                    null[j] = c.is_null(r) || c.data_type() == &DataType::Null;
                    if !null[j] {
                        write!(text[j], "{}", f.value(r)).map_err(io::Error::other)?;
                        if float[j] && text[j].ends_with(".0") {
                            let n = text[j].len() - 2;
                            text[j].truncate(n);
                        }
                        // Zero is zero: DataFusion answers `min(value)` from Parquet
                        // statistics, which store a minimum of 0 as -0.
                        if float[j] && text[j] == "-0" {
                            text[j].replace_range(.., "0");
                        }
                    }
                }
                let row: Vec<Option<&str>> = text
                    .iter()
                    .zip(&null)
                    .map(|(t, &n)| (!n).then_some(t.as_str()))
                    .collect();
                visit(&row)?;
            }
        }
        Ok(())
    }

    /// True for columns whose values are numbers (right-aligned in tables, unquoted in JSON).
    pub fn numeric_columns(&self) -> Vec<bool> {
        self.schema
            .fields()
            .iter()
            .map(|f| is_numeric(f.data_type()))
            .collect()
    }
}

fn is_numeric(t: &DataType) -> bool {
    match t {
        DataType::Dictionary(_, v) => is_numeric(v),
        t => t.is_numeric(),
    }
}

/// Renders a result in `format` into `out` (tables without a row or width limit; `Xlsx`
/// is refused: a workbook is not a stream, see [`XlsxBook`]).
pub fn render(format: Format, result: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Table => render_table(result, out, None, None),
        Format::Csv => render_delimited(result, out, b','),
        Format::Tsv => render_delimited(result, out, b'\t'),
        Format::Json => render_json(result, out),
        Format::Ndjson => render_ndjson(result, out),
        Format::Markdown => render_markdown(result, out),
        Format::Line => render_line(result, out),
        Format::Xlsx => Err(io::Error::other(
            "xlsx is written to a file: use --output FILE.xlsx",
        )),
    }
}

/// CSV/TSV: header line, LF line ends, NULL as an empty field, quotes only where needed —
/// the `csv` crate's writer (arrow-csv's own), fed the cells as `each_row` formats them: arrow's
/// formatters, with a whole-number float printed without `.0`, which arrow-csv cannot be told.
fn render_delimited(result: &ResultSet, out: &mut dyn Write, sep: u8) -> io::Result<()> {
    let mut w = csv::WriterBuilder::new()
        .delimiter(sep)
        .quote_style(csv::QuoteStyle::Necessary)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_writer(out);
    // The csv crate wraps I/O errors; unwrapped, a closed pipe stays a closed pipe.
    let io_error = |e: csv::Error| match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    };
    w.write_record(result.schema.fields().iter().map(|f| f.name().as_str()))
        .map_err(io_error)?;
    result.each_row(|row| {
        w.write_record(row.iter().map(|c| c.unwrap_or("")))
            .map_err(io_error)
    })?;
    w.flush()
}

/// A JSON string literal.
pub(crate) fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}

/// JSON: one array of objects; numbers as JSON numbers, NULL as null.
fn render_json(result: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
    let names = json_names(result);
    let numeric = json_kinds(result);
    write!(out, "[")?;
    let mut first = true;
    result.each_row(|row| {
        out.write_all(if first { b"\n  " } else { b",\n  " })?;
        first = false;
        write_json_object(out, &names, &numeric, row)
    })?;
    writeln!(out, "{}]", if first { "" } else { "\n" })
}

/// The column names as JSON string literals.
pub(crate) fn json_names(result: &ResultSet) -> Vec<String> {
    result
        .schema
        .fields()
        .iter()
        .map(|f| json_string(f.name()))
        .collect()
}

/// How a column's cells are written in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    /// A JSON number (a value JSON cannot hold, ±inf or NaN, is null).
    Number,
    /// `true` / `false`.
    Boolean,
    /// A column of the untyped NULL: every cell null.
    Null,
    /// A JSON string.
    Text,
}

/// The JSON kind of each column of a result.
pub(crate) fn json_kinds(result: &ResultSet) -> Vec<JsonKind> {
    fn kind(t: &DataType) -> JsonKind {
        match t {
            DataType::Dictionary(_, v) => kind(v),
            DataType::Boolean => JsonKind::Boolean,
            DataType::Null => JsonKind::Null,
            t if t.is_numeric() => JsonKind::Number,
            _ => JsonKind::Text,
        }
    }
    result
        .schema
        .fields()
        .iter()
        .map(|f| kind(f.data_type()))
        .collect()
}

/// One row as a JSON object: numbers as JSON numbers, booleans as booleans, NULL as null.
pub(crate) fn write_json_object(
    out: &mut dyn Write,
    names: &[String],
    kinds: &[JsonKind],
    row: &[Option<&str>],
) -> io::Result<()> {
    out.write_all(b"{")?;
    for (j, cell) in row.iter().enumerate() {
        if j > 0 {
            out.write_all(b", ")?;
        }
        out.write_all(names[j].as_bytes())?;
        out.write_all(b": ")?;
        match (cell, kinds[j]) {
            (None, _) | (_, JsonKind::Null) => out.write_all(b"null")?,
            (Some(s), JsonKind::Number) => match s.parse::<f64>() {
                Ok(v) if v.is_finite() => out.write_all(s.as_bytes())?,
                _ => out.write_all(b"null")?,
            },
            (Some(s @ ("true" | "false")), JsonKind::Boolean) => out.write_all(s.as_bytes())?,
            (Some(s), _) => out.write_all(json_string(s).as_bytes())?,
        }
    }
    out.write_all(b"}")
}
