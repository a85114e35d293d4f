//! The report's own vocabulary: templates, scopes, breakdowns, and what one report yields.
//!
//! These types are what the ingester produces and the warehouse stores. They carry no parsing
//! logic; their string forms (`national-2014`, `whole`, `natural_person`…) are the values users
//! see in SQL, so they are fixed here once.

use std::fmt;
use std::str::FromStr;

/// Which table template a table follows (`templates/`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Template {
    /// 《政府信息公开情况统计表》 of 国办发〔2014〕32号, used for the 2014–2018 reports.
    National2014,
    /// The 试行 format of 国办公开办函〔2019〕60号 (reports for 2019 and 2020).
    National2019,
    /// The revision of 国办公开办函〔2021〕30号 (reports for 2021 onward).
    National2021,
    /// Fujian's provincial 统计表 (指标名称 / 计量单位 / 本年度 / 历年累计), 2008–2018.
    Fujian,
    /// A template loaded from a user's directory (`--templates DIR`), by its name.
    Other(&'static str),
    /// No table: a report whose document prints none (departments before 2019 often don't);
    /// its figures, if any, are read from the prose.
    None,
}

impl Template {
    /// The name stored in `facts.template` and used in `catalog.tsv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Template::National2014 => "national-2014",
            Template::National2019 => "national-2019",
            Template::National2021 => "national-2021",
            Template::Fujian => "fujian",
            Template::Other(name) => name,
            Template::None => "none",
        }
    }
}

impl fmt::Display for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Template {
    type Err = String;
    /// The built-in templates' names; a user's template is found by
    /// `ingest::template::by_name` once its directory is loaded.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "national-2014" => Ok(Template::National2014),
            "national-2019" => Ok(Template::National2019),
            "national-2021" => Ok(Template::National2021),
            "fujian" => Ok(Template::Fujian),
            "none" => Ok(Template::None),
            other => Err(format!(
                "unknown template '{other}' (expected national-2014, national-2019, national-2021, fujian, none, or a template from --templates)"
            )),
        }
    }
}

/// Whose figures a table counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// 全市/全区/全省: the whole jurisdiction, subordinate bodies included.
    Whole,
    /// 本级: the body (government and its departments) alone.
    Own,
    /// The document does not say, or contradicts itself.
    Unknown,
}

impl Scope {
    /// The name stored in `facts.scope` and `reports.scope`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Whole => "whole",
            Scope::Own => "own",
            Scope::Unknown => "unknown",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "whole" | "全市" | "全区" | "全县" | "全省" => Ok(Scope::Whole),
            "own" | "本级" => Ok(Scope::Own),
            "unknown" => Ok(Scope::Unknown),
            other => Err(format!(
                "unknown scope '{other}' (expected whole, own or unknown)"
            )),
        }
    }
}

/// Who applied, for the application matrix of the 2019/2021 templates; `Total` everywhere else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Breakdown {
    /// 总计, and the only breakdown of every figure outside table 三.
    Total,
    /// 自然人
    NaturalPerson,
    /// 商业企业
    Business,
    /// 科研机构
    Research,
    /// 社会公益组织
    Nonprofit,
    /// 法律服务机构
    LegalServices,
    /// 其他 (法人或其他组织)
    OtherOrg,
    /// 历年累计: the running total since 2008 that Fujian's provincial table prints beside
    /// 本年度 (which is `Total`).
    Cumulative,
}

impl Breakdown {
    /// The columns of the application matrix (table 三), in printed order: the six applicant
    /// types, then 总计.
    pub const APPLICATION_COLUMNS: [Breakdown; 7] = [
        Breakdown::NaturalPerson,
        Breakdown::Business,
        Breakdown::Research,
        Breakdown::Nonprofit,
        Breakdown::LegalServices,
        Breakdown::OtherOrg,
        Breakdown::Total,
    ];

    /// Every breakdown, for parsing a name.
    pub const ALL: [Breakdown; 8] = [
        Breakdown::Total,
        Breakdown::NaturalPerson,
        Breakdown::Business,
        Breakdown::Research,
        Breakdown::Nonprofit,
        Breakdown::LegalServices,
        Breakdown::OtherOrg,
        Breakdown::Cumulative,
    ];

    /// The name stored in `facts.breakdown`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Breakdown::Total => "total",
            Breakdown::NaturalPerson => "natural_person",
            Breakdown::Business => "business",
            Breakdown::Research => "research",
            Breakdown::Nonprofit => "nonprofit",
            Breakdown::LegalServices => "legal_services",
            Breakdown::OtherOrg => "other_org",
            Breakdown::Cumulative => "cumulative",
        }
    }
}

/// What identifies a report: one body's figures for one year at one scope. Ingesting a
/// document whose report has the same key replaces the earlier report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReportKey {
    /// The reporting body, e.g. 济南市人民政府.
    pub body: String,
    /// The year the figures cover.
    pub year: i32,
    /// Whose figures they are.
    pub scope: Scope,
}

