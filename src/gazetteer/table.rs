//! `divisions` in SQL: a table provider that builds its batch on the first scan, so that
//! opening the warehouse does not parse 45,000 divisions it may never need.

use std::sync::{Arc, OnceLock};

use datafusion::arrow::array::{ArrayRef, RecordBatch, StringArray};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::datasource::MemTable;
use datafusion::error::Result;
use datafusion::logical_expr::TableType;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::prelude::Expr;

use super::{gazetteer, Division};

/// `divisions(code, name, full_name, level, parent_code, province)`.
pub fn divisions_schema() -> SchemaRef {
    let f = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
    Arc::new(Schema::new(vec![
        f("code", false),
        f("name", false),
        f("full_name", false),
        f("level", false),
        f("parent_code", true),
        f("province", false),
    ]))
}

fn batch() -> Result<RecordBatch> {
    let all = gazetteer().divisions();
    let col = |f: fn(&Division) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(all.iter().map(f)))
    };
    Ok(RecordBatch::try_new(
        divisions_schema(),
        vec![
            col(|d| d.code),
            col(|d| d.name),
            col(|d| d.full_name),
            col(|d| d.level),
            Arc::new(StringArray::from_iter(
                all.iter()
                    .map(|d| (!d.parent_code.is_empty()).then_some(d.parent_code)),
            )),
            col(|d| d.province),
        ],
    )?)
}

/// The lazily built `divisions` table.
#[derive(Debug, Default)]
pub struct DivisionsTable {
    table: OnceLock<Arc<MemTable>>,
}

impl DivisionsTable {
    fn table(&self) -> Result<Arc<MemTable>> {
        if let Some(t) = self.table.get() {
            return Ok(t.clone());
        }
        let t = Arc::new(MemTable::try_new(divisions_schema(), vec![vec![batch()?]])?);
        Ok(self.table.get_or_init(|| t).clone())
    }
}

#[async_trait::async_trait]
impl TableProvider for DivisionsTable {
    fn schema(&self) -> SchemaRef {
        divisions_schema()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        self.table()?.scan(state, projection, filters, limit).await
    }
}
