//! Provincial tables printed before 2019 instead of the national 统计表 — Fujian's first
//! (`templates/fujian.toml`: 指标名称 / 计量单位 / 本年度 / 历年累计), read by the same aligner
//! as the national tables: rows found by their labels, each with its two cells (本年度 →
//! `total`, 历年累计 → `cumulative`), the unit cell between them read as text.

use super::align;
use super::national2019::{adopt, Tables};
use super::template::{self, compact, TableTemplate, TemplateDef};

/// The provincial template a document's table follows and the line after its header (the
/// template's signature, e.g. Fujian's `历年累计`, printed whole or a character a line).
pub fn table_start(lines: &[&str]) -> Option<(usize, &'static TemplateDef)> {
    template::provincial().find_map(|def| {
        let mut seen = String::new();
        for (i, line) in lines.iter().enumerate() {
            seen.push_str(&compact(line));
            if def.signature.iter().any(|s| seen.contains(s.as_str())) {
                return Some((i + 1, def));
            }
            // Keep only a tail: the header may be split over lines, nothing more.
            if seen.len() > 64 {
                let cut = seen.len() - 32;
                let cut = (cut..seen.len())
                    .find(|&k| seen.is_char_boundary(k))
                    .unwrap_or(0);
                seen.drain(..cut);
            }
        }
        None
    })
}

/// True where the table has ended: a sentence (…。), or the date under the signature
/// (`2016` / `年` / `1` / `月`, or `2016年1月12日` on one line).
fn after_table(lines: &[&str], i: usize) -> bool {
    let t = compact(lines[i]);
    let year = |s: &str| {
        s.len() == 4 && s.starts_with(['1', '2']) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let next = lines[i + 1..]
        .iter()
        .map(|l| compact(l))
        .find(|l| !l.is_empty());
    t.contains('。')
        || (year(&t) && next.is_some_and(|n| n.starts_with('年')))
        || t.strip_suffix('日')
            .and_then(|d| d.split_once('年'))
            .is_some_and(|(y, md)| year(y) && md.contains('月'))
}

/// This year's figures the prose before the table states (`templates/prose.toml`), as cells
/// of the table: evidence for cutting glued digits, where one figure is stated once.
fn stated_in_prose(prose: &[&str], table: &TableTemplate) -> Vec<(usize, f64)> {
    let statements = super::prose::statements(&prose.join("\n"));
    let mut known = Vec::new();
    for (c, cell) in table.cells.iter().enumerate() {
        if cell.breakdown != crate::model::Breakdown::Total {
            continue;
        }
        let mut values: Vec<f64> = statements
            .iter()
            .filter(|s| s.is(cell.code))
            .map(|s| s.value)
            .collect();
        values.dedup();
        if let [v] = values.as_slice() {
            known.push((c, *v));
        }
    }
    known
}

/// The rest of the header's line after the signature, when the table goes on there (a
/// crawler collapsed the whitespace of the whole table onto one line).
fn after_signature(line: &str, def: &TemplateDef) -> Option<String> {
    let folded = super::label::fold_width(line);
    let (at, sig) = def
        .signature
        .iter()
        .find_map(|s| folded.find(s.as_str()).map(|at| (at, s)))?;
    let rest = &folded[at + sig.len()..];
    (rest.chars().filter(char::is_ascii_digit).count() >= 3).then(|| rest.to_string())
}

/// Reads the table from `start` to the first line after it: prose, or the date under the
/// signature (whose numbers would otherwise join the last row).
pub fn read(lines: &[&str], start: usize, def: &TemplateDef) -> Tables {
    if let Some(rest) = start
        .checked_sub(1)
        .and_then(|header| after_signature(lines[header], def))
    {
        let mut owned = lines.to_vec();
        owned[start - 1] = rest.as_str();
        return read_from(&owned, start - 1, def);
    }
    read_from(lines, start, def)
}

fn read_from(lines: &[&str], start: usize, def: &TemplateDef) -> Tables {
    let mut out = Tables::default();
    let template = def.template;
    let Some(table) = def.tables.first() else {
        return out;
    };
    let end = (start..lines.len())
        .find(|&i| after_table(lines, i))
        .unwrap_or(lines.len());
    out.lines = (start as u32, end as u32);
    // Whitespace collapsed by a crawler (`主动公开信息数条20263542`): label, unit and both
    // numbers run together, and the numbers are cut only where the identities, 历年累计 ≥ 本年度
    // and the figures the prose states leave one way.
    let glued = align::tokenize(lines, start, end, true)
        .iter()
        .filter(|t| t.glued)
        .count()
        >= 3;
    let mut tokens = align::tokenize(lines, start, end, glued);
    // Collapsed onto the table's line, the date under the signature (`…技术局2016年1月14日`)
    // would join the last row: the table ends before it.
    if let Some(k) = tokens
        .windows(2)
        .position(|w| match (&w[0].token, &w[1].token) {
            (align::Token::Value(_, y), align::Token::Text(t)) => {
                y.len() == 4 && (y.starts_with("19") || y.starts_with("20")) && t.starts_with('年')
            }
            _ => false,
        })
    {
        tokens.truncate(k);
    }
    let known = if glued {
        stated_in_prose(&lines[..start], table)
    } else {
        Vec::new()
    };
    let mut aligned = align::align_with(table, &tokens, false, glued, &known);
    // A collapsed run proven by an identity is evidence that the source prints equal cells
    // once: then rows no identity ties (行政复议数 0 for 0 / 0) are read the same way.
    if aligned.collapsed {
        aligned = align::align_with(table, &tokens, true, glued, &known);
    }
    adopt(&mut out, template, table, aligned);
    out
}
