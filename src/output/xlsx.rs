//! Excel workbooks: one worksheet per result, header in bold, numbers as number cells (so
//! Excel sums them), NULL as an empty cell. Analysts on Chinese Windows open CSV as mojibake
//! unless it has a BOM; a real workbook avoids the question.

use std::path::Path;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{DataType, Float64Type};
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
            for r in 0..b.num_rows() {
                let text = &cells[(row_index - 1) as usize];
                for (c, col) in b.columns().iter().enumerate() {
                    if col.is_null(r) {
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
