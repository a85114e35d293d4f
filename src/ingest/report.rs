//! From a document's lines to its reports, one function per kind of table: the national
//! 2014 table (one report per table region), the 2019/2021 tables, a provincial table, or
//! none (figures from the prose); then the report's metadata — body, jurisdiction, scope and
//! place in the gazetteer.

use super::metadata::{self, caption_at, fullest_jurisdiction, jurisdiction_of_body, Caption};
use super::{
    label, lines, national2014, national2019, prose, provincial, template, IngestError, Overrides,
};
use crate::model::{Problem, ProblemKind, Report, ReportMeta, Scope, Template};

/// A table region of the document: from the line after its caption to its end.
pub(super) struct Region {
    caption: Option<Caption>,
    start: usize,
    end: usize,
    closed: bool,
}

/// Finds the statistical tables of a document: each caption opens one; it ends at its 注, at
/// the first line of prose (a sentence ending in 。), at the next caption, or at the end.
pub(super) fn find_regions(lines: &[&str]) -> Vec<Region> {
    let captions: Vec<Caption> = (0..lines.len())
        .filter_map(|i| caption_at(lines, i))
        .collect();
    let mut starts: Vec<(Option<Caption>, usize)> = captions
        .into_iter()
        .map(|c| {
            let start = c.last_line as usize;
            (Some(c), start)
        })
        .collect();
    if starts.is_empty() {
        // No caption: a table is still recognised by its column header.
        if let Some(i) = lines.iter().position(|l| {
            matches!(lines::classify(l), lines::TableLine::Header) && l.contains("统计")
        }) {
            starts.push((None, i));
        }
    }
    let mut regions = Vec::new();
    for (k, (caption, start)) in starts.iter().enumerate() {
        let limit = starts
            .get(k + 1)
            .map(|(c, s)| c.as_ref().map(|c| c.line as usize - 1).unwrap_or(*s));
        let hard_end = limit.unwrap_or(lines.len());
        let mut end = hard_end;
        let mut closed = limit.is_some();
        for (i, line) in lines.iter().enumerate().take(hard_end).skip(*start) {
            if national2014::is_table_end(line) || line.contains('。') {
                end = i;
                closed = true;
                break;
            }
        }
        regions.push(Region {
            caption: caption.clone(),
            start: *start,
            end,
            closed,
        });
    }
    regions
}

