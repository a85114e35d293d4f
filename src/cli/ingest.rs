//! `gongkai ingest`: runs [`crate::ingest::pipeline`] and says what it did — a line per
//! report (unless `--quiet`), its diagnostics, and one summary line always.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::{Error, IngestArgs};
use crate::ingest::pipeline::{self, Observer, Options};
use crate::ingest::{self, Document, Overrides};
use crate::warehouse::Change;

/// Prints each commit's reports as they are stored, under a progress bar on a terminal
/// (documents read, their rate, the time left).
struct Printer {
    quiet: bool,
    bar: Option<indicatif::ProgressBar>,
}

impl Printer {
    fn new(quiet: bool, documents: usize) -> Self {
        use std::io::IsTerminal;
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::new(documents as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:30} {pos}/{len} documents ({per_sec}, {eta} left) {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        Printer { quiet, bar }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Observer for Printer {
    fn read(&self, n: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(n as u64);
        }
    }

    fn committed(&self, docs: &[Document], changes: &[Change]) {
        let show = || {
            if !self.quiet {
                describe(docs, changes);
            }
        };
        match &self.bar {
            Some(bar) => {
                bar.suspend(show);
                bar.set_message(format!("{} reports stored", changes.len()));
            }
            None => show(),
        }
    }
}

/// Runs an ingest; Ctrl-C (`stop`) ends it before its next commit.
pub fn run(data: &Path, args: &IngestArgs, stop: Arc<AtomicBool>) -> Result<(), Error> {
    let inputs = inputs(&args.paths)?;
    let options = Options {
        overrides: Overrides {
            jurisdiction: args.jurisdiction.clone(),
            body: args.body.clone(),
            year: args.year,
            scope: args.scope,
            template: args
                .template
                .as_deref()
                .map(crate::ingest::template::by_name)
                .transpose()
                .map_err(Error::Usage)?,
            division: args.division.clone(),
            level: args.level.map(|l| l.as_str().to_string()),
        },
        strict: args.strict,
        rebuild: args.rebuild,
        batch: args.batch,
    };
    let started = std::time::Instant::now();
    let printer = Printer::new(args.quiet, inputs.len());
    let summary = pipeline::run(data, &inputs, &options, &stop, &printer);
    printer.finish();
    if summary.interrupted {
        return Err(Error::Interrupted(match summary.commits {
            0 => "nothing committed".to_string(),
            n => format!(
                "{n} commit{} stand ({} documents); the rest was not stored",
                if n == 1 { "" } else { "s" },
                summary.docs
            ),
        }));
    }
    if !summary.fatal {
        eprintln!("{}", summary.line(started.elapsed().as_secs_f64()));
        if args.timings {
            summary.stages.lines().iter().for_each(|l| eprintln!("{l}"));
        }
    }
    if summary.failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Problems(summary.failures))
    }
}

/// The report files named or found under the directories named; what was passed over is
/// said as a warning.
pub fn inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>, Error> {
    let found = ingest::collect_inputs(paths).map_err(|e| Error::Failed(e.to_string()))?;
    for s in &found.skipped {
        eprintln!("warning: {s}");
    }
    if found.files.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Failed(format!(
            "no report files (*.{}) under {}",
            ingest::EXTENSIONS.join(", *."),
            names.join(", ")
        )));
    }
    Ok(found.files)
}

/// A flag that Ctrl-C sets (instead of killing the process), so that an ingest stops between
/// commits and says so.
pub fn stop_on_ctrl_c(runtime: &tokio::runtime::Runtime) -> Arc<AtomicBool> {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    stop
}

/// Prints what a commit did, document by document, with each report's diagnostics.
fn describe(docs: &[Document], changes: &[Change]) {
    let mut change = changes.iter();
    for d in docs {
        for r in &d.reports {
            let c = change.next();
            let id = r.report_id();
            let what = match c.filter(|c| change_id(c) == id) {
                Some(Change::Added { figures, .. }) => format!("added {id} ({figures} figures)"),
                Some(Change::Replaced {
                    figures,
                    previous_source,
                    ..
                }) => format!("replaced {id} from {previous_source} ({figures} figures)"),
                Some(Change::Duplicate { of, .. }) => {
                    format!("duplicate of {of}: {id} is stored once")
                }
                Some(Change::Unchanged { .. }) => {
                    format!("unchanged {id} (already ingested from this document)")
                }
                None => format!("skipped {id}"),
            };
            eprintln!("{}: {what}", d.source_file);
            if matches!(c, Some(Change::Duplicate { .. })) {
                continue; // its diagnostics are the first copy's
            }
            diagnostics(d, r);
        }
    }
}

/// A report's counts, identities that fail as printed, notes and unmapped rows.
fn diagnostics(d: &Document, r: &crate::model::Report) {
    let (checked, failed) = crate::check::report_identities(r);
    let derived = r.figures.iter().filter(|f| f.derived).count();
    let ambiguous = r.problems.iter().filter(|p| p.is_ambiguous()).count();
    eprintln!(
        "  {} figures ({derived} derived); identities: {checked} checked, {} failed; {} notes; {ambiguous} ambiguous; {} unmapped",
        r.figures.len(),
        failed.len(),
        r.notes.len(),
        r.unmapped.len()
    );
    for f in &failed {
        eprintln!("  note: as printed, {f}");
    }
    for n in &r.notes {
        eprintln!("  note: {}:{}: {}", d.source_file, n.source_line, n.message);
    }
    for u in &r.unmapped {
        eprintln!(
            "  warning: {}:{}: row '{}' maps to no indicator; kept in `unmapped`",
            d.source_file, u.source_line, u.label
        );
    }
}

fn change_id(c: &Change) -> &str {
    match c {
        Change::Added { report_id, .. }
        | Change::Replaced { report_id, .. }
        | Change::Unchanged { report_id }
        | Change::Duplicate { report_id, .. } => report_id,
    }
}
