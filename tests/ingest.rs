//! Ingest on the real Jinan 2017 report, its space-aligned rendering, and damaged copies.

use std::collections::BTreeMap;

use gongkai::ingest::{self, Overrides};
use gongkai::model::{Report, Scope, Template};

use crate::util::*;

fn figures_by_scope(reports: &[Report]) -> BTreeMap<(String, String), (f64, u32)> {
    let mut got = BTreeMap::new();
    for r in reports {
        for f in &r.figures {
            let key = (r.meta.scope.as_str().to_string(), f.indicator.to_string());
            assert!(
                got.insert(key.clone(), (f.value, f.source_line)).is_none(),
                "{key:?} twice"
            );
        }
    }
    got
}

#[test]
fn jinan_yields_exactly_the_156_printed_figures_with_their_lines() {
    let doc = ingest::read_document(&jinan(), &Overrides::default(), true).expect("jinan reads");
    assert_eq!(doc.reports.len(), 2);
    let (whole, own) = (&doc.reports[0], &doc.reports[1]);
    for (r, scope) in [(whole, Scope::Whole), (own, Scope::Own)] {
        assert_eq!(r.meta.scope, scope);
        assert_eq!(r.meta.body, "济南市人民政府");
        assert_eq!(r.meta.jurisdiction, "济南市");
        assert_eq!(r.meta.year, 2017);
        assert_eq!(r.meta.template, Template::National2014);
        assert_eq!(r.figures.len(), 78, "{scope}");
        assert!(r.unmapped.is_empty(), "{:?}", r.unmapped);
        assert!(r.problems.is_empty(), "{:?}", r.problems);
    }
    assert_eq!(figures_by_scope(&doc.reports), expected_jinan());
}

#[test]
fn the_space_aligned_rendering_yields_the_same_figures() {
    let path = fixture("jinan-2017.layout.txt");
    let doc = ingest::read_document(&path, &Overrides::default(), true).expect("layout reads");
    let got = figures_by_scope(&doc.reports);
    let expected = expected_jinan();
    assert_eq!(got.len(), 156);
    let text = std::fs::read_to_string(&path).expect("fixture");
    let lines: Vec<&str> = text.split('\n').collect();
    for (key, (value, line)) in &got {
        assert_eq!(*value, expected[key].0, "{key:?}");
        // Provenance: the cited line prints the value.
        let printed = lines[*line as usize - 1];
        assert!(
            printed.split_whitespace().last() == Some(&value.to_string()),
            "{key:?}: line {line} is '{printed}'"
        );
    }
}

#[test]
fn metadata_flags_override_the_document() {
    let text = std::fs::read_to_string(fixture("jinan-2017.layout.txt")).expect("fixture");
    let first_table: String = text
        .split("(济南市本级)")
        .next()
        .expect("split")
        .to_string();
    let o = Overrides {
        body: Some("济南市人民政府办公厅".into()),
        jurisdiction: Some("山东省济南市".into()),
        scope: Some(Scope::Unknown),
        ..Overrides::default()
    };
    let reports = ingest::parse_text(&first_table, "cut.txt", &o).expect("parses");
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0].meta.body, "济南市人民政府办公厅");
    assert_eq!(reports[0].meta.jurisdiction, "山东省济南市");
    assert_eq!(reports[0].meta.scope, Scope::Unknown);
    assert_eq!(reports[0].report_id(), "济南市人民政府办公厅/2017/unknown");
}

#[test]
fn title_and_caption_years_that_disagree_are_an_error() {
    let dir = workdir();
    let path = jinan_edited(dir.path(), "years.txt", |mut l| {
        let i = l
            .iter()
            .position(|x| x.trim() == "(济南市)")
            .expect("caption");
        l[i - 2] = "2016年度政府信息公开工作情况统计表".into();
        l
    });
    let e = ingest::read_document(&path, &Overrides::default(), false).expect_err("must fail");
    let msg = e.to_string();
    assert!(
        msg.contains("2017") && msg.contains("2016") && msg.contains("years.txt:"),
        "{msg}"
    );
}

#[test]
fn ingest_writes_every_figure_with_its_source_line() {
    let dir = workdir();
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", jinan().to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("added 济南市人民政府/2017/whole (78 figures)"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("added 济南市人民政府/2017/own (78 figures)"),
        "{}",
        r.stderr
    );
    let rows = query_csv(
        dir.path(),
        "wh",
        "SELECT scope, indicator, value, source_line, source_file, body, jurisdiction, template, breakdown, derived FROM facts",
    );
    assert_eq!(rows.len(), 156);
    let expected = expected_jinan();
    for row in &rows {
        let (value, line) = expected[&(row[0].clone(), row[1].clone())];
        assert_eq!(row[2].parse::<f64>().expect("value"), value, "{row:?}");
        assert_eq!(row[3].parse::<u32>().expect("line"), line, "{row:?}");
        assert!(row[4].ends_with("jinan-2017.txt"), "{row:?}");
        assert_eq!(
            &row[5..],
            [
                "济南市人民政府",
                "济南市",
                "national-2014",
                "total",
                "false"
            ]
        );
    }
    // The document is kept, content-addressed, for provenance.
    let reports = query_csv(dir.path(), "wh", "SELECT DISTINCT sha256 FROM reports");
    assert_eq!(reports.len(), 1);
    let kept = dir
        .path()
        .join("wh/documents")
        .join(format!("{}.txt", reports[0][0]));
    assert_eq!(
        std::fs::read(kept).expect("kept copy"),
        std::fs::read(jinan()).expect("jinan")
    );
}

