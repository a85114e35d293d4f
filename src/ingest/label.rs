//! Row labels as documents print them, reduced to keys the templates can be matched on.
//!
//! Real documents print the same row in many ways: full-width or ASCII punctuation, spaces
//! inside the label (PDF extraction), a parenthetical printed twice, numbering prefixes
//! (一、 （一） 1. 其中：) that differ by province. The key drops all of that, so matching is an
//! exact lookup of the key within the row's section — never a fuzzy guess.

/// Folds full-width ASCII forms (ＡＢＣ１２３（），：) to ASCII and the ideographic space to a
/// space; other characters, 、 and CJK included, are kept.
pub fn fold_width(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(s.chars().map(fold_char));
    out
}

/// One character of [`fold_width`].
fn fold_char(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' | '\u{00A0}' => ' ',
        '〔' | '【' => '[',
        '〕' | '】' => ']',
        _ => c,
    }
}

/// The numbering a label opens with, which places the row in the hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numbering {
    /// 一、 … 十三、: a section of the table.
    Section(u32),
    /// （一）: a row directly under a section.
    Sub(u32),
    /// 1. or 1、: an item under a sub-row.
    Item(u32),
    /// 其中：: a part of the row above.
    OfWhich,
}

/// Parses a Chinese numeral from 一 to 九十九.
pub fn chinese_numeral(s: &str) -> Option<u32> {
    let digit = |c: char| "一二三四五六七八九".find(c).map(|i| i as u32 / 3 + 1);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] if *c == '十' => Some(10),
        [c] => digit(*c),
        ['十', u] => digit(*u).map(|u| 10 + u),
        [t, '十'] => digit(*t).map(|t| t * 10),
        [t, '十', u] => Some(digit(*t)? * 10 + digit(*u)?),
        _ => None,
    }
}

/// Splits the numbering prefix off a width-folded label without whitespace; returns the
/// numbering and the byte length it takes.
fn numbering_prefix(s: &str) -> Option<(Numbering, usize)> {
    const CN: &str = "一二三四五六七八九十";
    // 一、 / 一. / 一,
    let cn_len: usize = s
        .char_indices()
        .take_while(|(_, c)| CN.contains(*c))
        .last()
        .map(|(i, c)| i + c.len_utf8())
        .unwrap_or(0);
    if cn_len > 0 {
        let rest = &s[cn_len..];
        if let Some(sep) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '、' | '.' | ','))
        {
            let n = chinese_numeral(&s[..cn_len])?;
            return Some((Numbering::Section(n), cn_len + sep.len_utf8()));
        }
        return None;
    }
    // (一) / (1)
    if let Some(inner) = s.strip_prefix('(') {
        let close = inner.find(')')?;
        let body = &inner[..close];
        let n = chinese_numeral(body).or_else(|| body.parse().ok())?;
        return Some((Numbering::Sub(n), 1 + close + 1));
    }
    // 1. / 1、 / 1)
    let digits = s.bytes().take_while(|b| b.is_ascii_digit()).count();
    if digits > 0 && digits <= 2 {
        let rest = &s[digits..];
        if let Some(sep) = rest
            .chars()
            .next()
            .filter(|c| matches!(c, '.' | '、' | ')' | ','))
        {
            let n = s[..digits].parse().ok()?;
            return Some((Numbering::Item(n), digits + sep.len_utf8()));
        }
        return None;
    }
    for p in ["其中:", "其中"] {
        if s.starts_with(p) {
            return Some((Numbering::OfWhich, p.len()));
        }
    }
    None
}

/// Folds width and removes every whitespace character.
pub fn compact(label: &str) -> String {
    let mut out = String::with_capacity(label.len());
    out.extend(label.chars().map(fold_char).filter(|c| !c.is_whitespace()));
    out
}

/// The numbering the label opens with, if any (only the first one: `（一）1.` is `Sub(1)`).
pub fn numbering(label: &str) -> Option<Numbering> {
    numbering_prefix(&compact(label)).map(|(n, _)| n)
}

/// The matching key of a label: width folded, whitespace, numbering prefixes, parentheticals,
/// quotes and trailing punctuation removed.
///
/// Parentheticals go entirely: they hold notes (`（不同渠道和方式公开相同信息计1条）`, often
/// printed twice) or qualifiers (`县（市、区）`) that no row of a template needs to be told
/// apart. A label cut by a line wrap is handled too: an unclosed `(` drops the rest, and a `)`
/// with no opening drops what precedes it.
pub fn label_key(label: &str) -> String {
    // The same few hundred labels come back in every document of a template: each thread
    // keeps the keys it made (a fifth of ingest's time went to making them again).
    thread_local! {
        static KEYS: std::cell::RefCell<std::collections::HashMap<String, String>> =
            std::cell::RefCell::new(std::collections::HashMap::new());
    }
    KEYS.with(|keys| {
        let mut keys = keys.borrow_mut();
        if let Some(k) = keys.get(label) {
            return k.clone();
        }
        let k = make_label_key(label);
        // Bounded: a corpus of unusual labels does not grow it without end.
        if keys.len() >= 16_384 {
            keys.clear();
        }
        keys.insert(label.to_string(), k.clone());
        k
    })
}

