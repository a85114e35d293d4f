//! The warehouse registered in Apache DataFusion.
//!
//! Tables are registered from the manifest's explicit file list with their known schemas, so
//! opening costs no I/O beyond reading `manifest.json`: no directory listing (which could pick
//! up files of an interrupted commit) and no schema inference. `indicators` comes from the
//! catalog compiled into the binary.

pub mod rollup;

use std::path::Path;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::datasource::file_format::parquet::ParquetFormat;
use datafusion::datasource::listing::{
    ListingOptions, ListingTable, ListingTableConfig, ListingTableUrl,
};
use datafusion::datasource::MemTable;
use datafusion::error::DataFusionError;
use datafusion::logical_expr::{LogicalPlan, Statement};
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::warehouse::schema::{checks_schema, indicators_batch, indicators_schema};
use crate::warehouse::{Table, Warehouse};

/// A DataFusion session over one warehouse.
pub struct Engine {
    ctx: SessionContext,
    files: Vec<std::path::PathBuf>,
    /// The user set `datafusion.execution.parquet.pushdown_filters`: [`Engine::plan`] leaves it.
    pushdown_pinned: AtomicBool,
}

impl Engine {
    /// Opens a session with every warehouse table registered.
    pub fn open(warehouse: &Warehouse) -> Result<Self, DataFusionError> {
        Self::open_with_limit(warehouse, None)
    }

    /// Opens a session whose queries may use at most `memory_limit` bytes: sorts and
    /// aggregations spill to disk beyond it, and what cannot spill fails with a clear error
    /// instead of the process being killed.
    pub fn open_with_limit(
        warehouse: &Warehouse,
        memory_limit: Option<usize>,
    ) -> Result<Self, DataFusionError> {
        Self::open_session(warehouse, memory_limit, true)
    }

    /// [`Engine::open_with_limit`], choosing whether aggregations may be answered from the
    /// segments' rollups (`gongkai --no-rollups` turns them off: every answer from the facts).
    pub fn open_session(
        warehouse: &Warehouse,
        memory_limit: Option<usize>,
        rollups: bool,
    ) -> Result<Self, DataFusionError> {
        // Under a limit, strings are read as stored: the pool charges a sort of string views
        // for the whole buffers they point into, so a limit that should be ample fails
        // (BENCHMARKS.md, "Memory limit").
        Self::open_with(warehouse, memory_limit, memory_limit.is_none(), rollups)
    }

    /// A session that reads strings as stored (`Utf8`), for rewriting the warehouse: a sort
    /// of string views is charged, batch by batch, for the whole page buffers the views point
    /// into, and a year's compaction under a 4 GiB limit failed on that (BENCHMARKS.md).
    pub fn open_for_rewrite(
        warehouse: &Warehouse,
        memory_limit: Option<usize>,
    ) -> Result<Self, DataFusionError> {
        // Compaction reads the facts themselves: the rollups it writes are summed from them.
        Self::open_with(warehouse, memory_limit, false, false)
    }

