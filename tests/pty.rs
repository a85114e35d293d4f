//! The interactive shell, driven through a pseudo-terminal as a person would type.

use std::process::Command;

use rexpect::reader::Options;
use rexpect::session::{spawn_with_options, PtySession};

use crate::util::*;

fn shell(history: &std::path::Path) -> PtySession {
    shell_with(history, &[])
}

fn shell_with(history: &std::path::Path, env: &[(&str, &str)]) -> PtySession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    cmd.envs(env.iter().copied());
    cmd.current_dir(root())
        .env("GONGKAI_HISTORY", history)
        .env("TERM", "xterm")
        .env_remove("GONGKAI_DATA")
        .args(["--color", "never", "--data"])
        .arg(bundled_data());
    // rexpect reads bytes as Latin-1 characters: expectations below are ASCII.
    let options = Options::new().timeout_ms(Some(30_000));
    let mut p = spawn_with_options(cmd, options).expect("spawn the shell");
    prompt(&mut p);
    p
}

/// Waits for the prompt, then for the line editor to take the terminal (input typed before
/// that would be flushed, as it would be for a person typing ahead).
fn prompt(p: &mut PtySession) {
    p.exp_string("gongkai> ").expect("prompt");
    std::thread::sleep(std::time::Duration::from_millis(300));
}

