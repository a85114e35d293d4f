//! Lays a document's numbers onto a template's rows, and stores only what the table's own
//! arithmetic proves.
//!
//! The document becomes a stream of tokens in reading order — text (label fragments) and values
//! — whatever its shape: a row per line, one cell per line (pdftotext's default rendering,
//! crawlers' text of HTML tables), labels split over lines. Labels are found in the text
//! between values (so `1.` / `属于国家秘密` is one label), and only in the template's order.
//!
//! Three readings, tried in this order:
//! 1. **Local**: each row's cells are the values between its label and the next row's label,
//!    and there are exactly as many as the row has cells. Stored as printed; where an identity
//!    fails, the report itself printed it so, and that is said in a note.
//! 2. **Collapsed runs**: some crawlers print a run of equal consecutive cells once (`46` / `0`
//!    / `46` for a row of seven). A row with fewer values than cells is expanded in every way
//!    that keeps the printed order, and a cell is stored only when every expansion that
//!    satisfies all the identities gives it the same value; otherwise it is reported ambiguous
//!    with its candidates. A blank cell is read as 0 the same way: only if the identities hold.
//! 3. **Order**: when labels are out of place (pdftotext prints some labels after their
//!    numbers) but the table holds exactly as many values as cells, the values are laid on the
//!    cells in order — the only placement the token order allows — and stored only if every
//!    identity of the table holds.
//!
//! Anything else is reported ambiguous and nothing of it is stored. Every search is bounded:
//! past [`SEARCH_CAP`] combinations the rows involved are ambiguous, never a hang.

mod order;
mod readings;
mod search;
mod tokens;

use super::template::TableTemplate;
use order::align_order;
pub use order::BLOCK_CAP;
use readings::is_digits;
pub use readings::{cuts, CUT_CAP, MAX_JOINS};
use search::align_local;
pub use tokens::{tokenize, value_of, Located, Token};

/// The most combinations of row readings one table's search may try.
pub const SEARCH_CAP: usize = 200_000;

/// How a stored cell was placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum How {
    /// Between its row's label and the next, as many values as cells.
    Local,
    /// Expanded from a run printed once, proven by the identities.
    Expanded,
    /// Printed blank, read as 0 because the identities hold with 0.
    Blank,
    /// Laid on the cells in the order of the values, proven by every identity of the table.
    Order,
    /// Cut out of digits glued together (`230000023` = 23 0 0 0 0 0 23), proven by the
    /// identities.
    Cut,
    /// Pieces of a number cut in two by the page's markup joined (`1` / `62` = 162), proven by
    /// the identities.
    Joined,
}

/// A cell placed with certainty.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// Index into the template's cells.
    pub cell: usize,
    /// The value.
    pub value: f64,
    /// 0-based line of the value it was read from.
    pub line: usize,
    /// How.
    pub how: How,
}

/// What the alignment of one table gives.
#[derive(Debug, Default, Clone)]
pub struct Aligned {
    /// Cells stored.
    pub placed: Vec<Placed>,
    /// (0-based line, row's first cell, message) of rows or cells left out as ambiguous.
    pub ambiguous: Vec<(usize, Option<usize>, String)>,
    /// (0-based line, row's first cell, message): readings that were proven, and identities
    /// the report itself breaks.
    pub notes: Vec<(usize, Option<usize>, String)>,
    /// True when a collapsed run was expanded with proof: evidence that the document's source
    /// prints equal consecutive cells once.
    pub collapsed: bool,
}

/// A row's values as found between its label and the next.
struct Segment {
    row: usize,
    line: usize,
    values: Vec<Found>,
}

/// Finds the rows' labels in the token stream and gives each the values that follow it.
/// A value as found: its number (`None` when printed blank), its line, its text.
type Found = (Option<f64>, usize, String);

/// Returns the segments and the values found before any label (orphans).
fn segments(table: &TableTemplate, tokens: &[Located]) -> (Vec<Segment>, Vec<Found>) {
    let mut segs: Vec<Segment> = Vec::new();
    let mut orphans = Vec::new();
    let mut chunk = String::new();
    let mut next = 0;
    let mut found = vec![false; table.rows.len()];
    if table.rows.first().is_some_and(|r| r.labels.is_empty()) {
        segs.push(Segment {
            row: 0,
            line: tokens.first().map_or(0, |t| t.line),
            values: Vec::new(),
        });
        next = 1;
    }
    for t in tokens {
        match &t.token {
            Token::Text(s) => {
                chunk.push_str(s);
                // The earliest label in the text, among the rows not yet found.
                let first = if table.ordered { next } else { 0 };
                while let Some((r, end)) = (first..table.rows.len())
                    .filter(|&r| !found[r])
                    .filter_map(|r| {
                        table.rows[r]
                            .labels
                            .iter()
                            .filter_map(|l| chunk.find(l.as_str()).map(|p| (p, p + l.len())))
                            .min()
                            .map(|(p, e)| (p, r, e))
                    })
                    .min()
                    .map(|(_, r, e)| (r, e))
                {
                    segs.push(Segment {
                        row: r,
                        line: t.line,
                        values: Vec::new(),
                    });
                    next = r + 1;
                    found[r] = true;
                    if table.ordered {
                        found[..r].iter_mut().for_each(|f| *f = true);
                    }
                    chunk.drain(..end);
                }
            }
            Token::Value(v, raw) => {
                chunk.clear();
                match segs.last_mut() {
                    Some(s) => s.values.push((*v, t.line, raw.clone())),
                    None => orphans.push((*v, t.line, raw.clone())),
                }
            }
        }
    }
    (segs, orphans)
}

