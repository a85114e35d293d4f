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
    let names: Vec<String> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let numeric = result.numeric_columns();
    // A newline or tab inside a cell would break the box: shown escaped, as `\n` and `\t`.
    let mut all = result.cells()?;
    for cell in all.iter_mut().flatten().flatten() {
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
    let mut widths: Vec<usize> = names.iter().map(|n| n.width()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row.iter()) {
            *w = (*w).max(cell.as_deref().unwrap_or(NULL).width());
        }
    }
    if let Some(m) = max_width {
        fit(&mut widths, m);
    }
    let rule = |l: &str, m: &str, r: &str| -> String {
        let parts: Vec<String> = widths.iter().map(|w| "─".repeat(w + 2)).collect();
        format!("{l}{}{r}", parts.join(m))
    };
    let line = |cells: Vec<(&str, bool)>| -> String {
        let parts: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|((s, right), w)| {
                let cut = truncate_to_width(s, *w);
                let s = cut.as_str();
                let pad = " ".repeat(w.saturating_sub(s.width()));
                if *right {
                    format!(" {pad}{s} ")
                } else {
                    format!(" {s}{pad} ")
                }
            })
            .collect();
        format!("│{}│", parts.join("│"))
    };
    writeln!(out, "{}", rule("┌", "┬", "┐"))?;
    writeln!(
        out,
        "{}",
        line(names.iter().map(|n| (n.as_str(), false)).collect())
    )?;
    writeln!(out, "{}", rule("├", "┼", "┤"))?;
    for (i, row) in rows.iter().enumerate() {
        if cut_at == Some(i) {
            let dots = widths.iter().map(|_| ("…", false)).collect();
            writeln!(out, "{}", line(dots))?;
        }
        let cells = row
            .iter()
            .zip(&numeric)
            .map(|(c, &num)| (c.as_deref().unwrap_or(NULL), num))
            .collect();
        writeln!(out, "{}", line(cells))?;
    }
    writeln!(out, "{}", rule("└", "┴", "┘"))?;
    if cut_at.is_some() {
        writeln!(out, "{total} rows ({} shown)", rows.len())?;
    }
    Ok(())
}
