//! The synthetic corpus comes through ingest exact: every figure of its ground truth, no more.

use std::collections::BTreeSet;

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
    // Three commits of at most 50 documents, and the checks find nothing to flag.
    let r = gongkai(dir.path(), &["check", "--data", "wh", "--fail-on", "error"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}
