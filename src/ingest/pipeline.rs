//! An ingest run: documents read on every core, committed by one writer, batch by batch.
//!
//! Parsing (CPU-bound, on every core) and committing (one writer) overlap: while batch N is
//! written, batch N+1 is parsed. The hand-over is a rendezvous, so at most two batches are in
//! memory. Each commit is atomic; a run stopped between commits (a failed commit, Ctrl-C)
//! leaves the warehouse as of its last commit. What the run did comes back as a [`Summary`];
//! what a caller prints as it goes is up to its [`Observer`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::{read_document, remove_conflicts, Document, Overrides};
use crate::model::Problem;
use crate::warehouse::{Change, CommitTimes, Writer};

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Metadata given on the command line.
    pub overrides: Overrides,
    /// Fail a document on any problem or unmapped row.
    pub strict: bool,
    /// The first commit replaces the warehouse.
    pub rebuild: bool,
    /// Documents per commit (`None`: one commit for the run).
    pub batch: Option<usize>,
}

/// What an ingest run did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Documents committed.
    pub docs: usize,
    /// Reports in them (duplicates not counted).
    pub reports: usize,
    /// Figures of the reports stored.
    pub figures: usize,
    /// Reports added.
    pub added: usize,
    /// Reports replaced.
    pub replaced: usize,
    /// Reports already stored from the same document.
    pub unchanged: usize,
    /// Copies of a document earlier in a batch.
    pub duplicates: usize,
    /// Documents that could not be read.
    pub unread: usize,
    /// Commits written.
    pub commits: usize,
    /// Every failure and problem, each naming its file (and line).
    pub failures: Vec<String>,
    /// A commit failed: the run stopped there (earlier commits stand).
    pub fatal: bool,
    /// Stopped by the caller (Ctrl-C) before every document was committed.
    pub interrupted: bool,
    /// Where the time went.
    pub stages: Stages,
}

/// Seconds spent in each stage of a run. Reading overlaps writing (batch N+1 is read while
/// batch N is written), so the stages add up to more than the run's time.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Stages {
    /// Reading, decoding and parsing documents: wall time of the parallel reads.
    pub read: f64,
    /// The same summed over the reading threads (CPU time of parsing, I/O included).
    pub read_busy: f64,
    /// Waiting for the writer to take a batch (reading is ahead).
    pub handover: f64,
    /// Opening the warehouse for each commit (manifest, lock).
    pub open: f64,
    /// The commits' stages.
    pub commit: CommitTimes,
}

impl Stages {
    /// One line per stage, for `ingest --timings`.
    pub fn lines(&self) -> Vec<String> {
        let c = &self.commit;
        [
            ("read + decode + parse (wall)", self.read),
            (
                "read + decode + parse (summed over threads)",
                self.read_busy,
            ),
            ("reader waiting for the writer", self.handover),
            ("writer: open warehouse", self.open),
            ("writer: stored report ids (index)", c.index),
            ("writer: kept documents", c.documents),
            ("writer: encode + write segments", c.segments),
            ("writer: sync documents + segments", c.sync),
            ("writer: manifest + sync (commit point)", c.publish),
        ]
        .iter()
        .map(|(name, secs)| format!("{secs:9.3} s  {name}"))
        .collect()
    }
}

impl Summary {
    /// The one line printed at the end of every run.
    pub fn line(&self, seconds: f64) -> String {
        format!(
            "{} documents, {} reports, {} figures in {seconds:.2} s ({:.0} reports/s): {} added, {} replaced, {} unchanged, {} duplicates, {} failed",
            self.docs,
            self.reports,
            self.figures,
            self.reports as f64 / seconds.max(1e-9),
            self.added,
            self.replaced,
            self.unchanged,
            self.duplicates,
            self.unread
        )
    }

    fn count(&mut self, docs: &[Document], changes: &[Change]) {
        self.commits += 1;
        self.docs += docs.len();
        let reports = docs
            .iter()
            .flat_map(|d| d.reports.iter().map(move |r| (d, r)));
        for ((d, r), c) in reports.zip(changes) {
            match c {
                Change::Added { .. } => self.added += 1,
                Change::Replaced { .. } => self.replaced += 1,
                Change::Unchanged { .. } => self.unchanged += 1,
                Change::Duplicate { .. } => {
                    // A duplicate's figures and problems are the first copy's: counted once.
                    self.duplicates += 1;
                    continue;
                }
            }
            self.reports += 1;
            self.figures += r.figures.len();
            for p in &r.problems {
                self.failures.push(format!(
                    "{}:{}: {}",
                    d.source_file,
                    p.source_line,
                    problem_text(p)
                ));
            }
        }
    }
}

/// A problem as one line: the row's label, what is wrong, and that it was left out.
pub fn problem_text(p: &Problem) -> String {
    if p.label.is_empty() {
        p.message.clone()
    } else {
        format!("'{}': {} (left out)", p.label.trim(), p.message)
    }
}