fn holds(sum: f64) -> bool {
    sum.abs() < 1e-6
}

/// A row's possible readings.
#[derive(Clone)]
struct Candidates {
    seg: usize,
    readings: Vec<Vec<f64>>,
    how: How,
}

/// Aligns one table. `allow_unproven_runs` lets a row with no identity of its own be expanded
/// from a single printed value (all its cells equal), which is only sound when the document
/// has shown elsewhere that it collapses runs.
///
/// `glued` says the document's whitespace was collapsed (some value ran into text): a row with
/// fewer values than cells is then read as glued digits, not as collapsed runs.
pub fn align(
    table: &TableTemplate,
    tokens: &[Located],
    allow_unproven_runs: bool,
    glued: bool,
) -> Aligned {
    align_with(table, tokens, allow_unproven_runs, glued, &[])
}

/// [`align`], with cells whose values the document states elsewhere (`known`: cell index and
/// value, e.g. from its prose) as evidence among a row's readings.
pub fn align_with(
    table: &TableTemplate,
    tokens: &[Located],
    allow_unproven_runs: bool,
    glued: bool,
    known: &[(usize, f64)],
) -> Aligned {
    let mut out = Aligned::default();
    let (segs, orphans) = segments(table, tokens);
    // A row whose label is followed by no value at all reads as printed blank (provable as
    // zeros by the identities only); the table needs values somewhere.
    // A row with one or two values too many may hold numbers cut in two (`1` / `62`).
    let local = orphans.is_empty()
        && segs.iter().any(|s| !s.values.is_empty())
        && segs.iter().all(|s| {
            let n = table.rows[s.row].cells.len();
            s.values.len() <= n
                || (s.values.len() <= n + MAX_JOINS && s.values.iter().all(|v| is_digits(&v.2)))
        });
    if local {
        align_local(table, &segs, allow_unproven_runs, glued, known, &mut out);
        let values = tokens
            .iter()
            .filter(|t| matches!(t.token, Token::Value(..)))
            .count();
        if out.ambiguous.is_empty() || values != table.cells.len() {
            return out;
        }
        // Rows left ambiguous, yet as many values as cells: the reading in order may prove
        // more; where the two readings differ on a cell, neither is kept.
        let mut ordered = Aligned::default();
        align_order(table, tokens, &segs, &orphans, &mut ordered);
        if ordered.placed.len() <= out.placed.len() {
            return out;
        }
        let differ: Vec<usize> = ordered
            .placed
            .iter()
            .filter(|p| {
                out.placed
                    .iter()
                    .any(|q| q.cell == p.cell && q.value != p.value)
            })
            .map(|p| p.cell)
            .collect();
        ordered.placed.retain(|p| !differ.contains(&p.cell));
        for c in differ {
            ordered.ambiguous.push((
                first_line(tokens),
                Some(c),
                format!(
                    "table {}: {} is read differently by its labels and by the order of its values (ambiguous, not stored)",
                    table.id, table.cells[c].code
                ),
            ));
        }
        ordered.collapsed = out.collapsed;
        return ordered;
    }
    align_order(table, tokens, &segs, &orphans, &mut out);
    out
}

fn first_line(tokens: &[Located]) -> usize {
    tokens.first().map_or(0, |t| t.line)
}

fn format_value(x: f64) -> String {
    if x.fract() == 0.0 && x.abs() < 1e15 {
        format!("{}", x as i64)
    } else {
        format!("{x}")
    }
}

#[cfg(test)]
mod tests {
    use super::readings::{expansions, joins};
    use super::*;
    use crate::ingest::template::get;
    use crate::model::Template;

    fn toks(text: &str) -> Vec<Located> {
        let lines: Vec<&str> = text.lines().collect();
        tokenize(&lines, 0, lines.len(), false)
    }

    #[test]
    fn text_and_digits_run_together_are_cut_apart() {
        let lines = [
            "规章000行政规范性文件8855698",
            "8.属于行政查询事项1051.本机关",
            "1.",
            "收费1.8533万元",
        ];
        let t = tokenize(&lines, 0, lines.len(), true);
        let values: Vec<(&str, bool)> = t
            .iter()
            .filter_map(|l| match &l.token {
                Token::Value(_, raw) => Some((raw.as_str(), l.glued)),
                Token::Text(_) => None,
            })
            .collect();
        assert_eq!(
            values,
            [
                ("000", true),
                ("8855698", true),
                ("105", true),
                ("1.8533万元", true)
            ]
        );
        let texts: Vec<&str> = t
            .iter()
            .filter_map(|l| match &l.token {
                Token::Text(s) => Some(s.as_str()),
                Token::Value(..) => None,
            })
            .collect();
        assert_eq!(
            texts,
            [
                "规章",
                "行政规范性文件",
                "8.属于行政查询事项",
                "1.本机关",
                "1.",
                "收费"
            ]
        );
    }

