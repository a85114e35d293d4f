//! The command line, and the one place where errors become exit codes:
//! 0 ok, 1 a data or SQL error, 2 a usage error (clap's own exit code for bad flags).
//!
//! Results go to stdout; diagnostics (errors, row counts, ingest messages) to stderr. A closed
//! stdout (`gongkai … | head`) ends the run quietly with 0.

use std::io::{self, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::engine::Engine;
use crate::ingest::{self, Overrides};
use crate::model::{Scope, Template};
use crate::output::Format;
use crate::shell::{repl, Session, ShellError};
use crate::warehouse::{Change, Warehouse, Writer};

const EXAMPLES: &str = "\
Examples:
  gongkai                                   open the REPL on the warehouse in ./data
  gongkai -c \"SELECT jurisdiction, scope, year, value FROM facts WHERE indicator = 'review.corrected'\"
  gongkai -f queries/review_correction_rate.sql --format csv --bom > rates.csv
  gongkai run ranking --param indicator=review.total --param year=2017
  gongkai queries                           list the saved analyses and their parameters
  gongkai -c \"SELECT * FROM facts\" --format xlsx --output facts.xlsx
  gongkai ingest reports/                   add every report under reports/ to ./data
  gongkai ingest --data my-warehouse jinan-2017.txt --scope whole
  gongkai check 济南市                       data-quality findings, with the source lines
  gongkai check --warehouse                 verify the warehouse's files
  gongkai compact                           one segment per year, facts clustered (large corpora)

Exit codes: 0 ok, 1 a data or SQL error, 2 a usage error.";

/// gongkai (公开): SQL over the statistical tables of government information-disclosure annual reports.
#[derive(Parser, Debug)]
#[command(name = "gongkai", version, after_help = EXAMPLES)]
pub struct Cli {
    /// The warehouse directory.
    #[arg(long, global = true, env = "GONGKAI_DATA", default_value = "data")]
    pub data: PathBuf,

    /// A directory of table templates (*.toml) to read besides the built-in ones: a province's
    /// table, with the codes it declares (README: "Adding a province").
    #[arg(long, global = true, env = "GONGKAI_TEMPLATES", value_name = "DIR")]
    pub templates: Option<PathBuf>,

    /// Run this SQL and exit (repeatable; runs in order).
    #[arg(short = 'c', long = "command", value_name = "SQL")]
    pub commands: Vec<String>,

    /// Run the statements of this file and exit (repeatable).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Output format: table, csv, tsv, json, ndjson, markdown, line or xlsx.
    #[arg(long, global = true, default_value = "table", value_parser = parse_format)]
    pub format: Format,

    /// Write results to FILE instead of stdout (FILE.xlsx: an Excel workbook).
    #[arg(long, short = 'o', global = true, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Start the output with a UTF-8 byte-order mark, so Excel opens CSV as UTF-8.
    #[arg(long, global = true)]
    pub bom: bool,

    /// Print each statement's time (and row count) on stderr.
    #[arg(long, global = true)]
    pub timer: bool,

    /// Keep going after a failed statement (the run still exits 1).
    #[arg(long, global = true)]
    pub continue_on_error: bool,

    /// Directory of saved queries (they add to and override the bundled ones).
    #[arg(
        long,
        global = true,
        env = "GONGKAI_QUERIES",
        default_value = "queries"
    )]
    pub queries: PathBuf,

    /// At most this much memory for a query (e.g. 512M, 2G): sorts and aggregations spill to
    /// disk beyond it; what cannot spill fails cleanly.
    #[arg(long, global = true, env = "GONGKAI_MEMORY_LIMIT", value_name = "SIZE", value_parser = parse_size)]
    pub memory_limit: Option<usize>,

    /// Colour on stderr and in the REPL: auto (only on a terminal), always or never.
    #[arg(long, global = true, default_value = "auto", value_parser = ["auto", "always", "never"])]
    pub color: String,

    /// History file for the REPL (default: the per-user data directory; or $GONGKAI_HISTORY).
    #[arg(long, value_name = "FILE")]
    pub history_file: Option<PathBuf>,

    /// Subcommand.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `512M`, `2G`, `100000` (bytes).
fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim().to_ascii_uppercase();
    let t = t.strip_suffix('B').unwrap_or(&t);
    let (num, mult) = match t.chars().last() {
        Some('K') => (&t[..t.len() - 1], 1usize << 10),
        Some('M') => (&t[..t.len() - 1], 1 << 20),
        Some('G') => (&t[..t.len() - 1], 1 << 30),
        _ => (t, 1),
    };
    num.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| *n > 0.0)
        .map(|n| (n * mult as f64) as usize)
        .ok_or_else(|| format!("'{s}' is not a size (e.g. 512M, 2G)"))
}

fn parse_format(s: &str) -> Result<Format, String> {
    s.parse()
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Read report documents into the warehouse (one commit for the whole run).
    Ingest(IngestArgs),
    /// Check the warehouse's figures: arithmetic, 本级 against 全市, year to year, prose against
    /// table. Findings go to the `checks` table too.
    Check(CheckArgs),
    /// Merge the segments of many ingests into one per year, facts clustered by breakdown and indicator
    /// (faster queries at scale; one atomic commit).
    Compact(CompactArgs),
    /// List the saved queries with their descriptions and parameters.
    Queries,
    /// Run a saved query: gongkai run ranking --param year=2017
    Run(RunArgs),
    /// Write a synthetic corpus with its ground truth (for benchmarks and scale tests).
    #[command(hide = true)]
    Synth(SynthArgs),
}

/// `gongkai compact`.
#[derive(Args, Debug)]
pub struct CompactArgs {
    /// Facts per row group (a range of reports); for layout experiments and tests.
    #[arg(long, hide = true, default_value_t = crate::warehouse::compact::FACTS_PER_GROUP)]
    pub facts_per_group: u64,
}

/// `gongkai synth` (a developer tool).
#[derive(Args, Debug)]
pub struct SynthArgs {
    /// Directory to write the documents and truth.tsv into.
    #[arg(long)]
    pub out: PathBuf,
    /// Number of report documents.
    #[arg(long, default_value_t = 1000)]
    pub reports: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// First year.
    #[arg(long, default_value_t = 2015)]
    pub from: i32,
    /// Last year.
    #[arg(long, default_value_t = 2024)]
    pub to: i32,
    /// Shapes of the 2019-onward documents, taken in turn: aligned, tab, cells, crawled.
    #[arg(long, value_delimiter = ',', default_value = "aligned")]
    pub shapes: Vec<crate::synth::Shape>,
}

/// `gongkai check`.
#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Only print the findings of these reports (report_id, or a part of it such as 2017).
    pub reports: Vec<String>,
    /// Verify the warehouse's files instead (Parquet readable and of the expected schema, row
    /// counts, document hashes); exit 1 on any problem.
    #[arg(long)]
    pub warehouse: bool,
    /// Exit 1 when there are findings of this severity or worse: error, warning or never.
    #[arg(long, default_value = "never", value_parser = ["error", "warning", "never"])]
    pub fail_on: String,
}

/// `gongkai run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// The saved query's name (`gongkai queries` lists them).
    pub name: String,
    /// A parameter, name=value (repeatable).
    #[arg(long = "param", short = 'p', value_name = "NAME=VALUE")]
    pub params: Vec<String>,
}

