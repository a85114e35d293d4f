//! A synthetic corpus for benchmarks and scale tests: report documents in the shapes the
//! ingester reads, for bodies of the real gazetteer, with consistent arithmetic, realistic
//! magnitudes — and the ground truth, so a benchmark also checks that every figure came
//! through exact.
//!
//! Years before 2019 get the whole national-2014 统计表 (78 rows) as tab-separated text with a
//! 全市 and a 本级 table, laid out as the Jinan 2017 report prints it; 2019 onward get the
//! 2021 template as space-aligned text. Values are drawn from a seeded generator, so a corpus
//! is reproducible from its arguments.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use crate::catalog::catalog;
use crate::gazetteer::gazetteer;

/// A small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    /// A count of about `scale`, sometimes zero.
    fn count(&mut self, scale: u64) -> u64 {
        if self.next().is_multiple_of(5) {
            0
        } else {
            self.next() % (scale.max(1) * 2)
        }
    }
}

/// One figure of the ground truth.
pub struct Truth {
    /// `body/year/scope`
    pub report_id: String,
    /// Catalog code.
    pub indicator: &'static str,
    /// Breakdown.
    pub breakdown: &'static str,
    /// Value.
    pub value: u64,
}

/// Bodies of a place: its government first, then departments.
const BODIES: [&str; 8] = [
    "人民政府",
    "教育局",
    "公安局",
    "财政局",
    "自然资源局",
    "生态环境局",
    "住房和城乡建设局",
    "卫生健康委员会",
];

