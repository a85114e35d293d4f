//! `.chart`: a horizontal bar chart of the last two-column result (label, number), drawn in
//! the terminal — a ranking is easier to look at than to read. Labels are padded by display
//! width so Chinese names line up.

use std::io::{self, Write};

use unicode_width::UnicodeWidthStr;

use crate::output::{truncate_to_width, ResultSet};

/// Draws the chart into `out`; the error says why the result cannot be charted.
pub fn draw(result: &ResultSet, out: &mut dyn Write, width: usize) -> Result<(), String> {
    let numeric = result.numeric_columns();
    if numeric.len() != 2 || !numeric[1] {
        return Err(".chart draws a result of two columns: a label and a number (e.g. SELECT jurisdiction, value …)".into());
    }
    let cells = result.cells().map_err(|e| e.to_string())?;
    let rows: Vec<(String, Option<f64>)> = cells
        .into_iter()
        .map(|r| {
            let label = r[0].clone().unwrap_or_else(|| "NULL".into());
            (label, r[1].as_deref().and_then(|v| v.parse::<f64>().ok()))
        })
        .collect();
    let label_w = rows
        .iter()
        .map(|(l, _)| l.width())
        .max()
        .unwrap_or(0)
        .min(30);
    let value_text: Vec<String> = rows
        .iter()
        .map(|(_, v)| v.map_or("NULL".into(), |v| v.to_string()))
        .collect();
    let value_w = value_text.iter().map(|s| s.width()).max().unwrap_or(0);
    // Negative values draw to the left of the axis, positive ones to the right, on one scale.
    let most = |sign: f64| {
        rows.iter()
            .filter_map(|(_, v)| *v)
            .filter(|v| v * sign > 0.0)
            .fold(0.0f64, |m, v| m.max(v.abs()))
    };
    let (neg, pos) = (most(-1.0), most(1.0));
    let bar_w = width.saturating_sub(label_w + value_w + 4).max(10);
    let scale = neg + pos;
    let neg_w = if neg > 0.0 {
        ((neg / scale) * bar_w as f64).round().max(1.0) as usize
    } else {
        0
    };
    let pos_w = bar_w.saturating_sub(neg_w);
    let write = |out: &mut dyn Write, s: String| -> Result<(), String> {
        writeln!(out, "{s}").map_err(|e: io::Error| e.to_string())
    };
    for ((label, v), text) in rows.iter().zip(&value_text) {
        let l = truncate_to_width(label, label_w);
        let pad = " ".repeat(label_w - l.width());
        let v = v.unwrap_or(0.0);
        let (left, right) = if v < 0.0 {
            // Whole blocks only: the partial ones fill from the left.
            let n = ((v.abs() / scale) * bar_w as f64).round() as usize;
            (
                format!("{:>neg_w$}", "█".repeat(n.min(neg_w))),
                String::new(),
            )
        } else {
            let eighths = if scale > 0.0 {
                ((v / scale) * (bar_w * 8) as f64).round() as usize
            } else {
                0
            };
            let mut bar = "█".repeat((eighths / 8).min(pos_w));
            if eighths % 8 > 0 && eighths / 8 < pos_w {
                bar.push(['▏', '▎', '▍', '▌', '▋', '▊', '▉'][eighths % 8 - 1]);
            }
            (" ".repeat(neg_w), bar)
        };
        write(out, format!("{l}{pad} {left}│{right} {text:>value_w$}"))?;
    }
    Ok(())
}
