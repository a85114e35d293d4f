//! The interactive shell: rustyline with multi-line statements (Enter continues until `;`),
//! context-aware completion, and a per-user history file written as you go (never in the
//! current directory).
//!
//! Completion knows where the cursor is: after FROM/JOIN it offers tables; elsewhere the
//! columns of the tables the statement names, then keywords; inside quotes, indicator codes —
//! typing part of a Chinese label (复议) offers the codes whose label contains it — or file
//! paths when the text looks like one; after `.run`, saved query names; at the start of a line,
//! meta-commands.

use std::borrow::Cow;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use rustyline::completion::{Completer, FilenameCompleter, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::command::{self, Command, COMMANDS};
use super::script::{is_complete, Statement};
use super::{chart, Destination, Session, ShellError};
use crate::catalog::catalog;
use crate::warehouse::Table;

const KEYWORDS: &[&str] = &[
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP BY",
    "ORDER BY",
    "HAVING",
    "LIMIT",
    "JOIN",
    "LEFT JOIN",
    "ON",
    "AND",
    "OR",
    "NOT",
    "AS",
    "DISTINCT",
    "COUNT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "CASE",
    "WHEN",
    "THEN",
    "ELSE",
    "END",
    "WITH",
    "UNION ALL",
    "LIKE",
    "IN",
    "IS NULL",
    "DESC",
    "ASC",
    "COPY",
    "TO",
    "CREATE VIEW",
    "EXPLAIN",
    "NULLIF",
    "OVER",
    "PARTITION BY",
];

/// Completion and validation for the editor.
pub struct ShellHelper {
    /// Table names.
    pub tables: Vec<String>,
    /// (table, column) pairs.
    pub columns: Vec<(String, String)>,
    /// Saved query names.
    pub queries: Vec<String>,
    /// Report ids of the warehouse (for `.source`), filled in the background after start-up.
    pub reports: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    /// The lines of the statement typed so far (before the line being edited), so that a
    /// continuation line completes the columns of the tables named above it.
    pub pending: std::cell::RefCell<String>,
    files: FilenameCompleter,
}

impl ShellHelper {
    /// A helper for the warehouse tables and the given saved queries.
    pub fn new(tables: Vec<String>, queries: Vec<String>) -> Self {
        let mut columns: Vec<(String, String)> = Table::ALL
            .iter()
            .flat_map(|t| {
                t.schema()
                    .fields()
                    .iter()
                    .map(|f| (t.name().to_string(), f.name().clone()))
                    .collect::<Vec<_>>()
            })
            .collect();
        for f in crate::warehouse::schema::indicators_schema().fields() {
            columns.push(("indicators".into(), f.name().clone()));
        }
        ShellHelper {
            tables,
            columns,
            queries,
            reports: Default::default(),
            pending: std::cell::RefCell::new(String::new()),
            files: FilenameCompleter::new(),
        }
    }

    /// Candidates for the word ending at `pos`: (start of the word, replacements).
    pub fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let in_quote = before.matches('\'').count() % 2 == 1;
        let start = if in_quote {
            before.rfind('\'').map_or(0, |i| i + 1)
        } else {
            before
                .char_indices()
                .rev()
                .find(|(_, c)| c.is_whitespace() || "(),;=".contains(*c))
                .map_or(0, |(i, c)| i + c.len_utf8())
        };
        let word = &before[start..];
        let head: Vec<&str> = before[..start].split_whitespace().collect();
        let starts = |s: &&str| s.starts_with(word);
        if start == 0 && (word.starts_with('.') || word.starts_with('\\')) {
            return (
                start,
                COMMANDS
                    .iter()
                    .map(|c| c.name)
                    .filter(starts)
                    .map(String::from)
                    .collect(),
            );
        }
        // `.source REPORT INDICATOR`: report ids, then the codes.
        if head.first() == Some(&".source") {
            let from: Vec<String> = match head.len() {
                1 => self.reports.lock().map(|r| r.clone()).unwrap_or_default(),
                2 => catalog()
                    .indicators()
                    .iter()
                    .map(|i| i.code.to_string())
                    .collect(),
                _ => Vec::new(),
            };
            let mut v: Vec<String> = from
                .into_iter()
                .filter(|c| c.starts_with(word) || (!word.is_ascii() && c.contains(word)))
                .collect();
            if head.len() == 2 && !word.is_ascii() {
                v.extend(
                    catalog()
                        .indicators()
                        .iter()
                        .filter(|i| i.label_zh.contains(word))
                        .map(|i| i.code.to_string()),
                );
            }
            return (start, v);
        }
        if head.first() == Some(&".run") && head.len() == 1 {
            return (
                start,
                self.queries
                    .iter()
                    .map(String::as_str)
                    .filter(starts)
                    .map(String::from)
                    .collect(),
            );
        }
        let (pstart, pword) = match word.strip_prefix('%') {
            Some(w) => (start + 1, w),
            None => (start, word),
        };
        if in_quote && !pword.is_ascii() && pword.chars().count() >= 2 {
            // A place name: the divisions whose name starts with it (the gazetteer is parsed
            // on this first use).
            let places: Vec<String> = crate::gazetteer::gazetteer()
                .divisions()
                .iter()
                .filter(|d| d.level != "township" && d.name.starts_with(pword))
                .map(|d| d.name.to_string())
                .take(20)
                .collect();
            if !places.is_empty() {
                let mut places = places;
                places.sort();
                places.dedup();
                return (pstart, places);
            }
        }
        if in_quote {
            let codes: Vec<String> = catalog()
                .indicators()
                .iter()
                .filter(|i| {
                    i.code.starts_with(word) || (!word.is_ascii() && i.label_zh.contains(word))
                })
                .map(|i| i.code.to_string())
                .collect();
            if !codes.is_empty() || word.is_empty() {
                return (start, codes);
            }
        }
        let previous = head.last().map(|w| w.to_uppercase()).unwrap_or_default();
        if matches!(previous.as_str(), "FROM" | "JOIN") {
            return (
                start,
                self.tables
                    .iter()
                    .map(String::as_str)
                    .filter(starts)
                    .map(String::from)
                    .collect(),
            );
        }
        let named: Vec<&String> = self
            .tables
            .iter()
            .filter(|t| {
                line.split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == t.as_str())
            })
            .collect();
        let mut v: Vec<String> = Vec::new();
        for (t, c) in &self.columns {
            if (named.is_empty() || named.contains(&t)) && c.starts_with(word) && !v.contains(c) {
                v.push(c.clone());
            }
        }
        if !word.is_empty() {
            v.extend(
                self.tables
                    .iter()
                    .map(String::as_str)
                    .filter(starts)
                    .map(String::from),
            );
            let upper = word.to_uppercase();
            v.extend(
                KEYWORDS
                    .iter()
                    .filter(|k| k.starts_with(&upper))
                    .map(|k| k.to_string()),
            );
        }
        (start, v)
    }
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let in_quote = before.matches('\'').count() % 2 == 1;
        let file_command = [".read", ".output", ".once", "\\i", "\\o"]
            .iter()
            .any(|c| before.starts_with(&format!("{c} ")));
        let word_in_quote = before.rsplit('\'').next().unwrap_or("");
        if file_command
            || (in_quote && (word_in_quote.contains('/') || word_in_quote.starts_with('.')))
        {
            return self.files.complete(line, pos, ctx);
        }
        // On a continuation line, the statement's earlier lines are context too.
        let pending = self.pending.borrow();
        let (start, words) = if pending.is_empty() {
            self.candidates(line, pos)
        } else {
            let full = format!("{pending}\n{line}");
            let offset = pending.len() + 1;
            let (start, words) = self.candidates(&full, offset + pos);
            (start.saturating_sub(offset), words)
        };
        // Listed with what they mean: an indicator code with its Chinese label.
        Ok((
            start,
            words
                .into_iter()
                .map(|w| Pair {
                    display: match catalog().get(&w) {
                        Some(i) => format!("{w}  {}", i.label_zh),
                        None => w.clone(),
                    },
                    replacement: w,
                })
                .collect(),
        ))
    }
}

