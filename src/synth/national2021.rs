//! Synthetic reports of the 2021 template, printed in each [`Shape`](super::Shape).

use std::fmt::Write as _;

use super::undetermined::split_row;
use super::{scope_of, who, Rng, Shape, Truth, MATRIX};

/// A report in the 2021 template, space-aligned as `pdftotext -layout` prints it.
pub(super) fn national2021(
    body: &str,
    year: i32,
    scale: u64,
    rng: &mut Rng,
    carried: &mut [u64; 6],
    continues: bool,
) -> (Doc2021, Vec<Truth>) {
    let id = format!("{body}/{year}/{}", scope_of(body));
    let mut truth = Vec::new();
    let mut t = |code: &'static str, b: &'static str, v: u64| {
        truth.push(Truth {
            report_id: id.clone(),
            indicator: code,
            breakdown: b,
            value: v,
        })
    };
    // Table 三: leaf rows per applicant column, totals computed.
    let mut rows: Vec<[u64; 7]> = vec![[0; 7]; MATRIX.len()];
    for row in rows.iter_mut().take(23).skip(2) {
        for (c, cell) in row.iter_mut().enumerate().take(6) {
            let weight = [8, 2, 1, 1, 1, 1][c];
            *cell = rng.count(scale * weight / 20);
        }
    }
    let mut total = [0u64; 7];
    for row in rows.iter().take(23).skip(2) {
        for c in 0..6 {
            total[c] += row[c];
        }
    }
    rows[23] = total;
    // 上年结转 is last year's 结转下年度 for the same body (the continuity check holds).
    let carried_in: Vec<u64> = match continues {
        true => carried.to_vec(),
        false => (0..6)
            .map(|c| rng.count(total[c] / 10 + 1).min(total[c]))
            .collect(),
    };
    let mut carried_out: Vec<u64> = (0..6).map(|c| rng.count(total[c] / 10 + 1)).collect();
    for c in 0..6 {
        if carried_in[c] > total[c] + carried_out[c] {
            carried_out[c] = carried_in[c] - total[c];
        }
    }
    carried.copy_from_slice(&carried_out[..6]);
    for c in 0..6 {
        rows[1][c] = carried_in[c];
        rows[24][c] = carried_out[c];
        rows[0][c] = total[c] + carried_out[c] - carried_in[c];
    }
    for row in rows.iter_mut() {
        row[6] = row[..6].iter().sum();
    }
    let rules = [rng.count(3), rng.count(2), rng.count(20)];
    let docs = [
        rng.count(scale / 5),
        rng.count(scale / 10),
        rng.count(scale),
    ];
    for (code, v) in [
        "proactive.rules.issued",
        "proactive.rules.repealed",
        "proactive.rules.in_force",
    ]
    .iter()
    .zip(rules)
    {
        t(code, "total", v);
    }
    for (code, v) in [
        "proactive.normative_docs.issued",
        "proactive.normative_docs.repealed",
        "proactive.normative_docs.in_force",
    ]
    .iter()
    .zip(docs)
    {
        t(code, "total", v);
    }
    let (lic, pen, coe) = (
        rng.count(scale * 100),
        rng.count(scale * 500),
        rng.count(scale * 20),
    );
    t("proactive.licensing.decisions", "total", lic);
    t("proactive.penalty.decisions", "total", pen);
    t("proactive.coercion.decisions", "total", coe);
    let fees = rng.count(scale * 10);
    t("proactive.fees.amount", "total", fees);
    for ((code, _), row) in MATRIX.iter().zip(&rows) {
        for (b, v) in crate::model::Breakdown::APPLICATION_COLUMNS
            .iter()
            .map(|b| b.as_str())
            .zip(row)
        {
            t(code, b, *v);
        }
    }
    let mut review = [0u64; 15];
    for g in 0..3 {
        for k in 0..4 {
            review[g * 5 + k] = rng.count(scale / 10);
        }
        review[g * 5 + 4] = review[g * 5..g * 5 + 4].iter().sum();
    }
    let codes = crate::ingest::national2019::REVIEW_CODES;
    for (code, v) in codes.iter().zip(review) {
        t(code, "total", v);
    }
    let doc = Doc2021 {
        body: body.to_string(),
        year,
        rules,
        docs,
        decisions: [lic, pen, coe],
        fees,
        rows,
        review,
    };
    (doc, truth)
}

