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

use super::label::fold_width;
use super::lines::is_footer;
use super::template::{compact, Row, TableTemplate};
use super::value::{parse_cell, Cell as ValueCell};

/// The most combinations of row readings one table's search may try.
pub const SEARCH_CAP: usize = 200_000;

/// A token of the document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// Text: a label or part of one, width-folded and without whitespace.
    Text(String),
    /// A value cell: its number in the catalog's unit, or `None` when printed blank.
    Value(Option<f64>, String),
}

/// A token and the 0-based line it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The token.
    pub token: Token,
    /// 0-based line index.
    pub line: usize,
    /// A value cut out of a piece that ran into text (`…申请数量230`): the document's
    /// whitespace was collapsed, so neighbouring cells' digits may be glued together too.
    pub glued: bool,
}

/// Reads a value cell in the catalog's unit (an amount printed in 元 becomes 万元).
pub fn value_of(raw: &str) -> Option<Option<f64>> {
    match parse_cell(raw) {
        Ok(ValueCell::Number { value, unit }) => Some(Some(if unit == Some("元") {
            value / 10_000.0
        } else {
            value
        })),
        Ok(ValueCell::Blank) => Some(None),
        Err(_) => None,
    }
}

/// The tokens of `lines[from..to]`: whitespace-separated pieces, each a value or text; page
/// footers are skipped. With `split`, a piece where text and digits run together is cut
/// into both (for text whose whitespace a crawler collapsed); without, it is text.
pub fn tokenize(lines: &[&str], from: usize, to: usize, split: bool) -> Vec<Located> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        if is_footer(line) {
            continue;
        }
        let folded = fold_width(line);
        // A row's number on a line of its own, its label on the next (`4` / `、其他类型答复数`):
        // numbering, not a value.
        let numbering = {
            let t = folded.trim();
            !t.is_empty()
                && t.len() <= 2
                && t.bytes().all(|b| b.is_ascii_digit())
                && lines[i + 1..to.min(lines.len())]
                    .iter()
                    .map(|l| fold_width(l))
                    .find(|l| !l.trim().is_empty())
                    .is_some_and(|l| {
                        let l = l.trim_start();
                        l.starts_with('、')
                            || (l.starts_with('.')
                                && !l[1..].starts_with(|c: char| c.is_ascii_digit()))
                    })
        };
        if numbering {
            out.push(Located {
                token: Token::Text(compact(&folded)),
                line: i,
                glued: false,
            });
            continue;
        }
        for piece in folded.split_whitespace() {
            match value_of(piece) {
                Some(v) => out.push(Located {
                    token: Token::Value(v, piece.to_string()),
                    line: i,
                    glued: false,
                }),
                None if split => split_mixed(piece, i, &mut out),
                None => out.push(Located {
                    token: Token::Text(compact(piece)),
                    line: i,
                    glued: false,
                }),
            }
        }
    }
    out
}

/// A piece where text and digits run together (`规章000行政规范性文件8855698`,
/// `…事项1051.本机关…`): digits become values, a number followed by `.` or `、` and text is the
/// next label's numbering (one digit: items run 1 to 8), and a unit glued to a number stays
/// with it. A piece with no digits is text as it is.
fn split_mixed(piece: &str, line: usize, out: &mut Vec<Located>) {
    let chars: Vec<char> = piece.chars().collect();
    let text = |s: &str, out: &mut Vec<Located>| {
        if !s.is_empty() {
            out.push(Located {
                token: Token::Text(compact(s)),
                line,
                glued: false,
            })
        }
    };
    if !chars.iter().any(char::is_ascii_digit) {
        text(piece, out);
        return;
    }
    let mut i = 0;
    let mut pending = String::new();
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            pending.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let mut digits: String = chars[start..i].iter().collect();
        // `1.` / `1、` before text or at the end of the piece (`1.` / `属于国家秘密`).
        let numbering = matches!(chars.get(i), Some('.' | '、'))
            && chars.get(i + 1).is_none_or(|c| !c.is_ascii_digit());
        let mut label_number = String::new();
        if numbering && !digits.contains('.') {
            // The last digit and its `.` open the next label.
            label_number = digits.split_off(digits.len() - 1);
            label_number.push(chars[i]);
            i += 1;
        }
        text(&std::mem::take(&mut pending), out);
        if !digits.is_empty() {
            let rest: String = chars[i..].iter().collect();
            let unit = ["万元", "元"]
                .into_iter()
                .find(|u| rest.starts_with(u))
                .unwrap_or("");
            i += unit.chars().count();
            let raw = format!("{digits}{unit}");
            if let Some(v) = value_of(&raw) {
                out.push(Located {
                    token: Token::Value(v, raw),
                    line,
                    glued: true,
                });
            }
        }
        pending.push_str(&label_number);
    }
    text(&pending, out);
}

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