impl Hinter for ShellHelper {
    type Hint = String;
}

impl Highlighter for ShellHelper {
    fn highlight_prompt<'b, 's: 'b, 'p: 'b>(
        &'s self,
        prompt: &'p str,
        _default: bool,
    ) -> Cow<'b, str> {
        Cow::Borrowed(prompt)
    }
}

/// Each Enter hands its line to the loop in [`run`], which gathers a statement's lines under
/// a continuation prompt (`   ...> `) until its `;`.
impl Validator for ShellHelper {
    fn validate(&self, _ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        Ok(ValidationResult::Valid(None))
    }
}

impl Helper for ShellHelper {}

/// The history file: `--history-file`, else `$GONGKAI_HISTORY`, else the per-user data
/// directory (`$XDG_DATA_HOME/gongkai/history`), never the current directory.
pub fn history_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| std::env::var_os("GONGKAI_HISTORY").map(PathBuf::from))
        .or_else(|| dirs::data_dir().map(|d| d.join("gongkai").join("history")))
}

/// Runs the interactive shell until `.quit` or Ctrl-D.
pub async fn run(
    mut session: Session,
    history: Option<PathBuf>,
    color: bool,
) -> Result<(), ShellError> {
    let queries = crate::saved::load(&session.queries_dir)
        .into_iter()
        .map(|q| q.name)
        .collect();
    let helper = ShellHelper::new(session.engine.table_names(), queries);
    // Report ids for `.source` completion: read in the background, so that start-up does not
    // wait on a scan of `reports` (hundreds of thousands of rows in a national warehouse).
    {
        let (ctx, ids) = (session.engine.context().clone(), helper.reports.clone());
        tokio::spawn(async move {
            let found = report_ids(&ctx).await;
            if let Ok(mut ids) = ids.lock() {
                *ids = found;
            }
        });
    }
    let config = rustyline::Config::builder()
        .completion_type(rustyline::CompletionType::List)
        .build();
    let mut rl: Editor<ShellHelper, DefaultHistory> = Editor::with_config(config)
        .map_err(|e| ShellError::Command(format!("cannot start the line editor: {e}")))?;
    rl.set_helper(Some(helper));
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.load_history(path);
    }
    if io::stderr().is_terminal() {
        eprintln!(
            "gongkai {} — SQL over 政府信息公开工作年度报告. Statements end with ';'. .help for help, Ctrl-D to leave.",
            env!("CARGO_PKG_VERSION")
        );
    }
    session.max_rows = session.max_rows.or(Some(40));
    session.color = color;
    session.pager = io::stdout().is_terminal();
    // The statement being typed, line by line, until its `;`.
    let mut pending = String::new();
    loop {
        let prompt = if pending.is_empty() { PROMPT } else { CONTINUE };
        if let Some(h) = rl.helper() {
            *h.pending.borrow_mut() = pending.clone();
        }
        let line = match rl.readline(prompt) {
            Ok(l) => l,
            // Ctrl-C drops the statement being typed, as in psql.
            Err(ReadlineError::Interrupted) => {
                pending.clear();
                continue;
            }
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(ShellError::Command(format!("reading input: {e}"))),
        };
        let input = line.trim();
        if input.is_empty() {
            continue;
        }
        // A meta-command on a line of its own runs at once, also in the middle of a
        // statement (which is kept), as in psql.
        if !pending.is_empty() && (input.starts_with('.') || input.starts_with('\\')) {
            remember(&mut rl, &history, input);
            match input.parse::<Command>() {
                Ok(Command::Quit) => return Ok(()),
                Ok(cmd) => {
                    if let Err(e) = apply(&mut session, cmd).await {
                        report(&e, color);
                    }
                }
                Err(e) => report(&ShellError::Command(e), color),
            }
            continue;
        }
        if !pending.is_empty() {
            pending.push('\n');
        }
        pending.push_str(&line);
        let ends_with_meta = || {
            crate::shell::script::split_statements(&pending)
                .last()
                .is_some_and(|s| s.is_meta())
        };
        if !(is_complete(&pending) || ends_with_meta()) {
            continue;
        }
        let text = std::mem::take(&mut pending);
        remember(&mut rl, &history, text.trim());
        // Several statements and meta-commands on one line (`SELECT 1; SELECT 2;`,
        // `SELECT …; .chart`) run in turn; the first error ends the line.
        for stmt in crate::shell::script::split_statements(&text) {
            let result = if stmt.is_meta() {
                match stmt.sql.parse::<Command>() {
                    Ok(Command::Quit) => return Ok(()),
                    Ok(cmd) => apply(&mut session, cmd).await,
                    Err(e) => Err(ShellError::Command(e)),
                }
            } else {
                session.run(&stmt, "repl").await
            };
            if let Err(e) = result {
                report(&e, color);
                break;
            }
        }
    }
    Ok(())
}