fn make_label_key(label: &str) -> String {
    let mut s = compact(label);
    while let Some((_, len)) = numbering_prefix(&s) {
        s.drain(..len);
    }
    let mut key = String::with_capacity(s.len());
    let mut depth = 0usize;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            ')' => key.clear(),
            '"' | '\'' | '“' | '”' | '‘' | '’' | '「' | '」' => {}
            _ if depth == 0 => key.push(c),
            _ => {}
        }
    }
    while key.ends_with([':', ',', '.', ';', '。', '；', '、']) {
        key.pop();
    }
    key
}

/// Parenthesis balance of a label: positive when a `(` is left open (the label continues on
/// another line), negative when it closes one it did not open (it continues one).
pub fn paren_balance(label: &str) -> i32 {
    let mut depth = 0i32;
    let mut min = 0i32;
    for c in fold_width(label).chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                min = min.min(depth);
            }
            _ => {}
        }
    }
    if min < 0 {
        min
    } else {
        depth
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_and_ascii_punctuation_give_one_key() {
        assert_eq!(label_key("（一）维持具体行政行为数"), "维持具体行政行为数");
        assert_eq!(label_key("(一) 维持具体行政行为数"), "维持具体行政行为数");
        assert_eq!(
            label_key("（一）维持具体行政行为数："),
            "维持具体行政行为数"
        );
    }

    #[test]
    fn spaces_inside_labels_are_ignored() {
        assert_eq!(label_key("四、行 政 复 议 数 量"), "行政复议数量");
        assert_eq!(
            label_key("1. 政府公报公开政府信息数"),
            "政府公报公开政府信息数"
        );
        assert_eq!(
            label_key("２．　政府网站公开政府信息数"),
            "政府网站公开政府信息数"
        );
    }

    #[test]
    fn duplicated_parentheticals_are_dropped() {
        let printed = "(一) 主动公开政府信息数 (不同渠道和方式公开相同信息计 1 条) (不同渠道和方式公开相同信息计 1 条)";
        assert_eq!(label_key(printed), "主动公开政府信息数");
        assert_eq!(label_key("县(市、区)政府门户网站"), "县政府门户网站");
        assert_eq!(label_key("县（市、区）政府门户网站"), "县政府门户网站");
    }

    #[test]
    fn numbering_prefixes_are_dropped_and_recognised() {
        assert_eq!(
            label_key("其中：主动公开规范性文件数"),
            "主动公开规范性文件数"
        );
        assert_eq!(
            label_key("十三、政府信息公开会议和培训情况"),
            "政府信息公开会议和培训情况"
        );
        assert_eq!(
            numbering("十三、政府信息公开会议和培训情况"),
            Some(Numbering::Section(13))
        );
        assert_eq!(numbering("（三）其他情形数"), Some(Numbering::Sub(3)));
        assert_eq!(numbering("5. 其他形式"), Some(Numbering::Item(5)));
        assert_eq!(numbering("1、属于国家秘密"), Some(Numbering::Item(1)));
        assert_eq!(numbering("其中：涉及国家秘密"), Some(Numbering::OfWhich));
        assert_eq!(numbering("涉及商业秘密"), None);
        // A parenthetical note is not a numbering.
        assert_eq!(numbering("（不同方式回应同一热点或舆情计1次）"), None);
        // A year is not an item number.
        assert_eq!(numbering("2017年度"), None);
    }

    #[test]
    fn labels_cut_by_a_wrap_still_key_correctly() {
        assert_eq!(
            label_key("（一）主动公开政府信息数（不同渠道和方式公开相同信息计1条）（不同渠"),
            "主动公开政府信息数"
        );
        assert_eq!(label_key("道和方式公开相同信息计1条）"), "");
        assert_eq!(paren_balance("（不同渠"), 1);
        assert_eq!(paren_balance("道和方式公开相同信息计1条）"), -1);
        assert_eq!(paren_balance("县(市、区)政府"), 0);
    }

    #[test]
    fn chinese_numerals() {
        assert_eq!(chinese_numeral("一"), Some(1));
        assert_eq!(chinese_numeral("十"), Some(10));
        assert_eq!(chinese_numeral("十三"), Some(13));
        assert_eq!(chinese_numeral("二十"), Some(20));
        assert_eq!(chinese_numeral("二十五"), Some(25));
        assert_eq!(chinese_numeral("十十"), None);
    }
}
