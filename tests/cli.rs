//! The command line: SQL through -c, -f and stdin, formats, exit codes.

use crate::util::*;

fn ingested() -> tempfile::TempDir {
    let dir = workdir();
    let r = gongkai(
        dir.path(),
        &["ingest", "--data", "wh", jinan().to_str().expect("utf8")],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

fn rates(csv: &str) -> Vec<(String, f64, f64)> {
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let header = rdr.headers().expect("header").clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no column {name}"))
    };
    let (scope, review, lit, year) = (
        col("scope"),
        col("review_rate"),
        col("litigation_rate"),
        col("year"),
    );
    rdr.records()
        .map(|r| r.expect("record"))
        .filter(|f| &f[year] == "2017")
        .map(|f| {
            (
                f[scope].to_string(),
                f[review].parse().expect("rate"),
                f[lit].parse().expect("rate"),
            )
        })
        .collect()
}

#[test]
fn the_saved_correction_rate_query_answers_through_f() {
    let dir = ingested();
    let q = root().join("queries/review_correction_rate.sql");
    let r = gongkai(
        dir.path(),
        &[
            "--data",
            "wh",
            "-f",
            q.to_str().expect("utf8"),
            "--format",
            "csv",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        rates(&r.stdout),
        [
            ("whole".to_string(), 134.0 / 453.0, 65.0 / 416.0),
            ("own".to_string(), 41.0 / 213.0, 45.0 / 205.0)
        ]
    );
    // Full precision, not rounded for display.
    assert!(
        r.stdout.contains(&(134.0f64 / 453.0).to_string()),
        "{}",
        r.stdout
    );
    assert!(r
        .stdout
        .starts_with("jurisdiction,body,scope,year,review_total,review_corrected,review_rate,"));
    // stdout holds the result only.
    assert!(!r.stdout.contains("rows"));
}

#[test]
fn the_bundled_warehouse_answers_the_saved_query() {
    let q = root().join("queries/review_correction_rate.sql");
    let r = gongkai(
        &root(),
        &["-f", q.to_str().expect("utf8"), "--format", "csv"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let got = rates(&r.stdout);
    assert_eq!(got[0].0, "whole");
    assert!(
        (got[0].1 - 0.2958).abs() < 1e-4 && (got[1].1 - 0.1924).abs() < 1e-4,
        "{got:?}"
    );
}

#[test]
fn c_runs_sql_and_formats_render() {
    let dir = ingested();
    let sql =
        "SELECT scope, value FROM facts WHERE indicator = 'review.corrected' ORDER BY scope DESC";
    let r = gongkai(dir.path(), &["--data", "wh", "-c", sql, "--format", "csv"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "scope,value\nwhole,134\nown,41\n");
    let r = gongkai(dir.path(), &["--data", "wh", "-c", sql, "--format", "json"]);
    assert_eq!(
        r.stdout,
        "[\n  {\"scope\": \"whole\", \"value\": 134},\n  {\"scope\": \"own\", \"value\": 41}\n]\n"
    );
    let r = gongkai(dir.path(), &["--data", "wh", "-c", "SELECT jurisdiction || '本级' AS j, value FROM facts WHERE indicator = 'review.corrected' AND scope = 'own'"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    // Chinese takes two columns: the box lines up by display width.
    assert_eq!(
        r.stdout,
        "┌────────────┬───────┐\n│ j          │ value │\n├────────────┼───────┤\n│ 济南市本级 │    41 │\n└────────────┴───────┘\n"
    );
    assert_eq!(r.stderr.trim(), "1 row");
    // Zero prints as 0, also where DataFusion answers from Parquet statistics (which keep a
    // minimum of 0 as -0) and where the arithmetic gives -0.
    let r = gongkai(
        dir.path(),
        &[
            "--data",
            "wh",
            "--format",
            "csv",
            "-c",
            "SELECT min(value) AS m, -0.0 AS z, -0.5 AS h FROM facts",
        ],
    );
    assert_eq!(r.stdout, "m,z,h\n0,0,-0.5\n", "{}", r.stderr);
}

#[test]
fn a_failing_statement_stops_the_script_with_file_and_line() {
    let dir = ingested();
    let script = dir.path().join("s.sql");
    std::fs::write(
        &script,
        "SELECT 1 AS one;\n\nSELECT nope\n  FROM facts;\nSELECT 2 AS two;\n",
    )
    .expect("write");
    let r = gongkai(
        dir.path(),
        &["--data", "wh", "-f", "s.sql", "--format", "csv"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "one\n1\n");
    assert!(
        r.stderr.contains("s.sql:3:") && r.stderr.contains("SELECT nope FROM facts"),
        "{}",
        r.stderr
    );
    let r = gongkai(
        dir.path(),
        &[
            "--data",
            "wh",
            "-f",
            "s.sql",
            "--format",
            "csv",
            "--continue-on-error",
        ],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "one\n1\ntwo\n2\n");
    assert!(r.stderr.contains("1 statement failed"), "{}", r.stderr);
}

#[test]
fn sql_on_stdin_runs_as_a_script() {
    let dir = ingested();
    let r = gongkai_stdin(
        dir.path(),
        &["--data", "wh", "--format", "csv"],
        "SELECT count(*) AS n FROM facts;\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "n\n156\n");
}

#[test]
fn usage_errors_exit_2_and_missing_warehouses_exit_1() {
    let dir = workdir();
    let r = gongkai(dir.path(), &["--format", "xml", "-c", "SELECT 1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = gongkai(dir.path(), &["--data", "nowhere", "-c", "SELECT 1"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("nowhere: no warehouse here"),
        "{}",
        r.stderr
    );
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", "missing.txt"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("missing.txt: cannot read"),
        "{}",
        r.stderr
    );
    let r = gongkai(dir.path(), &["-f", "missing.sql"]);
    assert_eq!(r.code, 1);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::process::{Command, Stdio};
    let dir = ingested();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args([
            "--data",
            "wh",
            "--format",
            "csv",
            "-c",
            "SELECT * FROM facts CROSS JOIN facts AS f2",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Meta-commands in `-c`, in a script and on stdin: a line of its own (or after a `;`) is a
/// meta-command, as in the REPL.
#[test]
fn meta_commands_work_in_scripts_and_on_stdin() {
    let dir = workdir();
    let r = gongkai(
        dir.path(),
        &[
            "--data",
            &bundled_data().display().to_string(),
            "-c",
            ".mode csv\nSELECT 1 AS a, 2 AS b;",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "a,b\n1,2\n");
    let r = gongkai_stdin(
        dir.path(),
        &["--data", &bundled_data().display().to_string()],
        "SELECT 1 AS a; .mode csv\nSELECT 3 AS c;\n",
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.ends_with("c\n3\n"), "{}", r.stdout);
}

/// `.chart` draws a negative value to the left of the axis, at its true length (−5 half of
/// 10), not as a positive bar.
#[test]
fn chart_draws_negative_values_left_of_the_axis() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &[
            "-c",
            "SELECT * FROM (SELECT 'a' AS k, -5 AS v UNION ALL SELECT 'b', 10) ORDER BY k; .chart",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bars: Vec<(usize, usize)> = r
        .stdout
        .lines()
        // The chart's lines start with their label (the result's table starts with its box).
        .filter(|l| (l.starts_with("a ") || l.starts_with("b ")) && l.contains('│'))
        .map(|l| {
            let (left, right) = l.split_once('│').expect("axis");
            (left.matches('█').count(), right.matches('█').count())
        })
        .collect();
    assert_eq!(bars.len(), 2, "{}", r.stdout);
    let ((neg_left, neg_right), (pos_left, pos_right)) = (bars[0], bars[1]);
    assert_eq!((neg_right, pos_left), (0, 0), "{}", r.stdout);
    assert!(
        neg_left > 0 && pos_right.abs_diff(2 * neg_left) <= 1,
        "{}",
        r.stdout
    );
}

/// `.mode`, `.timer` and `.maxrows` without an argument show the setting; `.mode xlsx` with
/// no output file is refused at once, not query after query.
#[test]
fn settings_show_without_an_argument_and_xlsx_needs_a_file() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &["-c", ".mode csv\n.mode\n.timer\n.maxrows 5\n.maxrows"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "mode: csv\ntimer: off\nmaxrows: 5\n");
    let r = bundled(dir.path(), &["-c", ".mode xlsx"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains(".output FILE.xlsx"), "{}", r.stderr);
}

/// A statement that returns no columns (CREATE VIEW) prints neither an empty box nor a row
/// count.
#[test]
fn ddl_prints_nothing() {
    let dir = workdir();
    let r = bundled(dir.path(), &["-c", "CREATE VIEW v AS SELECT 1 AS a"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!((r.stdout.as_str(), r.stderr.as_str()), ("", ""));
}

/// Errors read as messages: no Rust debug wrapping, the statement's line with a caret under
/// the parser's column, and "did you mean" for an unknown table.
#[test]
fn errors_show_a_caret_and_the_closest_table() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &["-c", "SELECT indicator FROM facts WHERE WHERE year = 1"],
    );
    assert_eq!(r.code, 1);
    assert!(!r.stderr.contains("ParserError("), "{}", r.stderr);
    let lines: Vec<&str> = r.stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("SELECT indicator"))
        .expect("the statement's line");
    let column = lines[at + 1].find('^').expect("a caret");
    assert_eq!(&lines[at][column..column + 4], "year", "{}", r.stderr);
    let r = bundled(dir.path(), &["-c", "SELECT * FROM fact"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("did you mean facts?"), "{}", r.stderr);
}

/// A misspelt indicator code returns no rows, and a warning names the closest codes.
#[test]
fn a_misspelt_indicator_code_is_warned_about() {
    let dir = workdir();
    let r = bundled(
        dir.path(),
        &[
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n FROM facts WHERE indicator = 'review.corected'",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "n\n0\n");
    assert!(
        r.stderr
            .contains("'review.corected' is no indicator code: did you mean review.corrected?"),
        "{}",
        r.stderr
    );
    let r = bundled(
        dir.path(),
        &[
            "--format",
            "csv",
            "-c",
            "SELECT count(*) AS n FROM facts WHERE indicator = 'review.corrected'",
        ],
    );
    assert!(!r.stderr.contains("warning"), "{}", r.stderr);
}

#[test]
fn the_first_run_builds_the_bundled_warehouse_from_data_raw() {
    let dir = workdir();
    let raw = dir.path().join("data/raw");
    std::fs::create_dir_all(&raw).expect("mkdir");
    std::fs::copy(
        root().join("data/raw/hongze-2023.txt"),
        raw.join("hongze-2023.txt"),
    )
    .expect("copy");
    let sql = "SELECT count(*) AS n FROM reports";
    let r = gongkai(dir.path(), &["--format", "csv", "-c", sql]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("building the warehouse in data from the 1 reports"),
        "{}",
        r.stderr
    );
    assert_eq!(csv_rows(&r.stdout), [["1"]]);
    // Built once, and checked: the `checks` table is there.
    let r = gongkai(
        dir.path(),
        &["--format", "csv", "-c", "SELECT count(*) >= 0 FROM checks"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(!r.stderr.contains("building"), "{}", r.stderr);
}

#[test]
fn the_users_warehouse_is_found_from_anywhere_and_none_still_opens_the_shell() {
    let dir = workdir();
    let xdg = dir.path().join("xdg");
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&a).expect("mkdir");
    std::fs::create_dir_all(&b).expect("mkdir");
    let run = |cwd: &std::path::Path, args: &[&str]| -> Run {
        Run::from(
            command(cwd)
                .env("XDG_DATA_HOME", &xdg)
                .args(args)
                .stdin(std::process::Stdio::null())
                .output()
                .expect("runs"),
        )
    };
    // Nothing anywhere: the shell opens on empty tables and says how to make a warehouse.
    let r = run(&a, &["--format", "csv", "-c", "SELECT count(*) FROM facts"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(csv_rows(&r.stdout), [["0"]]);
    assert!(r.stderr.contains("gongkai ingest"), "{}", r.stderr);
    // An ingest outside a project goes to the user's warehouse, found from another directory.
    let r = run(&a, &["ingest", "-q", jinan().to_str().expect("utf8")]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(xdg.join("gongkai/warehouse/manifest.json").is_file());
    let r = run(
        &b,
        &["--format", "csv", "-c", "SELECT count(*) FROM reports"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(csv_rows(&r.stdout), [["2"]]);
}

#[test]
fn help_lists_the_exit_codes_and_ctrl_c_is_130() {
    let dir = workdir();
    let r = gongkai(dir.path(), &["--help"]);
    assert_eq!(r.code, 0);
    for line in ["0    ok", "2    a usage error", "130  interrupted"] {
        assert!(r.stdout.contains(line), "{line}: {}", r.stdout);
    }
}
