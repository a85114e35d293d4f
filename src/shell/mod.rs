//! Running SQL for a person or a script: statements from `-c`, `-f`, stdin or the REPL go
//! through one [`Session`], which renders results on stdout and puts errors, row counts and
//! timings on stderr, so `gongkai -f q.sql > out.csv` stays clean.

pub mod command;
pub mod repl;
pub mod script;

use std::io::{self, Write};
use std::time::Instant;

use datafusion::error::DataFusionError;

use crate::engine::Engine;
use crate::output::{self, Format, ResultSet};
use script::Statement;

/// Why a statement failed; `location` is `file:line`, `-c #2` or `repl`.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// Planning or running the statement failed.
    #[error(
        "{location}: {source}{detail}\n  in statement: {}",
        abbreviate(statement)
    )]
    Sql {
        /// Where the statement came from.
        location: String,
        /// The statement.
        statement: String,
        /// DataFusion's error.
        source: DataFusionError,
        /// What gongkai found out besides (e.g. which file is corrupt), starting with a newline.
        detail: String,
    },
    /// Writing the result failed.
    #[error("writing the result: {0}")]
    Output(#[from] io::Error),
    /// A meta-command was misused.
    #[error("{0}")]
    Command(String),
    /// The user interrupted the statement.
    #[error("cancelled")]
    Cancelled,
}

impl ShellError {
    /// True when stdout was closed by the reader (`| head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, ShellError::Output(e) if e.kind() == io::ErrorKind::BrokenPipe)
    }
}

fn abbreviate(sql: &str) -> String {
    let one_line: String = sql
        .lines()
        .filter(|l| !l.trim_start().starts_with("--"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ");
    let chars: Vec<char> = one_line.chars().collect();
    if chars.len() > 120 {
        format!("{}…", chars[..120].iter().collect::<String>())
    } else {
        one_line
    }
}

/// What a session prints and how.
pub struct Session {
    /// The engine statements run on.
    pub engine: Engine,
    /// Output format for results.
    pub format: Format,
    /// Print timings on stderr.
    pub timer: bool,
    /// Cut table output to this many rows.
    pub max_rows: Option<usize>,
}

impl Session {
    /// A session with the given format, no timer, no row limit.
    pub fn new(engine: Engine, format: Format) -> Self {
        Session {
            engine,
            format,
            timer: false,
            max_rows: None,
        }
    }

    /// Runs one statement and renders its result into `out`; Ctrl-C cancels it.
    pub async fn run(
        &self,
        stmt: &Statement,
        location: &str,
        out: &mut dyn Write,
    ) -> Result<(), ShellError> {
        let started = Instant::now();
        let sql_error = |source: DataFusionError| {
            let mut detail = String::new();
            if source.to_string().contains("Parquet error") {
                for f in self.engine.unreadable_files() {
                    detail.push_str(&format!("\n  unreadable warehouse file: {f}"));
                }
            }
            ShellError::Sql {
                location: location.to_string(),
                statement: stmt.sql.clone(),
                source,
                detail,
            }
        };
        let df = tokio::select! {
            r = self.engine.context().sql(&stmt.sql) => r.map_err(sql_error)?,
            _ = tokio::signal::ctrl_c() => return Err(ShellError::Cancelled),
        };
        let schema = df.schema().as_arrow().clone();
        let batches = tokio::select! {
            r = df.collect() => r.map_err(sql_error)?,
            _ = tokio::signal::ctrl_c() => return Err(ShellError::Cancelled),
        };
        let result = ResultSet {
            schema: std::sync::Arc::new(schema),
            batches: &batches,
        };
        match self.format {
            Format::Table => output::render_table(&result, out, self.max_rows)?,
            f => output::render(f, &result, out)?,
        }
        out.flush()?;
        let rows = result.rows();
        if self.format == Format::Table || self.timer {
            let mut msg = format!("{rows} row{}", if rows == 1 { "" } else { "s" });
            if self.timer {
                msg.push_str(&format!(" in {:.3} s", started.elapsed().as_secs_f64()));
            }
            eprintln!("{msg}");
        }
        Ok(())
    }

    /// Runs a script's statements in order; stops at the first failure unless
    /// `continue_on_error`. Returns the number of failed statements.
    pub async fn run_script(
        &self,
        text: &str,
        origin: &str,
        continue_on_error: bool,
        out: &mut dyn Write,
    ) -> Result<usize, ShellError> {
        let mut failures = 0;
        for stmt in script::split_statements(text) {
            let location = format!("{origin}:{}", stmt.line);
            match self.run(&stmt, &location, out).await {
                Ok(()) => {}
                Err(e) if e.is_broken_pipe() => return Err(e),
                Err(e) if continue_on_error => {
                    eprintln!("error: {e}");
                    failures += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(failures)
    }
}
