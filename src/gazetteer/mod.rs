//! The gazetteer: China's administrative divisions (GB/T 2260 codes, names, level, parent), so
//! that reports line up by jurisdiction, level and province.
//!
//! The table is `data/divisions.tsv`, built by `scripts/build_divisions.py` from the npm
//! package `china-division` (National Bureau of Statistics data, 2023), compiled into the
//! binary, and parsed on first use only — so start-up pays nothing for it.
//!
//! Resolution never guesses: a name resolves when exactly one division carries it and the
//! parents the document names (淮安市洪泽区 → 洪泽区 under 淮安市); several candidates are
//! narrowed by the parents the document's text mentions elsewhere, and otherwise the name is
//! reported as unresolved (China has several 朝阳区).

mod table;

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;

pub use table::{divisions_schema, DivisionsTable};

/// The gazetteer as shipped.
pub const DIVISIONS_TSV: &str = include_str!("../../data/divisions.tsv");

/// One division.
#[derive(Debug, Clone, PartialEq)]
pub struct Division {
    /// GB/T 2260 code (six digits; nine for townships).
    pub code: &'static str,
    /// Its name, e.g. 洪泽区.
    pub name: &'static str,
    /// Names from the province down, e.g. 江苏省淮安市洪泽区.
    pub full_name: &'static str,
    /// province | prefecture | county | township.
    pub level: &'static str,
    /// The parent's code (empty for provinces).
    pub parent_code: &'static str,
    /// The province's name.
    pub province: &'static str,
}

/// All divisions, indexed.
pub struct Gazetteer {
    divisions: Vec<Division>,
    by_code: HashMap<&'static str, usize>,
    by_name: HashMap<&'static str, Vec<usize>>,
}

/// The gazetteer compiled into this binary.
pub fn gazetteer() -> &'static Gazetteer {
    static G: OnceLock<Gazetteer> = OnceLock::new();
    G.get_or_init(|| {
        let mut divisions = Vec::new();
        for line in DIVISIONS_TSV
            .lines()
            .filter(|l| !l.starts_with('#'))
            .skip(1)
        {
            let f: Vec<&'static str> = line.split('\t').collect();
            if f.len() == 6 {
                divisions.push(Division {
                    code: f[0],
                    name: f[1],
                    full_name: f[2],
                    level: f[3],
                    parent_code: f[4],
                    province: f[5],
                });
            }
        }
        let by_code = divisions
            .iter()
            .enumerate()
            .map(|(i, d)| (d.code, i))
            .collect();
        let mut by_name: HashMap<&'static str, Vec<usize>> = HashMap::new();
        for (i, d) in divisions.iter().enumerate() {
            by_name.entry(d.name).or_default().push(i);
        }
        Gazetteer {
            divisions,
            by_code,
            by_name,
        }
    })
}

/// How a jurisdiction's name resolved.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Exactly one division.
    Resolved(Division),
    /// Several divisions fit and nothing in the document tells them apart.
    Ambiguous(Vec<&'static str>),
    /// No division has this name (renamed, merged, or not a place name).
    Unknown,
}

/// Splits a jurisdiction into its division names: 山东省济南市 → [山东省, 济南市].
pub fn units(name: &str) -> Vec<&str> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"[^省市区县州盟旗镇乡]{1,10}?(?:特别行政区|自治区|自治州|自治县|自治旗|街道|地区|省|市|区|县|州|盟|旗|镇|乡)")
            .expect("static regex")
    });
    re.find_iter(name).map(|m| m.as_str()).collect()
}

impl Gazetteer {
    /// All divisions, in code order.
    pub fn divisions(&self) -> &[Division] {
        &self.divisions
    }

    /// The division with this code.
    pub fn get(&self, code: &str) -> Option<&Division> {
        self.by_code.get(code).map(|&i| &self.divisions[i])
    }

    fn ancestors(&self, d: &Division) -> Vec<&Division> {
        let mut out: Vec<&Division> = Vec::new();
        let mut cur = d.parent_code;
        // At most province > prefecture > county above a township. Cities without counties
        // (东莞市, 中山市…) carry a county-level entry with the city's own code: a code never
        // names itself as its ancestor.
        while let Some(p) = self.get(cur) {
            if p.code == d.code || out.iter().any(|a| a.code == p.code) || out.len() >= 4 {
                break;
            }
            out.push(p);
            cur = p.parent_code;
        }
        out
    }

