//! An optimizer rule that answers an aggregation over `facts` from the segments' rollups
//! (`rollup.parquet`, see [`crate::warehouse::rollup`]) when the answer is provably the same.
//!
//! A rollup row stands for the facts sharing its [`DIMENSIONS`]: their sum (`value`), count,
//! least and greatest value. Reading it instead of those facts gives the same aggregate when
//! everything between the aggregation and the scan treats the facts of one rollup row alike
//! — filters, joins and group keys on dimensions only — and each aggregate decomposes:
//!
//! | over facts | over rollup rows |
//! |---|---|
//! | `count(*)`, `count(value)` | `sum(rollup_figures)`, 0 where NULL (in a projection above) |
//! | `sum(v)` | `sum(v)` (`value` is already the sum) |
//! | `min(v)` / `max(v)` | `min` / `max` of `v` with `value` read as `rollup_min` / `rollup_max` |
//! | `sum(CASE WHEN value > 0 THEN 1 ELSE 0 END)` | `sum(rollup_positive)` |
//!
//! where `v` is `value` or a `CASE` whose conditions name no `value` and whose branches are
//! `value`, `NULL`, `0` or such a `CASE` again (the branch a condition picks is the same for
//! every fact of a rollup row). Anything else — `DISTINCT`, `avg`, `value` in a filter, a join
//! key or an expression, an identifier column (report, body, jurisdiction, file…), a volatile
//! expression (`random()`), an outer join, a limit, a window, a second aggregation between —
//! leaves the plan as it was. The rewritten aggregation must produce the same names and types
//! or is dropped too. The tests run every saved query and benchmark class both ways and demand
//! the same rows.
//!
//! The same rows, not always the same bits: a sum of amounts with decimals is added in another
//! order (each rollup row's sum first), so its last binary digit may differ — as it already
//! does from run to run of DataFusion's own parallel sum over the facts.

use std::sync::Arc;

use datafusion::catalog::TableProvider;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{Column, DFSchema, Result, ScalarValue};
use datafusion::datasource::{provider_as_source, source_as_provider};
use datafusion::functions_aggregate::count::Count;
use datafusion::functions_aggregate::min_max::{Max, Min};
use datafusion::functions_aggregate::sum::Sum;
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{
    Aggregate, Expr, Filter, Join, JoinType, LogicalPlan, Projection, SubqueryAlias, TableScan,
    TableScanBuilder, TableSource,
};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};

use crate::warehouse::rollup::{DIMENSIONS, FIGURES, MAX, MIN, POSITIVE, SUM};

/// The rule, holding the `facts` table it recognises and the rollups it reads instead.
pub struct RollupRule {
    facts: Arc<dyn TableProvider>,
    rollup: Arc<dyn TableSource>,
}

impl std::fmt::Debug for RollupRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RollupRule")
    }
}

impl RollupRule {
    /// A rule for scans of `facts` (this very provider), answered from `rollup`.
    pub fn new(facts: Arc<dyn TableProvider>, rollup: Arc<dyn TableProvider>) -> Self {
        RollupRule {
            facts,
            rollup: provider_as_source(rollup),
        }
    }
}

impl OptimizerRule for RollupRule {
    fn name(&self) -> &str {
        "gongkai_rollup"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let rewritten = match &plan {
            LogicalPlan::Aggregate(agg) => self.aggregate(agg),
            _ => None,
        };
        Ok(match rewritten {
            Some(p) => Transformed::yes(p),
            None => Transformed::no(plan),
        })
    }
}

/// A plan between the aggregation and the scan, rewritten over the rollup: the same output
/// columns, then the rollup's other measures carried along.
struct Path {
    plan: LogicalPlan,
    /// The output columns that carry `facts.value` (now the rollup's sum).
    values: Vec<Column>,
    /// Where [`MEASURES`] are in the output, in that order.
    measures: [Column; 4],
}

/// The rollup's columns beside the sum, carried from the scan to the aggregation.
const MEASURES: [&str; 4] = [FIGURES, MIN, MAX, POSITIVE];