/// The 2021 table 三 rows: code, printed label.
const MATRIX: [(&str, &str); 25] = [
    ("application.new", "一、本年新收政府信息公开申请数量"),
    ("application.carried_in", "二、上年结转政府信息公开申请数量"),
    ("application.result.disclosed", "（一）予以公开"),
    (
        "application.result.partially_disclosed",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ),
    ("application.result.refused.state_secret", "1.属于国家秘密"),
    (
        "application.result.refused.prohibited_by_law",
        "2.其他法律行政法规禁止公开",
    ),
    (
        "application.result.refused.security_stability",
        "3.危及“三安全一稳定”",
    ),
    (
        "application.result.refused.third_party",
        "4.保护第三方合法权益",
    ),
    (
        "application.result.refused.internal_affairs",
        "5.属于三类内部事务信息",
    ),
    (
        "application.result.refused.process_info",
        "6.属于四类过程性信息",
    ),
    (
        "application.result.refused.enforcement_files",
        "7.属于行政执法案卷",
    ),
    (
        "application.result.refused.query_matters",
        "8.属于行政查询事项",
    ),
    (
        "application.result.unable.not_held",
        "1.本机关不掌握相关政府信息",
    ),
    (
        "application.result.unable.needs_creation",
        "2.没有现成信息需要另行制作",
    ),
    (
        "application.result.unable.still_unclear",
        "3.补正后申请内容仍不明确",
    ),
    (
        "application.result.not_processed.petition",
        "1.信访举报投诉类申请",
    ),
    ("application.result.not_processed.repeated", "2.重复申请"),
    (
        "application.result.not_processed.publications",
        "3.要求提供公开出版物",
    ),
    (
        "application.result.not_processed.mass_repeated",
        "4.无正当理由大量反复申请",
    ),
    (
        "application.result.not_processed.confirmation",
        "5.要求行政机关确认或重新出具已获取信息",
    ),
    (
        "application.result.other.no_correction",
        "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    (
        "application.result.other.fee_unpaid",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    ("application.result.other.other", "3.其他"),
    ("application.result.total", "（七）总计"),
    ("application.carried_out", "四、结转下年度继续办理"),
];

/// Writes `reports` documents (and `truth.tsv`) into `out`; returns the number of figures.
///
/// Documents from 2019 on take the `shapes` in turn (one document each); `undetermined.tsv`
/// lists the figures of crawled documents their lines do not settle.
pub fn generate(
    out: &Path,
    reports: usize,
    seed: u64,
    first_year: i32,
    last_year: i32,
    shapes: &[Shape],
) -> std::io::Result<usize> {
    let shapes = if shapes.is_empty() {
        &[Shape::Aligned][..]
    } else {
        shapes
    };
    let mut modern = 0usize;
    std::fs::create_dir_all(out)?;
    let mut places: Vec<_> = gazetteer()
        .divisions()
        .iter()
        .filter(|d| {
            matches!(d.level, "province" | "prefecture" | "county")
                && d.name != "市辖区"
                && d.name != "县"
        })
        .collect();
    // One body per full name (a city without counties is listed at two levels).
    let mut seen = std::collections::HashSet::new();
    places.retain(|d| seen.insert(d.full_name));
    let mut rng = Rng(seed.wrapping_add(1));
    let mut truth = std::io::BufWriter::new(std::fs::File::create(out.join("truth.tsv"))?);
    writeln!(truth, "report_id\tindicator\tbreakdown\tvalue")?;
    let mut undetermined =
        std::io::BufWriter::new(std::fs::File::create(out.join("undetermined.tsv"))?);
    writeln!(undetermined, "report_id\tindicator\tbreakdown")?;
    let years = (last_year - first_year + 1).max(1) as usize;
    let mut figures = 0;
    let mut last_place: Option<&str> = None;
    let mut carried = [0u64; 6];
    for n in 0..reports {
        // Each place reports once a year: consecutive documents walk the years.
        let place = places[(n / years) % places.len()];
        let year = first_year + (n % years) as i32;
        // Beyond one report per place and year, departments of the same places report too,
        // so every document is a report of its own (no replacements).
        let round = (n / years) / places.len();
        let body = format!("{}{}", place.full_name, BODIES[round % BODIES.len()]);
        let scale = match if round > 0 { "department" } else { place.level } {
            "province" => 2000,
            "prefecture" => 500,
            _ => 60,
        };
        let mut ext = "txt";
        let (text, facts) = if year < 2019 {
            national2014(&body, year, scale, &mut rng)
        } else {
            let continues = year > 2019 && last_place == Some(place.code);
            let (doc, facts) = national2021(&body, year, scale, &mut rng, &mut carried, continues);
            let shape = shapes[modern % shapes.len()];
            modern += 1;
            let undetermined_cells = match shape {
                Shape::Crawled => undetermined_when_crawled(&doc),
                Shape::Cells => undetermined_when_split(&doc),
                Shape::Glued => undetermined_when_glued(&doc),
                _ => Vec::new(),
            };
            {
                for (code, b) in undetermined_cells {
                    writeln!(
                        undetermined,
                        "{body}/{year}/{}\t{code}\t{b}",
                        scope_of(&body)
                    )?;
                }
            }
            ext = match shape {
                Shape::Html => "html",
                Shape::Markdown => "md",
                _ => "txt",
            };
            (doc.render(shape), facts)
        };
        last_place = Some(place.code);
        std::fs::write(out.join(format!("{n:07}.{ext}")), text)?;
        for t in &facts {
            writeln!(
                truth,
                "{}\t{}\t{}\t{}",
                t.report_id, t.indicator, t.breakdown, t.value
            )?;
        }
        figures += facts.len();
    }
    truth.flush()?;
    undetermined.flush()?;
    Ok(figures)
}

/// The national-2014 统计表 as a real report prints it: the Jinan 2017 tables (全市 and 本级,
/// tab-separated, with their wrapped labels, notes and repeated headers), each figure line
/// known by the code the reader gives it. The reader's mapping of this very text is tested
/// exact against a table read by hand (`tests/fixtures/jinan-2017.expected.tsv`), so the
/// generator reuses the printed layout without restating 78 labels.
struct Template2014 {
    /// The lines from the first table caption on.
    lines: Vec<&'static str>,
    /// For each of `lines`, the figure it prints: (index into [`SCOPES`], code).
    figure: Vec<Option<(usize, &'static str)>>,
}

const SCOPES: [&str; 2] = ["whole", "own"];

fn template2014() -> &'static Template2014 {
    static T: std::sync::OnceLock<Template2014> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        const JINAN: &str = include_str!("../data/raw/jinan-2017.txt");
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
fn figures2014(
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
fn national2014(body: &str, year: i32, scale: u64, rng: &mut Rng) -> (String, Vec<Truth>) {
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

/// A report in the 2021 template, space-aligned as `pdftotext -layout` prints it.
fn national2021(
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

/// A government's report counts its whole jurisdiction (全市…); a department's its own work.
fn scope_of(body: &str) -> &'static str {
    if body.ends_with("人民政府") {
        "whole"
    } else {
        "own"
    }
}

/// How the prose names whose applications it counts.
fn who(body: &str) -> &'static str {
    if body.ends_with("人民政府") {
        "全市"
    } else {
        "本机关"
    }
}

/// The figures of one 2021-template report, to be printed in one of the [`Shape`]s.
struct Doc2021 {
    body: String,
    year: i32,
    rules: [u64; 3],
    docs: [u64; 3],
    /// 行政许可, 行政处罚, 行政强制
    decisions: [u64; 3],
    fees: u64,
    rows: Vec<[u64; 7]>,
    review: [u64; 15],
}

/// How a 2019-onward document is printed: the renderings real reports come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Space-aligned text, a row per line (`pdftotext -layout`).
    Aligned,
    /// Tab-separated, a row per line (text copied from a web page's table).
    Tab,
    /// One cell per line, labels split from their numbering, headers one word a line
    /// (`pdftotext` default, crawlers' text of HTML tables).
    Cells,
    /// One cell per line as a crawl archive stores it: a header block (`标题：…`) before the
    /// report, and every run of equal consecutive lines printed once.
    Crawled,
    /// An HTML page as government sites publish it: site chrome and a script around the
    /// article, the `<title>` with a site suffix, the whole page on one line, cells wrapped in
    /// `<p>`/`<span>`, table 三's header over three rows with rowspan/colspan, and the zeros of
    /// tables 三 and 四 printed as `&nbsp;` blanks.
    Html,
    /// The same page converted to markdown: pipe tables, spans collapsed, zeros of tables 三
    /// and 四 blank.
    Markdown,
    /// Whitespace collapsed by a crawler: each table on one line, labels and numbers run
    /// together, and most neighbouring cells' digits glued (`…申请数量230 000023`).
    Glued,
}

impl std::str::FromStr for Shape {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "aligned" => Ok(Shape::Aligned),
            "tab" => Ok(Shape::Tab),
            "cells" => Ok(Shape::Cells),
            "crawled" => Ok(Shape::Crawled),
            "html" => Ok(Shape::Html),
            "markdown" => Ok(Shape::Markdown),
            "glued" => Ok(Shape::Glued),
            other => Err(format!(
                "unknown shape '{other}' (expected aligned, tab, cells, crawled, html, markdown or glued)"
            )),
        }
    }
}

