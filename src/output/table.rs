//! The box-drawn table: widths in display columns, numbers right-aligned, NULL visible, and
//! long results cut to their head and tail.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::ResultSet;

const NULL: &str = "NULL";

/// Cuts `s` to at most `width` display columns, marking the cut with `…`.
pub fn truncate_to_width(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// Narrows the widest columns until the table fits `max_width` display columns (or every
/// column is down to a few characters).
fn fit(widths: &mut [usize], max_width: usize) {
    let total = |w: &[usize]| w.iter().map(|w| w + 3).sum::<usize>() + 1;
    while total(widths) > max_width {
        let Some((i, &w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            return;
        };
        if w <= 6 {
            return;
        }
        widths[i] = w - 1;
    }
}

/// Renders `result` as a table; with `max_rows`, longer results show their first and last rows
/// around a `…` line; with `max_width`, wide columns are cut (with `…`) to fit.
pub fn render_table(
    result: &ResultSet,
    out: &mut dyn Write,
    max_rows: Option<usize>,
    max_width: Option<usize>,
) -> io::Result<()> {
    render_table_styled(result, out, max_rows, max_width, false)
}

/// [`render_table`], with `color`: the header in bold and NULL dimmed (for a terminal).
pub fn render_table_styled(
    result: &ResultSet,
    out: &mut dyn Write,
    max_rows: Option<usize>,
    max_width: Option<usize>,
    color: bool,
) -> io::Result<()> {
    let names: Vec<String> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let numeric = result.numeric_columns();
    // A newline or tab inside a cell would break the box: shown escaped, as `\n` and `\t`.
    // The text 'NULL' is shown quoted, so that it is not taken for a NULL.
    let mut all = result.cells()?;
    for cell in all.iter_mut().flatten().flatten() {
        if cell == NULL {
            *cell = format!("'{NULL}'");
        }
        if cell.contains(|c: char| c.is_control()) {
            *cell = cell
                .chars()
                .map(|c| match c {
                    '\n' => "\\n".to_string(),
                    '\t' => "\\t".to_string(),
                    '\r' => "\\r".to_string(),
                    c if c.is_control() => c.escape_unicode().to_string(),
                    c => c.to_string(),
                })
                .collect();
        }
    }
    let total = all.len();
    let (rows, cut_at): (Vec<&Vec<Option<String>>>, Option<usize>) = match max_rows {
        Some(m) if total > m && m >= 2 => {
            let head = m.div_ceil(2);
            let tail = m - head;
            let mut v: Vec<_> = all[..head].iter().collect();
            v.extend(all[total - tail..].iter());
            (v, Some(head))
        }
        _ => (all.iter().collect(), None),
    };
    let mut natural: Vec<usize> = names.iter().map(|n| n.width()).collect();
    for row in &rows {
        for (w, cell) in natural.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.as_deref().unwrap_or(NULL).width());
        }
    }
    // Too wide for the terminal: keep columns whole and leave out middle ones (a `…` column
    // marks where), as the DuckDB shell does; only two columns left and still too wide, narrow.
    let (shown, gap) = match max_width {
        Some(m) => visible_columns(&natural, m),
        None => ((0..natural.len()).collect(), None),
    };
    let mut widths: Vec<usize> = shown.iter().map(|&i| natural[i]).collect();
    if let Some(g) = gap {
        widths.insert(g, 1);
    }
    if let Some(m) = max_width {
        fit(&mut widths, m);
    }
    let rule = |l: &str, m: &str, r: &str| -> String {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{l}{}{r}", parts.join(m))
    };
    // A cell: its text, right-aligned, and its style (ANSI SGR code, only with `color`).
    let line = |cells: Vec<(&str, bool, &str)>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|((s, right, style), w)| {
                let cut = truncate_to_width(s, *w);
                let pad = " ".repeat(w.saturating_sub(cut.width()));
                let s = if color && !style.is_empty() {
                    format!("\x1b[{style}m{cut}\x1b[0m")
                } else {
                    cut
                };
                if *right {
                    format!(" {pad}{s} ")
                } else {
                    format!(" {s}{pad} ")
                }
            })
            .collect();
        format!("│{}│", parts.join("│"))
    };
    const BOLD: &str = "1";
    const DIM: &str = "2";
    writeln!(out, "{}", rule("┌", "┬", "┐"))?;
    writeln!(
        out,
        "{}",
        line(project(
            names.iter().map(|n| (n.as_str(), false, BOLD)).collect(),
            &shown,
            gap
        ))
    )?;
    writeln!(out, "{}", rule("├", "┼", "┤"))?;
    for (i, row) in rows.iter().enumerate() {
        if cut_at == Some(i) {
            let dots = widths.iter().map(|_| ("…", false, "")).collect();
            writeln!(out, "{}", line(dots))?;
        }
        let cells = row
            .iter()
            .zip(&numeric)
            .map(|(c, &num)| match c.as_deref() {
                Some(text) => (text, num, ""),
                None => (NULL, num, DIM),
            })
            .collect();
        writeln!(out, "{}", line(project(cells, &shown, gap)))?;
    }
    writeln!(out, "{}", rule("└", "┴", "┘"))?;
    if cut_at.is_some() {
        writeln!(out, "{total} rows ({} shown)", rows.len())?;
    }
    if gap.is_some() {
        writeln!(out, "{} columns ({} shown)", names.len(), shown.len())?;
    }
    Ok(())
}

