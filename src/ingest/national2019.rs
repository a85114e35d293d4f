//! The national templates since 2019 (`national-2019`, revised as `national-2021`;
//! `templates/national-2019.toml`, `templates/national-2021.toml`): table 二 (proactive-disclosure blocks), table 三 (the application
//! matrix, seven applicant columns) and table 四 (fifteen review and litigation figures).
//!
//! Text extracted from PDFs scatters these tables: labels wrap over several lines, numbers sit
//! on the line before or after their label (pdfplumber) or beside it (`pdftotext -layout`),
//! and the vertical label 三、本年度办理结果 is printed one character at a time through the
//! rows. So rows are anchored on their labels: each row of table 三 is recognised by a
//! distinctive part of its label (`另行制作`, `三安全一稳定`…) wherever it stands on the line.
//! A run of seven numbers on the same line as a label belongs to it; the remaining runs and
//! labels are paired in document order — the only reading that keeps the document's token
//! order — and only when as many runs as labels remain; otherwise those rows are reported as
//! ambiguous and nothing of them is stored. The template is decided per table, because real
//! reports mix them (Hongze prints the 2021 table 二 with the 2019 table 三).

use crate::model::{Breakdown, Figure, Problem, ProblemKind, Template};

use super::align;
use super::template::{self, TableTemplate, TemplateDef};

use super::label::{compact, fold_width, label_key, numbering, Numbering};
use super::lines::is_footer;
use super::value::{parse_cell, Cell};
use crate::catalog::catalog;

/// The applicant columns of table 三, in printed order.
pub const COLUMNS: [Breakdown; 7] = Breakdown::APPLICATION_COLUMNS;

/// The rows of table 三: code and the part of the label that identifies it.
const MATRIX_ROWS: &[(&str, &str)] = &[
    ("application.new", "本年新收"),
    ("application.carried_in", "上年结转"),
    ("application.result.disclosed", "予以公开"),
    ("application.result.partially_disclosed", "部分公开"),
    ("application.result.refused.state_secret", "国家秘密"),
    (
        "application.result.refused.prohibited_by_law",
        "其他法律行政",
    ),
    (
        "application.result.refused.security_stability",
        "三安全一稳定",
    ),
    ("application.result.refused.third_party", "第三方合法权益"),
    (
        "application.result.refused.internal_affairs",
        "三类内部事务",
    ),
    ("application.result.refused.process_info", "四类过程性"),
    (
        "application.result.refused.enforcement_files",
        "行政执法案卷",
    ),
    ("application.result.refused.query_matters", "行政查询事项"),
    ("application.result.unable.not_held", "不掌握相关政府信息"),
    ("application.result.unable.needs_creation", "另行制作"),
    ("application.result.unable.still_unclear", "仍不明确"),
    ("application.result.not_processed.petition", "信访举报投诉"),
    ("application.result.not_processed.repeated", "重复申请"),
    (
        "application.result.not_processed.publications",
        "公开出版物",
    ),
    ("application.result.not_processed.mass_repeated", "大量反复"),
    (
        "application.result.not_processed.confirmation",
        "行政机关确认",
    ),
    ("application.result.other.no_correction", "逾期不补"),
    ("application.result.other.fee_unpaid", "收费通知"),
    ("application.result.other.other", "\u{0}3.其他"),
    ("application.result.other", "其他处理"),
    ("application.result.total", "总计"),
    ("application.carried_out", "结转下年度"),
];

/// Table 四's fifteen figures, in printed order.
pub const REVIEW_CODES: [&str; 15] = [
    "review.upheld",
    "review.corrected",
    "review.other",
    "review.pending",
    "review.total",
    "litigation.direct.upheld",
    "litigation.direct.corrected",
    "litigation.direct.other",
    "litigation.direct.pending",
    "litigation.direct.total",
    "litigation.after_review.upheld",
    "litigation.after_review.corrected",
    "litigation.after_review.other",
    "litigation.after_review.pending",
    "litigation.after_review.total",
];

/// What the three tables yield.
#[derive(Debug, Default)]
pub struct Tables {
    /// Printed and derived figures.
    pub figures: Vec<Figure>,
    /// Rows that could not be read or placed.
    pub problems: Vec<Problem>,
    /// Rows repaired (glued or split digits), each with the reading used.
    pub notes: Vec<Problem>,
    /// The template of table 三 (the report's main table), when it was found.
    pub matrix_template: Option<Template>,
    /// First and last line of the tables.
    pub lines: (u32, u32),
}

