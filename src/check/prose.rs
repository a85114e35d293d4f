//! Prose against table: a figure the report's own prose states for the same indicator
//! ("共受理政府信息公开申请 3061 件", "行政复议 … 维持 155 件，纠错 134 件") that differs from
//! its table.
//!
//! Only sentences that name the indicator count: Jinan's prose also counts 46173 posts on its
//! portal and 5600 archive visitors — other concepts than the table's 241739 and 26394 — and
//! those sentences match no pattern here. Prose is matched to the report of the scope it
//! speaks for (全市… → `whole`), or to the document's only report.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use regex::Regex;

use super::{Finding, StoredFact, StoredReport};
use crate::ingest::label::fold_width;
use crate::warehouse::Warehouse;

/// A figure stated in prose.
struct Stated {
    indicators: Vec<&'static str>,
    value: f64,
    line: u32,
    text: String,
    whole: Option<bool>,
}

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

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).expect("static regex"))
}

/// Statements about applications, administrative review and litigation.
fn statements(text: &str) -> Vec<Stated> {
    // Whitespace-free text, with the line each character came from.
    let mut joined = String::new();
    let mut line_at: Vec<(usize, u32)> = Vec::new();
    for (i, l) in text.lines().enumerate() {
        line_at.push((joined.len(), i as u32 + 1));
        joined.extend(fold_width(l).chars().filter(|c| !c.is_whitespace()));
    }
    let line_of = |offset: usize| {
        line_at
            .iter()
            .rev()
            .find(|(o, _)| *o <= offset)
            .map_or(1, |(_, l)| *l)
    };
    let scope_before = |offset: usize| {
        let start = joined[..offset]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        let before = &joined[start..offset];
        if ["全市", "全区", "全县", "全省"]
            .iter()
            .any(|w| before.contains(w))
        {
            Some(true)
        } else if before.contains("代表") || before.contains("本机关") {
            Some(false)
        } else {
            None
        }
    };
    let mut out = Vec::new();
    static APPS: OnceLock<Regex> = OnceLock::new();
    for c in re(&APPS, r"受理[^。；;]{0,15}?申请(\d+)件").captures_iter(&joined) {
        let m = c.get(0).map_or(0..0, |m| m.range());
        out.push(Stated {
            indicators: vec!["application.received", "application.new"],
            value: c[1].parse().unwrap_or(f64::NAN),
            line: line_of(m.start),
            text: joined[m.clone()].to_string(),
            whole: scope_before(m.start),
        });
    }
    static CASES: OnceLock<Regex> = OnceLock::new();
    static PARTS: OnceLock<Regex> = OnceLock::new();
    for c in re(&CASES, r"(行政复议|行政诉讼)(?:申请)?(\d+)件([^。；;]*)").captures_iter(&joined)
    {
        let m = c.get(0).map_or(0..0, |m| m.range());
        let (line, whole) = (line_of(m.start), scope_before(m.start));
        let prefix = if &c[1] == "行政复议" {
            "review"
        } else {
            "litigation"
        };
        let code = |what: &str| -> &'static str {
            crate::catalog::catalog()
                .get(&format!("{prefix}.{what}"))
                .map_or("", |i| i.code)
        };
        let mut push = |what: &str, v: &str| {
            let c = code(what);
            if !c.is_empty() {
                out.push(Stated {
                    indicators: vec![c],
                    value: v.parse().unwrap_or(f64::NAN),
                    line,
                    text: joined[m.clone()].to_string(),
                    whole,
                });
            }
        };
        push("total", &c[2]);
        let clause = c[3].split(['，', ',']).collect::<Vec<_>>();
        for part in clause {
            if let Some(p) = re(&PARTS, r"^(?:其中)?(结果维持|维持或驳回|维持|结果纠正|纠错|纠正|其他结果|其他情况|其他情形|尚未审结)(\d+)件").captures(part) {
                let what = match &p[1] {
                    "结果维持" | "维持或驳回" | "维持" => "upheld",
                    "结果纠正" | "纠错" | "纠正" => "corrected",
                    "尚未审结" => "pending",
                    _ => "other",
                };
                push(what, &p[2]);
            }
        }
    }
    out
}

/// Adds the prose/table mismatches of every kept document.
pub fn check(
    w: &Warehouse,
    reports: &[StoredReport],
    by_report: &BTreeMap<&str, Vec<&StoredFact>>,
    out: &mut Vec<Finding>,
) {
    let mut shas: Vec<&str> = reports.iter().map(|r| r.sha256.as_str()).collect();
    shas.sort_unstable();
    shas.dedup();
    for sha in shas {
        let of_doc: Vec<&StoredReport> = reports.iter().filter(|r| r.sha256 == sha).collect();
        let Some(text) = document_text(w, sha) else {
            continue;
        };
        for s in statements(&text) {
            let report = match (of_doc.as_slice(), s.whole) {
                ([only], _) => *only,
                (many, Some(true)) => match many.iter().find(|r| r.scope == "whole") {
                    Some(r) => *r,
                    None => continue,
                },
                (many, Some(false)) => match many.iter().find(|r| r.scope == "own") {
                    Some(r) => *r,
                    None => continue,
                },
                _ => continue,
            };
            let Some(fact) = by_report.get(report.report_id.as_str()).and_then(|fs| {
                fs.iter().find(|f| {
                    s.indicators.contains(&f.indicator.as_str()) && f.breakdown == "total"
                })
            }) else {
                continue;
            };
            if (fact.value - s.value).abs() > 1e-9 {
                out.push(Finding {
                    report_id: report.report_id.clone(),
                    rule: "prose.table_mismatch",
                    severity: "warning",
                    indicators: fact.indicator.clone(),
                    expected: Some(fact.value),
                    actual: Some(s.value),
                    source_file: report.source_file.clone(),
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