/// What the caller hears as the run goes (from the parsing and the writing threads).
pub trait Observer: Sync {
    /// `n` more documents were read (or failed to be).
    fn read(&self, _n: usize) {}
    /// A commit was written: the documents and what happened to each of their reports.
    fn committed(&self, _docs: &[Document], _changes: &[Change]) {}
}

/// An observer that hears nothing.
pub struct Silent;
impl Observer for Silent {}

/// Reads `inputs` and commits them to the warehouse in `data`; `stop` (set by a Ctrl-C
/// handler) ends the run before the next commit.
pub fn run(
    data: &Path,
    inputs: &[PathBuf],
    options: &Options,
    stop: &AtomicBool,
    observer: &dyn Observer,
) -> Summary {
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<Document>>(0);
    let mut reading = Stages::default();
    let (mut summary, parse_failures) = std::thread::scope(|s| {
        let writer = s.spawn(|| commit_batches(data, options, batches, stop, observer));
        let mut parse_failures: Vec<String> = Vec::new();
        for chunk in inputs.chunks(options.batch.unwrap_or(usize::MAX).max(1)) {
            let started = std::time::Instant::now();
            let (docs, failed, busy) = read_parallel(chunk, options, stop, observer);
            reading.read += started.elapsed().as_secs_f64();
            reading.read_busy += busy;
            parse_failures.extend(failed);
            // The writer hangs up after a failed commit: read no further.
            let started = std::time::Instant::now();
            if stop.load(Ordering::Relaxed) || (!docs.is_empty() && to_writer.send(docs).is_err()) {
                break;
            }
            reading.handover += started.elapsed().as_secs_f64();
        }
        drop(to_writer);
        let summary = writer.join().unwrap_or_else(|_| Summary {
            failures: vec![
                "the writer thread failed (nothing after its last commit was written)".into(),
            ],
            fatal: true,
            ..Summary::default()
        });
        (summary, parse_failures)
    });
    summary.interrupted = stop.load(Ordering::Relaxed);
    summary.stages = Stages {
        open: summary.stages.open,
        commit: summary.stages.commit,
        ..reading
    };
    summary.unread = parse_failures.len();
    let mut failures = parse_failures;
    failures.append(&mut summary.failures);
    summary.failures = failures;
    if summary.docs == 0 && options.rebuild && !summary.fatal && !summary.interrupted {
        summary
            .failures
            .push("--rebuild: no document could be read; the warehouse is left as it was".into());
    }
    summary
}

/// Commits each parsed batch as it arrives, in order; the first commit of a rebuild replaces
/// the warehouse. Stops at the first failed commit, or when told to.
fn commit_batches(
    data: &Path,
    options: &Options,
    batches: std::sync::mpsc::Receiver<Vec<Document>>,
    stop: &AtomicBool,
    observer: &dyn Observer,
) -> Summary {
    let mut out = Summary::default();
    let mut rebuild_pending = options.rebuild;
    // One writer for the run: the lock is held from the first commit to the last, and the
    // stored reports' index is carried from commit to commit instead of read again.
    let mut writer: Option<Writer> = None;
    for mut docs in batches {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        out.failures.extend(remove_conflicts(&mut docs));
        if docs.is_empty() {
            continue;
        }
        let started = std::time::Instant::now();
        if writer.is_none() {
            let opened = if rebuild_pending {
                Writer::open_for_rebuild(data)
            } else {
                Writer::open(data)
            };
            match opened {
                Ok(w) => writer = Some(w),
                Err(e) => {
                    out.failures
                        .push(format!("{e} (this commit was not written)"));
                    out.fatal = true;
                    return out;
                }
            }
        }
        out.stages.open += started.elapsed().as_secs_f64();
        let Some(w) = writer.as_mut() else {
            break;
        };
        let changes = match w.commit(&docs, rebuild_pending) {
            Ok(c) => {
                let (s, t) = (&mut out.stages.commit, w.times);
                s.index += t.index;
                s.documents += t.documents;
                s.segments += t.segments;
                s.sync += t.sync;
                s.publish += t.publish;
                c
            }
            Err(e) => {
                out.failures
                    .push(format!("{e} (this commit was not written)"));
                out.fatal = true;
                return out;
            }
        };
        rebuild_pending = false;
        out.count(&docs, &changes);
        observer.committed(&docs, &changes);
    }
    out
}

