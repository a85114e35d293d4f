//! Aggregations answered from the segments' rollups: the same rows as from the facts, for
//! every saved query and benchmark class and for queries the rule must leave alone; kept true
//! through commits, replacements and compaction; checked by `check --warehouse`.

use std::path::Path;

use crate::util::*;

/// Queries the rule must answer from the rollups.
const FROM_ROLLUPS: [&str; 13] = [
    // A left join the optimizer turns inner only in its last pass: the rule fires there, and
    // its counts must still plan.
    "WITH t AS (SELECT f.year, f.value, i.kind FROM facts f LEFT JOIN indicators i ON f.indicator = i.code), u AS (SELECT t.year, t.kind, t.value FROM indicators x LEFT JOIN t ON x.code = t.kind) SELECT year, count(*), sum(value) FROM u WHERE kind = 'count' GROUP BY year ORDER BY 1",
    "SET datafusion.optimizer.max_passes = 1; SELECT year, count(*) FROM facts GROUP BY year ORDER BY 1",
    "SELECT year, sum(CASE WHEN value > 0 THEN 1 ELSE 0 END) AS citing FROM facts WHERE indicator LIKE 'application.%' GROUP BY year ORDER BY 1",
    // Planned as a grouping by indicator, then a count: the grouping reads rollups.
    "SELECT count(DISTINCT indicator) FROM facts",
    "SELECT year, count(*), sum(value), min(value), max(value), count(value) FROM facts GROUP BY year ORDER BY year",
    "SELECT indicator, max(CASE WHEN scope = 'own' THEN value ELSE 0 END), min(CASE WHEN breakdown = 'total' THEN value END), sum(CASE scope WHEN 'whole' THEN value END) FROM facts GROUP BY indicator ORDER BY indicator",
    "SELECT i.kind, count(*), sum(f.value) FROM facts f JOIN indicators i ON i.code = f.indicator GROUP BY i.kind ORDER BY 1",
    "SELECT province, level, count(*) AS n, sum(value) FROM facts GROUP BY province, level ORDER BY 1, 2",
    "SELECT DISTINCT template, unit FROM facts ORDER BY 1, 2",
    "SELECT count(*), sum(value) FROM facts WHERE indicator IN (SELECT code FROM indicators WHERE kind = 'count')",
    "SELECT count(*) FROM facts WHERE year = 1900",
    "SELECT y, sum(v) FROM (SELECT year AS y, value AS v, indicator FROM facts WHERE breakdown = 'total') t WHERE indicator LIKE 'review.%' GROUP BY y ORDER BY y",
    // Each fact of the left side meets the same right rows: count(*) still decomposes.
    "SELECT w.year, count(*) FROM facts w JOIN facts o ON o.year = w.year AND o.indicator = w.indicator AND o.breakdown = w.breakdown WHERE w.indicator = 'review.total' AND o.indicator = 'review.total' GROUP BY w.year ORDER BY 1",
];

/// Queries whose answer the rollups cannot give: they must be read from the facts.
const FROM_FACTS: [&str; 12] = [
    // Drawn once per rollup row it would sample rows, not facts.
    "SELECT count(*) FROM facts WHERE random() < 2",
    "SELECT count(*) FROM facts WHERE value > 0",
    "SELECT year, avg(value) FROM facts GROUP BY year ORDER BY year",
    "SELECT year, sum(value * 2) FROM facts GROUP BY year ORDER BY 1",
    "SELECT year, sum(CASE WHEN value > 5 THEN value END) FROM facts GROUP BY year ORDER BY 1",
    "SELECT year, sum(CASE WHEN value > 0 THEN 2 ELSE 0 END) FROM facts GROUP BY year ORDER BY 1",
    "SELECT year, sum(CASE WHEN value >= 0 THEN 1 ELSE 0 END) FROM facts GROUP BY year ORDER BY 1",
    "SELECT jurisdiction, sum(value) FROM facts GROUP BY jurisdiction ORDER BY 1",
    "SELECT i.kind, count(f.value) FROM indicators i LEFT JOIN facts f ON i.code = f.indicator GROUP BY i.kind ORDER BY 1",
    "SELECT count(*) FROM facts WHERE report_id LIKE '%1%'",
    "SELECT year, sum(CASE WHEN scope = 'own' THEN value ELSE 1 END) FROM facts GROUP BY year ORDER BY 1",
    // The right side's value is counted once per left fact: not the rollup's sum.
    "SELECT w.year, sum(o.value) FROM facts w JOIN facts o ON o.year = w.year AND o.indicator = w.indicator AND o.breakdown = w.breakdown WHERE w.indicator = 'review.total' AND o.indicator = 'review.total' GROUP BY w.year ORDER BY 1",
];

