//! Data-quality checks: which figures to trust before publishing a ranking.
//!
//! Every rule reads the warehouse as stored — figures as printed, never repaired — and a
//! finding cites the source lines it rests on. Rules:
//!
//! - `arithmetic.part`, `.channel`, `.of_which`, `.same_as`: the catalog's relations
//!   (parts sum to their parent; a parent is at most the sum of its channels; a 其中 is at
//!   most its parent; a figure printed twice agrees); `arithmetic.matrix`: table 三's 总计
//!   column and 一 + 二 = 三(七) + 四 per column;
//! - `scope.own_exceeds_whole`: 本级 ≤ 全市; `scope.copied_section`: a 本级 section equal to
//!   the 全市 one figure for figure although it counts county and township rows it cannot hold;
//! - `continuity.carry_over`: 上年结转 of year N = 结转下年度 of year N−1;
//! - `prose.table_mismatch`: a figure the report's own prose states for the same indicator;
//! - `value.implausible`: negative or fractional counts.

mod facts;
mod prose;

pub use prose::document_text;

use std::collections::BTreeMap;

// hashbrown with foldhash: the rules look figures up by (indicator, breakdown) per report.
use datafusion::common::HashMap;

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use datafusion::arrow::error::ArrowError;

use crate::catalog::{catalog, Kind};
use crate::model::Breakdown;
use crate::warehouse::{Warehouse, WarehouseError};
use facts::Text;
pub use facts::{load_reports, passes, StoredFact, StoredReport, PASS_FACTS};

/// How sure a finding is that a figure is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Probably wrong (or worth a look).
    Warning,
    /// The figures cannot all be right.
    Error,
}

impl Severity {
    /// The name stored in `checks.severity`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One finding.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// The report it concerns.
    pub report_id: String,
    /// The rule, e.g. `arithmetic.part`.
    pub rule: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// The indicators involved, comma-separated.
    pub indicators: String,
    /// What the rule expected.
    pub expected: Option<f64>,
    /// What the report printed.
    pub actual: Option<f64>,
    /// The source file.
    pub source_file: String,
    /// The source lines, comma-separated.
    pub source_lines: String,
    /// One sentence.
    pub message: String,
}

type Key<'a> = (&'a str, &'a str);

/// The printed lines a finding or a fact rests on, from the copy of the document kept in the
/// warehouse: (line, text).
pub fn cite(w: &Warehouse, sha256: &str, lines: &[u32]) -> Vec<(u32, String)> {
    let Some(text) = document_text(w, sha256) else {
        return Vec::new();
    };
    let all: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .filter_map(|&l| {
            all.get((l as usize).wrapping_sub(1))
                .map(|t| (l, t.trim_end().to_string()))
        })
        .collect()
}

fn lines_of(facts: &[&StoredFact]) -> String {
    let mut l: Vec<i32> = facts.iter().map(|f| f.source_line).collect();
    l.sort_unstable();
    l.dedup();
    l.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

/// Findings as one record batch of the `checks` table.
pub fn batch(findings: &[Finding]) -> Result<RecordBatch, ArrowError> {
    let s = |f: fn(&Finding) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(findings.iter().map(f)))
    };
    RecordBatch::try_new(
        crate::warehouse::schema::checks_schema(),
        vec![
            s(|f| &f.report_id),
            s(|f| f.rule),
            s(|f| f.severity.as_str()),
            s(|f| &f.indicators),
            Arc::new(Float64Array::from_iter(findings.iter().map(|f| f.expected))),
            Arc::new(Float64Array::from_iter(findings.iter().map(|f| f.actual))),
            s(|f| &f.source_file),
            s(|f| &f.source_lines),
            s(|f| &f.message),
        ],
    )
}

/// Runs every rule over the warehouse, [`PASS_FACTS`] facts at a time.
pub fn run(warehouse: &Warehouse) -> Result<Vec<Finding>, WarehouseError> {
    run_in_passes(warehouse, PASS_FACTS)
}

