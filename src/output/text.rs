//! The text formats beyond table and CSV: ndjson, markdown and line. Markdown and line pad by
//! display width (DuckDB pads `line` by bytes, which misaligns Chinese).

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use super::{json_kinds, json_names, write_json_object, ResultSet};

/// One JSON object per line.
pub fn render_ndjson(result: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
    let names = json_names(result);
    let numeric = json_kinds(result);
    result.each_row(|row| {
        write_json_object(out, &names, &numeric, row)?;
        out.write_all(b"\n")
    })
}

fn pad(s: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(s.width()));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

/// A markdown table: `|` escaped in cells, numbers right-aligned, NULL empty.
pub fn render_markdown(result: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
    let names: Vec<String> = result
        .schema
        .fields()
        .iter()
        .map(|f| f.name().replace('|', "\\|"))
        .collect();
    let numeric = result.numeric_columns();
    let rows: Vec<Vec<String>> = result
        .cells()?
        .into_iter()
        .map(|r| {
            r.into_iter()
                .map(|c| c.unwrap_or_default().replace('|', "\\|").replace('\n', " "))
                .collect()
        })
        .collect();
    let mut widths: Vec<usize> = names.iter().map(|n| n.width().max(3)).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.width());
        }
    }
    let line = |cells: Vec<String>| format!("| {} |", cells.join(" | "));
    writeln!(
        out,
        "{}",
        line(
            names
                .iter()
                .zip(&widths)
                .map(|(n, w)| pad(n, *w, false))
                .collect()
        )
    )?;
    let rule: Vec<String> = widths
        .iter()
        .zip(&numeric)
        .map(|(w, num)| {
            if *num {
                format!("{}:", "-".repeat(w - 1))
            } else {
                "-".repeat(*w)
            }
        })
        .collect();
    writeln!(out, "{}", line(rule))?;
    for r in &rows {
        let cells = r
            .iter()
            .zip(&widths)
            .zip(&numeric)
            .map(|((c, w), num)| pad(c, *w, *num))
            .collect();
        writeln!(out, "{}", line(cells))?;
    }
    Ok(())
}

/// `name = value`, one cell a line, names padded to one display width, a blank line between rows.
pub fn render_line(result: &ResultSet, out: &mut dyn Write) -> io::Result<()> {
    let names: Vec<&String> = result.schema.fields().iter().map(|f| f.name()).collect();
    let width = names.iter().map(|n| n.width()).max().unwrap_or(0);
    for (i, row) in result.cells()?.iter().enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        for (n, c) in names.iter().zip(row) {
            writeln!(
                out,
                "{} = {}",
                pad(n, width, true),
                c.as_deref().unwrap_or("NULL")
            )?;
        }
    }
    Ok(())
}