#[test]
fn ingesting_the_same_document_twice_changes_nothing() {
    let dir = workdir();
    let jinan = jinan();
    let j = jinan.to_str().expect("utf8");
    assert_eq!(gongkai(dir.path(), &["ingest", "--data", "wh", j]).code, 0);
    let before = snapshot(&dir.path().join("wh"));
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", j]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("unchanged 济南市人民政府/2017/whole"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(&dir.path().join("wh")), before);
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM facts"),
        [["156"]]
    );
}

#[test]
fn a_document_with_the_same_key_replaces_the_earlier_report() {
    let dir = workdir();
    let j = jinan();
    assert_eq!(
        gongkai(
            dir.path(),
            &["ingest", "--data", "wh", j.to_str().expect("utf8")]
        )
        .code,
        0
    );
    // A corrected edition: the whole-city table's 被依法纠错数 of 行政复议 is now 135.
    let fixed = jinan_corrected(dir.path());
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", fixed.to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("replaced 济南市人民政府/2017/whole from ")
            && r.stderr.contains("jinan-2017.txt"),
        "{}",
        r.stderr
    );
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM facts"),
        [["156"]]
    );
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT scope, value, source_file FROM facts WHERE indicator = 'review.corrected' ORDER BY scope"
        )
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].ends_with("corrected.txt")))
        .collect::<Vec<_>>(),
        [("own".to_string(), "41".to_string(), true), ("whole".to_string(), "135".to_string(), true)]
    );
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM reports"),
        [["2"]]
    );
}

#[test]
fn a_document_without_a_report_is_an_error_and_writes_nothing() {
    let dir = workdir();
    let j = jinan();
    assert_eq!(
        gongkai(
            dir.path(),
            &["ingest", "--data", "wh", j.to_str().expect("utf8")]
        )
        .code,
        0
    );
    let before = snapshot(&dir.path().join("wh"));
    let prose = dir.path().join("prose.txt");
    std::fs::write(
        &prose,
        "关于做好2017年政府信息公开工作的通知\n\n各有关单位：2017年，全市……。\n",
    )
    .expect("write");
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", "prose.txt"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("prose.txt: no report found"),
        "{}",
        r.stderr
    );
    assert_eq!(snapshot(&dir.path().join("wh")), before);
    for junk in [&b""[..], b"\x00\x01\x02\x03binary", b"%PDF-1.4\n%..."] {
        std::fs::write(dir.path().join("junk.txt"), junk).expect("write");
        let r = gongkai(dir.path(), &["ingest", "--data", "wh", "junk.txt"]);
        assert_eq!(r.code, 1, "{}", r.stderr);
        assert!(r.stderr.contains("junk.txt: "), "{}", r.stderr);
        assert_eq!(snapshot(&dir.path().join("wh")), before);
    }
}

#[test]
fn an_unreadable_cell_is_left_out_and_reported_or_fails_the_document_under_strict() {
    let dir = workdir();
    let bad = jinan_edited(dir.path(), "jinan-12a4.txt", |mut l| {
        let i = l
            .iter()
            .position(|x| x.starts_with("1. 政府公报公开政府信息数\t条\t405"))
            .expect("row");
        l[i] = "1. 政府公报公开政府信息数\t条\t12a4".into();
        l
    });
    let line = std::fs::read_to_string(&bad)
        .expect("read")
        .split('\n')
        .position(|l| l.contains("12a4"))
        .expect("line")
        + 1;
    // --strict: the whole document fails, nothing is written.
    let r = gongkai(
        dir.path(),
        &["ingest", "--strict", "--data", "wh", "jinan-12a4.txt"],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("rejected under --strict") && r.stderr.contains(&format!("line {line}")),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("wh/manifest.json").exists());
    // Without: the cell is left out and reported with file, line, label and raw text.
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", "jinan-12a4.txt"]);
    assert_eq!(r.code, 1);
    let expected = format!(
        "jinan-12a4.txt:{line}: '1. 政府公报公开政府信息数': '12a4' is not a number (left out)"
    );
    assert!(r.stderr.contains(&expected), "{}", r.stderr);
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM facts"),
        [["155"]]
    );
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT count(*) FROM facts WHERE indicator = 'proactive.gazette'"
        ),
        [["1"]]
    );
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT source_line, raw_text, indicator FROM problems"
        ),
        [[line.to_string(), "12a4".into(), "proactive.gazette".into()]]
    );
    assert_eq!(
        query_csv(
            dir.path(),
            "wh",
            "SELECT scope, problems FROM reports ORDER BY scope"
        ),
        [["own", "0"], ["whole", "1"]]
    );
}