/// [`run`] with passes of at most `budget` facts (tests make them small).
pub fn run_in_passes(warehouse: &Warehouse, budget: u64) -> Result<Vec<Finding>, WarehouseError> {
    let reports = load_reports(warehouse)?;
    let mut out = Vec::new();
    // 上年结转 and 结转下年度 of every report, for the rule across years (a pass holds one year).
    let mut carried: HashMap<Text, [Option<StoredFact>; 2]> = HashMap::new();
    for pass in facts::passes(&reports, budget) {
        let held: Vec<&StoredReport> = pass.iter().map(|&i| &reports[i]).collect();
        // The pass's documents are read for their prose on a second core while the facts
        // are read and the other rules run.
        std::thread::scope(|s| -> Result<(), WarehouseError> {
            let prose = s.spawn(|| prose::read(warehouse, &held));
            let facts = facts::load_facts(warehouse, &held)?;
            // A report listed twice (one id) has all its facts under the later listing.
            let by_report: BTreeMap<&str, Vec<&StoredFact>> = held
                .iter()
                .zip(&facts)
                .filter(|(_, fs)| !fs.is_empty())
                .map(|(r, fs)| (&*r.report_id, fs.iter().collect()))
                .collect();
            within_reports(&by_report, &mut out, &mut carried);
            cross_scope(&held, &by_report, &mut out);
            let prose = prose.join().map_err(|_| WarehouseError::Manifest {
                path: warehouse.dir().to_path_buf(),
                message: "the thread reading the documents' prose failed".into(),
            })?;
            prose::check(&prose, &by_report, &mut out);
            Ok(())
        })?;
    }
    continuity(&reports, &carried, &mut out);
    out.sort_by(|a, b| {
        (&a.report_id, a.rule, &a.indicators).cmp(&(&b.report_id, b.rule, &b.indicators))
    });
    Ok(out)
}

/// The rules within one report, and each report's 上年结转 and 结转下年度 kept for the rule
/// across years.
fn within_reports(
    by_report: &BTreeMap<&str, Vec<&StoredFact>>,
    out: &mut Vec<Finding>,
    carried: &mut HashMap<Text, [Option<StoredFact>; 2]>,
) {
    for (id, fs) in by_report {
        arithmetic(id, fs, out);
        implausible(id, fs, out);
        for (slot, code) in ["application.carried_in", "application.carried_out"]
            .iter()
            .enumerate()
        {
            if let Some(f) = fs
                .iter()
                .find(|f| &*f.indicator == *code && &*f.breakdown == "total")
            {
                carried.entry(f.report_id.clone()).or_default()[slot] = Some((*f).clone());
            }
        }
    }
}

/// Reports by (body, year), each list in stored order.
fn by_body_year<R: std::borrow::Borrow<StoredReport>>(
    reports: &[R],
) -> HashMap<(&str, i32), Vec<&StoredReport>> {
    let mut m: HashMap<(&str, i32), Vec<&StoredReport>> = HashMap::new();
    for r in reports {
        let r = r.borrow();
        m.entry((&r.body, r.year)).or_default().push(r);
    }
    m
}

fn finding(
    id: &str,
    rule: &'static str,
    severity: Severity,
    facts: &[&StoredFact],
    expected: f64,
    actual: f64,
    message: String,
) -> Finding {
    Finding {
        report_id: id.to_string(),
        rule,
        severity,
        indicators: facts
            .iter()
            .map(|f| &*f.indicator)
            .collect::<Vec<_>>()
            .join(","),
        expected: Some(expected),
        actual: Some(actual),
        source_file: facts
            .first()
            .map(|f| f.source_file.to_string())
            .unwrap_or_default(),
        source_lines: lines_of(facts),
        message,
    }
}

