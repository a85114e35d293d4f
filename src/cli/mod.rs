//! The command line: argument definitions and dispatch, and the one place where an error is
//! printed and becomes an exit code ([`Error::exit_code`]; the table is in `--help`).
//!
//! Results go to stdout; diagnostics (errors, row counts, ingest messages) to stderr. A closed
//! stdout (`gongkai … | head`) ends the run quietly with 0.

mod check;
mod error;
mod ingest;
pub mod sql;

use std::io::{self, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub use error::{Error, EXIT_CODES};

use crate::model::Scope;
use crate::output::Format;
use crate::shell::repl;
use crate::warehouse::Writer;

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
  gongkai migrate                           upgrade a warehouse of an older layout in place

The warehouse: --data DIR (or $GONGKAI_DATA); else ./data; else the user's data directory
($XDG_DATA_HOME/gongkai/warehouse), so the shell finds it from anywhere.";

/// gongkai (公开): SQL over the statistical tables of government information-disclosure annual reports.
#[derive(Parser, Debug)]
#[command(name = "gongkai", version, after_help = after_help())]
pub struct Cli {
    /// The warehouse directory (default: ./data, else the user's data directory).
    #[arg(long, global = true, env = "GONGKAI_DATA")]
    pub data: Option<PathBuf>,

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

    /// Answer every aggregation from the facts themselves, never from the segments' rollups
    /// (for comparing; the answers are the same).
    #[arg(long, global = true)]
    pub no_rollups: bool,

    /// Colour on stderr and in the REPL: auto (only on a terminal), always or never.
    #[arg(long, global = true, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// History file for the REPL (default: the per-user data directory; or $GONGKAI_HISTORY).
    #[arg(long, value_name = "FILE")]
    pub history_file: Option<PathBuf>,

    /// Subcommand.
    #[command(subcommand)]
    pub command: Option<Command>,
}

fn after_help() -> String {
    format!("{EXAMPLES}\n\n{EXIT_CODES}")
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Only on a terminal, and not when `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// `check --fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Exit 1 on an error finding.
    Error,
    /// Exit 1 on any finding.
    Warning,
    /// Exit 0 whatever is found.
    Never,
}

/// `ingest --level`: where the body sits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Level {
    /// 省级
    Province,
    /// 地级
    Prefecture,
    /// 县级
    County,
    /// 乡级
    Township,
    /// A government department.
    Department,
}

impl Level {
    /// The name stored in `reports.level`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::Prefecture => "prefecture",
            Level::County => "county",
            Level::Township => "township",
            Level::Department => "department",
        }
    }
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
    /// Upgrade a warehouse of an older layout in place (one atomic commit; any write does
    /// it too), and sum the rollups of segments written before them.
    Migrate,
    /// Write a synthetic corpus with its ground truth (for benchmarks and scale tests).
    #[command(hide = true)]
    Synth(SynthArgs),
}

/// `gongkai compact`.
#[derive(Args, Debug)]
pub struct CompactArgs {
    /// Facts per row group (a range of reports); for layout experiments and tests.
    #[arg(long, hide = true, default_value_t = crate::compact::FACTS_PER_GROUP)]
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
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
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
    /// Report files, or directories to search for reports (*.txt, *.text, *.pdf, *.html,
    /// *.htm, *.md).
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
    /// After the summary, the seconds spent in each stage (read and parse, the commits'
    /// stages).
    #[arg(long)]
    pub timings: bool,
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
    /// Template: national-2014, national-2019, national-2021, fujian, none (a report printing
    /// no table: figures from its prose), or a template from --templates.
    #[arg(long, value_name = "NAME")]
    pub template: Option<String>,
    /// The division (GB/T 2260 code, e.g. 320813), when the jurisdiction's name does not
    /// resolve by itself.
    #[arg(long, value_name = "CODE")]
    pub division: Option<String>,
    /// The body's level.
    #[arg(long, value_enum)]
    pub level: Option<Level>,
}

/// Parses the arguments, runs, prints the error if any, and returns the exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = color_on(cli.color);
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Failed(format!("cannot start the runtime: {e}")))
        .and_then(|runtime| {
            // Before anything reads the catalog: a template may add codes to it.
            if let Some(dir) = &cli.templates {
                crate::ingest::template::load_user_dir(dir)
                    .map_err(|e| Error::Failed(format!("templates: {e}")))?;
            }
            runtime.block_on(run(&cli, color, &runtime))
        });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.is_broken_pipe() => ExitCode::SUCCESS,
        Err(e) => {
            report(&e, color);
            ExitCode::from(e.exit_code())
        }
    }
}

/// The one place an error is printed.
fn report(e: &Error, color: bool) {
    match e {
        Error::Shell(shell) => repl::report(shell, color),
        Error::Statements(_) => eprintln!("{e}"),
        Error::Problems(_) => eprintln!("{e}"),
        _ if color => eprintln!("\x1b[1;31merror\x1b[0m: {e}"),
        _ => eprintln!("error: {e}"),
    }
}

async fn run(cli: &Cli, color: bool, runtime: &tokio::runtime::Runtime) -> Result<(), Error> {
    let data = || sql::locate(cli.data.as_deref()).dir;
    match &cli.command {
        Some(Command::Ingest(args)) => {
            // Only here: elsewhere Ctrl-C is the shell's (it cancels a query).
            let stop = ingest::stop_on_ctrl_c(runtime);
            ingest::run(&data(), args, stop)
        }
        Some(Command::Check(args)) => check::run(&data(), args),
        Some(Command::Compact(args)) => {
            let started = std::time::Instant::now();
            let mut w = Writer::open(&data())?;
            let c = crate::compact::compact(&mut w, cli.memory_limit, args.facts_per_group.max(1))
                .await?;
            eprintln!(
                "{} segments -> {} (one per year), {} facts, in {:.1} s",
                c.before,
                c.after,
                c.facts,
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Some(Command::Migrate) => {
            let dir = data();
            if !crate::warehouse::Warehouse::exists(&dir) {
                return Err(Error::Failed(format!(
                    "{}: no warehouse here",
                    dir.display()
                )));
            }
            let mut w = Writer::open(&dir)?;
            let added = w.add_rollups()?;
            if added > 0 {
                eprintln!("rollups summed for {added} segments written before them");
            }
            eprintln!(
                "{}: layout version {} (generation {})",
                dir.display(),
                w.manifest().version,
                w.manifest().generation
            );
            Ok(())
        }
        Some(Command::Synth(args)) => {
            let started = std::time::Instant::now();
            let figures = crate::synth::generate(
                &args.out,
                args.reports,
                args.seed,
                args.from,
                args.to,
                &args.shapes,
            )
            .map_err(|e| Error::Failed(format!("{}: {e}", args.out.display())))?;
            eprintln!(
                "{} reports, {figures} figures (truth.tsv) in {} ({:.1} s)",
                args.reports,
                args.out.display(),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        Some(Command::Queries) => {
            print!(
                "{}",
                crate::saved::listing(&crate::saved::load(&cli.queries))
            );
            Ok(())
        }
        Some(Command::Run(_)) | None => sql::run(cli, color).await,
    }
}

fn color_on(color: Color) -> bool {
    match color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    }
}
