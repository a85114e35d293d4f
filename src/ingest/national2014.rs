//! The national 《政府信息公开情况统计表》 of 2014–2018 (`national-2014`, `templates/national-2014.toml`).
//!
//! The table is a hierarchy: sections 一 … 十三, rows （一） under them, items 1. and 其中
//! under those. The same label means different things under different sections (市政府及其部门
//! counts reading rooms under 十 and visitors under 十一; 其他情形数 closes 四, 五 and 六), so a row
//! is resolved by its key *within the current section*, never by its label alone. A section is
//! recognised by its own label, not by its ordinal, because provinces add and renumber sections.

use crate::model::{Figure, Problem, ProblemKind, UnmappedRow};

use super::label::{label_key, numbering, paren_balance, Numbering};
use super::lines::{classify, Cells, TableLine};
use super::value::{parse_cell, Cell};
use crate::catalog::{catalog, Kind};
use crate::model::Breakdown;

/// One row of the template: the section it belongs to, its keys, and its code (`None` for a
/// heading that carries no figure).
#[derive(Debug)]
struct RowSpec {
    section: usize,
    head: bool,
    code: Option<&'static str>,
    keys: Vec<String>,
}

/// The template as data: `templates/national-2014.toml`, compiled in.
pub const TEMPLATE: &str = include_str!("../../templates/national-2014.toml");

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    #[allow(dead_code)]
    name: String,
    row: Vec<RowDef>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDef {
    section: usize,
    #[serde(default)]
    head: bool,
    #[serde(default)]
    code: Option<String>,
    label: Vec<String>,
}

/// Parses a section-based template file (the national-2014 shape); codes must be catalog
/// codes.
fn parse_rows(text: &str) -> Result<Vec<RowSpec>, String> {
    let def: FileDef = toml::from_str(text).map_err(|e| format!("national-2014.toml: {e}"))?;
    def.row
        .into_iter()
        .map(|r| {
            let code =
                match r.code {
                    Some(c) => Some(catalog().get(&c).map(|i| i.code).ok_or_else(|| {
                        format!("national-2014.toml: '{c}' is not a catalog code")
                    })?),
                    None => None,
                };
            Ok(RowSpec {
                section: r.section,
                head: r.head,
                code,
                keys: r.label,
            })
        })
        .collect()
}

/// The rows of the table, in printed order. Keys are [`label_key`]s.
fn rows() -> &'static [RowSpec] {
    static ROWS: std::sync::OnceLock<Vec<RowSpec>> = std::sync::OnceLock::new();
    // The file is part of the source tree and loaded by a unit test.
    ROWS.get_or_init(|| parse_rows(TEMPLATE).unwrap_or_else(|e| panic!("built-in template: {e}")))
}

fn find_head(key: &str) -> Option<&'static RowSpec> {
    rows()
        .iter()
        .find(|r| r.head && r.keys.iter().any(|k| k == key))
}

fn find_in_section(section: usize, key: &str) -> Option<&'static RowSpec> {
    rows()
        .iter()
        .find(|r| !r.head && r.section == section && r.keys.iter().any(|k| k == key))
}

/// True when the key is a heading of the template (a row that carries no figure of its own).
fn is_known_heading(key: &str) -> bool {
    rows()
        .iter()
        .any(|r| r.code.is_none() && r.keys.iter().any(|k| k == key))
}

/// True when a line marks the end of the table: the 注 under it.
pub fn is_table_end(line: &str) -> bool {
    // Asked of every line; each way a table ends starts with 注.
    if !line.contains('注') {
        return false;
    }
    let key = label_key(line);
    let t: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    key.is_empty() && (t.starts_with("(注") || t.starts_with("（注"))
        || t.starts_with("注:")
        || t.starts_with("注：")
}

/// A logical row: a label, possibly assembled from wrapped lines, with its unit and value.
#[derive(Debug, Clone)]
struct LogicalRow {
    label: String,
    unit: Option<String>,
    value: Option<String>,
    /// Line of the value (or of the label, for a row without one).
    line: u32,
    /// Line of the last physical line that contributed to the row.
    last_line: u32,
}

