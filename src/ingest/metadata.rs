//! Who reported, for which year, at which scope: read from the title and the table captions.
//!
//! The title names the body and the year (`济南市人民政府 2017 年政府信息公开工作年度报告`,
//! sometimes over two lines); each statistical table's caption repeats the year and names the
//! scope in parentheses (`（济南市）` = the whole city, `（济南市本级）` = the city's own bodies).

use std::sync::OnceLock;

use regex::Regex;

use super::label::fold_width;
use crate::model::Scope;

/// The title found at the head of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct Title {
    /// The title as printed (joined when it spans two lines).
    pub text: String,
    /// The reporting body, e.g. 济南市人民政府.
    pub body: Option<String>,
    /// The reporting year.
    pub year: i32,
    /// 1-based line number.
    pub line: u32,
}

/// A statistical table's caption, e.g. `2017年度政府信息公开工作情况统计表` + `（济南市本级）`.
#[derive(Debug, Clone, PartialEq)]
pub struct Caption {
    /// The year the caption names.
    pub year: i32,
    /// The name in the parenthesis under the caption, without 本级.
    pub jurisdiction: Option<String>,
    /// 本级 → own; a plain place name or 全市 → whole; nothing → unknown.
    pub scope: Scope,
    /// 1-based line of the caption.
    pub line: u32,
    /// 1-based line of the last caption line (the parenthesis, when there is one).
    pub last_line: u32,
}

fn title_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?P<body>.*?)\s*(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*(?:政府)?信息公开\S*\s*(?:工作)?\s*年\s*度\s*报\s*告")
            .expect("static regex")
    })
}

fn caption_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?P<year>(?:19|20)\d{2})\s*年\s*度?\s*\S*政府信息公开\S*(?:统计表|情况表)$")
            .expect("static regex")
    })
}

/// Finds the title among the first lines: the first line naming a year and 政府信息公开…年度报告.
/// When that line starts with the year, the body is on the line before.
pub fn find_title(lines: &[&str]) -> Option<Title> {
    let mut previous: Option<&str> = None;
    for (i, raw) in lines.iter().enumerate().take(60) {
        let line = fold_width(raw);
        // A crawler's header block (`标题：…`, `发布时间：…`) names the title as a field.
        let t = crawler_field(line.trim(), "标题").unwrap_or(line.trim());
        if t.is_empty() {
            continue;
        }
        if let Some(c) = title_re().captures(t) {
            // A heading ends at 报告; a prose line that wraps a sentence quoting the title
            // (`…现公布旭泉市人` / `民政府2024年…年度报告。本报告由…`) goes on: not a title.
            let rest = t[c.get(0).map_or(0, |m| m.end())..].trim();
            if rest.contains(['。', '，', ',', '；']) || rest.chars().count() > 12 {
                previous = Some(raw);
                continue;
            }
            let year = c["year"].parse().ok()?;
            let mut body = c["body"].trim().to_string();
            let mut text = t.to_string();
            if body.is_empty() {
                if let Some(p) = previous {
                    body = p.trim().to_string();
                    text = format!("{} {}", body, t);
                }
            }
            return Some(Title {
                text,
                body: (!body.is_empty()).then_some(body),
                year,
                line: i as u32 + 1,
            });
        }
        previous = Some(raw);
    }
    None
}

/// The value of a crawler's header field (`标题: …` / `标题：…`), width-folded.
pub fn crawler_field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    line.strip_prefix(name)?
        .trim_start()
        .strip_prefix(':')
        .map(str::trim)
}

/// Reads a caption at line index `i`, with its scope parenthesis on one of the next lines.
pub fn caption_at(lines: &[&str], i: usize) -> Option<Caption> {
    // Every line of a document is asked: a caption holds 年, 政 and 表 (which neither width
    // folding nor removing whitespace changes), so a line without them is none, unread.
    if !(lines[i].contains('表') && lines[i].contains('年') && lines[i].contains('政')) {
        return None;
    }
    let line = fold_width(lines[i]);
    let compact: String = line.chars().filter(|c| !c.is_whitespace()).collect();
    let c = caption_re().captures(&compact)?;
    let year = c["year"].parse().ok()?;
    let mut caption = Caption {
        year,
        jurisdiction: None,
        scope: Scope::Unknown,
        line: i as u32 + 1,
        last_line: i as u32 + 1,
    };
    for (j, next) in lines.iter().enumerate().skip(i + 1).take(3) {
        let t: String = fold_width(next)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if t.is_empty() {
            continue;
        }
        if let Some(name) = t.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
            let (place, scope) = scope_of(name);
            caption.jurisdiction = place;
            caption.scope = scope;
            caption.last_line = j as u32 + 1;
        }
        break;
    }
    Some(caption)
}