/// The reports of a document with national-2014 tables: one per table region (Jinan prints
/// its table for the whole city and again for the city's own bodies).
pub(super) fn parse_national2014(
    lines: &[&str],
    regions: &[Region],
    file: &str,
    overrides: &Overrides,
    title: Option<metadata::Title>,
) -> Result<Vec<Report>, IngestError> {
    let mut reports: Vec<Report> = Vec::new();
    for region in regions {
        let caption_line = region
            .caption
            .as_ref()
            .map(|c| c.line)
            .unwrap_or(region.start as u32 + 1);
        let year = match (overrides.year, &title, &region.caption) {
            (Some(y), _, _) => y,
            (None, Some(t), Some(c)) if t.year != c.year => {
                return Err(IngestError::Metadata {
                    file: file.into(),
                    line: c.line,
                    message: format!(
                        "the title (line {}) reports on {} but this table's caption on {}; pass --year to say which",
                        t.line, t.year, c.year
                    ),
                })
            }
            (None, _, Some(c)) => c.year,
            (None, Some(t), None) => t.year,
            (None, None, None) => {
                return Err(IngestError::Metadata {
                    file: file.into(),
                    line: caption_line,
                    message: "no reporting year in the title or the table caption; pass --year".into(),
                })
            }
        };
        let template = overrides.template.unwrap_or(if year >= 2019 {
            Template::National2019
        } else {
            Template::National2014
        });
        if template != Template::National2014 {
            return Err(IngestError::Unsupported {
                file: file.into(),
                line: caption_line,
                message: format!(
                    "this table has a national-2014 caption, but the report is read as {template} (for {year}) and its tables (收到和处理政府信息公开申请情况…) were not found; pass --template national-2014 if the table is the 2014 one"
                ),
            });
        }
        let body = body_of(overrides, title.as_ref(), file)?;
        let jurisdiction = overrides.jurisdiction.clone().unwrap_or_else(|| {
            let candidates = [
                region.caption.as_ref().and_then(|c| c.jurisdiction.clone()),
                jurisdiction_of_body(&body),
            ];
            candidates
                .into_iter()
                .flatten()
                .max_by_key(|j| j.chars().count())
                .unwrap_or_else(|| body.clone())
        });
        let scope = overrides
            .scope
            .or(region.caption.as_ref().map(|c| c.scope))
            .unwrap_or(Scope::Unknown);
        let scope_reason = match (&overrides.scope, &region.caption) {
            (Some(_), _) => "--scope".to_string(),
            (None, Some(c)) => format!("the table's caption (line {})", c.line),
            (None, None) => "nothing in the document says".to_string(),
        };
        let first_line = region.start as u32 + 1;
        let table =
            national2014::read_table(&lines[region.start..region.end], first_line, region.closed);
        let cell_problems = table.problems.len();
        let mut problems = table.problems;
        if !table.missing.is_empty() {
            problems.push(Problem {
                source_line: region.end as u32,
                label: String::new(),
                raw_text: String::new(),
                indicator: None,
                message: format!(
                    "the table ends at line {} without its closing note, {} rows short ({} …): truncated?",
                    region.end,
                    table.missing.len(),
                    table.missing[0]
                ),
                kind: ProblemKind::Unreadable,
            });
        }
        if table.figures.is_empty() && table.unmapped.is_empty() {
            continue;
        }
        if table.figures.is_empty() && cell_problems == 0 {
            return Err(IngestError::Unsupported {
                file: file.into(),
                line: caption_line,
                message: format!(
                    "unknown template: none of the {} rows of this table is a row of the national 统计表 (national-2014); pass --template if it is one",
                    table.unmapped.len()
                ),
            });
        }
        let report = Report {
            meta: ReportMeta {
                jurisdiction,
                body,
                year,
                scope,
                scope_reason,
                template,
                title: title.as_ref().map(|t| t.text.clone()).unwrap_or_default(),
                place: crate::model::Place::default(),
            },
            figures: table.figures,
            unmapped: table.unmapped,
            problems,
            notes: Vec::new(),
            lines: (caption_line, region.end as u32),
        };
        if let Some(other) = reports.iter().find(|r| r.meta.key() == report.meta.key()) {
            return Err(IngestError::Metadata {
                file: file.into(),
                line: caption_line,
                message: format!(
                    "this table and the one at line {} are both {}; pass --scope or fix the captions",
                    other.lines.0,
                    report.report_id()
                ),
            });
        }
        reports.push(report);
    }
    if overrides.scope.is_some() && reports.len() > 1 {
        return Err(IngestError::Metadata {
            file: file.into(),
            line: reports[1].lines.0,
            message: format!(
                "--scope names one scope but the document holds {} tables",
                reports.len()
            ),
        });
    }
    if reports.is_empty() {
        return Err(IngestError::NoReport {
            file: file.into(),
            reason: "the statistical tables hold no rows".into(),
        });
    }
    Ok(reports)
}

/// A report in the 2019/2021 templates: one report per document, its scope read from the
/// prose and checked against the table.
pub(super) fn parse_national2019(
    text: &str,
    lines: &[&str],
    file: &str,
    overrides: &Overrides,
    title: Option<metadata::Title>,
) -> Result<Report, IngestError> {
    let tables = national2019::read_tables(lines);
    if tables.figures.is_empty() {
        return Err(IngestError::NoReport {
            file: file.into(),
            reason: "the tables of the 2019/2021 template hold no figure that could be read".into(),
        });
    }
    let template = overrides
        .template
        .or(tables.matrix_template)
        .unwrap_or(Template::National2021);
    one_table_report(
        text,
        file,
        overrides,
        title,
        tables,
        template,
        "application.new",
    )
}