/// The prompt, and the one for a statement's further lines (as wide, as in psql).
const PROMPT: &str = "gongkai> ";
const CONTINUE: &str = "   ...> ";

/// Adds an entry to the history, and to its file as it is typed.
fn remember(rl: &mut Editor<ShellHelper, DefaultHistory>, history: &Option<PathBuf>, entry: &str) {
    let _ = rl.add_history_entry(entry);
    if let Some(path) = history {
        let _ = rl.append_history(path);
    }
}

/// The warehouse's report ids, for completing `.source` (none when it has no reports).
async fn report_ids(ctx: &datafusion::prelude::SessionContext) -> Vec<String> {
    use datafusion::arrow::array::{Array, AsArray};
    use datafusion::arrow::datatypes::DataType;
    let Ok(df) = ctx
        .sql("SELECT DISTINCT report_id FROM reports ORDER BY 1")
        .await
    else {
        return Vec::new();
    };
    let Ok(batches) = df.collect().await else {
        return Vec::new();
    };
    let mut ids = Vec::new();
    for b in &batches {
        // Read as stored or as string views: either way, as text.
        if let Ok(a) = datafusion::arrow::compute::cast(b.column(0), &DataType::Utf8) {
            let a = a.as_string::<i32>();
            ids.extend((0..a.len()).map(|i| a.value(i).to_string()));
        }
    }
    ids
}