/// `gongkai ingest`.
#[derive(Args, Debug)]
pub struct IngestArgs {
    /// Report files, or directories to search for reports (*.txt, *.pdf, *.html, *.md).
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Fail a document on any problem or unmapped row instead of storing what can be read.
    #[arg(long)]
    pub strict: bool,
    /// Start the warehouse afresh with just these documents (one atomic commit).
    #[arg(long)]
    pub rebuild: bool,
    /// Commit every N documents instead of once for the whole run (large corpora: bounded
    /// memory; each commit is still atomic).
    #[arg(long, value_name = "N")]
    pub batch: Option<usize>,
    /// Print only problems and a summary, not a line per report.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Jurisdiction, when the document's is wrong or missing (e.g. 济南市).
    #[arg(long)]
    pub jurisdiction: Option<String>,
    /// Reporting body (e.g. 济南市人民政府).
    #[arg(long)]
    pub body: Option<String>,
    /// Reporting year.
    #[arg(long)]
    pub year: Option<i32>,
    /// Scope: whole, own or unknown (documents with one table only).
    #[arg(long, value_parser = |s: &str| s.parse::<Scope>())]
    pub scope: Option<Scope>,
    /// Template: national-2014, national-2019 or national-2021.
    #[arg(long, value_parser = |s: &str| s.parse::<Template>())]
    pub template: Option<Template>,
    /// The division (GB/T 2260 code, e.g. 320813), when the jurisdiction's name does not
    /// resolve by itself.
    #[arg(long, value_name = "CODE")]
    pub division: Option<String>,
    /// The body's level: province, prefecture, county, township or department.
    #[arg(long, value_parser = ["province", "prefecture", "county", "township", "department"])]
    pub level: Option<String>,
}

