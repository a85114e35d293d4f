//! Readings 1 and 2: rows printed cell for cell stored as printed; the others read by every
//! consistent combination of their readings, group by group of rows the identities link.

use super::super::template::TableTemplate;
use super::readings::{printed_text, row_readings, Hypotheses};
use super::{format_value, holds, Aligned, Candidates, How, Placed, Segment, SEARCH_CAP};

/// Readings 1 and 2.
pub(super) fn align_local(
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
pub(super) fn check_fixed<'t>(
    table: &'t TableTemplate,
    segs: &[Segment],
    fixed: &[Option<f64>],
    variable: &[Candidates],
    out: &mut Aligned,
) -> (Vec<&'t super::super::template::Identity>, Vec<usize>) {
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
pub(super) type Seen = (Vec<Option<Result<f64, Vec<f64>>>>, usize);

/// The rows still to be read, in groups that no identity links: each group is searched on its
/// own, so an identity the report breaks leaves only its own rows unread (and a search grows
/// with the largest group, not with the table).
pub(super) fn components<'t>(
    table: &TableTemplate,
    segs: &[Segment],
    variable: &[Candidates],
    search: &[&'t super::super::template::Identity],
) -> Vec<(Vec<Candidates>, Vec<&'t super::super::template::Identity>)> {
    let touches = |id: &super::super::template::Identity, v: &Candidates| {
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
    let mut groups: Vec<(
        usize,
        Vec<Candidates>,
        Vec<&super::super::template::Identity>,
    )> = Vec::new();
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

pub(super) fn combine(
    table: &TableTemplate,
    segs: &[Segment],
    fixed: &[Option<f64>],
    variable: &[Candidates],
    search: &[&super::super::template::Identity],
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
pub(super) fn search_readings(
    table: &TableTemplate,
    segs: &[Segment],
    fixed: &[Option<f64>],
    variable: &[Candidates],
    search: &[&super::super::template::Identity],
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
