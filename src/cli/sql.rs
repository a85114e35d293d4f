//! The SQL side: the REPL, `-c`/`-f`/stdin scripts and saved queries, on the warehouse found
//! by [`locate`].

use std::io::{self, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{Cli, Command, Error};
use crate::engine::Engine;
use crate::ingest::pipeline;
use crate::output::Format;
use crate::shell::{repl, Destination, Session};
use crate::warehouse::{Warehouse, Writer};

/// Where the warehouse is, and how it was found (said when there is none).
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The directory.
    pub dir: PathBuf,
    /// `--data`/`$GONGKAI_DATA`, `./data`, or the user's data directory.
    pub how: &'static str,
}

/// The user's own warehouse, found from any directory: `$XDG_DATA_HOME/gongkai/warehouse`
/// (`~/.local/share/gongkai/warehouse`).
pub fn user_warehouse() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("gongkai").join("warehouse"))
}

/// The warehouse directory: `--data` (or `$GONGKAI_DATA`); else `./data` when it holds a
/// warehouse or the reports to build one from (`data/raw/`, as in this repository); else the
/// user's data directory when it holds one; else `./data` if it exists, or the user's data
/// directory (where a first `gongkai ingest` outside a project puts its warehouse).
pub fn locate(explicit: Option<&Path>) -> Located {
    if let Some(p) = explicit {
        return Located {
            dir: p.to_path_buf(),
            how: "--data",
        };
    }
    let local = PathBuf::from("data");
    if Warehouse::exists(&local) || local.join("raw").is_dir() {
        return Located {
            dir: local,
            how: "./data",
        };
    }
    match user_warehouse() {
        Some(user) if Warehouse::exists(&user) || !local.is_dir() => Located {
            dir: user,
            how: "the user's data directory",
        },
        _ => Located {
            dir: local,
            how: "./data",
        },
    }
}

/// A directory with reports under `raw/` and no warehouse yet (a fresh clone of this
/// repository): the warehouse is built from them, once, and checked.
fn build_from_raw(dir: &Path) -> Result<(), Error> {
    let raw = dir.join("raw");
    let inputs = super::ingest::inputs(std::slice::from_ref(&raw))?;
    eprintln!(
        "building the warehouse in {} from the {} reports in {} (first run)…",
        dir.display(),
        inputs.len(),
        raw.display()
    );
    let summary = pipeline::run(
        dir,
        &inputs,
        &pipeline::Options::default(),
        &AtomicBool::new(false),
        &pipeline::Silent,
    );
    if summary.fatal || summary.docs == 0 {
        return Err(Error::Problems(summary.failures));
    }
    for f in &summary.failures {
        eprintln!("warning: {f}");
    }
    let w = Warehouse::open(dir)?;
    let findings = crate::check::run(&w)?;
    let batch = crate::check::batch(&findings)
        .map_err(|e| Error::Failed(format!("{}: {e}", dir.display())))?;
    Writer::open(dir)?.store_checks(&batch)?;
    Ok(())
}

/// Opens the warehouse `--data` names or [`locate`] finds; with none, an empty one (the
/// shell still opens: files can be queried by name) and a word on how to make one.
fn open(cli: &Cli) -> Result<(Warehouse, PathBuf), Error> {
    let found = locate(cli.data.as_deref());
    if !Warehouse::exists(&found.dir) && found.dir.join("raw").is_dir() {
        build_from_raw(&found.dir)?;
    }
    if Warehouse::exists(&found.dir) {
        return Ok((Warehouse::open(&found.dir)?, found.dir));
    }
    if found.how == "--data" {
        // A directory named on purpose that holds nothing: say so.
        return Err(crate::warehouse::WarehouseError::Missing { path: found.dir }.into());
    }
    eprintln!(
        "note: no warehouse here or in {}; tables are empty (files can still be queried: SELECT * FROM 'file.csv'). Build one with: gongkai ingest REPORTS…",
        user_warehouse().map_or_else(|| "the user's data directory".into(), |p| p.display().to_string())
    );
    Ok((Warehouse::empty(&found.dir), found.dir))
}

/// Runs the REPL, the scripts, or a saved query.
pub async fn run(cli: &Cli, color: bool) -> Result<(), Error> {
    let (warehouse, dir) = open(cli)?;
    let engine = Engine::open_session(&warehouse, cli.memory_limit, !cli.no_rollups)
        .map_err(|e| Error::Failed(format!("opening {}: {e}", dir.display())))?;
    let mut session = Session::new(engine, cli.format);
    session.queries_dir = cli.queries.clone();
    session.data_dir = dir;
    if let Some((_, true)) = warehouse.checks_file() {
        eprintln!(
            "note: the `checks` table predates the last ingest; run `gongkai check` to refresh it"
        );
    }
    session.bom = cli.bom;
    session.timer = cli.timer;
    if let Some(path) = &cli.output {
        session.output = Session::open_destination(path, cli.bom)?;
    } else if cli.format == Format::Xlsx {
        return Err(Error::Usage(
            "--format xlsx writes a workbook: add --output FILE.xlsx".into(),
        ));
    }
    if let Some(Command::Run(args)) = &cli.command {
        let params = crate::saved::parse_params(&args.params).map_err(Error::Usage)?;
        return Ok(session.run_saved(&args.name, &params).await?);
    }
    let mut scripts: Vec<(String, String)> = Vec::new();
    for (i, c) in cli.commands.iter().enumerate() {
        scripts.push((c.clone(), format!("-c #{}", i + 1)));
    }
    for f in &cli.files {
        let text = std::fs::read_to_string(f)
            .map_err(|e| Error::Failed(format!("{}: {e}", f.display())))?;
        scripts.push((text, f.display().to_string()));
    }
    if scripts.is_empty() && io::stdin().is_terminal() {
        let history = repl::history_path(cli.history_file.clone());
        return Ok(repl::run(session, history, color).await?);
    }
    if scripts.is_empty() {
        let mut text = String::new();
        io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Error::Failed(format!("reading SQL from stdin: {e}")))?;
        scripts.push((text, "stdin".into()));
    }
    run_scripts(&mut session, &scripts, cli.continue_on_error).await
}

/// Runs scripts in order; several statements with `--format json` on stdout make one array
/// of their arrays.
async fn run_scripts(
    session: &mut Session,
    scripts: &[(String, String)],
    continue_on_error: bool,
) -> Result<(), Error> {
    let statements: usize = scripts
        .iter()
        .map(|(text, _)| {
            crate::shell::script::split_statements(text)
                .iter()
                .filter(|s| !s.is_meta())
                .count()
        })
        .sum();
    let wrap =
        session.format == Format::Json && statements > 1 && session.output == Destination::Stdout;
    if wrap {
        session.begin_json_array();
    }
    let mut failed = 0usize;
    let mut error = None;
    for (text, origin) in scripts {
        match session.run_script(text, origin, continue_on_error).await {
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
    match (error, failed) {
        (Some(e), _) => Err(e.into()),
        (None, 0) => Ok(()),
        (None, n) => Err(Error::Statements(n)),
    }
}
