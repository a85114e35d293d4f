//! Golden tests of every output format on a Chinese fixture, the BOM, the xlsx workbook read
//! back, COPY TO, and saved queries.

use crate::util::*;

const FIXTURE: &str = "SELECT * FROM (VALUES ('济南市本级', '被依法纠错数', 41), ('Jinan, \"city\"', 'review', NULL)) AS t(jurisdiction, label, value)";

fn render(format: &str) -> String {
    let r = gongkai(&root(), &["--format", format, "-c", FIXTURE]);
    assert_eq!(r.code, 0, "{format}: {}", r.stderr);
    r.stdout
}

#[test]
fn table_aligns_by_display_width() {
    assert_eq!(
        render("table"),
        "┌───────────────┬──────────────┬───────┐
│ jurisdiction  │ label        │ value │
├───────────────┼──────────────┼───────┤
│ 济南市本级    │ 被依法纠错数 │    41 │
│ Jinan, \"city\" │ review       │  NULL │
└───────────────┴──────────────┴───────┘
"
    );
}

#[test]
fn csv_and_tsv_quote_only_where_needed() {
    assert_eq!(
        render("csv"),
        "jurisdiction,label,value\n济南市本级,被依法纠错数,41\n\"Jinan, \"\"city\"\"\",review,\n"
    );
    assert_eq!(
        render("tsv"),
        "jurisdiction\tlabel\tvalue\n济南市本级\t被依法纠错数\t41\n\"Jinan, \"\"city\"\"\"\treview\t\n"
    );
}

#[test]
fn json_and_ndjson() {
    assert_eq!(
        render("json"),
        "[\n  {\"jurisdiction\": \"济南市本级\", \"label\": \"被依法纠错数\", \"value\": 41},\n  {\"jurisdiction\": \"Jinan, \\\"city\\\"\", \"label\": \"review\", \"value\": null}\n]\n"
    );
    assert_eq!(
        render("ndjson"),
        "{\"jurisdiction\": \"济南市本级\", \"label\": \"被依法纠错数\", \"value\": 41}\n{\"jurisdiction\": \"Jinan, \\\"city\\\"\", \"label\": \"review\", \"value\": null}\n"
    );
}

#[test]
fn markdown_and_line_pad_by_display_width() {
    assert_eq!(
        render("markdown"),
        "| jurisdiction  | label        | value |
| ------------- | ------------ | ----: |
| 济南市本级    | 被依法纠错数 |    41 |
| Jinan, \"city\" | review       |       |
"
    );
    assert_eq!(
        render("line"),
        "jurisdiction = 济南市本级
       label = 被依法纠错数
       value = 41

jurisdiction = Jinan, \"city\"
       label = review
       value = NULL
"
    );
}

