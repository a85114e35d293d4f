//! Which figures a shape's printed lines do not settle by each row's own identities
//! (`undetermined.tsv`, a lower bound).

use super::national2021::Doc2021;
use super::national2021::PROACTIVE_CODES;
use super::MATRIX;

/// Row `k` of table 三 as printed one cell per line: with `split`, every fourth row's first
/// number of two digits or more is cut after its first digit.
pub(super) fn split_row(k: usize, row: &[u64; 7], split: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut done = !split || k % 4 != 1;
    for v in row {
        let s = v.to_string();
        if !done && s.len() > 1 {
            out.push(s[..1].to_string());
            out.push(s[1..].to_string());
            done = true;
        } else {
            out.push(s);
        }
    }
    out
}

/// The cells of a one-cell-per-line document with numbers cut in two that the row's own
/// identity does not settle (the pieces joined in every way that keeps their order).
pub(super) fn undetermined_when_split(doc: &Doc2021) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let columns = crate::model::Breakdown::APPLICATION_COLUMNS;
    for (k, ((code, _), row)) in MATRIX.iter().zip(&doc.rows).enumerate() {
        let printed = split_row(k, row, true);
        if printed.len() == 7 {
            continue;
        }
        // Join one pair of neighbours: the pieces of a number cut in two.
        let mut readings: Vec<Vec<u64>> = Vec::new();
        for j in 0..printed.len() - 1 {
            if printed[j].starts_with('0') {
                continue;
            }
            let mut r: Vec<u64> = Vec::new();
            for (i, p) in printed.iter().enumerate() {
                if i == j + 1 {
                    continue;
                }
                let p = if i == j {
                    format!("{p}{}", printed[j + 1])
                } else {
                    p.clone()
                };
                r.push(p.parse().unwrap_or(0));
            }
            if r[6] == r[..6].iter().sum::<u64>() {
                readings.push(r);
            }
        }
        for (i, b) in columns.iter().enumerate() {
            if readings.is_empty() || readings.iter().any(|r| r[i] != readings[0][i]) {
                out.push((*code, b.as_str()));
            }
        }
    }
    out
}

/// The cells of a glued document that its printed digits and each row's own identities do not
/// settle (a lower bound, as for crawled documents).
pub(super) fn undetermined_when_glued(doc: &Doc2021) -> Vec<(&'static str, &'static str)> {
    let (_, rows) = doc.glued();
    // Rows in printed order: table 二's six, table 三's 25, table 四's one.
    let mut out = Vec::new();
    let codes2 = PROACTIVE_CODES;
    let settled = |printed: &[String], n: usize, ok: &dyn Fn(&[u64]) -> bool| -> Vec<bool> {
        let tokens: Vec<&str> = printed.iter().map(String::as_str).collect();
        let Some(all) = crate::ingest::align::cuts(&tokens, n, &[], &[]) else {
            return vec![false; n];
        };
        let all: Vec<Vec<u64>> = all
            .iter()
            .map(|c| c.iter().map(|&v| v as u64).collect())
            .collect();
        let valid: Vec<&Vec<u64>> = all.iter().filter(|c| ok(c)).collect();
        (0..n)
            .map(|i| !valid.is_empty() && valid.iter().all(|c| c[i] == valid[0][i]))
            .collect()
    };
    let columns = crate::model::Breakdown::APPLICATION_COLUMNS;
    for (k, printed) in rows.iter().enumerate() {
        if k < 6 {
            for (i, s) in settled(printed, codes2[k].len(), &|_| true)
                .into_iter()
                .enumerate()
            {
                if !s {
                    out.push((codes2[k][i], "total"));
                }
            }
        } else if k < 6 + MATRIX.len() {
            let ok = |c: &[u64]| c[6] == c[..6].iter().sum::<u64>();
            for (i, s) in settled(printed, 7, &ok).into_iter().enumerate() {
                if !s {
                    out.push((MATRIX[k - 6].0, columns[i].as_str()));
                }
            }
        } else {
            let ok =
                |c: &[u64]| (0..3).all(|g| c[g * 5 + 4] == c[g * 5..g * 5 + 4].iter().sum::<u64>());
            let codes = crate::ingest::national2019::REVIEW_CODES;
            for (i, s) in settled(printed, 15, &ok).into_iter().enumerate() {
                if !s {
                    out.push((codes[i], "total"));
                }
            }
        }
    }
    out
}

/// The cells of a crawled (run-collapsed) document that its printed lines and its table's
/// identities do not settle: each row's collapsed values are expanded in every way, and a
/// cell counts as determined when the readings that satisfy the row's own identities agree on
/// it. This is a lower bound (the reader may also use identities between rows): figures
/// outside it are left out of the coverage figure, never out of the wrong-figure check.
pub(super) fn undetermined_when_crawled(doc: &Doc2021) -> Vec<(&'static str, &'static str)> {
    fn dedup(cells: &[u64]) -> Vec<u64> {
        let mut v: Vec<u64> = cells.to_vec();
        v.dedup();
        v
    }
    fn compositions(printed: &[u64], n: usize, out: &mut Vec<Vec<u64>>, acc: &mut Vec<u64>) {
        if printed.is_empty() {
            if acc.len() == n {
                out.push(acc.clone());
            }
            return;
        }
        let left = n - acc.len();
        for len in 1..=left.saturating_sub(printed.len() - 1) {
            acc.extend(std::iter::repeat_n(printed[0], len));
            compositions(&printed[1..], n, out, acc);
            acc.truncate(acc.len() - len);
        }
    }
    let settled = |cells: &[u64], ok: &dyn Fn(&[u64]) -> bool| -> Vec<bool> {
        let mut all = Vec::new();
        compositions(&dedup(cells), cells.len(), &mut all, &mut Vec::new());
        let valid: Vec<&Vec<u64>> = all.iter().filter(|c| ok(c)).collect();
        (0..cells.len())
            .map(|i| !valid.is_empty() && valid.iter().all(|c| c[i] == valid[0][i]))
            .collect()
    };
    let mut out = Vec::new();
    let codes2 = PROACTIVE_CODES;
    for ((_, cells), codes) in doc.proactive().iter().zip(codes2) {
        // No identity ties table 二's cells: only a row printed whole, or as one value.
        let k = dedup(cells).len();
        if k != cells.len() && k != 1 {
            out.extend(codes.iter().map(|c| (*c, "total")));
        }
    }
    let columns = crate::model::Breakdown::APPLICATION_COLUMNS;
    for ((code, _), row) in MATRIX.iter().zip(&doc.rows) {
        let ok = |c: &[u64]| c[6] == c[..6].iter().sum::<u64>();
        for (i, s) in settled(row, &ok).into_iter().enumerate() {
            if !s {
                out.push((*code, columns[i].as_str()));
            }
        }
    }
    let ok = |c: &[u64]| (0..3).all(|g| c[g * 5 + 4] == c[g * 5..g * 5 + 4].iter().sum::<u64>());
    let codes = crate::ingest::national2019::REVIEW_CODES;
    for (i, s) in settled(&doc.review, &ok).into_iter().enumerate() {
        if !s {
            out.push((codes[i], "total"));
        }
    }
    out
}
