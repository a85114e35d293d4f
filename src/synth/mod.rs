//! A synthetic corpus for benchmarks and scale tests: report documents in the shapes the
//! ingester reads, for bodies of the real gazetteer, with consistent arithmetic, realistic
//! magnitudes — and the ground truth, so a benchmark also checks that every figure came
//! through exact.
//!
//! Years before 2019 get the whole national-2014 统计表 (78 rows) as tab-separated text with a
//! 全市 and a 本级 table, laid out as the Jinan 2017 report prints it; 2019 onward get the
//! 2021 template as space-aligned text. Values are drawn from a seeded generator, so a corpus
//! is reproducible from its arguments.

use std::io::Write as _;
use std::path::Path;

use crate::gazetteer::gazetteer;

mod national2014;
mod national2021;
mod undetermined;

use national2014::national2014;
use national2021::national2021;
use undetermined::{undetermined_when_crawled, undetermined_when_glued, undetermined_when_split};

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
