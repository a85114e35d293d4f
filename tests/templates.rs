//! The 2019 and 2021 templates on the real Huai'an 2024 and Hongze 2023/2024 reports, from
//! every rendering: pdftotext -layout (data/raw), pdfplumber, the PDF itself, HTML and
//! markdown. The pdftotext default shape (one cell per line) is scored in `reader.rs`.

use std::collections::BTreeMap;

use gongkai::ingest::{self, Overrides};
use gongkai::model::{Breakdown, Report, Scope, Template};

use crate::util::*;

const REPORTS: [&str; 3] = ["huaian-2024", "hongze-2023", "hongze-2024"];

/// (report, indicator, breakdown) → value, from tests/fixtures/national-2019.expected.tsv.
fn expected() -> BTreeMap<(String, String, String), f64> {
    let text = std::fs::read_to_string(fixture("national-2019.expected.tsv")).expect("fixture");
    let mut out = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let f: Vec<&str> = line.split('\t').collect();
        let values: Vec<f64> = f[2]
            .split_whitespace()
            .map(|v| v.parse().expect("number"))
            .collect();
        if values.len() == 7 {
            for (b, v) in COLUMNS.iter().zip(values) {
                out.insert((f[0].to_string(), f[1].to_string(), b.to_string()), v);
            }
        } else {
            out.insert(
                (f[0].to_string(), f[1].to_string(), "total".to_string()),
                values[0],
            );
        }
    }
    out
}

fn printed(report: &Report) -> BTreeMap<(String, String), f64> {
    let mut got = BTreeMap::new();
    for f in report.figures.iter().filter(|f| !f.derived) {
        let key = (f.indicator.to_string(), f.breakdown.as_str().to_string());
        assert!(got.insert(key.clone(), f.value).is_none(), "{key:?} twice");
    }
    got
}

