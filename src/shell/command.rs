//! Meta-commands (`.tables`, `.schema`, …): one table, [`COMMANDS`], drives parsing, `.help`
//! and completion, so the three can never disagree.

use std::str::FromStr;

use crate::output::Format;

/// One meta-command, as documented.
pub struct MetaCommand {
    /// The dot form, e.g. `.tables`.
    pub name: &'static str,
    /// Other spellings (datafusion-cli's backslash forms).
    pub aliases: &'static [&'static str],
    /// Argument synopsis.
    pub args: &'static str,
    /// One line of help.
    pub help: &'static str,
}

/// Every meta-command.
pub const COMMANDS: &[MetaCommand] = &[
    MetaCommand {
        name: ".help",
        aliases: &["\\?", ".h"],
        args: "",
        help: "show this help",
    },
    MetaCommand {
        name: ".tables",
        aliases: &["\\d"],
        args: "",
        help: "list the tables",
    },
    MetaCommand {
        name: ".schema",
        aliases: &["\\d+"],
        args: "[TABLE]",
        help: "show the columns of a table (all tables without TABLE)",
    },
    MetaCommand {
        name: ".indicators",
        aliases: &[],
        args: "[PATTERN]",
        help: "search the indicator catalog by code, Chinese or English label",
    },
    MetaCommand {
        name: ".mode",
        aliases: &[],
        args: "table|csv|tsv|json|ndjson|markdown|line|xlsx",
        help: "set the output format",
    },
    MetaCommand {
        name: ".output",
        aliases: &["\\o"],
        args: "[FILE] [--bom]",
        help: "send results to FILE (.xlsx: a workbook); no FILE: back to the screen",
    },
    MetaCommand {
        name: ".once",
        aliases: &[],
        args: "FILE [--bom]",
        help: "send the next result only to FILE",
    },
    MetaCommand {
        name: ".read",
        aliases: &["\\i"],
        args: "FILE",
        help: "run the statements of FILE",
    },
    MetaCommand {
        name: ".queries",
        aliases: &[],
        args: "",
        help: "list the saved queries",
    },
    MetaCommand {
        name: ".run",
        aliases: &[],
        args: "NAME [name=value…]",
        help: "run a saved query with parameters",
    },
    MetaCommand {
        name: ".source",
        aliases: &[],
        args: "REPORT INDICATOR",
        help: "print the line(s) a figure was read from, from the kept copy of its document",
    },
    MetaCommand {
        name: ".chart",
        aliases: &[],
        args: "",
        help: "bar chart of the last two-column result",
    },
    MetaCommand {
        name: ".timer",
        aliases: &[],
        args: "on|off",
        help: "print each statement's time on stderr",
    },
    MetaCommand {
        name: ".maxrows",
        aliases: &[],
        args: "N|off",
        help: "cut table output to N rows (head and tail)",
    },
    MetaCommand {
        name: ".pager",
        aliases: &[],
        args: "on|off",
        help: "page long tables through $PAGER (less -SRFX if unset) on a terminal",
    },
    MetaCommand {
        name: ".last",
        aliases: &[],
        args: "",
        help: "show the last result again, whole (not cut to .maxrows)",
    },
    MetaCommand {
        name: ".bail",
        aliases: &[],
        args: "on|off",
        help: "stop a .read script at its first error (on by default)",
    },
    MetaCommand {
        name: ".quit",
        aliases: &["\\q", ".exit"],
        args: "",
        help: "leave gongkai (Ctrl-D too)",
    },
];