/// True when the document holds the 2019/2021 tables.
pub fn detect(lines: &[&str]) -> bool {
    lines
        .iter()
        .any(|l| l.contains('收') && compact(l).contains("收到和处理政府信息公开申请情况"))
}

/// A line split into its text and the run of numbers it ends with.
struct Split {
    text: String,
    numbers: Vec<String>,
}

fn split_numbers(line: &str) -> Split {
    let folded = fold_width(line);
    let tokens: Vec<&str> = folded.split_whitespace().collect();
    // A blank cell kept in place (`—`, from HTML or markdown) belongs to the run too.
    let numeric = |t: &str| matches!(parse_cell(t), Ok(Cell::Number { .. })) || t == "—";
    let k = tokens.iter().rev().take_while(|t| numeric(t)).count();
    let text: String = tokens[..tokens.len() - k].concat();
    Split {
        text,
        numbers: tokens[tokens.len() - k..]
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

fn number(raw: &str) -> Option<f64> {
    match parse_cell(raw) {
        Ok(Cell::Number { value, unit }) => Some(if unit == Some("元") {
            value / 10_000.0
        } else {
            value
        }),
        _ => None,
    }
}

/// Section boundaries, as line indexes: 二, 三, 四 and the end of 四.
fn sections(lines: &[&str]) -> Option<(usize, usize, usize, usize)> {
    let compacted: Vec<String> = lines.iter().map(|l| compact(l)).collect();
    let find = |from: usize, pred: &dyn Fn(&str) -> bool| {
        (from..lines.len()).find(|&i| pred(&compacted[i]))
    };
    // A heading, not the opening paragraph that lists the sections (`本报告由总体情况、主动公开
    // 政府信息情况、收到和处理…组成`): numbered 三、 or short.
    let heading = |c: &str| {
        c.chars().count() <= 40
            || c.chars()
                .next()
                .is_some_and(|f| "一二三四五六七八九".contains(f))
                && c.chars().nth(1) == Some('、')
    };
    let t3 = find(0, &|c| {
        c.contains("收到和处理政府信息公开申请情况") && heading(c)
    })
    .or_else(|| find(0, &|c| c.contains("收到和处理政府信息公开申请情况")))?;
    let t2 = (0..t3)
        .rev()
        .find(|&i| compacted[i].contains("主动公开政府信息情况") && heading(&compacted[i]))
        .unwrap_or(t3);
    let t4 = find(t3, &|c| {
        c.contains("行政复议") && c.contains("行政诉讼情况") || c.contains("行政法复议")
    })?;
    let is_five = |c: &str| c.starts_with("五、") || c.contains("存在的主要问题");
    let has_value = |i: usize| {
        fold_width(lines[i])
            .split_whitespace()
            .any(|t| matches!(parse_cell(t), Ok(Cell::Number { .. })))
    };
    // Some sites print the heading 五 before table 四's header as well as after the table: the
    // end is the first 五 with a value of table 四 before it.
    let mut end = lines.len();
    let mut from = t4 + 1;
    while let Some(e) = find(from, &|c| is_five(c)) {
        end = e;
        if (t4 + 1..e).any(has_value) {
            break;
        }
        from = e + 1;
        end = lines.len();
    }
    if end == lines.len() {
        end = find(t4 + 1, &|c| is_five(c)).unwrap_or(lines.len());
    }
    Some((t2, t3, t4, end))
}

/// Reads the three tables of a document.
pub fn read_tables(lines: &[&str]) -> Tables {
    let mut out = Tables::default();
    let Some((t2, t3, t4, end)) = sections(lines) else {
        return out;
    };
    out.lines = (t2 as u32 + 1, end as u32);
    read_proactive(lines, t2, t3, &mut out);
    read_matrix(lines, t3, t4, &mut out);
    read_review(lines, t4, end, &mut out);
    align_tables(lines, (t2, t3, t4, end), &mut out);
    derive(&mut out);
    out
}

/// The template whose signature the region's text prints; `fallback` when neither or both do.
fn template_of(text: &str, fallback: Template) -> &'static TemplateDef {
    let signed = |t: Template| {
        template::get(t).filter(|d| d.signature.iter().any(|s| text.contains(s.as_str())))
    };
    match (
        signed(Template::National2019),
        signed(Template::National2021),
    ) {
        (Some(d), None) | (None, Some(d)) => d,
        _ => template::get(fallback).expect("built-in template"),
    }
}

/// Which table a problem of the older per-shape readers belongs to.
fn table_of(p: &Problem) -> &'static str {
    match p.indicator {
        Some(c) if c.starts_with("proactive.") => "二",
        Some(c) if c.starts_with("application.") => "三",
        Some(c) if c.starts_with("review.") || c.starts_with("litigation.") => "四",
        _ if p.label.contains("收到和处理") => "三",
        _ if p.label.contains("行政复议") => "四",
        _ => "",
    }
}