    fn open_with(
        warehouse: &Warehouse,
        memory_limit: Option<usize>,
        views: bool,
        rollups: bool,
    ) -> Result<Self, DataFusionError> {
        let mut config = SessionConfig::new()
            .with_information_schema(true)
            .with_default_catalog_and_schema("gongkai", "public");
        // Filters evaluated while decoding Parquet, for the statements that gain from it
        // (see `Engine::plan`).
        config.options_mut().execution.parquet.pushdown_filters = true;
        config.options_mut().execution.parquet.reorder_filters = true;
        let ctx = match memory_limit {
            Some(bytes) => {
                use datafusion::execution::memory_pool::{FairSpillPool, TrackConsumersPool};
                // Fair: each spilling operator (the sort and the aggregations before it) gets
                // its share and spills beyond it, instead of the first taking the pool and the
                // next failing. Tracked: an error names the top consumers.
                let pool = TrackConsumersPool::new(
                    FairSpillPool::new(bytes),
                    std::num::NonZeroUsize::new(5).expect("5 > 0"),
                );
                let runtime = datafusion::execution::runtime_env::RuntimeEnvBuilder::new()
                    .with_memory_pool(Arc::new(pool))
                    .build_arc()?;
                SessionContext::new_with_config_rt(config, runtime)
            }
            None => SessionContext::new_with_config(config),
        };
        // URL tables: `SELECT * FROM 'export.parquet'` reads a file directly.
        let ctx = ctx.enable_url_table();
        let mut all_files = Vec::new();
        let mut facts = None;
        for table in Table::ALL {
            all_files.extend(warehouse.table_files(table));
            let provider = register(
                &ctx,
                table.name(),
                if views {
                    string_views(table.schema())
                } else {
                    table.schema()
                },
                &warehouse.table_files(table),
            )?;
            if table == Table::Facts {
                facts = Some(provider);
            }
        }
        if let (true, Some(files), Some(facts)) = (rollups, warehouse.rollup_files(), facts) {
            let schema = crate::warehouse::rollup::rollup_schema();
            let schema = if views { string_views(schema) } else { schema };
            let summed = listing_table(schema, &files)?;
            ctx.add_optimizer_rule(Arc::new(rollup::RollupRule::new(facts, summed)));
        }
        let checks: Vec<std::path::PathBuf> = warehouse
            .checks_file()
            .map(|(p, _)| p)
            .into_iter()
            .collect();
        all_files.extend(checks.clone());
        register(&ctx, "checks", checks_schema(), &checks)?;
        let indicators = MemTable::try_new(indicators_schema(), vec![vec![indicators_batch()?]])?;
        ctx.register_table("indicators", Arc::new(indicators))?;
        ctx.register_table(
            "divisions",
            Arc::new(crate::gazetteer::DivisionsTable::default()),
        )?;
        Ok(Engine {
            ctx,
            files: all_files,
            pushdown_pinned: AtomicBool::new(false),
        })
    }

    /// The DataFusion context, for callers that need more than [`Engine::sql`].
    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    /// Plans one SQL statement for execution, choosing how Parquet filters are applied.
    ///
    /// Page statistics of the compacted layout already narrow an analysis to the pages of its
    /// indicators; evaluating the filter again row by row while decoding (Parquet filter
    /// pushdown) then costs more than it saves. A point lookup — `report_id = '…'` and the
    /// like — is the opposite: its row group holds thousands of reports, and decoding only the
    /// matching rows is what makes it cheap (both measured in BENCHMARKS.md, "Parquet filter
    /// pushdown"). So row-level filtering is on exactly when the
    /// statement compares an identifier column with a literal. A `SET` of the option by the
    /// user wins.
    pub async fn plan(&self, sql: &str) -> Result<DataFrame, DataFusionError> {
        let plan = self.ctx.state().create_logical_plan(sql).await?;
        if !self.user_set_pushdown(&plan) && !self.pushdown_pinned.load(Ordering::Relaxed) {
            let point = is_point_lookup(&plan);
            self.ctx
                .state_ref()
                .write()
                .config_mut()
                .options_mut()
                .execution
                .parquet
                .pushdown_filters = point;
        }
        self.ctx.execute_logical_plan(plan).await
    }

    /// True (and remembered) when `plan` is the user's `SET` of the pushdown option.
    fn user_set_pushdown(&self, plan: &LogicalPlan) -> bool {
        let set = matches!(plan, LogicalPlan::Statement(Statement::SetVariable(v))
            if v.variable.eq_ignore_ascii_case("datafusion.execution.parquet.pushdown_filters"));
        if set {
            self.pushdown_pinned.store(true, Ordering::Relaxed);
        }
        set
    }

    /// Plans and runs one SQL statement, collecting its result.
    pub async fn sql(&self, sql: &str) -> Result<Vec<RecordBatch>, DataFusionError> {
        self.plan(sql).await?.collect().await
    }

    /// After a query failed on a Parquet error: which warehouse files are unreadable, each
    /// with its error (DataFusion's message does not name the file).
    pub fn unreadable_files(&self) -> Vec<String> {
        self.files
            .iter()
            .filter_map(|f| {
                let check = std::fs::File::open(f).map_err(|e| e.to_string()).and_then(|file| {
                    datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                });
                check.err().map(|e| format!("{}: {e}", f.display()))
            })
            .collect()
    }