/// A parsed meta-command.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// `.help`
    Help,
    /// `.tables`
    Tables,
    /// `.schema [TABLE]`
    Schema(Option<String>),
    /// `.indicators [PATTERN]`
    Indicators(Option<String>),
    /// `.mode FORMAT`
    Mode(Format),
    /// `.output [FILE] [--bom]`
    Output(Option<String>, bool),
    /// `.once FILE [--bom]`
    Once(String, bool),
    /// `.read FILE`
    Read(String),
    /// `.queries`
    Queries,
    /// `.run NAME [name=value…]`
    Run(String, Vec<String>),
    /// `.source REPORT INDICATOR`
    Source(String, String),
    /// `.chart`
    Chart,
    /// `.bail on|off`
    Bail(bool),
    /// `.timer on|off`
    Timer(bool),
    /// `.maxrows N|off`
    MaxRows(Option<usize>),
    /// `.pager on|off`
    Pager(bool),
    /// `.last`
    Last,
    /// `.mode`, `.timer`, `.maxrows` or `.bail` without an argument: shows the setting.
    Show(&'static str),
    /// `.quit`
    Quit,
}

impl FromStr for Command {
    type Err = String;
    fn from_str(line: &str) -> Result<Self, Self::Err> {
        let line = line.trim().trim_end_matches(';');
        let (word, arg) = match line.split_once(char::is_whitespace) {
            Some((w, a)) => (w, Some(a.trim().to_string()).filter(|a| !a.is_empty())),
            None => (line, None),
        };
        // `\d TABLE` describes the table, as in psql; `\d` alone lists the tables.
        let word = if word == "\\d" && arg.is_some() {
            ".schema"
        } else {
            word
        };
        let cmd = COMMANDS
            .iter()
            .find(|c| c.name == word || c.aliases.contains(&word))
            .ok_or_else(|| format!("unknown command '{word}' (.help lists them)"))?;
        let need = |what: &str| format!("{} needs {what}", cmd.name);
        let on_off = |arg: Option<&str>| match arg {
            Some("on") => Ok(true),
            Some("off") => Ok(false),
            _ => Err(need("on or off")),
        };
        let words: Vec<String> = arg
            .as_deref()
            .map(|a| a.split_whitespace().map(str::to_string).collect())
            .unwrap_or_default();
        let file_and_bom = || {
            let bom = words.iter().any(|w| w == "--bom");
            let file = words
                .iter()
                .find(|w| *w != "--bom")
                .map(|f| f.trim_matches(['\'', '"']).to_string());
            (file, bom)
        };
        Ok(match cmd.name {
            ".help" => Command::Help,
            ".tables" => Command::Tables,
            ".schema" => Command::Schema(arg),
            ".indicators" => Command::Indicators(arg),
            ".mode" if arg.is_none() => Command::Show("mode"),
            ".timer" | ".maxrows" | ".bail" if arg.is_none() => Command::Show(&cmd.name[1..]),
            ".mode" => Command::Mode(arg.ok_or_else(|| need(cmd.args))?.parse()?),
            ".output" => {
                let (file, bom) = file_and_bom();
                Command::Output(file, bom)
            }
            ".once" => match file_and_bom() {
                (Some(f), bom) => Command::Once(f, bom),
                (None, _) => return Err(need("a FILE")),
            },
            ".read" => Command::Read(
                arg.map(|a| a.trim_matches(['\'', '"']).to_string())
                    .ok_or_else(|| need("a FILE"))?,
            ),
            ".queries" => Command::Queries,
            ".run" => match words.split_first() {
                Some((name, params)) => Command::Run(name.clone(), params.to_vec()),
                None => return Err(need("a saved query's NAME (.queries lists them)")),
            },
            ".source" => match words.as_slice() {
                [report, indicator] => Command::Source(report.clone(), indicator.clone()),
                _ => {
                    return Err(need(
                        "a REPORT (report_id, e.g. 济南市人民政府/2017/whole) and an INDICATOR",
                    ))
                }
            },
            ".chart" => Command::Chart,
            ".last" => Command::Last,
            ".pager" if arg.is_none() => Command::Show("pager"),
            ".pager" => Command::Pager(on_off(arg.as_deref())?),
            ".bail" => Command::Bail(on_off(arg.as_deref())?),
            ".timer" => Command::Timer(on_off(arg.as_deref())?),
            ".maxrows" => match arg.as_deref() {
                Some("off") | Some("0") => Command::MaxRows(None),
                Some(n) => Command::MaxRows(Some(n.parse().map_err(|_| need("a number or off"))?)),
                None => return Err(need("a number or off")),
            },
            _ => Command::Quit,
        })
    }
}

