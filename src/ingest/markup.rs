//! HTML pages and markdown: their tables become lines of tab-separated cells, so the same
//! table readers serve every input; the rest becomes lines of text (the prose that names the
//! scope).
//!
//! Cells keep their place: a blank cell (`&nbsp;`, or nothing) in a row that holds numbers is
//! written as `—`, which reads as blank, so the cells after it do not shift left. Row and
//! column spans need no expansion: a spanning label (三、本年度办理结果, （三）不予公开) is
//! text in the first row it covers, and rows are recognised by their own labels. Each output
//! line remembers the source line of its `<tr>` (or markdown line), for provenance.

use scraper::{ElementRef, Html, Node};

/// Text lines and, for each, the 1-based line of the source it came from (0: unknown).
pub struct Converted {
    /// The text, one table row or paragraph a line.
    pub text: String,
    /// Source line of each text line.
    pub line_map: Vec<u32>,
}

/// True when the text is an HTML page (or fragment) with a table.
pub fn looks_like_html(text: &str) -> bool {
    // Asked of every document (and again by `check`): plain text has no `<`, and the search
    // ignores ASCII case in place instead of lowering a copy of the whole document.
    if !text.contains('<') {
        return false;
    }
    let has = |hay: &str, needle: &str| {
        hay.as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
    };
    let head = &text[..text.char_indices().nth(4096).map_or(text.len(), |(i, _)| i)];
    has(head, "<html") || has(head, "<!doctype html") || has(text, "<table")
}

/// True when the text holds a markdown table (a `|---|` separator line).
pub fn looks_like_markdown(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim();
        t.starts_with('|') && t.contains("---") && t.chars().all(|c| "|-: ".contains(c))
    })
}