/// Prints an error on stderr, in calm red on a terminal when colour is on.
pub fn report(e: &ShellError, color: bool) {
    if color {
        eprintln!("\x1b[31merror:\x1b[0m {e}");
    } else {
        eprintln!("error: {e}");
    }
}

/// Carries out a meta-command.
pub async fn apply(session: &mut Session, cmd: Command) -> Result<(), ShellError> {
    if let Some(sql) = command::listing_sql(&cmd) {
        let stmt = Statement { sql, line: 1 };
        return session.run(&stmt, &format!("{cmd:?}")).await;
    }
    match cmd {
        Command::Help => print!("{}", command::help_text()),
        Command::Mode(crate::output::Format::Xlsx)
            if matches!(session.output, Destination::Stdout) =>
        {
            return Err(ShellError::Command(
                "xlsx is written to a file: .output FILE.xlsx first (or .once FILE.xlsx)".into(),
            ))
        }
        Command::Mode(f) => session.format = f,
        Command::Show(what) => {
            let on = |b: bool| if b { "on" } else { "off" };
            let value = match what {
                "mode" => session.format.to_string(),
                "timer" => on(session.timer).to_string(),
                "bail" => on(session.bail).to_string(),
                "pager" => on(session.pager).to_string(),
                _ => session.max_rows.map_or("off".into(), |n| n.to_string()),
            };
            println!("{what}: {value}");
        }
        Command::Timer(on) => session.timer = on,
        Command::MaxRows(n) => session.max_rows = n,
        Command::Bail(on) => session.bail = on,
        Command::Pager(on) => session.pager = on,
        Command::Last => session.show_last()?,
        Command::Output(None, _) => session.output = Destination::Stdout,
        Command::Output(Some(f), bom) => {
            session.output = Session::open_destination(f.as_ref(), bom)?
        }
        Command::Once(f, bom) => session.once = Some(Session::open_destination(f.as_ref(), bom)?),
        Command::Queries => print!(
            "{}",
            crate::saved::listing(&crate::saved::load(&session.queries_dir))
        ),
        Command::Run(name, params) => {
            let params = crate::saved::parse_params(&params).map_err(ShellError::Command)?;
            session.run_saved(&name, &params).await?;
        }
        Command::Read(file) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| ShellError::Command(format!("{file}: {e}")))?;
            let bail = session.bail;
            let failed = session.run_script(&text, &file, !bail).await?;
            if failed > 0 {
                eprintln!("{file}: {failed} statement(s) failed");
            }
        }
        Command::Source(report, indicator) => source(session, &report, &indicator).await?,
        Command::Chart => {
            let result = session.last_result().ok_or_else(|| {
                ShellError::Command(".chart draws the last result, and there is none yet".into())
            })?;
            let width = terminal_size::terminal_size().map_or(80, |(w, _)| w.0 as usize);
            chart::draw(&result, &mut io::stdout().lock(), width).map_err(ShellError::Command)?;
        }
        _ => {}
    }
    Ok(())
}

