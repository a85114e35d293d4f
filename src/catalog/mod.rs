//! The canonical indicator codes (`src/catalog/indicators.tsv`: the project's catalog of codes, with an English label per code).
//!
//! The catalog is compiled into the binary: the codes are the contract between the ingester,
//! the warehouse and every saved query, so a binary and its catalog can never disagree. It is
//! exposed in SQL as the `indicators` table.

use std::collections::HashMap;
use std::sync::OnceLock;

/// The catalog as shipped: `catalog.tsv`'s columns plus `label_en`.
pub const INDICATORS_TSV: &str = include_str!("indicators.tsv");

/// What kind of quantity a figure is; decides which values are plausible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count of things: never negative, never fractional.
    Count,
    /// An amount of money: may have decimals.
    Amount,
    /// A year-on-year change (本年增/减): may be negative.
    Change,
}

/// One row of the catalog.
#[derive(Debug, Clone)]
pub struct Indicator {
    /// The code stored in `facts.indicator`.
    pub code: &'static str,
    /// Templates the indicator exists in, comma-separated as in the catalog.
    pub templates: &'static str,
    /// A description in the reports' words (not a matching key).
    pub label_zh: &'static str,
    /// The unit values are stored in.
    pub unit: &'static str,
    /// Count, amount or change.
    pub kind: Kind,
    /// The figure this one relates to, if any.
    pub parent: &'static str,
    /// How it relates: part, channel, of_which, same_as.
    pub relation: &'static str,
    /// Templates in which the figure is computed rather than printed.
    pub derived_in: &'static str,
    /// An English label.
    pub label_en: &'static str,
}

/// The whole catalog, indexed by code.
#[derive(Debug)]
pub struct Catalog {
    indicators: Vec<Indicator>,
    by_code: HashMap<&'static str, usize>,
}

impl Catalog {
    /// All indicators, in catalog order.
    pub fn indicators(&self) -> &[Indicator] {
        &self.indicators
    }

    /// The indicator with this code.
    pub fn get(&self, code: &str) -> Option<&Indicator> {
        self.by_code.get(code).map(|&i| &self.indicators[i])
    }
}

static CATALOG: OnceLock<Catalog> = OnceLock::new();

/// The catalog compiled into this binary, with the codes a user's templates declared for this
/// run ([`declare`]).
pub fn catalog() -> &'static Catalog {
    CATALOG.get_or_init(|| {
        // The TSV is part of the source tree and checked by a unit test: a malformed line is a
        // build defect, not user input.
        parse(INDICATORS_TSV).unwrap_or_else(|e| panic!("embedded indicators.tsv: {e}"))
    })
}

/// Adds codes a template file declares (a province's own indicators) to the catalog of this
/// run — and so to the `indicators` table. Must come before the catalog is first used; a code
/// the catalog already has is refused.
pub fn declare(extra: Vec<Indicator>) -> Result<(), String> {
    let mut c = parse(INDICATORS_TSV).map_err(|e| format!("embedded indicators.tsv: {e}"))?;
    for i in extra {
        if c.by_code.contains_key(i.code) {
            return Err(format!("'{}' is already a catalog code", i.code));
        }
        c.by_code.insert(i.code, c.indicators.len());
        c.indicators.push(i);
    }
    CATALOG
        .set(c)
        .map_err(|_| "the catalog was in use before the templates were loaded".to_string())
}

/// A kind by its name in the catalog (`count`, `amount`, `change`).
pub fn kind_of(name: &str) -> Option<Kind> {
    match name {
        "count" => Some(Kind::Count),
        "amount" => Some(Kind::Amount),
        "change" => Some(Kind::Change),
        _ => None,
    }
}

fn parse(tsv: &'static str) -> Result<Catalog, String> {
    let mut indicators = Vec::new();
    let mut by_code = HashMap::new();
    for (n, line) in tsv.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&'static str> = line.split('\t').collect();
        if f.len() != 9 {
            return Err(format!("line {}: {} columns, expected 9", n + 1, f.len()));
        }
        let kind = match f[4] {
            "count" => Kind::Count,
            "amount" => Kind::Amount,
            "change" => Kind::Change,
            other => return Err(format!("line {}: unknown kind '{other}'", n + 1)),
        };
        if by_code.insert(f[0], indicators.len()).is_some() {
            return Err(format!("line {}: duplicate code {}", n + 1, f[0]));
        }
        indicators.push(Indicator {
            code: f[0],
            templates: f[1],
            label_zh: f[2],
            unit: f[3],
            kind,
            parent: f[5],
            relation: f[6],
            derived_in: f[7],
            label_en: f[8],
        });
    }
    Ok(Catalog {
        indicators,
        by_code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_catalog_parses_with_every_code_once() {
        let c = catalog();
        assert_eq!(c.indicators().len(), 147);
        assert_eq!(c.get("review.corrected").map(|i| i.unit), Some("件"));
        assert_eq!(c.get("capacity.budget").map(|i| i.kind), Some(Kind::Amount));
        assert!(c.get("no.such.code").is_none());
        // Every parent named is itself a code.
        for i in c.indicators() {
            if !i.parent.is_empty() {
                assert!(
                    c.get(i.parent).is_some(),
                    "{} names parent {}",
                    i.code,
                    i.parent
                );
            }
            assert!(!i.label_en.is_empty(), "{} has no English label", i.code);
        }
    }
}
