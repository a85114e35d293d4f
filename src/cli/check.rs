//! `gongkai check`: the data-quality findings with the lines they rest on, or (`--warehouse`)
//! the warehouse's files verified.

use std::io::{self, Write};
use std::path::Path;

use super::{CheckArgs, Error, FailOn};
use crate::check::{Finding, Severity};
use crate::warehouse::{Warehouse, Writer};

/// Runs the checks (stored in the `checks` table) and prints the findings asked for.
pub fn run(data: &Path, args: &CheckArgs) -> Result<(), Error> {
    if args.warehouse {
        return verify(data);
    }
    let w = Warehouse::open(data)?;
    let findings = crate::check::run(&w)?;
    let reports = crate::check::load_reports(&w)?;
    let sha_of: std::collections::HashMap<&str, &str> = reports
        .iter()
        .map(|r| (&*r.report_id, &*r.sha256))
        .collect();
    let batch = crate::check::batch(&findings)
        .map_err(|e| Error::Failed(format!("{}: {e}", data.display())))?;
    Writer::open(data)?.store_checks(&batch)?;
    let shown: Vec<&Finding> = findings
        .iter()
        .filter(|f| {
            args.reports.is_empty()
                || args
                    .reports
                    .iter()
                    .any(|r| f.report_id.contains(r.as_str()))
        })
        .collect();
    let mut out = io::stdout().lock();
    for f in &shown {
        let _ = writeln!(
            out,
            "{}: {}: {}: {}",
            f.severity.as_str(),
            f.report_id,
            f.rule,
            f.message
        );
        let sha = sha_of.get(f.report_id.as_str()).copied().unwrap_or("");
        let lines: Vec<u32> = f
            .source_lines
            .split(',')
            .filter_map(|l| l.parse().ok())
            .collect();
        for (line, text) in crate::check::cite(&w, sha, &lines).into_iter().take(6) {
            let _ = writeln!(out, "    {}:{line}: {}", f.source_file, text.trim());
        }
    }
    let errors = shown
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .count();
    let warnings = shown.len() - errors;
    let said = format!(
        "{} finding{} ({errors} errors, {warnings} warnings); stored in the `checks` table",
        shown.len(),
        if shown.len() == 1 { "" } else { "s" }
    );
    let fail = match args.fail_on {
        FailOn::Error => errors > 0,
        FailOn::Warning => !shown.is_empty(),
        FailOn::Never => false,
    };
    if fail {
        return Err(Error::Findings(said));
    }
    eprintln!("{said}");
    Ok(())
}

/// `check --warehouse`: every file readable, of its schema, with the counts the manifest
/// names.
fn verify(data: &Path) -> Result<(), Error> {
    let w = Warehouse::open(data)?;
    let problems = w.verify();
    if problems.is_empty() {
        eprintln!(
            "{}: sound (generation {}, {} segments)",
            data.display(),
            w.manifest().generation,
            w.manifest().segments.len()
        );
        return Ok(());
    }
    Err(Error::Problems(problems))
}
