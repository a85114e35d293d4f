//! The interactive shell: rustyline with multi-line statements (Enter continues until `;`),
//! completion of keywords, tables, columns and meta-commands, and a per-user history file
//! written as you go (never in the current directory).

use std::borrow::Cow;
use std::io::{self, IsTerminal};
use std::path::PathBuf;

use rustyline::completion::{Completer, Pair};
use rustyline::error::ReadlineError;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::history::DefaultHistory;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Editor, Helper};

use super::command::{self, Command, COMMANDS};
use super::script::{is_complete, Statement};
use super::{Session, ShellError};
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
];

/// Completion and validation for the editor.
struct ShellHelper {
    tables: Vec<String>,
    columns: Vec<String>,
}

impl Completer for ShellHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let before = &line[..pos];
        let start = before
            .rfind(|c: char| c.is_whitespace() || "(),'".contains(c))
            .map(|i| i + before[i..].chars().next().map_or(1, char::len_utf8))
            .unwrap_or(0);
        let word = &before[start..];
        let pair = |s: &str| Pair {
            display: s.to_string(),
            replacement: s.to_string(),
        };
        let candidates: Vec<Pair> =
            if start == 0 && (word.starts_with('.') || word.starts_with('\\')) {
                COMMANDS
                    .iter()
                    .filter(|c| c.name.starts_with(word))
                    .map(|c| pair(c.name))
                    .collect()
            } else {
                let upper = word.to_uppercase();
                let previous = before[..start]
                    .split_whitespace()
                    .last()
                    .unwrap_or("")
                    .to_uppercase();
                let mut v: Vec<Pair> = Vec::new();
                if matches!(previous.as_str(), "FROM" | "JOIN") {
                    v.extend(
                        self.tables
                            .iter()
                            .filter(|t| t.starts_with(word))
                            .map(|t| pair(t)),
                    );
                } else {
                    v.extend(
                        self.columns
                            .iter()
                            .filter(|c| c.starts_with(word))
                            .map(|c| pair(c)),
                    );
                    v.extend(
                        self.tables
                            .iter()
                            .filter(|t| t.starts_with(word))
                            .map(|t| pair(t)),
                    );
                    if !word.is_empty() {
                        v.extend(
                            KEYWORDS
                                .iter()
                                .filter(|k| k.starts_with(&upper))
                                .map(|k| pair(k)),
                        );
                    }
                }
                v
            };
        Ok((start, candidates))
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

impl Validator for ShellHelper {
    fn validate(&self, ctx: &mut ValidationContext) -> rustyline::Result<ValidationResult> {
        let input = ctx.input().trim();
        if input.is_empty()
            || input.starts_with('.')
            || input.starts_with('\\')
            || is_complete(input)
        {
            Ok(ValidationResult::Valid(None))
        } else {
            Ok(ValidationResult::Incomplete)
        }
    }
}

impl Helper for ShellHelper {}

/// The history file: `$GONGKAI_HISTORY`, else the per-user data directory
/// (`$XDG_DATA_HOME/gongkai/history`), never the current directory.
pub fn history_path(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit
        .or_else(|| std::env::var_os("GONGKAI_HISTORY").map(PathBuf::from))
        .or_else(|| dirs::data_dir().map(|d| d.join("gongkai").join("history")))
}

/// Runs the interactive shell until `.quit` or Ctrl-D.
pub async fn run(mut session: Session, history: Option<PathBuf>) -> Result<(), ShellError> {
    let columns = {
        let mut c: Vec<String> = Table::ALL
            .iter()
            .flat_map(|t| {
                t.schema()
                    .fields()
                    .iter()
                    .map(|f| f.name().clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        c.sort();
        c.dedup();
        c
    };
    let helper = ShellHelper {
        tables: session.engine.table_names(),
        columns,
    };
    let mut rl: Editor<ShellHelper, DefaultHistory> = Editor::new()
        .map_err(|e| ShellError::Command(format!("cannot start the line editor: {e}")))?;
    rl.set_helper(Some(helper));
    if let Some(path) = &history {
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        let _ = rl.load_history(path);
    }
    if io::stderr().is_terminal() {
        eprintln!("gongkai {} — SQL over 政府信息公开工作年度报告. Statements end with ';'. .help for help, Ctrl-D to leave.", env!("CARGO_PKG_VERSION"));
    }
    session.max_rows = session.max_rows.or(Some(40));
    let mut stdout = io::stdout();
    loop {
        let line = match rl.readline("gongkai> ") {
            Ok(l) => l,
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => return Err(ShellError::Command(format!("reading input: {e}"))),
        };
        let input = line.trim();
        if input.is_empty() {
            continue;
        }
        let _ = rl.add_history_entry(input);
        if let Some(path) = &history {
            let _ = rl.append_history(path);
        }
        let result = if input.starts_with('.') || input.starts_with('\\') {
            match input.parse::<Command>() {
                Ok(Command::Quit) => break,
                Ok(cmd) => apply(&mut session, cmd, &mut stdout).await,
                Err(e) => Err(ShellError::Command(e)),
            }
        } else {
            let stmt = Statement {
                sql: input.trim_end_matches(';').to_string(),
                line: 1,
            };
            session.run(&stmt, "repl", &mut stdout).await
        };
        if let Err(e) = result {
            eprintln!("error: {e}");
        }
    }
    Ok(())
}

/// Carries out a meta-command.
pub async fn apply(
    session: &mut Session,
    cmd: Command,
    out: &mut dyn io::Write,
) -> Result<(), ShellError> {
    if let Some(sql) = command::listing_sql(&cmd) {
        let stmt = Statement { sql, line: 1 };
        return session.run(&stmt, "command", out).await;
    }
    match cmd {
        Command::Help => write!(out, "{}", command::help_text())?,
        Command::Mode(f) => session.format = f,
        Command::Timer(on) => session.timer = on,
        Command::MaxRows(n) => session.max_rows = n,
        _ => {}
    }
    Ok(())
}
