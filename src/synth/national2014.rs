//! Synthetic reports of the national-2014 统计表: a 全市 and a 本级 table, tab-separated, laid
//! out as the Jinan 2017 report prints it.

use std::fmt::Write as _;

use super::{Rng, Truth, BODIES};
use crate::catalog::catalog;

/// The national-2014 统计表 as a real report prints it: the Jinan 2017 tables (全市 and 本级,
/// tab-separated, with their wrapped labels, notes and repeated headers), each figure line
/// known by the code the reader gives it. The reader's mapping of this very text is tested
/// exact against a table read by hand (`tests/fixtures/jinan-2017.expected.tsv`), so the
/// generator reuses the printed layout without restating 78 labels.
pub(super) struct Template2014 {
    /// The lines from the first table caption on.
    lines: Vec<&'static str>,
    /// For each of `lines`, the figure it prints: (index into [`SCOPES`], code).
    figure: Vec<Option<(usize, &'static str)>>,
}

pub(super) const SCOPES: [&str; 2] = ["whole", "own"];

pub(super) fn template2014() -> &'static Template2014 {
    static T: std::sync::OnceLock<Template2014> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        const JINAN: &str = include_str!("../../data/raw/jinan-2017.txt");
        let all: Vec<&str> = JINAN.lines().collect();
        let first = all
            .iter()
            .position(|l| l.trim() == "2017年度政府信息公开工作情况统计表")
            .expect("the Jinan 2017 text has its table caption");
        let reports = crate::ingest::parse_text(JINAN, "jinan-2017.txt", &Default::default())
            .expect("the bundled Jinan 2017 text reads");
        let mut figure = vec![None; all.len()];
        for r in &reports {
            let scope = SCOPES
                .iter()
                .position(|s| *s == r.meta.scope.as_str())
                .expect("Jinan's tables are 全市 and 本级");
            for f in &r.figures {
                figure[f.source_line as usize - 1] = Some((scope, f.indicator));
            }
        }
        Template2014 {
            lines: all[first..].to_vec(),
            figure: figure[first..].to_vec(),
        }
    })
}

/// Figures for every national-2014 code that hold the catalog's relations: parts add up to
/// their whole, a total lies between its largest channel and their sum, an 其中 is at most its
/// parent, a same_as equals its twin. `share` scales them down (本级 is a share of 全市).
pub(super) fn figures2014(
    leaves: &std::collections::HashMap<&'static str, u64>,
    share: u64,
) -> std::collections::HashMap<&'static str, u64> {
    let cat = catalog();
    let national: Vec<_> = cat
        .indicators()
        .iter()
        .filter(|i| i.templates.contains("national-2014"))
        .collect();
    let children = |code: &str, relation: &str| -> Vec<&'static str> {
        national
            .iter()
            .filter(|i| i.parent == code && i.relation == relation)
            .map(|i| i.code)
            .collect()
    };
    let mut v: std::collections::HashMap<&'static str, u64> = std::collections::HashMap::new();
    fn value_of(
        code: &'static str,
        v: &mut std::collections::HashMap<&'static str, u64>,
        leaves: &std::collections::HashMap<&'static str, u64>,
        share: u64,
        children: &dyn Fn(&str, &str) -> Vec<&'static str>,
    ) -> u64 {
        if let Some(x) = v.get(code) {
            return *x;
        }
        let parts = children(code, "part");
        let channels = children(code, "channel");
        let x = if !parts.is_empty() {
            parts
                .iter()
                .map(|c| value_of(c, v, leaves, share, children))
                .sum()
        } else if !channels.is_empty() {
            let each: Vec<u64> = channels
                .iter()
                .map(|c| value_of(c, v, leaves, share, children))
                .collect();
            let max = each.iter().copied().max().unwrap_or(0);
            max + (each.iter().sum::<u64>() - max) / 2
        } else {
            leaves.get(code).copied().unwrap_or(0) * share / 100
        };
        v.insert(code, x);
        x
    }
    for i in &national {
        if i.relation != "of_which" && i.relation != "same_as" {
            value_of(i.code, &mut v, leaves, share, &children);
        }
    }
    for i in &national {
        match i.relation {
            // 其中: a fraction of its parent, drawn with the leaf.
            "of_which" => {
                let parent = v.get(i.parent).copied().unwrap_or(0);
                let x = leaves.get(i.code).copied().unwrap_or(0).min(parent);
                v.insert(i.code, x);
            }
            "same_as" => {
                let twin = v.get(i.parent).copied().unwrap_or(0);
                v.insert(i.code, twin);
            }
            _ => {}
        }
    }
    v
}

/// A 2014–2018 report: the 统计表 for 全市 and 本级, every row of the national template.
pub(super) fn national2014(
    body: &str,
    year: i32,
    scale: u64,
    rng: &mut Rng,
) -> (String, Vec<Truth>) {
    let jurisdiction = BODIES
        .iter()
        .find_map(|b| body.strip_suffix(b))
        .unwrap_or(body);
    let t = template2014();
    // Leaf magnitudes by kind of row: proactive items run in the thousands, applications and
    // contacts in the tens to hundreds, reviews, lawsuits and offices in ones.
    let leaves: std::collections::HashMap<&'static str, u64> = catalog()
        .indicators()
        .iter()
        .filter(|i| i.templates.contains("national-2014"))
        .map(|i| {
            let m = if i.code.starts_with("proactive.") && !i.code.contains("normative") {
                scale * 40
            } else if i.code.starts_with("application.")
                || i.code.starts_with("reading_room_visits")
                || i.code.starts_with("training.trainees")
                || i.code.starts_with("gazette.copies")
            {
                scale
            } else if i.code.starts_with("review.")
                || i.code.starts_with("litigation.")
                || i.code.starts_with("complaints.")
            {
                scale / 20 + 1
            } else {
                scale / 5 + 1
            };
            (i.code, rng.count(m))
        })
        .collect();
    let own_share = 30 + rng.next() % 50;
    let values = [figures2014(&leaves, 100), figures2014(&leaves, own_share)];
    let mut text =
        format!("{body} {year} 年政府信息公开工作年度报告\n\n本报告根据《条例》编制。\n\n");
    let mut truth = Vec::new();
    for (line, figure) in t.lines.iter().zip(&t.figure) {
        match figure {
            Some((scope, code)) => {
                let v = values[*scope][code];
                let label_and_unit = line.rsplit_once('\t').map_or(*line, |(l, _)| l);
                let _ = writeln!(text, "{label_and_unit}\t{v}");
                truth.push(Truth {
                    report_id: format!("{body}/{year}/{}", SCOPES[*scope]),
                    indicator: code,
                    breakdown: "total",
                    value: v,
                });
            }
            None if line.trim() == "(济南市)" => {
                let _ = writeln!(text, "({jurisdiction})");
            }
            None if line.trim() == "(济南市本级)" => {
                let _ = writeln!(text, "({jurisdiction}本级)");
            }
            None => {
                let _ = writeln!(text, "{}", line.replace("2017", &year.to_string()));
            }
        }
    }
    (text, truth)
}