/// Table 二's rows (2021 template): the codes of their cells, in printed order.
const PROACTIVE_CODES: [&[&str]; 6] = [
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
fn block_heading(label: &str) -> Option<(&'static str, &'static str)> {
    match label {
        "行政许可" => Some(("第二十条第（五）项", "本年处理决定数量")),
        "行政处罚" => Some(("第二十条第（六）项", "本年处理决定数量")),
        "行政事业性收费" => Some(("第二十条第（八）项", "本年收费金额（单位：万元）")),
        _ => None,
    }
}

const PROACTIVE_LABELS: [&str; 6] = [
    "规章",
    "行政规范性文件",
    "行政许可",
    "行政处罚",
    "行政强制",
    "行政事业性收费",
];

impl Doc2021 {
    /// Table 二's rows as printed: label and cells.
    fn proactive(&self) -> Vec<(&'static str, Vec<u64>)> {
        vec![
            (PROACTIVE_LABELS[0], self.rules.to_vec()),
            (PROACTIVE_LABELS[1], self.docs.to_vec()),
            (PROACTIVE_LABELS[2], vec![self.decisions[0]]),
            (PROACTIVE_LABELS[3], vec![self.decisions[1]]),
            (PROACTIVE_LABELS[4], vec![self.decisions[2]]),
            (PROACTIVE_LABELS[5], vec![self.fees]),
        ]
    }

    fn render(&self, shape: Shape) -> String {
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

    fn aligned(&self) -> String {
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

    fn tab(&self) -> String {
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
    fn rows_with_blanks(&self) -> Vec<Vec<String>> {
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
    fn glued(&self) -> (String, Vec<Vec<String>>) {
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

    fn html(&self) -> String {
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

    fn markdown(&self) -> String {
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
    fn cells(&self, split: bool) -> String {
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

/// Row `k` of table 三 as printed one cell per line: with `split`, every fourth row's first
/// number of two digits or more is cut after its first digit.
fn split_row(k: usize, row: &[u64; 7], split: bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut done = !split || k % 4 != 1;
    for v in row {
        let s = v.to_string();
        if !done && s.len() > 1 {
            out.push(s[..1].to_string());
            out.push(s[1..].to_string());
            done = true;
        } else {
            out.push(s);
        }
    }
    out
}

/// The cells of a one-cell-per-line document with numbers cut in two that the row's own
/// identity does not settle (the pieces joined in every way that keeps their order).
fn undetermined_when_split(doc: &Doc2021) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    let columns = crate::model::Breakdown::APPLICATION_COLUMNS;
    for (k, ((code, _), row)) in MATRIX.iter().zip(&doc.rows).enumerate() {
        let printed = split_row(k, row, true);
        if printed.len() == 7 {
            continue;
        }
        // Join one pair of neighbours: the pieces of a number cut in two.
        let mut readings: Vec<Vec<u64>> = Vec::new();
        for j in 0..printed.len() - 1 {
            if printed[j].starts_with('0') {
                continue;
            }
            let mut r: Vec<u64> = Vec::new();
            for (i, p) in printed.iter().enumerate() {
                if i == j + 1 {
                    continue;
                }
                let p = if i == j {
                    format!("{p}{}", printed[j + 1])
                } else {
                    p.clone()
                };
                r.push(p.parse().unwrap_or(0));
            }
            if r[6] == r[..6].iter().sum::<u64>() {
                readings.push(r);
            }
        }
        for (i, b) in columns.iter().enumerate() {
            if readings.is_empty() || readings.iter().any(|r| r[i] != readings[0][i]) {
                out.push((*code, b.as_str()));
            }
        }
    }
    out
}

/// The cells of a glued document that its printed digits and each row's own identities do not
/// settle (a lower bound, as for crawled documents).
fn undetermined_when_glued(doc: &Doc2021) -> Vec<(&'static str, &'static str)> {
    let (_, rows) = doc.glued();
    // Rows in printed order: table 二's six, table 三's 25, table 四's one.
    let mut out = Vec::new();
    let codes2 = PROACTIVE_CODES;
    let settled = |printed: &[String], n: usize, ok: &dyn Fn(&[u64]) -> bool| -> Vec<bool> {
        let tokens: Vec<&str> = printed.iter().map(String::as_str).collect();
        let Some(all) = crate::ingest::align::cuts(&tokens, n, &[], &[]) else {
            return vec![false; n];
        };
        let all: Vec<Vec<u64>> = all
            .iter()
            .map(|c| c.iter().map(|&v| v as u64).collect())
            .collect();
        let valid: Vec<&Vec<u64>> = all.iter().filter(|c| ok(c)).collect();
        (0..n)
            .map(|i| !valid.is_empty() && valid.iter().all(|c| c[i] == valid[0][i]))
            .collect()
    };
    let columns = crate::model::Breakdown::APPLICATION_COLUMNS;
    for (k, printed) in rows.iter().enumerate() {
        if k < 6 {
            for (i, s) in settled(printed, codes2[k].len(), &|_| true)
                .into_iter()
                .enumerate()
            {
                if !s {
                    out.push((codes2[k][i], "total"));
                }
            }
        } else if k < 6 + MATRIX.len() {
            let ok = |c: &[u64]| c[6] == c[..6].iter().sum::<u64>();
            for (i, s) in settled(printed, 7, &ok).into_iter().enumerate() {
                if !s {
                    out.push((MATRIX[k - 6].0, columns[i].as_str()));
                }
            }
        } else {
            let ok =
                |c: &[u64]| (0..3).all(|g| c[g * 5 + 4] == c[g * 5..g * 5 + 4].iter().sum::<u64>());
            let codes = crate::ingest::national2019::REVIEW_CODES;
            for (i, s) in settled(printed, 15, &ok).into_iter().enumerate() {
                if !s {
                    out.push((codes[i], "total"));
                }
            }
        }
    }
    out
}

/// The cells of a crawled (run-collapsed) document that its printed lines and its table's
/// identities do not settle: each row's collapsed values are expanded in every way, and a
/// cell counts as determined when the readings that satisfy the row's own identities agree on
/// it. This is a lower bound (the reader may also use identities between rows): figures
/// outside it are left out of the coverage figure, never out of the wrong-figure check.
fn undetermined_when_crawled(doc: &Doc2021) -> Vec<(&'static str, &'static str)> {
    fn dedup(cells: &[u64]) -> Vec<u64> {
        let mut v: Vec<u64> = cells.to_vec();
        v.dedup();
        v
    }
    fn compositions(printed: &[u64], n: usize, out: &mut Vec<Vec<u64>>, acc: &mut Vec<u64>) {
        if printed.is_empty() {
            if acc.len() == n {
                out.push(acc.clone());
            }
            return;
        }
        let left = n - acc.len();
        for len in 1..=left.saturating_sub(printed.len() - 1) {
            acc.extend(std::iter::repeat_n(printed[0], len));
            compositions(&printed[1..], n, out, acc);
            acc.truncate(acc.len() - len);
        }
    }
    let settled = |cells: &[u64], ok: &dyn Fn(&[u64]) -> bool| -> Vec<bool> {
        let mut all = Vec::new();
        compositions(&dedup(cells), cells.len(), &mut all, &mut Vec::new());
        let valid: Vec<&Vec<u64>> = all.iter().filter(|c| ok(c)).collect();
        (0..cells.len())
            .map(|i| !valid.is_empty() && valid.iter().all(|c| c[i] == valid[0][i]))
            .collect()
    };
    let mut out = Vec::new();
    let codes2 = PROACTIVE_CODES;
    for ((_, cells), codes) in doc.proactive().iter().zip(codes2) {
        // No identity ties table 二's cells: only a row printed whole, or as one value.
        let k = dedup(cells).len();
        if k != cells.len() && k != 1 {
            out.extend(codes.iter().map(|c| (*c, "total")));
        }
    }
    let columns = crate::model::Breakdown::APPLICATION_COLUMNS;
    for ((code, _), row) in MATRIX.iter().zip(&doc.rows) {
        let ok = |c: &[u64]| c[6] == c[..6].iter().sum::<u64>();
        for (i, s) in settled(row, &ok).into_iter().enumerate() {
            if !s {
                out.push((*code, columns[i].as_str()));
            }
        }
    }
    let ok = |c: &[u64]| (0..3).all(|g| c[g * 5 + 4] == c[g * 5..g * 5 + 4].iter().sum::<u64>());
    let codes = crate::ingest::national2019::REVIEW_CODES;
    for (i, s) in settled(&doc.review, &ok).into_iter().enumerate() {
        if !s {
            out.push((codes[i], "total"));
        }
    }
    out
}