    #[test]
    fn glued_digits_are_cut_only_where_the_identities_allow() {
        let t = get(Template::National2021)
            .and_then(|t| t.table("三"))
            .expect("三");
        // `230 000023`: 23 0 0 0 0 0 23 is the only cut whose 总计 adds up.
        let a = align(t, &toks("本年新收230 000023"), false, false);
        assert!(a.placed.is_empty());
        let lines = ["一、本年新收政府信息公开申请数量230 000023"];
        let a = align(t, &tokenize(&lines, 0, 1, true), false, true);
        let v: Vec<f64> = a.placed.iter().map(|p| p.value).collect();
        assert_eq!(v, [23.0, 0.0, 0.0, 0.0, 0.0, 0.0, 23.0]);
        assert!(a.placed.iter().all(|p| p.how == How::Cut));
    }

    #[test]
    fn a_number_cut_in_two_is_joined_only_where_the_identities_allow() {
        let t = get(Template::National2021)
            .and_then(|t| t.table("三"))
            .expect("三");
        // 162 printed `1` / `62`: 162 0 0 0 0 0 162 is the only joining whose 总计 adds up.
        let a = align(
            t,
            &toks("本年新收\n1\n62\n0\n0\n0\n0\n0\n162"),
            false,
            false,
        );
        let v: Vec<f64> = a.placed.iter().map(|p| p.value).collect();
        assert_eq!(v, [162.0, 0.0, 0.0, 0.0, 0.0, 0.0, 162.0]);
        assert!(a.placed.iter().all(|p| p.how == How::Joined));
        // `0` / `5` never joins into 05.
        assert_eq!(joins(&["1", "0", "5"], 2), vec![vec![10.0, 5.0]]);
    }

    #[test]
    fn expansions_keep_order_and_runs() {
        let e = expansions(&[46.0, 0.0, 46.0], 7);
        assert_eq!(e.len(), 15);
        assert!(e.contains(&vec![46.0, 0.0, 0.0, 0.0, 0.0, 0.0, 46.0]));
        assert_eq!(expansions(&[0.0], 15), vec![vec![0.0; 15]]);
        // Equal neighbours cannot come from a collapse.
        assert!(expansions(&[1.0, 1.0], 3).is_empty());
        assert!(expansions(&[1.0, 2.0, 3.0, 4.0], 3).is_empty());
    }

    #[test]
    fn a_collapsed_review_table_is_fifteen_zeros() {
        let t = get(Template::National2021)
            .and_then(|t| t.table("四"))
            .expect("四");
        let a = align(t, &toks("结\n果\n维\n持\n总计\n0"), false, false);
        assert_eq!(a.placed.len(), 15);
        assert!(a
            .placed
            .iter()
            .all(|p| p.value == 0.0 && p.how == How::Expanded));
        assert!(a.collapsed);
        // 3 0 0 1 4 then zeros: printed once each, the only reading is the real one.
        let a = align(t, &toks("3\n0\n1\n4\n0"), false, false);
        let v: Vec<f64> = a.placed.iter().map(|p| p.value).collect();
        assert_eq!(v[..5], [3.0, 0.0, 0.0, 1.0, 4.0]);
        assert!(v[5..].iter().all(|&x| x == 0.0), "{v:?}");
    }

    #[test]
    fn an_ambiguous_collapse_is_not_stored() {
        let t = get(Template::National2021)
            .and_then(|t| t.table("二"))
            .expect("二");
        // 行政规范性文件 0 / 2: 0 0 2 or 0 2 2, nothing ties them.
        let a = align(
            t,
            &toks("规章\n0\n行政规范性文件\n0\n2\n行政许可\n496"),
            true,
            false,
        );
        // Its first and last cells are 0 and 2 in both readings; the middle one is not known.
        assert!(a.placed.iter().all(|p| p.cell != 4), "{:?}", a.placed);
        assert!(a.placed.iter().any(|p| p.cell == 5 && p.value == 2.0));
        assert!(a
            .ambiguous
            .iter()
            .any(|x| x.1 == Some(4) && x.2.contains("0 or 2")));
        // 规章 0 → 0 0 0 only when the document has shown that it collapses runs.
        assert_eq!(a.placed.iter().filter(|p| p.cell < 3).count(), 3);
        let a = align(
            t,
            &toks("规章\n0\n行政规范性文件\n0\n2\n行政许可\n496"),
            false,
            false,
        );
        assert!(a.placed.iter().all(|p| p.cell >= 6), "{:?}", a.placed);
    }
}
