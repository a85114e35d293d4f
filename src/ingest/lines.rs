//! One line of table text, split into label, unit and value cells.
//!
//! Two shapes reach us: tab-separated (`label\tunit\tvalue`, as exported from office
//! documents) and space-aligned (columns padded with spaces, as `pdftotext -layout` prints
//! them). Both are read from the right, because the label is the only cell that may contain
//! spaces: the last cell is the value when it reads as one, the cell before it the unit when
//! it is a unit of the template.

use super::label::{fold_width, label_key};
use super::value::looks_like_value;

/// Units printed in the 统计表's 单位 column.
pub const UNITS: [&str; 11] = [
    "条", "件", "次", "篇", "个", "期", "份", "人", "人次", "万元", "元",
];

/// What one line of a table region holds.
#[derive(Debug, Clone, PartialEq)]
pub enum TableLine {
    /// Nothing.
    Blank,
    /// A page footer such as `-3-` or `第 3 页`.
    Footer,
    /// The column header (`统计指标 单位 统计数`) or a rule of dashes, repeated at page breaks.
    Header,
    /// A row, or a fragment of one.
    Row(Cells),
}

/// The cells of a row line.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cells {
    /// The label text, as printed (may be empty when a wrapped label left the value alone).
    pub label: String,
    /// The unit cell, when the line has one.
    pub unit: Option<String>,
    /// The value cell as printed, when the line has one (possibly empty in tab-separated text).
    pub value: Option<String>,
}

impl Cells {
    /// True when the line carries neither a unit nor a value: a header or a label fragment.
    pub fn is_label_only(&self) -> bool {
        self.unit.is_none() && self.value.as_deref().is_none_or(|v| v.trim().is_empty())
    }
}

fn is_unit(s: &str) -> bool {
    let f = fold_width(s);
    UNITS.contains(&f.trim())
}

/// True for page footers: `-3-`, `— 3 —`, `第3页`, `第 3 页 共 9 页`, `3/9`.
pub fn is_footer(line: &str) -> bool {
    // Footers hold a dash, 第…页 or a slash, and are short.
    if line.len() > 60 || !line.contains(['-', '—', '–', '－', '第', '/']) {
        return false;
    }
    let s: String = fold_width(line)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if s.is_empty() {
        return false;
    }
    let dashes = |c: char| matches!(c, '-' | '—' | '–' | '－');
    if let Some(inner) = s.strip_prefix(dashes).and_then(|r| r.strip_suffix(dashes)) {
        return !inner.is_empty() && inner.chars().all(|c| c.is_ascii_digit());
    }
    if let Some(rest) = s.strip_prefix('第') {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        return digits > 0 && rest[digits..].starts_with('页');
    }
    if let Some((a, b)) = s.split_once('/') {
        return !a.is_empty()
            && !b.is_empty()
            && a.chars().all(|c| c.is_ascii_digit())
            && b.chars().all(|c| c.is_ascii_digit());
    }
    false
}

fn is_rule(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty() && t.chars().all(|c| "-—–=|+ \t".contains(c))
}

/// Classifies one line inside a table region.
pub fn classify(line: &str) -> TableLine {
    let line = line.trim_end_matches(['\r', '\u{c}']);
    if line.trim().is_empty() {
        return TableLine::Blank;
    }
    if is_rule(line) {
        return TableLine::Header;
    }
    if is_footer(line) {
        return TableLine::Footer;
    }
    // The header's key holds 统计指标 (so the line holds 统 and 标): other lines, nearly all,
    // are not keyed.
    if line.contains('统') && line.contains('标') {
        let key = label_key(&line.replace('\t', " "));
        if key.starts_with("统计指标") && key.contains("统计数") {
            return TableLine::Header;
        }
    }
    TableLine::Row(if line.contains('\t') {
        split_tabs(line)
    } else {
        split_spaces(line)
    })
}

