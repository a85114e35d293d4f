//! From a report document to [`Report`]s: decode, find the statistical tables, read each one.
//!
//! A document can hold several reports (Jinan prints its table for the whole city and again
//! for the city's own bodies). Each table becomes one report identified by (body, year,
//! scope). The failure policy lives here: a document in which no report can be found is an
//! error; inside a readable report, cells that cannot be read are left out and reported as
//! [`Problem`]s, and rows that map to no code are kept as [`UnmappedRow`]s — nothing is
//! dropped silently. `--strict` turns any of these into a failure of the whole document.
//!
//! [`Problem`]: crate::model::Problem
//! [`UnmappedRow`]: crate::model::UnmappedRow

pub mod align;
pub mod label;
pub mod lines;
pub mod markup;
pub mod metadata;
pub mod national2014;
pub mod national2019;
pub mod pdf;
pub mod pipeline;
pub mod prose;
pub mod provincial;
pub mod repair;
mod report;
pub mod template;
pub mod text;
pub mod value;

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::model::{Report, Scope, Template};
use metadata::find_title;
use report::{
    find_regions, looks_tabular, parse_national2014, parse_national2019, parse_provincial,
    parse_untabled, place,
};

/// Metadata given on the command line; each field, when set, wins over the document.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--jurisdiction`
    pub jurisdiction: Option<String>,
    /// `--body`
    pub body: Option<String>,
    /// `--year`
    pub year: Option<i32>,
    /// `--scope` (only for documents holding one report)
    pub scope: Option<Scope>,
    /// `--template`
    pub template: Option<Template>,
    /// `--division` (a GB/T 2260 code)
    pub division: Option<String>,
    /// `--level`
    pub level: Option<String>,
}

/// Why a document yields no report.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The file cannot be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not text this tool can decode.
    #[error("{file}: {message}")]
    Encoding {
        /// The file.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// No statistical table was found.
    #[error("{file}: no report found: {reason}")]
    NoReport {
        /// The file.
        file: String,
        /// What was looked for.
        reason: String,
    },
    /// The document's metadata is contradictory or missing.
    #[error("{file}:{line}: {message}")]
    Metadata {
        /// The file.
        file: String,
        /// The line the contradiction shows on.
        line: u32,
        /// What is wrong.
        message: String,
    },
    /// The document follows a template this version does not read.
    #[error("{file}:{line}: {message}")]
    Unsupported {
        /// The file.
        file: String,
        /// The caption's line.
        line: u32,
        /// What is not supported.
        message: String,
    },
    /// `--strict` and the document has problems or unmapped rows.
    #[error("{file}: rejected under --strict: {}", .reasons.join("; "))]
    Strict {
        /// The file.
        file: String,
        /// Each problem, with its line.
        reasons: Vec<String>,
    },
}

pub use crate::model::Document;

/// The report files a command line names, and what was passed over on the way.
#[derive(Debug, Default)]
pub struct Inputs {
    /// The files, directories expanded in sorted order (so runs are repeatable).
    pub files: Vec<PathBuf>,
    /// Entries under a directory that could not be walked (a symbolic link looping back to
    /// its ancestor, an unreadable directory), each with why: said, and the walk goes on.
    pub skipped: Vec<String>,
}

/// The extensions of report files: text, PDF, HTML and markdown.
pub const EXTENSIONS: [&str; 7] = ["txt", "text", "pdf", "html", "htm", "md", "markdown"];