/// The arithmetic identities of one report as read, before it is stored: how many could be
/// checked, and a sentence for each that fails (ingest's diagnostics; the figures are stored
/// as printed whatever they say).
pub fn report_identities(report: &crate::model::Report) -> (usize, Vec<String>) {
    let id = report.report_id();
    let report_id: Text = id.as_str().into();
    let source_file: Text = "".into();
    let facts: Vec<StoredFact> = report
        .figures
        .iter()
        .map(|f| StoredFact {
            report_id: report_id.clone(),
            indicator: f.indicator.into(),
            breakdown: f.breakdown.as_str().into(),
            value: f.value,
            derived: f.derived,
            template: f.template.as_str().into(),
            origin: f.origin.as_str().into(),
            source_file: source_file.clone(),
            source_line: f.source_line as i32,
        })
        .collect();
    let refs: Vec<&StoredFact> = facts.iter().collect();
    let mut out = Vec::new();
    let checked = arithmetic(&id, &refs, &mut out);
    (checked, out.into_iter().map(|f| f.message).collect())
}

/// The catalog relations and the application-matrix identities, within one report; returns
/// how many identities could be checked.
fn arithmetic(id: &str, fs: &[&StoredFact], out: &mut Vec<Finding>) -> usize {
    let mut checked = 0;
    let at: HashMap<Key, &StoredFact> = fs
        .iter()
        .map(|f| ((&*f.indicator, &*f.breakdown), *f))
        .collect();
    for parent in catalog().indicators() {
        let kids = children(parent.code);
        for relation in ["part", "channel"] {
            let group: Vec<_> = kids.iter().filter(|i| i.relation == relation).collect();
            if group.is_empty() {
                continue;
            }
            for b in Breakdown::APPLICATION_COLUMNS.map(Breakdown::as_str) {
                let Some(p) = at.get(&(parent.code, b)) else {
                    continue;
                };
                if p.derived {
                    continue; // the sum of its parts by construction
                }
                let expected_parts = group
                    .iter()
                    .filter(|i| i.templates.split(',').any(|t| t == &*p.template))
                    .count();
                let parts: Vec<&StoredFact> = group
                    .iter()
                    .filter_map(|i| at.get(&(i.code, b)).copied())
                    .collect();
                if parts.is_empty() || parts.len() < expected_parts {
                    continue;
                }
                checked += 1;
                let sum: f64 = parts.iter().map(|f| f.value).sum();
                let bad = match relation {
                    "part" => (sum - p.value).abs() > 1e-9,
                    _ => p.value > sum + 1e-9,
                };
                if bad {
                    let mut involved = vec![*p];
                    involved.extend(parts.iter().copied());
                    let (rule, what) = if relation == "part" {
                        ("arithmetic.part", "its parts sum to")
                    } else {
                        ("arithmetic.channel", "exceeds the sum of its channels")
                    };
                    out.push(finding(
                        id,
                        rule,
                        Severity::Error,
                        &involved,
                        sum,
                        p.value,
                        format!(
                            "{} ({b}) is printed as {} but {what} {sum}",
                            parent.code, p.value
                        ),
                    ));
                }
            }
        }
        for kid in kids
            .iter()
            .filter(|i| i.relation == "of_which" || i.relation == "same_as")
        {
            let (Some(p), Some(k)) = (
                at.get(&(parent.code, "total")),
                at.get(&(kid.code, "total")),
            ) else {
                continue;
            };
            checked += 1;
            let (rule, bad, what) = if kid.relation == "of_which" {
                (
                    "arithmetic.of_which",
                    k.value > p.value + 1e-9,
                    "exceeds the figure it is part of",
                )
            } else {
                (
                    "arithmetic.same_as",
                    (k.value - p.value).abs() > 1e-9,
                    "disagrees with the same figure printed",
                )
            };
            if bad {
                out.push(finding(
                    id,
                    rule,
                    Severity::Error,
                    &[*p, *k],
                    p.value,
                    k.value,
                    format!(
                        "{} = {} {what} elsewhere in the table: {} = {}",
                        kid.code, k.value, parent.code, p.value
                    ),
                ));
            }
        }
    }
    checked + matrix(id, &at, out)
}