#[test]
fn bom_for_excel_on_stdout_and_in_files() {
    let r = gongkai(&root(), &["--format", "csv", "--bom", "-c", FIXTURE]);
    assert!(
        r.stdout
            .as_bytes()
            .starts_with(b"\xEF\xBB\xBFjurisdiction,"),
        "{:?}",
        &r.stdout.as_bytes()[..8]
    );
    let dir = workdir();
    let out = dir.path().join("out.csv");
    let r = gongkai(
        &root(),
        &[
            "--format",
            "csv",
            "--bom",
            "--output",
            out.to_str().expect("utf8"),
            "-c",
            FIXTURE,
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    let bytes = std::fs::read(&out).expect("written");
    assert!(bytes.starts_with(b"\xEF\xBB\xBFjurisdiction,label,value\n"));
    // Exactly one BOM, however many statements.
    let r = gongkai(
        &root(),
        &[
            "--format",
            "csv",
            "--bom",
            "-c",
            "SELECT 1 AS a; SELECT 2 AS b",
        ],
    );
    assert_eq!(r.stdout, "\u{feff}a\n1\nb\n2\n");
}

#[test]
fn xlsx_workbooks_hold_numbers_as_numbers() {
    use calamine::{open_workbook, Data, Reader, Xlsx};
    let dir = workdir();
    let out = dir.path().join("out.xlsx");
    let r = gongkai(
        &root(),
        &[
            "--format",
            "xlsx",
            "--output",
            out.to_str().expect("utf8"),
            "-c",
            FIXTURE,
            "-c",
            "SELECT 0.5 AS share",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut book: Xlsx<_> = open_workbook(&out).expect("a workbook");
    assert_eq!(book.sheet_names(), ["result1", "result2"]);
    let sheet = book.worksheet_range("result1").expect("sheet");
    let rows: Vec<Vec<Data>> = sheet.rows().map(|r| r.to_vec()).collect();
    assert_eq!(
        rows[0],
        [
            Data::String("jurisdiction".into()),
            Data::String("label".into()),
            Data::String("value".into())
        ]
    );
    assert_eq!(
        rows[1],
        [
            Data::String("济南市本级".into()),
            Data::String("被依法纠错数".into()),
            Data::Float(41.0)
        ]
    );
    assert_eq!(rows[2][2], Data::Empty);
    let sheet = book.worksheet_range("result2").expect("sheet");
    assert_eq!(sheet.get((1, 0)), Some(&Data::Float(0.5)));
    // xlsx needs a file.
    let dates = dir.path().join("dates.xlsx");
    let r = gongkai(
        &root(),
        &[
            "--output",
            dates.to_str().expect("utf8"),
            "-c",
            "SELECT DATE '2017-03-01' AS d, TIMESTAMP '2017-03-01 12:00:00' AS t, true AS b",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let mut book: Xlsx<_> = open_workbook(&dates).expect("a workbook");
    let sheet = book.worksheet_range("result1").expect("sheet");
    let cell = |c: u32| sheet.get((1, c as usize)).cloned().expect("a cell");
    // Dates are date cells (Excel serial 42795 = 2017-03-01), not text.
    match (cell(0), cell(1)) {
        (Data::DateTime(d), Data::DateTime(t)) => {
            assert_eq!(d.as_f64(), 42795.0);
            assert_eq!(t.as_f64(), 42795.5);
        }
        other => panic!("dates as {other:?}"),
    }
    assert_eq!(cell(2), Data::Bool(true));
    let r = gongkai(&root(), &["--format", "xlsx", "-c", "SELECT 1"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("--output FILE.xlsx"), "{}", r.stderr);
}

#[test]
fn copy_to_csv_and_parquet_works() {
    let dir = workdir();
    let csv = dir.path().join("rates.csv");
    let pq = dir.path().join("facts.parquet");
    let sql = format!(
        "COPY (SELECT scope, value FROM facts WHERE indicator = 'review.total' AND year = 2017 ORDER BY scope) TO '{}'; COPY (SELECT * FROM facts) TO '{}'",
        csv.display(),
        pq.display()
    );
    let r = gongkai(&root(), &["-c", &sql, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(&csv).expect("csv"),
        // COPY is DataFusion's own writer: floats keep their `.0` there.
        "scope,value\nown,213.0\nwhole,453.0\n"
    );
    let r = gongkai(
        &root(),
        &[
            "--format",
            "csv",
            "-c",
            &format!("SELECT count(*) AS n FROM '{}'", pq.display()),
        ],
    );
    let all = gongkai(
        &root(),
        &["--format", "csv", "-c", "SELECT count(*) AS n FROM facts"],
    );
    assert!(
        r.stdout.starts_with("n\n") && r.stdout.len() > 3,
        "{}",
        r.stderr
    );
    assert_eq!(r.stdout, all.stdout);
}

#[test]
fn saved_queries_list_and_run_with_parameters() {
    let r = gongkai(&root(), &["queries"]);
    assert_eq!(r.code, 0);
    for name in [
        "review_correction_rate",
        "subordinate_level",
        "application_outcomes",
        "on_time_rate",
        "refusal_reasons",
        "proactive_by_channel",
        "year_over_year",
        "ranking",
    ] {
        assert!(r.stdout.contains(name), "{name} missing from\n{}", r.stdout);
    }
    assert!(
        r.stdout
            .contains("parameters: indicator=application.received year=2017 scope=whole limit=20"),
        "{}",
        r.stdout
    );
    let r = gongkai(
        &root(),
        &[
            "run",
            "ranking",
            "--param",
            "indicator=review.total",
            "--param",
            "scope=own",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        r.stdout,
        "rank,jurisdiction,body,value\n1,济南市,济南市人民政府,213\n"
    );
    let r = gongkai(
        &root(),
        &[
            "run",
            "subordinate_level",
            "--param",
            "indicator=review.%",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "济南市,济南市人民政府,2017,review.corrected,被依法纠错数 / 结果纠正,134,41,93"
        ),
        "{}",
        r.stdout
    );
    let r = gongkai(
        &root(),
        &[
            "run",
            "ranking",
            "--param",
            "year=2017;DROP",
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("must be a number or a plain word"),
        "{}",
        r.stderr
    );
    let r = gongkai(&root(), &["run", "nope"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("no saved query 'nope'"), "{}", r.stderr);
}

#[test]
fn every_saved_query_runs_on_the_bundled_warehouse() {
    let r = gongkai(&root(), &["queries"]);
    let names: Vec<&str> = r.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert!(names.len() >= 8);
    for name in names {
        let r = gongkai(&root(), &["run", name, "--format", "csv"]);
        assert_eq!(r.code, 0, "{name}: {}", r.stderr);
        assert!(r.stdout.lines().count() >= 1, "{name}");
    }
}

#[test]
fn a_statement_that_does_not_parse_names_its_position_and_runs_nothing() {
    let dir = workdir();
    let out = dir.path().join("o.csv");
    let script = dir.path().join("bad.sql");
    std::fs::write(
        &script,
        "SELECT 1 AS a;\n-- the next one is broken\nSELECT\n  1 +* 2 AS b;\n",
    )
    .expect("write");
    let r = gongkai(
        &root(),
        &[
            "--format",
            "csv",
            "--output",
            out.to_str().expect("utf8"),
            "-f",
            script.to_str().expect("utf8"),
        ],
    );
    assert_eq!(r.code, 1);
    // The position is the file's: line 4, column 6.
    assert!(r.stderr.contains("bad.sql:4:6: Expected"), "{}", r.stderr);
    assert!(
        r.stderr.contains("\n    1 +* 2 AS b\n       ^"),
        "{}",
        r.stderr
    );
    assert_eq!(std::fs::read_to_string(&out).expect("created"), "a\n1\n");
}

/// The national summaries add up: each year's and scope's refusals by reason sum to the
/// refusals the reports print (不同意公开 / 不予公开 totals), and a jurisdiction narrows them.
#[test]
fn refusal_reasons_sum_to_the_printed_refusals() {
    let rows = |args: &[&str]| -> Vec<Vec<String>> {
        let r = gongkai(&root(), args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        csv_rows(&r.stdout)
    };
    let reasons = rows(&["run", "refusal_reasons", "--format", "csv"]);
    let printed = rows(&[
        "--format",
        "csv",
        "-c",
        "SELECT year, scope, sum(value) FROM facts WHERE breakdown = 'total' \
         AND indicator IN ('application.answered.refused', 'application.result.refused') \
         GROUP BY year, scope ORDER BY year, scope",
    ]);
    assert!(printed.len() >= 3, "{printed:?}");
    for p in &printed {
        let sum: f64 = reasons
            .iter()
            .filter(|r| r[0] == p[0] && r[1] == p[1])
            .map(|r| r[6].parse::<f64>().expect("refusals"))
            .sum();
        assert_eq!(sum, p[2].parse::<f64>().expect("printed"), "{p:?}");
    }
    // Jinan 2017, 全市: 不是《条例》所指政府信息 248 of 286.
    let jinan = rows(&[
        "run",
        "refusal_reasons",
        "--param",
        "jurisdiction=济南市",
        "--param",
        "scope=whole",
        "--format",
        "csv",
    ]);
    assert_eq!(jinan.len(), 6, "{jinan:?}");
    assert_eq!(jinan[0][2], "不是《条例》所指政府信息");
    assert_eq!(jinan[0][6], "248");
    assert_eq!(jinan[0][7].parse::<f64>().expect("share"), 248.0 / 286.0);
}

/// A result of 200,000 rows streams out whole, in order, in every streaming format.
#[test]
fn large_results_stream_out_whole() {
    let sql = "SELECT value AS n, concat('行', value) AS label FROM generate_series(1, 200000) ORDER BY n";
    let r = gongkai(&root(), &["--format", "csv", "-c", sql]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 200_001);
    assert_eq!(lines[1], "1,行1");
    assert_eq!(lines[200_000], "200000,行200000");
    let r = gongkai(&root(), &["--format", "ndjson", "-c", sql]);
    assert_eq!(r.stdout.lines().count(), 200_000);
    assert_eq!(
        r.stdout.lines().last(),
        Some(r#"{"n": 200000, "label": "行200000"}"#)
    );
}

/// JSON and NDJSON are typed: booleans as booleans (`derived` on real facts), the untyped NULL
/// as null, and a number JSON cannot hold (±inf) as null, never the string "inf".
#[test]
fn json_is_typed() {
    let dir = workdir();
    let sql = "SELECT derived, NULL AS n, CAST(1 AS DOUBLE) / 0 AS inf, 2.5 AS x, 'true' AS s FROM facts LIMIT 1";
    for format in ["json", "ndjson"] {
        let r = bundled(dir.path(), &["--format", format, "-c", sql]);
        assert_eq!(r.code, 0, "{}", r.stderr);
        let text = r.stdout.trim();
        let value: serde_json::Value = if format == "json" {
            serde_json::from_str(text).expect("valid JSON")
        } else {
            serde_json::Value::Array(vec![serde_json::from_str(text).expect("one object")])
        };
        let row = &value[0];
        assert_eq!(row["derived"], serde_json::Value::Bool(false), "{text}");
        assert!(row["n"].is_null() && row["inf"].is_null(), "{text}");
        assert_eq!(row["x"], serde_json::json!(2.5));
        assert_eq!(row["s"], serde_json::json!("true"));
    }
}

/// `--output x.csv` (and `.output x.tsv`) write the format the file's name says, not a box
/// table, unless another format was chosen.
#[test]
fn the_output_file_extension_names_the_format() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &["--output", "x.csv", "-c", "SELECT 1 AS a, '济南市' AS b"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("x.csv")).expect("csv"),
        "a,b\n1,济南市\n"
    );
    let r = bundled(dir.path(), &["-c", ".output y.tsv\nSELECT 1 AS a, 2 AS b;"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("y.tsv")).expect("tsv"),
        "a\tb\n1\t2\n"
    );
    // A chosen format wins over the name.
    let r = bundled(
        dir.path(),
        &[
            "--format",
            "json",
            "--output",
            "z.csv",
            "-c",
            "SELECT 1 AS a",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(std::fs::read_to_string(dir.path().join("z.csv"))
        .expect("json")
        .starts_with('['));
}

/// The README's example queries run as written on the bundled warehouse and answer with rows
/// (a parameter that matched nothing — `jurisdiction=山东省%` on a column holding 济南市 — was
/// such an example). Commands that write the warehouse or files are left to their own tests.
#[test]
fn the_readme_examples_answer() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let mut ran = 0;
    for line in readme.lines() {
        let Some(rest) = line.strip_prefix("cargo run --release -- ") else {
            continue;
        };
        let command = rest.split("  #").next().unwrap_or(rest).trim();
        if command.contains("&&")
            || command.contains("--output")
            || command.starts_with("ingest")
            || command.starts_with("check")
        {
            continue;
        }
        let command = command.split(" > ").next().unwrap_or(command);
        // Words, with '…' and "…" quoting as a shell reads them.
        let mut args: Vec<String> = Vec::new();
        let mut word = String::new();
        let mut quote: Option<char> = None;
        for c in command.chars() {
            match (quote, c) {
                (Some(q), c) if c == q => quote = None,
                (Some(_), c) => word.push(c),
                (None, '\'' | '"') => quote = Some(c),
                (None, ' ') => {
                    if !word.is_empty() {
                        args.push(std::mem::take(&mut word));
                    }
                }
                (None, c) => word.push(c),
            }
        }
        if !word.is_empty() {
            args.push(word);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let r = gongkai(&root(), &args);
        assert_eq!(r.code, 0, "{command}: {}", r.stderr);
        assert!(
            r.stdout.lines().count() >= 2 && !r.stderr.contains("0 rows"),
            "{command}: no rows\n{}{}",
            r.stdout,
            r.stderr
        );
        ran += 1;
    }
    assert!(ran >= 8, "{ran} examples");
}

/// A newline or tab inside a cell is shown escaped and the box stays whole; Chinese text in
/// the same cell is kept as it is.
#[test]
fn control_characters_in_a_cell_keep_the_table_box() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &[
            "-c",
            "SELECT '济南' || chr(10) || '市' AS x, 'c' || chr(9) || 'd' AS y",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("│ 济南\\n市 │ c\\td │"), "{}", r.stdout);
    let widths: Vec<usize> = r
        .stdout
        .lines()
        .map(unicode_width::UnicodeWidthStr::width)
        .collect();
    assert!(widths.windows(2).all(|w| w[0] == w[1]), "{}", r.stdout);
}

/// Several statements with `--format json` make one JSON document: an array of their arrays
/// (one statement stays one array of objects).
#[test]
fn several_statements_in_json_are_one_document() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &[
            "--format",
            "json",
            "-c",
            "SELECT 1 AS a; SELECT 'x' AS b; CREATE VIEW v AS SELECT 1 AS c",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("one JSON document");
    assert_eq!(v, serde_json::json!([[{"a": 1}], [{"b": "x"}]]));
    let r = bundled(dir.path(), &["--format", "json", "-c", "SELECT 1 AS a"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).expect("JSON");
    assert_eq!(v, serde_json::json!([{"a": 1}]));
}

/// In a table, SQL NULL and the text 'NULL' look different.
#[test]
fn null_and_the_text_null_look_different() {
    let dir = workdir();
    let r = bundled(dir.path(), &["-c", "SELECT NULL AS a, 'NULL' AS b"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("│ NULL │ 'NULL' │"), "{}", r.stdout);
}