impl RollupRule {
    fn aggregate(&self, agg: &Aggregate) -> Option<LogicalPlan> {
        let path = self.path(&agg.input)?;
        if agg
            .group_expr
            .iter()
            .any(|g| matches!(g, Expr::GroupingSet(_)) || touches(g, &path.values))
        {
            return None;
        }
        // The new aggregation under internal names, then a projection giving each column
        // its old name (and a count its 0 on no rows: an aggregation may hold aggregates
        // only, not `coalesce` around one).
        let groups = agg.group_expr.len();
        let mut outer: Vec<Expr> = (0..groups)
            .map(|i| {
                let (q, f) = agg.schema.qualified_field(i);
                Expr::Column(Column::new(q.cloned(), f.name()))
            })
            .collect();
        let mut aggr = Vec::with_capacity(agg.aggr_expr.len());
        for (i, e) in agg.aggr_expr.iter().enumerate() {
            let (qualifier, field) = agg.schema.qualified_field(groups + i);
            let (new, count) = decompose(unalias(e), &path)?;
            let name = format!("__rollup_{i}");
            aggr.push(new.alias(&name));
            let column = Expr::Column(Column::new_unqualified(name));
            let column = if count {
                // `coalesce` as the CASE it is simplified to: this may be the last pass.
                datafusion::logical_expr::when(
                    column.clone().is_null(),
                    Expr::Literal(ScalarValue::Int64(Some(0)), None),
                )
                .otherwise(column)
                .ok()?
            } else {
                column
            };
            outer.push(column.alias_qualified(qualifier.cloned(), field.name()));
        }
        let new = Aggregate::try_new(Arc::new(path.plan), agg.group_expr.clone(), aggr).ok()?;
        let named = Projection::try_new(outer, Arc::new(LogicalPlan::Aggregate(new))).ok()?;
        same_columns(&named.schema, &agg.schema).then_some(LogicalPlan::Projection(named))
    }

    fn path(&self, plan: &LogicalPlan) -> Option<Path> {
        match plan {
            LogicalPlan::TableScan(scan) => self.scan(scan),
            LogicalPlan::Filter(f) => {
                let inner = self.path(&f.input)?;
                if touches(&f.predicate, &inner.values) {
                    return None;
                }
                let plan = Filter::try_new(f.predicate.clone(), Arc::new(inner.plan)).ok()?;
                Some(Path {
                    plan: LogicalPlan::Filter(plan),
                    ..inner
                })
            }
            LogicalPlan::Projection(p) => {
                let inner = self.path(&p.input)?;
                let mut values = Vec::new();
                for (i, e) in p.expr.iter().enumerate() {
                    match unalias(e) {
                        Expr::Column(c) if inner.values.contains(c) => {
                            let (q, f) = p.schema.qualified_field(i);
                            values.push(Column::new(q.cloned(), f.name()));
                        }
                        e if touches(e, &inner.values) => return None,
                        _ => {}
                    }
                }
                let mut exprs = p.expr.clone();
                exprs.extend(inner.measures.iter().cloned().map(Expr::Column));
                let plan = Projection::try_new(exprs, Arc::new(inner.plan)).ok()?;
                Some(Path {
                    plan: LogicalPlan::Projection(plan),
                    values,
                    ..inner
                })
            }
            LogicalPlan::SubqueryAlias(a) => {
                let inner = self.path(&a.input)?;
                let before = inner.plan.schema().clone();
                let plan = SubqueryAlias::try_new(Arc::new(inner.plan), a.alias.clone()).ok()?;
                // Same columns in the same places, under the alias.
                let after = plan.schema.clone();
                let moved = |c: &Column| -> Option<Column> {
                    let (q, f) = after.qualified_field(before.index_of_column(c).ok()?);
                    Some(Column::new(q.cloned(), f.name()))
                };
                Some(Path {
                    values: inner.values.iter().map(moved).collect::<Option<Vec<_>>>()?,
                    measures: [
                        moved(&inner.measures[0])?,
                        moved(&inner.measures[1])?,
                        moved(&inner.measures[2])?,
                        moved(&inner.measures[3])?,
                    ],
                    plan: LogicalPlan::SubqueryAlias(plan),
                })
            }
            LogicalPlan::Join(j) => {
                // Each fact of a rollup row meets the same rows of the other side (the keys
                // are dimensions), so the rollup row stands for them in the join too. An
                // outer join would add a row of NULLs counted once, not once per fact.
                let try_left = || self.path(&j.left).map(|p| (true, p));
                let try_right = || self.path(&j.right).map(|p| (false, p));
                let (on_left, inner) = match j.join_type {
                    JoinType::Inner => try_left().or_else(try_right)?,
                    JoinType::LeftSemi | JoinType::LeftAnti => try_left()?,
                    JoinType::RightSemi | JoinType::RightAnti => try_right()?,
                    _ => return None,
                };
                let keys = j.on.iter().flat_map(|(l, r)| [l, r]).chain(j.filter.iter());
                if keys.into_iter().any(|e| touches(e, &inner.values)) {
                    return None;
                }
                let Path {
                    plan: side,
                    values,
                    measures,
                } = inner;
                let (l, r) = if on_left {
                    (Arc::new(side), j.right.clone())
                } else {
                    (j.left.clone(), Arc::new(side))
                };
                let plan = Join::try_new(
                    l,
                    r,
                    j.on.clone(),
                    j.filter.clone(),
                    j.join_type,
                    j.join_constraint,
                    j.null_equality,
                    j.null_aware,
                )
                .ok()?;
                Some(Path {
                    plan: LogicalPlan::Join(plan),
                    values,
                    measures,
                })
            }
            _ => None,
        }
    }