#[test]
fn completes_a_table_and_a_column_and_runs_a_multi_line_statement() {
    let dir = workdir();
    let mut p = shell(&dir.path().join("history"));
    // Table after FROM, then a column of that table.
    p.send("SELECT count(*) AS n FROM rep").expect("type");
    p.flush().expect("flush");
    p.send("\t").expect("tab");
    p.flush().expect("flush");
    p.exp_string("reports").expect("table completed");
    p.send_line("").expect("enter");
    // The statement has no ';' yet: Enter continues it, under the continuation prompt.
    p.exp_string("...> ").expect("continuation prompt");
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line("WHERE scope = 'own';").expect("second line");
    p.exp_regex(r" 1 \S*\r\n").expect("one own report");
    prompt(&mut p);
    p.send("SELECT DISTINCT templ").expect("type");
    p.flush().expect("flush");
    p.send("\t").expect("tab");
    p.flush().expect("flush");
    p.exp_string("template").expect("column completed");
    p.send_line(" FROM facts;").expect("finish");
    p.exp_string("national-2014").expect("result");
    prompt(&mut p);
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

#[test]
fn history_is_recalled_in_a_second_session() {
    let dir = workdir();
    let history = dir.path().join("history");
    let mut p = shell(&history);
    p.send_line("SELECT 'first session' AS marker;")
        .expect("type");
    p.exp_string("first session").expect("ran");
    prompt(&mut p);
    p.send_control('d').expect("ctrl-d");
    p.exp_eof().expect("exits on ctrl-d");
    assert!(std::fs::read_to_string(&history)
        .expect("history written")
        .contains("first session"));
    let mut p = shell(&history);
    p.send("\x1b[A").expect("up arrow");
    p.flush().expect("flush");
    p.send_line("").expect("enter");
    p.exp_string("marker").expect("recalled and ran");
    prompt(&mut p);
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

#[test]
fn ctrl_c_cancels_a_long_query_and_the_session_survives() {
    let dir = workdir();
    let mut p = shell(&dir.path().join("history"));
    // 10^11 generated rows, streamed: runs far longer than the test, in bounded memory.
    p.send_line("SELECT sum(value % 7) FROM generate_series(1, 100000000000);")
        .expect("type");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    p.send_control('c').expect("ctrl-c");
    p.exp_string("cancelled").expect("cancelled");
    prompt(&mut p);
    p.send_line("SELECT 40 + 2 AS answer;").expect("type");
    p.exp_string("42").expect("the session still works");
    // At the prompt, Ctrl-C clears the line and keeps the session.
    prompt(&mut p);
    p.send("SELECT 'never run'").expect("type");
    p.flush().expect("flush");
    p.send_control('c').expect("ctrl-c");
    prompt(&mut p);
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

#[test]
fn meta_commands_help_indicators_and_chart() {
    let dir = workdir();
    let mut p = shell(&dir.path().join("history"));
    p.send_line(".help").expect("help");
    p.exp_string(".indicators").expect("help lists commands");
    prompt(&mut p);
    p.send_line(".indicators 被依法纠错").expect("search");
    p.exp_string("litigation.corrected")
        .expect("found by Chinese label");
    prompt(&mut p);
    p.send_line("SELECT scope, value FROM facts WHERE indicator = 'review.total' AND year = 2017;")
        .expect("query");
    p.exp_string("213").expect("ran");
    prompt(&mut p);
    p.send_line(".chart").expect("chart");
    p.exp_regex(r"whole \S{30,} 453\r\nown   \S{12,} 213")
        .expect("a bar per row");
    prompt(&mut p);
    let once = dir.path().join("once.csv");
    p.send_line(".mode csv").expect("mode");
    prompt(&mut p);
    p.send_line(&format!(".once {} --bom", once.display()))
        .expect("once");
    prompt(&mut p);
    p.send_line("SELECT 1 AS a;").expect("query");
    prompt(&mut p);
    assert_eq!(
        std::fs::read(&once).expect("written"),
        b"\xEF\xBB\xBFa\n1\n"
    );
    p.send_line(".run ranking indicator=review.total scope=own")
        .expect("run");
    p.exp_string(",213").expect("ranked row on screen again");
    prompt(&mut p);
    p.send_line(".source 济南市人民政府/2017/whole review.corrected")
        .expect("source");
    p.exp_string("data/raw/jinan-2017.txt:287:")
        .expect("the printed line");
    prompt(&mut p);
    p.send_line(".nonsense").expect("bad command");
    p.exp_string("unknown command '.nonsense'")
        .expect("clear error");
    prompt(&mut p);
    p.send_line("\\q").expect("quit");
    p.exp_eof().expect("exits");
}

/// Several statements on one line run in turn, and a meta-command after a query on the same
/// line applies to it (`.help`'s own example): the DuckDB shell's and psql's convention.
#[test]
fn two_statements_and_a_chart_on_one_line() {
    let dir = workdir();
    let mut p = shell(&dir.path().join("history"));
    p.send_line("SELECT 41 + 1 AS first; SELECT 'second' AS s;")
        .expect("two statements");
    p.exp_string("42").expect("the first ran");
    p.exp_string("second").expect("the second ran");
    prompt(&mut p);
    p.send_line(
        "SELECT scope, value FROM facts WHERE indicator = 'review.total' AND year = 2017; .chart",
    )
    .expect("query and chart");
    p.exp_string("213").expect("the query ran");
    p.exp_regex(r"whole \S{30,} 453\r\nown   \S{12,} 213")
        .expect("then its chart");
    prompt(&mut p);
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

/// The continuation prompt; a meta-command typed there runs at once and keeps the statement
/// (psql's convention); `.last` shows the last result whole, through `$PAGER` when it is
/// longer than the terminal; `.source` completes report ids, and Tab lists indicator codes
/// with their Chinese labels.
#[test]
fn continuation_pager_last_and_completion_lists() {
    let dir = workdir();
    let mut p = shell_with(
        &dir.path().join("history"),
        &[
            ("PAGER", "sed s/^/PAGED:/"),
            ("COLUMNS", "100"),
            ("LINES", "30"),
        ],
    );
    p.send_line("SELECT count(*) AS n").expect("first line");
    p.exp_string("...> ").expect("continuation prompt");
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line(".timer on")
        .expect("a meta-command in the middle");
    p.exp_string("...> ")
        .expect("still continuing the statement");
    std::thread::sleep(std::time::Duration::from_millis(300));
    p.send_line("FROM reports;").expect("end of statement");
    p.exp_regex(r"\d+ rows? in \d+\.\d+ s").expect("ran, timed");
    prompt(&mut p);
    p.send_line("SELECT * FROM generate_series(1, 300) AS t(x);")
        .expect("a long result");
    p.exp_string("300 rows (40 shown)").expect("cut to 40 rows");
    prompt(&mut p);
    p.send_line(".last").expect("show it whole");
    p.exp_string("PAGED:").expect("through the pager");
    p.exp_string("299").expect("every row");
    prompt(&mut p);
    p.send(".source 济南").expect("type");
    p.flush().expect("flush");
    p.send("\t").expect("tab");
    p.flush().expect("flush");
    p.exp_string("/2017/").expect("report id completed");
    p.send_control('c').expect("drop the line");
    prompt(&mut p);
    p.send("SELECT 'review.cor").expect("type");
    p.flush().expect("flush");
    p.send("\t").expect("tab");
    p.flush().expect("flush");
    p.exp_string("rected").expect("the one code completed");
    p.send_control('c').expect("drop the line");
    prompt(&mut p);
    p.send("SELECT 'review.").expect("type");
    p.flush().expect("flush");
    p.send("\t\t").expect("tab tab");
    p.flush().expect("flush");
    p.exp_string("review.upheld")
        .expect("the candidates listed");
    p.send_control('c').expect("drop the line");
    prompt(&mut p);
    p.send_line(".quit").expect("quit");
    p.exp_eof().expect("exits");
}

/// On a terminal, an ingest shows its progress (documents, rate, time left) and still ends
/// with its one summary line.
#[test]
fn ingest_shows_progress_on_a_terminal() {
    let dir = workdir();
    synth_corpus(dir.path(), 400, 3);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    cmd.current_dir(dir.path())
        .env("TERM", "xterm")
        .args(["ingest", "-q", "--data", "wh", "corpus"]);
    let options = Options::new().timeout_ms(Some(60_000));
    let mut p = spawn_with_options(cmd, options).expect("spawn");
    p.exp_regex(r"\d+/400 documents").expect("a progress bar");
    p.exp_regex(r"400 documents, \d+ reports, \d+ figures")
        .expect("the summary");
    p.exp_eof().expect("exits");
}