/// `济南市本级` → (济南市, own); `济南市` → (济南市, whole); `全市` → (None, whole).
fn scope_of(name: &str) -> (Option<String>, Scope) {
    if let Some(place) = name.strip_suffix("本级") {
        let place = place.trim_end_matches(['(', ')']);
        return ((!place.is_empty()).then(|| place.to_string()), Scope::Own);
    }
    if name.starts_with('全') && name.chars().count() <= 3 {
        return (None, Scope::Whole);
    }
    let looks_like_place = name.ends_with(['省', '市', '区', '县', '州', '盟', '旗']);
    if looks_like_place {
        (Some(name.to_string()), Scope::Whole)
    } else {
        (None, Scope::Unknown)
    }
}

/// The jurisdiction a body's name belongs to: a government's name without 人民政府; for a
/// department, the administrative-division names it opens with (淮安市洪泽区交通运输局 →
/// 淮安市洪泽区). `None` when the name opens with no division.
pub fn jurisdiction_of_body(body: &str) -> Option<String> {
    for suffix in [
        "人民政府办公厅",
        "人民政府办公室",
        "人民政府",
        "行政公署",
        "政府",
    ] {
        if let Some(place) = body.strip_suffix(suffix) {
            if !place.is_empty() {
                return Some(place.to_string());
            }
        }
    }
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"^(?:[^省市区县州盟旗]{1,8}?(?:自治区|自治州|自治县|特别行政区|省|市|区|县|州|盟|旗))+")
            .expect("static regex")
    });
    let m = re.find(body)?;
    let mut place = m.as_str().to_string();
    // 城市管理局, 都市… : a 市 that is part of the department's name, not a division.
    for word in ["城市", "都市", "超市"] {
        if let Some(pos) = place.rfind(word) {
            place.truncate(pos);
        }
    }
    (!place.is_empty() && place.chars().count() >= 2 && place != body).then_some(place)
}

/// The fullest form of a jurisdiction the text gives: `洪泽区` → `淮安市洪泽区` when the text
/// says 淮安市洪泽区 somewhere (Hongze's 2023 title says only 洪泽区人民政府).
pub fn fullest_jurisdiction(text: &str, base: &str) -> String {
    static LEVEL: OnceLock<Regex> = OnceLock::new();
    let level = LEVEL.get_or_init(|| {
        Regex::new(r"^(?:\p{Han}{2,4}?(?:省|自治区|市|自治州|地区|盟)){1,2}$")
            .expect("static regex")
    });
    // Words that end a sentence's lead-in and never start a place name (请与淮安市… is 淮安市).
    const NOT_A_PLACE_START: &str = "请与由的在和及对向于为是至从按据经把被给让将本全该我其";
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    // Every place-name reading of the text just before each mention of `base`; a reading that
    // the document repeats elsewhere is a name, one it prints once is likely a phrase
    // (本报告由淮安市… gives 告由淮安市 once and 淮安市 many times).
    let mut candidates: Vec<String> = Vec::new();
    for (at, _) in compact.match_indices(base) {
        let before: Vec<char> = compact[..at].chars().collect();
        for len in 3..=10.min(before.len()) {
            let candidate: String = before[before.len() - len..].iter().collect();
            let first = candidate.chars().next().unwrap_or(' ');
            if !NOT_A_PLACE_START.contains(first) && level.is_match(&candidate) {
                candidates.push(candidate);
            }
        }
    }
    let repeated = candidates
        .iter()
        .filter(|c| compact.matches(c.as_str()).count() >= 2)
        .max_by_key(|c| c.chars().count());
    let best = repeated
        .or_else(|| candidates.iter().min_by_key(|c| c.chars().count()))
        .cloned()
        .unwrap_or_default();
    format!("{best}{base}")
}