/// The catalog's children of `code`, from a map built once per run (the catalog does not
/// change once in use): a walk of the catalog per parent and report made the checks and
/// ingest's identities quadratic in the catalog.
fn children(code: &str) -> &'static [&'static crate::catalog::Indicator] {
    static CHILDREN: std::sync::OnceLock<
        HashMap<&'static str, Vec<&'static crate::catalog::Indicator>>,
    > = std::sync::OnceLock::new();
    CHILDREN
        .get_or_init(|| {
            let mut m: HashMap<&str, Vec<&crate::catalog::Indicator>> = HashMap::new();
            for i in catalog().indicators() {
                m.entry(i.parent).or_default().push(i);
            }
            m
        })
        .get(code)
        .map_or(&[], Vec::as_slice)
}

fn matrix(id: &str, at: &HashMap<Key, &StoredFact>, out: &mut Vec<Finding>) -> usize {
    let mut checked = 0;
    let columns = Breakdown::APPLICATION_COLUMNS.map(Breakdown::as_str);
    let (applicants, total) = columns.split_at(6);
    for code in [
        "application.new",
        "application.carried_in",
        "application.result.total",
        "application.carried_out",
    ] {
        let Some(t) = at.get(&(code, "total")) else {
            continue;
        };
        let cols: Vec<&StoredFact> = applicants
            .iter()
            .filter_map(|b| at.get(&(code, *b)).copied())
            .collect();
        if cols.len() == 6 {
            checked += 1;
            let sum: f64 = cols.iter().map(|f| f.value).sum();
            if (sum - t.value).abs() > 1e-9 {
                out.push(finding(
                    id,
                    "arithmetic.matrix",
                    Severity::Error,
                    &[*t],
                    sum,
                    t.value,
                    format!(
                        "{code}: 总计 is {} but the applicant columns sum to {sum}",
                        t.value
                    ),
                ));
            }
        }
    }
    for b in applicants.iter().chain(total) {
        let get = |c: &str| at.get(&(c, *b)).copied();
        if let (Some(n), Some(i), Some(t), Some(o)) = (
            get("application.new"),
            get("application.carried_in"),
            get("application.result.total"),
            get("application.carried_out"),
        ) {
            checked += 1;
            if (n.value + i.value - t.value - o.value).abs() > 1e-9 {
                out.push(finding(
                    id,
                    "arithmetic.matrix",
                    Severity::Error,
                    &[n, i, t, o],
                    n.value + i.value,
                    t.value + o.value,
                    format!(
                        "column {b}: 一 + 二 = {} but 三(七) + 四 = {}",
                        n.value + i.value,
                        t.value + o.value
                    ),
                ));
            }
        }
    }
    checked
}

fn implausible(id: &str, fs: &[&StoredFact], out: &mut Vec<Finding>) {
    for f in fs {
        let Some(i) = catalog().get(&f.indicator) else {
            continue;
        };
        if i.kind == Kind::Count && (f.value < 0.0 || f.value.fract() != 0.0) {
            out.push(finding(
                id,
                "value.implausible",
                Severity::Error,
                &[*f],
                f.value.max(0.0).round(),
                f.value,
                format!(
                    "{} = {}: a count is a whole number, never negative",
                    f.indicator, f.value
                ),
            ));
        }
    }
}

