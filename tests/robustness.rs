//! Hostile documents, crashes and limits: nothing may crash, hang, corrupt the warehouse or
//! put a wrong number in it.

use std::time::Duration;

use gongkai::ingest::{self, markup, text, Overrides};

use crate::util::*;

fn counts(dir: &std::path::Path) -> (usize, usize, usize) {
    let rows = query_csv(dir, "wh", "SELECT (SELECT count(*) FROM reports) AS r, (SELECT count(*) FROM facts) AS f, (SELECT coalesce(sum(figures), 0) FROM reports) AS s");
    let n = |i: usize| rows[0][i].parse::<usize>().expect("count");
    (n(0), n(1), n(2))
}

#[test]
fn killing_an_ingest_at_any_moment_leaves_the_warehouse_before_or_after() {
    let dir = workdir();
    let jinan = jinan();
    let j = jinan.to_str().expect("utf8");
    let others: Vec<String> = ["huaian-2024.txt", "hongze-2023.txt", "hongze-2024.txt"]
        .iter()
        .map(|f| root().join("data/raw").join(f).display().to_string())
        .collect();
    let mut outcomes = (0, 0);
    // Delays spread over the life of an ingest (start-up, parsing, writing, renaming).
    for (i, delay) in [0u64, 2, 5, 10, 15, 20, 30, 45, 60, 80, 110, 150, 200, 300]
        .iter()
        .enumerate()
    {
        assert_eq!(
            gongkai(dir.path(), &["ingest", "--rebuild", "--data", "wh", j]).code,
            0
        );
        let before = counts(dir.path());
        let mut args = vec!["ingest", "--data", "wh"];
        args.extend(others.iter().map(String::as_str));
        let mut child = spawn_silent(dir.path(), &args);
        std::thread::sleep(Duration::from_millis(*delay + (i as u64 * 7) % 5));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        // Readable, sound, and exactly the state before or after — never in between.
        let v = gongkai(dir.path(), &["check", "--warehouse", "--data", "wh"]);
        assert_eq!(v.code, 0, "after a kill at {delay} ms: {}", v.stderr);
        let after = counts(dir.path());
        assert_eq!(
            after.1, after.2,
            "facts and reports disagree after a kill at {delay} ms"
        );
        if after == before {
            outcomes.0 += 1;
        } else {
            assert_eq!(
                after.0,
                before.0 + 3,
                "after a kill at {delay} ms: {after:?} from {before:?}"
            );
            outcomes.1 += 1;
        }
        // The next writer is not locked out by the killed one.
        assert_eq!(gongkai(dir.path(), &["ingest", "--data", "wh", j]).code, 0);
    }
    assert!(
        outcomes.0 > 0,
        "no kill landed before the commit: {outcomes:?}"
    );
}

#[test]
fn a_memory_limit_spills_or_fails_cleanly_and_the_session_goes_on() {
    let r = gongkai(
        &root(),
        &[
            "--memory-limit",
            "2M",
            "-c",
            "SELECT count(DISTINCT value) FROM generate_series(1, 3000000)",
        ],
    );
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("Resources exhausted") && r.stderr.contains("--memory-limit"),
        "{}",
        r.stderr
    );
    // A sort under the same limit spills to disk and answers.
    let r = gongkai(
        &root(),
        &[
            "--memory-limit",
            "2M",
            "--format",
            "csv",
            "-c",
            "SELECT value FROM generate_series(1, 2000000) ORDER BY value DESC LIMIT 1",
        ],
    );
    assert_eq!(
        (r.code, r.stdout.as_str()),
        (0, "value\n2000000\n"),
        "{}",
        r.stderr
    );
    let r = gongkai(&root(), &["--memory-limit", "lots", "-c", "SELECT 1"]);
    assert_eq!(r.code, 2);
    // A script that continues after the failure still answers what follows.
    let r = gongkai(
        &root(),
        &[
            "--memory-limit",
            "2M",
            "--continue-on-error",
            "--format",
            "csv",
            "-c",
            "SELECT count(DISTINCT value) FROM generate_series(1, 3000000); SELECT 42 AS answer",
        ],
    );
    assert_eq!((r.code, r.stdout.as_str()), (1, "answer\n42\n"));
}

