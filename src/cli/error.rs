//! The one error of a run, and the exit code it maps to. Every subcommand returns
//! `Result<(), Error>`; [`super::main`] prints the error once and exits with
//! [`Error::exit_code`] (ripgrep's and xsv's shape).

use crate::ingest::IngestError;
use crate::shell::ShellError;
use crate::warehouse::WarehouseError;

/// The exit codes, as `--help` lists them.
pub const EXIT_CODES: &str = "\
Exit codes:
  0    ok
  1    a data or SQL error: a failed statement, a document that could not be read, an
       unreadable warehouse, check findings at --fail-on's level
  2    a usage error (an unknown flag, a missing argument, --format xlsx without --output)
  130  interrupted (Ctrl-C): a query cancelled, an ingest stopped before its next commit";

/// Why a run did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The warehouse cannot be opened, read or written.
    #[error(transparent)]
    Warehouse(#[from] WarehouseError),
    /// A document cannot be read.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// A statement or meta-command failed (printed with its position by the shell's reporter).
    #[error(transparent)]
    Shell(#[from] ShellError),
    /// The command line asks for something impossible.
    #[error("{0}")]
    Usage(String),
    /// Anything else that stops the run, said in a sentence naming the file.
    #[error("{0}")]
    Failed(String),
    /// Some statements of a script failed (each already reported) and the run went on.
    #[error("{0} statement{s} failed", s = if *.0 == 1 { "" } else { "s" })]
    Statements(usize),
    /// An ingest's documents that failed, its problems and failed commits (one line each).
    #[error("{} problem{}:\n  error: {}", .0.len(), if .0.len() == 1 { "" } else { "s" }, .0.join("\n  error: "))]
    Problems(Vec<String>),
    /// `check` found what `--fail-on` fails on (the findings are printed already).
    #[error("{0}")]
    Findings(String),
    /// Ctrl-C.
    #[error("interrupted: {0}")]
    Interrupted(String),
}

impl Error {
    /// The process's exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => 2,
            Error::Interrupted(_) | Error::Shell(ShellError::Cancelled) => 130,
            _ => 1,
        }
    }

    /// A closed stdout (`gongkai … | head`): the reader has what it wanted.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, Error::Shell(e) if e.is_broken_pipe())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_table_in_help() {
        assert_eq!(Error::Usage("x".into()).exit_code(), 2);
        assert_eq!(Error::Statements(2).exit_code(), 1);
        assert_eq!(
            Error::Interrupted("nothing committed".into()).exit_code(),
            130
        );
        assert_eq!(Error::Shell(ShellError::Cancelled).exit_code(), 130);
        for code in ["0", "1", "2", "130"] {
            assert!(EXIT_CODES.contains(&format!("  {code} ")), "{code}");
        }
        assert_eq!(Error::Statements(1).to_string(), "1 statement failed");
        assert_eq!(
            Error::Problems(vec!["a.txt:3: x".into()]).to_string(),
            "1 problem:\n  error: a.txt:3: x"
        );
    }
}