    /// A scan of `facts` reading dimensions and `value` only, as a scan of the rollups.
    fn scan(&self, scan: &TableScan) -> Option<Path> {
        let provider = source_as_provider(&scan.source).ok()?;
        let same_table = std::ptr::addr_eq(Arc::as_ptr(&provider), Arc::as_ptr(&self.facts));
        if !same_table || scan.fetch.is_some() {
            return None;
        }
        let schema = provider.schema();
        let names: Vec<&str> = scan
            .projection
            .as_ref()?
            .iter()
            .map(|&i| schema.field(i).name().as_str())
            .collect();
        let dimension = |n: &str| DIMENSIONS.contains(&n);
        if names.iter().any(|n| *n != SUM && !dimension(n))
            || scan
                .filters
                .iter()
                .any(|f| touches(f, &[]) || f.column_refs().iter().any(|c| !dimension(&c.name)))
        {
            return None;
        }
        let rollup = self.rollup.schema();
        let mut projection = names
            .iter()
            .map(|n| rollup.index_of(n).ok())
            .collect::<Option<Vec<usize>>>()?;
        for extra in MEASURES {
            projection.push(rollup.index_of(extra).ok()?);
        }
        let new = TableScanBuilder::new(scan.table_name.clone(), self.rollup.clone())
            .with_projection(Some(projection))
            .with_filters(scan.filters.clone())
            .build()
            .ok()?;
        let column = |name: &str| Column::new(Some(scan.table_name.clone()), name);
        Some(Path {
            plan: LogicalPlan::TableScan(new),
            values: if names.contains(&SUM) {
                vec![column(SUM)]
            } else {
                Vec::new()
            },
            measures: MEASURES.map(column),
        })
    }
}

/// The aggregate over rollup rows equal to `e` over facts, and whether it is a count (a sum
/// of counts, NULL where the count is 0); or `None`.
fn decompose(e: &Expr, path: &Path) -> Option<(Expr, bool)> {
    let Expr::AggregateFunction(AggregateFunction { func, params }) = e else {
        return None;
    };
    if params.distinct
        || params.filter.is_some()
        || !params.order_by.is_empty()
        || params.null_treatment.is_some()
    {
        return None;
    }
    let kind = func.inner();
    let [arg] = params.args.as_slice() else {
        return None;
    };
    if kind.is::<Count>() {
        // `count(*)` (a literal) or `count(value)` (never NULL): every fact counts.
        let counts_all = match arg {
            Expr::Literal(v, _) => !v.is_null(),
            Expr::Column(c) => path.values.contains(c),
            _ => false,
        };
        return counts_all.then(|| {
            (
                datafusion::functions_aggregate::expr_fn::sum(Expr::Column(
                    path.measures[0].clone(),
                )),
                true,
            )
        });
    }
    if kind.is::<Sum>() && counts_positive(arg, &path.values) {
        return Some((
            datafusion::functions_aggregate::expr_fn::sum(Expr::Column(path.measures[3].clone())),
            false,
        ));
    }
    if !linear(arg, &path.values) {
        return None;
    }
    let read_as = if kind.is::<Sum>() {
        return Some((e.clone(), false));
    } else if kind.is::<Min>() {
        &path.measures[1]
    } else if kind.is::<Max>() {
        &path.measures[2]
    } else {
        return None;
    };
    let arg = arg
        .clone()
        .transform(|x| {
            Ok(match &x {
                Expr::Column(c) if path.values.contains(c) => {
                    Transformed::yes(Expr::Column(read_as.clone()))
                }
                _ => Transformed::no(x),
            })
        })
        .ok()?
        .data;
    let mut params = params.clone();
    params.args = vec![arg];
    Some((
        Expr::AggregateFunction(AggregateFunction {
            func: func.clone(),
            params,
        }),
        false,
    ))
}