/// The figures of one 2021-template report, to be printed in one of the [`Shape`]s.
pub(super) struct Doc2021 {
    pub(super) body: String,
    pub(super) year: i32,
    pub(super) rules: [u64; 3],
    pub(super) docs: [u64; 3],
    /// 行政许可, 行政处罚, 行政强制
    pub(super) decisions: [u64; 3],
    pub(super) fees: u64,
    pub(super) rows: Vec<[u64; 7]>,
    pub(super) review: [u64; 15],
}

/// Table 二's rows (2021 template): the codes of their cells, in printed order.
pub(super) const PROACTIVE_CODES: [&[&str]; 6] = [
    &[
        "proactive.rules.issued",
        "proactive.rules.repealed",
        "proactive.rules.in_force",
    ],
    &[
        "proactive.normative_docs.issued",
        "proactive.normative_docs.repealed",
        "proactive.normative_docs.in_force",
    ],
    &["proactive.licensing.decisions"],
    &["proactive.penalty.decisions"],
    &["proactive.coercion.decisions"],
    &["proactive.fees.amount"],
];

/// The block heading and value column printed before a table 二 row that opens a block.
pub(super) fn block_heading(label: &str) -> Option<(&'static str, &'static str)> {
    match label {
        "行政许可" => Some(("第二十条第（五）项", "本年处理决定数量")),
        "行政处罚" => Some(("第二十条第（六）项", "本年处理决定数量")),
        "行政事业性收费" => Some(("第二十条第（八）项", "本年收费金额（单位：万元）")),
        _ => None,
    }
}

pub(super) const PROACTIVE_LABELS: [&str; 6] = [
    "规章",
    "行政规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
];

impl Doc2021 {
    /// Table 二's rows as printed: label and cells.
    pub(super) fn proactive(&self) -> Vec<(&'static str, Vec<u64>)> {
        vec![
            (PROACTIVE_LABELS[0], self.rules.to_vec()),
            (PROACTIVE_LABELS[1], self.docs.to_vec()),
            (PROACTIVE_LABELS[2], vec![self.decisions[0]]),
            (PROACTIVE_LABELS[3], vec![self.decisions[1]]),
            (PROACTIVE_LABELS[4], vec![self.decisions[2]]),
            (PROACTIVE_LABELS[5], vec![self.fees]),
        ]
    }

    pub(super) fn render(&self, shape: Shape) -> String {
        match shape {
            Shape::Aligned => self.aligned(),
            Shape::Tab => self.tab(),
            Shape::Cells => self.cells(true),
            Shape::Html => self.html(),
            Shape::Markdown => self.markdown(),
            Shape::Glued => self.glued().0,
            Shape::Crawled => {
                let mut text = format!(
                    "标题：{}{}年政府信息公开工作年度报告\n发布时间：\n来源：政府信息公开办\n\n正文：\n",
                    self.body, self.year
                );
                let mut last: Option<String> = None;
                for line in self.cells(false).lines() {
                    if last.as_deref() == Some(line) {
                        continue;
                    }
                    text.push_str(line);
                    text.push('\n');
                    last = Some(line.to_string());
                }
                text
            }
        }
    }

    pub(super) fn aligned(&self) -> String {
        let (body, year, rows) = (&self.body, self.year, &self.rows);
        let [rules, docs] = [self.rules, self.docs];
        let [lic, pen, coe] = self.decisions;
        let fees = self.fees;
        let mut text = format!(
            "          {body}\n      {year} 年政府信息公开工作年度报告\n\n   一、总体情况\n   {year} 年，{}共受理政府信息公开申请 {} 件。\n\n     二、主动公开政府信息情况\n",
            who(body),
            rows[0][6]
        );
        let _ = write!(text, "              第二十条第（一）项\n       信息内容   本年制发件数    本年废止件数    现行有效件数\n规章               {}          {}       {}\n行政规范性文件          {}          {}       {}\n", rules[0], rules[1], rules[2], docs[0], docs[1], docs[2]);
        let _ = write!(text, "              第二十条第（五）项\n       信息内容            本年处理决定数量\n行政许可                      {lic}\n              第二十条第（六）项\n                    信息内容                      本年处理决定数量\n行政处罚                                                   {pen}\n行政强制                                                   {coe}\n");
        let _ = write!(text, "                                       第二十条第（八）项\n                    信息内容                   本年收费金额（单位：万元）\n行政事业性收费                                            {fees}\n\n");
        text.push_str("                  三、收到和处理政府信息公开申请情况\n                                             自然人    商业企业 科研机构 社会公益组织 法律服务机构 其他    总计\n");
        for ((_, label), row) in MATRIX.iter().zip(rows) {
            let cells: Vec<String> = row.iter().map(|v| format!("{v:>6}")).collect();
            let _ = writeln!(text, "{label}    {}", cells.join(" "));
        }
        let cells: Vec<String> = self.review.iter().map(u64::to_string).collect();
        let _ = write!(text, "\n     四、政府信息公开行政复议、行政诉讼情况\n          行政复议                              行政诉讼\n结果维持 结果纠正 其他结果 尚未审结 总计\n\n{}\n\n     五、存在的主要问题及改进情况\n     无。\n", cells.join("    "));
        text
    }