/// Expands directories into the report files below them; hidden entries are left out. A path
/// given on the command line that cannot be read is an error.
pub fn collect_inputs(paths: &[PathBuf]) -> Result<Inputs, IngestError> {
    let mut out = Inputs::default();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|source| IngestError::Read {
            file: p.display().to_string(),
            source,
        })?;
        if !meta.is_dir() {
            out.files.push(p.clone());
            continue;
        }
        let hidden = |e: &walkdir::DirEntry| {
            e.depth() > 0 && e.file_name().to_str().is_some_and(|n| n.starts_with('.'))
        };
        let walk = walkdir::WalkDir::new(p)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| !hidden(e));
        for entry in walk {
            match entry {
                Ok(e) if e.file_type().is_file() => {
                    let report = e
                        .path()
                        .extension()
                        .and_then(|x| x.to_str())
                        .is_some_and(|x| EXTENSIONS.contains(&x.to_ascii_lowercase().as_str()));
                    if report {
                        out.files.push(e.into_path());
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    let at = e
                        .path()
                        .map_or(p.display().to_string(), |x| x.display().to_string());
                    out.skipped.push(match e.loop_ancestor() {
                        Some(a) => format!(
                            "{at}: a symbolic link looping back to {}: skipped",
                            a.display()
                        ),
                        None => format!("{at}: {e}: skipped"),
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Two documents of one batch that claim the same report with different printed figures: a
/// conflict, not a replacement (which of them is right is not known). Removes those reports
/// from the batch and says why, naming both files; two renderings of one report (the same
/// figures) are no conflict — the later replaces the earlier, as between batches.
pub fn remove_conflicts(docs: &mut Vec<Document>) -> Vec<String> {
    use std::collections::{BTreeMap, HashMap};
    let printed = |r: &Report| -> BTreeMap<(&'static str, &'static str), u64> {
        r.figures
            .iter()
            .filter(|f| !f.derived)
            .map(|f| ((f.indicator, f.breakdown.as_str()), f.value.to_bits()))
            .collect()
    };
    let mut first: HashMap<String, (usize, usize)> = HashMap::new();
    let mut conflicts: Vec<(String, String)> = Vec::new();
    for (d, doc) in docs.iter().enumerate() {
        for (k, r) in doc.reports.iter().enumerate() {
            let id = r.report_id();
            match first.get(&id) {
                None => {
                    first.insert(id, (d, k));
                }
                Some(&(d0, k0)) => {
                    let earlier = &docs[d0];
                    if earlier.sha256 == doc.sha256 || printed(&earlier.reports[k0]) == printed(r) {
                        continue;
                    }
                    let a = printed(&earlier.reports[k0]);
                    let b = printed(r);
                    let differ = a
                        .keys()
                        .chain(b.keys())
                        .filter(|key| a.get(*key) != b.get(*key))
                        .collect::<std::collections::BTreeSet<_>>();
                    let (code, breakdown) = differ.iter().next().map_or(("", ""), |k| **k);
                    let show = |m: &BTreeMap<(&str, &str), u64>| {
                        m.get(&(code, breakdown))
                            .map_or("nothing".to_string(), |v| f64::from_bits(*v).to_string())
                    };
                    conflicts.push((
                        id.clone(),
                        format!(
                            "conflict: {id} is claimed by {} and by {} with different figures ({} differ; first {code} ({breakdown}): {} vs {}): neither is stored",
                            earlier.source_file,
                            doc.source_file,
                            differ.len(),
                            show(&a),
                            show(&b)
                        ),
                    ));
                }
            }
        }
    }
    let ids: std::collections::HashSet<&str> =
        conflicts.iter().map(|(id, _)| id.as_str()).collect();
    for doc in docs.iter_mut() {
        doc.reports
            .retain(|r| !ids.contains(r.report_id().as_str()));
    }
    docs.retain(|d| !d.reports.is_empty());
    conflicts.into_iter().map(|(_, m)| m).collect()
}

/// Reads one document from disk.
pub fn read_document(
    path: &Path,
    overrides: &Overrides,
    strict: bool,
) -> Result<Document, IngestError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| IngestError::Read {
        file: file.clone(),
        source,
    })?;
    let text = if bytes.starts_with(b"%PDF-") {
        pdf::to_text(path).map_err(|message| IngestError::Encoding {
            file: file.clone(),
            message,
        })?
    } else {
        text::decode(&bytes).map_err(|message| IngestError::Encoding {
            file: file.clone(),
            message,
        })?
    };
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let converted = if matches!(ext.as_str(), "html" | "htm")
        || (ext != "md" && markup::looks_like_html(&text))
    {
        Some(markup::html_to_lines(&text))
    } else if ext == "md" || ext == "markdown" || markup::looks_like_markdown(&text) {
        Some(markup::markdown_to_lines(&text))
    } else {
        None
    };
    let mut reports = match &converted {
        Some(c) => parse_text(&c.text, &file, overrides)?,
        None => parse_text(&text, &file, overrides)?,
    };
    for r in &mut reports {
        place(r, &text, overrides);
    }
    if let Some(c) = &converted {
        // Lines of the converted text back to lines of the source.
        let map = |l: &mut u32| {
            if let Some(&src) = c.line_map.get((*l as usize).wrapping_sub(1)) {
                *l = src;
            }
        };
        for r in &mut reports {
            r.figures.iter_mut().for_each(|f| map(&mut f.source_line));
            r.problems.iter_mut().for_each(|p| map(&mut p.source_line));
            r.unmapped.iter_mut().for_each(|u| map(&mut u.source_line));
        }
    }
    if strict {
        let reasons = strict_reasons(&reports);
        if !reasons.is_empty() {
            return Err(IngestError::Strict { file, reasons });
        }
    }
    let sha256 = format!("{:x}", Sha256::digest(&bytes));
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("txt")
        .to_ascii_lowercase();
    Ok(Document {
        source_file: file,
        sha256,
        extension,
        bytes,
        reports,
    })
}

fn strict_reasons(reports: &[Report]) -> Vec<String> {
    let mut reasons = Vec::new();
    for r in reports {
        for p in &r.problems {
            reasons.push(format!("line {}: {}", p.source_line, p.message));
        }
        for u in &r.unmapped {
            reasons.push(format!(
                "line {}: row '{}' maps to no indicator",
                u.source_line, u.label
            ));
        }
    }
    reasons
}

/// Reads the reports of a decoded document; `file` names it in messages.
pub fn parse_text(
    text: &str,
    file: &str,
    overrides: &Overrides,
) -> Result<Vec<Report>, IngestError> {
    let lines: Vec<&str> = text.lines().collect();
    let title = find_title(&lines);
    if national2019::detect(&lines) {
        return parse_national2019(text, &lines, file, overrides, title).map(|r| vec![r]);
    }
    if let Some((start, def)) = provincial::table_start(&lines) {
        return parse_provincial(text, &lines, start, def, file, overrides, title).map(|r| vec![r]);
    }
    let regions = find_regions(&lines);
    if regions.is_empty() {
        if title.is_some() && !looks_tabular(&lines) {
            return parse_untabled(text, file, overrides, title).map(|r| vec![r]);
        }
        let reason = if title.is_some() {
            "a table seems to be printed (a 统计表/附表 heading or a column of numbers) but matches no template this version reads; pass --template if it is one"
        } else {
            "no report title (like '济南市人民政府2017年政府信息公开工作年度报告') and no statistical table (no caption like '2017年度政府信息公开工作情况统计表' and no header '统计指标 单位 统计数')"
        };
        return Err(IngestError::NoReport {
            file: file.into(),
            reason: reason.into(),
        });
    }
    parse_national2014(&lines, &regions, file, overrides, title)
}