#[test]
fn check_warehouse_names_corrupt_and_foreign_files() {
    let dir = workdir();
    assert_eq!(
        gongkai(
            dir.path(),
            &["ingest", "--data", "wh", jinan().to_str().expect("utf8")]
        )
        .code,
        0
    );
    let r = gongkai(dir.path(), &["check", "--warehouse", "--data", "wh"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let w = gongkai::warehouse::Warehouse::open(&dir.path().join("wh")).expect("opens");
    let facts = w.table_files(gongkai::warehouse::Table::Facts).remove(0);
    let unmapped = w.table_files(gongkai::warehouse::Table::Unmapped).remove(0);
    // A foreign Parquet file where unmapped should be: valid Parquet, other columns.
    let copy = format!(
        "COPY (SELECT 1 AS other) TO '{}' STORED AS PARQUET",
        unmapped.display()
    );
    assert_eq!(gongkai(dir.path(), &["--data", "wh", "-c", &copy]).code, 0);
    let r = gongkai(dir.path(), &["check", "--warehouse", "--data", "wh"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("unmapped.parquet: not a gongkai unmapped file"),
        "{}",
        r.stderr
    );
    // A truncated facts file.
    let bytes = std::fs::read(&facts).expect("read");
    std::fs::write(&facts, &bytes[..bytes.len() / 2]).expect("truncate");
    let r = gongkai(dir.path(), &["check", "--warehouse", "--data", "wh"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("facts.parquet"), "{}", r.stderr);
    // A tampered kept document.
    let doc = std::fs::read_dir(dir.path().join("wh/documents"))
        .expect("docs")
        .flatten()
        .next()
        .expect("one")
        .path();
    std::fs::write(&doc, "tampered").expect("write");
    let r = gongkai(dir.path(), &["check", "--warehouse", "--data", "wh"]);
    assert!(
        r.stderr.contains("content does not match its hash"),
        "{}",
        r.stderr
    );
}

#[test]
fn the_same_report_in_every_encoding_yields_the_same_figures() {
    let original = std::fs::read_to_string(jinan()).expect("jinan");
    let reference = ingest::parse_text(&original, "jinan", &Overrides::default()).expect("parses");
    let crlf = original.replace('\n', "\r\n");
    let mut variants: Vec<(&str, Vec<u8>)> = vec![("utf-8", original.clone().into_bytes())];
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(crlf.as_bytes());
    variants.push(("utf-8 bom crlf", bom));
    let mut utf16 = vec![0xFF, 0xFE];
    utf16.extend(original.encode_utf16().flat_map(|u| u.to_le_bytes()));
    variants.push(("utf-16le", utf16));
    let mut utf16be = vec![0xFE, 0xFF];
    utf16be.extend(original.encode_utf16().flat_map(|u| u.to_be_bytes()));
    variants.push(("utf-16be", utf16be));
    variants.push(("gb18030", encoding_rs::GB18030.encode(&crlf).0.into_owned()));
    // Full-width digits in the value column.
    let fullwidth: String = original
        .lines()
        .map(|l| match l.rsplit_once('\t') {
            Some((head, v)) if v.chars().all(|c| c.is_ascii_digit()) && !v.is_empty() => {
                format!(
                    "{head}\t{}",
                    v.chars()
                        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap_or(c))
                        .collect::<String>()
                )
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    variants.push(("full-width digits", fullwidth.into_bytes()));
    for (name, bytes) in variants {
        let decoded = text::decode(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let reports = ingest::parse_text(&decoded, name, &Overrides::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let values = |rs: &[gongkai::model::Report]| -> Vec<(String, &'static str, f64, u32)> {
            rs.iter()
                .flat_map(|r| {
                    r.figures
                        .iter()
                        .map(move |f| (r.report_id(), f.indicator, f.value, f.source_line))
                })
                .collect()
        };
        assert_eq!(values(&reports), values(&reference), "{name}");
    }
}

/// Bad inputs, each with the clear error or report the failure policy asks for.
#[test]
fn a_catalogue_of_bad_inputs() {
    let dir = workdir();
    let edit = |name: &str, f: &dyn Fn(String) -> String| {
        let path = dir.path().join(name);
        std::fs::write(&path, f(std::fs::read_to_string(jinan()).expect("jinan"))).expect("write");
        path
    };
    let read = |p: &std::path::Path| ingest::read_document(p, &Overrides::default(), false);
    // A row with an extra column: left out and reported, never read as another figure.
    let p = edit("extra.txt", &|t| {
        t.replacen(
            "四、行政复议数量\t件\t453",
            "四、行政复议数量\t件\t453\t999",
            1,
        )
    });
    let d = read(&p).expect("readable");
    assert!(d.reports[0]
        .figures
        .iter()
        .all(|f| f.indicator != "review.total"));
    assert!(
        d.reports[0]
            .problems
            .iter()
            .any(|x| x.raw_text == "453 999"),
        "{:?}",
        d.reports[0].problems
    );
    // …and the rest of its section still reads.
    assert!(d.reports[0]
        .figures
        .iter()
        .any(|f| f.indicator == "review.corrected" && f.value == 134.0));
    // A row with a missing unit column: the value is still the value.
    let p = edit("missing.txt", &|t| {
        t.replacen("四、行政复议数量\t件\t453", "四、行政复议数量\t453", 1)
    });
    let d = read(&p).expect("readable");
    assert!(d.reports[0]
        .figures
        .iter()
        .any(|f| f.indicator == "review.total" && f.value == 453.0));
    // A negative count: left out and reported.
    let p = edit("negative.txt", &|t| {
        t.replacen(
            "(二) 被依法纠错数\t件\t134",
            "(二) 被依法纠错数\t件\t-134",
            1,
        )
    });
    let d = read(&p).expect("readable");
    assert!(d.reports[0]
        .problems
        .iter()
        .any(|x| x.message.contains("cannot be negative")));
    assert!(d.reports[0].figures.iter().all(|f| f.value >= 0.0));
    // An unknown template: a table none of whose rows the template knows.
    let p = dir.path().join("unknown.txt");
    std::fs::write(&p, "某省人民政府 2012 年政府信息公开工作年度报告\n\n2012年度政府信息公开工作情况统计表\n(某省)\n指标名称\t计量单位\t本年度\n甲、网站访问量\t次\t12\n乙、来电数量\t次\t3\n").expect("write");
    let e = read(&p).expect_err("unknown template");
    assert!(e.to_string().contains("unknown template"), "{e}");
    // A very large file: 20 MB of prose around the table.
    let prose = "本报告所列数据的统计期限自 2017 年 1 月 1 日起至 2017 年 12 月 31 日止。\n"
        .repeat(200_000);
    let p = edit("large.txt", &|t| {
        let (head, tail) = t.split_at(t.find("本报告根据").expect("prose"));
        format!("{head}{prose}{tail}{prose}")
    });
    let d = read(&p).expect("large file reads");
    assert_eq!(
        d.reports.iter().map(|r| r.figures.len()).sum::<usize>(),
        156
    );
}

/// A small deterministic generator for the mutation fuzzer.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() as usize) % n
        }
    }
}

const SPLICE: [&str; 12] = [
    "\t",
    "  ",
    "\n",
    "（",
    "）",
    "12a4",
    "一、",
    "(三)",
    "—",
    "９",
    "-3-",
    "第二十条第（一）项",
];

fn mutate(rng: &mut Lcg, seed: &[u8]) -> Vec<u8> {
    let mut b = seed.to_vec();
    for _ in 0..1 + rng.below(8) {
        let at = rng.below(b.len() + 1);
        match rng.below(6) {
            0 if !b.is_empty() => {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            1 if !b.is_empty() => {
                let end = (at + rng.below(200)).min(b.len());
                b.drain(at.min(end)..end);
            }
            2 => {
                let s = SPLICE[rng.below(SPLICE.len())].as_bytes();
                b.splice(at..at, s.iter().copied());
            }
            3 => b.truncate(at),
            4 if b.len() > 10 => {
                // Copy a slice of the document elsewhere (repeated rows, headers).
                let from = rng.below(b.len() - 1);
                let len = rng.below(300).min(b.len() - from);
                let chunk: Vec<u8> = b[from..from + len].to_vec();
                let at = at.min(b.len());
                b.splice(at..at, chunk);
            }
            _ => {
                let s: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
                b.splice(at..at, s);
            }
        }
    }
    b
}

/// Every parser entry point on one input: decoding, text reports, HTML, markdown.
fn exercise(bytes: &[u8]) {
    let Ok(t) = text::decode(bytes) else { return };
    let _ = ingest::parse_text(&t, "fuzz", &Overrides::default());
    let h = markup::html_to_lines(&t);
    let _ = ingest::parse_text(&h.text, "fuzz.html", &Overrides::default());
    let m = markup::markdown_to_lines(&t);
    let _ = ingest::parse_text(&m.text, "fuzz.md", &Overrides::default());
}

fn seeds() -> Vec<Vec<u8>> {
    let mut s: Vec<Vec<u8>> = [
        "data/raw/jinan-2017.txt",
        "data/raw/huaian-2024.txt",
        "data/raw/hongze-2023.txt",
        "tests/fixtures/jinan-2017.layout.txt",
        "tests/fixtures/reports/hongze-2024.pdfplumber.txt",
        "tests/fixtures/reports/huaian-2024.pdftotext.txt",
        "tests/fixtures/huaian-2024.html",
        "tests/fixtures/hongze-2023.md",
    ]
    .iter()
    .map(|p| std::fs::read(root().join(p)).expect("seed"))
    .collect();
    s.push(Vec::new());
    s
}

/// Mutations of the real documents and arbitrary bytes through every parser: no panic.
/// The suite runs a few hundred inputs; `GONGKAI_FUZZ_ITERS=N cargo test fuzz -- --ignored`
/// runs the long campaign with a time limit per input.
#[test]
fn fuzz_parsers_do_not_panic_on_mutated_documents() {
    let seeds = seeds();
    let mut rng = Lcg(7);
    for i in 0..300 {
        let seed = &seeds[i % seeds.len()];
        let input = if i % 10 == 9 {
            (0..rng.below(4000)).map(|_| rng.next() as u8).collect()
        } else {
            mutate(&mut rng, seed)
        };
        exercise(&input);
    }
}

/// Mutated PDF bytes through the PDF path (poppler): a clear error or a report, never a panic.
#[test]
fn mutated_pdfs_give_an_error_or_a_report() {
    let dir = workdir();
    let seed = std::fs::read(fixture("reports/hongze-2023.pdf")).expect("pdf");
    let mut rng = Lcg(11);
    for i in 0..8 {
        let path = dir.path().join(format!("m{i}.pdf"));
        std::fs::write(&path, mutate(&mut rng, &seed)).expect("write");
        let _ = ingest::read_document(&path, &Overrides::default(), false);
    }
}

#[test]
#[ignore = "long fuzz campaign: GONGKAI_FUZZ_ITERS=N cargo test fuzz_campaign -- --ignored"]
fn fuzz_campaign() {
    let iters: usize = std::env::var("GONGKAI_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let seeds = seeds();
    let mut rng = Lcg(std::env::var("GONGKAI_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1));
    let pdf = std::fs::read(fixture("reports/huaian-2024.pdf")).expect("pdf");
    let tmp = workdir();
    let started = std::time::Instant::now();
    let mut pdfs = 0;
    for i in 0..iters {
        let seed = &seeds[i % seeds.len()];
        // One input in a hundred is a mutated PDF, through poppler.
        let is_pdf = i % 100 == 50;
        let input = if is_pdf {
            mutate(&mut rng, &pdf)
        } else if i % 10 == 9 {
            (0..rng.below(4000)).map(|_| rng.next() as u8).collect()
        } else {
            mutate(&mut rng, seed)
        };
        let (tx, rx) = std::sync::mpsc::channel();
        let job = input.clone();
        let pdf_path = tmp.path().join(format!("{i}.pdf"));
        if is_pdf {
            pdfs += 1;
        }
        std::thread::spawn(move || {
            if is_pdf {
                let _ = std::fs::write(&pdf_path, &job);
                let _ = ingest::read_document(&pdf_path, &Overrides::default(), false);
                let _ = std::fs::remove_file(&pdf_path);
            } else {
                exercise(&job);
            }
            let _ = tx.send(());
        });
        match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(()) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                let path = std::env::temp_dir().join(format!("gongkai-hang-{i}.bin"));
                let _ = std::fs::write(&path, &input);
                panic!("input {i} took over 90 s (saved to {})", path.display());
            }
            Err(_) => {
                let path = std::env::temp_dir().join(format!("gongkai-crash-{i}.bin"));
                let _ = std::fs::write(&path, &input);
                panic!("input {i} panicked (saved to {})", path.display());
            }
        }
    }
    eprintln!(
        "fuzz campaign: {iters} inputs ({pdfs} of them PDFs) in {:.1} s, no panic, no hang",
        started.elapsed().as_secs_f64()
    );
}

/// A damaged PDF that makes pdftotext write far more errors than a pipe holds is refused at
/// once with pdftotext's first words — not after the 60 s deadline (stderr is drained while it
/// runs). A stand-in `pdftotext` on PATH writes 400 kB of errors and fails.
#[test]
fn a_pdf_whose_errors_overflow_the_pipe_is_refused_with_them() {
    use std::os::unix::fs::PermissionsExt;
    let dir = workdir();
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).expect("bin");
    let fake = bin.join("pdftotext");
    std::fs::write(
        &fake,
        "#!/bin/sh\necho 'Syntax Error: damaged xref' >&2\nhead -c 400000 /dev/zero | tr '\\0' 'e' >&2\nexit 1\n",
    )
    .expect("script");
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::write(dir.path().join("damaged.pdf"), b"%PDF-1.4\n%broken").expect("pdf");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_gongkai"))
        .args(["ingest", "--data", "wh", "damaged.pdf"])
        .current_dir(dir.path())
        .env("PATH", path)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("pdftotext could not read this PDF: Syntax Error: damaged xref"),
        "{stderr}"
    );
    assert!(!stderr.contains("did not finish"), "{stderr}");
}

/// A symbolic link looping back to its ancestor is said and passed over; the reports around
/// it are ingested (the walk used to abort on it).
#[test]
fn a_symlink_loop_under_a_directory_is_reported_and_the_walk_goes_on() {
    let dir = workdir();
    let reports = dir.path().join("reports");
    std::fs::create_dir_all(reports.join("sub")).expect("dirs");
    std::fs::copy(jinan(), reports.join("sub/jinan-2017.txt")).expect("copy");
    std::os::unix::fs::symlink("..", reports.join("sub/loop")).expect("symlink");
    let r = gongkai(dir.path(), &["ingest", "--data", "wh", "reports"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("symbolic link looping back"),
        "{}",
        r.stderr
    );
    let rows = query_csv(dir.path(), "wh", "SELECT count(*) FROM reports");
    assert_eq!(rows, vec![vec!["2".to_string()]]);
}