/// `label \t unit \t value`: positions are meaningful, empty cells included.
fn split_tabs(line: &str) -> Cells {
    let mut cells: Vec<&str> = line.split('\t').map(str::trim).collect();
    // More cells than label, unit, value: anchor on the unit, so that the label (and the
    // section it opens) stays readable and the surplus shows in the value cell.
    if cells.len() > 3 {
        if let Some(u) = (1..cells.len() - 1).find(|&i| is_unit(cells[i])) {
            let rest: Vec<&str> = cells[u + 1..]
                .iter()
                .copied()
                .filter(|c| !c.is_empty())
                .collect();
            if rest.len() > 1 {
                return Cells {
                    label: cells[..u].join(" ").trim().to_string(),
                    unit: Some(cells[u].to_string()),
                    value: Some(rest.join(" ")),
                };
            }
        }
    }
    if cells.len() >= 3 {
        let value = cells.pop().unwrap_or_default();
        let unit = cells.pop().unwrap_or_default();
        Cells {
            label: cells.join(" ").trim().to_string(),
            unit: (!unit.is_empty()).then(|| unit.to_string()),
            value: (!value.is_empty()).then(|| value.to_string()),
        }
    } else if cells.len() == 2 {
        let (label, last) = (cells[0], cells[1]);
        if is_unit(last) {
            Cells {
                label: label.into(),
                unit: Some(last.into()),
                value: None,
            }
        } else if looks_like_value(last) {
            Cells {
                label: label.into(),
                unit: None,
                value: Some(last.into()),
            }
        } else {
            Cells {
                label: format!("{label} {last}").trim().into(),
                ..Cells::default()
            }
        }
    } else {
        Cells {
            label: line.trim().into(),
            ..Cells::default()
        }
    }
}

/// Space-aligned text: read tokens from the right.
fn split_spaces(line: &str) -> Cells {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let n = tokens.len();
    let label_of = |end: usize| tokens[..end].join(" ");
    let last = tokens[n - 1];
    if is_unit(last) {
        return Cells {
            label: label_of(n - 1),
            unit: Some(last.into()),
            value: None,
        };
    }
    if looks_like_value(last) {
        if n >= 2 && is_unit(tokens[n - 2]) {
            return Cells {
                label: label_of(n - 2),
                unit: Some(tokens[n - 2].into()),
                value: Some(last.into()),
            };
        }
        return Cells {
            label: label_of(n - 1),
            unit: None,
            value: Some(last.into()),
        };
    }
    Cells {
        label: label_of(n),
        ..Cells::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, unit: Option<&str>, value: Option<&str>) -> TableLine {
        TableLine::Row(Cells {
            label: label.into(),
            unit: unit.map(Into::into),
            value: value.map(Into::into),
        })
    }

    #[test]
    fn tab_separated_rows() {
        assert_eq!(
            classify("四、行政复议数量\t件\t453"),
            row("四、行政复议数量", Some("件"), Some("453"))
        );
        assert_eq!(
            classify("一、主动公开情况\t\t"),
            row("一、主动公开情况", None, None)
        );
        assert_eq!(classify("统计指标\t单位\t统计数"), TableLine::Header);
        assert_eq!(classify("------\t----\t-----"), TableLine::Header);
    }

    #[test]
    fn space_aligned_rows() {
        assert_eq!(
            classify("  （一）维持具体行政行为数          件        155"),
            row("（一）维持具体行政行为数", Some("件"), Some("155"))
        );
        assert_eq!(
            classify("1. 政府公报公开政府信息数     条     12a4"),
            row("1. 政府公报公开政府信息数", Some("条"), Some("12a4"))
        );
        assert_eq!(
            classify("九、市政府公报发行量"),
            row("九、市政府公报发行量", None, None)
        );
        assert_eq!(
            classify("   统计指标          单位      统计数"),
            TableLine::Header
        );
        assert_eq!(
            classify("道和方式公开相同信息计 1 条）"),
            row("道和方式公开相同信息计 1 条）", None, None)
        );
    }

    #[test]
    fn footers() {
        for f in [
            "-3-",
            " - 12 - ",
            "— 3 —",
            "第3页",
            "第 3 页 共 9 页",
            "3/9",
        ] {
            assert_eq!(classify(f), TableLine::Footer, "{f}");
        }
        assert!(!is_footer("-"));
        assert!(!is_footer("3"));
    }
}
