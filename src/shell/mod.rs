//! Running SQL for a person or a script: statements from `-c`, `-f`, stdin or the REPL go
//! through one [`Session`], which renders results on stdout (or the file `.output` names) and
//! puts errors, row counts and timings on stderr, so `gongkai -f q.sql > out.csv` stays clean.

pub mod chart;
pub mod command;
pub mod repl;
pub mod script;

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::error::DataFusionError;

use crate::engine::Engine;
use crate::output::{self, Format, ResultSet, XlsxBook};
use script::Statement;

/// The UTF-8 byte-order mark Excel needs to read CSV as UTF-8.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why a statement failed; `location` is `file:line`, `-c #2` or `repl`.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// Planning or running the statement failed.
    #[error(
        "{location}: {}{detail}\n  in statement: {}",
        message(source),
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
    /// Writing a workbook failed.
    #[error("{}: {message}", path.display())]
    Xlsx {
        /// The workbook.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A meta-command or saved query was misused.
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

/// A parser error's `Line: L, Column: C` counts from the statement's first line; turn it into
/// `origin:file_line:column` (the location is `origin:line` for scripts, `origin` otherwise).
/// DataFusion's message without its Rust wrapping: `SQL error: ParserError("Expected: …")`
/// becomes `Expected: …`.
fn message(source: &DataFusionError) -> String {
    use datafusion::sql::sqlparser::parser::ParserError;
    match source.find_root() {
        DataFusionError::SQL(e, _) => match e.as_ref() {
            ParserError::ParserError(m) | ParserError::TokenizerError(m) => m.clone(),
            other => other.to_string(),
        },
        DataFusionError::Plan(m) => m.clone(),
        root => root.to_string(),
    }
}

/// The (line, column) in the statement that a parse error names. sqlparser's `ParserError`
/// carries its position only in its text (`… at Line: 1, Column: 27`; its tokenizer's error
/// has a `Location`, its parser's none), so the position is read from there, in this one place.
fn position(source: &DataFusionError) -> Option<(usize, usize)> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE
        .get_or_init(|| regex::Regex::new(r"at Line: (\d+), Column: (\d+)").expect("static regex"));
    let text = source.to_string();
    let c = re.captures(&text)?;
    Some((c[1].parse().ok()?, c[2].parse().ok()?))
}

/// The statement's line with a caret under the column the parser names.
fn caret(statement: &str, source: &DataFusionError) -> Option<String> {
    use unicode_width::UnicodeWidthStr;
    let (line, column) = position(source)?;
    let shown = statement.lines().nth(line.checked_sub(1)?)?;
    let before: String = shown.chars().take(column.saturating_sub(1)).collect();
    Some(format!("\n  {shown}\n  {}^", " ".repeat(before.width())))
}

/// The names closest to `name` by edit distance (at most two edits), for "did you mean".
pub fn closest<'a>(name: &str, candidates: &'a [String]) -> Vec<&'a str> {
    fn distance(a: &str, b: &str) -> usize {
        let b: Vec<char> = b.chars().collect();
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for (i, ca) in a.chars().enumerate() {
            let mut prev = row[0];
            row[0] = i + 1;
            for (j, cb) in b.iter().enumerate() {
                let cur = row[j + 1];
                row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
                prev = cur;
            }
        }
        row[b.len()]
    }
    let mut scored: Vec<(usize, &str)> = candidates
        .iter()
        .map(|c| {
            (
                distance(&name.to_lowercase(), &c.to_lowercase()),
                c.as_str(),
            )
        })
        .filter(|(d, _)| *d <= 2)
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c).collect()
}

fn locate(location: &str, stmt_line: u32, source: &DataFusionError) -> String {
    let Some((line, column)) = position(source) else {
        return location.to_string();
    };
    let line = line as u32;
    let origin = location.rsplit_once(':').map_or(location, |(o, _)| o);
    format!("{origin}:{}:{column}", stmt_line + line - 1)
}