/// Every way `printed` can be a run-collapsed rendering of `n` cells: each printed value
/// stands for a run of one or more equal cells, and neighbouring runs differ.
fn expansions(printed: &[f64], n: usize) -> Vec<Vec<f64>> {
    let k = printed.len();
    if k == 0 || k > n || printed.windows(2).any(|w| w[0] == w[1]) {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut lengths = vec![1usize; k];
    // Compositions of n into k positive parts, by recursion on the remaining cells.
    fn go(
        i: usize,
        left: usize,
        lengths: &mut Vec<usize>,
        printed: &[f64],
        out: &mut Vec<Vec<f64>>,
    ) {
        let k = printed.len();
        if i == k - 1 {
            lengths[i] = left;
            let mut cells = Vec::new();
            for (v, &len) in printed.iter().zip(lengths.iter()) {
                cells.extend(std::iter::repeat_n(*v, len));
            }
            out.push(cells);
            return;
        }
        for len in 1..=left - (k - 1 - i) {
            lengths[i] = len;
            go(i + 1, left - len, lengths, printed, out);
        }
    }
    go(0, n, &mut lengths, printed, &mut out);
    out
}

/// The most values more than its cells a row may print as numbers cut in pieces.
pub const MAX_JOINS: usize = 2;

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Every way to join `printed` digit strings, in order, into `n` numbers (a joined number does
/// not start with 0): the readings of a row whose numbers the page cut in pieces.
fn joins(printed: &[&str], n: usize) -> Vec<Vec<f64>> {
    fn go(rest: &[&str], n: usize, acc: &mut Vec<f64>, out: &mut Vec<Vec<f64>>) {
        if acc.len() == n {
            if rest.is_empty() {
                out.push(acc.clone());
            }
            return;
        }
        let left = n - acc.len();
        if rest.len() < left {
            return;
        }
        for take in 1..=rest.len() - (left - 1) {
            if take > 1 && rest[0].starts_with('0') {
                break;
            }
            let joined: String = rest[..take].concat();
            acc.push(joined.parse().unwrap_or(f64::NAN));
            go(&rest[take..], n, acc, out);
            acc.pop();
        }
    }
    let mut out = Vec::new();
    if printed.iter().all(|p| is_digits(p)) && n > 0 {
        go(printed, n, &mut Vec::new(), &mut out);
    }
    out
}

/// The most ways one row's glued digits may be cut before the row counts as ambiguous.
pub const CUT_CAP: usize = 200_000;

/// Every way to cut glued digit strings into `n` numbers in printed order (a number other than
/// 0 does not start with 0) that satisfies the row's own identities (`checks`: terms as cell
/// offsets in the row, tested as soon as their last cell is cut) and bounds (`bounds`: cell
/// offsets (big, small), Fujian's 历年累计 ≥ 本年度); `None` when a string is not plain digits
/// or past [`CUT_CAP`] cuts.
pub fn cuts(
    printed: &[&str],
    n: usize,
    checks: &[Vec<(usize, f64)>],
    bounds: &[(usize, usize)],
) -> Option<Vec<Vec<f64>>> {
    if printed
        .iter()
        .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    // Each check with the offset of its last cell.
    let checks: Vec<(usize, &Vec<(usize, f64)>)> = checks
        .iter()
        .map(|c| (c.iter().map(|t| t.0).max().unwrap_or(0), c))
        .collect();
    struct Cut<'a> {
        n: usize,
        checks: Vec<(usize, &'a Vec<(usize, f64)>)>,
        bounds: &'a [(usize, usize)],
        acc: Vec<f64>,
        out: Vec<Vec<f64>>,
        tried: usize,
    }
    fn go(c: &mut Cut, rest: &[u8], tokens: &[&str]) -> bool {
        c.tried += 1;
        if c.tried > CUT_CAP {
            return false;
        }
        if rest.is_empty() {
            return match tokens.split_first() {
                None => {
                    if c.acc.len() == c.n {
                        c.out.push(c.acc.clone());
                    }
                    true
                }
                Some((t, more)) => go(c, t.as_bytes(), more),
            };
        }
        if c.acc.len() >= c.n {
            return true;
        }
        let max = if rest[0] == b'0' {
            1
        } else {
            rest.len().min(12)
        };
        for len in 1..=max {
            let v = std::str::from_utf8(&rest[..len])
                .ok()
                .and_then(|d| d.parse::<f64>().ok())
                .unwrap_or(f64::NAN);
            c.acc.push(v);
            let at = c.acc.len() - 1;
            let ok = c.checks.iter().all(|(last, terms)| {
                *last != at || holds(terms.iter().map(|&(k, s)| s * c.acc[k]).sum())
            }) && c
                .bounds
                .iter()
                .all(|&(big, small)| big.max(small) != at || c.acc[big] >= c.acc[small]);
            let go_on = !ok || go(c, &rest[len..], tokens);
            c.acc.pop();
            if !go_on {
                return false;
            }
        }
        true
    }
    let mut c = Cut {
        n,
        checks,
        bounds,
        acc: Vec::new(),
        out: Vec::new(),
        tried: 0,
    };
    go(&mut c, &[], printed).then_some(c.out)
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

/// Reading 3: the values in order onto every cell, proven by every identity.
fn align_order(
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
fn blocks(table: &TableTemplate, values: &[f64]) -> Option<Vec<(Vec<f64>, Vec<usize>)>> {
    let w = table.rows.first()?.cells.len();
    if w < 2 || table.rows.iter().any(|r| r.cells.len() != w) || values.len() != table.cells.len() {
        return None;
    }
    // Identities within one row, by row.
    let own: Vec<Vec<&super::template::Identity>> = table
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
        own: Vec<Vec<&'a super::template::Identity>>,
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

/// How a document may have printed a row other than cell for cell.
#[derive(Debug, Clone, Copy)]
struct Hypotheses<'k> {
    /// Runs of equal cells printed once are proven elsewhere in the document.
    unproven_runs: bool,
    /// The document's whitespace was collapsed: short rows are glued digits.
    glued: bool,
    /// The table has both short and long rows: values moved between rows.
    moved: bool,
    /// Cells whose value the document states elsewhere (its prose): evidence that chooses
    /// among a row's readings, never a value stored by itself.
    known: &'k [(usize, f64)],
}

/// The row's own identities (table 三's 总计 column, table 四's totals), as offsets in the row.
fn own_identities(table: &TableTemplate, row: &Row) -> Vec<Vec<(usize, f64)>> {
    table
        .identities
        .iter()
        .filter(|id| id.terms.iter().all(|(c, _)| row.cells.contains(c)))
        .map(|id| {
            id.terms
                .iter()
                .map(|&(c, s)| (c - row.cells.start, s))
                .collect()
        })
        .collect()
}

/// The readings a row's printed values allow under the document's hypotheses, before any
/// identity: expansions, joins, cuts, blanks read as 0, or the printed order.
fn raw_readings(
    seg: &Segment,
    n: usize,
    own: &[Vec<(usize, f64)>],
    bounds: &[(usize, usize)],
    h: Hypotheses,
) -> (Vec<Vec<f64>>, How) {
    let printed: Vec<Option<f64>> = seg.values.iter().map(|v| v.0).collect();
    let raw: Vec<&str> = seg.values.iter().map(|v| v.2.as_str()).collect();
    if h.moved && !printed.is_empty() && printed.len() != n {
        (Vec::new(), How::Expanded)
    } else if printed.is_empty() {
        (vec![vec![0.0; n]], How::Blank)
    } else if printed.len() == n {
        let how = if printed.iter().all(Option::is_some) {
            How::Order
        } else {
            How::Blank
        };
        (
            vec![printed.iter().map(|v| v.unwrap_or(0.0)).collect()],
            how,
        )
    } else if printed.len() > n {
        (joins(&raw, n), How::Joined)
    } else if h.glued {
        // Whitespace collapsed: the digits of neighbouring cells may run together — or, where
        // no cut fits (a lone `0` for two cells), a run of equal cells printed once.
        match cuts(&raw, n, own, bounds) {
            Some(c) if !c.is_empty() => (c, How::Cut),
            _ if printed.iter().all(Option::is_some) => {
                let p: Vec<f64> = printed.iter().map(|v| v.unwrap_or(0.0)).collect();
                (expansions(&p, n), How::Expanded)
            }
            _ => (Vec::new(), How::Cut),
        }
    } else if printed.iter().all(Option::is_some) {
        let p: Vec<f64> = printed.iter().map(|v| v.unwrap_or(0.0)).collect();
        (expansions(&p, n), How::Expanded)
    } else {
        (Vec::new(), How::Expanded)
    }
}

/// The readings of a row that is not printed cell for cell, narrowed by its own identities;
/// `None` when none can be proven.
fn row_readings(
    table: &TableTemplate,
    seg: &Segment,
    h: Hypotheses,
) -> Option<(Vec<Vec<f64>>, How)> {
    let row = &table.rows[seg.row];
    let own = own_identities(table, row);
    let bounds: &[(usize, usize)] = if row.labels.is_empty() {
        &[]
    } else {
        &table.at_least
    };
    let (readings, how) = raw_readings(seg, row.cells.len(), &own, bounds, h);
    let mut readings: Vec<Vec<f64>> = readings
        .into_iter()
        .filter(|r| {
            own.iter()
                .all(|id| holds(id.iter().map(|&(k, sg)| sg * r[k]).sum()))
                && bounds
                    .iter()
                    .all(|&(big, small)| r.get(big) >= r.get(small))
        })
        .collect();
    // What the document states elsewhere narrows the readings — unless it contradicts all of
    // them (then it is no evidence about this row).
    let known: Vec<(usize, f64)> = h
        .known
        .iter()
        .filter(|(c, _)| row.cells.contains(c))
        .map(|&(c, v)| (c - row.cells.start, v))
        .collect();
    if !known.is_empty() {
        let agree: Vec<Vec<f64>> = readings
            .iter()
            .filter(|r| known.iter().all(|&(k, v)| r[k] == v))
            .cloned()
            .collect();
        if !agree.is_empty() {
            readings = agree;
        }
    }
    // A reading other than the printed one needs an identity to prove it — except a
    // collapsed run where the document has proven elsewhere that it collapses runs, and
    // glued digits that cut only one way.
    let touched = table
        .identities
        .iter()
        .any(|id| id.terms.iter().any(|(c, _)| row.cells.contains(c)));
    let unprovable = !touched
        && match how {
            How::Expanded => !h.unproven_runs,
            How::Cut => readings.len() > 1,
            How::Joined | How::Blank | How::Order => true,
            How::Local => false,
        };
    (!readings.is_empty() && !unprovable).then_some((readings, how))
}

fn printed_text(seg: &Segment) -> String {
    seg.values
        .iter()
        .map(|v| v.2.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Readings 1 and 2.
fn align_local(
    table: &TableTemplate,
    segs: &[Segment],
    unproven: bool,
    glued: bool,
    known: &[(usize, f64)],
    out: &mut Aligned,
) {
    // Runs collapsed make rows short, numbers cut in pieces make them long; a table with both
    // more likely has values moved from one row to another: then no short or long row is read.
    let width = |s: &Segment| table.rows[s.row].cells.len();
    let short = segs
        .iter()
        .any(|s| !s.values.is_empty() && s.values.len() < width(s));
    let long = segs.iter().any(|s| s.values.len() > width(s));
    let h = Hypotheses {
        unproven_runs: unproven,
        glued,
        moved: short && long,
        known,
    };
    let mut fixed: Vec<Option<f64>> = vec![None; table.cells.len()];
    let mut variable: Vec<Candidates> = Vec::new();
    for (k, s) in segs.iter().enumerate() {
        let row = &table.rows[s.row];
        // A row printed without a label (table 四's fifteen cells) and spread over several
        // lines has no local reading: its order is proven by its identities or not at all.
        let unlabelled = row.labels.is_empty() && {
            let mut lines: Vec<usize> = s.values.iter().map(|v| v.1).collect();
            lines.dedup();
            lines.len() > 1
        };
        if s.values.len() == row.cells.len()
            && s.values.iter().all(|v| v.0.is_some())
            && !unlabelled
        {
            for (c, v) in row.cells.clone().zip(&s.values) {
                fixed[c] = v.0;
            }
            continue;
        }
        match row_readings(table, s, h) {
            Some((readings, how)) => variable.push(Candidates {
                seg: k,
                readings,
                how,
            }),
            None => out.ambiguous.push((
                s.line,
                Some(row.cells.start),
                format!(
                    "{} values ({}) for a row of {} cells: no reading of them can be proven (ambiguous, not stored)",
                    s.values.len(),
                    printed_text(s),
                    row.cells.len()
                ),
            )),
        }
    }
    let (search, doubtful) = check_fixed(table, segs, &fixed, &variable, out);
    for s in segs {
        let row = &table.rows[s.row];
        if row
            .cells
            .clone()
            .all(|c| fixed[c].is_some() && !doubtful.contains(&c))
        {
            for (c, v) in row.cells.clone().zip(&s.values) {
                out.placed.push(Placed {
                    cell: c,
                    value: fixed[c].unwrap_or(0.0),
                    line: v.1,
                    how: How::Local,
                });
            }
        }
    }
    if !variable.is_empty() {
        for (vars, ids) in components(table, segs, &variable, &search) {
            search_readings(table, segs, &fixed, &vars, &ids, out);
        }
    }
}

/// Checks the identities between fixed (printed cell for cell) rows: where every row is paired
/// locally, a broken one is the report's own (said in a note); otherwise (some row expanded,
/// joined, cut, blank or unreadable) it may come from a misplaced value, and the cells it
/// touches are returned as doubtful. Also returns the identities that involve rows still to be
/// read, for the search.
fn check_fixed<'t>(
    table: &'t TableTemplate,
    segs: &[Segment],
    fixed: &[Option<f64>],
    variable: &[Candidates],
    out: &mut Aligned,
) -> (Vec<&'t super::template::Identity>, Vec<usize>) {
    let in_variable = |c: usize| {
        variable
            .iter()
            .any(|v| table.rows[segs[v.seg].row].cells.contains(&c))
    };
    // A value moved from one row to another leaves a row long (it may also leave a row that
    // held a number cut in two looking whole): with no long row, and no row read by joins, cuts
    // or order, the rows printed cell for cell are what the report printed. Runs expanded,
    // blanks read as 0 and short rows left unread are no sign of a move.
    let all_local = !segs
        .iter()
        .any(|s| s.values.len() > table.rows[s.row].cells.len())
        && variable
            .iter()
            .all(|v| matches!(v.how, How::Expanded | How::Blank));
    let line = segs.first().map_or(0, |s| s.line);
    let mut search = Vec::new();
    let mut doubtful = Vec::new();
    for id in &table.identities {
        if id.terms.iter().all(|&(c, _)| fixed[c].is_some()) {
            let sum: f64 = id
                .terms
                .iter()
                .map(|&(c, s)| s * fixed[c].unwrap_or(0.0))
                .sum();
            if holds(sum) {
                continue;
            }
            if all_local {
                out.notes.push((
                    line,
                    None,
                    format!(
                        "table {}: the report's printed figures break an identity: {}",
                        table.id, id.text
                    ),
                ));
            } else {
                doubtful.extend(id.terms.iter().map(|&(c, _)| c));
                out.ambiguous.push((
                    line,
                    None,
                    format!(
                        "table {}: the figures break an identity ({}) where not every row is paired locally: the rows it touches are left out (ambiguous)",
                        table.id, id.text
                    ),
                ));
            }
        } else if id
            .terms
            .iter()
            .all(|&(c, _)| fixed[c].is_some() || in_variable(c))
            && id.terms.iter().any(|&(c, _)| in_variable(c))
        {
            search.push(id);
        }
    }
    (search, doubtful)
}

/// Per cell of the rows still to be read: its value in every combination of their readings
/// that satisfies the identities (`Ok` when all agree), and how many combinations do.
type Seen = (Vec<Option<Result<f64, Vec<f64>>>>, usize);

/// The rows still to be read, in groups that no identity links: each group is searched on its
/// own, so an identity the report breaks leaves only its own rows unread (and a search grows
/// with the largest group, not with the table).
fn components<'t>(
    table: &TableTemplate,
    segs: &[Segment],
    variable: &[Candidates],
    search: &[&'t super::template::Identity],
) -> Vec<(Vec<Candidates>, Vec<&'t super::template::Identity>)> {
    let touches = |id: &super::template::Identity, v: &Candidates| {
        let cells = &table.rows[segs[v.seg].row].cells;
        id.terms.iter().any(|(c, _)| cells.contains(c))
    };
    // Union-find over the variable rows.
    let mut parent: Vec<usize> = (0..variable.len()).collect();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    for id in search {
        let linked: Vec<usize> = (0..variable.len())
            .filter(|&k| touches(id, &variable[k]))
            .collect();
        for w in linked.windows(2) {
            let (a, b) = (root(&mut parent, w[0]), root(&mut parent, w[1]));
            parent[a] = b;
        }
    }
    let mut groups: Vec<(usize, Vec<Candidates>, Vec<&super::template::Identity>)> = Vec::new();
    for (k, v) in variable.iter().enumerate() {
        let r = root(&mut parent, k);
        match groups.iter_mut().find(|g| g.0 == r) {
            Some(g) => g.1.push(v.clone()),
            None => groups.push((r, vec![v.clone()], Vec::new())),
        }
    }
    for id in search {
        if let Some(k) = (0..variable.len()).find(|&k| touches(id, &variable[k])) {
            let r = root(&mut parent, k);
            if let Some(g) = groups.iter_mut().find(|g| g.0 == r) {
                g.2.push(id);
            }
        }
    }
    groups.into_iter().map(|(_, v, ids)| (v, ids)).collect()
}

fn combine(
    table: &TableTemplate,
    segs: &[Segment],
    fixed: &[Option<f64>],
    variable: &[Candidates],
    search: &[&super::template::Identity],
    combos: usize,
) -> Seen {
    let mut seen: Vec<Option<Result<f64, Vec<f64>>>> = vec![None; table.cells.len()];
    let mut consistent = 0usize;
    let mut cells = fixed.to_vec();
    for n in 0..combos {
        let mut rest = n;
        for v in variable {
            let r = &v.readings[rest % v.readings.len()];
            rest /= v.readings.len();
            for (c, x) in table.rows[segs[v.seg].row].cells.clone().zip(r) {
                cells[c] = Some(*x);
            }
        }
        let ok = search.iter().all(|id| {
            holds(
                id.terms
                    .iter()
                    .map(|&(c, s)| s * cells[c].unwrap_or(f64::NAN))
                    .sum(),
            )
        });
        if !ok {
            continue;
        }
        consistent += 1;
        for v in variable {
            for c in table.rows[segs[v.seg].row].cells.clone() {
                let x = cells[c].unwrap_or(f64::NAN);
                seen[c] = Some(match seen[c].take() {
                    None => Ok(x),
                    Some(Ok(y)) if y == x => Ok(y),
                    Some(Ok(y)) => Err(vec![y, x]),
                    Some(Err(mut xs)) => {
                        if !xs.contains(&x) {
                            xs.push(x);
                        }
                        Err(xs)
                    }
                });
            }
        }
    }
    (seen, consistent)
}

/// Reading 2: every combination of the rows' readings against the identities; a cell is stored
/// when all consistent combinations agree on it.
fn search_readings(
    table: &TableTemplate,
    segs: &[Segment],
    fixed: &[Option<f64>],
    variable: &[Candidates],
    search: &[&super::template::Identity],
    out: &mut Aligned,
) {
    let combos = variable
        .iter()
        .try_fold(1usize, |acc, v| acc.checked_mul(v.readings.len()))
        .filter(|&n| n <= SEARCH_CAP);
    let Some(combos) = combos else {
        for v in variable {
            let s = &segs[v.seg];
            out.ambiguous.push((
                s.line,
                Some(table.rows[s.row].cells.start),
                format!(
                    "table {}: more than {SEARCH_CAP} readings of its collapsed rows: left out (ambiguous)",
                    table.id
                ),
            ));
        }
        return;
    };
    let (seen, consistent) = combine(table, segs, fixed, variable, search, combos);
    if consistent > 0 {
        out.collapsed |= variable.iter().any(|v| v.how == How::Expanded);
    }
    for v in variable {
        let s = &segs[v.seg];
        let row = &table.rows[s.row];
        let printed = printed_text(s);
        if consistent == 0 {
            out.ambiguous.push((
                s.line,
                Some(row.cells.start),
                format!(
                    "printed '{printed}' for {} cells: none of its {} readings satisfies the table's identities (ambiguous, not stored)",
                    row.cells.len(),
                    v.readings.len()
                ),
            ));
            continue;
        }
        let mut stored = Vec::new();
        for (k, c) in row.cells.clone().enumerate() {
            // The printed value each cell comes from: its source line.
            let line = s
                .values
                .get(k.min(s.values.len().saturating_sub(1)))
                .map_or(s.line, |x| x.1);
            match &seen[c] {
                Some(Ok(x)) => {
                    out.placed.push(Placed {
                        cell: c,
                        value: *x,
                        line,
                        how: v.how,
                    });
                    stored.push(format_value(*x));
                }
                Some(Err(xs)) => {
                    let mut xs = xs.clone();
                    xs.sort_by(f64::total_cmp);
                    out.ambiguous.push((
                        s.line,
                        Some(c),
                        format!(
                            "printed '{printed}': cell {} of {} is one of {} by the identities (ambiguous, not stored)",
                            k + 1,
                            row.cells.len(),
                            xs.iter().map(|x| format_value(*x)).collect::<Vec<_>>().join(" or ")
                        ),
                    ));
                    stored.push("?".into());
                }
                None => stored.push("?".into()),
            }
        }
        let what = match v.how {
            How::Blank => "blank cells read as 0",
            How::Order => "laid in printed order",
            How::Cut => "glued digits cut into cells",
            How::Joined => "a number cut in two joined",
            _ => "a collapsed run of equal cells expanded",
        };
        out.notes.push((
            s.line,
            Some(row.cells.start),
            format!(
                "printed '{printed}' for {} cells: {what}: {} (the only reading the identities allow)",
                row.cells.len(),
                stored.join(" ")
            ),
        ));
    }
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