/// Reads tables 三, 四 and 二 again with the template-driven aligner, and keeps its reading of
/// a table where it places more cells than the per-shape reader and agrees with it on every
/// cell both placed. Where the two disagree, neither figure is stored.
fn align_tables(lines: &[&str], (t2, t3, t4, end): (usize, usize, usize, usize), out: &mut Tables) {
    let fallback = out.matrix_template.unwrap_or(Template::National2021);
    let region3 = compact_region(lines, t3, t4);
    let d3 = template_of(&region3, Template::National2019);
    let d3 = if d3.template == Template::National2019 && !region3.contains("其他处理") {
        template::get(fallback).expect("built-in template")
    } else {
        d3
    };
    let d4 = template::get(Template::National2021).expect("built-in template");
    let d2 = template_of(&compact_region(lines, t2, t3), Template::National2021);
    let mut evidence = false;
    // Text and numbers run together in the tables (a crawler collapsed the whitespace: labels
    // glued to their first number, three times or more): text and digits are cut apart, and a
    // short row is read as glued digits, never as collapsed runs.
    // Decided once, and only for a document whose tables the per-shape readers left unread.
    let mut glued: Option<bool> = None;
    for (def, id, from, to) in [(d3, "三", t3, t4), (d4, "四", t4, end), (d2, "二", t2, t3)] {
        let Some(table) = def.table(id) else { continue };
        // Table 二 may open with prose (`本机关主动公开…277件`): its rows start at the first block
        // heading (第二十条第（一）项).
        let from = match id {
            "二" => (from..to)
                .find(|&i| compact(lines[i]).starts_with("第二十条"))
                .unwrap_or(from + 1),
            _ => from + 1,
        };
        if complete(out, table) {
            continue;
        }
        let glued = *glued.get_or_insert_with(|| {
            align::tokenize(lines, t2, end, true)
                .iter()
                .filter(|t| t.glued)
                .count()
                >= 3
        });
        let tokens = align::tokenize(lines, from, to, glued);
        let aligned = align::align(table, &tokens, evidence, glued);
        evidence |= aligned.collapsed;
        adopt(out, def.template, table, aligned);
    }
}

/// True when the per-shape reader stored every cell of the table and reported nothing.
fn complete(out: &Tables, table: &TableTemplate) -> bool {
    let stored = out
        .figures
        .iter()
        .filter(|f| {
            !f.derived
                && table
                    .cells
                    .iter()
                    .any(|c| c.code == f.indicator && c.breakdown == f.breakdown)
        })
        .count();
    stored == table.cells.len() && !out.problems.iter().any(|p| table_of(p) == table.id)
}

fn compact_region(lines: &[&str], from: usize, to: usize) -> String {
    lines[from..to].iter().map(|l| compact(l)).collect()
}

