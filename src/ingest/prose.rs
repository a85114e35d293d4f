//! Figures a report's prose states, by the phrase table `templates/prose.toml`.
//!
//! Two users: a report that prints no table (template `none`) stores these figures, marked
//! `origin = 'prose'`; `gongkai check` compares a table's figures with them. The phrases live
//! in a data file so that what is read from prose can be reviewed (and extended) without
//! reading code; the README lists them.

use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;

use super::label::fold_width;
use crate::catalog::catalog;

const PHRASES: &str = include_str!("../../templates/prose.toml");

/// One row of `templates/prose.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseDef {
    code: String,
    code_2019: Option<String>,
    says: String,
    pattern: Option<String>,
    zero: Option<String>,
    unless: Option<String>,
    unit: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseFile {
    cumulative: String,
    phrase: Vec<PhraseDef>,
}

/// The compiled table: the phrases, and what makes a sentence cumulative.
pub struct Phrases {
    /// The phrases, in file order.
    pub phrases: Vec<Phrase>,
    cumulative: Regex,
}

/// A compiled phrase.
pub struct Phrase {
    /// Code stored for reports before 2019 (and compared for all).
    pub code: &'static str,
    /// Code stored for reports of 2019 on, where it differs.
    pub code_2019: Option<&'static str>,
    /// An example of the wording, for the README and messages.
    pub says: String,
    regex: Regex,
    zero: bool,
    unless: Option<Regex>,
    in_yuan: bool,
}

fn code(s: &str) -> Result<&'static str, String> {
    catalog()
        .get(s)
        .map(|i| i.code)
        .ok_or_else(|| format!("templates/prose.toml: unknown code '{s}'"))
}

fn compile(def: PhraseDef) -> Result<Phrase, String> {
    let re = |p: &str| Regex::new(p).map_err(|e| format!("templates/prose.toml: {e}"));
    let (pattern, zero) = match (&def.pattern, &def.zero) {
        (Some(p), None) => (p, false),
        (None, Some(z)) => (z, true),
        _ => {
            return Err(format!(
                "templates/prose.toml: phrase for {} needs one of pattern or zero",
                def.code
            ))
        }
    };
    Ok(Phrase {
        code: code(&def.code)?,
        code_2019: def.code_2019.as_deref().map(code).transpose()?,
        says: def.says,
        regex: re(pattern)?,
        zero,
        unless: def.unless.as_deref().map(re).transpose()?,
        in_yuan: def.unit.as_deref() == Some("元"),
    })
}

/// The phrase table compiled into this binary (checked by a unit test).
pub fn phrases() -> &'static Phrases {
    static P: OnceLock<Phrases> = OnceLock::new();
    P.get_or_init(|| {
        let file: PhraseFile = toml::from_str(PHRASES)
            .unwrap_or_else(|e| panic!("built-in templates/prose.toml: {e}"));
        Phrases {
            cumulative: Regex::new(&file.cumulative)
                .unwrap_or_else(|e| panic!("built-in templates/prose.toml: {e}")),
            phrases: file
                .phrase
                .into_iter()
                .map(|d| compile(d).unwrap_or_else(|e| panic!("built-in {e}")))
                .collect(),
        }
    })
}

/// A figure stated in prose.
#[derive(Debug, Clone, PartialEq)]
pub struct Stated {
    /// The phrase's code (before 2019).
    pub code: &'static str,
    /// Its code from 2019 on, where different.
    pub code_2019: Option<&'static str>,
    /// The figure in the catalog's unit.
    pub value: f64,
    /// 1-based line the sentence starts on.
    pub line: u32,
    /// The matched text (whitespace removed).
    pub text: String,
    /// Whose figure the sentence says it is: `Some(true)` after 全市/全区…, `Some(false)` after
    /// 本机关/代表…, `None` when it does not say.
    pub whole: Option<bool>,
}

impl Stated {
    /// The code a report of `year` stores this figure under.
    pub fn code_for(&self, year: i32) -> &'static str {
        match self.code_2019 {
            Some(c) if year >= 2019 => c,
            _ => self.code,
        }
    }

    /// Whether the figure is one of `code`'s (under either era's code).
    pub fn is(&self, code: &str) -> bool {
        self.code == code || self.code_2019 == Some(code)
    }
}

/// The prose with whitespace removed and full-width forms folded, with the line each byte
/// came from.
struct Compact {
    text: String,
    line_at: Vec<(usize, u32)>,
}

impl Compact {
    fn new(text: &str) -> Self {
        let mut joined = String::new();
        let mut line_at = Vec::new();
        for (i, l) in text.lines().enumerate() {
            line_at.push((joined.len(), i as u32 + 1));
            joined.extend(fold_width(l).chars().filter(|c| !c.is_whitespace()));
        }
        Compact {
            text: joined,
            line_at,
        }
    }

    fn line_of(&self, offset: usize) -> u32 {
        self.line_at
            .iter()
            .rev()
            .find(|(o, _)| *o <= offset)
            .map_or(1, |(_, l)| *l)
    }