/// Parses the arguments, runs, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // Before anything reads the catalog: a template may add codes to it.
    if let Some(dir) = &cli.templates {
        if let Err(e) = crate::ingest::template::load_user_dir(dir) {
            eprintln!("error: templates: {e}");
            return ExitCode::from(1);
        }
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> ExitCode {
    match &cli.command {
        Some(Command::Ingest(args)) => run_ingest(&cli.data, args),
        Some(Command::Check(args)) => run_check(&cli.data, args),
        Some(Command::Compact(args)) => {
            let started = std::time::Instant::now();
            let result = match Writer::open(&cli.data) {
                Ok(mut w) => {
                    crate::warehouse::compact::compact(
                        &mut w,
                        cli.memory_limit,
                        args.facts_per_group.max(1),
                    )
                    .await
                }
                Err(e) => Err(e),
            };
            match result {
                Ok(c) => {
                    eprintln!(
                        "{} segments -> {} (one per year), {} facts, in {:.1} s",
                        c.before,
                        c.after,
                        c.facts,
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Some(Command::Synth(args)) => {
            let started = std::time::Instant::now();
            match crate::synth::generate(
                &args.out,
                args.reports,
                args.seed,
                args.from,
                args.to,
                &args.shapes,
            ) {
                Ok(figures) => {
                    eprintln!(
                        "{} reports, {figures} figures (truth.tsv) in {} ({:.1} s)",
                        args.reports,
                        args.out.display(),
                        started.elapsed().as_secs_f64()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: {}: {e}", args.out.display());
                    ExitCode::from(1)
                }
            }
        }
        Some(Command::Queries) => {
            print!(
                "{}",
                crate::saved::listing(&crate::saved::load(&cli.queries))
            );
            ExitCode::SUCCESS
        }
        Some(Command::Run(_)) | None => run_sql(&cli).await,
    }
}

fn run_ingest(data: &Path, args: &IngestArgs) -> ExitCode {
    let overrides = Overrides {
        jurisdiction: args.jurisdiction.clone(),
        body: args.body.clone(),
        year: args.year,
        scope: args.scope,
        template: args.template,
        division: args.division.clone(),
        level: args.level.clone(),
    };
    let inputs = match ingest::collect_inputs(&args.paths) {
        Ok(i) => {
            for s in &i.skipped {
                eprintln!("warning: {s}");
            }
            if i.files.is_empty() {
                eprintln!(
                    "error: no report files (*.{}) under {}",
                    ingest::EXTENSIONS.join(", *."),
                    display_paths(&args.paths)
                );
                return ExitCode::from(1);
            }
            i.files
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let started = std::time::Instant::now();
    // Parsing (on every core) and committing (one writer) overlap: while batch N is written,
    // batch N+1 is parsed. The hand-over is a rendezvous, so at most two batches are in memory.
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<Vec<ingest::Document>>(0);
    let (committed, parse_failures) = std::thread::scope(|s| {
        let writer = s.spawn(|| commit_batches(data, args, batches));
        let mut parse_failures: Vec<String> = Vec::new();
        for chunk in inputs.chunks(args.batch.unwrap_or(usize::MAX).max(1)) {
            let (docs, failed) = read_parallel(chunk, &overrides, args.strict);
            parse_failures.extend(failed);
            // The writer hangs up after a failed commit: read no further.
            if !docs.is_empty() && to_writer.send(docs).is_err() {
                break;
            }
        }
        drop(to_writer);
        let committed = writer.join().unwrap_or_else(|_| Committed {
            failures: vec![
                "the writer thread failed (nothing after its last commit was written)".into(),
            ],
            fatal: true,
            ..Committed::default()
        });
        (committed, parse_failures)
    });
    let unread = parse_failures.len();
    let mut failures = parse_failures;
    failures.extend(committed.failures);
    if committed.fatal {
        return finish_ingest(&failures);
    }
    let Committed {
        docs: n_docs,
        reports: n_reports,
        figures: n_figures,
        added,
        replaced,
        unchanged,
        duplicates,
        ..
    } = committed;
    if n_docs == 0 && args.rebuild {
        failures
            .push("--rebuild: no document could be read; the warehouse is left as it was".into());
    }
    // One summary line, always: what the warehouse gained, and what was passed over.
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "{n_docs} documents, {n_reports} reports, {n_figures} figures in {secs:.2} s ({:.0} reports/s): {added} added, {replaced} replaced, {unchanged} unchanged, {duplicates} duplicates, {unread} failed",
        n_reports as f64 / secs.max(1e-9)
    );
    finish_ingest(&failures)
}

/// What the writer thread of an ingest did.
#[derive(Default)]
struct Committed {
    docs: usize,
    reports: usize,
    figures: usize,
    /// Reports added, replaced, unchanged, and copies of a document earlier in a batch.
    added: usize,
    replaced: usize,
    unchanged: usize,
    duplicates: usize,
    failures: Vec<String>,
    /// A commit failed: the ingest stops there (earlier commits stand).
    fatal: bool,
}

/// Commits each parsed batch as it arrives, in order; the first commit of a `--rebuild`
/// replaces the warehouse. Stops at the first failed commit.
fn commit_batches(
    data: &Path,
    args: &IngestArgs,
    batches: std::sync::mpsc::Receiver<Vec<ingest::Document>>,
) -> Committed {
    let mut out = Committed::default();
    let mut rebuild_pending = args.rebuild;
    for mut docs in batches {
        out.failures.extend(ingest::remove_conflicts(&mut docs));
        if docs.is_empty() {
            continue;
        }
        let writer = if rebuild_pending {
            Writer::open_for_rebuild(data)
        } else {
            Writer::open(data)
        };
        let changes = match writer.and_then(|mut w| w.commit(&docs, rebuild_pending)) {
            Ok(c) => c,
            Err(e) => {
                out.failures
                    .push(format!("{e} (this commit was not written)"));
                out.fatal = true;
                return out;
            }
        };
        rebuild_pending = false;
        out.docs += docs.len();
        for c in &changes {
            match c {
                Change::Added { .. } => out.added += 1,
                Change::Replaced { .. } => out.replaced += 1,
                Change::Unchanged { .. } => out.unchanged += 1,
                Change::Duplicate { .. } => out.duplicates += 1,
            }
        }
        out.reports += changes
            .iter()
            .filter(|c| !matches!(c, Change::Duplicate { .. }))
            .count();
        // Figures of the reports stored (a duplicate's are the first copy's).
        out.figures += docs
            .iter()
            .flat_map(|d| &d.reports)
            .zip(&changes)
            .filter(|(_, c)| !matches!(c, Change::Duplicate { .. }))
            .map(|(r, _)| r.figures.len())
            .sum::<usize>();
        describe(&docs, &changes, args.quiet, &mut out.failures);
    }
    out
}

/// Reads documents on every core (parsing is the CPU-bound part of an ingest), keeping their
/// order.
fn read_parallel(
    paths: &[PathBuf],
    overrides: &Overrides,
    strict: bool,
) -> (Vec<ingest::Document>, Vec<String>) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(paths.len().max(1));
    let per = paths.len().div_ceil(threads).max(1);
    let results: Vec<Result<ingest::Document, String>> = std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(per)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|p| {
                            ingest::read_document(p, overrides, strict).map_err(|e| e.to_string())
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec![Err("a parser thread failed".to_string())])
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
    (docs, failures)
}

/// Prints what a commit did, document by document, with each report's diagnostics.
fn describe(
    docs: &[ingest::Document],
    changes: &[Change],
    quiet: bool,
    failures: &mut Vec<String>,
) {
    let mut change = changes.iter();
    for d in docs {
        for r in &d.reports {
            let c = change.next();
            // A duplicate's problems are the first copy's: said once.
            if !matches!(c, Some(Change::Duplicate { .. })) {
                for p in &r.problems {
                    failures.push(format!(
                        "{}:{}: {}",
                        d.source_file,
                        p.source_line,
                        problem_text(p)
                    ));
                }
            }
            if quiet {
                continue;
            }
            let id = r.report_id();
            let what = match c.filter(|c| change_id(c) == id) {
                Some(Change::Added { figures, .. }) => format!("added {id} ({figures} figures)"),
                Some(Change::Replaced {
                    figures,
                    previous_source,
                    ..
                }) => {
                    format!("replaced {id} from {previous_source} ({figures} figures)")
                }
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
            let (checked, failed) = crate::check::report_identities(r);
            let derived = r.figures.iter().filter(|f| f.derived).count();
            let ambiguous = r
                .problems
                .iter()
                .filter(|p| p.message.contains("ambiguous"))
                .count();
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
    }
}

fn run_check(data: &Path, args: &CheckArgs) -> ExitCode {
    if args.warehouse {
        let w = match Warehouse::open(data) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(1);
            }
        };
        let problems = w.verify();
        for p in &problems {
            eprintln!("error: {p}");
        }
        if problems.is_empty() {
            eprintln!(
                "{}: sound (generation {}, {} segments)",
                data.display(),
                w.manifest().generation,
                w.manifest().segments.len()
            );
            return ExitCode::SUCCESS;
        }
        return ExitCode::from(1);
    }
    let result = Warehouse::open(data).and_then(|w| {
        let findings = crate::check::run(&w)?;
        let (_, reports) = crate::check::load(&w)?;
        Writer::open(data)?.store_checks(&findings)?;
        Ok((w, findings, reports))
    });
    let (w, findings, reports) = match result {
        Ok(x) => x,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let shown: Vec<&crate::check::Finding> = findings
        .iter()
        .filter(|f| {
            args.reports.is_empty()
                || args
                    .reports
                    .iter()
                    .any(|r| f.report_id.contains(r.as_str()))
        })
        .collect();
    let mut out = io::stdout().lock();
    for f in &shown {
        let _ = writeln!(
            out,
            "{}: {}: {}: {}",
            f.severity, f.report_id, f.rule, f.message
        );
        let sha = reports
            .iter()
            .find(|r| r.report_id == f.report_id)
            .map(|r| r.sha256.as_str())
            .unwrap_or("");
        let lines: Vec<u32> = f
            .source_lines
            .split(',')
            .filter_map(|l| l.parse().ok())
            .collect();
        for (line, text) in crate::check::cite(&w, sha, &lines).into_iter().take(6) {
            let _ = writeln!(out, "    {}:{line}: {}", f.source_file, text.trim());
        }
    }
    let errors = shown.iter().filter(|f| f.severity == "error").count();
    let warnings = shown.len() - errors;
    eprintln!(
        "{} finding{} ({errors} errors, {warnings} warnings); stored in the `checks` table",
        shown.len(),
        if shown.len() == 1 { "" } else { "s" }
    );
    let fail = match args.fail_on.as_str() {
        "error" => errors > 0,
        "warning" => !shown.is_empty(),
        _ => false,
    };
    if fail {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn problem_text(p: &crate::model::Problem) -> String {
    if p.label.is_empty() {
        p.message.clone()
    } else {
        format!("'{}': {} (left out)", p.label.trim(), p.message)
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

fn finish_ingest(failures: &[String]) -> ExitCode {
    if failures.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!(
        "{} problem{}:",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    for f in failures {
        eprintln!("  error: {f}");
    }
    ExitCode::from(1)
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn color_on(cli: &Cli) -> bool {
    match cli.color.as_str() {
        "always" => true,
        "never" => false,
        _ => io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}

async fn run_sql(cli: &Cli) -> ExitCode {
    let color = color_on(cli);
    let fail = |e: &ShellError| {
        repl::report(e, color);
        ExitCode::from(1)
    };
    let warehouse = match Warehouse::open(&cli.data) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let engine = match Engine::open_with_limit(&warehouse, cli.memory_limit) {
        Ok(e) => e,
        Err(e) => {
            eprintln!("error: opening {}: {e}", cli.data.display());
            return ExitCode::from(1);
        }
    };
    let mut session = Session::new(engine, cli.format);
    session.queries_dir = cli.queries.clone();
    session.data_dir = cli.data.clone();
    if let Some((_, true)) = warehouse.checks_file() {
        eprintln!(
            "note: the `checks` table predates the last ingest; run `gongkai check` to refresh it"
        );
    }
    session.bom = cli.bom;
    session.timer = cli.timer;
    if let Some(path) = &cli.output {
        match Session::open_destination(path, cli.bom) {
            Ok(d) => session.output = d,
            Err(e) => return fail(&e),
        }
    } else if cli.format == Format::Xlsx {
        eprintln!("error: --format xlsx writes a workbook: add --output FILE.xlsx");
        return ExitCode::from(2);
    }
    let outcome = if let Some(Command::Run(args)) = &cli.command {
        match crate::saved::parse_params(&args.params) {
            Ok(params) => session.run_saved(&args.name, &params).await.map(|()| 0),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        let mut scripts: Vec<(String, String)> = Vec::new();
        for (i, c) in cli.commands.iter().enumerate() {
            scripts.push((c.clone(), format!("-c #{}", i + 1)));
        }
        for f in &cli.files {
            match std::fs::read_to_string(f) {
                Ok(text) => scripts.push((text, f.display().to_string())),
                Err(e) => {
                    eprintln!("error: {}: {e}", f.display());
                    return ExitCode::from(1);
                }
            }
        }
        if scripts.is_empty() && io::stdin().is_terminal() {
            let history = repl::history_path(cli.history_file.clone());
            return match repl::run(session, history, color).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(&e),
            };
        }
        if scripts.is_empty() {
            let mut text = String::new();
            if let Err(e) = io::stdin().read_to_string(&mut text) {
                eprintln!("error: reading SQL from stdin: {e}");
                return ExitCode::from(1);
            }
            scripts.push((text, "stdin".into()));
        }
        // Several statements with --format json on stdout: one array of their arrays.
        let statements: usize = scripts
            .iter()
            .map(|(text, _)| {
                crate::shell::script::split_statements(text)
                    .iter()
                    .filter(|s| !s.is_meta())
                    .count()
            })
            .sum();
        let wrap = session.format == crate::output::Format::Json
            && statements > 1
            && session.output == crate::shell::Destination::Stdout;
        if wrap {
            session.begin_json_array();
        }
        let mut failed = 0usize;
        let mut error = None;
        for (text, origin) in &scripts {
            match session
                .run_script(text, origin, cli.continue_on_error)
                .await
            {
                Ok(n) => failed += n,
                Err(e) => {
                    error = Some(e);
                    break;
                }
            }
        }
        if wrap {
            if let Err(e) = session.end_json_array() {
                error.get_or_insert(e);
            }
        }
        match error {
            Some(e) => Err(e),
            None => Ok(failed),
        }
    };
    match outcome {
        Ok(0) => ExitCode::SUCCESS,
        Ok(failed) => {
            eprintln!(
                "{failed} statement{} failed",
                if failed == 1 { "" } else { "s" }
            );
            ExitCode::from(1)
        }
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e @ ShellError::Cancelled) => {
            repl::report(&e, color);
            ExitCode::from(130)
        }
        Err(e) => fail(&e),
    }
}
