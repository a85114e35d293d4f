//! The synthetic corpus comes through ingest exact: every figure of its ground truth, no more.

use std::collections::BTreeSet;

use datafusion::arrow::array::Array;

use crate::util::*;

#[test]
fn a_synthetic_corpus_ingests_exactly_its_ground_truth() {
    let dir = workdir();
    let r = gongkai(
        dir.path(),
        &[
            "synth",
            "--out",
            "corpus",
            "--reports",
            "120",
            "--seed",
            "7",
            "--from",
            "2016",
            "--to",
            "2023",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = gongkai(
        dir.path(),
        &[
            "ingest", "--data", "wh", "--batch", "50", "--quiet", "corpus",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("120 documents"), "{}", r.stderr);
    let truth: BTreeSet<String> = std::fs::read_to_string(dir.path().join("corpus/truth.tsv"))
        .expect("truth")
        .lines()
        .skip(1)
        .map(|l| l.replace('\t', ","))
        .collect();
    let stored: BTreeSet<String> = query_csv(
        dir.path(),
        "wh",
        "SELECT report_id, indicator, breakdown, CAST(value AS BIGINT) FROM facts WHERE NOT derived",
    )
    .into_iter()
    .map(|r| r.join(","))
    .collect();
    assert_eq!(stored.len(), truth.len());
    assert!(
        stored == truth,
        "first difference: {:?}",
        stored.symmetric_difference(&truth).next()
    );
    // A 2014–2018 report prints the whole national-2014 统计表 (every catalog code, once
    // per scope), like a real one, not a digest of it.
    let national2014 = gongkai::catalog::catalog()
        .indicators()
        .iter()
        .filter(|i| i.templates.contains("national-2014"))
        .count();
    let per_report = query_csv(
        dir.path(),
        "wh",
        "SELECT DISTINCT count(DISTINCT indicator) FROM facts WHERE template = 'national-2014' GROUP BY report_id",
    );
    assert_eq!(per_report, vec![vec![national2014.to_string()]]);
    assert_eq!(national2014, 78);
    // Three commits of at most 50 documents, and the checks find nothing to flag.
    let r = gongkai(dir.path(), &["check", "--data", "wh", "--fail-on", "error"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

/// (facts, sum of values, sum of source lines, segments) of the warehouse in `dir/wh`.
fn fingerprint(dir: &std::path::Path) -> (String, usize) {
    let rows = query_csv(
        dir,
        "wh",
        "SELECT count(*) AS n, sum(value) AS v, sum(source_line) AS l, count(DISTINCT report_id) AS r FROM facts",
    );
    let m = gongkai::warehouse::Warehouse::open(&dir.join("wh")).expect("opens");
    (rows[0].join(","), m.manifest().segments.len())
}

#[test]
fn compaction_keeps_every_figure_and_survives_a_kill_at_any_moment() {
    let dir = workdir();
    assert_eq!(
        gongkai(
            dir.path(),
            &[
                "synth",
                "--out",
                "corpus",
                "--reports",
                "80",
                "--from",
                "2017",
                "--to",
                "2022"
            ]
        )
        .code,
        0
    );
    let ingest = || {
        gongkai(
            dir.path(),
            &[
                "ingest",
                "--rebuild",
                "--data",
                "wh",
                "--batch",
                "10",
                "--quiet",
                "corpus",
            ],
        )
    };
    assert_eq!(ingest().code, 0);
    let (facts, segments) = fingerprint(dir.path());
    assert_eq!(segments, 8);
    // Row groups of about 2,000 facts, so a year's file has several.
    let r = gongkai(
        dir.path(),
        &["compact", "--data", "wh", "--facts-per-group", "2000"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("8 segments -> 6 (one per year)"),
        "{}",
        r.stderr
    );
    assert_eq!(fingerprint(dir.path()), (facts.clone(), 6));
    // Each row group holds a range of reports, its facts sorted by breakdown, indicator and
    // report: the ranges do not overlap, so one report's figures are in one row group.
    let w = gongkai::warehouse::Warehouse::open(&dir.path().join("wh")).expect("opens");
    let mut groups_seen = 0;
    for file in w.table_files(gongkai::warehouse::Table::Facts) {
        use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
        let groups =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&file).expect("opens"))
                .expect("parquet")
                .metadata()
                .num_row_groups();
        let mut previous_max: Option<String> = None;
        for g in 0..groups {
            let reader = ParquetRecordBatchReaderBuilder::try_new(
                std::fs::File::open(&file).expect("opens"),
            )
            .expect("parquet")
            .with_row_groups(vec![g])
            .build()
            .expect("reader");
            let mut keys: Vec<(String, String, String)> = Vec::new();
            for b in reader {
                let b = b.expect("batch");
                let col = |name: &str| {
                    b.column_by_name(name)
                        .expect(name)
                        .as_any()
                        .downcast_ref::<datafusion::arrow::array::StringArray>()
                        .expect("strings")
                        .clone()
                };
                let (brk, ind, id) = (col("breakdown"), col("indicator"), col("report_id"));
                keys.extend((0..b.num_rows()).map(|i| {
                    (
                        brk.value(i).to_string(),
                        ind.value(i).to_string(),
                        id.value(i).to_string(),
                    )
                }));
            }
            assert!(
                keys.windows(2).all(|w| w[0] <= w[1]),
                "{} row group {g} is not clustered",
                file.display()
            );
            let min = keys.iter().map(|k| &k.2).min().expect("rows").clone();
            let max = keys.iter().map(|k| &k.2).max().expect("rows").clone();
            assert!(
                previous_max.as_ref().is_none_or(|p| *p < min),
                "{} row group {g} overlaps the one before",
                file.display()
            );
            previous_max = Some(max);
            groups_seen += 1;
        }
    }
    assert!(groups_seen > 6, "{groups_seen} row groups in 6 files");
    for delay in [0u64, 5, 20, 40, 80, 120, 200, 400] {
        assert_eq!(ingest().code, 0);
        let mut child = spawn_silent(dir.path(), &["compact", "--data", "wh"]);
        std::thread::sleep(std::time::Duration::from_millis(delay));
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(
            gongkai(dir.path(), &["check", "--warehouse", "--data", "wh"]).code,
            0,
            "kill at {delay} ms"
        );
        let (f, s) = fingerprint(dir.path());
        assert_eq!(f, facts, "kill at {delay} ms");
        assert!(s == 8 || s == 6, "kill at {delay} ms left {s} segments");
    }
}