    /// Resolves a jurisdiction as a document names it; `context` (the document's text) may
    /// tell several candidates apart by the parents it mentions.
    pub fn resolve(&self, jurisdiction: &str, context: &str) -> Resolution {
        let parts = units(jurisdiction);
        let Some(last) = parts.last() else {
            return Resolution::Unknown;
        };
        let Some(found) = self.by_name.get(last) else {
            return Resolution::Unknown;
        };
        let fits = |d: &&Division| {
            let anc = self.ancestors(d);
            parts[..parts.len() - 1]
                .iter()
                .all(|p| anc.iter().any(|a| a.name == *p))
        };
        let candidates: Vec<&Division> = found
            .iter()
            .map(|&i| &self.divisions[i])
            .filter(fits)
            .collect();
        match candidates.as_slice() {
            [] => Resolution::Unknown,
            [one] => Resolution::Resolved((*one).clone()),
            many => {
                // The document mentions the parent of one of them (e.g. 淮安市 for 洪泽区)?
                let mentioned: Vec<&&Division> = many
                    .iter()
                    .filter(|d| {
                        self.ancestors(d).iter().any(|a| {
                            a.name.chars().count() >= 3
                                && !a.name.ends_with("市辖区")
                                && context.contains(a.name)
                        })
                    })
                    .collect();
                match mentioned.as_slice() {
                    [one] => Resolution::Resolved((**one).clone()),
                    _ => Resolution::Ambiguous(many.iter().map(|d| d.code).collect()),
                }
            }
        }
    }
}

/// The level of a reporting body: a government (人民政府, 行政公署) has its division's level;
/// a 镇/乡/街道 body is `township`; any other body (…局, …委员会, …办公室, 厅) is a
/// `department` of the division it serves.
pub fn level_of(body: &str, division: Option<&Division>) -> Option<&'static str> {
    let government = ["人民政府", "行政公署", "政府"]
        .iter()
        .any(|s| body.ends_with(s));
    let township = units(body)
        .last()
        .is_some_and(|u| u.ends_with('镇') || u.ends_with('乡') || u.ends_with("街道"));
    if township && (government || body.ends_with("办事处")) {
        return Some("township");
    }
    match (government, division) {
        (true, Some(d)) => Some(d.level),
        (true, None) => None,
        (false, _) => Some("department"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_gazetteer_parses() {
        let g = gazetteer();
        assert!(g.divisions().len() > 40_000);
        assert_eq!(
            g.get("320813").map(|d| d.full_name),
            Some("江苏省淮安市洪泽区")
        );
        assert_eq!(units("山东省济南市"), ["山东省", "济南市"]);
        assert_eq!(units("淮安市洪泽区"), ["淮安市", "洪泽区"]);
    }

    #[test]
    fn names_resolve_with_their_parents_and_never_by_guess() {
        let g = gazetteer();
        let code = |r: Resolution| match r {
            Resolution::Resolved(d) => Some(d.code),
            _ => None,
        };
        assert_eq!(code(g.resolve("淮安市洪泽区", "")), Some("320813"));
        assert_eq!(code(g.resolve("洪泽区", "")), Some("320813"));
        assert_eq!(code(g.resolve("济南市", "")), Some("370100"));
        assert!(matches!(g.resolve("朝阳区", ""), Resolution::Ambiguous(c) if c.len() >= 2));
        assert_eq!(
            code(g.resolve("朝阳区", "长春市人民政府办公厅")),
            Some("220104")
        );
        assert_eq!(g.resolve("不存在市", ""), Resolution::Unknown);
        // A city without counties (its county-level entry repeats its own code).
        assert!(
            matches!(g.resolve("广东省东莞市", ""), Resolution::Resolved(d) if d.code.starts_with("4419"))
        );
    }

    #[test]
    fn levels_of_bodies() {
        let g = gazetteer();
        let d = g.get("320813");
        assert_eq!(level_of("淮安市洪泽区人民政府", d), Some("county"));
        assert_eq!(
            level_of("淮安市人民政府", g.get("320800")),
            Some("prefecture")
        );
        assert_eq!(
            level_of("江苏省人民政府", g.get("320000")),
            Some("province")
        );
        assert_eq!(level_of("淮安市洪泽区交通运输局", d), Some("department"));
        assert_eq!(
            level_of("淮安市洪泽区高良涧街道办事处", d),
            Some("township")
        );
        assert_eq!(level_of("洪泽区岔河镇人民政府", d), Some("township"));
    }
}