/// The terminal's (columns, rows): as the terminal says, else `$COLUMNS` and `$LINES` (a
/// terminal that reports no size, as some do inside editors and multiplexers).
fn screen() -> Option<(usize, usize)> {
    let env = |name: &str| {
        std::env::var(name)
            .ok()?
            .parse::<usize>()
            .ok()
            .filter(|n| *n > 0)
    };
    match terminal_size::terminal_size() {
        Some((w, h)) if w.0 > 0 && h.0 > 0 => Some((w.0 as usize, h.0 as usize)),
        _ => Some((env("COLUMNS")?, env("LINES")?)),
    }
}

/// Shows `text` through `$PAGER` (default `less -SRFX`: long lines scroll sideways, colour
/// kept, no paging when it fits); where the pager cannot start, the text goes to stdout.
fn page(text: &[u8]) -> Result<(), ShellError> {
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less -SRFX".into());
    let mut words = pager.split_whitespace();
    let program = words.next().unwrap_or("less");
    let child = std::process::Command::new(program)
        .args(words)
        .stdin(std::process::Stdio::piped())
        .spawn();
    match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                // The reader may quit before reading all: a closed pipe is no error here.
                let _ = stdin.write_all(text);
            }
            let _ = child.wait();
            Ok(())
        }
        Err(_) => {
            let mut out = io::stdout().lock();
            out.write_all(text)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Where results go.
#[derive(Debug, Clone, PartialEq)]
pub enum Destination {
    /// Standard output.
    Stdout,
    /// A file, appended to (it was created, with a BOM if asked, when it was chosen).
    File(PathBuf),
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
    /// Stop a `.read` script at its first error.
    pub bail: bool,
    /// Write a UTF-8 BOM before the first result on stdout.
    pub bom: bool,
    /// Where results go.
    pub output: Destination,
    /// Where the next result goes, once (`.once`).
    pub once: Option<Destination>,
    /// The directory of saved queries.
    pub queries_dir: PathBuf,
    /// The warehouse directory (for `.source`, which reads the kept documents).
    pub data_dir: PathBuf,
    /// Colour in tables on a terminal (header bold, NULL dimmed).
    pub color: bool,
    /// Page tables longer than the terminal through `$PAGER` (`.pager`).
    pub pager: bool,
    bom_written: bool,
    workbooks: HashMap<PathBuf, XlsxBook>,
    last: Option<(SchemaRef, Vec<RecordBatch>)>,
    /// JSON results on stdout of a run of several statements, wrapped in one array (`Some`
    /// with how many were written), so the output is one JSON document.
    json_results: Option<usize>,
}

impl Session {
    /// A session with the given format, results on stdout.
    pub fn new(engine: Engine, format: Format) -> Self {
        Session {
            engine,
            format,
            timer: false,
            max_rows: None,
            bail: true,
            bom: false,
            output: Destination::Stdout,
            once: None,
            queries_dir: PathBuf::from("queries"),
            data_dir: PathBuf::from("data"),
            color: false,
            pager: false,
            bom_written: false,
            workbooks: HashMap::new(),
            last: None,
            json_results: None,
        }
    }

    /// Wraps the JSON results of the statements to come in one array (`-c`, `-f` or stdin
    /// with several statements and `--format json`): an array of arrays, one per statement.
    pub fn begin_json_array(&mut self) {
        self.json_results = Some(0);
    }

    /// Closes the array opened by [`Session::begin_json_array`].
    pub fn end_json_array(&mut self) -> Result<(), ShellError> {
        if let Some(n) = self.json_results.take() {
            let mut out = io::stdout().lock();
            out.write_all(if n == 0 { b"[]\n" } else { b"]\n" })?;
            out.flush()?;
        }
        Ok(())
    }

    /// Creates (truncates) a file for results, with a BOM if asked, and returns it as a
    /// destination.
    pub fn open_destination(path: &Path, bom: bool) -> Result<Destination, ShellError> {
        let is_xlsx = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
        if !is_xlsx {
            let mut f = File::create(path)
                .map_err(|e| ShellError::Command(format!("{}: {e}", path.display())))?;
            if bom {
                f.write_all(BOM)?;
            }
        }
        Ok(Destination::File(path.to_path_buf()))
    }

    /// The last result, for `.chart`.
    pub fn last_result(&self) -> Option<ResultSet<'_>> {
        self.last.as_ref().map(|(schema, batches)| ResultSet {
            schema: schema.clone(),
            batches,
        })
    }

    /// Runs one statement and renders its result; Ctrl-C cancels it.
    pub async fn run(&mut self, stmt: &Statement, location: &str) -> Result<(), ShellError> {
        let started = Instant::now();
        for w in unknown_indicators(&stmt.sql) {
            eprintln!("warning: {location}: {w}");
        }
        let engine = &self.engine;
        let sql_error = |source: DataFusionError| {
            let mut detail = String::new();
            if matches!(source.find_root(), DataFusionError::ResourcesExhausted(_)) {
                detail.push_str("\n  the query needs more memory than --memory-limit allows: raise it, or narrow the query");
            }
            if source.to_string().contains("Parquet error") {
                for f in engine.unreadable_files() {
                    detail.push_str(&format!("\n  unreadable warehouse file: {f}"));
                }
            }
            if let Some(c) = caret(&stmt.sql, &source) {
                detail.push_str(&c);
            }
            // An unknown table: the tables whose names are closest.
            static TABLE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
            let re = TABLE.get_or_init(|| {
                regex::Regex::new(r"table '(?:[^'.]+\.)*([^'.]+)' not found").expect("static regex")
            });
            if let Some(c) = re.captures(&source.to_string()) {
                let tables = engine.table_names();
                let near = closest(&c[1], &tables);
                if !near.is_empty() {
                    detail.push_str(&format!("\n  did you mean {}?", near.join(", ")));
                }
            }
            ShellError::Sql {
                location: locate(location, stmt.line, &source),
                statement: stmt.sql.clone(),
                source,
                detail,
            }
        };
        let df = tokio::select! {
            r = engine.plan(&stmt.sql) => r.map_err(sql_error)?,
            _ = tokio::signal::ctrl_c() => return Err(ShellError::Cancelled),
        };
        let schema: SchemaRef = Arc::new(df.schema().as_arrow().clone());
        let batches = tokio::select! {
            r = df.collect() => r.map_err(sql_error)?,
            _ = tokio::signal::ctrl_c() => return Err(ShellError::Cancelled),
        };
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let columns = schema.fields().len();
        self.last = Some((schema, batches));
        self.emit()?;
        // A table cut to its head and tail says its row count itself.
        let cut = self.max_rows.is_some_and(|m| rows > m && m >= 2);
        if (self.format == Format::Table && columns > 0 && !cut) || self.timer {
            let mut msg = format!("{rows} row{}", if rows == 1 { "" } else { "s" });
            if self.timer {
                msg.push_str(&format!(" in {:.3} s", started.elapsed().as_secs_f64()));
            }
            eprintln!("{msg}");
        }
        Ok(())
    }

    /// `.last`: the last result again, whole.
    pub fn show_last(&mut self) -> Result<(), ShellError> {
        if self.last.is_none() {
            return Err(ShellError::Command("no result yet".into()));
        }
        let cut = self.max_rows.take();
        let shown = self.emit();
        self.max_rows = cut;
        shown
    }

    /// Renders the last result to its destination.
    fn emit(&mut self) -> Result<(), ShellError> {
        let Some((schema, batches)) = &self.last else {
            return Ok(());
        };
        // A statement that returns no columns (CREATE VIEW, SET…) prints nothing, not an
        // empty box.
        if schema.fields().is_empty() {
            return Ok(());
        }
        let result = ResultSet {
            schema: schema.clone(),
            batches,
        };
        let dest = self.once.take().unwrap_or_else(|| self.output.clone());
        let xlsx_file = matches!(&dest, Destination::File(p) if p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xlsx")));
        match dest {
            Destination::File(path) if xlsx_file || self.format == Format::Xlsx => {
                let book = self.workbooks.entry(path.clone()).or_default();
                let xerr = |e: rust_xlsxwriter::XlsxError| ShellError::Xlsx {
                    path: path.clone(),
                    message: e.to_string(),
                };
                book.add(&result).map_err(xerr)?;
                book.save(&path).map_err(xerr)?;
            }
            Destination::Stdout if self.format == Format::Xlsx => return Err(ShellError::Command(
                "xlsx is written to a file: --output FILE.xlsx, or .output FILE.xlsx in the shell"
                    .into(),
            )),
            Destination::Stdout => {
                let stdout = io::stdout();
                let terminal = stdout.is_terminal();
                // Block-buffered: stdout's own line buffering costs a write per row, which
                // is most of the time of a 300,000-row CSV.
                let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
                if self.bom && !self.bom_written {
                    out.write_all(BOM)?;
                    self.bom_written = true;
                }
                if let (Format::Json, Some(n)) = (self.format, self.json_results.as_mut()) {
                    out.write_all(if *n == 0 { b"[\n" } else { b",\n" })?;
                    *n += 1;
                }
                if self.format == Format::Table {
                    let size = terminal.then(screen).flatten();
                    let width = size.map(|(w, _)| w);
                    let color = self.color && terminal;
                    if let (true, Some((_, h))) = (self.pager, size) {
                        let mut text = Vec::new();
                        output::render_table_styled(
                            &result,
                            &mut text,
                            self.max_rows,
                            width,
                            color,
                        )?;
                        if text.iter().filter(|&&b| b == b'\n').count() + 1 >= h {
                            drop(out);
                            return page(&text);
                        }
                        out.write_all(&text)?;
                    } else {
                        output::render_table_styled(
                            &result,
                            &mut out,
                            self.max_rows,
                            width,
                            color,
                        )?;
                    }
                } else {
                    output::render(self.format, &result, &mut out)?;
                }
                out.flush()?;
            }
            Destination::File(path) => {
                let f = File::options()
                    .append(true)
                    .create(true)
                    .open(&path)
                    .map_err(|e| ShellError::Command(format!("{}: {e}", path.display())))?;
                let mut f = io::BufWriter::with_capacity(1 << 16, f);
                // A file named .csv, .tsv, .json, .ndjson or .md gets that format, unless a
                // format other than the default table was chosen.
                let format = match self.format {
                    Format::Table => format_of(&path).unwrap_or(Format::Table),
                    fmt => fmt,
                };
                match format {
                    Format::Table => output::render_table(&result, &mut f, self.max_rows, None)?,
                    fmt => output::render(fmt, &result, &mut f)?,
                }
                f.flush()?;
            }
        }
        Ok(())
    }

    /// Runs a script's statements in order; stops at the first failure unless
    /// `continue_on_error`. Returns the number of failed statements.
    pub async fn run_script(
        &mut self,
        text: &str,
        origin: &str,
        continue_on_error: bool,
    ) -> Result<usize, ShellError> {
        let mut failures = 0;
        for stmt in script::split_statements(text) {
            let location = format!("{origin}:{}", stmt.line);
            let result = if stmt.is_meta() {
                match stmt.sql.parse::<command::Command>() {
                    Ok(command::Command::Quit) => break,
                    // Boxed: a meta-command may run a saved query, which is a script.
                    Ok(cmd) => Box::pin(repl::apply(self, cmd)).await,
                    Err(e) => Err(ShellError::Command(format!("{location}: {e}"))),
                }
            } else {
                self.run(&stmt, &location).await
            };
            match result {
                Ok(()) => {}
                Err(e) if e.is_broken_pipe() || matches!(e, ShellError::Cancelled) => {
                    return Err(e)
                }
                Err(e) if continue_on_error => {
                    eprintln!("error: {e}");
                    failures += 1;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(failures)
    }

    /// Runs a saved query by name with `name=value` parameters.
    pub async fn run_saved(
        &mut self,
        name: &str,
        params: &[(String, String)],
    ) -> Result<(), ShellError> {
        let queries = crate::saved::load(&self.queries_dir);
        let q = queries.iter().find(|q| q.name == name).ok_or_else(|| {
            let names: Vec<&str> = queries.iter().map(|q| q.name.as_str()).collect();
            ShellError::Command(format!(
                "no saved query '{name}' (saved queries: {})",
                names.join(", ")
            ))
        })?;
        let sql = q.render(params).map_err(ShellError::Command)?;
        let failed = self.run_script(&sql, &q.origin, false).await?;
        if failed > 0 {
            return Err(ShellError::Command(format!(
                "{name}: {failed} statement(s) failed"
            )));
        }
        Ok(())
    }
}

/// The format a file's extension names (`.csv`, `.tsv`, `.json`, `.ndjson`/`.jsonl`, `.md`).
pub fn format_of(path: &std::path::Path) -> Option<Format> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    match ext.as_str() {
        "csv" => Some(Format::Csv),
        "tsv" => Some(Format::Tsv),
        "json" => Some(Format::Json),
        "ndjson" | "jsonl" => Some(Format::Ndjson),
        "md" | "markdown" => Some(Format::Markdown),
        _ => None,
    }
}

/// Literals compared with `indicator` (`=`, `IN (…)`, `LIKE`) that match no catalog code: a
/// misspelt code returns no rows without any error, so it is said, with the closest codes.
pub fn unknown_indicators(sql: &str) -> Vec<String> {
    static RE: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let re = RE.get_or_init(|| {
        regex::Regex::new(
            r"(?i)\bindicator\s*(?:(=|<>|!=)\s*'([^']*)'|(?:not\s+)?in\s*\(([^)]*)\)|(?:not\s+)?(i?like)\s*'([^']*)')",
        )
        .expect("static regex")
    });
    let codes: Vec<String> = crate::catalog::catalog()
        .indicators()
        .iter()
        .map(|i| i.code.to_string())
        .collect();
    let mut out = Vec::new();
    let mut check = |literal: &str, like: bool| {
        let known = if like {
            let pattern = format!(
                "^{}$",
                regex::escape(literal).replace('%', ".*").replace('_', ".")
            );
            regex::Regex::new(&pattern).is_ok_and(|p| codes.iter().any(|c| p.is_match(c)))
        } else {
            codes.iter().any(|c| c == literal)
        };
        if !known {
            let near = closest(literal.trim_end_matches('%'), &codes);
            let hint = if near.is_empty() {
                "`.indicators WORD` lists the codes".to_string()
            } else {
                format!("did you mean {}?", near.join(", "))
            };
            out.push(format!("'{literal}' is no indicator code: {hint}"));
        }
    };
    for c in re.captures_iter(sql) {
        if let Some(lit) = c.get(2) {
            check(lit.as_str(), false);
        } else if let Some(list) = c.get(3) {
            for lit in list.as_str().split(',') {
                let lit = lit.trim();
                if let Some(l) = lit.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
                    check(l, false);
                }
            }
        } else if let Some(lit) = c.get(5) {
            check(lit.as_str(), true);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_misspelt_indicator_code_is_named_with_the_closest() {
        let w = unknown_indicators("SELECT * FROM facts WHERE indicator = 'review.corected'");
        assert_eq!(w.len(), 1);
        assert!(w[0].contains("did you mean review.corrected"), "{w:?}");
        assert!(unknown_indicators(
            "SELECT * FROM facts WHERE indicator IN ('review.total', 'review.corrected') OR indicator LIKE 'application.result.%'"
        )
        .is_empty());
        assert_eq!(
            unknown_indicators("SELECT 1 WHERE indicator LIKE 'reveiw.%'").len(),
            1
        );
    }
}