fn clean(s: &str) -> String {
    s.replace('\u{a0}', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Joins a row's cells with tabs; blank cells of a row with numbers become `—`.
fn row_line(cells: &[String]) -> String {
    let has_number = cells.iter().any(|c| {
        !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_digit() || ".,-".contains(ch))
            && c.chars().any(|ch| ch.is_ascii_digit())
    });
    cells
        .iter()
        .map(|c| {
            if c.is_empty() && has_number {
                "—".to_string()
            } else {
                c.replace('\t', " ")
            }
        })
        .collect::<Vec<_>>()
        .join("\t")
}

/// Converts an HTML page.
pub fn html_to_lines(html: &str) -> Converted {
    // Source line of the k-th <tr>, in document order.
    let lower = html.to_ascii_lowercase();
    let mut tr_lines = Vec::new();
    let mut line = 1u32;
    let mut last = 0usize;
    for (at, _) in lower.match_indices("<tr") {
        if !matches!(
            lower.as_bytes().get(at + 3),
            Some(b'>' | b' ' | b'\t' | b'\n' | b'\r')
        ) {
            continue;
        }
        line += lower[last..at].matches('\n').count() as u32;
        last = at;
        tr_lines.push(line);
    }
    let doc = Html::parse_document(html);
    let mut out = Converted {
        text: String::new(),
        line_map: Vec::new(),
    };
    // The page's <title> names the report even where the article prints no heading; sites
    // append their own name (`…年度报告_政府信息公开年报_某某市人民政府`): cut at the first `_`
    // or ` - ` after the report's name.
    if let Some(t) = scraper::Selector::parse("title")
        .ok()
        .and_then(|sel| doc.select(&sel).next())
    {
        let title = clean(&t.text().collect::<String>());
        let end = title
            .find("报告")
            .map(|i| i + "报告".len())
            .and_then(|i| title[i..].find(['_', '|', '-']).map(|j| i + j))
            .unwrap_or(title.len());
        let title = title[..end].trim();
        if !title.is_empty() {
            let line = lower[..lower.find("<title").unwrap_or(0)]
                .matches('\n')
                .count() as u32
                + 1;
            out.text.push_str(title);
            out.text.push('\n');
            out.line_map.push(line);
        }
    }
    let mut rows_seen = 0usize;
    let mut paragraph = String::new();
    walk(
        doc.root_element(),
        &mut out,
        &mut paragraph,
        &tr_lines,
        &mut rows_seen,
    );
    flush(&mut out, &mut paragraph, 0);
    out
}

fn flush(out: &mut Converted, paragraph: &mut String, line: u32) {
    let p = clean(paragraph);
    if !p.is_empty() {
        out.text.push_str(&p);
        out.text.push('\n');
        out.line_map.push(line);
    }
    paragraph.clear();
}

fn walk(
    el: ElementRef,
    out: &mut Converted,
    paragraph: &mut String,
    tr_lines: &[u32],
    rows: &mut usize,
) {
    for child in el.children() {
        match child.value() {
            Node::Text(t) => paragraph.push_str(t),
            Node::Element(e) => {
                let Some(child_el) = ElementRef::wrap(child) else {
                    continue;
                };
                match e.name() {
                    "script" | "style" | "head" => {}
                    "tr" => {
                        flush(out, paragraph, 0);
                        let cells: Vec<String> = child_el
                            .children()
                            .filter_map(ElementRef::wrap)
                            .filter(|c| matches!(c.value().name(), "td" | "th"))
                            .map(|c| clean(&c.text().collect::<String>()))
                            .collect();
                        let line = tr_lines.get(*rows).copied().unwrap_or(0);
                        *rows += 1;
                        out.text.push_str(&row_line(&cells));
                        out.text.push('\n');
                        out.line_map.push(line);
                    }
                    "br" | "p" | "div" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "li"
                    | "table" | "section" | "article" => {
                        flush(out, paragraph, 0);
                        walk(child_el, out, paragraph, tr_lines, rows);
                        flush(out, paragraph, 0);
                    }
                    _ => walk(child_el, out, paragraph, tr_lines, rows),
                }
            }
            _ => {}
        }
    }
}

/// Converts markdown: table rows to tab-separated cells (separator rows dropped), other lines
/// as they are. Line numbers are kept one to one.
pub fn markdown_to_lines(md: &str) -> Converted {
    let mut out = Converted {
        text: String::new(),
        line_map: Vec::new(),
    };
    for (i, l) in md.lines().enumerate() {
        let t = l.trim();
        let line = if t.starts_with('|') {
            let inner = t.trim_start_matches('|').trim_end_matches('|');
            let cells: Vec<String> = inner
                .split('|')
                .map(|c| clean(&c.replace("&nbsp;", " ")))
                .collect();
            if cells
                .iter()
                .all(|c| !c.is_empty() && c.chars().all(|ch| "-: ".contains(ch)))
            {
                String::new()
            } else {
                row_line(&cells)
            }
        } else {
            l.trim_start_matches('#').to_string()
        };
        out.text.push_str(&line);
        out.text.push('\n');
        out.line_map.push(i as u32 + 1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_is_told_by_its_tags_in_any_case() {
        let prose = "政府信息公开工作年度报告\n".repeat(400); // past the first 4,096 characters
        assert!(!looks_like_html(&prose));
        assert!(!looks_like_html("a < b, 1 <= 2"));
        assert!(looks_like_html("<!DOCTYPE HTML><p>报告</p>"));
        assert!(looks_like_html("<HTML><body>"));
        // A table anywhere, in any case; a page's <html> only near the start.
        assert!(looks_like_html(&format!("{prose}<TABLE border=1>")));
        assert!(!looks_like_html(&format!("{prose}<html>")));
    }

    #[test]
    fn html_rows_become_tab_separated_lines_with_their_source_lines() {
        let html = "<html><body><p>淮安市人民政府</p>\n<table>\n<tr><td rowspan=\"2\">三、本年度办理结果</td><td>（一）予以公开</td><td>5</td><td>&nbsp;</td><td>7</td></tr>\n<tr><td>（二）部分公开</td><td>1</td><td>2</td><td>3</td></tr>\n</table></body></html>";
        let c = html_to_lines(html);
        let lines: Vec<&str> = c.text.lines().collect();
        assert_eq!(
            lines,
            [
                "淮安市人民政府",
                "三、本年度办理结果\t（一）予以公开\t5\t—\t7",
                "（二）部分公开\t1\t2\t3"
            ]
        );
        assert_eq!(c.line_map, [0, 3, 4]);
    }

    #[test]
    fn markdown_tables_keep_blank_cells_in_place() {
        let md = "# 标题\n| 信息内容 | 本年制发件数 |\n|---|---:|\n| 规章 |  | 3 |\n";
        let c = markdown_to_lines(md);
        let lines: Vec<&str> = c.text.lines().collect();
        assert_eq!(lines, [" 标题", "信息内容\t本年制发件数", "", "规章\t—\t3"]);
        assert!(looks_like_markdown(md));
    }
}
