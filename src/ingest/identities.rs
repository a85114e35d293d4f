//! The arithmetic identities of the tables, checked on a report as read: parts sum to their
//! parent (catalog relation `part`), the 总计 column of table 三 is the sum of the six
//! applicant columns, and 一 + 二 = 三(七) + 四 for every column.
//!
//! A failure is not an ingest error: a figure the report printed inconsistently is stored as
//! printed (Hongze 2023's 行政复议 总计 0 over 10 + 1). It is counted in the document's
//! diagnostics, and `check` reports it.

use std::collections::HashMap;

use crate::catalog::catalog;
use crate::model::{Breakdown, Report};

const APPLICANTS: [Breakdown; 6] = [
    Breakdown::NaturalPerson,
    Breakdown::Business,
    Breakdown::Research,
    Breakdown::Nonprofit,
    Breakdown::LegalServices,
    Breakdown::OtherOrg,
];

/// How many identities could be checked, and a sentence for each that fails.
pub fn check(report: &Report) -> (usize, Vec<String>) {
    let printed: HashMap<(&str, Breakdown), f64> = report
        .figures
        .iter()
        .map(|f| ((f.indicator, f.breakdown), f.value))
        .collect();
    let templates: HashMap<(&str, Breakdown), &str> = report
        .figures
        .iter()
        .map(|f| ((f.indicator, f.breakdown), f.template.as_str()))
        .collect();
    let derived: Vec<&str> = report
        .figures
        .iter()
        .filter(|f| f.derived)
        .map(|f| f.indicator)
        .collect();
    let mut checked = 0;
    let mut failed = Vec::new();
    let mut breakdowns: Vec<Breakdown> = report.figures.iter().map(|f| f.breakdown).collect();
    breakdowns.sort_by_key(|b| b.as_str());
    breakdowns.dedup();
    for parent in catalog().indicators() {
        if derived.contains(&parent.code) {
            continue; // computed from its parts: true by construction
        }
        let parts: Vec<&str> = catalog()
            .indicators()
            .iter()
            .filter(|i| i.parent == parent.code && i.relation == "part")
            .map(|i| i.code)
            .collect();
        if parts.is_empty() {
            continue;
        }
        for &b in &breakdowns {
            let Some(&total) = printed.get(&(parent.code, b)) else {
                continue;
            };
            let values: Vec<f64> = parts
                .iter()
                .filter_map(|p| printed.get(&(*p, b)).copied())
                .collect();
            // Parts the template does not have (尚未审结 before 2019) are simply absent; a
            // part left blank makes the sum unknowable.
            let template = templates.get(&(parent.code, b)).copied().unwrap_or("");
            let expected = parts
                .iter()
                .filter(|p| {
                    catalog()
                        .get(p)
                        .is_some_and(|i| i.templates.split(',').any(|t| t == template))
                })
                .count();
            let present = parts
                .iter()
                .filter(|p| printed.contains_key(&(**p, b)))
                .count();
            if present == 0 || present < expected {
                continue;
            }
            checked += 1;
            let sum: f64 = values.iter().sum();
            if (sum - total).abs() > 1e-9 {
                failed.push(format!(
                    "{} ({}) = {total}, but its parts sum to {sum}",
                    parent.code,
                    b.as_str()
                ));
            }
        }
    }
    for code in [
        "application.new",
        "application.carried_in",
        "application.result.total",
        "application.carried_out",
    ] {
        let Some(&total) = printed.get(&(code, Breakdown::Total)) else {
            continue;
        };
        let cols: Vec<f64> = APPLICANTS
            .iter()
            .filter_map(|b| printed.get(&(code, *b)).copied())
            .collect();
        if cols.len() == 6 {
            checked += 1;
            let sum: f64 = cols.iter().sum();
            if (sum - total).abs() > 1e-9 {
                failed.push(format!(
                    "{code}: 总计 {total}, but the applicant columns sum to {sum}"
                ));
            }
        }
    }
    for &b in &breakdowns {
        let get = |c: &str| printed.get(&(c, b)).copied();
        if let (Some(n), Some(i), Some(t), Some(o)) = (
            get("application.new"),
            get("application.carried_in"),
            get("application.result.total"),
            get("application.carried_out"),
        ) {
            checked += 1;
            if (n + i - t - o).abs() > 1e-9 {
                failed.push(format!(
                    "{}: 一 + 二 = {} but 三(七) + 四 = {}",
                    b.as_str(),
                    n + i,
                    t + o
                ));
            }
        }
    }
    (checked, failed)
}
