//! Prose against table: a figure the report's own prose states for the same indicator
//! ("共受理政府信息公开申请 3061 件", "行政复议 … 维持 155 件，纠错 134 件") that differs from
//! its table.
//!
//! Only sentences that name the indicator count: Jinan's prose also counts 46173 posts on its
//! portal and 5600 archive visitors — other concepts than the table's 241739 and 26394 — and
//! those sentences match no pattern here. Prose is matched to the report of the scope it
//! speaks for (全市… → `whole`), or to the document's only report.

use super::{Finding, StoredFact, StoredReport};
use crate::ingest::prose::{statements, Stated};
use crate::warehouse::Warehouse;
use std::collections::BTreeMap;

/// The text of a kept document, as the ingester read it.
pub fn document_text(w: &Warehouse, sha: &str) -> Option<String> {
    let path = w.document_path(sha)?;
    let bytes = std::fs::read(&path).ok()?;
    if bytes.starts_with(b"%PDF-") {
        return crate::ingest::pdf::to_text(&path).ok();
    }
    let text = crate::ingest::text::decode(&bytes).ok()?;
    if crate::ingest::markup::looks_like_html(&text) {
        return None; // line numbers of a page are its rows': no prose lines to cite
    }
    Some(text)
}

/// A kept document's reports (of one pass) and the figures its prose states.
pub struct Prose<'a> {
    reports: Vec<&'a StoredReport>,
    stated: Vec<Stated>,
}

/// The figures the prose of each document of `reports` states: the costly half of the rule
/// (reading and decoding every kept document), which needs no facts and so runs while they
/// are read.
pub fn read<'a>(w: &Warehouse, reports: &[&'a StoredReport]) -> Vec<Prose<'a>> {
    let mut docs: BTreeMap<&str, Vec<&StoredReport>> = BTreeMap::new();
    for r in reports {
        docs.entry(&r.sha256).or_default().push(r);
    }
    docs.into_iter()
        .filter_map(|(sha, of_doc)| {
            let text = document_text(w, sha)?;
            Some(Prose {
                reports: of_doc,
                stated: statements(&text),
            })
        })
        .collect()
}

/// Adds the prose/table mismatches of the documents read.
pub fn check(docs: &[Prose], by_report: &BTreeMap<&str, Vec<&StoredFact>>, out: &mut Vec<Finding>) {
    for doc in docs {
        for s in &doc.stated {
            let report = match (doc.reports.as_slice(), s.whole) {
                ([only], _) => *only,
                (many, Some(true)) => match many.iter().find(|r| &*r.scope == "whole") {
                    Some(r) => *r,
                    None => continue,
                },
                (many, Some(false)) => match many.iter().find(|r| &*r.scope == "own") {
                    Some(r) => *r,
                    None => continue,
                },
                _ => continue,
            };
            let Some(fact) = by_report.get(&*report.report_id).and_then(|fs| {
                fs.iter().find(|f| {
                    s.is(&f.indicator) && &*f.breakdown == "total" && &*f.origin == "table"
                })
            }) else {
                continue;
            };
            if (fact.value - s.value).abs() > 1e-9 {
                out.push(Finding {
                    report_id: report.report_id.to_string(),
                    rule: "prose.table_mismatch",
                    severity: super::Severity::Warning,
                    indicators: fact.indicator.to_string(),
                    expected: Some(fact.value),
                    actual: Some(s.value),
                    source_file: report.source_file.to_string(),
                    source_lines: format!(
                        "{},{}",
                        s.line.min(fact.source_line as u32),
                        s.line.max(fact.source_line as u32)
                    ),
                    message: format!(
                        "the prose (line {}: \"{}\") states {} for {}, the table (line {}) {}",
                        s.line, s.text, s.value, fact.indicator, fact.source_line, fact.value
                    ),
                });
            }
        }
    }
}