/// Joins wrapped label fragments with the row they belong to (see [`assemble`]).
struct Assembler {
    rows: Vec<LogicalRow>,
    pending: Option<(String, u32)>,
}

impl Assembler {
    fn push_fragment(&mut self, label: String, line: u32) {
        let continues_previous = self.rows.last().is_some_and(|prev| {
            prev.last_line + 2 >= line
                && (paren_balance(&prev.label) > 0 || paren_balance(&label) < 0)
        });
        if self.pending.is_none() && continues_previous {
            if let Some(prev) = self.rows.last_mut() {
                prev.label.push_str(&label);
                prev.last_line = line;
            }
            return;
        }
        match &mut self.pending {
            Some((text, _)) => text.push_str(&label),
            None => self.pending = Some((label, line)),
        }
    }

    fn push_row(&mut self, mut cells: Cells, line: u32) {
        if let Some((text, first)) = self.pending.take() {
            if numbering(&cells.label).is_none() && !cells.is_label_only() {
                cells.label = format!("{text}{}", cells.label);
            } else {
                self.flush_pending_as_row(text, first);
            }
        }
        self.rows.push(LogicalRow {
            label: cells.label,
            unit: cells.unit,
            value: cells.value,
            line,
            last_line: line,
        });
    }

    fn flush_pending_as_row(&mut self, text: String, line: u32) {
        self.rows.push(LogicalRow {
            label: text,
            unit: None,
            value: None,
            line,
            last_line: line,
        });
    }

    fn finish(mut self) -> Vec<LogicalRow> {
        if let Some((text, line)) = self.pending.take() {
            self.flush_pending_as_row(text, line);
        }
        self.rows
    }
}

/// Turns the lines of a table region into logical rows, joining labels that a PDF-to-text tool
/// wrapped: a fragment that continues an open parenthesis joins the row above; any other
/// fragment waits for the next row, unless that row opens with its own numbering.
fn assemble(lines: &[&str], first_line: u32) -> Vec<LogicalRow> {
    let mut a = Assembler {
        rows: Vec::new(),
        pending: None,
    };
    for (i, raw) in lines.iter().enumerate() {
        let line = first_line + i as u32;
        let TableLine::Row(mut cells) = classify(raw) else {
            continue;
        };
        // `…相同信息计 1` cut inside a parenthesis: the number is label text, not a value.
        if cells.unit.is_none() && cells.value.is_some() && paren_balance(&cells.label) > 0 {
            let v = cells.value.take().unwrap_or_default();
            cells.label = format!("{} {v}", cells.label);
        }
        if cells.is_label_only() {
            let key = label_key(&cells.label);
            if !key.is_empty() && (is_known_heading(&key) || find_head(&key).is_some()) {
                a.push_row(cells, line);
            } else {
                a.push_fragment(cells.label, line);
            }
        } else {
            a.push_row(cells, line);
        }
    }
    a.finish()
}

/// What one table yields.
#[derive(Debug, Default)]
pub struct TableContent {
    /// Figures, in table order.
    pub figures: Vec<Figure>,
    /// Rows that map to no code.
    pub unmapped: Vec<UnmappedRow>,
    /// Cells left out.
    pub problems: Vec<Problem>,
    /// Template rows with a code that the table never reached, when it ended without its 注
    /// (a truncated table).
    pub missing: Vec<&'static str>,
}

