//! Table templates as data: `templates/*.toml`, compiled into the binary.
//!
//! A template lists each table's rows in printed order (a distinctive part of the label, and
//! the catalog codes of its cells) and the identities the table's arithmetic must satisfy. The
//! reader ([`super::align`]) lays the document's numbers onto these rows and stores a
//! placement only when the identities hold, so adding a template is adding a file, not code.
//! Codes must be in the catalog: the catalog stays the one list of codes, and a template naming
//! an unknown code is refused when it is loaded.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

use crate::catalog::catalog;
use crate::model::{Breakdown, Template};

/// The built-in templates, as shipped in `templates/`.
pub const BUILT_IN: [(&str, &str); 3] = [
    (
        "national-2019.toml",
        include_str!("../../templates/national-2019.toml"),
    ),
    (
        "national-2021.toml",
        include_str!("../../templates/national-2021.toml"),
    ),
    ("fujian.toml", include_str!("../../templates/fujian.toml")),
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileDef {
    name: String,
    #[serde(default)]
    signature: Vec<String>,
    /// Codes this template adds to the catalog (a province's own indicators).
    #[serde(default)]
    code: Vec<CodeDef>,
    table: Vec<TableDef>,
}

/// A new catalog code, as a template file declares it (the catalog's columns).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeDef {
    code: String,
    label_zh: String,
    unit: String,
    kind: String,
    #[serde(default)]
    parent: String,
    #[serde(default)]
    relation: String,
    label_en: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDef {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default = "yes")]
    ordered: bool,
    columns: Vec<String>,
    #[serde(default)]
    column_identities: Vec<String>,
    #[serde(default)]
    column_bounds: Vec<String>,
    #[serde(default)]
    identities: Vec<String>,
    row: Vec<RowDef>,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowDef {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    cells: Vec<String>,
    #[serde(default)]
    label: Vec<String>,
}

/// One cell of a table: a catalog code in one breakdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cell {
    /// The catalog code.
    pub code: &'static str,
    /// The column.
    pub breakdown: Breakdown,
}

/// A row of a table in printed order.
#[derive(Debug, Clone)]
pub struct Row {
    /// Distinctive parts of the label, width-folded and without whitespace; empty for a row
    /// printed without a label (table 四's one row of fifteen cells).
    pub labels: Vec<String>,
    /// Indexes into [`TableTemplate::cells`], in printed order.
    pub cells: std::ops::Range<usize>,
}

/// An identity: the signed sum of its terms is zero.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Cell indexes with +1 or -1.
    pub terms: Vec<(usize, f64)>,
    /// The identity as written in the template, with the column it was applied to.
    pub text: String,
}

/// A table of a template.
#[derive(Debug, Clone)]
pub struct TableTemplate {
    /// 二, 三, 四…
    pub id: String,
    /// The table's heading as printed, for messages.
    pub title: String,
    /// Rows are printed in the template's order (a label is looked for only after the last
    /// one found); `false` for tables whose versions print rows in different orders.
    pub ordered: bool,
    /// The rows, in printed order.
    pub rows: Vec<Row>,
    /// Every cell of the table, row by row.
    pub cells: Vec<Cell>,
    /// Every identity, expanded to cells.
    pub identities: Vec<Identity>,
    /// Inequalities between a row's cells, as column offsets (`big`, `small`): Fujian's
    /// 历年累计 ≥ 本年度. Used only to choose among readings of glued digits.
    pub at_least: Vec<(usize, usize)>,
}

/// A template file, loaded.
#[derive(Debug, Clone)]
pub struct TemplateDef {
    /// The template, as stored in `facts.template`.
    pub template: Template,
    /// Text that only this template prints.
    pub signature: Vec<String>,
    /// Its tables.
    pub tables: Vec<TableTemplate>,
}

impl TemplateDef {
    /// The table with this id.
    pub fn table(&self, id: &str) -> Option<&TableTemplate> {
        self.tables.iter().find(|t| t.id == id)
    }
}

/// The width-folded text without whitespace that labels are matched on.
pub use super::label::compact;

fn breakdown(name: &str) -> Option<Breakdown> {
    Breakdown::ALL.into_iter().find(|b| b.as_str() == name)
}

fn code(name: &str, file: &str) -> Result<&'static str, String> {
    catalog()
        .get(name)
        .map(|i| i.code)
        .ok_or_else(|| format!("{file}: '{name}' is not a catalog code"))
}