fn csv(dir: &Path, extra: &[&str], args: &[&str]) -> String {
    let mut all = vec!["--data", "wh", "--format", "csv"];
    all.extend_from_slice(extra);
    all.extend_from_slice(args);
    let r = gongkai(dir, &all);
    assert_eq!(r.code, 0, "{args:?}: {}", r.stderr);
    r.stdout
}

/// Whether the physical plan of `sql` reads a rollup file.
fn reads_rollups(dir: &Path, sql: &str) -> bool {
    // A `SET …; ` before the query stays before the EXPLAIN.
    let explain = match sql.rsplit_once("; ") {
        Some((set, query)) => format!("{set}; EXPLAIN {query}"),
        None => format!("EXPLAIN {sql}"),
    };
    csv(dir, &[], &["-c", &explain]).contains("rollup.parquet")
}

/// Every query answered alike with and without rollups; the rule fired exactly where
/// expected. Returns how many of the saved queries and classes read rollups.
fn answers_agree(dir: &Path) -> usize {
    let root = root();
    let mut used = 0;
    let mut files: Vec<_> = std::fs::read_dir(root.join("bench/classes"))
        .expect("classes")
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in &files {
        let sql = std::fs::read_to_string(f).expect("class");
        let p = f.to_str().expect("utf8");
        let with = csv(dir, &[], &["-f", p]);
        assert_eq!(with, csv(dir, &["--no-rollups"], &["-f", p]), "{p}");
        assert!(with.lines().count() > 1, "{p} answered nothing: {with}");
        used += reads_rollups(dir, sql.trim().trim_end_matches(';')) as usize;
    }
    let listed = csv(dir, &[], &["queries"]);
    for name in [
        "application_outcomes",
        "correction_by_province_level",
        "on_time_rate",
        "proactive_by_channel",
        "ranking",
        "refusal_reasons",
        "review_correction_rate",
        "subordinate_level",
        "year_over_year",
    ] {
        assert!(listed.contains(name), "{listed}");
        let with = csv(dir, &[], &["run", name]);
        assert_eq!(with, csv(dir, &["--no-rollups"], &["run", name]), "{name}");
        assert!(with.lines().count() > 1, "{name} answered nothing");
    }
    for sql in FROM_ROLLUPS {
        assert_eq!(
            csv(dir, &[], &["-c", sql]),
            csv(dir, &["--no-rollups"], &["-c", sql]),
            "{sql}"
        );
        assert!(reads_rollups(dir, sql), "not from the rollups: {sql}");
    }
    for sql in FROM_FACTS {
        assert_eq!(
            csv(dir, &[], &["-c", sql]),
            csv(dir, &["--no-rollups"], &["-c", sql]),
            "{sql}"
        );
        assert!(!reads_rollups(dir, sql), "from the rollups: {sql}");
    }
    used
}