/// `CASE WHEN value > 0 THEN 1 ELSE 0 END` (integers): summed, the facts above zero.
fn counts_positive(e: &Expr, values: &[Column]) -> bool {
    use datafusion::logical_expr::{BinaryExpr, Operator};
    let Expr::Case(case) = e else {
        return false;
    };
    let int = |e: Option<&Expr>, n: i64| matches!(e, Some(Expr::Literal(ScalarValue::Int64(Some(v)), _)) if *v == n);
    match (case.expr.as_ref(), case.when_then_expr.as_slice()) {
        (None, [(when, then)]) => {
            matches!(when.as_ref(), Expr::BinaryExpr(BinaryExpr { left, op: Operator::Gt, right })
                if matches!(left.as_ref(), Expr::Column(c) if values.contains(c))
                    && matches!(right.as_ref(), Expr::Literal(v, _) if zero(v)))
                && int(Some(then), 1)
                && int(case.else_expr.as_deref(), 0)
        }
        _ => false,
    }
}

/// `value`, or a `CASE` whose conditions do not name it and whose branches are `value`,
/// `NULL`, zero or such a `CASE`: the same branch for every fact of a rollup row, so the
/// aggregate of the branches is the aggregate of the row's sum (or bounds).
fn linear(e: &Expr, values: &[Column]) -> bool {
    let branch = |b: &Expr| match b {
        Expr::Literal(v, _) => v.is_null() || zero(v),
        b => linear(b, values),
    };
    match e {
        Expr::Column(c) => values.contains(c),
        Expr::Case(case) => {
            case.expr.as_deref().is_none_or(|b| !touches(b, values))
                && case
                    .when_then_expr
                    .iter()
                    .all(|(w, t)| !touches(w, values) && branch(t))
                && case.else_expr.as_deref().is_none_or(branch)
        }
        _ => false,
    }
}

fn zero(v: &ScalarValue) -> bool {
    ScalarValue::new_zero(&v.data_type()).is_ok_and(|z| z == *v)
}

/// Whether `e` names one of `values`, holds a subquery (whose references are not followed)
/// or is volatile (`random()`: it would be drawn once per rollup row, not once per fact).
fn touches(e: &Expr, values: &[Column]) -> bool {
    subquery(e) || e.is_volatile() || e.column_refs().iter().any(|c| values.contains(c))
}

fn subquery(e: &Expr) -> bool {
    e.exists(|x| {
        Ok(matches!(
            x,
            Expr::ScalarSubquery(_)
                | Expr::Exists(_)
                | Expr::InSubquery(_)
                | Expr::OuterReferenceColumn(..)
        ))
    })
    .unwrap_or(true)
}

fn unalias(e: &Expr) -> &Expr {
    match e {
        Expr::Alias(a) => unalias(&a.expr),
        e => e,
    }
}

/// The same qualified names and the same types, in the same order.
fn same_columns(a: &DFSchema, b: &DFSchema) -> bool {
    a.fields().len() == b.fields().len()
        && a.iter().zip(b.iter()).all(|((qa, fa), (qb, fb))| {
            qa == qb && fa.name() == fb.name() && fa.data_type() == fb.data_type()
        })
}