/// `.source`: the printed lines behind a report's figures for one indicator.
async fn source(session: &mut Session, report: &str, indicator: &str) -> Result<(), ShellError> {
    let q = |s: &str| s.replace('\'', "''");
    let sql = format!(
        "SELECT DISTINCT f.source_file, f.source_line, r.sha256 FROM facts f JOIN reports r ON r.report_id = f.report_id \
         WHERE f.report_id = '{}' AND f.indicator = '{}' AND NOT f.derived ORDER BY f.source_line",
        q(report),
        q(indicator)
    );
    let batches = session
        .engine
        .sql(&sql)
        .await
        .map_err(|e| ShellError::Command(format!(".source: {e}")))?;
    let result = crate::output::ResultSet {
        schema: crate::warehouse::schema::facts_schema(),
        batches: &batches,
    };
    let rows = result.cells()?;
    if rows.is_empty() {
        return Err(ShellError::Command(format!(
            "no printed figure {indicator} in report {report} (SELECT DISTINCT report_id FROM reports lists the reports)"
        )));
    }
    let warehouse = crate::warehouse::Warehouse::open(&session.data_dir)
        .map_err(|e| ShellError::Command(e.to_string()))?;
    let mut out = io::stdout().lock();
    for row in rows {
        let (file, line, sha) = (
            row[0].clone().unwrap_or_default(),
            row[1]
                .as_deref()
                .and_then(|l| l.parse().ok())
                .unwrap_or(0u32),
            row[2].clone().unwrap_or_default(),
        );
        for (l, text) in crate::check::cite(&warehouse, &sha, &[line]) {
            writeln!(out, "{file}:{l}: {}", text.trim())?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn helper() -> ShellHelper {
        ShellHelper::new(
            vec!["facts".into(), "reports".into(), "indicators".into()],
            vec!["ranking".into(), "review_correction_rate".into()],
        )
    }

    #[test]
    fn tables_after_from_and_columns_of_the_named_tables() {
        let h = helper();
        assert_eq!(
            h.candidates("SELECT * FROM fa", 16),
            (14, vec!["facts".to_string()])
        );
        let (_, cols) = h.candidates("SELECT ind FROM facts", 10);
        assert_eq!(
            cols,
            vec!["indicator".to_string(), "indicators".to_string()]
        );
        // `title` is a column of reports, not of facts.
        let (_, cols) = h.candidates("SELECT tit FROM facts", 10);
        assert!(cols.is_empty(), "{cols:?}");
        let (_, cols) = h.candidates("SELECT tit FROM reports", 10);
        assert_eq!(cols, vec!["title".to_string()]);
    }

    #[test]
    fn indicator_codes_inside_quotes_also_from_chinese_labels() {
        let h = helper();
        let line = "SELECT * FROM facts WHERE indicator = 'review.cor";
        let (start, v) = h.candidates(line, line.len());
        assert_eq!(&line[start..], "review.cor");
        assert_eq!(v, vec!["review.corrected".to_string()]);
        let line = "SELECT * FROM facts WHERE indicator = '被依法纠错";
        let (_, v) = h.candidates(line, line.len());
        assert!(v.contains(&"review.corrected".to_string()), "{v:?}");
    }

    #[test]
    fn division_names_inside_quotes() {
        let h = helper();
        let line = "SELECT * FROM reports WHERE jurisdiction LIKE '%洪泽";
        let (_, v) = h.candidates(line, line.len());
        assert_eq!(v, vec!["洪泽区".to_string()]);
    }

    #[test]
    fn meta_commands_and_saved_queries() {
        let h = helper();
        assert_eq!(h.candidates(".ta", 3).1, vec![".tables".to_string()]);
        assert_eq!(h.candidates(".run ra", 7).1, vec!["ranking".to_string()]);
    }

    #[test]
    fn listed_codes_carry_their_label_and_continuation_lines_see_the_statement() {
        let h = helper();
        let history = DefaultHistory::new();
        let ctx = Context::new(&history);
        let line = "SELECT 1 FROM facts WHERE indicator = 'review.cor";
        let (_, pairs) = h.complete(line, line.len(), &ctx).expect("complete");
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].replacement, "review.corrected");
        assert!(
            pairs[0].display.contains("被依法纠错数"),
            "{}",
            pairs[0].display
        );
        // The table named on the line above decides the columns offered here.
        *h.pending.borrow_mut() = "SELECT count(*) FROM reports".into();
        let (start, pairs) = h.complete("WHERE tit", 9, &ctx).expect("complete");
        assert_eq!(start, 6);
        assert_eq!(
            pairs
                .iter()
                .map(|p| p.replacement.as_str())
                .collect::<Vec<_>>(),
            ["title"]
        );
    }

    #[test]
    fn source_completes_report_ids_then_codes() {
        let h = helper();
        *h.reports.lock().expect("lock") = vec![
            "济南市人民政府/2017/own".into(),
            "济南市人民政府/2017/whole".into(),
        ];
        let line = ".source 济南";
        assert_eq!(h.candidates(line, line.len()).1.len(), 2);
        let line = ".source 济南市人民政府/2017/own review.cor";
        assert_eq!(
            h.candidates(line, line.len()).1,
            vec!["review.corrected".to_string()]
        );
    }
}