/// The cells of the columns shown, with a `…` cell where columns are left out.
fn project<'s>(
    cells: Vec<(&'s str, bool, &'s str)>,
    shown: &[usize],
    gap: Option<usize>,
) -> Vec<(&'s str, bool, &'s str)> {
    let mut out: Vec<(&str, bool, &str)> = shown.iter().map(|&i| cells[i]).collect();
    if let Some(g) = gap {
        out.insert(g, ("…", false, ""));
    }
    out
}

/// The columns that fit `max_width` whole: the first and the last kept, middle ones left out
/// from the centre outward; with the position of the `…` column among those shown.
fn visible_columns(natural: &[usize], max_width: usize) -> (Vec<usize>, Option<usize>) {
    let total = |cols: &[usize], gap: bool| {
        cols.iter().map(|&i| natural[i] + 3).sum::<usize>() + 1 + if gap { 4 } else { 0 }
    };
    let all: Vec<usize> = (0..natural.len()).collect();
    if total(&all, false) <= max_width || natural.len() <= 2 {
        return (all, None);
    }
    // Take columns alternately from the left and the right while they fit.
    let (mut left, mut right) = (vec![0], vec![natural.len() - 1]);
    let (mut l, mut r) = (1, natural.len() - 2);
    let mut from_left = true;
    while l <= r {
        let next = if from_left { l } else { r };
        let mut trial: Vec<usize> = left.clone();
        trial.extend(right.iter().rev());
        trial.push(next);
        if total(&trial, true) > max_width {
            break;
        }
        if from_left {
            left.push(l);
            l += 1;
        } else {
            right.push(r);
            r -= 1;
        }
        from_left = !from_left;
    }
    let gap = left.len();
    left.extend(right.iter().rev());
    (left, Some(gap))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
    use datafusion::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    #[test]
    fn too_wide_a_result_keeps_columns_whole_and_leaves_out_middle_ones() {
        let names: Vec<String> = (0..8).map(|i| format!("column_{i}")).collect();
        let schema = Arc::new(Schema::new(
            names
                .iter()
                .map(|n| Field::new(n, DataType::Utf8, false))
                .collect::<Vec<_>>(),
        ));
        let columns: Vec<ArrayRef> = (0..8)
            .map(|i| Arc::new(StringArray::from(vec![format!("淮安市人民政府{i}")])) as ArrayRef)
            .collect();
        let batches = vec![RecordBatch::try_new(schema.clone(), columns).expect("batch")];
        let result = ResultSet {
            schema,
            batches: &batches,
        };
        let mut out = Vec::new();
        render_table(&result, &mut out, None, Some(80)).expect("render");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.lines().all(|l| l.width() <= 80), "{text}");
        // Whole values, the first and last columns kept, a `…` column between.
        assert!(
            text.contains("淮安市人民政府0") && text.contains("淮安市人民政府7"),
            "{text}"
        );
        assert!(!text.contains("column_4") && text.contains(" … "), "{text}");
        assert!(text.contains("8 columns ("), "{text}");
        // Wide enough: every column, no footer.
        let mut out = Vec::new();
        render_table(&result, &mut out, None, Some(400)).expect("render");
        let text = String::from_utf8(out).expect("utf8");
        assert!(
            text.contains("column_4") && !text.contains("columns ("),
            "{text}"
        );
    }

    #[test]
    fn colour_makes_the_header_bold_and_null_dim_and_keeps_the_box() {
        let schema = Arc::new(Schema::new(vec![Field::new("名称", DataType::Utf8, true)]));
        let column: ArrayRef = Arc::new(StringArray::from(vec![Some("淮安市"), None]));
        let batches = vec![RecordBatch::try_new(schema.clone(), vec![column]).expect("batch")];
        let result = ResultSet {
            schema,
            batches: &batches,
        };
        let mut out = Vec::new();
        render_table_styled(&result, &mut out, None, None, true).expect("render");
        let text = String::from_utf8(out).expect("utf8");
        assert!(text.contains("\x1b[1m名称\x1b[0m"), "{text}");
        assert!(text.contains("\x1b[2mNULL\x1b[0m"), "{text}");
        // Escapes take no columns: every line as wide as without colour.
        let mut plain = Vec::new();
        render_table(&result, &mut plain, None, None).expect("render");
        let plain = String::from_utf8(plain).expect("utf8");
        let strip = |l: &str| {
            l.replace("\x1b[1m", "")
                .replace("\x1b[2m", "")
                .replace("\x1b[0m", "")
        };
        assert_eq!(
            text.lines().map(strip).collect::<Vec<_>>(),
            plain.lines().collect::<Vec<_>>()
        );
    }
}
