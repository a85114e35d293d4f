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

/// Drops the comments and blank lines a statement opens with, so that its text starts on the
/// line [`Statement::line`] names (parser positions then map to file lines).
fn strip_leading_comments(mut s: &str) -> &str {
    loop {
        s = s.trim_start();
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, r)| r);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r);
        } else {
            return s;
        }
    }
}

/// Splits on `;` outside quotes and comments. Comment-only pieces are dropped; text after the
/// last `;` is a statement too (a script may omit its final `;`).
pub fn split_statements(text: &str) -> Vec<Statement> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut start_line: Option<u32> = None;
    let mut line = 1u32;
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    let mut has_code = false;
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        if let Some(q) = quote {
            current.push(c);
            if c == q {
                if chars.peek() == Some(&q) {
                    current.push(q);
                    chars.next();
                } else {
                    quote = None;
                }
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                start_line.get_or_insert(line);
                has_code = true;
                current.push(c);
            }
            '-' if chars.peek() == Some(&'-') => {
                // A line comment: keep it (it may be a header), up to the end of the line.
                current.push(c);
                for d in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                        current.push('\n');
                        break;
                    }
                    current.push(d);
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                current.push(c);
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if d == '\n' {
                        line += 1;
                    }
                    current.push(d);
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            ';' => {
                if has_code {
                    out.push(Statement {
                        sql: strip_leading_comments(current.trim()).to_string(),
                        line: start_line.unwrap_or(line),
                    });
                }
                current.clear();
                start_line = None;
                has_code = false;
            }
            // A meta-command (`.chart`, `\d facts`) where a statement would start: it runs to
            // the end of its line, as in psql and the DuckDB shell — also after a `;` on the same
            // line (`SELECT …; .chart`).
            '.' | '\\' if !has_code => {
                let mut meta = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d == '\n' {
                        break;
                    }
                    meta.push(d);
                    chars.next();
                }
                out.push(Statement {
                    sql: meta.trim().trim_end_matches(';').trim_end().to_string(),
                    line,
                });
                current.clear();
                start_line = None;
            }
            c => {
                if !c.is_whitespace() {
                    start_line.get_or_insert(line);
                    has_code = true;
                }
                current.push(c);
            }
        }
    }
    if has_code {
        out.push(Statement {
            sql: strip_leading_comments(current.trim()).to_string(),
            line: start_line.unwrap_or(line),
        });
    }
    out
}

/// True when `text` ends a statement: its last code character is a `;` outside quotes and
/// comments (used by the REPL to decide whether Enter runs or continues).
pub fn is_complete(text: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut last_code = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => {
                quote = Some(c);
                last_code = Some(c);
            }
            '-' if chars.peek() == Some(&'-') => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            c if !c.is_whitespace() => last_code = Some(c),
            _ => {}
        }
    }
    quote.is_none() && last_code == Some(';')
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
    fn completeness() {
        assert!(is_complete("SELECT 1;"));
        assert!(is_complete("SELECT 1;  -- done"));
        assert!(!is_complete("SELECT ';'"));
        assert!(!is_complete("SELECT 1"));
    }
}