    /// 全市… / 本机关… in the 30 characters before `offset`.
    fn scope_before(&self, offset: usize) -> Option<bool> {
        let start = self.text[..offset]
            .char_indices()
            .rev()
            .nth(30)
            .map_or(0, |(i, _)| i);
        let before = &self.text[start..offset];
        if ["全市", "全区", "全县", "全省"]
            .iter()
            .any(|w| before.contains(w))
        {
            Some(true)
        } else if before.contains("代表") || before.contains("本机关") {
            Some(false)
        } else {
            None
        }
    }

    /// The sentence around a match: from the last `。` or `;` before it to the next after it.
    fn sentence(&self, range: std::ops::Range<usize>) -> &str {
        let is_stop = |c: char| matches!(c, '。' | ';');
        let start = self.text[..range.start].rfind(is_stop).map_or(0, |i| {
            i + self.text[i..].chars().next().map_or(1, char::len_utf8)
        });
        // The first stop after the match's start: a match may end with the stop it consumed
        // (`…271条。`), and the sentence after it is another.
        let end = self.text[range.start..]
            .find(is_stop)
            .map_or(self.text.len(), |i| range.start + i);
        &self.text[start..end]
    }
}

/// Every figure the phrase table finds in `text`, in the order of the phrases.
pub fn statements(text: &str) -> Vec<Stated> {
    let compact = Compact::new(text);
    let table = phrases();
    let mut out = Vec::new();
    for p in &table.phrases {
        for c in p.regex.captures_iter(&compact.text) {
            let m = c.get(0).map_or(0..0, |m| m.range());
            let sentence = compact.sentence(m.clone());
            if table.cumulative.is_match(sentence)
                || p.unless.as_ref().is_some_and(|u| u.is_match(sentence))
            {
                continue;
            }
            let value = if p.zero {
                0.0
            } else {
                match c.get(1).and_then(|v| v.as_str().parse::<f64>().ok()) {
                    // Too long to be held exactly (see `value::parse_number`): not read.
                    Some(v) if !(v.is_finite() && v < 9_007_199_254_740_992.0) => continue,
                    Some(v) if p.in_yuan => v / 10_000.0,
                    Some(v) => v,
                    None => continue,
                }
            };
            out.push(Stated {
                code: p.code,
                code_2019: p.code_2019,
                value,
                line: compact.line_of(m.start),
                text: compact.text[m.clone()].to_string(),
                whole: compact.scope_before(m.start),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phrase_table_compiles() {
        assert!(phrases().phrases.len() >= 10);
    }

    fn found(text: &str) -> Vec<(&'static str, f64)> {
        statements(text)
            .into_iter()
            .map(|s| (s.code, s.value))
            .collect()
    }

    #[test]
    fn counts_and_zeros_are_read_with_their_code() {
        assert_eq!(
            found("本年度共受理政府信息公开申请75件，已全部办结。"),
            vec![("application.received", 75.0)]
        );
        assert_eq!(
            found("2015年度共受理依申请公开0份。"),
            vec![("application.received", 0.0)]
        );
        assert_eq!(
            found("本年度未收到政府信息公开申请。"),
            vec![("application.received", 0.0)]
        );
        assert_eq!(
            found("未发生因政府信息公开引起的行政复议案、行政诉讼案。"),
            vec![("review.total", 0.0), ("litigation.total", 0.0)]
        );
        assert_eq!(found("未收取任何费用。"), vec![("application.fees", 0.0)]);
    }

    #[test]
    fn a_zero_about_corrections_is_not_a_zero_about_the_total() {
        assert!(found("本年度无行政复议被纠错的情况。").is_empty());
    }

    #[test]
    fn parts_of_a_case_count_are_read_from_its_clause() {
        let f = found("行政复议5件，其中维持3件，纠错1件；行政诉讼2件，维持2件。");
        for want in [
            ("review.total", 5.0),
            ("review.upheld", 3.0),
            ("litigation.total", 2.0),
            ("litigation.upheld", 2.0),
        ] {
            assert!(f.contains(&want), "{want:?} in {f:?}");
        }
        assert!(!f.contains(&("review.upheld", 2.0)), "{f:?}");
    }

    #[test]
    fn cumulative_counts_and_itemised_fees_are_not_the_years_figures() {
        assert_eq!(
            found("2018年,全市申请行政复议4件。截至2018年底,全市累计申请行政复议18件。"),
            vec![("review.total", 4.0)]
        );
        assert!(
            found("共计收取依申请公开信息邮寄费1000元,复印费2000元,其他费用250元。").is_empty()
        );
        assert!(found("同意公开答复35条,其他答复274件。").is_empty());
    }

    #[test]
    fn applications_for_review_are_not_applications_for_information() {
        let f = found("全市各级行政复议机关共收到政府信息公开行政复议申请453件,维持155件。");
        assert!(
            !f.iter().any(|(c, _)| *c == "application.received"),
            "{f:?}"
        );
    }

    #[test]
    fn a_category_of_what_was_disclosed_is_not_the_total() {
        // Found on a held-out report (Putian 科技局 2022): the last of a list of categories.
        let f = found("本年度重点公开了以下政府信息:工作情况类8条;政府应主动公开的其他信息1条。");
        assert!(!f.iter().any(|(c, _)| *c == "proactive.total"), "{f:?}");
    }

    #[test]
    fn time_limits_and_rates_are_not_counts() {
        assert!(found("答复期限为15个工作日，按时答复率100%。").is_empty());
    }
}
