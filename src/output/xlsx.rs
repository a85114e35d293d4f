//! Excel workbooks: one worksheet per result, header in bold, numbers as number cells (so
//! Excel sums them), dates and timestamps as date cells (timestamps in UTC, as stored),
//! booleans as TRUE/FALSE, NULL as an empty cell. Analysts on Chinese Windows open CSV as mojibake
//! unless it has a BOM; a real workbook avoids the question.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type, TimeUnit, TimestampMillisecondType};
use rust_xlsxwriter::{Format as CellFormat, Workbook, XlsxError};
use unicode_width::UnicodeWidthStr;

use super::ResultSet;

/// A workbook being filled, one sheet per result.
pub struct XlsxBook {
    book: Workbook,
    sheets: usize,
}

impl Default for XlsxBook {
    fn default() -> Self {
        Self::new()
    }
}

impl XlsxBook {
    /// An empty workbook.
    pub fn new() -> Self {
        XlsxBook {
            book: Workbook::new(),
            sheets: 0,
        }
    }

    /// Adds a result as the next worksheet.
    pub fn add(&mut self, result: &ResultSet) -> Result<(), XlsxError> {
        self.sheets += 1;
        let sheet = self.book.add_worksheet();
        sheet.set_name(format!("result{}", self.sheets))?;
        let bold = CellFormat::new().set_bold();
        let date = CellFormat::new().set_num_format("yyyy-mm-dd");
        let datetime = CellFormat::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let numeric = result.numeric_columns();
        let mut widths: Vec<usize> = Vec::new();
        for (c, f) in result.schema.fields().iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, f.name(), &bold)?;
            widths.push(f.name().width());
        }
        let cells = result
            .cells()
            .map_err(|e| XlsxError::ParameterError(e.to_string()))?;
        let mut row_index = 1u32;
        for b in result.batches {
            // Numbers are written from the arrays themselves, not from their text.
            let floats: Vec<Option<datafusion::arrow::array::ArrayRef>> = b
                .columns()
                .iter()
                .zip(&numeric)
                .map(|(col, num)| {
                    num.then(|| datafusion::arrow::compute::cast(col, &DataType::Float64).ok())
                        .flatten()
                })
                .collect();
            // Dates and timestamps as milliseconds since 1970 (UTC), for Excel's serial dates.
            let times: Vec<Option<(datafusion::arrow::array::ArrayRef, bool)>> = b
                .columns()
                .iter()
                .map(|col| {
                    let with_time = match col.data_type() {
                        DataType::Date32 | DataType::Date64 => false,
                        DataType::Timestamp(..) => true,
                        _ => return None,
                    };
                    let ms = DataType::Timestamp(TimeUnit::Millisecond, None);
                    datafusion::arrow::compute::cast(col, &ms)
                        .ok()
                        .map(|a| (a, with_time))
                })
                .collect();
            for r in 0..b.num_rows() {
                let text = &cells[(row_index - 1) as usize];
                for (c, col) in b.columns().iter().enumerate() {
                    if col.is_null(r) {
                        continue;
                    }
                    if let Some((ms, with_time)) = &times[c] {
                        let v = ms.as_primitive::<TimestampMillisecondType>().value(r);
                        // Excel's day 0 is 1899-12-30; 1970-01-01 is day 25569.
                        let serial = v as f64 / 86_400_000.0 + 25_569.0;
                        let f = if *with_time { &datetime } else { &date };
                        sheet.write_number_with_format(row_index, c as u16, serial, f)?;
                        widths[c] = widths[c].max(if *with_time { 19 } else { 10 });
                        continue;
                    }
                    if let Some(b) = col.as_boolean_opt() {
                        sheet.write_boolean(row_index, c as u16, b.value(r))?;
                        continue;
                    }
                    match &floats[c] {
                        Some(f) => {
                            let v = f.as_primitive::<Float64Type>().value(r);
                            sheet.write_number(row_index, c as u16, v)?;
                        }
                        None => {
                            let s = text[c].as_deref().unwrap_or_default();
                            sheet.write_string(row_index, c as u16, s)?;
                        }
                    }
                    widths[c] = widths[c].max(text[c].as_deref().map_or(0, |s| s.width()));
                }
                row_index += 1;
            }
        }
        for (c, w) in widths.iter().enumerate() {
            sheet.set_column_width(c as u16, (*w).clamp(6, 60) as f64 + 1.0)?;
        }
        Ok(())
    }

    /// Number of worksheets so far.
    pub fn sheets(&self) -> usize {
        self.sheets
    }

    /// Writes the workbook.
    pub fn save(&mut self, path: &Path) -> Result<(), XlsxError> {
        if self.sheets == 0 {
            self.book.add_worksheet();
        }
        self.book.save(path)
    }
}