/// Parses `a + b = c + d` into (name, sign) pairs: left side +1, right side -1.
fn sides(text: &str) -> Result<Vec<(String, f64)>, String> {
    let (lhs, rhs) = text
        .split_once('=')
        .ok_or_else(|| format!("identity '{text}' has no '='"))?;
    let mut out = Vec::new();
    for (side, sign) in [(lhs, 1.0), (rhs, -1.0)] {
        for term in side.split('+') {
            let t = term.trim();
            if t.is_empty() {
                return Err(format!("identity '{text}' has an empty term"));
            }
            out.push((t.to_string(), sign));
        }
    }
    Ok(out)
}

/// Loads one template file.
pub fn parse(file: &str, text: &str) -> Result<TemplateDef, String> {
    let def: FileDef = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let template = by_name(&def.name).map_err(|e| format!("{file}: {e}"))?;
    build(file, def, template)
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_string().into_boxed_str())
}

static USER: OnceLock<Vec<TemplateDef>> = OnceLock::new();

/// Loads the templates of a user's directory (`--templates DIR`, `$GONGKAI_TEMPLATES`): every
/// `*.toml` in it, with the codes they declare joining the catalog for this run. Must run
/// before anything reads the catalog; an error names the file.
pub fn load_user_dir(dir: &std::path::Path) -> Result<usize, String> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut defs = Vec::new();
    let mut extra = Vec::new();
    for path in &files {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| format!("{file}: {e}"))?;
        let def: FileDef = toml::from_str(&text).map_err(|e| format!("{file}: {e}"))?;
        if def.name.starts_with("national-") || def.name == "fujian" {
            return Err(format!(
                "{file}: '{}' is a built-in template's name",
                def.name
            ));
        }
        for c in &def.code {
            let kind = crate::catalog::kind_of(&c.kind)
                .ok_or_else(|| format!("{file}: code {}: unknown kind '{}'", c.code, c.kind))?;
            extra.push(crate::catalog::Indicator {
                code: leak(&c.code),
                templates: leak(&def.name),
                label_zh: leak(&c.label_zh),
                unit: leak(&c.unit),
                kind,
                parent: leak(&c.parent),
                relation: leak(&c.relation),
                derived_in: "",
                label_en: leak(&c.label_en),
            });
        }
        defs.push((file, def));
    }
    crate::catalog::declare(extra)?;
    let mut loaded = Vec::new();
    for (file, def) in defs {
        let name = leak(&def.name);
        loaded.push(build(&file, def, Template::Other(name))?);
    }
    let n = loaded.len();
    USER.set(loaded)
        .map_err(|_| "templates were loaded twice".to_string())?;
    Ok(n)
}

/// A template loaded from the user's directory, by name.
pub fn user(name: &str) -> Option<&'static TemplateDef> {
    USER.get()?.iter().find(|d| d.template.as_str() == name)
}

/// A template by its name: a built-in one, or one loaded from the user's directory.
pub fn by_name(name: &str) -> Result<Template, String> {
    name.parse()
        .or_else(|e| user(name).map(|d| d.template).ok_or(e))
}

/// The provincial templates — Fujian's and the user's — in the order their signatures are
/// tried on a document.
pub fn provincial() -> impl Iterator<Item = &'static TemplateDef> {
    get(Template::Fujian)
        .into_iter()
        .chain(USER.get().into_iter().flatten())
}

