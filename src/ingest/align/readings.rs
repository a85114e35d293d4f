//! The readings one row's printed values allow: collapsed runs expanded, numbers cut in two
//! joined, glued digits cut, blanks read as 0 — each narrowed by the row's own identities,
//! its bounds and what the document states elsewhere.

use super::super::template::{Row, TableTemplate};
use super::{holds, How, Segment};

/// Every way `printed` can be a run-collapsed rendering of `n` cells: each printed value
/// stands for a run of one or more equal cells, and neighbouring runs differ.
pub(super) fn expansions(printed: &[f64], n: usize) -> Vec<Vec<f64>> {
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

pub(super) fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Every way to join `printed` digit strings, in order, into `n` numbers (a joined number does
/// not start with 0): the readings of a row whose numbers the page cut in pieces.
pub(super) fn joins(printed: &[&str], n: usize) -> Vec<Vec<f64>> {
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

/// How a document may have printed a row other than cell for cell.
#[derive(Debug, Clone, Copy)]
pub(super) struct Hypotheses<'k> {
    /// Runs of equal cells printed once are proven elsewhere in the document.
    pub(super) unproven_runs: bool,
    /// The document's whitespace was collapsed: short rows are glued digits.
    pub(super) glued: bool,
    /// The table has both short and long rows: values moved between rows.
    pub(super) moved: bool,
    /// Cells whose value the document states elsewhere (its prose): evidence that chooses
    /// among a row's readings, never a value stored by itself.
    pub(super) known: &'k [(usize, f64)],
}

/// The row's own identities (table 三's 总计 column, table 四's totals), as offsets in the row.
pub(super) fn own_identities(table: &TableTemplate, row: &Row) -> Vec<Vec<(usize, f64)>> {
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
pub(super) fn raw_readings(
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
pub(super) fn row_readings(
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

pub(super) fn printed_text(seg: &Segment) -> String {
    seg.values
        .iter()
        .map(|v| v.2.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}