    pub(super) fn tab(&self) -> String {
        let mut text = format!(
            "{}{}年政府信息公开工作年度报告\n一、总体情况\n{}年，{}共受理政府信息公开申请{}件。\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\t本年制发件数\t本年废止件数\t现行有效件数\n",
            self.body, self.year, self.year, who(&self.body), self.rows[0][6]
        );
        for (label, cells) in self.proactive() {
            if let Some((block, column)) = block_heading(label) {
                let _ = writeln!(text, "{block}\n信息内容\t{column}");
            }
            let cells: Vec<String> = cells.iter().map(u64::to_string).collect();
            let _ = writeln!(text, "{label}\t{}", cells.join("\t"));
        }
        text.push_str("三、收到和处理政府信息公开申请情况\n申请人情况\t自然人\t商业企业\t科研机构\t社会公益组织\t法律服务机构\t其他\t总计\n");
        for ((_, label), row) in MATRIX.iter().zip(&self.rows) {
            let cells: Vec<String> = row.iter().map(u64::to_string).collect();
            let _ = writeln!(text, "{label}\t{}", cells.join("\t"));
        }
        let cells: Vec<String> = self.review.iter().map(u64::to_string).collect();
        let _ = write!(text, "四、政府信息公开行政复议、行政诉讼情况\n行政复议\t行政诉讼\n结果维持\t结果纠正\t其他结果\t尚未审结\t总计\n{}\n五、存在的主要问题及改进情况\n无。\n", cells.join("\t"));
        text
    }

    /// The tab-separated rendering's lines, each either prose or a table row's cells; zeros
    /// of tables 三 and 四 blank.
    pub(super) fn rows_with_blanks(&self) -> Vec<Vec<String>> {
        let mut in_counts = false;
        self.tab()
            .lines()
            .map(|l| {
                if l.starts_with("三、") {
                    in_counts = true;
                } else if l.starts_with("五、") {
                    in_counts = false;
                }
                l.split('\t')
                    .map(|c| match (in_counts, c) {
                        (true, "0") => String::new(),
                        _ => c.to_string(),
                    })
                    .collect()
            })
            .collect()
    }