fn read(path: &std::path::Path) -> Report {
    let doc =
        ingest::read_document(path, &Overrides::default(), false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(doc.reports.len(), 1);
    doc.reports.into_iter().next().expect("one report")
}

fn expected_of(name: &str) -> BTreeMap<(String, String), f64> {
    expected()
        .into_iter()
        .filter(|((r, _, _), _)| r == name)
        .map(|((_, i, b), v)| ((i, b), v))
        .collect()
}

fn assert_exact(path: &std::path::Path, name: &str) -> Report {
    let report = read(path);
    assert_eq!(printed(&report), expected_of(name), "{}", path.display());
    assert!(
        report.problems.is_empty(),
        "{}: {:?}",
        path.display(),
        report.problems
    );
    report
}

#[test]
fn every_printed_figure_from_the_layout_rendering() {
    for name in REPORTS {
        assert_exact(&root().join(format!("data/raw/{name}.txt")), name);
    }
}

#[test]
fn every_printed_figure_from_the_pdfplumber_rendering() {
    for name in REPORTS {
        assert_exact(&fixture(&format!("reports/{name}.pdfplumber.txt")), name);
    }
}

#[test]
fn every_printed_figure_from_the_pdf() {
    for name in REPORTS {
        assert_exact(&fixture(&format!("reports/{name}.pdf")), name);
    }
}

#[test]
fn templates_are_decided_per_table() {
    let huaian = read(&root().join("data/raw/huaian-2024.txt"));
    assert_eq!(huaian.meta.template, Template::National2021);
    assert!(huaian
        .figures
        .iter()
        .all(|f| f.template == Template::National2021));
    // Hongze prints the 2021 table 二 with the 2019 table 三 (a single （六）其他处理 row).
    let hongze = read(&root().join("data/raw/hongze-2023.txt"));
    assert_eq!(hongze.meta.template, Template::National2019);
    let template_of = |code: &str| {
        hongze
            .figures
            .iter()
            .find(|f| f.indicator == code)
            .map(|f| f.template)
    };
    assert_eq!(
        template_of("proactive.fees.amount"),
        Some(Template::National2021)
    );
    assert_eq!(
        template_of("application.result.other"),
        Some(Template::National2019)
    );
}

#[test]
fn group_totals_and_litigation_are_derived_never_confused_with_printed() {
    let r = read(&root().join("data/raw/huaian-2024.txt"));
    let get = |code: &str, b: Breakdown| {
        r.figures
            .iter()
            .find(|f| f.indicator == code && f.breakdown == b)
    };
    let refused = get("application.result.refused", Breakdown::Total).expect("derived");
    assert!(refused.derived);
    assert_eq!(
        refused.value,
        2.0 + 31.0 + 5.0 + 6.0 + 8.0 + 12.0 + 9.0 + 105.0
    );
    let other = get("application.result.other", Breakdown::NaturalPerson).expect("derived in 2021");
    assert!(other.derived);
    assert_eq!(other.value, 67.0 + 6.0 + 108.0);
    let lit = get("litigation.total", Breakdown::Total).expect("derived");
    assert!(lit.derived);
    assert_eq!(lit.value, 46.0);
    assert_eq!(
        get("litigation.corrected", Breakdown::Total).map(|f| f.value),
        Some(5.0)
    );
    // In the 2019 table 三, （六）其他处理 is printed: not derived.
    let h = read(&root().join("data/raw/hongze-2023.txt"));
    assert!(h
        .figures
        .iter()
        .filter(|f| f.indicator == "application.result.other")
        .all(|f| !f.derived));
}

#[test]
fn metadata_from_title_and_prose() {
    let huaian = read(&root().join("data/raw/huaian-2024.txt"));
    assert_eq!(
        (
            huaian.meta.body.as_str(),
            huaian.meta.jurisdiction.as_str(),
            huaian.meta.year
        ),
        ("淮安市人民政府", "淮安市", 2024)
    );
    assert_eq!(huaian.meta.scope, Scope::Whole); // 全市共受理 … 3119 件 = the table
    let h23 = read(&root().join("data/raw/hongze-2023.txt"));
    // The title says 洪泽区人民政府; the text 淮安市洪泽区人民政府.
    assert_eq!(
        (h23.meta.body.as_str(), h23.meta.jurisdiction.as_str()),
        ("淮安市洪泽区人民政府", "淮安市洪泽区")
    );
    assert_eq!(h23.meta.scope, Scope::Whole); // 全区受理 … 21 件 = the table
    let h24 = read(&root().join("data/raw/hongze-2024.txt"));
    assert_eq!(h24.meta.body, "淮安市洪泽区人民政府");
    // 代表区政府受理 … 17 件, but the table prints 95: the scope is unknown.
    assert_eq!(h24.meta.scope, Scope::Unknown);
}

#[test]
fn a_report_printed_inconsistently_is_stored_as_printed() {
    // Hongze 2023 prints 行政复议 10, 1, 0, 0 with 总计 0: stored as printed, not repaired.
    let r = read(&root().join("data/raw/hongze-2023.txt"));
    let v = |code: &str| {
        r.figures
            .iter()
            .find(|f| f.indicator == code)
            .map(|f| f.value)
    };
    assert_eq!(
        (v("review.upheld"), v("review.corrected"), v("review.total")),
        (Some(10.0), Some(1.0), Some(0.0))
    );
}

#[test]
fn one_correction_rate_query_spans_both_eras() {
    let q = root().join("queries/review_correction_rate.sql");
    let r = gongkai(
        &root(),
        &["-f", q.to_str().expect("utf8"), "--format", "csv"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let rows: Vec<&str> = r.stdout.lines().collect();
    assert!(
        rows.iter()
            .any(|l| l.starts_with("济南市,济南市人民政府,whole,2017,453,134,0.2958")),
        "{}",
        r.stdout
    );
    // Huai'an 2024: 64 of 351 corrected; over concluded cases 64 / (351 − 37).
    let huaian = format!(
        "淮安市,淮安市人民政府,whole,2024,351,64,{},{}",
        64.0f64 / 351.0,
        64.0f64 / 314.0
    );
    assert!(rows.iter().any(|l| l.starts_with(&huaian)), "{}", r.stdout);
    assert!(
        rows.iter()
            .any(|l| l.starts_with("淮安市洪泽区,淮安市洪泽区人民政府,unknown,2024,")),
        "{}",
        r.stdout
    );
}

#[test]
fn an_image_only_pdf_says_it_has_no_text_layer() {
    let dir = workdir();
    // A one-page PDF with no text: what a scan without OCR gives.
    let pdf = b"%PDF-1.1\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n";
    let path = dir.path().join("scan.pdf");
    std::fs::write(&path, pdf).expect("write");
    let e = ingest::read_document(&path, &Overrides::default(), false).expect_err("no text");
    assert!(e.to_string().contains("no text layer"), "{e}");
}

/// Blank cells of a count table are stored as 0 only because every identity they touch holds
/// with 0 — and the notes say which were read so.
fn assert_blanks_read_as_zero(r: &Report, blank: impl Fn(&str, &str) -> bool) {
    let zeros: Vec<_> = r
        .figures
        .iter()
        .filter(|f| !f.derived && blank(f.indicator, f.breakdown.as_str()))
        .collect();
    assert!(!zeros.is_empty() && zeros.iter().all(|f| f.value == 0.0));
    assert!(
        r.notes
            .iter()
            .any(|n| n.message.contains("blank cells read as 0")),
        "{:?}",
        r.notes
    );
}

#[test]
fn html_pages_with_spans_and_blank_cells() {
    let path = fixture("huaian-2024.html");
    let r = read(&path);
    assert_eq!(printed(&r), expected_of("huaian-2024"));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_blanks_read_as_zero(&r, |i, b| {
        i.starts_with("application.result.refused.") && (b == "research" || b == "nonprofit")
    });
    assert_eq!(
        (r.meta.body.as_str(), r.meta.year, r.meta.scope),
        ("淮安市人民政府", 2024, Scope::Whole)
    );
    // Provenance: a figure's line is its <tr>'s line in the page.
    let html = std::fs::read_to_string(&path).expect("fixture");
    let lines: Vec<&str> = html.lines().collect();
    let f = r
        .figures
        .iter()
        .find(|f| f.indicator == "application.result.unable.not_held")
        .expect("figure");
    assert!(
        lines[f.source_line as usize - 1].contains("本机关不掌握相关政府信息"),
        "line {}",
        f.source_line
    );
}

#[test]
fn markdown_tables_ragged_rows_and_blanks() {
    let path = fixture("hongze-2023.md");
    let r = read(&path);
    assert_eq!(printed(&r), expected_of("hongze-2023"));
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_blanks_read_as_zero(&r, |i, b| {
        i == "application.result.disclosed" && b == "research"
    });
    let md = std::fs::read_to_string(&path).expect("fixture");
    let lines: Vec<&str> = md.lines().collect();
    let f = r
        .figures
        .iter()
        .find(|f| f.indicator == "proactive.coercion.decisions")
        .expect("ragged row read");
    assert_eq!(f.value, 195.0);
    assert!(lines[f.source_line as usize - 1].starts_with("| 行政强制"));
}

#[test]
fn glued_digits_are_repaired_only_when_one_reading_adds_up() {
    let text = std::fs::read_to_string(root().join("data/raw/hongze-2023.txt")).expect("report");
    let dir = workdir();
    // A crawler glued the cells of （七）总计 (21|0|0|0|0|0|21) and of 一、本年新收 into one
    // number, and those of （一）予以公开 (all zeros: 0000000 has one reading, 0|0|0|0|0|0|0).
    let glued = text
        .replace("（七）总计                             21   0   0   0    0    0   21", "（七）总计    210000021")
        .replace("一、本年新收政府信息公开申请数量                             21    0      0     0   0   0     21", "一、本年新收政府信息公开申请数量   2100000  21");
    assert_ne!(glued, text);
    let path = dir.path().join("glued.txt");
    std::fs::write(&path, glued).expect("write");
    let r = read(&path);
    assert_eq!(printed(&r), expected_of("hongze-2023"));
    let repairs: Vec<_> = r.notes.iter().collect();
    assert_eq!(repairs.len(), 2, "{:?}", r.notes);
    assert!(repairs.iter().all(|n| n.message.starts_with("repaired:")));
}

#[test]
fn renderings_of_one_report_are_the_same_report() {
    let dir = workdir();
    let layout = root().join("data/raw/hongze-2024.txt");
    let plumber = fixture("reports/hongze-2024.pdfplumber.txt");
    let pdf = fixture("reports/hongze-2024.pdf");
    let r = gongkai(
        dir.path(),
        &[
            "ingest",
            "--data",
            "wh",
            layout.to_str().expect("utf8"),
            plumber.to_str().expect("utf8"),
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "hongze-2024.pdfplumber.txt: replaced 淮安市洪泽区人民政府/2024/unknown from "
        ),
        "{}",
        r.stderr
    );
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", pdf.to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("hongze-2024.pdf: replaced 淮安市洪泽区人民政府/2024/unknown from "),
        "{}",
        r.stderr
    );
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM reports"),
        [["1"]]
    );
    let rows = query_csv(
        dir.path(),
        "wh",
        "SELECT count(*), count(DISTINCT source_file) FROM facts",
    );
    assert_eq!(rows, [["212", "1"]]);
}

#[test]
fn the_default_rendering_is_the_same_report_as_the_others() {
    for name in ["huaian-2024", "hongze-2023"] {
        let default = ingest::read_document(
            &fixture(&format!("reports/{name}.pdftotext.txt")),
            &Overrides::default(),
            false,
        )
        .expect("a report with what could be placed");
        let layout = read(&root().join(format!("data/raw/{name}.txt")));
        assert_eq!(default.reports[0].report_id(), layout.report_id(), "{name}");
        // Table 二 reads even one cell per line.
        assert!(
            default.reports[0]
                .figures
                .iter()
                .any(|f| f.indicator == "proactive.normative_docs.in_force"),
            "{name}"
        );
    }
}
