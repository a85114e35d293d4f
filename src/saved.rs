//! Saved analyses: `.sql` files whose comment header names them, says what they do and lists
//! their parameters with defaults:
//!
//! ```sql
//! -- name: ranking
//! -- description: Jurisdictions ranked by one indicator in one year.
//! -- param: year = 2017
//! SELECT … WHERE year = ${year} …
//! ```
//!
//! The header is the single source for `gongkai queries`, `.queries`, `.run` and completion.
//! The queries shipped in `queries/` are also compiled in, so `gongkai run NAME` works from any
//! directory; a `queries/` directory (or `--queries DIR`) adds to and overrides them.

use std::collections::BTreeMap;
use std::path::Path;

/// The queries shipped with gongkai.
const BUNDLED: &[(&str, &str)] = &[
    (
        "review_correction_rate.sql",
        include_str!("../queries/review_correction_rate.sql"),
    ),
    (
        "subordinate_level.sql",
        include_str!("../queries/subordinate_level.sql"),
    ),
    (
        "application_outcomes.sql",
        include_str!("../queries/application_outcomes.sql"),
    ),
    (
        "on_time_rate.sql",
        include_str!("../queries/on_time_rate.sql"),
    ),
    (
        "refusal_reasons.sql",
        include_str!("../queries/refusal_reasons.sql"),
    ),
    (
        "proactive_by_channel.sql",
        include_str!("../queries/proactive_by_channel.sql"),
    ),
    (
        "year_over_year.sql",
        include_str!("../queries/year_over_year.sql"),
    ),
    ("ranking.sql", include_str!("../queries/ranking.sql")),
    (
        "data_problems.sql",
        include_str!("../queries/data_problems.sql"),
    ),
    (
        "quality_overview.sql",
        include_str!("../queries/quality_overview.sql"),
    ),
    (
        "correction_by_province_level.sql",
        include_str!("../queries/correction_by_province_level.sql"),
    ),
];

/// One saved query.
#[derive(Debug, Clone, PartialEq)]
pub struct SavedQuery {
    /// Its name (`-- name:`, else the file stem).
    pub name: String,
    /// One line saying what it answers.
    pub description: String,
    /// Parameters and their defaults, in header order.
    pub params: Vec<(String, String)>,
    /// Where it came from: a path, or `bundled`.
    pub origin: String,
    /// The SQL text, placeholders included.
    pub sql: String,
}

impl SavedQuery {
    /// Parses a query file's header.
    pub fn parse(stem: &str, origin: String, sql: &str) -> SavedQuery {
        let mut q = SavedQuery {
            name: stem.to_string(),
            description: String::new(),
            params: Vec::new(),
            origin,
            sql: sql.to_string(),
        };
        for line in sql.lines() {
            let Some(comment) = line.trim().strip_prefix("--") else {
                if line.trim().is_empty() {
                    continue;
                }
                break;
            };
            let comment = comment.trim();
            if let Some(v) = comment.strip_prefix("name:") {
                q.name = v.trim().to_string();
            } else if let Some(v) = comment.strip_prefix("description:") {
                q.description = v.trim().to_string();
            } else if let Some(v) = comment.strip_prefix("param:") {
                let (name, default) = v.split_once('=').unwrap_or((v, ""));
                q.params
                    .push((name.trim().to_string(), default.trim().to_string()));
            }
        }
        q
    }

    /// The SQL with `${name}` replaced by the given values (or the defaults). A value inside
    /// quotes has its quotes doubled; a value outside quotes must be a plain number or word.
    pub fn render(&self, values: &[(String, String)]) -> Result<String, String> {
        for (k, _) in values {
            if !self.params.iter().any(|(p, _)| p == k) {
                let known: Vec<&str> = self.params.iter().map(|(p, _)| p.as_str()).collect();
                return Err(format!(
                    "{} has no parameter '{k}' (its parameters: {})",
                    self.name,
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                ));
            }
        }
        let mut sql = self.sql.clone();
        for (name, default) in &self.params {
            let value = values
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap_or(default);
            let placeholder = format!("${{{name}}}");
            let mut out = String::new();
            let mut rest = sql.as_str();
            while let Some(i) = rest.find(&placeholder) {
                let quoted = rest[..i].ends_with('\'');
                out.push_str(&rest[..i]);
                if quoted {
                    out.push_str(&value.replace('\'', "''"));
                } else if !value.is_empty()
                    && value
                        .chars()
                        .all(|c| c.is_alphanumeric() || "._-".contains(c))
                {
                    out.push_str(value);
                } else {
                    return Err(format!(
                        "parameter {name} = '{value}' must be a number or a plain word here"
                    ));
                }
                rest = &rest[i + placeholder.len()..];
            }
            out.push_str(rest);
            sql = out;
        }
        Ok(sql)
    }
}

/// The saved queries: the bundled ones, then those of `dir` (same name wins).
pub fn load(dir: &Path) -> Vec<SavedQuery> {
    let mut by_name: BTreeMap<String, SavedQuery> = BTreeMap::new();
    for (file, sql) in BUNDLED {
        let stem = file.trim_end_matches(".sql");
        let q = SavedQuery::parse(stem, format!("queries/{file} (bundled)"), sql);
        by_name.insert(q.name.clone(), q);
    }
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let path = e.path();
            if path.extension().and_then(|x| x.to_str()) != Some("sql") {
                continue;
            }
            let (Some(stem), Ok(sql)) = (
                path.file_stem().and_then(|s| s.to_str()),
                std::fs::read_to_string(&path),
            ) else {
                continue;
            };
            let q = SavedQuery::parse(stem, path.display().to_string(), &sql);
            by_name.insert(q.name.clone(), q);
        }
    }
    by_name.into_values().collect()
}

/// Parses `name=value` parameter arguments.
pub fn parse_params(args: &[String]) -> Result<Vec<(String, String)>, String> {
    args.iter()
        .map(|a| {
            a.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .ok_or_else(|| format!("parameter '{a}' is not name=value"))
        })
        .collect()
}

/// `gongkai queries` / `.queries`: name, description and parameters of each query.
pub fn listing(queries: &[SavedQuery]) -> String {
    let mut s = String::new();
    for q in queries {
        s.push_str(&format!("{}\n    {}\n", q.name, q.description));
        if !q.params.is_empty() {
            let ps: Vec<String> = q.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            s.push_str(&format!("    parameters: {}\n", ps.join(" ")));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bundled_query_has_a_header() {
        let qs = load(Path::new("/nonexistent"));
        assert!(qs.len() >= 8);
        for q in &qs {
            assert!(!q.description.is_empty(), "{} has no description", q.name);
            // Every placeholder is a declared parameter.
            let rendered = q.render(&[]).expect("defaults render");
            assert!(
                !rendered.contains("${"),
                "{}: undeclared placeholder",
                q.name
            );
        }
    }

    #[test]
    fn parameters_substitute_safely() {
        let q = SavedQuery::parse(
            "t",
            "test".into(),
            "-- param: year = 2017\n-- param: place = 济南市\nSELECT * FROM facts WHERE year = ${year} AND jurisdiction = '${place}'",
        );
        assert_eq!(
            q.render(&[("place".into(), "O'Brien".into())]).as_deref(),
            Ok("-- param: year = 2017\n-- param: place = 济南市\nSELECT * FROM facts WHERE year = 2017 AND jurisdiction = 'O''Brien'")
        );
        assert!(q.render(&[("year".into(), "2017; DROP".into())]).is_err());
        assert!(q.render(&[("nope".into(), "1".into())]).is_err());
    }
}