    /// The glued rendering, and each table row's printed digit strings (for the oracle).
    pub(super) fn glued(&self) -> (String, Vec<Vec<String>>) {
        let mut text = String::new();
        let mut rows = Vec::new();
        let mut table_open = false;
        for (k, line) in self.tab().lines().enumerate() {
            let cells: Vec<&str> = line.split('\t').collect();
            let numeric = |c: &str| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit());
            if cells.len() == 1 && !line.starts_with("第二十条") {
                if table_open {
                    text.push('\n');
                    table_open = false;
                }
                text.push_str(line);
                text.push('\n');
                continue;
            }
            table_open = true;
            let mut printed: Vec<String> = Vec::new();
            for (i, c) in cells.iter().enumerate() {
                match printed.last_mut() {
                    // Digits of neighbouring cells run together, except now and then.
                    Some(last) if numeric(c) && numeric(last) && (c.len() + i + k) % 3 != 0 => {
                        last.push_str(c)
                    }
                    _ => printed.push(c.to_string()),
                }
            }
            let values: Vec<String> = printed.iter().filter(|c| numeric(c)).cloned().collect();
            if !values.is_empty() {
                rows.push(values);
            }
            // The label runs into its first number; other pieces keep one space.
            for (i, piece) in printed.iter().enumerate() {
                if i > 0 && (!numeric(piece) || numeric(&printed[i - 1])) {
                    text.push(' ');
                }
                text.push_str(piece);
            }
            text.push(' ');
        }
        (text, rows)
    }

    pub(super) fn html(&self) -> String {
        let title = format!("{}{}年政府信息公开工作年度报告", self.body, self.year);
        let mut page = format!(
            "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}_政府信息公开年报_{}门户网站</title><script>var nav = \"<table><tr><td>1</td></tr></table>\";</script></head><body><div class=\"nav\">首页 &gt; 政务公开 &gt; 年报</div><div class=\"article\">",
            self.body
        );
        let mut in_table = false;
        for row in self.rows_with_blanks().iter().skip(1) {
            if row.len() == 1 {
                if in_table {
                    page.push_str("</table>");
                    in_table = false;
                }
                page.push_str(&format!("<p><span>{}</span></p>", row[0]));
                if row[0].starts_with("三、") {
                    page.push_str("<table border=\"1\"><tr><td rowspan=\"3\" colspan=\"3\"><p>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</p></td><td colspan=\"7\">申请人情况</td></tr><tr><td rowspan=\"2\">自然人</td><td colspan=\"5\">法人或其他组织</td><td rowspan=\"2\">总计</td></tr><tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr>");
                    in_table = true;
                }
                continue;
            }
            if row[0] == "申请人情况" {
                continue;
            }
            if !in_table {
                page.push_str("<table border=\"1\">");
                in_table = true;
            }
            page.push_str("<tr>");
            for c in row {
                if c.is_empty() {
                    page.push_str("<td>&nbsp;</td>");
                } else {
                    page.push_str(&format!("<td><p><span>{c}</span></p></td>"));
                }
            }
            page.push_str("</tr>");
        }
        if in_table {
            page.push_str("</table>");
        }
        page.push_str(
            "</div><div class=\"footer\">主办单位：某某市人民政府办公室</div></body></html>\n",
        );
        page
    }

    pub(super) fn markdown(&self) -> String {
        let mut text = String::new();
        let mut in_table = false;
        for row in self.rows_with_blanks() {
            if row.len() == 1 {
                if in_table {
                    text.push('\n');
                    in_table = false;
                }
                text.push_str(&row[0]);
                text.push_str("\n\n");
                continue;
            }
            text.push_str(&format!("| {} |\n", row.join(" | ")));
            if !in_table {
                text.push_str(&format!("|{}\n", "---|".repeat(row.len())));
                in_table = true;
            }
        }
        text
    }

    /// One cell per line; with `split`, some numbers of table 三 cut in two by the page's
    /// markup (`1` / `62` for 162).
    pub(super) fn cells(&self, split: bool) -> String {
        let mut text = format!(
            "{}{}年政府信息公开工作年度报告\n一、总体情况\n{}年，{}共受理政府信息公开申请{}件。\n二、主动公开政府信息情况\n第二十条第（一）项\n信息内容\n本年制发件数\n本年废止件数\n现行有效件数\n",
            self.body, self.year, self.year, who(&self.body), self.rows[0][6]
        );
        for (label, cells) in self.proactive() {
            if let Some((block, column)) = block_heading(label) {
                let _ = writeln!(text, "{block}\n信息内容\n{column}");
            }
            let _ = writeln!(text, "{label}");
            for c in cells {
                let _ = writeln!(text, "{c}");
            }
        }
        text.push_str("三、收到和处理政府信息公开申请情况\n申请人情况\n自然人\n法人或其他组织\n总计\n商业\n企业\n科研\n机构\n社会公益组织\n法律服务机构\n其他\n");
        for (k, ((_, label), row)) in MATRIX.iter().zip(&self.rows).enumerate() {
            if k == 2 {
                text.push_str("三、本年度办理结果\n");
            }
            if k == 4 {
                text.push_str("（三）不予\n公开\n");
            } else if k == 12 {
                text.push_str("（四）无法\n提供\n");
            } else if k == 15 {
                text.push_str("（五）不予\n处理\n");
            } else if k == 20 {
                text.push_str("（六）其他\n处理\n");
            }
            // A numbered item's number on a line of its own: `1.` / `属于国家秘密`.
            match label.split_once('.') {
                Some((n, rest)) if n.len() == 1 => {
                    let _ = writeln!(text, "{n}.\n{rest}");
                }
                _ => {
                    let _ = writeln!(text, "{label}");
                }
            }
            for c in split_row(k, row, split) {
                let _ = writeln!(text, "{c}");
            }
        }
        text.push_str("四、政府信息公开行政复议、行政诉讼情况\n行政复议\n行政诉讼\n结\n果\n维\n持\n结果\n纠正\n其他\n结果\n尚未\n审结\n总计\n未经复议直接起诉\n复议后起诉\n");
        for v in self.review {
            let _ = writeln!(text, "{v}");
        }
        text.push_str("五、存在的主要问题及改进情况\n无。\n");
        text
    }
}