/// Reads a table region: `lines` are the lines after the caption, `first_line` the 1-based
/// line number of `lines[0]`; `closed` says whether the region ended at the table's 注 or the
/// next caption (rather than at the end of the document).
pub fn read_table(lines: &[&str], first_line: u32, closed: bool) -> TableContent {
    let mut out = TableContent::default();
    let mut section: Option<usize> = None;
    let mut seen: Vec<(&'static str, f64, u32)> = Vec::new();
    let mut last_spec_index = 0usize;
    for row in assemble(lines, first_line) {
        let key = label_key(&row.label);
        let is_section_row = matches!(numbering(&row.label), Some(Numbering::Section(_)));
        let spec = match find_head(&key) {
            Some(h) => {
                section = Some(h.section);
                Some(h)
            }
            None if is_section_row => {
                // A section this template does not know: its rows cannot be placed.
                section = None;
                None
            }
            None => section.and_then(|s| find_in_section(s, &key)),
        };
        let raw_value = row.value.clone().unwrap_or_default();
        let Some(spec) = spec else {
            out.unmapped.push(UnmappedRow {
                source_line: row.line,
                label: row.label.trim().to_string(),
                raw_value,
            });
            continue;
        };
        if let Some(i) = rows().iter().position(|r| std::ptr::eq(r, spec)) {
            last_spec_index = last_spec_index.max(i);
        }
        // A unit cell that is no unit: the row has a cell too many (or its cells shifted).
        if let Some(u) = row
            .unit
            .as_deref()
            .filter(|u| !super::lines::UNITS.contains(&super::label::fold_width(u).trim()))
        {
            out.problems.push(Problem {
                source_line: row.line,
                label: row.label.trim().to_string(),
                raw_text: format!("{u} {raw_value}"),
                indicator: spec.code,
                message: format!("the row has a cell too many or its cells are shifted (unit column reads '{u}'); left out"),
                kind: ProblemKind::Unreadable,
            });
            continue;
        }
        let Some(code) = spec.code else {
            if !raw_value.trim().is_empty() {
                out.unmapped.push(UnmappedRow {
                    source_line: row.line,
                    label: row.label.trim().to_string(),
                    raw_value,
                });
            }
            continue;
        };
        read_value(&row, code, &mut seen, &mut out);
    }
    if !closed {
        out.missing = rows()[last_spec_index + 1..]
            .iter()
            .filter_map(|r| r.code)
            .filter(|c| !seen.iter().any(|(s, _, _)| s == c))
            .collect();
    }
    out
}

/// Reads the value of a row that maps to `code`, into a figure or a problem.
fn read_value(
    row: &LogicalRow,
    code: &'static str,
    seen: &mut Vec<(&'static str, f64, u32)>,
    out: &mut TableContent,
) {
    let Some(indicator) = catalog().get(code) else {
        return;
    };
    let raw = row.value.clone().unwrap_or_default();
    let problem = |message: String| Problem {
        source_line: row.line,
        label: row.label.trim().to_string(),
        raw_text: raw.clone(),
        indicator: Some(code),
        message,
        kind: ProblemKind::Unreadable,
    };
    let (mut value, glued_unit) = match parse_cell(&raw) {
        Ok(Cell::Blank) => return,
        Ok(Cell::Number { value, unit }) => (value, unit),
        Err(e) => return out.problems.push(problem(e)),
    };
    let printed_unit = glued_unit.or(row.unit.as_deref().map(|u| match u.trim() {
        "元" => "元",
        _ => "",
    }));
    if printed_unit == Some("元") && indicator.unit == "万元" {
        value /= 10_000.0;
    }
    if indicator.kind == Kind::Count {
        if value < 0.0 {
            return out
                .problems
                .push(problem(format!("a count cannot be negative: '{raw}'")));
        }
        if value.fract() != 0.0 {
            return out
                .problems
                .push(problem(format!("a count must be a whole number: '{raw}'")));
        }
    }
    if let Some(&(_, earlier, line)) = seen.iter().find(|(c, _, _)| *c == code) {
        if earlier != value {
            out.figures.retain(|f| f.indicator != code);
            out.problems.push(problem(format!(
                "{code} is printed twice with different values: {earlier} (line {line}) and {value}; neither is stored"
            )));
        }
        return;
    }
    seen.push((code, value, row.line));
    out.figures.push(Figure {
        indicator: code,
        breakdown: Breakdown::Total,
        value,
        unit: indicator.unit,
        derived: false,
        source_line: row.line,
        template: crate::model::Template::National2014,
        origin: crate::model::Origin::Table,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_of_the_template_is_in_the_catalog() {
        for r in rows() {
            if let Some(code) = r.code {
                let i = catalog()
                    .get(code)
                    .unwrap_or_else(|| panic!("{code} not in catalog"));
                assert!(i.templates.contains("national-2014"), "{code}");
            }
        }
        assert_eq!(rows().iter().filter(|r| r.code.is_some()).count(), 78);
    }

    #[test]
    fn keys_are_unique_within_a_section() {
        for (i, a) in rows().iter().enumerate() {
            for b in &rows()[i + 1..] {
                if a.section == b.section && a.head == b.head {
                    for k in &a.keys {
                        assert!(!b.keys.contains(k), "{k} twice in section {}", a.section);
                    }
                }
            }
        }
    }

    #[test]
    fn the_same_label_resolves_by_section() {
        let text = "十、设置政府信息查阅点数\t个\t249\n（一）市政府及其部门\t个\t113\n十一、查阅点接待人数\t次\t26394\n（一）市政府及其部门\t次\t13836";
        let lines: Vec<&str> = text.lines().collect();
        let t = read_table(&lines, 1, true);
        let got: Vec<(&str, f64)> = t.figures.iter().map(|f| (f.indicator, f.value)).collect();
        assert_eq!(
            got,
            vec![
                ("reading_rooms.total", 249.0),
                ("reading_rooms.city", 113.0),
                ("reading_room_visits.total", 26394.0),
                ("reading_room_visits.city", 13836.0)
            ]
        );
    }

    #[test]
    fn a_row_under_an_unknown_section_is_unmapped_not_guessed() {
        let text = "十四、省里加的栏目\t\t\n（一）市政府及其部门\t个\t7";
        let lines: Vec<&str> = text.lines().collect();
        let t = read_table(&lines, 1, true);
        assert!(t.figures.is_empty());
        assert_eq!(t.unmapped.len(), 2);
        assert_eq!(t.unmapped[1].raw_value, "7");
    }

    #[test]
    fn wrapped_labels_join_their_row() {
        let text = "八、开通政府信息公开网站（或设立门户网站信息公\n开专栏）数      个     253\n十二、机构建设和保障经费情况\n（四）政府信息公开专项经费（不包括用于政府公报编辑管理    万元   48\n及政府网站建设维护等方面的经费）\n二、回应解读情况\n（一）回应公众关注热点或重大舆情数\n（不同方式回应同一热点或舆情计1次）    次    7655";
        let lines: Vec<&str> = text.lines().collect();
        let t = read_table(&lines, 10, true);
        let got: Vec<(&str, f64, u32)> = t
            .figures
            .iter()
            .map(|f| (f.indicator, f.value, f.source_line))
            .collect();
        assert_eq!(t.unmapped, vec![]);
        assert_eq!(
            got,
            vec![
                ("websites.total", 253.0, 11),
                ("capacity.budget", 48.0, 13),
                ("response.hotspots", 7655.0, 17)
            ]
        );
    }

    #[test]
    fn amounts_in_yuan_are_stored_in_wan_yuan() {
        let text = "十二、机构建设和保障经费情况\n（四）政府信息公开专项经费\t元\t480000";
        let lines: Vec<&str> = text.lines().collect();
        let t = read_table(&lines, 1, true);
        assert_eq!(t.figures[0].value, 48.0);
        assert_eq!(t.figures[0].unit, "万元");
    }

    #[test]
    fn a_row_printed_twice_with_different_values_stores_neither() {
        let text = "四、行政复议数量\t件\t453\n（一）维持具体行政行为数\t件\t155\n（一）维持具体行政行为数\t件\t156";
        let lines: Vec<&str> = text.lines().collect();
        let t = read_table(&lines, 1, true);
        assert_eq!(t.figures.len(), 1);
        assert_eq!(t.problems.len(), 1);
        assert!(
            t.problems[0].message.contains("printed twice"),
            "{}",
            t.problems[0].message
        );
    }
}