/// What the prose says about whose applications the report counts: `全市/全区…受理…N件`
/// (whole jurisdiction) or `代表…政府受理…N件` / `本机关…受理` (the body alone), with N.
pub fn prose_scope(text: &str) -> Option<(Scope, f64, String)> {
    let compact: String = fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    prose_scope_of_compact(&compact)
}

/// [`prose_scope`] on text already width-folded and stripped of whitespace.
fn prose_scope_of_compact(compact: &str) -> Option<(Scope, f64, String)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(r"(全市|全区|全县|全省|全旗|代表[^，。,]{0,10}政府|本机关)[^。；;]{0,16}?受理[^。；;]{0,20}?申请(\d+)件")
            .expect("static regex")
    });
    let c = re.captures(compact)?;
    let scope = if c[1].starts_with('全') {
        Scope::Whole
    } else {
        Scope::Own
    };
    Some((scope, c[2].parse().ok()?, c[0].to_string()))
}

/// True for a government's own report — also when its general office writes it — or one
/// named by its place alone (`三明市2015年…`); false for a department, a township, an office of
/// anything else.
pub fn is_government(body: &str) -> bool {
    let b: String = fold_width(body)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    b.ends_with("政府")
        || b.contains("人民政府办公")
        || b.contains("政府办公")
        || (["市", "县", "区", "省", "旗", "州", "盟"]
            .iter()
            .any(|s| b.ends_with(s))
            && !b.contains(['局', '委', '厅', '办', '院', '所', '中', '镇', '乡', '街']))
}