/// 本级 ≤ 全市, and 本级 sections copied from 全市.
fn cross_scope(
    reports: &[&StoredReport],
    by_report: &BTreeMap<&str, Vec<&StoredFact>>,
    out: &mut Vec<Finding>,
) {
    let same = by_body_year(reports);
    for own in reports.iter().filter(|r| &*r.scope == "own") {
        let Some(whole) = same
            .get(&(&*own.body, own.year))
            .and_then(|rs| rs.iter().find(|r| &*r.scope == "whole"))
        else {
            continue;
        };
        let (Some(of), Some(wf)) = (
            by_report.get(&*own.report_id),
            by_report.get(&*whole.report_id),
        ) else {
            continue;
        };
        let w: HashMap<Key, &StoredFact> = wf
            .iter()
            .map(|f| ((&*f.indicator, &*f.breakdown), *f))
            .collect();
        let mut sections: BTreeMap<&str, (usize, usize, bool, Vec<&StoredFact>)> = BTreeMap::new();
        for o in of {
            let Some(x) = w.get(&(&*o.indicator, &*o.breakdown)) else {
                continue;
            };
            if o.value > x.value + 1e-9 {
                out.push(finding(
                    &own.report_id,
                    "scope.own_exceeds_whole",
                    Severity::Error,
                    &[*o],
                    x.value,
                    o.value,
                    format!(
                        "{} = {} for 本级 but {} for the whole jurisdiction ({})",
                        o.indicator, o.value, x.value, whole.report_id
                    ),
                ));
            }
            let section = o.indicator.split('.').next().unwrap_or("");
            let e = sections.entry(section).or_default();
            e.0 += 1;
            if (o.value - x.value).abs() <= 1e-9 {
                e.1 += 1;
            }
            // A row of county or township bodies cannot be counted by the city's own bodies.
            if (o.indicator.ends_with(".county") || o.indicator.ends_with(".township"))
                && o.value > 0.0
            {
                e.2 = true;
            }
            e.3.push(*o);
        }
        for (section, (n, equal, lower_levels, facts)) in sections {
            if n >= 2 && n == equal && lower_levels {
                out.push(Finding {
                    report_id: own.report_id.to_string(),
                    rule: "scope.copied_section",
                    severity: Severity::Warning,
                    indicators: facts.iter().map(|f| &*f.indicator).collect::<Vec<_>>().join(","),
                    expected: None,
                    actual: None,
                    source_file: facts[0].source_file.to_string(),
                    source_lines: lines_of(&facts),
                    message: format!(
                        "section {section}: the 本级 table repeats the whole-jurisdiction figures one for one ({n} figures), although it counts county and township rows 本级 cannot hold: copied?"
                    ),
                });
            }
        }
    }
}

/// 上年结转 of year N = 结转下年度 of year N−1, for the same body. `carried` holds each
/// report's first 上年结转 and 结转下年度 total.
fn continuity(
    reports: &[StoredReport],
    carried: &HashMap<Text, [Option<StoredFact>; 2]>,
    out: &mut Vec<Finding>,
) {
    let get = |id: &str, slot: usize| carried.get(id).and_then(|c| c[slot].as_ref());
    let same = by_body_year(reports);
    for this in reports {
        let Some(prev) = same.get(&(&*this.body, this.year - 1)).and_then(|rs| {
            rs.iter().find(|r| {
                r.scope == this.scope || &*r.scope == "unknown" || &*this.scope == "unknown"
            })
        }) else {
            continue;
        };
        let (Some(cin), Some(cout)) = (get(&this.report_id, 0), get(&prev.report_id, 1)) else {
            continue;
        };
        if (cin.value - cout.value).abs() > 1e-9 {
            out.push(finding(
                &this.report_id,
                "continuity.carry_over",
                Severity::Error,
                &[cin],
                cout.value,
                cin.value,
                format!(
                    "上年结转 {} in {} but {} carried {} into the next year (line {} of {})",
                    cin.value,
                    this.year,
                    prev.report_id,
                    cout.value,
                    cout.source_line,
                    cout.source_file
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fact(indicator: &str, value: f64) -> StoredFact {
        StoredFact {
            report_id: "r".into(),
            indicator: indicator.into(),
            breakdown: "total".into(),
            value,
            derived: false,
            template: "national-2021".into(),
            origin: "table".into(),
            source_file: "f.txt".into(),
            source_line: 7,
        }
    }

    #[test]
    fn negative_and_fractional_counts_are_implausible_changes_are_not() {
        let (neg, frac, change, amount) = (
            fact("review.total", -1.0),
            fact("review.upheld", 2.5),
            fact("proactive.licensing.items_change", -3.0),
            fact("proactive.fees.amount", 9116.36),
        );
        let mut out = Vec::new();
        implausible("r", &[&neg, &frac, &change, &amount], &mut out);
        let got: Vec<&str> = out.iter().map(|f| f.indicators.as_str()).collect();
        assert_eq!(got, ["review.total", "review.upheld"]);
        assert!(out
            .iter()
            .all(|f| f.rule == "value.implausible" && f.source_lines == "7"));
    }
}