/// Reads documents on every core, keeping their order; also the seconds the threads spent.
fn read_parallel(
    paths: &[PathBuf],
    options: &Options,
    stop: &AtomicBool,
    observer: &dyn Observer,
) -> (Vec<Document>, Vec<String>, f64) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len().max(1));
    let per = paths.len().div_ceil(threads).max(1);
    let mut busy = 0.0;
    let results: Vec<Result<Document, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    let started = std::time::Instant::now();
                    let mut out = Vec::with_capacity(part.len());
                    for p in part {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        out.push(
                            read_document(p, &options.overrides, options.strict)
                                .map_err(|e| e.to_string()),
                        );
                        observer.read(1);
                    }
                    (out, started.elapsed().as_secs_f64())
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                let (docs, secs) = h
                    .join()
                    .unwrap_or_else(|_| (vec![Err("a parser thread failed".to_string())], 0.0));
                busy += secs;
                docs
            })
            .collect()
    });
    let mut docs = Vec::new();
    let mut failures = Vec::new();
    for r in results {
        match r {
            Ok(d) => docs.push(d),
            Err(e) => failures.push(e),
        }
    }
    (docs, failures, busy)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report_file(dir: &Path, name: &str, year: i32) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!(
                "莆田市农业局{year}年度政府信息公开工作年度报告\n一、概述\n{year}年，本局共受理政府信息公开申请3件。\n"
            ),
        )
        .expect("write");
        path
    }

    #[test]
    fn a_run_counts_what_it_stored_and_what_it_could_not_read() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = report_file(dir.path(), "a.txt", 2016);
        let b = report_file(dir.path(), "b.txt", 2017);
        let copy = dir.path().join("copy.txt");
        std::fs::copy(&a, &copy).expect("copy");
        let bad = dir.path().join("bad.txt");
        std::fs::write(&bad, "not a report\n").expect("write");
        let data = dir.path().join("w");
        let s = run(
            &data,
            &[a, b, copy, bad],
            &Options::default(),
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!(
            (
                s.docs,
                s.reports,
                s.figures,
                s.added,
                s.duplicates,
                s.unread,
                s.commits
            ),
            (3, 2, 2, 2, 1, 1, 1)
        );
        assert_eq!(s.failures.len(), 1, "{:?}", s.failures);
        assert!(s.failures[0].contains("bad.txt"), "{:?}", s.failures);
        assert!(!s.interrupted && !s.fatal);
    }

    #[test]
    fn a_stopped_run_commits_nothing_more() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = report_file(dir.path(), "a.txt", 2016);
        let data = dir.path().join("w");
        let s = run(
            &data,
            &[a],
            &Options::default(),
            &AtomicBool::new(true),
            &Silent,
        );
        assert!(s.interrupted);
        assert_eq!((s.docs, s.commits), (0, 0));
        assert!(!data.join("manifest.json").exists());
    }

    #[test]
    fn the_index_carried_between_commits_sees_what_earlier_commits_stored() {
        let dir = tempfile::tempdir().expect("tempdir");
        let a = report_file(dir.path(), "a.txt", 2016);
        let b = report_file(dir.path(), "b.txt", 2017);
        // Another document for a's report (replaces it), then b's own document again
        // (unchanged), each in a commit of its own.
        let c = dir.path().join("c.txt");
        std::fs::write(
            &c,
            "莆田市农业局2016年度政府信息公开工作年度报告\n一、概述\n2016年，本局共受理政府信息公开申请5件。\n",
        )
        .expect("write");
        let b_again = dir.path().join("b-again.txt");
        std::fs::copy(&b, &b_again).expect("copy");
        let options = Options {
            batch: Some(1),
            ..Options::default()
        };
        let data = dir.path().join("w");
        let files = [a, b, c.clone(), b_again, c];
        let s = run(&data, &files, &options, &AtomicBool::new(false), &Silent);
        assert_eq!(
            (s.added, s.replaced, s.unchanged, s.commits),
            (2, 1, 2, 5),
            "{s:?}"
        );
        // What a writer opened afresh reads from the segments agrees.
        let w = crate::warehouse::Warehouse::open(&data).expect("open");
        let shas = crate::check::load_reports(&w).expect("reports");
        assert_eq!(shas.len(), 2);
        let again = run(
            &data,
            &files[2..4],
            &options,
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!((again.added, again.replaced, again.unchanged), (0, 0, 2));
    }

    #[test]
    fn batches_are_committed_one_by_one() {
        let dir = tempfile::tempdir().expect("tempdir");
        let files: Vec<PathBuf> = (2014..2019)
            .map(|y| report_file(dir.path(), &format!("{y}.txt"), y))
            .collect();
        let options = Options {
            batch: Some(2),
            ..Options::default()
        };
        let s = run(
            &dir.path().join("w"),
            &files,
            &options,
            &AtomicBool::new(false),
            &Silent,
        );
        assert_eq!((s.docs, s.added, s.commits), (5, 5, 3));
        // Every stage that ran was timed (`ingest --timings`).
        let c = s.stages.commit;
        assert!(s.stages.read > 0.0 && s.stages.read_busy >= s.stages.read * 0.5);
        assert!(
            c.documents > 0.0 && c.segments > 0.0 && c.publish > 0.0,
            "{c:?}"
        );
        assert!(c.sync > 0.0, "{c:?}");
        assert_eq!(s.stages.lines().len(), 9);
    }
}