/// The `.help` text, generated from [`COMMANDS`].
pub fn help_text() -> String {
    let mut s = String::from("Statements end with ';' and may span lines. Meta-commands:\n");
    for c in COMMANDS {
        let usage = format!("{} {}", c.name, c.args);
        let aliases = if c.aliases.is_empty() {
            String::new()
        } else {
            format!(" ({})", c.aliases.join(", "))
        };
        s.push_str(&format!(
            "  {:<28} {}{}\n",
            usage.trim_end(),
            c.help,
            aliases
        ));
    }
    s.push_str(
        "\nExamples:\n  SELECT jurisdiction, scope, year, value FROM facts WHERE indicator = 'review.corrected';\n  .indicators 复议                 find the code of an indicator by its Chinese label\n  .run ranking indicator=review.total year=2017\n  .output rates.csv --bom         then a query: a CSV Excel opens in UTF-8\n  .output rates.xlsx              an Excel workbook, one sheet per result\n  SELECT jurisdiction, value FROM facts WHERE indicator = 'review.total'; .chart\n",
    );
    s
}

/// The SQL a listing command runs, so its output goes through the normal renderers.
pub fn listing_sql(cmd: &Command) -> Option<String> {
    let quote = |s: &str| s.replace('\'', "''");
    match cmd {
        Command::Tables => Some(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name".into(),
        ),
        Command::Schema(Some(t)) => Some(format!(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{}' ORDER BY ordinal_position",
            quote(t)
        )),
        Command::Schema(None) => Some(
            "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, ordinal_position".into(),
        ),
        Command::Indicators(p) => {
            let filter = p.as_deref().map(|p| {
                let p = quote(&p.to_lowercase());
                format!(" WHERE lower(code) LIKE '%{p}%' OR label_zh LIKE '%{p}%' OR lower(label_en) LIKE '%{p}%'")
            });
            Some(format!(
                "SELECT code, label_zh, unit, label_en FROM indicators{}",
                filter.unwrap_or_default()
            ))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_and_backslash_forms_parse_alike() {
        assert_eq!(".tables".parse::<Command>(), Ok(Command::Tables));
        assert_eq!("\\d".parse::<Command>(), Ok(Command::Tables));
        assert_eq!(
            "\\d facts".parse::<Command>(),
            Ok(Command::Schema(Some("facts".into())))
        );
        assert_eq!("\\q".parse::<Command>(), Ok(Command::Quit));
        assert_eq!(
            ".schema facts".parse::<Command>(),
            Ok(Command::Schema(Some("facts".into())))
        );
        assert_eq!(
            ".mode csv".parse::<Command>(),
            Ok(Command::Mode(Format::Csv))
        );
        assert_eq!(
            ".maxrows 10".parse::<Command>(),
            Ok(Command::MaxRows(Some(10)))
        );
        assert!(".mode xml".parse::<Command>().is_err());
        assert!(".nope".parse::<Command>().is_err());
        assert_eq!(
            ".output rates.csv --bom".parse::<Command>(),
            Ok(Command::Output(Some("rates.csv".into()), true))
        );
        assert_eq!(
            ".output".parse::<Command>(),
            Ok(Command::Output(None, false))
        );
        assert_eq!(
            ".run ranking year=2017".parse::<Command>(),
            Ok(Command::Run("ranking".into(), vec!["year=2017".into()]))
        );
        assert!(".once".parse::<Command>().is_err());
    }

    #[test]
    fn help_lists_every_command() {
        let h = help_text();
        for c in COMMANDS {
            assert!(h.contains(c.name), "{}", c.name);
        }
    }
}