/// Keeps the aligner's reading of a table where it places more than what `out` holds and agrees
/// with it on every cell both placed.
pub(crate) fn adopt(
    out: &mut Tables,
    template: Template,
    table: &TableTemplate,
    a: align::Aligned,
) {
    let is_cell = |f: &Figure| {
        !f.derived
            && table
                .cells
                .iter()
                .any(|c| c.code == f.indicator && c.breakdown == f.breakdown)
    };
    let old: Vec<&Figure> = out.figures.iter().filter(|f| is_cell(f)).collect();
    if a.placed.len() <= old.len() {
        return;
    }
    let disagree: Vec<usize> = a
        .placed
        .iter()
        .filter(|p| {
            let c = table.cells[p.cell];
            old.iter()
                .any(|f| f.indicator == c.code && f.breakdown == c.breakdown && f.value != p.value)
        })
        .map(|p| p.cell)
        .collect();
    out.figures.retain(|f| !is_cell(f));
    out.problems.retain(|p| table_of(p) != table.id);
    let problem = |line: usize, cell: Option<usize>, message: String, kind| Problem {
        source_line: line as u32 + 1,
        label: table.title.clone(),
        raw_text: String::new(),
        indicator: cell.map(|c| table.cells[c].code),
        message,
        kind,
    };
    for p in &a.placed {
        let c = table.cells[p.cell];
        if disagree.contains(&p.cell) {
            out.problems.push(problem(
                p.line,
                Some(p.cell),
                format!(
                    "{} ({}): two readings of the table disagree on this cell: left out (ambiguous)",
                    c.code,
                    c.breakdown.as_str()
                ),
                ProblemKind::Ambiguous,
            ));
            continue;
        }
        out.figures
            .push(figure(c.code, c.breakdown, p.value, p.line, template));
    }
    for (line, cell, message) in a.ambiguous {
        out.problems
            .push(problem(line, cell, message, ProblemKind::Ambiguous));
    }
    for (line, cell, message) in a.notes {
        out.notes
            .push(problem(line, cell, message, ProblemKind::Note));
    }
    if table.id == "三" {
        out.matrix_template = Some(template);
    }
}

fn figure(
    code: &'static str,
    breakdown: Breakdown,
    value: f64,
    line: usize,
    template: Template,
) -> Figure {
    let unit = catalog().get(code).map_or("", |i| i.unit);
    Figure {
        indicator: code,
        breakdown,
        value,
        unit,
        derived: false,
        source_line: line as u32 + 1,
        template,
        origin: crate::model::Origin::Table,
    }
}

/// Table 二: blocks headed 第二十条第（X）项, each with its header row; the header's column
/// names decide the template of the block.
fn read_proactive(lines: &[&str], from: usize, to: usize, out: &mut Tables) {
    // Logical rows: a label with its numbers, which follow it one a line in the pdftotext
    // default shape (label, then each cell on its own line).
    let mut rows: Vec<(String, Vec<String>, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        if line.trim().is_empty() || is_footer(line) {
            continue;
        }
        let s = split_numbers(line);
        match rows.last_mut() {
            Some(last) if s.text.is_empty() && !s.numbers.is_empty() && !last.0.is_empty() => {
                last.1.extend(s.numbers)
            }
            _ => rows.push((s.text, s.numbers, i)),
        }
    }
    let mut block = "";
    let mut template = Template::National2021;
    let mut header: Option<String> = None;
    for (text, numbers, i) in rows {
        let c = compact(&text);
        if c.contains("第二十条") {
            block = ["(一)", "(五)", "(六)", "(八)", "(九)"]
                .into_iter()
                .find(|b| c.contains(b))
                .unwrap_or("");
            header = None;
            continue;
        }
        if c.starts_with("信息内容") || (header.is_some() && numbers.is_empty()) {
            // The header's column names (one a line in the default shape) decide the template.
            let h = header.get_or_insert_with(String::new);
            h.push_str(&c);
            template = if ["上一年项目数量", "本年新制作", "采购项目数量", "本年新公开"]
                .iter()
                .any(|w| h.contains(w))
            {
                Template::National2019
            } else {
                Template::National2021
            };
            continue;
        }
        header = None;
        let mut s = Split { text, numbers };
        // Blank cells after the last column (a markdown row padded to the widest block).
        while s.numbers.last().is_some_and(|n| n == "—") {
            s.numbers.pop();
        }
        if s.numbers.is_empty() {
            continue;
        }
        let label = label_key(&s.text);
        let codes: &[&'static str] = match (block, label.as_str(), template) {
            ("(一)", "规章", Template::National2021) => &[
                "proactive.rules.issued",
                "proactive.rules.repealed",
                "proactive.rules.in_force",
            ],
            ("(一)", "规章", _) => &[
                "proactive.rules.issued",
                "proactive.rules.published",
                "proactive.rules.in_force",
            ],
            ("(一)", "行政规范性文件" | "规范性文件", Template::National2021) => &[
                "proactive.normative_docs.issued",
                "proactive.normative_docs.repealed",
                "proactive.normative_docs.in_force",
            ],
            ("(一)", "行政规范性文件" | "规范性文件", _) => &[
                "proactive.normative_docs.issued",
                "proactive.normative_docs.published",
                "proactive.normative_docs.in_force",
            ],
            ("(五)", "行政许可", Template::National2021) => &["proactive.licensing.decisions"],
            ("(五)", "行政许可", _) => &[
                "proactive.licensing.items_prev_year",
                "proactive.licensing.items_change",
                "proactive.licensing.decisions",
            ],
            ("(五)", "其他对外管理服务事项", _) => &[
                "proactive.other_services.items_prev_year",
                "proactive.other_services.items_change",
                "proactive.other_services.decisions",
            ],
            ("(六)", "行政处罚", Template::National2021) => &["proactive.penalty.decisions"],
            ("(六)", "行政处罚", _) => &[
                "proactive.penalty.items_prev_year",
                "proactive.penalty.items_change",
                "proactive.penalty.decisions",
            ],
            ("(六)", "行政强制", Template::National2021) => &["proactive.coercion.decisions"],
            ("(六)", "行政强制", _) => &[
                "proactive.coercion.items_prev_year",
                "proactive.coercion.items_change",
                "proactive.coercion.decisions",
            ],
            ("(八)", "行政事业性收费", Template::National2021) => {
                &["proactive.fees.amount"]
            }
            ("(八)", "行政事业性收费", _) => &[
                "proactive.fees.items_prev_year",
                "proactive.fees.items_change",
            ],
            ("(九)", "政府集中采购", _) => &[
                "proactive.procurement.projects",
                "proactive.procurement.amount",
            ],
            _ => continue,
        };
        if s.numbers.len() != codes.len() {
            out.problems.push(Problem {
                source_line: i as u32 + 1,
                label: s.text.clone(),
                raw_text: s.numbers.join(" "),
                indicator: codes.first().copied(),
                message: format!(
                    "{} numbers where the {} table has {}; row left out",
                    s.numbers.len(),
                    template,
                    codes.len()
                ),
                kind: ProblemKind::Unreadable,
            });
            continue;
        }
        for (code, raw) in codes.iter().zip(&s.numbers) {
            if let Some(v) = number(raw) {
                out.figures
                    .push(figure(code, Breakdown::Total, v, i, template));
            }
        }
    }
}

