//! `gongkai check` on the real reports (it must find, and only find, their real problems) and
//! one constructed report per rule.

use std::path::Path;

use crate::util::*;

/// Ingests `files` into `dir/wh` and runs `check`; returns (rule, report_id, indicators) of
/// every finding, and the run.
fn check(dir: &Path, files: &[&Path], extra: &[&str]) -> (Vec<(String, String, String)>, Run) {
    let mut args = vec!["ingest", "--data", "wh"];
    let paths: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    args.extend(paths.iter().map(String::as_str));
    let r = gongkai(dir, &args);
    assert!(r.stderr.contains("added"), "{}", r.stderr);
    let mut args = vec!["check", "--data", "wh"];
    args.extend_from_slice(extra);
    let run = gongkai(dir, &args);
    let rows = query_csv(
        dir,
        "wh",
        "SELECT rule, report_id, replace(indicators, ',', ' ') FROM checks ORDER BY report_id, rule, indicators",
    );
    (
        rows.into_iter()
            .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
            .collect(),
        run,
    )
}

fn rules(found: &[(String, String, String)]) -> Vec<&str> {
    found.iter().map(|f| f.0.as_str()).collect()
}

#[test]
fn the_real_reports_yield_exactly_their_real_problems() {
    let dir = workdir();
    let raw = root().join("data/raw");
    let files: Vec<std::path::PathBuf> = [
        "jinan-2017.txt",
        "huaian-2024.txt",
        "hongze-2023.txt",
        "hongze-2024.txt",
    ]
    .iter()
    .map(|f| raw.join(f))
    .collect();
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    let (found, run) = check(dir.path(), &refs, &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let got: Vec<(&str, &str, &str)> = found
        .iter()
        .map(|(a, b, c)| (a.as_str(), b.as_str(), c.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            // Jinan 2017: 查阅点 printed as 249 in 十 and 208 / 347 in 十二（二）…
            ("arithmetic.same_as", "济南市人民政府/2017/own", "reading_rooms.total capacity.reading_rooms"),
            // …and 本级 sections 八, 十, 十一 copied from the whole city (九, the gazette, is not flagged).
            ("scope.copied_section", "济南市人民政府/2017/own", "reading_room_visits.total reading_room_visits.city reading_room_visits.county reading_room_visits.township"),
            ("scope.copied_section", "济南市人民政府/2017/own", "reading_rooms.total reading_rooms.city reading_rooms.county reading_rooms.township"),
            ("scope.copied_section", "济南市人民政府/2017/own", "websites.total websites.city websites.county websites.township"),
            ("arithmetic.same_as", "济南市人民政府/2017/whole", "reading_rooms.total capacity.reading_rooms"),
            // Hongze 2023: table 四 totals printed as 0 over non-zero parts.
            ("arithmetic.part", "淮安市洪泽区人民政府/2023/whole", "litigation.after_review.total litigation.after_review.upheld litigation.after_review.corrected litigation.after_review.other litigation.after_review.pending"),
            ("arithmetic.part", "淮安市洪泽区人民政府/2023/whole", "review.total review.upheld review.corrected review.other review.pending"),
            // Hongze 2024: prose 17 applications against table 95.
            ("prose.table_mismatch", "淮安市洪泽区人民政府/2024/unknown", "application.new"),
        ]
    );
    // Findings cite their source lines, printed from the kept documents.
    assert!(
        run.stdout
            .contains("data/raw/jinan-2017.txt:319: (二) 设置政府信息公开查阅点数\t个\t347"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("hongze-2024.txt:95: 一、本年新收政府信息公开申请数量"),
        "{}",
        run.stdout
    );
    // Non-zero only when asked.
    let r = gongkai(dir.path(), &["check", "--data", "wh", "--fail-on", "error"]);
    assert_eq!(r.code, 1);
    let r = gongkai(
        dir.path(),
        &[
            "check",
            "--data",
            "wh",
            "--fail-on",
            "error",
            "淮安市人民政府",
        ],
    );
    assert_eq!(r.code, 0, "Huai'an 2024 is clean: {}", r.stdout);
    assert_eq!(r.stdout, "");
    // The saved overview summarises them.
    let r = gongkai(
        dir.path(),
        &["--data", "wh", "run", "quality_overview", "--format", "csv"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("济南市,scope.copied_section,warning,3,1"),
        "{}",
        r.stdout
    );
}

fn edited(dir: &Path, from: &Path, name: &str, edits: &[(&str, &str)]) -> std::path::PathBuf {
    let mut text = std::fs::read_to_string(from).expect("source");
    for (old, new) in edits {
        assert!(text.contains(old), "{old}");
        text = text.replacen(old, new, 1);
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

#[test]
fn each_arithmetic_rule_on_a_constructed_report() {
    let dir = workdir();
    let jinan = edited(dir.path(), &jinan(), "j.txt", &[
        ("(一) 维持具体行政行为数\t件\t155", "(一) 维持具体行政行为数\t件\t156"),             // part
        ("(一) 主动公开政府信息数 (不同渠道和方式公开相同信息计 1 条) (不同渠道和方式公开相同信息计 1 条)\t条\t342619",
         "(一) 主动公开政府信息数 (不同渠道和方式公开相同信息计 1 条)\t条\t999999"),           // channel
        ("其中: 主要负责同志参加新闻发布会次数\t次\t86", "其中: 主要负责同志参加新闻发布会次数\t次\t400"), // of_which
    ]);
    let (found, _) = check(dir.path(), &[&jinan], &[]);
    let whole: Vec<&str> = found
        .iter()
        .filter(|f| f.1.ends_with("/whole"))
        .map(|f| f.0.as_str())
        .collect();
    for rule in [
        "arithmetic.part",
        "arithmetic.channel",
        "arithmetic.of_which",
        "arithmetic.same_as",
    ] {
        assert!(whole.contains(&rule), "{rule} missing from {whole:?}");
    }
}

#[test]
fn the_matrix_identities_per_row_and_column() {
    let dir = workdir();
    let huaian = edited(dir.path(), &root().join("data/raw/huaian-2024.txt"), "h.txt", &[(
        "四、结转下年度继续办理                          103          0        0         0        0         0    103",
        "四、结转下年度继续办理                          103          0        0         0        0         0    104",
    )]);
    let (found, _) = check(dir.path(), &[&huaian], &[]);
    assert_eq!(
        rules(&found),
        ["arithmetic.matrix", "arithmetic.matrix"],
        "{found:?}"
    );
}

#[test]
fn own_above_whole_and_the_carry_over_between_years() {
    let dir = workdir();
    let jinan = edited(dir.path(), &jinan(), "j.txt", &[]);
    let text = std::fs::read_to_string(&jinan).expect("read");
    // The 本级 table's 行政复议数量 raised above the whole city's 453.
    let own_at = text.find("(济南市本级)").expect("own table");
    let mut changed = text.clone();
    let row = "四、行政复议数量\t件\t213";
    let at = own_at + text[own_at..].find(row).expect("row");
    changed.replace_range(at..at + row.len(), "四、行政复议数量\t件\t500");
    std::fs::write(&jinan, changed).expect("write");
    let (found, _) = check(dir.path(), &[&jinan], &[]);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "scope.own_exceeds_whole" && f.2 == "review.total"),
        "{found:?}"
    );

    let dir = workdir();
    let h23 = root().join("data/raw/hongze-2023.txt");
    let h24 = edited(dir.path(), &root().join("data/raw/hongze-2024.txt"), "h24.txt", &[(
        "二、上年结转政府信息公开申请数量                              0    0         0     0   0   0     0",
        "二、上年结转政府信息公开申请数量                              5    0         0     0   0   0     5",
    )]);
    let (found, _) = check(dir.path(), &[&h23, &h24], &[]);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "continuity.carry_over" && f.1.contains("/2024/")),
        "{found:?}"
    );
}

/// The checks read the facts a pass at a time; the findings must not depend on where the
/// passes cut. A pass per body and year (a budget of one fact) finds what one pass finds, the rule
/// across years (上年结转, whose two reports are then in different passes) and across scopes
/// included.
#[test]
fn findings_do_not_depend_on_the_passes() {
    let dir = workdir();
    let raw = root().join("data/raw");
    let h24 = edited(dir.path(), &raw.join("hongze-2024.txt"), "h24.txt", &[(
        "二、上年结转政府信息公开申请数量                              0    0         0     0   0   0     0",
        "二、上年结转政府信息公开申请数量                              5    0         0     0   0   0     5",
    )]);
    let files = [
        raw.join("jinan-2017.txt"),
        raw.join("huaian-2024.txt"),
        raw.join("hongze-2023.txt"),
        h24,
    ];
    let refs: Vec<&Path> = files.iter().map(|p| p.as_path()).collect();
    check(dir.path(), &refs, &[]);
    let w = gongkai::warehouse::Warehouse::open(&dir.path().join("wh")).expect("open");
    let whole = gongkai::check::run_in_passes(&w, u64::MAX).expect("one pass");
    let each = gongkai::check::run_in_passes(&w, 1).expect("a pass per report");
    let reports = gongkai::check::load_reports(&w).expect("reports");
    // Five reports; Jinan's two scopes (one body, one year) are never cut apart.
    assert_eq!(reports.len(), 5);
    assert_eq!(gongkai::check::passes(&reports, 1).len(), 4);
    let rules: Vec<&str> = whole.iter().map(|f| f.rule).collect();
    for rule in [
        "arithmetic.part",
        "scope.copied_section",
        "continuity.carry_over",
        "prose.table_mismatch",
    ] {
        assert!(rules.contains(&rule), "{rule} not found: {rules:?}");
    }
    assert_eq!(whole, each);
}