impl ReportKey {
    /// The stored `report_id`: readable, so that analysts can type it in a `WHERE` clause.
    pub fn report_id(&self) -> String {
        format!("{}/{}/{}", self.body, self.year, self.scope)
    }
}

/// Everything known about a report apart from its figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportMeta {
    /// The fullest name of the jurisdiction the document gives, e.g. 济南市.
    pub jurisdiction: String,
    /// The reporting body, e.g. 济南市人民政府.
    pub body: String,
    /// The year the figures cover.
    pub year: i32,
    /// Whose figures the table counts.
    pub scope: Scope,
    /// Why the scope is what it is (`the prose: '全市…受理…777件'`, `--scope`…), stored in
    /// `reports.scope_reason`.
    pub scope_reason: String,
    /// The table template.
    pub template: Template,
    /// The document's title line, as printed.
    pub title: String,
    /// Where the jurisdiction sits in the gazetteer, when it resolved.
    pub place: Place,
}

/// A report's place in the gazetteer (all empty when the jurisdiction did not resolve).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Place {
    /// The division's GB/T 2260 code, e.g. 320813.
    pub division_code: Option<String>,
    /// The province it belongs to, e.g. 江苏省.
    pub province: Option<String>,
    /// province | prefecture | county | township | department.
    pub level: Option<String>,
}

impl ReportMeta {
    /// The key this report is stored under.
    pub fn key(&self) -> ReportKey {
        ReportKey {
            body: self.body.clone(),
            year: self.year,
            scope: self.scope,
        }
    }
}

/// Where a figure was read: the table, or a sentence of the prose of a report without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A cell of the statistical table (or derived from cells).
    Table,
    /// A sentence of the prose (`templates/prose.toml`), for a report that prints no table.
    Prose,
}

impl Origin {
    /// The name stored in `facts.origin`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Origin::Table => "table",
            Origin::Prose => "prose",
        }
    }
}

/// One printed (or, for later templates, derived) figure, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    /// The catalog code, e.g. `review.corrected`.
    pub indicator: &'static str,
    /// Who applied (`Total` outside the application matrix).
    pub breakdown: Breakdown,
    /// The value in the catalog's unit.
    pub value: f64,
    /// The catalog's unit (amounts printed in 元 are converted to 万元).
    pub unit: &'static str,
    /// True only for figures computed from printed ones.
    pub derived: bool,
    /// 1-based line of the source file the figure was read from.
    pub source_line: u32,
    /// The template of the table the figure comes from (decided per table: a report may
    /// print the 2021 table 二 with the 2019 table 三).
    pub template: Template,
    /// Table cell or prose sentence.
    pub origin: Origin,
}

/// A table row that maps to no catalog code: kept, never dropped.
#[derive(Debug, Clone, PartialEq)]
pub struct UnmappedRow {
    /// 1-based line of the source file.
    pub source_line: u32,
    /// The row label as printed.
    pub label: String,
    /// The value cell as printed (empty when the row had none).
    pub raw_value: String,
}

/// What kind of thing a [`Problem`] says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemKind {
    /// A cell or row that could not be read (or a table cut short): left out.
    Unreadable,
    /// A cell the document does not settle: left out, the candidates named.
    Ambiguous,
    /// Said, not left out: a repair, the scope's reason, a jurisdiction kept as printed.
    Note,
}

/// A cell or row that could not be stored as printed, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line of the source file.
    pub source_line: u32,
    /// The row label as printed.
    pub label: String,
    /// The offending text as printed.
    pub raw_text: String,
    /// The indicator the row maps to, where known.
    pub indicator: Option<&'static str>,
    /// What is wrong, in a sentence.
    pub message: String,
    /// Left out as unreadable or ambiguous, or only a note.
    pub kind: ProblemKind,
}

impl Problem {
    /// A cell left out because the document does not settle it.
    pub fn is_ambiguous(&self) -> bool {
        self.kind == ProblemKind::Ambiguous
    }
}

/// One report read from a document: its metadata, figures, and everything that did not fit.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Title, body, year, scope…
    pub meta: ReportMeta,
    /// The figures, in table order.
    pub figures: Vec<Figure>,
    /// Rows that map to no catalog code.
    pub unmapped: Vec<UnmappedRow>,
    /// Cells left out, with the reason.
    pub problems: Vec<Problem>,
    /// What was repaired (glued or split digits), with the reading used: stored, but said.
    pub notes: Vec<Problem>,
    /// First and last line of the table in the source file.
    pub lines: (u32, u32),
}

impl Report {
    /// The stored `report_id`.
    pub fn report_id(&self) -> String {
        self.meta.key().report_id()
    }
}

/// A document read: its bytes (kept in the warehouse for provenance) and its reports.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The path as given, used as `source_file`.
    pub source_file: String,
    /// SHA-256 of the bytes, hex.
    pub sha256: String,
    /// The file's extension, for the copy kept in the warehouse.
    pub extension: String,
    /// The bytes as read.
    pub bytes: Vec<u8>,
    /// The reports found.
    pub reports: Vec<Report>,
}