/// Whose work a 2019+ or provincial report counts, and why, from its text:
/// - the prose's count of applications (`全市…受理…申请N件` / `本机关…受理`) decides for a
///   government when it is the table's figure (`printed`), and a different figure makes the scope
///   unknown (Hongze 2024: 17 in the prose, 95 in the table);
/// - otherwise a government's report is `whole` when its text aggregates subordinate bodies
///   (`全市各级…`, `汇总…各有关单位`), `own` when it speaks of the body itself (`本机关…`,
///   `市政府本级`), and `unknown` on both or neither;
/// - a department or township reports on itself (`own`) unless its text says it aggregates its
///   system (`全系统`, `汇总…下属单位`).
pub fn scope_from_text(text: &str, body: &str, printed: Option<f64>) -> (Scope, String) {
    static WHOLE: OnceLock<Regex> = OnceLock::new();
    static SYSTEM: OnceLock<Regex> = OnceLock::new();
    static OWN: OnceLock<Regex> = OnceLock::new();
    let whole = WHOLE.get_or_init(|| {
        Regex::new(
            r"(全市|全县|全区|全旗|全省|全州|全盟)各级[^。；;]{0,12}|汇总[^。；;]{0,30}各有关单位",
        )
        .expect("static regex")
    });
    let system = SYSTEM.get_or_init(|| {
        Regex::new(r"全系统[^。；;]{0,12}|汇总[^。；;]{0,30}(下属|所属|直属)单位")
            .expect("static regex")
    });
    let own = OWN.get_or_init(|| {
        // 本机关 but not the table's row label 本机关不掌握相关政府信息.
        Regex::new(r"本机关[^不。；;][^。；;]{0,10}|(市|县|区)政府本级[^。；;]{0,10}")
            .expect("static regex")
    });
    let compact: String = fold_width(text)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if !is_government(body) {
        return match system.find(&compact) {
            Some(m) => (Scope::Whole, format!("a department's report aggregating its system: '{}'", m.as_str())),
            None => (Scope::Own, "a department's or township's report on its own work (nothing says it aggregates its system)".into()),
        };
    }
    if let Some((scope, n, m)) = prose_scope_of_compact(&compact) {
        return match printed {
            Some(p) if p != n => (
                Scope::Unknown,
                format!("the prose counts {n} applications ('{m}') but the table {p}"),
            ),
            _ => (scope, format!("the prose: '{m}'")),
        };
    }
    match (whole.find(&compact), own.find(&compact)) {
        (Some(w), None) => (
            Scope::Whole,
            format!("the text aggregates subordinate bodies: '{}'", w.as_str()),
        ),
        (None, Some(o)) => (
            Scope::Own,
            format!("the text speaks of the body itself: '{}'", o.as_str()),
        ),
        (Some(w), Some(o)) => (
            Scope::Unknown,
            format!("the text says both '{}' and '{}'", w.as_str(), o.as_str()),
        ),
        (None, None) => (
            Scope::Unknown,
            "nothing in the text says whose work it counts".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_on_one_line_and_on_two() {
        let t = find_title(&[
            "",
            "济南市人民政府 2017 年政府信息公开工作 年度报告",
            "正文",
        ])
        .expect("title");
        assert_eq!(t.body.as_deref(), Some("济南市人民政府"));
        assert_eq!(t.year, 2017);
        assert_eq!(t.line, 2);
        let t =
            find_title(&["   淮安市人民政府", " 2024 年政府信息公开工作年度报告"]).expect("title");
        assert_eq!(t.body.as_deref(), Some("淮安市人民政府"));
        assert_eq!(t.year, 2024);
        // A wrapped prose line that quotes the title is no title; the heading after it is.
        let t = find_title(&[
            "根据《条例》要求，现公布旭泉市人",
            "民政府2024年政府信息公开工作年度报告。本报告由总体情况等六部分组成。",
            "旭泉市人民政府2024年政府信息公开工作年度报告",
        ])
        .expect("title");
        assert_eq!((t.body.as_deref(), t.line), (Some("旭泉市人民政府"), 3));
        // A crawler's header field.
        let t = find_title(&["标题：三明市2022年政府信息公开工作年度报告", "发布时间："])
            .expect("title");
        assert_eq!(t.body.as_deref(), Some("三明市"));
    }

    #[test]
    fn captions_and_scopes() {
        let lines = ["2017年度政府信息公开工作情况统计表", "", "(济南市本级)"];
        let c = caption_at(&lines, 0).expect("caption");
        assert_eq!(c.scope, Scope::Own);
        assert_eq!(c.jurisdiction.as_deref(), Some("济南市"));
        assert_eq!(c.last_line, 3);
        let c =
            caption_at(&["2017 年度政府信息公开工作情况统计表", "（济南市）"], 0).expect("caption");
        assert_eq!(c.scope, Scope::Whole);
        assert!(caption_at(&["附件：2017年度政府信息公开工作情况统计表"], 0).is_none());
    }

    #[test]
    fn fullest_names_and_prose_scopes() {
        let text = "洪泽区人民政府\n本报告由淮安市洪泽区人民政府办公室根据…";
        assert_eq!(fullest_jurisdiction(text, "洪泽区"), "淮安市洪泽区");
        assert_eq!(fullest_jurisdiction("济南市人民政府", "济南市"), "济南市");
        assert_eq!(
            fullest_jurisdiction("请与淮安市洪泽区人民政府办公室联系", "洪泽区"),
            "淮安市洪泽区"
        );
        let (scope, n, _) = prose_scope("2023 年全区受理政府信息公开申请 21 件，").expect("prose");
        assert_eq!((scope, n), (Scope::Whole, 21.0));
        let (scope, n, _) =
            prose_scope("2024 年，区政府办代表区政府受理政府\n信息公开申请 17 件").expect("prose");
        assert_eq!((scope, n), (Scope::Own, 17.0));
    }

    #[test]
    fn jurisdictions_of_bodies() {
        assert_eq!(
            jurisdiction_of_body("济南市人民政府").as_deref(),
            Some("济南市")
        );
        assert_eq!(
            jurisdiction_of_body("淮安市洪泽区交通运输局").as_deref(),
            Some("淮安市洪泽区")
        );
        assert_eq!(
            jurisdiction_of_body("济南市城市管理局").as_deref(),
            Some("济南市")
        );
        assert_eq!(
            jurisdiction_of_body("济南市市场监督管理局").as_deref(),
            Some("济南市")
        );
        assert_eq!(jurisdiction_of_body("国家统计局"), None);
    }
}