#[test]
fn a_truncated_table_is_reported_and_strict_refuses_it() {
    let dir = workdir();
    // The download stopped in the middle of the 本级 table's section 五.
    let cut = jinan_edited(dir.path(), "truncated.txt", |l| {
        let own = l
            .iter()
            .position(|x| x.trim() == "(济南市本级)")
            .expect("own");
        let stop = own
            + l[own..]
                .iter()
                .position(|x| x.starts_with("五、行政诉讼数量"))
                .expect("row");
        l[..stop].to_vec()
    });
    let name = cut.file_name().and_then(|n| n.to_str()).expect("name");
    let r = gongkai(dir.path(), &["ingest", "--strict", "--data", "wh", name]);
    assert_eq!(r.code, 1);
    assert!(!dir.path().join("wh/manifest.json").exists());
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", name]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("truncated?"), "{}", r.stderr);
    let rows = query_csv(
        dir.path(),
        "wh",
        "SELECT scope, figures, problems FROM reports ORDER BY scope",
    );
    assert_eq!(rows, [["own", "44", "1"], ["whole", "78", "0"]]);
}

#[test]
fn in_a_batch_each_document_succeeds_or_fails_on_its_own() {
    let dir = workdir();
    std::fs::create_dir(dir.path().join("in")).expect("mkdir");
    std::fs::copy(jinan(), dir.path().join("in/jinan-2017.txt")).expect("copy");
    std::fs::write(dir.path().join("in/empty.txt"), "").expect("write");
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", "in"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("empty.txt: the file is empty"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("1 problem:"), "{}", r.stderr);
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM facts"),
        [["156"]]
    );
}

#[test]
fn rows_that_map_to_no_indicator_are_kept_and_reported() {
    let dir = workdir();
    let extra = jinan_edited(dir.path(), "extra.txt", |mut l| {
        let i = l
            .iter()
            .position(|x| x.starts_with("(三) 接受培训人员数\t人次\t2574"))
            .expect("row");
        l.insert(i + 1, "(四) 举办政务公开开放日活动数\t次\t12".into());
        l
    });
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", extra.to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("row '(四) 举办政务公开开放日活动数' maps to no indicator"),
        "{}",
        r.stderr
    );
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT label, raw_value FROM unmapped"),
        [["(四) 举办政务公开开放日活动数", "12"]]
    );
    assert_eq!(
        query_csv(dir.path(), "wh", "SELECT count(*) FROM facts"),
        [["156"]]
    );
}

#[test]
fn gbk_and_crlf_copies_yield_the_same_figures() {
    let text = std::fs::read_to_string(jinan()).expect("jinan");
    let crlf = text.replace('\n', "\r\n");
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(&crlf);
    assert!(!unmappable);
    let dir = workdir();
    let path = dir.path().join("jinan-gbk.txt");
    std::fs::write(&path, &gbk).expect("write");
    let doc = ingest::read_document(&path, &Overrides::default(), true).expect("gbk reads");
    assert_eq!(figures_by_scope(&doc.reports), expected_jinan());
}

/// Copies of one document in one batch are named as duplicates, the report is stored once, and
/// the summary — printed always — counts what the warehouse gained.
#[test]
fn copies_of_one_document_are_duplicates_and_the_summary_counts_them() {
    let dir = workdir();
    let input = dir.path().join("in");
    std::fs::create_dir_all(&input).expect("dir");
    for k in 1..=5 {
        std::fs::copy(
            root().join("data/raw/huaian-2024.txt"),
            input.join(format!("c{k}.txt")),
        )
        .expect("copy");
    }
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", "in"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stderr.matches("duplicate of in/c1.txt").count(),
        4,
        "{}",
        r.stderr
    );
    assert!(!r.stderr.contains(": replaced"), "{}", r.stderr);
    assert!(
        r.stderr.contains("5 documents, 1 reports, 233 figures")
            && r.stderr
                .contains("1 added, 0 replaced, 0 unchanged, 4 duplicates, 0 failed"),
        "{}",
        r.stderr
    );
    let rows = query_csv(dir.path(), "wh", "SELECT count(*) FROM reports");
    assert_eq!(rows, vec![vec!["1".to_string()]]);
}

#[test]
fn ctrl_c_stops_an_ingest_before_its_commit_and_says_so() {
    let dir = workdir();
    synth_corpus(dir.path(), 3000, 5);
    let child = command(dir.path())
        .args(["ingest", "-q", "--data", "wh", "corpus"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(700));
    // SAFETY: kill(2) on our own child's pid.
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGINT) }, 0);
    let out = child.wait_with_output().expect("wait");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(
        stderr.contains("interrupted: nothing committed"),
        "{stderr}"
    );
    assert!(!dir.path().join("wh/manifest.json").exists());
}
