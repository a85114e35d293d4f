//! Reading 3: values laid on the cells in printed order (or as blocks of rows printed column
//! by column), stored only where every identity of the table holds.

use super::super::template::TableTemplate;
use super::{
    first_line, format_value, holds, Aligned, Found, How, Located, Placed, Segment, Token,
};

/// Reading 3: the values in order onto every cell, proven by every identity.
pub(super) fn align_order(
    table: &TableTemplate,
    tokens: &[Located],
    segs: &[Segment],
    orphans: &[Found],
    out: &mut Aligned,
) {
    let values: Vec<(Option<f64>, usize)> = tokens
        .iter()
        .filter_map(|t| match &t.token {
            Token::Value(v, _) => Some((*v, t.line)),
            Token::Text(_) => None,
        })
        .collect();
    let line = first_line(tokens);
    let why = if !orphans.is_empty() {
        format!("{} values before the first row's label", orphans.len())
    } else if let Some(s) = segs
        .iter()
        .find(|s| s.values.len() > table.rows[s.row].cells.len())
    {
        format!(
            "{} values after the label of a row of {} cells (line {})",
            s.values.len(),
            table.rows[s.row].cells.len(),
            s.line + 1
        )
    } else {
        "labels without values".to_string()
    };
    if values.len() != table.cells.len() || values.iter().any(|(v, _)| v.is_none()) {
        if !values.is_empty() {
            out.ambiguous.push((
                line,
                None,
                format!(
                    "table {}: the values cannot be placed with certainty ({why}; {} values for {} cells): left out (ambiguous)",
                    table.id,
                    values.len(),
                    table.cells.len()
                ),
            ));
        }
        return;
    }
    let cells: Vec<f64> = values.iter().map(|(v, _)| v.unwrap_or(0.0)).collect();
    let failed: Vec<&str> = table
        .identities
        .iter()
        .filter(|id| !holds(id.terms.iter().map(|&(c, s)| s * cells[c]).sum()))
        .map(|id| id.text.as_str())
        .collect();
    if failed.is_empty() {
        for (i, (_, l)) in values.iter().enumerate() {
            out.placed.push(Placed {
                cell: i,
                value: cells[i],
                line: *l,
                how: How::Order,
            });
        }
        out.notes.push((
            line,
            None,
            format!(
                "table {}: labels out of place ({why}); the {} values were laid on the cells in printed order, and every identity of the table holds",
                table.id,
                values.len()
            ),
        ));
        return;
    }
    // pdftotext prints some stretches of a table column by column: try blocks of rows, each
    // printed row by row or column by column, in the rows' order.
    let readings = blocks(table, &cells);
    let Some(readings) = readings.filter(|r| !r.is_empty()) else {
        out.ambiguous.push((
            line,
            None,
            format!(
                "table {}: labels out of place ({why}); laid in order, the values break {} identities (first: {}), and no reading by blocks of rows holds (or more than {BLOCK_CAP} were tried): left out (ambiguous)",
                table.id,
                failed.len(),
                failed[0]
            ),
        ));
        return;
    };
    let mut placed = 0;
    for c in 0..table.cells.len() {
        let v = readings[0].0[c];
        if readings.iter().all(|r| r.0[c] == v) {
            // Its source line: the printed value it was read from in the first reading.
            let l = values[readings[0].1[c]].1;
            out.placed.push(Placed {
                cell: c,
                value: v,
                line: l,
                how: How::Order,
            });
            placed += 1;
        } else {
            let mut xs: Vec<f64> = readings.iter().map(|r| r.0[c]).collect();
            xs.sort_by(f64::total_cmp);
            xs.dedup();
            out.ambiguous.push((
                line,
                Some(c),
                format!(
                    "table {}: {} ({}) is one of {} by the readings of its blocks that satisfy every identity (ambiguous, not stored)",
                    table.id,
                    table.cells[c].code,
                    table.cells[c].breakdown.as_str(),
                    xs.iter().map(|x| format_value(*x)).collect::<Vec<_>>().join(" or ")
                ),
            ));
        }
    }
    out.notes.push((
        line,
        None,
        format!(
            "table {}: labels out of place ({why}); the values read as blocks of rows printed row by row or column by column: {} reading(s) satisfy every identity, {placed} of {} cells agree in all and are stored",
            table.id,
            readings.len(),
            table.cells.len()
        ),
    ));
}

/// The most partial readings the block search may visit.
pub const BLOCK_CAP: usize = 50_000;

/// Readings of `values` as consecutive blocks of rows, each printed column by column (a block
/// of one row is a row printed in order), that satisfy every identity of the table: each as
/// (cell values, index of the printed value of each cell). `None` past [`BLOCK_CAP`], or when
/// the table's rows differ in width.
#[allow(clippy::type_complexity)]
pub(super) fn blocks(table: &TableTemplate, values: &[f64]) -> Option<Vec<(Vec<f64>, Vec<usize>)>> {
    let w = table.rows.first()?.cells.len();
    if w < 2 || table.rows.iter().any(|r| r.cells.len() != w) || values.len() != table.cells.len() {
        return None;
    }
    // Identities within one row, by row.
    let own: Vec<Vec<&super::super::template::Identity>> = table
        .rows
        .iter()
        .map(|r| {
            table
                .identities
                .iter()
                .filter(|id| id.terms.iter().all(|(c, _)| r.cells.contains(c)))
                .collect()
        })
        .collect();
    struct Search<'a> {
        table: &'a TableTemplate,
        values: &'a [f64],
        own: Vec<Vec<&'a super::super::template::Identity>>,
        w: usize,
        cells: Vec<f64>,
        source: Vec<usize>,
        found: Vec<(Vec<f64>, Vec<usize>)>,
        visited: usize,
    }
    fn go(s: &mut Search, row: usize) -> bool {
        s.visited += 1;
        if s.visited > BLOCK_CAP {
            return false;
        }
        let rows = s.table.rows.len();
        if row == rows {
            let ok = s
                .table
                .identities
                .iter()
                .all(|id| holds(id.terms.iter().map(|&(c, sg)| sg * s.cells[c]).sum()));
            if ok {
                s.found.push((s.cells.clone(), s.source.clone()));
            }
            return true;
        }
        let w = s.w;
        for m in 1..=rows - row {
            let base = row * w;
            // Column by column: cell (r, c) of the block is value c·m + r.
            let at = |r: usize, c: usize| base + c * m + r;
            // A block that reads the same as its rows in order adds nothing new.
            if m > 1
                && (0..m).all(|r| (0..w).all(|c| s.values[at(r, c)] == s.values[base + r * w + c]))
            {
                continue;
            }
            let mut ok = true;
            for r in 0..m {
                for c in 0..w {
                    s.cells[base + r * w + c] = s.values[at(r, c)];
                    s.source[base + r * w + c] = at(r, c);
                }
                let cells = &s.cells;
                ok &= s.own[row + r]
                    .iter()
                    .all(|id| holds(id.terms.iter().map(|&(c, sg)| sg * cells[c]).sum()));
                if !ok {
                    break;
                }
            }
            if ok && !go(s, row + m) {
                return false;
            }
        }
        true
    }
    let mut s = Search {
        table,
        values,
        own,
        w,
        cells: vec![0.0; values.len()],
        source: (0..values.len()).collect(),
        found: Vec::new(),
        visited: 0,
    };
    go(&mut s, 0).then_some(s.found)
}
