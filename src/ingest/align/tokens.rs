//! The document as tokens in reading order: text (label fragments) and values, whatever its
//! shape; text whose whitespace a crawler collapsed is cut into both.

use super::super::label::fold_width;
use super::super::lines::is_footer;
use super::super::template::compact;
use super::super::value::{parse_cell, Cell as ValueCell};

/// A token of the document, in reading order.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// Text: a label or part of one, width-folded and without whitespace.
    Text(String),
    /// A value cell: its number in the catalog's unit, or `None` when printed blank.
    Value(Option<f64>, String),
}

/// A token and the 0-based line it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Located {
    /// The token.
    pub token: Token,
    /// 0-based line index.
    pub line: usize,
    /// A value cut out of a piece that ran into text (`…申请数量230`): the document's
    /// whitespace was collapsed, so neighbouring cells' digits may be glued together too.
    pub glued: bool,
}

/// Reads a value cell in the catalog's unit (an amount printed in 元 becomes 万元).
pub fn value_of(raw: &str) -> Option<Option<f64>> {
    match parse_cell(raw) {
        Ok(ValueCell::Number { value, unit }) => Some(Some(if unit == Some("元") {
            value / 10_000.0
        } else {
            value
        })),
        Ok(ValueCell::Blank) => Some(None),
        Err(_) => None,
    }
}

/// The tokens of `lines[from..to]`: whitespace-separated pieces, each a value or text; page
/// footers are skipped. With `split`, a piece where text and digits run together is cut
/// into both (for text whose whitespace a crawler collapsed); without, it is text.
pub fn tokenize(lines: &[&str], from: usize, to: usize, split: bool) -> Vec<Located> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate().take(to).skip(from) {
        if is_footer(line) {
            continue;
        }
        let folded = fold_width(line);
        // A row's number on a line of its own, its label on the next (`4` / `、其他类型答复数`):
        // numbering, not a value.
        let numbering = {
            let t = folded.trim();
            !t.is_empty()
                && t.len() <= 2
                && t.bytes().all(|b| b.is_ascii_digit())
                && lines[i + 1..to.min(lines.len())]
                    .iter()
                    .map(|l| fold_width(l))
                    .find(|l| !l.trim().is_empty())
                    .is_some_and(|l| {
                        let l = l.trim_start();
                        l.starts_with('、')
                            || (l.starts_with('.')
                                && !l[1..].starts_with(|c: char| c.is_ascii_digit()))
                    })
        };
        if numbering {
            out.push(Located {
                token: Token::Text(compact(&folded)),
                line: i,
                glued: false,
            });
            continue;
        }
        for piece in folded.split_whitespace() {
            match value_of(piece) {
                Some(v) => out.push(Located {
                    token: Token::Value(v, piece.to_string()),
                    line: i,
                    glued: false,
                }),
                None if split => split_mixed(piece, i, &mut out),
                None => out.push(Located {
                    token: Token::Text(compact(piece)),
                    line: i,
                    glued: false,
                }),
            }
        }
    }
    out
}

/// A piece where text and digits run together (`规章000行政规范性文件8855698`,
/// `…事项1051.本机关…`): digits become values, a number followed by `.` or `、` and text is the
/// next label's numbering (one digit: items run 1 to 8), and a unit glued to a number stays
/// with it. A piece with no digits is text as it is.
pub(super) fn split_mixed(piece: &str, line: usize, out: &mut Vec<Located>) {
    let chars: Vec<char> = piece.chars().collect();
    let text = |s: &str, out: &mut Vec<Located>| {
        if !s.is_empty() {
            out.push(Located {
                token: Token::Text(compact(s)),
                line,
                glued: false,
            })
        }
    };
    if !chars.iter().any(char::is_ascii_digit) {
        text(piece, out);
        return;
    }
    let mut i = 0;
    let mut pending = String::new();
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            pending.push(chars[i]);
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        let mut digits: String = chars[start..i].iter().collect();
        // `1.` / `1、` before text or at the end of the piece (`1.` / `属于国家秘密`).
        let numbering = matches!(chars.get(i), Some('.' | '、'))
            && chars.get(i + 1).is_none_or(|c| !c.is_ascii_digit());
        let mut label_number = String::new();
        if numbering && !digits.contains('.') {
            // The last digit and its `.` open the next label.
            label_number = digits.split_off(digits.len() - 1);
            label_number.push(chars[i]);
            i += 1;
        }
        text(&std::mem::take(&mut pending), out);
        if !digits.is_empty() {
            let rest: String = chars[i..].iter().collect();
            let unit = ["万元", "元"]
                .into_iter()
                .find(|u| rest.starts_with(u))
                .unwrap_or("");
            i += unit.chars().count();
            let raw = format!("{digits}{unit}");
            if let Some(v) = value_of(&raw) {
                out.push(Located {
                    token: Token::Value(v, raw),
                    line,
                    glued: true,
                });
            }
        }
        pending.push_str(&label_number);
    }
    text(&pending, out);
}