fn build(file: &str, def: FileDef, template: Template) -> Result<TemplateDef, String> {
    let mut tables = Vec::new();
    for t in def.table {
        let columns = t
            .columns
            .iter()
            .map(|c| breakdown(c).ok_or_else(|| format!("{file}: unknown column '{c}'")))
            .collect::<Result<Vec<_>, _>>()?;
        let mut cells = Vec::new();
        let mut rows = Vec::new();
        // Rows with one code across the columns: (code, first cell index).
        let mut coded: Vec<&'static str> = Vec::new();
        for r in &t.row {
            let start = cells.len();
            match (&r.code, r.cells.is_empty()) {
                (Some(c), true) => {
                    let c = code(c, file)?;
                    coded.push(c);
                    cells.extend(columns.iter().map(|&b| Cell {
                        code: c,
                        breakdown: b,
                    }));
                }
                (None, false) => {
                    for c in &r.cells {
                        cells.push(Cell {
                            code: code(c, file)?,
                            breakdown: Breakdown::Total,
                        });
                    }
                }
                _ => {
                    return Err(format!(
                        "{file}: table {}: a row has either `code` or `cells`",
                        t.id
                    ))
                }
            }
            rows.push(Row {
                labels: r.label.iter().map(|l| compact(l)).collect(),
                cells: start..cells.len(),
            });
        }
        let index: HashMap<Cell, usize> = cells.iter().enumerate().map(|(i, c)| (*c, i)).collect();
        let mut identities = Vec::new();
        for text in &t.identities {
            let terms = sides(text).map_err(|e| format!("{file}: {e}"))?;
            for &b in &columns {
                let mut expanded = Vec::new();
                for (name, sign) in &terms {
                    let matching: Vec<&Cell> = match name.strip_suffix(".*") {
                        Some(prefix) => cells
                            .iter()
                            .filter(|c| {
                                c.breakdown == b
                                    && c.code.len() > prefix.len()
                                    && c.code.starts_with(prefix)
                                    && c.code.as_bytes()[prefix.len()] == b'.'
                            })
                            .collect(),
                        None => cells
                            .iter()
                            .filter(|c| c.breakdown == b && c.code == name)
                            .collect(),
                    };
                    if matching.is_empty() {
                        return Err(format!(
                            "{file}: table {}: identity '{text}': '{name}' is no cell of the table",
                            t.id
                        ));
                    }
                    expanded.extend(matching.into_iter().map(|c| (index[c], *sign)));
                }
                identities.push(Identity {
                    terms: expanded,
                    text: format!("{text} [{}]", b.as_str()),
                });
            }
        }
        for text in &t.column_identities {
            let terms = sides(text).map_err(|e| format!("{file}: {e}"))?;
            for &c in &coded {
                let mut expanded = Vec::new();
                for (name, sign) in &terms {
                    let b = breakdown(name)
                        .ok_or_else(|| format!("{file}: unknown column '{name}' in '{text}'"))?;
                    let i = index
                        .get(&Cell {
                            code: c,
                            breakdown: b,
                        })
                        .ok_or_else(|| format!("{file}: column '{name}' is not in the table"))?;
                    expanded.push((*i, *sign));
                }
                identities.push(Identity {
                    terms: expanded,
                    text: format!("{text} [{c}]"),
                });
            }
        }
        let mut at_least = Vec::new();
        for text in &t.column_bounds {
            let offset = |name: &str| {
                t.columns
                    .iter()
                    .position(|c| c == name.trim())
                    .ok_or_else(|| {
                        format!("{file}: column bound '{text}': no column '{}'", name.trim())
                    })
            };
            let (big, small) = text
                .split_once(">=")
                .ok_or_else(|| format!("{file}: column bound '{text}' is not 'a >= b'"))?;
            at_least.push((offset(big)?, offset(small)?));
        }
        tables.push(TableTemplate {
            id: t.id,
            title: t.title,
            ordered: t.ordered,
            rows,
            cells,
            identities,
            at_least,
        });
    }
    Ok(TemplateDef {
        template,
        signature: def.signature.iter().map(|s| compact(s)).collect(),
        tables,
    })
}

/// The built-in templates, loaded once.
pub fn built_in() -> &'static [TemplateDef] {
    static ALL: OnceLock<Vec<TemplateDef>> = OnceLock::new();
    ALL.get_or_init(|| {
        BUILT_IN
            .iter()
            // The files are part of the source tree and loaded by a unit test.
            .map(|(f, t)| parse(f, t).unwrap_or_else(|e| panic!("built-in template: {e}")))
            .collect()
    })
}

/// The built-in template of this name.
pub fn get(template: Template) -> Option<&'static TemplateDef> {
    built_in().iter().find(|t| t.template == template)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_templates_load_with_their_identities() {
        let t21 = get(Template::National2021).expect("2021");
        let m = t21.table("三").expect("table 三");
        assert_eq!(m.rows.len(), 25);
        assert_eq!(m.cells.len(), 25 * 7);
        // 2 row identities × 7 columns + one column identity per row.
        assert_eq!(m.identities.len(), 2 * 7 + 25);
        let total = m
            .identities
            .iter()
            .find(|i| {
                i.text.starts_with("application.result.total =") && i.text.ends_with("[total]")
            })
            .expect("总计 identity");
        // 总计 and its 21 leaf rows.
        assert_eq!(total.terms.len(), 22);
        let t19 = get(Template::National2019).expect("2019");
        assert_eq!(t19.table("三").expect("三").rows.len(), 23);
        assert_eq!(t19.table("四").expect("四").cells.len(), 15);
    }

    #[test]
    fn unknown_codes_and_malformed_identities_are_refused() {
        let bad = "name = \"national-2021\"\n[[table]]\nid = \"x\"\ncolumns = [\"total\"]\n[[table.row]]\ncells = [\"review.corected\"]\n";
        let e = parse("bad.toml", bad).unwrap_err();
        assert!(
            e.contains("review.corected") && e.contains("bad.toml"),
            "{e}"
        );
        let bad = "name = \"national-2021\"\n[[table]]\nid = \"x\"\ncolumns = [\"total\"]\nidentities = [\"review.total\"]\n[[table.row]]\ncells = [\"review.total\"]\n";
        assert!(parse("bad.toml", bad).unwrap_err().contains("no '='"));
    }
}
