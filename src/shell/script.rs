//! Splitting SQL text into statements, each with the line it starts on, so that an error can
//! name `file:line` and the statement — the thing datafusion-cli does not do.

/// One statement of a script, or a meta-command (`.mode csv`).
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The statement's text, without the closing `;`.
    pub sql: String,
    /// 1-based line of its first non-blank character.
    pub line: u32,
}

impl Statement {
    /// True for a meta-command (`.chart`, `\d facts`) rather than SQL.
    pub fn is_meta(&self) -> bool {
        self.sql.starts_with('.') || self.sql.starts_with('\\')
    }
}

use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Location, Token, TokenWithSpan, Tokenizer};

/// Byte offsets of the text's line starts, to turn the tokenizer's (line, column) into an
/// offset.
struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// The byte offset of a location of a text tokenized from the start of line `first`
    /// (0-based).
    fn offset(&self, first: usize, loc: Location) -> usize {
        let line = first + loc.line.saturating_sub(1) as usize;
        let Some(&start) = self.starts.get(line) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        rest.char_indices()
            .nth(loc.column.saturating_sub(1) as usize)
            .map_or(self.text.len(), |(i, _)| start + i)
    }

    /// 0-based line of a byte offset.
    fn line_of(&self, offset: usize) -> usize {
        self.starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The end of the line holding `offset` (before its `\n`).
    fn end_of_line(&self, offset: usize) -> usize {
        self.text[offset..]
            .find('\n')
            .map_or(self.text.len(), |i| offset + i)
    }
}

fn is_code(t: &Token) -> bool {
    !matches!(t, Token::Whitespace(_) | Token::EOF)
}

/// Splits a script into statements and meta-commands with sqlparser's tokenizer (the one
/// DataFusion parses with), so that `;` inside strings, quoted names and comments is no
/// boundary. A meta-command (`.chart`, `\d facts`) where a statement would start runs to the
/// end of its line, as in psql and the DuckDB shell — also after a `;` on the same line
/// (`SELECT …; .chart`). Comment-only pieces are dropped; text after the last `;` is a
/// statement too (a script may omit its final `;`); text the tokenizer cannot read (an
/// unterminated string) is one statement to its end, for the parser to report.
pub fn split_statements(text: &str) -> Vec<Statement> {
    let lines = Lines::new(text);
    let mut out = Vec::new();
    // Tokenizing starts at a line start: again after each meta-command's line.
    let mut from_line = 0usize;
    'restart: while from_line < lines.starts.len() {
        let base = lines.starts[from_line];
        let dialect = GenericDialect {};
        let mut tokens: Vec<TokenWithSpan> = Vec::new();
        let failed = Tokenizer::new(&dialect, &text[base..])
            .tokenize_with_location_into_buf(&mut tokens)
            .is_err();
        let mut start: Option<usize> = None;
        for t in &tokens {
            if !is_code(&t.token) {
                continue;
            }
            let at = lines.offset(from_line, t.span.start);
            match (&t.token, start) {
                (Token::Period | Token::Backslash, None) => {
                    let end = lines.end_of_line(at);
                    out.push(Statement {
                        sql: text[at..end]
                            .trim()
                            .trim_end_matches(';')
                            .trim_end()
                            .to_string(),
                        line: lines.line_of(at) as u32 + 1,
                    });
                    from_line = lines.line_of(at) + 1;
                    continue 'restart;
                }
                (Token::SemiColon, Some(s)) => {
                    push(&mut out, &lines, s, at);
                    start = None;
                }
                (Token::SemiColon, None) => {}
                (_, None) => start = Some(at),
                _ => {}
            }
        }
        if failed {
            // From the statement the tokenizer stopped in (or the first code after the last
            // one read) to the end.
            let s = start.unwrap_or_else(|| {
                let after = tokens
                    .last()
                    .map_or(base, |t| lines.offset(from_line, t.span.end));
                after + (text[after..].len() - text[after..].trim_start().len())
            });
            if s < text.len() {
                push(&mut out, &lines, s, text.len());
            }
        } else if let Some(s) = start {
            push(&mut out, &lines, s, text.len());
        }
        break;
    }
    out
}

fn push(out: &mut Vec<Statement>, lines: &Lines, start: usize, end: usize) {
    let sql = lines.text[start..end].trim_end();
    if !sql.is_empty() {
        out.push(Statement {
            sql: sql.to_string(),
            line: lines.line_of(start) as u32 + 1,
        });
    }
}

/// True when `text` ends a statement: its last token other than whitespace and comments is a
/// `;` (used by the REPL to decide whether Enter runs or continues). Text the tokenizer
/// cannot finish (an open string or quoted name) goes on.
pub fn is_complete(text: &str) -> bool {
    let dialect = GenericDialect {};
    match Tokenizer::new(&dialect, text).tokenize() {
        Ok(tokens) => tokens
            .iter()
            .rev()
            .find(|t| is_code(t))
            .is_some_and(|t| *t == Token::SemiColon),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_with_their_lines() {
        let s = split_statements("-- header\nSELECT 1;\n\nSELECT ';' AS x,\n  2;\nSELECT 3");
        let got: Vec<(&str, u32)> = s.iter().map(|s| (s.sql.as_str(), s.line)).collect();
        assert_eq!(
            got,
            vec![
                ("SELECT 1", 2),
                ("SELECT ';' AS x,\n  2", 4),
                ("SELECT 3", 6)
            ]
        );
    }

    #[test]
    fn meta_commands_run_to_the_end_of_their_line_even_after_a_statement() {
        let s = split_statements("SELECT 1; SELECT 2; .chart\n.mode csv\nSELECT 'a.b' AS x;");
        let texts: Vec<(&str, bool)> = s.iter().map(|s| (s.sql.as_str(), s.is_meta())).collect();
        assert_eq!(
            texts,
            [
                ("SELECT 1", false),
                ("SELECT 2", false),
                (".chart", true),
                (".mode csv", true),
                ("SELECT 'a.b' AS x", false)
            ]
        );
        assert_eq!(s[3].line, 2);
    }

    #[test]
    fn comment_only_text_is_no_statement() {
        assert!(split_statements("-- just a comment;\n/* and ; this */\n").is_empty());
    }

    #[test]
    fn quoted_names_comments_and_an_open_string() {
        let s = split_statements(
            "SELECT \"a;b\" FROM t; /* ; */ SELECT 2 -- ;\n;\nSELECT 'open;\nstill",
        );
        let got: Vec<(&str, u32)> = s.iter().map(|s| (s.sql.as_str(), s.line)).collect();
        assert_eq!(
            got,
            vec![
                ("SELECT \"a;b\" FROM t", 1),
                ("SELECT 2 -- ;", 1),
                ("SELECT 'open;\nstill", 3)
            ]
        );
    }

    #[test]
    fn chinese_text_and_a_meta_command_after_it() {
        let s = split_statements(
            "SELECT '济南市；' AS 名;\n  .source 济南市人民政府/2017/whole\nSELECT 1",
        );
        let got: Vec<(&str, u32)> = s.iter().map(|s| (s.sql.as_str(), s.line)).collect();
        assert_eq!(
            got,
            vec![
                ("SELECT '济南市；' AS 名", 1),
                (".source 济南市人民政府/2017/whole", 2),
                ("SELECT 1", 3)
            ]
        );
    }

    #[test]
    fn completeness() {
        assert!(!is_complete("SELECT 'a;"));
        assert!(!is_complete("SELECT 1; SELECT"));
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1;  -- done"));
        assert!(!is_complete("SELECT ';'"));
        assert!(!is_complete("SELECT 1"));
    }
}