    /// Names of the tables users query.
    pub fn table_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Table::ALL.iter().map(|t| t.name().to_string()).collect();
        names.push("indicators".into());
        names.push("checks".into());
        names.push("divisions".into());
        names
    }
}

/// The schema queries see: the stored schema with its strings read as `Utf8View`. The files
/// keep plain `Utf8` (what every Parquet reader expects); told the view type, the Parquet
/// reader decodes straight into views that point into the page's dictionary instead of
/// copying each string, and filters, joins and group-bys on `indicator`, `scope` or
/// `breakdown` compare the inlined prefixes first (measured in BENCHMARKS.md).
pub fn string_views(schema: SchemaRef) -> SchemaRef {
    use datafusion::arrow::datatypes::{DataType, Field, Schema};
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => f.as_ref().clone().with_data_type(DataType::Utf8View),
            _ => f.as_ref().clone(),
        })
        .collect();
    Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()))
}

/// Columns whose values name one report, body or file: a literal comparison on one of them
/// selects a few rows of any page. (`indicator` is not one: the page index already narrows an
/// indicator to its own pages, and row filtering on top measured slower.)
const IDENTIFIERS: [&str; 5] = [
    "report_id",
    "body",
    "jurisdiction",
    "source_file",
    "division_code",
];

/// Whether `plan` filters an identifier column by a literal (`=` or `IN`), anywhere,
/// subqueries included.
pub fn is_point_lookup(plan: &LogicalPlan) -> bool {
    use datafusion::common::tree_node::TreeNodeRecursion;
    use datafusion::logical_expr::utils::split_conjunction;
    use datafusion::logical_expr::{BinaryExpr, Expr, Operator};
    let identifier =
        |e: &Expr| matches!(e, Expr::Column(c) if IDENTIFIERS.contains(&c.name.as_str()));
    let literal = |e: &Expr| matches!(e, Expr::Literal(..));
    let mut found = false;
    let _ = plan.apply_with_subqueries(|node| {
        if let LogicalPlan::Filter(f) = node {
            found |= split_conjunction(&f.predicate).iter().any(|e| match e {
                Expr::BinaryExpr(BinaryExpr {
                    left,
                    op: Operator::Eq,
                    right,
                }) => (identifier(left) && literal(right)) || (literal(left) && identifier(right)),
                Expr::InList(l) => !l.negated && identifier(&l.expr) && l.list.iter().all(literal),
                _ => false,
            });
        }
        Ok(if found {
            TreeNodeRecursion::Stop
        } else {
            TreeNodeRecursion::Continue
        })
    });
    found
}

fn register(
    ctx: &SessionContext,
    name: &str,
    schema: SchemaRef,
    files: &[std::path::PathBuf],
) -> Result<Arc<dyn datafusion::catalog::TableProvider>, DataFusionError> {
    let table: Arc<dyn datafusion::catalog::TableProvider> = if files.is_empty() {
        Arc::new(MemTable::try_new(schema, vec![vec![]])?)
    } else {
        listing_table(schema, files)?
    };
    ctx.register_table(name, table.clone())?;
    Ok(table)
}

/// Parquet files of one schema as a table (no listing, no inference: the files are named).
fn listing_table(
    schema: SchemaRef,
    files: &[std::path::PathBuf],
) -> Result<Arc<dyn datafusion::catalog::TableProvider>, DataFusionError> {
    let urls = files
        .iter()
        .map(|f| ListingTableUrl::parse(absolute(f).to_string_lossy()))
        .collect::<Result<Vec<_>, _>>()?;
    let options =
        ListingOptions::new(Arc::new(ParquetFormat::default())).with_file_extension(".parquet");
    let config = ListingTableConfig::new_with_multi_paths(urls)
        .with_listing_options(options)
        .with_schema(schema);
    Ok(Arc::new(ListingTable::try_new(config)?))
}

fn absolute(p: &Path) -> std::path::PathBuf {
    std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf())
}
