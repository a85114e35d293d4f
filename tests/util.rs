//! Helpers: run the binary, locate fixtures, read expected values.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Jinan 2017 report as published (tab-separated tables).
pub fn jinan() -> PathBuf {
    root().join("data/raw/jinan-2017.txt")
}

/// A file under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    root().join("tests/fixtures").join(name)
}

/// One run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// The `gongkai` binary to run in `dir`, isolated from the machine's user: no user data
/// directory (`$XDG_DATA_HOME` points nowhere), and in the repository root the bundled
/// warehouse is the test build of it ([`bundled_data`]), never the checkout's `data/`.
pub fn command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongkai"));
    c.current_dir(dir).env_remove("GONGKAI_DATA").env(
        "XDG_DATA_HOME",
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("no-xdg"),
    );
    if dir == root() {
        c.env("GONGKAI_DATA", bundled_data());
    }
    c
}

/// Runs `gongkai ARGS` in `dir` with no stdin.
pub fn gongkai(dir: &Path, args: &[&str]) -> Run {
    let o = command(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the gongkai binary runs");
    Run::from(o)
}

/// Starts `gongkai ARGS` in `dir` silently, to be killed mid-way (crash-safety tests).
pub fn spawn_silent(dir: &Path, args: &[&str]) -> std::process::Child {
    command(dir)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn")
}

/// Runs `gongkai ARGS` with `input` on stdin.
pub fn gongkai_stdin(dir: &Path, args: &[&str], input: &str) -> Run {
    use std::io::Write;
    let mut child = command(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the gongkai binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write stdin");
    Run::from(child.wait_with_output().expect("wait"))
}

/// A temporary working directory.
pub fn workdir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Expected Jinan figures: (scope, indicator) → (value, source line in jinan-2017.txt),
/// written by reading the printed tables (tests/fixtures/jinan-2017.expected.tsv).
pub fn expected_jinan() -> BTreeMap<(String, String), (f64, u32)> {
    let text = std::fs::read_to_string(fixture("jinan-2017.expected.tsv")).expect("fixture");
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (
                (f[0].to_string(), f[1].to_string()),
                (f[2].parse().expect("value"), f[3].parse().expect("line")),
            )
        })
        .collect()
}

/// A copy of the Jinan report with `edit` applied to its lines, written into `dir`.
pub fn jinan_edited(dir: &Path, name: &str, edit: impl Fn(Vec<String>) -> Vec<String>) -> PathBuf {
    let text = std::fs::read_to_string(jinan()).expect("jinan");
    let lines = edit(text.split('\n').map(str::to_string).collect());
    let path = dir.join(name);
    std::fs::write(&path, lines.join("\n")).expect("write");
    path
}

/// The Jinan report as a corrected edition would print it: the whole-city table's
/// 被依法纠错数 of 行政复议 is 135 instead of 134.
pub fn jinan_corrected(dir: &Path) -> PathBuf {
    jinan_edited(dir, "jinan-2017-corrected.txt", |mut l| {
        let i = l
            .iter()
            .position(|x| x.starts_with("(二) 被依法纠错数\t件\t134"))
            .expect("row");
        l[i] = "(二) 被依法纠错数\t件\t135".into();
        l
    })
}

/// A snapshot of a warehouse directory: every file's path and bytes (the lock file aside).
pub fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if p.file_name().is_some_and(|n| n != ".lock") {
                out.insert(
                    p.strip_prefix(base).expect("prefix").to_path_buf(),
                    std::fs::read(&p).expect("read"),
                );
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// Runs SQL against a warehouse and returns the CSV rows (header dropped).
pub fn query_csv(dir: &Path, data: &str, sql: &str) -> Vec<Vec<String>> {
    let r = gongkai(dir, &["--data", data, "--format", "csv", "-c", sql]);
    assert_eq!(r.code, 0, "query failed: {sql}\n{}", r.stderr);
    csv_rows(&r.stdout)
}

/// The rows of a CSV result (header dropped), quoted fields unquoted by a real CSV reader.
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| {
            r.expect("a CSV record")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

/// Table 三's applicant columns, in printed order, as stored in `facts.breakdown`.
pub const COLUMNS: [&str; 7] = [
    "natural_person",
    "business",
    "research",
    "nonprofit",
    "legal_services",
    "other_org",
    "total",
];

/// The bundled warehouse as the README's first run builds it from `data/raw/` (ingest, then
/// check), built once per test process into its own directory: tests never write into the
/// checkout, and source files read `data/raw/…` as they do for a user.
pub fn bundled_data() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("bundled-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let data = dir.display().to_string();
        for args in [
            vec!["ingest", "-q", "--data", &data, "data/raw"],
            vec!["check", "--data", &data],
        ] {
            let o = Command::new(env!("CARGO_BIN_EXE_gongkai"))
                .args(&args)
                .current_dir(root())
                .env_remove("GONGKAI_DATA")
                .stdin(Stdio::null())
                .output()
                .expect("the gongkai binary runs");
            let r = Run::from(o);
            assert_eq!(r.code, 0, "building the bundled warehouse: {}", r.stderr);
        }
        dir
    })
    .clone()
}

/// `gongkai --data <the bundled warehouse> ARGS`, run in `dir` (where files it writes land).
pub fn bundled(dir: &Path, args: &[&str]) -> Run {
    let data = bundled_data().display().to_string();
    let mut all = vec!["--data", data.as_str()];
    all.extend_from_slice(args);
    gongkai(dir, &all)
}

/// Writes a synthetic corpus of `reports` documents into `dir/corpus` (`gongkai synth`).
pub fn synth_corpus(dir: &Path, reports: usize, seed: u64) {
    let (n, seed) = (reports.to_string(), seed.to_string());
    let r = gongkai(
        dir,
        &["synth", "--out", "corpus", "--reports", &n, "--seed", &seed],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}