/// Which matrix row a line's text names, if any.
fn matrix_row(text: &str, has_numbers: bool) -> Option<&'static str> {
    let c = compact(text);
    // 3.其他 of （六）其他处理 (2021) is recognised by its numbering and bare key.
    if matches!(numbering(text), Some(Numbering::Item(3))) && label_key(text) == "其他" {
        return Some("application.result.other.other");
    }
    for (code, sig) in MATRIX_ROWS {
        if sig.starts_with('\u{0}') || !c.contains(sig) {
            continue;
        }
        match *code {
            // (六)其他处理 is a row of its own only in 2019 (it then carries numbers); in 2021
            // it heads three rows.
            "application.result.other" if !has_numbers => return None,
            "application.result.total" if !has_numbers && !c.contains("(七)") => return None,
            // 上年结转 vs 结转下年度: the signature of one is no part of the other.
            _ => return Some(code),
        }
    }
    None
}

/// Table 三.
fn read_matrix(lines: &[&str], from: usize, to: usize, out: &mut Tables) {
    // (row code, line) of labels, and (numbers, line) of runs, in document order; a label with
    // its own run of seven is bound at once.
    let mut bound: Vec<(&'static str, Vec<String>, usize)> = Vec::new();
    let mut labels: Vec<(&'static str, usize)> = Vec::new();
    let mut runs: Vec<(Vec<String>, usize)> = Vec::new();
    // Rows start at 一、本年新收…: the column header above them (自然人 … 总计) is skipped.
    let mut started = false;
    // Lines whose run of numbers is not a row of seven (a cell per line, glued digits…).
    let mut broken: Vec<(usize, String, String, Option<&'static str>)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from + 1) {
        if is_footer(line) {
            continue;
        }
        let s = split_numbers(line);
        if !started {
            if !compact(line).contains("本年新收") {
                continue;
            }
            started = true;
        }
        let row = matrix_row(&s.text, !s.numbers.is_empty());
        let mut numbers = s.numbers.clone();
        if !numbers.is_empty()
            && numbers.len() != 7
            && numbers
                .iter()
                .all(|n| n.bytes().all(|b| b.is_ascii_digit()))
        {
            let tokens: Vec<&str> = numbers.iter().map(String::as_str).collect();
            if let Ok(cells) = super::repair::repair_row(&tokens) {
                out.notes.push(Problem {
                    source_line: i as u32 + 1,
                    label: s.text.clone(),
                    raw_text: numbers.join(" "),
                    indicator: row,
                    message: format!(
                        "repaired: '{}' read as {} (the only reading whose 总计 is the sum of its columns)",
                        numbers.join(" "),
                        cells.iter().map(u64::to_string).collect::<Vec<_>>().join("|")
                    ),
                    kind: ProblemKind::Note,
                });
                numbers = cells.iter().map(u64::to_string).collect();
            }
        }
        let s = Split {
            text: s.text,
            numbers,
        };
        match (row, s.numbers.len()) {
            (Some(code), 7) => bound.push((code, s.numbers, i)),
            (Some(code), 0) => labels.push((code, i)),
            (None, 7) => runs.push((s.numbers, i)),
            (None, 0) => {}
            (row, _) => {
                broken.push((i, s.text.clone(), s.numbers.join(" "), row));
                if let Some(code) = row {
                    labels.push((code, i));
                }
            }
        }
    }
    if broken.len() > 3 {
        out.problems.push(Problem {
            source_line: broken[0].0 as u32 + 1,
            label: "三、收到和处理政府信息公开申请情况".into(),
            raw_text: String::new(),
            indicator: None,
            message: format!(
                "{} lines of table 三 hold numbers that are not rows of seven (one cell per line?): their rows cannot be placed with certainty (ambiguous, not stored)",
                broken.len()
            ),
            kind: ProblemKind::Ambiguous,
        });
    } else {
        for (i, text, raw, row) in &broken {
            out.problems.push(Problem {
                source_line: *i as u32 + 1,
                label: text.clone(),
                raw_text: raw.clone(),
                indicator: *row,
                message: format!(
                    "{} numbers where table 三 has 7 per row; row left out",
                    raw.split_whitespace().count()
                ),
                kind: ProblemKind::Unreadable,
            });
        }
    }
    if !broken.is_empty() && labels.len() != runs.len() {
        // Already reported above, row by row or as a whole.
    } else if labels.len() == runs.len() {
        for ((code, _), (numbers, line)) in labels.into_iter().zip(runs) {
            bound.push((code, numbers, line));
        }
    } else {
        for (code, line) in &labels {
            out.problems.push(Problem {
                source_line: *line as u32 + 1,
                label: code.to_string(),
                raw_text: String::new(),
                indicator: Some(code),
                message: format!(
                    "{} rows of table 三 without numbers but {} runs of numbers without a label: the figures of this row cannot be placed with certainty (ambiguous, not stored)",
                    labels.len(),
                    runs.len()
                ),
                kind: ProblemKind::Ambiguous,
            });
        }
    }
    let is_2021 = bound
        .iter()
        .any(|(c, _, _)| c.starts_with("application.result.other."));
    let template = if is_2021 {
        Template::National2021
    } else {
        Template::National2019
    };
    if !bound.is_empty() {
        out.matrix_template = Some(template);
    }
    bound.sort_by_key(|(_, _, line)| *line);
    let mut stored: Vec<&str> = Vec::new();
    for (code, numbers, line) in bound {
        if stored.contains(&code) {
            out.problems.push(Problem {
                source_line: line as u32 + 1,
                label: code.to_string(),
                raw_text: numbers.join(" "),
                indicator: Some(code),
                message: format!("{code} printed twice; the second printing is left out"),
                kind: ProblemKind::Unreadable,
            });
            continue;
        }
        stored.push(code);
        for (b, raw) in COLUMNS.iter().zip(&numbers) {
            if let Some(v) = number(raw) {
                out.figures.push(figure(code, *b, v, line, template));
            }
        }
    }
}

/// Table 四: the fifteen numbers after the header, in order.
fn read_review(lines: &[&str], from: usize, to: usize, out: &mut Tables) {
    let mut values: Vec<(String, usize)> = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from + 1) {
        if is_footer(line) {
            continue;
        }
        let folded = fold_width(line);
        if !folded.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        for t in folded.split_whitespace() {
            if t.chars().any(|c| c.is_ascii_digit()) || t == "—" {
                values.push((t.to_string(), i));
            }
        }
    }
    let template = out.matrix_template.unwrap_or(Template::National2021);
    if values.len() != REVIEW_CODES.len()
        || values.iter().any(|(v, _)| v != "—" && number(v).is_none())
    {
        out.problems.push(Problem {
            source_line: from as u32 + 1,
            label: "四、政府信息公开行政复议、行政诉讼情况".into(),
            raw_text: values
                .iter()
                .map(|(v, _)| v.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            indicator: None,
            message: format!(
                "{} values where table 四 has 15: the table is left out (ambiguous)",
                values.len()
            ),
            kind: ProblemKind::Ambiguous,
        });
        return;
    }
    // Printed as one row, the order of the numbers is the order of the cells, and a total that
    // does not add up is the report's own (stored as printed). Spread one cell per line, the
    // order is not certain (Huai'an's default pdftotext rendering prints cells out of visual
    // order): then the figures are used only if every total adds up.
    let mut lines_used: Vec<usize> = values.iter().map(|(_, l)| *l).collect();
    lines_used.dedup();
    if lines_used.len() > 2 {
        let v: Vec<f64> = values
            .iter()
            .map(|(raw, _)| number(raw).unwrap_or(f64::NAN))
            .collect();
        let consistent = v
            .chunks(5)
            .all(|g| g.len() == 5 && g[0] + g[1] + g[2] + g[3] == g[4]);
        if !consistent {
            out.problems.push(Problem {
                source_line: from as u32 + 1,
                label: "四、政府信息公开行政复议、行政诉讼情况".into(),
                raw_text: values.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(" "),
                indicator: None,
                message: format!(
                    "table 四's cells are spread over {} lines and no order of them is certain (its totals do not add up in printed order): left out (ambiguous)",
                    lines_used.len()
                ),
                kind: ProblemKind::Ambiguous,
            });
            return;
        }
    }
    for (code, (raw, line)) in REVIEW_CODES.iter().zip(&values) {
        if let Some(v) = number(raw) {
            out.figures
                .push(figure(code, Breakdown::Total, v, *line, template));
        }
    }
}

/// Figures the templates do not print but the catalog computes (`derived_in`): the group
/// totals of table 三 per applicant column, and litigation = direct + after review.
fn derive(out: &mut Tables) {
    let mut derived = Vec::new();
    let value = |code: &str, b: Breakdown| {
        out.figures
            .iter()
            .find(|f| f.indicator == code && f.breakdown == b && !f.derived)
            .map(|f| (f.value, f.source_line, f.template))
    };
    let template = out.matrix_template.unwrap_or(Template::National2021);
    for parent in catalog().indicators() {
        if !parent.derived_in.split(',').any(|t| t == template.as_str()) {
            continue;
        }
        let breakdowns: &[Breakdown] = if parent.code.starts_with("application.") {
            &COLUMNS
        } else {
            &[Breakdown::Total]
        };
        for &b in breakdowns {
            let parts: Vec<(f64, u32, Template)> = if parent.code.starts_with("litigation.") {
                let suffix = &parent.code["litigation.".len()..];
                ["litigation.direct.", "litigation.after_review."]
                    .iter()
                    .filter_map(|p| value(&format!("{p}{suffix}"), b))
                    .collect()
            } else {
                catalog()
                    .indicators()
                    .iter()
                    .filter(|i| i.parent == parent.code && i.relation == "part")
                    .filter_map(|i| value(i.code, b))
                    .collect()
            };
            let expected = if parent.code.starts_with("litigation.") {
                2
            } else {
                catalog()
                    .indicators()
                    .iter()
                    .filter(|i| i.parent == parent.code && i.relation == "part")
                    .count()
            };
            if parts.is_empty() || parts.len() != expected {
                continue;
            }
            derived.push(Figure {
                indicator: parent.code,
                breakdown: b,
                value: parts.iter().map(|p| p.0).sum(),
                unit: parent.unit,
                derived: true,
                source_line: parts.iter().map(|p| p.1).min().unwrap_or(0),
                template: parts[0].2,
                origin: crate::model::Origin::Table,
            });
        }
    }
    out.figures.extend(derived);
}