fn sound(dir: &Path) {
    let r = gongkai(dir, &["--data", "wh", "check", "--warehouse"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn aggregations_from_the_rollups_equal_those_from_the_facts() {
    let dir = workdir();
    let d = dir.path();
    synth_corpus(d, 120, 7);
    // Several commits (several segments, combinations repeated across them), then a report
    // replaced (its segment rewritten), then compaction (one segment a year).
    let r = gongkai(
        d,
        &[
            "ingest", "--quiet", "--data", "wh", "--batch", "40", "corpus",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let j = jinan();
    let r = gongkai(d, &["ingest", "--data", "wh", j.to_str().expect("utf8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let fixed = jinan_corrected(d);
    let r = gongkai(
        d,
        &["ingest", "--data", "wh", fixed.to_str().expect("utf8")],
    );
    assert!(r.code == 0 && r.stderr.contains("replaced"), "{}", r.stderr);
    let segments = std::fs::read_dir(d.join("wh/segments"))
        .expect("segments")
        .count();
    assert!(segments >= 4, "{segments} segments");
    sound(d);
    // The four grouping classes, and the saved queries' totals, read rollups.
    assert!(answers_agree(d) >= 4);
    assert_eq!(
        csv(d, &[], &["-c", "SELECT sum(value) FROM facts WHERE indicator = 'review.corrected' AND body = '济南市人民政府' AND scope = 'whole'"]),
        "sum(facts.value)\n135\n"
    );

    let r = gongkai(d, &["--data", "wh", "compact"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    sound(d);
    assert!(answers_agree(d) >= 4);
}

#[test]
fn a_segment_without_rollup_is_answered_from_its_facts_until_migrate_sums_one() {
    let dir = workdir();
    let d = dir.path();
    let j = jinan();
    let r = gongkai(d, &["ingest", "--data", "wh", j.to_str().expect("utf8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let sql = "SELECT year, count(*), sum(value) FROM facts GROUP BY year";
    let before = csv(d, &[], &["-c", sql]);
    assert!(reads_rollups(d, sql));
    // As a segment written before rollups: the manifest does not claim one.
    let manifest = d.join("wh/manifest.json");
    let text = std::fs::read_to_string(&manifest).expect("manifest");
    assert!(text.contains("\"rollup\": true"), "{text}");
    std::fs::write(
        &manifest,
        text.replace("\"rollup\": true", "\"rollup\": false"),
    )
    .expect("write");
    assert!(!reads_rollups(d, sql));
    assert_eq!(csv(d, &[], &["-c", sql]), before);
    // `migrate` sums them, in a generation of their own.
    let r = gongkai(d, &["--data", "wh", "migrate"]);
    assert!(
        r.code == 0 && r.stderr.contains("rollups summed for 1 segments"),
        "{}",
        r.stderr
    );
    assert!(reads_rollups(d, sql));
    assert_eq!(csv(d, &[], &["-c", sql]), before);
    sound(d);
    let r = gongkai(d, &["--data", "wh", "migrate"]);
    assert!(
        r.code == 0 && !r.stderr.contains("rollups summed"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_rollup_that_does_not_match_its_facts_is_named_by_check_warehouse() {
    let dir = workdir();
    let d = dir.path();
    synth_corpus(d, 6, 3);
    let r = gongkai(
        d,
        &[
            "ingest", "--quiet", "--data", "wh", "--batch", "3", "corpus",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    sound(d);
    let mut rollups: Vec<_> = std::fs::read_dir(d.join("wh/segments"))
        .expect("segments")
        .flatten()
        .map(|e| e.path().join("rollup.parquet"))
        .collect();
    rollups.sort();
    assert_eq!(rollups.len(), 2);
    let segment = rollups[0]
        .parent()
        .and_then(|p| p.file_name())
        .and_then(|n| n.to_str())
        .expect("segment id")
        .to_string();
    // The second segment's rollup in the place of the first's: a valid file, wrong sums.
    std::fs::copy(&rollups[1], &rollups[0]).expect("copy");
    let r = gongkai(d, &["--data", "wh", "check", "--warehouse"]);
    assert_ne!(r.code, 0);
    let out = format!("{}{}", r.stdout, r.stderr);
    assert!(
        out.contains(&format!(
            "{segment}/rollup.parquet: does not match the segment's facts"
        )),
        "{out}"
    );
}