/// A report whose table follows a provincial template (Fujian's, before 2019).
pub(super) fn parse_provincial(
    text: &str,
    lines: &[&str],
    start: usize,
    def: &template::TemplateDef,
    file: &str,
    overrides: &Overrides,
    title: Option<metadata::Title>,
) -> Result<Report, IngestError> {
    let tables = provincial::read(lines, start, def);
    if tables.figures.is_empty() {
        return Err(IngestError::NoReport {
            file: file.into(),
            reason: format!(
                "the provincial table ({}) holds no figure that could be read",
                def.template
            ),
        });
    }
    one_table_report(
        text,
        file,
        overrides,
        title,
        tables,
        def.template,
        "application.received",
    )
}

/// True when the document shows signs of a statistical table: a column header of one
/// (指标名称, 计量单位, 统计指标 — also when printed a character per line) or a short heading
/// naming one (附表, …统计表). Such a document read as "no table" would lose its table
/// silently, so it stays an error instead. Prose that mentions a table in a sentence
/// ("并附相关的说明和指标统计表") is no sign.
pub(super) fn looks_tabular(lines: &[&str]) -> bool {
    let compact = |l: &str| -> String {
        label::fold_width(l)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let all: String = lines.iter().map(|l| compact(l)).collect();
    let headers = ["指标名称", "计量单位", "统计指标", "历年累计"];
    headers.iter().any(|h| all.contains(h))
        || lines.iter().any(|l| {
            let c = compact(l);
            c.chars().count() <= 40 && ["附表", "统计表", "情况表"].iter().any(|w| c.contains(w))
        })
}

/// A report that prints no table (template `none`): the figures its prose states
/// (`templates/prose.toml`), marked `origin = 'prose'`. Two sentences stating different
/// figures for one code: neither is stored, a problem names both.
pub(super) fn parse_untabled(
    text: &str,
    file: &str,
    overrides: &Overrides,
    title: Option<metadata::Title>,
) -> Result<Report, IngestError> {
    use crate::model::{Breakdown, Figure, Origin};
    let title_line = title.as_ref().map_or(1, |t| t.line);
    let year = overrides
        .year
        .or(title.as_ref().map(|t| t.year))
        .unwrap_or(0);
    let mut by_code: Vec<(&'static str, Vec<prose::Stated>)> = Vec::new();
    for s in prose::statements(text) {
        let code = s.code_for(year);
        match by_code.iter_mut().find(|(c, _)| *c == code) {
            Some((_, v)) => v.push(s),
            None => by_code.push((code, vec![s])),
        }
    }
    let mut tables = national2019::Tables {
        figures: Vec::new(),
        problems: Vec::new(),
        notes: Vec::new(),
        matrix_template: None,
        lines: (title_line, title_line),
    };
    for (code, said) in by_code {
        let first = &said[0];
        if let Some(other) = said.iter().find(|s| s.value != first.value) {
            tables.problems.push(Problem {
                source_line: first.line,
                label: first.text.clone(),
                raw_text: format!("{} | {}", first.value, other.value),
                indicator: Some(code),
                message: format!(
                    "the prose states {} (line {}: '{}') and {} (line {}: '{}') for {code}: ambiguous, neither is stored",
                    first.value, first.line, first.text, other.value, other.line, other.text
                ),
                kind: ProblemKind::Ambiguous,
            });
            continue;
        }
        let unit = crate::catalog::catalog().get(code).map_or("", |i| i.unit);
        tables.lines.1 = tables.lines.1.max(first.line);
        tables.figures.push(Figure {
            indicator: code,
            breakdown: Breakdown::Total,
            value: first.value,
            unit,
            derived: false,
            source_line: first.line,
            template: Template::None,
            origin: Origin::Prose,
        });
    }
    let applications = if year >= 2019 {
        "application.new"
    } else {
        "application.received"
    };
    one_table_report(
        text,
        file,
        overrides,
        title,
        tables,
        Template::None,
        applications,
    )
}

/// The report of a document with one set of tables: body and year from the title, the
/// jurisdiction its fullest name in the text, the scope from the prose where the prose's
/// count of applications (`applications`) is the table's.
pub(super) fn one_table_report(
    text: &str,
    file: &str,
    overrides: &Overrides,
    title: Option<metadata::Title>,
    tables: national2019::Tables,
    template: Template,
    applications: &str,
) -> Result<Report, IngestError> {
    let title_line = title.as_ref().map(|t| t.line).unwrap_or(1);
    let year = overrides
        .year
        .or(title.as_ref().map(|t| t.year))
        .ok_or_else(|| IngestError::Metadata {
            file: file.into(),
            line: title_line,
            message: "no reporting year in the title; pass --year".into(),
        })?;
    let body = body_of(overrides, title.as_ref(), file)?;
    let base = jurisdiction_of_body(&body).unwrap_or_else(|| body.clone());
    let jurisdiction = overrides
        .jurisdiction
        .clone()
        .unwrap_or_else(|| fullest_jurisdiction(text, &base));
    // A government named by a short form in its title (洪泽区人民政府) is the same body as under
    // its full name (淮安市洪泽区人民政府): use the full one, so years line up.
    let body = match body.strip_prefix(base.as_str()) {
        Some(rest)
            if overrides.body.is_none()
                && jurisdiction.ends_with(&base)
                && rest.ends_with("政府") =>
        {
            format!("{jurisdiction}{rest}")
        }
        _ => body,
    };
    let printed = tables
        .figures
        .iter()
        .find(|f| f.indicator == applications && f.breakdown == crate::model::Breakdown::Total)
        .map(|f| f.value);
    let (scope, why) = match overrides.scope {
        Some(s) => (s, "--scope".to_string()),
        None => metadata::scope_from_text(text, &body, printed),
    };
    let notes = tables.notes;
    Ok(Report {
        meta: ReportMeta {
            jurisdiction,
            body,
            year,
            scope,
            scope_reason: why,
            template,
            title: title.as_ref().map(|t| t.text.clone()).unwrap_or_default(),
            place: crate::model::Place::default(),
        },
        figures: tables.figures,
        unmapped: Vec::new(),
        problems: tables.problems,
        notes,
        lines: tables.lines,
    })
}

/// Resolves a report's jurisdiction in the gazetteer and sets its division, province and
/// level; a name that does not resolve is kept as printed and said in a note, never guessed.
pub(super) fn place(report: &mut Report, text: &str, overrides: &Overrides) {
    use crate::gazetteer::{gazetteer, level_of, Resolution};
    let g = gazetteer();
    let resolved = match &overrides.division {
        Some(code) => g
            .get(code)
            .cloned()
            .map(Resolution::Resolved)
            .unwrap_or(Resolution::Unknown),
        None => g.resolve(&report.meta.jurisdiction, text),
    };
    let division = match resolved {
        Resolution::Resolved(d) => Some(d),
        other => {
            let why = match other {
                Resolution::Ambiguous(codes) => format!(
                    "names several divisions ({}); nothing in the document tells which",
                    codes.join(", ")
                ),
                _ => "is not in the gazetteer (renamed or merged since?)".to_string(),
            };
            report.notes.push(Problem {
                source_line: report.lines.0,
                label: report.meta.jurisdiction.clone(),
                raw_text: String::new(),
                indicator: None,
                message: format!("jurisdiction '{}' {why}: kept as printed, without a division code; pass --division CODE", report.meta.jurisdiction),
                kind: ProblemKind::Note,
            });
            None
        }
    };
    report.meta.place = crate::model::Place {
        division_code: division.as_ref().map(|d| d.code.to_string()),
        province: division.as_ref().map(|d| d.province.to_string()),
        level: overrides
            .level
            .clone()
            .or_else(|| level_of(&report.meta.body, division.as_ref()).map(str::to_string)),
    };
}

/// The reporting body: `--body`, else the title's.
fn body_of(
    overrides: &Overrides,
    title: Option<&metadata::Title>,
    file: &str,
) -> Result<String, IngestError> {
    overrides
        .body
        .clone()
        .or_else(|| title.and_then(|t| t.body.clone()))
        .ok_or_else(|| IngestError::Metadata {
            file: file.into(),
            line: title.map_or(1, |t| t.line),
            message: "no reporting body in the title; pass --body".into(),
        })
}
