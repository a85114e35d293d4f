//! Value cells as printed: integers, decimals, thousands separators, full-width digits, blanks,
//! and a unit glued to the number (`251000元`).
//!
//! A cell either reads as exactly one number, reads as blank, or is refused with the reason.
//! Nothing is guessed: `12a4` is not 124.

use super::label::fold_width;

/// A value cell, read.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Nothing printed, or a blank marker (`-`, `—`, `/`, `无`).
    Blank,
    /// A number, with the unit printed inside the cell if there was one.
    Number {
        /// The value as printed (before any unit conversion).
        value: f64,
        /// A unit glued to the number, e.g. `元`.
        unit: Option<&'static str>,
    },
}

/// Units that appear glued to numbers.
const GLUED_UNITS: [&str; 2] = ["万元", "元"];

/// Reads a value cell; the error says why the text is not a number.
pub fn parse_cell(raw: &str) -> Result<Cell, String> {
    // The common case, plain ASCII digits, without allocating.
    if !raw.is_empty() && raw.len() <= 15 && raw.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(v) = raw.parse::<u64>() {
            return Ok(Cell::Number {
                value: v as f64,
                unit: None,
            });
        }
    }
    let folded = fold_width(raw);
    let s = folded.trim();
    if s.is_empty() || matches!(s, "-" | "—" | "–" | "/" | "无" | "——" | "--") {
        return Ok(Cell::Blank);
    }
    let mut unit = None;
    let mut body = s;
    for u in GLUED_UNITS {
        if let Some(b) = s.strip_suffix(u) {
            unit = Some(u);
            body = b.trim_end();
            break;
        }
    }
    let value = parse_number(body).ok_or_else(|| format!("'{raw}' is not a number"))?;
    Ok(Cell::Number { value, unit })
}

/// Parses `-1,234.5`-style numbers: optional sign, digits with well-formed thousands
/// separators, optional decimals.
fn parse_number(s: &str) -> Option<f64> {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (digits, None),
    };
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit() || b == b',') {
        return None;
    }
    if int.contains(',') {
        let groups: Vec<&str> = int.split(',').collect();
        let first_ok = (1..=3).contains(&groups[0].len());
        if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
            return None;
        }
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
    }
    let plain: String = int.chars().filter(|&c| c != ',').collect();
    let text = match frac {
        Some(f) => format!("{plain}.{f}"),
        None => plain,
    };
    let v: f64 = text.parse().ok()?;
    // A cell of hundreds of digits reads as infinity: not a number. (Long runs of glued
    // digits stay numbers here: the aligner cuts them into cells.)
    if !v.is_finite() {
        return None;
    }
    // A printed "-0" is zero: stored as -0.0 it would print as "-0" and sort before 0.
    Some(if neg && v != 0.0 { -v } else { v })
}

/// True when a token reads as a value cell (a number, possibly with a glued unit, or garbage
/// that contains digits but no CJK text) rather than as part of a label.
pub fn looks_like_value(token: &str) -> bool {
    let folded = fold_width(token);
    let mut t = folded.trim();
    for u in GLUED_UNITS {
        if let Some(b) = t.strip_suffix(u) {
            t = b;
            break;
        }
    }
    if matches!(t, "-" | "—" | "–" | "/" | "——" | "--") {
        return true;
    }
    t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".,-+%".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(v: f64) -> Cell {
        Cell::Number {
            value: v,
            unit: None,
        }
    }

    #[test]
    fn integers_decimals_separators_and_full_width_digits() {
        assert_eq!(parse_cell("342619"), Ok(num(342619.0)));
        assert_eq!(parse_cell("96171.6"), Ok(num(96171.6)));
        assert_eq!(parse_cell("3,985,758"), Ok(num(3985758.0)));
        assert_eq!(parse_cell("１２３"), Ok(num(123.0)));
        assert_eq!(parse_cell("-3"), Ok(num(-3.0)));
        assert_eq!(
            parse_cell("251000元"),
            Ok(Cell::Number {
                value: 251000.0,
                unit: Some("元")
            })
        );
    }

    #[test]
    fn a_figure_too_long_for_a_float_is_refused_and_minus_zero_is_zero() {
        assert!(parse_cell(&"9".repeat(400)).is_err());
        match parse_cell("-0") {
            Ok(Cell::Number { value, .. }) => assert!(value == 0.0 && value.is_sign_positive()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn blanks() {
        assert_eq!(parse_cell(""), Ok(Cell::Blank));
        assert_eq!(parse_cell("  "), Ok(Cell::Blank));
        assert_eq!(parse_cell("—"), Ok(Cell::Blank));
        assert_eq!(parse_cell("／"), Ok(Cell::Blank));
    }

    #[test]
    fn garbage_is_refused_not_guessed() {
        assert!(parse_cell("12a4").is_err());
        assert!(parse_cell("1,23").is_err());
        assert!(parse_cell("12.").is_err());
        assert!(parse_cell("1.2.3").is_err());
        assert!(parse_cell("十二").is_err());
    }

    #[test]
    fn value_tokens_versus_label_tokens() {
        assert!(looks_like_value("342619"));
        assert!(looks_like_value("12a4"));
        assert!(looks_like_value("48万元"));
        assert!(looks_like_value("-"));
        assert!(!looks_like_value("条"));
        assert!(!looks_like_value("道和方式公开相同信息计1条）"));
        assert!(!looks_like_value("政府网站"));
    }
}
